/*
 * signal_send.c - sending signals (kernel/, the signal service of
 * signal.c): to a thread, a process, a group or every process kill(2)
 * may reach; what a signal does on arrival (SIGKILL, SIGCONT, the stop
 * signals); stopping and continuing a process and telling its parent;
 * waking the threads that must look at their signals.
 */
#include <keel/errno.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/sync.h>
#include "signal_impl.h"

#define CAP_KILL 5

/*
 * Under sig_lock: does s have a signal to handle (or to wait for), or
 * must it leave its wait because its process stops or ends?
 */
void recalc(struct sigstate *s)
{
	uint64_t p = (s->pending.set | my_hand(s)->pending.set) &
		     (~s->blocked | s->waitset);

	if (s->thread)
		s->thread->interrupted =
		    p != 0 || s->proc->stopped || s->proc->exiting ||
		    (s->proc->exec_thread && s->proc->exec_thread != s->thread);
}

static void kick(struct sigstate *s)
{
	recalc(s);
	if (s->thread && s->thread->interrupted)
		sched_wake(s->thread);
}

/* Under sig_lock: every thread of h looks at its signals again. */
void kick_all(struct sighand *h)
{
	list_for_each (n, &h->states)
		kick(list_entry(n, struct sigstate, node));
}

/* Under sig_lock: drop what h and its threads have pending of set. */
void discard(struct sighand *h, uint64_t set)
{
	sigq_drop(h, &h->pending, set);
	list_for_each (n, &h->states) {
		struct sigstate *t = list_entry(n, struct sigstate, node);

		sigq_drop(h, &t->pending, set);
		recalc(t);
	}
}

/*
 * Under sig_lock: make sig pending for thread s of h, or for the process
 * (s NULL), and wake a thread that will handle it: 0 or -EAGAIN.
 */
int send_locked(struct sighand *h, struct sigstate *s, int sig,
		const struct ksiginfo *info)
{
	struct sigstate *first =
	    list_empty(&h->states)
		? NULL
		: list_entry(h->states.next, struct sigstate, node);
	uint64_t blocked = s ? s->blocked : first ? first->blocked : 0;
	int err;

	if (ignored(h, sig) && !(blocked & BIT(sig)))
		return 0;
	err = sigq_add(h, s ? &s->pending : &h->pending, sig, info);
	if (err)
		return err;
	if (s)
		kick(s);
	else
		kick_all(h); /* the first thread that takes it; all recheck */
	waitq_wake_all(&signal_wq);
	return 0;
}

void signal_fill_info(struct ksiginfo *i, int sig, int code)
{
	memset(i, 0, sizeof(*i));
	i->signo = sig;
	i->code = code;
	i->kill.pid = current_process()->pid;
	i->kill.uid = current_process()->cred.ruid;
}

/* ---- stop and continue ---- */

/* Under sig_lock: p stopped or continued: its parent learns of it. */
static void tell_parent(struct process *p, int code, int status)
{
	struct process *parent = p->parent;
	struct sighand *ph = parent ? hand_of(parent) : NULL;
	struct ksiginfo i;

	if (!parent)
		return;
	waitq_wake_all(&parent->child_wq);
	if (!ph || (ph->acts->a[SIGCHLD].flags & SA_NOCLDSTOP))
		return;
	memset(&i, 0, sizeof(i));
	i.signo = SIGCHLD;
	i.code = code;
	i.chld.pid = p->pid;
	i.chld.uid = p->cred.ruid;
	i.chld.status = status;
	(void)send_locked(ph, NULL, SIGCHLD, &i); /* standard: no -EAGAIN */
}

/* Under sig_lock. */
void stop_locked(struct process *p, int sig)
{
	struct sighand *h = hand_of(p);

	if (p->stopped || p->exiting || !h)
		return;
	p->stopped = true;
	p->wstatus = sig << 8 | 0x7f; /* WIFSTOPPED, WSTOPSIG */
	p->stop_reported = false;
	kick_all(h); /* each thread stops on its way to user mode */
	tell_parent(p, CLD_STOPPED, sig);
}

/* Under sig_lock. */
static void continue_locked(struct process *p)
{
	struct sighand *h = hand_of(p);

	if (!p->stopped || !h)
		return;
	p->stopped = false;
	p->wstatus = 0xffff; /* WIFCONTINUED */
	p->cont_reported = false;
	waitq_wake_all(&h->stop_wq);
	kick_all(h);
	tell_parent(p, CLD_CONTINUED, SIGCONT);
}

void process_stop(struct process *p, int sig)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	stop_locked(p, sig);
	spin_unlock_irqrestore(&sig_lock, irq);
}

void process_continue(struct process *p)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	continue_locked(p);
	spin_unlock_irqrestore(&sig_lock, irq);
}

/*
 * Under sig_lock (*irq its flags): while s's process is stopped, wait;
 * when it is ending, let the thread end (process_check_exiting).
 */
void stopped_wait(struct sigstate *s, unsigned long *irq)
{
	struct process *p = s->proc;

	while (p->stopped && !p->exiting)
		waitq_wait_locked(&my_hand(s)->stop_wq, &sig_lock, 0);
	if (p->exiting) {
		spin_unlock_irqrestore(&sig_lock, *irq);
		process_check_exiting();
		*irq = spin_lock_irqsave(&sig_lock);
	}
}

/* Is p's group orphaned: no member's parent is in another group of the
 * same session (POSIX: such a group is not stopped from a terminal)? */
struct orphan_arg {
	int pgid, sid;
};

static int has_outside_parent(struct process *q, void *arg)
{
	const struct orphan_arg *o = arg;
	const struct process *par = q->parent;

	/* The first process's parent is the host, outside the VM, as a
	 * shell is outside the group of the program it started. */
	if (q->state == PROCESS_ALIVE && pgid_of(q) == o->pgid && !par &&
	    q->pid == 1)
		return 1;
	return q->state == PROCESS_ALIVE && pgid_of(q) == o->pgid && par &&
	       pgid_of(par) != o->pgid && par->sid == q->sid;
}

/*
 * Whether the default action of stop signal sig stops p (called without
 * sig_lock: it walks the process table). A process without a parent is
 * never stopped: nobody could continue it or would be told.
 */
bool may_stop(struct process *p, int sig)
{
	struct orphan_arg o = { pgid_of(p), p->sid };

	if (!p->parent)
		return false;
	return sig == SIGSTOP || process_for_each(has_outside_parent, &o);
}

/*
 * Under sig_lock: what a signal does on its way in, before it is
 * pending (Linux's prepare_signal): SIGKILL ends p, SIGCONT continues it
 * and drops the pending stop signals, a stop signal drops a pending
 * SIGCONT. False when nothing is left to queue.
 */
static bool arrive(struct process *p, struct sighand *h, int sig)
{
	if (sig == SIGKILL) {
		p->wstatus = SIGKILL; /* killed: what its parent's wait sees */
		p->exiting = true;
		waitq_wake_all(&h->stop_wq);
		kick_all(h);
		return false;
	}
	if (sig == SIGCONT) {
		discard(h, STOPS);
		h->conts++;
		continue_locked(p);
	} else if (BIT(sig) & STOPS) {
		discard(h, BIT(SIGCONT));
	}
	return true;
}

/* Send to thread s of p, or to p (s NULL): 0 or -EAGAIN. */
static int send(struct process *p, struct sigstate *s, int sig,
		const struct ksiginfo *info)
{
	struct sighand *h;
	unsigned long irq;
	int err = 0;

	if (sig < 1 || sig > KSIG_MAX)
		return sig ? -EINVAL : 0;
	if (sig == SIGKILL && p == current_process())
		signal_die(sig); /* ends the calling process now */
	irq = spin_lock_irqsave(&sig_lock);
	h = hand_of(p);
	/* A process that has ended (or is ending) takes no signal. */
	if (h && p->state == PROCESS_ALIVE && !p->exiting && arrive(p, h, sig))
		err = send_locked(h, s, sig, info);
	spin_unlock_irqrestore(&sig_lock, irq);
	waitq_wake_all(&signal_wq);
	if (signal_sent_hook)
		signal_sent_hook();
	return err;
}

int signal_send_to(struct sigstate *s, int sig, const struct ksiginfo *info)
{
	return send(s ? s->proc : signal_self()->proc, s, sig, info);
}

int signal_send_proc(struct process *p, int sig, const struct ksiginfo *info)
{
	return send(p, NULL, sig, info);
}

struct each {
	int (*match)(struct process *p, void *arg);
	void *arg;
	int sig;
	const struct ksiginfo *info;
	bool self;
	int sent, refused;
};

static int send_each(struct process *p, void *arg)
{
	struct each *e = arg;
	int m = e->match(p, e->arg);

	if (m < 0)
		e->refused++;
	if (m <= 0)
		return 0;
	e->sent++;
	if (p == current_process())
		e->self = true; /* last, out of the table's lock: it may end */
	else if (e->sig)
		signal_send_proc(p, e->sig, e->info);
	return 0;
}

int signal_send_each(int (*match)(struct process *p, void *arg), void *arg,
		     int sig, const struct ksiginfo *info)
{
	struct each e = { match, arg, sig, info, false, 0, 0 };

	process_for_each(send_each, &e);
	if (e.self && sig)
		signal_send_proc(current_process(), sig, info);
	return e.sent ? e.sent : e.refused ? -EPERM : -ESRCH;
}

bool signal_may_kill(struct process *p, int sig)
{
	const struct cred *me = &current_process()->cred;

	return (me->cap_eff & 1ULL << CAP_KILL) || me->euid == p->cred.ruid ||
	       me->euid == p->cred.suid || me->ruid == p->cred.ruid ||
	       me->ruid == p->cred.suid ||
	       (sig == SIGCONT && p->sid == current_process()->sid);
}

static int in_group(struct process *p, void *arg)
{
	return pgid_of(p) == *(int *)arg;
}

void signal_send_pgrp(int pgid, int sig)
{
	struct ksiginfo i;

	memset(&i, 0, sizeof(i)); /* as Linux's SEND_SIG_PRIV: no sender */
	i.signo = sig;
	i.code = SI_KERNEL;
	signal_send_each(in_group, &pgid, sig, &i);
}

int signal_pgid(const struct process *p)
{
	return pgid_of(p);
}

void signal_on_send(void (*fn)(void))
{
	signal_sent_hook = fn;
}

void signal_send_self(int sig)
{
	struct ksiginfo i;

	signal_fill_info(&i, sig, SI_KERNEL);
	signal_send_to(signal_self(), sig, &i);
}

void signal_send_process(int sig)
{
	signal_send_pgrp(pgid_of(current_process()), sig);
}

bool signal_pending(void)
{
	return current_thread()->interrupted;
}

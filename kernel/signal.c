/*
 * signal.c - signals as a kernel service (kernel/): actions, per-thread
 * masks and pending sets, the process's shared pending set, sending (to a
 * thread, the process, the caller), waiting, and delivery on the way back
 * to user mode, which the architecture calls (signal_exit_to_user,
 * signal_fault; the frame itself is arch_signal_setup's). fs/ and net/
 * send through here; linux/signal.c turns it into system calls.
 *
 * Each process has a struct sighand (its process-wide pending set and
 * its threads' states) pointing to a table of actions, which processes
 * cloned with CLONE_SIGHAND share (counted). The first process gets its
 * own at its first use, so a kernel that never forks sees no difference.
 *
 * One lock (sig_lock, taken with interrupts off: timers send from
 * interrupt context) guards everything here, for every process. Each
 * signal has one pending slot per thread and one for the process: a
 * second instance of a pending signal merges with the first (Linux
 * queues real-time signals; keel keeps one of each, see docs/linux.md).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/sync.h>

#define BIT(sig) SIGBIT(sig)
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define STOPS (BIT(SIGSTOP) | BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))
#define CAP_KILL 5

/* The actions, shared by the processes of one CLONE_SIGHAND family. */
struct sigacts {
	int refs;
	struct ksigaction a[KSIG_MAX + 1];
};

/* One process's signals: current_process()->sig. */
struct sighand {
	struct process *proc;
	struct sigacts *acts;
	uint64_t pending; /* process-directed */
	struct ksiginfo info[KSIG_MAX + 1];
	struct list_node states; /* its started threads' */
	struct waitq stop_wq; /* its threads while it is stopped */
	unsigned conts; /* SIGCONTs so far: a stop taken before one is void */
};

static struct spinlock sig_lock;
/* The first process's, in place from the start (nothing to allocate). */
static struct sigacts first_acts = { .refs = 1 };
static struct sighand first_hand = {
	.acts = &first_acts,
	.states = LIST_INIT(first_hand.states),
	.stop_wq = WAITQ_INIT(first_hand.stop_wq),
};
/* The program's first thread. */
static struct sigstate main_state = { .altstack = { .flags = SS_DISABLE } };
struct waitq signal_wq = WAITQ_INIT(signal_wq); /* signalfd readers */
static void (*sent_hook)(void); /* signalfd's pollers */

enum { ACT_TERM, ACT_IGN, ACT_CORE, ACT_STOP };

static int default_action(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
	case SIGCONT:
		return ACT_IGN;
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return ACT_STOP;
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGSYS:
		return ACT_CORE;
	default:
		return ACT_TERM;
	}
}

static const char *const names[] = {
	[SIGHUP] = "SIGHUP",	   [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",	   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",	   [SIGFPE] = "SIGFPE",	  [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1",	   [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE",	   [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
	[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGIO] = "SIGIO",
	[SIGPWR] = "SIGPWR",	   [SIGSYS] = "SIGSYS",	  [SIGCHLD] = "SIGCHLD",
	[SIGCONT] = "SIGCONT",	   [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN",	   [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",
	[SIGWINCH] = "SIGWINCH",
};

static const char *sig_name(int sig)
{
	return sig < (int)ARRAY_SIZE(names) && names[sig]
		   ? names[sig]
		   : "a real-time signal";
}

static bool dumps_core(int sig)
{
	return default_action(sig) == ACT_CORE;
}

__noreturn void signal_die(int sig)
{
	struct process *p = current_process();

	if (p->parent) { /* not the first: say which, if it crashed */
		if (dumps_core(sig))
			printk("keel: process %d (%s) was killed by %s "
			       "(signal %d)\n",
			       p->pid, p->comm, sig_name(sig), sig);
	} else
		printk("keel: the program was killed by %s (signal %d)\n",
		       sig_name(sig), sig);
	process_exit_signal(sig, dumps_core(sig));
}

/*
 * Under sig_lock: p's signals. The first process gets the static ones at
 * its first use; every other process has had its own since signal_fork
 * (NULL once released: a zombie takes no signal).
 */
static struct sighand *hand_of(struct process *p)
{
	if (!p->sig && !first_hand.proc) {
		first_hand.proc = p;
		p->sig = &first_hand;
	}
	return p->sig;
}

/* Under sig_lock: the calling thread's process's signals. */
static struct sighand *my_hand(struct sigstate *s)
{
	return hand_of(s->proc);
}

static bool ignored(struct sighand *h, int sig)
{
	uint64_t hd = h->acts->a[sig].handler;

	return hd == SIG_IGN ||
	       (hd == SIG_DFL && default_action(sig) == ACT_IGN);
}

/* ---- the threads' states ---- */

/*
 * Under sig_lock: attach s to the calling thread, in the process it was
 * made for (s->proc: the thread may start before it knows its process).
 */
static void attach(struct sigstate *s)
{
	s->thread = current_thread();
	current_thread()->sig = s;
	list_push_back(&hand_of(s->proc)->states, &s->node);
}

struct sigstate *signal_self(void)
{
	struct thread *t = current_thread();
	unsigned long irq;

	if (!t->sig) { /* the program's first thread */
		irq = spin_lock_irqsave(&sig_lock);
		if (!main_state.thread) {
			main_state.proc = current_process();
			attach(&main_state);
		}
		spin_unlock_irqrestore(&sig_lock, irq);
	}
	return t->sig ? t->sig : &main_state;
}

/* A new thread inherits the creator's mask, not its pending signals. */
static struct sigstate *thread_new(struct process *p, bool keep_stack)
{
	struct sigstate *self = signal_self();
	struct sigstate *s = kzalloc(sizeof(*s));

	if (!s)
		return NULL;
	s->proc = p ? p : self->proc;
	s->blocked = self->blocked;
	/* fork keeps the alternate stack; a new thread has none. */
	s->altstack.flags = SS_DISABLE;
	if (keep_stack)
		s->altstack = self->altstack;
	return s;
}

struct sigstate *signal_thread_new(void)
{
	return thread_new(NULL, false);
}

struct sigstate *signal_thread_new_in(struct process *child)
{
	return thread_new(child, true);
}

void signal_thread_start(struct sigstate *s)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	attach(s);
	spin_unlock_irqrestore(&sig_lock, irq);
}

void signal_thread_end(void)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	list_remove(&s->node);
	s->pending = 0;
	s->thread = NULL;
	current_thread()->sig = NULL;
	spin_unlock_irqrestore(&sig_lock, irq);
	if (s != &main_state)
		kfree(s);
}

/* ---- processes ---- */

int signal_fork(struct process *child, bool share)
{
	struct sigstate *self = signal_self();
	struct sighand *h = kzalloc(sizeof(*h));
	struct sigacts *acts = share ? NULL : kzalloc(sizeof(*acts));
	unsigned long irq;

	if (!h || (!share && !acts)) {
		kfree(h);
		kfree(acts);
		return -ENOMEM;
	}
	h->proc = child;
	list_init(&h->states);
	waitq_init(&h->stop_wq);
	irq = spin_lock_irqsave(&sig_lock);
	if (share) {
		acts = my_hand(self)->acts;
	} else {
		memcpy(acts->a, my_hand(self)->acts->a, sizeof(acts->a));
	}
	acts->refs++;
	h->acts = acts;
	child->sig = h;
	spin_unlock_irqrestore(&sig_lock, irq);
	return 0;
}

/* Under sig_lock: drop a reference to acts; true when it must be freed. */
static bool acts_put(struct sigacts *acts)
{
	return --acts->refs == 0 && acts != &first_acts;
}

void signal_process_release(struct process *p)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	struct sighand *h = p->sig;
	bool free_acts = h && acts_put(h->acts);

	p->sig = NULL; /* its threads have ended: nothing else refers to h */
	spin_unlock_irqrestore(&sig_lock, irq);
	if (free_acts)
		kfree(h->acts);
	if (h && h != &first_hand)
		kfree(h);
}

void signal_exec_reset(void)
{
	struct sigstate *s = signal_self();
	struct sigacts *fresh = kzalloc(sizeof(*fresh));
	struct ksigaction *a;
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	struct sighand *h = my_hand(s);

	/* A table shared with other processes (CLONE_SIGHAND) is copied
	 * first: the new program's changes are its own. Without memory the
	 * shared one is reset: the others lose only their handlers. */
	if (h->acts->refs > 1 && fresh) {
		memcpy(fresh->a, h->acts->a, sizeof(fresh->a));
		fresh->refs = 1;
		h->acts->refs--;
		h->acts = fresh;
		fresh = NULL;
	}
	for (int sig = 1; sig <= KSIG_MAX; sig++) {
		a = &h->acts->a[sig];
		if (a->handler != SIG_IGN)
			a->handler = SIG_DFL;
		a->flags = a->restorer = a->mask = 0;
	}
	s->altstack = (struct kstack){ .flags = SS_DISABLE };
	spin_unlock_irqrestore(&sig_lock, irq);
	kfree(fresh);
}

bool signal_child_autoreap(struct process *parent)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	struct sighand *h = hand_of(parent);
	const struct ksigaction *a = h ? &h->acts->a[SIGCHLD] : NULL;
	bool reap = a && (a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT));

	spin_unlock_irqrestore(&sig_lock, irq);
	return reap;
}

/* ---- sending ---- */

/*
 * Under sig_lock: does s have a signal to handle (or to wait for), or
 * must it leave its wait because its process stops or ends?
 */
static void recalc(struct sigstate *s)
{
	uint64_t p =
	    (s->pending | my_hand(s)->pending) & (~s->blocked | s->waitset);

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
static void kick_all(struct sighand *h)
{
	list_for_each (n, &h->states)
		kick(list_entry(n, struct sigstate, node));
}

/* Under sig_lock: drop what h and its threads have pending of set. */
static void discard(struct sighand *h, uint64_t set)
{
	h->pending &= ~set;
	list_for_each (n, &h->states) {
		struct sigstate *t = list_entry(n, struct sigstate, node);

		t->pending &= ~set;
		recalc(t);
	}
}

/*
 * Under sig_lock: make sig pending for thread s of h, or for the process
 * (s NULL), and wake a thread that will handle it.
 */
static void send_locked(struct sighand *h, struct sigstate *s, int sig,
			const struct ksiginfo *info)
{
	struct sigstate *first =
	    list_empty(&h->states)
		? NULL
		: list_entry(h->states.next, struct sigstate, node);
	uint64_t blocked = s ? s->blocked : first ? first->blocked : 0;

	if (ignored(h, sig) && !(blocked & BIT(sig)))
		return;
	if (s) {
		if (!(s->pending & BIT(sig))) {
			s->pending |= BIT(sig);
			s->info[sig] = *info;
		}
		kick(s);
	} else {
		if (!(h->pending & BIT(sig))) {
			h->pending |= BIT(sig);
			h->info[sig] = *info;
		}
		/* The first thread that takes it; every thread rechecks. */
		kick_all(h);
	}
	waitq_wake_all(&signal_wq);
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
	send_locked(ph, NULL, SIGCHLD, &i);
}

/* Under sig_lock. */
static void stop_locked(struct process *p, int sig)
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
static void stopped_wait(struct sigstate *s, unsigned long *irq)
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

static int pgid_of(const struct process *p)
{
	return p->pgid ? p->pgid : p->pid; /* 0: not set, it leads its own */
}

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
static bool may_stop(struct process *p, int sig)
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

/* Send to thread s of p, or to p (s NULL). */
static int send(struct process *p, struct sigstate *s, int sig,
		const struct ksiginfo *info)
{
	struct sighand *h;
	unsigned long irq;

	if (sig < 1 || sig > KSIG_MAX)
		return sig ? -EINVAL : 0;
	if (sig == SIGKILL && p == current_process())
		signal_die(sig); /* ends the calling process now */
	irq = spin_lock_irqsave(&sig_lock);
	h = hand_of(p);
	/* A process that has ended (or is ending) takes no signal. */
	if (h && p->state == PROCESS_ALIVE && !p->exiting && arrive(p, h, sig))
		send_locked(h, s, sig, info);
	spin_unlock_irqrestore(&sig_lock, irq);
	waitq_wake_all(&signal_wq);
	if (sent_hook)
		sent_hook();
	return 0;
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
	sent_hook = fn;
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

/* ---- taking and waiting ---- */

/* Under sig_lock: take the lowest pending signal in mask, 0 if none. */
static int dequeue(struct sigstate *s, uint64_t mask, struct ksiginfo *info)
{
	uint64_t p = s->pending & mask;
	int sig;

	if (p) {
		sig = __builtin_ctzll(p) + 1;
		s->pending &= ~BIT(sig);
		*info = s->info[sig];
	} else if ((p = my_hand(s)->pending & mask)) {
		sig = __builtin_ctzll(p) + 1;
		my_hand(s)->pending &= ~BIT(sig);
		*info = my_hand(s)->info[sig];
	} else {
		return 0;
	}
	return sig;
}

int signal_dequeue(uint64_t mask, struct ksiginfo *info)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	int sig = dequeue(s, mask, info);

	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
	return sig;
}

bool signal_peek(uint64_t mask)
{
	struct sigstate *s = signal_self();

	return ((s->pending | my_hand(s)->pending) & mask) != 0;
}

uint64_t signal_pending_blocked(void)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	uint64_t set = (s->pending | my_hand(s)->pending) & s->blocked;

	spin_unlock_irqrestore(&sig_lock, irq);
	return set;
}

int signal_wait(uint64_t set, uint64_t deadline, struct ksiginfo *info)
{
	struct sigstate *s = signal_self();
	unsigned long irq;
	int sig, err;

	set &= ~UNBLOCKABLE;
	for (;;) {
		irq = spin_lock_irqsave(&sig_lock);
		sig = dequeue(s, set, info);
		if (!sig) {
			/* A signal outside set, unblocked: a handler runs;
			 * or the process stops or ends (EINTR after a stop,
			 * as Linux: signal(7)). */
			if (((s->pending | my_hand(s)->pending) &
			     ~s->blocked) ||
			    s->proc->stopped || s->proc->exiting)
				sig = -EINTR;
			else
				s->waitset = set;
		}
		recalc(s);
		spin_unlock_irqrestore(&sig_lock, irq);
		if (sig)
			return sig;
		err = sleep_intr(deadline) == -ETIMEDOUT ? -EAGAIN : 0;
		irq = spin_lock_irqsave(&sig_lock);
		s->waitset = 0;
		recalc(s);
		spin_unlock_irqrestore(&sig_lock, irq);
		if (err)
			return err;
	}
}

/* ---- actions and masks ---- */

int signal_action(int sig, const struct ksigaction *act, struct ksigaction *old)
{
	struct sigstate *s = signal_self();
	struct ksigaction *a;
	unsigned long irq;

	if (sig < 1 || sig > KSIG_MAX)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	irq = spin_lock_irqsave(&sig_lock);
	a = &my_hand(s)->acts->a[sig];
	if (old)
		*old = *a;
	if (act) {
		*a = *act;
		a->mask &= ~UNBLOCKABLE;
		/* Ignoring a signal discards what is pending of it. */
		if (ignored(my_hand(s), sig))
			discard(my_hand(s), BIT(sig));
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	return 0;
}

uint64_t signal_procmask(int how, const uint64_t *set)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	uint64_t old = s->blocked;

	if (set) {
		if (how == SIG_BLOCK)
			s->blocked |= *set;
		else if (how == SIG_UNBLOCK)
			s->blocked &= ~*set;
		else
			s->blocked = *set;
		s->blocked &= ~UNBLOCKABLE;
		recalc(s);
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	return old;
}

/* Wait with mask as the blocked set until a handler has run. */
long signal_suspend(uint64_t mask)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	if (!s->restore_mask) {
		s->saved_mask = s->blocked;
		s->restore_mask = true;
	}
	s->blocked = mask & ~UNBLOCKABLE;
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
	sleep_intr(0);
	return -ERESTARTNOHAND;
}

void signal_mask_begin(uint64_t mask)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	s->saved_mask = s->blocked;
	s->restore_mask = true;
	s->blocked = mask & ~UNBLOCKABLE;
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
}

void signal_mask_end(bool interrupted)
{
	struct sigstate *s = signal_self();
	unsigned long irq;

	if (interrupted)
		return; /* restored once the handler has been set up */
	irq = spin_lock_irqsave(&sig_lock);
	if (s->restore_mask) {
		s->blocked = s->saved_mask;
		s->restore_mask = false;
	}
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
}

/* ---- the alternate stack ---- */

/* Whether sp lies on s's alternate signal stack. */
static bool on_altstack(const struct sigstate *s, uint64_t sp)
{
	return !(s->altstack.flags & SS_DISABLE) && s->altstack.size &&
	       sp > s->altstack.sp && sp - s->altstack.sp <= s->altstack.size;
}

int signal_altstack(const struct kstack *ss, struct kstack *old)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	bool on = on_altstack(s, arch_user_sp());
	struct kstack st;
	int mode, err = 0;

	*old = s->altstack;
	if (on)
		old->flags |= SS_ONSTACK;
	if (!old->size && !on)
		old->flags = SS_DISABLE;
	if (ss) {
		st = *ss;
		mode = st.flags & ~SS_AUTODISARM;
		if (on)
			err = -EPERM;
		else if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
			err = -EINVAL;
		else if (mode == SS_DISABLE)
			st = (struct kstack){ .flags = SS_DISABLE };
		else if (st.size < MINSIGSTKSZ)
			err = -ENOMEM;
		else
			st.flags &= SS_AUTODISARM;
		if (!err)
			s->altstack = st;
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	return err;
}

void signal_restore(uint64_t mask, const struct kstack *st)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	s->blocked = mask & ~UNBLOCKABLE;
	/* The saved alternate stack comes back unless it was in use. */
	if (!on_altstack(s, arch_user_sp()) &&
	    ((st->flags & SS_DISABLE) ||
	     (st->size >= MINSIGSTKSZ &&
	      !(st->flags & ~SS_AUTODISARM & ~SS_ONSTACK)))) {
		s->altstack = *st;
		s->altstack.flags &= ~SS_ONSTACK;
	}
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
}

/* ---- delivery ---- */

static void restart_or_eintr(long nr, long ret, bool handler,
			     const struct ksigaction *a)
{
	if (nr < 0)
		return;
	if (ret == -ERESTARTSYS) {
		if (handler && !(a->flags & SA_RESTART))
			arch_syscall_set_return(-EINTR);
		else
			arch_syscall_restart(nr);
	} else if (ret == -ERESTARTNOHAND) {
		if (handler)
			arch_syscall_set_return(-EINTR);
		else
			arch_syscall_restart(nr);
	}
}

/*
 * Under sig_lock: the next signal s must handle with a handler (its
 * action in *a), running default actions on the way: 0 when none is
 * left. A signal whose default is to end the process unlocks and ends it.
 */
static int next_handled(struct sigstate *s, struct ksigaction *a,
			struct ksiginfo *info, unsigned long *irq)
{
	unsigned conts;
	bool stop;
	int sig;

	stopped_wait(s, irq);
	while ((sig = dequeue(s, ~s->blocked, info))) {
		*a = my_hand(s)->acts->a[sig];
		if (a->handler == SIG_IGN)
			continue;
		if (a->handler != SIG_DFL)
			return sig;
		switch (default_action(sig)) {
		case ACT_IGN:
			continue;
		case ACT_STOP:
			conts = my_hand(s)->conts;
			spin_unlock_irqrestore(&sig_lock, *irq);
			stop = may_stop(s->proc, sig);
			*irq = spin_lock_irqsave(&sig_lock);
			if (!stop) {
				WARN_ONCE("keel: %s would stop a process "
					  "nobody could continue (no parent, "
					  "or an orphaned group): ignored\n",
					  sig_name(sig));
			} else if (conts == my_hand(s)->conts) {
				/* (a SIGCONT since it was taken voids it) */
				stop_locked(s->proc, sig);
				stopped_wait(s, irq);
			}
			continue;
		default:
			spin_unlock_irqrestore(&sig_lock, *irq);
			signal_die(sig);
		}
	}
	return 0;
}

/* Under sig_lock: what the frame builder needs for handling sig. */
static void prepare(struct sigstate *s, int sig, const struct ksigaction *a,
		    struct sigdelivery *d)
{
	d->sig = sig;
	d->handler = a->handler;
	d->restorer = a->restorer;
	d->flags = a->flags;
	d->old_mask = s->restore_mask ? s->saved_mask : s->blocked;
	s->restore_mask = false;
	d->old_stack = s->altstack;
	if (on_altstack(s, arch_user_sp()))
		d->old_stack.flags |= SS_ONSTACK;
	if ((a->flags & SA_ONSTACK) && !(s->altstack.flags & SS_DISABLE) &&
	    s->altstack.size && !on_altstack(s, arch_user_sp())) {
		d->stack_top = s->altstack.sp + s->altstack.size;
		if (s->altstack.flags & SS_AUTODISARM)
			s->altstack = (struct kstack){ .flags = SS_DISABLE };
	}
	s->blocked |= a->mask & ~UNBLOCKABLE;
	if (!(a->flags & SA_NODEFER))
		s->blocked |= BIT(sig);
	if (a->flags & SA_RESETHAND)
		my_hand(s)->acts->a[sig].handler = SIG_DFL;
}

void signal_exit_to_user(long nr, long ret)
{
	struct sigstate *s = signal_self();
	struct sigdelivery d;
	struct ksigaction a;
	struct ksiginfo info;
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	int sig = next_handled(s, &a, &info, &irq);

	if (!sig) {
		restart_or_eintr(nr, ret, false, NULL);
		if (s->restore_mask) {
			s->blocked = s->saved_mask;
			s->restore_mask = false;
		}
		recalc(s);
		spin_unlock_irqrestore(&sig_lock, irq);
		return;
	}
	restart_or_eintr(nr, ret, true, &a);
	memset(&d, 0, sizeof(d));
	d.info = &info;
	prepare(s, sig, &a, &d);
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
	if (!(a.flags & SA_RESTORER) || arch_signal_setup(&d)) {
		/* No way back from the handler, or no room for the frame. */
		printk("keel: cannot deliver %s: %s\n", sig_name(sig),
		       a.flags & SA_RESTORER ? "the signal frame does not fit "
					       "on the user stack"
					     : "no SA_RESTORER");
		signal_die(SIGSEGV);
	}
}

void signal_fault(int sig, int code, uint64_t addr, const char *what,
		  uint64_t rip, uint64_t sp)
{
	struct sigstate *s = signal_self();
	struct ksiginfo info;
	unsigned long irq;
	uint64_t h;

	memset(&info, 0, sizeof(info));
	info.signo = sig;
	info.code = code;
	info.addr = addr;
	irq = spin_lock_irqsave(&sig_lock);
	h = my_hand(s)->acts->a[sig].handler;
	if (h == SIG_DFL || h == SIG_IGN || (s->blocked & BIT(sig))) {
		/* Linux forces the default action then: the process ends. */
		spin_unlock_irqrestore(&sig_lock, irq);
		printk("keel: %s: %s at address %016lx (rip %016lx, rsp "
		       "%016lx)\n",
		       sig_name(sig), what, addr, rip, sp);
		process_exit_signal(sig, dumps_core(sig));
	}
	s->pending |= BIT(sig);
	s->info[sig] = info;
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
	signal_exit_to_user(-1, 0);
}

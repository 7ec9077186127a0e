/*
 * signal.c - signals as a kernel service (kernel/), its core: the state
 * of each process (struct sighand) and thread (struct sigstate), their
 * action tables, and the queues of pending signals. Sending, stopping
 * and continuing are signal_send.c's; taking, waiting, masks and
 * delivery on the way back to user mode signal_deliver.c's (both share
 * signal_impl.h). fs/ and net/ send through here; linux/signal.c turns
 * it into system calls.
 *
 * Each process has a struct sighand (its process-wide pending signals
 * and its threads' states) pointing to a table of actions, which
 * processes cloned with CLONE_SIGHAND share for writing and a fork's
 * child shares copy-on-write. The first process gets its own at its
 * first use, so a kernel that never forks sees no difference.
 *
 * One lock (sig_lock, taken with interrupts off: timers send from
 * interrupt context) guards everything here, for every process. A
 * pending signal is a bit of a set and, per instance, an entry with its
 * siginfo on a queue in arrival order: a standard signal sent again
 * while pending merges with the first, a real-time one queues again, as
 * Linux does; a state with nothing pending holds no entry.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/sync.h>
#include "signal_impl.h"

#define RLIMIT_SIGPENDING 11

struct spinlock sig_lock;
/* The first process's, in place from the start (nothing to allocate). */
static struct sigacts first_acts = { .refs = 1 };
static struct sighand first_hand = {
	.acts = &first_acts,
	.pending = { .queue = LIST_INIT(first_hand.pending.queue) },
	.states = LIST_INIT(first_hand.states),
	.stop_wq = WAITQ_INIT(first_hand.stop_wq),
};
/* The program's first thread. */
static struct sigstate main_state = {
	.pending = { .queue = LIST_INIT(main_state.pending.queue) },
	.altstack = { .flags = SS_DISABLE },
};
struct waitq signal_wq = WAITQ_INIT(signal_wq); /* signalfd readers */
void (*signal_sent_hook)(void); /* signalfd's pollers */

int default_action(int sig)
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

const char *sig_name(int sig)
{
	const char *n = signal_name(sig);

	return n ? n : "a real-time signal";
}

bool dumps_core(int sig)
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
struct sighand *hand_of(struct process *p)
{
	if (!p->sig && !first_hand.proc) {
		first_hand.proc = p;
		p->sig = &first_hand;
	}
	return p->sig;
}

/* Under sig_lock: the calling thread's process's signals. */
struct sighand *my_hand(struct sigstate *s)
{
	return hand_of(s->proc);
}

bool ignored(struct sighand *h, int sig)
{
	uint64_t hd = h->acts->a[sig].handler;

	return hd == SIG_IGN ||
	       (hd == SIG_DFL && default_action(sig) == ACT_IGN);
}

int pgid_of(const struct process *p)
{
	return p->pgid ? p->pgid : p->pid; /* 0: not set, it leads its own */
}

/* ---- the queues of pending signals ---- */

static struct sigqueued *queued_of(struct list_node *n)
{
	return list_entry(n, struct sigqueued, node);
}

/* Under sig_lock: the oldest entry of sig in q, or NULL. */
static struct sigqueued *sigq_find(struct sigpending *q, int sig)
{
	list_for_each (n, &q->queue)
		if (queued_of(n)->info.signo == sig)
			return queued_of(n);
	return NULL;
}

/* A timer's signal still queued: its overruns grow instead (Linux). */
static bool timer_merge(struct sigpending *q, const struct ksiginfo *info)
{
	struct sigqueued *e;

	if (info->code != SI_TIMER)
		return false;
	list_for_each (n, &q->queue) {
		e = queued_of(n);
		if (e->info.signo == info->signo && e->info.code == SI_TIMER &&
		    e->info.timer.tid == info->timer.tid) {
			int64_t o = (int64_t)e->info.timer.overrun + 1 +
				    info->timer.overrun;

			e->info.timer.overrun =
			    o > INT32_MAX ? INT32_MAX : (int32_t)o;
			return true;
		}
	}
	return false;
}

int sigq_add(struct sighand *h, struct sigpending *q, int sig,
	     const struct ksiginfo *info)
{
	bool rt = sig >= KSIGRTMIN;
	/* Linux holds a real-time signal from a sender (sigqueue, tkill)
	 * to the limit; kill's, the kernel's and a timer's are set without
	 * their siginfo when they cannot be queued. */
	bool strict = rt && info->code < 0 && info->code != SI_TIMER;
	struct sigqueued *e = NULL;

	if (q->set & BIT(sig)) {
		bool merged = timer_merge(q, info);

		if (!rt || merged)
			return 0; /* a standard one is pending once */
	}
	if (!rt || h->queued < h->proc->rlim[RLIMIT_SIGPENDING].cur)
		e = kmalloc(sizeof(*e));
	if (!e && strict)
		return -EAGAIN;
	q->set |= BIT(sig);
	if (e) {
		e->info = *info;
		e->info.signo = sig;
		list_push_back(&q->queue, &e->node);
		h->queued++;
	}
	return 0;
}

void sigq_take(struct sighand *h, struct sigpending *q, int sig,
	       struct ksiginfo *info)
{
	struct sigqueued *e = sigq_find(q, sig);

	if (!e) { /* sent when no entry could be had */
		memset(info, 0, sizeof(*info));
		info->signo = sig;
		info->code = SI_USER;
		q->set &= ~BIT(sig);
		return;
	}
	*info = e->info;
	list_remove(&e->node);
	kfree(e);
	h->queued--;
	if (!sigq_find(q, sig))
		q->set &= ~BIT(sig);
}

void sigq_drop(struct sighand *h, struct sigpending *q, uint64_t set)
{
	list_for_each_safe (n, tmp, &q->queue) {
		struct sigqueued *e = queued_of(n);

		if (!(set & BIT(e->info.signo)))
			continue;
		list_remove(&e->node);
		kfree(e);
		h->queued--;
	}
	q->set &= ~set;
}

static void sigpending_init(struct sigpending *q)
{
	q->set = 0;
	list_init(&q->queue);
}

/* ---- the action tables ---- */

/* Under sig_lock: a private copy of h's table (refs 1), or NULL. */
static struct sigacts *acts_copy(struct sighand *h)
{
	struct sigacts *c = kmalloc(sizeof(*c));

	if (!c)
		return NULL;
	memcpy(c->a, h->acts->a, sizeof(c->a));
	c->refs = 1;
	c->linked = false;
	return c;
}

/* Under sig_lock: drop a reference to acts; true when it must be freed. */
static bool acts_put(struct sigacts *acts)
{
	if (--acts->refs == 1)
		acts->linked = false;
	return acts->refs == 0 && acts != &first_acts;
}

/* Under sig_lock: h's table becomes its own (it was copy-on-write). */
static int acts_own(struct sighand *h)
{
	struct sigacts *c;

	if (h->acts->refs == 1 || h->acts->linked)
		return 0;
	c = acts_copy(h);
	if (!c)
		return -ENOMEM;
	BUG_ON(acts_put(h->acts)); /* others have it */
	h->acts = c;
	return 0;
}

struct ksigaction *act_write(struct sighand *h, int sig)
{
	return acts_own(h) ? NULL : &h->acts->a[sig];
}

/* Whether a table may be shared copy-on-write: delivery must not have
 * to copy it for SA_RESETHAND. */
static bool cow_shareable(const struct sigacts *acts)
{
	if (acts->linked)
		return false;
	for (int sig = 1; sig <= KSIG_MAX; sig++)
		if (acts->a[sig].flags & SA_RESETHAND)
			return false;
	return true;
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
	sigpending_init(&s->pending);
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
	if (my_hand(s)) /* (its process's ends after its threads) */
		sigq_drop(my_hand(s), &s->pending, ~0ULL);
	s->thread = NULL;
	current_thread()->sig = NULL;
	spin_unlock_irqrestore(&sig_lock, irq);
	if (s != &main_state)
		kfree(s);
}

/* ---- processes ---- */

/* Under sig_lock: whether a child's table must be a copy made now. */
static bool fork_copies(const struct sigacts *acts, bool share)
{
	/* Shared for writing: one held copy-on-write becomes ours first. */
	if (share)
		return acts->refs > 1 && !acts->linked;
	return !cow_shareable(acts);
}

/* Under sig_lock: the caller's table for a child (refs counted); copy,
 * when fork_copies says so, is used (and set to NULL). */
static struct sigacts *acts_for_child(struct sighand *mine, bool share,
				      struct sigacts **copy)
{
	struct sigacts *acts = mine->acts, *c = *copy;

	if (fork_copies(acts, share)) {
		memcpy(c->a, acts->a, sizeof(acts->a));
		*copy = NULL;
		if (share) {
			BUG_ON(acts_put(acts));
			c->refs = 1;
			mine->acts = c;
		}
		acts = c;
	}
	if (share)
		acts->linked = true;
	acts->refs++;
	return acts;
}

int signal_fork(struct process *child, bool share)
{
	struct sigstate *self = signal_self();
	struct sighand *h = kzalloc(sizeof(*h));
	struct sigacts *copy = NULL;
	unsigned long irq;

	if (!h)
		return -ENOMEM;
	h->proc = child;
	sigpending_init(&h->pending);
	list_init(&h->states);
	waitq_init(&h->stop_wq);
	for (;;) { /* a copy, when needed, is allocated without the lock */
		irq = spin_lock_irqsave(&sig_lock);
		if (copy || !fork_copies(my_hand(self)->acts, share))
			break;
		spin_unlock_irqrestore(&sig_lock, irq);
		copy = kzalloc(sizeof(*copy));
		if (!copy) {
			kfree(h);
			return -ENOMEM;
		}
	}
	h->acts = acts_for_child(my_hand(self), share, &copy);
	child->sig = h;
	spin_unlock_irqrestore(&sig_lock, irq);
	kfree(copy);
	return 0;
}

void signal_process_release(struct process *p)
{
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	struct sighand *h = p->sig;
	bool free_acts = h && acts_put(h->acts);

	if (h)
		sigq_drop(h, &h->pending, ~0ULL);
	p->sig = NULL; /* its threads have ended: nothing else refers to h */
	spin_unlock_irqrestore(&sig_lock, irq);
	if (free_acts)
		kfree(h->acts);
	if (h && h != &first_hand)
		kfree(h);
}

/* Whether execve's reset would change a.  */
static bool reset_changes(const struct ksigaction *a)
{
	return (a->handler != SIG_IGN && a->handler != SIG_DFL) || a->flags ||
	       a->restorer || a->mask;
}

/* Under sig_lock: execve's table for h: its own (fresh, when given, for
 * a shared one), or NULL when a shared one needs a copy and none came. */
static struct sigacts *exec_acts(struct sighand *h, struct sigacts **fresh)
{
	bool change = false;

	for (int sig = 1; sig <= KSIG_MAX; sig++)
		change |= reset_changes(&h->acts->a[sig]);
	/* Shared (CLONE_SIGHAND or copy-on-write): the new program's
	 * changes are its own, so it gets a copy, unless copy-on-write
	 * and nothing changes. */
	if (h->acts->refs == 1 || (!h->acts->linked && !change))
		return h->acts;
	if (!*fresh)
		return NULL;
	memcpy((*fresh)->a, h->acts->a, sizeof((*fresh)->a));
	(*fresh)->refs = 1;
	BUG_ON(acts_put(h->acts));
	h->acts = *fresh;
	*fresh = NULL;
	return h->acts;
}

void signal_exec_reset(void)
{
	struct sigstate *s = signal_self();
	struct sigacts *fresh = kzalloc(sizeof(*fresh)), *acts;
	struct ksigaction *a;
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	acts = exec_acts(my_hand(s), &fresh);
	for (int sig = 1; acts && sig <= KSIG_MAX; sig++) {
		a = &acts->a[sig];
		if (!reset_changes(a))
			continue;
		if (a->handler != SIG_IGN)
			a->handler = SIG_DFL;
		a->flags = a->restorer = a->mask = 0;
	}
	s->altstack = (struct kstack){ .flags = SS_DISABLE };
	spin_unlock_irqrestore(&sig_lock, irq);
	kfree(fresh);
	if (!acts) { /* past execve's point of no return: as Linux */
		printk("keel: no memory for the new program's signal "
		       "actions: killed\n");
		process_exit_signal(SIGKILL, false);
	}
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

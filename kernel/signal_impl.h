/*
 * signal_impl.h - what kernel/'s three signal files share (private to
 * kernel/signal.c, signal_send.c and signal_deliver.c): the per-process
 * state, the action tables, the queues of pending signals and the one
 * lock over all of it. Everyone else goes through include/keel/signal.h.
 */
#ifndef KERNEL_SIGNAL_IMPL_H
#define KERNEL_SIGNAL_IMPL_H

#include <keel/list.h>
#include <keel/signal.h>
#include <keel/sync.h>

#define BIT(sig) SIGBIT(sig)
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define STOPS (BIT(SIGSTOP) | BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))
#define KSIGRTMIN 32 /* the kernel's first real-time signal */

/*
 * The actions. One table is either shared for writing by the processes
 * of one CLONE_SIGHAND family (linked), or shared copy-on-write by a
 * process and the children it forked (refs > 1, not linked): the first
 * writer gets a copy. A table with an SA_RESETHAND action is never
 * shared copy-on-write (fork copies it), so delivery never has to copy.
 */
struct sigacts {
	int refs;
	bool linked;
	struct ksigaction a[KSIG_MAX + 1];
};

/* One pending instance of a signal: its siginfo, in arrival order. */
struct sigqueued {
	struct list_node node;
	struct ksiginfo info;
};

/* One process's signals: current_process()->sig. */
struct sighand {
	struct process *proc;
	struct sigacts *acts;
	struct sigpending pending; /* process-directed */
	unsigned queued; /* sigqueued entries, its threads' included */
	struct list_node states; /* its started threads' */
	struct waitq stop_wq; /* its threads while it is stopped */
	unsigned conts; /* SIGCONTs so far: a stop taken before one is void */
};

enum { ACT_TERM, ACT_IGN, ACT_CORE, ACT_STOP };

/* One lock, taken with interrupts off, over every process's signals. */
extern struct spinlock sig_lock;
extern struct waitq signal_wq;
extern void (*signal_sent_hook)(void);

/* signal.c */
int default_action(int sig);
const char *sig_name(int sig);
bool dumps_core(int sig);
int pgid_of(const struct process *p);
/* Under sig_lock: p's signals (NULL once released), the caller's. */
struct sighand *hand_of(struct process *p);
struct sighand *my_hand(struct sigstate *s);
bool ignored(struct sighand *h, int sig);
/* Under sig_lock: sig's action in h for writing (the table copied
 * first when it is shared copy-on-write), or NULL (no memory). */
struct ksigaction *act_write(struct sighand *h, int sig);
/*
 * Under sig_lock, the queues. sigq_add: one more instance of sig in q
 * (of process h): 0, or -EAGAIN (a real-time signal with a sender's
 * siginfo over the limit, or no memory). sigq_take: the oldest instance
 * of sig in q into *info (a bare SI_USER one when it was not queued).
 * sigq_drop: every instance of set gone from q.
 */
int sigq_add(struct sighand *h, struct sigpending *q, int sig,
	     const struct ksiginfo *info);
void sigq_take(struct sighand *h, struct sigpending *q, int sig,
	       struct ksiginfo *info);
void sigq_drop(struct sighand *h, struct sigpending *q, uint64_t set);

/* signal_send.c, under sig_lock */
void recalc(struct sigstate *s);
void kick_all(struct sighand *h);
void discard(struct sighand *h, uint64_t set);
int send_locked(struct sighand *h, struct sigstate *s, int sig,
		const struct ksiginfo *info);
void stop_locked(struct process *p, int sig);
/* Without sig_lock: whether a stop signal's default action stops p. */
bool may_stop(struct process *p, int sig);
/* Under sig_lock (*irq its flags): wait while s's process is stopped. */
void stopped_wait(struct sigstate *s, unsigned long *irq);

#endif

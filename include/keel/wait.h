/*
 * wait.h - the one way a kernel call waits for a condition (kernel/wait.c,
 * on sync.h's wait queues): every blocking read, write, accept, open, lock
 * and poll in fs/, net/ and linux/ goes through wait_event (or wait_once,
 * for loops that look at several things between sleeps), so the answers
 * are the same everywhere: ready, EAGAIN for a non-blocking caller, a
 * signal, or the deadline.
 */
#ifndef KEEL_WAIT_H
#define KEEL_WAIT_H

#include <keel/sync.h>

/*
 * The caller found its condition false with l held (interrupts off, from
 * its spin_lock_irqsave); what now:
 *   -EAGAIN       nonblock (O_NONBLOCK, MSG_DONTWAIT, LOCK_NB...): no wait;
 *   -ERESTARTSYS  the thread has a signal to handle (before or while
 *                 sleeping): the syscall restarts, or the caller answers
 *                 EINTR where Linux never restarts (poll, epoll_wait...);
 *   -ETIMEDOUT    monotonic time deadline_ns (0: none) has come;
 *   0             it slept on wq (l dropped meanwhile, retaken): look again.
 */
int wait_once(struct waitq *wq, struct spinlock *l, bool nonblock,
	      uint64_t deadline_ns);

/*
 * Wait with l held until cond (an expression evaluated under l, as often
 * as needed) holds: 0, or wait_once's -EAGAIN, -ERESTARTSYS, -ETIMEDOUT.
 * After a wake-up at the deadline cond is looked at once more, so a
 * condition met in time is never a timeout. Whoever makes cond true wakes
 * wq (waitq_wake_all, waitq_wake_one).
 */
#define wait_event(wq, l, cond, nonblock, deadline_ns)                         \
	({                                                                     \
		int wait_err_ = 0;                                             \
		while (!(cond) &&                                              \
		       !(wait_err_ =                                           \
			     wait_once((wq), (l), (nonblock), (deadline_ns)))) \
			;                                                      \
		wait_err_;                                                     \
	})

#endif

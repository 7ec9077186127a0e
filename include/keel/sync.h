/*
 * sync.h - locks and waiting (kernel/sync.c): spinlocks that also disable
 * interrupts, wait queues, sleeping mutexes and condition variables. The
 * kernel is not preemptible and runs on one CPU today; the spinlocks are
 * real anyway so that SMP stays possible.
 */
#ifndef KEEL_SYNC_H
#define KEEL_SYNC_H

#include <keel/arch.h>
#include <keel/list.h>

struct spinlock {
	volatile int locked;
};

/* Plain lock and unlock, for callers that already disabled interrupts. */
static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = arch_irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l,
					  unsigned long flags)
{
	spin_unlock(l);
	arch_irq_restore(flags);
}

/* Threads waiting for something; woken in FIFO order. */
struct waitq {
	struct list_node waiters;
};

#define WAITQ_INIT(name)                  \
	{                                 \
		LIST_INIT((name).waiters) \
	}
void waitq_init(struct waitq *wq);
/*
 * Sleep on wq until woken or until monotonic time deadline_ns (0: none).
 * Returns 0 when woken, -ETIMEDOUT on timeout. Must be called with
 * interrupts disabled (flags from the caller's spin_lock_irqsave) so the
 * condition check and the sleep are atomic; the lock l is dropped while
 * asleep and retaken before returning.
 */
int waitq_wait_locked(struct waitq *wq, struct spinlock *l,
		      uint64_t deadline_ns);
/*
 * The same, for waits a signal may end (blocking reads and writes, accept,
 * connect, poll...): also returns -ERESTARTSYS as soon as the thread has a
 * signal to handle (thread->interrupted), even before sleeping. Calls that
 * Linux never restarts (poll, select, epoll_wait, nanosleep, sigtimedwait)
 * turn that into -EINTR themselves.
 */
int waitq_wait_intr(struct waitq *wq, struct spinlock *l, uint64_t deadline_ns);
/* Sleep until the thread has a signal to handle (-ERESTARTSYS) or until
 * monotonic time deadline_ns (-ETIMEDOUT; 0: no deadline). */
int sleep_intr(uint64_t deadline_ns);
/* Wake one (the longest waiting) or all; return how many were woken. */
int waitq_wake_one(struct waitq *wq);
int waitq_wake_all(struct waitq *wq);

struct mutex {
	struct spinlock lock;
	struct thread *owner;
	struct waitq wq;
};
#define MUTEX_INIT(name)                           \
	{                                          \
		{ 0 }, NULL, WAITQ_INIT((name).wq) \
	}
void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);

struct cond {
	struct spinlock lock;
	struct waitq wq;
};
void cond_init(struct cond *c);
/* Atomically release m and sleep; retake m. deadline 0: none. */
int cond_wait(struct cond *c, struct mutex *m, uint64_t deadline_ns);
void cond_signal(struct cond *c);
void cond_broadcast(struct cond *c);

/* One event a thread sleeps for, signalled once (an interrupt handler
 * may), with a result: a device request's completion. */
struct completion {
	struct spinlock lock;
	struct waitq wq;
	bool done;
	long result;
};
#define COMPLETION_INIT(name)                          \
	{                                              \
		{ 0 }, WAITQ_INIT((name).wq), false, 0 \
	}
void complete(struct completion *c, long result);
/* Sleep, not interruptibly, until c is complete: its result. */
long wait_for_completion(struct completion *c);

#endif

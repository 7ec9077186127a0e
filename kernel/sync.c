/*
 * sync.c - wait queues, mutexes and condition variables (kernel/), built
 * on sched_block/sched_wake. Waiters live on the sleeping thread's stack.
 */
#include <keel/errno.h>
#include <keel/sched.h>
#include <keel/sync.h>
#include <keel/time.h>
#include <keel/timer.h>
#include <keel/wait.h>

struct waiter {
	struct list_node node;
	struct thread *thread;
	struct timer timer;
	bool woken;
};

void waitq_init(struct waitq *wq)
{
	list_init(&wq->waiters);
}

static void waiter_timeout(struct timer *t)
{
	struct waiter *w = container_of(t, struct waiter, timer);

	sched_wake(w->thread);
}

static int wait_on(struct waitq *wq, struct spinlock *l, uint64_t deadline_ns,
		   bool intr)
{
	struct waiter w = { .thread = current_thread() };

	if (intr && w.thread->interrupted)
		return -ERESTARTSYS;
	list_push_back(&wq->waiters, &w.node);
	timer_init(&w.timer, waiter_timeout);
	if (deadline_ns)
		timer_arm(&w.timer, deadline_ns);
	spin_unlock(l);
	while (!w.woken && (!deadline_ns || time_now_ns() < deadline_ns) &&
	       !(intr && w.thread->interrupted)) {
		w.thread->state = THREAD_BLOCKED;
		sched_block();
	}
	timer_cancel(&w.timer);
	if (!w.woken)
		list_remove(&w.node);
	spin_lock(l);
	if (w.woken)
		return 0;
	return intr && w.thread->interrupted ? -ERESTARTSYS : -ETIMEDOUT;
}

int waitq_wait_locked(struct waitq *wq, struct spinlock *l,
		      uint64_t deadline_ns)
{
	return wait_on(wq, l, deadline_ns, false);
}

int waitq_wait_intr(struct waitq *wq, struct spinlock *l, uint64_t deadline_ns)
{
	return wait_on(wq, l, deadline_ns, true);
}

int sleep_intr(uint64_t deadline_ns)
{
	struct spinlock l = { 0 };
	struct waitq wq = WAITQ_INIT(wq);
	unsigned long irq = spin_lock_irqsave(&l);
	/* Nobody else knows wq: it ends by a signal or the deadline. */
	int err = wait_event(&wq, &l, false, false, deadline_ns);

	spin_unlock_irqrestore(&l, irq);
	return err;
}

static bool wake_first(struct waitq *wq)
{
	struct list_node *n = list_pop_front(&wq->waiters);
	struct waiter *w;

	if (!n)
		return false;
	w = list_entry(n, struct waiter, node);
	w->woken = true;
	sched_wake(w->thread);
	return true;
}

int waitq_wake_one(struct waitq *wq)
{
	unsigned long flags = arch_irq_save();
	int n = wake_first(wq);

	arch_irq_restore(flags);
	return n;
}

int waitq_wake_all(struct waitq *wq)
{
	unsigned long flags = arch_irq_save();
	int n = 0;

	while (wake_first(wq))
		n++;
	arch_irq_restore(flags);
	return n;
}

void mutex_init(struct mutex *m)
{
	m->lock.locked = 0;
	m->owner = NULL;
	waitq_init(&m->wq);
}

void mutex_lock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->lock);

	while (m->owner)
		waitq_wait_locked(&m->wq, &m->lock, 0);
	m->owner = current_thread();
	spin_unlock_irqrestore(&m->lock, flags);
}

bool mutex_trylock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->lock);
	bool ok = !m->owner;

	if (ok)
		m->owner = current_thread();
	spin_unlock_irqrestore(&m->lock, flags);
	return ok;
}

void mutex_unlock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->lock);

	m->owner = NULL;
	waitq_wake_one(&m->wq);
	spin_unlock_irqrestore(&m->lock, flags);
}

void cond_init(struct cond *c)
{
	c->lock.locked = 0;
	waitq_init(&c->wq);
}

int cond_wait(struct cond *c, struct mutex *m, uint64_t deadline_ns)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	int err;

	mutex_unlock(m);
	err = waitq_wait_locked(&c->wq, &c->lock, deadline_ns);
	spin_unlock_irqrestore(&c->lock, flags);
	mutex_lock(m);
	return err;
}

void cond_signal(struct cond *c)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);

	waitq_wake_one(&c->wq);
	spin_unlock_irqrestore(&c->lock, flags);
}

void cond_broadcast(struct cond *c)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);

	waitq_wake_all(&c->wq);
	spin_unlock_irqrestore(&c->lock, flags);
}

void complete(struct completion *c, long result)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);

	c->result = result;
	c->done = true;
	waitq_wake_all(&c->wq);
	spin_unlock_irqrestore(&c->lock, flags);
}

long wait_for_completion(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);

	while (!c->done)
		waitq_wait_locked(&c->wq, &c->lock, 0);
	spin_unlock_irqrestore(&c->lock, flags);
	return c->result;
}

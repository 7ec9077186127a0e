/*
 * wait.c - the interruptible wait every blocking call uses (kernel/,
 * include/keel/wait.h): a non-blocking caller gets EAGAIN, others sleep
 * on a wait queue until woken, a signal (ERESTARTSYS) or the deadline
 * (ETIMEDOUT), in Linux's order: signal before timeout.
 */
#include <keel/errno.h>
#include <keel/sched.h>
#include <keel/time.h>
#include <keel/wait.h>

int wait_once(struct waitq *wq, struct spinlock *l, bool nonblock,
	      uint64_t deadline_ns)
{
	int err;

	if (nonblock)
		return -EAGAIN;
	if (current_thread()->interrupted)
		return -ERESTARTSYS;
	if (deadline_ns && time_now_ns() >= deadline_ns)
		return -ETIMEDOUT;
	err = waitq_wait_intr(wq, l, deadline_ns);
	return err == -ERESTARTSYS ? err : 0;
}

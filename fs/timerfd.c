/*
 * timerfd.c - timer file descriptors (fs/) on a kernel timer
 * (include/keel/timer.h). Deadlines are kept on the monotonic clock:
 * CLOCK_BOOTTIME is the same clock (a VM that is never suspended), and a
 * CLOCK_REALTIME absolute time is converted with the wall clock's offset
 * when set (the wall clock is never stepped). Each expiry adds to the
 * count (periods missed while nobody read are counted too); a read of 8
 * bytes takes the count and waits while it is 0 (EAGAIN with
 * O_NONBLOCK). TFD_TIMER_CANCEL_ON_SET is accepted and has no effect.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/poll.h>
#include <keel/time.h>
#include <keel/timer.h>
#include <keel/vfs.h>
#include <keel/wait.h>

struct timerfd {
	struct spinlock lock;
	struct waitq readable;
	struct pollq poll;
	struct timer timer;
	int clockid;
	uint64_t expires; /* monotonic ns; 0: disarmed */
	uint64_t interval;
	uint64_t ticks;
};

/* Interrupt context: interrupts are off. */
static void timerfd_fire(struct timer *tm)
{
	struct timerfd *t = container_of(tm, struct timerfd, timer);

	spin_lock(&t->lock);
	if (t->expires) {
		if (t->interval) {
			uint64_t now = time_now_ns(), n = 1;

			if (now > t->expires)
				n += (now - t->expires) / t->interval;
			t->ticks += n;
			t->expires += n * t->interval;
			timer_arm(&t->timer, t->expires);
		} else {
			t->ticks++;
			t->expires = 0;
		}
		waitq_wake_all(&t->readable);
	}
	spin_unlock(&t->lock);
	pollq_wake(&t->poll, EPOLLIN | EPOLLRDNORM);
}

static long timerfd_read(struct file *f, struct iobuf b, size_t len,
			 uint64_t *pos)
{
	struct timerfd *t = f->inode->priv;
	unsigned long irq;
	uint64_t v;
	int err;

	(void)pos;
	if (len < sizeof(v))
		return -EINVAL;
	irq = spin_lock_irqsave(&t->lock);
	err = wait_event(&t->readable, &t->lock, t->ticks != 0,
			 f->flags & O_NONBLOCK, 0);
	v = err ? 0 : t->ticks;
	t->ticks -= v;
	spin_unlock_irqrestore(&t->lock, irq);
	if (err)
		return err;
	return iobuf_put(b, 0, &v, sizeof(v)) ? -EFAULT : (long)sizeof(v);
}

static unsigned timerfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *t = f->inode->priv;

	poll_wait(pt, &t->poll);
	return __atomic_load_n(&t->ticks, __ATOMIC_ACQUIRE)
		   ? EPOLLIN | EPOLLRDNORM
		   : 0;
}

static void timerfd_inode_release(struct inode *ino)
{
	struct timerfd *t = ino->priv;

	timer_cancel(&t->timer);
	kfree(t);
}

static const struct file_ops timerfd_fops = {
	.read = timerfd_read,
	.poll = timerfd_poll,
};

static const struct inode_ops timerfd_iops = {
	.release = timerfd_inode_release,
};

int timerfd_new(int clockid, unsigned flags, struct file **out)
{
	struct timerfd *t = kzalloc(sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	waitq_init(&t->readable);
	pollq_init(&t->poll);
	timer_init(&t->timer, timerfd_fire);
	t->clockid = clockid;
	err = anon_file_new(&timerfd_fops, &timerfd_iops, t,
			    O_RDWR | (flags & O_NONBLOCK), out);
	if (err)
		kfree(t);
	return err;
}

static struct timerfd *timerfd_of(struct file *f)
{
	return f->ops == &timerfd_fops ? f->inode->priv : NULL;
}

/* Under t->lock. */
static void get_locked(struct timerfd *t, int64_t *value, int64_t *interval)
{
	uint64_t now = time_now_ns();

	*value = t->expires
		     ? (t->expires > now ? (int64_t)(t->expires - now) : 1)
		     : 0;
	*interval = (int64_t)t->interval;
}

int timerfd_get(struct file *f, int64_t *value, int64_t *interval)
{
	struct timerfd *t = timerfd_of(f);
	unsigned long irq;

	if (!t)
		return -EINVAL;
	irq = spin_lock_irqsave(&t->lock);
	get_locked(t, value, interval);
	spin_unlock_irqrestore(&t->lock, irq);
	return 0;
}

int timerfd_set(struct file *f, bool abs, int64_t value, int64_t interval,
		int64_t *old_value, int64_t *old_interval)
{
	struct timerfd *t = timerfd_of(f);
	unsigned long irq;
	uint64_t now, deadline = 0;

	if (!t)
		return -EINVAL;
	irq = spin_lock_irqsave(&t->lock);
	get_locked(t, old_value, old_interval);
	timer_cancel(&t->timer);
	t->ticks = 0;
	now = time_now_ns();
	if (value) {
		if (!abs) {
			deadline = now + (uint64_t)value;
		} else if (t->clockid == CLOCK_REALTIME) {
			int64_t mono = value - (time_wall_ns() - (int64_t)now);

			deadline = mono > 0 ? (uint64_t)mono : 1;
		} else {
			deadline = (uint64_t)value;
		}
		if (deadline < (uint64_t)value && !abs)
			deadline = UINT64_MAX; /* overflow: never */
		if (!deadline)
			deadline = 1;
	}
	t->expires = deadline;
	t->interval = (uint64_t)interval;
	if (deadline)
		timer_arm(&t->timer, deadline);
	spin_unlock_irqrestore(&t->lock, irq);
	return 0;
}

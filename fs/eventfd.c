/*
 * eventfd.c - eventfd objects (fs/): a 64-bit counter. A read of 8 bytes
 * takes the whole count (or 1 with EFD_SEMAPHORE) and waits while it is
 * 0; a write adds to it and waits while the sum would reach
 * 0xffffffffffffffff; O_NONBLOCK turns both waits into EAGAIN. Readable
 * when the count is not 0, writable while 1 more can be added. The
 * kernel signals one too (AIO completions): that adds without waiting.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/poll.h>
#include <keel/vfs.h>
#include <keel/wait.h>

#define EFD_SEMAPHORE 1

struct eventfd {
	struct spinlock lock;
	struct waitq readable, writable;
	struct pollq poll;
	uint64_t count;
	bool semaphore;
};

/* Add v to the count (it fits) and drop e->lock, waking readers. */
static void add_unlock(struct eventfd *e, uint64_t v, unsigned long irq)
{
	e->count += v;
	if (v)
		waitq_wake_all(&e->readable);
	spin_unlock_irqrestore(&e->lock, irq);
	if (v)
		pollq_wake(&e->poll, EPOLLIN | EPOLLRDNORM);
}

/* Take the whole count (1 for a semaphore) into *v, waking writers. */
static void take_unlock(struct eventfd *e, uint64_t *v, unsigned long irq)
{
	*v = e->semaphore ? 1 : e->count;
	e->count -= *v;
	waitq_wake_all(&e->writable);
	spin_unlock_irqrestore(&e->lock, irq);
	pollq_wake(&e->poll, EPOLLOUT | EPOLLWRNORM);
}

/*
 * The body of read (take into *v) and write (add *v): wait until the
 * count is not 0, or until *v fits below 0xffffffffffffffff; 0, -EAGAIN
 * for an O_NONBLOCK file, -ERESTARTSYS for a signal.
 */
static int eventfd_rw(struct file *f, uint64_t *v, bool write)
{
	struct eventfd *e = f->inode->priv;
	unsigned long irq = spin_lock_irqsave(&e->lock);
	int err = wait_event(write ? &e->writable : &e->readable, &e->lock,
			     write ? UINT64_MAX - e->count > *v : e->count != 0,
			     f->flags & O_NONBLOCK, 0);

	if (err)
		spin_unlock_irqrestore(&e->lock, irq);
	else if (write)
		add_unlock(e, *v, irq);
	else
		take_unlock(e, v, irq);
	return err;
}

static long eventfd_read(struct file *f, struct iobuf b, size_t len,
			 uint64_t *pos)
{
	uint64_t v;
	int err;

	(void)pos;
	if (len < sizeof(v))
		return -EINVAL;
	if ((err = eventfd_rw(f, &v, false)))
		return err;
	/* The value is gone from the counter even if the copy faults. */
	return iobuf_put(b, 0, &v, sizeof(v)) ? -EFAULT : (long)sizeof(v);
}

static long eventfd_write(struct file *f, struct iobuf b, size_t len,
			  uint64_t *pos)
{
	uint64_t v;

	(void)pos;
	if (len < sizeof(v))
		return -EINVAL;
	if (iobuf_get(&v, b, 0, sizeof(v)))
		return -EFAULT;
	if (v == UINT64_MAX)
		return -EINVAL;
	return eventfd_rw(f, &v, true) ?: (long)sizeof(v);
}

static unsigned eventfd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->inode->priv;
	uint64_t count;
	unsigned mask = 0;

	poll_wait(pt, &e->poll);
	count = __atomic_load_n(&e->count, __ATOMIC_ACQUIRE);
	if (count)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (count == UINT64_MAX)
		mask |= EPOLLERR;
	if (count < UINT64_MAX - 1)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static void eventfd_inode_release(struct inode *ino)
{
	kfree(ino->priv);
}

static const struct file_ops eventfd_fops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
};

static const struct inode_ops eventfd_iops = {
	.release = eventfd_inode_release,
};

bool file_is_eventfd(const struct file *f)
{
	return f->ops == &eventfd_fops;
}

void eventfd_signal(struct file *f, uint64_t n)
{
	struct eventfd *e = f->inode->priv;
	unsigned long irq = spin_lock_irqsave(&e->lock);

	/* Saturates at the largest count, as on Linux. */
	add_unlock(e, MIN(n, UINT64_MAX - e->count), irq);
}

int eventfd_new(uint64_t count, unsigned flags, struct file **out)
{
	struct eventfd *e = kzalloc(sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	waitq_init(&e->readable);
	waitq_init(&e->writable);
	pollq_init(&e->poll);
	e->count = count;
	e->semaphore = flags & EFD_SEMAPHORE;
	err = anon_file_new(&eventfd_fops, &eventfd_iops, e,
			    O_RDWR | (flags & O_NONBLOCK), out);
	if (err)
		kfree(e);
	return err;
}

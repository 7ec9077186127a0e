/*
 * poll.c - poll queues and the poll/select core (fs/). A pollable object
 * owns a pollq and wakes it on every change; poll and select scan their
 * files once registering one entry per file on its pollq (the poll
 * table), then sleep on their own wait queue until an entry fires or the
 * deadline passes, and scan again. The "triggered" flag is cleared before
 * each scan and checked with interrupts disabled before sleeping, so a
 * wake-up between a scan and the sleep (from a timer interrupt) is never
 * lost.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/poll.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/vfs.h>

void pollq_init(struct pollq *q)
{
	q->lock.locked = 0;
	list_init(&q->entries);
}

void pollq_wake(struct pollq *q, unsigned mask)
{
	unsigned long irq = spin_lock_irqsave(&q->lock);

	list_for_each_safe (n, tmp, &q->entries) {
		struct poll_entry *e = list_entry(n, struct poll_entry, node);

		e->fn(e, mask);
	}
	spin_unlock_irqrestore(&q->lock, irq);
}

void poll_entry_add(struct poll_entry *e, struct pollq *q)
{
	unsigned long irq = spin_lock_irqsave(&q->lock);

	e->q = q;
	list_push_back(&q->entries, &e->node);
	spin_unlock_irqrestore(&q->lock, irq);
}

void poll_entry_remove(struct poll_entry *e)
{
	struct pollq *q = e->q;
	unsigned long irq;

	if (!q)
		return;
	irq = spin_lock_irqsave(&q->lock);
	list_remove(&e->node);
	e->q = NULL;
	spin_unlock_irqrestore(&q->lock, irq);
}

bool file_can_poll(const struct file *f)
{
	return f->ops && f->ops->poll && !(f->flags & O_PATH);
}

unsigned vfs_poll(struct file *f, struct poll_table *pt)
{
	if (!file_can_poll(f))
		return DEFAULT_POLLMASK;
	return f->ops->poll(f, pt);
}

/* One poll or select call: its wait queue and its entries. */
struct poller {
	struct poll_table pt;
	struct spinlock lock;
	struct waitq wq;
	volatile bool triggered;
	bool interrupted; /* a signal ended the sleep */
	struct pentry {
		struct poll_entry e;
		struct poller *p;
		struct file *f; /* a reference */
	} * ents;
	unsigned n, cap;
	struct file *cur; /* the file being polled */
};

static void poller_wake(struct poll_entry *e, unsigned mask)
{
	struct poller *p = container_of(e, struct pentry, e)->p;

	(void)mask;
	spin_lock(&p->lock); /* interrupts are off in pollq_wake */
	p->triggered = true;
	waitq_wake_all(&p->wq);
	spin_unlock(&p->lock);
}

static void poller_queue(struct poll_table *pt, struct pollq *q)
{
	struct poller *p = container_of(pt, struct poller, pt);
	struct pentry *pe;

	if (p->n == p->cap)
		return; /* each kind registers on one queue: cannot happen */
	pe = &p->ents[p->n++];
	pe->p = p;
	pe->f = p->cur;
	file_get(p->cur);
	pe->e.fn = poller_wake;
	pe->e.q = NULL;
	poll_entry_add(&pe->e, q);
}

static int poller_init(struct poller *p, unsigned cap)
{
	memset(p, 0, sizeof(*p));
	p->pt.queue = poller_queue;
	waitq_init(&p->wq);
	p->cap = cap;
	if (cap && !(p->ents = kmalloc(cap * sizeof(*p->ents))))
		return -ENOMEM;
	return 0;
}

static void poller_done(struct poller *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		poll_entry_remove(&p->ents[i].e);
		file_put(p->ents[i].f);
	}
	kfree(p->ents);
}

/* Poll one fd: the mask, or EPOLLNVAL when it is not open. */
static unsigned poll_fd(struct poller *p, int fd, bool reg)
{
	struct file *f = fd_get(fd);
	unsigned mask;

	if (!f)
		return EPOLLNVAL;
	if (f->flags & O_PATH) {
		file_put(f);
		return EPOLLNVAL;
	}
	p->cur = f;
	mask = vfs_poll(f, reg ? &p->pt : NULL);
	file_put(f);
	return mask;
}

/*
 * Sleep until an entry fires or the deadline; false when the deadline
 * has passed (or there is none to wait for: 0).
 */
static bool poller_sleep(struct poller *p, uint64_t deadline)
{
	unsigned long irq;

	if (deadline == 0 || time_now_ns() >= deadline)
		return false;
	irq = spin_lock_irqsave(&p->lock);
	if (!p->triggered &&
	    waitq_wait_intr(&p->wq, &p->lock,
			    deadline == POLL_FOREVER ? 0 : deadline) ==
		-ERESTARTSYS)
		p->interrupted = true;
	spin_unlock_irqrestore(&p->lock, irq);
	return true;
}

long vfs_poll_fds(struct kpollfd *fds, unsigned nfds, uint64_t deadline)
{
	struct poller p;
	bool reg = deadline != 0, timed_out = false;
	long count;
	int err = poller_init(&p, reg ? nfds : 0);

	if (err)
		return err;
	for (;;) {
		p.triggered = false;
		count = 0;
		for (unsigned i = 0; i < nfds; i++) {
			unsigned mask = 0;

			if (fds[i].fd >= 0) {
				mask = poll_fd(&p, fds[i].fd, reg);
				mask &= (unsigned)(uint16_t)fds[i].events |
					EPOLLERR | EPOLLHUP | EPOLLNVAL;
			}
			fds[i].revents = (short)mask;
			count += mask != 0;
		}
		reg = false;
		if (count || timed_out || !deadline)
			break;
		timed_out = !poller_sleep(&p, deadline);
		if (p.interrupted)
			break;
	}
	poller_done(&p);
	/* Interrupted with nothing ready: EINTR (never restarted). */
	return count || !p.interrupted ? count : -EINTR;
}

#define POLLIN_SET (EPOLLRDNORM | EPOLLRDBAND | EPOLLIN | EPOLLHUP | EPOLLERR)
#define POLLOUT_SET (EPOLLWRBAND | EPOLLWRNORM | EPOLLOUT | EPOLLERR)
#define POLLEX_SET EPOLLPRI

static bool bit(const uint64_t *set, int fd)
{
	return set && (set[fd / 64] >> (fd % 64) & 1);
}

long vfs_select(int n, uint64_t *in, uint64_t *out, uint64_t *ex,
		uint64_t deadline)
{
	size_t words = ((size_t)n + 63) / 64;
	uint64_t *res = NULL;
	struct poller p;
	bool reg = deadline != 0, timed_out = false;
	unsigned want = 0;
	long count;
	int err;

	/* Every fd named must be open (EBADF before any wait). */
	for (int fd = 0; fd < n; fd++) {
		struct file *f;

		if (!bit(in, fd) && !bit(out, fd) && !bit(ex, fd))
			continue;
		if (!(f = fd_get(fd)))
			return -EBADF;
		file_put(f);
		want++;
	}
	if (words && !(res = kzalloc(3 * words * sizeof(uint64_t))))
		return -ENOMEM;
	err = poller_init(&p, reg ? want : 0);
	if (err) {
		kfree(res);
		return err;
	}
	for (;;) {
		p.triggered = false;
		count = 0;
		memset(res, 0, 3 * words * sizeof(uint64_t));
		for (int fd = 0; fd < n; fd++) {
			bool i = bit(in, fd), o = bit(out, fd), x = bit(ex, fd);
			unsigned mask;
			uint64_t b = 1ULL << (fd % 64);

			if (!i && !o && !x)
				continue;
			mask = poll_fd(&p, fd, reg);
			if (mask == EPOLLNVAL)
				continue; /* an O_PATH file: never ready */
			if (i && (mask & POLLIN_SET)) {
				res[fd / 64] |= b;
				count++;
			}
			if (o && (mask & POLLOUT_SET)) {
				res[words + fd / 64] |= b;
				count++;
			}
			if (x && (mask & POLLEX_SET)) {
				res[2 * words + fd / 64] |= b;
				count++;
			}
		}
		reg = false;
		if (count || timed_out || !deadline)
			break;
		timed_out = !poller_sleep(&p, deadline);
		if (p.interrupted)
			break;
	}
	poller_done(&p);
	if (!count && p.interrupted) {
		kfree(res);
		return -EINTR; /* the sets are left as they were */
	}
	if (in)
		memcpy(in, res, words * sizeof(uint64_t));
	if (out)
		memcpy(out, res + words, words * sizeof(uint64_t));
	if (ex)
		memcpy(ex, res + 2 * words, words * sizeof(uint64_t));
	kfree(res);
	return count;
}

/*
 * A file on an inode of its own that no directory names (Linux's anon
 * inodes: eventfd, timerfd, epoll): mode 0600, no type. On success the
 * inode's release frees priv; on failure the caller still owns priv.
 */
int anon_file_new(const struct file_ops *fops, const struct inode_ops *iops,
		  void *priv, unsigned flags, struct file **out)
{
	struct inode *ino = inode_alloc(iops, fops, 0600);
	struct file *f;

	if (!ino)
		return -ENOMEM;
	ino->flags |= I_TRANSIENT;
	ino->dev = ANON_INODE_DEV;
	f = file_alloc(ino, flags);
	if (!f) {
		ino->ops = NULL; /* priv stays the caller's */
		inode_put(ino);
		return -ENOMEM;
	}
	ino->priv = priv;
	f->priv = priv;
	inode_put(ino);
	*out = f;
	return 0;
}

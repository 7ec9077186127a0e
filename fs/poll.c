/*
 * poll.c - poll queues and the poll/select core (fs/). A pollable object
 * owns a pollq and wakes it on every change; poll and select scan their
 * files once registering one entry per file on its pollq (the poll
 * table), then sleep on their own wait queue (include/keel/wait.h) until
 * an entry fires or the deadline passes, and scan again. The "triggered" flag is cleared before
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
#include <keel/wait.h>

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
 * What poll and select share: scan (the count of ready fds; registering
 * on their queues when reg, the first time, if the call may wait), then
 * sleep until an entry fires, a signal or the deadline (0: do not wait;
 * POLL_FOREVER: none), and scan again. The count, or -EINTR for a signal with nothing ready
 * (never restarted, as on Linux).
 */
static long poller_loop(struct poller *p, uint64_t deadline,
			long (*scan)(struct poller *p, void *arg, bool reg),
			void *arg)
{
	bool reg = deadline != 0;
	unsigned long irq;
	long count;
	int err = 0;

	for (;;) {
		p->triggered = false;
		count = scan(p, arg, reg);
		reg = false;
		if (count || err) /* after the deadline: one last look */
			return count;
		irq = spin_lock_irqsave(&p->lock);
		err = wait_event(&p->wq, &p->lock, p->triggered, deadline == 0,
				 deadline == POLL_FOREVER ? 0 : deadline);
		spin_unlock_irqrestore(&p->lock, irq);
		if (err == -ERESTARTSYS)
			return -EINTR;
		if (err == -EAGAIN) /* no timeout: the one look was enough */
			return 0;
	}
}

struct poll_args {
	struct kpollfd *fds;
	unsigned nfds;
};

static long poll_scan(struct poller *p, void *arg, bool reg)
{
	struct poll_args *a = arg;
	long count = 0;

	for (unsigned i = 0; i < a->nfds; i++) {
		struct kpollfd *pfd = &a->fds[i];
		unsigned mask = 0;

		if (pfd->fd >= 0) {
			mask = poll_fd(p, pfd->fd, reg);
			mask &= (unsigned)(uint16_t)pfd->events | EPOLLERR |
				EPOLLHUP | EPOLLNVAL;
		}
		pfd->revents = (short)mask;
		count += mask != 0;
	}
	return count;
}

long vfs_poll_fds(struct kpollfd *fds, unsigned nfds, uint64_t deadline)
{
	struct poll_args a = { fds, nfds };
	struct poller p;
	long count;
	int err = poller_init(&p, deadline ? nfds : 0);

	if (err)
		return err;
	count = poller_loop(&p, deadline, poll_scan, &a);
	poller_done(&p);
	return count;
}

#define POLLIN_SET (EPOLLRDNORM | EPOLLRDBAND | EPOLLIN | EPOLLHUP | EPOLLERR)
#define POLLOUT_SET (EPOLLWRBAND | EPOLLWRNORM | EPOLLOUT | EPOLLERR)
#define POLLEX_SET EPOLLPRI

static bool bit(const uint64_t *set, int fd)
{
	return set && (set[fd / 64] >> (fd % 64) & 1);
}

struct select_args {
	int n;
	uint64_t *in, *out, *ex;
	uint64_t *res; /* the three result sets, words long each */
	size_t words;
};

/* One result bit: set it if fd is asked for (want) and ready (mask). */
static long select_mark(uint64_t *set, int fd, bool want, bool ready)
{
	if (!want || !ready)
		return 0;
	set[fd / 64] |= 1ULL << (fd % 64);
	return 1;
}

static long select_scan(struct poller *p, void *arg, bool reg)
{
	struct select_args *a = arg;
	long count = 0;

	memset(a->res, 0, 3 * a->words * sizeof(uint64_t));
	for (int fd = 0; fd < a->n; fd++) {
		bool i = bit(a->in, fd), o = bit(a->out, fd),
		     x = bit(a->ex, fd);
		unsigned mask;

		if (!i && !o && !x)
			continue;
		mask = poll_fd(p, fd, reg);
		if (mask == EPOLLNVAL)
			continue; /* an O_PATH file: never ready */
		count += select_mark(a->res, fd, i, mask & POLLIN_SET);
		count +=
		    select_mark(a->res + a->words, fd, o, mask & POLLOUT_SET);
		count += select_mark(a->res + 2 * a->words, fd, x,
				     mask & POLLEX_SET);
	}
	return count;
}

long vfs_select(int n, uint64_t *in, uint64_t *out, uint64_t *ex,
		uint64_t deadline)
{
	struct select_args a = { n, in, out, ex, NULL, ((size_t)n + 63) / 64 };
	struct poller p;
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
	if (a.words && !(a.res = kzalloc(3 * a.words * sizeof(uint64_t))))
		return -ENOMEM;
	err = poller_init(&p, deadline ? want : 0);
	if (err) {
		kfree(a.res);
		return err;
	}
	count = poller_loop(&p, deadline, select_scan, &a);
	poller_done(&p);
	if (count >= 0) { /* after EINTR the sets are left as they were */
		if (in)
			memcpy(in, a.res, a.words * sizeof(uint64_t));
		if (out)
			memcpy(out, a.res + a.words,
			       a.words * sizeof(uint64_t));
		if (ex)
			memcpy(ex, a.res + 2 * a.words,
			       a.words * sizeof(uint64_t));
	}
	kfree(a.res);
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

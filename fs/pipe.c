/*
 * pipe.c - pipes (fs/): a 64 KiB ring buffer, allocated on first write,
 * shared by a read end and a write end. An empty pipe with writers blocks
 * a reader (and a full one a writer) on a wait queue unless O_NONBLOCK,
 * until data, room, or a signal to handle.
 * A read that no one can satisfy blocks until a signal, as on Linux
 * (include/keel/wait.h).
 * Writes of at most PIPE_BUF bytes are atomic; a write without readers
 * fails with EPIPE (the syscall layer adds SIGPIPE). splice, tee and
 * vmsplice peek at, drop and append data through a small API (vfs.h).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/memcharge.h>
#include <keel/poll.h>
#include <keel/sched.h>
#include <keel/sync.h>
#include <keel/vfs.h>
#include <keel/wait.h>

#define PIPE_BUF 4096
#define PIPEFS_DEV 12 /* st_dev 0:12 */

struct pipe {
	struct spinlock lock;
	struct waitq readable, writable;
	struct pollq poll; /* poll, select and epoll watchers */
	char *buf;
	size_t head, len; /* the data is len bytes from head, wrapping */
	unsigned readers, writers;
	/* FIFOs: opens of each end so far, and where opens wait for them. */
	unsigned nread_opens, nwrite_opens;
	struct waitq opened;
};

/* A FIFO opened O_RDWR is both ends; a pipe's ends are one each. */
static bool is_reader(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool is_writer(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

/* The free bytes. */
static size_t room(const struct pipe *p)
{
	return PIPE_SIZE - p->len;
}

/*
 * With p->lock held (interrupts off): wait until the pipe has data or no
 * writer. 0, -EAGAIN, or -ERESTARTSYS for a signal.
 */
static long wait_data(struct pipe *p, bool nonblock)
{
	return wait_event(&p->readable, &p->lock, p->len || !p->writers,
			  nonblock, 0);
}

/*
 * With p->lock held: wait until need bytes are free. 0, -EPIPE without
 * readers, -EAGAIN, or -ERESTARTSYS.
 */
static long wait_room(struct pipe *p, bool nonblock, size_t need)
{
	long err = wait_event(&p->writable, &p->lock,
			      !p->readers || room(p) >= need, nonblock, 0);

	return !err && !p->readers ? -EPIPE : err;
}

/*
 * With p->lock held: copy up to len bytes of the data, from off bytes
 * into it, to b at boff. The lock is dropped around each copy: one thread
 * per pipe end for now, so the data cannot go meanwhile. Bytes copied, or
 * -EFAULT if none.
 */
static long copy_out(struct pipe *p, unsigned long *irq, size_t off,
		     struct iobuf b, size_t boff, size_t len)
{
	size_t done = 0;

	while (done < len && off + done < p->len) {
		size_t at = (p->head + off + done) % PIPE_SIZE;
		size_t n =
		    MIN(MIN(len - done, p->len - off - done), PIPE_SIZE - at);
		int err;

		spin_unlock_irqrestore(&p->lock, *irq);
		err = iobuf_put(b, boff + done, p->buf + at, n);
		*irq = spin_lock_irqsave(&p->lock);
		if (err)
			return done ? (long)done : err;
		done += n;
	}
	return (long)done;
}

/* With p->lock held: drop n bytes from the front and wake writers. */
static void consume(struct pipe *p, size_t n)
{
	p->head = (p->head + n) % PIPE_SIZE;
	p->len -= n;
	if (n)
		waitq_wake_all(&p->writable);
}

/*
 * With p->lock held: append up to len bytes of b from boff as room allows
 * (dropping the lock around each copy, as copy_out). Bytes, or -EFAULT.
 */
static long copy_in(struct pipe *p, unsigned long *irq, struct iobuf b,
		    size_t boff, size_t len)
{
	size_t done = 0;

	while (done < len && room(p)) {
		size_t tail = (p->head + p->len) % PIPE_SIZE;
		size_t n = MIN(MIN(room(p), len - done), PIPE_SIZE - tail);
		int err;

		spin_unlock_irqrestore(&p->lock, *irq);
		err = iobuf_get(p->buf + tail, b, boff + done, n);
		*irq = spin_lock_irqsave(&p->lock);
		if (err)
			return done ? (long)done : err;
		p->len += n;
		done += n;
		waitq_wake_all(&p->readable);
	}
	return (long)done;
}

/* After data went in or out: pollers, and the times. */
static void changed(struct file *f, bool in)
{
	struct pipe *p = f->inode->pipe;

	if (in)
		pollq_wake(&p->poll, EPOLLIN | EPOLLRDNORM);
	else
		pollq_wake(&p->poll, EPOLLOUT | EPOLLWRNORM);
	inode_touch(f->inode, in);
}

static long pipe_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct pipe *p = f->inode->pipe;
	unsigned long irq = spin_lock_irqsave(&p->lock);
	long r = 0;

	(void)pos;
	if (len)
		r = wait_data(p, f->flags & O_NONBLOCK);
	if (!r)
		r = copy_out(p, &irq, 0, b, 0, len);
	if (r > 0)
		consume(p, (size_t)r);
	spin_unlock_irqrestore(&p->lock, irq);
	if (r > 0)
		changed(f, false);
	return r;
}

/* The ring buffer, allocated on the first write. */
static int pipe_buffer(struct pipe *p)
{
	if (p->buf)
		return 0;
	if (mem_charge(MEM_PIPE, PIPE_SIZE))
		return -ENOMEM;
	p->buf = kmalloc(PIPE_SIZE);
	if (!p->buf) {
		mem_uncharge(MEM_PIPE, PIPE_SIZE);
		return -ENOMEM;
	}
	return 0;
}

static long pipe_write(struct file *f, struct iobuf b, size_t len,
		       uint64_t *pos)
{
	struct pipe *p = f->inode->pipe;
	unsigned long irq;
	size_t done = 0;
	long err = 0;

	(void)pos;
	if (len && pipe_buffer(p))
		return -ENOMEM;
	irq = spin_lock_irqsave(&p->lock);
	while (done < len) {
		/* A small write waits for room for all of it. */
		size_t need = len <= PIPE_BUF ? len - done : 1;
		long n;

		err = wait_room(p, f->flags & O_NONBLOCK, need);
		if (err)
			break; /* a signal: what was written counts */
		n = copy_in(p, &irq, b, done, len - done);
		if (n < 0) {
			err = n;
			break;
		}
		done += (size_t)n;
	}
	spin_unlock_irqrestore(&p->lock, irq);
	if (done)
		changed(f, true);
	return done ? (long)done : err;
}

static long pipe_ioctl(struct file *f, unsigned cmd, unsigned long arg)
{
	struct pipe *p = f->inode->pipe;
	int32_t n = (int32_t)p->len;

	if (cmd != FIONREAD)
		return -ENOTTY;
	return iobuf_put((struct iobuf){ (char *)arg, true }, 0, &n, sizeof(n));
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->inode->pipe;
	unsigned long irq = spin_lock_irqsave(&p->lock);

	if (is_reader(f))
		p->readers--;
	if (is_writer(f))
		p->writers--;
	if (!p->readers && !p->writers)
		p->head = p->len =
		    0; /* a FIFO's data ends with its last open */
	waitq_wake_all(&p->readable);
	waitq_wake_all(&p->writable);
	spin_unlock_irqrestore(&p->lock, irq);
	pollq_wake(&p->poll, EPOLLHUP | EPOLLERR);
}

/*
 * As Linux's pipe_poll: the read end is readable with data and hung up
 * without writers; the write end is writable with room for PIPE_BUF bytes
 * and in error without readers.
 */
static unsigned pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->inode->pipe;
	unsigned long irq;
	unsigned mask = 0;

	poll_wait(pt, &p->poll);
	irq = spin_lock_irqsave(&p->lock);
	if (is_reader(f)) {
		if (p->len)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!p->writers)
			mask |= EPOLLHUP;
	}
	if (is_writer(f)) {
		if (PIPE_SIZE - p->len >= PIPE_BUF)
			mask |= EPOLLOUT | EPOLLWRNORM;
		if (!p->readers)
			mask |= EPOLLERR;
	}
	spin_unlock_irqrestore(&p->lock, irq);
	return mask;
}

/* A pipe and its buffer freed, their charges given back. */
static void pipe_free(struct pipe *p)
{
	mem_uncharge(MEM_PIPE, MEM_OBJECT_COST + (p->buf ? PIPE_SIZE : 0));
	kfree(p->buf);
	kfree(p);
}

static void pipe_inode_release(struct inode *ino)
{
	pipe_free(ino->pipe);
}

static const struct file_ops pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.release = pipe_release,
};

static const struct inode_ops pipe_iops = {
	.release = pipe_inode_release,
};

/* A pipe, charged with its two files (MEM_OBJECT_COST) until freed. */
static struct pipe *pipe_alloc(void)
{
	struct pipe *p;

	if (mem_charge(MEM_PIPE, MEM_OBJECT_COST))
		return NULL;
	p = kzalloc(sizeof(*p));
	if (!p)
		mem_uncharge(MEM_PIPE, MEM_OBJECT_COST);
	if (p) {
		waitq_init(&p->readable);
		waitq_init(&p->writable);
		waitq_init(&p->opened);
		pollq_init(&p->poll);
	}
	return p;
}

int vfs_pipe(struct file *ends[2], unsigned flags)
{
	struct inode *ino = inode_alloc(&pipe_iops, &pipe_fops, S_IFIFO | 0600);
	struct pipe *p = pipe_alloc();
	int err = -ENOMEM;

	if (!ino || !p) {
		if (p)
			pipe_free(p);
		if (ino)
			kfree(ino);
		return err;
	}
	ino->pipe = p;
	ino->flags |= I_TRANSIENT;
	ino->dev = PIPEFS_DEV;
	ends[0] = file_alloc(ino, O_RDONLY | (flags & O_NONBLOCK));
	ends[1] = file_alloc(ino, O_WRONLY | (flags & O_NONBLOCK));
	if (ends[0] && ends[1]) {
		p->readers = p->writers = 1;
		err = 0;
	} else {
		if (ends[0])
			ends[0]->ops = NULL; /* never opened: no release */
		if (ends[1])
			ends[1]->ops = NULL;
		file_put(ends[0]);
		file_put(ends[1]);
	}
	inode_put(ino);
	return err;
}

/* ---- include/keel/vfs.h: splice, tee and vmsplice (linux/sys_splice.c) ---- */

bool file_is_pipe(const struct file *f)
{
	return f->ops == &pipe_fops || f->ops == &fifo_fops;
}

long pipe_wait_data(struct file *f, bool nonblock)
{
	struct pipe *p = f->inode->pipe;
	unsigned long irq = spin_lock_irqsave(&p->lock);
	long r = wait_data(p, nonblock);

	if (!r)
		r = (long)p->len;
	spin_unlock_irqrestore(&p->lock, irq);
	return r;
}

long pipe_wait_room(struct file *f, bool nonblock)
{
	struct pipe *p = f->inode->pipe;
	unsigned long irq = spin_lock_irqsave(&p->lock);
	long r = wait_room(p, nonblock, 1);

	if (!r)
		r = (long)room(p);
	spin_unlock_irqrestore(&p->lock, irq);
	return r;
}

long pipe_peek(struct file *f, size_t off, struct iobuf b, size_t len)
{
	struct pipe *p = f->inode->pipe;
	unsigned long irq = spin_lock_irqsave(&p->lock);
	long r = copy_out(p, &irq, off, b, 0, len);

	spin_unlock_irqrestore(&p->lock, irq);
	return r;
}

void pipe_consume(struct file *f, size_t n)
{
	struct pipe *p = f->inode->pipe;
	unsigned long irq = spin_lock_irqsave(&p->lock);

	consume(p, MIN(n, p->len));
	spin_unlock_irqrestore(&p->lock, irq);
	if (n)
		changed(f, false);
}

long pipe_put(struct file *f, struct iobuf b, size_t len)
{
	struct pipe *p = f->inode->pipe;
	unsigned long irq;
	long r;

	if (len && pipe_buffer(p))
		return -ENOMEM;
	irq = spin_lock_irqsave(&p->lock);
	r = p->readers ? copy_in(p, &irq, b, 0, len) : -EPIPE;
	spin_unlock_irqrestore(&p->lock, irq);
	if (r > 0)
		changed(f, true);
	return r;
}

/*
 * Opening a FIFO, as fifo(7): a reader waits for a writer to open and a
 * writer for a reader (each counts as met once the other end has opened
 * since it began waiting); O_NONBLOCK readers do not wait and O_NONBLOCK
 * writers fail with ENXIO without a reader; O_RDWR is both ends at once.
 */
static int fifo_open(struct file *f)
{
	struct inode *ino = f->inode;
	struct pipe *p = ino->pipe;
	bool rd = is_reader(f), wr = is_writer(f);
	unsigned long irq;
	unsigned seen;
	int err = 0;

	if (!p && !(p = ino->pipe = pipe_alloc()))
		return -ENOMEM;
	irq = spin_lock_irqsave(&p->lock);
	if (wr && !rd && (f->flags & O_NONBLOCK) && !p->readers) {
		err = -ENXIO;
		goto out;
	}
	p->readers += rd;
	p->writers += wr;
	p->nread_opens += rd;
	p->nwrite_opens += wr;
	waitq_wake_all(&p->opened);
	if (rd && !wr && !(f->flags & O_NONBLOCK) && !p->writers) {
		seen = p->nwrite_opens;
		err = wait_event(&p->opened, &p->lock, seen != p->nwrite_opens,
				 false, 0);
		if (err)
			p->readers--;
	} else if (wr && !rd && !p->readers) {
		seen = p->nread_opens;
		err = wait_event(&p->opened, &p->lock, seen != p->nread_opens,
				 false, 0);
		if (err)
			p->writers--;
	}
out:
	spin_unlock_irqrestore(&p->lock, irq);
	if (!err)
		pollq_wake(&p->poll, EPOLLIN | EPOLLOUT);
	return err;
}

const struct file_ops fifo_fops = {
	.open = fifo_open,
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.release = pipe_release,
};

void fifo_inode_release(struct inode *ino)
{
	if (ino->pipe)
		pipe_inode_release(ino);
}

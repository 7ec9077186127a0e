/*
 * sys_aio.c - Linux native asynchronous I/O (linux/): io_setup,
 * io_destroy, io_submit, io_getevents, io_pgetevents and io_cancel.
 * A context is a ring of completion events in pages the kernel owns,
 * shown to the program at the address that is the context's id, as on
 * Linux (libaio reads the ring itself while head != tail). Every request
 * is carried out inside io_submit, as Linux does buffered I/O: its event
 * is in the ring (and its eventfd signalled) when io_submit returns, and a
 * read of an empty pipe blocks there. So nothing is ever in flight for
 * io_cancel, and IOCB_CMD_POLL, which would have to wait, is EINVAL (as
 * before Linux 4.18).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/memcharge.h>
#include <keel/pmm.h>
#include <keel/poll.h>
#include <keel/printf.h>
#include <keel/process.h>
#include <keel/procfs.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <keel/vm.h>
#include <keel/wait.h>
#include "linux.h"

/* <linux/aio_abi.h> */
#define IOCB_CMD_PREAD 0
#define IOCB_CMD_PWRITE 1
#define IOCB_CMD_FSYNC 2
#define IOCB_CMD_FDSYNC 3
#define IOCB_CMD_PREADV 7
#define IOCB_CMD_PWRITEV 8
#define IOCB_FLAG_RESFD 0x1
#define IOCB_FLAG_IOPRIO 0x2

struct io_event {
	uint64_t data; /* the iocb's aio_data */
	uint64_t obj; /* the iocb's address */
	int64_t res, res2;
};

struct iocb {
	uint64_t aio_data;
	uint32_t aio_key; /* io_submit sets it to 0 (Linux's KIOCB_KEY) */
	int32_t aio_rw_flags;
	uint16_t aio_lio_opcode;
	int16_t aio_reqprio;
	uint32_t aio_fildes;
	uint64_t aio_buf, aio_nbytes;
	int64_t aio_offset;
	uint64_t aio_reserved2;
	uint32_t aio_flags, aio_resfd;
};
_Static_assert(sizeof(struct iocb) == 64, "struct iocb");

/* The ring's header, then its events: Linux's struct aio_ring. */
struct aio_ring {
	uint32_t id, nr, head, tail;
	uint32_t magic, compat_features, incompat_features, header_length;
	struct io_event events[];
};
#define AIO_RING_MAGIC 0xa10a10a1u

#define AIO_CPUS 1 /* Linux sizes rings by the possible CPUs */
/* Events all contexts may reserve (/proc/sys/fs/aio-max-nr). */
#define AIO_MAX_NR 65536
#define RWF_KNOWN 0x1f /* HIPRI, DSYNC, SYNC, NOWAIT, APPEND */
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10

struct aio_ctx {
	struct list_node node; /* in contexts, until destroyed */
	uintptr_t id; /* where the ring is in the program */
	struct process *owner; /* whose address space holds the ring */
	unsigned slot; /* ring->id: the lowest free, as Linux numbers them */
	unsigned refs; /* the list's, and each call's (ctx_lock) */
	unsigned max_reqs; /* io_setup's count, held against AIO_MAX_NR */
	struct aio_ring *ring; /* through the direct map */
	paddr_t ring_pa;
	size_t ring_len;
	unsigned nr; /* events the ring holds (the trusted copy) */
	struct spinlock lock; /* tail, inflight, dead */
	unsigned tail;
	unsigned inflight; /* submitted, event not yet in the ring */
	bool dead;
	struct waitq events; /* io_getevents: events came, or death */
	struct waitq idle; /* io_destroy: inflight reached 0 */
	struct mutex reader; /* one taker of events at a time */
};

static struct spinlock ctx_lock; /* contexts, aio_nr, refs */
static struct list_node contexts = LIST_INIT(contexts);
static unsigned long aio_nr; /* the max_reqs of every context */

/* ---- contexts ---- */

/* Take c out of the list (ctx_lock held). */
static void ctx_unlink(struct aio_ctx *c)
{
	list_remove(&c->node);
	aio_nr -= c->max_reqs;
}

/*
 * The context the program names by id, referenced (or, with unlink, taken
 * out of the list with the list's reference), or NULL. As on Linux, it is
 * found through the id field of the ring in the program's memory: once
 * the ring is unmapped or that field changed, it cannot be named.
 */
static struct aio_ctx *ctx_get(unsigned long id, bool unlink)
{
	struct aio_ctx *found = NULL;
	unsigned long irq;
	uint32_t slot;

	if (copy_from_user(&slot, (void *)id, sizeof(slot)))
		return NULL;
	irq = spin_lock_irqsave(&ctx_lock);
	list_for_each (n, &contexts) {
		struct aio_ctx *c = list_entry(n, struct aio_ctx, node);
		if (c->id == id && c->slot == slot &&
		    c->owner == current_process()) {
			found = c;
			break;
		}
	}
	if (found && unlink)
		ctx_unlink(found);
	else if (found)
		found->refs++;
	spin_unlock_irqrestore(&ctx_lock, irq);
	return found;
}

static void ctx_put(struct aio_ctx *c)
{
	unsigned long irq = spin_lock_irqsave(&ctx_lock);
	bool last = --c->refs == 0;

	spin_unlock_irqrestore(&ctx_lock, irq);
	if (!last)
		return;
	pmm_free(c->ring_pa, c->ring_len / PAGE_SIZE);
	mem_uncharge(MEM_AIO, c->ring_len);
	kfree(c);
}

/* Under ctx_lock: the lowest ring id no live context has. */
static unsigned free_slot(void)
{
	unsigned slot = 0;

	for (bool again = true; again;) {
		again = false;
		list_for_each (n, &contexts) {
			if (list_entry(n, struct aio_ctx, node)->slot == slot) {
				slot++;
				again = true;
			}
		}
	}
	return slot;
}

/* Make the ring of at least nr events and show it to the program. */
static int ring_new(struct aio_ctx *c, unsigned nr)
{
	size_t len = ALIGN_UP(sizeof(struct aio_ring) +
				  (size_t)nr * sizeof(struct io_event),
			      PAGE_SIZE);
	struct aio_ring *r;
	long at;

	if (mem_charge(MEM_AIO, len))
		return -EAGAIN; /* as Linux past aio-max-nr */
	c->ring_pa = pmm_alloc_zeroed(len / PAGE_SIZE);
	if (!c->ring_pa) {
		mem_uncharge(MEM_AIO, len);
		return -ENOMEM;
	}
	c->ring_len = len;
	/* Linux fills the last page with events too. */
	c->nr = (unsigned)((len - sizeof(*r)) / sizeof(struct io_event));
	r = c->ring = phys_to_virt(c->ring_pa);
	r->nr = c->nr;
	r->magic = AIO_RING_MAGIC;
	r->compat_features = 1;
	r->header_length = sizeof(*r);
	at = vm_map_pages(c->ring_pa, len, PROT_READ | PROT_WRITE,
			  "/[aio] (deleted)");
	if (at < 0) {
		pmm_free(c->ring_pa, len / PAGE_SIZE);
		mem_uncharge(MEM_AIO, len);
		return (int)at;
	}
	c->id = (uintptr_t)at;
	return 0;
}

/* A context for nr_events as io_setup counts them: 0 and *out, or -errno. */
static int ctx_new(unsigned nr_events, struct aio_ctx **out)
{
	/* Linux doubles the count (its per-CPU slot caches), wrapping. */
	unsigned nr = MAX(nr_events, 4u * AIO_CPUS) * 2;
	struct aio_ctx *c;
	unsigned long irq;
	int err;

	if (nr > 0x10000000u / sizeof(struct io_event))
		return -EINVAL;
	if (!nr || nr_events > AIO_MAX_NR)
		return -EAGAIN;
	c = kzalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = ring_new(c, nr);
	if (err) {
		kfree(c);
		return err;
	}
	waitq_init(&c->events);
	waitq_init(&c->idle);
	mutex_init(&c->reader);
	c->max_reqs = nr_events;
	c->refs = 1;
	irq = spin_lock_irqsave(&ctx_lock);
	if (aio_nr + nr_events > AIO_MAX_NR) {
		spin_unlock_irqrestore(&ctx_lock, irq);
		vm_unmap_pages(c->id, c->ring_len, c->ring_pa);
		ctx_put(c);
		return -EAGAIN;
	}
	aio_nr += nr_events;
	c->slot = c->ring->id = free_slot();
	c->owner = current_process();
	list_push_back(&contexts, &c->node);
	spin_unlock_irqrestore(&ctx_lock, irq);
	*out = c;
	return 0;
}

/* After it left the list: io_getevents callers wake up, the ring leaves
 * the address space. The caller then drops the list's reference (a call
 * still running keeps the context until it ends). */
static void ctx_kill(struct aio_ctx *c)
{
	unsigned long irq = spin_lock_irqsave(&c->lock);

	c->dead = true;
	waitq_wake_all(&c->events);
	spin_unlock_irqrestore(&c->lock, irq);
	vm_unmap_pages(c->id, c->ring_len, c->ring_pa);
}

/* /proc/sys/fs: the AIO events reserved, and the limit (read-only). */
static size_t gen_aio_nr(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%lu\n", READ_ONCE(aio_nr));
}

static size_t gen_aio_max_nr(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", AIO_MAX_NR);
}

/* At the process's end (a kernel/process.c exit hook) and at execve:
 * destroy every context of p. */
void aio_exit(struct process *p)
{
	for (;;) {
		unsigned long irq = spin_lock_irqsave(&ctx_lock);
		struct aio_ctx *c = NULL;

		list_for_each (n, &contexts) {
			struct aio_ctx *x = list_entry(n, struct aio_ctx, node);
			if (x->owner == p) {
				c = x;
				break;
			}
		}
		if (c)
			ctx_unlink(c);
		spin_unlock_irqrestore(&ctx_lock, irq);
		if (!c)
			return;
		ctx_kill(c);
		ctx_put(c);
	}
}

static struct process_exit_hook aio_exit_hook = { .fn = aio_exit };

void aio_init(void)
{
	process_on_exit(&aio_exit_hook);
	procfs_provide(PROCFS_AIO_NR, gen_aio_nr);
	procfs_provide(PROCFS_AIO_MAX_NR, gen_aio_max_nr);
}

/* ---- the ring ---- */

/*
 * Reserve room in the ring for one more event: 0, -EAGAIN when it is full
 * (events not taken count), -EINVAL once io_destroy has begun.
 */
static int slot_take(struct aio_ctx *c)
{
	unsigned long irq = spin_lock_irqsave(&c->lock);
	unsigned head = READ_ONCE(c->ring->head) % c->nr;
	unsigned used = (c->tail + c->nr - head) % c->nr;
	int err = 0;

	if (c->dead)
		err = -EINVAL;
	else if (used + c->inflight >= c->nr - 1)
		err = -EAGAIN;
	else
		c->inflight++;
	spin_unlock_irqrestore(&c->lock, irq);
	return err;
}

/* Give back a reservation, with an event (ev) or without (ev NULL). */
static void slot_fill(struct aio_ctx *c, const struct io_event *ev)
{
	unsigned long irq = spin_lock_irqsave(&c->lock);

	if (ev) {
		c->ring->events[c->tail] = *ev;
		c->tail = (c->tail + 1) % c->nr;
		/* The event is written before the program can see it. */
		__atomic_store_n(&c->ring->tail, c->tail, __ATOMIC_RELEASE);
		waitq_wake_all(&c->events);
	}
	if (--c->inflight == 0)
		waitq_wake_all(&c->idle);
	spin_unlock_irqrestore(&c->lock, irq);
}

/* Whether the ring has no event for io_getevents (c->lock held). */
static bool ring_empty(const struct aio_ctx *c)
{
	return c->tail == READ_ONCE(c->ring->head) % c->nr;
}

/*
 * Copy up to max events from the ring to the program's array at uev and
 * move the head past them: how many, or -EFAULT when none could be.
 */
static long take_events(struct aio_ctx *c, uintptr_t uev, long max)
{
	unsigned long irq;
	unsigned head, tail;
	long got = 0;

	mutex_lock(&c->reader);
	irq = spin_lock_irqsave(&c->lock);
	head = READ_ONCE(c->ring->head) % c->nr;
	tail = c->tail;
	spin_unlock_irqrestore(&c->lock, irq);
	/* Events in [head, tail) stay put: completions write after tail. */
	while (got < max && head != tail) {
		unsigned n = (tail > head ? tail : c->nr) - head;
		n = (unsigned)MIN((long)n, max - got);
		if (copy_to_user((void *)(uev + got * sizeof(struct io_event)),
				 &c->ring->events[head],
				 n * sizeof(struct io_event))) {
			if (!got)
				got = -EFAULT;
			break;
		}
		got += n;
		head = (head + n) % c->nr;
	}
	if (got > 0) {
		irq = spin_lock_irqsave(&c->lock);
		WRITE_ONCE(c->ring->head, head);
		spin_unlock_irqrestore(&c->lock, irq);
	}
	mutex_unlock(&c->reader);
	return got;
}

/* ---- requests ---- */

struct aio_req {
	struct iocb cb;
	uintptr_t uiocb;
	struct file *f, *eventfd; /* references, or NULL */
	struct linux_iovec one, *iov; /* &one, or a vector to kfree */
	size_t cnt;
	bool write;
};

static void req_release(struct aio_req *r)
{
	if (r->iov != &r->one)
		kfree(r->iov);
	if (r->f)
		file_put(r->f);
	if (r->eventfd)
		file_put(r->eventfd);
}

/* ioprio_set(2)'s check of IOCB_FLAG_IOPRIO's priority (Linux 6). */
static int ioprio_check(int prio)
{
	unsigned cls = (unsigned)(prio >> 13) & 7, level = prio & 7;

	switch (cls) {
	case 0: /* none */
		return level ? -EINVAL : 0;
	case 1: /* real time */
		if (!cred_capable(CAP_SYS_ADMIN) && !cred_capable(CAP_SYS_NICE))
			return -EPERM;
		return 0;
	case 2: /* best effort */
	case 3: /* idle */
		return 0;
	default:
		return -EINVAL;
	}
}

/* The checks of a read or write before it runs, in Linux's order. */
static int rw_prepare(struct aio_req *r, bool vectored)
{
	const struct iocb *cb = &r->cb;
	struct file *f = r->f;
	uint64_t total = 0;
	long err;

	if ((cb->aio_flags & IOCB_FLAG_IOPRIO) &&
	    (err = ioprio_check(cb->aio_reqprio)))
		return (int)err;
	if (cb->aio_rw_flags & ~RWF_KNOWN)
		return -EOPNOTSUPP;
	if (r->write ? !file_writable(f) : !file_readable(f))
		return -EBADF;
	if (!f->ops || !(r->write ? f->ops->write : f->ops->read))
		return -EINVAL;
	if (vectored) {
		err = iovec_from_user((long)cb->aio_buf, (long)cb->aio_nbytes,
				      &r->iov);
		if (err)
			return (int)err;
		r->cnt = cb->aio_nbytes;
	} else {
		r->one.iov_base = cb->aio_buf;
		r->one.iov_len = MIN(cb->aio_nbytes, (uint64_t)MAX_RW_COUNT);
		if (!access_ok(r->one.iov_base, r->one.iov_len))
			return -EFAULT; /* page 0 passes, as on Linux */
		r->cnt = 1;
	}
	for (size_t i = 0; i < r->cnt; i++)
		total += r->iov[i].iov_len;
	if (cb->aio_offset < 0 ||
	    total > (uint64_t)(INT64_MAX - cb->aio_offset))
		return -EINVAL;
	return 0;
}

/* Check the iocb and take what it names: 0, or the error io_submit gives. */
static int req_prepare(struct aio_req *r)
{
	const struct iocb *cb = &r->cb;
	uint32_t key = 0;

	r->iov = &r->one;
	r->f = fd_get((int)cb->aio_fildes);
	if (!r->f || (r->f->flags & O_PATH))
		return -EBADF;
	if (cb->aio_flags & IOCB_FLAG_RESFD) {
		r->eventfd = fd_get((int)cb->aio_resfd);
		if (!r->eventfd)
			return -EBADF;
		if (!file_is_eventfd(r->eventfd))
			return -EINVAL;
	}
	if (copy_to_user((void *)(r->uiocb + offsetof(struct iocb, aio_key)),
			 &key, sizeof(key)))
		return -EFAULT;
	switch (cb->aio_lio_opcode) {
	case IOCB_CMD_PREAD:
	case IOCB_CMD_PREADV:
		return rw_prepare(r, cb->aio_lio_opcode == IOCB_CMD_PREADV);
	case IOCB_CMD_PWRITE:
	case IOCB_CMD_PWRITEV:
		r->write = true;
		return rw_prepare(r, cb->aio_lio_opcode == IOCB_CMD_PWRITEV);
	case IOCB_CMD_FSYNC:
	case IOCB_CMD_FDSYNC:
		if (cb->aio_buf || cb->aio_offset || cb->aio_nbytes ||
		    cb->aio_rw_flags)
			return -EINVAL;
		/* Regular files and directories have fsync: nothing to do in
		 * memory. Pipes, sockets, devices have none. */
		if (!S_ISREG(r->f->inode->mode) && !S_ISDIR(r->f->inode->mode))
			return -EINVAL;
		r->cnt = 0;
		return 0;
	default: /* IOCB_CMD_POLL, IOCB_CMD_NOOP, unknown */
		return -EINVAL;
	}
}

/* Carry out a prepared request: its result for the event. */
static long req_run(struct aio_req *r)
{
	struct file *f = r->f;
	unsigned want = r->write ? EPOLLOUT | EPOLLERR | EPOLLHUP
				 : EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP;
	int64_t off = r->cb.aio_offset;
	long res;

	if (r->cb.aio_lio_opcode == IOCB_CMD_FSYNC ||
	    r->cb.aio_lio_opcode == IOCB_CMD_FDSYNC)
		return 0;
	/* RWF_NOWAIT: what would wait fails with EAGAIN instead. */
	if ((r->cb.aio_rw_flags & RWF_NOWAIT) && !(vfs_poll(f, NULL) & want))
		return -EAGAIN;
	if (r->write && (r->cb.aio_rw_flags & RWF_APPEND) &&
	    S_ISREG(f->inode->mode))
		off = (int64_t)f->inode->size;
	/* Streams (pipes, sockets) have no offset and ignore it. */
	res = file_rw_iov(f, r->iov, r->cnt, r->write, f->ops->llseek != NULL,
			  off);
	if (res <= -ERESTARTSYS && res >= -ERESTARTSYS - 4)
		res = -EINTR; /* never restarted: other requests went ahead */
	if (r->write && res == -EPIPE)
		signal_send_self(SIGPIPE);
	return res;
}

static int submit_one(struct aio_ctx *c, uintptr_t uiocb)
{
	struct aio_req r = { .uiocb = uiocb };
	struct io_event ev;
	int err;

	if (copy_from_user(&r.cb, (void *)uiocb, sizeof(r.cb)))
		return -EFAULT;
	if (r.cb.aio_reserved2 || (int64_t)r.cb.aio_nbytes < 0)
		return -EINVAL;
	err = slot_take(c);
	if (err)
		return err;
	err = req_prepare(&r);
	if (err) {
		slot_fill(c, NULL);
		req_release(&r);
		return err;
	}
	ev = (struct io_event){ r.cb.aio_data, uiocb, req_run(&r), 0 };
	slot_fill(c, &ev);
	if (r.eventfd)
		eventfd_signal(r.eventfd, 1);
	req_release(&r);
	return 0;
}

/* ---- the system calls ---- */

SYSCALL_DEFINE(io_setup)
{
	unsigned nr_events = (unsigned)a[0];
	struct aio_ctx *c;
	uint64_t old;
	int err;

	if (copy_from_user(&old, (void *)a[1], sizeof(old)))
		return -EFAULT;
	if (old || !nr_events)
		return -EINVAL;
	err = ctx_new(nr_events, &c);
	if (err)
		return err;
	if (copy_to_user((void *)a[1], &c->id, sizeof(c->id))) {
		unsigned long irq = spin_lock_irqsave(&ctx_lock);
		ctx_unlink(c);
		spin_unlock_irqrestore(&ctx_lock, irq);
		ctx_kill(c);
		ctx_put(c);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE(io_destroy)
{
	struct aio_ctx *c = ctx_get((unsigned long)a[0], true);
	unsigned long irq;

	if (!c)
		return -EINVAL;
	ctx_kill(c);
	/* As on Linux, return once no request uses the program's buffers. */
	irq = spin_lock_irqsave(&c->lock);
	while (c->inflight)
		waitq_wait_locked(&c->idle, &c->lock, 0);
	spin_unlock_irqrestore(&c->lock, irq);
	ctx_put(c);
	return 0;
}

SYSCALL_DEFINE(io_submit)
{
	long nr = a[1], i;
	uintptr_t list = (uintptr_t)a[2];
	struct aio_ctx *c;
	long err = 0;

	if (nr < 0)
		return -EINVAL;
	c = ctx_get((unsigned long)a[0], false);
	if (!c)
		return -EINVAL;
	nr = MIN(nr, (long)c->nr);
	for (i = 0; i < nr; i++) {
		uint64_t uiocb;
		if (copy_from_user(&uiocb, (void *)(list + i * sizeof(uiocb)),
				   sizeof(uiocb))) {
			err = -EFAULT;
			break;
		}
		err = submit_one(c, (uintptr_t)uiocb);
		if (err)
			break;
	}
	ctx_put(c);
	return i ? i : err;
}

/*
 * Wait for events; *done counts those taken (-errno when an error ended
 * it before any). Returns when min_nr were taken, on an error, at the
 * deadline (no wait when nowait), when the context dies, or on a signal.
 */
static void wait_events(struct aio_ctx *c, long min_nr, long nr, uintptr_t uev,
			bool nowait, uint64_t deadline, long *done)
{
	for (;;) {
		long n = take_events(
		    c, uev + (uint64_t)*done * sizeof(struct io_event),
		    nr - *done);
		unsigned long irq;
		int err = 0;

		if (n > 0)
			*done += n;
		if (READ_ONCE(c->dead))
			n = -EINVAL;
		if (!*done && n < 0)
			*done = n;
		if (n < 0 || *done >= min_nr || nowait)
			return;
		irq = spin_lock_irqsave(&c->lock);
		err = wait_event(&c->events, &c->lock,
				 !ring_empty(c) || c->dead, false, deadline);
		spin_unlock_irqrestore(&c->lock, irq);
		if (err) /* the deadline, or a signal */
			return;
	}
}

/* io_getevents and io_pgetevents once the timeout (ts) is copied in. */
static long getevents(const long *a, const struct linux_timespec *ts)
{
	/*
	 * A timeout of 0 looks once without waiting. Linux adds a negative
	 * one to the clock, sees an overflow and waits with no deadline. The
	 * timeout is not checked: sec * 1e9 + nsec, saturating.
	 */
	int64_t ns = ts ? timespec_to_ns(ts) : -1;
	uint64_t deadline = ns > 0 ? time_now_ns() + (uint64_t)ns : 0;
	struct aio_ctx *c = ctx_get((unsigned long)a[0], false);
	long done = 0;

	if (!c)
		return -EINVAL;
	if (a[1] >= 0 && a[1] <= a[2])
		wait_events(c, a[1], a[2], (uintptr_t)a[3], ns == 0, deadline,
			    &done);
	else
		done = -EINVAL;
	ctx_put(c);
	return done;
}

SYSCALL_DEFINE(io_getevents)
{
	struct linux_timespec ts;
	long ret;

	if (a[4] && copy_from_user(&ts, (void *)a[4], sizeof(ts)))
		return -EFAULT;
	ret = getevents(a, a[4] ? &ts : NULL);
	return !ret && signal_pending() ? -EINTR : ret;
}

/* With a signal mask in place while it waits, as ppoll. */
SYSCALL_DEFINE(io_pgetevents)
{
	struct {
		uint64_t sigmask, sigsetsize;
	} usig = { 0, 0 };
	struct linux_timespec ts;
	bool interrupted;
	uint64_t mask;
	long ret;

	if (a[4] && copy_from_user(&ts, (void *)a[4], sizeof(ts)))
		return -EFAULT;
	if (a[5] && copy_from_user(&usig, (void *)a[5], sizeof(usig)))
		return -EFAULT;
	if (usig.sigmask) {
		if (usig.sigsetsize != sizeof(mask))
			return -EINVAL;
		if (copy_from_user(&mask, (void *)usig.sigmask, sizeof(mask)))
			return -EFAULT;
		signal_mask_begin(mask);
	}
	ret = getevents(a, a[4] ? &ts : NULL);
	interrupted = signal_pending();
	if (usig.sigmask)
		signal_mask_end(interrupted);
	return interrupted && !ret ? -ERESTARTNOHAND : ret;
}

SYSCALL_DEFINE(io_cancel)
{
	uint32_t key;
	struct aio_ctx *c;

	if (copy_from_user(&key,
			   (void *)(a[1] + offsetof(struct iocb, aio_key)),
			   sizeof(key)))
		return -EFAULT;
	if (key) /* never submitted */
		return -EINVAL;
	c = ctx_get((unsigned long)a[0], false);
	if (!c)
		return -EINVAL;
	ctx_put(c);
	/* Every request completed inside io_submit: none is in flight. */
	return -EINVAL;
}

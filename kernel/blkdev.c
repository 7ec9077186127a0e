/*
 * blkdev.c - the block devices drivers register (kernel/): the table by
 * name, geometry, and synchronous sector I/O on top of a driver's
 * asynchronous submit (include/keel/blkdev_driver.h): the caller sleeps
 * until the request's completion, which may come from an interrupt.
 * The block cache (fs/bcache.c) hooks the removal of a device.
 */
#include <keel/blkdev_driver.h>
#include <keel/errno.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/time.h>

static struct list_node devices = LIST_INIT(devices);
static void (*remove_hook)(struct blkdev *dev);
/* blkdev_wait's sleepers, woken by each registration. */
static struct spinlock arrival_lock;
static struct waitq arrival = WAITQ_INIT(arrival);

void blkdev_set_remove_hook(void (*fn)(struct blkdev *dev))
{
	remove_hook = fn;
}

static bool valid_geometry(const struct blkdev *dev)
{
	uint32_t ss = dev->sector_size;

	return ss >= 512 && ss <= 4096 && !(ss & (ss - 1)) && dev->sectors;
}

/* include/keel/vfs.h's 32-bit device number. */
static uint32_t make_rdev(uint32_t major, uint32_t minor)
{
	return (major & 0xfff) << 8 | (minor & 0xff) | (minor >> 8) << 20;
}

/* The lowest index no registered device of major holds (its minor is 16
 * times that), or -ENOSPC past the 20 bits of a minor. */
static int free_index(uint16_t major)
{
	for (uint32_t i = 0; i < (1u << 20) / 16; i++) {
		uint32_t rdev = make_rdev(major, 16 * i);
		bool taken = false;

		list_for_each (n, &devices) {
			if (list_entry(n, struct blkdev, node)->rdev == rdev)
				taken = true;
		}
		if (!taken)
			return (int)i;
	}
	return -ENOSPC;
}

int blkdev_register(struct blkdev *dev)
{
	unsigned long flags;
	int index = 0;

	size_t len = strnlen(dev->name, BLKDEV_NAME_MAX);

	if (!len || len == BLKDEV_NAME_MAX || !valid_geometry(dev) ||
	    !dev->ops || !dev->ops->submit)
		return -EINVAL;
	if (blkdev_find(dev->name))
		return -EEXIST;
	if (dev->major > 0xfff)
		return -EINVAL;
	if (dev->major && (index = free_index(dev->major)) < 0)
		return index;
	dev->rdev =
	    dev->major ? make_rdev(dev->major, 16 * (uint32_t)index) : 0;
	dev->block_size = MAX(dev->sector_size, 4096u);
	dev->wb_error = 0;
	list_push_back(&devices, &dev->node);
	flags = spin_lock_irqsave(&arrival_lock);
	waitq_wake_all(&arrival);
	spin_unlock_irqrestore(&arrival_lock, flags);
	return 0;
}

void blkdev_unregister(struct blkdev *dev)
{
	if (remove_hook) /* the block cache: write back, drop the buffers */
		remove_hook(dev);
	list_remove(&dev->node);
}

struct blkdev *blkdev_find(const char *name)
{
	list_for_each (n, &devices) {
		struct blkdev *d = list_entry(n, struct blkdev, node);

		if (!strcmp(d->name, name))
			return d;
	}
	return NULL;
}

struct blkdev *blkdev_next(struct blkdev *prev)
{
	struct list_node *n = prev ? prev->node.next : devices.next;

	return n == &devices ? NULL : list_entry(n, struct blkdev, node);
}

const char *blkdev_name(const struct blkdev *dev)
{
	return dev->name;
}

uint32_t blkdev_rdev(const struct blkdev *dev)
{
	return dev->rdev;
}

bool blkdev_readonly(const struct blkdev *dev)
{
	return dev->readonly;
}

struct blkdev *blkdev_wait(const char *name, uint64_t timeout_ns)
{
	uint64_t deadline = time_now_ns() + timeout_ns;
	unsigned long flags = spin_lock_irqsave(&arrival_lock);
	struct blkdev *dev;
	int err = 0;

	while (!(dev = blkdev_find(name)) && err != -ETIMEDOUT)
		err = waitq_wait_locked(&arrival, &arrival_lock, deadline);
	spin_unlock_irqrestore(&arrival_lock, flags);
	return dev;
}

uint32_t blkdev_sector_size(const struct blkdev *dev)
{
	return dev->sector_size;
}

uint64_t blkdev_sectors(const struct blkdev *dev)
{
	return dev->sectors;
}

uint32_t blk_request_total(const struct blk_request *rq)
{
	return rq->op == BLK_FLUSH ? 1 : rq->span;
}

int blk_request_check(const struct blkdev *dev, struct blk_request *rq)
{
	uint64_t end = rq->sector;

	rq->span = 0;
	if (rq->op == BLK_FLUSH)
		return rq->next ? -EINVAL : 0;
	if (rq->op != BLK_READ && rq->op != BLK_WRITE)
		return -EINVAL;
	for (struct blk_request *p = rq; p; p = p->next) {
		if (p->op != rq->op || p->sector != end || !p->count ||
		    !p->buf || p->count > UINT32_MAX - rq->span)
			return -EINVAL;
		end += p->count;
		rq->span += p->count;
	}
	if (rq->sector >= dev->sectors || rq->span > dev->sectors - rq->sector)
		return -EINVAL;
	return rq->op == BLK_WRITE && dev->readonly ? -EROFS : 0;
}

void blk_request_retire(struct blk_request *rq, int err, struct list_node *done)
{
	if (rq->issued < blk_request_total(rq)) {
		list_remove(&rq->qnode);
		rq->issued = blk_request_total(rq);
	}
	if (err && !rq->error)
		rq->error = err;
	if (!rq->pieces)
		list_push_back(done, &rq->qnode);
}

/* Every part's done, with the run's status (done may free its part). */
static void finish_run(struct blk_request *rq, int status)
{
	while (rq) {
		struct blk_request *next = rq->next;

		rq->done(rq, status);
		rq = next;
	}
}

void blk_requests_finish(struct list_node *done)
{
	struct list_node *n;

	while ((n = list_pop_front(done))) {
		struct blk_request *rq =
		    list_entry(n, struct blk_request, qnode);
		finish_run(rq, rq->error);
	}
}

uint8_t *blk_request_data(struct blk_request *rq, uint32_t ss, uint64_t off,
			  uint64_t *len)
{
	for (struct blk_request *p = rq; p; p = p->next) {
		uint64_t bytes = (uint64_t)p->count * ss;

		if (off < bytes) {
			*len = bytes - off;
			return (uint8_t *)p->buf + off;
		}
		off -= bytes;
	}
	*len = 0;
	return NULL;
}

void blk_request_copy(struct blk_request *rq, uint32_t ss, uint64_t off,
		      void *mem, uint64_t len, bool out)
{
	uint8_t *m = mem;

	while (len) {
		uint64_t n;
		uint8_t *p = blk_request_data(rq, ss, off, &n);

		if (!p)
			break;
		n = MIN(n, len);
		if (out)
			memcpy(m, p, n);
		else
			memcpy(p, m, n);
		m += n;
		off += n;
		len -= n;
	}
}

bool blk_request_merge(struct blk_request *head, struct blk_request *rq,
		       uint32_t max)
{
	struct blk_request *tail = head;

	if (!head->next)
		head->span = head->count;
	if (head->op == BLK_FLUSH || rq->op != head->op || rq->next ||
	    rq->count > max || head->span > max - rq->count ||
	    rq->sector != head->sector + head->span)
		return false;
	while (tail->next)
		tail = tail->next;
	tail->next = rq;
	head->span += rq->count;
	return true;
}

bool blk_queue_run(struct list_node *queue,
		   int (*issue)(void *drv, struct blk_request *rq), void *drv,
		   uint32_t max, struct list_node *done)
{
	bool added = false;

	while (!list_empty(queue)) {
		struct blk_request *rq =
		    list_entry(queue->next, struct blk_request, qnode);
		int err;

		while (!rq->issued && rq->qnode.next != queue) {
			struct blk_request *nx = list_entry(
			    rq->qnode.next, struct blk_request, qnode);
			if (!blk_request_merge(rq, nx, max))
				break;
			list_remove(&nx->qnode);
		}
		err = issue(drv, rq);
		if (err == -EAGAIN)
			break;
		if (err)
			blk_request_retire(rq, err, done);
		else
			added = true;
	}
	return added;
}

/* A request's completion, as the sleeping submitter sees it. */
struct waiter {
	struct spinlock lock;
	struct waitq wq;
	bool done;
	int status;
};

static void io_done(struct blk_request *rq, int status)
{
	struct waiter *w = rq->priv;
	unsigned long flags = spin_lock_irqsave(&w->lock);

	w->status = status;
	w->done = true;
	waitq_wake_all(&w->wq);
	spin_unlock_irqrestore(&w->lock, flags);
}

static int io(struct blkdev *dev, enum blk_op op, uint64_t sector,
	      uint32_t count, void *buf)
{
	struct waiter w = { { 0 }, WAITQ_INIT(w.wq), false, 0 };
	struct blk_request rq = { .op = op,
				  .sector = sector,
				  .count = count,
				  .buf = buf,
				  .done = io_done,
				  .priv = &w };
	unsigned long flags;
	int err;

	if (op != BLK_FLUSH) {
		if (!count)
			return 0;
		if (sector >= dev->sectors || count > dev->sectors - sector)
			return -EINVAL;
		if (op == BLK_WRITE && dev->readonly)
			return -EROFS;
	}
	err = dev->ops->submit(dev, &rq);
	if (err)
		return err;
	flags = spin_lock_irqsave(&w.lock);
	while (!w.done)
		waitq_wait_locked(&w.wq, &w.lock, 0);
	spin_unlock_irqrestore(&w.lock, flags);
	return w.status;
}

void blkdev_submit(struct blkdev *dev, struct blk_request *rq)
{
	int err = dev->ops->submit(dev, rq);

	if (err)
		finish_run(rq, err);
}

int blkdev_read(struct blkdev *dev, uint64_t sector, uint32_t count, void *buf)
{
	return io(dev, BLK_READ, sector, count, buf);
}

int blkdev_write(struct blkdev *dev, uint64_t sector, uint32_t count,
		 const void *buf)
{
	return io(dev, BLK_WRITE, sector, count, (void *)buf);
}

int blkdev_flush(struct blkdev *dev)
{
	return io(dev, BLK_FLUSH, 0, 0, NULL);
}

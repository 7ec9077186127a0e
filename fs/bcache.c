/*
 * bcache.c - the block cache (fs/): buffers of a device's blocks, a page
 * each, found by (device, block number) in a hash table, reference
 * counted, read on demand or ahead in runs, marked dirty by their user
 * and written back in sorted runs of adjacent blocks, one request a run,
 * by bcache_sync (then a flush of the device), at the kernel's shutdown
 * and when the cache is full. Past a limit, unreferenced buffers go in
 * least-recently-used order (clean ones first; dirty ones are written
 * back in a batch first). Write errors are not lost: the buffer stays
 * dirty and the next sync of its device reports -EIO.
 * include/keel/blkdev.h; docs/fs.md.
 */
#include <keel/blkdev_driver.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/page.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/sync.h>

#define NHASH 256
#define BATCH 256 /* buffers in one batch of requests */
#define RUN_BYTES (1u << 20) /* the longest run one request carries */

static struct buf *hash[NHASH];
static struct buf *lru_head, *lru_tail; /* least recently used first */
static size_t nbufs, limit = BCACHE_DEFAULT_MAX;
static bool hooked;

static unsigned hash_of(const struct blkdev *dev, uint64_t block)
{
	uint64_t h = ((uintptr_t)dev >> 4) ^ (block * 0x9e3779b97f4a7c15ULL);

	return (unsigned)(h >> 32) % NHASH;
}

static struct buf *lookup(struct blkdev *dev, uint64_t block)
{
	for (struct buf *b = hash[hash_of(dev, block)]; b; b = b->hnext)
		if (b->dev == dev && b->block == block)
			return b;
	return NULL;
}

static void lru_unlink(struct buf *b)
{
	*(b->lprev ? &b->lprev->lnext : &lru_head) = b->lnext;
	*(b->lnext ? &b->lnext->lprev : &lru_tail) = b->lprev;
	b->lprev = b->lnext = NULL;
}

static void lru_append(struct buf *b)
{
	b->lprev = lru_tail;
	b->lnext = NULL;
	*(lru_tail ? &lru_tail->lnext : &lru_head) = b;
	lru_tail = b;
}

static void drop(struct buf *b)
{
	struct buf **p = &hash[hash_of(b->dev, b->block)];

	while (*p != b)
		p = &(*p)->hnext;
	*p = b->hnext;
	lru_unlink(b);
	pmm_free(virt_to_phys(b->data), 1);
	kfree(b);
	nbufs--;
}

static uint32_t per_block(const struct blkdev *dev)
{
	return dev->block_size / dev->sector_size;
}

/*
 * A batch: requests for buffers v[0..n) (sorted by device and block),
 * adjacent ones of a device merged into runs, all submitted, then waited
 * for; each buffer's status in st[].
 */
struct bio {
	struct blk_request rq;
	struct batch *batch;
	int status;
};

struct batch {
	struct spinlock lock;
	struct waitq wq;
	size_t pending;
};

static void bio_done(struct blk_request *rq, int status)
{
	struct bio *io = rq->priv;
	struct batch *bt = io->batch;
	unsigned long flags = spin_lock_irqsave(&bt->lock);

	io->status = status;
	if (--bt->pending == 0)
		waitq_wake_all(&bt->wq);
	spin_unlock_irqrestore(&bt->lock, flags);
}

/* Chain the bios into runs and submit the runs (n at least 1). */
static void submit_runs(struct buf **v, struct bio *io, size_t n,
			enum blk_op op)
{
	struct bio *head = &io[0];

	for (size_t i = 0; i < n; i++) {
		uint32_t per = per_block(v[i]->dev);

		io[i].rq = (struct blk_request){ .op = op,
						 .sector = v[i]->block * per,
						 .count = per,
						 .buf = v[i]->data,
						 .done = bio_done,
						 .priv = &io[i] };
		if (i == 0)
			continue;
		if (v[i]->dev == v[i - 1]->dev &&
		    blk_request_merge(&head->rq, &io[i].rq,
				      RUN_BYTES / v[i]->dev->sector_size))
			continue;
		blkdev_submit(v[i - 1]->dev, &head->rq);
		head = &io[i];
	}
	blkdev_submit(v[n - 1]->dev, &head->rq);
}

static int run_batch(struct buf **v, size_t n, enum blk_op op, int *st)
{
	struct batch bt = { { 0 }, WAITQ_INIT(bt.wq), n };
	struct bio *io = kmalloc(n * sizeof(*io));
	unsigned long flags;

	if (!io)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		io[i] = (struct bio){ .batch = &bt };
	submit_runs(v, io, n, op);
	flags = spin_lock_irqsave(&bt.lock);
	while (bt.pending)
		waitq_wait_locked(&bt.wq, &bt.lock, 0);
	spin_unlock_irqrestore(&bt.lock, flags);
	for (size_t i = 0; i < n; i++)
		st[i] = io[i].status;
	kfree(io);
	return 0;
}

/*
 * Write back the dirty buffers v[0..n) (sorted, at most BATCH), keeping
 * an error for the device's next sync: a failed one stays dirty. 0 or
 * the first error.
 */
static int write_bufs(struct buf **v, size_t n)
{
	int st[BATCH], err = 0, berr;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		v[i]->refs++;
		v[i]->dirty = false; /* a bcache_dirty meanwhile sets it */
	}
	berr = run_batch(v, n, BLK_WRITE, st);
	for (size_t i = 0; i < n; i++) {
		int e = berr ? berr : st[i];

		if (e) {
			v[i]->dirty = true;
			v[i]->dev->wb_error = e;
		}
		err = err ? err : e;
		v[i]->refs--;
	}
	return err;
}

/* Insert b into v[0..n), sorted by device and block. */
static void insert_sorted(struct buf **v, size_t n, struct buf *b)
{
	size_t i;

	for (i = n; i > 0; i--) {
		struct buf *p = v[i - 1];

		if (p->dev < b->dev ||
		    (p->dev == b->dev && p->block < b->block))
			break;
		v[i] = p;
	}
	v[i] = b;
}

/* At most max dirty buffers of dev (NULL: all), unreferenced ones only
 * with idle, least recently used first, into v in block order. */
static size_t collect(struct blkdev *dev, bool idle, struct buf **v, size_t max)
{
	size_t n = 0;

	for (struct buf *b = lru_head; b && n < max; b = b->lnext)
		if (b->dirty && (!dev || b->dev == dev) && (!idle || !b->refs))
			insert_sorted(v, n++, b);
	return n;
}

/* One unreferenced clean buffer out: false if none can go. */
static bool evict_clean(void)
{
	for (struct buf *b = lru_head; b; b = b->lnext)
		if (!b->refs && !b->dirty) {
			drop(b);
			return true;
		}
	return false;
}

/* The limit is soft: when every buffer is in use or fails to be
 * written back, one more is made. */
static void make_room(void)
{
	struct buf *v[BATCH];
	bool wrote = false;

	while (nbufs >= limit) {
		size_t n;

		if (evict_clean()) {
			wrote = false;
			continue;
		}
		n = wrote ? 0 : collect(NULL, true, v, BATCH);
		if (!n)
			break;
		write_bufs(v, n);
		wrote = true;
	}
}

static void shutdown_sync(void)
{
	int err = bcache_sync(NULL);

	if (err)
		printk("keel: block cache: write-back at shutdown failed "
		       "(error %d)\n",
		       err);
}

static struct shutdown_hook shutdown_hook = { shutdown_sync, NULL };

static void drop_device(struct blkdev *dev);

static int get(struct blkdev *dev, uint64_t block, struct buf **out)
{
	struct buf *b = lookup(dev, block);

	if (block >= dev->sectors / per_block(dev))
		return -EINVAL;
	if (!b) {
		make_room();
		paddr_t page = pmm_alloc_zeroed(1);

		b = page ? kzalloc(sizeof(*b)) : NULL;
		if (!b) {
			if (page)
				pmm_free(page, 1);
			return -ENOMEM;
		}
		b->data = phys_to_virt(page);
		b->dev = dev;
		b->block = block;
		b->hnext = hash[hash_of(dev, block)];
		hash[hash_of(dev, block)] = b;
		nbufs++;
	} else {
		lru_unlink(b);
	}
	lru_append(b); /* now the most recently used */
	b->refs++;
	if (!hooked) {
		hooked = true;
		kernel_on_shutdown(&shutdown_hook);
		blkdev_set_remove_hook(drop_device);
	}
	*out = b;
	return 0;
}

int bcache_get(struct blkdev *dev, uint64_t block, struct buf **out)
{
	int err = get(dev, block, out);

	if (!err)
		(*out)->valid = true;
	return err;
}

int bcache_read(struct blkdev *dev, uint64_t block, struct buf **out)
{
	struct buf *b;
	int err = get(dev, block, &b);
	uint32_t n;

	if (err || b->valid) {
		*out = b;
		return err;
	}
	n = per_block(dev);
	err = blkdev_read(dev, block * n, n, b->data);
	if (err) {
		if (--b->refs == 0 && !b->dirty)
			drop(b); /* nothing cached */
		return err;
	}
	b->valid = true;
	*out = b;
	return 0;
}

/* The missing blocks among up to BATCH from block on, made (referenced,
 * not valid) into v: how many; *next the first block not looked at. */
static size_t missing(struct blkdev *dev, uint64_t block, uint64_t end,
		      struct buf **v, uint64_t *next)
{
	size_t n = 0;

	for (; block < end && n < BATCH; block++) {
		if (lookup(dev, block))
			continue; /* cached, or being read */
		if (get(dev, block, &v[n]))
			break;
		n++;
	}
	*next = block;
	return n;
}

int bcache_readahead(struct blkdev *dev, uint64_t block, uint64_t n)
{
	uint64_t end = dev->sectors / per_block(dev);
	struct buf *v[BATCH];
	int st[BATCH], err = 0;

	end = block < end ? block + MIN(n, end - block) : block;
	while (block < end && !err) {
		size_t got = missing(dev, block, end, v, &block);
		int berr;

		if (!got)
			break;
		berr = run_batch(v, got, BLK_READ, st);
		for (size_t i = 0; i < got; i++) {
			int e = berr ? berr : st[i];

			if (!e)
				v[i]->valid = true;
			if (--v[i]->refs == 0 && !v[i]->valid && !v[i]->dirty)
				drop(v[i]); /* nothing cached */
			err = err ? err : e;
		}
	}
	return err;
}

void bcache_dirty(struct buf *b)
{
	b->dirty = true;
}

void bcache_put(struct buf *b)
{
	if (b) {
		BUG_ON(b->refs == 0);
		b->refs--;
	}
}

/* Flush dev, or each distinct device of v. */
static int flush_all(struct blkdev *dev, struct buf **v, size_t n)
{
	int err = 0, e;

	if (dev)
		return blkdev_flush(dev);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i]->dev != v[i - 1]->dev) {
			e = blkdev_flush(v[i]->dev);
			err = err ? err : e;
		}
	return err;
}

/* An error of an earlier write-back (an eviction's) goes to the first
 * sync after it, once. */
static int report(struct blkdev *dev, struct buf **v, size_t n, int err)
{
	if (dev) {
		err = err ? err : dev->wb_error;
		dev->wb_error = 0;
	}
	for (size_t i = 0; i < n; i++) {
		err = err ? err : v[i]->dev->wb_error;
		v[i]->dev->wb_error = 0;
	}
	return err;
}

int bcache_sync(struct blkdev *dev)
{
	struct buf **v = kmalloc(MAX(nbufs, (size_t)1) * sizeof(*v));
	size_t n;
	int err = 0;

	if (!v)
		return -ENOMEM;
	n = collect(dev, false, v, nbufs);
	for (size_t i = 0; i < n; i++)
		v[i]->refs++; /* none goes while others are written */
	for (size_t i = 0; i < n; i += BATCH) {
		int e = write_bufs(v + i, MIN(n - i, (size_t)BATCH));

		err = err ? err : e;
	}
	if (!err)
		err = flush_all(dev, v, n);
	err = report(dev, v, n, err);
	for (size_t i = 0; i < n; i++)
		v[i]->refs--;
	kfree(v);
	return err;
}

/* Write back and drop every buffer of dev (none may be referenced). */
static int drop_buffers(struct blkdev *dev)
{
	int err = bcache_sync(dev);
	struct buf *b, *next;

	for (b = lru_head; b; b = next) {
		next = b->lnext;
		if (b->dev == dev && !b->refs && !b->dirty)
			drop(b);
	}
	return err;
}

static void drop_device(struct blkdev *dev)
{
	int err = drop_buffers(dev);

	if (err)
		printk("keel: block cache: %s removed with unwritten blocks "
		       "(error %d)\n",
		       dev->name, err);
}

int bcache_set_block_size(struct blkdev *dev, uint32_t size)
{
	int err;

	if (size < 512 || size > 4096 || (size & (size - 1)) ||
	    size < dev->sector_size)
		return -EINVAL;
	for (struct buf *b = lru_head; b; b = b->lnext)
		if (b->dev == dev && b->refs)
			return -EBUSY;
	err = drop_buffers(dev);
	if (err)
		return err;
	dev->block_size = size;
	return 0;
}

void bcache_set_limit(size_t n)
{
	limit = MAX(n, (size_t)1);
	make_room();
}

size_t bcache_count(void)
{
	return nbufs;
}

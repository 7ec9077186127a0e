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
#define BATCH 256 /* buffers started in one batch of requests */
#define RUN_BYTES (1u << 20) /* the longest run one request carries */

/* A buffer as the cache holds it: with its request to the device. */
struct cbuf {
	struct buf b;
	struct blk_request rq;
	bool busy; /* rq is with the device */
	bool ahead; /* read ahead, not used yet */
	int status; /* rq's, once done */
};

#define CB(bp) container_of(bp, struct cbuf, b)

static struct buf *hash[NHASH];
/* Pages of dropped buffers, for the next ones (no page allocator). */
static paddr_t spare[16];
static unsigned nspare;
static struct buf *lru_head, *lru_tail; /* least recently used first */
static size_t nbufs, limit = BCACHE_DEFAULT_MAX;
static bool hooked;
/* The device's completions (from its interrupt) and their waiters. */
static struct spinlock io_lock;
static struct waitq io_wq = WAITQ_INIT(io_wq);
static size_t inflight, writing, ndirty; /* under io_lock */
static uint64_t completions;

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

/* b->dirty set or cleared (io_lock held), counted. */
static void mark(struct buf *b, bool dirty)
{
	if (b->dirty != dirty)
		ndirty = dirty ? ndirty + 1 : ndirty - 1;
	b->dirty = dirty;
}

static void drop(struct buf *b)
{
	struct buf **p = &hash[hash_of(b->dev, b->block)];
	unsigned long flags = spin_lock_irqsave(&io_lock);

	mark(b, false);
	spin_unlock_irqrestore(&io_lock, flags);
	while (*p != b)
		p = &(*p)->hnext;
	*p = b->hnext;
	lru_unlink(b);
	if (nspare < ARRAY_SIZE(spare))
		spare[nspare++] = virt_to_phys(b->data);
	else
		pmm_free(virt_to_phys(b->data), 1);
	kfree(CB(b));
	nbufs--;
}

static uint32_t per_block(const struct blkdev *dev)
{
	return dev->block_size / dev->sector_size;
}

/* ------------------------------------------------------------ I/O --- */

/* A buffer's request is over (the device's interrupt, or at once): a
 * read makes it valid or not, a failed write leaves it dirty and the
 * error for the device's next sync. */
static void io_done(struct blk_request *rq, int status)
{
	struct cbuf *c = rq->priv;
	unsigned long flags = spin_lock_irqsave(&io_lock);

	if (rq->op == BLK_READ) {
		c->b.valid = !status;
	} else {
		writing--;
		if (status) {
			mark(&c->b, true);
			c->b.dev->wb_error = status;
		}
	}
	c->status = status;
	WRITE_ONCE(c->busy, false);
	inflight--;
	completions++;
	waitq_wake_all(&io_wq);
	spin_unlock_irqrestore(&io_lock, flags);
}

/* Start op on v[0..n) (sorted by device and block, none busy), adjacent
 * blocks of a device as one request a run; what completes at once has. */
static void start_io(struct buf **v, size_t n, enum blk_op op)
{
	struct cbuf *head = NULL;
	unsigned long flags = spin_lock_irqsave(&io_lock);

	for (size_t i = 0; i < n; i++) {
		struct cbuf *c = CB(v[i]);

		c->busy = true;
		if (op == BLK_WRITE)
			mark(v[i], false); /* a bcache_dirty after sets it */
	}
	inflight += n;
	if (op == BLK_WRITE)
		writing += n;
	spin_unlock_irqrestore(&io_lock, flags);
	for (size_t i = 0; i < n; i++) {
		struct cbuf *c = CB(v[i]);
		uint32_t per = per_block(v[i]->dev);

		c->rq = (struct blk_request){ .op = op,
					      .sector = v[i]->block * per,
					      .count = per,
					      .buf = v[i]->data,
					      .done = io_done,
					      .priv = c };
		if (head && v[i]->dev == head->b.dev &&
		    blk_request_merge(&head->rq, &c->rq,
				      RUN_BYTES / v[i]->dev->sector_size))
			continue;
		if (head)
			blkdev_submit(head->b.dev, &head->rq);
		head = c;
	}
	if (head)
		blkdev_submit(head->b.dev, &head->rq);
}

/* Wait for b's request to be over (b referenced or busy: it stays). */
static void wait_buf(struct buf *b)
{
	unsigned long flags = spin_lock_irqsave(&io_lock);

	while (READ_ONCE(CB(b)->busy))
		waitq_wait_locked(&io_wq, &io_lock, 0);
	spin_unlock_irqrestore(&io_lock, flags);
}

/* Wait for the next completion (at once if nothing is in flight), or,
 * with writes, for every write in flight. */
static void wait_io(bool writes)
{
	unsigned long flags = spin_lock_irqsave(&io_lock);
	uint64_t seen = completions;

	while (writes ? writing != 0 : inflight && completions == seen)
		waitq_wait_locked(&io_wq, &io_lock, 0);
	spin_unlock_irqrestore(&io_lock, flags);
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

/* At most max dirty buffers not with the device, of dev (NULL: all),
 * unreferenced ones only with idle, least recently used first, into v
 * in block order. */
static size_t collect(struct blkdev *dev, bool idle, struct buf **v, size_t max)
{
	size_t n = 0;

	for (struct buf *b = lru_head; b && n < max; b = b->lnext)
		if (b->dirty && !CB(b)->busy && (!dev || b->dev == dev) &&
		    (!idle || !b->refs))
			insert_sorted(v, n++, b);
	return n;
}

/* Start writing back a batch of the least recently used unreferenced
 * dirty buffers: false when there is none. */
static bool write_behind(void)
{
	struct buf *v[BATCH];
	size_t n = collect(NULL, true, v, BATCH);

	start_io(v, n, BLK_WRITE);
	return n > 0;
}

/* One unreferenced clean buffer out: false if none can go. */
static bool evict_clean(void)
{
	for (struct buf *b = lru_head; b; b = b->lnext)
		if (!b->refs && !b->dirty && !CB(b)->busy) {
			drop(b);
			return true;
		}
	return false;
}

/*
 * Before a new buffer: past the limit, clean ones go, else the device's
 * requests are waited for, else a batch of dirty ones is written back
 * (once: when that fails, the limit gives way, as it does when every
 * buffer is in use). Once a batch of dirty buffers waits and the cache
 * is half full, their write-back starts, the caller not waiting.
 */
static void make_room(void)
{
	bool wrote = false;

	while (nbufs >= limit) {
		if (evict_clean()) {
			wrote = false;
			continue;
		}
		if (READ_ONCE(inflight)) {
			wait_io(false);
			continue;
		}
		if (wrote || !write_behind())
			break;
		wrote = true;
	}
	if (nbufs >= limit / 2 && READ_ONCE(ndirty) >= BATCH &&
	    READ_ONCE(writing) < 2 * BATCH)
		write_behind();
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

/* The buffer of block, referenced, its request (if any) over. */
static int get(struct blkdev *dev, uint64_t block, struct buf **out)
{
	struct buf *b = lookup(dev, block);

	if (block >= dev->sectors / per_block(dev))
		return -EINVAL;
	if (!b) {
		make_room(); /* may sleep: another may have made it */
		b = lookup(dev, block);
	}
	if (!b) {
		paddr_t page = nspare ? spare[--nspare] : pmm_alloc(1);
		struct cbuf *c;

		c = page ? kzalloc(sizeof(*c)) : NULL;
		if (!c) {
			if (page)
				pmm_free(page, 1);
			return -ENOMEM;
		}
		b = &c->b;
		b->data = phys_to_virt(page);
		b->dev = dev;
		b->block = block;
		b->hnext = hash[hash_of(dev, block)];
		hash[hash_of(dev, block)] = b;
		nbufs++;
		lru_append(b);
	} else if (CB(b)->ahead) {
		/* Its first use: it keeps the place of its read-ahead, so
		 * what a sequential reader has used goes before what it has
		 * not used yet. */
		CB(b)->ahead = false;
	} else {
		lru_unlink(b);
		lru_append(b); /* now the most recently used */
	}
	b->refs++;
	if (!hooked) {
		hooked = true;
		kernel_on_shutdown(&shutdown_hook);
		blkdev_set_remove_hook(drop_device);
	}
	wait_buf(b);
	*out = b;
	return 0;
}

int bcache_get(struct blkdev *dev, uint64_t block, struct buf **out)
{
	int err = get(dev, block, out);

	if (!err && !(*out)->valid) {
		memset((*out)->data, 0, dev->block_size); /* a new page */
		(*out)->valid = true;
	}
	return err;
}

int bcache_read(struct blkdev *dev, uint64_t block, struct buf **out)
{
	struct buf *b;
	int err = get(dev, block, &b);

	if (err || b->valid) {
		*out = b;
		return err;
	}
	start_io(&b, 1, BLK_READ);
	wait_buf(b);
	if (!b->valid) {
		err = CB(b)->status ? CB(b)->status : -EIO;
		if (--b->refs == 0 && !b->dirty)
			drop(b); /* nothing cached */
		return err;
	}
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

void bcache_readahead(struct blkdev *dev, uint64_t block, uint64_t n)
{
	uint64_t end = dev->sectors / per_block(dev);
	struct buf *v[BATCH];

	end = block < end ? block + MIN(n, end - block) : block;
	while (block < end) {
		size_t got = missing(dev, block, end, v, &block);

		if (!got)
			break;
		start_io(v, got, BLK_READ);
		for (size_t i = 0; i < got; i++) {
			CB(v[i])->ahead = true;
			v[i]->refs--; /* busy: kept until read */
		}
	}
}

void bcache_dirty(struct buf *b)
{
	unsigned long flags = spin_lock_irqsave(&io_lock);

	mark(b, true);
	spin_unlock_irqrestore(&io_lock, flags);
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
	int err;

	if (!v)
		return -ENOMEM;
	n = collect(dev, false, v, nbufs);
	for (size_t i = 0; i < n; i++)
		v[i]->refs++; /* none goes while others are written */
	for (size_t i = 0; i < n; i += BATCH)
		start_io(v + i, MIN(n - i, (size_t)BATCH), BLK_WRITE);
	wait_io(true); /* these, and the write-behind's */
	err = report(dev, v, n, 0);
	if (!err)
		err = flush_all(dev, v, n);
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

	while (READ_ONCE(inflight)) /* read-ahead */
		wait_io(false);
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

size_t bcache_reclaim(void)
{
	size_t pages = nspare; /* kept from earlier drops */
	struct buf *b = lru_head, *next;

	for (; b; b = next) {
		next = b->lnext;
		if (b->refs || b->dirty || CB(b)->busy)
			continue;
		drop(b); /* its page freed, or kept as a spare */
		pages++;
	}
	/* Every kept page goes back too. */
	while (nspare)
		pmm_free(spare[--nspare], 1);
	return pages;
}

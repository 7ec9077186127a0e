/*
 * bcache.c - the block cache (fs/): buffers of a device's blocks, found by
 * (device, block number) in a hash table, reference counted, read on
 * demand, marked dirty by their user and written back by bcache_sync (in
 * block order, then a flush of the device) and at the kernel's shutdown.
 * Past a limit, unreferenced buffers go in least-recently-used order
 * (clean ones first; a dirty one is written back before it goes). Write
 * errors are not lost: the buffer stays dirty and the next sync of its
 * device reports -EIO. include/keel/blkdev.h; docs/fs.md.
 */
#include <keel/blkdev_driver.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/page.h>
#include <keel/printk.h>
#include <keel/string.h>

#define NHASH 256

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
	kfree(b->data);
	kfree(b);
	nbufs--;
}

static uint32_t per_block(const struct blkdev *dev)
{
	return dev->block_size / dev->sector_size;
}

static int write_buf(struct buf *b)
{
	uint32_t n = per_block(b->dev);

	return blkdev_write(b->dev, b->block * n, n, b->data);
}

/* Write back b, keeping an error for the device's next sync. */
static int write_back(struct buf *b)
{
	bool was = b->dirty;
	int err;

	b->refs++;
	b->dirty = false; /* a bcache_dirty during the write sets it again */
	err = write_buf(b);
	if (err) {
		b->dirty = was;
		b->dev->wb_error = err;
	}
	b->refs--;
	return err;
}

/* One unreferenced buffer out, clean ones first: false if none can go. */
static bool evict_one(void)
{
	for (int pass = 0; pass < 2; pass++)
		for (struct buf *b = lru_head; b; b = b->lnext) {
			if (b->refs || (b->dirty && !pass))
				continue;
			if (b->dirty && write_back(b))
				continue;
			drop(b);
			return true;
		}
	return false;
}

/* The limit is soft: when every buffer is in use, one more is made. */
static void make_room(void)
{
	while (nbufs >= limit && evict_one())
		;
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
		b = kzalloc(sizeof(*b));
		if (b)
			b->data = kzalloc(dev->block_size);
		if (!b || !b->data) {
			kfree(b);
			return -ENOMEM;
		}
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

/* The dirty buffers of dev (NULL: all) into an array, in block order. */
static size_t collect(struct blkdev *dev, struct buf **v, size_t max)
{
	size_t n = 0;

	for (struct buf *b = lru_head; b && n < max; b = b->lnext) {
		size_t i;

		if (!b->dirty || (dev && b->dev != dev))
			continue;
		for (i = n; i > 0; i--) { /* insertion sort: by device, block */
			struct buf *p = v[i - 1];

			if (p->dev < b->dev ||
			    (p->dev == b->dev && p->block < b->block))
				break;
			v[i] = p;
		}
		v[i] = b;
		n++;
	}
	return n;
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
	n = collect(dev, v, nbufs);
	for (size_t i = 0; i < n; i++)
		v[i]->refs++; /* none goes while others are written */
	for (size_t i = 0; i < n; i++) {
		int e = write_back(v[i]);

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

size_t bcache_reclaim(void)
{
	size_t pages = 0;
	struct buf *b = lru_head, *next;

	for (; b; b = next) {
		next = b->lnext;
		if (b->refs || b->dirty)
			continue;
		/* The pages of its data (the heap gives them back). */
		pages +=
		    ALIGN_UP((size_t)b->dev->block_size, PAGE_SIZE) / PAGE_SIZE;
		drop(b);
	}
	return pages;
}

/*
 * test_bcache.c - the block cache (fs/bcache.c) and the block device table
 * (kernel/blkdev.c) over a RAM-backed block device made here, which logs
 * every request: read on demand and hits, write-back only at sync and in
 * block order, the device's flush after the writes, LRU eviction of clean
 * buffers (dirty ones written back in runs first), adjacent dirty
 * blocks written in one request, read-ahead in runs within the device,
 * page-aligned buffers, requests in flight waited for (a device that
 * answers later), read and write
 * errors reported (a failed write stays dirty until a sync succeeds),
 * registration's checks, block sizes, and the shutdown hook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/blkdev_driver.h>
#include <keel/errno.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include "unit.h"

#define SECTOR 512
#define NSECT 256 /* 128 KiB: 32 blocks of 4 KiB */

/* The RAM disk: data, a log of requests, errors to inject. */
struct ramdisk {
	struct blkdev dev;
	uint8_t data[NSECT * SECTOR];
	char log[4096]; /* "R8 W0 F " ... (op and first sector) */
	int fail_read, fail_write; /* fail the next n requests of a kind */
	bool defer; /* keep requests until ram_complete, as a device does */
	struct blk_request *held[16];
	unsigned nheld;
};

static struct ramdisk *disk;

/* A request's op and first sector, "xN" after it for a run of N parts. */
static void ram_log(struct ramdisk *r, char op, struct blk_request *rq)
{
	size_t n = strlen(r->log);
	unsigned parts = 0;

	for (struct blk_request *p = rq; p; p = p->next)
		parts++;
	n += (size_t)snprintf(r->log + n, sizeof(r->log) - n, "%c%lu", op,
			      (unsigned long)rq->sector);
	if (parts > 1)
		n += (size_t)snprintf(r->log + n, sizeof(r->log) - n, "x%u",
				      parts);
	snprintf(r->log + n, sizeof(r->log) - n, " ");
}

/* Every part of a run done with the run's status. */
static void ram_done(struct blk_request *rq, int status)
{
	while (rq) {
		struct blk_request *next = rq->next;

		rq->done(rq, status);
		rq = next;
	}
}

static void ram_do(struct ramdisk *r, struct blk_request *rq);

static int ram_submit(struct blkdev *dev, struct blk_request *rq)
{
	struct ramdisk *r = dev->priv;
	int status = blk_request_check(dev, rq);

	if (status)
		return status;
	ram_log(r, "RWF"[rq->op], rq);
	if (r->defer) {
		assert_true(r->nheld < ARRAY_SIZE(r->held));
		r->held[r->nheld++] = rq;
		return 0;
	}
	ram_do(r, rq);
	return 0;
}

/* The requests held back, done now. */
static void ram_complete(struct ramdisk *r)
{
	unsigned n = r->nheld;

	r->nheld = 0;
	for (unsigned i = 0; i < n; i++)
		ram_do(r, r->held[i]);
}

static void ram_do(struct ramdisk *r, struct blk_request *rq)
{
	int status = 0;

	if (rq->op == BLK_READ && r->fail_read && r->fail_read--)
		status = -EIO;
	if (rq->op == BLK_WRITE && r->fail_write && r->fail_write--)
		status = -EIO;
	for (struct blk_request *p = rq; p && !status && rq->op != BLK_FLUSH;
	     p = p->next) {
		size_t off = p->sector * SECTOR,
		       len = (size_t)p->count * SECTOR;

		if (rq->op == BLK_READ)
			memcpy(p->buf, r->data + off, len);
		else
			memcpy(r->data + off, p->buf, len);
	}
	ram_done(rq, status);
}

static const struct blkdev_ops ram_ops = { .submit = ram_submit };

static int setup(void **state)
{
	(void)state;
	disk = calloc(1, sizeof(*disk));
	strcpy(disk->dev.name, "ram0");
	disk->dev.sector_size = SECTOR;
	disk->dev.sectors = NSECT;
	disk->dev.ops = &ram_ops;
	disk->dev.priv = disk;
	for (size_t i = 0; i < sizeof(disk->data); i++)
		disk->data[i] = (uint8_t)(i / 4096 + 1); /* block number + 1 */
	assert_int_equal(blkdev_register(&disk->dev), 0);
	bcache_set_limit(BCACHE_DEFAULT_MAX);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	blkdev_unregister(&disk->dev);
	assert_int_equal(bcache_count(), 0);
	free(disk);
	return 0;
}

static void clear_log(void)
{
	disk->log[0] = '\0';
}

static void test_register(void **state)
{
	struct blkdev bad = disk->dev;

	(void)state;
	assert_ptr_equal(blkdev_find("ram0"), &disk->dev);
	assert_null(blkdev_find("ram1"));
	assert_int_equal(blkdev_register(&bad), -EEXIST);
	strcpy(bad.name, "ram1");
	bad.sector_size = 1000;
	assert_int_equal(blkdev_register(&bad), -EINVAL);
	bad.sector_size = 512;
	bad.sectors = 0;
	assert_int_equal(blkdev_register(&bad), -EINVAL);
	bad.sectors = 8;
	bad.ops = NULL;
	assert_int_equal(blkdev_register(&bad), -EINVAL);
	assert_int_equal(blkdev_sector_size(&disk->dev), SECTOR);
	assert_int_equal(blkdev_sectors(&disk->dev), NSECT);
}

/* Device numbers: none without a major; under one, minors 0, 16, 32 ...
 * in Linux's 32-bit form, the lowest free index reused. */
static void test_rdev(void **state)
{
	struct blkdev d[4];
	static const char *names[4] = { "xa", "xb", "xc", "xd" };

	(void)state;
	assert_int_equal(disk->dev.rdev, 0);
	for (int i = 0; i < 4; i++) {
		d[i] = disk->dev;
		strcpy(d[i].name, names[i]);
		d[i].major = 202;
	}
	d[3].major = 0x1000; /* beyond the 12 bits of a major */
	assert_int_equal(blkdev_register(&d[3]), -EINVAL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(blkdev_register(&d[i]), 0);
	assert_int_equal(d[0].rdev, 202 << 8);
	assert_int_equal(d[1].rdev, 202 << 8 | 16);
	assert_int_equal(d[2].rdev, 202 << 8 | 32);
	blkdev_unregister(&d[1]);
	d[3].major = 202;
	assert_int_equal(blkdev_register(&d[3]), 0);
	assert_int_equal(d[3].rdev, 202 << 8 | 16);
	for (int i = 0; i < 4; i++)
		if (i != 1)
			blkdev_unregister(&d[i]);
}

static void test_read_on_demand(void **state)
{
	struct buf *a, *b;

	(void)state;
	clear_log();
	assert_int_equal(bcache_read(&disk->dev, 3, &a), 0);
	assert_int_equal(a->data[0], 4);
	assert_int_equal(a->data[4095], 4);
	assert_int_equal(bcache_read(&disk->dev, 3, &b), 0); /* a hit */
	assert_ptr_equal(a, b);
	assert_string_equal(disk->log, "R24 ");
	bcache_put(a);
	bcache_put(b);
	assert_int_equal(bcache_read(&disk->dev, 32, &a), -EINVAL); /* past */
	assert_int_equal(bcache_count(), 1);
}

/*
 * Take block n without reading it, fill it with byte v, mark it dirty and
 * put it: the buffer, still cached (dirty ones are not evicted unwritten).
 */
static struct buf *write_block(uint64_t n, int v)
{
	struct buf *b;

	assert_int_equal(bcache_get(&disk->dev, n, &b), 0);
	memset(b->data, v, 4096);
	bcache_dirty(b);
	bcache_put(b);
	return b;
}

static void test_write_back_order(void **state)
{
	static const uint64_t blocks[] = { 7, 2, 9, 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++)
		write_block(blocks[i], 0xa0 + (int)i);
	clear_log();
	assert_string_equal(disk->log, ""); /* nothing before the sync */
	assert_int_equal(disk->data[7 * 4096], 8);
	assert_int_equal(bcache_sync(&disk->dev), 0);
	assert_string_equal(disk->log, "W0 W16 W56 W72 F0 "); /* then flush */
	assert_int_equal(disk->data[7 * 4096], 0xa0);
	assert_int_equal(disk->data[0], 0xa3);
	clear_log();
	assert_int_equal(bcache_sync(&disk->dev), 0); /* clean: flush only */
	assert_string_equal(disk->log, "F0 ");
}

/* Adjacent dirty blocks go as one request each run; a failed run leaves
 * every block of it dirty and is reported. */
static void test_write_back_runs(void **state)
{
	static const uint64_t blocks[] = { 6, 2, 9, 1, 3, 5 };
	struct buf *b[ARRAY_SIZE(blocks)];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++)
		b[i] = write_block(blocks[i], 0xb0 + (int)i);
	disk->fail_write = 1;
	clear_log();
	assert_int_equal(bcache_sync(&disk->dev), -EIO);
	assert_string_equal(disk->log, "W8x3 W40x2 W72 ");
	assert_int_equal(disk->data[1 * 4096], 2); /* the run: none written */
	assert_int_equal(disk->data[3 * 4096], 4);
	assert_true(b[1]->dirty && b[3]->dirty && b[4]->dirty);
	assert_false(b[0]->dirty || b[5]->dirty || b[2]->dirty);
	clear_log();
	assert_int_equal(bcache_sync(&disk->dev), 0);
	assert_string_equal(disk->log, "W8x3 F0 ");
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++)
		assert_int_equal(disk->data[blocks[i] * 4096 + 4095],
				 0xb0 + (int)i);
}

/* A full cache of dirty blocks is written back in runs before any goes. */
static void test_evict_dirty_runs(void **state)
{
	struct buf *b;

	(void)state;
	bcache_set_limit(4);
	for (uint64_t i = 1; i <= 4; i++)
		write_block(i, 0x40 + (int)i);
	clear_log();
	assert_int_equal(bcache_read(&disk->dev, 10, &b), 0);
	bcache_put(b);
	assert_string_equal(disk->log, "W8x4 R80 ");
	assert_int_equal(disk->data[4 * 4096], 0x44);
	assert_int_equal(bcache_count(), 4);
}

/* Read-ahead: the missing blocks in runs, cached ones skipped, nothing
 * past the device's end; a block whose read failed is read again. */
static void test_readahead(void **state)
{
	struct buf *b;

	(void)state;
	assert_int_equal(bcache_read(&disk->dev, 4, &b), 0);
	bcache_put(b);
	clear_log();
	bcache_readahead(&disk->dev, 2, 5);
	assert_string_equal(disk->log, "R16x2 R40x2 ");
	assert_int_equal(bcache_count(), 5);
	clear_log();
	assert_int_equal(bcache_read(&disk->dev, 6, &b), 0); /* a hit */
	assert_int_equal(b->data[0], 7);
	bcache_put(b);
	bcache_readahead(&disk->dev, 30, 10);
	bcache_readahead(&disk->dev, 32, 1);
	bcache_readahead(&disk->dev, ~0ULL, 2);
	assert_string_equal(disk->log, "R240x2 ");
	assert_int_equal(bcache_count(), 7);
	/* A failed run leaves its blocks invalid: read again when asked. */
	disk->fail_read = 1;
	bcache_readahead(&disk->dev, 10, 3);
	clear_log();
	assert_int_equal(bcache_read(&disk->dev, 11, &b), 0);
	assert_int_equal(b->data[0], 12);
	bcache_put(b);
	assert_string_equal(disk->log, "R88 ");
}

/* Blocks read ahead keep their place in LRU order at their first use:
 * what a sequential reader used goes before what it has not yet; a new
 * buffer from bcache_get is zeroed though its page was another's. */
static void test_readahead_lru(void **state)
{
	struct buf *b;

	(void)state;
	bcache_set_limit(4);
	bcache_readahead(&disk->dev, 0, 4);
	for (uint64_t i = 0; i < 2; i++) { /* used: 0 and 1 */
		assert_int_equal(bcache_read(&disk->dev, i, &b), 0);
		bcache_put(b);
	}
	clear_log();
	assert_int_equal(bcache_read(&disk->dev, 10, &b), 0); /* 0 goes */
	bcache_put(b);
	assert_int_equal(bcache_read(&disk->dev, 2, &b), 0); /* kept */
	bcache_put(b);
	assert_int_equal(bcache_read(&disk->dev, 3, &b), 0); /* kept */
	bcache_put(b);
	assert_string_equal(disk->log, "R80 ");
	assert_int_equal(bcache_get(&disk->dev, 20, &b), 0); /* 1 goes */
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(b->data[i], 0);
	bcache_put(b);
	assert_int_equal(bcache_read(&disk->dev, 1, &b), 0);
	bcache_put(b);
	assert_string_equal(disk->log, "R80 R8 ");
}

/* A cache call run in a thread of its own, which may wait. */
struct call {
	char what; /* 'r': bcache_read of block, 's': bcache_sync */
	uint64_t block;
	int result;
	bool done;
	struct buf *b;
	struct thread *t;
};

static void call_run(void *arg)
{
	struct call *c = arg;

	if (c->what == 'r')
		c->result = bcache_read(&disk->dev, c->block, &c->b);
	else
		c->result = bcache_sync(&disk->dev);
	c->done = true;
}

static void call_start(struct call *c, char what, uint64_t block)
{
	*c = (struct call){ .what = what, .block = block };
	c->t = thread_create("call", call_run, c);
	assert_non_null(c->t);
	sched_yield();
}

/* With a device that answers later: a read of a block being read ahead
 * waits for that read (no second one); a sync waits for its writes and
 * the flush; a write-back in flight keeps the block. */
static void test_in_flight(void **state)
{
	struct call c;

	(void)state;
	disk->defer = true;
	bcache_readahead(&disk->dev, 2, 3);
	assert_string_equal(disk->log, "R16x3 ");
	call_start(&c, 'r', 3);
	assert_false(c.done); /* waiting for the read ahead */
	ram_complete(disk);
	sched_yield();
	assert_true(c.done);
	assert_int_equal(c.result, 0);
	assert_int_equal(c.b->data[0], 4);
	bcache_put(c.b);
	thread_join(c.t);
	assert_string_equal(disk->log, "R16x3 "); /* read once */
	write_block(4, 0x99);
	write_block(5, 0x98);
	clear_log();
	call_start(&c, 's', 0);
	assert_string_equal(disk->log, "W32x2 ");
	assert_false(c.done);
	ram_complete(disk); /* the writes: then the flush */
	sched_yield();
	assert_string_equal(disk->log, "W32x2 F0 ");
	assert_false(c.done);
	ram_complete(disk);
	sched_yield();
	assert_true(c.done);
	assert_int_equal(c.result, 0);
	thread_join(c.t);
	assert_int_equal(disk->data[5 * 4096], 0x98);
	disk->defer = false;
}

/* A buffer's data is a page of its own: no driver bounces it. */
static void test_page_aligned(void **state)
{
	struct buf *b;

	(void)state;
	for (uint64_t i = 0; i < 3; i++) {
		assert_int_equal(bcache_read(&disk->dev, i, &b), 0);
		assert_int_equal((uintptr_t)b->data % 4096, 0);
		bcache_put(b);
	}
}

static void test_eviction(void **state)
{
	struct buf *b, *pinned, *p5, *p6;

	(void)state;
	bcache_set_limit(4);
	assert_int_equal(bcache_read(&disk->dev, 0, &pinned), 0);
	for (uint64_t i = 1; i <= 6; i++) {
		assert_int_equal(bcache_read(&disk->dev, i, &b), 0);
		bcache_put(b);
	}
	assert_int_equal(bcache_count(), 4);
	clear_log();
	assert_int_equal(bcache_read(&disk->dev, 0, &b), 0); /* pinned: kept */
	bcache_put(b);
	assert_int_equal(bcache_read(&disk->dev, 6, &b), 0); /* recent: kept */
	bcache_put(b);
	assert_string_equal(disk->log, "");
	assert_int_equal(bcache_read(&disk->dev, 1, &b), 0); /* evicted */
	bcache_put(b);
	assert_string_equal(disk->log, "R8 ");
	/* Clean ones go first; a dirty one is written back before it goes. */
	assert_int_equal(bcache_read(&disk->dev, 5, &p5), 0);
	assert_int_equal(bcache_read(&disk->dev, 6, &p6), 0);
	write_block(10, 0x55); /* 1 goes */
	clear_log();
	assert_int_equal(bcache_read(&disk->dev, 20, &b), 0);
	bcache_put(b);
	assert_string_equal(disk->log, "W80 R160 ");
	assert_int_equal(disk->data[10 * 4096], 0x55);
	assert_int_equal(bcache_count(), 4);
	bcache_put(pinned);
	bcache_put(p5);
	bcache_put(p6);
}

/* The OOM path's reclaim: clean unheld buffers go, dirty or held stay. */
static void test_reclaim(void **state)
{
	struct buf *b, *held;

	(void)state;
	assert_int_equal(bcache_read(&disk->dev, 0, &held), 0);
	for (uint64_t i = 1; i <= 5; i++) {
		assert_int_equal(bcache_read(&disk->dev, i, &b), 0);
		bcache_put(b);
	}
	write_block(7, 0x77); /* dirty, unheld */
	assert_int_equal(bcache_count(), 7);
	assert_int_equal(bcache_reclaim(), 5);
	assert_int_equal(bcache_count(), 2);
	assert_int_equal(bcache_reclaim(), 0);
	clear_log();
	assert_int_equal(bcache_sync(&disk->dev), 0); /* 7 still written */
	assert_int_equal(disk->data[7 * 4096], 0x77);
	bcache_put(held);
}

static void test_read_error(void **state)
{
	struct buf *b;

	(void)state;
	disk->fail_read = 1;
	assert_int_equal(bcache_read(&disk->dev, 5, &b), -EIO);
	assert_int_equal(bcache_count(), 0); /* nothing cached */
	assert_int_equal(bcache_read(&disk->dev, 5, &b), 0); /* retried */
	assert_int_equal(b->data[0], 6);
	bcache_put(b);
}

static void test_write_error_kept(void **state)
{
	struct buf *b;

	(void)state;
	b = write_block(4, 0x77);
	disk->fail_write = 1;
	clear_log();
	assert_int_equal(bcache_sync(&disk->dev), -EIO); /* reported */
	assert_string_equal(disk->log, "W32 "); /* no flush after a failure */
	assert_true(b->dirty); /* and not lost */
	assert_int_equal(disk->data[4 * 4096], 5);
	clear_log();
	assert_int_equal(bcache_sync(&disk->dev), 0); /* written this time */
	assert_string_equal(disk->log, "W32 F0 ");
	assert_int_equal(disk->data[4 * 4096], 0x77);
}

/* A write that fails during an eviction is reported by the next sync. */
static void test_evict_error_reported(void **state)
{
	struct buf *b;

	(void)state;
	bcache_set_limit(1);
	assert_int_equal(bcache_get(&disk->dev, 2, &b), 0);
	bcache_dirty(b);
	bcache_put(b);
	disk->fail_write = 1;
	assert_int_equal(bcache_read(&disk->dev, 3, &b), 0); /* over limit */
	bcache_put(b);
	assert_int_equal(bcache_count(), 2); /* the dirty one stayed */
	assert_int_equal(bcache_sync(&disk->dev), -EIO);
	assert_int_equal(bcache_sync(&disk->dev), 0); /* reported once */
}

static void test_block_size(void **state)
{
	struct buf *b;

	(void)state;
	assert_int_equal(bcache_set_block_size(&disk->dev, 1000), -EINVAL);
	assert_int_equal(bcache_set_block_size(&disk->dev, 256), -EINVAL);
	assert_int_equal(bcache_read(&disk->dev, 0, &b), 0);
	assert_int_equal(bcache_set_block_size(&disk->dev, 1024), -EBUSY);
	bcache_put(b);
	assert_int_equal(bcache_set_block_size(&disk->dev, 1024), 0);
	clear_log();
	assert_int_equal(bcache_read(&disk->dev, 5, &b), 0);
	assert_string_equal(disk->log, "R10 ");
	bcache_put(b);
	assert_int_equal(bcache_read(&disk->dev, 128, &b), -EINVAL);
}

static void test_blkdev_checks(void **state)
{
	uint8_t buf[SECTOR];

	(void)state;
	assert_int_equal(blkdev_read(&disk->dev, NSECT, 1, buf), -EINVAL);
	assert_int_equal(blkdev_read(&disk->dev, NSECT - 1, 2, buf), -EINVAL);
	assert_int_equal(blkdev_read(&disk->dev, 0, 0, buf), 0);
	disk->dev.readonly = true;
	assert_int_equal(blkdev_write(&disk->dev, 0, 1, buf), -EROFS);
	disk->dev.readonly = false;
}

/* Unregistering writes back; the shutdown hook syncs every device. */
static void test_unregister_and_shutdown(void **state)
{
	struct buf *b;

	(void)state;
	write_block(6, 0x66);
	clear_log();
	blkdev_unregister(&disk->dev);
	assert_string_equal(disk->log, "W48 F0 ");
	assert_int_equal(bcache_count(), 0);
	assert_int_equal(blkdev_register(&disk->dev), 0);
	assert_int_equal(bcache_get(&disk->dev, 9, &b), 0);
	bcache_dirty(b);
	bcache_put(b);
	clear_log();
	kernel_run_shutdown_hooks(0);
	assert_string_equal(disk->log, "W72 F0 ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_register),
		T(test_rdev),
		T(test_read_on_demand),
		T(test_write_back_order),
		T(test_eviction),
		T(test_reclaim),
		T(test_write_back_runs),
		T(test_evict_dirty_runs),
		T(test_readahead),
		T(test_page_aligned),
		T(test_in_flight),
		T(test_readahead_lru),
		T(test_read_error),
		T(test_write_error_kept),
		T(test_evict_error_reported),
		T(test_block_size),
		T(test_blkdev_checks),
		T(test_unregister_and_shutdown),
	};

	if (hosted_mem_init(MiB(16)))
		return 1;
	sched_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_virtio_blk.c - drivers/virtio/blk.c behind kernel/blkdev.c against
 * a device the test plays: a RAM disk that takes requests off the ring
 * and answers them when and how the test says. Callers are hosted
 * threads in blkdev_read/write/flush, waiting as in the kernel. Covered:
 * configuration (capacity, names vda/vdb/vdc and their device numbers),
 * read, write and flush round trips, requests split at the device's
 * segment limits, more callers than the ring holds completing out of
 * order, adjacent requests waiting in the queue merged (and a hostile
 * answer failing every merged part), a hostile used id, used length and
 * status byte (counted, logged once, -EIO), a used index that jumps (the device is reset and every
 * request fails), and a read-only device without FLUSH (writes -EROFS,
 * flush done at once).
 */
#include <stdio.h>
#include <string.h>
#include <keel/blkdev_driver.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/page.h>
#include <keel/pmm.h>
#include <keel/sched.h>
#include "../../drivers/virtio/virtio.h"
#include "unit.h"

#include "dma_arena.h"
#include "fake_virtio.h"

/* ------------------------------------------------ the fake device --- */

#define QSIZE 16
#define NSECT 128
#define SS 512

#define F_SIZE_MAX 1
#define F_SEG_MAX 2
#define F_RO 5
#define F_BLK_SIZE 6
#define F_FLUSH 9

struct fake {
	struct fake_transport t;
	uint8_t disk[NSECT * SS];
	uint16_t seen; /* avail entries taken so far */
	char log[512]; /* "R0+2 W8+1 F0+0 " ...: what the device did */
};

/* A device of NSECT sectors offering features; size_max 4 KiB and
 * seg_max 2, so that larger requests go in pieces. */
static struct blkdev *fake_up(struct fake *f, uint64_t features,
			      const char *name)
{
	uint64_t cap = NSECT;
	uint32_t size_max = 4096, seg_max = 2, bs = SS;
	struct blkdev *dev;

	memset(f, 0, sizeof(*f));
	fake_transport_init(&f->t, VIRTIO_ID_BLK,
			    VIRTIO_BIT(VIRTIO_F_VERSION_1) | features, QSIZE);
	memcpy(f->t.config, &cap, 8);
	memcpy(f->t.config + 8, &size_max, 4);
	memcpy(f->t.config + 12, &seg_max, 4);
	memcpy(f->t.config + 20, &bs, 4);
	for (size_t i = 0; i < sizeof(f->disk); i++)
		f->disk[i] = (uint8_t)(i / SS * 7 + i % 251);
	assert_int_equal(virtio_device_found(&f->t.vd), 0);
	assert_true(f->t.status & VIRTIO_S_DRIVER_OK);
	dev = blkdev_find(name);
	assert_non_null(dev);
	return dev;
}

/* The next request the driver made available, not yet taken: its head,
 * or -1. */
static int next_head(struct fake *f)
{
	struct virtq *vq = f->t.q[0];

	if (f->seen == vq->avail[1])
		return -1;
	return vq->avail[2 + (f->seen++ & (vq->size - 1))];
}

/* Carry out the request at head on the RAM disk; its status byte is
 * status; the used length is what was written plus len_delta. */
static void device_do(struct fake *f, int head, uint8_t status, int len_delta)
{
	struct virtq *vq = f->t.q[0];
	volatile struct virtq_desc *d = &vq->desc[head];
	const uint32_t *h = phys_to_virt(d->addr);
	uint64_t sector, pos;
	uint32_t type = h[0], written = 0, bytes = 0, segs = 0;
	size_t n = strlen(f->log);

	memcpy(&sector, h + 2, 8);
	assert_int_equal(d->len, 16);
	assert_false(d->flags & VIRTQ_DESC_F_WRITE);
	pos = sector * SS;
	while (vq->desc[d->next].flags & VIRTQ_DESC_F_NEXT) {
		d = &vq->desc[d->next]; /* data */
		assert_true(pos + d->len <= sizeof(f->disk));
		assert_int_equal(!!(d->flags & VIRTQ_DESC_F_WRITE), type == 0);
		if (type == 0) {
			memcpy(phys_to_virt(d->addr), f->disk + pos, d->len);
			written += d->len;
		} else {
			memcpy(f->disk + pos, phys_to_virt(d->addr), d->len);
		}
		pos += d->len;
		bytes += d->len;
		/* The limits the configuration gave: seg_max 2, size_max. */
		assert_true(++segs <= 2 && d->len <= 4096);
	}
	assert_int_equal(bytes % SS, 0);
	d = &vq->desc[d->next]; /* status */
	assert_int_equal(d->len, 1);
	assert_true(d->flags & VIRTQ_DESC_F_WRITE);
	*(uint8_t *)phys_to_virt(d->addr) = status;
	snprintf(f->log + n, sizeof(f->log) - n, "%c%lu+%u ",
		 type == 0   ? 'R'
		 : type == 1 ? 'W'
		 : type == 4 ? 'F'
			     : '?',
		 (unsigned long)sector, bytes / SS);
	device_use(vq, (uint32_t)head, (uint32_t)((int)written + 1 + len_delta),
		   1);
}

/* Every request available now, done honestly in order; the interrupt. */
static unsigned device_serve(struct fake *f)
{
	unsigned n = 0;
	int h;

	while ((h = next_head(f)) >= 0) {
		device_do(f, h, 0, 0);
		n++;
	}
	f->t.vd.irq(&f->t.vd, VIRTIO_IRQ_QUEUE);
	return n;
}

/* -------------------------------------------------- the callers --- */

struct caller {
	struct blkdev *dev;
	char op; /* 'r', 'w', 'f' */
	uint64_t sector;
	uint32_t count;
	uint8_t *buf, *raw;
	int result;
	bool done;
	struct thread *t;
};

static void caller_run(void *arg)
{
	struct caller *c = arg;

	if (c->op == 'r')
		c->result = blkdev_read(c->dev, c->sector, c->count, c->buf);
	else if (c->op == 'w')
		c->result = blkdev_write(c->dev, c->sector, c->count, c->buf);
	else
		c->result = blkdev_flush(c->dev);
	c->done = true;
}

static size_t buf_offset;

/* A caller in its own thread, let run until it waits for the device. */
static void caller_start_with(struct caller *c, struct blkdev *dev, char op,
			      uint64_t sector, uint32_t count,
			      const uint8_t *data)
{
	*c = (struct caller){
		dev, op, sector, count, NULL, NULL, 0, false, NULL
	};
	if (count) {
		/* Page-aligned, or buf_offset bytes past a page. */
		c->raw = kmalloc((size_t)count * SS + 2 * PAGE_SIZE);
		assert_non_null(c->raw);
		c->buf = (uint8_t *)ALIGN_UP((uintptr_t)c->raw, PAGE_SIZE) +
			 buf_offset;
		if (data)
			memcpy(c->buf, data, (size_t)count * SS);
		else
			memset(c->buf, 0xa0 + op, (size_t)count * SS);
	}
	c->t = thread_create("caller", caller_run, c);
	assert_non_null(c->t);
	sched_yield();
}

static void caller_start(struct caller *c, struct blkdev *dev, char op,
			 uint64_t sector, uint32_t count)
{
	caller_start_with(c, dev, op, sector, count, NULL);
}

static int caller_end(struct caller *c)
{
	assert_true(c->done);
	thread_join(c->t);
	kfree(c->raw);
	c->raw = c->buf = NULL;
	return c->result;
}

/* One call served honestly to its end. */
static int io(struct blkdev *dev, char op, uint64_t sector, uint32_t count,
	      uint8_t *buf, struct fake *f)
{
	struct caller c;

	caller_start_with(&c, dev, op, sector, count, op == 'w' ? buf : NULL);
	for (int i = 0; i < 10 && !c.done; i++) {
		device_serve(f);
		sched_yield();
	}
	if (buf && op == 'r')
		memcpy(buf, c.buf, (size_t)count * SS);
	return caller_end(&c);
}

/* ----------------------------------------------------------- tests --- */

static struct fake fa, fb, fc;

/* 32 sectors written at 64 from a buffer offset bytes past a page, in
 * the pieces want says (device_do checks the limits), and read back. */
static void split_round_trip(struct blkdev *dev, size_t offset,
			     const char *want)
{
	static uint8_t out[32 * SS], in[32 * SS];

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 5 + offset);
	buf_offset = offset;
	fa.log[0] = 0;
	assert_int_equal(io(dev, 'w', 64, 32, out, &fa), 0);
	assert_memory_equal(fa.disk + 64 * SS, out, sizeof(out));
	assert_string_equal(fa.log, want);
	memset(in, 0, sizeof(in));
	assert_int_equal(io(dev, 'r', 64, 32, in, &fa), 0);
	assert_memory_equal(in, out, sizeof(out));
	buf_offset = 0;
}

static void test_round_trip(void **state)
{
	uint8_t out[2 * SS], in[3 * SS];
	struct blkdev *dev;

	(void)state;
	dev = fake_up(&fa,
		      VIRTIO_BIT(F_SIZE_MAX) | VIRTIO_BIT(F_SEG_MAX) |
			  VIRTIO_BIT(F_BLK_SIZE) | VIRTIO_BIT(F_FLUSH) |
			  VIRTIO_BIT(12 /* MQ: not asked for */),
		      "vda");
	assert_int_equal(fa.t.accepted,
			 VIRTIO_BIT(VIRTIO_F_VERSION_1) |
			     VIRTIO_BIT(F_SIZE_MAX) | VIRTIO_BIT(F_SEG_MAX) |
			     VIRTIO_BIT(F_BLK_SIZE) | VIRTIO_BIT(F_FLUSH));
	assert_int_equal(blkdev_sectors(dev), NSECT);
	assert_int_equal(blkdev_sector_size(dev), SS);
	assert_int_equal(dev->rdev, 254 << 8);
	assert_false(dev->readonly);

	/* A read: what the disk holds. */
	assert_int_equal(io(dev, 'r', 5, 3, in, &fa), 0);
	assert_memory_equal(in, fa.disk + 5 * SS, 3 * SS);
	/* A write, a flush, and the write read back. */
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(io(dev, 'w', 40, 2, out, &fa), 0);
	assert_memory_equal(fa.disk + 40 * SS, out, 2 * SS);
	assert_int_equal(io(dev, 'f', 0, 0, NULL, &fa), 0);
	memset(in, 0, sizeof(in));
	assert_int_equal(io(dev, 'r', 40, 2, in, &fa), 0);
	assert_memory_equal(in, out, 2 * SS);
	assert_string_equal(fa.log, "R5+3 W40+2 F0+0 R40+2 ");

	/* 32 sectors: 16 KiB in pieces of 2 segments of 4 KiB each; not
	 * page-aligned, pieces still of whole sectors within the limits. */
	split_round_trip(dev, 0, "W64+16 W80+16 ");
	split_round_trip(dev, 100, "W64+15 W79+8 W87+8 W95+1 ");

	/* Out of range: refused before the device sees it. */
	fa.log[0] = 0;
	assert_int_equal(io(dev, 'r', NSECT - 1, 2, NULL, &fa), -EINVAL);
	assert_string_equal(fa.log, "");
	assert_int_equal(fa.t.q[0]->stats.bad_id + fa.t.q[0]->stats.bad_len +
			     fa.t.q[0]->stats.bad_status +
			     fa.t.q[0]->stats.bad_idx,
			 0);
}

/* Ten callers at once, more than the ring holds (three descriptors a
 * request: five fit in 16); the device answers in reverse order. */
static void test_many_in_flight(void **state)
{
	struct blkdev *dev = blkdev_find("vda");
	struct caller c[10];
	int heads[QSIZE], n = 0, h;

	(void)state;
	fa.log[0] = 0;
	for (int i = 0; i < 10; i++)
		caller_start(&c[i], dev, 'r', (uint64_t)i * 3, 1);
	while ((h = next_head(&fa)) >= 0)
		heads[n++] = h;
	assert_int_equal(n, 5); /* the rest wait in the driver */
	for (int i = 0; i < 10; i++)
		assert_false(c[i].done);
	for (int i = n - 1; i >= 0; i--)
		device_do(&fa, heads[i], 0, 0);
	fa.t.vd.irq(&fa.t.vd, VIRTIO_IRQ_QUEUE); /* the other five go out */
	sched_yield();
	for (int i = 0; i < 5; i++)
		assert_true(c[i].done);
	for (int i = 5; i < 10; i++)
		assert_false(c[i].done);
	assert_int_equal(device_serve(&fa), 5);
	sched_yield();
	for (int i = 0; i < 10; i++) {
		assert_memory_equal(c[i].buf, fa.disk + i * 3 * SS, SS);
		assert_int_equal(caller_end(&c[i]), 0);
	}
	assert_string_equal(fa.log, "R12+1 R9+1 R6+1 R3+1 R0+1 R15+1 R18+1 "
				    "R21+1 R24+1 R27+1 ");
}

/* A hostile device: nothing it says wrongly is followed; each kind is
 * counted and logged once and its request fails with EIO. */
static void test_hostile(void **state)
{
	struct blkdev *dev = blkdev_find("vda");
	struct virtq *vq = fa.t.q[0];
	struct caller c[4];
	int h[4];

	(void)state;
	hosted_console_clear();
	for (int i = 0; i < 4; i++) {
		caller_start(&c[i], dev, 'r', (uint64_t)i, 1);
		h[i] = next_head(&fa);
		assert_true(h[i] >= 0);
	}
	/* Ids not in flight: out of range, and in range but not a head. */
	device_use(vq, 99, 1, 1);
	device_use(vq, vq->desc[h[0]].next, 513, 1);
	/* Too short (the status byte not covered), too long, a status
	 * byte outside the spec; then one honest. */
	device_do(&fa, h[0], 0, -1);
	device_do(&fa, h[1], 0, +1);
	device_do(&fa, h[2], 7, 0);
	device_do(&fa, h[3], 0, 0);
	fa.t.vd.irq(&fa.t.vd, VIRTIO_IRQ_QUEUE);
	sched_yield();
	assert_int_equal(vq->stats.bad_id, 2);
	assert_int_equal(vq->stats.bad_len, 2);
	assert_int_equal(vq->stats.bad_status, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(caller_end(&c[i]), -EIO);
	assert_int_equal(caller_end(&c[3]), 0);
	/* The same again: counted, not logged a second time. */
	for (int i = 0; i < 2; i++) {
		caller_start(&c[i], dev, i ? 'w' : 'r', 9, 1);
		h[i] = next_head(&fa);
	}
	device_use(vq, 200, 0, 1);
	device_do(&fa, h[0], 0, -SS);
	device_do(&fa, h[1], 0x80, 0);
	fa.t.vd.irq(&fa.t.vd, VIRTIO_IRQ_QUEUE);
	sched_yield();
	assert_int_equal(caller_end(&c[0]), -EIO);
	assert_int_equal(caller_end(&c[1]), -EIO);
	assert_int_equal(vq->stats.bad_id, 3);
	assert_int_equal(vq->stats.bad_len, 3);
	assert_int_equal(vq->stats.bad_status, 2);
	const char *log = hosted_console_text();
	assert_int_equal(count(log, "used id out of range"), 1);
	assert_int_equal(count(log, "used length beyond"), 1);
	assert_int_equal(count(log, "used length is not what"), 1);
	assert_int_equal(count(log, "status byte outside"), 1);
	/* An honest I/O error is an error, not hostility. */
	caller_start(&c[0], dev, 'w', 1, 1);
	device_do(&fa, next_head(&fa), 1, 0);
	fa.t.vd.irq(&fa.t.vd, VIRTIO_IRQ_QUEUE);
	sched_yield();
	assert_int_equal(caller_end(&c[0]), -EIO);
	assert_int_equal(vq->stats.bad_status, 2);
	/* The ring is whole: every slot and descriptor came back. */
	assert_int_equal(vq->nfree, QSIZE);
	assert_int_equal(io(dev, 'r', 2, 1, NULL, &fa), 0);
}

/* Five readers of sectors 100, 103 ... that fill the ring. */
static void fill_ring(struct caller *c)
{
	for (int i = 0; i < 5; i++)
		caller_start(&c[i], blkdev_find("vda"), 'r', 100 + 3 * i, 1);
}

/* The five served: what waited in the driver's queue goes out. */
static void drain_ring(struct caller *c)
{
	assert_int_equal(device_serve(&fa), 5);
	sched_yield();
	for (int i = 0; i < 5; i++)
		assert_int_equal(caller_end(&c[i]), 0);
	fa.log[0] = 0;
}

/* Requests waiting in the queue merge when adjacent and of one op, each
 * caller's memory its own (a page each: with seg_max 2 the run of three
 * goes in two pieces); others stay apart. */
static void test_merge(void **state)
{
	static const struct {
		char op;
		uint64_t sector;
	} q[] = { { 'w', 40 }, { 'w', 41 }, { 'w', 42 }, { 'w', 50 },
		  { 'r', 51 }, { 'r', 52 }, { 'w', 53 } };
	struct blkdev *dev = blkdev_find("vda");
	struct caller fill[5], c[ARRAY_SIZE(q)];
	uint8_t data[SS];

	(void)state;
	fill_ring(fill);
	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		memset(data, (int)(0x10 + i), SS);
		caller_start_with(&c[i], dev, q[i].op, q[i].sector, 1,
				  q[i].op == 'w' ? data : NULL);
	}
	drain_ring(fill);
	/* Four fit the ring (14 descriptors), the fifth goes after them. */
	assert_int_equal(device_serve(&fa), 4);
	assert_int_equal(device_serve(&fa), 1);
	sched_yield();
	assert_string_equal(fa.log, "W40+2 W42+1 W50+1 R51+2 W53+1 ");
	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		if (q[i].op == 'w')
			assert_int_equal(fa.disk[q[i].sector * SS + SS - 1],
					 0x10 + i);
		else
			assert_memory_equal(c[i].buf,
					    fa.disk + q[i].sector * SS, SS);
		assert_int_equal(caller_end(&c[i]), 0);
	}
	assert_int_equal(fa.t.q[0]->nfree, QSIZE);
}

/* A hostile answer to a merged request fails every part with EIO. */
static void test_merge_hostile(void **state)
{
	struct blkdev *dev = blkdev_find("vda");
	struct virtq *vq = fa.t.q[0];
	struct caller fill[5], c[4];
	int h;

	(void)state;
	fill_ring(fill);
	caller_start(&c[0], dev, 'r', 60, 1);
	caller_start(&c[1], dev, 'r', 61, 1);
	caller_start(&c[2], dev, 'w', 70, 1);
	caller_start(&c[3], dev, 'w', 71, 1);
	drain_ring(fill);
	h = next_head(&fa); /* reads 60+2: a used length one too long */
	device_do(&fa, h, 0, +1);
	h = next_head(&fa); /* writes 70+2: a status outside the spec */
	device_do(&fa, h, 9, 0);
	assert_int_equal(next_head(&fa), -1);
	assert_string_equal(fa.log, "R60+2 W70+2 ");
	fa.t.vd.irq(&fa.t.vd, VIRTIO_IRQ_QUEUE);
	sched_yield();
	for (int i = 0; i < 4; i++)
		assert_int_equal(caller_end(&c[i]), -EIO);
	assert_int_equal(vq->nfree, QSIZE);
	assert_int_equal(io(dev, 'r', 60, 2, NULL, &fa), 0);
}

/* A used index that jumps: the device is reset, what it held and what
 * waited fails, and so does everything later. The second device: vdb. */
static void test_broken_queue(void **state)
{
	struct blkdev *dev;
	struct caller c[8];

	(void)state;
	dev = fake_up(&fb, VIRTIO_BIT(F_FLUSH), "vdb");
	assert_int_equal(dev->rdev, 254 << 8 | 16);
	for (int i = 0; i < 8; i++)
		caller_start(&c[i], dev, 'w', (uint64_t)i, 1);
	device_use(fb.t.q[0], 0, 1, QSIZE + 1);
	fb.t.vd.irq(&fb.t.vd, VIRTIO_IRQ_QUEUE);
	sched_yield();
	assert_int_equal(fb.t.status, 0); /* reset */
	assert_int_equal(fb.t.q[0]->stats.bad_idx, 1);
	for (int i = 0; i < 8; i++)
		assert_int_equal(caller_end(&c[i]), -EIO);
	assert_int_equal(io(dev, 'r', 0, 1, NULL, &fb), -EIO);
	assert_int_equal(io(dev, 'f', 0, 0, NULL, &fb), -EIO);
	assert_int_equal(count(hosted_console_text(), "the queue broke"), 1);
}

/* Read-only, without FLUSH: writes refused by the blkdev layer, a flush
 * done at once (write-through), reads work. The third device: vdc. */
static void test_readonly(void **state)
{
	struct blkdev *dev;
	uint8_t in[SS];

	(void)state;
	hosted_console_clear();
	dev = fake_up(&fc, VIRTIO_BIT(F_RO), "vdc");
	assert_true(dev->readonly);
	assert_int_equal(dev->rdev, 254 << 8 | 32);
	assert_true(strstr(hosted_console_text(),
			   "blk vdc (254:32), 128 "
			   "sectors of 512 bytes") != NULL);
	assert_true(strstr(hosted_console_text(),
			   "no flush (write-through), read-only") != NULL);
	assert_int_equal(io(dev, 'w', 0, 1, NULL, &fc), -EROFS);
	assert_int_equal(io(dev, 'f', 0, 0, NULL, &fc), 0);
	assert_string_equal(fc.log, "");
	assert_int_equal(fc.t.q[0]->avail[1], 0);
	assert_int_equal(io(dev, 'r', 127, 1, in, &fc), 0);
	assert_memory_equal(in, fc.disk + 127 * SS, SS);
	/* The driver itself refuses too, whoever calls it. */
	struct blk_request rq = { .op = BLK_WRITE, .count = 1, .buf = in };
	assert_int_equal(dev->ops->submit(dev, &rq), -EROFS);
}

static int setup(void **state)
{
	(void)state;
	if (hosted_mem_init(MiB(16)))
		return -1;
	sched_init();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_many_in_flight),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_hostile),
		cmocka_unit_test(test_broken_queue),
		cmocka_unit_test(test_readonly),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

/*
 * test_blkfront.c - drivers/xen/blkfront.c against a xenstore, grant
 * table, event channels (xen_fake.h) and a blkback the test plays over a
 * RAM disk, honest and hostile. The handshake (InitWait -> ring-ref,
 * event-channel, protocol and Initialised -> the backend's geometry and
 * Connected -> the disk registered and Connected), names from the
 * virtual-device number, reads and writes through granted pages (in
 * pieces of 11 segments, through bounce pages when unaligned), flush,
 * more requests than the ring holds answered out of order (adjacent ones
 * waiting merged into one request, whose bad status fails each), a read-only
 * disk; responses naming no request in flight and statuses outside the
 * spec (counted, logged once, EIO), a producer index beyond the
 * requests, a backend that closes and comes back, indirect requests of
 * 128 segments for a backend that offers them. The tests run in
 * order, each going on from the state the last one left.
 */
#include <keel/blkdev_driver.h>
#include <plat/xen.h>
#include <drivers/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>
#include "dma_arena.h"
#include "xen_fake.h"

#define FE "device/vbd/51712" /* 202:0, xvda */
#define BE "/local/domain/0/backend/vbd/1/51712"
#define FE_RO "device/vbd/51728" /* 202:16, xvdb */
#define BE_RO "/local/domain/0/backend/vbd/1/51728"
#define SECTORS 2048 /* 1 MiB */
#define RING 32

static uint8_t disk[SECTORS * 512];
static blkif_sring_t *sr;
static RING_IDX req_cons, rsp_pvt;
static struct blkdev *xvda;

/* --------------------------------------------------- the backend --- */

static void add_vbd(const char *fe, const char *be)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/backend", fe);
	xs_set(p, be);
	snprintf(p, sizeof(p), "%s/backend-id", fe);
	xs_set(p, "0");
	snprintf(p, sizeof(p), "%s/state", fe);
	xs_set(p, "1");
	snprintf(p, sizeof(p), "%s/state", be);
	xs_set(p, "1");
}

static void backend_state(const char *be, int state)
{
	char path[160], v[8];

	snprintf(path, sizeof(path), "%s/state", be);
	snprintf(v, sizeof(v), "%d", state);
	xs_set(path, v);
	fire();
}

static long key_number(const char *dir, const char *key)
{
	char path[160];
	const char *v;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	v = xs_get(path);
	return v ? strtol(v, NULL, 10) : -1;
}

/* blkback connects: its geometry and features, then Connected. */
static void backend_connect(const char *be, const char *info)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/sectors", be);
	xs_set(p, "2048");
	snprintf(p, sizeof(p), "%s/sector-size", be);
	xs_set(p, "512");
	snprintf(p, sizeof(p), "%s/info", be);
	xs_set(p, info);
	snprintf(p, sizeof(p), "%s/feature-flush-cache", be);
	xs_set(p, "1");
	backend_state(be, XenbusStateConnected);
}

static void backend_attach(const char *fe)
{
	sr = (void *)granted((unsigned)key_number(fe, "ring-ref"));
	req_cons = rsp_pvt = 0;
}

static unsigned pending(void)
{
	return sr->req_prod - req_cons;
}

static blkif_request_t take(void)
{
	assert_true(req_cons != sr->req_prod);
	return sr->ring[req_cons++ % RING].req;
}

static unsigned indirect_seen; /* indirect requests served */

/* Do what a request asks to the RAM disk; checks its segments (in the
 * request, or in its indirect page). */
static void serve(const blkif_request_t *r)
{
	uint64_t at = r->sector_number * 512;
	const struct blkif_request_segment *segs = r->seg;
	unsigned op = r->operation, nseg = r->nr_segments;

	if (op == BLKIF_OP_INDIRECT) {
		const blkif_request_indirect_t *ir = (const void *)r;
		op = ir->indirect_op;
		nseg = ir->nr_segments;
		at = ir->sector_number * 512;
		assert_true(nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST &&
			    nseg <= 512);
		assert_true(ref[ir->indirect_grefs[0]].ro);
		segs = (const void *)granted(ir->indirect_grefs[0]);
		indirect_seen++;
	} else if (op != BLKIF_OP_READ && op != BLKIF_OP_WRITE) {
		assert_int_equal(nseg, 0);
		return;
	} else {
		assert_true(nseg >= 1 &&
			    nseg <= BLKIF_MAX_SEGMENTS_PER_REQUEST);
	}
	for (unsigned i = 0; i < nseg; i++) {
		const struct blkif_request_segment *s = &segs[i];
		size_t len = (size_t)(s->last_sect - s->first_sect + 1) * 512;
		uint8_t *page = granted(s->gref) + s->first_sect * 512;

		assert_true(s->first_sect <= s->last_sect && s->last_sect < 8);
		assert_true(at + len <= sizeof(disk));
		/* A write's page is the backend's to read only. */
		assert_int_equal(ref[s->gref].ro, op == BLKIF_OP_WRITE);
		if (op == BLKIF_OP_READ)
			memcpy(page, disk + at, len);
		else
			memcpy(disk + at, page, len);
		at += len;
	}
}

static void respond(uint64_t id, uint8_t op, int16_t status)
{
	blkif_response_t *rsp = &sr->ring[rsp_pvt++ % RING].rsp;

	rsp->id = id;
	rsp->operation = op;
	rsp->status = status;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	sr->rsp_prod = rsp_pvt;
}

/* Take, do and answer every request there is (more may follow from
 * the queue as answers free the ring); how many. */
static unsigned serve_all(void)
{
	unsigned n = 0;

	while (pending()) {
		while (pending()) {
			blkif_request_t r = take();
			serve(&r);
			respond(r.id, r.operation, BLKIF_RSP_OKAY);
			n++;
		}
		kick();
	}
	return n;
}

/* ------------------------------------------------------ requests --- */

struct done_rec {
	int calls, status;
};

static void on_done(struct blk_request *rq, int status)
{
	struct done_rec *d = rq->priv;

	d->calls++;
	d->status = status;
}

static int submit(struct blkdev *dev, struct blk_request *rq,
		  struct done_rec *d, enum blk_op op, uint64_t sector,
		  uint32_t count, void *buf)
{
	*d = (struct done_rec){ 0, 1 };
	*rq = (struct blk_request){ .op = op,
				    .sector = sector,
				    .count = count,
				    .buf = buf,
				    .done = on_done,
				    .priv = d };
	return dev->ops->submit(dev, rq);
}

static uint8_t pattern(size_t i, unsigned seed)
{
	return (uint8_t)(i * 7 + seed + (i >> 9));
}

static size_t count_text(const char *needle)
{
	size_t n = 0;

	for (const char *p = hosted_console_text(); (p = strstr(p, needle));
	     p++)
		n++;
	return n;
}

/* ---------------------------------------------------------- tests --- */

static void test_handshake(void **state)
{
	(void)state;
	add_vbd(FE, BE);
	add_vbd(FE_RO, BE_RO);
	hosted_console_clear();
	assert_int_equal(xen_blkfront_probe(), 2);
	fire();
	assert_int_equal(key_number(FE, "state"), XenbusStateInitialising);
	assert_null(blkdev_find("xvda"));
	backend_state(BE, XenbusStateInitWait);
	backend_state(BE_RO, XenbusStateInitWait);
	assert_int_equal(key_number(FE, "state"), XenbusStateInitialised);
	assert_string_equal(xs_get(FE "/protocol"), "x86_64-abi");
	assert_true(key_number(FE, "event-channel") >= 10);
	assert_int_equal(live_refs(), 2); /* the two rings */
	/* Not a disk until the backend connects with its geometry. */
	assert_null(blkdev_find("xvda"));
	backend_connect(BE, "0");
	backend_connect(BE_RO, "4"); /* VDISK_READONLY */
	assert_int_equal(key_number(FE, "state"), XenbusStateConnected);
	xvda = blkdev_find("xvda");
	assert_non_null(xvda);
	assert_int_equal(blkdev_sectors(xvda), SECTORS);
	assert_int_equal(blkdev_sector_size(xvda), 512);
	assert_false(blkdev_readonly(xvda));
	assert_int_equal(blkdev_rdev(xvda), 202 << 8);
	assert_non_null(blkdev_find("xvdb"));
	assert_true(blkdev_readonly(blkdev_find("xvdb")));
	assert_int_equal(blkdev_rdev(blkdev_find("xvdb")), 202 << 8 | 16);
	assert_int_equal(count_text("xvda (202:0): vbd 51712"), 1);
	fe_path = FE;
	backend_attach(FE);
}

static void test_write_read(void **state)
{
	/* 100 KiB: pieces of at most 11 pages, across page boundaries. */
	size_t len = 200 * 512;
	uint8_t *buf = kmalloc(len + 2 * PAGE_SIZE);
	uint8_t *w = (uint8_t *)(((uintptr_t)buf + PAGE_SIZE - 1) &
				 ~(uintptr_t)(PAGE_SIZE - 1)) +
		     1024;
	uint8_t *r = kmalloc(len + 8);
	struct blk_request rq;
	struct done_rec d;
	unsigned refs = live_refs();

	(void)state;
	for (size_t i = 0; i < len; i++)
		w[i] = pattern(i, 1);
	assert_int_equal(submit(xvda, &rq, &d, BLK_WRITE, 100, 200, w), 0);
	assert_int_equal(d.calls, 0);
	assert_true(pending() >= 3);
	assert_true(serve_all() >= 3);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, 0);
	assert_memory_equal(disk + 100 * 512, w, len);
	assert_int_equal(live_refs(), refs); /* every grant ended */
	/* Read into a buffer not aligned to 512 bytes: bounce pages. */
	memset(r, 0, len + 8);
	assert_int_equal(submit(xvda, &rq, &d, BLK_READ, 100, 200, r + 3), 0);
	serve_all();
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, 0);
	assert_memory_equal(r + 3, w, len);
	assert_int_equal(live_refs(), refs);
	/* A write from an unaligned buffer, one sector. */
	assert_int_equal(submit(xvda, &rq, &d, BLK_WRITE, 7, 1, r + 5), 0);
	serve_all();
	assert_int_equal(d.status, 0);
	assert_memory_equal(disk + 7 * 512, r + 5, 512);
	/* Out of range: refused, not sent. */
	assert_int_equal(submit(xvda, &rq, &d, BLK_READ, SECTORS, 1, r),
			 -EINVAL);
	assert_int_equal(pending(), 0);
	kfree(buf);
	kfree(r);
}

static void test_flush(void **state)
{
	struct blk_request rq;
	struct done_rec d;
	blkif_request_t req;

	(void)state;
	assert_int_equal(submit(xvda, &rq, &d, BLK_FLUSH, 0, 0, NULL), 0);
	assert_int_equal(pending(), 1);
	req = take();
	assert_int_equal(req.operation, BLKIF_OP_FLUSH_DISKCACHE);
	assert_int_equal(req.nr_segments, 0);
	assert_int_equal(d.calls, 0);
	respond(req.id, req.operation, BLKIF_RSP_OKAY);
	kick();
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, 0);
}

/* More requests than the ring holds: the rest wait in the driver's
 * queue, where adjacent ones merge; answers come in reverse order. */
static void test_in_flight(void **state)
{
	enum { N = 40 };
	static struct blk_request rq[N];
	static struct done_rec d[N];
	uint8_t *buf = kmalloc(N * 4096);
	blkif_request_t reqs[RING];
	unsigned n = 0;

	(void)state;
	for (size_t i = 0; i < N * 4096; i++)
		buf[i] = pattern(i, 9);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(submit(xvda, &rq[i], &d[i], BLK_WRITE,
					1000 + 8 * i, 8, buf + i * 4096),
				 0);
	assert_int_equal(pending(), RING);
	while (pending())
		reqs[n++] = take();
	for (unsigned i = n; i--;) {
		serve(&reqs[i]);
		respond(reqs[i].id, reqs[i].operation, BLKIF_RSP_OKAY);
	}
	kick();
	for (unsigned i = 0; i < RING; i++)
		assert_int_equal(d[i].calls, 1);
	assert_int_equal(d[RING].calls, 0);
	/* The queue went out, its N - RING adjacent requests merged into
	 * one of as many segments. */
	assert_int_equal(pending(), 1);
	reqs[0] = take();
	assert_int_equal(reqs[0].nr_segments, N - RING);
	assert_int_equal(reqs[0].sector_number, 1000 + 8 * RING);
	serve(&reqs[0]);
	respond(reqs[0].id, reqs[0].operation, BLKIF_RSP_OKAY);
	kick();
	serve_all();
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(d[i].calls, 1);
		assert_int_equal(d[i].status, 0);
	}
	assert_memory_equal(disk + 1000 * 512, buf, N * 4096);
	kfree(buf);
}

/* A full ring: two adjacent reads and one apart wait; the adjacent ones
 * go as one request, and a status outside the spec fails both. On xvdc,
 * the disk test_indirect left attached. */
static void test_merge_status(void **state)
{
	struct blkdev *dev = blkdev_find("xvdc");
	static struct blk_request fill[RING], rq[3];
	static struct done_rec fd[RING], d[3];
	static const uint64_t at[3] = { 600, 608, 700 };
	uint8_t *buf = kmalloc((RING + 3) * 4096);
	blkif_request_t r[2];

	(void)state;
	for (unsigned i = 0; i < RING; i++)
		assert_int_equal(submit(dev, &fill[i], &fd[i], BLK_READ, 16 * i,
					8, buf + i * 4096),
				 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(submit(dev, &rq[i], &d[i], BLK_READ, at[i], 8,
					buf + (RING + i) * 4096),
				 0);
	while (pending()) {
		r[0] = take();
		serve(&r[0]);
		respond(r[0].id, r[0].operation, BLKIF_RSP_OKAY);
	}
	kick();
	assert_int_equal(pending(), 2);
	r[0] = take();
	r[1] = take();
	assert_int_equal(r[0].sector_number, 600);
	assert_int_equal(r[0].nr_segments, 2);
	assert_int_equal(r[1].sector_number, 700);
	assert_int_equal(r[1].nr_segments, 1);
	respond(r[0].id, r[0].operation, 7);
	serve(&r[1]);
	respond(r[1].id, r[1].operation, BLKIF_RSP_OKAY);
	kick();
	for (unsigned i = 0; i < RING; i++)
		assert_int_equal(fd[i].status, 0);
	assert_int_equal(d[0].calls + d[1].calls + d[2].calls, 3);
	assert_int_equal(d[0].status, -EIO);
	assert_int_equal(d[1].status, -EIO);
	assert_int_equal(d[2].status, 0);
	assert_memory_equal(buf + (RING + 2) * 4096, disk + 700 * 512, 4096);
	kfree(buf);
}

static void test_hostile(void **state)
{
	/* Static: the three the backend never answers fail at its close. */
	static struct blk_request rq[5];
	static struct done_rec d[5];
	uint8_t *buf = kmalloc(5 * 4096);
	blkif_request_t req[3];
	uint64_t unused = RING;

	(void)state;
	hosted_console_clear();
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(submit(xvda, &rq[i], &d[i], BLK_READ, 8 * i, 8,
					buf + i * 4096),
				 0);
		req[i] = take();
	}
	for (uint64_t id = 0; unused == RING && id < RING; id++)
		if (id != req[0].id && id != req[1].id && id != req[2].id)
			unused = id;
	/* Ids of no request in flight: out of range, and a free slot. */
	respond(999, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	respond(unused, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	kick();
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(d[i].calls, 0); /* never followed */
	assert_int_equal(count_text("an id not in flight"), 1);
	/* A status outside the spec fails the request with EIO. */
	respond(req[0].id, BLKIF_OP_READ, 7);
	kick();
	assert_int_equal(d[0].calls, 1);
	assert_int_equal(d[0].status, -EIO);
	assert_int_equal(count_text("status outside the spec"), 1);
	/* The backend's honest error: EIO, logged once; another bad status
	 * counted but not logged again. */
	assert_int_equal(submit(xvda, &rq[3], &d[3], BLK_WRITE, 0, 8, buf), 0);
	assert_int_equal(submit(xvda, &rq[4], &d[4], BLK_WRITE, 8, 8, buf), 0);
	req[0] = take();
	respond(req[0].id, req[0].operation, BLKIF_RSP_ERROR);
	req[0] = take();
	respond(req[0].id, req[0].operation, 99);
	kick();
	assert_int_equal(d[3].status, -EIO);
	assert_int_equal(d[4].status, -EIO);
	assert_int_equal(count_text("the backend said error"), 1);
	assert_int_equal(count_text("status outside the spec"), 1);
	assert_int_equal(d[1].calls + d[2].calls, 0);
}

static void test_readonly(void **state)
{
	struct blkdev *xvdb = blkdev_find("xvdb");
	struct blk_request rq;
	struct done_rec d;
	uint8_t buf[512];

	(void)state;
	assert_int_equal(submit(xvdb, &rq, &d, BLK_WRITE, 0, 1, buf), -EROFS);
	assert_int_equal(d.calls, 0);
}

/* The backend closes with a request in flight and comes back. */
static void test_reconnect(void **state)
{
	struct blk_request rq;
	struct done_rec d;
	uint8_t *buf = kmalloc(4096);

	(void)state;
	assert_int_equal(submit(xvda, &rq, &d, BLK_READ, 0, 8, buf), 0);
	backend_state(BE, XenbusStateClosing);
	/* So did the two test_hostile's backend never answered. */
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, -EIO);
	assert_int_equal(key_number(FE, "state"), XenbusStateClosed);
	assert_int_equal(submit(xvda, &rq, &d, BLK_READ, 0, 8, buf), -EIO);
	backend_state(BE, XenbusStateClosed);
	backend_state(BE, XenbusStateInitWait);
	assert_int_equal(key_number(FE, "state"), XenbusStateInitialised);
	backend_state(BE, XenbusStateConnected);
	assert_int_equal(key_number(FE, "state"), XenbusStateConnected);
	assert_ptr_equal(blkdev_find("xvda"), xvda); /* the same disk */
	backend_attach(FE);
	memcpy(disk, "reconnected", 11);
	assert_int_equal(submit(xvda, &rq, &d, BLK_READ, 0, 8, buf), 0);
	serve_all();
	assert_int_equal(d.status, 0);
	assert_memory_equal(buf, "reconnected", 11);
	kfree(buf);
}

/* A response index beyond the requests stops the disk. */
static void test_broken_ring(void **state)
{
	struct blk_request rq;
	struct done_rec d;
	uint8_t *buf = kmalloc(4096);

	(void)state;
	hosted_console_clear();
	assert_int_equal(submit(xvda, &rq, &d, BLK_READ, 0, 8, buf), 0);
	sr->rsp_prod = sr->req_prod + 5;
	kick();
	assert_int_equal(d.status, -EIO);
	assert_int_equal(count_text("beyond the requests"), 1);
	assert_int_equal(submit(xvda, &rq, &d, BLK_READ, 0, 8, buf), -EIO);
	kfree(buf);
}

/* A disk whose backend offers indirect descriptors: large requests go
 * as one indirect request of up to 128 segments. */
static void test_indirect(void **state)
{
	size_t len = 1200 * 512; /* 600 KiB: 150 pages, two requests */
	uint8_t *buf = kmalloc(len + PAGE_SIZE), *w, *r = kmalloc(len);
	struct blk_request rq;
	struct done_rec d;
	struct blkdev *xvdc;
	unsigned refs;

	(void)state;
	w = (uint8_t *)(((uintptr_t)buf + PAGE_SIZE - 1) &
			~(uintptr_t)(PAGE_SIZE - 1));
	add_vbd("device/vbd/51744", "/local/domain/0/backend/vbd/1/51744");
	xs_set("/local/domain/0/backend/vbd/1/51744/"
	       "feature-max-indirect-segments",
	       "256");
	fire();
	backend_state("/local/domain/0/backend/vbd/1/51744",
		      XenbusStateInitWait);
	backend_connect("/local/domain/0/backend/vbd/1/51744", "0");
	xvdc = blkdev_find("xvdc");
	assert_non_null(xvdc);
	assert_int_equal(count_text("indirect requests of 128 segments"), 1);
	fe_path = "device/vbd/51744";
	backend_attach("device/vbd/51744");
	refs = live_refs();
	for (size_t i = 0; i < len; i++)
		w[i] = pattern(i, 5);
	indirect_seen = 0;
	assert_int_equal(submit(xvdc, &rq, &d, BLK_WRITE, 8, 1200, w), 0);
	assert_int_equal(pending(), 2); /* 128 + 22 pages */
	serve_all();
	assert_int_equal(indirect_seen, 2);
	assert_int_equal(count_text("xvdc: the first indirect request, 128 "
				    "segments"),
			 1);
	assert_int_equal(d.status, 0);
	assert_memory_equal(disk + 8 * 512, w, len);
	assert_int_equal(live_refs(), refs);
	/* Unaligned: bounce pages, at most 11 at a time, no indirect. */
	assert_int_equal(submit(xvdc, &rq, &d, BLK_READ, 8, 100, r + 1), 0);
	serve_all();
	assert_int_equal(d.status, 0);
	assert_memory_equal(r + 1, w, 100 * 512);
	assert_int_equal(indirect_seen, 2);
	assert_int_equal(live_refs(), refs);
	kfree(buf);
	kfree(r);
}

static int setup(void **state)
{
	(void)state;
	return hosted_mem_init(MiB(16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_write_read),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_in_flight),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_broken_ring),
		cmocka_unit_test(test_indirect),
		cmocka_unit_test(test_merge_status),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

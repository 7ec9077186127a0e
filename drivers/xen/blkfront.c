/*
 * blkfront.c - Xen's paravirtual block device, the guest's half
 * (drivers/xen; the protocol is xen/io/blkif.h, docs/xen.md). Each
 * device/vbd/N under the domain's xenstore home becomes a struct blkdev
 * (kernel/blkdev.c) named from its virtual-device number as Linux does
 * (202:0 xvda, 202:16 xvdb; the extended form 1<<28 | disk<<8 too), major
 * 202, the same as a virtio-blk disk for the rest of the kernel.
 *
 * The handshake, in the xenstore watch thread as netfront's: when the
 * backend waits (InitWait) we grant it a one-page ring and an event
 * channel and write ring-ref, event-channel and protocol (x86_64-abi) in
 * one transaction with state Initialised; once the backend says Connected
 * it has written sectors, sector-size, info (VDISK_READONLY) and its
 * features, we read them, register the disk (the first time) and say
 * Connected. A backend that closes fails what it held with EIO; one that
 * comes back is connected again under the same name.
 *
 * Data: a request takes up to 11 segments, one page each, granted to the
 * backend (read-only for a write) for as long as it is in flight and
 * ended when it comes back; a larger blk_request goes in pieces. Memory
 * a grant cannot name (a buffer not aligned to 512 bytes, or outside the
 * direct map) goes through bounce pages. Flush is FLUSH_DISKCACHE when
 * the backend offers feature-flush-cache, else a WRITE_BARRIER without
 * data when it offers feature-barrier, else nothing is held back and a
 * flush completes at once. When the backend offers indirect descriptors
 * (feature-max-indirect-segments), a piece of more than 11 pages goes as
 * one BLKIF_OP_INDIRECT request of up to 128 segments, its descriptors
 * in an indirect page of the slot's, granted read-only.
 * Requests wait in the driver's queue while the ring is full, where
 * adjacent ones merge into one run of up to a request's segments
 * (blk_queue_run), each part's pages granted as they are.
 *
 * The backend is not trusted: a response whose id names no request in
 * flight is counted, logged once and dropped (there is no request to
 * fail); a status other than OKAY, ERROR and EOPNOTSUPP is counted,
 * logged once and fails its request with EIO. A producer index beyond
 * the requests in flight stops the disk: everything fails with EIO until
 * the backend reconnects. Xenstore values are parsed strictly.
 */
#include <keel/blkdev_driver.h>
#include <keel/dma.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/page.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <plat/xen.h>
#include <drivers/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>
#include "xenbus.h"

#define BF_MAX 8 /* vbds driven */
#define RING 32 /* requests in the one-page ring */
#define SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST
#define IND_SEGS 128 /* segments of an indirect request (one page: 512) */
#define XEN_MAJOR 202
#define PATH_MAX_XS 96

_Static_assert(__CONST_RING_SIZE(blkif, PAGE_SIZE) == RING,
	       "the ring holds RING requests");
_Static_assert(sizeof(blkif_request_indirect_t) <= sizeof(blkif_request_t) &&
		   IND_SEGS * sizeof(struct blkif_request_segment) <= PAGE_SIZE,
	       "an indirect request fits a ring slot, its segments a page");

enum bf_fault {
	F_ID, /* a response for no request in flight */
	F_STATUS, /* a status that is no status */
	F_RING, /* a producer index beyond the requests in flight */
	F_GRANT, /* a grant the backend would not give back */
	F_NFAULTS
};

static const char *const fault_text[F_NFAULTS] = {
	[F_ID] = "a response with an id not in flight (dropped)",
	[F_STATUS] = "a response status outside the spec (the request "
		     "failed with EIO)",
	[F_RING] = "a response index beyond the requests in flight (every "
		   "request fails with EIO until the backend reconnects)",
	[F_GRANT] = "a grant still in use after its response (its page is "
		    "never reused)",
};

/* One request on the ring: a piece of a blk_request. */
struct shadow {
	struct blk_request *rq; /* NULL when free */
	uint8_t op; /* BLKIF_OP_* */
	uint16_t nseg;
	int ref[IND_SEGS];
	int ind_ref; /* the indirect page's grant, -1 none */
	struct dma_buf ind; /* the slot's indirect page, once needed */
	uint32_t nsect; /* logical sectors of the piece */
	uint64_t off; /* where the piece's bytes are in rq's run */
	uint32_t bytes;
	struct dma_buf bounce; /* va NULL: the caller's pages granted */
};

struct bf {
	struct blkdev dev;
	unsigned vdev;
	char fe[32]; /* "device/vbd/N" */
	char be[PATH_MAX_XS];
	char watched[PATH_MAX_XS];
	domid_t be_id;
	int state; /* our XenbusState, as last written */
	bool registered;
	unsigned max_indirect; /* the backend's offer */
	unsigned max_segs; /* per request: SEGS, or IND_SEGS indirect */
	bool ind_said; /* the first indirect request was logged */

	struct spinlock lock;
	bool live; /* ring granted, event channel bound */
	bool up; /* connected both ways: requests go out */
	bool broken; /* stopped by F_RING */
	bool flush, barrier;
	unsigned shift; /* log2(sector_size / 512) */
	unsigned port;
	struct dma_buf ringmem;
	blkif_sring_t *sring;
	int ring_ref;
	RING_IDX req_prod, rsp_cons;
	struct shadow shadow[RING];
	uint16_t free[RING];
	unsigned nfree;
	struct list_node queue; /* blk_requests not yet wholly given */
	struct seg {
		uint64_t frame;
		uint8_t first, last; /* 512-byte sectors within the page */
	} segs[IND_SEGS]; /* scratch for one request (lock held) */
	uint64_t faults[F_NFAULTS];
	uint64_t io_errors; /* honest failures the backend reported */
	unsigned warned;
};

static struct bf *bfs[BF_MAX];
static unsigned nbf;

static void fault(struct bf *b, enum bf_fault f)
{
	b->faults[f]++;
	if (b->warned & (1u << f))
		return;
	b->warned |= 1u << f;
	printk("blkfront %s: %s; counted, logged once\n", b->dev.name,
	       fault_text[f]);
}

/* ---------------------------------------------------------- xenstore --- */

static int set_state(struct bf *b, int state)
{
	b->state = state;
	return xenbus_set_state(b->fe, state);
}

/* ------------------------------------------------------------ requests --- */

/* End a grant; false (the page must never be reused) if the backend
 * still holds it. */
static bool end_grant(struct bf *b, int *ref)
{
	bool ok = *ref < 0 || gnttab_end(*ref) == 0;

	if (!ok)
		fault(b, F_GRANT);
	*ref = -1;
	return ok;
}

/* A piece is over (lock held): grants ended, a read's bounced bytes
 * copied out, the slot free, its request retired when it was the last. */
static void piece_done(struct bf *b, struct shadow *sh, int status,
		       struct list_node *done)
{
	struct blk_request *rq = sh->rq;
	bool ok = true;

	for (unsigned i = 0; i < sh->nseg; i++)
		ok &= end_grant(b, &sh->ref[i]);
	if (!end_grant(b, &sh->ind_ref))
		sh->ind.va = NULL; /* left to the backend */
	if (sh->bounce.va) {
		if (!status && sh->op == BLKIF_OP_READ)
			blk_request_copy(rq, b->dev.sector_size, sh->off,
					 sh->bounce.va, sh->bytes, false);
		if (ok)
			dma_free(&sh->bounce);
		sh->bounce.va = NULL; /* else left to the backend */
	} else if (!ok && !status) {
		status = -EIO; /* the caller's page is still the backend's */
	}
	sh->rq = NULL;
	sh->nseg = 0;
	b->free[b->nfree++] = (uint16_t)(sh - b->shadow);
	rq->pieces--;
	if (status || rq->issued == blk_request_total(rq))
		blk_request_retire(rq, status, done);
}

/*
 * The next piece of rq as segments: the caller's pages when every one
 * can be granted and the buffer is 512-byte aligned (*bounce false),
 * else as many bounce pages (true, at most SEGS: contiguous memory).
 * Whole logical sectors: the bytes, in *nseg the segments.
 */
static uint32_t plan(struct bf *b, struct blk_request *rq, struct seg *seg,
		     unsigned *nseg, bool *bounce)
{
	uint32_t ss = b->dev.sector_size;
	uint64_t at = (uint64_t)rq->issued * ss;
	uint64_t left = (uint64_t)(rq->span - rq->issued) * ss, sum = 0;
	unsigned n = 0;

	*bounce = false;
	while (!*bounce && left && n < b->max_segs) {
		uint64_t part;
		uint8_t *p = blk_request_data(rq, ss, at, &part);
		uint64_t off = (uintptr_t)p & (PAGE_SIZE - 1);
		uint64_t chunk = MIN(MIN(PAGE_SIZE - off, left), part);
		uint64_t frame = dma_frame(p);

		if (frame == DMA_NONE || (off & 511) || (chunk & 511)) {
			*bounce = true;
			break;
		}
		seg[n++] = (struct seg){ frame, (uint8_t)(off / 512),
					 (uint8_t)((off + chunk) / 512 - 1) };
		at += chunk;
		left -= chunk;
		sum += chunk;
	}
	if (*bounce) {
		sum = MIN((uint64_t)(rq->span - rq->issued) * ss,
			  (uint64_t)SEGS * PAGE_SIZE);
		sum -= sum % ss;
		n = (unsigned)((sum + PAGE_SIZE - 1) / PAGE_SIZE);
		*nseg = n;
		return (uint32_t)sum;
	}
	/* Whole logical sectors: drop the tail of one cut off. */
	for (uint64_t cut = sum % ss; cut;) {
		uint64_t len =
		    (uint64_t)(seg[n - 1].last - seg[n - 1].first + 1) * 512;
		uint64_t take = MIN(len, cut);
		if (take == len)
			n--;
		else
			seg[n - 1].last =
			    (uint8_t)(seg[n - 1].last - take / 512);
		cut -= take;
		sum -= take;
	}
	*nseg = n;
	return (uint32_t)sum;
}

/* An indirect request's segments in the slot's indirect page, granted
 * read-only (lock held): 0 or -errno. */
static int indirect(struct bf *b, struct shadow *sh, unsigned nseg)
{
	struct blkif_request_segment *is;

	if (!sh->ind.va && dma_alloc(PAGE_SIZE, &sh->ind))
		return -ENOMEM;
	is = sh->ind.va;
	for (unsigned i = 0; i < nseg; i++)
		is[i] = (struct blkif_request_segment){
			.gref = (grant_ref_t)sh->ref[i],
			.first_sect = b->segs[i].first,
			.last_sect = b->segs[i].last,
		};
	sh->ind_ref = gnttab_grant(b->be_id, dma_frame(sh->ind.va), true);
	return sh->ind_ref < 0 ? sh->ind_ref : 0;
}

/* Write the request for slot id on the ring (lock held). */
static void put_request(struct bf *b, struct shadow *sh, unsigned id,
			uint64_t sector)
{
	blkif_request_t *req = &b->sring->ring[b->req_prod % RING].req;

	memset(req, 0, sizeof(*req));
	if (sh->ind_ref >= 0) {
		blkif_request_indirect_t *ir = (void *)req;
		ir->operation = BLKIF_OP_INDIRECT;
		ir->indirect_op = sh->op;
		ir->nr_segments = sh->nseg;
		ir->id = id;
		ir->sector_number = sector;
		ir->handle = (blkif_vdev_t)b->vdev;
		ir->indirect_grefs[0] = (grant_ref_t)sh->ind_ref;
		return;
	}
	req->operation = sh->op;
	req->nr_segments = (uint8_t)sh->nseg;
	req->handle = (blkif_vdev_t)b->vdev;
	req->id = id;
	req->sector_number = sector;
	for (unsigned i = 0; i < sh->nseg; i++) {
		req->seg[i].gref = (grant_ref_t)sh->ref[i];
		req->seg[i].first_sect = b->segs[i].first;
		req->seg[i].last_sect = b->segs[i].last;
	}
}

/* Give the backend rq's next piece (lock held): 0, -EAGAIN (no room),
 * or -errno: rq cannot go at all. */
static int issue(void *drv, struct blk_request *rq)
{
	struct bf *b = drv;
	struct seg *seg = b->segs;
	unsigned nseg = 0, id;
	uint32_t bytes = 0;
	bool bounce = false, readonly = rq->op == BLK_WRITE;
	struct shadow *sh;
	int err = 0;

	if (!b->nfree || b->req_prod - b->rsp_cons >= RING)
		return -EAGAIN;
	id = b->free[b->nfree - 1];
	sh = &b->shadow[id];
	sh->bounce.va = NULL;
	if (rq->op != BLK_FLUSH) {
		bytes = plan(b, rq, seg, &nseg, &bounce);
		if (!bytes)
			return -EINVAL; /* a sector larger than 11 pages */
		if (bounce) {
			if (dma_alloc((size_t)nseg * PAGE_SIZE, &sh->bounce))
				return b->nfree < RING ? -EAGAIN : -ENOMEM;
			if (rq->op == BLK_WRITE)
				blk_request_copy(rq, b->dev.sector_size,
						 (uint64_t)rq->issued *
						     b->dev.sector_size,
						 sh->bounce.va, bytes, true);
			for (unsigned i = 0; i < nseg; i++) {
				uint32_t len =
				    MIN((uint32_t)PAGE_SIZE,
					bytes - i * (uint32_t)PAGE_SIZE);
				seg[i] = (struct seg){
					dma_frame((uint8_t *)sh->bounce.va +
						  (size_t)i * PAGE_SIZE),
					0, (uint8_t)(len / 512 - 1)
				};
			}
		}
	}
	for (unsigned i = 0; i < nseg && !err; i++) {
		sh->ref[i] = gnttab_grant(b->be_id, seg[i].frame, readonly);
		if (sh->ref[i] < 0)
			err = sh->ref[i];
	}
	if (!err && nseg > SEGS) {
		err = indirect(b, sh, nseg);
		if (!err && !b->ind_said) {
			b->ind_said = true;
			printk("blkfront %s: the first indirect request, %u "
			       "segments\n",
			       b->dev.name, nseg);
		}
	}
	if (err) {
		for (unsigned k = 0; k < nseg; k++)
			end_grant(b, &sh->ref[k]);
		end_grant(b, &sh->ind_ref);
		if (sh->bounce.va)
			dma_free(&sh->bounce);
		sh->bounce.va = NULL;
		return b->nfree < RING ? -EAGAIN : err;
	}
	b->nfree--;
	sh->rq = rq;
	sh->nseg = (uint16_t)nseg;
	sh->bytes = bytes;
	sh->nsect = rq->op == BLK_FLUSH ? 1 : bytes / b->dev.sector_size;
	sh->off = (uint64_t)rq->issued * b->dev.sector_size;
	sh->op = rq->op == BLK_READ    ? BLKIF_OP_READ
		 : rq->op == BLK_WRITE ? BLKIF_OP_WRITE
		 : b->flush	       ? BLKIF_OP_FLUSH_DISKCACHE
				       : BLKIF_OP_WRITE_BARRIER;
	put_request(
	    b, sh, id,
	    rq->op == BLK_FLUSH ? 0 : (rq->sector + rq->issued) << b->shift);
	b->req_prod++;
	rq->pieces++;
	rq->issued += sh->nsect;
	if (rq->issued == blk_request_total(rq))
		list_remove(&rq->qnode);
	return 0;
}

/* Give the backend what the queue holds while there is room, adjacent
 * requests merged up to a request's segments (lock held); true if it
 * must be told. */
static bool start(struct bf *b, struct list_node *done)
{
	RING_IDX old = b->req_prod;

	if (b->up && !b->broken)
		blk_queue_run(
		    &b->queue, issue, b,
		    b->max_segs * (uint32_t)PAGE_SIZE >> 9 >> b->shift, done);
	if (b->req_prod == old)
		return false;
	__atomic_thread_fence(__ATOMIC_RELEASE); /* requests before index */
	WRITE_ONCE(b->sring->req_prod, b->req_prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (RING_IDX)(b->req_prod - READ_ONCE(b->sring->req_event)) <
	       (RING_IDX)(b->req_prod - old);
}

/* What a response says: 0 or -EIO, the backend's word checked. */
static int rsp_status(struct bf *b, int16_t status)
{
	switch (status) {
	case BLKIF_RSP_OKAY:
		return 0;
	case BLKIF_RSP_ERROR:
	case BLKIF_RSP_EOPNOTSUPP:
		if (!b->io_errors++)
			printk("blkfront %s: the backend said %s: EIO (logged "
			       "once)\n",
			       b->dev.name,
			       status == BLKIF_RSP_ERROR ? "error"
							 : "not supported");
		return -EIO;
	default:
		fault(b, F_STATUS);
		return -EIO;
	}
}

/* Fail everything in flight and queued (lock held). */
static void fail_all(struct bf *b, struct list_node *done)
{
	for (unsigned i = 0; i < RING; i++)
		if (b->shadow[i].rq)
			piece_done(b, &b->shadow[i], -EIO, done);
	while (!list_empty(&b->queue))
		blk_request_retire(
		    list_entry(b->queue.next, struct blk_request, qnode), -EIO,
		    done);
}

static void take_responses(struct bf *b, struct list_node *done)
{
	for (int again = 0; b->live && !b->broken && again < 2; again++) {
		RING_IDX prod = READ_ONCE(b->sring->rsp_prod);

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((RING_IDX)(prod - b->rsp_cons) >
		    (RING_IDX)(b->req_prod - b->rsp_cons)) {
			fault(b, F_RING);
			b->broken = true;
			fail_all(b, done);
			return;
		}
		while (b->rsp_cons != prod) {
			blkif_response_t r =
			    b->sring->ring[b->rsp_cons % RING].rsp;
			struct shadow *sh =
			    r.id < RING ? &b->shadow[r.id] : NULL;

			b->rsp_cons++;
			if (!sh || !sh->rq) {
				fault(b, F_ID);
				continue;
			}
			piece_done(b, sh, rsp_status(b, r.status), done);
			again = 0;
		}
		WRITE_ONCE(b->sring->rsp_event, b->rsp_cons + 1);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
}

static void bf_event(unsigned port, void *arg)
{
	struct bf *b = arg;
	struct list_node done = LIST_INIT(done);
	unsigned long irq = spin_lock_irqsave(&b->lock);
	bool notify = false;

	(void)port;
	take_responses(b, &done);
	if (b->live && !b->broken)
		notify = start(b, &done);
	spin_unlock_irqrestore(&b->lock, irq);
	if (notify)
		evtchn_send(b->port);
	blk_requests_finish(&done);
}

static int bf_submit(struct blkdev *dev, struct blk_request *rq)
{
	struct bf *b = dev->priv;
	struct list_node done = LIST_INIT(done);
	unsigned long irq;
	bool notify;
	int err = blk_request_check(dev, rq);

	if (err)
		return err;
	if (rq->op == BLK_FLUSH && !b->flush && !b->barrier) {
		/* Write-through: nothing is held back. */
		rq->done(rq, b->up && !b->broken ? 0 : -EIO);
		return 0;
	}
	irq = spin_lock_irqsave(&b->lock);
	if (!b->up || b->broken) {
		spin_unlock_irqrestore(&b->lock, irq);
		return -EIO;
	}
	rq->issued = rq->pieces = 0;
	rq->error = 0;
	list_push_back(&b->queue, &rq->qnode);
	notify = start(b, &done);
	spin_unlock_irqrestore(&b->lock, irq);
	if (notify)
		evtchn_send(b->port);
	blk_requests_finish(&done);
	return 0;
}

static const struct blkdev_ops bf_ops = { .submit = bf_submit };

/* ------------------------------------------------------ ring and grants --- */

/* Take the ring down (watch thread): what was in flight or queued fails
 * with EIO, grants ended; a ring page the backend keeps is left to it. */
static void teardown(struct bf *b)
{
	struct list_node done = LIST_INIT(done);
	unsigned long irq = spin_lock_irqsave(&b->lock);
	bool was_live = b->live;

	b->up = false;
	fail_all(b, &done);
	b->live = false;
	spin_unlock_irqrestore(&b->lock, irq);
	blk_requests_finish(&done);
	if (was_live)
		evtchn_unbind(b->port);
	if (!end_grant(b, &b->ring_ref))
		b->ringmem.va = NULL;
}

static int setup_ring(struct bf *b)
{
	int err;

	if (!b->ringmem.va && dma_alloc(PAGE_SIZE, &b->ringmem))
		return -ENOMEM;
	memset(b->ringmem.va, 0, PAGE_SIZE);
	b->sring = b->ringmem.va;
	b->sring->req_event = b->sring->rsp_event = 1;
	b->req_prod = b->rsp_cons = 0;
	b->broken = false;
	b->ring_ref = gnttab_grant(b->be_id, dma_frame(b->ringmem.va), false);
	if (b->ring_ref < 0)
		return b->ring_ref;
	err = evtchn_alloc_unbound(b->be_id, &b->port);
	if (!err)
		err = evtchn_bind(b->port, bf_event, b);
	b->live = !err;
	return err;
}

/* Our half of the connection in one transaction (retried), Initialised. */
static int write_keys(struct bf *b)
{
	struct xenbus_kv kv[] = {
		{ "ring-ref", "" },
		{ "event-channel", "" },
		{ "protocol", XEN_IO_PROTO_ABI_X86_64 },
		{ "state", "" },
	};
	int err;

	snprintf(kv[0].value, sizeof(kv[0].value), "%d", b->ring_ref);
	snprintf(kv[1].value, sizeof(kv[1].value), "%u", b->port);
	snprintf(kv[3].value, sizeof(kv[3].value), "%d",
		 XenbusStateInitialised);
	err = xenbus_write_keys(b->fe, kv, ARRAY_SIZE(kv));
	if (!err)
		b->state = XenbusStateInitialised;
	return err;
}

static void initialise(struct bf *b)
{
	int err;

	teardown(b); /* what a closed connection left */
	err = setup_ring(b);
	if (!err)
		err = write_keys(b);
	if (err) {
		printk("blkfront vbd %u: cannot connect to %s (error %d)\n",
		       b->vdev, b->be, err);
		teardown(b);
		set_state(b, XenbusStateClosed);
	}
}

/* Linux's names: xvda .. xvdz, xvdaa .. */
static void make_name(char *out, size_t size, unsigned index)
{
	char tail[8];
	unsigned n = 0;

	do {
		tail[n++] = (char)('a' + index % 26);
		index = index / 26;
	} while (index-- && n < sizeof(tail));
	snprintf(out, size, "xvd");
	for (unsigned i = 0; i < n && 3 + i + 1 < size; i++) {
		out[3 + i] = tail[n - 1 - i];
		out[4 + i] = 0;
	}
}

/* The disk index a virtual-device number names, or -1 (another major:
 * named in the order found). */
static long vdev_index(unsigned vdev)
{
	if (vdev & (1u << 28))
		return (long)((vdev >> 8) & 0xfffff);
	if (vdev >> 8 == XEN_MAJOR)
		return (long)((vdev & 0xff) >> 4);
	return -1;
}

/* The backend is Connected: its geometry and features, the disk
 * registered (the first time), our Connected. */
static void connected(struct bf *b)
{
	int64_t sectors = xenbus_number(b->be, "sectors", 1ull << 62);
	int64_t ss = xenbus_number(b->be, "sector-size", 65536);
	int64_t info = xenbus_number(b->be, "info", 1ull << 32);
	int64_t indirect =
	    xenbus_number(b->be, "feature-max-indirect-segments", 1u << 20);
	unsigned shift = 0;
	unsigned long irq;
	struct list_node done = LIST_INIT(done);
	char ind[48];
	bool notify;

	if (ss < 512 || ss > 4096 || (ss & (ss - 1))) {
		printk("blkfront vbd %u: sector-size %ld unusable; 512 used\n",
		       b->vdev, (long)ss);
		ss = 512;
	}
	while ((512 << shift) < ss)
		shift++;
	if (sectors <= 0 || !(sectors >> shift)) {
		printk("blkfront vbd %u: no sectors from %s; not used\n",
		       b->vdev, b->be);
		teardown(b);
		set_state(b, XenbusStateClosed);
		return;
	}
	if (b->registered && ((uint64_t)sectors >> shift != b->dev.sectors ||
			      (uint32_t)ss != b->dev.sector_size)) {
		printk("blkfront %s: the backend came back with another "
		       "geometry; not used\n",
		       b->dev.name);
		teardown(b);
		set_state(b, XenbusStateClosed);
		return;
	}
	irq = spin_lock_irqsave(&b->lock);
	b->dev.sector_size = (uint32_t)ss;
	b->dev.sectors = (uint64_t)sectors >> shift;
	b->shift = shift;
	b->dev.readonly = info >= 0 && (info & VDISK_READONLY);
	b->flush = xenbus_number(b->be, "feature-flush-cache", 2) == 1;
	b->barrier = xenbus_number(b->be, "feature-barrier", 2) == 1;
	b->max_indirect = indirect > 0 ? (unsigned)indirect : 0;
	b->max_segs = b->max_indirect > SEGS
			  ? MIN(b->max_indirect, (unsigned)IND_SEGS)
			  : SEGS;
	spin_unlock_irqrestore(&b->lock, irq);
	if (!b->registered) {
		int err = blkdev_register(&b->dev);
		if (err) {
			printk("blkfront %s: cannot register (error %d)\n",
			       b->dev.name, err);
			teardown(b);
			set_state(b, XenbusStateClosed);
			return;
		}
		b->registered = true;
	}
	set_state(b, XenbusStateConnected);
	irq = spin_lock_irqsave(&b->lock);
	b->up = true;
	notify = start(b, &done);
	spin_unlock_irqrestore(&b->lock, irq);
	if (b->max_segs > SEGS)
		snprintf(ind, sizeof(ind), ", indirect requests of %u segments",
			 b->max_segs);
	else
		snprintf(ind, sizeof(ind), ", %u segments a request", SEGS);
	printk("blkfront %s (%u:%u): vbd %u on %s (domain %u), %lu sectors of "
	       "%u bytes (%lu KiB)%s, %s%s\n",
	       b->dev.name, (b->dev.rdev >> 8) & 0xfff,
	       (b->dev.rdev & 0xff) | (b->dev.rdev >> 12 & ~0xffu), b->vdev,
	       b->be, b->be_id, (unsigned long)b->dev.sectors,
	       b->dev.sector_size,
	       (unsigned long)(b->dev.sectors * b->dev.sector_size >> 10),
	       b->dev.readonly ? ", read-only" : "",
	       b->flush	    ? "flush"
	       : b->barrier ? "barrier"
			    : "no flush (write-through)",
	       ind);
	if (notify)
		evtchn_send(b->port);
	blk_requests_finish(&done);
}

/* ------------------------------------------------------------ xenbus --- */

static void on_change(const char *path, void *arg);

/* Bring one disk in line with xenstore (watch thread only). */
static void sync_one(struct bf *b)
{
	int64_t bstate;

	if (xenbus_backend(b->fe, b->be, b->watched, sizeof(b->be), &b->be_id,
			   on_change)) {
		teardown(b);
		b->state = XenbusStateClosed;
		return;
	}
	bstate = xenbus_number(b->be, "state", 9);
	switch (bstate) {
	case XenbusStateInitWait:
		if (b->state == XenbusStateInitialising ||
		    b->state == XenbusStateClosed)
			initialise(b);
		break;
	case XenbusStateConnected:
		if (b->state == XenbusStateInitialised && b->live)
			connected(b);
		break;
	case XenbusStateClosing:
		if (b->live || b->up) {
			printk("blkfront %s: the backend is closing\n",
			       b->dev.name);
			teardown(b);
		}
		if (b->state != XenbusStateClosed)
			set_state(b, XenbusStateClosed);
		break;
	default: /* Initialising, Initialised, Closed, garbage */
		if (bstate != XenbusStateInitialising &&
		    bstate != XenbusStateInitialised) {
			teardown(b);
			if (b->state == XenbusStateConnected ||
			    b->state == XenbusStateInitialised)
				set_state(b, XenbusStateClosed);
		}
		break;
	}
}

/* The vbd numbers under device/vbd, at most max; how many. */
static unsigned list_vbds(unsigned *ids, unsigned max)
{
	return xenbus_list_ids("device/vbd", ids, max, 1u << 30);
}

static struct bf *find(unsigned vdev)
{
	for (unsigned i = 0; i < nbf; i++)
		if (bfs[i]->vdev == vdev)
			return bfs[i];
	return NULL;
}

static bool name_taken(const char *name)
{
	for (unsigned i = 0; i < nbf; i++)
		if (!strcmp(bfs[i]->dev.name, name))
			return true;
	return false;
}

static struct bf *create(unsigned vdev)
{
	struct bf *b;
	long index = vdev_index(vdev);

	if (nbf == BF_MAX)
		return NULL;
	b = kzalloc(sizeof(*b));
	if (!b)
		return NULL;
	b->vdev = vdev;
	snprintf(b->fe, sizeof(b->fe), "device/vbd/%u", vdev);
	b->state = XenbusStateInitialising;
	b->port = ~0u;
	b->ring_ref = -1;
	list_init(&b->queue);
	for (unsigned i = 0; i < RING; i++) {
		b->free[b->nfree++] = (uint16_t)(RING - 1 - i);
		for (unsigned k = 0; k < IND_SEGS; k++)
			b->shadow[i].ref[k] = -1;
		b->shadow[i].ind_ref = -1;
	}
	if (index >= 0)
		make_name(b->dev.name, sizeof(b->dev.name), (unsigned)index);
	/* Another major, or a name taken: the first free in order. */
	for (unsigned i = 0; index < 0 || name_taken(b->dev.name); i++) {
		make_name(b->dev.name, sizeof(b->dev.name), i);
		index = 0;
	}
	b->max_segs = SEGS;
	b->dev.major = XEN_MAJOR;
	b->dev.ops = &bf_ops;
	b->dev.priv = b;
	bfs[nbf++] = b;
	return b;
}

static void on_change(const char *path, void *arg)
{
	unsigned ids[BF_MAX * 2], count = list_vbds(ids, ARRAY_SIZE(ids));

	(void)path;
	(void)arg;
	for (unsigned i = 0; i < count; i++)
		if (!find(ids[i]) && !create(ids[i]))
			printk("blkfront: vbd %u not used (at most %u disks)\n",
			       ids[i], BF_MAX);
	for (unsigned i = 0; i < nbf; i++)
		sync_one(bfs[i]);
}

unsigned xen_blkfront_probe(void)
{
	unsigned ids[BF_MAX], count;

	if (!xenstore_ready())
		return 0;
	count = list_vbds(ids, BF_MAX);
	for (unsigned i = 0; i < count; i++)
		if (!find(ids[i]))
			create(ids[i]);
	/* The watch fires once now: the handshake runs in its thread, and
	 * a vbd attached later (xl block-attach) is found there too. */
	if (xenstore_watch("device/vbd", on_change, NULL))
		printk("blkfront: cannot watch device/vbd\n");
	return count;
}

/*
 * blk.c - virtio-blk (drivers/virtio, spec 5.2): one request queue,
 * registered as a struct blkdev (kernel/blkdev.c) named vda, vdb ...
 * (major 254). A request is a header the device reads, the data, and a
 * status byte it writes; header and status live in a DMA slot per queue
 * entry, the data is the callers' memory (dma_bus_addr, page by page).
 * Requests wait in a queue of the driver's when the ring is full and
 * are given to the device as entries come back, so any number of
 * callers can have requests in flight; adjacent ones waiting there merge
 * into one run (blk_queue_run), a run's parts each their own memory; one
 * larger than the device's
 * segment limits (seg_max, size_max) or than the free descriptors goes
 * in pieces. Capacity, block size and read-only from the configuration;
 * FLUSH when offered (without it the device has no volatile cache, and
 * a flush is done at once).
 *
 * The device is not trusted: a used id not in flight, a used length
 * other than the bytes the device had to write, or a status byte
 * outside OK, IOERR, UNSUPP is counted (the queue's virtq_stats), logged
 * once and the request fails with -EIO. A used index that jumps stops
 * the queue (virtqueue.c): the device is reset and everything it held
 * fails with -EIO, as does every later request.
 */
#include <keel/blkdev_driver.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/page.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/sync.h>
#include "virtio.h"

/* Feature bits (5.2.3). */
#define BLK_F_SIZE_MAX 1
#define BLK_F_SEG_MAX 2
#define BLK_F_RO 5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9

/* Configuration (5.2.4). */
#define CFG_CAPACITY 0 /* 512-byte sectors, whatever blk_size says */
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20

/* Request types and status (5.2.6). */
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define S_UNSET 0xff /* ours: what a device that never wrote it leaves */

struct vblk_hdr {
	uint32_t type, reserved;
	uint64_t sector; /* in 512-byte units */
} __packed;

#define MAJOR 254
#define QUEUE_MAX 256 /* entries, at most */
#define SLOT 32 /* DMA bytes per slot: the header, then the status byte */
#define STATUS_OFF 16
#define SEG_DEFAULT_MAX (4u << 20) /* bytes a segment holds without SIZE_MAX */
#define MERGE_MAX (1u << 20) /* bytes of a run the queue merges */

#define WARN_LEN 1u
#define WARN_STATUS 2u
#define WARN_IOERR 4u
#define WARN_UNSUPP 8u
#define WARN_SPLIT 16u

/* One request given to the device: a piece of a blk_request. */
struct slot {
	struct blk_request *rq; /* NULL when free */
	uint32_t in_len; /* the used length it must come back with */
};

struct vblk {
	struct blkdev dev;
	struct virtio_dev *vd;
	struct spinlock lock;
	struct virtq vq;
	struct dma_buf slotmem; /* vq.size slots of SLOT bytes */
	struct slot *slots;
	uint16_t *free; /* a stack of free slots */
	unsigned nfree;
	struct virtq_seg *segs; /* scratch for one chain (lock held) */
	struct list_node queue; /* blk_requests not yet wholly given */
	unsigned seg_max; /* data segments per request */
	uint32_t size_max; /* bytes per segment */
	unsigned shift; /* log2(sector_size / 512) */
	bool flush, ready, dead;
	uint64_t io_errors, unsupported; /* honest failures the device said */
	unsigned warned;
};

static void warn_once(struct vblk *b, unsigned kind, const char *what,
		      unsigned a, unsigned c)
{
	if (b->warned & kind)
		return;
	b->warned |= kind;
	printk("virtio %s: blk %s: %s (%u, want %u); the request failed "
	       "with EIO, counted, logged once\n",
	       b->vd->name, b->dev.name, what, a, c);
}

/*
 * The data of rq's next piece as segments (at most max), sectors whole:
 * its bytes, 0 when not a sector fits, -EFAULT for memory no device
 * reaches. Pieces of one page merge where they are contiguous.
 */
static int64_t data_segs(struct vblk *b, struct blk_request *rq,
			 struct virtq_seg *seg, unsigned max, unsigned *nseg)
{
	uint32_t ss = b->dev.sector_size;
	uint64_t off = (uint64_t)rq->issued * ss;
	uint64_t left = (uint64_t)(rq->span - rq->issued) * ss, sum = 0;
	unsigned n = 0;

	while (left) {
		uint64_t part;
		uint8_t *p = blk_request_data(rq, ss, off, &part);
		uint64_t chunk = PAGE_SIZE - ((uintptr_t)p & (PAGE_SIZE - 1));
		uint64_t bus = dma_bus_addr(p);
		if (bus == DMA_NONE)
			return -EFAULT;
		chunk = MIN(MIN(chunk, left), MIN(part, (uint64_t)b->size_max));
		if (n && seg[n - 1].bus + seg[n - 1].len == bus &&
		    seg[n - 1].len + chunk <= b->size_max) {
			seg[n - 1].len += (uint32_t)chunk;
		} else if (n < max) {
			seg[n++] = (struct virtq_seg){ bus, (uint32_t)chunk };
		} else {
			break;
		}
		off += chunk;
		left -= chunk;
		sum += chunk;
	}
	/* Whole sectors only: drop the tail of a sector cut off. */
	for (uint64_t cut = sum % ss; cut;) {
		uint32_t take = (uint32_t)MIN((uint64_t)seg[n - 1].len, cut);
		seg[n - 1].len -= take;
		cut -= take;
		sum -= take;
		if (!seg[n - 1].len)
			n--;
	}
	*nseg = n;
	return (int64_t)sum;
}

/*
 * Give the device rq's next piece (lock held): 0, -EAGAIN (no room until
 * something completes), or -errno: rq cannot be given at all.
 */
static int issue(void *drv, struct blk_request *rq)
{
	struct vblk *b = drv;
	unsigned nseg = 0, room = b->vq.nfree;
	struct virtq_seg *seg = b->segs;
	uint32_t nsect = 1, in_len = 1;
	uint16_t s;
	uint8_t *mem;
	int64_t bytes = 0;
	int err;

	if (!b->nfree || room < 3)
		return -EAGAIN;
	if (rq->op != BLK_FLUSH) {
		bytes =
		    data_segs(b, rq, seg + 1, MIN(b->seg_max, room - 2), &nseg);
		if (bytes < 0)
			return (int)bytes;
		if (!bytes) {
			/* More descriptors may free up; with all of them
			 * free, the device's limits cannot hold a sector. */
			if (room < b->vq.size)
				return -EAGAIN;
			warn_once(b, WARN_SPLIT,
				  "a sector does not fit the device's segment "
				  "limits",
				  b->seg_max, b->size_max);
			return -EINVAL;
		}
		nsect = (uint32_t)(bytes / b->dev.sector_size);
		if (rq->op == BLK_READ)
			in_len = (uint32_t)bytes + 1;
	}
	s = b->free[b->nfree - 1];
	mem = (uint8_t *)b->slotmem.va + (size_t)s * SLOT;
	struct vblk_hdr *h = (struct vblk_hdr *)mem;
	h->type = rq->op == BLK_READ	? T_IN
		  : rq->op == BLK_WRITE ? T_OUT
					: T_FLUSH;
	h->reserved = 0;
	h->sector =
	    rq->op == BLK_FLUSH ? 0 : (rq->sector + rq->issued) << b->shift;
	mem[STATUS_OFF] = S_UNSET;
	seg[0] = (struct virtq_seg){ b->slotmem.bus + (uint64_t)s * SLOT,
				     sizeof(*h) };
	seg[nseg + 1] = (struct virtq_seg){
		b->slotmem.bus + (uint64_t)s * SLOT + STATUS_OFF, 1
	};
	/* Out: the header (and a write's data); in: a read's data, status. */
	b->slots[s] = (struct slot){ rq, in_len };
	err = virtq_add(&b->vq, seg, rq->op == BLK_WRITE ? nseg + 1 : 1,
			rq->op == BLK_WRITE ? 1 : nseg + 1, &b->slots[s]);
	if (err) {
		b->slots[s].rq = NULL;
		return -EAGAIN; /* not expected: room was checked */
	}
	b->nfree--;
	rq->pieces++;
	rq->issued += nsect;
	if (rq->issued == blk_request_total(rq))
		list_remove(&rq->qnode);
	return 0;
}

/* Give the device what the queue holds while there is room, adjacent
 * requests merged (lock held). */
static void start(struct vblk *b, struct list_node *done)
{
	if (blk_queue_run(&b->queue, issue, b, MERGE_MAX >> b->shift >> 9,
			  done))
		virtq_kick(&b->vq);
}

/* A failure the device reported, as the spec lets it: logged once. */
static int said(struct vblk *b, unsigned kind, const char *what)
{
	if (!(b->warned & kind))
		printk("virtio %s: blk %s: the device said %s: EIO (logged "
		       "once)\n",
		       b->vd->name, b->dev.name, what);
	b->warned |= kind;
	return -EIO;
}

/* What a finished piece says: 0 or -EIO, the device's word checked. */
static int piece_status(struct vblk *b, unsigned s, uint32_t len, int err)
{
	uint8_t st;

	if (err)
		return -EIO; /* beyond the buffer: virtqueue.c counted it */
	if (len != b->slots[s].in_len) {
		b->vq.stats.bad_len++;
		warn_once(b, WARN_LEN, "used length is not what was written",
			  len, b->slots[s].in_len);
		return -EIO;
	}
	st = READ_ONCE(
	    ((volatile uint8_t *)b->slotmem.va)[s * SLOT + STATUS_OFF]);
	switch (st) {
	case S_OK:
		return 0;
	case S_IOERR:
		b->io_errors++;
		return said(b, WARN_IOERR, "an I/O error");
	case S_UNSUPP:
		b->unsupported++;
		return said(b, WARN_UNSUPP, "a request it does not support");
	default:
		b->vq.stats.bad_status++;
		warn_once(b, WARN_STATUS, "status byte outside the spec", st,
			  S_OK);
		return -EIO;
	}
}

/* A piece is over (lock held): its slot back, its request done when
 * every piece is. */
static void piece_done(struct vblk *b, struct slot *sl, int status,
		       struct list_node *done)
{
	struct blk_request *rq = sl->rq;

	sl->rq = NULL;
	b->free[b->nfree++] = (uint16_t)(sl - b->slots);
	rq->pieces--;
	if (status || rq->issued == blk_request_total(rq))
		blk_request_retire(rq, status, done);
}

/* The used index jumped (lock held): reset the device so it touches no
 * more memory, and fail everything it held or will be given. */
static void kill(struct vblk *b, struct list_node *done)
{
	void *tok;

	b->dead = true;
	b->vd->ops->set_status(b->vd, 0);
	while ((tok = virtq_detach(&b->vq)))
		piece_done(b, tok, -EIO, done);
	while (!list_empty(&b->queue))
		blk_request_retire(
		    list_entry(b->queue.next, struct blk_request, qnode), -EIO,
		    done);
	printk("virtio %s: blk %s: the queue broke: device reset, every "
	       "request fails with EIO from now on\n",
	       b->vd->name, b->dev.name);
}

static void vblk_complete(struct vblk *b)
{
	struct list_node done = LIST_INIT(done);
	unsigned long irq = spin_lock_irqsave(&b->lock);
	uint32_t len;
	void *tok;
	int err;

	while ((tok = virtq_get(&b->vq, &len, &err))) {
		struct slot *sl = tok;
		int st = piece_status(b, (unsigned)(sl - b->slots), len, err);
		piece_done(b, sl, st, &done);
	}
	if (b->vq.broken && !b->dead)
		kill(b, &done);
	if (!b->dead)
		start(b, &done);
	spin_unlock_irqrestore(&b->lock, irq);
	blk_requests_finish(&done);
}

static void vblk_irq(struct virtio_dev *vd, unsigned why)
{
	struct vblk *b = vd->priv;

	if (!READ_ONCE(b->ready))
		return; /* an early interrupt: the queue is not set up */
	if (why & VIRTIO_IRQ_QUEUE)
		vblk_complete(b);
	/* A configuration change (a resized disk) is not followed. */
}

static int vblk_submit(struct blkdev *dev, struct blk_request *rq)
{
	struct vblk *b = dev->priv;
	struct list_node done = LIST_INIT(done);
	unsigned long irq;
	int err = blk_request_check(dev, rq);

	if (err)
		return err;
	if (rq->op == BLK_FLUSH && !b->flush) {
		/* Write-through: nothing is held back. */
		rq->done(rq, b->dead ? -EIO : 0);
		return 0;
	}
	irq = spin_lock_irqsave(&b->lock);
	if (b->dead) {
		spin_unlock_irqrestore(&b->lock, irq);
		return -EIO;
	}
	rq->issued = rq->pieces = 0;
	rq->error = 0;
	list_push_back(&b->queue, &rq->qnode);
	start(b, &done);
	spin_unlock_irqrestore(&b->lock, irq);
	blk_requests_finish(&done);
	return 0;
}

static const struct blkdev_ops vblk_ops = { .submit = vblk_submit };

/* ------------------------------------------------------------ probe --- */

/* Linux's names: vda .. vdz, vdaa .. */
static void make_name(char *out, unsigned index)
{
	char tail[8];
	unsigned n = 0;

	do {
		tail[n++] = (char)('a' + index % 26);
		index = index / 26;
	} while (index-- && n < sizeof(tail));
	memcpy(out, "vd", 2);
	for (unsigned i = 0; i < n; i++)
		out[2 + i] = tail[n - 1 - i];
	out[2 + n] = 0;
}

static uint32_t config32(struct vblk *b, unsigned feature, unsigned off,
			 uint32_t dflt)
{
	uint32_t v;

	if (!(b->vd->features & VIRTIO_BIT(feature)) ||
	    b->vd->ops->read_config(b->vd, off, &v, sizeof(v)))
		return dflt;
	return v;
}

/* Geometry and limits from the configuration: 0 or -ENODEV. */
static int read_geometry(struct vblk *b)
{
	uint32_t bs = config32(b, BLK_F_BLK_SIZE, CFG_BLK_SIZE, 512);
	uint64_t cap;

	if (b->vd->ops->read_config(b->vd, CFG_CAPACITY, &cap, sizeof(cap)))
		return -ENODEV;
	if (bs < 512 || bs > 4096 || (bs & (bs - 1))) {
		printk("virtio %s: blk: block size %u not supported; 512 "
		       "used\n",
		       b->vd->name, bs);
		bs = 512;
	}
	b->dev.sector_size = bs;
	while ((512u << b->shift) < bs)
		b->shift++;
	b->dev.sectors = cap >> b->shift;
	if (!b->dev.sectors) {
		printk("virtio %s: blk: capacity 0: no medium\n", b->vd->name);
		return -ENODEV;
	}
	b->dev.readonly = b->vd->features & VIRTIO_BIT(BLK_F_RO);
	b->flush = b->vd->features & VIRTIO_BIT(BLK_F_FLUSH);
	b->seg_max = config32(b, BLK_F_SEG_MAX, CFG_SEG_MAX, ~0u);
	b->size_max =
	    config32(b, BLK_F_SIZE_MAX, CFG_SIZE_MAX, SEG_DEFAULT_MAX);
	b->size_max = MAX(MIN(b->size_max, SEG_DEFAULT_MAX), 512u);
	return 0;
}

static int setup_queue(struct vblk *b)
{
	int err = virtio_queue_setup(b->vd, &b->vq, 0, QUEUE_MAX, 4);
	unsigned size = b->vq.size;

	if (err)
		return err;
	b->seg_max = MAX(MIN(b->seg_max, size - 2), 1u);
	b->slots = kzalloc(size * sizeof(*b->slots));
	b->free = kzalloc(size * sizeof(*b->free));
	b->segs = kzalloc(size * sizeof(*b->segs));
	if (!b->slots || !b->free || !b->segs ||
	    dma_alloc((size_t)size * SLOT, &b->slotmem))
		return -ENOMEM;
	for (unsigned i = 0; i < size; i++)
		b->free[b->nfree++] = (uint16_t)(size - 1 - i);
	return 0;
}

static int vblk_setup(struct vblk *b)
{
	static unsigned count;
	int err = virtio_negotiate(
	    b->vd, VIRTIO_BIT(BLK_F_SIZE_MAX) | VIRTIO_BIT(BLK_F_SEG_MAX) |
		       VIRTIO_BIT(BLK_F_RO) | VIRTIO_BIT(BLK_F_BLK_SIZE) |
		       VIRTIO_BIT(BLK_F_FLUSH));

	if (!err)
		err = read_geometry(b);
	if (!err)
		err = virtio_irq_start(b->vd, vblk_irq);
	if (!err)
		err = setup_queue(b);
	if (err)
		return err;
	make_name(b->dev.name, count);
	b->dev.major = MAJOR;
	b->dev.ops = &vblk_ops;
	b->dev.priv = b;
	virtio_driver_ok(b->vd);
	WRITE_ONCE(b->ready, true);
	err = blkdev_register(&b->dev);
	if (!err)
		count++;
	return err;
}

int virtio_blk_probe(struct virtio_dev *vd)
{
	struct vblk *b = kzalloc(sizeof(*b));
	uint64_t size;
	int err;

	if (!b)
		return -ENOMEM;
	b->vd = vd;
	vd->priv = b;
	list_init(&b->queue);
	err = vblk_setup(b);
	if (err) {
		vd->ops->set_status(vd, VIRTIO_S_FAILED);
		printk("virtio %s: blk: not started (error %d)\n", vd->name,
		       err);
		return err; /* its memory stays: the device may still hold it */
	}
	size = b->dev.sectors * b->dev.sector_size;
	printk("virtio %s: blk %s (%u:%u), %lu sectors of %u bytes (%lu "
	       "KiB), queue %u, at most %u segments of %u KiB, %s%s, %s\n",
	       vd->name, b->dev.name, (b->dev.rdev >> 8) & 0xfff,
	       (b->dev.rdev & 0xff) | (b->dev.rdev >> 12 & ~0xffu),
	       (unsigned long)b->dev.sectors, b->dev.sector_size,
	       (unsigned long)(size >> 10), b->vq.size, b->seg_max,
	       b->size_max >> 10,
	       b->flush ? "flush" : "no flush (write-through)",
	       b->dev.readonly ? ", read-only" : "",
	       vd->vector >= 0 ? "interrupts" : "polled");
	return 0;
}

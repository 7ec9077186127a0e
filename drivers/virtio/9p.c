/*
 * 9p.c - virtio-9p (drivers/virtio, spec 5.11): a transport for 9P
 * messages to a directory the host shares (QEMU's -virtfs), registered
 * as a 9P channel (kernel/p9chan.c) under the mount tag the device's
 * configuration names. One request queue; each exchange is one chain:
 * the request's pieces the device reads, then the reply's it writes.
 * Several requests may be in flight; those that find the ring full wait
 * in order for room. A reply is believed only when its used length is
 * at least a 9P header, its size field is that length and its tag is
 * the request's: anything else is counted, logged once and failed with
 * -EIO, never followed. A used index that jumps past the ring resets the
 * device and fails every request, then and later, with -EIO.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/p9chan_driver.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/sync.h>
#include "virtio.h"

#define V9P_F_MOUNT_TAG 0 /* the configuration holds the tag */
#define QUEUE_MAX 128
#define MSIZE (128 * 1024 + 4096) /* the largest message carried */
#define SEGS_MAX 40 /* pieces of one chain */
#define BATCH 16

struct v9p {
	struct p9chan ch;
	struct virtio_dev *vd;
	struct spinlock lock;
	struct virtq vq;
	struct list_node waiting; /* requests waiting for descriptors */
	bool ready, dead; /* dead: the queue broke, the device was reset */
	uint64_t bad_reply; /* replies of the wrong length or tag */
	bool warned;
};

/* The pieces of kernel memory [p, p + len) as the device sees them:
 * the count added to seg, or -EINVAL (not DMA-able, too many pieces). */
static int add_pieces(struct virtq_seg *seg, unsigned n, const void *p,
		      size_t len)
{
	const uint8_t *b = p;
	unsigned start = n;

	while (len) {
		uint64_t bus = dma_bus_addr(b);
		size_t in = 4096 - ((uintptr_t)b & 4095), take = MIN(in, len);

		if (bus == DMA_NONE)
			return -EINVAL;
		if (n > start && seg[n - 1].bus + seg[n - 1].len == bus) {
			seg[n - 1].len += (uint32_t)take;
		} else {
			if (n == SEGS_MAX)
				return -EINVAL;
			seg[n].bus = bus;
			seg[n].len = (uint32_t)take;
			n++;
		}
		b += take;
		len -= take;
	}
	return (int)(n - start);
}

/* Post rq (lock held): 0, -ENOSPC (no room now), -EINVAL. */
static int post(struct v9p *v, struct p9chan_request *rq)
{
	struct virtq_seg seg[SEGS_MAX];
	int nout = add_pieces(seg, 0, rq->req, rq->reqlen), nin;

	if (nout < 0)
		return nout;
	nin = add_pieces(seg, (unsigned)nout, rq->rep, rq->replen);
	if (nin < 0)
		return nin;
	return virtq_add(&v->vq, seg, (unsigned)nout, (unsigned)nin, rq);
}

static int v9p_submit(struct p9chan *ch, struct p9chan_request *rq)
{
	struct v9p *v = ch->priv;
	unsigned long irq = spin_lock_irqsave(&v->lock);
	int err = 0;

	if (v->dead) {
		err = -EIO;
	} else if (!list_empty(&v->waiting) || (err = post(v, rq)) == -ENOSPC) {
		list_push_back(&v->waiting, &rq->node);
		err = 0;
	} else if (!err) {
		virtq_kick(&v->vq);
	}
	spin_unlock_irqrestore(&v->lock, irq);
	return err;
}

/* Is a used reply of len bytes for rq believable? */
static bool reply_ok(struct v9p *v, struct p9chan_request *rq, uint32_t len)
{
	const uint8_t *m = rq->rep;

	if (len >= P9_HDR_LEN && p9_hdr_size(m) == len &&
	    p9_hdr_tag(m) == rq->tag)
		return true;
	v->bad_reply++;
	if (!v->warned)
		printk("virtio %s: 9p reply of length %u (size field %u, tag "
		       "%u for %u); failed, counted, logged once\n",
		       v->vd->name, len, len >= P9_HDR_LEN ? p9_hdr_size(m) : 0,
		       len >= P9_HDR_LEN ? p9_hdr_tag(m) : 0, rq->tag);
	v->warned = true;
	return false;
}

/* Take finished requests off the ring and post waiting ones (lock held):
 * how many went to done[] with their results. */
static unsigned take(struct v9p *v, struct p9chan_request **done, long *res)
{
	struct p9chan_request *rq;
	unsigned got = 0, posted = 0;
	uint32_t len;
	int err;

	while (got < BATCH && (rq = virtq_get(&v->vq, &len, &err))) {
		res[got] = err ? err : reply_ok(v, rq, len) ? (long)len : -EIO;
		done[got++] = rq;
	}
	while (!list_empty(&v->waiting)) {
		rq = list_entry(v->waiting.next, struct p9chan_request, node);
		err = post(v, rq);
		if (err == -ENOSPC)
			break;
		list_remove(&rq->node);
		if (err && got < BATCH) {
			res[got] = err;
			done[got++] = rq;
		} else if (err) { /* no room to report it now: next time */
			list_push_front(&v->waiting, &rq->node);
			break;
		}
		posted += !err;
	}
	if (posted)
		virtq_kick(&v->vq);
	return got;
}

/* The used index jumped (lock held): reset the device so it touches no
 * more memory, and move every request it held or would have been given
 * to failed, to fail with -EIO; so will every later one. */
static void kill(struct v9p *v, struct list_node *failed)
{
	struct p9chan_request *rq;

	v->dead = true;
	v->vd->ops->set_status(v->vd, 0);
	while ((rq = virtq_detach(&v->vq)))
		list_push_back(failed, &rq->node);
	while (!list_empty(&v->waiting)) {
		rq = list_entry(list_pop_front(&v->waiting),
				struct p9chan_request, node);
		list_push_back(failed, &rq->node);
	}
	printk("virtio %s: 9p %s: the queue broke: device reset, every "
	       "request fails with EIO from now on\n",
	       v->vd->name, v->ch.tag);
}

static void v9p_irq(struct virtio_dev *vd, unsigned why)
{
	struct v9p *v = vd->priv;
	struct list_node failed = LIST_INIT(failed);
	struct p9chan_request *done[BATCH];
	long res[BATCH];
	unsigned got;

	if (!READ_ONCE(v->ready) || !(why & VIRTIO_IRQ_QUEUE))
		return;
	do {
		unsigned long irq = spin_lock_irqsave(&v->lock);
		got = take(v, done, res);
		if (v->vq.broken && !v->dead)
			kill(v, &failed);
		spin_unlock_irqrestore(&v->lock, irq);
		for (unsigned i = 0; i < got; i++)
			done[i]->done(done[i], res[i]);
	} while (got == BATCH);
	while (!list_empty(&failed)) {
		struct p9chan_request *rq = list_entry(
		    list_pop_front(&failed), struct p9chan_request, node);

		rq->done(rq, -EIO);
	}
}

static const struct p9chan_ops v9p_ops = {
	.submit = v9p_submit,
};

/* The mount tag from the configuration: 0, -ENODEV (none), -EINVAL. */
static int read_tag(struct v9p *v)
{
	uint16_t len;

	if (!(v->vd->features & VIRTIO_BIT(V9P_F_MOUNT_TAG)))
		return -ENODEV;
	if (v->vd->ops->read_config(v->vd, 0, &len, sizeof(len)))
		return -EINVAL;
	if (!len || len >= P9CHAN_TAG_MAX)
		return -EINVAL;
	if (v->vd->ops->read_config(v->vd, 2, v->ch.tag, len))
		return -EINVAL;
	v->ch.tag[len] = '\0';
	return strlen(v->ch.tag) == len ? 0 : -EINVAL;
}

static int v9p_setup(struct v9p *v)
{
	int err = virtio_negotiate(v->vd, VIRTIO_BIT(V9P_F_MOUNT_TAG));

	if (!err)
		err = read_tag(v);
	if (!err)
		err = virtio_irq_start(v->vd, v9p_irq);
	if (!err)
		err = virtio_queue_setup(v->vd, &v->vq, 0, QUEUE_MAX, 2);
	if (err)
		return err;
	v->ch.msize = MSIZE;
	v->ch.ops = &v9p_ops;
	v->ch.priv = v;
	virtio_driver_ok(v->vd);
	WRITE_ONCE(v->ready, true);
	return p9chan_register(&v->ch);
}

int virtio_9p_probe(struct virtio_dev *vd)
{
	struct v9p *v = kzalloc(sizeof(*v));
	int err;

	if (!v)
		return -ENOMEM;
	v->vd = vd;
	list_init(&v->waiting);
	vd->priv = v;
	err = v9p_setup(v);
	if (err) {
		if (!v->ready)
			vd->ops->set_status(vd, VIRTIO_S_FAILED);
		printk("virtio %s: 9p: not started (error %d)\n", vd->name,
		       err);
		return err; /* its memory stays: the device may still hold it */
	}
	printk("virtio %s: 9p tag %s, queue %u, %s\n", vd->name, v->ch.tag,
	       v->vq.size, vd->vector >= 0 ? "interrupts" : "polled");
	return 0;
}

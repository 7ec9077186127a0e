/*
 * net.c - virtio-net (drivers/virtio, spec 5.1): one receive and one
 * transmit queue, registered as a struct netdev (net/netdev.c). Receive
 * buffers are netbufs of the registry's making, posted at probe and
 * refilled as frames go up (recycled while the device is closed); a sent frame is copied with its virtio header into a DMA slot of
 * the transmit queue and given back (netdev_tx_done) when the device
 * returns the slot. MAC and link status from the device's configuration;
 * the transmit checksum offload when offered. No mergeable receive
 * buffers and no segmentation offload: every buffer holds a whole frame.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netdev_driver.h>
#include <keel/printk.h>
#include <keel/string.h>
#include "virtio.h"

/* Feature bits (5.1.3). */
#define NET_F_CSUM 0
#define NET_F_MAC 5
#define NET_F_STATUS 16

#define CFG_MAC 0
#define CFG_STATUS 6
#define STATUS_LINK_UP 1

/* struct virtio_net_hdr with VERSION_1: num_buffers is always there. */
struct vnet_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
} __packed;
#define HDR_NEEDS_CSUM 1
#define HDR_LEN sizeof(struct vnet_hdr)

#define QUEUE_MAX 128 /* entries per queue, at most */
#define TX_SLOT 2048 /* header + the largest frame, one DMA slot each */
#define FRAME_MAX (1500 + NETDEV_HLEN)
#define BATCH 16

struct vnet {
	struct netdev dev;
	struct virtio_dev *vd;
	struct spinlock lock;
	struct virtq rx, tx;
	struct dma_buf txmem; /* tx.size slots of TX_SLOT bytes */
	struct netbuf **tx_frame; /* per slot, NULL when free */
	uint16_t *tx_free; /* a stack of free slots */
	unsigned ntx_free;
	bool ready, started, tx_full;
	uint64_t rx_short; /* used lengths too short for header + Ethernet */
	bool warned_short;
};

/* ------------------------------------------------------------ receive --- */

/* Post one receive buffer (lock held): 0, -ENOMEM, -ENOSPC. */
static int post_rx(struct vnet *n, struct netbuf *nb)
{
	struct virtq_seg seg;

	seg.bus = dma_bus_addr(nb->data);
	seg.len = (uint32_t)nb->len;
	if (seg.bus == DMA_NONE)
		return -EINVAL;
	return virtq_add(&n->rx, &seg, 0, 1, nb);
}

/* Fill the receive ring (lock held); the doorbell only if posted. A
 * failed allocation is tried again at the next interrupt or open. */
static void refill_rx(struct vnet *n)
{
	unsigned posted = 0;

	while (n->rx.nfree) {
		struct netbuf *nb = netdev_rxbuf_alloc(&n->dev, FRAME_MAX);
		if (!nb)
			break;
		if (post_rx(n, nb)) {
			netbuf_free(nb);
			break;
		}
		posted++;
	}
	if (posted)
		virtq_kick(&n->rx);
}

/* A used receive buffer worth passing up, or false to recycle it. */
static bool rx_frame_ok(struct vnet *n, struct netbuf *nb, uint32_t len,
			int err)
{
	if (err)
		return false; /* virtq_get counted and logged it */
	if (len < HDR_LEN + NETDEV_HLEN) {
		n->rx_short++;
		if (!n->warned_short)
			printk("virtio %s: received length %u is shorter than "
			       "its headers; dropped, counted, logged once\n",
			       n->vd->name, len);
		n->warned_short = true;
		return false;
	}
	nb->data += HDR_LEN;
	nb->len = len - HDR_LEN;
	nb->room -= HDR_LEN;
	return n->started;
}

/* Take up to BATCH received frames off the ring (lock held). */
static unsigned take_rx(struct vnet *n, struct netbuf **out)
{
	unsigned got = 0;
	struct netbuf *nb;
	uint32_t len;
	int err;

	while (got < BATCH && (nb = virtq_get(&n->rx, &len, &err))) {
		if (rx_frame_ok(n, nb, len, err)) {
			out[got++] = nb;
		} else {
			netbuf_free(nb); /* a fresh one replaces it */
		}
	}
	refill_rx(n);
	return got;
}

static void rx_work(struct vnet *n)
{
	struct netbuf *batch[BATCH];
	unsigned got;

	do {
		unsigned long irq = spin_lock_irqsave(&n->lock);
		got = take_rx(n, batch);
		spin_unlock_irqrestore(&n->lock, irq);
		for (unsigned i = 0; i < got; i++)
			netdev_rx(&n->dev, batch[i]);
	} while (got == BATCH);
}

/* ----------------------------------------------------------- transmit --- */

static void tx_work(struct vnet *n)
{
	struct netbuf *done[BATCH];
	unsigned got;
	bool room = false;

	do {
		unsigned long irq = spin_lock_irqsave(&n->lock);
		void *tok;
		uint32_t len;
		int err;

		got = 0;
		while (got < BATCH && (tok = virtq_get(&n->tx, &len, &err))) {
			unsigned slot =
			    (unsigned)((struct netbuf **)tok - n->tx_frame);
			done[got++] = n->tx_frame[slot];
			n->tx_frame[slot] = NULL;
			n->tx_free[n->ntx_free++] = (uint16_t)slot;
		}
		if (got && n->tx_full) {
			n->tx_full = false;
			room = true;
		}
		spin_unlock_irqrestore(&n->lock, irq);
		for (unsigned i = 0; i < got; i++)
			netdev_tx_done(&n->dev, done[i], 0);
	} while (got == BATCH);
	if (room)
		netdev_tx_room(&n->dev);
}

/* The header for a frame: a checksum the device completes, if asked. */
static void fill_hdr(struct vnet_hdr *h, const struct netbuf *frame)
{
	memset(h, 0, sizeof(*h));
	if (frame->flags & NETBUF_CSUM_PARTIAL) {
		h->flags = HDR_NEEDS_CSUM;
		h->csum_start = frame->csum_start;
		h->csum_offset = frame->csum_offset;
	}
}

static int vnet_xmit(struct netdev *dev, struct netbuf *frame)
{
	struct vnet *n = dev->priv;
	size_t len = netbuf_frame_len(frame);
	unsigned long irq;
	struct virtq_seg seg;
	unsigned slot;
	uint8_t *buf;
	int err;

	if (len > TX_SLOT - HDR_LEN)
		return -EMSGSIZE;
	irq = spin_lock_irqsave(&n->lock);
	if (!n->ntx_free || !n->tx.nfree) {
		n->tx_full = true;
		spin_unlock_irqrestore(&n->lock, irq);
		return -EAGAIN;
	}
	slot = n->tx_free[--n->ntx_free];
	buf = (uint8_t *)n->txmem.va + (size_t)slot * TX_SLOT;
	fill_hdr((struct vnet_hdr *)buf, frame);
	netbuf_copy(frame, 0, buf + HDR_LEN, len);
	seg.bus = n->txmem.bus + (uint64_t)slot * TX_SLOT;
	seg.len = (uint32_t)(HDR_LEN + len);
	n->tx_frame[slot] = frame;
	err = virtq_add(&n->tx, &seg, 1, 0, &n->tx_frame[slot]);
	if (err) {
		n->tx_frame[slot] = NULL;
		n->tx_free[n->ntx_free++] = (uint16_t)slot;
	} else {
		virtq_kick(&n->tx);
	}
	spin_unlock_irqrestore(&n->lock, irq);
	return err ? -EAGAIN : 0;
}

/* ------------------------------------------------- device and netdev --- */

static void link_update(struct vnet *n)
{
	uint16_t st = STATUS_LINK_UP;

	if (n->vd->features & VIRTIO_BIT(NET_F_STATUS))
		n->vd->ops->read_config(n->vd, CFG_STATUS, &st, sizeof(st));
	netdev_set_link(&n->dev, st & STATUS_LINK_UP);
}

static void vnet_irq(struct virtio_dev *vd, unsigned why)
{
	struct vnet *n = vd->priv;

	if (!READ_ONCE(n->ready))
		return; /* an early interrupt: the queues are not set up */
	if (why & VIRTIO_IRQ_QUEUE) {
		rx_work(n);
		tx_work(n);
	}
	if (why & VIRTIO_IRQ_CONFIG)
		link_update(n);
}

static int vnet_start(struct netdev *dev)
{
	struct vnet *n = dev->priv;
	unsigned long irq = spin_lock_irqsave(&n->lock);

	n->started = true;
	refill_rx(n); /* posted at probe; tops up after a shortage */
	spin_unlock_irqrestore(&n->lock, irq);
	return 0;
}

/* Received frames are recycled from now on; frames in flight still
 * complete through the live device. */
static void vnet_stop(struct netdev *dev)
{
	struct vnet *n = dev->priv;
	unsigned long irq = spin_lock_irqsave(&n->lock);

	n->started = false;
	spin_unlock_irqrestore(&n->lock, irq);
}

static const struct netdev_ops vnet_ops = {
	.start = vnet_start,
	.stop = vnet_stop,
	.xmit = vnet_xmit,
};

static int setup_tx_slots(struct vnet *n)
{
	unsigned size = n->tx.size;

	n->tx_frame = kzalloc(size * sizeof(*n->tx_frame));
	n->tx_free = kzalloc(size * sizeof(*n->tx_free));
	if (!n->tx_frame || !n->tx_free ||
	    dma_alloc((size_t)size * TX_SLOT, &n->txmem))
		return -ENOMEM;
	for (unsigned i = 0; i < size; i++)
		n->tx_free[n->ntx_free++] = (uint16_t)(size - 1 - i);
	return 0;
}

static void read_mac(struct vnet *n)
{
	static uint8_t count;

	if ((n->vd->features & VIRTIO_BIT(NET_F_MAC)) &&
	    !n->vd->ops->read_config(n->vd, CFG_MAC, n->dev.mac, NETDEV_ALEN))
		return;
	/* None offered: a locally administered one. */
	static const uint8_t local[NETDEV_ALEN] = { 0x02, 0x6b, 0x65,
						    0x65, 0x6c, 0x00 };
	memcpy(n->dev.mac, local, NETDEV_ALEN);
	n->dev.mac[5] = count++;
}

static void fill_netdev(struct vnet *n)
{
	n->dev.ops = &vnet_ops;
	n->dev.priv = n;
	n->dev.mtu = n->dev.max_mtu = 1500;
	n->dev.min_mtu = 68;
	n->dev.features = NETDEV_F_SG;
	if (n->vd->features & VIRTIO_BIT(NET_F_CSUM))
		n->dev.features |= NETDEV_F_TX_CSUM;
	n->dev.max_segs = 16; /* copied into one slot */
	n->dev.rx_headroom = HDR_LEN;
	read_mac(n);
}

static int vnet_setup(struct vnet *n)
{
	unsigned long irq;
	int err = virtio_negotiate(n->vd, VIRTIO_BIT(NET_F_MAC) |
					      VIRTIO_BIT(NET_F_STATUS) |
					      VIRTIO_BIT(NET_F_CSUM));

	if (!err)
		err = virtio_irq_start(n->vd, vnet_irq);
	if (!err)
		err = virtio_queue_setup(n->vd, &n->rx, 0, QUEUE_MAX, 1);
	if (!err)
		err = virtio_queue_setup(n->vd, &n->tx, 1, QUEUE_MAX, 1);
	if (!err)
		err = setup_tx_slots(n);
	if (err)
		return err;
	fill_netdev(n);
	virtio_driver_ok(n->vd);
	err = netdev_register(&n->dev);
	if (err)
		return err;
	/* Receive buffers are posted from now on: frames that come while
	 * the device is closed are recycled. */
	irq = spin_lock_irqsave(&n->lock);
	refill_rx(n);
	WRITE_ONCE(n->ready, true);
	spin_unlock_irqrestore(&n->lock, irq);
	return 0;
}

int virtio_net_probe(struct virtio_dev *vd)
{
	struct vnet *n = kzalloc(sizeof(*n));
	int err;

	if (!n)
		return -ENOMEM;
	n->vd = vd;
	vd->priv = n;
	err = vnet_setup(n);
	if (err) {
		vd->ops->set_status(vd, VIRTIO_S_FAILED);
		printk("virtio %s: net: not started (error %d)\n", vd->name,
		       err);
		return err; /* its memory stays: the device may still hold it */
	}
	link_update(n);
	printk(
	    "virtio %s: net %s, mac %02x:%02x:%02x:%02x:%02x:%02x, "
	    "queues %u/%u, %s%s\n",
	    vd->name, n->dev.name, n->dev.mac[0], n->dev.mac[1], n->dev.mac[2],
	    n->dev.mac[3], n->dev.mac[4], n->dev.mac[5], n->rx.size, n->tx.size,
	    vd->vector >= 0 ? "interrupts" : "polled",
	    n->dev.features & NETDEV_F_TX_CSUM ? ", tx checksum offload" : "");
	return 0;
}

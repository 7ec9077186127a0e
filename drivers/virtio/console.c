/*
 * console.c - virtio-console (drivers/virtio, spec 5.3): one port of a
 * virtio-serial device as the bulk channel for the program's standard
 * streams (consdev_register_stdio; keel run wires QEMU's stdio to it),
 * while the 16550 stays the kernel's console. With MULTIPORT the port is
 * 1 (QEMU's virtserialport, which holds back what its host side cannot
 * take; its virtconsole on port 0 drops it): the control queues say the
 * driver is ready and open port 1, and refuse any other. Without it,
 * port 0. Receive buffers wait posted; a filled one is read out in order
 * and posted again. A send copies into a free transmit buffer; with none
 * free it takes nothing and the interrupt that frees one announces room
 * (consdev_input).
 */
#include <keel/consdev.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/time.h>
#include "virtio.h"

#define RX_BUFS 16
#define RX_SIZE 4096u /* QEMU's character devices read 4 KiB at a time */
#define TX_BUFS 4
#define TX_SIZE ((size_t)32 * 1024)
#define CON_F_MULTIPORT 1
#define PORT 1 /* the port used with MULTIPORT: its queues 4 and 5 */
#define CTRL_BUFS 8

/* A control message (5.3.6.2), and its events. */
struct ctrl_msg {
	uint32_t id;
	uint16_t event, value;
};
#define EV_DEVICE_READY 0
#define EV_DEVICE_ADD 1
#define EV_PORT_READY 3
#define EV_PORT_OPEN 6

#define FLUSH_NS (5 * NSEC_PER_SEC) /* the longest wait for output to leave */

struct vcon {
	struct consdev dev;
	struct virtio_dev *vd;
	struct spinlock lock;
	struct virtq rxq, txq, crxq, ctxq; /* data; control (MULTIPORT) */
	struct dma_buf rxmem, txmem, ctrlmem; /* ctrlmem: CTRL_BUFS receive
						 messages, then CTRL_BUFS sent */
	uint16_t ctx_free[CTRL_BUFS];
	unsigned nctx_free;
	bool multiport;
	uint16_t rx_fifo[RX_BUFS]; /* filled buffers, in order */
	uint32_t rx_len[RX_BUFS]; /* per buffer: bytes the device wrote */
	unsigned rx_head, rx_count, rx_off; /* rx_off: read of the head */
	uint16_t tx_free[TX_BUFS]; /* a stack of free buffers */
	unsigned ntx_free;
	bool ready;
};

static char *rx_buf(struct vcon *v, unsigned i)
{
	return (char *)v->rxmem.va + (size_t)i * RX_SIZE;
}

static char *tx_buf(struct vcon *v, unsigned i)
{
	return (char *)v->txmem.va + (size_t)i * TX_SIZE;
}

/* Give receive buffer i to the device (lock held). */
static int post_rx(struct vcon *v, unsigned i)
{
	struct virtq_seg seg = { v->rxmem.bus + (uint64_t)i * RX_SIZE,
				 RX_SIZE };

	return virtq_add(&v->rxq, &seg, 0, 1, rx_buf(v, i));
}

/* Take what the device finished (lock held): true if anything. */
static bool reap(struct vcon *v)
{
	bool got = false;
	uint32_t len;
	char *tok;
	int err;

	while ((tok = virtq_get(&v->rxq, &len, &err))) {
		unsigned i = (unsigned)((tok - rx_buf(v, 0)) / RX_SIZE),
			 at = (v->rx_head + v->rx_count) % RX_BUFS;

		v->rx_fifo[at] = (uint16_t)i;
		v->rx_len[at] = err ? 0 : len; /* a bad length: dropped */
		v->rx_count++;
		got = true;
	}
	while ((tok = virtq_get(&v->txq, &len, &err))) {
		v->tx_free[v->ntx_free++] =
		    (uint16_t)((tok - tx_buf(v, 0)) / TX_SIZE);
		got = true;
	}
	return got;
}

/* ------------------------------------------------- control (MULTIPORT) */

static struct ctrl_msg *ctrl_msg(struct vcon *v, unsigned i)
{
	return (struct ctrl_msg *)v->ctrlmem.va + i;
}

static uint64_t ctrl_bus(struct vcon *v, unsigned i)
{
	return v->ctrlmem.bus + (uint64_t)i * sizeof(struct ctrl_msg);
}

/* Give control receive buffer i to the device (lock held). */
static int post_ctrl_rx(struct vcon *v, unsigned i)
{
	struct virtq_seg seg = { ctrl_bus(v, i), sizeof(struct ctrl_msg) };

	return virtq_add(&v->crxq, &seg, 0, 1, ctrl_msg(v, i));
}

/* Send a control message (lock held); dropped, and said, when all the
 * send buffers are in flight, which the handshake's few never fill. */
static void ctrl_send(struct vcon *v, uint32_t id, uint16_t event,
		      uint16_t value)
{
	struct virtq_seg seg;
	unsigned i;

	if (!v->nctx_free) {
		printk("virtio %s: console: control message %u dropped\n",
		       v->vd->name, event);
		return;
	}
	i = v->ctx_free[--v->nctx_free];
	*ctrl_msg(v, i) = (struct ctrl_msg){ id, event, value };
	seg.bus = ctrl_bus(v, i);
	seg.len = sizeof(struct ctrl_msg);
	if (virtq_add(&v->ctxq, &seg, 1, 0, ctrl_msg(v, i)))
		v->ctx_free[v->nctx_free++] = (uint16_t)i;
	else
		virtq_kick(&v->ctxq);
}

/* What the device said (lock held): a port added is made ready and
 * opened if it is ours, refused otherwise; the rest is not needed. */
static void ctrl_take(struct vcon *v)
{
	struct ctrl_msg *m;
	uint32_t len;
	int err;

	while ((m = virtq_get(&v->crxq, &len, &err))) {
		struct ctrl_msg got = *m;

		post_ctrl_rx(v, (unsigned)(m - ctrl_msg(v, 0)));
		virtq_kick(&v->crxq);
		if (err || len < sizeof(got) || got.event != EV_DEVICE_ADD)
			continue;
		ctrl_send(v, got.id, EV_PORT_READY, got.id == PORT);
		if (got.id == PORT)
			ctrl_send(v, PORT, EV_PORT_OPEN, 1);
	}
	while ((m = virtq_get(&v->ctxq, &len, &err)))
		v->ctx_free[v->nctx_free++] = (uint16_t)(m - ctrl_msg(v, 0));
}

/* ---------------------------------------------------------------- data */

static size_t vcon_read(struct consdev *c, char *buf, size_t max)
{
	struct vcon *v = c->priv;
	unsigned long irq = spin_lock_irqsave(&v->lock);
	size_t n = 0;
	bool posted = false;

	reap(v);
	while (n < max && v->rx_count) {
		unsigned at = v->rx_head, i = v->rx_fifo[at];
		size_t take = MIN(max - n, v->rx_len[at] - v->rx_off);

		memcpy(buf + n, rx_buf(v, i) + v->rx_off, take);
		n += take;
		v->rx_off += (unsigned)take;
		if (v->rx_off < v->rx_len[at])
			break;
		v->rx_off = 0;
		v->rx_head = (at + 1) % RX_BUFS;
		v->rx_count--;
		posted |= !post_rx(v, i);
	}
	if (posted)
		virtq_kick(&v->rxq);
	spin_unlock_irqrestore(&v->lock, irq);
	return n;
}

/* Copy what fits into one free transmit buffer and send it: the count
 * taken, 0 when every buffer is in flight. */
static size_t vcon_send(struct consdev *c, const char *buf, size_t len)
{
	struct vcon *v = c->priv;
	unsigned long irq = spin_lock_irqsave(&v->lock);
	size_t n = 0;

	reap(v);
	if (v->ntx_free && len) {
		unsigned i = v->tx_free[--v->ntx_free];
		struct virtq_seg seg;

		n = MIN(len, TX_SIZE);
		memcpy(tx_buf(v, i), buf, n);
		seg.bus = v->txmem.bus + (uint64_t)i * TX_SIZE;
		seg.len = (uint32_t)n;
		if (virtq_add(&v->txq, &seg, 1, 0, tx_buf(v, i))) {
			v->tx_free[v->ntx_free++] = (uint16_t)i;
			n = 0;
		} else {
			virtq_kick(&v->txq);
		}
	}
	spin_unlock_irqrestore(&v->lock, irq);
	return n;
}

static void vcon_output(struct consdev *c, const char *buf, size_t len)
{
	for (size_t n; len; buf += n, len -= n) {
		n = vcon_send(c, buf, len);
		if (!n && !c->ops->flush)
			return;
		if (!n)
			c->ops->flush(c);
	}
}

/* Wait (bounded) until the device returned every transmit buffer. */
static void vcon_flush(struct consdev *c)
{
	struct vcon *v = c->priv;
	uint64_t t0 = time_now_ns();
	bool done = false;

	while (!done && time_now_ns() - t0 < FLUSH_NS) {
		unsigned long irq = spin_lock_irqsave(&v->lock);

		reap(v);
		done = v->ntx_free == TX_BUFS || v->txq.broken;
		spin_unlock_irqrestore(&v->lock, irq);
	}
}

static void vcon_irq(struct virtio_dev *vd, unsigned why)
{
	struct vcon *v = vd->priv;
	unsigned long irq;
	bool got;

	if (!READ_ONCE(v->ready) || !(why & VIRTIO_IRQ_QUEUE))
		return;
	irq = spin_lock_irqsave(&v->lock);
	got = reap(v);
	if (v->multiport)
		ctrl_take(v);
	spin_unlock_irqrestore(&v->lock, irq);
	if (got)
		consdev_input(&v->dev);
}

static const struct consdev_ops vcon_ops = {
	.write = vcon_output,
	.output = vcon_output,
	.read = vcon_read,
	.flush = vcon_flush,
	.send = vcon_send,
};

/* The control queues with their receive buffers posted (MULTIPORT). */
static int ctrl_setup(struct vcon *v)
{
	int err =
	    dma_alloc(2 * CTRL_BUFS * sizeof(struct ctrl_msg), &v->ctrlmem);

	if (!err)
		err = virtio_queue_setup(v->vd, &v->crxq, 2, CTRL_BUFS,
					 CTRL_BUFS);
	if (!err)
		err = virtio_queue_setup(v->vd, &v->ctxq, 3, CTRL_BUFS,
					 CTRL_BUFS);
	for (unsigned i = 0; !err && i < CTRL_BUFS; i++) {
		err = post_ctrl_rx(v, i);
		v->ctx_free[v->nctx_free++] = (uint16_t)(CTRL_BUFS + i);
	}
	return err;
}

/* The data queues (port 1's with MULTIPORT, else port 0's), buffers and
 * interrupt. */
static int data_setup(struct vcon *v)
{
	unsigned q = v->multiport ? 2 + 2 * PORT : 0;
	int err = dma_alloc(RX_BUFS * RX_SIZE, &v->rxmem);

	if (!err)
		err = dma_alloc(TX_BUFS * TX_SIZE, &v->txmem);
	if (!err)
		err = virtio_irq_start(v->vd, vcon_irq);
	if (!err)
		err = virtio_queue_setup(v->vd, &v->rxq, q, RX_BUFS, RX_BUFS);
	if (!err)
		err =
		    virtio_queue_setup(v->vd, &v->txq, q + 1, TX_BUFS, TX_BUFS);
	for (unsigned i = 0; !err && i < RX_BUFS; i++)
		err = post_rx(v, i);
	for (unsigned i = 0; !err && i < TX_BUFS; i++)
		v->tx_free[v->ntx_free++] = (uint16_t)i;
	return err;
}

static int vcon_setup(struct vcon *v)
{
	int err = virtio_negotiate(v->vd, VIRTIO_BIT(CON_F_MULTIPORT));
	unsigned long irq;

	v->multiport = v->vd->features & VIRTIO_BIT(CON_F_MULTIPORT);
	if (!err)
		err = data_setup(v);
	if (!err && v->multiport)
		err = ctrl_setup(v);
	if (err)
		return err;
	virtio_driver_ok(v->vd);
	WRITE_ONCE(v->ready, true);
	irq = spin_lock_irqsave(&v->lock);
	virtq_kick(&v->rxq);
	if (v->multiport) {
		virtq_kick(&v->crxq);
		ctrl_send(v, 0, EV_DEVICE_READY, 1);
	}
	spin_unlock_irqrestore(&v->lock, irq);
	return consdev_register_stdio(&v->dev);
}

int virtio_console_probe(struct virtio_dev *vd)
{
	struct vcon *v = kzalloc(sizeof(*v));
	int err;

	if (!v)
		return -ENOMEM;
	v->vd = vd;
	v->dev.name = "hvc0";
	v->dev.ops = &vcon_ops;
	v->dev.priv = v;
	vd->priv = v;
	err = vcon_setup(v);
	if (err) {
		if (!v->ready)
			vd->ops->set_status(vd, VIRTIO_S_FAILED);
		printk("virtio %s: console: not started (error %d)\n", vd->name,
		       err);
		return err; /* its memory stays: the device may still hold it */
	}
	printk("virtio %s: console port %d for standard streams, %s\n",
	       vd->name, v->multiport ? PORT : 0,
	       vd->vector >= 0 ? "interrupts" : "polled");
	return 0;
}

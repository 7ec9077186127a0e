/*
 * virtio.c - what every virtio 1.x device shares whatever its transport
 * (drivers/virtio): the status handshake and feature negotiation (legacy
 * devices, without VERSION_1, are refused), its interrupt or a polling
 * timer in its place, and handing a found device to its driver by type.
 */
#include <keel/errno.h>
#include <keel/printk.h>
#include <keel/time.h>
#include <keel/timer.h>
#include <keel/heap.h>
#include "virtio.h"

int virtio_negotiate(struct virtio_dev *vd, uint64_t want)
{
	const struct virtio_ops *o = vd->ops;
	uint64_t offered;

	o->set_status(vd, 0);
	o->set_status(vd, VIRTIO_S_ACK);
	o->set_status(vd, VIRTIO_S_ACK | VIRTIO_S_DRIVER);
	offered = o->get_features(vd);
	if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		o->set_status(vd, VIRTIO_S_FAILED);
		printk("virtio %s: a legacy device (no VERSION_1): not "
		       "supported\n",
		       vd->name);
		return -ENODEV;
	}
	vd->features = offered & (want | VIRTIO_BIT(VIRTIO_F_VERSION_1));
	o->set_features(vd, vd->features);
	o->set_status(vd,
		      VIRTIO_S_ACK | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	if (!(o->get_status(vd) & VIRTIO_S_FEATURES_OK)) {
		o->set_status(vd, VIRTIO_S_FAILED);
		printk("virtio %s: the device refused features %lx\n", vd->name,
		       (unsigned long)vd->features);
		return -EIO;
	}
	return 0;
}

int virtio_queue_setup(struct virtio_dev *vd, struct virtq *vq, unsigned index,
		       unsigned max, unsigned min)
{
	unsigned dev_max = vd->ops->queue_max(vd, index), size = max;
	int err;

	while (size > dev_max)
		size >>= 1;
	if (!size || size < min)
		return -ENODEV;
	err = virtq_init(vq, vd, index, size);
	if (!err)
		err = vd->ops->queue_enable(vd, vq);
	return err;
}

void virtio_driver_ok(struct virtio_dev *vd)
{
	vd->ops->set_status(vd, VIRTIO_S_ACK | VIRTIO_S_DRIVER |
				    VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK);
}

/* Without an interrupt: a timer looks at the device every millisecond. */
struct poller {
	struct timer t;
	struct virtio_dev *vd;
};

static void poll_tick(struct timer *t)
{
	struct poller *p = container_of(t, struct poller, t);
	struct virtio_dev *vd = p->vd;

	vd->irq(vd, vd->ops->irq_status ? vd->ops->irq_status(vd)
					: VIRTIO_IRQ_QUEUE | VIRTIO_IRQ_CONFIG);
	timer_arm(t, time_now_ns() + NSEC_PER_MSEC);
}

int virtio_irq_start(struct virtio_dev *vd,
		     void (*fn)(struct virtio_dev *vd, unsigned why))
{
	struct poller *p;
	int v;

	vd->irq = fn;
	v = vd->ops->bind_irq(vd);
	if (v >= 0) {
		vd->vector = v;
		return 0;
	}
	vd->vector = -1;
	p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->vd = vd;
	timer_init(&p->t, poll_tick);
	timer_arm(&p->t, time_now_ns() + NSEC_PER_MSEC);
	printk("virtio %s: no interrupt (error %d): polled every 1 ms\n",
	       vd->name, v);
	return 0;
}

int virtio_device_found(struct virtio_dev *vd)
{
	switch (vd->type) {
	case VIRTIO_ID_NET:
		return virtio_net_probe(vd);
	case VIRTIO_ID_BLK:
		return virtio_blk_probe(vd);
	case VIRTIO_ID_9P:
		return virtio_9p_probe(vd);
	case VIRTIO_ID_CONSOLE:
		return virtio_console_probe(vd);
	default:
		printk("virtio %s: device type %u has no driver; left alone\n",
		       vd->name, vd->type);
		return -ENODEV;
	}
}

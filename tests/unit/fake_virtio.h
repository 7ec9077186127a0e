/*
 * fake_virtio.h - a virtio transport the unit tests of drivers/virtio
 * play (test_virtio, test_virtio_blk): features offered and accepted,
 * the status byte, a device configuration, FAKE_QUEUES queues of qmax
 * entries whose doorbells are counted; the test calls vd.irq itself and
 * writes used entries with device_use. One test file per program
 * includes it (it defines the functions).
 */
#ifndef UNIT_FAKE_VIRTIO_H
#define UNIT_FAKE_VIRTIO_H

#include <string.h>
#include <keel/errno.h>
#include "../../drivers/virtio/virtio.h"

#define FAKE_QUEUES 6 /* virtio-console with MULTIPORT uses 2-5 */

struct fake_transport {
	struct virtio_dev vd;
	uint8_t status;
	uint64_t offered, accepted;
	unsigned qmax;
	struct virtq *q[FAKE_QUEUES];
	unsigned notified[FAKE_QUEUES];
	uint8_t config[32];
};

static struct fake_transport *F(struct virtio_dev *vd)
{
	return vd->transport;
}
static uint64_t f_get_features(struct virtio_dev *vd)
{
	return F(vd)->offered;
}
static void f_set_features(struct virtio_dev *vd, uint64_t f)
{
	F(vd)->accepted = f;
}
static uint8_t f_get_status(struct virtio_dev *vd)
{
	return F(vd)->status;
}
static void f_set_status(struct virtio_dev *vd, uint8_t s)
{
	F(vd)->status = s;
}
static int f_read_config(struct virtio_dev *vd, unsigned off, void *buf,
			 unsigned len)
{
	if (off + len > sizeof(F(vd)->config))
		return -EINVAL;
	memcpy(buf, F(vd)->config + off, len);
	return 0;
}
static unsigned f_queue_max(struct virtio_dev *vd, unsigned i)
{
	return i < FAKE_QUEUES ? F(vd)->qmax : 0;
}
static int f_queue_enable(struct virtio_dev *vd, struct virtq *vq)
{
	F(vd)->q[vq->index] = vq;
	return 0;
}
static void f_notify(struct virtio_dev *vd, struct virtq *vq)
{
	F(vd)->notified[vq->index]++;
}
static int f_bind_irq(struct virtio_dev *vd)
{
	(void)vd;
	return 48; /* the test calls vd->irq itself */
}

static const struct virtio_ops fake_ops = {
	.get_features = f_get_features,
	.set_features = f_set_features,
	.get_status = f_get_status,
	.set_status = f_set_status,
	.read_config = f_read_config,
	.queue_max = f_queue_max,
	.queue_enable = f_queue_enable,
	.notify = f_notify,
	.bind_irq = f_bind_irq,
};

static void fake_transport_init(struct fake_transport *t, unsigned type,
				uint64_t offered, unsigned qmax)
{
	memset(t, 0, sizeof(*t));
	t->vd.ops = &fake_ops;
	t->vd.transport = t;
	t->vd.type = type;
	strcpy(t->vd.name, "fake");
	t->offered = offered;
	t->qmax = qmax;
}

/* The device's side of a queue: a used entry written (id, len) with the
 * index moved by step. */
static void device_use(struct virtq *vq, uint32_t id, uint32_t len,
		       uint16_t step)
{
	uint16_t idx = vq->used[1];
	volatile uint32_t *e =
	    (volatile uint32_t *)(vq->used + 2) + 2 * (idx & (vq->size - 1));

	e[0] = id;
	e[1] = len;
	vq->used[1] = (uint16_t)(idx + step);
}

/* How often needle occurs in hay (a log line said once?). */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

#endif

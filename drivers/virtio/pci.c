/*
 * pci.c - the virtio 1.x PCI transport (drivers/virtio, spec 4.1): the
 * vendor capabilities that place the common configuration, the
 * doorbells, the ISR byte and the device configuration in the BARs, each
 * checked against its BAR before it is mapped; one MSI-X vector for the
 * configuration and every queue, or a polling timer without MSI-X.
 * Transitional devices are driven through their modern interface only.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <drivers/pci.h>
#include <drivers/virtio_probe.h>
#include "virtio.h"

#define VENDOR_VIRTIO 0x1af4

/* cfg_type of a virtio vendor capability */
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4

/* The common configuration structure (4.1.4.3), byte offsets. */
#define C_DFSELECT 0
#define C_DF 4
#define C_GFSELECT 8
#define C_GF 12
#define C_MSIX_CONFIG 16
#define C_NUM_QUEUES 18
#define C_STATUS 20
#define C_Q_SELECT 22
#define C_Q_SIZE 24
#define C_Q_MSIX 26
#define C_Q_ENABLE 28
#define C_Q_NOTIFY_OFF 30
#define C_Q_DESC 32
#define C_Q_DRIVER 40
#define C_Q_DEVICE 48
#define COMMON_LEN 56

#define NO_VECTOR 0xffff

struct vpci {
	struct pci_dev *pci;
	volatile uint8_t *common, *isr, *devcfg, *notify;
	uint32_t devcfg_len, notify_len, notify_mult;
	bool msix;
	struct virtio_dev vd;
};

static struct vpci *vp(struct virtio_dev *vd)
{
	return vd->transport;
}

#define R8(p, o) (*(volatile uint8_t *)((p) + (o)))
#define R16(p, o) (*(volatile uint16_t *)((p) + (o)))
#define R32(p, o) (*(volatile uint32_t *)((p) + (o)))

static uint64_t get_features(struct virtio_dev *vd)
{
	volatile uint8_t *c = vp(vd)->common;
	uint64_t f;

	R32(c, C_DFSELECT) = 0;
	f = R32(c, C_DF);
	R32(c, C_DFSELECT) = 1;
	return f | (uint64_t)R32(c, C_DF) << 32;
}

static void set_features(struct virtio_dev *vd, uint64_t f)
{
	volatile uint8_t *c = vp(vd)->common;

	R32(c, C_GFSELECT) = 0;
	R32(c, C_GF) = (uint32_t)f;
	R32(c, C_GFSELECT) = 1;
	R32(c, C_GF) = (uint32_t)(f >> 32);
}

static uint8_t get_status(struct virtio_dev *vd)
{
	return R8(vp(vd)->common, C_STATUS);
}

static void set_status(struct virtio_dev *vd, uint8_t s)
{
	volatile uint8_t *c = vp(vd)->common;

	R8(c, C_STATUS) = s;
	/* A reset is done when the status reads back 0 (bounded). */
	for (unsigned i = 0; !s && i < 1000000 && R8(c, C_STATUS); i++)
		__asm__ volatile("pause");
}

static int read_config(struct virtio_dev *vd, unsigned off, void *buf,
		       unsigned len)
{
	struct vpci *p = vp(vd);
	uint8_t *out = buf;

	if (!p->devcfg || off > p->devcfg_len || len > p->devcfg_len - off)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++)
		out[i] = R8(p->devcfg, off + i);
	return 0;
}

static unsigned queue_max(struct virtio_dev *vd, unsigned index)
{
	volatile uint8_t *c = vp(vd)->common;

	if (index >= R16(c, C_NUM_QUEUES))
		return 0;
	R16(c, C_Q_SELECT) = (uint16_t)index;
	return R16(c, C_Q_SIZE);
}

static int queue_enable(struct virtio_dev *vd, struct virtq *vq)
{
	struct vpci *p = vp(vd);
	volatile uint8_t *c = p->common;
	uint64_t off;

	R16(c, C_Q_SELECT) = (uint16_t)vq->index;
	off = (uint64_t)R16(c, C_Q_NOTIFY_OFF) * p->notify_mult;
	if (off + 2 > p->notify_len)
		return -EINVAL; /* a doorbell outside its window */
	R16(c, C_Q_SIZE) = (uint16_t)vq->size;
	*(volatile uint64_t *)(c + C_Q_DESC) = vq->desc_bus;
	*(volatile uint64_t *)(c + C_Q_DRIVER) = vq->avail_bus;
	*(volatile uint64_t *)(c + C_Q_DEVICE) = vq->used_bus;
	if (p->msix) {
		R16(c, C_Q_MSIX) = 0;
		if (R16(c, C_Q_MSIX) == NO_VECTOR)
			return -EIO;
	}
	vq->notify = (void *)(p->notify + off);
	R16(c, C_Q_ENABLE) = 1;
	return 0;
}

static void notify(struct virtio_dev *vd, struct virtq *vq)
{
	(void)vd;
	*(volatile uint16_t *)vq->notify = (uint16_t)vq->index;
}

static void msix_irq(void *arg)
{
	struct virtio_dev *vd = arg;

	vd->irq(vd, VIRTIO_IRQ_QUEUE | VIRTIO_IRQ_CONFIG);
}

/* One MSI-X entry for the configuration and all queues. */
static int bind_irq(struct virtio_dev *vd)
{
	struct vpci *p = vp(vd);
	int n = pci_msix_enable(p->pci), v;

	if (n < 1)
		return n < 0 ? n : -ENODEV;
	v = pci_msix_bind(p->pci, 0, msix_irq, vd);
	if (v < 0)
		return v;
	R16(p->common, C_MSIX_CONFIG) = 0;
	if (R16(p->common, C_MSIX_CONFIG) == NO_VECTOR)
		return -EIO;
	p->msix = true;
	return v;
}

/* Polled: reading the ISR byte acknowledges it. */
static unsigned irq_status(struct virtio_dev *vd)
{
	struct vpci *p = vp(vd);

	if (p->msix || !p->isr)
		return VIRTIO_IRQ_QUEUE | VIRTIO_IRQ_CONFIG;
	return R8(p->isr, 0) & 3u;
}

static const struct virtio_ops vpci_ops = {
	.get_features = get_features,
	.set_features = set_features,
	.get_status = get_status,
	.set_status = set_status,
	.read_config = read_config,
	.queue_max = queue_max,
	.queue_enable = queue_enable,
	.notify = notify,
	.bind_irq = bind_irq,
	.irq_status = irq_status,
};

/* Map the region a vendor capability names, checked against its BAR. */
static volatile uint8_t *map_cap(struct pci_dev *d, unsigned cap, uint32_t *len)
{
	uint8_t bar = pci_read8(d, cap + 4);
	uint32_t off = pci_read32(d, cap + 8);

	*len = pci_read32(d, cap + 12);
	return pci_map_bar(d, bar, off, *len);
}

static void find_caps(struct vpci *p)
{
	struct pci_dev *d = p->pci;
	uint32_t len;

	for (unsigned cap = pci_find_cap(d, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(d, PCI_CAP_VENDOR, cap)) {
		uint8_t type = pci_read8(d, cap + 3);
		if (type == CAP_COMMON && !p->common) {
			p->common = map_cap(d, cap, &len);
			if (len < COMMON_LEN)
				p->common = NULL;
		} else if (type == CAP_NOTIFY && !p->notify) {
			p->notify = map_cap(d, cap, &p->notify_len);
			p->notify_mult = pci_read32(d, cap + 16);
		} else if (type == CAP_ISR && !p->isr) {
			p->isr = map_cap(d, cap, &len);
		} else if (type == CAP_DEVICE && !p->devcfg) {
			p->devcfg = map_cap(d, cap, &p->devcfg_len);
		}
	}
}

/* The virtio device type of a PCI function, or 0 if it is none. */
static unsigned virtio_type(const struct pci_dev *d)
{
	if (d->vendor != VENDOR_VIRTIO)
		return 0;
	if (d->device >= 0x1040 && d->device <= 0x107f)
		return d->device - 0x1040u;
	if (d->device >= 0x1000 && d->device <= 0x103f)
		return d->subsys_id; /* transitional: the type is here */
	return 0;
}

static void probe_one(struct pci_dev *d, unsigned type)
{
	struct vpci *p = kzalloc(sizeof(*p));

	if (!p)
		return;
	p->pci = d;
	p->vd.ops = &vpci_ops;
	p->vd.transport = p;
	p->vd.type = type;
	snprintf(p->vd.name, sizeof(p->vd.name), "pci %02x:%02x.%u", d->bus,
		 d->dev, d->fn);
	pci_enable(d);
	find_caps(p);
	if (!p->common || !p->notify || !p->isr) {
		printk("virtio %s: no modern (1.x) capabilities: a legacy "
		       "device, not supported\n",
		       p->vd.name);
		kfree(p);
		return;
	}
	if (virtio_device_found(&p->vd) == 0)
		d->claimed = true;
}

unsigned virtio_pci_probe(void)
{
	unsigned n = 0;

	for (struct pci_dev *d = pci_next(NULL); d; d = pci_next(d)) {
		unsigned type = virtio_type(d);
		if (!type || d->claimed)
			continue;
		probe_one(d, type);
		n += d->claimed;
	}
	return n;
}

/*
 * mmio.c - the virtio-mmio transport (drivers/virtio, spec 4.2), version
 * 2 only (QEMU needs -global virtio-mmio.force-legacy=false; version 1 is
 * the legacy interface and is refused). Transports come from the
 * platform (plat/kvm: the ACPI DSDT on microvm) or from the command line
 * as Linux reads it (virtio_mmio.device=SIZE@BASE:IRQ); the interrupt is
 * a GSI through the IOAPIC, polled without one.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/irq.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <drivers/virtio_probe.h>
#include <arch/mm.h>
#include "virtio.h"

#define MAGIC 0x74726976 /* "virt" */

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_IRQ_STATUS 0x060
#define R_IRQ_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC 0x080
#define R_QUEUE_DRIVER 0x090
#define R_QUEUE_DEVICE 0x0a0
#define R_CONFIG 0x100

struct vmmio {
	volatile uint8_t *regs;
	struct virtio_mmio_res res;
	struct virtio_dev vd;
};

static struct vmmio *vm(struct virtio_dev *vd)
{
	return vd->transport;
}

static uint32_t rd(struct virtio_dev *vd, unsigned off)
{
	return *(volatile uint32_t *)(vm(vd)->regs + off);
}

static void wr(struct virtio_dev *vd, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(vm(vd)->regs + off) = v;
}

static void wr64(struct virtio_dev *vd, unsigned off, uint64_t v)
{
	wr(vd, off, (uint32_t)v);
	wr(vd, off + 4, (uint32_t)(v >> 32));
}

static uint64_t get_features(struct virtio_dev *vd)
{
	uint64_t f;

	wr(vd, R_DEV_FEATURES_SEL, 0);
	f = rd(vd, R_DEV_FEATURES);
	wr(vd, R_DEV_FEATURES_SEL, 1);
	return f | (uint64_t)rd(vd, R_DEV_FEATURES) << 32;
}

static void set_features(struct virtio_dev *vd, uint64_t f)
{
	wr(vd, R_DRV_FEATURES_SEL, 0);
	wr(vd, R_DRV_FEATURES, (uint32_t)f);
	wr(vd, R_DRV_FEATURES_SEL, 1);
	wr(vd, R_DRV_FEATURES, (uint32_t)(f >> 32));
}

static uint8_t get_status(struct virtio_dev *vd)
{
	return (uint8_t)rd(vd, R_STATUS);
}

static void set_status(struct virtio_dev *vd, uint8_t s)
{
	wr(vd, R_STATUS, s);
	for (unsigned i = 0; !s && i < 1000000 && rd(vd, R_STATUS); i++)
		__asm__ volatile("pause");
}

static int read_config(struct virtio_dev *vd, unsigned off, void *buf,
		       unsigned len)
{
	struct vmmio *m = vm(vd);
	uint8_t *out = buf;

	if (off > m->res.size - R_CONFIG || len > m->res.size - R_CONFIG - off)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++)
		out[i] = *(volatile uint8_t *)(m->regs + R_CONFIG + off + i);
	return 0;
}

static unsigned queue_max(struct virtio_dev *vd, unsigned index)
{
	wr(vd, R_QUEUE_SEL, index);
	if (rd(vd, R_QUEUE_READY))
		return 0;
	return rd(vd, R_QUEUE_NUM_MAX);
}

static int queue_enable(struct virtio_dev *vd, struct virtq *vq)
{
	wr(vd, R_QUEUE_SEL, vq->index);
	wr(vd, R_QUEUE_NUM, vq->size);
	wr64(vd, R_QUEUE_DESC, vq->desc_bus);
	wr64(vd, R_QUEUE_DRIVER, vq->avail_bus);
	wr64(vd, R_QUEUE_DEVICE, vq->used_bus);
	vq->notify = (void *)(vm(vd)->regs + R_QUEUE_NOTIFY);
	wr(vd, R_QUEUE_READY, 1);
	return 0;
}

static void notify(struct virtio_dev *vd, struct virtq *vq)
{
	(void)vd;
	*(volatile uint32_t *)vq->notify = vq->index;
}

/* Read and acknowledge why the device interrupted. */
static unsigned irq_status(struct virtio_dev *vd)
{
	uint32_t s = rd(vd, R_IRQ_STATUS) & 3u;

	if (s)
		wr(vd, R_IRQ_ACK, s);
	return s;
}

static void mmio_irq(void *arg)
{
	struct virtio_dev *vd = arg;
	unsigned why = irq_status(vd);

	if (why)
		vd->irq(vd, why);
}

static int bind_irq(struct virtio_dev *vd)
{
	struct virtio_mmio_res *r = &vm(vd)->res;

	return irq_bind_gsi(r->gsi, r->level, r->active_low, mmio_irq, vd);
}

static const struct virtio_ops vmmio_ops = {
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

int virtio_mmio_probe(const struct virtio_mmio_res *res)
{
	volatile uint8_t *regs;
	struct vmmio *m;
	uint32_t version, id;

	if (res->size < R_CONFIG || res->size > 0x10000 ||
	    !(regs = ioremap(res->base, res->size)))
		return -EINVAL;
	if (*(volatile uint32_t *)(regs + R_MAGIC) != MAGIC)
		return -ENODEV;
	version = *(volatile uint32_t *)(regs + R_VERSION);
	id = *(volatile uint32_t *)(regs + R_DEVICE_ID);
	if (!id)
		return -ENODEV; /* an empty slot */
	if (version != 2) {
		printk("virtio mmio %#lx: version %u (legacy): not supported "
		       "(QEMU: -global virtio-mmio.force-legacy=false)\n",
		       (unsigned long)res->base, version);
		return -ENODEV;
	}
	if (!(m = kzalloc(sizeof(*m))))
		return -ENOMEM;
	m->regs = regs;
	m->res = *res;
	m->vd.ops = &vmmio_ops;
	m->vd.transport = m;
	m->vd.type = id;
	snprintf(m->vd.name, sizeof(m->vd.name), "mmio %#lx",
		 (unsigned long)res->base);
	return virtio_device_found(&m->vd);
}

/* A number in C's notation (0x.. or decimal) with an optional K/M. */
static const char *parse_num(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	const char *start;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (start = s;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			break;
		v = v * base + d;
	}
	if (s == start)
		return NULL;
	if (*s == 'K' || *s == 'k')
		v <<= 10, s++;
	else if (*s == 'M' || *s == 'm')
		v <<= 20, s++;
	*out = v;
	return s;
}

/* One SIZE@BASE:IRQ; NULL if malformed. */
static const char *parse_device(const char *s, struct virtio_mmio_res *r)
{
	uint64_t irq;

	if (!(s = parse_num(s, &r->size)) || *s++ != '@' ||
	    !(s = parse_num(s, &r->base)) || *s++ != ':' ||
	    !(s = parse_num(s, &irq)) || irq > 255)
		return NULL;
	r->gsi = (unsigned)irq;
	r->level = false; /* Linux's convention: edge, active high */
	r->active_low = false;
	return s;
}

unsigned virtio_mmio_cmdline(const char *cmdline, struct virtio_mmio_res *out,
			     unsigned max)
{
	static const char key[] = "virtio_mmio.device=";
	unsigned n = 0;

	for (const char *s = cmdline; s && *s && n < max; s++) {
		bool word = s == cmdline || s[-1] == ' ';
		if (word && s[0] == '-' && s[1] == '-' &&
		    (!s[2] || s[2] == ' '))
			break; /* the program's words follow */
		if (!word || strncmp(s, key, sizeof(key) - 1))
			continue;
		const char *end = parse_device(s + sizeof(key) - 1, &out[n]);
		if (end && (*end == ' ' || !*end))
			n++;
		else
			printk("virtio: ignored a malformed %s\n", key);
	}
	return n;
}

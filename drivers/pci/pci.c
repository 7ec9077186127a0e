/*
 * pci.c - the PCI bus (drivers/pci): configuration space through the
 * legacy ports 0xcf8/0xcfc (present on QEMU's pc and q35), a scan of bus
 * 0 and of the buses behind bridges, BAR sizing and mapping into the
 * kernel's I/O window, the capability list, and MSI-X tables. The
 * platform calls pci_scan (plat/kvm); device drivers walk pci_next.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/sync.h>
#include <drivers/pci.h>
#include <arch/mm.h>
#include <arch/x86.h>

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc

#define PCI_VENDOR 0x00
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS 0x08 /* revision, then class in the upper 24 bits */
#define PCI_HEADER 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS 0x2c
#define PCI_CAPS 0x34
#define PCI_IRQ_LINE 0x3c
#define PCI_SECONDARY_BUS 0x19 /* of a bridge (header type 1) */

#define CMD_IO (1u << 0)
#define CMD_MEM (1u << 1)
#define CMD_MASTER (1u << 2)
#define CMD_INTX_OFF (1u << 10)
#define STATUS_CAPS (1u << 4)

#define MSIX_ENABLE (1u << 15)
#define MSIX_MASKALL (1u << 14)
#define MSIX_ENTRY 16 /* bytes: address low, high, data, control */

static struct spinlock cfg_lock;
static struct pci_dev *devices, **devices_tail = &devices;

static uint32_t cfg_addr(const struct pci_dev *d, unsigned off)
{
	return 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->dev << 11 |
	       (uint32_t)d->fn << 8 | (off & 0xfc);
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	unsigned long irq = spin_lock_irqsave(&cfg_lock);
	uint32_t v;

	outl(CFG_ADDR, cfg_addr(d, off));
	v = inl(CFG_DATA);
	spin_unlock_irqrestore(&cfg_lock, irq);
	return v;
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(pci_read32(d, off & ~3u) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)(pci_read32(d, off & ~3u) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	unsigned long irq = spin_lock_irqsave(&cfg_lock);

	outl(CFG_ADDR, cfg_addr(d, off));
	outl(CFG_DATA, v);
	spin_unlock_irqrestore(&cfg_lock, irq);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	unsigned long irq = spin_lock_irqsave(&cfg_lock);

	outl(CFG_ADDR, cfg_addr(d, off));
	outw((uint16_t)(CFG_DATA + (off & 2)), v);
	spin_unlock_irqrestore(&cfg_lock, irq);
}

/* Configuration mechanism #1 answers: the address port keeps its value. */
static bool ports_present(void)
{
	uint32_t old = inl(CFG_ADDR), back;

	outl(CFG_ADDR, 0x80000000u);
	back = inl(CFG_ADDR);
	outl(CFG_ADDR, old);
	return back == 0x80000000u;
}

/*
 * Size BAR i by writing ones with decoding off, then restore it. Returns
 * how many BAR slots it used (2 for a 64-bit one).
 */
static unsigned size_bar(struct pci_dev *d, unsigned i)
{
	unsigned off = PCI_BAR0 + 4 * i;
	uint32_t lo = pci_read32(d, off), hi = 0, mlo, mhi = 0xffffffffu;
	struct pci_bar *b = &d->bar[i];

	b->io = lo & 1;
	b->is64 = !b->io && ((lo >> 1) & 3) == 2 && i + 1 < PCI_BARS;
	if (b->is64)
		hi = pci_read32(d, off + 4);
	pci_write32(d, off, 0xffffffffu);
	mlo = pci_read32(d, off);
	pci_write32(d, off, lo);
	if (b->is64) {
		pci_write32(d, off + 4, 0xffffffffu);
		mhi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, hi);
	}
	if (b->io) {
		mlo = (mlo & ~3u) | 0xffff0000u;
		b->addr = lo & ~3u;
	} else {
		mlo &= ~0xfu;
		b->addr = ((uint64_t)hi << 32) | (lo & ~0xfu);
	}
	uint64_t mask = ((uint64_t)mhi << 32) | mlo;
	b->size = mlo ? ~mask + 1 : 0;
	return b->is64 ? 2 : 1;
}

static void size_bars(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	unsigned n = (d->header_type & 0x7f) == 0 ? 6 : 2;

	pci_write16(d, PCI_COMMAND, cmd & ~(CMD_IO | CMD_MEM));
	for (unsigned i = 0; i < n;)
		i += size_bar(d, i);
	pci_write16(d, PCI_COMMAND, cmd);
}

static void scan_bus(unsigned bus, unsigned depth, unsigned *found);

static void add_function(unsigned bus, unsigned dev, unsigned fn,
			 unsigned depth, unsigned *found)
{
	struct pci_dev probe = { .bus = bus, .dev = dev, .fn = fn };
	struct pci_dev *d;
	uint32_t id = pci_read32(&probe, PCI_VENDOR);

	if ((id & 0xffff) == 0xffff || !(d = kzalloc(sizeof(*d))))
		return;
	*d = probe;
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	d->class = pci_read32(d, PCI_CLASS) >> 8;
	d->header_type = pci_read8(d, PCI_HEADER);
	if ((d->header_type & 0x7f) == 0) {
		uint32_t ss = pci_read32(d, PCI_SUBSYS);
		d->subsys_vendor = (uint16_t)ss;
		d->subsys_id = (uint16_t)(ss >> 16);
	}
	d->irq_line = pci_read8(d, PCI_IRQ_LINE);
	d->irq_pin = pci_read8(d, PCI_IRQ_LINE + 1);
	size_bars(d);
	*devices_tail = d;
	devices_tail = &d->next;
	(*found)++;
	/* A bridge the firmware numbered: the bus behind it (bounded). */
	if ((d->header_type & 0x7f) == 1 && depth < 8) {
		unsigned sec = pci_read8(d, PCI_SECONDARY_BUS);
		if (sec > bus)
			scan_bus(sec, depth + 1, found);
	}
}

static void scan_bus(unsigned bus, unsigned depth, unsigned *found)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		struct pci_dev f0 = { .bus = bus, .dev = dev };

		if ((pci_read32(&f0, PCI_VENDOR) & 0xffff) == 0xffff)
			continue;
		unsigned nfn = pci_read8(&f0, PCI_HEADER) & 0x80 ? 8 : 1;
		for (unsigned fn = 0; fn < nfn; fn++)
			add_function(bus, dev, fn, depth, found);
	}
}

int pci_scan(unsigned *found)
{
	*found = 0;
	if (!ports_present()) {
		printk("pci: no configuration ports (no PCI bus here)\n");
		return -ENODEV;
	}
	scan_bus(0, 0, found);
	printk("pci: %u function%s (config ports 0xcf8)\n", *found,
	       *found == 1 ? "" : "s");
	return 0;
}

struct pci_dev *pci_next(const struct pci_dev *prev)
{
	return prev ? prev->next : devices;
}

void pci_enable(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, cmd | CMD_MEM | CMD_MASTER);
}

void *pci_map_bar(struct pci_dev *d, unsigned bar, uint64_t off, uint64_t len)
{
	struct pci_bar *b;

	if (bar >= PCI_BARS)
		return NULL;
	b = &d->bar[bar];
	if (!b->size || b->io || !b->addr || off > b->size ||
	    len > b->size - off)
		return NULL;
	if (!b->va)
		b->va = ioremap(b->addr, b->size);
	return b->va ? (uint8_t *)b->va + off : NULL;
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned start)
{
	unsigned off, guard = 48; /* 192 bytes of list hold at most 48 */

	if (!(pci_read16(d, PCI_STATUS) & STATUS_CAPS))
		return 0;
	off = start ? pci_read8(d, start + 1) : pci_read8(d, PCI_CAPS);
	while ((off &= 0xfc) >= 0x40 && guard--) {
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

int pci_msix_enable(struct pci_dev *d)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX, 0);
	uint16_t ctl;
	uint32_t where;

	if (!cap)
		return -ENODEV;
	ctl = pci_read16(d, cap + 2);
	where = pci_read32(d, cap + 4);
	d->msix_size = (ctl & 0x7ffu) + 1;
	d->msix_table = pci_map_bar(d, where & 7, where & ~7u,
				    (uint64_t)d->msix_size * MSIX_ENTRY);
	if (!d->msix_table)
		return -EINVAL;
	d->msix_cap = (uint8_t)cap;
	/* Masked as a whole while entries are masked one by one. */
	pci_write16(d, cap + 2, ctl | MSIX_ENABLE | MSIX_MASKALL);
	for (unsigned i = 0; i < d->msix_size; i++)
		d->msix_table[i * 4 + 3] = 1;
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | CMD_INTX_OFF);
	pci_write16(d, cap + 2, (ctl | MSIX_ENABLE) & ~MSIX_MASKALL);
	return (int)d->msix_size;
}

int pci_msix_bind(struct pci_dev *d, unsigned entry, irq_fn_t fn, void *arg)
{
	struct irq_msi_msg msg;
	volatile uint32_t *e;
	int v;

	if (!d->msix_table || entry >= d->msix_size)
		return -EINVAL;
	v = irq_alloc_msi(fn, arg, &msg);
	if (v < 0)
		return v;
	e = d->msix_table + entry * 4;
	e[0] = (uint32_t)msg.address;
	e[1] = (uint32_t)(msg.address >> 32);
	e[2] = msg.data;
	e[3] = 0; /* unmasked */
	return v;
}

/*
 * acpi.c - the ACPI tables the KVM platform reads (plat/kvm): the MADT's
 * IOAPICs and interrupt source overrides, handed to arch/x86_64/ioapic.c
 * so drivers can bind interrupts; and power off for machines without
 * isa-debug-exit: the \_S5 sleep type found by a scan of the DSDT's AML
 * for the _S5_ package, written to PM1a control (pc, q35) or the sleep
 * control register (hardware-reduced ACPI, microvm); the virtio-mmio
 * devices the DSDT lists (microvm). Reads firmware
 * tables only through bounded mappings.
 */
#include <keel/errno.h>
#include <keel/string.h>
#include <plat/kvm.h>
#include <plat/platform.h>
#include <keel/printk.h>
#include <drivers/virtio_probe.h>
#include <arch/irq.h>
#include <arch/mm.h>
#include <arch/x86.h>

struct sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t rev, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __packed;

#define TABLE_MAX (1u << 20)

/* Map a whole table given its physical address; NULL if implausible. */
static const struct sdt_header *map_table(uint64_t pa)
{
	const struct sdt_header *h = ioremap_cached(pa, sizeof(*h));

	if (!h || h->length < sizeof(*h) || h->length > TABLE_MAX)
		return NULL;
	return ioremap_cached(pa, h->length);
}

static uint64_t find_rsdp(void)
{
	if (boot_info.rsdp)
		return boot_info.rsdp;
	const char *bios = ioremap_cached(0xe0000, 0x20000);
	for (unsigned off = 0; bios && off < 0x20000; off += 16)
		if (memcmp(bios + off, "RSD PTR ", 8) == 0)
			return 0xe0000 + off;
	return 0;
}

/* The table with this signature, through the XSDT or RSDT; NULL if none. */
static const struct sdt_header *find_table(const char *sig)
{
	uint64_t rsdp_pa = find_rsdp();
	const uint8_t *rsdp;
	const struct sdt_header *root;
	bool xsdt;

	if (!rsdp_pa || !(rsdp = ioremap_cached(rsdp_pa, 36)))
		return NULL;
	xsdt = rsdp[15] >= 2 && *(const uint64_t *)(rsdp + 24);
	root = map_table(xsdt ? *(const uint64_t *)(rsdp + 24)
			      : *(const uint32_t *)(rsdp + 16));
	if (!root)
		return NULL;
	unsigned esize = xsdt ? 8 : 4;
	unsigned n = (root->length - sizeof(*root)) / esize;
	const uint8_t *ents = (const uint8_t *)(root + 1);
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa = xsdt ? *(const uint64_t *)(ents + i * 8)
				   : *(const uint32_t *)(ents + i * 4);
		const struct sdt_header *t = map_table(pa);
		if (t && memcmp(t->sig, sig, 4) == 0)
			return t;
	}
	return NULL;
}

/* SLP_TYPa of \_S5: "_S5_" PackageOp PkgLength NumElements value... */
static int s5_sleep_type(const struct sdt_header *dsdt)
{
	const uint8_t *p = (const uint8_t *)dsdt;

	for (uint32_t i = sizeof(*dsdt); i + 10 < dsdt->length; i++) {
		if (memcmp(p + i, "_S5_", 4) || p[i + 4] != 0x12)
			continue;
		const uint8_t *q = p + i + 5;
		q += 1 + (*q >> 6); /* PkgLength: lead byte + 0..3 more */
		q++; /* NumElements */
		if (*q == 0x0a) /* BytePrefix */
			return q[1];
		if (*q == 0x00 || *q == 0x01) /* ZeroOp, OneOp */
			return *q;
		return -1;
	}
	return -1;
}

/* The DSDT the FADT names (its 64-bit address when set), or NULL. */
static const struct sdt_header *find_dsdt(const struct sdt_header *fadt)
{
	const uint8_t *f = (const uint8_t *)fadt;

	if (!fadt || fadt->length < 116)
		return NULL;
	uint64_t dsdt_pa = *(const uint32_t *)(f + 40);
	if (fadt->length >= 148 && *(const uint64_t *)(f + 140))
		dsdt_pa = *(const uint64_t *)(f + 140);
	return map_table(dsdt_pa);
}

void acpi_poweroff(void)
{
	const struct sdt_header *fadt = find_table("FACP");
	const uint8_t *f = (const uint8_t *)fadt;
	const struct sdt_header *dsdt = find_dsdt(fadt);
	int typ;

	if (!dsdt || (typ = s5_sleep_type(dsdt)) < 0)
		return;
	uint32_t flags = *(const uint32_t *)(f + 112);
	if ((flags & (1u << 20)) && fadt->length >= 256) {
		/* Hardware-reduced: SLEEP_CONTROL_REG, a generic address. */
		const uint8_t *gas = f + 244;
		uint64_t addr = *(const uint64_t *)(gas + 4);
		uint8_t v = (uint8_t)((typ & 7) << 2) | (1u << 5);
		if (gas[0] == 1)
			outb((uint16_t)addr, v);
		else if (gas[0] == 0 && addr)
			*(volatile uint8_t *)ioremap(addr, 1) = v;
		return;
	}
	uint32_t pm1a = *(const uint32_t *)(f + 64);
	if (pm1a)
		outw((uint16_t)pm1a, (uint16_t)((typ << 10) | (1u << 13)));
}

/* MADT entries (ACPI 6, 5.2.12): a type and length byte, then fields. */
#define MADT_IOAPIC 1
#define MADT_ISO 2

static void madt_entry(const uint8_t *e, unsigned *nio, unsigned *niso)
{
	if (e[0] == MADT_IOAPIC && e[1] >= 12) {
		uint32_t pa = *(const uint32_t *)(e + 4);
		uint32_t gsi_base = *(const uint32_t *)(e + 8);
		if (!ioapic_add(e[2], pa, gsi_base))
			(*nio)++;
	} else if (e[0] == MADT_ISO && e[1] >= 10 && e[2] == 0) {
		ioapic_isa_override(e[3], *(const uint32_t *)(e + 4),
				    *(const uint16_t *)(e + 8));
		(*niso)++;
	}
}

/*
 * Register the IOAPICs and ISA overrides the MADT lists. Returns the
 * number of IOAPICs; -ENODEV without ACPI or a MADT. One line says which.
 */
int acpi_irq_init(void)
{
	const struct sdt_header *madt = find_table("APIC");
	const uint8_t *p = (const uint8_t *)madt;
	unsigned nio = 0, niso = 0;

	if (!madt) {
		printk("ioapic: none (%s)\n",
		       find_rsdp() ? "no ACPI MADT" : "no ACPI tables");
		return -ENODEV;
	}
	/* Header, local APIC address, flags; then the entries. */
	for (uint32_t off = sizeof(*madt) + 8; off + 2 <= madt->length;) {
		if (p[off + 1] < 2 || off + p[off + 1] > madt->length)
			break;
		madt_entry(p + off, &nio, &niso);
		off += p[off + 1];
	}
	printk("ioapic: %u in the ACPI MADT, %u ISA override%s\n", nio, niso,
	       niso == 1 ? "" : "s");
	return nio ? (int)nio : -ENODEV;
}

/*
 * The resources of a virtio-mmio device (_HID "LNRO0005", as QEMU's
 * microvm lists them) that start near offset i of the DSDT: a
 * Memory32Fixed descriptor, then an extended Interrupt descriptor.
 */
static bool mmio_resources(const uint8_t *p, uint32_t i, uint32_t end,
			   struct virtio_mmio_res *r)
{
	for (uint32_t j = i; j < i + 96 && j + 21 <= end; j++) {
		if (p[j] != 0x86 || p[j + 1] != 9 || p[j + 2] != 0)
			continue;
		const uint8_t *irq = p + j + 12;
		if (irq[0] != 0x89 || irq[4] < 1)
			return false;
		r->base = *(const uint32_t *)(p + j + 4);
		r->size = *(const uint32_t *)(p + j + 8);
		r->level = !(irq[3] & 2);
		r->active_low = irq[3] & 4;
		r->gsi = *(const uint32_t *)(irq + 5);
		return true;
	}
	return false;
}

unsigned acpi_virtio_mmio(struct virtio_mmio_res *out, unsigned max)
{
	const struct sdt_header *dsdt = find_dsdt(find_table("FACP"));
	const uint8_t *p = (const uint8_t *)dsdt;
	unsigned n = 0;

	for (uint32_t i = sizeof(*dsdt);
	     dsdt && i + 8 < dsdt->length && n < max; i++)
		if (memcmp(p + i, "LNRO0005", 8) == 0 &&
		    mmio_resources(p, i + 8, dsdt->length, &out[n]))
			n++;
	return n;
}

/*
 * acpi.c - what the KVM platform does with the ACPI tables (plat/kvm),
 * which acpi_tables.c reads: the MADT's IOAPICs and interrupt source
 * overrides, handed to arch/x86_64/ioapic.c so drivers can bind
 * interrupts; power off for machines without isa-debug-exit (\_S5's
 * sleep type written to PM1a control, or the sleep control register of
 * hardware-reduced ACPI); the virtio-mmio devices the DSDT lists
 * (microvm). Firmware memory is reached only through bounded mappings.
 */
#include <keel/errno.h>
#include <keel/string.h>
#include <plat/acpi.h>
#include <plat/kvm.h>
#include <plat/platform.h>
#include <keel/printk.h>
#include <drivers/virtio_probe.h>
#include <arch/irq.h>
#include <arch/mm.h>
#include <arch/x86.h>

static const void *acpi_map(uint64_t pa, size_t len)
{
	return ioremap_cached(pa, len);
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

static const struct acpi_sdt *find_table(const char *sig)
{
	uint64_t rsdp = find_rsdp();

	return rsdp ? acpi_find_table(acpi_map, rsdp, sig) : NULL;
}

void acpi_poweroff(void)
{
	const struct acpi_sdt *fadt = find_table("FACP");
	struct acpi_sleep s;

	if (acpi_sleep_regs(fadt, acpi_find_dsdt(acpi_map, fadt), &s))
		return;
	if (s.reduced) {
		uint8_t v = (uint8_t)((s.typ & 7) << 2) | (1u << 5);
		if (s.space == 1)
			outb((uint16_t)s.addr, v);
		else
			*(volatile uint8_t *)ioremap(s.addr, 1) = v;
		return;
	}
	outw((uint16_t)s.addr, (uint16_t)((s.typ << 10) | (1u << 13)));
}

struct madt_count {
	unsigned nio, niso;
};

static void madt_ioapic(uint8_t id, uint32_t pa, uint32_t gsi_base, void *arg)
{
	struct madt_count *c = arg;

	if (!ioapic_add(id, pa, gsi_base))
		c->nio++;
}

static void madt_iso(uint8_t irq, uint32_t gsi, uint16_t flags, void *arg)
{
	struct madt_count *c = arg;

	ioapic_isa_override(irq, gsi, flags);
	c->niso++;
}

/*
 * Register the IOAPICs and ISA overrides the MADT lists. Returns the
 * number of IOAPICs; -ENODEV without ACPI or a MADT. One line says which.
 */
int acpi_irq_init(void)
{
	static const struct acpi_madt_ops ops = { madt_ioapic, madt_iso };
	const struct acpi_sdt *madt = find_table("APIC");
	struct madt_count c = { 0, 0 };

	if (!madt) {
		printk("ioapic: none (%s)\n",
		       find_rsdp() ? "no ACPI MADT" : "no ACPI tables");
		return -ENODEV;
	}
	acpi_madt_walk(madt, &ops, &c);
	printk("ioapic: %u in the ACPI MADT, %u ISA override%s\n", c.nio,
	       c.niso, c.niso == 1 ? "" : "s");
	return c.nio ? (int)c.nio : -ENODEV;
}

unsigned acpi_virtio_mmio(struct virtio_mmio_res *out, unsigned max)
{
	const struct acpi_sdt *fadt = find_table("FACP");

	return acpi_dsdt_virtio_mmio(acpi_find_dsdt(acpi_map, fadt), out, max);
}

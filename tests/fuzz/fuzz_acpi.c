/*
 * fuzz_acpi.c - libFuzzer target for plat/kvm/acpi_tables.c, the ACPI
 * tables keel reads, as hostile firmware could lay them out: the input is
 * physical memory from address 0, the RSDP at 0; nothing beyond the
 * input can be read (each map is a private copy, so ASan sees every byte
 * read past a table). The MADT is walked, the FADT's DSDT searched for
 * \_S5 and virtio-mmio devices; what comes out is checked against what
 * acpi.c relies on. make fuzz; tests/fuzz/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/errno.h>
#include <hosted.h>
#include <plat/acpi.h>
#include <drivers/virtio_probe.h>

#include "fuzz_hosted.h"

static unsigned nio, niso;

static void on_ioapic(uint8_t id, uint32_t pa, uint32_t gsi, void *arg)
{
	(void)id, (void)pa, (void)gsi, (void)arg;
	nio++;
}

static void on_iso(uint8_t irq, uint32_t gsi, uint16_t flags, void *arg)
{
	(void)irq, (void)gsi, (void)flags, (void)arg;
	niso++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct acpi_madt_ops ops = { on_ioapic, on_iso };
	const struct acpi_sdt *madt, *fadt, *dsdt;
	struct virtio_mmio_res res[8];
	struct acpi_sleep s;

	fuzz_mem_set(data, size);
	hosted_console_clear();
	if ((madt = acpi_find_table(fuzz_map, 0, "APIC")))
		acpi_madt_walk(madt, &ops, NULL);
	fadt = acpi_find_table(fuzz_map, 0, "FACP");
	dsdt = acpi_find_dsdt(fuzz_map, fadt);
	if (!acpi_sleep_regs(fadt, dsdt, &s) &&
	    (s.space > 1 || !s.addr || (s.space == 1 && s.addr > 0xffff)))
		abort();
	unsigned nmmio = acpi_dsdt_virtio_mmio(dsdt, res, 8);
	if (nmmio > 8)
		abort();
	if (getenv(
		"FUZZ_SHOW")) /* what a seed gives: FUZZ_SHOW=1 fuzz_acpi F */
		fprintf(stderr,
			"madt %d: %u ioapics, %u overrides; dsdt %d; "
			"sleep %d type %u; %u virtio-mmio\n%s",
			!!madt, nio, niso, !!dsdt,
			acpi_sleep_regs(fadt, dsdt, &s), s.typ, nmmio,
			hosted_console_text());
	nio = niso = 0;
	return 0;
}

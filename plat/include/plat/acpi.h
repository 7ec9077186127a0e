/*
 * plat/acpi.h - the ACPI tables as plat/kvm reads them (plat/kvm/
 * acpi_tables.c): pure readers that reach firmware memory only through
 * the caller's map(), so the hosted fuzzer (tests/fuzz/fuzz_acpi.c) runs
 * them as the boot does. What they cannot use they refuse, with a line.
 */
#ifndef PLAT_ACPI_H
#define PLAT_ACPI_H

#include <keel/compiler.h>

struct virtio_mmio_res;

/* [pa, pa + len) readable, or NULL. */
typedef const void *(*acpi_map_fn)(uint64_t pa, size_t len);

struct acpi_sdt {
	char sig[4];
	uint32_t length;
	uint8_t rev, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __packed;

/* The table with signature sig (4 chars) the RSDP at rsdp_pa leads to. */
const struct acpi_sdt *acpi_find_table(acpi_map_fn map, uint64_t rsdp_pa,
				       const char *sig);
/* The DSDT the FADT names (its 64-bit address when set), or NULL. */
const struct acpi_sdt *acpi_find_dsdt(acpi_map_fn map,
				      const struct acpi_sdt *fadt);

/* How to power off: SLP_TYPa of \_S5 written where the FADT says. */
struct acpi_sleep {
	uint8_t typ; /* SLP_TYPa */
	bool reduced; /* hardware-reduced: sleep control register */
	uint8_t space; /* its address space: 0 memory, 1 I/O */
	uint64_t addr; /* that register, or PM1a control (I/O) */
};
int acpi_sleep_regs(const struct acpi_sdt *fadt, const struct acpi_sdt *dsdt,
		    struct acpi_sleep *out);

/* The MADT's entries we use: IOAPICs and ISA interrupt overrides. */
struct acpi_madt_ops {
	void (*ioapic)(uint8_t id, uint32_t pa, uint32_t gsi_base, void *arg);
	void (*iso)(uint8_t irq, uint32_t gsi, uint16_t flags, void *arg);
};
void acpi_madt_walk(const struct acpi_sdt *madt,
		    const struct acpi_madt_ops *ops, void *arg);

/* The virtio-mmio devices (_HID LNRO0005) the DSDT lists, up to max. */
unsigned acpi_dsdt_virtio_mmio(const struct acpi_sdt *dsdt,
			       struct virtio_mmio_res *out, unsigned max);

#endif

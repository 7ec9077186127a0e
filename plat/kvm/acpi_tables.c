/*
 * acpi_tables.c - reads the ACPI tables plat/kvm uses (plat/): the RSDP,
 * the XSDT or RSDT, the MADT's IOAPICs and overrides, the FADT and the
 * DSDT's \_S5 package and virtio-mmio devices. Pure: memory only through
 * the caller's map() (plat/acpi.h), fields read unaligned and within
 * each table's length, which is itself checked against what was mapped.
 * acpi.c applies what these find.
 */
#include <keel/errno.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <plat/acpi.h>
#include <drivers/virtio_probe.h>

#define TABLE_MAX (1u << 20)
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

static uint16_t get16(const void *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Map a whole table given its physical address; NULL if implausible. */
static const struct acpi_sdt *map_table(acpi_map_fn map, uint64_t pa)
{
	const struct acpi_sdt *h = map(pa, sizeof(*h));
	uint32_t len;

	if (!h)
		return NULL;
	len = get32(&h->length);
	if (len < sizeof(*h) || len > TABLE_MAX) {
		printk("acpi: table %.4s at %#lx of %u bytes refused\n", h->sig,
		       (unsigned long)pa, len);
		return NULL;
	}
	return map(pa, len);
}

/* The XSDT (ACPI 2+) or RSDT the RSDP names, and its entry size. */
static const struct acpi_sdt *root_table(acpi_map_fn map, uint64_t rsdp_pa,
					 unsigned *esize)
{
	const uint8_t *rsdp = map(rsdp_pa, RSDP_V1_LEN);
	const struct acpi_sdt *root;
	uint64_t xsdt = 0;

	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8)) {
		printk("acpi: no RSDP at %#lx\n", (unsigned long)rsdp_pa);
		return NULL;
	}
	if (rsdp[15] >= 2 && (rsdp = map(rsdp_pa, RSDP_V2_LEN)))
		xsdt = get64(rsdp + 24);
	if (!rsdp)
		return NULL;
	*esize = xsdt ? 8 : 4;
	root = map_table(map, xsdt ? xsdt : get32(rsdp + 16));
	if (root && memcmp(root->sig, xsdt ? "XSDT" : "RSDT", 4)) {
		printk("acpi: root table is %.4s, not %s: refused\n", root->sig,
		       xsdt ? "XSDT" : "RSDT");
		return NULL;
	}
	return root;
}

const struct acpi_sdt *acpi_find_table(acpi_map_fn map, uint64_t rsdp_pa,
				       const char *sig)
{
	unsigned esize;
	const struct acpi_sdt *root = root_table(map, rsdp_pa, &esize);

	if (!root)
		return NULL;
	uint32_t n = (get32(&root->length) - sizeof(*root)) / esize;
	const uint8_t *ents = (const uint8_t *)(root + 1);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pa =
		    esize == 8 ? get64(ents + i * 8) : get32(ents + i * 4);
		const struct acpi_sdt *t = map_table(map, pa);
		if (t && memcmp(t->sig, sig, 4) == 0)
			return t;
	}
	return NULL;
}

/* FADT fields (ACPI 6, 5.2.9): offsets and the lengths that hold them. */
#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_FLAGS 112
#define FADT_MIN 116
#define FADT_X_DSDT 140
#define FADT_X_DSDT_END 148
#define FADT_SLEEP_CONTROL 244
#define FADT_SLEEP_CONTROL_END 256
#define FADT_HW_REDUCED (1u << 20)

const struct acpi_sdt *acpi_find_dsdt(acpi_map_fn map,
				      const struct acpi_sdt *fadt)
{
	const uint8_t *f = (const uint8_t *)fadt;
	uint32_t len;
	uint64_t dsdt_pa;

	if (!fadt)
		return NULL;
	len = get32(&fadt->length);
	if (len < FADT_MIN) {
		printk("acpi: FADT of %u bytes refused\n", len);
		return NULL;
	}
	dsdt_pa = get32(f + FADT_DSDT);
	if (len >= FADT_X_DSDT_END && get64(f + FADT_X_DSDT))
		dsdt_pa = get64(f + FADT_X_DSDT);
	return map_table(map, dsdt_pa);
}

/* SLP_TYPa of \_S5: "_S5_" PackageOp PkgLength NumElements value... */
static int s5_sleep_type(const struct acpi_sdt *dsdt)
{
	const uint8_t *p = (const uint8_t *)dsdt;
	uint32_t len = get32(&dsdt->length);

	for (uint32_t i = sizeof(*dsdt); i + 5 < len; i++) {
		if (memcmp(p + i, "_S5_", 4) || p[i + 4] != 0x12)
			continue;
		uint32_t q = i + 5;
		q += 1 + (p[q] >> 6); /* PkgLength: lead byte + 0..3 more */
		q++; /* NumElements */
		if (q < len && (p[q] == 0x00 || p[q] == 0x01)) /* Zero, One */
			return p[q];
		if (q + 1 < len && p[q] == 0x0a) /* BytePrefix */
			return p[q + 1];
		break;
	}
	printk("acpi: no usable \\_S5 package in the DSDT\n");
	return -ENOENT;
}

int acpi_sleep_regs(const struct acpi_sdt *fadt, const struct acpi_sdt *dsdt,
		    struct acpi_sleep *out)
{
	const uint8_t *f = (const uint8_t *)fadt;
	int typ;

	/* acpi_find_dsdt gave dsdt only for a FADT of FADT_MIN or more. */
	if (!fadt || !dsdt || (typ = s5_sleep_type(dsdt)) < 0)
		return -ENOENT;
	*out = (struct acpi_sleep){ .typ = (uint8_t)typ };
	if ((get32(f + FADT_FLAGS) & FADT_HW_REDUCED) &&
	    get32(&fadt->length) >= FADT_SLEEP_CONTROL_END) {
		const uint8_t *gas = f + FADT_SLEEP_CONTROL;
		out->reduced = true;
		out->space = gas[0];
		out->addr = get64(gas + 4);
	} else {
		out->space = 1;
		out->addr = get32(f + FADT_PM1A_CNT);
	}
	if (out->space > 1 || !out->addr ||
	    (out->space == 1 && out->addr > 0xffff)) {
		printk("acpi: sleep register %#lx in space %u refused\n",
		       (unsigned long)out->addr, out->space);
		return -EINVAL;
	}
	return 0;
}

/* MADT entries (ACPI 6, 5.2.12): a type and length byte, then fields. */
#define MADT_IOAPIC 1
#define MADT_ISO 2
#define MADT_ENTRIES 44 /* header, local APIC address, flags */

void acpi_madt_walk(const struct acpi_sdt *madt,
		    const struct acpi_madt_ops *ops, void *arg)
{
	const uint8_t *p = (const uint8_t *)madt;
	uint32_t len = get32(&madt->length);

	for (uint32_t off = MADT_ENTRIES; off + 2 <= len;) {
		const uint8_t *e = p + off;
		if (e[1] < 2 || e[1] > len - off) {
			printk("acpi: MADT entry at %u of length %u refused\n",
			       off, e[1]);
			return;
		}
		if (e[0] == MADT_IOAPIC && e[1] >= 12)
			ops->ioapic(e[2], get32(e + 4), get32(e + 8), arg);
		else if (e[0] == MADT_ISO && e[1] >= 10 && e[2] == 0)
			ops->iso(e[3], get32(e + 4), get16(e + 8), arg);
		off += e[1];
	}
}

/*
 * The resources of a virtio-mmio device that start near offset i of the
 * DSDT: a Memory32Fixed descriptor, then an extended Interrupt one.
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
		r->base = get32(p + j + 4);
		r->size = get32(p + j + 8);
		r->level = !(irq[3] & 2);
		r->active_low = irq[3] & 4;
		r->gsi = get32(irq + 5);
		return true;
	}
	return false;
}

unsigned acpi_dsdt_virtio_mmio(const struct acpi_sdt *dsdt,
			       struct virtio_mmio_res *out, unsigned max)
{
	const uint8_t *p = (const uint8_t *)dsdt;
	uint32_t len = dsdt ? get32(&dsdt->length) : 0;
	unsigned n = 0;

	for (uint32_t i = sizeof(*dsdt); i + 8 < len && n < max; i++)
		if (memcmp(p + i, "LNRO0005", 8) == 0 &&
		    mmio_resources(p, i + 8, len, &out[n]))
			n++;
	return n;
}

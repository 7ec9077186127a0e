/*
 * pvh_info.c - reads struct hvm_start_info, the PVH boot information of
 * Xen and QEMU, into struct boot_info (plat/). Pure: memory is reached
 * only through the caller's map(), which says what physical memory can be
 * read, so the hosted fuzzer (tests/fuzz/fuzz_pvh.c) runs it as the boot
 * does. Every value it cannot use is refused and counted for one line.
 */
#include <keel/errno.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <plat/platform.h>
#include <xen/arch-x86/hvm/start_info.h>

/* Physical addresses x86-64 can have (52 bits). */
#define PA_LIMIT (1ULL << 52)
/* Entries of the memory map read at most (Linux keeps 128 + 3 a node). */
#define MEMMAP_MAX 4096

static void refuse(struct boot_info *bi, const char *why)
{
	if (!bi->nrefused++)
		bi->refused = why;
}

/* [base, base + size) is a plausible physical range. */
static bool range_ok(uint64_t base, uint64_t size)
{
	return size && base < PA_LIMIT && size <= PA_LIMIT - base;
}

/* Copy the NUL-terminated string at pa, byte by byte as map() allows. */
static void read_cmdline(struct boot_info *bi, pvh_map_fn map, uint64_t pa)
{
	size_t i;

	for (i = 0; i + 1 < sizeof(bi->cmdline); i++) {
		const char *c = map(pa + i, 1);
		if (!c) {
			refuse(bi, "command line beyond memory");
			break;
		}
		if (!*c)
			break;
		bi->cmdline[i] = *c;
	}
	if (i + 1 == sizeof(bi->cmdline))
		refuse(bi, "command line longer than 4095 bytes: cut");
	bi->cmdline[i] = '\0';
}

static void read_modules(struct boot_info *bi, pvh_map_fn map, uint64_t pa,
			 uint32_t n)
{
	const struct hvm_modlist_entry *m;

	if (n > BOOT_MAX_MODULES) {
		refuse(bi, "more than 8 modules");
		n = BOOT_MAX_MODULES;
	}
	if (!n)
		return;
	if (!(m = map(pa, n * sizeof(*m)))) {
		refuse(bi, "module list beyond memory");
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct hvm_modlist_entry e;
		memcpy(&e, &m[i], sizeof(e));
		if (!range_ok(e.paddr, e.size)) {
			refuse(bi, "module outside physical memory");
			continue;
		}
		bi->modules[bi->nmodules].base = e.paddr;
		bi->modules[bi->nmodules++].size = e.size;
	}
}

/* Does [base, base + size) overlap a RAM region already taken? */
static bool overlaps(const struct boot_info *bi, uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < bi->nram; i++)
		if (base < bi->ram[i].base + bi->ram[i].size &&
		    bi->ram[i].base < base + size)
			return true;
	return false;
}

static void read_memmap(struct boot_info *bi, pvh_map_fn map, uint64_t pa,
			uint32_t n)
{
	const struct hvm_memmap_table_entry *t;

	if (n > MEMMAP_MAX) {
		refuse(bi, "memory map of more than 4096 entries: cut");
		n = MEMMAP_MAX;
	}
	if (!(t = map(pa, (size_t)n * sizeof(*t)))) {
		refuse(bi, "memory map beyond memory");
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct hvm_memmap_table_entry e;
		memcpy(&e, &t[i], sizeof(e));
		if (e.type != XEN_HVM_MEMMAP_TYPE_RAM)
			continue;
		if (!range_ok(e.addr, e.size))
			refuse(bi, "RAM region outside physical memory");
		else if (overlaps(bi, e.addr, e.size))
			refuse(bi, "RAM regions overlap");
		else if (bi->nram == BOOT_MAX_REGIONS)
			refuse(bi, "more than 64 RAM regions");
		else
			bi->ram[bi->nram++] =
			    (struct hyper_mem_region){ e.addr, e.size };
	}
}

int pvh_read_start_info(struct boot_info *bi, pvh_map_fn map, uint64_t pa)
{
	const struct hvm_start_info *si =
	    map(pa, offsetof(struct hvm_start_info, memmap_paddr));
	struct hvm_start_info s = { 0 };

	memset(bi, 0, sizeof(*bi));
	if (!si) {
		refuse(bi, "start info beyond memory");
		return -EINVAL;
	}
	memcpy(&s, si, offsetof(struct hvm_start_info, memmap_paddr));
	if (s.magic != XEN_HVM_START_MAGIC_VALUE) {
		refuse(bi, "start info without its magic");
		return -EINVAL;
	}
	bi->version = s.version;
	if (s.cmdline_paddr)
		read_cmdline(bi, map, s.cmdline_paddr);
	bi->rsdp = s.rsdp_paddr;
	read_modules(bi, map, s.modlist_paddr, s.nr_modules);
	if (s.version < 1)
		return 0;
	if (!(si = map(pa, sizeof(s)))) {
		refuse(bi, "start info beyond memory");
		return 0;
	}
	memcpy(&s, si, sizeof(s));
	if (s.memmap_entries)
		read_memmap(bi, map, s.memmap_paddr, s.memmap_entries);
	return 0;
}

void pvh_report(const struct boot_info *bi)
{
	printk("pvh: start info v%u, %u RAM regions, %u modules\n", bi->version,
	       bi->nram, bi->nmodules);
	if (bi->nrefused)
		printk("pvh: %u value%s of the start info refused (first: "
		       "%s)\n",
		       bi->nrefused, bi->nrefused == 1 ? "" : "s", bi->refused);
}

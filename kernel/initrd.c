/*
 * initrd.c - where the initrd comes from (kernel/): the first boot module,
 * else an archive the host tool embedded in keel.elf (include/keel/initrd.h,
 * docs/boot.md). Checked once at boot: the embedded descriptor's magic,
 * address and size against the memory map, and one walk of the whole
 * archive with cpio_next. A rejected initrd is reported and then ignored.
 */
#include <keel/cpio.h>
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/hyper.h>
#include <keel/initrd.h>
#include <keel/page.h>
#include <keel/printk.h>
#include <keel/string.h>

/*
 * Written by the host tool in the ELF file, never at run time; global and
 * read with READ_ONCE so that the compiler cannot fold the zeros in.
 */
struct keel_embed keel_embed __used __section(KEEL_EMBED_SECTION)
    __aligned(8) = { .magic = KEEL_EMBED_MAGIC, .paddr = 0, .size = 0 };

static struct {
	const uint8_t *data;
	size_t size;
	const char *source; /* "module", "embedded" or NULL (none) */
	const char *why; /* set when rejected */
	unsigned entries;
} rd;

/* Is [base, end) covered by usable RAM (one or adjacent regions)? */
static bool in_ram(uint64_t base, uint64_t end)
{
	struct hyper_mem_region ram[64];
	unsigned n = MIN(hyper_memory_map(ram, ARRAY_SIZE(ram)),
			 (unsigned)ARRAY_SIZE(ram));
	bool moved = true;

	while (base < end && moved) {
		moved = false;
		for (unsigned i = 0; i < n; i++) {
			if (ram[i].base <= base &&
			    base - ram[i].base < ram[i].size) {
				base = ram[i].base + ram[i].size;
				moved = true;
			}
		}
	}
	return base >= end;
}

/* 0 with the embedded archive's range, -ENOENT if none, -EINVAL + why. */
static int embedded_check(uint64_t *pa, uint64_t *size, const char **why)
{
	uint64_t p = READ_ONCE(keel_embed.paddr),
		 n = READ_ONCE(keel_embed.size);
	paddr_t kstart, kend;

	if (memcmp(keel_embed.magic, KEEL_EMBED_MAGIC, 8)) {
		*why = "the " KEEL_EMBED_SECTION " descriptor has no KEELEMB1 "
		       "magic (keel.elf damaged?)";
		return -EINVAL;
	}
	if (n == 0)
		return -ENOENT;
	if (p == 0 || !IS_ALIGNED(p, PAGE_SIZE) || p + n < p) {
		*why = "the descriptor's address is 0, not page-aligned or "
		       "wraps around";
		return -EINVAL;
	}
	arch_kernel_extent(&kstart, &kend);
	if (p < kend && kstart < p + n) {
		*why = "the archive overlaps the kernel image";
		return -EINVAL;
	}
	if (!in_ram(p, p + n)) {
		*why = "the archive is not inside RAM (too little memory for "
		       "it, or a damaged descriptor)";
		return -EINVAL;
	}
	*pa = p;
	*size = n;
	return 0;
}

bool initrd_embedded_range(uint64_t *base, uint64_t *size)
{
	uint64_t b, s;
	const char *why;

	if (!hyper_boot_module(0, &b, &s))
		return false; /* the module wins; the embedded copy is unused */
	return embedded_check(base, size, &why) == 0;
}

static void reject(const char *why)
{
	rd.why = why;
	rd.data = NULL;
	rd.size = 0;
}

void initrd_init(void)
{
	struct cpio_reader r;
	struct cpio_entry e;
	uint64_t base = 0, size = 0;
	const char *why = NULL;
	int err;

	if (!hyper_boot_module(0, &base, &size)) {
		rd.source = "module";
		if (READ_ONCE(keel_embed.size))
			printk("initrd: the boot module replaces the initrd "
			       "embedded in keel.elf\n");
		if (size == 0)
			why = "the boot module is empty";
		else if (base + size < base || !in_ram(base, base + size))
			why = "the boot module is not inside RAM";
	} else {
		base = READ_ONCE(keel_embed.paddr); /* for the messages */
		size = READ_ONCE(keel_embed.size);
		err = embedded_check(&base, &size, &why);
		if (err == -ENOENT) {
			printk("initrd: none\n");
			return;
		}
		rd.source = "embedded";
	}
	if (why) {
		reject(why);
		printk(
		    "initrd: rejected the %s initrd (%lu bytes at %#lx): %s; "
		    "continuing without it\n",
		    rd.source, size, base, why);
		return;
	}
	rd.data = phys_to_virt(base);
	rd.size = size;
	cpio_reader_init(&r, rd.data, rd.size);
	while ((err = cpio_next(&r, &e, &why)) > 0)
		rd.entries++;
	if (err < 0) {
		printk("initrd: malformed archive (%s, %zu bytes) at byte "
		       "%zu, entry %u: %s; continuing without it\n",
		       rd.source, rd.size, r.pos, rd.entries + 1, why);
		reject(why);
		return;
	}
	printk("initrd: %zu bytes, %u entries (%s)\n", rd.size, rd.entries,
	       rd.source);
}

int initrd_find(const void **data, size_t *size, const char **source)
{
	*source = rd.source;
	if (!rd.source)
		return -ENOENT;
	if (rd.why)
		return -ENOEXEC;
	*data = rd.data;
	*size = rd.size;
	return 0;
}

const char *initrd_error(void)
{
	return rd.why;
}

int initrd_lookup(const char *path, struct cpio_entry *e)
{
	struct cpio_reader r;
	struct cpio_entry cur;
	bool found = false;

	if (!rd.data)
		return -ENOENT;
	path = cpio_path_strip(path);
	cpio_reader_init(&r, rd.data, rd.size);
	while (cpio_next(&r, &cur, NULL) > 0) {
		if (!strcmp(cpio_path_strip(cur.name), path)) {
			*e = cur;
			found = true;
		}
	}
	return found ? 0 : -ENOENT;
}

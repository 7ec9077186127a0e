/*
 * initrd.c - the initrd as the kernel sees it (kernel/selftests): the walk
 * succeeds, every entry's name and data lie inside the archive, and a hash
 * of the contents that the host recomputes from the same archive
 * (tests/tools/cpio-hash.py). Skipped, saying "initrd: none", when the
 * machine was booted without one.
 */
#include <keel/errno.h>
#include <keel/initrd.h>
#include <keel/selftest.h>
#include <keel/string.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv1a(uint64_t h, const void *data, uint64_t n)
{
	const uint8_t *p = data;

	for (uint64_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/*
 * The hash: FNV-1a 64 (offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3) over, for each entry cpio_next returns in archive order
 * (the TRAILER!!! entry excluded), the bytes of its name without the NUL,
 * then its e->size data bytes (file contents, symlink target; nothing for
 * directories). No separators, no padding, no header fields.
 */
static int test_initrd(void)
{
	const uint8_t *base;
	const void *data;
	const char *source, *why = NULL;
	struct cpio_reader r;
	struct cpio_entry e;
	uint64_t hash = FNV_OFFSET, bytes = 0;
	unsigned entries = 0, files = 0;
	size_t size;
	int err = initrd_find(&data, &size, &source);

	if (err == -ENOENT) {
		printk("initrd: none\n");
		return SELFTEST_SKIPPED;
	}
	if (err) {
		printk("  the %s initrd was rejected: %s\n", source,
		       initrd_error());
		return -1;
	}
	base = data;
	cpio_reader_init(&r, data, size);
	while ((err = cpio_next(&r, &e, &why)) > 0) {
		const uint8_t *name = (const uint8_t *)e.name;
		const uint8_t *d = e.data;
		size_t nlen = strlen(e.name);

		ST_CHECK(name >= base && nlen < size &&
			 (size_t)(name - base) <= size - nlen - 1);
		ST_CHECK(d >= base && e.size <= size &&
			 (size_t)(d - base) <= size - e.size);
		hash = fnv1a(hash, e.name, nlen);
		hash = fnv1a(hash, e.data, e.size);
		entries++;
		if ((e.mode & CPIO_S_IFMT) == CPIO_S_IFREG) {
			files++;
			bytes += e.size;
		}
	}
	if (err) {
		printk("  walk failed at entry %u: %s\n", entries + 1, why);
		return -1;
	}
	printk("initrd: %u entries, %u files, %lu bytes of file data (%s)\n",
	       entries, files, bytes, source);
	printk("initrd: hash %016lx\n", hash);
	return 0;
}
SELFTEST("initrd", test_initrd);

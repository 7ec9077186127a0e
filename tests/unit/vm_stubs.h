/*
 * vm_stubs.h - for the unit tests that link fs/ and kernel/process.c but
 * not kernel/vm*.c: the address-space calls they reach, as a process
 * without pages. A test that shows its own /proc/self/maps defines
 * VM_STUBS_OWN_MAPS and vm_format_maps itself.
 */
#ifndef UNIT_VM_STUBS_H
#define UNIT_VM_STUBS_H

#include <keel/errno.h>
#include <keel/file.h>
#include <keel/vm.h>

#ifndef VM_STUBS_OWN_MAPS
size_t vm_format_maps(char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return 0;
}
#endif

size_t vm_mm_format_maps(struct mm *mm, char *buf, size_t len)
{
	(void)mm;
	(void)buf;
	(void)len;
	return 0;
}

size_t vm_mm_resident(const struct mm *mm)
{
	(void)mm;
	return 0;
}

size_t vm_mm_total_pages(struct mm *mm)
{
	(void)mm;
	return 0;
}

/* kernel/vm_commit.c's policy, for /proc/sys/vm and /proc/meminfo. */
static unsigned long stub_overcommit[2] = { 0, 50 };

size_t vm_committed(void)
{
	return 0;
}

size_t vm_commit_limit(void)
{
	return 0;
}

int vm_overcommit_mode(void)
{
	return (int)stub_overcommit[0];
}

unsigned vm_overcommit_ratio(void)
{
	return (unsigned)stub_overcommit[1];
}

int vm_set_overcommit_mode(unsigned long v)
{
	stub_overcommit[0] = v;
	return 0;
}

int vm_set_overcommit_ratio(unsigned long v)
{
	stub_overcommit[1] = v;
	return 0;
}

/* kernel/vm.c's vm.max_map_count, for /proc/sys/vm. */
static unsigned long stub_max_map_count = VM_MAX_MAP_COUNT_DEFAULT;

int vm_max_map_count(void)
{
	return (int)stub_max_map_count;
}

int vm_set_max_map_count(unsigned long v)
{
	if (v > 0x7fffffffUL)
		return -EINVAL;
	stub_max_map_count = v;
	return 0;
}

void vm_mm_free(struct mm *mm)
{
	(void)mm;
}

/* The commit, counted (test_shm checks fs/shm.c's charges). */
static size_t stub_committed;

int vm_commit_charge(size_t pages)
{
	if (stub_overcommit[0] == VM_OVERCOMMIT_NEVER && pages > 1u << 20)
		return -ENOMEM; /* a 4 GiB limit, for the tests */
	stub_committed += pages;
	return 0;
}

void vm_commit_uncharge(size_t pages)
{
	stub_committed -= pages;
}

/*
 * File mappings as a list of (address, file) with a reference each, so
 * fs/shm.c's attach and detach can be followed without page tables:
 * each mapping gets its own 1 GiB slot (or the fixed address asked).
 */
#define STUB_MAPS 64
static struct stub_map {
	uintptr_t at;
	size_t len;
	struct file *f;
} stub_maps[STUB_MAPS];

long vm_mmap(uintptr_t addr, size_t len, unsigned prot, unsigned flags,
	     struct file *f, uint64_t off)
{
	(void)prot;
	(void)off;
	for (int i = 0; i < STUB_MAPS; i++) {
		if (stub_maps[i].f)
			continue;
		if ((flags & MAP_FIXED_NOREPLACE))
			for (int j = 0; j < STUB_MAPS; j++)
				if (stub_maps[j].f && stub_maps[j].at == addr)
					return -EEXIST;
		stub_maps[i].at = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)
				      ? addr
				      : (uintptr_t)(i + 1) << 30;
		stub_maps[i].len = len;
		stub_maps[i].f = f;
		file_get(f);
		return (long)stub_maps[i].at;
	}
	return -ENOMEM;
}

int vm_detach(uintptr_t addr, bool (*ours)(struct file *f))
{
	for (int i = 0; i < STUB_MAPS; i++) {
		struct file *f = stub_maps[i].f;

		if (f && stub_maps[i].at == addr && ours(f)) {
			stub_maps[i].f = NULL;
			file_put(f);
			return 0;
		}
	}
	return -EINVAL;
}

/* A process's end or exec: every mapping goes. */
static inline void stub_unmap_all(void)
{
	for (int i = 0; i < STUB_MAPS; i++) {
		struct file *f = stub_maps[i].f;

		stub_maps[i].f = NULL;
		file_put(f);
	}
}

#endif

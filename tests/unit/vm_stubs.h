/*
 * vm_stubs.h - for the unit tests that link fs/ and kernel/process.c but
 * not kernel/vm*.c: the address-space calls they reach, as a process
 * without pages. A test that shows its own /proc/self/maps defines
 * VM_STUBS_OWN_MAPS and vm_format_maps itself.
 */
#ifndef UNIT_VM_STUBS_H
#define UNIT_VM_STUBS_H

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

void vm_mm_free(struct mm *mm)
{
	(void)mm;
}

#endif

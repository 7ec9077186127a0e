/*
 * uaccess.c - self-test of the user-memory copies on the real CPU and page
 * tables (kernel/selftests): copy_to_user, copy_from_user and clear_user
 * and their _upto forms at odd alignments and sizes, across page
 * boundaries onto pages not yet present (the demand pager runs in the
 * middle of a copy), and into a PROT_NONE and a read-only page, where the
 * copy must stop at exactly the first bad byte (the count read(2) and
 * write(2) return) or give -EFAULT.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mmu.h>
#include <keel/page.h>
#include <keel/process.h>
#include <keel/selftest.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <keel/vm.h>

#define NPAGES 5 /* RW, RW, read-only, RW, PROT_NONE */
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static unsigned char pat(size_t i)
{
	return (unsigned char)(i * 13 + i / 251 + 1);
}

/* Round trips of n bytes at user offset off with kernel buffers kb. */
static int round_trip(uintptr_t u, size_t off, size_t n, unsigned char *kb,
		      unsigned char *back)
{
	for (size_t i = 0; i < n; i++)
		kb[i] = pat(i + off);
	ST_CHECK(copy_to_user((void *)(u + off), kb, n) == 0);
	memset(back, 0, n + 1);
	ST_CHECK(copy_from_user_upto(back, (void *)(u + off), n) == n);
	ST_CHECK(!memcmp(back, kb, n) && back[n] == 0);
	ST_CHECK(clear_user_upto((void *)(u + off), n) == n);
	ST_CHECK(copy_from_user(back, (void *)(u + off), n) == 0);
	for (size_t i = 0; i < n; i++)
		ST_CHECK(back[i] == 0);
	return 0;
}

/* Copies that run from `room` bytes before page `bad` into it. */
static int stops(uintptr_t u, size_t bad, bool readable, size_t room, size_t n,
		 unsigned char *kb)
{
	uintptr_t at = u + bad * PAGE_SIZE - room;
	size_t done = MIN(room, n);

	ST_CHECK(copy_to_user_upto((void *)at, kb, n) == done);
	ST_CHECK(clear_user_upto((void *)at, n) == done);
	ST_CHECK(copy_to_user((void *)at, kb, n) == (done < n ? -EFAULT : 0));
	/* A read-only page reads (on to the PROT_NONE page); a PROT_NONE
	 * one does not. */
	if (readable)
		done = MIN(room + (NPAGES - 1 - bad) * PAGE_SIZE, n);
	ST_CHECK(copy_from_user_upto(kb, (void *)at, n) == done);
	return 0;
}

static int checks(uintptr_t u, unsigned char *kb, unsigned char *back)
{
	static const size_t sizes[] = { 1,  2,	 7,   8,    9,	  63,	64,
					65, 127, 300, 4095, 4096, 4097, 6000 };
	static const size_t offs[] = { 0, 1, 3, 8, 61, 4000, 4090 };

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++)
		for (unsigned j = 0; j < ARRAY_SIZE(offs); j++)
			if (offs[j] + sizes[i] <= 2 * PAGE_SIZE &&
			    round_trip(u, offs[j], sizes[i], kb, back))
				return -1;
	for (size_t room = 0; room < 80; room += 3) {
		for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
			if (stops(u, 2, true, room, sizes[i], kb) ||
			    stops(u, 4, false, room, sizes[i], kb))
				return -1;
		}
	}
	/* What the checks refuse before copying: nothing is copied. */
	ST_CHECK(copy_to_user_upto((void *)USER_TOP, kb, 1) == 0);
	ST_CHECK(copy_from_user_upto(kb, (void *)0, 1) == 0);
	ST_CHECK(clear_user_upto((void *)(USER_TOP - 1), 2) == 0);
	return 0;
}

static int test_uaccess(void)
{
	struct process *p = current_process();
	struct mm *saved = p->mm, *mm = vm_mm_new();
	unsigned char *kb = kmalloc(2 * PAGE_SIZE + 1),
		      *back = kmalloc(2 * PAGE_SIZE + 1);
	long u;
	int err = -1;

	if (!mm || !kb || !back) {
		printk("  uaccess: out of memory\n");
		goto out;
	}
	p->mm = mm;
	vm_mm_activate(mm);
	u = vm_mmap(0, NPAGES * PAGE_SIZE, RW, ANON, NULL, 0);
	if (u > 0 && !vm_mprotect(u + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ) &&
	    !vm_mprotect(u + 4 * PAGE_SIZE, PAGE_SIZE, PROT_NONE))
		err = checks((uintptr_t)u, kb, back);
	else
		printk("  uaccess: cannot map the test pages\n");
	p->mm = saved;
	if (saved)
		vm_mm_activate(saved);
	else
		arch_switch_space(kernel_space.root);
out:
	if (mm)
		vm_mm_free(mm);
	kfree(kb);
	kfree(back);
	heap_trim();
	return err;
}
SELFTEST("uaccess", test_uaccess);

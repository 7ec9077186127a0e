/*
 * test_vm_map.c - mappings (kernel/vm*.c, linux/sys_mm.c, over
 * vm_fixture.c): hints and top-down placement, MAP_FIXED and NOREPLACE,
 * splits by munmap and mprotect, PROT_NONE, demand paging counted in pmm
 * pages, DONTNEED, brk, mremap, private file mappings, mmap of files by
 * descriptor, remap_file_pages and /proc/self/maps.
 */
#include "vm_fixture.h"

static void test_hint_used_when_free(void **state)
{
	(void)state;
	assert_int_equal(vm_mmap(A, 16 * K4, RW, ANON, NULL, 0), A);
	/* Taken: placed elsewhere, top-down below the mmap base. */
	long b = vm_mmap(A + K4, 4 * K4, RW, ANON, NULL, 0);
	assert_true(b > 0 && (uintptr_t)b + 4 * K4 <= MMAP_BASE);
	assert_true((uintptr_t)b >= A + 16 * K4);
	/* An unaligned hint is rounded down; a gap of exactly len fits. */
	assert_int_equal(vm_mmap(A + 20 * K4, K4, RW, ANON, NULL, 0),
			 A + 20 * K4);
	assert_int_equal(
	    vm_mmap(A + 16 * K4 + 123, 4 * K4, PROT_READ, ANON, NULL, 0),
	    A + 16 * K4);
	/* LuaJIT's way: hints around its code, within 2 GiB. */
	uintptr_t code = 0x555555554000UL;
	assert_int_equal(vm_mmap(code, 64 * K4, PROT_READ | PROT_EXEC,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
				 0),
			 code);
	uintptr_t near = code - GiB(1);
	assert_int_equal(vm_mmap(near, 16 * K4, RW, ANON, NULL, 0), near);
	/* Hints below the lowest address or past the top are not used. */
	long c = vm_mmap(0x1000, K4, RW, ANON, NULL, 0);
	assert_true(c >= 0x10000);
	long d = vm_mmap(USER_TOP - K4, 2 * K4, RW, ANON, NULL, 0);
	assert_true(d > 0 && (uintptr_t)d + 2 * K4 <= USER_TOP);
	assert_true(vm_mmap(0xffff800000000000UL, K4, RW, ANON, NULL, 0) > 0);
	assert_int_equal(vm_resident_pages(), 0);
}

static void test_top_down_placement(void **state)
{
	long a, b, c;

	(void)state;
	a = vm_mmap(0, 3 * K4, RW, ANON, NULL, 0);
	b = vm_mmap(0, 5 * K4, RW, ANON, NULL, 0);
	c = vm_mmap(0, K4, PROT_READ, ANON, NULL, 0);
	assert_int_equal(a, MMAP_BASE - 3 * K4);
	assert_int_equal(b, a - 5 * K4);
	assert_int_equal(c, b - K4);
	assert_int_equal(maps_lines(), 2); /* a and b merged */
	/* A hole is reused by the next placement that fits in it. */
	assert_int_equal(vm_munmap(b + K4, 2 * K4), 0);
	assert_int_equal(vm_mmap(0, 2 * K4, PROT_EXEC, ANON, NULL, 0), b + K4);
	/* Too big for anything below the base: none at all. */
	assert_int_equal(vm_mmap(0, USER_TOP, RW, ANON, NULL, 0), -ENOMEM);
}

static void test_fixed_replaces(void **state)
{
	size_t before;

	(void)state;
	assert_int_equal(vm_mmap(A, 4 * K4, RW, ANON, NULL, 0), A);
	for (int i = 0; i < 4; i++)
		write_page(A + i * K4, 0x10 + i);
	before = free_for_user();
	assert_int_equal(
	    vm_mmap(A + K4, 2 * K4, PROT_READ, ANON | MAP_FIXED, NULL, 0),
	    A + K4);
	assert_int_equal(free_for_user(), before + 2);
	assert_int_equal(vm_resident_pages(), 2);
	assert_true(page_is(A, 0x10));
	assert_true(page_is(A + 3 * K4, 0x13));
	assert_null(page_at(A + K4));
	assert_int_equal(vm_fault(A + K4, W), -EACCES);
	assert_int_equal(vm_fault(A + K4 + 5, R), 0);
	assert_true(page_is(A + K4, 0));
	assert_int_equal(maps_lines(), 3);
	/* NOREPLACE: anything there is -EEXIST, a free range is fine. */
	assert_int_equal(vm_mmap(A + 3 * K4, 2 * K4, RW,
				 ANON | MAP_FIXED_NOREPLACE, NULL, 0),
			 -EEXIST);
	assert_int_equal(vm_mmap(A + 4 * K4, 2 * K4, RW,
				 ANON | MAP_FIXED_NOREPLACE, NULL, 0),
			 A + 4 * K4);
	assert_int_equal(vm_mmap(A + 9 * K4 + 1, K4, RW,
				 ANON | MAP_FIXED_NOREPLACE, NULL, 0),
			 -EINVAL);
	/* Both flags: NOREPLACE wins. */
	assert_int_equal(
	    vm_mmap(A, K4, RW, ANON | MAP_FIXED | MAP_FIXED_NOREPLACE, NULL, 0),
	    -EEXIST);
	assert_true(page_is(A, 0x10));
	/* Fixed over the whole lot and more. */
	assert_int_equal(
	    vm_mmap(A - K4, 10 * K4, PROT_NONE, ANON | MAP_FIXED, NULL, 0),
	    A - K4);
	assert_int_equal(vm_resident_pages(), 0);
	assert_int_equal(maps_lines(), 1);
}

static void test_munmap_splits(void **state)
{
	size_t before;

	(void)state;
	assert_int_equal(vm_mmap(A, 5 * K4, RW, ANON, NULL, 0), A);
	for (int i = 0; i < 5; i++)
		write_page(A + i * K4, i + 1);
	before = free_for_user();
	assert_int_equal(vm_munmap(A + K4, 2 * K4), 0);
	assert_int_equal(free_for_user(), before + 2);
	assert_int_equal(maps_lines(), 2);
	assert_int_equal(vm_fault(A + K4, R), -EFAULT);
	assert_int_equal(vm_fault(A + 2 * K4 + 100, W), -EFAULT);
	assert_true(page_is(A, 1));
	assert_true(page_is(A + 3 * K4, 4));
	/* Holes are fine; unaligned lengths round up. */
	assert_int_equal(vm_munmap(A, 3 * K4 + 1), 0);
	assert_int_equal(maps_lines(), 1);
	assert_true(page_is(A + 4 * K4, 5));
	assert_int_equal(vm_munmap(A + GiB(1), K4), 0);
	assert_int_equal(vm_resident_pages(), 1);
}

static void test_mprotect_splits_and_nx(void **state)
{
	const unsigned rwx = RW | PROT_EXEC;

	(void)state;
	assert_int_equal(vm_mmap(A, 4 * K4, rwx, ANON, NULL, 0), A);
	for (int i = 0; i < 4; i++)
		write_page(A + i * K4, 0x40 + i);
	assert_int_equal(pte_prot(A),
			 MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER);
	assert_int_equal(vm_mprotect(A + K4, 2 * K4, PROT_READ), 0);
	assert_int_equal(maps_lines(), 3);
	assert_int_equal(pte_prot(A + K4), MMU_READ | MMU_USER); /* NX, RO */
	assert_int_equal(pte_prot(A + 2 * K4), MMU_READ | MMU_USER);
	assert_int_equal(pte_prot(A + 3 * K4),
			 MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER);
	assert_int_equal(vm_fault(A + K4, W), -EACCES);
	assert_int_equal(vm_fault(A + K4, X), -EACCES);
	assert_int_equal(vm_fault(A + K4, R), 0);
	assert_int_equal(vm_fault(A + 3 * K4, X), 0);
	/* Write-only and exec-only areas are still readable (x86). */
	assert_int_equal(vm_mprotect(A, K4, PROT_EXEC), 0);
	assert_int_equal(vm_fault(A, R), 0);
	assert_int_equal(vm_fault(A, W), -EACCES);
	assert_int_equal(pte_prot(A), MMU_READ | MMU_EXEC | MMU_USER);
	/* A hole in the range: -ENOMEM and nothing changes. */
	assert_int_equal(vm_mprotect(A, 5 * K4, rwx), -ENOMEM);
	assert_int_equal(pte_prot(A + K4), MMU_READ | MMU_USER);
	/* Back to one protection: one area again, contents kept. */
	assert_int_equal(vm_mprotect(A, 4 * K4, rwx), 0);
	assert_int_equal(maps_lines(), 1);
	for (int i = 0; i < 4; i++)
		assert_true(page_is(A + i * K4, 0x40 + i));
	assert_int_equal(pte_prot(A + 2 * K4),
			 MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER);
}

static void test_prot_none(void **state)
{
	size_t before = free_for_user();

	(void)state;
	/* A 1 GiB reservation costs no RAM: not even page tables. */
	assert_int_equal(vm_mmap(A, GiB(1), PROT_NONE, ANON, NULL, 0), A);
	assert_int_equal(free_for_user(), before);
	assert_int_equal(vm_fault(A + MiB(3), R), -EACCES);
	assert_int_equal(vm_fault(A, W), -EACCES);
	assert_int_equal(vm_fault(A, X), -EACCES);
	/* Commit a piece, use it, hide it: the data survives PROT_NONE. */
	assert_int_equal(vm_mprotect(A + MiB(2), 2 * K4, RW), 0);
	write_page(A + MiB(2), 0x5a);
	assert_int_equal(vm_mprotect(A + MiB(2), 2 * K4, PROT_NONE), 0);
	assert_int_equal(vm_fault(A + MiB(2), R), -EACCES);
	assert_false(pte_prot(A + MiB(2)) & MMU_USER);
	assert_int_equal(vm_mprotect(A + MiB(2), K4, PROT_READ), 0);
	assert_true(page_is(A + MiB(2), 0x5a));
	assert_int_equal(pte_prot(A + MiB(2)), MMU_READ | MMU_USER);
	/* Unmapping the reservation takes its few pages with it. */
	assert_int_equal(vm_munmap(A, GiB(1)), 0);
	assert_int_equal(vm_resident_pages(), 0);
	assert_int_equal(maps_lines(), 0);
}

static void test_demand_paging(void **state)
{
	size_t before;

	(void)state;
	before = free_for_user();
	assert_int_equal(vm_mmap(A, MiB(1), RW, ANON, NULL, 0), A);
	assert_int_equal(free_for_user(), before);
	assert_int_equal(vm_fault(A, W), 0); /* the page and 3 tables */
	assert_int_equal(free_for_user(), before - 4);
	before = free_for_user();
	/* A read maps the zero page, read-only, and costs nothing. */
	assert_int_equal(vm_fault(A + 17 * K4 + 9, R), 0);
	assert_int_equal(free_for_user(), before);
	assert_int_equal(virt_to_phys(page_at(A + 17 * K4)), vm_zero_page());
	assert_int_equal(pte_prot(A + 17 * K4), MMU_READ | MMU_USER);
	assert_int_equal(vm_fault(A + 200 * K4, W), 0);
	assert_int_equal(vm_fault(A + 200 * K4 + 8, W), 0); /* present */
	assert_int_equal(free_for_user(), before - 1);
	assert_int_equal(vm_resident_pages(), 2);
	assert_true(page_is(A + 17 * K4, 0));
	assert_non_null(page_at(A));
	assert_null(page_at(A + K4));
	/* Its first write gives it a page of its own; the zero page stays
	 * zero. */
	assert_int_equal(vm_fault(A + 17 * K4, W), 0);
	assert_int_equal(free_for_user(), before - 2);
	assert_int_equal(vm_resident_pages(), 3);
	assert_true(virt_to_phys(page_at(A + 17 * K4)) != vm_zero_page());
	assert_true(pte_prot(A + 17 * K4) & MMU_WRITE);
	write_page(A + 17 * K4, 7);
	assert_true(page_is(A + 17 * K4, 7));
	assert_true(page_is(A + 18 * K4 - K4, 7));
	assert_int_equal(vm_fault(A + 18 * K4, R), 0);
	assert_true(page_is(A + 18 * K4, 0));
	assert_int_equal(vm_resident_pages(), 3);
	assert_int_equal(vm_munmap(A + 18 * K4, K4), 0);
	/* MAP_POPULATE maps every page at once, for writing: pages of its
	 * own for a private writable mapping... */
	before = free_for_user();
	assert_int_equal(
	    vm_mmap(A + MiB(1), 8 * K4, RW, ANON | MAP_POPULATE, NULL, 0),
	    A + MiB(1));
	assert_int_equal(free_for_user(), before - 8);
	assert_true(page_is(A + MiB(1) + 7 * K4, 0));
	assert_true(pte_prot(A + MiB(1) + 7 * K4) & MMU_WRITE);
	/* ... the zero page for a read-only one (as Linux: a huge read-only
	 * MAP_POPULATE takes no memory). */
	before = free_for_user();
	assert_int_equal(vm_mmap(A + MiB(1) + 16 * K4, 8 * K4, PROT_READ,
				 ANON | MAP_POPULATE, NULL, 0),
			 A + MiB(1) + 16 * K4);
	assert_int_equal(free_for_user(), before); /* same page table */
	assert_int_equal(virt_to_phys(page_at(A + MiB(1) + 23 * K4)),
			 vm_zero_page());
	assert_int_equal(vm_munmap(A + MiB(1) + 16 * K4, 8 * K4), 0);
	/* A PROT_NONE one stops at its first page (each would fail): 2^28
	 * pages are not walked one by one. */
	long big =
	    vm_mmap(0, GiB(1024), PROT_NONE, ANON | MAP_POPULATE, NULL, 0);
	assert_true(big > 0);
	assert_int_equal(free_for_user(), before);
	assert_int_equal(vm_munmap(big, GiB(1024)), 0);
	/* Shared anonymous memory behaves as private with one process. */
	assert_int_equal(
	    vm_mmap(A + MiB(4), K4, RW, MAP_SHARED | MAP_ANONYMOUS, NULL, 0),
	    A + MiB(4));
	write_page(A + MiB(4), 9);
	assert_int_equal(vm_madvise(A + MiB(4), K4, MADV_DONTNEED), 0);
	assert_true(page_is(A + MiB(4), 9));
}

static void test_dontneed_zeroes(void **state)
{
	size_t before;

	(void)state;
	assert_int_equal(vm_mmap(A, 4 * K4, RW, ANON, NULL, 0), A);
	for (int i = 0; i < 4; i++)
		write_page(A + i * K4, 0x77);
	before = free_for_user();
	assert_int_equal(vm_madvise(A + K4, 2 * K4, MADV_DONTNEED), 0);
	assert_int_equal(free_for_user(), before + 2);
	assert_null(page_at(A + K4));
	assert_int_equal(vm_fault(A + K4, R), 0);
	assert_true(page_is(A + K4, 0));
	assert_true(page_is(A + 3 * K4, 0x77));
	assert_int_equal(maps_lines(), 1); /* no split */
	/* Other advice is accepted and changes nothing. */
	assert_int_equal(vm_madvise(A, 4 * K4, MADV_WILLNEED), 0);
	assert_int_equal(vm_madvise(A, 4 * K4, 14 /* HUGEPAGE */), 0);
	assert_true(page_is(A, 0x77));
	/* A hole: -ENOMEM, but the mapped part is still dropped. */
	assert_int_equal(vm_madvise(A, 5 * K4, MADV_FREE), -ENOMEM);
	assert_int_equal(vm_resident_pages(), 0);
	assert_int_equal(vm_madvise(A, 4 * K4, MADV_REMOVE), -EINVAL);
	assert_int_equal(vm_madvise(A, 4 * K4, 77), -EINVAL);
	assert_int_equal(vm_madvise(A + 1, K4, MADV_DONTNEED), -EINVAL);
	assert_int_equal(vm_madvise(A, 0, MADV_DONTNEED), 0);
	assert_int_equal(vm_madvise(A, (size_t)-K4, MADV_DONTNEED), -EINVAL);
}

static void test_brk(void **state)
{
	const uintptr_t start = 0x10000000UL;
	size_t before;

	(void)state;
	vm_brk_init(start - K4 + 123);
	assert_int_equal(vm_brk(0), start);
	assert_int_equal(maps_lines(), 0);
	assert_int_equal(vm_brk(start + 10000), start + 10000);
	assert_int_equal(sys(sys_brk, 0, 0, 0, 0, 0, 0), start + 10000);
	assert_int_equal(maps_lines(), 1);
	write_page(start, 1);
	write_page(start + 2 * K4, 3);
	assert_int_equal(vm_fault(start + 3 * K4, R), -EFAULT);
	/* Growing extends the same area. */
	assert_int_equal(vm_brk(start + 8 * K4), start + 8 * K4);
	assert_int_equal(maps_lines(), 1);
	write_page(start + 7 * K4, 8);
	/* Shrinking frees the pages above the new break. */
	before = free_for_user();
	assert_int_equal(vm_brk(start + K4 + 1), start + K4 + 1);
	assert_int_equal(free_for_user(), before + 2);
	assert_true(page_is(start, 1));
	assert_int_equal(vm_fault(start + 2 * K4, R), -EFAULT);
	/* Below the start, or over a mapping: the break stays. */
	assert_int_equal(vm_brk(start - 1), start + K4 + 1);
	assert_int_equal(
	    vm_mmap(start + 16 * K4, K4, RW, ANON | MAP_FIXED, NULL, 0),
	    start + 16 * K4);
	assert_int_equal(vm_brk(start + 32 * K4), start + K4 + 1);
	assert_int_equal(vm_brk(start + 15 * K4 + 1), start + K4 + 1);
	assert_int_equal(vm_brk(start + 15 * K4), start + 15 * K4);
	assert_int_equal(vm_brk(USER_TOP + K4), start + 15 * K4);
	assert_int_equal(vm_brk(start), start);
	assert_int_equal(maps_lines(), 1);
	assert_int_equal(vm_resident_pages(), 0);
}

static void test_mremap(void **state)
{
	long b;

	(void)state;
	assert_int_equal(vm_mmap(A, 2 * K4, RW, ANON, NULL, 0), A);
	write_page(A, 0x31);
	write_page(A + K4, 0x32);
	/* Grow in place into free space. */
	assert_int_equal(vm_mremap(A, 2 * K4, 4 * K4, 0, 0), A);
	assert_int_equal(vm_fault(A + 3 * K4, W), 0);
	assert_true(page_is(A + K4, 0x32));
	/* Blocked: -ENOMEM without MAYMOVE, moved with it. */
	assert_int_equal(vm_mmap(A + 4 * K4, K4, PROT_READ, ANON, NULL, 0),
			 A + 4 * K4);
	assert_int_equal(vm_mremap(A, 4 * K4, 8 * K4, 0, 0), -ENOMEM);
	uint8_t *frame = page_at(A + K4);
	b = vm_mremap(A, 4 * K4, 8 * K4, MREMAP_MAYMOVE, 0);
	assert_true(b > 0 && (uintptr_t)b != A);
	assert_ptr_equal(page_at(b + K4), frame); /* moved, not copied */
	assert_true(page_is(b, 0x31));
	assert_true(page_is(b + K4, 0x32));
	assert_int_equal(vm_fault(A, R), -EFAULT);
	assert_int_equal(vm_fault(b + 7 * K4, W), 0);
	assert_int_equal(vm_resident_pages(), 4);
	/* Shrink frees the tail. */
	assert_int_equal(vm_mremap(b, 8 * K4, K4 + 1, 0, 0), b);
	assert_int_equal(vm_resident_pages(), 2);
	assert_int_equal(vm_fault(b + 2 * K4, R), -EFAULT);
	/* MREMAP_FIXED moves onto a given place, replacing what is there. */
	assert_int_equal(vm_mremap(b, 2 * K4, 3 * K4,
				   MREMAP_MAYMOVE | MREMAP_FIXED, A + 3 * K4),
			 A + 3 * K4);
	assert_true(page_is(A + 4 * K4, 0x32));
	assert_int_equal(pte_prot(A + 4 * K4), MMU_READ | MMU_WRITE | MMU_USER);
	/* Errors. */
	assert_int_equal(vm_mremap(A + 3 * K4, K4, 2 * K4,
				   MREMAP_MAYMOVE | MREMAP_FIXED, A + 2 * K4),
			 -EINVAL); /* overlap */
	assert_int_equal(vm_mremap(A + 3 * K4, K4, K4, MREMAP_FIXED, A),
			 -EINVAL);
	assert_int_equal(vm_mremap(A + 3 * K4, K4, 0, MREMAP_MAYMOVE, 0),
			 -EINVAL);
	assert_int_equal(vm_mremap(A + 3 * K4, 0, K4, MREMAP_MAYMOVE, 0),
			 -EINVAL);
	assert_int_equal(vm_mremap(A + 3 * K4 + 1, K4, K4, 0, 0), -EINVAL);
	assert_int_equal(vm_mremap(A + 3 * K4, K4, K4, 8, 0), -EINVAL);
	assert_int_equal(vm_mremap(A, K4, 2 * K4, MREMAP_MAYMOVE, 0), -EFAULT);
	assert_int_equal(
	    vm_mremap(A + 3 * K4, 4 * K4, 5 * K4, MREMAP_MAYMOVE, 0),
	    -EFAULT); /* beyond the area */
	assert_int_equal(sys(sys_mremap, A + 3 * K4, K4, K4, 1L << 32, 0, 0),
			 -EINVAL);
	assert_int_equal(maps_lines(), 1);
}

static void test_private_file_mapping(void **state)
{
	struct test_file *t;
	long p;

	(void)state;
	t = new_file(10000, S_IFREG | 0644, O_RDONLY);
	p = vm_mmap(0, 4 * K4, RW, MAP_PRIVATE, &t->f, 0);
	assert_true(p > 0);
	assert_int_equal(t->f.refs, 2);
	assert_int_equal(vm_fault(p + 2 * K4 + 5, W), 0);
	uint8_t *pg = page_at(p + 2 * K4);
	assert_memory_equal(pg, t->bytes + 2 * K4, 10000 - 2 * K4);
	for (size_t i = 10000 - 2 * K4; i < K4; i++)
		assert_int_equal(pg[i], 0); /* past EOF in the last page */
	pg[0] = 0xee; /* private: the file does not change */
	assert_int_not_equal((uint8_t)t->bytes[2 * K4], 0xee);
	assert_int_equal(vm_fault(p + 3 * K4, R),
			 -ENXIO); /* past the last page: SIGBUS */
	/* DONTNEED brings the file's bytes back. */
	assert_int_equal(vm_madvise(p + 2 * K4, K4, MADV_DONTNEED), 0);
	assert_int_equal(vm_fault(p + 2 * K4, R), 0);
	assert_memory_equal(page_at(p + 2 * K4), t->bytes + 2 * K4, 16);
	/* An offset; splitting keeps each part's offset. */
	assert_int_equal(vm_mmap(A, 2 * K4, PROT_READ | PROT_EXEC,
				 MAP_PRIVATE | MAP_FIXED, &t->f, K4),
			 A);
	assert_int_equal(vm_munmap(A, K4), 0);
	assert_int_equal(vm_fault(A + K4, X), 0);
	assert_memory_equal(page_at(A + K4), t->bytes + 2 * K4, 100);
	char buf[512];
	size_t n = vm_format_maps(buf, sizeof(buf));
	buf[n] = 0;
	assert_non_null(strstr(buf, "200001000-200002000 r-xp 00002000 00:00 0"
				    "                                "
				    "/lib/libfake.so\n"));
	assert_int_equal(t->f.refs, 3);
	assert_int_equal(vm_munmap(p, 4 * K4), 0);
	assert_int_equal(vm_munmap(A, 2 * K4), 0);
	assert_int_equal(t->f.refs, 1);
	/* Offsets: unaligned -EINVAL, overflowing -EOVERFLOW. */
	assert_int_equal(vm_mmap(0, K4, PROT_READ, MAP_PRIVATE, &t->f, 1),
			 -EINVAL);
	assert_int_equal(
	    vm_mmap(0, 2 * K4, PROT_READ, MAP_PRIVATE, &t->f, (uint64_t)-K4),
	    -EOVERFLOW);
	assert_int_equal(t->f.refs, 1);
	free(t);
}

static void test_sys_mmap_files(void **state)
{
	struct test_file *ro, *wo, *rw, *dir;

	(void)state;
	ro = new_file(100, S_IFREG | 0644, O_RDONLY);
	wo = new_file(100, S_IFREG | 0644, O_WRONLY);
	rw = new_file(100, S_IFREG | 0644, O_RDWR);
	dir = new_file(0, S_IFDIR | 0755, O_RDONLY);
	fd_files[3] = &ro->f;
	fd_files[4] = &wo->f;
	fd_files[5] = &rw->f;
	fd_files[6] = &dir->f;
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_PRIVATE, 9, 0), -EBADF);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_PRIVATE, -1, 0), -EBADF);
	assert_int_equal(sys(sys_mmap, 0, K4, PROT_READ, MAP_PRIVATE, 4, 0),
			 -EACCES);
	assert_int_equal(sys(sys_mmap, 0, K4, PROT_READ, MAP_PRIVATE, 6, 0),
			 -ENODEV);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_SHARED, 3, 0), -EACCES);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_SHARED, 5, 0), -ENODEV);
	assert_int_equal(sys(sys_mmap, 0, 0, RW, MAP_PRIVATE, 3, 0), -EINVAL);
	long p = sys(sys_mmap, 0, K4, RW, MAP_PRIVATE, 3, 0);
	assert_true(p > 0);
	long s = sys(sys_mmap, 0, K4, PROT_READ, MAP_SHARED, 3, 0);
	assert_true(s > 0);
	assert_int_equal(vm_fault(s, R), 0);
	assert_memory_equal(page_at(s), ro->bytes, 100);
	/* A read-only shared file mapping stays read-only. */
	assert_int_equal(sys(sys_mprotect, s, K4, RW, 0, 0, 0), -EACCES);
	assert_int_equal(ro->f.refs, 3);
	vm_destroy();
	assert_int_equal(ro->f.refs, 1);
	assert_int_equal(wo->f.refs + rw->f.refs + dir->f.refs, 3);
	free(ro);
	free(wo);
	free(rw);
	free(dir);
}

static void test_remap_file_pages(void **state)
{
	struct test_file *t;
	char buf[512];
	size_t n;

	(void)state;
	t = new_file(5 * K4, S_IFREG | 0644, O_RDONLY);
	assert_int_equal(
	    vm_mmap(A, 3 * K4, PROT_READ, MAP_SHARED | MAP_FIXED, &t->f, 0), A);
	/* The middle page shows page 3 of the file, faulted in at once. */
	assert_int_equal(vm_remap_file_pages(A + K4, K4, 3), 0);
	assert_memory_equal(page_at(A + K4), t->bytes + 3 * K4, K4);
	assert_int_equal(t->f.refs, 4);
	n = vm_format_maps(buf, sizeof(buf));
	buf[n] = 0;
	assert_non_null(strstr(buf, "200001000-200002000 r--s 00003000"));
	/* Across the three areas: one area at offset 1 again (merged). */
	assert_int_equal(vm_remap_file_pages(A + 5, 3 * K4 + 7, 1), 0);
	assert_int_equal(maps_lines(), 1);
	assert_int_equal(t->f.refs, 2);
	assert_memory_equal(page_at(A + 2 * K4), t->bytes + 3 * K4, K4);
	/* Linux's EINVAL cases. */
	assert_int_equal(sys(sys_remap_file_pages, A, K4, PROT_READ, 0, 0, 0),
			 -EINVAL);
	assert_int_equal(vm_remap_file_pages(A, K4 - 1, 0), -EINVAL);
	assert_int_equal(vm_remap_file_pages(A + K4, 3 * K4, 0), -EINVAL);
	assert_int_equal(vm_remap_file_pages(A, K4, (uint64_t)-1), -EINVAL);
	assert_int_equal(vm_remap_file_pages(A + 8 * K4, K4, 0), -EINVAL);
	assert_int_equal(vm_remap_file_pages(A, K4, 1UL << 60), -EOVERFLOW);
	assert_int_equal(vm_mmap(A + 3 * K4, K4, PROT_READ,
				 MAP_PRIVATE | MAP_FIXED, &t->f, 0),
			 A + 3 * K4);
	assert_int_equal(vm_remap_file_pages(A + 3 * K4, K4, 0), -EINVAL);
	assert_int_equal(vm_remap_file_pages(A + 2 * K4, 2 * K4, 0), -EINVAL);
	/* Shared anonymous memory: only a remap that changes nothing. */
	assert_int_equal(vm_mmap(A + 8 * K4, 2 * K4, RW,
				 MAP_SHARED | MAP_ANONYMOUS, NULL, 0),
			 A + 8 * K4);
	write_page(A + 9 * K4, 0x5a);
	assert_int_equal(vm_remap_file_pages(A + 9 * K4, K4, 1), 0);
	assert_true(page_is(A + 9 * K4, 0x5a));
	assert_int_equal(vm_remap_file_pages(A + 9 * K4, K4, 0), -EINVAL);
	assert_int_equal(vm_munmap(A, 16 * K4), 0);
	assert_int_equal(t->f.refs, 1);
	free(t);
}

static void test_maps_format(void **state)
{
	char buf[1024];
	size_t n;

	(void)state;
	vm_brk_init(0x555555558000UL);
	assert_int_equal(vm_brk(0x555555558000UL + 2 * K4),
			 0x555555558000UL + 2 * K4);
	assert_int_equal(vm_mmap(0x7ffffffde000UL, 33 * K4, RW,
				 ANON | MAP_FIXED | MAP_GROWSDOWN | MAP_STACK,
				 NULL, 0),
			 0x7ffffffde000UL);
	assert_int_equal(
	    vm_mmap(A, K4, PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, NULL, 0), A);
	n = vm_format_maps(buf, sizeof(buf));
	buf[n] = 0;
	assert_string_equal(buf,
			    "200000000-200001000 -w-s 00000000 00:00 0 \n"
			    "555555558000-55555555a000 rw-p 00000000 00:00 0"
			    "                          [heap]\n"
			    "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0"
			    "                          [stack]\n");
	/* Only whole lines fit a short buffer. */
	assert_int_equal(vm_format_maps(buf, 60), 43);
	assert_int_equal(vm_format_maps(buf, 10), 0);
}

/*
 * vm.max_map_count: mmap is refused once the count passes it (Linux's
 * "count > max": max + 1 areas at the refusal), as are mprotect's and
 * munmap's splits at the limit and brk's growth; a whole area still
 * goes, and raised again the limit lets mmap map.
 */
static void test_max_map_count(void **state)
{
	const uintptr_t brk_at = 0x10000000UL;

	(void)state;
	assert_int_equal(vm_max_map_count(), VM_MAX_MAP_COUNT_DEFAULT);
	assert_int_equal(vm_set_max_map_count(0x80000000UL), -EINVAL);
	vm_brk_init(brk_at);
	assert_int_equal(vm_mmap(A, 3 * K4, RW, ANON, NULL, 0), A);
	assert_int_equal(vm_set_max_map_count(4), 0);
	/* Pages with a gap between them never merge. */
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(vm_mmap(A + (4 + 2 * i) * K4, K4, RW,
					 ANON | MAP_FIXED, NULL, 0),
				 A + (4 + 2 * i) * K4);
	assert_int_equal(
	    vm_mmap(A + 12 * K4, K4, RW, ANON | MAP_FIXED, NULL, 0), -ENOMEM);
	assert_int_equal(vm_mmap(0, K4, RW, ANON, NULL, 0), -ENOMEM);
	assert_int_equal(maps_lines(), 5);
	assert_int_equal(vm_mprotect(A + K4, K4, PROT_READ), -ENOMEM);
	assert_int_equal(vm_mprotect(A, 2 * K4, PROT_READ), -ENOMEM);
	assert_int_equal(vm_mprotect(A, 3 * K4, PROT_READ), 0); /* no split */
	assert_int_equal(vm_mprotect(A, 3 * K4, PROT_READ), 0);
	assert_int_equal(vm_munmap(A + K4, K4), -ENOMEM); /* a hole */
	assert_int_equal(vm_brk(brk_at + K4), brk_at);
	assert_int_equal(maps_lines(), 5);
	/* Whole areas go; a hole needs the count below the limit. */
	assert_int_equal(vm_munmap(A + 4 * K4, K4), 0);
	assert_int_equal(vm_munmap(A + K4, K4), -ENOMEM);
	assert_int_equal(vm_munmap(A + 6 * K4, K4), 0);
	assert_int_equal(vm_munmap(A + K4, K4), 0); /* 4 again */
	assert_int_equal(vm_set_max_map_count(VM_MAX_MAP_COUNT_DEFAULT), 0);
	assert_int_equal(
	    vm_mmap(A + 12 * K4, K4, RW, ANON | MAP_FIXED, NULL, 0),
	    A + 12 * K4);
	assert_int_equal(vm_brk(brk_at + K4), brk_at + K4);
	assert_int_equal(maps_lines(), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hint_used_when_free),
		T(test_top_down_placement),
		T(test_fixed_replaces),
		T(test_munmap_splits),
		T(test_max_map_count),
		T(test_mprotect_splits_and_nx),
		T(test_prot_none),
		T(test_demand_paging),
		T(test_dontneed_zeroes),
		T(test_brk),
		T(test_mremap),
		T(test_private_file_mapping),
		T(test_sys_mmap_files),
		T(test_remap_file_pages),
		T(test_maps_format),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

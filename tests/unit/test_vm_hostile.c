/*
 * test_vm_hostile.c - the address space (kernel/vm*.c, linux/sys_mm.c,
 * over vm_fixture.c) under stress: out of memory, hostile arguments to
 * every call, random operations checked against the page tables, and the
 * kernel's own pages shown to the program but never freed by it.
 */
#include "vm_fixture.h"

static void test_out_of_memory(void **state)
{
	size_t n = 0, cap = MiB(64) / K4;
	paddr_t *held = malloc(cap * sizeof(*held));
	paddr_t pa;

	(void)state;
	assert_non_null(held);
	assert_int_equal(vm_mmap(A, 64 * K4, RW, ANON, NULL, 0), A);
	assert_int_equal(vm_fault(A, W), 0); /* its page tables exist now */
	while ((pa = pmm_alloc(1)))
		held[n++] = pa;
	/* Faults and new mappings fail with -ENOMEM, nothing leaks. */
	assert_int_equal(vm_fault(A + K4, W), -ENOMEM);
	assert_int_equal(vm_fault(A + GiB(1), R), -EFAULT);
	long r = vm_mmap(0, K4, RW, ANON, NULL, 0);
	assert_true(r == -ENOMEM || r > 0); /* the heap may have room */
	vm_populate(A, A + 64 * K4, true);
	assert_int_equal(vm_resident_pages(), 1);
	/* Reads need no page (the zero page); the write after one does. */
	assert_int_equal(vm_fault(A + K4, R), 0);
	assert_int_equal(vm_fault(A + K4, W), -ENOMEM);
	assert_true(page_is(A + K4, 0));
	assert_int_equal(vm_resident_pages(), 1);
	for (size_t i = 0; i < n; i++)
		pmm_free(held[i], 1);
	free(held);
	assert_int_equal(vm_fault(A + K4, W), 0);
	assert_int_equal(vm_resident_pages(), 2);
}

static void test_hostile_args(void **state)
{
	(void)state;
	/* mmap */
	assert_int_equal(sys(sys_mmap, 0, 0, RW, ANON, -1, 0), -EINVAL);
	assert_int_equal(sys(sys_mmap, 0, -1, RW, ANON, -1, 0), -ENOMEM);
	assert_int_equal(sys(sys_mmap, 0, -K4, RW, ANON, -1, 0), -ENOMEM);
	assert_int_equal(sys(sys_mmap, 0, 1L << 47, RW, ANON, -1, 0), -ENOMEM);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_ANONYMOUS, -1, 0),
			 -EINVAL);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_ANONYMOUS | 0xf, -1, 0),
			 -EINVAL);
	/* Linux checks MAP_SHARED_VALIDATE's flags only for files; an
	 * anonymous one is an unknown map type to it. */
	assert_int_equal(sys(sys_mmap, 0, K4, RW,
			     MAP_ANONYMOUS | MAP_SHARED_VALIDATE | 0x8000000,
			     -1, 0),
			 -EINVAL);
	assert_int_equal(sys(sys_mmap, 0, K4, RW,
			     MAP_ANONYMOUS | MAP_SHARED_VALIDATE, -1, 0),
			 -EINVAL);
	assert_true(sys(sys_mmap, 0, K4, RW, ANON | 0x8000000, -1, 0) > 0);
	assert_true(sys(sys_mmap, 0, K4, 0x10 | PROT_READ, ANON, -1, 0) > 0);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, ANON, -1, 1), -EINVAL);
	assert_int_equal(sys(sys_mmap, A + 1, K4, RW, ANON | MAP_FIXED, -1, 0),
			 -EINVAL);
	assert_int_equal(
	    sys(sys_mmap, USER_TOP - K4, 2 * K4, RW, ANON | MAP_FIXED, -1, 0),
	    -ENOMEM);
	assert_int_equal(
	    sys(sys_mmap, USER_TOP, K4, RW, ANON | MAP_FIXED, -1, 0), -ENOMEM);
	assert_int_equal(sys(sys_mmap, -K4, K4, RW, ANON | MAP_FIXED, -1, 0),
			 -ENOMEM);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, ANON | MAP_FIXED, -1, 0),
			 -EPERM);
	assert_int_equal(sys(sys_mmap, USER_TOP - 2 * K4, 2 * K4, RW,
			     ANON | MAP_FIXED_NOREPLACE, -1, 0),
			 USER_TOP - 2 * K4);
	/* munmap */
	assert_int_equal(sys(sys_munmap, A + 1, K4, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_munmap, A, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_munmap, A, -K4, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_munmap, USER_TOP, K4, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_munmap, -K4, K4, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_munmap, 0, K4, 0, 0, 0, 0), 0);
	assert_int_equal(sys(sys_munmap, A, 1, 0, 0, 0, 0), 0);
	/* mprotect */
	assert_int_equal(sys(sys_mmap, A, 2 * K4, RW, ANON, -1, 0), A);
	assert_int_equal(sys(sys_mprotect, A + 1, K4, 1, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_mprotect, A, K4, 0x10, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_mprotect, A, K4, PROT_GROWSUP, 0, 0, 0),
			 -EINVAL);
	assert_int_equal(sys(sys_mprotect, A, K4, PROT_GROWSDOWN, 0, 0, 0),
			 -EINVAL); /* not a stack */
	assert_int_equal(sys(sys_mprotect, A, K4, (1L << 32) | 1, 0, 0, 0),
			 -EINVAL);
	assert_int_equal(sys(sys_mprotect, A, K4, PROT_SEM | 1, 0, 0, 0), 0);
	assert_int_equal(sys(sys_mprotect, A, 0, 1, 0, 0, 0), 0);
	assert_int_equal(sys(sys_mprotect, A, -K4, 1, 0, 0, 0), -ENOMEM);
	assert_int_equal(sys(sys_mprotect, A, 3 * K4, 1, 0, 0, 0), -ENOMEM);
	assert_int_equal(sys(sys_mprotect, USER_TOP - K4, 2 * K4, 1, 0, 0, 0),
			 -ENOMEM);
	/* madvise */
	assert_int_equal(sys(sys_madvise, A, K4, 9999, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_madvise, A + 2 * K4, K4, 4, 0, 0, 0), -ENOMEM);
	/* faults outside the user half */
	assert_int_equal(vm_fault(0, R), -EFAULT);
	assert_int_equal(vm_fault(USER_TOP, W), -EFAULT);
	assert_int_equal(vm_fault(0xffff800000001000UL, R), -EFAULT);
}

static void test_random_ops(void **state)
{
	uint64_t seed = 0x6b65656c766d0001ULL;
	static const long lens[] = {
		0, 1, K4, 3 * K4, 17 * K4, -K4, -1, 1L << 47, WIN_PAGES * K4,
	};
	unsigned maps = 0, faults = 0;

	(void)state;
	for (int i = 0; i < 4000; i++) {
		uint64_t r = unit_rand(&seed);
		long addr = WIN + (long)(r % (WIN_PAGES + 8)) * K4 - 4 * K4;
		long len = lens[(r >> 8) % ARRAY_SIZE(lens)];
		long prot = (r >> 16) & 7, flags;

		if ((r >> 20) % 16 == 0)
			addr += (long)(r >> 24) % 4096; /* unaligned */
		switch ((r >> 28) % 7) {
		case 0:
			flags = ANON | ((r >> 32) & 1 ? MAP_FIXED : 0) |
				((r >> 33) & 1 ? MAP_FIXED_NOREPLACE : 0);
			maps +=
			    sys(sys_mmap, addr, len, prot, flags, -1, 0) > 0;
			break;
		case 1:
			sys(sys_munmap, addr, len, 0, 0, 0, 0);
			break;
		case 2:
			sys(sys_mprotect, addr, len, prot, 0, 0, 0);
			break;
		case 3:
			sys(sys_madvise, addr, len, MADV_DONTNEED, 0, 0, 0);
			break;
		case 4:
			sys(sys_mremap, addr, len, lens[(r >> 40) % 9],
			    (r >> 44) & 3, WIN + ((r >> 48) % 64) * K4, 0);
			break;
		default:
			faults += !vm_fault(addr, 1u << ((r >> 36) % 3));
			break;
		}
		if (i % 64 == 0)
			check_consistent();
	}
	check_consistent();
	assert_true(maps > 100 && faults > 100);
	/* Unmapping everything frees every page (teardown checks the rest). */
	assert_int_equal(vm_munmap(USER_MIN, USER_TOP - USER_MIN), 0);
	assert_int_equal(vm_resident_pages(), 0);
	assert_int_equal(maps_lines(), 0);
}

/* The kernel's own pages (vm_pages.c): shown, unmapped, never freed. */
static void test_kernel_pages(void **state)
{
	static char buf[1024];
	paddr_t pa = pmm_alloc_zeroed(3);
	uint8_t *k = phys_to_virt(pa);
	size_t before;
	long at;

	(void)state;
	assert_true(pa != 0);
	k[0] = 0x5a;
	at = vm_map_pages(pa, 3 * K4, RW, "/[aio] (deleted)");
	assert_true(at > 0);
	before = free_pages(); /* with the page tables made */
	assert_ptr_equal(page_at(at), k); /* mapped at once */
	assert_ptr_equal(page_at(at + 2 * K4), k + 2 * K4);
	assert_int_equal(pte_prot(at), MMU_READ | MMU_WRITE | MMU_USER);
	assert_int_equal(vm_resident_pages(), 0);
	assert_int_equal(vm_fault(at + K4, W), 0);
	vm_format_maps(buf, sizeof(buf));
	assert_non_null(strstr(buf, " rw-s 00000000 00:00 0"));
	assert_non_null(strstr(buf, " /[aio] (deleted)\n"));
	/* Neither grown nor moved; shrinking is an unmap. */
	assert_int_equal(vm_mremap(at, 3 * K4, 4 * K4, MREMAP_MAYMOVE, 0),
			 -EFAULT);
	assert_int_equal(
	    vm_mremap(at, K4, K4, MREMAP_MAYMOVE | MREMAP_FIXED, A), -EINVAL);
	/* A hole unmaps a page but frees nothing; the rest stays. */
	assert_int_equal(vm_munmap(at + K4, K4), 0);
	assert_null(page_at(at + K4));
	assert_int_equal(vm_fault(at + K4, R), -EFAULT);
	assert_int_equal(free_pages(), before);
	assert_int_equal(maps_lines(), 2);
	/* Dropped pages come back as the same frame. */
	assert_int_equal(vm_madvise(at, K4, MADV_REMOVE), 0);
	assert_null(page_at(at));
	assert_int_equal(vm_fault(at, R), 0);
	assert_ptr_equal(page_at(at), k);
	assert_int_equal(page_at(at)[0], 0x5a);
	/* The program maps over the last page: that one is not taken back. */
	assert_int_equal(
	    vm_mmap(at + 2 * K4, K4, RW, ANON | MAP_FIXED, NULL, 0),
	    at + 2 * K4);
	write_page(at + 2 * K4, 0x11);
	vm_unmap_pages(at, 3 * K4, pa);
	assert_null(page_at(at));
	assert_true(page_is(at + 2 * K4, 0x11));
	assert_int_equal(maps_lines(), 1);
	assert_int_equal(vm_munmap(at + 2 * K4, K4), 0);
	assert_int_equal(k[0], 0x5a); /* still the owner's */
	pmm_free(pa, 3);
	assert_int_equal(vm_map_pages(pa + 1, K4, RW, "x"), -EINVAL);
	assert_int_equal(vm_map_pages(pa, 0, RW, "x"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_out_of_memory),
		T(test_hostile_args),
		T(test_random_ops),
		T(test_kernel_pages),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

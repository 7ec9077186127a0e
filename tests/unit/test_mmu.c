/*
 * test_mmu.c - arch/x86_64/mmu.c editing page tables in the arena: map,
 * query, unmap and protect with 4 KiB and 2 MiB pages, splitting, errors
 * that leave nothing half done, the shared kernel half, and every table
 * page returned to the pmm by mmu_space_destroy and counted while in use
 * (mmu_table_pages).
 */
#include <keel/errno.h>
#include <keel/mmu.h>
#include <keel/pmm.h>
#include "unit.h"

#define K4 PAGE_SIZE
#define M2 MiB(2)
#define A 0x40000000UL /* user addresses, 1 GiB aligned */
#define PA 0x80000000UL /* frames are never touched, so may lie anywhere */
#define RW (MMU_READ | MMU_WRITE)
#define URW (RW | MMU_USER)
#define KVA 0xffff800000000000UL

static size_t base_free, base_counted;

static size_t free_pages(void)
{
	struct pmm_stats st;

	pmm_stats(&st);
	return st.free_pages;
}

/* Table pages in use since the test started, the root included. */
static size_t tables(void)
{
	return base_free - free_pages();
}

static int group_setup(void **state)
{
	(void)state;
	return hosted_mem_init(MiB(64));
}

static int test_setup(void **state)
{
	static struct mmu_space as;

	base_free = free_pages();
	base_counted = mmu_table_pages();
	*state = &as;
	return mmu_space_init(&as, NULL);
}

/* Destroying the space must give back every page the test's tables took. */
static int test_teardown(void **state)
{
	mmu_space_destroy(*state);
	return free_pages() == base_free ? 0 : -1;
}

static void expect(struct mmu_space *as, uintptr_t va, paddr_t pa,
		   unsigned prot)
{
	paddr_t got;
	unsigned p;

	assert_int_equal(mmu_query(as, va, &got, &p), 0);
	assert_int_equal(got, pa);
	assert_int_equal(p, prot);
}

static void expect_none(struct mmu_space *as, uintptr_t va)
{
	paddr_t pa;
	unsigned p;

	assert_int_equal(mmu_query(as, va, &pa, &p), -ENOENT);
}

static void test_map_query_unmap_4k(void **state)
{
	struct mmu_space *as = *state;

	assert_int_equal(mmu_map(as, A + 0x10000, PA + 0x123000, 3 * K4, URW),
			 0);
	for (unsigned i = 0; i < 3; i++)
		expect(as, A + 0x10000 + i * K4 + 0x123,
		       PA + 0x123000 + i * K4 + 0x123, URW);
	expect_none(as, A + 0x10000 - K4);
	expect_none(as, A + 0x13000);
	expect_none(as, A + 0x10000 + M2);
	assert_int_equal(tables(), 4); /* root, PDPT, PD, PT */
	assert_int_equal(mmu_unmap(as, A + 0x11000, K4), 0);
	expect(as, A + 0x10000, PA + 0x123000, URW);
	expect_none(as, A + 0x11000);
	expect(as, A + 0x12fff, PA + 0x125fff, URW);
	assert_int_equal(mmu_unmap(as, A, 0), 0);
	assert_int_equal(mmu_map(as, A + 0x11000, PA, K4, RW), 0);
	expect(as, A + 0x11000, PA, RW);
}

static void test_prot_round_trip(void **state)
{
	struct mmu_space *as = *state;
	uintptr_t va = A;

	for (unsigned extra = 0; extra < 32; extra += 2, va += M2) {
		unsigned prot = MMU_READ | extra; /* WRITE EXEC USER NOCACHE */
		assert_int_equal(mmu_map(as, va, PA, K4, prot), 0);
		assert_int_equal(mmu_map(as, va + M2 * 16, PA + M2, M2, prot),
				 0);
		expect(as, va, PA, prot);
		expect(as, va + M2 * 16 + 5 * K4, PA + M2 + 5 * K4, prot);
	}
	/* Kernel mappings of the upper half work the same way. */
	assert_int_equal(mmu_map(as, KVA, PA, M2 + K4, RW | MMU_EXEC), 0);
	expect(as, KVA + M2, PA + M2, RW | MMU_EXEC);
	assert_int_equal(mmu_unmap(as, KVA, M2 + K4), 0);
	expect_none(as, KVA);
	/* Upper-half tables are the kernel's: destroy leaves them (3 here). */
	base_free -= 3;
}

static void test_large_pages(void **state)
{
	struct mmu_space *as = *state;

	/* Aligned va and pa: two 2 MiB pages, no page table below the PD. */
	assert_int_equal(mmu_map(as, A, PA, 2 * M2, RW), 0);
	assert_int_equal(tables(), 3);
	expect(as, A, PA, RW);
	expect(as, A + M2 - 1, PA + M2 - 1, RW);
	expect(as, A + M2 + 0x12345, PA + M2 + 0x12345, RW);
	expect_none(as, A + 2 * M2);
	/* A pa off by 4 KiB forces 4 KiB pages: two page tables more. */
	assert_int_equal(mmu_map(as, A + 4 * M2, PA + K4, 2 * M2, RW), 0);
	assert_int_equal(tables(), 5);
	expect(as, A + 5 * M2 + K4, PA + M2 + 2 * K4, RW);
	/* 2 MiB and a bit: one large page and one page table. */
	assert_int_equal(mmu_map(as, A + 8 * M2, PA, M2 + K4, RW), 0);
	assert_int_equal(tables(), 6);
	expect(as, A + 9 * M2, PA + M2, RW);
	expect_none(as, A + 9 * M2 + K4);
	/* Whole-page unmap of a large page needs no split. */
	assert_int_equal(mmu_unmap(as, A, M2), 0);
	assert_int_equal(tables(), 6);
	expect_none(as, A + 0x1000);
	expect(as, A + M2, PA + M2, RW);
}

static void test_split_on_partial_unmap(void **state)
{
	struct mmu_space *as = *state;

	assert_int_equal(mmu_map(as, A, PA, M2, URW), 0);
	assert_int_equal(tables(), 3);
	assert_int_equal(mmu_unmap(as, A + K4, K4), 0);
	assert_int_equal(tables(), 4); /* the split's page table */
	expect(as, A, PA, URW);
	expect_none(as, A + K4);
	expect(as, A + 2 * K4 + 7, PA + 2 * K4 + 7, URW);
	expect(as, A + M2 - K4, PA + M2 - K4, URW);
	/* An unaligned range over two large pages splits both. */
	assert_int_equal(mmu_map(as, A + 2 * M2, PA + 2 * M2, 2 * M2, RW), 0);
	assert_int_equal(mmu_unmap(as, A + 3 * M2 - K4, 2 * K4), 0);
	assert_int_equal(tables(), 6);
	expect(as, A + 3 * M2 - 2 * K4, PA + 3 * M2 - 2 * K4, RW);
	expect_none(as, A + 3 * M2 - K4);
	expect_none(as, A + 3 * M2);
	expect(as, A + 3 * M2 + K4, PA + 3 * M2 + K4, RW);
}

static void test_split_on_partial_protect(void **state)
{
	struct mmu_space *as = *state;

	assert_int_equal(mmu_map(as, A, PA, 2 * M2, URW), 0);
	assert_int_equal(
	    mmu_protect(as, A + M2 - K4, 2 * K4, MMU_READ | MMU_USER), 0);
	assert_int_equal(tables(), 5);
	expect(as, A + M2 - 2 * K4, PA + M2 - 2 * K4, URW);
	expect(as, A + M2 - K4, PA + M2 - K4, MMU_READ | MMU_USER);
	expect(as, A + M2, PA + M2, MMU_READ | MMU_USER);
	expect(as, A + M2 + K4, PA + M2 + K4, URW);
	expect(as, A, PA, URW);
	/* Protecting a whole large page keeps it whole. */
	assert_int_equal(mmu_map(as, A + 4 * M2, PA, M2, RW), 0);
	size_t t = tables();
	assert_int_equal(mmu_protect(as, A + 4 * M2, M2, MMU_READ | MMU_EXEC),
			 0);
	assert_int_equal(tables(), t);
	expect(as, A + 4 * M2 + 0x1234, PA + 0x1234, MMU_READ | MMU_EXEC);
	/* And back, across split and whole pages alike. */
	assert_int_equal(mmu_protect(as, A, 2 * M2, URW | MMU_EXEC), 0);
	expect(as, A + M2, PA + M2, URW | MMU_EXEC);
	expect(as, A + 2 * M2 - K4, PA + 2 * M2 - K4, URW | MMU_EXEC);
}

static void test_eexist_leaves_nothing_half_mapped(void **state)
{
	struct mmu_space *as = *state;
	const uintptr_t B = A + 4 * M2, C = A + 8 * M2;

	assert_int_equal(mmu_map(as, A + 4 * K4, PA, 4 * K4, RW), 0);
	assert_int_equal(mmu_map(as, A, PA + M2, 6 * K4, URW), -EEXIST);
	for (unsigned i = 0; i < 4; i++) {
		expect_none(as, A + i * K4);
		expect(as, A + (4 + i) * K4, PA + i * K4, RW);
	}
	/* Inside an existing 2 MiB page, or straddling its start. */
	assert_int_equal(mmu_map(as, B, PA, M2, RW), 0);
	assert_int_equal(mmu_map(as, B + 2 * K4, PA, K4, RW), -EEXIST);
	assert_int_equal(mmu_map(as, B - 2 * K4, PA, 4 * K4, RW), -EEXIST);
	expect_none(as, B - 2 * K4);
	expect_none(as, B - K4);
	expect(as, B + 2 * K4, PA + 2 * K4, RW);
	/* A 4 MiB request whose second half is taken maps nothing. */
	assert_int_equal(mmu_map(as, C + M2 + K4, PA, K4, RW), 0);
	assert_int_equal(mmu_map(as, C, PA, 2 * M2, RW), -EEXIST);
	expect_none(as, C);
	expect_none(as, C + M2 - K4);
	expect_none(as, C + M2);
	expect(as, C + M2 + K4, PA, RW);
	/* A 2 MiB page over a page table that still maps something. */
	assert_int_equal(mmu_map(as, C + M2, PA, M2, RW), -EEXIST);
	expect(as, C + M2 + K4, PA, RW);
}

static void test_remap_after_unmap(void **state)
{
	struct mmu_space *as = *state;

	/* An emptied page table must not block a 2 MiB mapping. */
	assert_int_equal(mmu_map(as, A + K4, PA, K4, RW), 0);
	assert_int_equal(mmu_unmap(as, A + K4, K4), 0);
	assert_int_equal(mmu_map(as, A, PA, M2, RW), 0);
	assert_int_equal(tables(), 3); /* a 2 MiB page; the empty table freed */
	expect(as, A + K4, PA + K4, RW);
	expect(as, A + M2 - 1, PA + M2 - 1, RW);
	assert_int_equal(mmu_unmap(as, A, M2), 0);
	expect_none(as, A + K4);
	/* Same with a split large page. */
	assert_int_equal(mmu_map(as, A + M2, PA, M2, RW), 0);
	assert_int_equal(mmu_unmap(as, A + M2, M2 / 2), 0);
	assert_int_equal(mmu_unmap(as, A + M2 + M2 / 2, M2 / 2), 0);
	assert_int_equal(mmu_map(as, A + M2, PA + M2, M2, URW), 0);
	assert_int_equal(tables(), 3);
	expect(as, A + M2 + 0x54321, PA + M2 + 0x54321, URW);
}

static void test_protect_hole_changes_nothing(void **state)
{
	struct mmu_space *as = *state;

	assert_int_equal(mmu_map(as, A, PA, 2 * K4, URW), 0);
	assert_int_equal(mmu_map(as, A + 3 * K4, PA + 3 * K4, K4, URW), 0);
	assert_int_equal(mmu_protect(as, A, 4 * K4, MMU_READ), -ENOENT);
	expect(as, A, PA, URW);
	expect(as, A + K4, PA + K4, URW);
	expect(as, A + 3 * K4, PA + 3 * K4, URW);
	/* A large page followed by a hole: no split, no change. */
	assert_int_equal(mmu_map(as, A + M2, PA, M2, RW), 0);
	size_t t = tables();
	assert_int_equal(mmu_protect(as, A + M2 + K4, M2, MMU_READ), -ENOENT);
	assert_int_equal(tables(), t);
	expect(as, A + M2 + K4, PA + K4, RW);
	assert_int_equal(mmu_protect(as, A + 64 * M2, K4, MMU_READ), -ENOENT);
}

static void test_unmap_holes_and_bad_ranges(void **state)
{
	struct mmu_space *as = *state;

	assert_int_equal(mmu_map(as, A + 5 * K4, PA, K4, RW), 0);
	assert_int_equal(mmu_map(as, A + 3 * M2, PA, M2, RW), 0);
	assert_int_equal(mmu_map(as, A + 7 * M2 + 9 * K4, PA, 3 * K4, RW), 0);
	assert_int_equal(mmu_unmap(as, A, 16 * M2), 0);
	expect_none(as, A + 5 * K4);
	expect_none(as, A + 3 * M2);
	expect_none(as, A + 7 * M2 + 10 * K4);
	assert_int_equal(mmu_unmap(as, A + GiB(5), GiB(1)), 0); /* all hole */
	assert_int_equal(mmu_map(as, A + 1, PA, K4, RW), -EINVAL);
	assert_int_equal(mmu_map(as, A, PA + 1, K4, RW), -EINVAL);
	assert_int_equal(mmu_map(as, A, PA, K4 + 1, RW), -EINVAL);
	assert_int_equal(mmu_unmap(as, A + 8, K4), -EINVAL);
	assert_int_equal(mmu_protect(as, A, 100, RW), -EINVAL);
	assert_int_equal(mmu_map(as, (uintptr_t)-K4, PA, 2 * K4, RW), -EINVAL);
	expect_none(as, A);
}

static void test_kernel_half_shared(void **state)
{
	struct mmu_space *k = *state, u;
	size_t before;

	assert_int_equal(mmu_map(k, KVA, PA, M2, RW), 0);
	assert_int_equal(
	    mmu_map(k, 0xffffffff80000000UL, PA + M2, K4, MMU_READ | MMU_EXEC),
	    0);
	assert_int_equal(mmu_map(k, A, PA, K4, RW),
			 0); /* lower half: not shared */
	before = free_pages();
	assert_int_equal(mmu_space_init(&u, k), 0);
	expect(&u, KVA + 0x777, PA + 0x777, RW);
	expect(&u, 0xffffffff80000000UL, PA + M2, MMU_READ | MMU_EXEC);
	expect_none(&u, A);
	/* Later kernel mappings under a shared top-level entry show in u too. */
	assert_int_equal(mmu_map(k, KVA + 4 * M2, PA, K4, RW), 0);
	expect(&u, KVA + 4 * M2, PA, RW);
	assert_int_equal(mmu_map(&u, A + K4, PA + K4, 3 * M2, URW), 0);
	expect_none(k, A + K4);
	mmu_space_destroy(&u);
	assert_int_equal(u.root, 0);
	/* Only u's own tables went back; the kernel's are still in place. */
	assert_int_equal(free_pages(), before - 1 /* the PT for KVA + 4 MiB */);
	expect(k, KVA + 0x777, PA + 0x777, RW);
	expect(k, KVA + 4 * M2, PA, RW);
	/* k's upper-half tables stay: 2 for KVA, 3 for -2 GiB, 1 at KVA + 4M. */
	base_free -= 6;
}

static void test_destroy_frees_everything(void **state)
{
	struct mmu_space *as = *state;
	static const uintptr_t spots[] = {
		0x1000,		0x200000,	   A,
		A + GiB(1),	A + GiB(512),	   0x7fffffe00000,
		0x7fffff7ff000, GiB(3) + M2 * 100,
	};

	for (size_t i = 0; i < ARRAY_SIZE(spots); i++) {
		size_t len = spots[i] % M2 ? K4 : M2;
		assert_int_equal(mmu_map(as, spots[i], PA, len, URW), 0);
		if (len == M2) /* and split it */
			assert_int_equal(
			    mmu_protect(as, spots[i] + K4, K4, MMU_READ), 0);
	}
	assert_true(tables() > 15);
	/* What /proc/meminfo's PageTables says is every one of them. */
	assert_int_equal(mmu_table_pages() - base_counted, tables());
	/* test_teardown checks that destroy gives back every one. */
	mmu_space_destroy(as);
	assert_int_equal(mmu_table_pages(), base_counted);
	assert_int_equal(mmu_space_init(as, NULL), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_map_query_unmap_4k),
		T(test_prot_round_trip),
		T(test_large_pages),
		T(test_split_on_partial_unmap),
		T(test_split_on_partial_protect),
		T(test_eexist_leaves_nothing_half_mapped),
		T(test_remap_after_unmap),
		T(test_protect_hole_changes_nothing),
		T(test_unmap_holes_and_bad_ranges),
		T(test_kernel_half_shared),
		T(test_destroy_frees_everything),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

/*
 * test_pmm.c - kernel/pmm.c over an arena of "physical memory": reserved
 * ranges and page 0 are never handed out, nor are the allocator's bitmap
 * and reference counts; contiguous runs, exhaustion, frees and zeroing;
 * shared pages freed with their last reference; the kernel's reserve and
 * the charges by kind (kernel/memcharge.c); a bad free panics.
 */
#include <stdlib.h>
#include <string.h>
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/memcharge.h>
#include <keel/pmm.h>
#include "unit.h"

#define ARENA MiB(64)
#define NPAGES(bytes) ((bytes) / PAGE_SIZE)
#define MAX_PAGES NPAGES(MiB(256)) /* the largest RAM map below */
/* Pages of the bitmap and the 32-bit reference counts for RAM up to top. */
#define META_PAGES(top)                                            \
	(ALIGN_UP(ALIGN_UP(NPAGES(top), 64) / 8 + NPAGES(top) * 4, \
		  PAGE_SIZE) /                                     \
	 PAGE_SIZE)

static paddr_t *pages; /* every page handed out by alloc_all */

static int setup(void **state)
{
	(void)state;
	hosted_arena_create(ARENA);
	pages = calloc(MAX_PAGES, sizeof(*pages));
	return pages ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(pages);
	return 0;
}

static size_t free_pages(void)
{
	struct pmm_stats st;

	pmm_stats(&st);
	return st.free_pages;
}

/* Take every page one at a time; returns how many. */
static size_t alloc_all(void)
{
	size_t n = 0;
	paddr_t pa;

	while ((pa = pmm_alloc(1)) != 0) {
		assert_true(n < MAX_PAGES);
		pages[n++] = pa;
	}
	return n;
}

static void free_all(size_t n)
{
	for (size_t i = 0; i < n; i++)
		pmm_free(pages[i], 1);
}

static bool overlaps(paddr_t pa, const struct pmm_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (pa < r[i].base + r[i].size && r[i].base < pa + PAGE_SIZE)
			return true;
	return false;
}

static void test_init_counts(void **state)
{
	struct pmm_range ram = { 0, MiB(16) };
	struct pmm_stats st;

	(void)state;
	assert_int_equal(pmm_init(&ram, 1, NULL, 0, ARENA), 0);
	pmm_stats(&st);
	/* 4096 pages, minus page 0 and the bitmap and counts (5 pages). */
	assert_int_equal(META_PAGES(MiB(16)), 5);
	assert_int_equal(st.total_pages, NPAGES(MiB(16)) - 1 - 5);
	assert_int_equal(st.free_pages, st.total_pages);
	/* Unaligned RAM edges only count whole pages. */
	ram = (struct pmm_range){ MiB(1) + 100, MiB(1) };
	assert_int_equal(pmm_init(&ram, 1, NULL, 0, ARENA), 0);
	pmm_stats(&st);
	assert_int_equal(st.total_pages, NPAGES(MiB(1)) - 1 - 1);
}

static void test_reserved_and_page0_never_handed_out(void **state)
{
	const struct pmm_range ram[] = { { 0, MiB(8) }, { MiB(12), MiB(4) } };
	const struct pmm_range res[] = {
		{ 0, 3 * PAGE_SIZE }, /* the bitmap must go elsewhere */
		{ MiB(1), MiB(1) + 100 }, /* ends inside a page */
		{ MiB(8) - PAGE_SIZE, 2 * PAGE_SIZE }, /* straddles the hole */
		{ MiB(14) + 1, 1 },
	};
	struct pmm_stats st;
	size_t n;

	(void)state;
	assert_int_equal(pmm_init(ram, 2, res, 4, ARENA), 0);
	pmm_stats(&st);
	n = alloc_all();
	assert_int_equal(n, st.total_pages);
	assert_int_equal(free_pages(), 0);
	size_t meta = META_PAGES(MiB(16));
	size_t expect =
	    NPAGES(MiB(8)) + NPAGES(MiB(4)) - 3 - 257 - 1 - 1 - meta;
	assert_int_equal(n, expect);
	/* The bitmap's pages: usable, unreserved, and yet never handed out. */
	paddr_t bitmap = 3 * PAGE_SIZE;
	for (size_t i = 0; i < n; i++) {
		assert_true(IS_ALIGNED(pages[i], PAGE_SIZE));
		assert_false(overlaps(pages[i], res, 4));
		assert_true(pages[i] < bitmap ||
			    pages[i] >= bitmap + meta * PAGE_SIZE);
		assert_true(pages[i] < MiB(8) || pages[i] >= MiB(12));
		assert_true(pages[i] + PAGE_SIZE <= MiB(16));
	}
	/* Scribbling over every page handed out leaves the allocator intact. */
	for (size_t i = 0; i < n; i++)
		memset(phys_to_virt(pages[i]), 0xff, PAGE_SIZE);
	free_all(n);
	assert_int_equal(free_pages(), st.total_pages);
	assert_int_equal(alloc_all(), n);
	free_all(n);
}

static void test_bitmap_of_several_pages(void **state)
{
	/*
	 * 256 MiB of address space: 65536 bits and counts, 66 pages of
	 * them. The pages above the arena are only counted, never touched.
	 */
	const struct pmm_range ram[] = { { 0, MiB(1) }, { MiB(192), MiB(64) } };
	struct pmm_stats st;
	size_t n;

	(void)state;
	assert_int_equal(pmm_init(ram, 2, NULL, 0, ARENA), 0);
	pmm_stats(&st);
	assert_int_equal(META_PAGES(MiB(256)), 66);
	assert_int_equal(st.total_pages,
			 NPAGES(MiB(1)) - 1 - 66 + NPAGES(MiB(64)));
	n = alloc_all();
	for (size_t i = 0; i < n; i++)
		assert_true(pages[i] >= 67 * PAGE_SIZE);
	free_all(n);
	/* With no room below map_limit, init fails. */
	struct pmm_range tiny = { 0, PAGE_SIZE };
	assert_int_equal(pmm_init(&tiny, 1, NULL, 0, ARENA), -12 /* ENOMEM */);
	struct pmm_range one = { 0, MiB(1) };
	struct pmm_range all = { PAGE_SIZE, MiB(1) };
	assert_int_equal(pmm_init(&one, 1, &all, 1, ARENA), -12);
	assert_int_equal(pmm_init(&one, 1, NULL, 0, PAGE_SIZE), -12);
	/* map_limit pushes the bitmap to low memory; the rest stays usable. */
	const struct pmm_range two[] = { { 0, MiB(2) }, { MiB(32), MiB(2) } };
	struct pmm_range low = { 0, MiB(1) };
	assert_int_equal(pmm_init(two, 2, &low, 1, MiB(2)), 0);
	n = alloc_all();
	size_t meta = META_PAGES(MiB(34));
	for (size_t i = 0; i < n; i++)
		assert_true(pages[i] < MiB(1) ||
			    pages[i] >= MiB(1) + meta * PAGE_SIZE);
	assert_int_equal(n, NPAGES(MiB(1)) - meta + NPAGES(MiB(2)));
	free_all(n);
}

static int by_address(const void *a, const void *b)
{
	paddr_t x = *(const paddr_t *)a, y = *(const paddr_t *)b;

	return x < y ? -1 : x > y;
}

static void test_contiguous_runs(void **state)
{
	struct pmm_range ram = { 0, MiB(4) };
	size_t n;
	paddr_t run;

	(void)state;
	assert_int_equal(pmm_init(&ram, 1, NULL, 0, ARENA), 0);
	assert_int_equal(pmm_alloc(0), 0);
	run = pmm_alloc(64);
	assert_true(run != 0 && IS_ALIGNED(run, PAGE_SIZE));
	pmm_free(run, 64);
	/* Fragment: take all, give back every other page and one run of 8.
	 * The hint makes them go out from where the run was: sort them. */
	n = alloc_all();
	assert_true(n > 300);
	qsort(pages, n, sizeof(*pages), by_address);
	for (size_t i = 0; i < n; i += 2)
		pmm_free(pages[i], 1);
	size_t mid = (n / 2) | 1; /* odd: still allocated */
	for (size_t i = mid; i < mid + 16; i += 2)
		pmm_free(pages[i], 1);
	/* pages[] are in order, so mid-1 .. mid+15 are one free run of 17. */
	for (size_t i = mid - 1; i < mid + 16; i++)
		assert_int_equal(pages[i],
				 pages[mid - 1] + (i - mid + 1) * PAGE_SIZE);
	assert_int_equal(pmm_alloc(18), 0);
	run = pmm_alloc(17);
	assert_int_equal(run, pages[mid - 1]);
	assert_int_equal(pmm_alloc(2), 0); /* only single pages are left */
	pmm_free(run, 17);
	for (size_t i = 1; i < n; i += 2)
		if (i < mid || i >= mid + 16)
			pmm_free(pages[i], 1);
	struct pmm_stats st;
	pmm_stats(&st);
	assert_int_equal(st.free_pages, st.total_pages);
	/* Everything free again: one run of all pages but page 0 and the
	 * bitmap's two. */
	run = pmm_alloc(st.total_pages);
	assert_int_equal(run, 3 * PAGE_SIZE);
	pmm_free(run, st.total_pages);
}

static void test_exhaustion_and_reuse(void **state)
{
	struct pmm_range ram = { 0, MiB(2) };
	struct pmm_stats st;
	size_t n;

	(void)state;
	assert_int_equal(pmm_init(&ram, 1, NULL, 0, ARENA), 0);
	pmm_stats(&st);
	assert_int_equal(pmm_alloc(st.total_pages + 1), 0);
	assert_int_equal(free_pages(), st.total_pages);
	n = alloc_all();
	assert_int_equal(n, st.total_pages);
	assert_int_equal(pmm_alloc(1), 0);
	assert_int_equal(pmm_alloc_zeroed(1), 0);
	/* A freed page is the only one to come back. */
	pmm_free(pages[n / 3], 1);
	assert_int_equal(free_pages(), 1);
	assert_int_equal(pmm_alloc(1), pages[n / 3]);
	assert_int_equal(pmm_alloc(1), 0);
	free_all(n);
	assert_int_equal(free_pages(), st.total_pages);
}

static void test_alloc_zeroed(void **state)
{
	struct pmm_range ram = { 0, MiB(1) };
	unsigned char *p;
	paddr_t pa;

	(void)state;
	assert_int_equal(pmm_init(&ram, 1, NULL, 0, ARENA), 0);
	pa = pmm_alloc(8);
	memset(phys_to_virt(pa), 0xa5, 8 * PAGE_SIZE);
	pmm_free(pa, 8);
	size_t n = alloc_all(); /* every page now holds 0xa5 or is the bitmap */
	for (size_t i = 0; i < n; i++)
		memset(phys_to_virt(pages[i]), 0xa5, PAGE_SIZE);
	free_all(n);
	pa = pmm_alloc_zeroed(8);
	assert_true(pa != 0);
	p = phys_to_virt(pa);
	for (size_t i = 0; i < 8 * PAGE_SIZE; i++)
		assert_int_equal(p[i], 0);
	pmm_free(pa, 8);
}

/* The boot path: RAM from hyper_memory_map, boot modules kept out. */
static void test_init_from_platform_info(void **state)
{
	const struct hyper_mem_region map[] = { { 0, MiB(3) },
						{ MiB(4), MiB(2) } };
	struct hyper_mem_region got[4];
	struct pmm_range ram[4], mod;
	unsigned n;

	(void)state;
	assert_int_equal(hyper_memory_map(got, 4), 1); /* default: the arena */
	assert_int_equal(got[0].size, ARENA);
	hosted_set_memory_map(map, 2);
	hosted_set_boot_module(0, MiB(2) + 10, 5000);
	n = hyper_memory_map(got, 4);
	assert_int_equal(n, 2);
	for (unsigned i = 0; i < n; i++)
		ram[i] = (struct pmm_range){ got[i].base, got[i].size };
	assert_int_equal(hyper_boot_module(0, &mod.base, &mod.size), 0);
	assert_int_equal(hyper_boot_module(1, &mod.base, &mod.size), -2);
	assert_int_equal(hyper_boot_module(0, &mod.base, &mod.size), 0);
	assert_int_equal(pmm_init(ram, n, &mod, 1, ARENA), 0);
	size_t k = alloc_all();
	/* The module touches two pages; page 0 and the bitmap are out too. */
	assert_int_equal(k, NPAGES(MiB(5)) - 2 - 1 - META_PAGES(MiB(6)));
	for (size_t i = 0; i < k; i++) {
		assert_true(pages[i] < MiB(2) ||
			    pages[i] >= MiB(2) + 2 * PAGE_SIZE);
		assert_true(pages[i] < MiB(3) || pages[i] >= MiB(4));
	}
	free_all(k);
	hosted_set_memory_map(NULL, 0);
	hosted_clear_boot_modules();
}

/* Shared pages (copy-on-write): freed with the last reference only. */
static void test_refcounts(void **state)
{
	struct pmm_range ram = { 0, MiB(1) };
	paddr_t pa, run;
	size_t before;

	(void)state;
	assert_int_equal(pmm_init(&ram, 1, NULL, 0, ARENA), 0);
	before = free_pages();
	pa = pmm_alloc(1);
	assert_true(pa != 0);
	assert_int_equal(pmm_refs(pa), 1);
	pmm_ref(pa);
	pmm_ref(pa);
	assert_int_equal(pmm_refs(pa), 3);
	pmm_free(pa, 1);
	pmm_free(pa, 1);
	assert_int_equal(pmm_refs(pa), 1);
	assert_int_equal(free_pages(), before - 1);
	pmm_free(pa, 1);
	assert_int_equal(pmm_refs(pa), 0); /* free */
	assert_int_equal(free_pages(), before);
	/* A run's pages each hold one reference; freeing them one by one
	 * works as well as all at once. */
	run = pmm_alloc(4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pmm_refs(run + i * PAGE_SIZE), 1);
	pmm_free(run + 3 * PAGE_SIZE, 1);
	pmm_free(run, 3);
	assert_int_equal(free_pages(), before);
	assert_int_equal(pmm_refs(MiB(512)), 0); /* beyond RAM */
}

static jmp_buf panic_jmp;

static void on_shutdown(int status)
{
	(void)status;
	longjmp(panic_jmp, 1);
}

/*
 * The reserve: Linux's min_free_kbytes for the RAM (32 MiB: 723 kB, 180
 * pages), which programs' pages (pmm_alloc_user) never take and the
 * kernel's (pmm_alloc) do; the charges by kind stop at the reserve and at
 * a quarter of RAM per kind.
 */
static void test_reserve_and_charges(void **state)
{
	struct pmm_range ram = { 0, MiB(32) };
	size_t n, total, quarter;
	paddr_t pa;

	(void)state;
	assert_int_equal(pmm_init(&ram, 1, NULL, 0, ARENA), 0);
	total = free_pages();
	/* sqrt(16 x 32728 kB usable) = 723 kB */
	assert_int_equal(pmm_reserve(), 723 / 4);
	quarter = total / 4 * PAGE_SIZE;
	/* A kind: up to a quarter of RAM, given back by uncharge. */
	assert_int_equal(mem_charge_limit(MEM_PIPE), quarter);
	assert_int_equal(mem_charge(MEM_PIPE, quarter), 0);
	assert_int_equal(mem_charge(MEM_PIPE, 1), -ENOMEM);
	assert_int_equal(mem_charge(MEM_SOCK, 4096), 0); /* another kind */
	mem_uncharge(MEM_PIPE, quarter);
	mem_uncharge(MEM_SOCK, 4096);
	assert_int_equal(mem_charged(MEM_PIPE), 0);
	/* Programs' pages stop at the reserve; charges then too. */
	n = 0;
	while ((pa = pmm_alloc_user(1)) != 0)
		pages[n++] = pa;
	assert_int_equal(free_pages(), pmm_reserve());
	assert_false(pmm_above_reserve(1));
	assert_int_equal(mem_charge(MEM_THREAD, 1), -ENOMEM);
	mem_charge_force(MEM_NET, 100); /* counted all the same */
	assert_int_equal(mem_charged(MEM_NET), 100);
	mem_uncharge(MEM_NET, 100);
	/* The kernel's allocations take the reserve. */
	while ((pa = pmm_alloc(1)) != 0)
		pages[n++] = pa;
	assert_int_equal(free_pages(), 0);
	assert_int_equal(n, total);
	free_all(n);
	assert_true(pmm_above_reserve(1));
	assert_int_equal(mem_charge(MEM_THREAD, 20480), 0);
	mem_uncharge(MEM_THREAD, 20480);
	/* Set by hand: at most a quarter of RAM. */
	pmm_set_reserve(total);
	assert_int_equal(pmm_reserve(), total / 4);
	pmm_set_reserve(pmm_default_reserve());
}

static void test_bad_free_panics(void **state)
{
	struct pmm_range ram = { 0, MiB(1) };
	volatile bool returned = false;

	(void)state;
	assert_int_equal(pmm_init(&ram, 1, NULL, 0, ARENA), 0);
	hosted_console_clear();
	hosted_set_shutdown_hook(on_shutdown);
	if (setjmp(panic_jmp) == 0) {
		pmm_free(PAGE_SIZE + 1, 1); /* not page aligned */
		returned = true;
	}
	hosted_set_shutdown_hook(NULL);
	arch_irq_enable(); /* panic disabled interrupts */
	assert_false(returned);
	assert_int_equal(hosted_shutdown_status(), 127);
	assert_non_null(strstr(hosted_console_text(), "panic: BUG_ON"));
	assert_non_null(strstr(hosted_console_text(), "pmm.c"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_counts),
		cmocka_unit_test(test_reserved_and_page0_never_handed_out),
		cmocka_unit_test(test_bitmap_of_several_pages),
		cmocka_unit_test(test_contiguous_runs),
		cmocka_unit_test(test_exhaustion_and_reuse),
		cmocka_unit_test(test_alloc_zeroed),
		cmocka_unit_test(test_init_from_platform_info),
		cmocka_unit_test(test_refcounts),
		cmocka_unit_test(test_reserve_and_charges),
		cmocka_unit_test(
		    test_bad_free_panics), /* last: panics only once */
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_heap.c - kernel/heap.c on top of the real pmm: every size class and
 * large objects, alignment, contents surviving heavy random use, krealloc,
 * the live counts of heap_stats, and heap_trim giving pages back.
 */
#include <stdlib.h>
#include <string.h>
#include <keel/heap.h>
#include <keel/pmm.h>
#include "unit.h"

static size_t pmm_free_pages(void)
{
	struct pmm_stats st;

	pmm_stats(&st);
	return st.free_pages;
}

static int setup(void **state)
{
	(void)state;
	return hosted_mem_init(MiB(64));
}

/* Every test starts and ends with an empty heap holding no pages. */
static int check_empty(void **state)
{
	struct heap_stats st;
	struct pmm_stats ps;

	(void)state;
	heap_trim();
	heap_stats(&st);
	pmm_stats(&ps);
	if (st.live_objects || st.live_bytes || st.pages ||
	    ps.free_pages != ps.total_pages) {
		print_message(
		    "heap not empty: %zu objects, %zu bytes, %zu pages; "
		    "pmm %zu of %zu free\n",
		    st.live_objects, st.live_bytes, st.pages, ps.free_pages,
		    ps.total_pages);
		return -1;
	}
	return 0;
}

static size_t expected_ksize(size_t n)
{
	size_t c = 16;

	if (n > 2048)
		return n;
	while (c < n)
		c <<= 1;
	return c;
}

static void test_size_classes_and_alignment(void **state)
{
	static const size_t sizes[] = {
		1,    8,    15,	  16,	 17,	 31,	     32,   33,
		48,   63,   64,	  65,	 100,	 127,	     128,  129,
		255,  256,  257,  511,	 512,	 513,	     1000, 1023,
		1024, 1025, 2000, 2047,	 2048,	 2049,	     4000, 4032,
		4033, 4096, 5000, 65536, 100000, MiB(1) + 3,
	};
	void *p[ARRAY_SIZE(sizes)];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = kmalloc(sizes[i]);
		assert_non_null(p[i]);
		assert_true(IS_ALIGNED((uintptr_t)p[i], 16));
		if (sizes[i] >= 64) /* the FPU state areas rely on this */
			assert_true(IS_ALIGNED((uintptr_t)p[i], 64));
		assert_int_equal(ksize(p[i]), expected_ksize(sizes[i]));
		memset(p[i], (int)i, sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *b = p[i];
		for (size_t j = 0; j < sizes[i]; j++)
			assert_int_equal(b[j], (unsigned char)i);
		kfree(p[i]);
	}
	assert_null(kmalloc(0));
	assert_null(kmalloc(GiB(1) + 1));
	assert_null(kmalloc(MiB(128))); /* more than the pmm has */
	kfree(NULL);
}

struct obj {
	unsigned char *p;
	size_t size;
	uint64_t seed;
};

static void fill(struct obj *o)
{
	uint64_t s = o->seed;

	for (size_t i = 0; i < o->size; i++)
		o->p[i] = (unsigned char)unit_rand(&s);
}

static bool intact(const struct obj *o)
{
	uint64_t s = o->seed;

	for (size_t i = 0; i < o->size; i++)
		if (o->p[i] != (unsigned char)unit_rand(&s))
			return false;
	return true;
}

static int by_addr(const void *a, const void *b)
{
	const struct obj *x = a, *y = b;

	return (x->p > y->p) - (x->p < y->p);
}

static void test_random_contents_intact(void **state)
{
	enum { N = 3000 };
	struct obj *o = calloc(N, sizeof(*o));
	uint64_t rng = 0x1234567;

	(void)state;
	assert_non_null(o);
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < N; i++) {
			if (o[i].p && unit_rand(&rng) % 2 == 0) {
				assert_true(intact(&o[i]));
				kfree(o[i].p);
				o[i].p = NULL;
			}
			if (!o[i].p) {
				uint64_t r = unit_rand(&rng);
				o[i].size = r % 64 == 0 ? 2049 + r % 20000
							: 1 + r % 2048;
				o[i].seed = unit_rand(&rng) | 1;
				o[i].p = kmalloc(o[i].size);
				assert_non_null(o[i].p);
				fill(&o[i]);
			}
		}
		for (int i = 0; i < N; i++)
			assert_true(intact(&o[i]));
	}
	/* No two live objects overlap, counting their whole usable size. */
	qsort(o, N, sizeof(*o), by_addr);
	for (int i = 1; i < N; i++)
		assert_true(o[i - 1].p + ksize(o[i - 1].p) <= o[i].p);
	for (int i = 0; i < N; i++)
		kfree(o[i].p);
	free(o);
}

static void test_krealloc(void **state)
{
	static const size_t steps[] = { 10,   16, 100, 3000, 10000,
					9000, 50, 1,   2048, 70000 };
	struct heap_stats st;
	unsigned char *p = NULL;
	size_t have = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		unsigned char *n = krealloc(p, steps[i]);
		size_t keep = MIN(have, steps[i]);

		assert_non_null(n);
		assert_true(ksize(n) >= steps[i]);
		for (size_t j = 0; j < keep; j++)
			assert_int_equal(n[j], (unsigned char)(j * 7 + 3));
		for (size_t j = 0; j < steps[i]; j++)
			n[j] = (unsigned char)(j * 7 + 3);
		p = n;
		have = steps[i];
		heap_stats(&st);
		assert_int_equal(st.live_objects, 1);
	}
	/* Growing within the size class keeps the object where it is. */
	p = krealloc(p, 0);
	assert_null(p);
	p = krealloc(NULL, 40);
	assert_non_null(p);
	assert_ptr_equal(krealloc(p, 64), p);
	assert_ptr_equal(krealloc(p, 33), p);
	heap_stats(&st);
	assert_int_equal(st.live_objects, 1);
	assert_null(krealloc(p, 0)); /* frees */
	heap_stats(&st);
	assert_int_equal(st.live_objects, 0);
}

static void test_kzalloc(void **state)
{
	static const size_t sizes[] = { 24, 200, 2048, 6000 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *p = kmalloc(sizes[i]);

		memset(p, 0xee, sizes[i]);
		kfree(p);
		p = kzalloc(sizes[i]);
		for (size_t j = 0; j < sizes[i]; j++)
			assert_int_equal(p[j], 0);
		kfree(p);
	}
}

static void test_stats_live_counts(void **state)
{
	enum { N = 500 };
	void *p[N];
	struct heap_stats st;
	size_t bytes = 0, pmm_before = pmm_free_pages();

	(void)state;
	for (int i = 0; i < N; i++) {
		size_t size =
		    i % 50 == 0 ? 5000 + (size_t)i : 1 + (size_t)i * 37 % 2048;
		p[i] = kmalloc(size);
		assert_non_null(p[i]);
		bytes += ksize(p[i]);
	}
	heap_stats(&st);
	assert_int_equal(st.live_objects, N);
	assert_int_equal(st.live_bytes, bytes);
	assert_int_equal(pmm_before - pmm_free_pages(), st.pages);
	for (int i = 0; i < N; i += 2) {
		bytes -= ksize(p[i]);
		kfree(p[i]);
	}
	heap_stats(&st);
	assert_int_equal(st.live_objects, N / 2);
	assert_int_equal(st.live_bytes, bytes);
	for (int i = 1; i < N; i += 2)
		kfree(p[i]);
	heap_stats(&st);
	assert_int_equal(st.live_objects, 0);
	assert_int_equal(st.live_bytes, 0);
}

static void test_trim_returns_pages(void **state)
{
	enum { N = 2000 };
	void *p[N];
	struct heap_stats st;
	size_t before = pmm_free_pages();

	(void)state;
	for (int i = 0; i < N; i++)
		p[i] = kmalloc(16u << (i % 8)); /* every class, many slabs */
	heap_stats(&st);
	assert_true(st.pages > 8);
	assert_int_equal(before - pmm_free_pages(), st.pages);
	/* Keep one object in one slab: trim frees all the other slabs. */
	for (int i = 1; i < N; i++)
		kfree(p[i]);
	heap_stats(&st);
	assert_true(st.pages > 8); /* empty slabs stay until trimmed */
	heap_trim();
	heap_stats(&st);
	assert_int_equal(st.pages, 1);
	assert_int_equal(before - pmm_free_pages(), 1);
	kfree(p[0]);
	heap_trim();
	heap_stats(&st);
	assert_int_equal(st.pages, 0);
	assert_int_equal(pmm_free_pages(), before);
	/* Large objects give their pages back at once. */
	void *big = kmalloc(MiB(2));
	heap_stats(&st);
	assert_int_equal(st.pages, 513); /* 2 MiB and the 64-byte header */
	kfree(big);
	assert_int_equal(pmm_free_pages(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_size_classes_and_alignment,
						check_empty, check_empty),
		cmocka_unit_test_setup_teardown(test_random_contents_intact,
						check_empty, check_empty),
		cmocka_unit_test_setup_teardown(test_krealloc, check_empty,
						check_empty),
		cmocka_unit_test_setup_teardown(test_kzalloc, check_empty,
						check_empty),
		cmocka_unit_test_setup_teardown(test_stats_live_counts,
						check_empty, check_empty),
		cmocka_unit_test_setup_teardown(test_trim_returns_pages,
						check_empty, check_empty),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

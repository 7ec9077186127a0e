/*
 * mem.c - self-tests of the physical page allocator and the kernel heap
 * (kernel/selftests), run in the booted kernel on the real memory map.
 */
#include <keel/heap.h>
#include <keel/pmm.h>
#include <keel/selftest.h>
#include <keel/string.h>

static int test_pmm(void)
{
	struct pmm_stats before, mid, after;
	paddr_t pages[64];
	paddr_t run;

	pmm_stats(&before);
	for (int i = 0; i < 64; i++) {
		pages[i] = pmm_alloc(1);
		ST_CHECK(pages[i] && IS_ALIGNED(pages[i], PAGE_SIZE));
		memset(phys_to_virt(pages[i]), i, PAGE_SIZE);
	}
	for (int i = 0; i < 64; i++) {
		const uint8_t *p = phys_to_virt(pages[i]);
		ST_CHECK(p[0] == i && p[PAGE_SIZE - 1] == i); /* no overlap */
	}
	run = pmm_alloc_zeroed(16);
	ST_CHECK(run != 0);
	for (size_t i = 0; i < 16 * PAGE_SIZE; i += 512)
		ST_CHECK(((uint8_t *)phys_to_virt(run))[i] == 0);
	pmm_stats(&mid);
	ST_CHECK(mid.free_pages == before.free_pages - 80);
	pmm_free(run, 16);
	for (int i = 0; i < 64; i++)
		pmm_free(pages[i], 1);
	pmm_stats(&after);
	ST_CHECK(after.free_pages == before.free_pages);
	/* More than exists: a clean failure, not a panic. */
	ST_CHECK(pmm_alloc(before.total_pages + 1) == 0);
	printk("  %zu of %zu pages free\n", after.free_pages,
	       after.total_pages);
	return 0;
}
SELFTEST("pmm", test_pmm);

static int test_heap(void)
{
	static void *objs[200];
	struct heap_stats st0, st1;
	uint32_t seed = 12345;

	heap_stats(&st0);
	for (int i = 0; i < 200; i++) {
		seed = seed * 1103515245 + 12345;
		size_t size = 1 + (seed >> 8) % (i % 10 == 0 ? 20000 : 600);
		objs[i] = kmalloc(size);
		ST_CHECK(objs[i] && IS_ALIGNED((uintptr_t)objs[i], 16));
		ST_CHECK(ksize(objs[i]) >= size);
		memset(objs[i], i & 0xff, size);
	}
	for (int i = 0; i < 200; i++) {
		const uint8_t *p = objs[i];
		ST_CHECK(p[0] == (i & 0xff) &&
			 p[ksize(objs[i]) > 1 ? 1 : 0] == (i & 0xff));
	}
	objs[0] = krealloc(objs[0], 5000);
	ST_CHECK(objs[0] && ((uint8_t *)objs[0])[0] == 0);
	for (int i = 0; i < 200; i++)
		kfree(objs[i]);
	heap_stats(&st1);
	ST_CHECK(st1.live_objects == st0.live_objects);
	ST_CHECK(st1.live_bytes == st0.live_bytes);
	ST_CHECK(kmalloc(0) == NULL);
	heap_trim();
	return 0;
}
SELFTEST("heap", test_heap);

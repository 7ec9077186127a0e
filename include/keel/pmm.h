/*
 * pmm.h - the physical page allocator (kernel/pmm.c): hands out runs of
 * 4 KiB pages from the usable RAM the platform reports.
 */
#ifndef KEEL_PMM_H
#define KEEL_PMM_H

#include <keel/page.h>

struct pmm_range {
	paddr_t base;
	uint64_t size;
};

/*
 * Take the usable RAM ranges, minus the reserved ones (kernel image, boot
 * modules...). The allocator's own bitmap is placed in free RAM reachable
 * through the direct map below `map_limit`. Returns 0 or -ENOMEM.
 */
int pmm_init(const struct pmm_range *ram, unsigned nram,
	     const struct pmm_range *reserved, unsigned nres,
	     paddr_t map_limit);
/* Allocate n contiguous pages; returns 0 when none are free. Not zeroed. */
paddr_t pmm_alloc(size_t npages);
/* Same, zero-filled. */
paddr_t pmm_alloc_zeroed(size_t npages);
/*
 * For programs' pages (their memory, tmpfs files): 0 rather than take
 * the reserve, the last free pages, kept for the kernel (page tables,
 * its objects, the OOM path). The default reserve is Linux's
 * min_free_kbytes for the RAM (sqrt(16 x kB), at least 128 kB).
 */
paddr_t pmm_alloc_user(size_t npages);
paddr_t pmm_alloc_user_zeroed(size_t npages);
size_t pmm_default_reserve(void);
void pmm_set_reserve(size_t pages); /* capped at a quarter of RAM */
size_t pmm_reserve(void);
/* The reserve in kB, as /proc/sys/vm/min_free_kbytes reads and root
 * writes it: set, the reserve is its whole pages (a quarter of RAM at
 * most) and it reads back as written. */
unsigned long pmm_min_free_kbytes(void);
int pmm_set_min_free_kbytes(unsigned long kb);
/* Whether n more pages may be taken and the reserve still be there. */
bool pmm_above_reserve(size_t n);
void pmm_free(paddr_t pa, size_t npages);

struct pmm_stats {
	size_t total_pages;
	size_t free_pages;
};
void pmm_stats(struct pmm_stats *st);

/*
 * Sharing one page (copy-on-write after fork): pmm_ref adds a reference
 * to an allocated page, pmm_free(pa, 1) drops one and frees the page
 * with the last; pmm_refs says how many it has (1 for a page nobody
 * shares). Runs of pages are never shared.
 */
void pmm_ref(paddr_t pa);
unsigned pmm_refs(paddr_t pa);

#endif

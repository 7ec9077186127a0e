/*
 * pmm.c - the physical page allocator (kernel/). One bit per 4 KiB page up
 * to the highest usable address, set when the page is free. Allocation is
 * first-fit from a moving hint, which keeps single-page allocations cheap
 * and still finds contiguous runs for page tables and large objects.
 * Beside the bitmap, a reference count per page (32 bits: every reference
 * is a page-table entry somewhere, so it cannot reach 2^32): allocation
 * sets it to 1, pmm_ref adds one (a page shared copy-on-write after a
 * fork), and pmm_free(pa, 1) drops one, freeing the page with the last.
 * The last pages (the reserve, Linux's min_free_kbytes) are the kernel's:
 * program pages (pmm_alloc_user) stop short of them, so page tables, the
 * kernel's objects and the OOM path still find pages when programs have
 * taken the rest.
 */
#include <keel/errno.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/sync.h>

#define BITS 64

static uint64_t *bitmap;
static uint32_t *refs; /* per page; 0 while free */
static size_t npages; /* pages covered by the bitmap */
static size_t total, nfree;
static size_t hint;
static size_t reserve; /* pages only pmm_alloc's kernel callers take */
static unsigned long min_free_kb; /* what the reserve was set from */
static struct spinlock pmm_lock;

static inline bool is_free(size_t pfn)
{
	return bitmap[pfn / BITS] & (1ULL << (pfn % BITS));
}

static inline void set_free(size_t pfn, bool f)
{
	if (f)
		bitmap[pfn / BITS] |= 1ULL << (pfn % BITS);
	else
		bitmap[pfn / BITS] &= ~(1ULL << (pfn % BITS));
}

/* Is [base, end) clear of every reserved range? */
static bool clear_of(paddr_t base, paddr_t end, const struct pmm_range *res,
		     unsigned nres)
{
	for (unsigned i = 0; i < nres; i++)
		if (base < res[i].base + res[i].size && res[i].base < end)
			return false;
	return true;
}

/* Find room for `bytes` inside usable RAM, away from reserved ranges. */
static paddr_t place_meta(const struct pmm_range *ram, unsigned nram,
			  const struct pmm_range *res, unsigned nres,
			  uint64_t bytes, paddr_t limit)
{
	for (unsigned i = 0; i < nram; i++) {
		paddr_t b = MAX(ALIGN_UP(ram[i].base, PAGE_SIZE), PAGE_SIZE);
		paddr_t end = ram[i].base + ram[i].size;
		for (; b + bytes <= end && b + bytes <= limit; b += PAGE_SIZE)
			if (clear_of(b, b + bytes, res, nres))
				return b;
	}
	return 0;
}

static unsigned long default_kb(void);

int pmm_init(const struct pmm_range *ram, unsigned nram,
	     const struct pmm_range *res, unsigned nres, paddr_t map_limit)
{
	paddr_t top = 0, bm;
	uint64_t bits, bytes;

	for (unsigned i = 0; i < nram; i++)
		top = MAX(top, ram[i].base + ram[i].size);
	npages = top / PAGE_SIZE;
	/* The bitmap, then the reference counts, in one place. */
	bits = ALIGN_UP(npages, BITS) / 8;
	bytes = ALIGN_UP(bits + npages * sizeof(*refs), PAGE_SIZE);
	bm = place_meta(ram, nram, res, nres, bytes, map_limit);
	if (!bm)
		return -ENOMEM;
	bitmap = phys_to_virt(bm);
	refs = phys_to_virt(bm + bits);
	memset(bitmap, 0, bytes);
	total = nfree = 0;
	hint = reserve = min_free_kb = 0;
	for (unsigned i = 0; i < nram; i++) {
		size_t first = ALIGN_UP(ram[i].base, PAGE_SIZE) / PAGE_SIZE;
		size_t last = (ram[i].base + ram[i].size) / PAGE_SIZE;
		for (size_t pfn = first; pfn < last; pfn++) {
			paddr_t pa = (paddr_t)pfn * PAGE_SIZE;
			/* Page 0 stays unused so that 0 can mean failure. */
			if (pfn == 0 ||
			    !clear_of(pa, pa + PAGE_SIZE, res, nres) ||
			    (pa >= bm && pa < bm + bytes) || is_free(pfn))
				continue;
			set_free(pfn, true);
			total++;
			nfree++;
		}
	}
	pmm_set_min_free_kbytes(default_kb());
	return 0;
}

/* Linux's min_free_kbytes: sqrt(16 x RAM in kB), 128 kB to 64 MiB. */
static unsigned long default_kb(void)
{
	uint64_t kb = (uint64_t)total * (PAGE_SIZE / 1024) * 16, r = 0;

	while ((r + 1) * (r + 1) <= kb)
		r++;
	return (unsigned long)MIN(MAX(r, (uint64_t)128), (uint64_t)65536);
}

size_t pmm_default_reserve(void)
{
	return default_kb() / (PAGE_SIZE / 1024);
}

void pmm_set_reserve(size_t pages)
{
	pmm_set_min_free_kbytes(pages * (PAGE_SIZE / 1024));
}

/*
 * vm.min_free_kbytes: the reserve is its whole pages (as Linux's
 * pages_min), at most a quarter of RAM; the value reads back as set.
 */
int pmm_set_min_free_kbytes(unsigned long kb)
{
	unsigned long flags = spin_lock_irqsave(&pmm_lock);

	min_free_kb = kb;
	reserve = MIN(kb / (PAGE_SIZE / 1024), total / 4);
	spin_unlock_irqrestore(&pmm_lock, flags);
	return 0;
}

unsigned long pmm_min_free_kbytes(void)
{
	return READ_ONCE(min_free_kb);
}

size_t pmm_reserve(void)
{
	return reserve;
}

bool pmm_above_reserve(size_t n)
{
	return READ_ONCE(nfree) >= reserve + n;
}

/* Length of the free run starting at pfn, capped at want. */
static size_t run_at(size_t pfn, size_t want)
{
	size_t n = 0;

	while (n < want && pfn + n < npages && is_free(pfn + n))
		n++;
	return n;
}

static paddr_t alloc_locked(size_t n)
{
	for (int pass = 0; pass < 2; pass++) {
		size_t start = pass ? 0 : hint;
		size_t end = pass ? hint : npages;

		for (size_t pfn = start; pfn + n <= npages && pfn < end;) {
			/* Skip whole empty words quickly. */
			if (pfn % BITS == 0 && bitmap[pfn / BITS] == 0) {
				pfn += BITS;
				continue;
			}
			size_t got = run_at(pfn, n);
			if (got == n) {
				for (size_t i = 0; i < n; i++) {
					set_free(pfn + i, false);
					refs[pfn + i] = 1;
				}
				nfree -= n;
				hint = pfn + n;
				return (paddr_t)pfn * PAGE_SIZE;
			}
			pfn += got + 1;
		}
	}
	return 0;
}

paddr_t pmm_alloc(size_t n)
{
	unsigned long flags;
	paddr_t pa;

	if (n == 0 || n > nfree)
		return 0;
	flags = spin_lock_irqsave(&pmm_lock);
	pa = alloc_locked(n);
	spin_unlock_irqrestore(&pmm_lock, flags);
	return pa;
}

static paddr_t zeroed(paddr_t pa, size_t n)
{
	if (pa)
		memset(phys_to_virt(pa), 0, n * PAGE_SIZE);
	return pa;
}

paddr_t pmm_alloc_zeroed(size_t n)
{
	return zeroed(pmm_alloc(n), n);
}

paddr_t pmm_alloc_user(size_t n)
{
	unsigned long flags;
	paddr_t pa = 0;

	if (n == 0)
		return 0;
	flags = spin_lock_irqsave(&pmm_lock);
	if (nfree >= reserve + n)
		pa = alloc_locked(n);
	spin_unlock_irqrestore(&pmm_lock, flags);
	return pa;
}

paddr_t pmm_alloc_user_zeroed(size_t n)
{
	return zeroed(pmm_alloc_user(n), n);
}

void pmm_free(paddr_t pa, size_t n)
{
	size_t pfn = pa / PAGE_SIZE;
	unsigned long flags;

	BUG_ON(!IS_ALIGNED(pa, PAGE_SIZE) || pfn + n > npages);
	flags = spin_lock_irqsave(&pmm_lock);
	for (size_t i = 0; i < n; i++) {
		BUG_ON(is_free(pfn + i)); /* double free */
		/* Runs are never shared: only a single page drops a share. */
		BUG_ON(n > 1 && refs[pfn + i] != 1);
		if (--refs[pfn + i])
			continue;
		set_free(pfn + i, true);
		nfree++;
	}
	spin_unlock_irqrestore(&pmm_lock, flags);
}

void pmm_ref(paddr_t pa)
{
	size_t pfn = pa / PAGE_SIZE;
	unsigned long flags;

	BUG_ON(!IS_ALIGNED(pa, PAGE_SIZE) || pfn >= npages);
	flags = spin_lock_irqsave(&pmm_lock);
	BUG_ON(is_free(pfn)); /* a reference to a free page */
	BUG_ON(refs[pfn] == UINT32_MAX); /* never wraps */
	refs[pfn]++;
	spin_unlock_irqrestore(&pmm_lock, flags);
}

unsigned pmm_refs(paddr_t pa)
{
	size_t pfn = pa / PAGE_SIZE;

	return pfn < npages ? READ_ONCE(refs[pfn]) : 0;
}

void pmm_stats(struct pmm_stats *st)
{
	st->total_pages = total;
	st->free_pages = nfree;
}

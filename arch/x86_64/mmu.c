/*
 * mmu.c - x86-64 four-level page tables behind the portable mmu.h API
 * (arch/). Tables are reached through the direct map, allocated from the
 * pmm, and walked the same way for map, unmap, protect and query. 2 MiB
 * pages are used where a range allows and split when a change covers part
 * of one. Built into host tests too: it touches no CPU register itself.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/mmu.h>
#include <keel/pmm.h>
#include <keel/string.h>

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)
#define PTE_G (1ULL << 8)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL
#define PTE_TABLE (PTE_P | PTE_W | PTE_U)

#define LARGE_SIZE (1UL << 21)
#define ENTRIES 512

struct mmu_space kernel_space;
/* Set by the architecture once EFER.NXE is on; without it bit 63 is reserved. */
bool mmu_nx_enabled = true;

static inline unsigned idx(uintptr_t va, int level)
{
	return (va >> (12 + 9 * level)) & 0x1ff;
}

static inline uint64_t *table(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

static uint64_t leaf_bits(unsigned prot)
{
	uint64_t e = PTE_P;

	if (prot & MMU_WRITE)
		e |= PTE_W;
	if (prot & MMU_USER)
		e |= PTE_U;
	else
		e |= PTE_G;
	if (!(prot & MMU_EXEC) && mmu_nx_enabled)
		e |= PTE_NX;
	if (prot & MMU_NOCACHE)
		e |= PTE_PCD | PTE_PWT;
	return e;
}

static unsigned leaf_prot(uint64_t e)
{
	unsigned prot = MMU_READ;

	if (e & PTE_W)
		prot |= MMU_WRITE;
	if (e & PTE_U)
		prot |= MMU_USER;
	if (!(e & PTE_NX))
		prot |= MMU_EXEC;
	if (e & PTE_PCD)
		prot |= MMU_NOCACHE;
	return prot;
}

/* Pages holding page tables, the roots included (/proc/meminfo). */
static size_t table_pages;

static paddr_t table_alloc(bool zero)
{
	paddr_t pa = zero ? pmm_alloc_zeroed(1) : pmm_alloc(1);

	if (pa)
		__atomic_add_fetch(&table_pages, 1, __ATOMIC_RELAXED);
	return pa;
}

static void table_free(paddr_t pa)
{
	__atomic_sub_fetch(&table_pages, 1, __ATOMIC_RELAXED);
	pmm_free(pa, 1);
}

size_t mmu_table_pages(void)
{
	return __atomic_load_n(&table_pages, __ATOMIC_RELAXED);
}

/* Replace a 2 MiB leaf by a table of 512 equivalent 4 KiB leaves. */
static int split_large(uint64_t *pde)
{
	paddr_t pt = table_alloc(false);
	uint64_t *t;

	if (!pt)
		return -ENOMEM;
	t = phys_to_virt(pt);
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = ((*pde & PTE_ADDR) + i * PAGE_SIZE) |
		       (*pde & ~(PTE_ADDR | PTE_PS));
	*pde = pt | PTE_TABLE;
	return 0;
}

/*
 * A page table whose entries are all clear (left by earlier unmaps) makes
 * way for a 2 MiB page: free it and clear the directory entry for it.
 */
static void drop_empty_table(uint64_t *pde, uintptr_t va)
{
	uint64_t *t = table(*pde);

	for (unsigned i = 0; i < ENTRIES; i++)
		if (t[i] & PTE_P)
			return;
	table_free(*pde & PTE_ADDR);
	*pde = 0;
	arch_tlb_flush_page(va); /* also drops cached paging structures */
}

/*
 * Find the entry for va at `level` (0 = 4 KiB leaf, 1 = 2 MiB), creating
 * tables on the way when `create`. Returns NULL if absent (or out of memory
 * with *err set). A 2 MiB leaf on the way is split when level is 0 and
 * `split`, otherwise its entry is returned with *level_found = 1.
 */
static uint64_t *walk(const struct mmu_space *as, uintptr_t va, int level,
		      bool create, bool split, int *level_found, int *err)
{
	uint64_t *t = phys_to_virt(as->root);

	*err = 0;
	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[idx(va, l)];

		if (!(*e & PTE_P)) {
			paddr_t n;
			if (!create)
				return NULL;
			n = table_alloc(true);
			if (!n) {
				*err = -ENOMEM;
				return NULL;
			}
			*e = n | PTE_TABLE;
		} else if (*e & PTE_PS) { /* only at level 1 (2 MiB) here */
			if (!split) {
				*level_found = l;
				return e;
			}
			*err = split_large(e);
			if (*err)
				return NULL;
		}
		t = table(*e);
	}
	*level_found = level;
	return &t[idx(va, level)];
}

int mmu_space_init(struct mmu_space *as, const struct mmu_space *kernel)
{
	paddr_t root = table_alloc(true);

	if (!root)
		return -ENOMEM;
	if (kernel) {
		uint64_t *dst = phys_to_virt(root);
		uint64_t *src = phys_to_virt(kernel->root);
		memcpy(dst + ENTRIES / 2, src + ENTRIES / 2, PAGE_SIZE / 2);
	}
	as->root = root;
	return 0;
}

static void free_tables(uint64_t *t, int level)
{
	for (unsigned i = 0; i < ENTRIES; i++) {
		if (!(t[i] & PTE_P) || (t[i] & PTE_PS) || level == 1)
			continue;
		free_tables(table(t[i]), level - 1);
	}
	for (unsigned i = 0; level == 1 && i < ENTRIES; i++)
		if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
			table_free(t[i] & PTE_ADDR);
	table_free(virt_to_phys(t));
}

void mmu_space_destroy(struct mmu_space *as)
{
	uint64_t *root = phys_to_virt(as->root);

	for (unsigned i = 0; i < ENTRIES / 2; i++)
		if (root[i] & PTE_P)
			free_tables(table(root[i]), 2);
	table_free(as->root);
	as->root = 0;
}

static bool range_ok(uintptr_t va, size_t len)
{
	return IS_ALIGNED(va, PAGE_SIZE) && IS_ALIGNED(len, PAGE_SIZE) &&
	       va + len >= va;
}

int mmu_map(struct mmu_space *as, uintptr_t va, paddr_t pa, size_t len,
	    unsigned prot)
{
	uint64_t bits = leaf_bits(prot);
	size_t done = 0;
	int err = 0, lvl;

	if (!range_ok(va, len) || !IS_ALIGNED(pa, PAGE_SIZE))
		return -EINVAL;
	while (done < len) {
		uintptr_t v = va + done;
		paddr_t p = pa + done;
		bool large = IS_ALIGNED(v, LARGE_SIZE) &&
			     IS_ALIGNED(p, LARGE_SIZE) &&
			     len - done >= LARGE_SIZE;
		uint64_t *e =
		    walk(as, v, large ? 1 : 0, true, false, &lvl, &err);

		if (!e)
			goto undo;
		if (large && (*e & PTE_P) && !(*e & PTE_PS))
			drop_empty_table(e, v);
		if (*e & PTE_P) {
			err = -EEXIST;
			goto undo;
		}
		if (large) {
			*e = p | bits | PTE_PS;
			done += LARGE_SIZE;
		} else if (lvl != 0) {
			err = -EEXIST; /* inside an existing 2 MiB page */
			goto undo;
		} else {
			*e = p | bits;
			done += PAGE_SIZE;
		}
	}
	return 0;
undo:
	if (done)
		mmu_unmap(as, va, done);
	return err;
}

int mmu_unmap(struct mmu_space *as, uintptr_t va, size_t len)
{
	int err, lvl;

	if (!range_ok(va, len))
		return -EINVAL;
	for (size_t off = 0; off < len;) {
		uintptr_t v = va + off;
		bool whole =
		    IS_ALIGNED(v, LARGE_SIZE) && len - off >= LARGE_SIZE;
		uint64_t *e = walk(as, v, 0, false, !whole, &lvl, &err);

		if (err)
			return err;
		if (e && (*e & PTE_P)) {
			*e = 0;
			arch_tlb_flush_page(v);
		}
		off += (e && lvl == 1) ? LARGE_SIZE : PAGE_SIZE;
	}
	return 0;
}

int mmu_protect(struct mmu_space *as, uintptr_t va, size_t len, unsigned prot)
{
	uint64_t bits = leaf_bits(prot);
	int err, lvl;

	if (!range_ok(va, len))
		return -EINVAL;
	/* Validate first: every page must be mapped, so nothing half-changes. */
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		paddr_t pa;
		unsigned old;
		if (mmu_query(as, va + off, &pa, &old))
			return -ENOENT;
	}
	for (size_t off = 0; off < len;) {
		uintptr_t v = va + off;
		bool whole =
		    IS_ALIGNED(v, LARGE_SIZE) && len - off >= LARGE_SIZE;
		uint64_t *e = walk(as, v, 0, false, !whole, &lvl, &err);

		if (!e)
			return err ? err : -ENOENT;
		*e =
		    (*e & (PTE_ADDR | PTE_PS)) | bits | (lvl == 1 ? PTE_PS : 0);
		arch_tlb_flush_page(v);
		off += lvl == 1 ? LARGE_SIZE : PAGE_SIZE;
	}
	return 0;
}

int mmu_query(const struct mmu_space *as, uintptr_t va, paddr_t *pa,
	      unsigned *prot)
{
	int err, lvl;
	uint64_t *e = walk(as, va, 0, false, false, &lvl, &err);

	if (!e || !(*e & PTE_P))
		return -ENOENT;
	if (lvl == 1)
		*pa = (*e & PTE_ADDR & ~(LARGE_SIZE - 1)) +
		      (va & (LARGE_SIZE - 1));
	else
		*pa = (*e & PTE_ADDR) + (va & (PAGE_SIZE - 1));
	*prot = leaf_prot(*e);
	return 0;
}

/*
 * mmu.h - page tables: map, unmap and change protection of virtual ranges
 * in an address space. The table format is the architecture's
 * (arch/x86_64/mmu.c); the interface is portable.
 */
#ifndef KEEL_MMU_H
#define KEEL_MMU_H

#include <keel/page.h>

#define MMU_READ 0x1u
#define MMU_WRITE 0x2u
#define MMU_EXEC 0x4u
#define MMU_USER 0x8u
#define MMU_NOCACHE 0x10u /* device memory */

struct mmu_space {
	paddr_t root; /* physical address of the top-level table */
};

/* Create an empty space; kernel half shared with `kernel` if non-NULL. */
int mmu_space_init(struct mmu_space *as, const struct mmu_space *kernel);
/* Free the tables of the lower (user) half and the root. */
void mmu_space_destroy(struct mmu_space *as);

/* Map [va, va+len) to [pa, pa+len). Fails with -EEXIST over a mapping. */
int mmu_map(struct mmu_space *as, uintptr_t va, paddr_t pa, size_t len,
	    unsigned prot);
/* Unmap [va, va+len); holes are fine. */
int mmu_unmap(struct mmu_space *as, uintptr_t va, size_t len);
/* Change protection of [va, va+len); -ENOENT if any page is unmapped. */
int mmu_protect(struct mmu_space *as, uintptr_t va, size_t len, unsigned prot);
/* Look up one address: 0 and *pa, *prot filled, or -ENOENT. */
int mmu_query(const struct mmu_space *as, uintptr_t va, paddr_t *pa,
	      unsigned *prot);

/* Pages the page tables of every space take now (/proc/meminfo's
 * PageTables; the tables the boot code built are not counted). */
size_t mmu_table_pages(void);

/* The kernel's own space (set up at boot). */
extern struct mmu_space kernel_space;

#endif

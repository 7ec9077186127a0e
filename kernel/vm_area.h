/*
 * vm_area.h - what the kernel/vm*.c files share (kernel/, private): the
 * address space of a process (struct mm: the sorted list of areas of the
 * user half, the lock over it, the break, the page tables), and the
 * helpers that split, merge, drop and fill areas' pages. Not for use
 * outside vm*.c.
 */
#ifndef KEEL_VM_AREA_H
#define KEEL_VM_AREA_H

#include <keel/list.h>
#include <keel/mmu.h>
#include <keel/sync.h>
#include <keel/vm.h>

/* Area flags. */
#define VMA_SHARED 0x1u /* MAP_SHARED (a file: read-only) */
#define VMA_STACK 0x2u /* MAP_GROWSDOWN: the main stack, "[stack]" */
#define VMA_HEAP 0x4u /* grown by brk, "[heap]" */
#define VMA_TOUCHED 0x8u /* pages may be present (else none are) */
/*
 * The kernel's own pages shown to the program (vm_pages.c): off is the
 * physical address of start, every page is mapped from the start, and
 * unmapping never frees one. Such an area is never merged or moved.
 */
#define VMA_PINNED 0x10u
/* MAP_NOWRITE: mprotect may not make it writable. */
#define VMA_NOWRITE 0x20u
/* Its whole length is charged to the commit (vm_commit.c): given back
 * by vma_free. The stack is charged by its present pages instead. */
#define VMA_ACCOUNT 0x40u
/* MAP_NORESERVE outside mode 2: mprotect does not charge it either. */
#define VMA_NORESERVE 0x80u

/* VMA_PINNED pages a fork's child keeps too (the vDSO): mapped to the
 * same frames, never writable (with VMA_NOWRITE), private in maps. */
#define VMA_INHERIT 0x100u

/* The lowest address mmap places anything at (Linux's mmap_min_addr). */
#define VM_MMAP_MIN 0x10000UL
/* Placement is top-down from here (Linux's mmap_base, not randomised). */
#define VM_MMAP_BASE 0x7f0000000000UL

struct vm_area {
	struct list_node node; /* in its mm's areas, sorted by start */
	uintptr_t start, end; /* page aligned, start < end */
	unsigned prot; /* PROT_READ | PROT_WRITE | PROT_EXEC */
	unsigned flags; /* VMA_* */
	struct file *file; /* NULL: anonymous (zero-fill) */
	uint64_t off; /* file offset of start */
	/*
	 * With VMA_TOUCHED: pages are present only in [tlo, thi) (which may
	 * reach past the area after a split), so that dropping or changing
	 * the pages of a huge area that was touched in a few places does
	 * not walk every page of it.
	 */
	uintptr_t tlo, thi;
	const char *name; /* VMA_PINNED: what /proc/self/maps shows */
};

/*
 * An address space (include/keel/vm.h). Everything but `space` changes
 * under `lock` only. The first process's uses kernel_space itself; the
 * others have their own root (`own`), whose kernel half is kernel_space's.
 */
struct mm {
	struct list_node areas; /* struct vm_area, sorted by start */
	struct spinlock lock;
	/* Bumped by every change to the areas, so vm_fault can drop the lock. */
	unsigned long gen;
	uintptr_t brk_start, brk_cur; /* vm_brk.c */
	size_t resident; /* pages mapped for the areas (not pinned ones) */
	size_t stack_pages; /* of them in VMA_STACK areas (charged) */
	size_t map_count; /* areas in the list (vm.max_map_count) */
	struct mmu_space *space; /* &kernel_space or &own */
	struct mmu_space own;
};

/* The calling process's space. */
struct mm *vm_cur(void);

/* The file calls fs/ provided (vm_set_file_ops); set before any file
 * area exists. */
extern const struct vm_file_ops *vm_file;

static inline struct vm_area *vma_of(struct list_node *n)
{
	return list_entry(n, struct vm_area, node);
}

static inline struct vm_area *vma_after(struct mm *mm, struct vm_area *a)
{
	return a->node.next == &mm->areas ? NULL : vma_of(a->node.next);
}

/* The area containing addr, or NULL. */
struct vm_area *vma_find(struct mm *mm, uintptr_t addr);
/* The first area ending above addr (containing it or after it), or NULL. */
struct vm_area *vma_next_from(struct mm *mm, uintptr_t addr);
/* Whether [start, end) meets no area. */
bool vma_range_free(struct mm *mm, uintptr_t start, uintptr_t end);
/* Whether every page of [start, end) lies in some area. */
bool vma_range_mapped(struct mm *mm, uintptr_t start, uintptr_t end);
/* The highest free gap of len bytes inside [lo, hi): its start, or 0. */
uintptr_t vma_find_gap(struct mm *mm, size_t len, uintptr_t lo, uintptr_t hi);

/* An area structure, zeroed, charged to MEM_VMA until vma_dealloc (NULL:
 * the charge or the heap said no). */
struct vm_area *vma_alloc(void);
void vma_dealloc(struct vm_area *a);

/*
 * Preallocated area structures, so that changes which split areas can be
 * checked for memory first and then done without failing.
 */
#define VMA_SPARES 7
struct vma_spares {
	struct vm_area *a[VMA_SPARES];
};
int vma_spares_get(struct vma_spares *s, unsigned n);
/* For munmap, which only gives areas back (one more at most, splitting
 * one in two): charged past MEM_VMA's limit, so it never fails there. */
int vma_spares_get_unmap(struct vma_spares *s, unsigned n);
void vma_spares_put(struct vma_spares *s);
struct vm_area *vma_spare_take(struct vma_spares *s);

/* Split a at addr (inside it); a keeps the lower part. Returns the upper. */
struct vm_area *vma_split(struct mm *mm, struct vm_area *a, uintptr_t addr,
			  struct vma_spares *s);
/* Insert a new area (its range is free). */
void vma_insert(struct mm *mm, struct vm_area *a);
/* Take a out of the list and free it (its pages are dropped already). */
void vma_free(struct mm *mm, struct vm_area *a);
/*
 * vm.max_map_count, checked as Linux does before a change: whether mm
 * would pass it holding `more` areas than now (mmap: 0, a split: 1), and
 * whether unmapping [start, end) would (a hole inside one area, at the
 * limit).
 */
bool vma_count_over(const struct mm *mm, size_t more);
bool vma_unmap_over(struct mm *mm, uintptr_t start, uintptr_t end);
/* Merge a with compatible neighbours; returns the surviving area. */
struct vm_area *vma_merge(struct mm *mm, struct vm_area *a);
/* Remove every area of [start, end), splitting at the edges (2 spares). */
void vma_unmap_range(struct mm *mm, uintptr_t start, uintptr_t end,
		     struct vma_spares *s);

/*
 * Map [at, at+len) (page aligned) as vm_mmap does once the place is chosen:
 * MAP_FIXED first removes what is there (3 spares in all).
 */
void vma_map(struct mm *mm, uintptr_t at, size_t len, unsigned prot,
	     unsigned flags, struct file *f, uint64_t off,
	     struct vma_spares *s);

/* kernel/vm_fault.c: page tables of areas. */
unsigned vma_mmu_prot(unsigned prot);
/*
 * The protection of the page pa of area a: the area's, but read-only
 * while a private page is shared copy-on-write (pmm_refs > 1).
 */
unsigned vma_page_prot(const struct vm_area *a, paddr_t pa);
/* Narrow [*start, *end) to where a has ever had pages; false if nowhere. */
bool vma_touched_range(const struct vm_area *a, uintptr_t *start,
		       uintptr_t *end);
/* Note that a has a page at va now. */
void vma_touch(struct vm_area *a, uintptr_t va);
/* Unmap and free the present pages of [start, end) of area a. */
void vma_drop_pages(struct mm *mm, struct vm_area *a, uintptr_t start,
		    uintptr_t end);
/* Change the protection of the present pages of [start, end) of a. */
void vma_protect_pages(struct mm *mm, struct vm_area *a, uintptr_t start,
		       uintptr_t end);
/* Fault in [start, end) now (MAP_POPULATE), for writing when the mapping
 * is private and writable (as Linux: its own pages, not the zero page),
 * up to the first page that fails (not reported: mmap has succeeded). */
void vm_populate(uintptr_t start, uintptr_t end, bool write);
/* Whether a page counts as resident (every page but the zero page). */
bool vm_page_counts(paddr_t pa);
/* kernel/vm_pages.c: the child's copy of a VMA_INHERIT area (parent
 * locked); -ENOMEM leaves what is made for vm_mm_free to drop. */
int vm_fork_pinned(struct mm *parent, struct mm *child,
		   const struct vm_area *a);
/* kernel/vm_brk.c: the break of mm starts at start (under its lock). */
void vm_brk_reset(struct mm *mm, uintptr_t start);

/*
 * kernel/vm_commit.c (vm_commit_charge and vm_commit_uncharge are in
 * include/keel/vm.h). vma_accountable: whether a mapping of this protection and these
 * MAP_ flags is charged by its length (VMA_ACCOUNT). vma_check_limits
 * (under mm's lock): -ENOMEM if pages more (data: of private writable
 * memory) would pass the caller's RLIMIT_AS (or RLIMIT_DATA), not counting
 * what is now in [lo, hi) (MAP_FIXED replaces it; lo == hi: nothing).
 */
bool vma_accountable(unsigned prot, unsigned flags);
int vma_check_limits(struct mm *mm, size_t pages, bool data, uintptr_t lo,
		     uintptr_t hi);
/* Linux's is_data_mapping: private, writable, not the stack. */
bool vma_is_data(const struct vm_area *a);

#endif

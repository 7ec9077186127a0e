/*
 * vm_pages.c - the kernel's own pages shown to the program (kernel/): a
 * shared area over physically contiguous pages a kernel object owns (the
 * ring of an AIO context), mapped whole at once; or read-only pages every
 * process has and a fork keeps (the vDSO and its clock page). The program
 * may unmap, protect or replace parts of it like any mapping; the pages
 * stay the owner's, which takes back what is left of its area before
 * freeing them.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mmu.h>
#include <keel/uaccess.h>
#include "vm_area.h"

/* Map the parts one after another at at, one area each (mm locked). */
static int map_parts(struct mm *mm, uintptr_t at, const struct vm_pages *parts,
		     unsigned n, unsigned flags, struct vm_area **areas)
{
	uintptr_t start = at;

	for (unsigned i = 0; i < n; i++) {
		const struct vm_pages *p = &parts[i];
		struct vm_area *a = areas[i];
		unsigned prot = p->prot & (PROT_READ | PROT_WRITE | PROT_EXEC);

		if (mmu_map(mm->space, at, p->pa, p->len, vma_mmu_prot(prot))) {
			/* Whatever was mapped of this part and the ones
			 * before it (holes are fine). */
			mmu_unmap(mm->space, start, at + p->len - start);
			return -ENOMEM;
		}
		a->start = a->tlo = at;
		a->end = a->thi = at + p->len;
		a->prot = prot;
		a->flags = VMA_PINNED | VMA_TOUCHED;
		if (flags & VM_PAGES_FORK)
			a->flags |= VMA_INHERIT | VMA_NOWRITE;
		else
			a->flags |= VMA_SHARED;
		a->off = p->pa;
		a->name = p->name;
		at += p->len;
	}
	for (unsigned i = 0; i < n; i++)
		vma_insert(mm, areas[i]);
	return 0;
}

long vm_map_kernel_pages(const struct vm_pages *parts, unsigned n,
			 unsigned flags, uintptr_t lo)
{
	struct vm_area *areas[VM_PAGES_MAX] = { 0 };
	struct mm *mm = vm_cur();
	size_t len = 0;
	unsigned long irq;
	uintptr_t at = 0;
	long err = -ENOMEM;

	if (!n || n > VM_PAGES_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		if (!parts[i].len || !IS_ALIGNED(parts[i].len, PAGE_SIZE) ||
		    !IS_ALIGNED(parts[i].pa, PAGE_SIZE))
			return -EINVAL;
		len += parts[i].len;
	}
	for (unsigned i = 0; i < n; i++)
		if (!(areas[i] = vma_alloc()))
			goto out_free;
	irq = spin_lock_irqsave(&mm->lock);
	if (!vma_count_over(mm, 0)) { /* else vm.max_map_count: ENOMEM */
		if (lo && lo < USER_TOP)
			at = vma_find_gap(mm, len, lo, USER_TOP);
		if (!at)
			at = vma_find_gap(mm, len, VM_MMAP_MIN, VM_MMAP_BASE);
		if (!at)
			at = vma_find_gap(mm, len, VM_MMAP_MIN, USER_TOP);
	}
	err = at ? map_parts(mm, at, parts, n, flags, areas) : -ENOMEM;
	if (!err)
		mm->gen++;
	spin_unlock_irqrestore(&mm->lock, irq);
	if (!err)
		return (long)at;
out_free:
	for (unsigned i = 0; i < n; i++)
		if (areas[i])
			vma_dealloc(areas[i]);
	return err;
}

long vm_map_pages(paddr_t pa, size_t len, unsigned prot, const char *name)
{
	struct vm_pages p = {
		.pa = pa, .len = len, .prot = prot & ~PROT_EXEC, .name = name
	};

	return vm_map_kernel_pages(&p, 1, 0, 0);
}

/*
 * A fork's copy of a pinned area the child keeps (VMA_INHERIT): the same
 * frames, which stay their owner's (no references taken), mapped where
 * the parent has them.
 */
int vm_fork_pinned(struct mm *parent, struct mm *child, const struct vm_area *a)
{
	struct vm_area *c = vma_alloc();

	if (!c)
		return -ENOMEM;
	*c = *a;
	list_push_back(&child->areas, &c->node);
	for (uintptr_t va = a->start; va < a->end; va += PAGE_SIZE) {
		paddr_t pa;
		unsigned p;
		if (mmu_query(parent->space, va, &pa, &p))
			continue;
		if (mmu_map(child->space, va, pa, PAGE_SIZE, p))
			return -ENOMEM;
	}
	return 0;
}

void vm_unmap_pages(uintptr_t addr, size_t len, paddr_t pa)
{
	struct mm *mm = vm_cur();
	unsigned long irq = spin_lock_irqsave(&mm->lock);
	struct vm_area *a = vma_next_from(mm, addr), *next;

	/* Pinned areas never grow, move or merge: what is left of this one
	 * lies inside [addr, addr + len), and needs no split to go. */
	for (; a && a->start < addr + len; a = next) {
		next = vma_after(mm, a);
		if (!(a->flags & VMA_PINNED) ||
		    a->off != pa + (a->start - addr))
			continue;
		vma_drop_pages(mm, a, a->start, a->end);
		vma_free(mm, a);
	}
	mm->gen++;
	spin_unlock_irqrestore(&mm->lock, irq);
}

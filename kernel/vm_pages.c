/*
 * vm_pages.c - the kernel's own pages shown to the program (kernel/): a
 * shared area over physically contiguous pages a kernel object owns (the
 * ring of an AIO context), mapped whole at once. The program may unmap,
 * protect or replace parts of it like any mapping; the pages stay the
 * owner's, which takes back what is left of its area before freeing them.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mmu.h>
#include <keel/uaccess.h>
#include "vm_area.h"

long vm_map_pages(paddr_t pa, size_t len, unsigned prot, const char *name)
{
	struct mm *mm = vm_cur();
	struct vm_area *a;
	unsigned long irq;
	uintptr_t at;

	if (!len || !IS_ALIGNED(len, PAGE_SIZE) || !IS_ALIGNED(pa, PAGE_SIZE))
		return -EINVAL;
	a = vma_alloc();
	if (!a)
		return -ENOMEM;
	irq = spin_lock_irqsave(&mm->lock);
	at = vma_count_over(mm, 0)
		 ? 0 /* vm.max_map_count */
		 : vma_find_gap(mm, len, VM_MMAP_MIN, VM_MMAP_BASE);
	if (!at && !vma_count_over(mm, 0))
		at = vma_find_gap(mm, len, VM_MMAP_MIN, USER_TOP);
	if (!at || mmu_map(mm->space, at, pa, len,
			   vma_mmu_prot(prot & (PROT_READ | PROT_WRITE)))) {
		spin_unlock_irqrestore(&mm->lock, irq);
		vma_dealloc(a);
		return -ENOMEM;
	}
	a->start = a->tlo = at;
	a->end = a->thi = at + len;
	a->prot = prot & (PROT_READ | PROT_WRITE);
	a->flags = VMA_SHARED | VMA_PINNED | VMA_TOUCHED;
	a->off = pa;
	a->name = name;
	vma_insert(mm, a);
	mm->gen++;
	spin_unlock_irqrestore(&mm->lock, irq);
	return (long)at;
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

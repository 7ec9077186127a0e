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
	struct vm_area *a;
	unsigned long irq;
	uintptr_t at;

	if (!len || !IS_ALIGNED(len, PAGE_SIZE) || !IS_ALIGNED(pa, PAGE_SIZE))
		return -EINVAL;
	a = kzalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	irq = spin_lock_irqsave(&vm_lock);
	at = vma_find_gap(len, VM_MMAP_MIN, VM_MMAP_BASE);
	if (!at)
		at = vma_find_gap(len, VM_MMAP_MIN, USER_TOP);
	if (!at || mmu_map(&kernel_space, at, pa, len,
			   vma_mmu_prot(prot & (PROT_READ | PROT_WRITE)))) {
		spin_unlock_irqrestore(&vm_lock, irq);
		kfree(a);
		return -ENOMEM;
	}
	a->start = a->tlo = at;
	a->end = a->thi = at + len;
	a->prot = prot & (PROT_READ | PROT_WRITE);
	a->flags = VMA_SHARED | VMA_PINNED | VMA_TOUCHED;
	a->off = pa;
	a->name = name;
	vma_insert(a);
	vm_gen++;
	spin_unlock_irqrestore(&vm_lock, irq);
	return (long)at;
}

void vm_unmap_pages(uintptr_t addr, size_t len, paddr_t pa)
{
	unsigned long irq = spin_lock_irqsave(&vm_lock);
	struct vm_area *a = vma_next_from(addr), *next;

	/* Pinned areas never grow, move or merge: what is left of this one
	 * lies inside [addr, addr + len), and needs no split to go. */
	for (; a && a->start < addr + len; a = next) {
		next = vma_after(a);
		if (!(a->flags & VMA_PINNED) ||
		    a->off != pa + (a->start - addr))
			continue;
		vma_drop_pages(a, a->start, a->end);
		vma_free(a);
	}
	vm_gen++;
	spin_unlock_irqrestore(&vm_lock, irq);
}

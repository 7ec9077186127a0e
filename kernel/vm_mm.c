/*
 * vm_mm.c - address spaces, one per process (kernel/): the first
 * process's, over kernel_space's user half; new ones with page tables of
 * their own (the kernel half shared); the copy a fork makes, sharing
 * private pages copy-on-write and MAP_SHARED pages as they are; and their
 * end. Every vm_* call works on the calling process's space (vm_cur).
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/process.h>
#include "vm_area.h"

/* The first process's: valid before vm_init, so early callers work too. */
static struct mm init_mm = {
	.areas = LIST_INIT(init_mm.areas),
	.space = &kernel_space,
};

struct mm *vm_cur(void)
{
	struct process *p = current_process();

	return p && p->mm ? p->mm : &init_mm;
}

/* Drop every area and page of mm, and its break (under its lock). */
static void drop_all(struct mm *mm)
{
	while (!list_empty(&mm->areas)) {
		struct vm_area *a = vma_of(mm->areas.next);
		vma_drop_pages(mm, a, a->start, a->end);
		vma_free(mm, a);
	}
	mm->gen++;
	vm_brk_reset(mm, 0);
}

void vm_destroy(void)
{
	struct mm *mm = vm_cur();
	unsigned long irq = spin_lock_irqsave(&mm->lock);

	drop_all(mm);
	spin_unlock_irqrestore(&mm->lock, irq);
}

struct mm *vm_mm_init(void)
{
	unsigned long irq = spin_lock_irqsave(&init_mm.lock);

	drop_all(&init_mm);
	spin_unlock_irqrestore(&init_mm.lock, irq);
	return &init_mm;
}

int vm_init(void)
{
	struct process *p = current_process();

	if (p && !p->mm)
		p->mm = vm_mm_init();
	else
		vm_destroy();
	return 0;
}

struct mm *vm_mm_new(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));

	if (!mm)
		return NULL;
	if (mmu_space_init(&mm->own, &kernel_space)) {
		kfree(mm);
		return NULL;
	}
	list_init(&mm->areas);
	mm->space = &mm->own;
	return mm;
}

void vm_mm_free(struct mm *mm)
{
	unsigned long irq;

	BUG_ON(mm == vm_cur()); /* the CPU may be walking its tables */
	irq = spin_lock_irqsave(&mm->lock);
	drop_all(mm);
	spin_unlock_irqrestore(&mm->lock, irq);
	if (mm == &init_mm)
		return; /* kernel_space stays, and so do its user tables */
	mmu_space_destroy(&mm->own);
	kfree(mm);
}

void vm_mm_activate(struct mm *mm)
{
	arch_switch_space(vm_mm_root(mm));
}

paddr_t vm_mm_root(const struct mm *mm)
{
	return mm->space->root;
}

size_t vm_mm_resident(const struct mm *mm)
{
	return READ_ONCE(mm->resident);
}

size_t vm_mm_total_pages(struct mm *mm)
{
	unsigned long irq = spin_lock_irqsave(&mm->lock);
	size_t n = 0;

	list_for_each (it, &mm->areas)
		n += (vma_of(it)->end - vma_of(it)->start) / PAGE_SIZE;
	spin_unlock_irqrestore(&mm->lock, irq);
	return n;
}

/*
 * Give every page of a shared anonymous area of mm a frame now (zeroed,
 * under the lock: no file to read), so that the frames a fork shares are
 * all there is: a page first touched later by one process alone would
 * not be seen by the other. 0 or -ENOMEM (the pages made so far stay:
 * they read as zeros, as the missing ones did).
 */
static int fill_shared(struct mm *mm, struct vm_area *a)
{
	for (uintptr_t va = a->start; va < a->end; va += PAGE_SIZE) {
		paddr_t pa;
		unsigned p;
		if (!mmu_query(mm->space, va, &pa, &p))
			continue;
		pa = pmm_alloc_zeroed(1);
		if (!pa)
			return -ENOMEM;
		if (mmu_map(mm->space, va, pa, PAGE_SIZE,
			    vma_mmu_prot(a->prot))) {
			pmm_free(pa, 1);
			return -ENOMEM;
		}
		vma_touch(a, va);
		mm->resident++;
	}
	return 0;
}

/*
 * Map the present pages of area a of the parent into the child, each
 * frame with one more reference: as they are for a shared area or a
 * read-only one, read-only in both for a writable private one (the
 * parent's entries changed and flushed: it is the current space).
 */
static int share_pages(struct mm *parent, struct mm *child,
		       const struct vm_area *a)
{
	bool cow = !(a->flags & VMA_SHARED) && (a->prot & PROT_WRITE);
	uintptr_t lo = a->start, hi = a->end;

	if (!vma_touched_range(a, &lo, &hi))
		return 0;
	for (uintptr_t va = lo; va < hi; va += PAGE_SIZE) {
		paddr_t pa;
		unsigned p;
		if (mmu_query(parent->space, va, &pa, &p))
			continue;
		if ((a->flags & VMA_STACK) && vm_commit_charge(1))
			return -ENOMEM;
		if (mmu_map(child->space, va, pa, PAGE_SIZE,
			    cow ? p & ~MMU_WRITE : p)) {
			if (a->flags & VMA_STACK)
				vm_commit_uncharge(1);
			return -ENOMEM;
		}
		pmm_ref(pa);
		if (vm_page_counts(pa))
			child->resident++;
		if (a->flags & VMA_STACK)
			child->stack_pages++;
		if (cow && (p & MMU_WRITE))
			mmu_protect(parent->space, va, PAGE_SIZE,
				    p & ~MMU_WRITE);
	}
	return 0;
}

/* The parent's areas and pages into the empty child (parent locked). */
static int fork_locked(struct mm *parent, struct mm *child)
{
	child->brk_start = parent->brk_start;
	child->brk_cur = parent->brk_cur;
	list_for_each (n, &parent->areas) {
		struct vm_area *a = vma_of(n), *c;
		int err;

		if (a->flags & VMA_INHERIT) {
			err = vm_fork_pinned(parent, child, a);
			if (err)
				return err;
			continue;
		}
		if (a->flags & VMA_PINNED)
			continue; /* the kernel's pages: not inherited */
		if ((a->flags & VMA_SHARED) && !a->file) {
			err = fill_shared(parent, a);
			if (err)
				return err;
		}
		/* The child's private writable memory is charged too. */
		if ((a->flags & VMA_ACCOUNT) &&
		    vm_commit_charge((a->end - a->start) / PAGE_SIZE))
			return -ENOMEM;
		c = vma_alloc();
		if (!c) {
			if (a->flags & VMA_ACCOUNT)
				vm_commit_uncharge((a->end - a->start) /
						   PAGE_SIZE);
			return -ENOMEM;
		}
		*c = *a;
		if (c->file)
			vm_file->get(c->file);
		list_push_back(&child->areas, &c->node);
		child->map_count++;
		err = share_pages(parent, child, a);
		if (err)
			return err;
	}
	return 0;
}

struct mm *vm_mm_fork(void)
{
	struct mm *parent = vm_cur(), *child = vm_mm_new();
	unsigned long irq;
	int err;

	if (!child)
		return NULL;
	irq = spin_lock_irqsave(&parent->lock);
	err = fork_locked(parent, child);
	spin_unlock_irqrestore(&parent->lock, irq);
	if (err) {
		/* The child's references go; the parent's pages made
		 * read-only become writable again at their next write. */
		vm_mm_free(child);
		return NULL;
	}
	return child;
}

/*
 * vm_brk.c - the program break (kernel/): brk(2) grows and shrinks the
 * "[heap]" area from where exec put its start, never over another mapping
 * (a free page must stay above it), and reports the old break on failure
 * (also when the commit or RLIMIT_DATA refuse the growth).
 */
#include <keel/uaccess.h>
#include "vm_area.h"

void vm_brk_reset(struct mm *mm, uintptr_t start)
{
	mm->brk_start = mm->brk_cur = ALIGN_UP(start, PAGE_SIZE);
}

/* Called by exec before the program runs. */
void vm_brk_init(uintptr_t start)
{
	struct mm *mm = vm_cur();
	unsigned long irq = spin_lock_irqsave(&mm->lock);

	vm_brk_reset(mm, start);
	spin_unlock_irqrestore(&mm->lock, irq);
}

static bool brk_grow(struct mm *mm, uintptr_t old_top, uintptr_t new_top,
		     struct vma_spares *s)
{
	struct vm_area *a = NULL;
	size_t pages = (new_top - old_top) / PAGE_SIZE;

	if (new_top > USER_TOP - PAGE_SIZE ||
	    !vma_range_free(mm, old_top, new_top + PAGE_SIZE))
		return false;
	/* RLIMIT_DATA counts the break too; the heap is charged whole;
	 * vm.max_map_count is checked first, as Linux's do_brk_flags. */
	if (vma_count_over(mm, 0) || vma_check_limits(mm, pages, true, 0, 0) ||
	    vm_commit_charge(pages))
		return false;
	if (old_top > mm->brk_start)
		a = vma_find(mm, old_top - 1);
	if (a && (a->flags & VMA_HEAP) && (a->flags & VMA_ACCOUNT) &&
	    a->end == old_top) {
		a->end = new_top;
	} else {
		a = vma_spare_take(s);
		a->start = old_top;
		a->end = new_top;
		a->prot = PROT_READ | PROT_WRITE;
		a->flags = VMA_HEAP | VMA_ACCOUNT;
		a->file = NULL;
		a->off = 0;
		vma_insert(mm, a);
	}
	mm->gen++;
	return true;
}

uintptr_t vm_brk(uintptr_t new_end)
{
	struct mm *mm = vm_cur();
	uintptr_t old_top, new_top, ret;
	struct vma_spares s;
	unsigned long irq;

	if (vma_spares_get(&s, 2))
		return READ_ONCE(mm->brk_cur);
	irq = spin_lock_irqsave(&mm->lock);
	ret = mm->brk_cur;
	if (!mm->brk_start || new_end < mm->brk_start || new_end > USER_TOP)
		goto out;
	old_top = ALIGN_UP(mm->brk_cur, PAGE_SIZE);
	new_top = ALIGN_UP(new_end, PAGE_SIZE);
	if (new_top < old_top)
		vma_unmap_range(mm, new_top, old_top, &s);
	else if (new_top > old_top && !brk_grow(mm, old_top, new_top, &s))
		goto out;
	mm->brk_cur = ret = new_end;
out:
	spin_unlock_irqrestore(&mm->lock, irq);
	vma_spares_put(&s);
	return ret;
}

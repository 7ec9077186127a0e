/*
 * vm_remap.c - mremap(2) (kernel/): shrink in place, grow in place when
 * the range after the area is free, or move the pages (their frames, not
 * copies) to a new place with MREMAP_MAYMOVE, or to a given one with
 * MREMAP_FIXED. MREMAP_DONTUNMAP is not supported (-EINVAL). Also
 * remap_file_pages, which Linux emulates by mapping again.
 */
#include <keel/errno.h>
#include <keel/mmu.h>
#include <keel/uaccess.h>
#include "vm_area.h"

static int check_mremap(uintptr_t old, size_t old_len, size_t new_len,
			unsigned flags, uintptr_t new_addr)
{
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (!IS_ALIGNED(old, PAGE_SIZE) || !old_len || !new_len)
		return -EINVAL;
	if (old_len > USER_TOP || new_len > USER_TOP || old > USER_TOP)
		return -EINVAL;
	if (!(flags & MREMAP_FIXED))
		return 0;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!IS_ALIGNED(new_addr, PAGE_SIZE) || new_addr < USER_MIN ||
	    new_addr > USER_TOP || new_len > USER_TOP - new_addr)
		return -EINVAL;
	if (new_addr < old + old_len && old < new_addr + new_len)
		return -EINVAL; /* overlapping ranges */
	return 0;
}

/*
 * Map the present pages of [from, from+len) at to as well; on failure
 * (page tables need memory) undo that and return -ENOMEM.
 */
static int alias_pages(struct mm *mm, uintptr_t from, uintptr_t to, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		paddr_t pa;
		unsigned p;
		if (mmu_query(mm->space, from + off, &pa, &p))
			continue;
		if (mmu_map(mm->space, to + off, pa, PAGE_SIZE, p)) {
			mmu_unmap(mm->space, to, off);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Move [old, old+len), all inside area a, to [to, to+new_len). */
static long move_area(struct mm *mm, struct vm_area *a, uintptr_t old,
		      size_t len, uintptr_t to, size_t new_len,
		      struct vma_spares *s)
{
	/* Only [lo, hi) can hold pages (vm_area.h). */
	uintptr_t lo = old, hi = old + len;
	bool touched = vma_touched_range(a, &lo, &hi) && lo < hi;
	struct vm_area *n;

	if (touched) {
		if (alias_pages(mm, lo, to + (lo - old), hi - lo))
			return -ENOMEM;
		mmu_unmap(mm->space, lo, hi - lo); /* the frames moved */
	}
	if (a->start < old)
		a = vma_split(mm, a, old, s);
	if (a->end > old + len)
		vma_split(mm, a, old + len, s);
	n = vma_spare_take(s);
	*n = *a;
	n->start = to;
	n->end = to + new_len;
	n->flags &= ~VMA_TOUCHED;
	if (touched) {
		n->flags |= VMA_TOUCHED;
		n->tlo = to + (lo - old);
		n->thi = to + (hi - old);
	}
	if (n->file)
		vm_file->get(n->file);
	/* Its pages moved: nothing to drop; n holds its charge now. */
	a->flags &= ~(VMA_TOUCHED | VMA_ACCOUNT);
	vma_unmap_range(mm, a->start, a->end, s);
	vma_insert(mm, n);
	vma_merge(mm, n);
	return to;
}

static long remap_area(struct mm *mm, uintptr_t old, size_t old_len,
		       size_t new_len, unsigned flags, uintptr_t new_addr,
		       struct vma_spares *s)
{
	struct vm_area *a = vma_find(mm, old);
	uintptr_t to;

	if (!a || old_len > a->end - old)
		return -EFAULT;
	/* The kernel's pages neither grow (as VM_DONTEXPAND) nor move. */
	if ((a->flags & VMA_PINNED) && new_len > old_len)
		return -EFAULT;
	if ((a->flags & VMA_PINNED) && (flags & MREMAP_FIXED))
		return -EINVAL;
	/* vm.max_map_count, with Linux's margins: a move may split the
	 * old area twice and the target's neighbours. */
	if ((flags & MREMAP_FIXED) && vma_count_over(mm, 6))
		return -ENOMEM;
	if (flags & MREMAP_FIXED) {
		vma_unmap_range(mm, new_addr, new_addr + new_len, s);
		if (new_len < old_len) {
			vma_unmap_range(mm, old + new_len, old + old_len, s);
			old_len = new_len;
		}
		a = vma_find(mm, old); /* the unmaps may have split it */
		return move_area(mm, a, old, old_len, new_addr, new_len, s);
	}
	if (new_len <= old_len) {
		if (vma_unmap_over(mm, old + new_len, old + old_len))
			return -ENOMEM;
		vma_unmap_range(mm, old + new_len, old + old_len, s);
		return old;
	}
	if (old + old_len == a->end && new_len <= USER_TOP - old &&
	    vma_range_free(mm, a->end, old + new_len)) {
		a->end = old + new_len;
		vma_merge(mm, a);
		mm->gen++;
		return old;
	}
	if (!(flags & MREMAP_MAYMOVE) || vma_count_over(mm, 4))
		return -ENOMEM;
	to = vma_find_gap(mm, new_len, VM_MMAP_MIN, VM_MMAP_BASE);
	if (!to)
		to = vma_find_gap(mm, new_len, VM_MMAP_MIN, USER_TOP);
	if (!to)
		return -ENOMEM;
	return move_area(mm, a, old, old_len, to, new_len, s);
}

/*
 * Growth is checked against RLIMIT_AS and RLIMIT_DATA and, for a charged
 * area, charged first (given back if the remap fails); what a shrink or
 * MREMAP_FIXED unmaps gives its charge back as munmap does.
 */
static long remap_locked(struct mm *mm, uintptr_t old, size_t old_len,
			 size_t new_len, unsigned flags, uintptr_t new_addr,
			 struct vma_spares *s)
{
	struct vm_area *a = vma_find(mm, old);
	size_t grow = 0;
	bool acct;
	long ret;

	if (a && new_len > old_len && old_len <= a->end - old)
		grow = (new_len - old_len) / PAGE_SIZE;
	acct = grow && (a->flags & VMA_ACCOUNT);
	if (grow && vma_check_limits(mm, grow, vma_is_data(a), 0, 0))
		return -ENOMEM;
	if (acct && vm_commit_charge(grow))
		return -ENOMEM;
	ret = remap_area(mm, old, old_len, new_len, flags, new_addr, s);
	if (ret < 0 && acct)
		vm_commit_uncharge(grow);
	return ret;
}

long vm_mremap(uintptr_t old, size_t old_len, size_t new_len, unsigned flags,
	       uintptr_t new_addr)
{
	struct mm *mm = vm_cur();
	struct vma_spares s;
	unsigned long irq;
	long ret = check_mremap(old, old_len, new_len, flags, new_addr);

	if (ret)
		return ret;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (vma_spares_get(&s, VMA_SPARES))
		return -ENOMEM;
	irq = spin_lock_irqsave(&mm->lock);
	ret = remap_locked(mm, old, old_len, new_len, flags, new_addr, &s);
	mm->gen++;
	spin_unlock_irqrestore(&mm->lock, irq);
	vma_spares_put(&s);
	return ret;
}

/*
 * Whether [start, end) is covered by areas that are contiguous and alike
 * (the same file, protection and kind) from a on, as remap_file_pages
 * asks of the range it rebuilds.
 */
static bool alike_through(struct mm *mm, struct vm_area *a, uintptr_t end)
{
	for (struct vm_area *b = a; b->end < end; b = vma_after(mm, b)) {
		struct vm_area *n = vma_after(mm, b);

		if (!n || n->start != b->end || n->file != a->file ||
		    n->prot != a->prot ||
		    (n->flags & ~VMA_TOUCHED) != (a->flags & ~VMA_TOUCHED))
			return false;
	}
	return true;
}

int vm_remap_file_pages(uintptr_t start, size_t size, uint64_t pgoff)
{
	struct mm *mm = vm_cur();
	uintptr_t end;
	uint64_t npages, off;
	struct vma_spares s;
	struct vm_area *a;
	struct file *f = NULL;
	unsigned long irq;
	int err = -EINVAL;

	start = ALIGN_DOWN(start, PAGE_SIZE);
	size = ALIGN_DOWN(size, PAGE_SIZE);
	end = start + size;
	npages = size >> PAGE_SHIFT;
	if (end <= start || pgoff + npages < pgoff)
		return -EINVAL;
	if (vma_spares_get(&s, 3))
		return -ENOMEM;
	irq = spin_lock_irqsave(&mm->lock);
	a = vma_find(mm, start);
	if (!a || !(a->flags & VMA_SHARED) || !alike_through(mm, a, end))
		goto out;
	off = pgoff << PAGE_SHIFT;
	if (!a->file) {
		/* Shared anonymous memory has no object to take other pages
		 * from: only a remap that changes nothing is done. */
		if (end <= a->end && off == a->off + (start - a->start))
			err = 0;
		goto out;
	}
	err = -EOVERFLOW; /* as mmap: the file offset must fit a loff_t */
	if (pgoff > (uint64_t)INT64_MAX >> PAGE_SHIFT ||
	    off + size > (uint64_t)INT64_MAX)
		goto out;
	f = a->file;
	vm_file->get(f); /* the areas replaced hold the other references */
	vma_map(mm, start, size, a->prot, MAP_SHARED | MAP_FIXED, f, off, &s);
	err = 0;
out:
	spin_unlock_irqrestore(&mm->lock, irq);
	vma_spares_put(&s);
	if (f) {
		vm_file->put(f);
		vm_populate(start, end, false); /* a shared mapping */
	}
	return err;
}

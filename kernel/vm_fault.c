/*
 * vm_fault.c - the pages behind the areas (kernel/): the first touch of a
 * page allocates it (zeroed, or a copy of the file's bytes) and maps it
 * with its area's protection; munmap, madvise and mprotect change or free
 * what is present. PROT_NONE pages that hold data stay mapped for the
 * kernel only, so their contents survive until mprotect gives access back.
 * A private page shared with another process since a fork (pmm_refs > 1)
 * is mapped read-only; the first write to it copies it (copy-on-write).
 * A read of a private anonymous page that was never written maps the one
 * zero page (as Linux does), read-only and shared by all, so reading or
 * MAP_POPULATE of untouched memory costs no memory until it is written;
 * it is not counted as resident.
 * A fault that finds no free page goes to kernel/oom.c and tries again.
 */
#include <keel/errno.h>
#include <keel/mmu.h>
#include <keel/oom.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/string.h>
#include "vm_area.h"

static paddr_t zero_pa; /* the zero page: one reference of its own, kept */

paddr_t vm_zero_page(void)
{
	paddr_t pa = __atomic_load_n(&zero_pa, __ATOMIC_ACQUIRE), want = 0;

	if (pa)
		return pa;
	pa = pmm_alloc_zeroed(1);
	if (pa &&
	    !__atomic_compare_exchange_n(&zero_pa, &want, pa, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		pmm_free(pa, 1); /* another fault made it first */
		pa = want;
	}
	return pa;
}

bool vm_page_counts(paddr_t pa)
{
	return pa != __atomic_load_n(&zero_pa, __ATOMIC_ACQUIRE);
}

size_t vm_resident_pages(void)
{
	return vm_mm_resident(vm_cur());
}

unsigned vma_mmu_prot(unsigned prot)
{
	unsigned m = MMU_READ | MMU_USER;

	if (prot == PROT_NONE)
		return MMU_READ; /* no user access, contents kept */
	if (prot & PROT_WRITE)
		m |= MMU_WRITE;
	if (prot & PROT_EXEC)
		m |= MMU_EXEC;
	return m;
}

unsigned vma_page_prot(const struct vm_area *a, paddr_t pa)
{
	unsigned prot = vma_mmu_prot(a->prot);

	if (!(a->flags & VMA_SHARED) && pmm_refs(pa) > 1)
		prot &= ~MMU_WRITE; /* copy-on-write */
	return prot;
}

void vma_touch(struct vm_area *a, uintptr_t va)
{
	if (!(a->flags & VMA_TOUCHED)) {
		a->tlo = va;
		a->thi = va + PAGE_SIZE;
	}
	a->tlo = MIN(a->tlo, va);
	a->thi = MAX(a->thi, va + PAGE_SIZE);
	a->flags |= VMA_TOUCHED;
}

/* Page walks skip the part of an area that never had pages (tlo, thi). */
bool vma_touched_range(const struct vm_area *a, uintptr_t *start,
		       uintptr_t *end)
{
	if (!(a->flags & VMA_TOUCHED))
		return false;
	*start = MAX(*start, a->tlo);
	*end = MIN(*end, a->thi);
	return true;
}

void vma_drop_pages(struct mm *mm, struct vm_area *a, uintptr_t start,
		    uintptr_t end)
{
	if (!vma_touched_range(a, &start, &end) || start >= end)
		return;
	if (a->flags & VMA_PINNED) { /* the pages stay their owner's */
		mmu_unmap(mm->space, start, end - start);
		return;
	}
	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		paddr_t pa;
		unsigned p;
		if (mmu_query(mm->space, va, &pa, &p))
			continue;
		mmu_unmap(mm->space, va, PAGE_SIZE); /* flushes the TLB */
		if (vm_page_counts(pa))
			mm->resident--;
		pmm_free(pa, 1); /* a share of it, when shared */
		if (a->flags & VMA_STACK) { /* its charge goes with it */
			mm->stack_pages--;
			vm_commit_uncharge(1);
		}
	}
}

void vma_protect_pages(struct mm *mm, struct vm_area *a, uintptr_t start,
		       uintptr_t end)
{
	if (!vma_touched_range(a, &start, &end))
		return;
	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		paddr_t pa;
		unsigned p, prot;
		if (mmu_query(mm->space, va, &pa, &p))
			continue;
		prot = a->flags & VMA_PINNED ? vma_mmu_prot(a->prot)
					     : vma_page_prot(a, pa);
		if (p != prot)
			mmu_protect(mm->space, va, PAGE_SIZE, prot);
	}
}

static bool access_allowed(unsigned prot, unsigned access)
{
	if (prot == PROT_NONE)
		return false;
	if ((access & VM_ACCESS_WRITE) && !(prot & PROT_WRITE))
		return false;
	return !(access & VM_ACCESS_EXEC) || (prot & PROT_EXEC);
}

/* What a fault needs from its area, taken under the lock. */
struct fault_info {
	struct file *file; /* a reference, or NULL */
	uint64_t off; /* file offset of the page */
	size_t bytes; /* file bytes in the page; the rest is zero */
	bool share; /* map the file's own page (a shared mapping) */
	bool private; /* a private mapping: a copy will do */
	bool zero; /* anonymous, read: map the zero page */
	unsigned long gen;
};

/*
 * A write to the copy-on-write page pa at va of private area a (under
 * the lock): the page becomes this space's own, by copying it unless
 * nobody else has it any more. 1 when done, or -ENOMEM.
 */
static int break_cow(struct mm *mm, struct vm_area *a, uintptr_t va, paddr_t pa)
{
	unsigned prot = vma_mmu_prot(a->prot);
	paddr_t copy;

	if (pmm_refs(pa) == 1) /* the others let it go */
		return mmu_protect(mm->space, va, PAGE_SIZE, prot) ? -ENOMEM
								   : 1;
	copy = pmm_alloc_user(1);
	if (!copy)
		return -ENOMEM;
	memcpy(phys_to_virt(copy), phys_to_virt(pa), PAGE_SIZE);
	/* The page table stays: mapping the copy allocates nothing. */
	mmu_unmap(mm->space, va, PAGE_SIZE);
	BUG_ON(mmu_map(mm->space, va, copy, PAGE_SIZE, prot));
	if (!vm_page_counts(pa))
		mm->resident++; /* the zero page was not counted */
	pmm_free(pa, 1); /* this space's share of the original */
	return 1;
}

/*
 * Check the access under the lock: -EFAULT (nothing mapped there), -EACCES
 * (not allowed), -ENXIO (past a file's end), 1 when the page is already
 * there (its protection refreshed, or copied for a write), 0 with *fi
 * filled to make the page.
 */
static int fault_check(struct mm *mm, uintptr_t va, unsigned access,
		       struct fault_info *fi)
{
	struct vm_area *a = vma_find(mm, va);
	paddr_t pa;
	unsigned p;

	if (!a)
		return -EFAULT;
	if (!access_allowed(a->prot, access))
		return -EACCES;
	if (!mmu_query(mm->space, va, &pa, &p)) {
		if ((access & VM_ACCESS_WRITE) && !(p & MMU_WRITE) &&
		    !(a->flags & (VMA_SHARED | VMA_PINNED)))
			return break_cow(mm, a, va, pa);
		/* A stale TLB entry, or protection not yet widened. */
		mmu_protect(mm->space, va, PAGE_SIZE,
			    a->flags & VMA_PINNED ? vma_mmu_prot(a->prot)
						  : vma_page_prot(a, pa));
		return 1;
	}
	if (a->flags & VMA_PINNED) /* dropped by MADV_REMOVE: map it again */
		return mmu_map(mm->space, va, a->off + (va - a->start),
			       PAGE_SIZE, vma_mmu_prot(a->prot))
			   ? -ENOMEM
			   : 1;
	fi->file = a->file;
	fi->gen = mm->gen;
	fi->zero = !a->file && !(access & VM_ACCESS_WRITE) &&
		   !(a->flags & (VMA_SHARED | VMA_STACK));
	if (!a->file)
		return 0;
	fi->off = a->off + (va - a->start);
	uint64_t size = vm_file->size(a->file);
	if (fi->off >= ALIGN_UP(size, PAGE_SIZE))
		return -ENXIO; /* past the file's last page: SIGBUS */
	fi->bytes = MIN(size - fi->off, (uint64_t)PAGE_SIZE);
	/* A shared mapping maps the file's own page; so does a private one
	 * read first (copy-on-write, as after a fork): a program's code is
	 * then one set of pages, however many processes run it. */
	fi->share = ((a->flags & VMA_SHARED) || !(access & VM_ACCESS_WRITE)) &&
		    vm_file->can_share && vm_file->can_share(a->file);
	fi->private = !(a->flags & VMA_SHARED);
	vm_file->get(a->file);
	return 0;
}

/* A new page with the area's contents in *out: 0 or -errno. */
static int fill_page(const struct fault_info *fi, paddr_t *out)
{
	paddr_t pa;
	long n;
	char *p;

	if (fi->zero) {
		*out = vm_zero_page();
		if (*out)
			pmm_ref(*out); /* this mapping's share */
		return *out ? 0 : -ENOMEM;
	}
	if (!fi->file) {
		*out = pmm_alloc_user_zeroed(1);
		return *out ? 0 : -ENOMEM;
	}
	if (fi->share) { /* the file's own page, with our reference */
		*out = vm_file->share_page(fi->file, fi->off);
		/* None (its tmpfs is full): a private mapping takes a copy. */
		if (*out || !fi->private)
			return *out ? 0 : -ENOMEM;
	}
	pa = pmm_alloc_user(1);
	if (!pa)
		return -ENOMEM;
	p = phys_to_virt(pa);
	n = vm_file->pread(fi->file, p, fi->bytes, fi->off);
	if (n < 0) {
		pmm_free(pa, 1);
		return -EFAULT;
	}
	memset(p + n, 0, PAGE_SIZE - n);
	*out = pa;
	return 0;
}

/* Whether va holds a user page (another fault's), not something foreign. */
static bool mapped_by_fault(struct mm *mm, uintptr_t va)
{
	paddr_t pa;
	unsigned p;

	if (!mmu_query(mm->space, va, &pa, &p) && (p & MMU_USER))
		return true;
	WARN_ONCE("vm: %#lx is mapped outside the areas\n", (unsigned long)va);
	return false;
}

/*
 * A new page of the stack is charged to the commit, as Linux charges the
 * stack's growth; refused (mode 2), the page goes again and the fault is
 * a SIGSEGV, as a stack that cannot grow is on Linux.
 */
static int charge_stack_page(struct mm *mm, struct vm_area *a, uintptr_t va)
{
	if (!(a->flags & VMA_STACK))
		return 0;
	if (vm_commit_charge(1)) {
		mmu_unmap(mm->space, va,
			  PAGE_SIZE); /* map_page's caller frees it */
		mm->resident--;
		return -EFAULT;
	}
	mm->stack_pages++;
	return 0;
}

/*
 * Map the new page unless the areas changed since fault_check: 0 when
 * mapped, 1 when another fault mapped it first, -EAGAIN to start over.
 */
static int map_page(struct mm *mm, uintptr_t va, paddr_t pa, unsigned long gen)
{
	unsigned long irq = spin_lock_irqsave(&mm->lock);
	struct vm_area *a = vma_find(mm, va);
	int err = -EAGAIN;

	if (mm->gen == gen && a) {
		/* Read-only while anyone else has it (a file's page). */
		err =
		    mmu_map(mm->space, va, pa, PAGE_SIZE, vma_page_prot(a, pa));
		if (!err) {
			vma_touch(a, va);
			if (vm_page_counts(pa))
				mm->resident++;
			err = charge_stack_page(mm, a, va);
		} else if (err == -EEXIST) {
			err = mapped_by_fault(mm, va) ? 1 : -EFAULT;
		}
	}
	spin_unlock_irqrestore(&mm->lock, irq);
	return err;
}

static int fault_once(struct mm *mm, uintptr_t va, unsigned access)
{
	struct fault_info fi = { 0 };
	unsigned long irq = spin_lock_irqsave(&mm->lock);
	int err = fault_check(mm, va, access, &fi);
	paddr_t pa;

	spin_unlock_irqrestore(&mm->lock, irq);
	if (err)
		return err < 0 ? err : 0;
	/* Reading a file may sleep: not under the lock. */
	err = fill_page(&fi, &pa);
	if (!err) {
		err = map_page(mm, va, pa, fi.gen);
		if (err)
			pmm_free(pa, 1);
		if (err > 0)
			err = 0;
	}
	if (fi.file)
		vm_file->put(fi.file);
	return err;
}

int vm_fault(uintptr_t addr, unsigned access)
{
	uintptr_t va = ALIGN_DOWN(addr, PAGE_SIZE);
	struct mm *mm = vm_cur();
	int err;

	do {
		err = fault_once(mm, va, access);
		if (err == -ENOMEM) /* reclaim or kill, then again */
			err = oom_handle();
	} while (err == -EAGAIN);
	return err;
}

void vm_populate(uintptr_t start, uintptr_t end, bool write)
{
	unsigned access = write ? VM_ACCESS_WRITE : VM_ACCESS_READ;

	/* As Linux, the first page that cannot be had ends it: a PROT_NONE
	 * area (-EACCES) would otherwise be walked page by page, for as long
	 * as a garbage length makes it. */
	for (uintptr_t va = start; va < end; va += PAGE_SIZE)
		if (vm_fault(va, access))
			return;
}

bool vm_shared_page(uintptr_t uaddr, paddr_t *out)
{
	struct mm *mm = vm_cur();

	for (int tries = 0; tries < 2; tries++) {
		unsigned long irq = spin_lock_irqsave(&mm->lock);
		struct vm_area *a = vma_find(mm, uaddr);
		paddr_t pa;
		unsigned p;

		if (!a || !(a->flags & VMA_SHARED) || (a->flags & VMA_PINNED)) {
			spin_unlock_irqrestore(&mm->lock, irq);
			return false;
		}
		if (!mmu_query(mm->space, ALIGN_DOWN(uaddr, PAGE_SIZE), &pa,
			       &p)) {
			spin_unlock_irqrestore(&mm->lock, irq);
			*out = pa + (uaddr & (PAGE_SIZE - 1));
			return true;
		}
		spin_unlock_irqrestore(&mm->lock, irq);
		if (vm_fault(uaddr, VM_ACCESS_READ))
			return false;
	}
	return false;
}

/*
 * vm.c - a process's address space (kernel/): a sorted list of areas in
 * the user half, and mmap, munmap, mprotect and madvise over it, always
 * on the calling process's (struct mm, vm_area.h). Pages are not
 * allocated here but on first touch (vm_fault.c); mremap, brk and
 * /proc/self/maps are in vm_remap.c, vm_brk.c and vm_maps.c; creating,
 * copying (fork) and freeing spaces in vm_mm.c.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/memcharge.h>
#include <keel/oom.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/uaccess.h>
#include "vm_area.h"

struct vm_area *vma_next_from(struct mm *mm, uintptr_t addr)
{
	list_for_each (n, &mm->areas) {
		if (vma_of(n)->end > addr)
			return vma_of(n);
	}
	return NULL;
}

struct vm_area *vma_find(struct mm *mm, uintptr_t addr)
{
	struct vm_area *a = vma_next_from(mm, addr);

	return a && a->start <= addr ? a : NULL;
}

bool vma_range_free(struct mm *mm, uintptr_t start, uintptr_t end)
{
	struct vm_area *a = vma_next_from(mm, start);

	return !a || a->start >= end;
}

bool vma_range_mapped(struct mm *mm, uintptr_t start, uintptr_t end)
{
	for (struct vm_area *a = vma_next_from(mm, start); start < end;
	     a = vma_after(mm, a)) {
		if (!a || a->start > start)
			return false;
		start = a->end;
	}
	return true;
}

uintptr_t vma_find_gap(struct mm *mm, size_t len, uintptr_t lo, uintptr_t hi)
{
	uintptr_t top = hi;

	for (struct list_node *n = mm->areas.prev;; n = n->prev) {
		uintptr_t below = lo;

		if (n != &mm->areas && vma_of(n)->end > lo)
			below = vma_of(n)->end;
		if (top >= below && top - below >= len)
			return top - len;
		if (n == &mm->areas || vma_of(n)->start <= lo)
			return 0;
		top = MIN(top, vma_of(n)->start);
	}
}

/* What an area costs: the heap's size class holding it (powers of 2). */
static size_t area_cost(void)
{
	size_t c = 16;

	while (c < sizeof(struct vm_area))
		c <<= 1;
	return c;
}

/* An area, its charge refused at the limits unless force. */
static struct vm_area *alloc_area(bool force)
{
	struct vm_area *a;

	if (force)
		mem_charge_force(MEM_VMA, area_cost());
	else if (mem_charge(MEM_VMA, area_cost()))
		return NULL;
	a = kzalloc(sizeof(*a));
	if (!a)
		mem_uncharge(MEM_VMA, area_cost());
	return a;
}

struct vm_area *vma_alloc(void)
{
	return alloc_area(false);
}

void vma_dealloc(struct vm_area *a)
{
	if (a) {
		kfree(a);
		mem_uncharge(MEM_VMA, area_cost());
	}
}

/* How often a system call's area waits on the OOM path (each wait at
 * least a millisecond; a victim has two seconds to end). */
#define AREA_OOM_TRIES 5000

/*
 * An area for a system call of the program's (mmap, mprotect, brk...).
 * Refused because the free pages are down to the kernel's reserve, not
 * because areas reached their own limit, the call goes through the OOM
 * path as the fault path does (Linux's allocator does the same for the
 * kernel's objects a system call needs): reclaim, or a victim killed, and
 * the area asked for again. Without it a program looping on mmap in a
 * full guest was refused for ever and never touched a page that would
 * have ended it (t_oom's exempt case hung at some memory sizes).
 */
static struct vm_area *alloc_area_waiting(void)
{
	for (unsigned tries = 0;; tries++) {
		struct vm_area *a = alloc_area(false);

		if (a || tries == AREA_OOM_TRIES || pmm_above_reserve(1) ||
		    oom_handle() != -EAGAIN)
			return a;
	}
}

static int get_spares(struct vma_spares *s, unsigned n, bool force)
{
	for (unsigned i = 0; i < VMA_SPARES; i++)
		s->a[i] = NULL;
	for (unsigned i = 0; i < n; i++) {
		s->a[i] = force ? alloc_area(true) : alloc_area_waiting();
		if (!s->a[i]) {
			vma_spares_put(s);
			return -ENOMEM;
		}
	}
	return 0;
}

int vma_spares_get(struct vma_spares *s, unsigned n)
{
	return get_spares(s, n, false);
}

int vma_spares_get_unmap(struct vma_spares *s, unsigned n)
{
	return get_spares(s, n, true);
}

void vma_spares_put(struct vma_spares *s)
{
	for (unsigned i = 0; i < VMA_SPARES; i++) {
		vma_dealloc(s->a[i]);
		s->a[i] = NULL;
	}
}

struct vm_area *vma_spare_take(struct vma_spares *s)
{
	for (unsigned i = 0; i < VMA_SPARES; i++) {
		struct vm_area *a = s->a[i];
		if (a) {
			s->a[i] = NULL;
			return a;
		}
	}
	panic("vm: out of spare areas"); /* a caller counted wrong */
}

struct vm_area *vma_split(struct mm *mm, struct vm_area *a, uintptr_t addr,
			  struct vma_spares *s)
{
	struct vm_area *hi = vma_spare_take(s);

	*hi = *a;
	hi->start = addr;
	hi->off = a->off + (addr - a->start);
	a->end = addr;
	if (hi->file)
		vm_file->get(hi->file);
	list_insert_between(&hi->node, &a->node, a->node.next);
	mm->map_count++;
	return hi;
}

void vma_insert(struct mm *mm, struct vm_area *a)
{
	struct vm_area *next = vma_next_from(mm, a->start);

	list_insert_before(next ? &next->node : &mm->areas, &a->node);
	mm->map_count++;
}

void vma_free(struct mm *mm, struct vm_area *a)
{
	if (a->flags & VMA_ACCOUNT)
		vm_commit_uncharge((a->end - a->start) / PAGE_SIZE);
	list_remove(&a->node);
	mm->map_count--;
	if (a->file)
		vm_file->put(a->file);
	vma_dealloc(a);
}

/* vm.max_map_count (/proc/sys/vm): the most areas a space may hold. */
static int max_map_count = VM_MAX_MAP_COUNT_DEFAULT;

int vm_max_map_count(void)
{
	return READ_ONCE(max_map_count);
}

int vm_set_max_map_count(unsigned long v)
{
	if (v > 0x7fffffffUL)
		return -EINVAL;
	WRITE_ONCE(max_map_count, (int)v);
	return 0;
}

bool vma_count_over(const struct mm *mm, size_t more)
{
	return mm->map_count + more > (size_t)vm_max_map_count();
}

bool vma_unmap_over(struct mm *mm, uintptr_t start, uintptr_t end)
{
	struct vm_area *a = vma_find(mm, start);

	return a && a->start < start && a->end > end && vma_count_over(mm, 1);
}

static bool vma_mergeable(const struct vm_area *a, const struct vm_area *b)
{
	if ((a->flags | b->flags) & VMA_PINNED)
		return false;
	return a->end == b->start && a->prot == b->prot &&
	       (a->flags & ~VMA_TOUCHED) == (b->flags & ~VMA_TOUCHED) &&
	       a->file == b->file &&
	       (!a->file || a->off + (a->end - a->start) == b->off);
}

struct vm_area *vma_merge(struct mm *mm, struct vm_area *a)
{
	struct vm_area *b;

	if (a->node.prev != &mm->areas &&
	    vma_mergeable(vma_of(a->node.prev), a))
		a = vma_of(a->node.prev);
	while ((b = vma_after(mm, a)) && vma_mergeable(a, b)) {
		a->end = b->end;
		if (!(a->flags & VMA_TOUCHED)) {
			a->tlo = b->tlo;
			a->thi = b->thi;
		} else if (b->flags & VMA_TOUCHED) {
			a->tlo = MIN(a->tlo, b->tlo);
			a->thi = MAX(a->thi, b->thi);
		}
		a->flags |= b->flags & VMA_TOUCHED;
		b->flags &= ~VMA_ACCOUNT; /* a holds its charge now */
		vma_free(mm, b);
	}
	return a;
}

/* Merge what can be merged among the areas meeting [start, end]. */
static void vma_merge_range(struct mm *mm, uintptr_t start, uintptr_t end)
{
	struct vm_area *a = vma_next_from(mm, start ? start - 1 : 0);

	while (a && a->start <= end) {
		a = vma_merge(mm, a);
		a = vma_after(mm, a);
	}
}

void vma_unmap_range(struct mm *mm, uintptr_t start, uintptr_t end,
		     struct vma_spares *s)
{
	struct vm_area *a = vma_next_from(mm, start), *next;

	for (; a && a->start < end; a = next) {
		if (a->start < start)
			a = vma_split(mm, a, start, s);
		if (a->end > end)
			vma_split(mm, a, end, s);
		next = vma_after(mm, a);
		vma_drop_pages(mm, a, a->start, a->end);
		vma_free(mm, a);
	}
	mm->gen++;
}

/* Where a mapping of len bytes goes: -errno, or its address. */
static long choose_address(struct mm *mm, uintptr_t addr, size_t len,
			   unsigned flags)
{
	uintptr_t at;

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if ((flags & MAP_FIXED_NOREPLACE) &&
		    !vma_range_free(mm, addr, addr + len))
			return -EEXIST;
		return addr;
	}
	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	if (addr >= VM_MMAP_MIN && addr <= USER_TOP && len <= USER_TOP - addr &&
	    vma_range_free(mm, addr, addr + len))
		return addr;
	at = vma_find_gap(mm, len, VM_MMAP_MIN, VM_MMAP_BASE);
	if (!at)
		at = vma_find_gap(mm, len, VM_MMAP_MIN, USER_TOP);
	return at ? (long)at : -ENOMEM;
}

const struct vm_file_ops *vm_file;

void vm_set_file_ops(const struct vm_file_ops *ops)
{
	vm_file = ops;
}

static long check_mmap(uintptr_t addr, size_t len, unsigned prot,
		       unsigned flags, struct file *f, uint64_t off)
{
	if (!len)
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM;
	if (!IS_ALIGNED(off, PAGE_SIZE))
		return -EINVAL;
	if (f && !vm_file)
		return -ENODEV; /* no file system gave its file calls */
	if (f && off + ALIGN_UP(len, PAGE_SIZE) < off)
		return -EOVERFLOW;
	if (f && (flags & MAP_SHARED) && (prot & PROT_WRITE) &&
	    !(vm_file->can_share && vm_file->can_share(f)))
		return -ENODEV; /* the file system keeps no pages to share */
	if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		return 0;
	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	if (addr < USER_MIN)
		return -EPERM;
	if (addr > USER_TOP || ALIGN_UP(len, PAGE_SIZE) > USER_TOP - addr)
		return -ENOMEM;
	return 0;
}

void vma_map(struct mm *mm, uintptr_t at, size_t len, unsigned prot,
	     unsigned flags, struct file *f, uint64_t off, struct vma_spares *s)
{
	struct vm_area *a;

	if (flags & MAP_FIXED)
		vma_unmap_range(mm, at, at + len, s);
	a = vma_spare_take(s);
	a->start = at;
	a->end = at + len;
	a->prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	a->flags = flags & MAP_SHARED ? VMA_SHARED : 0;
	if (flags & MAP_NOWRITE)
		a->flags |= VMA_NOWRITE;
	if (flags & MAP_GROWSDOWN)
		a->flags |= VMA_STACK;
	if (flags & MAP_ACCOUNT_K)
		a->flags |= VMA_ACCOUNT;
	else if ((flags & MAP_NORESERVE) &&
		 vm_overcommit_mode() != VM_OVERCOMMIT_NEVER)
		a->flags |= VMA_NORESERVE; /* mode 2 ignores it, as Linux */
	a->file = f;
	a->off = f ? off : 0;
	if (f)
		vm_file->get(f);
	vma_insert(mm, a);
	vma_merge(mm, a);
	mm->gen++;
}

long vm_mmap(uintptr_t addr, size_t len, unsigned prot, unsigned flags,
	     struct file *f, uint64_t off)
{
	struct mm *mm = vm_cur();
	struct vma_spares s;
	unsigned long irq;
	uintptr_t fixed;
	long at = check_mmap(addr, len, prot, flags, f, off);

	if (at)
		return at;
	len = ALIGN_UP(len, PAGE_SIZE);
	flags &= ~MAP_ACCOUNT_K;
	if (vma_accountable(prot, flags))
		flags |= MAP_ACCOUNT_K;
	if ((flags & MAP_ACCOUNT_K) && vm_commit_charge(len / PAGE_SIZE))
		return -ENOMEM;
	if (vma_spares_get(&s, 3)) {
		at = -ENOMEM;
		goto uncharge;
	}
	irq = spin_lock_irqsave(&mm->lock);
	fixed = flags & MAP_FIXED ? addr : 0;
	at = vma_check_limits(mm, len / PAGE_SIZE,
			      (prot & PROT_WRITE) &&
				  !(flags & (MAP_SHARED | MAP_GROWSDOWN)),
			      fixed, fixed ? fixed + len : 0);
	if (!at && (vma_count_over(mm, 0) ||
		    (fixed && vma_unmap_over(mm, fixed, fixed + len))))
		at = -ENOMEM; /* vm.max_map_count, as Linux's do_mmap */
	if (!at)
		at = choose_address(mm, addr, len, flags);
	if (at >= 0)
		vma_map(mm, at, len, prot, flags, f, off, &s);
	spin_unlock_irqrestore(&mm->lock, irq);
	vma_spares_put(&s);
uncharge:
	if (at < 0 && (flags & MAP_ACCOUNT_K))
		vm_commit_uncharge(len / PAGE_SIZE);
	if (at >= 0 && (flags & MAP_POPULATE))
		vm_populate(at, at + len,
			    (prot & PROT_WRITE) && !(flags & MAP_SHARED));
	return at;
}

int vm_munmap(uintptr_t addr, size_t len)
{
	struct mm *mm = vm_cur();
	struct vma_spares s;
	unsigned long irq;
	int err;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || !len || addr > USER_TOP)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len || len > USER_TOP - addr)
		return -EINVAL;
	if (vma_spares_get_unmap(&s, 2))
		return -ENOMEM;
	irq = spin_lock_irqsave(&mm->lock);
	/* A hole in one area past vm.max_map_count: Linux's ENOMEM. */
	err = vma_unmap_over(mm, addr, addr + len) ? -ENOMEM : 0;
	if (!err)
		vma_unmap_range(mm, addr, addr + len, &s);
	spin_unlock_irqrestore(&mm->lock, irq);
	vma_spares_put(&s);
	return err;
}

/* mprotect's checks under the lock; 0 or -errno, *start moved down for
 * PROT_GROWSDOWN. */
static int check_mprotect(struct mm *mm, uintptr_t *start, uintptr_t end,
			  unsigned prot)
{
	struct vm_area *a = vma_find(mm, *start);

	if ((prot & PROT_GROWSDOWN) && a) {
		if (!(a->flags & VMA_STACK))
			return -EINVAL;
		*start = a->start;
	}
	if (!vma_range_mapped(mm, *start, end))
		return -ENOMEM;
	if (!(prot & PROT_WRITE))
		return 0;
	for (a = vma_next_from(mm, *start); a && a->start < end;
	     a = vma_after(mm, a))
		if ((a->flags & VMA_NOWRITE) ||
		    (a->file && (a->flags & VMA_SHARED) &&
		     !(vm_file->can_share && vm_file->can_share(a->file))))
			return -EACCES; /* read-only files, snapshots of a
					   file, the vDSO */
	return 0;
}

/* Whether making a writable charges it: private, never writable nor
 * charged before (Linux's mprotect_fixup). */
static bool charged_by_write(const struct vm_area *a)
{
	return !(a->prot & PROT_WRITE) &&
	       !(a->flags & (VMA_ACCOUNT | VMA_SHARED | VMA_STACK | VMA_PINNED |
			     VMA_NORESERVE));
}

/* The pages of [start, end) that mprotect to prot charges. */
static size_t mprotect_charge(struct mm *mm, uintptr_t start, uintptr_t end,
			      unsigned prot)
{
	size_t n = 0;

	if (!(prot & PROT_WRITE))
		return 0;
	for (struct vm_area *a = vma_next_from(mm, start); a && a->start < end;
	     a = vma_after(mm, a))
		if (charged_by_write(a))
			n += (MIN(a->end, end) - MAX(a->start, start)) /
			     PAGE_SIZE;
	return n;
}

/*
 * The areas mprotect of [start, end) to prot adds: an edge inside an
 * area of another protection splits it (Linux's mprotect_fixup; keel
 * does not count a piece Linux would merge into its neighbour instead).
 */
static size_t mprotect_splits(struct mm *mm, uintptr_t start, uintptr_t end,
			      unsigned prot)
{
	struct vm_area *a = vma_find(mm, start), *b = vma_find(mm, end - 1);
	unsigned p = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	size_t n = 0;

	if (a && a->start < start && a->prot != p)
		n++;
	if (b && b->end > end && b->prot != p)
		n++;
	return n;
}

int vm_mprotect(uintptr_t addr, size_t len, unsigned prot)
{
	const unsigned known =
	    PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN;
	uintptr_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	struct mm *mm = vm_cur();
	struct vma_spares s;
	struct vm_area *a;
	unsigned long irq;
	size_t splits;
	int err;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || (prot & ~known))
		return -EINVAL;
	if (!len)
		return 0;
	if (end <= addr || end > USER_TOP)
		return -ENOMEM;
	if (vma_spares_get(&s, 2))
		return -ENOMEM;
	irq = spin_lock_irqsave(&mm->lock);
	err = check_mprotect(mm, &addr, end, prot);
	splits = err ? 0 : mprotect_splits(mm, addr, end, prot);
	if (splits && vma_count_over(mm, splits))
		err = -ENOMEM; /* vm.max_map_count, as Linux's split_vma */
	if (!err)
		err = vm_commit_charge(mprotect_charge(mm, addr, end, prot));
	if (err)
		goto out;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	a = vma_find(mm, addr);
	if (a->start < addr)
		a = vma_split(mm, a, addr, &s);
	for (; a && a->start < end; a = vma_after(mm, a)) {
		if (a->end > end)
			vma_split(mm, a, end, &s);
		if ((prot & PROT_WRITE) && charged_by_write(a))
			a->flags |= VMA_ACCOUNT;
		a->prot = prot;
		vma_protect_pages(mm, a, a->start, a->end);
	}
	vma_merge_range(mm, addr, end);
	mm->gen++;
out:
	spin_unlock_irqrestore(&mm->lock, irq);
	vma_spares_put(&s);
	return err;
}

static bool advice_known(int advice)
{
	return (advice >= MADV_NORMAL && advice <= MADV_WILLNEED) ||
	       advice == MADV_DONTNEED ||
	       (advice >= MADV_FREE && advice <= MADV_COLLAPSE);
}

int vm_madvise(uintptr_t addr, size_t len, int advice)
{
	bool drop = advice == MADV_DONTNEED || advice == MADV_FREE ||
		    advice == MADV_REMOVE;
	uintptr_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	struct mm *mm = vm_cur();
	unsigned long irq;
	int err = 0;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || !advice_known(advice))
		return -EINVAL;
	if (len && (ALIGN_UP(len, PAGE_SIZE) == 0 || end < addr))
		return -EINVAL;
	if (end == addr)
		return 0;
	irq = spin_lock_irqsave(&mm->lock);
	if (!vma_range_mapped(mm, addr, end))
		err = -ENOMEM;
	for (struct vm_area *a = vma_next_from(mm, addr); a && a->start < end;
	     a = vma_after(mm, a)) {
		if (advice == MADV_REMOVE && !(a->flags & VMA_SHARED)) {
			err = -EINVAL;
			break;
		}
		/* Shared memory keeps its contents for DONTNEED and FREE. */
		if (drop && (advice == MADV_REMOVE || !(a->flags & VMA_SHARED)))
			vma_drop_pages(mm, a, MAX(a->start, addr),
				       MIN(a->end, end));
	}
	spin_unlock_irqrestore(&mm->lock, irq);
	return err;
}

/* Whether a is a piece of a mapping of its file made at base (offset 0). */
static bool vma_from_base(const struct vm_area *a, uintptr_t base)
{
	return a->file && a->start >= base && a->off == a->start - base;
}

/*
 * shmdt(2): the first area at or after addr that belongs to a segment
 * (ours) and sits where an attachment at addr would have put its piece
 * names the segment; that area goes, and so does every later piece of
 * the same file placed the same way, up to the segment's size from addr
 * (what munmap or mprotect left of one attachment).
 */
int vm_detach(uintptr_t addr, bool (*ours)(struct file *f))
{
	struct mm *mm = vm_cur();
	struct vm_area *a, *next;
	struct file *f = NULL;
	unsigned long irq;
	uint64_t size;

	irq = spin_lock_irqsave(&mm->lock);
	for (a = vma_next_from(mm, addr); a; a = vma_after(mm, a))
		if (vma_from_base(a, addr) && ours(a->file))
			break;
	if (a) {
		f = a->file;
		size = ALIGN_UP(vm_file->size(f), PAGE_SIZE);
		next = vma_after(mm, a);
		vma_drop_pages(mm, a, a->start, a->end);
		vma_free(
		    mm, a); /* may drop the last reference to f: compare only */
		for (a = next; a && a->end - addr <= size; a = next) {
			next = vma_after(mm, a);
			if (a->file != f || !vma_from_base(a, addr))
				continue;
			vma_drop_pages(mm, a, a->start, a->end);
			vma_free(mm, a);
		}
		mm->gen++;
	}
	spin_unlock_irqrestore(&mm->lock, irq);
	return f ? 0 : -EINVAL;
}

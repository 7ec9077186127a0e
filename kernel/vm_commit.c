/*
 * vm_commit.c - the commit charge (kernel/): the pages every process may
 * still write without asking (private writable mappings, the break, the
 * stack's present pages), counted as Linux's Committed_AS, and the
 * overcommit policy that refuses a charge: mode 0 (heuristic: a single
 * request above all of RAM), 1 (never refuse) or 2 (the total may not
 * pass CommitLimit, overcommit_ratio percent of RAM; there is no swap).
 * Also RLIMIT_AS and RLIMIT_DATA, checked against the areas.
 */
#include <keel/errno.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/process.h>
#include "vm_area.h"

static struct spinlock commit_lock;
static size_t committed; /* pages */
static int mode = VM_OVERCOMMIT_GUESS;
static unsigned ratio = 50;

static size_t ram_pages(void)
{
	struct pmm_stats st;

	pmm_stats(&st);
	return st.total_pages;
}

size_t vm_commit_limit(void)
{
	return ram_pages() * READ_ONCE(ratio) / 100;
}

size_t vm_committed(void)
{
	return READ_ONCE(committed);
}

int vm_overcommit_mode(void)
{
	return READ_ONCE(mode);
}

unsigned vm_overcommit_ratio(void)
{
	return READ_ONCE(ratio);
}

int vm_set_overcommit_mode(unsigned long v)
{
	if (v > VM_OVERCOMMIT_NEVER)
		return -EINVAL;
	WRITE_ONCE(mode, (int)v);
	return 0;
}

int vm_set_overcommit_ratio(unsigned long v)
{
	if (v > 0x7fffffffUL) /* Linux takes any int >= 0 */
		return -EINVAL;
	WRITE_ONCE(ratio, (unsigned)v);
	return 0;
}

/* Linux's __vm_enough_memory without swap or reserves. */
int vm_commit_charge(size_t pages)
{
	unsigned long irq;
	int err = 0;

	if (!pages)
		return 0;
	if (mode == VM_OVERCOMMIT_GUESS && pages > ram_pages())
		return -ENOMEM;
	irq = spin_lock_irqsave(&commit_lock);
	if (mode == VM_OVERCOMMIT_NEVER &&
	    (pages > vm_commit_limit() ||
	     committed > vm_commit_limit() - pages))
		err = -ENOMEM;
	else
		committed += pages;
	spin_unlock_irqrestore(&commit_lock, irq);
	return err;
}

void vm_commit_uncharge(size_t pages)
{
	unsigned long irq = spin_lock_irqsave(&commit_lock);

	if (pages > committed) { /* a charge given back twice: a bug */
		WARN_ONCE("vm: commit charge below zero (%zu > %zu)\n", pages,
			  committed);
		pages = committed;
	}
	committed -= pages;
	spin_unlock_irqrestore(&commit_lock, irq);
}

bool vma_accountable(unsigned prot, unsigned flags)
{
	if ((flags & MAP_SHARED) || !(prot & PROT_WRITE))
		return false;
	if (flags & MAP_GROWSDOWN) /* charged page by page as touched */
		return false;
	return !(flags & MAP_NORESERVE) || mode == VM_OVERCOMMIT_NEVER;
}

bool vma_is_data(const struct vm_area *a)
{
	return (a->prot & PROT_WRITE) &&
	       !(a->flags & (VMA_SHARED | VMA_STACK | VMA_PINNED));
}

int vma_check_limits(struct mm *mm, size_t pages, bool data, uintptr_t lo,
		     uintptr_t hi)
{
	const struct process *p = current_process();
	uint64_t as = p ? p->rlim[RLIMIT_AS].cur : RLIM_INFINITY;
	uint64_t dl = p ? p->rlim[RLIMIT_DATA].cur : RLIM_INFINITY;
	uint64_t total = 0, dvm = 0;

	if (as == RLIM_INFINITY && (dl == RLIM_INFINITY || !data))
		return 0;
	list_for_each (n, &mm->areas) {
		const struct vm_area *a = vma_of(n);
		size_t kept = (a->end - a->start) / PAGE_SIZE;
		if (MAX(a->start, lo) < MIN(a->end, hi)) /* to be replaced */
			kept -=
			    (MIN(a->end, hi) - MAX(a->start, lo)) / PAGE_SIZE;
		total += kept;
		if (vma_is_data(a))
			dvm += kept;
	}
	if (as != RLIM_INFINITY && total + pages > as / PAGE_SIZE)
		return -ENOMEM;
	if (data && dl != RLIM_INFINITY && dvm + pages > dl / PAGE_SIZE)
		return -ENOMEM;
	return 0;
}

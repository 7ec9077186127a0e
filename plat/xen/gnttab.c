/*
 * gnttab.c - grant tables, version 1 (plat/xen). The table's frames are
 * placed into our physical address space with XENMEM_add_to_physmap over
 * pages taken from the allocator. Granting writes frame and domain first,
 * then (after a write barrier) the flags that make the entry live, so a
 * backend never sees a half-written entry.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/sync.h>
#include "xen_priv.h"
#include <arch/mm.h>
#include <xen/grant_table.h>
#include <xen/memory.h>

#define RESERVED_REFS 8 /* 0-7 are reserved for the toolstack */

static grant_entry_v1_t *table;
static unsigned nr_entries;
static int free_head = -1;
static int *next_free;
static struct spinlock lock;

int gnttab_init(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	unsigned frames;
	paddr_t base;

	if (xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size,
			  (unsigned long)&q, 1, 0, 0) ||
	    q.status)
		return -ENODEV;
	frames = MIN(q.max_nr_frames, 4u);
	base = pmm_alloc(frames);
	if (!base)
		return -ENOMEM;
	for (unsigned i = 0; i < frames; i++) {
		struct xen_add_to_physmap x = {
			.domid = DOMID_SELF,
			.space = XENMAPSPACE_grant_table,
			.idx = i,
			.gpfn = (base >> PAGE_SHIFT) + i,
		};
		if (HYPERCALL2(memory_op, XENMEM_add_to_physmap, &x))
			return -EIO;
	}
	table = phys_to_virt(base);
	nr_entries = frames * PAGE_SIZE / sizeof(grant_entry_v1_t);
	next_free = kmalloc(nr_entries * sizeof(int));
	if (!next_free)
		return -ENOMEM;
	for (unsigned r = nr_entries; r-- > RESERVED_REFS;) {
		next_free[r] = free_head;
		free_head = (int)r;
	}
	return 0;
}

int gnttab_grant(domid_t domid, uint64_t gfn, bool readonly)
{
	unsigned long flags = spin_lock_irqsave(&lock);
	int ref = free_head;

	if (ref < 0) {
		spin_unlock_irqrestore(&lock, flags);
		return -ENOSPC;
	}
	free_head = next_free[ref];
	spin_unlock_irqrestore(&lock, flags);

	table[ref].frame = (uint32_t)gfn;
	table[ref].domid = domid;
	__atomic_thread_fence(
	    __ATOMIC_RELEASE); /* entry complete before live */
	WRITE_ONCE(table[ref].flags,
		   GTF_permit_access | (readonly ? GTF_readonly : 0));
	return ref;
}

int gnttab_end(int ref)
{
	uint16_t f;
	unsigned long flags;

	if (ref < RESERVED_REFS || (unsigned)ref >= nr_entries)
		return -EINVAL;
	/* Clear the flags only if the other side is not using the frame. */
	f = READ_ONCE(table[ref].flags);
	do {
		if (f & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&table[ref].flags, &f, 0, false,
					      __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	flags = spin_lock_irqsave(&lock);
	next_free[ref] = free_head;
	free_head = ref;
	spin_unlock_irqrestore(&lock, flags);
	return 0;
}

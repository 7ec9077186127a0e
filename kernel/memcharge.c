/*
 * memcharge.c - kernel memory held for programs, counted by kind
 * (kernel/). Pipes, sockets, the network stack, AIO rings, user threads
 * and address-space areas charge what they allocate before allocating
 * it, and uncharge it
 * when they free it. A kind may hold a quarter of RAM, and a charge must
 * leave the reserve free (pmm_above_reserve): a program that makes
 * sockets, pipes or threads until something gives out gets ENOMEM,
 * ENOBUFS or EAGAIN from its call, while page tables, the kernel's own
 * objects and the OOM path still find pages.
 */
#include <keel/errno.h>
#include <keel/memcharge.h>
#include <keel/page.h>
#include <keel/pmm.h>

static size_t charged[MEM_KINDS];
static unsigned long refused;

size_t mem_charge_limit(enum mem_kind k)
{
	struct pmm_stats st;

	(void)k;
	pmm_stats(&st);
	return st.total_pages / 4 * PAGE_SIZE;
}

int mem_charge(enum mem_kind k, size_t bytes)
{
	size_t limit = mem_charge_limit(k), was;
	size_t pages = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;

	if (k >= MEM_KINDS)
		return -EINVAL;
	if (!pmm_above_reserve(pages))
		goto refuse;
	was = __atomic_fetch_add(&charged[k], bytes, __ATOMIC_RELAXED);
	if (was + bytes <= limit)
		return 0;
	__atomic_sub_fetch(&charged[k], bytes, __ATOMIC_RELAXED);
refuse:
	__atomic_add_fetch(&refused, 1, __ATOMIC_RELAXED);
	return -ENOMEM;
}

void mem_charge_force(enum mem_kind k, size_t bytes)
{
	if (k < MEM_KINDS)
		__atomic_add_fetch(&charged[k], bytes, __ATOMIC_RELAXED);
}

void mem_uncharge(enum mem_kind k, size_t bytes)
{
	if (k < MEM_KINDS && bytes)
		__atomic_sub_fetch(&charged[k], bytes, __ATOMIC_RELAXED);
}

size_t mem_charged(enum mem_kind k)
{
	return k < MEM_KINDS ? __atomic_load_n(&charged[k], __ATOMIC_RELAXED)
			     : 0;
}

unsigned long mem_charge_refused(void)
{
	return __atomic_load_n(&refused, __ATOMIC_RELAXED);
}

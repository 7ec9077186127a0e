/*
 * console.c - the Xen PV console ring (plat/xen). Bytes go into the out
 * ring (HVM_PARAM_CONSOLE_PFN), the producer index is published after a
 * write barrier, and the console event channel tells xenconsoled. When the
 * ring is full we wait for the consumer, yielding the CPU to Xen, so no
 * output is lost; flush waits until the ring is empty. Before the ring is
 * known, bytes go to Xen's debug port 0xe9.
 */
#include <keel/page.h>
#include <plat/xen.h>
#include <arch/layout.h>
#include <arch/mm.h>
#include <arch/x86.h>
#include <xen/hvm/params.h>
#include <xen/io/console.h>
#include <xen/sched.h>

/* Give up on a consumer that has not moved for this many yields. */
#define STALL_LIMIT 2000000

static struct xencons_interface *ring;
static uint64_t ring_pa;
static unsigned port;
static bool stalled; /* the consumer stopped: drop output rather than hang */

void xen_console_early(void)
{
	uint64_t pfn = 0, evtchn = 0;

	if (xen_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) || !pfn ||
	    xen_get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn))
		return;
	ring_pa = pfn << PAGE_SHIFT;
	port = (unsigned)evtchn;
	/* The boot page tables map the low 4 GiB at the direct-map base. */
	if (ring_pa < (1ULL << 32))
		ring = (void *)(DIRECT_MAP_BASE + ring_pa);
}

/* The final page tables map only RAM: map the ring page explicitly. */
void xen_console_init(void)
{
	if (ring_pa)
		ring = ioremap_cached(ring_pa, PAGE_SIZE);
}

static void yield(void)
{
	HYPERCALL2(sched_op, SCHEDOP_yield, NULL);
}

/* Wait until the consumer leaves room for `need` bytes. */
static bool wait_room(XENCONS_RING_IDX prod, unsigned need)
{
	for (unsigned spins = 0; !stalled; spins++) {
		XENCONS_RING_IDX cons = READ_ONCE(ring->out_cons);
		if (prod - cons + need <= sizeof(ring->out))
			return true;
		if (spins == STALL_LIMIT) {
			stalled = true;
			break;
		}
		evtchn_send(port);
		yield();
	}
	return false;
}

void xen_console_write(const char *buf, size_t len)
{
	XENCONS_RING_IDX prod;

	if (!ring) {
		for (size_t i = 0; i < len; i++)
			outb(0xe9, (uint8_t)buf[i]);
		return;
	}
	prod = ring->out_prod;
	for (size_t i = 0; i < len; i++) {
		if (!wait_room(prod, 1))
			return;
		ring->out[MASK_XENCONS_IDX(prod, ring->out)] = buf[i];
		prod++;
		if (prod % 256 == 0 || i + 1 == len) {
			__atomic_thread_fence(__ATOMIC_RELEASE);
			WRITE_ONCE(ring->out_prod, prod);
			evtchn_send(port);
		}
	}
}

void xen_console_flush(void)
{
	for (unsigned spins = 0; ring && !stalled && spins < STALL_LIMIT;
	     spins++) {
		if (READ_ONCE(ring->out_cons) == READ_ONCE(ring->out_prod))
			return;
		evtchn_send(port);
		yield();
	}
}

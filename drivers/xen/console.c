/*
 * console.c - the Xen PV console ring as a console device (drivers/xen),
 * registered with plat/console.c. Bytes go into the out ring
 * (HVM_PARAM_CONSOLE_PFN), the producer index is published after a write
 * barrier, and the console event channel tells xenconsoled. When the ring
 * is full we wait for the consumer in Xen (evtchn_wait), so no output is
 * lost; flush waits until the ring is empty. Before the ring is known,
 * bytes go to Xen's debug port 0xe9. Input is polled by the kernel (the
 * in ring). Uses plat/xen's services only (<plat/xen.h>).
 */
#include <keel/consdev.h>
#include <keel/page.h>
#include <keel/printk.h>
#include <keel/time.h>
#include <plat/xen.h>
#include <drivers/xen.h>
#include <arch/layout.h>
#include <arch/mm.h>
#include <arch/x86.h>
#include <xen/hvm/params.h>
#include <xen/io/console.h>
#include <xen/sched.h>

/* Give up on a consumer that has not moved for this long. */
#define STALL_NS (10 * NSEC_PER_SEC)
#define WAIT_SLICE_NS (10 * NSEC_PER_MSEC)
#define EARLY_STALL_YIELDS 2000000 /* before shared_info: no clock yet */

static struct xencons_interface *ring;
static uint64_t ring_pa;
static unsigned port;
static bool stalled; /* the consumer stopped: drop output rather than hang */
static bool broken; /* the out ring's indices are more than a ring apart */

static struct consdev dev;

void xen_console_probe(bool hypercalls)
{
	uint64_t pfn = 0, evtchn = 0;

	consdev_register(&dev);
	if (!hypercalls || xen_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) || !pfn ||
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

/*
 * Indices more than a ring apart (xenconsoled moved out_cons, or wrote
 * out_prod, where no consumer can be): what lies between is no output.
 * Said once per breakage; the line itself comes back here and is dropped
 * (broken is set first), and output resumes when the indices agree again.
 */
static bool out_broken(XENCONS_RING_IDX prod, XENCONS_RING_IDX cons)
{
	if (prod - cons <= sizeof(ring->out)) {
		broken = false;
		return false;
	}
	if (!broken) {
		broken = true;
		printk("xen: console out ring indices are broken (producer %u, "
		       "consumer %u): output dropped\n",
		       prod, cons);
	}
	return true;
}

/*
 * Wait until cond() holds, in Xen (evtchn_wait), telling xenconsoled
 * again after each quiet slice. A consumer that does not move for
 * STALL_NS is given up on: output is then dropped rather than hang.
 * Before shared_info is mapped (early boot) there is no clock and no
 * waiting in Xen: evtchn_wait yields, and the stall is counted in yields.
 */
static bool wait_consumer(bool (*cond)(XENCONS_RING_IDX, unsigned),
			  XENCONS_RING_IDX prod, unsigned need)
{
	XENCONS_RING_IDX last = READ_ONCE(ring->out_cons);
	uint64_t since = xen_monotonic_ns();
	unsigned slices = 0;

	while (!stalled && !cond(prod, need)) {
		XENCONS_RING_IDX cons = READ_ONCE(ring->out_cons);
		uint64_t now = xen_monotonic_ns();

		if (out_broken(prod, cons))
			return false;
		if (cons != last) {
			last = cons;
			since = now;
			slices = 0;
		} else if (xen_events_ready() ? now - since > STALL_NS
					      : ++slices > EARLY_STALL_YIELDS) {
			stalled = true;
			printk("xen: console consumer stopped for 10 s: "
			       "output dropped\n");
			break;
		}
		if (!evtchn_wait(port, WAIT_SLICE_NS))
			evtchn_send(port);
	}
	return !stalled;
}

static bool has_room(XENCONS_RING_IDX prod, unsigned need)
{
	return prod - READ_ONCE(ring->out_cons) + need <= sizeof(ring->out);
}

static bool drained(XENCONS_RING_IDX prod, unsigned need)
{
	(void)need;
	return READ_ONCE(ring->out_cons) == prod;
}

/* Wait until the consumer leaves room for `need` bytes. */
static bool wait_room(XENCONS_RING_IDX prod, unsigned need)
{
	return wait_consumer(has_room, prod, need);
}

static void cons_write(struct consdev *c, const char *buf, size_t len)
{
	XENCONS_RING_IDX prod;

	(void)c;
	if (!ring) {
		for (size_t i = 0; i < len; i++)
			outb(0xe9, (uint8_t)buf[i]);
		return;
	}
	prod = READ_ONCE(ring->out_prod);
	if (out_broken(prod, READ_ONCE(ring->out_cons)))
		return;
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

/*
 * Input: the in ring, filled by xenconsoled. Take what is there, publish
 * the consumer index after the reads, and tell xenconsoled it has room.
 */
static size_t cons_read(struct consdev *c, char *buf, size_t max)
{
	XENCONS_RING_IDX cons, prod;
	size_t n = 0;

	(void)c;
	if (!ring)
		return 0;
	cons = ring->in_cons;
	prod = READ_ONCE(ring->in_prod);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	/*
	 * A producer index more than a ring ahead is broken: what lies
	 * between is not input. Resynchronise on it, reading nothing.
	 */
	if (prod - cons > sizeof(ring->in)) {
		printk("xen: console in ring indices are broken (producer %u, "
		       "consumer %u): input skipped\n",
		       prod, cons);
		WRITE_ONCE(ring->in_cons, prod);
		return 0;
	}
	while (cons != prod && n < max)
		buf[n++] = ring->in[MASK_XENCONS_IDX(cons++, ring->in)];
	if (n) {
		__atomic_thread_fence(__ATOMIC_RELEASE);
		WRITE_ONCE(ring->in_cons, cons);
		evtchn_send(port);
	}
	return n;
}

static void cons_flush(struct consdev *c)
{
	(void)c;
	if (ring)
		wait_consumer(drained, READ_ONCE(ring->out_prod), 0);
}

static const struct consdev_ops ops = {
	.write = cons_write,
	.output = cons_write, /* the ring adds no \r either */
	.read = cons_read,
	.flush = cons_flush,
};

static struct consdev dev = { .name = "hvc0", .ops = &ops };

/*
 * evtchn.c - Xen event channels (plat/xen), 2-level ABI. Xen raises the
 * upcall vector (HVM_PARAM_CALLBACK_IRQ, vector delivery, which needs no
 * LAPIC EOI); the handler scans the pending selector and bitmaps in
 * shared_info, clears each pending bit and calls the port's handler.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/printk.h>
#include "xen_priv.h"
#include <arch/trap.h>
#include <xen/event_channel.h>
#include <xen/hvm/params.h>
#include <xen/sched.h>

#define MAX_PORTS 1024

struct binding {
	evtchn_handler_t fn;
	void *arg;
};
static struct binding bindings[MAX_PORTS];
static uint64_t spurious;

static inline void bit_clear(volatile xen_ulong_t *w, unsigned bit)
{
	__atomic_fetch_and(w, ~(1UL << bit), __ATOMIC_SEQ_CST);
}

static inline void bit_set(volatile xen_ulong_t *w, unsigned bit)
{
	__atomic_fetch_or(w, 1UL << bit, __ATOMIC_SEQ_CST);
}

/* Deliver every pending, unmasked event. Interrupts are disabled. */
void evtchn_poll(void)
{
	struct shared_info *s = xen_shared_info;
	struct vcpu_info *v = &s->vcpu_info[0];

	while (READ_ONCE(v->evtchn_upcall_pending)) {
		WRITE_ONCE(v->evtchn_upcall_pending, 0);
		xen_ulong_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0,
						      __ATOMIC_SEQ_CST);
		while (sel) {
			unsigned w = __builtin_ctzl(sel);
			sel &= sel - 1;
			xen_ulong_t pend =
			    s->evtchn_pending[w] & ~s->evtchn_mask[w];
			while (pend) {
				unsigned b = __builtin_ctzl(pend);
				unsigned port = w * 64 + b;
				pend &= pend - 1;
				bit_clear(&s->evtchn_pending[w], b);
				if (port < MAX_PORTS && bindings[port].fn)
					bindings[port].fn(port,
							  bindings[port].arg);
				else
					spurious++;
			}
		}
	}
}

static void upcall(struct trap_frame *tf)
{
	(void)tf;
	evtchn_poll();
}

int evtchn_init(void)
{
	struct vcpu_info *v = &xen_shared_info->vcpu_info[0];

	irq_set_handler(VEC_XEN_UPCALL, upcall);
	v->evtchn_upcall_mask = 0;
	return xen_set_param(HVM_PARAM_CALLBACK_IRQ,
			     ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
				 VEC_XEN_UPCALL);
}

int evtchn_bind(unsigned port, evtchn_handler_t fn, void *arg)
{
	unsigned long flags;

	if (port >= MAX_PORTS)
		return -EINVAL;
	flags = arch_irq_save();
	bindings[port].fn = fn;
	bindings[port].arg = arg;
	arch_irq_restore(flags);
	evtchn_unmask(port);
	return 0;
}

void evtchn_unbind(unsigned port)
{
	unsigned long flags;

	if (port >= MAX_PORTS)
		return;
	evtchn_mask(port);
	flags = arch_irq_save();
	bindings[port].fn = NULL;
	arch_irq_restore(flags);
}

void evtchn_mask(unsigned port)
{
	bit_set(&xen_shared_info->evtchn_mask[port / 64], port % 64);
}

void evtchn_unmask(unsigned port)
{
	struct evtchn_unmask op = { .port = port };

	/* Xen re-raises an event that arrived while masked. */
	HYPERCALL2(event_channel_op, EVTCHNOP_unmask, &op);
}

int evtchn_send(unsigned port)
{
	struct evtchn_send op = { .port = port };

	return (int)HYPERCALL2(event_channel_op, EVTCHNOP_send, &op);
}

/*
 * Block (interrupts may be off) until port is pending or timeout_ns has
 * passed, then consume its pending bit; true if it was pending. Callers
 * check their condition before each wait: an event after that check
 * leaves the bit set and the next wait returns at once, so none is lost.
 * Waiting in Xen instead of notifying and yielding in a loop keeps a
 * slow peer (xenstored, xenconsoled in a busy dom0) from being flooded
 * with events while it catches up.
 */
bool evtchn_wait(unsigned port, uint64_t timeout_ns)
{
	struct shared_info *s = xen_shared_info;
	evtchn_port_t ports[1] = { port };
	struct sched_poll op = { .nr_ports = 1 };
	bool was;

	if (!s) {
		HYPERCALL2(sched_op, SCHEDOP_yield, NULL);
		return false;
	}
	set_xen_guest_handle(op.ports, ports);
	op.timeout = xen_system_time_ns() + timeout_ns;
	HYPERCALL2(sched_op, SCHEDOP_poll, &op);
	was = READ_ONCE(s->evtchn_pending[port / 64]) & (1UL << (port % 64));
	bit_clear(&s->evtchn_pending[port / 64], port % 64);
	return was;
}

int evtchn_alloc_unbound(domid_t remote, unsigned *port)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF,
					   .remote_dom = remote };
	int rc = (int)HYPERCALL2(event_channel_op, EVTCHNOP_alloc_unbound, &op);

	*port = op.port;
	return rc;
}

int evtchn_bind_virq(unsigned virq, unsigned *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = 0 };
	int rc = (int)HYPERCALL2(event_channel_op, EVTCHNOP_bind_virq, &op);

	*port = op.port;
	return rc;
}

bool xen_events_ready(void)
{
	return xen_shared_info != NULL;
}

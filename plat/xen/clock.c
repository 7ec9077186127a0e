/*
 * clock.c - Xen's paravirtual clock (plat/xen): system time from the
 * vcpu_time_info Xen keeps in shared_info (read under its version counter,
 * retried while odd or changed), wall clock from shared_info's wc_* fields.
 * The TSC frequency comes from Xen's CPUID leaf base+3 (kHz), else from the
 * pvclock's own multiplier.
 */
#include <keel/time.h>
#include "xen_priv.h"
#include <keel/hyper.h>
#include <keel/printk.h>
#include <arch/x86.h>
#include <xen/vcpu.h>

static uint64_t boot_ns;

static uint64_t system_time_ns(void)
{
	volatile struct vcpu_time_info *t = &xen_shared_info->vcpu_info[0].time;
	uint32_t version;
	uint64_t ns;

	do {
		version = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint64_t delta = rdtsc() - t->tsc_timestamp;
		int8_t shift = t->tsc_shift;
		if (shift < 0)
			delta >>= -shift;
		else
			delta <<= shift;
		ns = t->system_time + (uint64_t)(((unsigned __int128)delta *
						  t->tsc_to_system_mul) >>
						 32);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != t->version);
	return ns;
}

void xen_clock_init(void)
{
	boot_ns = system_time_ns();
}

/* Xen's own system time, the base of SCHEDOP_poll and timer deadlines. */
uint64_t xen_system_time_ns(void)
{
	return xen_shared_info ? system_time_ns() : 0;
}

/*
 * Never backwards: each physical CPU's time record is its own estimate, so
 * when Xen moves this vCPU to another one (often, on a loaded host) the
 * next reading can be a little behind the last, unless Xen vouches for
 * the TSC (XEN_PVCLOCK_TSC_STABLE_BIT). The largest value returned so far
 * is the floor, as Linux's pvclock does.
 */
uint64_t xen_monotonic_ns(void)
{
	static uint64_t last;
	uint64_t ns, seen;

	if (!xen_shared_info)
		return 0;
	ns = system_time_ns() - boot_ns;
	seen = __atomic_load_n(&last, __ATOMIC_RELAXED);
	do {
		if (ns <= seen)
			return seen;
	} while (!__atomic_compare_exchange_n(
	    &last, &seen, ns, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return ns;
}

int64_t xen_wallclock_ns(void)
{
	volatile struct shared_info *s = xen_shared_info;
	uint32_t version;
	uint64_t sec, nsec;

	do {
		version = s->wc_version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		sec = s->wc_sec | ((uint64_t)s->xen_wc_sec_hi << 32);
		nsec = s->wc_nsec;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != s->wc_version);
	return (int64_t)(sec * NSEC_PER_SEC + nsec + system_time_ns());
}

uint64_t xen_tsc_hz(void)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		struct cpuid_regs r = cpuid(base, 0);
		if (r.ebx == 0x566e6558 && r.eax - base >= 3) {
			uint32_t khz = cpuid(base + 3, 0).ecx;
			if (khz)
				return (uint64_t)khz * 1000;
			break;
		}
	}
	/* From the pvclock: hz = (10^9 << 32) / mul, then undo the shift. */
	volatile struct vcpu_time_info *t = &xen_shared_info->vcpu_info[0].time;
	uint64_t hz = (uint64_t)((NSEC_PER_SEC << 32) / t->tsc_to_system_mul);
	return t->tsc_shift < 0 ? hz << -t->tsc_shift : hz >> t->tsc_shift;
}

/*
 * The one-shot timer: VCPUOP_set_singleshot_timer takes an absolute Xen
 * system time, the same clock as xen_monotonic_ns, so no calibration is
 * involved; it fires VIRQ_TIMER. (The LAPIC timer also works under Xen,
 * but its rate must be measured, and under nested Xen the measurement was
 * off by 2-8 %, making 100 ms sleeps 4-8 ms late.)
 */
static void timer_virq(unsigned port, void *arg)
{
	(void)port;
	(void)arg;
	kernel_timer_interrupt();
}

int xen_timer_init(void)
{
	unsigned port;
	int err;

	/* HVM vCPUs have no periodic timer, but make sure of it. */
	xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0, 0,
		      0);
	err = evtchn_bind_virq(VIRQ_TIMER, &port);
	if (!err)
		err = evtchn_bind(port, timer_virq, NULL);
	return err;
}

void xen_timer_arm(uint64_t deadline_ns)
{
	struct vcpu_set_singleshot_timer t = {
		.timeout_abs_ns = deadline_ns + boot_ns,
	};

	if (!deadline_ns) {
		xen_hypercall(__HYPERVISOR_vcpu_op,
			      VCPUOP_stop_singleshot_timer, 0, 0, 0, 0);
		return;
	}
	/* A deadline in the past fires at once (no VCPU_SSHOTTMR_future). */
	if (xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0,
			  (unsigned long)&t, 0, 0))
		WARN_ONCE("xen: VCPUOP_set_singleshot_timer failed\n");
}

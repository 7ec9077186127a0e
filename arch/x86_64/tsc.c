/*
 * tsc.c - the TSC as a nanosecond clock (arch/x86_64). The frequency comes
 * from the platform (calibrated against the PIT on QEMU/KVM, read from the
 * hypervisor on Xen); the conversion is kernel/time.c's fixed-point scale.
 * The TSC boot.S read at the PVH entry gives the boot budget: the time
 * from the entry to the program's first instruction (arch_since_entry_ns).
 */
#include <keel/page.h>
#include <keel/time.h>
#include <arch/lapic.h>
#include <arch/x86.h>

static uint64_t tsc0, tsc_hz, entry_tsc;
static struct clock_scale tsc_scale;
/* The TSC at the PVH entry (boot.S), linked at its physical address. */
extern uint64_t boot_tsc[];

/* Keep the TSC boot.S read at the PVH entry (its page is mapped until
 * mm.c's tables replace the boot ones). */
void tsc_note_entry(void)
{
	entry_tsc = boot_tsc[0];
}

uint64_t arch_since_entry_ns(void)
{
	uint64_t t = rdtsc();

	if (!tsc_hz || t <= entry_tsc)
		return 0;
	return clock_scale_apply(&tsc_scale, t - entry_tsc);
}

/*
 * The clock counts from the PVH entry, so "keel: up in N us" is the whole
 * boot in guest time, calibration included.
 */
void tsc_clock_init(uint64_t hz)
{
	uint64_t now = rdtsc(),
		 entry =
		     *(uint64_t *)phys_to_virt((paddr_t)(uintptr_t)boot_tsc);

	tsc_hz = hz;
	clock_scale_init(&tsc_scale, hz);
	tsc0 = entry && entry <= now ? entry : now;
}

uint64_t tsc_clock_hz(void)
{
	return tsc_hz;
}

/* What tsc_clock_ns computes, for user mode to compute it too. */
void tsc_clock_scale(uint64_t *base, uint64_t *mult, uint32_t *shift)
{
	*base = tsc0;
	*mult = tsc_scale.mult;
	*shift = tsc_scale.shift;
}

uint64_t tsc_clock_ns(void)
{
	uint64_t t = rdtsc();

	return t > tsc0 ? clock_scale_apply(&tsc_scale, t - tsc0) : 0;
}

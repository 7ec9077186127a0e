/*
 * lapic.c - the local APIC timer (arch/x86_64). Runs in TSC-deadline mode
 * when the CPU offers it and a probe shows it firing, otherwise in one-shot
 * count mode calibrated against the TSC clock. Its interrupt calls
 * kernel_timer_interrupt. Also the end-of-interrupt for device vectors
 * and self-interrupts (the MSI self-test).
 */
#include <keel/arch.h>
#include <keel/hyper.h>
#include <keel/printk.h>
#include <keel/time.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/mm.h>
#include <arch/trap.h>
#include <arch/x86.h>

#define REG_ID 0x20
#define REG_EOI 0xb0
#define REG_ICR_LO 0x300
#define REG_SVR 0xf0
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define ICR_SELF (1u << 18) /* destination shorthand: this CPU */
#define ICR_PENDING (1u << 12) /* delivery status: send pending */

static volatile uint32_t *regs;
static bool deadline_mode;
static struct clock_scale ns_to_count, ns_to_tsc;
static volatile uint64_t irqs;

static inline uint32_t rd(unsigned r)
{
	return regs[r / 4];
}

static inline void wr(unsigned r, uint32_t v)
{
	regs[r / 4] = v;
}

static void timer_irq(struct trap_frame *tf)
{
	(void)tf;
	irqs++;
	wr(REG_EOI, 0);
	kernel_timer_interrupt();
}

static void spurious_irq(struct trap_frame *tf)
{
	(void)tf; /* no EOI for the spurious vector */
}

/*
 * Count-mode rate: counts per second over about 10 ms of monotonic time.
 * The count is read at both ends, each read right after a clock read, so a
 * slow (trapped, nested) register access costs the same at both ends and
 * cancels out instead of inflating the rate.
 */
static void calibrate(void)
{
	uint64_t t0, t1;
	uint32_t c0, c1;

	wr(REG_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	wr(REG_TIMER_DIV, 0x3); /* divide by 16 */
	wr(REG_TIMER_INIT, 0xffffffff);
	t0 = hyper_monotonic_ns();
	c0 = rd(REG_TIMER_CUR);
	do
		t1 = hyper_monotonic_ns();
	while (t1 - t0 < 10 * NSEC_PER_MSEC);
	c1 = rd(REG_TIMER_CUR);
	wr(REG_TIMER_INIT, 0);
	uint64_t hz = (uint64_t)(c0 - c1) * NSEC_PER_SEC / (t1 - t0);
	clock_scale_init_inverse(&ns_to_count, hz);
	printk("lapic: timer %lu kHz (divide by 16)\n", hz / 1000);
}

/*
 * Does the TSC-deadline timer actually fire here? Try once, 50 us ahead
 * (the boot's budget is a millisecond; a working timer fires on time).
 */
static bool deadline_works(void)
{
	uint64_t before = irqs, t0 = hyper_monotonic_ns();

	deadline_mode = true;
	wr(REG_LVT_TIMER, LVT_TSC_DEADLINE | VEC_LAPIC_TIMER);
	lapic_timer_arm(t0 + 50 * NSEC_PER_USEC);
	arch_irq_enable();
	while (irqs == before && hyper_monotonic_ns() - t0 < 50 * NSEC_PER_MSEC)
		arch_cpu_relax();
	arch_irq_disable();
	if (irqs != before)
		return true;
	wrmsr(MSR_TSC_DEADLINE, 0);
	deadline_mode = false;
	return false;
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | (1u << 11)); /* globally enabled, xAPIC */
	regs = ioremap(base & 0xfffff000, 4096);
	irq_set_handler(VEC_LAPIC_TIMER, timer_irq);
	irq_set_handler(VEC_SPURIOUS, spurious_irq);
	wr(REG_SVR, 0x100 | VEC_SPURIOUS);
	/* LINT0/LINT1 carry legacy PIC and NMI wiring we never use (TESTBEDS.md). */
	wr(REG_LVT_LINT0, LVT_MASKED);
	wr(REG_LVT_LINT1, LVT_MASKED);
	wr(REG_LVT_ERROR, LVT_MASKED);
	clock_scale_init_inverse(&ns_to_tsc, tsc_clock_hz());
	/* The TSC-deadline timer needs no rate: the count-mode calibration
	 * (10 ms) only where it is missing or does not fire (TCG). */
	if (cpu_features.tsc_deadline && deadline_works())
		return;
	calibrate();
	wr(REG_LVT_TIMER, VEC_LAPIC_TIMER); /* one-shot */
}

void lapic_timer_arm(uint64_t deadline_ns)
{
	uint64_t now, delta;

	if (deadline_mode) {
		uint64_t tsc = deadline_ns ? rdtsc() : 0;
		if (deadline_ns) {
			now = hyper_monotonic_ns();
			delta = deadline_ns > now ? deadline_ns - now : 0;
			tsc += clock_scale_apply(&ns_to_tsc, delta) + 1;
		}
		wrmsr(MSR_TSC_DEADLINE, tsc);
		return;
	}
	if (!deadline_ns) {
		wr(REG_TIMER_INIT, 0);
		return;
	}
	now = hyper_monotonic_ns();
	delta = deadline_ns > now ? deadline_ns - now : 0;
	uint64_t count = clock_scale_apply(&ns_to_count, delta) + 1;
	wr(REG_TIMER_INIT, count > 0xffffffffu ? 0xffffffffu : (uint32_t)count);
}

const char *lapic_timer_mode(void)
{
	return deadline_mode ? "tsc-deadline" : "one-shot";
}

uint64_t lapic_timer_irqs(void)
{
	return irqs;
}

bool lapic_present(void)
{
	return regs != NULL;
}

uint32_t lapic_id(void)
{
	return rd(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

/* A fixed, edge-triggered interrupt on vector to this CPU. */
void lapic_send_self(unsigned vector)
{
	wr(REG_ICR_LO, ICR_SELF | (vector & 0xff));
	for (unsigned spin = 0; spin < 100000; spin++)
		if (!(rd(REG_ICR_LO) & ICR_PENDING))
			break;
}

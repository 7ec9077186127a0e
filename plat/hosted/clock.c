/*
 * clock.c - simulated time and interrupts (plat/hosted): a fake monotonic
 * clock the tests move, the one-shot timer, the interrupt-enable flag, and
 * hyper_halt, which jumps the clock to the armed deadline and runs the timer
 * interrupt so sleeping threads wake in deadline order, deterministically.
 */
#include <hosted.h>
#include <keel/arch.h>

static uint64_t now_ns;
static int64_t wall_base_ns = 1700000000LL * 1000000000LL;
static uint64_t deadline_ns; /* 0: not armed */
static bool irqs_on = true;
static bool in_irq;
static unsigned long halts, timer_irqs;

/* Run the timer interrupt as the CPU would: interrupts off in the handler. */
static void timer_irq(void)
{
	deadline_ns = 0;
	timer_irqs++;
	in_irq = true;
	kernel_timer_interrupt();
	in_irq = false;
}

/* Deliver the timer interrupt if it is due and interrupts are enabled. */
static void deliver_pending(void)
{
	while (irqs_on && !in_irq && deadline_ns && now_ns >= deadline_ns) {
		irqs_on = false;
		timer_irq();
		irqs_on = true;
	}
}

uint64_t hyper_monotonic_ns(void)
{
	return now_ns;
}

int64_t hyper_wallclock_ns(void)
{
	return wall_base_ns + (int64_t)now_ns;
}

/*
 * Whether the tests pretend user mode can read the clock: then the
 * "counter" is the simulated clock itself, scaled by 1 (2^32 >> 32).
 */
static bool user_clock;

void hosted_user_clock(bool on)
{
	user_clock = on;
}

bool hyper_user_clock(struct hyper_user_clock *uc)
{
	if (!user_clock)
		return false;
	uc->tsc_base = 0;
	uc->mult = 1ULL << 32;
	uc->shift = 32;
	uc->wall_ns = wall_base_ns;
	return true;
}

void hyper_timer_arm(uint64_t deadline)
{
	deadline_ns = deadline;
	deliver_pending();
}

void hyper_halt(void)
{
	if (irqs_on)
		hosted_fatal("hyper_halt called with interrupts enabled");
	if (!deadline_ns)
		hosted_fatal("hyper_halt: no timer armed, nothing can wake the "
			     "CPU (every thread is blocked: deadlock)");
	halts++;
	if (now_ns < deadline_ns)
		now_ns = deadline_ns;
	timer_irq();
}

void hosted_clock_set(uint64_t ns)
{
	now_ns = ns;
	deliver_pending();
}

void hosted_clock_advance(uint64_t ns)
{
	hosted_clock_set(now_ns + ns);
}

void hosted_wallclock_set(int64_t ns_at_boot)
{
	wall_base_ns = ns_at_boot;
}

uint64_t hosted_timer_deadline(void)
{
	return deadline_ns;
}

unsigned long hosted_halt_count(void)
{
	return halts;
}

unsigned long hosted_timer_irq_count(void)
{
	return timer_irqs;
}

unsigned long arch_irq_save(void)
{
	bool was = irqs_on;

	irqs_on = false;
	return was;
}

void arch_irq_restore(unsigned long flags)
{
	irqs_on = flags != 0;
	deliver_pending();
}

void arch_irq_enable(void)
{
	irqs_on = true;
	deliver_pending();
}

void arch_irq_disable(void)
{
	irqs_on = false;
}

bool arch_irqs_enabled(void)
{
	return irqs_on;
}

/*
 * clock.c - where the TSC frequency and the wall time come from (plat/kvm):
 * KVM's pvclock states the frequency (no waiting); elsewhere (TCG) the
 * PIT measures it once (CPUID's frequency leaves are wrong under TCG, see
 * docs/); the CMOS real-time clock gives the wall time.
 */
#include <keel/printk.h>
#include <keel/time.h>
#include <plat/kvm.h>
#include <arch/layout.h>
#include <arch/lapic.h>
#include <arch/x86.h>

#define PIT_HZ 1193182
#define PIT_CH0 0x40
#define PIT_CMD 0x43

#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES 0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01

/* KVM's per-CPU time record (pvclock): ns = (tsc << shift) * mul >> 32. */
struct pvclock {
	uint32_t version; /* odd while KVM writes it */
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t mul;
	int8_t shift;
	uint8_t flags;
	uint8_t pad[2];
} __packed;

static struct pvclock pvclock __aligned(64);

/*
 * The TSC frequency from KVM's pvclock, or 0 when this is not KVM (TCG,
 * which has no such clock) or it gives none. The record is registered
 * only for this read and then unregistered, so KVM writes no more into
 * the kernel image.
 */
uint64_t kvmclock_tsc_hz(void)
{
	struct cpuid_regs sig = cpuid(KVM_CPUID_SIGNATURE, 0);
	volatile struct pvclock *p = &pvclock;
	uint32_t mul = 0, v;
	int8_t shift = 0;
	uint64_t hz;

	if (sig.ebx != 0x4b4d564b || sig.ecx != 0x564b4d56 || sig.edx != 0x4d ||
	    sig.eax < KVM_CPUID_FEATURES) /* KVMKVMKVM */
		return 0;
	if (!(cpuid(KVM_CPUID_FEATURES, 0).eax & KVM_FEATURE_CLOCKSOURCE2))
		return 0;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW,
	      ((uintptr_t)&pvclock - KERNEL_VBASE) | 1);
	for (unsigned tries = 0; tries < 1000; tries++) {
		v = p->version;
		__asm__ volatile("" : : : "memory");
		mul = p->mul;
		shift = p->shift;
		__asm__ volatile("" : : : "memory");
		if (!(v & 1) && v == p->version && mul)
			break;
		mul = 0;
	}
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	/* Any TSC from 1 MHz to 100 GHz has |shift| well under 16, so the
	 * shift cannot overflow; anything else is not believed. */
	if (!mul || shift < -16 || shift > 16)
		return 0;
	hz = (NSEC_PER_SEC << 32) / mul;
	hz = shift >= 0 ? hz >> shift : hz << -shift;
	return hz >= 1000000 && hz <= 100000000000ULL ? hz : 0;
}

/* Latch and read channel 0's counter. */
static uint16_t pit_count(void)
{
	uint8_t lo, hi;

	outb(PIT_CMD, 0x00);
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return (uint16_t)(lo | hi << 8);
}

/*
 * Channel 0 free-runs in mode 2 from 65535; we poll it and add up how far
 * it counted (mod 2^16) while the TSC runs. This needs no speaker gate
 * (port 0x61), which microvm does not have. Returns 0 without a PIT: the
 * counter runs at 1.19 MHz, so it moves between any two reads (each is
 * three port accesses, a trap under KVM); one that stands still for
 * PIT_STILL reads in a row is missing (absent ports read 0xff) or stuck.
 */
#define PIT_STILL 10000

uint64_t pit_calibrate_tsc(void)
{
	const uint32_t target = PIT_HZ / 50; /* 20 ms */
	uint32_t elapsed = 0;
	uint16_t last, cur;
	uint64_t t0, t1;
	unsigned still = 0;

	outb(PIT_CMD, 0x34); /* channel 0, lo/hi byte, mode 2 */
	outb(PIT_CH0, 0xff);
	outb(PIT_CH0, 0xff);
	last = pit_count();
	/* Start on a tick edge. */
	while ((cur = pit_count()) == last)
		if (++still > PIT_STILL)
			return 0;
	last = cur;
	t0 = rdtsc();
	while (elapsed < target) {
		cur = pit_count();
		if (cur != last)
			still = 0;
		else if (++still > PIT_STILL)
			return 0;
		elapsed += (uint16_t)(last - cur);
		last = cur;
	}
	t1 = rdtsc();
	return (t1 - t0) * PIT_HZ / elapsed;
}

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static int bcd(uint8_t v, bool is_bcd)
{
	return is_bcd ? (v & 0xf) + (v >> 4) * 10 : v;
}

/*
 * Seconds since 1970 from the CMOS clock, or 0 (logged) without one. The
 * TSC clock runs already (kvm_init), so every wait is bounded in time: an
 * update-in-progress lasts under 2 ms on a real MC146818, and a reading
 * is retried until two agree at most RTC_TRIES times.
 */
#define RTC_UIP_NS (10 * NSEC_PER_MSEC)
#define RTC_TRIES 5

static bool rtc_wait_update(void)
{
	uint64_t t0 = tsc_clock_ns();

	while (cmos(0x0a) & 0x80)
		if (tsc_clock_ns() - t0 > RTC_UIP_NS)
			return false;
	return true;
}

int64_t rtc_read_epoch(void)
{
	struct tm_utc t;
	uint8_t regb, sec, regd = cmos(0x0d);

	/* Register D is 0x80 (valid RAM and time) on a working chip; absent
	 * ports read 0xff (microvm under KVM has none unless rtc=on). */
	if (regd != 0x80) {
		printk("rtc: no CMOS clock (register D reads %#x); the wall "
		       "clock starts at 1970\n",
		       regd);
		return 0;
	}
	for (unsigned tries = 0;; tries++) {
		if (tries == RTC_TRIES || !rtc_wait_update()) {
			printk("rtc: the CMOS clock %s; the wall clock starts "
			       "at 1970\n",
			       tries == RTC_TRIES ? "never read the same twice"
						  : "stays in an update");
			return 0;
		}
		sec = cmos(0x00);
		regb = cmos(0x0b);
		bool b = !(regb & 0x04);
		t.sec = bcd(sec, b);
		t.min = bcd(cmos(0x02), b);
		uint8_t h = cmos(0x04);
		t.hour = bcd(h & 0x7f, b);
		if (!(regb & 0x02) && (h & 0x80)) /* 12-hour clock, PM */
			t.hour = (t.hour % 12) + 12;
		t.mday = bcd(cmos(0x07), b);
		t.mon = bcd(cmos(0x08), b);
		t.year = 2000 + bcd(cmos(0x09), b);
		if (cmos(0x00) == sec)
			return time_from_utc(&t);
	}
}

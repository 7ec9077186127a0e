/*
 * clock.c - the legacy timekeeping chips of a PC (plat/kvm): the PIT,
 * used once to measure the TSC frequency (CPUID's frequency leaves are
 * wrong under TCG, see docs/), and the CMOS real-time clock for wall time.
 */
#include <keel/time.h>
#include <plat/kvm.h>
#include <arch/x86.h>

#define PIT_HZ 1193182
#define PIT_CH0 0x40
#define PIT_CMD 0x43

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
 * (port 0x61), which microvm does not have. Returns 0 without a PIT.
 */
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
		if (++still > 1000000)
			return 0;
	last = cur;
	t0 = rdtsc();
	while (elapsed < target) {
		cur = pit_count();
		if (cur == last && ++still > 10000000)
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

int64_t rtc_read_epoch(void)
{
	struct tm_utc t;
	uint8_t regb, sec;

	/* Wait out an update in progress, then read until two reads agree. */
	do {
		for (unsigned i = 0; i < 1000000 && (cmos(0x0a) & 0x80); i++)
			;
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
	} while (cmos(0x00) != sec);
	return time_from_utc(&t);
}

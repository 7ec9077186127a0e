/*
 * time.h - time units and the fixed-point conversion from counter ticks to
 * nanoseconds (kernel/time.c, host-testable). A clock source (TSC, LAPIC
 * timer, ...) is described by a multiplier and shift so that
 * ns = ticks * mult >> shift without overflow for years of uptime.
 */
#ifndef KEEL_TIME_H
#define KEEL_TIME_H

#include <keel/compiler.h>

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

struct clock_scale {
	uint64_t mult;
	uint32_t shift;
};

/* Scale for converting ticks of a counter running at hz to nanoseconds. */
void clock_scale_init(struct clock_scale *cs, uint64_t hz);
/* Scale for the inverse: nanoseconds to ticks of a counter at hz. */
void clock_scale_init_inverse(struct clock_scale *cs, uint64_t hz);

static inline uint64_t clock_scale_apply(const struct clock_scale *cs,
					 uint64_t v)
{
	return (uint64_t)(((unsigned __int128)v * cs->mult) >> cs->shift);
}

/* Monotonic nanoseconds since boot (the platform's clock). */
uint64_t time_now_ns(void);
/* Wall clock, nanoseconds since 1970-01-01 UTC. */
int64_t time_wall_ns(void);
/* Set the wall clock (settimeofday): later readings follow from ns. */
void time_set_wall_ns(int64_t ns);

struct tm_utc {
	int year, mon, mday, hour, min, sec; /* mon 1-12 */
};
/* Days/seconds arithmetic for calendar dates (no time zones). */
int64_t time_from_utc(const struct tm_utc *t);
void time_to_utc(int64_t secs, struct tm_utc *t);

#endif

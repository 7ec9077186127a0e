/*
 * time.h - time units, the fixed-point conversion from counter ticks to
 * nanoseconds, and the one set of conversions between nanoseconds and
 * Linux's time values (kernel/time.c, host-testable). A clock source (TSC,
 * LAPIC timer, ...) is described by a multiplier and shift so that
 * ns = ticks * mult >> shift without overflow for years of uptime.
 */
#ifndef KEEL_TIME_H
#define KEEL_TIME_H

#include <keel/compiler.h>
#include <uapi/time.h>

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL
#define USEC_PER_SEC 1000000ULL
/* Clock ticks per second as the program sees them (AT_CLKTCK, clock_t). */
#define USER_HZ 100

/*
 * Linux's time values (include/uapi/time.h). The checks every call that
 * takes one makes: 0, or -EINVAL for a negative tv_sec or a tv_nsec
 * (tv_usec) outside 0..999999999 (0..999999).
 */
int timespec_check(const struct linux_timespec *ts);
int timeval_check(const struct linux_timeval *tv);
/*
 * A value in nanoseconds, saturating at INT64_MIN and INT64_MAX (292
 * years: "for ever" to any caller), for any fields, checked or not.
 */
int64_t timespec_to_ns(const struct linux_timespec *ts);
int64_t timeval_to_ns(const struct linux_timeval *tv);
/* Nanoseconds to a value whose tv_nsec (tv_usec, truncated) is 0..1e9-1,
 * also for a negative ns (tv_sec is then the floor). */
struct linux_timespec ns_to_timespec(int64_t ns);
struct linux_timeval ns_to_timeval(int64_t ns);
/* Nanoseconds to clock ticks (USER_HZ), truncated. */
uint64_t ns_to_clock_t(uint64_t ns);

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
/*
 * Keep page (a struct vvar, include/keel/vvar.h) current from now on:
 * what the vDSO needs to compute the clocks these functions read (NULL:
 * no page any more).
 */
void time_publish(void *page);

struct tm_utc {
	int year, mon, mday, hour, min, sec; /* mon 1-12 */
};
/* Days/seconds arithmetic for calendar dates (no time zones). */
int64_t time_from_utc(const struct tm_utc *t);
void time_to_utc(int64_t secs, struct tm_utc *t);

#endif

/*
 * test_time.c - kernel/time.c: tick/nanosecond scales against exact 128-bit
 * arithmetic for counters from 1 Hz to 10 GHz (at most 1 ns error per
 * second, i.e. one part per billion, plus one for truncation), and calendar
 * conversion against the C library's timegm/gmtime_r; Linux's timespec and
 * timeval: the checks (EINVAL), saturating conversion to nanoseconds and
 * back, clock ticks.
 */
#define _GNU_SOURCE
#include <time.h>
#include <keel/errno.h>
#include <keel/time.h>
#include <keel/vvar.h>
#include "unit.h"

typedef unsigned __int128 u128;

static const uint64_t freqs[] = {
	1,
	2,
	3,
	7,
	10,
	1000,
	32768,
	1000000,
	1193182,
	3579545,
	14318180,
	24000000,
	100000000,
	999999999,
	1000000000,
	1000000001,
	1999999999,
	2400000000ULL,
	2999999999ULL,
	3000000000ULL,
	4000000000ULL,
	4294967296ULL,
	5000000000ULL,
	7777777777ULL,
	9999999999ULL,
	10000000000ULL,
};

/* |got - exact| within 1 + exact / 1e9 (1 ppb), got never above exact. */
static bool close_enough(uint64_t got, u128 exact)
{
	u128 tol = 1 + exact / 1000000000u;

	return (u128)got <= exact && exact - got <= tol;
}

static int check_scale(const struct clock_scale *cs, uint64_t from, uint64_t to,
		       uint64_t v)
{
	u128 exact = (u128)v * to / from;
	uint64_t got = clock_scale_apply(cs, v);

	if (exact > UINT64_MAX || close_enough(got, exact))
		return 0;
	print_message(
	    "scale %llu->%llu of %llu: got %llu, exact %llu (mult %llu shift %u)\n",
	    (unsigned long long)from, (unsigned long long)to,
	    (unsigned long long)v, (unsigned long long)got,
	    (unsigned long long)exact, (unsigned long long)cs->mult, cs->shift);
	return 1;
}

static void test_ticks_to_ns(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(freqs); i++) {
		uint64_t hz = freqs[i];
		const uint64_t ticks[] = {
			0,
			1,
			2,
			hz / 3,
			hz - 1,
			hz,
			hz + 1,
			hz * 60,
			hz * 3600,
			hz * 86400,
			hz * 86400 * 365,
			hz * 86400 * 365 * 10,
		};
		struct clock_scale cs;

		clock_scale_init(&cs, hz);
		for (size_t j = 0; j < ARRAY_SIZE(ticks); j++)
			bad += check_scale(&cs, hz, NSEC_PER_SEC, ticks[j]);
		/* One second of ticks is one second, to the nanosecond. */
		uint64_t s = clock_scale_apply(&cs, hz);
		bad += s < NSEC_PER_SEC - 1 || s > NSEC_PER_SEC;
	}
	assert_int_equal(bad, 0);
}

static void test_ns_to_ticks(void **state)
{
	static const uint64_t ns[] = {
		0,
		1,
		999,
		NSEC_PER_USEC,
		NSEC_PER_MSEC,
		123456789,
		NSEC_PER_SEC,
		60 * NSEC_PER_SEC,
		3600 * NSEC_PER_SEC,
		86400 * NSEC_PER_SEC,
		86400 * 365 * NSEC_PER_SEC,
	};
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(freqs); i++) {
		struct clock_scale cs;

		clock_scale_init_inverse(&cs, freqs[i]);
		for (size_t j = 0; j < ARRAY_SIZE(ns); j++)
			bad += check_scale(&cs, NSEC_PER_SEC, freqs[i], ns[j]);
		/* One second is hz ticks. */
		uint64_t t = clock_scale_apply(&cs, NSEC_PER_SEC);
		bad += t + 1 < freqs[i] || t > freqs[i];
	}
	assert_int_equal(bad, 0);
}

static void test_scale_round_trip(void **state)
{
	(void)state;
	/* ns -> ticks -> ns loses at most one tick's worth plus 1 ppb. */
	for (size_t i = 0; i < ARRAY_SIZE(freqs); i++) {
		struct clock_scale fwd, inv;
		uint64_t ns = 3 * 3600 * NSEC_PER_SEC + 12345;

		clock_scale_init(&fwd, freqs[i]);
		clock_scale_init_inverse(&inv, freqs[i]);
		uint64_t back =
		    clock_scale_apply(&fwd, clock_scale_apply(&inv, ns));
		uint64_t tick_ns = NSEC_PER_SEC / freqs[i] + 1;
		assert_true(back <= ns);
		assert_true(ns - back <= tick_ns + ns / 1000000000 + 1);
	}
}

static void check_date(int64_t secs, int *bad)
{
	struct tm_utc u;
	struct tm h;
	time_t tt = (time_t)secs;

	time_to_utc(secs, &u);
	if (!gmtime_r(&tt, &h) || u.year != h.tm_year + 1900 ||
	    u.mon != h.tm_mon + 1 || u.mday != h.tm_mday ||
	    u.hour != h.tm_hour || u.min != h.tm_min || u.sec != h.tm_sec ||
	    time_from_utc(&u) != secs) {
		if ((*bad)++ < 10)
			print_message(
			    "%lld: keel %04d-%02d-%02d %02d:%02d:%02d -> %lld\n",
			    (long long)secs, u.year, u.mon, u.mday, u.hour,
			    u.min, u.sec, (long long)time_from_utc(&u));
	}
}

static void test_utc_against_libc(void **state)
{
	int bad = 0;

	(void)state;
	/* Every day from 1600 to 2500, at a time of day that moves around. */
	int64_t start = -11676096000LL, end = 16725225600LL;
	for (int64_t s = start, k = 0; s < end; s += 86400, k++)
		check_date(s + (k * 3607) % 86400, &bad);
	/* Each second around some interesting instants. */
	static const int64_t edges[] = {
		0,
		2147483647LL,
		951782400LL /* 2000-02-29 */,
		4107542400LL /* 2100-03-01 */,
		-2208988800LL /* 1900-01-01 */,
		68169600LL /* 1972-02-29 */,
		253402300799LL /* 9999-12-31 */,
	};
	for (size_t i = 0; i < ARRAY_SIZE(edges); i++)
		for (int64_t d = -90000; d <= 90000; d += 7)
			check_date(edges[i] + d, &bad);
	assert_int_equal(bad, 0);
}

static void test_utc_known_dates(void **state)
{
	static const struct {
		struct tm_utc t;
		int64_t secs;
	} known[] = {
		{ { 1970, 1, 1, 0, 0, 0 }, 0 },
		{ { 1969, 12, 31, 23, 59, 59 }, -1 },
		{ { 2038, 1, 19, 3, 14, 7 }, 2147483647LL },
		{ { 2038, 1, 19, 3, 14, 8 }, 2147483648LL },
		{ { 2000, 2, 29, 12, 0, 0 }, 951825600LL },
		{ { 2000, 3, 1, 0, 0, 0 }, 951868800LL },
		{ { 2100, 2, 28, 23, 59, 59 }, 4107542399LL },
		{ { 2100, 3, 1, 0, 0, 0 }, 4107542400LL },
		{ { 2024, 2, 29, 0, 0, 0 }, 1709164800LL },
		{ { 1900, 3, 1, 0, 0, 0 }, -2203891200LL },
		{ { 1601, 1, 1, 0, 0, 0 }, -11644473600LL },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		struct tm_utc u;

		assert_int_equal(time_from_utc(&known[i].t), known[i].secs);
		time_to_utc(known[i].secs, &u);
		assert_memory_equal(&u, &known[i].t, sizeof(u));
	}
	/* 2100 is not a leap year, 2000 and 2024 are: the day after Feb 28. */
	struct tm_utc u;
	time_to_utc(time_from_utc(&(struct tm_utc){ 2100, 2, 28, 0, 0, 0 }) +
			86400,
		    &u);
	assert_int_equal(u.mon, 3);
	assert_int_equal(u.mday, 1);
	time_to_utc(time_from_utc(&(struct tm_utc){ 2024, 2, 28, 0, 0, 0 }) +
			86400,
		    &u);
	assert_int_equal(u.mon, 2);
	assert_int_equal(u.mday, 29);
}

static void test_clock_reads_platform(void **state)
{
	(void)state;
	hosted_clock_set(123456789);
	hosted_wallclock_set(1000 * (int64_t)NSEC_PER_SEC);
	assert_int_equal(time_now_ns(), 123456789);
	assert_int_equal(time_wall_ns(), 1000 * NSEC_PER_SEC + 123456789);
	hosted_clock_advance(11);
	assert_int_equal(time_now_ns(), 123456800);
}

/* What the vDSO computes from the clock page, for counter value tsc. */
static int64_t vdso_mono(const struct vvar *v, uint64_t tsc)
{
	return tsc > v->tsc_base
		   ? (int64_t)(((unsigned __int128)(tsc - v->tsc_base) *
				v->mult) >>
			       v->shift)
		   : 0;
}

/*
 * The clock page (time_publish): written under an even sequence count
 * that moves on each change; from it the vDSO's arithmetic gives what
 * time_now_ns and time_wall_ns say, before and after the wall clock is
 * set; without a user-readable clock it says VCLOCK_NONE.
 */
static void test_vvar(void **state)
{
	static struct vvar v;
	uint32_t seq;

	(void)state;
	hosted_clock_set(5 * NSEC_PER_SEC + 17);
	hosted_wallclock_set(1700000000 * (int64_t)NSEC_PER_SEC);
	hosted_user_clock(true);
	time_publish(&v);
	assert_int_equal(v.vclock, VCLOCK_TSC);
	assert_int_equal(v.seq % 2, 0);
	assert_true(v.seq > 0);
	assert_int_equal(vdso_mono(&v, time_now_ns()), time_now_ns());
	assert_int_equal(vdso_mono(&v, time_now_ns()) + v.wall_ns,
			 time_wall_ns());
	seq = v.seq;
	time_set_wall_ns(42 * (int64_t)NSEC_PER_SEC);
	assert_int_equal(v.seq, seq + 2);
	hosted_clock_advance(NSEC_PER_SEC);
	assert_int_equal(time_wall_ns(), 43 * (int64_t)NSEC_PER_SEC);
	assert_int_equal(vdso_mono(&v, time_now_ns()) + v.wall_ns,
			 time_wall_ns());
	hosted_user_clock(false);
	time_set_wall_ns(1700000000 * (int64_t)NSEC_PER_SEC);
	assert_int_equal(v.vclock, VCLOCK_NONE);
	assert_int_equal(v.seq, seq + 4);
	time_publish(NULL);
}

/* The same fields as a timespec and as a timeval: Linux's EINVAL checks. */
static void test_checks(void **state)
{
	static const struct {
		int64_t sec, sub;
		int ts_err, tv_err;
	} cases[] = {
		{ 0, 0, 0, 0 },
		{ 7, 999999, 0, 0 },
		{ 0, 1000000, 0, -EINVAL },
		{ 0, 999999999, 0, -EINVAL },
		{ INT64_MAX, 999999, 0, 0 },
		{ 0, 1000000000, -EINVAL, -EINVAL },
		{ 0, -1, -EINVAL, -EINVAL },
		{ -1, 0, -EINVAL, -EINVAL },
		{ -1, 5, -EINVAL, -EINVAL },
		{ INT64_MIN, 0, -EINVAL, -EINVAL },
		{ 5, INT64_MAX, -EINVAL, -EINVAL },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct linux_timespec ts = { cases[i].sec, cases[i].sub };
		struct linux_timeval tv = { cases[i].sec, cases[i].sub };

		assert_int_equal(timespec_check(&ts), cases[i].ts_err);
		assert_int_equal(timeval_check(&tv), cases[i].tv_err);
	}
}

static void test_to_ns(void **state)
{
	const int64_t max_sec = INT64_MAX / (int64_t)NSEC_PER_SEC;
	const int64_t max_nsec = INT64_MAX % (int64_t)NSEC_PER_SEC;

	(void)state;
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ 0, 0 }), 0);
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ 3, 7 }),
			 3000000007LL);
	/* The largest that fits, and one more: saturated. */
	assert_int_equal(
	    timespec_to_ns(&(struct linux_timespec){ max_sec, max_nsec }),
	    INT64_MAX);
	assert_int_equal(
	    timespec_to_ns(&(struct linux_timespec){ max_sec, max_nsec - 1 }),
	    INT64_MAX - 1);
	assert_int_equal(
	    timespec_to_ns(&(struct linux_timespec){ max_sec, max_nsec + 1 }),
	    INT64_MAX);
	assert_int_equal(
	    timespec_to_ns(&(struct linux_timespec){ INT64_MAX, 999999999 }),
	    INT64_MAX);
	/* Unchecked negative values saturate downward. */
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ -2, 5 }),
			 -1999999995LL);
	assert_int_equal(
	    timespec_to_ns(&(struct linux_timespec){ INT64_MIN, 0 }),
	    INT64_MIN);
	assert_int_equal(
	    timespec_to_ns(&(struct linux_timespec){ 0, INT64_MIN }),
	    INT64_MIN);
	assert_int_equal(timeval_to_ns(&(struct linux_timeval){ 2, 500000 }),
			 2500000000LL);
	assert_int_equal(timeval_to_ns(&(struct linux_timeval){ 0, INT64_MAX }),
			 INT64_MAX);
	assert_int_equal(
	    timeval_to_ns(&(struct linux_timeval){ max_sec, 999999 }),
	    INT64_MAX);
	assert_int_equal(timeval_to_ns(&(struct linux_timeval){ -1, 0 }),
			 -(int64_t)NSEC_PER_SEC);
}

static void test_from_ns(void **state)
{
	struct linux_timespec ts;
	struct linux_timeval tv;
	uint64_t seed = 42;

	(void)state;
	ts = ns_to_timespec(1234567890123LL);
	assert_int_equal(ts.tv_sec, 1234);
	assert_int_equal(ts.tv_nsec, 567890123);
	ts = ns_to_timespec(INT64_MAX);
	assert_int_equal(ts.tv_sec, INT64_MAX / (int64_t)NSEC_PER_SEC);
	assert_int_equal(ts.tv_nsec, INT64_MAX % (int64_t)NSEC_PER_SEC);
	/* Negative: the floor, so tv_nsec stays in range. */
	ts = ns_to_timespec(-1);
	assert_int_equal(ts.tv_sec, -1);
	assert_int_equal(ts.tv_nsec, 999999999);
	ts = ns_to_timespec(INT64_MIN);
	assert_int_equal(timespec_to_ns(&ts), INT64_MIN);
	tv = ns_to_timeval(1999999999);
	assert_int_equal(tv.tv_sec, 1);
	assert_int_equal(tv.tv_usec, 999999); /* truncated */
	tv = ns_to_timeval(-1000);
	assert_int_equal(tv.tv_sec, -1);
	assert_int_equal(tv.tv_usec, 999999);
	/* Round trips: exact for timespec, to the microsecond for timeval. */
	for (int i = 0; i < 100000; i++) {
		int64_t ns = (int64_t)unit_rand(&seed);

		ts = ns_to_timespec(ns);
		assert_int_equal(timespec_check(&ts), ns < 0 ? -EINVAL : 0);
		assert_int_equal(timespec_to_ns(&ts), ns);
		tv = ns_to_timeval(ns);
		assert_true(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
		assert_int_equal(timeval_to_ns(&tv),
				 ns - (ns % 1000 + 1000) % 1000);
	}
}

static void test_clock_t(void **state)
{
	(void)state;
	assert_int_equal(ns_to_clock_t(0), 0);
	assert_int_equal(ns_to_clock_t(NSEC_PER_SEC / USER_HZ - 1), 0);
	assert_int_equal(ns_to_clock_t(NSEC_PER_SEC / USER_HZ), 1);
	assert_int_equal(ns_to_clock_t(3 * NSEC_PER_SEC), 3 * USER_HZ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticks_to_ns),
		cmocka_unit_test(test_ns_to_ticks),
		cmocka_unit_test(test_scale_round_trip),
		cmocka_unit_test(test_utc_against_libc),
		cmocka_unit_test(test_utc_known_dates),
		cmocka_unit_test(test_clock_reads_platform),
		cmocka_unit_test(test_vvar),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_to_ns),
		cmocka_unit_test(test_from_ns),
		cmocka_unit_test(test_clock_t),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * time.c - clock arithmetic (kernel/, host-testable): tick/ns scaling,
 * calendar conversion, and the conversions and checks of Linux's timespec
 * and timeval that every syscall uses. The clocks themselves belong to the
 * platform and are read through hyper.h.
 */
#include <keel/errno.h>
#include <keel/arch.h>
#include <keel/hyper.h>
#include <keel/time.h>
#include <keel/vvar.h>

/*
 * mult = (to << shift) / from with the largest shift (at most 63) for which
 * mult fits in 63 bits: the truncation of mult then costs less than one part
 * in 2^62, for any counter between 1 Hz and many GHz, in both directions.
 * The product in clock_scale_apply is 128-bit, so it cannot overflow.
 */
/*
 * 128-by-64-bit division, bit by bit: only used when a scale is set up, and
 * it keeps the kernel free of libgcc (whose helpers may use the red zone).
 */
static unsigned __int128 div128(unsigned __int128 n, uint64_t d)
{
	unsigned __int128 q = 0, r = 0;

	for (int i = 127; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= (unsigned __int128)1 << i;
		}
	}
	return q;
}

static void scale_init(struct clock_scale *cs, uint64_t to, uint64_t from)
{
	uint32_t shift = 63;

	if (from == 0)
		from = 1;
	while (shift > 0 &&
	       div128((unsigned __int128)to << shift, from) > (UINT64_MAX >> 1))
		shift--;
	cs->shift = shift;
	cs->mult = (uint64_t)div128((unsigned __int128)to << shift, from);
}

void clock_scale_init(struct clock_scale *cs, uint64_t hz)
{
	scale_init(cs, NSEC_PER_SEC, hz);
}

void clock_scale_init_inverse(struct clock_scale *cs, uint64_t hz)
{
	scale_init(cs, hz, NSEC_PER_SEC);
}

uint64_t time_now_ns(void)
{
	return hyper_monotonic_ns();
}

/* settimeofday and clock_settime move the wall clock by an offset. */
static int64_t wall_offset_ns;
/* The page the vDSO reads (time_publish), or NULL. */
static struct vvar *vvar;

/*
 * Rewrite the vDSO's clock data under its sequence counter: odd while
 * the fields change, so a reader on another CPU retries (x86 keeps
 * stores in order; the compiler is held by the barriers).
 */
static void vvar_update(void)
{
	struct hyper_user_clock uc;
	bool user;

	if (!vvar)
		return;
	user = hyper_user_clock(&uc);
	WRITE_ONCE(vvar->seq, vvar->seq + 1);
	__asm__ volatile("" : : : "memory");
	vvar->vclock = user ? VCLOCK_TSC : VCLOCK_NONE;
	if (user) {
		vvar->tsc_base = uc.tsc_base;
		vvar->mult = uc.mult;
		vvar->shift = uc.shift;
		vvar->wall_ns = uc.wall_ns + wall_offset_ns;
	}
	__asm__ volatile("" : : : "memory");
	WRITE_ONCE(vvar->seq, vvar->seq + 1);
}

void time_publish(void *page)
{
	vvar = page;
	vvar_update();
}

int64_t time_wall_ns(void)
{
	return hyper_wallclock_ns() + wall_offset_ns;
}

void time_set_wall_ns(int64_t ns)
{
	unsigned long irq = arch_irq_save();

	wall_offset_ns = ns - hyper_wallclock_ns();
	vvar_update();
	arch_irq_restore(irq);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's method). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t time_from_utc(const struct tm_utc *t)
{
	return days_from_civil(t->year, t->mon, t->mday) * 86400 +
	       t->hour * 3600 + t->min * 60 + t->sec;
}

void time_to_utc(int64_t secs, struct tm_utc *t)
{
	int64_t days = secs / 86400, rem = secs % 86400;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	t->hour = (int)(rem / 3600);
	t->min = (int)(rem / 60 % 60);
	t->sec = (int)(rem % 60);
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	t->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->year = (int)(yoe + era * 400 + (t->mon <= 2));
}

int timespec_check(const struct linux_timespec *ts)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 ||
	    ts->tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	return 0;
}

int timeval_check(const struct linux_timeval *tv)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 ||
	    tv->tv_usec >= (int64_t)USEC_PER_SEC)
		return -EINVAL;
	return 0;
}

/*
 * sec seconds and sub units of unit ns each, saturating: toward the sign
 * of sec, or of sub when sec is 0 (when both are set with opposite signs
 * the sum cannot overflow unless sub alone does).
 */
static int64_t units_to_ns(int64_t sec, int64_t sub, int64_t unit)
{
	int64_t ns, sub_ns;

	if (__builtin_mul_overflow(sec, (int64_t)NSEC_PER_SEC, &ns) ||
	    __builtin_mul_overflow(sub, unit, &sub_ns) ||
	    __builtin_add_overflow(ns, sub_ns, &ns))
		return (sec ? sec : sub) < 0 ? INT64_MIN : INT64_MAX;
	return ns;
}

int64_t timespec_to_ns(const struct linux_timespec *ts)
{
	return units_to_ns(ts->tv_sec, ts->tv_nsec, 1);
}

int64_t timeval_to_ns(const struct linux_timeval *tv)
{
	return units_to_ns(tv->tv_sec, tv->tv_usec, (int64_t)NSEC_PER_USEC);
}

/* ns = *sec * NSEC_PER_SEC + rest, 0 <= rest < NSEC_PER_SEC. */
static int64_t split_ns(int64_t ns, int64_t *sec)
{
	int64_t rest = ns % (int64_t)NSEC_PER_SEC;

	*sec = ns / (int64_t)NSEC_PER_SEC;
	if (rest < 0) {
		rest += (int64_t)NSEC_PER_SEC;
		(*sec)--;
	}
	return rest;
}

struct linux_timespec ns_to_timespec(int64_t ns)
{
	struct linux_timespec ts;

	ts.tv_nsec = split_ns(ns, &ts.tv_sec);
	return ts;
}

struct linux_timeval ns_to_timeval(int64_t ns)
{
	struct linux_timeval tv;

	tv.tv_usec = split_ns(ns, &tv.tv_sec) / (int64_t)NSEC_PER_USEC;
	return tv;
}

uint64_t ns_to_clock_t(uint64_t ns)
{
	return ns / (NSEC_PER_SEC / USER_HZ);
}

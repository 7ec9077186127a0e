/*
 * time.c - clock arithmetic (kernel/, host-testable): tick/ns scaling and
 * calendar conversion. The clocks themselves belong to the platform and are
 * read through hyper.h.
 */
#include <keel/hyper.h>
#include <keel/time.h>

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

int64_t time_wall_ns(void)
{
	return hyper_wallclock_ns() + wall_offset_ns;
}

void time_set_wall_ns(int64_t ns)
{
	wall_offset_ns = ns - hyper_wallclock_ns();
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

/*
 * check.h - what the tests/guest/t_*.c programs share: one output line per
 * check ("ok NAME" or "FAIL NAME: got X, want Y" with errno names), so the
 * guest's output can be compared with the host's line by line.
 */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#define BADPTR ((void *)1)
#define KPTR ((void *)0xffff800000000000UL)

static int fails;

/*
 * SIGALRM every ms milliseconds until alarm_stop(). A blocking call that a
 * signal must end gets one even when the CPU was paused for longer than
 * ms before the call blocked: with a one-shot timer, the signal could come
 * first and the call wait for ever.
 */
static inline void alarm_every(long ms)
{
	struct itimerval it = { { ms / 1000, ms % 1000 * 1000 },
				{ ms / 1000, ms % 1000 * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static inline void alarm_stop(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static inline void check(const char *what, int ok)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	fails += !ok;
}

static inline long raw(long r)
{
	return r == -1 ? -errno : r;
}

static inline void check_err(const char *what, long r, int want)
{
	if (r == -want) {
		printf("ok %s\n", what);
		return;
	}
	printf("FAIL %s: got %ld (%s), want %s\n", what, r,
	       r < 0 ? strerrorname_np((int)-r) : "success",
	       strerrorname_np(want));
	fails++;
}

static inline void check_val(const char *what, long got, long want)
{
	if (got == want) {
		printf("ok %s\n", what);
		return;
	}
	printf("FAIL %s: got %ld (%s), want %ld\n", what, got,
	       got < 0 ? strerrorname_np((int)-got) : "-", want);
	fails++;
}

#endif

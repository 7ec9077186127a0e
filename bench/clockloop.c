/* clockloop.c - clock_gettime(CLOCK_MONOTONIC) in a loop (bench/clock.sh):
 * CALLS calls through libc, which takes the vDSO when AT_SYSINFO_EHDR
 * offers one and the system call otherwise. Prints
 *   BENCH clock begin
 *   BENCH clock end calls=N calls_per_s=X ns_per_call=Y vdso=0|1
 * timed by the same clock; exits 1 if the clock ever went backwards. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <time.h>

static double secs(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec t0, t, last;
	double s;

	if (calls < 1)
		calls = 1;
	printf("BENCH clock begin\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	last = t0;
	for (long i = 0; i < calls; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec < last.tv_sec ||
		    (t.tv_sec == last.tv_sec && t.tv_nsec < last.tv_nsec)) {
			printf("BENCH clock went backwards at call %ld\n", i);
			return 1;
		}
		last = t;
	}
	s = secs(&last) - secs(&t0);
	printf("BENCH clock end calls=%ld calls_per_s=%.1f ns_per_call=%.1f "
	       "vdso=%d\n",
	       calls, s > 0 ? calls / s : 0.0, s * 1e9 / calls,
	       getauxval(AT_SYSINFO_EHDR) != 0);
	return 0;
}

/*
 * tsckhz.c - print the host's TSC rate in kHz (TSC ticks over 200 ms of
 * CLOCK_MONOTONIC_RAW). bench/net.sh gives it to the Linux VM as tsc_early_khz=:
 * under TCG the guest's TSC is the host's, and Linux's own calibration against
 * the emulated PIT fails now and then on a busy host, after which its boot hangs.
 */
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>
int main(void)
{
	struct timespec a, b;
	double ns;
	unsigned long long t0, t1;

	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	t0 = __rdtsc();
	do {
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
		ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	} while (ns < 2e8);
	t1 = __rdtsc();
	printf("%.0f\n", (t1 - t0) / (ns / 1e6));
	return 0;
}

/* futexpp.c - futex ping-pong (bench/futex.sh): two threads hand one word
 * back and forth ROUNDS times, each waiting in FUTEX_WAIT until the other
 * has flipped it and called FUTEX_WAKE. On one CPU every hand-off is a
 * wait, a wake and a switch to the other thread. Prints
 *   BENCH futex begin
 *   BENCH futex end rounds=N roundtrips_per_s=X ns_per_roundtrip=Y waits=W
 * (CLOCK_MONOTONIC in the guest); exits 1 if the turns ever went wrong. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int turn; /* 0: ping's turn, 1: pong's */
static atomic_long waits;
static long rounds;

static void wait_for(int want)
{
	int v;
	while ((v = atomic_load(&turn)) != want) {
		atomic_fetch_add(&waits, 1);
		syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
	}
}

static void hand_over(int to)
{
	atomic_store(&turn, to);
	syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *pong(void *arg)
{
	(void)arg;
	for (long i = 0; i < rounds; i++) {
		wait_for(1);
		hand_over(0);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	pthread_t t;
	double t0, t1;

	rounds = argc > 1 ? atol(argv[1]) : 20000;
	if (rounds <= 0)
		return 2;
	printf("BENCH futex begin\n");
	fflush(stdout);
	t0 = now();
	if (pthread_create(&t, NULL, pong, NULL) != 0)
		return 1;
	for (long i = 0; i < rounds; i++) {
		wait_for(0);
		hand_over(1);
	}
	wait_for(0);
	pthread_join(t, NULL);
	t1 = now();
	printf(
	    "BENCH futex end rounds=%ld roundtrips_per_s=%.1f ns_per_roundtrip=%.1f waits=%ld\n",
	    rounds, rounds / (t1 - t0), (t1 - t0) * 1e9 / rounds,
	    (long)atomic_load(&waits));
	return atomic_load(&turn) == 0 ? 0 : 1;
}

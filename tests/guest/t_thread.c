/*
 * t_thread.c - pthreads (tests/guest): create and join with return values,
 * thread-local storage, 8 threads doing a bounded mutex/condvar ping-pong
 * whose totals must come out exact, a spinning thread that must not starve
 * the others (timer preemption), gettid distinct from getpid in threads.
 * Run in the guest and on the host; the output must match.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define NTHREADS 8
#define ROUNDS 200

static __thread int tls_value;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;
static volatile int stop_spinning;

static void *square(void *arg)
{
	long v = (long)arg;

	tls_value = (int)v;
	usleep(1000);
	return (void *)(v * v + tls_value - v);
}

/* Thread i waits for turn == i, bumps the counter, passes the turn on. */
static void *pingpong(void *arg)
{
	long me = (long)arg;

	for (int r = 0; r < ROUNDS; r++) {
		pthread_mutex_lock(&lock);
		while (turn != me)
			pthread_cond_wait(&cond, &lock);
		counter += me + 1;
		turn = (turn + 1) % NTHREADS;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* Two threads, ten rounds: enough to need the CPU back from a spinner. */
static void *pingpong2(void *arg)
{
	long me = (long)arg;

	for (int r = 0; r < 10; r++) {
		pthread_mutex_lock(&lock);
		while (turn != me)
			pthread_cond_wait(&cond, &lock);
		counter += me + 1;
		turn = !turn;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *spinner(void *arg)
{
	(void)arg;
	while (!stop_spinning)
		;
	return NULL;
}

static void *tid_of(void *arg)
{
	(void)arg;
	return (void *)(long)syscall(SYS_gettid);
}

int main(void)
{
	pthread_t t[NTHREADS], spin;
	void *ret;
	long sum = 0;

	tls_value = 99;
	for (long i = 0; i < 4; i++)
		check("create",
		      pthread_create(&t[i], NULL, square, (void *)i) == 0);
	for (long i = 0; i < 4; i++) {
		check("join", pthread_join(t[i], &ret) == 0);
		sum += (long)ret;
	}
	check_val("join results", sum, 0 + 1 + 4 + 9);
	check_val("tls untouched in main", tls_value, 99);

	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, pingpong, (void *)i);
	for (long i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	/* sum over rounds of 1 + 2 + ... + 8 */
	check_val("ping-pong total", counter, (long)ROUNDS * 36);

	/* A thread that never blocks must not keep the others from running. */
	check("spinner starts",
	      pthread_create(&spin, NULL, spinner, NULL) == 0);
	counter = 0;
	turn = 0;
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, pingpong2, (void *)i);
	for (long i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	check_val("ping-pong beside a spinner", counter, 10L * 3);
	stop_spinning = 1;
	check("spinner joins", pthread_join(spin, NULL) == 0);

	pthread_create(&t[0], NULL, tid_of, NULL);
	pthread_join(t[0], &ret);
	check("thread tid differs from pid", (long)ret != getpid());
	check_val("main tid is the pid", syscall(SYS_gettid), getpid());
	printf("%s\n", fails ? "t_thread: FAILED" : "t_thread: all ok");
	return fails != 0;
}

/*
 * sched.c - self-tests of threads, locks and timers (kernel/selftests):
 * mutual exclusion under yields, condition-variable ping-pong, and sleeps
 * of 1, 10 and 100 ms whose lateness is reported (asserting only lower
 * bounds and ordering, which cannot flake on a slow host).
 */
#include <keel/sched.h>
#include <keel/selftest.h>
#include <keel/sync.h>
#include <keel/time.h>

#define WORKERS 8
#define ROUNDS 200

static struct mutex counter_lock;
static long counter;

static void worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		mutex_lock(&counter_lock);
		long v = counter;
		sched_yield(); /* another thread runs while we hold the lock */
		counter = v + 1;
		mutex_unlock(&counter_lock);
	}
}

static int test_threads(void)
{
	struct thread *t[WORKERS];

	mutex_init(&counter_lock);
	counter = 0;
	for (int i = 0; i < WORKERS; i++) {
		t[i] = thread_create("worker", worker, NULL);
		ST_CHECK(t[i] != NULL);
	}
	for (int i = 0; i < WORKERS; i++)
		thread_join(t[i]);
	ST_CHECK(counter == WORKERS * ROUNDS);
	printk(
	    "  %d threads x %d locked increments: %ld, %lu switches so far\n",
	    WORKERS, ROUNDS, counter, this_cpu()->switches);
	return 0;
}
SELFTEST("threads", test_threads);

static struct mutex pp_lock;
static struct cond pp_cond;
static int pp_turn, pp_rounds;

static void ponger(void *arg)
{
	int me = (int)(uintptr_t)arg;

	mutex_lock(&pp_lock);
	while (pp_rounds < 1000) {
		while (pp_turn != me && pp_rounds < 1000)
			cond_wait(&pp_cond, &pp_lock, 0);
		if (pp_rounds >= 1000)
			break;
		pp_rounds++;
		pp_turn = !me;
		cond_broadcast(&pp_cond);
	}
	mutex_unlock(&pp_lock);
}

static int test_condvar(void)
{
	struct thread *a, *b;
	uint64_t t0 = time_now_ns();

	mutex_init(&pp_lock);
	cond_init(&pp_cond);
	pp_turn = 0;
	pp_rounds = 0;
	a = thread_create("ping", ponger, (void *)0);
	b = thread_create("pong", ponger, (void *)1);
	ST_CHECK(a && b);
	thread_join(a);
	thread_join(b);
	ST_CHECK(pp_rounds == 1000);
	/* A timed wait that nobody signals must time out. */
	mutex_lock(&pp_lock);
	ST_CHECK(cond_wait(&pp_cond, &pp_lock,
			   time_now_ns() + 2 * NSEC_PER_MSEC) == -110);
	mutex_unlock(&pp_lock);
	printk("  1000 ping-pong rounds in %lu us\n",
	       (time_now_ns() - t0) / 1000);
	return 0;
}
SELFTEST("condvar", test_condvar);

static int test_sleep(void)
{
	static const unsigned ms[] = { 1, 10, 100 };

	for (unsigned i = 0; i < ARRAY_SIZE(ms); i++) {
		uint64_t want = ms[i] * NSEC_PER_MSEC;
		uint64_t t0 = time_now_ns();
		thread_sleep_ns(want);
		uint64_t got = time_now_ns() - t0;
		printk("  sleep %u ms: woke after %lu us (late by %lu us)\n",
		       ms[i], got / 1000, (got - want) / 1000);
		ST_CHECK(got >= want);
	}
	return 0;
}
SELFTEST("sleep", test_sleep);

static int order[3], norder;
static uint64_t order_base, order_unit;
static bool order_late; /* a sleeper began after its deadline */

/*
 * Each sleeper sleeps until a deadline fixed before any of them starts,
 * so a host that stalls the guest between thread starts (nested Xen
 * under load) cannot reorder the deadlines: only the timer code can. A
 * stall longer than the deadlines themselves leaves nothing to order
 * (each sleeper finds its deadline past and returns in the order they
 * run): that round says so and the test tries again, the deadlines ten
 * times as far apart, four rounds at most.
 */
static void sleeper(void *arg)
{
	int n = (int)(uintptr_t)arg;
	uint64_t deadline = order_base + n * order_unit;

	if (time_now_ns() >= deadline)
		order_late = true;
	thread_sleep_until(deadline);
	order[norder++] = n;
}

/* One round: three sleepers started in the order 3, 1, 2. */
static int sleep_order_round(void)
{
	static const int n[] = { 3, 1, 2 };
	struct thread *t[3];

	norder = 0;
	order_late = false;
	order_base = time_now_ns();
	for (int i = 0; i < 3; i++) {
		t[i] =
		    thread_create("sleeper", sleeper, (void *)(uintptr_t)n[i]);
		ST_CHECK(t[i]);
	}
	for (int i = 0; i < 3; i++)
		thread_join(t[i]);
	return 0;
}

static int test_sleep_order(void)
{
	order_unit = 10 * NSEC_PER_MSEC;
	for (int round = 0; round < 4; round++, order_unit *= 10) {
		ST_CHECK(sleep_order_round() == 0);
		if (!order_late)
			break;
		printk("  sleep-order: the guest stalled past deadlines %lu "
		       "us apart; again\n",
		       (unsigned long)(order_unit / 1000));
	}
	ST_CHECK(!order_late);
	ST_CHECK(norder == 3 && order[0] == 1 && order[1] == 2 &&
		 order[2] == 3);
	return 0;
}
SELFTEST("sleep-order", test_sleep_order);

static int test_clock(void)
{
	uint64_t last = time_now_ns();
	struct tm_utc tm;

	for (int i = 0; i < 10000; i++) {
		uint64_t now = time_now_ns();
		ST_CHECK(now >= last);
		last = now;
	}
	time_to_utc(time_wall_ns() / (int64_t)NSEC_PER_SEC, &tm);
	printk("  wall clock %04d-%02d-%02d %02d:%02d:%02d UTC\n", tm.year,
	       tm.mon, tm.mday, tm.hour, tm.min, tm.sec);
	ST_CHECK(tm.year >= 2024);
	return 0;
}
SELFTEST("clock", test_clock);

/*
 * idle: sleep up to 60 s, only when named. The Xen tests use it to check
 * that "xl shutdown" ends an idle guest; returning means nobody did.
 */
static int test_idle(void)
{
	thread_sleep_ns(60 * NSEC_PER_SEC);
	printk("  idle: 60 s passed without a shutdown request\n");
	return -1;
}
SELFTEST_BY_NAME("idle", test_idle);

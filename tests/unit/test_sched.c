/*
 * test_sched.c - kernel/sched.c, sync.c and timer.c on ucontext threads and
 * the fake clock: threads run and are joined, round-robin order, a mutex
 * under contention, condition variables, sleepers waking in deadline order
 * at exactly their deadlines, wait timeouts, the interruptible wait every
 * blocking call uses (wait.h: ready, EAGAIN, the deadline, a signal), and
 * detached threads freed; the kernel stacks counted (sched_stack_bytes).
 * Threads only record what happened; the checks run in the test itself.
 */
#include <string.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/pmm.h>
#include <keel/sched.h>
#include <keel/time.h>
#include <keel/wait.h>
#include "unit.h"

#define MS NSEC_PER_MSEC

static int log_buf[256];
static int log_len;
static size_t base_objects, base_pages;

static void log_event(int v)
{
	if (log_len < (int)ARRAY_SIZE(log_buf))
		log_buf[log_len++] = v;
}

static size_t pmm_free_pages(void)
{
	struct pmm_stats st;

	pmm_stats(&st);
	return st.free_pages;
}

static int group_setup(void **state)
{
	(void)state;
	if (hosted_mem_init(MiB(64)))
		return -1;
	sched_init();
	/* Let the idle thread start (it frees its start arguments then). */
	thread_sleep_ns(1);
	return hosted_halt_count() == 1 ? 0 : -1;
}

static int test_setup(void **state)
{
	struct heap_stats hs;

	(void)state;
	log_len = 0;
	heap_trim(); /* so that pmm counts compare without slab caching */
	heap_stats(&hs);
	base_objects = hs.live_objects;
	base_pages = pmm_free_pages();
	return 0;
}

/* Every test must leave no thread, stack or heap object behind. */
static int test_teardown(void **state)
{
	struct heap_stats hs;

	(void)state;
	heap_trim();
	heap_stats(&hs);
	if (hs.live_objects != base_objects || pmm_free_pages() != base_pages ||
	    hosted_timer_deadline() != 0 || !arch_irqs_enabled()) {
		print_message(
		    "leftovers: %zu objects (was %zu), %zu free pages "
		    "(was %zu), timer %llu\n",
		    hs.live_objects, base_objects, pmm_free_pages(), base_pages,
		    (unsigned long long)hosted_timer_deadline());
		return -1;
	}
	return 0;
}

static void record_and_yield(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 0; i < 3; i++) {
		log_event(id);
		sched_yield();
	}
}

static void test_threads_run_round_robin(void **state)
{
	struct thread *t[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		t[i] =
		    thread_create("rr", record_and_yield, (void *)(intptr_t)i);
		assert_non_null(t[i]);
	}
	assert_int_equal(log_len, 0); /* nothing runs until we let it */
	for (int i = 0; i < 4; i++)
		thread_join(t[i]);
	assert_int_equal(log_len, 12);
	for (int i = 0; i < 12; i++)
		assert_int_equal(log_buf[i], i % 4);
	assert_string_equal(current_thread()->name, "main");
}

static void exit_early(void *arg)
{
	log_event((int)(intptr_t)arg);
	thread_exit();
}

static void test_join_finished_and_exit(void **state)
{
	size_t stacks = sched_stack_bytes();
	struct thread *t = thread_create("early", exit_early, (void *)7);

	(void)state;
	assert_non_null(t);
	assert_int_equal(sched_stack_bytes(), stacks + t->stack_size);
	sched_yield(); /* t runs to its end now */
	assert_int_equal(log_len, 1);
	assert_int_equal(t->state, THREAD_DEAD);
	thread_join(t); /* already dead: no waiting */
	assert_int_equal(log_buf[0], 7);
	assert_int_equal(sched_stack_bytes(), stacks); /* its stack is back */
}

static struct mutex mtx;
static int counter, inside, max_inside;

static void mutex_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		mutex_lock(&mtx);
		inside++;
		max_inside = MAX(max_inside, inside);
		int v = counter;
		sched_yield(); /* others run and pile up on the mutex */
		counter = v + 1;
		inside--;
		mutex_unlock(&mtx);
		if (i % 3 == 0)
			sched_yield();
	}
}

static void test_mutex_counter(void **state)
{
	struct thread *t[8];

	(void)state;
	mutex_init(&mtx);
	counter = inside = max_inside = 0;
	for (int i = 0; i < 8; i++)
		assert_non_null(t[i] =
				    thread_create("mtx", mutex_worker, NULL));
	for (int i = 0; i < 8; i++)
		thread_join(t[i]);
	assert_int_equal(counter, 8 * 200);
	assert_int_equal(max_inside, 1);
	assert_null(mtx.owner);
	assert_true(mutex_trylock(&mtx));
	assert_false(mutex_trylock(&mtx));
	mutex_unlock(&mtx);
}

static struct cond cv;
static int turn;

static void ping_pong(void *arg)
{
	int me = (int)(intptr_t)arg;

	for (int i = 0; i < 50; i++) {
		mutex_lock(&mtx);
		while (turn != me)
			cond_wait(&cv, &mtx, 0);
		log_event(me);
		turn = !me;
		cond_signal(&cv);
		mutex_unlock(&mtx);
	}
}

static void test_condvar_ping_pong(void **state)
{
	struct thread *a, *b;

	(void)state;
	mutex_init(&mtx);
	cond_init(&cv);
	turn = 0;
	b = thread_create("pong", ping_pong, (void *)1); /* waits first */
	a = thread_create("ping", ping_pong, (void *)0);
	thread_join(a);
	thread_join(b);
	assert_int_equal(log_len, 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(log_buf[i], i % 2);
}

static uint64_t t0, woke_at[8];

static void sleeper(void *arg)
{
	int i = (int)(intptr_t)arg;
	static const int ms[] = { 50, 10, 40, 20, 30, 10 };

	thread_sleep_until(t0 + ms[i] * MS);
	woke_at[i] = time_now_ns();
	log_event(i);
}

static void test_sleepers_wake_in_deadline_order(void **state)
{
	static const int order[] = { 1, 5, 3, 4, 2, 0 };
	static const int ms[] = { 50, 10, 40, 20, 30, 10 };
	struct thread *t[6];
	unsigned long halts = hosted_halt_count();

	(void)state;
	t0 = time_now_ns() + 1000;
	for (int i = 0; i < 6; i++)
		assert_non_null(
		    t[i] = thread_create("zzz", sleeper, (void *)(intptr_t)i));
	for (int i = 0; i < 6; i++)
		thread_join(t[i]);
	assert_int_equal(log_len, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(log_buf[i], order[i]);
		assert_int_equal(woke_at[i],
				 t0 + ms[i] * MS); /* exactly on time */
	}
	assert_int_equal(time_now_ns(), t0 + 50 * MS);
	assert_int_equal(hosted_halt_count() - halts,
			 5); /* 10 ms is one halt */
	/* A deadline in the past does not sleep at all. */
	thread_sleep_until(t0);
	thread_sleep_ns(0);
	assert_int_equal(time_now_ns(), t0 + 50 * MS);
	thread_sleep_ns(3 * MS);
	assert_int_equal(time_now_ns(), t0 + 53 * MS);
}

static void test_clock_advance_wakes_sleeper(void **state)
{
	struct thread *t;

	(void)state;
	t0 = time_now_ns();
	t = thread_create("zzz", sleeper, (void *)(intptr_t)1); /* 10 ms */
	sched_yield(); /* it goes to sleep */
	assert_int_equal(log_len, 0);
	assert_int_equal(hosted_timer_deadline(), t0 + 10 * MS);
	hosted_clock_advance(9 * MS);
	sched_yield();
	assert_int_equal(log_len, 0);
	hosted_clock_advance(2 * MS); /* the interrupt wakes it */
	assert_int_equal(hosted_timer_deadline(), 0);
	sched_yield();
	assert_int_equal(log_len, 1);
	assert_int_equal(woke_at[1], t0 + 11 * MS);
	thread_join(t);
}

static struct waitq wq;
static struct spinlock wq_lock;
static int wait_result[4];

static void waiter(void *arg)
{
	int i = (int)(intptr_t)arg;
	unsigned long flags = spin_lock_irqsave(&wq_lock);

	wait_result[i] =
	    waitq_wait_locked(&wq, &wq_lock, i == 3 ? t0 + 100 * MS : 0);
	spin_unlock_irqrestore(&wq_lock, flags);
	log_event(i);
	woke_at[i] = time_now_ns();
}

static void test_waitq_timeout_and_fifo_wake(void **state)
{
	struct thread *t[4];
	unsigned long flags;
	int rc;

	(void)state;
	waitq_init(&wq);
	t0 = time_now_ns();
	/* Alone, with a deadline: -ETIMEDOUT exactly at the deadline. */
	flags = spin_lock_irqsave(&wq_lock);
	rc = waitq_wait_locked(&wq, &wq_lock, t0 + 5 * MS);
	spin_unlock_irqrestore(&wq_lock, flags);
	assert_int_equal(rc, -ETIMEDOUT);
	assert_int_equal(time_now_ns(), t0 + 5 * MS);
	assert_true(list_empty(&wq.waiters));
	/* Woken ones return 0, in the order they started waiting. */
	t0 = time_now_ns();
	for (int i = 0; i < 4; i++)
		t[i] = thread_create("wq", waiter, (void *)(intptr_t)i);
	sched_yield(); /* all four wait now */
	assert_int_equal(waitq_wake_one(&wq), 1);
	assert_int_equal(waitq_wake_one(&wq), 1);
	sched_yield();
	assert_int_equal(log_len, 2);
	assert_int_equal(waitq_wake_one(&wq),
			 1); /* waiter 2; 3 has a deadline */
	thread_join(t[2]);
	thread_join(t[3]); /* 3 times out */
	assert_int_equal(waitq_wake_all(&wq), 0);
	thread_join(t[0]);
	thread_join(t[1]);
	for (int i = 0; i < 4; i++)
		assert_int_equal(log_buf[i], i);
	assert_int_equal(wait_result[0], 0);
	assert_int_equal(wait_result[2], 0);
	assert_int_equal(wait_result[3], -ETIMEDOUT);
	assert_int_equal(woke_at[3], t0 + 100 * MS);
}

static struct waitq ev_wq;
static struct spinlock ev_lock;
static volatile bool ev_cond;
static uint64_t ev_deadline;
static int ev_result;

static void event_waiter(void *arg)
{
	unsigned long flags = spin_lock_irqsave(&ev_lock);

	(void)arg;
	ev_result = wait_event(&ev_wq, &ev_lock, ev_cond, false, ev_deadline);
	spin_unlock_irqrestore(&ev_lock, flags);
	log_event(1);
	woke_at[0] = time_now_ns();
}

/* Start event_waiter and let it go to sleep. */
static struct thread *start_event_waiter(bool cond, uint64_t deadline)
{
	struct thread *t;

	ev_cond = cond;
	ev_deadline = deadline;
	log_len = 0;
	t = thread_create("ev", event_waiter, NULL);
	sched_yield();
	return t;
}

static void test_wait_event(void **state)
{
	unsigned long flags;
	struct thread *t;
	int calls = 0;

	(void)state;
	waitq_init(&ev_wq);
	flags = spin_lock_irqsave(&ev_lock);
	/* Ready: 0 at once, also non-blocking; else non-blocking: EAGAIN. */
	ev_cond = true;
	assert_int_equal(wait_event(&ev_wq, &ev_lock, ev_cond, true, 0), 0);
	ev_cond = false;
	assert_int_equal(
	    wait_event(&ev_wq, &ev_lock, (calls++, ev_cond), true, 0), -EAGAIN);
	assert_int_equal(calls, 1);
	/* Alone with a deadline: -ETIMEDOUT exactly at it. */
	t0 = time_now_ns();
	assert_int_equal(
	    wait_event(&ev_wq, &ev_lock, ev_cond, false, t0 + 5 * MS),
	    -ETIMEDOUT);
	assert_int_equal(time_now_ns(), t0 + 5 * MS);
	/* A signal to handle ends it at once, even past the deadline. */
	current_thread()->interrupted = true;
	assert_int_equal(wait_event(&ev_wq, &ev_lock, ev_cond, false, t0),
			 -ERESTARTSYS);
	current_thread()->interrupted = false;
	spin_unlock_irqrestore(&ev_lock, flags);

	/* A wake-up with the condition still false waits on. */
	t = start_event_waiter(false, 0);
	assert_int_equal(waitq_wake_all(&ev_wq), 1);
	sched_yield();
	assert_int_equal(log_len, 0);
	ev_cond = true;
	assert_int_equal(waitq_wake_all(&ev_wq), 1);
	thread_join(t);
	assert_int_equal(ev_result, 0);

	/* Met by the deadline without a wake-up: not a timeout. */
	t0 = time_now_ns();
	t = start_event_waiter(false, t0 + 10 * MS);
	ev_cond = true;
	thread_join(t);
	assert_int_equal(ev_result, 0);
	assert_int_equal(woke_at[0], t0 + 10 * MS);

	/* A signal while asleep: -ERESTARTSYS. */
	t = start_event_waiter(false, 0);
	assert_int_equal(log_len, 0);
	t->interrupted = true;
	sched_wake(t);
	thread_join(t);
	assert_int_equal(ev_result, -ERESTARTSYS);
	assert_true(list_empty(&ev_wq.waiters));
}

static void cond_timeout(void *arg)
{
	(void)arg;
	mutex_lock(&mtx);
	wait_result[0] = cond_wait(&cv, &mtx, time_now_ns() + 7 * MS);
	wait_result[1] = mtx.owner == current_thread();
	mutex_unlock(&mtx);
}

static void test_cond_wait_timeout(void **state)
{
	struct thread *t;

	(void)state;
	mutex_init(&mtx);
	cond_init(&cv);
	t0 = time_now_ns();
	t = thread_create("cv", cond_timeout, NULL);
	thread_join(t);
	assert_int_equal(wait_result[0], -ETIMEDOUT);
	assert_int_equal(wait_result[1], 1); /* the mutex is held again */
	assert_int_equal(time_now_ns(), t0 + 7 * MS);
}

static int detached_done;

static void detached_fn(void *arg)
{
	(void)arg;
	kfree(kmalloc(100)); /* use the heap on the way */
	sched_yield();
	detached_done++;
}

static void test_detached_threads_freed(void **state)
{
	struct thread *t;

	(void)state;
	detached_done = 0;
	for (int i = 0; i < 10; i++) {
		t = thread_create("det", detached_fn, NULL);
		assert_non_null(t);
		thread_detach(t);
	}
	while (detached_done < 10)
		sched_yield();
	sched_yield(); /* the last one is freed after the next switch */
	/* Detaching a thread that already ended frees it at once. */
	t = thread_create("late", exit_early, (void *)1);
	sched_yield();
	assert_int_equal(t->state, THREAD_DEAD);
	thread_detach(t);
	/* test_teardown checks heap objects and pages are back. */
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_threads_run_round_robin),
		T(test_join_finished_and_exit),
		T(test_mutex_counter),
		T(test_condvar_ping_pong),
		T(test_sleepers_wake_in_deadline_order),
		T(test_clock_advance_wakes_sleeper),
		T(test_waitq_timeout_and_fifo_wake),
		T(test_wait_event),
		T(test_cond_wait_timeout),
		T(test_detached_threads_freed),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

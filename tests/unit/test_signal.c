/*
 * test_signal.c - kernel/signal*.c per process, on ucontext threads over
 * a process table of the test's own (current_process is the process of
 * the calling thread's signal state): signal_fork copies or shares the
 * actions, signal_exec_reset, signal_child_autoreap; a process-directed
 * send to another process wakes its thread and stays out of the sender;
 * SIGKILL marks it ending; SIGSTOP stops it (wait status, SIGCHLD
 * CLD_STOPPED to the parent, its thread held on the way to user mode)
 * until SIGCONT (0xffff, CLD_CONTINUED), SA_NOCLDSTOP; a pending stop
 * discarded by SIGCONT and the other way round; SIGTSTP ignored in an
 * orphaned group; signal_send_pgrp, signal_send_each's answers; the
 * queue of pending signals (real-time ones each, in order, to the limit;
 * standard ones once); a fork's child sharing the actions until a change.
 * Every test leaves no heap object behind.
 */
#include <stdlib.h>
#include <string.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/sync.h>
#include "unit.h"

#define NPROC 4
#define RLIMIT_SIGPENDING 11
#define QUEUE_MAX 8 /* each process's RLIMIT_SIGPENDING here */
static struct process procs[NPROC]; /* pids 1..4; [0] the test's own */
static size_t base_objects;

struct process *current_process(void)
{
	struct sigstate *s = current_thread()->sig;

	return s ? s->proc : &procs[0];
}

int process_for_each(int (*fn)(struct process *p, void *arg), void *arg)
{
	int r;

	for (int i = 0; i < NPROC; i++)
		if (procs[i].pid && (r = fn(&procs[i], arg)))
			return r;
	return 0;
}

__noreturn void process_exit(int status)
{
	print_message("process_exit(%d) called\n", status);
	abort();
}

__noreturn void process_exit_signal(int sig, bool core)
{
	print_message("process_exit_signal(%d, %d) called\n", sig, core);
	abort();
}

void process_check_exiting(void)
{
}

static size_t live_objects(void)
{
	struct heap_stats hs;

	heap_trim();
	heap_stats(&hs);
	return hs.live_objects;
}

static int group_setup(void **state)
{
	(void)state;
	if (hosted_mem_init(MiB(64)))
		return -1;
	sched_init();
	thread_sleep_ns(1);
	signal_self(); /* the first process's static state, made once */
	return 0;
}

/* procs[0] is pid 1 (no parent); 2..4 its children, in group 1. */
static int test_setup(void **state)
{
	(void)state;
	for (int i = 0; i < NPROC; i++) {
		struct sighand *keep = i ? NULL : procs[0].sig;

		memset(&procs[i], 0, sizeof(procs[i]));
		procs[i].pid = i + 1;
		procs[i].pgid = procs[i].sid = 1;
		procs[i].parent = i ? &procs[0] : NULL;
		procs[i].sig = keep;
		procs[i].rlim[RLIMIT_SIGPENDING].cur = QUEUE_MAX;
		waitq_init(&procs[i].child_wq);
	}
	signal_procmask(SIG_SETMASK, &(uint64_t){ 0 });
	for (int sig = 1; sig <= KSIG_MAX; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal_action(sig, &(struct ksigaction){ 0 }, NULL);
	base_objects = live_objects();
	return 0;
}

static int test_teardown(void **state)
{
	struct ksiginfo i;

	(void)state;
	while (signal_dequeue(~0ULL, &i))
		;
	for (int n = 1; n < NPROC; n++)
		signal_process_release(&procs[n]);
	if (live_objects() != base_objects) {
		print_message("leftovers: %zu objects (was %zu)\n",
			      live_objects(), base_objects);
		return -1;
	}
	return 0;
}

static struct ksigaction handler(uint64_t h, uint64_t flags)
{
	return (struct ksigaction){ .handler = h, .flags = flags };
}

static void test_fork_copies_or_shares(void **state)
{
	struct process *b = &procs[1], *c = &procs[2];
	struct ksigaction a = handler(0x1000, SA_RESTORER), old;

	(void)state;
	assert_int_equal(signal_action(SIGUSR1, &a, NULL), 0);
	/* (Shared first: a table shared for writing is copied at a fork.) */
	assert_int_equal(signal_fork(c, true), 0);
	assert_int_equal(signal_fork(b, false), 0);
	assert_non_null(b->sig);
	assert_ptr_not_equal(b->sig, procs[0].sig);
	/* Both got the handler; a later change reaches only the sharer. */
	a.handler = 0x2000;
	assert_int_equal(signal_action(SIGUSR1, &a, &old), 0);
	assert_int_equal(old.handler, 0x1000);
	assert_false(signal_child_autoreap(b));
	signal_action(SIGCHLD, &(struct ksigaction){ .handler = SIG_IGN },
		      NULL);
	assert_true(signal_child_autoreap(&procs[0]));
	assert_true(signal_child_autoreap(c)); /* the same table */
	assert_false(signal_child_autoreap(b)); /* its copy */
	signal_action(SIGCHLD, &(struct ksigaction){ .flags = SA_NOCLDWAIT },
		      NULL);
	assert_true(signal_child_autoreap(c));
	signal_action(SIGCHLD, &(struct ksigaction){ 0 }, NULL);
	assert_false(signal_child_autoreap(c));
}

static void test_exec_reset(void **state)
{
	struct ksigaction a = handler(0x1000, SA_RESTORER | SA_RESTART), got;
	struct kstack st = { .sp = 0x10000, .size = 8192 }, old;
	uint64_t mask = SIGBIT(SIGUSR2);

	(void)state;
	signal_action(SIGUSR1, &a, NULL);
	a.handler = SIG_IGN;
	a.mask = 0xf0;
	signal_action(SIGINT, &a, NULL);
	signal_procmask(SIG_SETMASK, &mask);
	assert_int_equal(signal_altstack(&st, &old), 0);
	signal_exec_reset();
	signal_action(SIGUSR1, NULL, &got);
	assert_int_equal(got.handler, SIG_DFL);
	assert_int_equal(got.flags, 0);
	signal_action(SIGINT, NULL, &got);
	assert_int_equal(got.handler, SIG_IGN); /* ignored stays ignored */
	assert_int_equal(got.flags, 0);
	assert_int_equal(got.mask, 0);
	assert_int_equal(signal_procmask(SIG_BLOCK, NULL), mask);
	signal_altstack(NULL, &old);
	assert_int_equal(old.flags, SS_DISABLE);
}

/* A table shared with another process is copied at execve first. */
static void test_exec_unshares(void **state)
{
	struct process *c = &procs[2];
	struct ksigaction a = handler(0x1000, SA_RESTORER), got;

	(void)state;
	signal_action(SIGUSR1, &a, NULL);
	assert_int_equal(signal_fork(c, true), 0);
	signal_exec_reset();
	base_objects++; /* our own table now, kept: not a leftover */
	signal_action(SIGUSR1, NULL, &got);
	assert_int_equal(got.handler, SIG_DFL);
	/* c's table (the old one) kept its handler: SIGCHLD shows it is
	 * no longer ours. */
	signal_action(SIGCHLD, &(struct ksigaction){ .handler = SIG_IGN },
		      NULL);
	assert_false(signal_child_autoreap(c));
	signal_action(SIGCHLD, &(struct ksigaction){ 0 }, NULL);
}

/*
 * A thread of another process: it starts with the state made for it,
 * waits for SIGUSR2 (blocked, as sigwaitinfo wants it), then goes the way
 * back to user mode (where a stop holds it) and records each step.
 */
struct kid {
	struct sigstate *s;
	volatile int started, woke, returned;
	int wait_result;
};

static void kid_thread(void *arg)
{
	struct kid *k = arg;
	uint64_t usr2 = SIGBIT(SIGUSR2);
	struct ksiginfo i;

	signal_thread_start(k->s);
	signal_procmask(SIG_BLOCK, &usr2);
	k->started = 1;
	k->wait_result = signal_wait(usr2, 0, &i);
	k->woke = 1;
	signal_exit_to_user(-1, 0);
	k->returned = 1;
	signal_thread_end();
}

/* Let the other threads run until they wait. */
static void settle(void)
{
	for (int i = 0; i < 10; i++)
		sched_yield();
}

static struct thread *start_kid(struct process *p, struct kid *k)
{
	struct thread *t;

	memset(k, 0, sizeof(*k));
	if (!p->sig)
		assert_int_equal(signal_fork(p, false), 0);
	k->s = signal_thread_new_in(p);
	assert_non_null(k->s);
	assert_ptr_equal(k->s->proc, p);
	t = thread_create("kid", kid_thread, k);
	assert_non_null(t);
	settle();
	assert_true(k->started);
	assert_false(k->woke);
	return t;
}

static struct ksiginfo user_info(int sig)
{
	struct ksiginfo i;

	signal_fill_info(&i, sig, SI_USER);
	return i;
}

static void test_send_to_other_process(void **state)
{
	struct process *b = &procs[1];
	struct ksiginfo i = user_info(SIGUSR1);
	uint64_t usr1 = SIGBIT(SIGUSR1);
	struct kid k;
	struct thread *t;

	(void)state;
	assert_int_equal(signal_fork(b, false), 0);
	/* Blocked in b (its first thread's mask, which the caller's gave
	 * it): pending there, nobody woken, nothing here. */
	signal_procmask(SIG_BLOCK, &usr1);
	t = start_kid(b, &k);
	assert_int_equal(signal_send_proc(b, SIGUSR1, &i), 0);
	settle();
	assert_false(k.woke);
	assert_false(signal_peek(usr1));
	/* An ignored one (SIGCHLD's default) is dropped: no wake either. */
	signal_send_proc(b, SIGCHLD, &i);
	settle();
	assert_false(k.woke);
	/* The one it waits for. */
	i = user_info(SIGUSR2);
	signal_send_proc(b, SIGUSR2, &i);
	settle();
	assert_true(k.woke);
	assert_int_equal(k.wait_result, SIGUSR2);
	thread_join(t);
	assert_true(k.returned);
	assert_false(signal_peek(~0ULL));
}

static void test_kill_other_process(void **state)
{
	struct process *b = &procs[1];
	struct ksiginfo i = user_info(SIGKILL);
	struct kid k;
	struct thread *t = start_kid(b, &k);

	(void)state;
	assert_int_equal(signal_send_proc(b, SIGKILL, &i), 0);
	assert_true(b->exiting);
	assert_int_equal(b->wstatus, SIGKILL); /* WTERMSIG for its parent */
	settle();
	assert_true(k.woke);
	assert_int_equal(k.wait_result, -EINTR);
	thread_join(t);
	assert_false(procs[0].exiting);
	/* An ending process takes nothing more. */
	assert_int_equal(signal_send_proc(b, SIGUSR2, &i), 0);
}

static int take_chld(struct ksiginfo *i)
{
	return signal_dequeue(SIGBIT(SIGCHLD), i);
}

static void test_stop_and_continue(void **state)
{
	struct process *b = &procs[1];
	struct ksiginfo i = user_info(SIGSTOP), got;
	uint64_t chld = SIGBIT(SIGCHLD);
	struct kid k;
	struct thread *t = start_kid(b, &k);

	(void)state;
	signal_procmask(SIG_BLOCK, &chld); /* to see the SIGCHLD we get */
	assert_int_equal(signal_send_proc(b, SIGSTOP, &i), 0);
	settle();
	assert_true(k.woke);
	assert_int_equal(k.wait_result, -EINTR);
	assert_false(k.returned); /* held on its way to user mode */
	assert_true(b->stopped);
	assert_int_equal(b->wstatus, SIGSTOP << 8 | 0x7f);
	assert_false(b->stop_reported);
	assert_int_equal(take_chld(&got), SIGCHLD);
	assert_int_equal(got.code, CLD_STOPPED);
	assert_int_equal(got.chld.pid, 2);
	assert_int_equal(got.chld.status, SIGSTOP);
	/* Another signal does not let it go. */
	signal_send_proc(b, SIGUSR2, &i);
	settle();
	assert_false(k.returned);
	/* SIGCONT, even blocked (it is ignored by default too). */
	i = user_info(SIGCONT);
	assert_int_equal(signal_send_proc(b, SIGCONT, &i), 0);
	assert_false(b->stopped);
	assert_int_equal(b->wstatus, 0xffff);
	assert_int_equal(take_chld(&got), SIGCHLD);
	assert_int_equal(got.code, CLD_CONTINUED);
	assert_int_equal(got.chld.status, SIGCONT);
	thread_join(t);
	assert_true(k.returned);
}

/* SA_NOCLDSTOP: the parent is woken (its child_wq) but gets no SIGCHLD. */
static void test_nocldstop(void **state)
{
	struct process *b = &procs[1];
	struct ksiginfo i = user_info(SIGSTOP), got;
	uint64_t chld = SIGBIT(SIGCHLD);
	struct kid k;
	struct thread *t;

	(void)state;
	signal_action(SIGCHLD, &(struct ksigaction){ .flags = SA_NOCLDSTOP },
		      NULL);
	signal_procmask(SIG_BLOCK, &chld);
	t = start_kid(b, &k);
	signal_send_proc(b, SIGSTOP, &i);
	settle();
	assert_true(b->stopped);
	assert_int_equal(take_chld(&got), 0);
	process_continue(b);
	assert_false(b->stopped);
	assert_int_equal(take_chld(&got), 0);
	thread_join(t);
	assert_true(k.returned);
}

/* SIGTSTP (default) stops b in its own group (its parent, in another
 * group of the session, could continue it) but not once b leads a
 * session of its own: its group is orphaned (no member has a parent in
 * another group of the session). Pid 1's group is not: its parent is the
 * host, outside the VM. */
static void test_tstp_orphaned(void **state)
{
	struct process *b = &procs[1];
	struct ksiginfo i = user_info(SIGTSTP);
	struct kid k;
	struct thread *t = start_kid(b, &k);

	(void)state;
	b->sid = b->pgid = b->pid;
	signal_send_proc(b, SIGTSTP, &i);
	thread_join(t); /* nothing held it */
	assert_false(b->stopped);

	b->sid = 1;
	b->pgid = 2;
	t = start_kid(b, &k);
	signal_send_proc(b, SIGTSTP, &i);
	settle();
	assert_true(b->stopped);
	assert_int_equal(b->wstatus, SIGTSTP << 8 | 0x7f);
	assert_false(k.returned);
	i = user_info(SIGCONT);
	signal_send_proc(b, SIGCONT, &i);
	thread_join(t);
	assert_true(k.returned);
}

/*
 * A stop signal pending (blocked: SIGTSTP can be) goes when SIGCONT
 * comes, and a pending SIGCONT when a stop signal comes. The kid's
 * thread looks (rt_sigpending) after it was woken by SIGUSR2.
 */
static uint64_t seen;

static void look_thread(void *arg)
{
	struct sigstate *s = arg;
	uint64_t set = SIGBIT(SIGTSTP) | SIGBIT(SIGCONT) | SIGBIT(SIGUSR2);
	struct ksiginfo i;

	signal_thread_start(s);
	signal_procmask(SIG_BLOCK, &set);
	signal_wait(SIGBIT(SIGUSR2), 0, &i);
	seen = signal_pending_blocked();
	while (signal_dequeue(~0ULL, &i))
		;
	signal_thread_end();
}

static uint64_t pending_after(int first, int second)
{
	struct process *b = &procs[1];
	struct ksiginfo i = user_info(first);
	struct sigstate *s;
	struct thread *t;

	if (!b->sig)
		assert_int_equal(signal_fork(b, false), 0);
	assert_non_null(s = signal_thread_new_in(b));
	assert_non_null(t = thread_create("look", look_thread, s));
	settle();
	signal_send_proc(b, first, &i);
	signal_send_proc(b, second, &i);
	signal_send_proc(b, SIGUSR2, &i);
	thread_join(t);
	return seen;
}

static void test_stop_cont_discard(void **state)
{
	(void)state;
	procs[1].pgid = 2; /* not orphaned: no stop is dropped for that */
	assert_int_equal(pending_after(SIGTSTP, SIGCONT), SIGBIT(SIGCONT));
	assert_int_equal(pending_after(SIGCONT, SIGTSTP), SIGBIT(SIGTSTP));
	assert_false(procs[1].stopped);
}

static int every(struct process *p, void *arg)
{
	(void)p;
	(void)arg;
	return 1;
}

static int in_group(struct process *p, void *arg)
{
	return signal_pgid(p) == *(int *)arg;
}

static int refuse(struct process *p, void *arg)
{
	(void)p;
	(void)arg;
	return -EPERM;
}

/* Groups: signal_send_pgrp reaches every member, the caller last. */
static void test_groups(void **state)
{
	uint64_t usr1 = SIGBIT(SIGUSR1);
	struct ksiginfo i = user_info(SIGUSR1), got;
	struct kid k;
	struct thread *t;

	(void)state;
	procs[1].pgid = procs[2].pgid = 5;
	assert_int_equal(signal_fork(&procs[2], false), 0);
	t = start_kid(&procs[1], &k);
	signal_send_pgrp(5, SIGUSR2);
	thread_join(t);
	assert_int_equal(k.wait_result, SIGUSR2);
	/* Counted: group 5 has 2, group 7 none. */
	assert_int_equal(signal_send_each(in_group, &(int){ 5 }, 0, &i), 2);
	assert_int_equal(signal_send_each(in_group, &(int){ 7 }, SIGUSR2, &i),
			 -ESRCH);
	/* Our own group (1: pid 1 and pid 4, which has no signals yet). */
	signal_procmask(SIG_BLOCK, &usr1);
	signal_send_pgrp(1, SIGUSR1);
	assert_int_equal(signal_dequeue(usr1, &got), SIGUSR1);
	assert_int_equal(got.code, SI_KERNEL);
	assert_int_equal(got.kill.pid, 0);
	/* A probe counts without sending; refusals only: EPERM. */
	assert_int_equal(signal_send_each(every, NULL, 0, &i), NPROC);
	assert_false(signal_peek(~0ULL));
	assert_int_equal(signal_send_each(refuse, NULL, SIGUSR1, &i), -EPERM);
	assert_false(signal_peek(~0ULL));
}

/*
 * A fork's child shares the actions until one side changes one (no
 * table copied for an idle child); a table with an SA_RESETHAND action
 * is copied at the fork, so delivery never has to.
 */
static void test_fork_cow_actions(void **state)
{
	struct process *b = &procs[1], *d = &procs[3];
	struct ksigaction a = handler(0x1000, SA_RESTORER), got;
	size_t before;

	(void)state;
	signal_action(SIGUSR1, &a, NULL);
	before = live_objects();
	assert_int_equal(signal_fork(b, false), 0);
	assert_int_equal(live_objects(), before + 1); /* its sighand alone */
	signal_action(SIGCHLD, &(struct ksigaction){ .handler = SIG_IGN },
		      NULL);
	assert_int_equal(live_objects(), before + 2); /* now two tables */
	assert_true(signal_child_autoreap(&procs[0]));
	assert_false(signal_child_autoreap(b)); /* b kept the old one */
	signal_action(SIGUSR1, NULL, &got);
	assert_int_equal(got.handler, 0x1000);
	a.flags |= SA_RESETHAND;
	signal_action(SIGUSR2, &a, NULL);
	before = live_objects();
	assert_int_equal(signal_fork(d, false), 0);
	assert_int_equal(live_objects(), before + 2); /* sighand, table */
	signal_action(SIGCHLD, &(struct ksigaction){ 0 }, NULL);
	signal_action(SIGUSR2, &(struct ksigaction){ 0 }, NULL);
	/* Released, b takes the old table with it; ours stays. */
	signal_process_release(b);
	signal_process_release(d);
	base_objects = live_objects();
}

static struct ksiginfo queue_info(int sig, int code, uint64_t value)
{
	struct ksiginfo i = { .signo = sig, .code = code };

	i.kill.value = value;
	return i;
}

/*
 * Pending signals queue: a real-time signal once per send, its values in
 * order, up to RLIMIT_SIGPENDING for a sender's siginfo (then EAGAIN); a
 * standard one once however often it is sent; nothing queued is left.
 */
static void test_queue(void **state)
{
	struct process *me = &procs[0];
	uint64_t all = ~0ULL;
	struct ksiginfo i, got;
	size_t before = live_objects();

	(void)state;
	signal_procmask(SIG_BLOCK, &all);
	for (int n = 0; n < QUEUE_MAX; n++) {
		i = queue_info(40, SI_QUEUE, 100 + n);
		assert_int_equal(signal_send_proc(me, 40, &i), 0);
	}
	assert_int_equal(live_objects(), before + QUEUE_MAX);
	i = queue_info(40, SI_QUEUE, 999);
	assert_int_equal(signal_send_proc(me, 40, &i), -EAGAIN);
	i = queue_info(SIGUSR1, SI_QUEUE, 1);
	assert_int_equal(signal_send_proc(me, SIGUSR1, &i), 0);
	i = queue_info(SIGUSR1, SI_QUEUE, 2);
	assert_int_equal(signal_send_proc(me, SIGUSR1, &i), 0);
	assert_int_equal(signal_dequeue(SIGBIT(SIGUSR1), &got), SIGUSR1);
	assert_int_equal(got.kill.value, 1); /* the first; no second */
	assert_int_equal(signal_dequeue(SIGBIT(SIGUSR1), &got), 0);
	for (int n = 0; n < QUEUE_MAX; n++) {
		assert_int_equal(signal_dequeue(SIGBIT(40), &got), 40);
		assert_int_equal(got.code, SI_QUEUE);
		assert_int_equal(got.kill.value, 100 + n);
	}
	assert_int_equal(signal_dequeue(SIGBIT(40), &got), 0);
	assert_int_equal(live_objects(), before);
	/* Over the limit, kill's real-time signal comes without its
	 * siginfo (as Linux: SI_USER, no sender); a timer's merges. */
	for (int n = 0; n < QUEUE_MAX; n++) {
		i = queue_info(41, SI_QUEUE, n);
		signal_send_proc(me, 41, &i);
	}
	signal_fill_info(&i, 42, SI_USER);
	assert_int_equal(signal_send_proc(me, 42, &i), 0);
	assert_int_equal(signal_dequeue(SIGBIT(42), &got), 42);
	assert_int_equal(got.code, SI_USER);
	assert_int_equal(got.kill.pid, 0);
	i = (struct ksiginfo){ .signo = 43, .code = SI_TIMER };
	i.timer.tid = 5;
	assert_int_equal(signal_dequeue(SIGBIT(41), &got), 41);
	assert_int_equal(signal_send_proc(me, 43, &i), 0);
	i.timer.overrun = 2; /* two missed before this expiry */
	assert_int_equal(signal_send_proc(me, 43, &i), 0);
	assert_int_equal(signal_dequeue(SIGBIT(43), &got), 43);
	assert_int_equal(got.timer.overrun, 3);
	assert_int_equal(signal_dequeue(SIGBIT(43), &got), 0);
	/* Ignoring a signal drops its queue. */
	signal_action(41, &(struct ksigaction){ .handler = SIG_IGN }, NULL);
	assert_false(signal_peek(SIGBIT(41)));
	assert_int_equal(live_objects(), before);
	/* A process that ends with signals queued frees them. */
	assert_int_equal(signal_fork(&procs[1], false), 0);
	for (int n = 0; n < 3; n++) {
		i = queue_info(40, SI_QUEUE, n);
		assert_int_equal(signal_send_proc(&procs[1], 40, &i), 0);
	}
	assert_int_equal(live_objects(), before + 4); /* sighand, 3 */
	signal_process_release(&procs[1]);
	assert_int_equal(live_objects(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_copies_or_shares,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_exec_reset, test_setup,
						test_teardown),
		cmocka_unit_test_setup_teardown(test_exec_unshares, test_setup,
						test_teardown),
		cmocka_unit_test_setup_teardown(test_send_to_other_process,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_kill_other_process,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_stop_and_continue,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_nocldstop, test_setup,
						test_teardown),
		cmocka_unit_test_setup_teardown(test_tstp_orphaned, test_setup,
						test_teardown),
		cmocka_unit_test_setup_teardown(test_stop_cont_discard,
						test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_groups, test_setup,
						test_teardown),
		cmocka_unit_test_setup_teardown(test_queue, test_setup,
						test_teardown),
		cmocka_unit_test_setup_teardown(test_fork_cow_actions,
						test_setup, test_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

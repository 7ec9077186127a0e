/*
 * t_signal.c - signals (tests/guest): handlers run by kill, raise and
 * tgkill with the siginfo Linux gives; masks, pending sets and
 * sigtimedwait; sigsuspend; a SIGSEGV, SIGFPE and SIGILL handler that
 * siglongjmps out and carries on; the alternate stack; the FPU state
 * surviving a handler; signals between threads; EINTR versus SA_RESTART
 * on a blocking pipe read; nanosleep's EINTR; and the timers that send
 * signals (alarm, setitimer, timer_create); real-time signals queued in
 * order to RLIMIT_SIGPENDING, a standard one once. Same output on Linux.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t got, got_code, got_pid_ok, count;
static volatile uintptr_t got_addr;
static sigjmp_buf jb;

static void on_sig(int sig)
{
	got = sig;
	count++;
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got = sig;
	got_code = si->si_code;
	got_pid_ok = si->si_pid == getpid();
	count++;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	siglongjmp(jb, 1);
}

static void set(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void set_info(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void test_basic(void)
{
	struct sigaction old;
	sigset_t s, p;

	set_info(SIGUSR1, on_info, 0);
	got = 0;
	check_val("kill-self", raw(kill(getpid(), SIGUSR1)), 0);
	check_val("kill-handled", got, SIGUSR1);
	check_val("kill-si-code-user", got_code, SI_USER);
	check("kill-si-pid", got_pid_ok);
	got = 0;
	check_val("raise", raw(raise(SIGUSR1)), 0);
	check_val("raise-handled", got, SIGUSR1);
	check_val("raise-si-code-tkill", got_code, SI_TKILL);
	check_val("kill-sig0", raw(kill(getpid(), 0)), 0);
	check_err("kill-esrch", raw(kill(99999, SIGUSR1)), ESRCH);
	check_err("kill-einval", raw(kill(getpid(), 99)), EINVAL);
	check_err("tgkill-esrch", raw(syscall(SYS_tgkill, getpid(), 99999, 0)),
		  ESRCH);
	check_err("sigaction-kill", raw(sigaction(SIGKILL, &old, NULL)),
		  EINVAL);
	check_val("sigaction-old", raw(sigaction(SIGUSR1, NULL, &old)), 0);
	check("sigaction-old-siginfo",
	      (old.sa_flags & SA_SIGINFO) && old.sa_sigaction == on_info);
	/* Blocked: pending until unblocked, then delivered once. */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	set(SIGUSR2, on_sig, 0);
	sigprocmask(SIG_BLOCK, &s, NULL);
	got = 0;
	count = 0;
	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGUSR2);
	check_val("blocked-not-run", got, 0);
	sigpending(&p);
	check("pending-set", sigismember(&p, SIGUSR2));
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	check_val("unblocked-run-once", count, 1);
	sigpending(&p);
	check("pending-clear", !sigismember(&p, SIGUSR2));
	/* SA_RESETHAND: once, then the default. */
	set(SIGUSR2, on_sig, SA_RESETHAND);
	raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &old);
	check("resethand", old.sa_handler == SIG_DFL);
	/* Ignored: nothing happens, nothing stays pending. */
	set(SIGUSR2, SIG_IGN, 0);
	check_val("ignored-raise", raw(raise(SIGUSR2)), 0);
	sigpending(&p);
	check("ignored-not-pending", !sigismember(&p, SIGUSR2));
	/* SIGCHLD's default is to ignore. */
	signal(SIGCHLD, SIG_DFL);
	check_val("sigchld-default-ignored", raw(raise(SIGCHLD)), 0);
	check_err("sigprocmask-einval",
		  raw(syscall(SYS_rt_sigprocmask, 9, &s, NULL, 8)), EINVAL);
	check_err("sigaction-size",
		  raw(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4)),
		  EINVAL);
}

static void test_wait(void)
{
	struct timespec ts = { 0, 20000000 };
	siginfo_t si;
	sigset_t s, old;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, &old);
	check_err("sigtimedwait-timeout", raw(sigtimedwait(&s, &si, &ts)),
		  EAGAIN);
	raise(SIGUSR1);
	check_val("sigtimedwait", raw(sigtimedwait(&s, &si, &ts)), SIGUSR1);
	check_val("sigtimedwait-info", si.si_signo, SIGUSR1);
	/* glibc reports raise's SI_TKILL as SI_USER here. */
	check_val("sigtimedwait-code", si.si_code, SI_USER);
	raise(SIGUSR1);
	check_val("sigwaitinfo", raw(sigwaitinfo(&s, &si)), SIGUSR1);
	/* sigsuspend: the handler runs, then the mask comes back. */
	set(SIGUSR1, on_sig, 0);
	raise(SIGUSR1);
	got = 0;
	sigemptyset(&old);
	check_err("sigsuspend", raw(sigsuspend(&old)), EINTR);
	check_val("sigsuspend-handled", got, SIGUSR1);
	sigprocmask(SIG_SETMASK, NULL, &old);
	check("sigsuspend-mask-back", sigismember(&old, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

static void test_signalfd(void)
{
	struct signalfd_siginfo si;
	struct pollfd p;
	sigset_t s;
	int fd;
	ssize_t n;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	fd = signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC);
	check("signalfd", fd >= 0);
	p = (struct pollfd){ fd, POLLIN, 0 };
	check_val("signalfd-poll-empty", raw(poll(&p, 1, 0)), 0);
	check_err("signalfd-read-eagain", raw(read(fd, &si, sizeof(si))),
		  EAGAIN);
	raise(SIGUSR2);
	check_val("signalfd-poll-ready", raw(poll(&p, 1, 0)), 1);
	n = read(fd, &si, sizeof(si));
	check_val("signalfd-read", raw(n), (long)sizeof(si));
	check_val("signalfd-signo", (long)si.ssi_signo, SIGUSR2);
	check_val("signalfd-code", si.ssi_code, SI_TKILL);
	check_val("signalfd-taken", raw(poll(&p, 1, 0)), 0);
	check_err("signalfd-short", raw(read(fd, &si, 8)), EINVAL);
	check_err("signalfd-bad-size",
		  raw(syscall(SYS_signalfd4, -1, &s, 4, 0)), EINVAL);
	check_err("signalfd-not-sfd", raw(signalfd(0, &s, 0)), EINVAL);
	close(fd);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

static volatile int quotient, zero;

static void fault_div(void)
{
	quotient = 7 / zero;
}

static void test_faults(void)
{
	volatile char *p;
	char *ro;

	set_info(SIGSEGV, on_fault, 0);
	got = 0;
	if (!sigsetjmp(jb, 1)) {
		p = (volatile char *)16;
		*p = 1;
	}
	check_val("segv-handled", got, SIGSEGV);
	check_val("segv-maperr", got_code, SEGV_MAPERR);
	check_val("segv-addr", (long)got_addr, 16);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	got = 0;
	if (!sigsetjmp(jb, 1))
		*(volatile char *)ro = 1;
	check_val("segv-accerr", got_code, SEGV_ACCERR);
	check("segv-accerr-addr", got_addr == (uintptr_t)ro);
	munmap(ro, 4096);
	set_info(SIGFPE, on_fault, 0);
	got = 0;
	if (!sigsetjmp(jb, 1))
		fault_div();
	check_val("fpe-handled", got, SIGFPE);
	check_val("fpe-intdiv", got_code, FPE_INTDIV);
	set_info(SIGILL, on_fault, 0);
	got = 0;
	if (!sigsetjmp(jb, 1))
		__asm__ volatile("ud2");
	check_val("ill-handled", got, SIGILL);
	check_val("ill-illopn", got_code, ILL_ILLOPN);
	/* The program carries on: again, to be sure nothing stayed blocked
	 * (sigsetjmp saved the mask, siglongjmp restored it). */
	got = 0;
	if (!sigsetjmp(jb, 1))
		*(volatile char *)8 = 1;
	check_val("segv-again", got, SIGSEGV);
}

static volatile uintptr_t handler_sp;
static volatile double fpu_seen;

static void on_stack(int sig)
{
	volatile double x = 1.5;
	char here;

	(void)sig;
	handler_sp = (uintptr_t)&here;
	fpu_seen = x * 3; /* uses the SSE registers */
}

static void test_altstack(void)
{
	static char alt[65536];
	stack_t ss = { 0 }, old;
	volatile double keep = 2.25;

	ss.ss_sp = alt;
	ss.ss_size = sizeof(alt);
	check_val("sigaltstack", raw(sigaltstack(&ss, &old)), 0);
	check("sigaltstack-old-disabled", old.ss_flags == SS_DISABLE);
	set(SIGUSR1, on_stack, SA_ONSTACK);
	raise(SIGUSR1);
	check("onstack-used", handler_sp > (uintptr_t)alt &&
				  handler_sp < (uintptr_t)alt + sizeof(alt));
	check("fpu-in-handler", fpu_seen == 4.5);
	check("fpu-kept", keep * 2 == 4.5);
	ss.ss_size = 100;
	check_err("sigaltstack-small", raw(sigaltstack(&ss, NULL)), ENOMEM);
	ss.ss_flags = SS_DISABLE;
	check_val("sigaltstack-disable", raw(sigaltstack(&ss, NULL)), 0);
	sigaltstack(NULL, &old);
	check("sigaltstack-disabled", old.ss_flags == SS_DISABLE);
	set(SIGUSR1, on_stack, 0);
}

static int pfd[2];
static pthread_t main_thread;
static volatile int call_done;

/*
 * SIGUSR2 to the main thread every 30 ms, then a byte into the pipe. With
 * arg NULL the signals go on until the main thread's call has returned
 * (call_done; 5 s at most), so a main thread paused for any time before it
 * blocks still gets one while it waits; otherwise arg is how many to send.
 */
static void *poke(void *arg)
{
	long n = arg ? (long)arg : 166;

	for (long i = 0; i < n && !call_done; i++) {
		usleep(30000);
		pthread_kill(main_thread, SIGUSR2);
	}
	write(pfd[1], "x", 1);
	return NULL;
}

/* Start poke until the call returns; end it after the call (call_done). */
static pthread_t poke_until_done(void)
{
	pthread_t t;

	call_done = 0;
	pthread_create(&t, NULL, poke, NULL);
	return t;
}

static void poke_done(pthread_t t)
{
	char c;

	call_done = 1;
	pthread_join(t, NULL);
	read(pfd[0], &c, 1);
}

static void test_threads(void)
{
	pthread_t t;
	char c;
	ssize_t n;
	struct timespec ts = { 5, 0 }, rem;
	uint64_t v;
	int efd;

	main_thread = pthread_self();
	pipe(pfd);
	/* Without SA_RESTART the blocked read ends with EINTR. */
	set(SIGUSR2, on_sig, 0);
	got = 0;
	t = poke_until_done();
	n = read(pfd[0], &c, 1);
	check_err("read-eintr", raw(n), EINTR);
	check_val("read-eintr-handled", got, SIGUSR2);
	poke_done(t);
	/* With SA_RESTART it goes on (three signals) and gets the byte. */
	set(SIGUSR2, on_sig, SA_RESTART);
	got = 0;
	call_done = 0;
	pthread_create(&t, NULL, poke, (void *)3L);
	n = read(pfd[0], &c, 1);
	check_val("read-restarted", raw(n), 1);
	check_val("read-restarted-handled", got, SIGUSR2);
	pthread_join(t, NULL);
	/* nanosleep is never restarted: EINTR and the time left. */
	got = 0;
	t = poke_until_done();
	check_err("nanosleep-eintr", raw(nanosleep(&ts, &rem)), EINTR);
	check("nanosleep-rem", rem.tv_sec >= 3 && rem.tv_sec <= 5);
	poke_done(t);
	/* A blocking eventfd read, interrupted without SA_RESTART. */
	set(SIGUSR2, on_sig, 0);
	efd = eventfd(0, 0);
	t = poke_until_done();
	check_err("eventfd-read-eintr", raw(read(efd, &v, sizeof(v))), EINTR);
	poke_done(t);
	close(efd);
	close(pfd[0]);
	close(pfd[1]);
}

static void test_timers(void)
{
	/*
	 * Times left are read back from 60 s timers, which no pause of the
	 * vCPU makes fire first; the 20 ms ones are waited for with the
	 * signal blocked until the wait (sigsuspend, sigwaitinfo), so one
	 * that fires early is still caught.
	 */
	struct itimerval it = { { 0, 0 }, { 60, 0 } }, cur;
	struct sigevent ev = { 0 };
	struct itimerspec its = { { 0, 0 }, { 60, 0 } }, cur2;
	timer_t tid;
	sigset_t s, alrm, old;

	set(SIGALRM, on_sig, 0);
	got = 0;
	check_val("alarm-none", (long)alarm(10), 0);
	check_val("alarm-old", (long)alarm(0), 10);
	check_val("setitimer", raw(setitimer(ITIMER_REAL, &it, NULL)), 0);
	check_val("getitimer", raw(getitimer(ITIMER_REAL, &cur)), 0);
	check("getitimer-left",
	      cur.it_value.tv_sec >= 50 && cur.it_value.tv_sec <= 60);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, &old);
	it.it_value = (struct timeval){ 0, 20000 };
	setitimer(ITIMER_REAL, &it, NULL);
	sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	check_val("itimer-fired", got, SIGALRM);
	check_err("setitimer-einval", raw(setitimer(9, &it, NULL)), EINVAL);
	/* A POSIX timer with SIGEV_SIGNAL, waited for with sigwaitinfo. */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_value.sival_int = 77;
	check_val("timer-create", raw(timer_create(CLOCK_MONOTONIC, &ev, &tid)),
		  0);
	check_val("timer-settime", raw(timer_settime(tid, 0, &its, NULL)), 0);
	check_val("timer-gettime", raw(timer_gettime(tid, &cur2)), 0);
	check("timer-gettime-left",
	      cur2.it_value.tv_sec >= 50 && cur2.it_value.tv_sec <= 60);
	its.it_value = (struct timespec){ 0, 20000000 };
	timer_settime(tid, 0, &its, NULL);
	{
		siginfo_t si;

		check_val("timer-fired", raw(sigwaitinfo(&s, &si)), SIGUSR1);
		check_val("timer-si-code", si.si_code, SI_TIMER);
		check_val("timer-si-value", si.si_value.sival_int, 77);
	}
	check_val("timer-overrun", raw(timer_getoverrun(tid)), 0);
	check_val("timer-delete", raw(timer_delete(tid)), 0);
	check_err("timer-delete-again", raw(timer_delete(tid)), EINVAL);
	ev.sigev_notify = 99;
	check_err("timer-create-einval",
		  raw(timer_create(CLOCK_MONOTONIC, &ev, &tid)), EINVAL);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

static volatile int rt_vals[64], rt_sigs[64], rt_n, rt_code_ok;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (rt_n < 64) {
		rt_sigs[rt_n] = sig;
		rt_vals[rt_n] = si->si_value.sival_int;
	}
	rt_n++;
	if (si->si_code != SI_QUEUE)
		rt_code_ok = 0;
}

/*
 * Real-time signals queue: each sigqueue is delivered, with its value,
 * in order, the lower signal first; up to RLIMIT_SIGPENDING, then
 * EAGAIN. A standard signal queued twice keeps the first value, once.
 */
static void test_queue(void)
{
	int a = SIGRTMIN + 3, b = SIGRTMIN + 5, in_order = 1, n, err = 0;
	struct timespec zero_ts = { 0, 0 };
	struct rlimit old, lim;
	siginfo_t si;
	sigset_t s;

	set_info(a, on_rt, 0);
	set_info(b, on_rt, 0);
	sigemptyset(&s);
	sigaddset(&s, a);
	sigaddset(&s, b);
	sigprocmask(SIG_BLOCK, &s, NULL);
	for (int i = 0; i < 50; i++)
		err |= sigqueue(getpid(), a, (union sigval){ .sival_int = i });
	check_val("rt-sigqueue-50", err, 0);
	rt_n = 0;
	rt_code_ok = 1;
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	check_val("rt-all-delivered", rt_n, 50);
	for (int i = 0; i < 50; i++)
		in_order &= rt_sigs[i] == a && rt_vals[i] == i;
	check("rt-values-in-order", in_order);
	check("rt-si-code-queue", rt_code_ok);
	/* Taken the lower signal first, whatever came first. */
	sigprocmask(SIG_BLOCK, &s, NULL);
	sigqueue(getpid(), b, (union sigval){ .sival_int = 1000 });
	sigqueue(getpid(), a, (union sigval){ .sival_int = 7 });
	check_val("rt-lower-first", raw(sigtimedwait(&s, &si, &zero_ts)), a);
	check_val("rt-lower-first-value", si.si_value.sival_int, 7);
	check_val("rt-then-higher", raw(sigtimedwait(&s, &si, &zero_ts)), b);
	check_val("rt-then-higher-value", si.si_value.sival_int, 1000);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	/* A standard signal twice, blocked: one, with the first value. */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 1 });
	sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 2 });
	check_val("std-twice-one", raw(sigtimedwait(&s, &si, &zero_ts)),
		  SIGUSR1);
	check_val("std-twice-first-value", si.si_value.sival_int, 1);
	check_err("std-twice-no-second", raw(sigtimedwait(&s, &si, &zero_ts)),
		  EAGAIN);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	/* The limit (Linux counts the user's signals, keel the process's:
	 * at most 10 queue here, the next is EAGAIN). */
	getrlimit(RLIMIT_SIGPENDING, &old);
	lim = (struct rlimit){ 10, old.rlim_max };
	check_val("rt-setrlimit", raw(setrlimit(RLIMIT_SIGPENDING, &lim)), 0);
	sigemptyset(&s);
	sigaddset(&s, a);
	sigprocmask(SIG_BLOCK, &s, NULL);
	for (n = 0; n < 20; n++)
		if (sigqueue(getpid(), a, (union sigval){ .sival_int = n }))
			break;
	check("rt-limit-eagain", n >= 1 && n <= 10 && errno == EAGAIN);
	for (err = 0; sigtimedwait(&s, &si, &zero_ts) == a; err++)
		;
	check("rt-limit-all-taken", err == n);
	setrlimit(RLIMIT_SIGPENDING, &old);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_basic();
	test_wait();
	test_signalfd();
	test_faults();
	test_altstack();
	test_threads();
	test_timers();
	test_queue();
	printf("t_signal: %d failed\n", fails);
	return fails != 0;
}

/*
 * t_wait.c - process lifetimes (tests/guest, issue 15): exit statuses,
 * zombies until waited, wait4/waitpid/waitid (WNOHANG giving 0 while the
 * child runs, WNOWAIT, P_ALL, P_PID, P_PIDFD, errors), stop and continue
 * (SIGSTOP, SIGTSTP, SIGCONT seen with WUNTRACED/WCONTINUED and waitid's
 * WSTOPPED/WCONTINUED), death by signal, SIGCHLD with its siginfo
 * (CLD_EXITED, CLD_KILLED, CLD_STOPPED), SA_NOCLDSTOP, SIG_IGN and
 * SA_NOCLDWAIT reaping (wait then ECHILD), __WALL for a child that sends
 * no signal, orphans re-parented (to the first process or a subreaper:
 * only "changed" is printed), PR_SET_CHILD_SUBREAPER, getrusage of
 * children after a busy child, pidfd_open, pidfd_send_signal and poll on a
 * pidfd. No pid is printed: one line per check, the output must match the
 * host's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void nap(long ms)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000 };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* A child that waits for a byte (or EOF) on *p's read end, then exits st. */
static pid_t waiter(int p[2], int st)
{
	pid_t pid;
	char c;

	pipe(p);
	pid = xfork();
	if (pid == 0) {
		close(p[1]);
		read(p[0], &c, 1);
		_exit(st);
	}
	close(p[0]);
	return pid;
}

/* A child that sleeps until a signal ends it. */
static pid_t sleeper(void)
{
	pid_t pid = xfork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void test_status(void)
{
	static const int codes[] = { 0, 1, 42, 255, 256, 257 };
	int st, p[2];
	pid_t pid;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char what[40];

		pid = xfork();
		if (pid == 0)
			exit(codes[i]);
		snprintf(what, sizeof(what), "exit-%d-status", codes[i]);
		check(what, waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
				WEXITSTATUS(st) == (codes[i] & 255));
	}
	pid = xfork();
	if (pid == 0)
		syscall(SYS_exit_group, 9);
	check("exit-group-status",
	      waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 9);

	/* WNOHANG: 0 while the child runs; the zombie stays until waited. */
	pid = waiter(p, 3);
	check_val("wnohang-running-gives-0", waitpid(pid, &st, WNOHANG), 0);
	check_val("kill-0-running", raw(kill(pid, 0)), 0);
	close(p[1]);
	check_val("waitid-wnowait-blocks-till-exit",
		  raw(waitid(P_PID, pid, &(siginfo_t){ 0 }, WEXITED | WNOWAIT)),
		  0);
	check_val("kill-0-zombie", raw(kill(pid, 0)), 0);
	check("wnohang-exited",
	      waitpid(pid, &st, WNOHANG) == pid && WEXITSTATUS(st) == 3);
	check_err("kill-reaped-esrch", raw(kill(pid, 0)), ESRCH);
	check_err("waitpid-reaped-echild", raw(waitpid(pid, &st, 0)), ECHILD);
	check_err("waitpid-none-echild", raw(waitpid(-1, &st, 0)), ECHILD);
	check_err("waitpid-none-wnohang-echild", raw(waitpid(-1, &st, WNOHANG)),
		  ECHILD);
	check_err("waitpid-bad-options", raw(waitpid(-1, &st, 0x100)), EINVAL);
	pid = xfork();
	if (pid == 0)
		_exit(0);
	check_err("wait4-bad-status-efault",
		  raw(syscall(SYS_wait4, pid, BADPTR, 0, NULL)), EFAULT);
	waitpid(pid, NULL, 0); /* Linux reaped it already; keel may not */
}

static void test_wait4_waitid(void)
{
	struct rusage ru;
	siginfo_t si;
	int st, p[2];
	pid_t pid;

	pid = xfork();
	if (pid == 0)
		_exit(5);
	check("wait4-rusage", wait4(pid, &st, 0, &ru) == pid &&
				  WEXITSTATUS(st) == 5 &&
				  ru.ru_utime.tv_usec >= 0);

	pid = xfork();
	if (pid == 0)
		_exit(6);
	memset(&si, 0, sizeof(si));
	check_val("waitid-wnowait",
		  raw(waitid(P_PID, pid, &si, WEXITED | WNOWAIT)), 0);
	check("waitid-wnowait-info",
	      si.si_pid == pid && si.si_code == CLD_EXITED &&
		  si.si_status == 6 && si.si_signo == SIGCHLD);
	memset(&si, 0, sizeof(si));
	check_val("waitid-p-all", raw(waitid(P_ALL, 0, &si, WEXITED)), 0);
	check("waitid-p-all-info",
	      si.si_pid == pid && si.si_status == 6 && si.si_uid == getuid());
	check_err("waitid-after-reap-echild",
		  raw(waitid(P_PID, pid, &si, WEXITED)), ECHILD);
	check_err("waitid-no-options-einval", raw(waitid(P_ALL, 0, &si, 0)),
		  EINVAL);
	check_err("waitid-bad-idtype-einval",
		  raw(syscall(SYS_waitid, 77, 0, &si, WEXITED, NULL)), EINVAL);

	pid = waiter(p, 0);
	si.si_pid = 1234;
	check_val("waitid-wnohang-running",
		  raw(waitid(P_PID, pid, &si, WEXITED | WNOHANG)), 0);
	check_val("waitid-wnohang-running-si-pid-0", si.si_pid, 0);
	close(p[1]);
	check("waitpid-after-waitid", waitpid(pid, &st, 0) == pid);
}

static void test_stop_cont(void)
{
	siginfo_t si;
	sigset_t set, pend;
	struct sigaction sa = { .sa_handler = SIG_DFL,
				.sa_flags = SA_NOCLDSTOP };
	int st;
	pid_t pid = sleeper();

	kill(pid, SIGSTOP);
	check("wuntraced-stopped", waitpid(pid, &st, WUNTRACED) == pid &&
				       WIFSTOPPED(st) &&
				       WSTOPSIG(st) == SIGSTOP);
	check_val("stopped-reported-once",
		  waitpid(pid, &st, WUNTRACED | WNOHANG), 0);
	kill(pid, SIGCONT);
	check("wcontinued",
	      waitpid(pid, &st, WCONTINUED) == pid && WIFCONTINUED(st));
	kill(pid, SIGTSTP);
	memset(&si, 0, sizeof(si));
	check("waitid-wstopped-sigtstp",
	      waitid(P_PID, pid, &si, WSTOPPED) == 0 &&
		  si.si_code == CLD_STOPPED && si.si_status == SIGTSTP);
	kill(pid, SIGCONT);
	memset(&si, 0, sizeof(si));
	check("waitid-wcontinued", waitid(P_PID, pid, &si, WCONTINUED) == 0 &&
				       si.si_code == CLD_CONTINUED &&
				       si.si_status == SIGCONT);
	/* A stopped child still dies of SIGKILL. */
	kill(pid, SIGSTOP);
	waitpid(pid, &st, WUNTRACED);
	kill(pid, SIGKILL);
	check("stopped-then-killed", waitpid(pid, &st, 0) == pid &&
					 WIFSIGNALED(st) &&
					 WTERMSIG(st) == SIGKILL);

	/* SA_NOCLDSTOP: no SIGCHLD for a stop. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	pid = sleeper();
	kill(pid, SIGSTOP);
	waitpid(pid, &st, WUNTRACED);
	sigpending(&pend);
	check("sa-nocldstop-no-sigchld", !sigismember(&pend, SIGCHLD));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	sigpending(&pend);
	check("sa-nocldstop-sigchld-on-death", sigismember(&pend, SIGCHLD));
	sa.sa_flags = 0;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGCHLD, SIG_IGN); /* drop the pending one */
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void test_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGKILL, SIGABRT, SIGSEGV,
				    SIGUSR1 };
	struct timespec ten = { 10, 0 };
	sigset_t set;
	siginfo_t si;
	int st;
	pid_t pid;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		char what[40];

		pid = xfork();
		if (pid == 0) {
			struct rlimit r = { 0, 0 };

			setrlimit(RLIMIT_CORE, &r);
			raise(sigs[i]);
			_exit(99);
		}
		snprintf(what, sizeof(what), "death-by-%s",
			 sigabbrev_np(sigs[i]));
		check(what, waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
				WTERMSIG(st) == sigs[i]);
	}

	/* SIGCHLD's siginfo, taken by sigwaitinfo. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid = xfork();
	if (pid == 0)
		_exit(17);
	memset(&si, 0, sizeof(si));
	check_val("sigchld-exited", sigtimedwait(&set, &si, &ten), SIGCHLD);
	check("sigchld-exited-info", si.si_code == CLD_EXITED &&
					 si.si_pid == pid &&
					 si.si_status == 17);
	waitpid(pid, NULL, 0);
	pid = sleeper();
	kill(pid, SIGTERM);
	memset(&si, 0, sizeof(si));
	check_val("sigchld-killed", sigtimedwait(&set, &si, &ten), SIGCHLD);
	check("sigchld-killed-info", si.si_code == CLD_KILLED &&
					 si.si_pid == pid &&
					 si.si_status == SIGTERM);
	waitpid(pid, NULL, 0);
	pid = sleeper();
	kill(pid, SIGSTOP);
	memset(&si, 0, sizeof(si));
	check_val("sigchld-stopped", sigtimedwait(&set, &si, &ten), SIGCHLD);
	check("sigchld-stopped-info", si.si_code == CLD_STOPPED &&
					  si.si_pid == pid &&
					  si.si_status == SIGSTOP);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	sigtimedwait(&set, &si, &(struct timespec){ 0, 0 });
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void test_autoreap(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL,
				.sa_flags = SA_NOCLDWAIT };
	int st;
	pid_t pid;

	/* SIG_IGN: children leave no zombie; wait blocks till they are gone. */
	signal(SIGCHLD, SIG_IGN);
	for (int i = 0; i < 3; i++)
		if (xfork() == 0)
			_exit(1);
	check_err("sigchld-ign-wait-echild", raw(wait(&st)), ECHILD);
	pid = xfork();
	if (pid == 0)
		_exit(1);
	check_err("sigchld-ign-waitpid-echild", raw(waitpid(pid, &st, 0)),
		  ECHILD);
	signal(SIGCHLD, SIG_DFL);

	sigaction(SIGCHLD, &sa, NULL);
	pid = xfork();
	if (pid == 0)
		_exit(1);
	check_err("sa-nocldwait-echild", raw(waitpid(pid, &st, 0)), ECHILD);
	sa.sa_flags = 0;
	sigaction(SIGCHLD, &sa, NULL);

	/* A child that signals nothing at its end: only __WALL sees it. */
	pid = syscall(SYS_clone, 0, NULL, NULL, NULL, NULL);
	if (pid == 0)
		_exit(4);
	check_err("no-exit-signal-plain-wait-echild", raw(waitpid(pid, &st, 0)),
		  ECHILD);
	check("no-exit-signal-wall",
	      waitpid(pid, &st, __WALL) == pid && WEXITSTATUS(st) == 4);
}

/*
 * The grandchild's parent after its parent exits: it tells, by the pipe,
 * whether getppid changed from the dead parent, and the new parent's pid.
 */
static void orphan(const char *name, int expect_self)
{
	pid_t me = getpid(), mid, got[2] = { 0, 0 };
	char what[60];
	int p[2], q[2], st;
	char c;

	pipe(p);
	pipe(q);
	mid = xfork();
	if (mid == 0) {
		pid_t g = xfork();

		if (g == 0) {
			pid_t old = getppid();

			close(p[0]);
			/* The parent exits once we have its pid. */
			write(q[1], "x", 1);
			for (int i = 0; i < 1000 && getppid() == old; i++)
				nap(5);
			got[0] = getpid();
			got[1] = getppid() != old ? getppid() : -1;
			write(p[1], got, sizeof(got));
			_exit(0);
		}
		read(q[0], &c, 1);
		_exit(0);
	}
	close(q[0]);
	close(q[1]);
	close(p[1]);
	waitpid(mid, &st, 0);
	read(p[0], got, sizeof(got));
	close(p[0]);
	snprintf(what, sizeof(what), "%s-reparented", name);
	check(what, got[1] > 0);
	if (expect_self) {
		snprintf(what, sizeof(what), "%s-to-subreaper", name);
		check(what, got[1] == me);
	}
	/* Ours (a subreaper, or the first process): reap it. */
	if (got[1] == me)
		waitpid(got[0], &st, 0);
}

static void test_orphans(void)
{
	int v = -1;

	orphan("orphan", 0);
	check_val("subreaper-get-default",
		  raw(prctl(PR_GET_CHILD_SUBREAPER, &v)), 0);
	check_val("subreaper-default-off", v, 0);
	check_val("subreaper-set", raw(prctl(PR_SET_CHILD_SUBREAPER, 1)), 0);
	prctl(PR_GET_CHILD_SUBREAPER, &v);
	check_val("subreaper-get", v, 1);
	orphan("subreaper", 1);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static long cpu_us(const struct rusage *r)
{
	return r->ru_utime.tv_sec * 1000000L + r->ru_utime.tv_usec +
	       r->ru_stime.tv_sec * 1000000L + r->ru_stime.tv_usec;
}

static void test_rusage(void)
{
	struct rusage before, after, child;
	int st;
	pid_t pid;

	getrusage(RUSAGE_CHILDREN, &before);
	pid = xfork();
	if (pid == 0) {
		struct timespec t0, t, w0, w;

		/* 200 ms of CPU time, at most 30 s of waiting for it. */
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		clock_gettime(CLOCK_MONOTONIC, &w0);
		do {
			for (volatile int i = 0; i < 100000; i++)
				;
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
			clock_gettime(CLOCK_MONOTONIC, &w);
		} while ((t.tv_sec - t0.tv_sec) * 1000 +
				 (t.tv_nsec - t0.tv_nsec) / 1000000 <
			     200 &&
			 w.tv_sec - w0.tv_sec < 30);
		_exit(0);
	}
	check("wait4-busy-child", wait4(pid, &st, 0, &child) == pid);
	check("wait4-busy-child-cpu-time", cpu_us(&child) >= 150000);
	getrusage(RUSAGE_CHILDREN, &after);
	check("rusage-children-grew",
	      cpu_us(&after) - cpu_us(&before) >= 150000);
}

static void test_pidfd(void)
{
	struct pollfd pfd;
	siginfo_t si;
	pid_t pid = sleeper(), dead;
	int fd = syscall(SYS_pidfd_open, pid, 0);

	check("pidfd-open", fd >= 0);
	check("pidfd-cloexec", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	check_val("pidfd-poll-running", poll(&pfd, 1, 0), 0);
	check_val("pidfd-send-signal",
		  raw(syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0)), 0);
	check_val("pidfd-poll-exited", poll(&pfd, 1, 10000), 1);
	check("pidfd-poll-pollin", (pfd.revents & POLLIN) != 0);
	memset(&si, 0, sizeof(si));
	check_val("waitid-p-pidfd", raw(waitid(P_PIDFD, fd, &si, WEXITED)), 0);
	check("waitid-p-pidfd-info", si.si_pid == pid &&
					 si.si_code == CLD_KILLED &&
					 si.si_status == SIGTERM);
	check_err("pidfd-send-signal-reaped-esrch",
		  raw(syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0)),
		  ESRCH);
	close(fd);
	dead = pid;
	check_err("pidfd-open-reaped-esrch",
		  raw(syscall(SYS_pidfd_open, dead, 0)), ESRCH);
	check_err("pidfd-open-bad-flags",
		  raw(syscall(SYS_pidfd_open, getpid(), 1)), EINVAL);
	check_err("pidfd-send-signal-not-pidfd",
		  raw(syscall(SYS_pidfd_send_signal, 0, SIGTERM, NULL, 0)),
		  EBADF);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_status();
	test_wait4_waitid();
	test_stop_cont();
	test_signals();
	test_autoreap();
	test_orphans();
	test_rusage();
	test_pidfd();
	printf("t_wait: %d failed\n", fails);
	return fails != 0;
}

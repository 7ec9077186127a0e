/*
 * t_jobctl.c - signals between processes (tests/guest; needs fork): kill
 * to a child; SIGSTOP stops it (waitpid WUNTRACED: WSTOPSIG, the parent's
 * SIGCHLD with CLD_STOPPED) and SIGCONT continues it (WCONTINUED,
 * CLD_CONTINUED); a stopped child ends by SIGKILL; a SIGTERM death seen
 * as WTERMSIG; kill(0) and kill(-pgid) reach a process group; a pending
 * SIGTSTP discarded by SIGCONT; SA_NOCLDSTOP; sigqueue's value in another
 * process; ESRCH for a reaped pid and an empty group; tgkill with the
 * wrong tgid. Same output on Linux.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static sigset_t chld_set;

/* A child that waits in pause() until a signal ends it (or it is told
 * otherwise by its handlers); the parent's handle on it. */
static pid_t child_pausing(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* The next SIGCHLD (blocked, so it waits), with its code and status. */
static int next_chld(siginfo_t *si)
{
	struct timespec ts = { 10, 0 };

	return sigtimedwait(&chld_set, si, &ts);
}

static void stop_and_continue(void)
{
	pid_t pid = child_pausing();
	siginfo_t si;
	int st = 0;

	check("fork", pid > 0);
	check_val("kill-stop", raw(kill(pid, SIGSTOP)), 0);
	check_val("wait-stopped", raw(waitpid(pid, &st, WUNTRACED)), pid);
	check("wifstopped", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	check_val("chld-stopped", next_chld(&si), SIGCHLD);
	check("chld-stopped-info", si.si_code == CLD_STOPPED &&
				       si.si_pid == pid &&
				       si.si_status == SIGSTOP);
	/* Reported once only. */
	check_val("wait-stopped-once",
		  raw(waitpid(pid, &st, WUNTRACED | WNOHANG)), 0);
	check_val("kill-cont", raw(kill(pid, SIGCONT)), 0);
	check_val("wait-continued", raw(waitpid(pid, &st, WCONTINUED)), pid);
	check("wifcontinued", WIFCONTINUED(st));
	check_val("chld-continued", next_chld(&si), SIGCHLD);
	check("chld-continued-info",
	      si.si_code == CLD_CONTINUED && si.si_pid == pid);
	/* Stopped again, then SIGKILL: it ends, stopped or not. */
	kill(pid, SIGSTOP);
	waitpid(pid, &st, WUNTRACED);
	next_chld(&si);
	check_val("kill-stopped", raw(kill(pid, SIGKILL)), 0);
	check_val("wait-killed", raw(waitpid(pid, &st, 0)), pid);
	check("wtermsig-kill", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	check_val("chld-killed", next_chld(&si), SIGCHLD);
	check("chld-killed-info",
	      si.si_code == CLD_KILLED && si.si_status == SIGKILL);
	check_err("kill-reaped", raw(kill(pid, 0)), ESRCH);
}

static void term_and_probe(void)
{
	pid_t pid = child_pausing();
	siginfo_t si;
	int st = 0;

	check_val("kill-probe", raw(kill(pid, 0)), 0);
	check_val("kill-term", raw(kill(pid, SIGTERM)), 0);
	check_val("wait-term", raw(waitpid(pid, &st, 0)), pid);
	check("wtermsig-term", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	next_chld(&si);
}

/* A child in its own group: kill(-pgid) reaches it, not us. */
static void groups(void)
{
	pid_t pid = fork();
	siginfo_t si;
	int st = 0;

	if (pid == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(pid, pid); /* either side may win the race: both ask */
	check_val("getpgid-child", raw(getpgid(pid)), pid);
	check_val("kill-group", raw(kill(-pid, SIGUSR1)), 0);
	check_val("wait-group", raw(waitpid(pid, &st, 0)), pid);
	check("group-usr1", WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1);
	next_chld(&si);
	check_err("kill-empty-group", raw(kill(-pid, SIGUSR1)), ESRCH);
	/* A child in our group; kill(0) reaches it and us (USR2 blocked
	 * here, taken below). */
	sigset_t usr2;

	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pid = child_pausing(); /* before the block: it must not inherit it */
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	check_val("kill-own-group", raw(kill(0, SIGUSR2)), 0);
	check_val("wait-own-group", raw(waitpid(pid, &st, 0)), pid);
	check("own-group-usr2", WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR2);
	next_chld(&si);
	check_val("self-usr2",
		  sigtimedwait(&usr2, &si, &(struct timespec){ 5, 0 }),
		  SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
}

/* A child blocking SIGTSTP: a pending one goes when SIGCONT comes. */
static void pending_stop_discarded(void)
{
	int up[2], down[2]; /* child to parent, parent to child */
	pid_t pid;
	char c = 0;
	siginfo_t si;
	int st = 0;

	check_val("pipe", raw(pipe(up)) || raw(pipe(down)), 0);
	pid = fork();
	if (pid == 0) {
		sigset_t set, pend;

		sigemptyset(&set);
		sigaddset(&set, SIGTSTP);
		sigaddset(&set, SIGCONT);
		sigprocmask(SIG_BLOCK, &set, NULL);
		write(up[1], "r", 1);
		read(down[0], &c, 1); /* the parent has sent both */
		sigpending(&pend);
		_exit(sigismember(&pend, SIGTSTP) * 2 +
		      sigismember(&pend, SIGCONT));
	}
	read(up[0], &c, 1);
	kill(pid, SIGTSTP);
	kill(pid, SIGCONT);
	write(down[1], "g", 1);
	check_val("wait-pending", raw(waitpid(pid, &st, 0)), pid);
	/* 1: SIGCONT pending, SIGTSTP gone. */
	check_val("tstp-discarded", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 1);
	next_chld(&si);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

/* SA_NOCLDSTOP: a stop is seen by waitpid but sends no SIGCHLD. */
static void nocldstop(void)
{
	struct sigaction sa = { 0 }, old;
	pid_t pid;
	siginfo_t si;
	int st = 0;
	struct timespec short_wait = { 0, 200000000 };

	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, &old);
	pid = child_pausing();
	kill(pid, SIGSTOP);
	check_val("nocldstop-wait", raw(waitpid(pid, &st, WUNTRACED)), pid);
	check("nocldstop-stopped", WIFSTOPPED(st));
	check_err("nocldstop-no-chld",
		  raw(sigtimedwait(&chld_set, &si, &short_wait)), EAGAIN);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	next_chld(&si);
	sigaction(SIGCHLD, &old, NULL);
}

static volatile sig_atomic_t queued_value;

static void on_queued(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	queued_value = si->si_value.sival_int;
}

/* sigqueue to another process: the value arrives; tgkill's tgid must be
 * the thread's process. */
static void queue_and_tgkill(void)
{
	int fds[2];
	pid_t pid;
	char c;
	int st = 0;
	siginfo_t si;

	check_val("pipe2", raw(pipe(fds)), 0);
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { 0 };
		sigset_t usr1, none;

		/* SIGUSR1 blocked until sigsuspend takes it: with pause() a
		 * signal handled between the test and the call (the child
		 * preempted there) left it waiting for ever, on Linux too. */
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, NULL);
		sa.sa_sigaction = on_queued;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGUSR1, &sa, NULL);
		write(fds[1], "r", 1);
		sigemptyset(&none);
		while (!queued_value)
			sigsuspend(&none);
		_exit(queued_value);
	}
	read(fds[0], &c, 1);
	check_err("tgkill-wrong-tgid",
		  raw(syscall(SYS_tgkill, getpid(), pid, SIGUSR1)), ESRCH);
	check_val("tgkill-probe", raw(syscall(SYS_tgkill, pid, pid, 0)), 0);
	check_val(
	    "sigqueue",
	    raw(sigqueue(pid, SIGUSR1, (union sigval){ .sival_int = 42 })), 0);
	check_val("wait-queued", raw(waitpid(pid, &st, 0)), pid);
	check_val("queued-value", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 42);
	next_chld(&si);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	/* A group of our own, so kill(0) reaches nobody else (on the
	 * host; keel's first process leads its own already: EPERM). */
	setpgid(0, 0);
	sigemptyset(&chld_set);
	sigaddset(&chld_set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld_set, NULL);
	stop_and_continue();
	term_and_probe();
	groups();
	pending_stop_discarded();
	nocldstop();
	queue_and_tgkill();
	printf("t_jobctl: %d failed\n", fails);
	return fails != 0;
}

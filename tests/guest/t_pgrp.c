/*
 * t_pgrp.c - process groups, sessions and the terminal's foreground group
 * (tests/guest, issue 15): getpgid/getpgrp/getsid, setpgid (from the
 * child and from the parent, its errors: EINVAL, ESRCH, EPERM across
 * sessions and for a session leader, EACCES once the child has exec'd),
 * setsid (EPERM for a group leader, no controlling terminal after it),
 * kill(-pgid) and killpg, kill(0, sig) reaching only the caller's group,
 * waitpid(-pgid) and waitpid(0), SIGHUP to the foreground group when a
 * session leader with a pty as its terminal exits. With a terminal (/dev/tty, else the
 * first of fds 0-2 that is one: the console in keel; tests/proc/run.sh
 * gives the host's run a pty from script(1)):
 * tcgetpgrp/tcgetsid, tcsetpgrp to a child's group and back, a background
 * group's read stopped by SIGTTIN (EIO when ignored), its tcsetpgrp stopped
 * by SIGTTOU, tcsetpgrp's errors. Without one it prints why it skipped
 * them, which then differs from a reference that had one. No pid is
 * printed: one line per check, the output must match the host's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"

static char *self;

static pid_t sleeper(pid_t pgid)
{
	pid_t pid = xfork();

	if (pid == 0) {
		if (pgid >= 0)
			setpgid(0, pgid);
		for (;;)
			pause();
	}
	if (pgid >= 0)
		setpgid(pid, pgid ? pgid : pid); /* as a shell does: both */
	return pid;
}

/* A pid that no longer names a process. */
static pid_t dead_pid(void)
{
	pid_t pid = xfork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void test_ids(void)
{
	pid_t pid, dead = dead_pid();

	check_val("getpgid-0-is-getpgrp", getpgid(0), getpgrp());
	check_val("getpgid-self", getpgid(getpid()), getpgrp());
	check("getsid-positive", getsid(0) > 0);
	check_val("getsid-self", getsid(getpid()), getsid(0));
	check_err("getpgid-dead-esrch", raw(getpgid(dead)), ESRCH);
	check_err("getsid-dead-esrch", raw(getsid(dead)), ESRCH);
	check_err("getpgid-negative-esrch", raw(getpgid(-5)), ESRCH);

	pid = xfork();
	if (pid == 0)
		_exit(getpgrp() == getpgid(getppid()) &&
			      getsid(0) == getsid(getppid())
			  ? 0
			  : 1);
	check_val("child-inherits-pgrp-and-session", reap(pid), 0);
}

static void test_setpgid(void)
{
	pid_t pid, other, dead = dead_pid();
	int p[2];
	char c;

	pid = sleeper(0);
	check_val("setpgid-child-own-group", getpgid(pid), pid);
	check_val("child-group-differs", getpgid(pid) != getpgrp(), 1);
	other = sleeper(pid);
	check_val("setpgid-into-sibling-group", getpgid(other), pid);
	check_val("setpgid-back-to-ours", raw(setpgid(other, getpgrp())), 0);
	check_err("setpgid-negative-einval", raw(setpgid(0, -1)), EINVAL);
	check_err("setpgid-dead-esrch", raw(setpgid(dead, dead)), ESRCH);
	check_err("setpgid-missing-group-eperm", raw(setpgid(other, dead)),
		  EPERM);
	kill(pid, SIGKILL);
	kill(other, SIGKILL);
	reap(pid);
	reap(other);

	/* Once the child has exec'd (its O_CLOEXEC pipe closed): EACCES. */
	pipe2(p, O_CLOEXEC);
	pid = xfork();
	if (pid == 0) {
		execl(self, self, "pause", NULL);
		_exit(127);
	}
	close(p[1]);
	read(p[0], &c, 1);
	close(p[0]);
	check_err("setpgid-after-exec-eacces", raw(setpgid(pid, pid)), EACCES);
	kill(pid, SIGKILL);
	check_val("exec-pause-killed", reap(pid), 1000 + SIGKILL);
}

static void test_setsid(void)
{
	int p[2], q[2];
	pid_t pid, leader;
	char c;

	pid = xfork();
	if (pid == 0) {
		int bad = 0;

		bad |= setsid() != getpid();
		bad |= (getsid(0) != getpid()) << 1;
		bad |= (getpgrp() != getpid()) << 2;
		bad |= (setsid() != -1 || errno != EPERM) << 3;
		bad |= (setpgid(0, 0) != -1 || errno != EPERM) << 4;
		bad |= (open("/dev/tty", O_RDWR) != -1 || errno != ENXIO) << 5;
		_exit(bad);
	}
	check_val("setsid-child", reap(pid), 0);

	pid = xfork();
	if (pid == 0) {
		setpgid(0, 0);
		_exit(setsid() == -1 && errno == EPERM ? 0 : 1);
	}
	check_val("setsid-group-leader-eperm", reap(pid), 0);

	/* Another session: its groups are out of reach of ours. */
	pipe(p);
	pipe(q);
	leader = xfork();
	if (leader == 0) {
		setsid();
		write(p[1], "x", 1);
		read(q[0], &c, 1);
		_exit(0);
	}
	read(p[0], &c, 1);
	check_val("getsid-other-session", getsid(leader), leader);
	check_val("getpgid-other-session", getpgid(leader), leader);
	pid = sleeper(-1);
	check_err("setpgid-into-other-session-eperm", raw(setpgid(pid, leader)),
		  EPERM);
	check_err("setpgid-child-in-other-session-eperm",
		  raw(setpgid(leader, leader)), EPERM);
	write(q[1], "x", 1);
	check_val("session-leader-status", reap(leader), 0);
	kill(pid, SIGKILL);
	reap(pid);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void test_kill_group(void)
{
	pid_t a, b, o, dead;
	int st, bad = 0, p[2];
	char c;

	a = sleeper(0);
	b = sleeper(a);
	pipe(p);
	o = xfork();
	if (o == 0) {
		close(p[1]);
		read(p[0], &c, 1);
		_exit(7);
	}
	close(p[0]);
	check_val("kill-negative-pgid", raw(kill(-a, SIGTERM)), 0);
	for (int i = 0; i < 2; i++) {
		pid_t w = waitpid(-a, &st, 0);

		bad |= (w != a && w != b) || !WIFSIGNALED(st) ||
		       WTERMSIG(st) != SIGTERM;
	}
	check_val("kill-group-both-died", bad, 0);
	check_err("waitpid-group-empty-echild", raw(waitpid(-a, &st, WNOHANG)),
		  ECHILD);
	check_val("waitpid-0-own-group-running", waitpid(0, &st, WNOHANG), 0);
	close(p[1]);
	check("waitpid-0-own-group",
	      waitpid(0, &st, 0) == o && WEXITSTATUS(st) == 7);
	check_err("kill-gone-group-esrch", raw(kill(-a, 0)), ESRCH);
	dead = dead_pid();
	check_err("killpg-missing-esrch", raw(killpg(dead, SIGTERM)), ESRCH);
	a = sleeper(0);
	check_val("killpg", raw(killpg(a, SIGKILL)), 0);
	check_val("killpg-killed", reap(a), 1000 + SIGKILL);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int s)
{
	(void)s;
	got_usr1++;
}

static void test_kill_zero(void)
{
	pid_t x;

	/* The child leads a group of three and signals it: not us. */
	x = xfork();
	if (x == 0) {
		pid_t g1, g2;
		int bad = 0;

		setpgid(0, 0);
		g1 = sleeper(-1);
		g2 = sleeper(-1);
		signal(SIGUSR1, on_usr1); /* theirs stays the default */
		bad |= kill(0, SIGUSR1) != 0;
		bad |= (got_usr1 != 1) << 1;
		bad |= (reap(g1) != 1000 + SIGUSR1) << 2;
		bad |= (reap(g2) != 1000 + SIGUSR1) << 3;
		_exit(bad);
	}
	setpgid(x, x);
	check_val("kill-0-own-group-only", reap(x), 0);
	check_val("kill-0-parent-untouched", got_usr1, 0);
}

/*
 * A session leader with a pty as its controlling terminal exits: its
 * foreground group gets SIGHUP. We hold the master (its close would hang
 * up the terminal by itself) and are the orphan's subreaper, to reap it.
 */
static void test_sighup(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY), p[2];
	pid_t leader, g = 0;

	check("pty-for-sighup", m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0);
	if (m < 0)
		return;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pipe(p);
	leader = xfork();
	if (leader == 0) {
		int s;

		setsid();
		s = open(ptsname(m), O_RDWR);
		ioctl(s, TIOCSCTTY, 0);
		g = xfork();
		if (g == 0) {
			for (;;)
				pause();
		}
		write(p[1], &g, sizeof(g));
		_exit(tcgetpgrp(s) == getpgrp() ? 0 : 1);
	}
	read(p[0], &g, sizeof(g));
	check_val("session-leader-foreground", reap(leader), 0);
	check_val("session-end-sighup-foreground", reap(g), 1000 + SIGHUP);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	close(p[0]);
	close(p[1]);
	close(m);
}

/* The controlling terminal, else the first of fds 0-2 that is one. */
static int tty_fd(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

	for (int i = 0; fd < 0 && i < 3; i++)
		if (isatty(i))
			fd = i;
	return fd;
}

static void test_tty(void)
{
	pid_t pid, dead;
	int st, p[2], t = tty_fd();

	if (t < 0) {
		printf("tty: skipped: no controlling terminal and none of "
		       "fds 0-2 is a terminal\n");
		return;
	}
	check_val("tcgetpgrp-is-ours", tcgetpgrp(t), getpgrp());
	check_val("tcgetsid-is-ours", tcgetsid(t), getsid(0));
	signal(SIGTTOU, SIG_IGN);

	pid = sleeper(0);
	check_val("tcsetpgrp-child", raw(tcsetpgrp(t, pid)), 0);
	check_val("tcgetpgrp-child", tcgetpgrp(t), pid);
	check_val("tcsetpgrp-back-sigttou-ignored",
		  raw(tcsetpgrp(t, getpgrp())), 0);
	check_val("tcgetpgrp-ours-again", tcgetpgrp(t), getpgrp());
	kill(pid, SIGKILL);
	reap(pid);

	/* A background group reading: SIGTTIN stops it; ignored, EIO. */
	pid = xfork();
	if (pid == 0) {
		char c;

		setpgid(0, 0);
		signal(SIGTTOU, SIG_DFL);
		read(t, &c, 1);
		_exit(1);
	}
	setpgid(pid, pid);
	check("background-read-sigttin", waitpid(pid, &st, WUNTRACED) == pid &&
					     WIFSTOPPED(st) &&
					     WSTOPSIG(st) == SIGTTIN);
	kill(pid, SIGKILL);
	reap(pid);
	pid = xfork();
	if (pid == 0) {
		char c;

		setpgid(0, 0);
		signal(SIGTTIN, SIG_IGN);
		_exit(read(t, &c, 1) == -1 && errno == EIO ? 0 : 1);
	}
	setpgid(pid, pid);
	check_val("background-read-sigttin-ignored-eio", reap(pid), 0);

	/* A background group taking the terminal: SIGTTOU stops it. */
	pid = xfork();
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGTTOU, SIG_DFL);
		tcsetpgrp(t, getpgrp());
		_exit(1);
	}
	setpgid(pid, pid);
	check("background-tcsetpgrp-sigttou",
	      waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) &&
		  WSTOPSIG(st) == SIGTTOU);
	kill(pid, SIGKILL);
	reap(pid);
	check_val("tcgetpgrp-still-ours", tcgetpgrp(t), getpgrp());

	dead = dead_pid();
	check_err("tcsetpgrp-missing-esrch", raw(tcsetpgrp(t, dead)), ESRCH);
	pid = xfork();
	if (pid == 0) {
		setsid();
		for (;;)
			pause();
	}
	while (getsid(pid) != pid)
		sched_yield();
	check_err("tcsetpgrp-other-session-eperm", raw(tcsetpgrp(t, pid)),
		  EPERM);
	kill(pid, SIGKILL);
	reap(pid);
	pipe(p);
	check_err("tcsetpgrp-pipe-enotty", raw(tcsetpgrp(p[0], getpgrp())),
		  ENOTTY);
	close(p[0]);
	close(p[1]);
	signal(SIGTTOU, SIG_DFL);
	if (t > 2)
		close(t);
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc > 1 && !strcmp(argv[1], "pause")) {
		for (;;)
			pause();
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	test_ids();
	test_setpgid();
	test_setsid();
	test_kill_group();
	test_kill_zero();
	test_sighup();
	test_tty();
	printf("t_pgrp: %d failed\n", fails);
	return fails != 0;
}

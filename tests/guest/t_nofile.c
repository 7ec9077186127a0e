/*
 * t_nofile.c - RLIMIT_NOFILE as Linux has it (tests/guest, issue 16), run
 * as root (keel's first program is root of its VM; the host's reference
 * runs as root too): root raises the hard limit, up to
 * /proc/sys/fs/nr_open and not beyond (EPERM); 5000 descriptors opened,
 * polled and closed; EMFILE at the soft limit, EINVAL/EBADF for F_DUPFD
 * and dup2 at it, the lowest free descriptor reused. A forked child that
 * became user nobody raises its soft limit up to the hard one, gets EPERM
 * raising the hard one (and for root's limits through prlimit), EACCES
 * opening nr_open to write; root changes the child's limits by prlimit.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define MANY 5000
#define HARD 8192

static long read_nr_open(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/fs/nr_open", O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return -1;
	close(fd);
	return strtol(buf, NULL, 10);
}

/* Does the caller hold CAP_SYS_RESOURCE? (A container's root may not:
 * then root's prlimit on the child is EPERM on Linux too.) */
static int sys_resource(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return 0;
	return (d[0].effective >> CAP_SYS_RESOURCE) & 1;
}

static long set(rlim_t cur, rlim_t max)
{
	struct rlimit r = { cur, max };

	return raw(setrlimit(RLIMIT_NOFILE, &r));
}

/* Limits as root: up to nr_open, and the usual errors. */
static void root_limits(long nr_open)
{
	struct rlimit got;

	check("nr_open-at-least-64", nr_open >= 64);
	check_err("soft-above-hard", set(HARD + 1, HARD), EINVAL);
	check_val("root-raises-hard", set(HARD, HARD), 0);
	check_err("hard-above-nr_open", set(HARD, (rlim_t)nr_open + 64), EPERM);
	check_val("prlimit-self-by-pid",
		  raw(prlimit(getpid(), RLIMIT_NOFILE, NULL, &got)), 0);
	check("prlimit-reads-hard",
	      got.rlim_cur == HARD && got.rlim_max == HARD);
	check_err("prlimit-no-such-pid",
		  raw(prlimit(0x3ffffff, RLIMIT_NOFILE, NULL, &got)), ESRCH);
}

/* MANY descriptors, then the limit reached. */
static void many(void)
{
	static struct pollfd p[HARD + 1];
	int first = -1, last = -1, n = 0, fd;

	for (int i = 0; i < MANY; i++) {
		if ((fd = open("/dev/null", O_RDONLY)) < 0)
			break;
		first = first < 0 ? fd : first;
		last = fd;
		p[n].fd = fd;
		p[n++].events = POLLIN;
	}
	check("opened-5000", n == MANY && last - first == MANY - 1);
	check_val("poll-5000", raw(poll(p, MANY, 0)), MANY);
	check_err("poll-above-limit", raw(poll(p, HARD + 1, 0)), EINVAL);
	check_val("soft-to-last", set((rlim_t)last + 1, HARD), 0);
	check_err("open-at-limit", raw(open("/dev/null", O_RDONLY)), EMFILE);
	check_err("dup-at-limit", raw(dup(0)), EMFILE);
	check_err("dupfd-from-limit", raw(fcntl(0, F_DUPFD, last + 1)), EINVAL);
	check_err("dup2-to-limit", raw(dup2(0, last + 1)), EBADF);
	check_val("close-one", raw(close(first + 10)), 0);
	check_val("lowest-reused", raw(open("/dev/null", O_RDONLY)),
		  first + 10);
	check_val("soft-back-up", set(HARD, HARD), 0);
	check_val("dup2-high", raw(dup2(0, HARD - 1)), HARD - 1);
	for (fd = first; fd <= last; fd++)
		close(fd);
	close(HARD - 1);
	check_val("reopen-after-close", raw(open("/dev/null", O_RDONLY)),
		  first);
	close(first);
}

/* The child, as user nobody: its limits, once root set them to 100. */
static int child(int ready, int go, rlim_t want)
{
	struct rlimit got;
	char c = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		printf("FAIL drop-root: %s\n", strerror(errno));
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 1)
		printf("FAIL child-sync\n");
	check_val("child-getrlimit", raw(getrlimit(RLIMIT_NOFILE, &got)), 0);
	check("child-limit-set-by-root",
	      got.rlim_cur == want && got.rlim_max == HARD);
	check_val("child-soft-up-to-hard", set(HARD, HARD), 0);
	check_err("child-hard-up", set(HARD, HARD + 1), EPERM);
	check_val("child-hard-down", set(1024, 4096), 0);
	check_err("child-hard-back-up", set(4096, HARD), EPERM);
	check_err("child-prlimit-root-read",
		  raw(prlimit(getppid(), RLIMIT_NOFILE, NULL, &got)), EPERM);
	check_err("child-prlimit-root-write",
		  raw(prlimit(getppid(), RLIMIT_NOFILE, &got, NULL)), EPERM);
	check_err("child-write-nr_open",
		  raw(open("/proc/sys/fs/nr_open", O_WRONLY)), EACCES);
	return fails;
}

static void unprivileged(void)
{
	int ready[2], go[2], st = 0;
	struct rlimit r = { 100, HARD }, old = { 0, 0 };
	int cap = sys_resource();
	char c;
	pid_t pid;

	if (pipe(ready) || pipe(go))
		printf("FAIL pipe\n");
	pid = fork();
	if (pid == 0)
		_exit(child(ready[1], go[0], cap ? 100 : HARD));
	if (read(ready[0], &c, 1) != 1)
		printf("FAIL parent-sync\n");
	/* Root's ids are not the child's: CAP_SYS_RESOURCE decides. */
	check_val("root-prlimit-child",
		  raw(prlimit(pid, RLIMIT_NOFILE, &r, &old)), cap ? 0 : -EPERM);
	check("root-prlimit-child-old", old.rlim_max == (cap ? HARD : 0));
	if (write(go[1], "g", 1) != 1)
		printf("FAIL parent-go\n");
	waitpid(pid, &st, 0);
	check("child-passed", WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	close_range(3, ~0U, 0); /* whatever the caller left open */
	check("root", geteuid() == 0);
	root_limits(read_nr_open());
	many();
	unprivileged();
	printf("t_nofile: %d failed\n", fails);
	return fails != 0;
}

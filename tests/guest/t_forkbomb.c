/*
 * t_forkbomb.c - a bounded fork bomb (tests/guest, issue 15): with
 * RLIMIT_NPROC at 64, fork until it fails (at most 200 tries); the failure
 * must be EAGAIN after at most 64 children. The children sleep until
 * killed; all are killed and reaped, and fork works again afterwards.
 * Linux does not hold root (CAP_SYS_RESOURCE or CAP_SYS_ADMIN) to
 * RLIMIT_NPROC, and neither does keel: run as root (keel's program is
 * root of its own VM), the test first becomes user nobody, as a careful
 * server does; the host's reference runs as nobody already
 * (tests/proc/run.sh: setpriv --reuid=65534 --regid=65534 --clear-groups).
 * The count itself depends on the user's other processes, so only
 * "N <= 64" is printed.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define TRIES 200
#define LIMIT 64

int main(void)
{
	struct rlimit r = { LIMIT, LIMIT };
	static pid_t kids[TRIES];
	int n = 0, err = 0, reaped = 0, st;
	pid_t pid;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (geteuid() == 0 &&
	    (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
		printf("FAIL drop-root: %s\n", strerror(errno));
	check_val("setrlimit-nproc-64", raw(setrlimit(RLIMIT_NPROC, &r)), 0);
	while (n < TRIES) {
		pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n++] = pid;
	}
	check_err("fork-fails-eagain", err ? -err : n, EAGAIN);
	check("EAGAIN after N<=64", err == EAGAIN && n <= LIMIT);
	check("some children before EAGAIN", n > 0);
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		reaped += waitpid(kids[i], &st, 0) == kids[i] &&
			  WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	check("all children killed and reaped", reaped == n);
	check_err("no child left", raw(wait(NULL)), ECHILD);
	pid = fork();
	if (pid == 0)
		_exit(3);
	check("fork works again",
	      pid > 0 && waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 3);
	printf("t_forkbomb: %d failed\n", fails);
	return fails != 0;
}

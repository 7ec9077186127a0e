/*
 * forkexec.c - fork + execve + wait per second (issue 15's first
 * measure): N rounds (default 1000) of fork, execve of PROGRAM in the
 * child and waitpid in the parent, then one line "forkexec: N rounds in
 * S s: R rounds/s". PROGRAM defaults to this program itself with the
 * argument --true, which exits 0 at once (build it static, gcc -O2
 * -static, for a static /bin/true). Any round whose child does not exit 0
 * stops the run with status 1.
 *   forkexec [ROUNDS [PROGRAM [ARGS...]]]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char *self_args[] = { NULL, "--true", NULL };
	char *const *args = self_args;
	const char *prog = argv[0];
	struct timespec t0, t1;
	long rounds = 1000;
	double s;

	if (argc == 2 && !strcmp(argv[1], "--true"))
		return 0;
	if (argc > 1)
		rounds = strtol(argv[1], NULL, 10);
	if (rounds <= 0) {
		fprintf(stderr,
			"usage: forkexec [ROUNDS [PROGRAM [ARGS...]]]\n");
		return 2;
	}
	if (argc > 2) {
		prog = argv[2];
		args = argv + 2;
	} else {
		self_args[0] = argv[0];
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < rounds; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			fprintf(stderr, "forkexec: fork: %s (round %ld)\n",
				strerror(errno), i);
			return 1;
		}
		if (pid == 0) {
			execv(prog, args);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			fprintf(stderr,
				"forkexec: round %ld: the child did not exit 0"
				" (status 0x%x)\n",
				i, st);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("forkexec: %ld rounds in %.3f s: %.0f rounds/s\n", rounds, s,
	       rounds / s);
	return 0;
}

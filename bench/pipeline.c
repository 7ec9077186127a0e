/*
 * pipeline.c - a shell pipeline of 3 processes moving MIB MiB (issue 15's
 * second measure): runs
 *   /bin/sh -c 'dd if=/dev/zero bs=65536 count=16*MIB 2>/dev/null | cat | wc -c'
 * with the pipeline's output in a pipe to this program, times it with
 * CLOCK_MONOTONIC from before the fork to after waitpid, checks that wc
 * counted MIB MiB, and prints one line
 * "pipeline: N bytes in S s: R MB/s" (10^6 B/s). Exits 1 on a wrong count
 * or a shell that did not exit 0.
 *   pipeline [MIB (default 64)]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 64;
	char cmd[160], out[64];
	struct timespec t0, t1;
	long long want, got;
	size_t len = 0;
	ssize_t r;
	int fds[2], st;
	pid_t pid;
	double s;

	if (mib <= 0 || mib > 1 << 20) {
		fprintf(stderr, "usage: pipeline [MIB]\n");
		return 2;
	}
	want = (long long)mib << 20;
	snprintf(cmd, sizeof(cmd),
		 "dd if=/dev/zero bs=65536 count=%ld 2>/dev/null | cat | wc -c",
		 mib * 16);
	if (pipe(fds) < 0) {
		perror("pipeline: pipe");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("pipeline: fork");
		return 1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (len < sizeof(out) - 1 &&
	       (r = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)r;
	out[len] = 0;
	if (waitpid(pid, &st, 0) != pid) {
		perror("pipeline: waitpid");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	got = strtoll(out, NULL, 10);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != want) {
		fprintf(stderr,
			"pipeline: '%s' gave '%s' (want %lld), status 0x%x\n",
			cmd, strtok(out, "\n") ? out : "", want, st);
		return 1;
	}
	printf("pipeline: %lld bytes in %.3f s: %.1f MB/s\n", got, s,
	       got / s / 1e6);
	return 0;
}

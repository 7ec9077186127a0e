/*
 * forkmem.c - memory for idle forked children (issue 15's third measure):
 * reads MemFree from /proc/meminfo, forks N children (default 100) that
 * each tell the parent through a pipe that they run and then pause(),
 * waits for all N, reads MemFree again and prints one line
 * "forkmem: N children: free before B kB, after A kB: K KiB per child",
 * and a second line with what of it the kernel reports by kind (Slab,
 * KernelStack, PageTables: their growth per child, where /proc/meminfo
 * has them), then kills (SIGKILL) and reaps them. Each read waits
 * SETTLE_S (1) s first: Linux folds its per-CPU page counters into MemFree only every
 * vm.stat_interval (1 s), so a read right after the forks can miss them
 * (on the host: 0 KiB per child without the wait). MemFree, not
 * MemAvailable: keel reports the same number for both, and on Linux
 * MemAvailable adds an estimate of reclaimable cache. Exits 1 if a fork fails, a child does not
 * report, or a child does not end by SIGKILL.
 *   forkmem [N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXKIDS 1000
#define SETTLE_S 1

/* The /proc/meminfo fields read, in kB (-1: absent). */
enum { FREE, SLAB, KSTACK, PTABLES, NFIELDS };
static const char *const field[NFIELDS] = { "MemFree", "Slab", "KernelStack",
					    "PageTables" };

/* Fill kb[] from /proc/meminfo: MemFree's value, or -1. */
static long mem_read(long kb[NFIELDS])
{
	char line[256], name[64];
	long v;
	FILE *f;

	sleep(SETTLE_S);
	for (int i = 0; i < NFIELDS; i++)
		kb[i] = -1;
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		for (int i = 0; i < NFIELDS; i++)
			if (sscanf(line, "%63[^:]: %ld kB", name, &v) == 2 &&
			    !strcmp(name, field[i]))
				kb[i] = v;
	fclose(f);
	return kb[FREE];
}

/* The part of each child's cost the kernel reports by kind. */
static void print_kinds(const long *before, const long *after, long n)
{
	printf("forkmem: per child, KiB:");
	for (int i = SLAB; i < NFIELDS; i++)
		if (before[i] >= 0 && after[i] >= 0)
			printf(" %s %.1f", field[i],
			       (double)(after[i] - before[i]) / n);
	printf("\n");
}

int main(int argc, char **argv)
{
	static pid_t kids[MAXKIDS];
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
	long before, after, i, kb0[NFIELDS], kb1[NFIELDS];
	int fds[2], bad = 0;
	char c;

	if (n <= 0 || n > MAXKIDS) {
		fprintf(stderr, "usage: forkmem [N (1..%d)]\n", MAXKIDS);
		return 2;
	}
	if (pipe(fds) < 0) {
		perror("forkmem: pipe");
		return 1;
	}
	fflush(stdout);
	before = mem_read(kb0);
	if (before < 0) {
		fprintf(stderr, "forkmem: no MemFree in /proc/meminfo\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			fprintf(stderr, "forkmem: fork %ld: %s\n", i,
				strerror(errno));
			n = i;
			bad = 1;
			break;
		}
		if (kids[i] == 0) {
			close(fds[0]);
			if (write(fds[1], "r", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
	}
	close(fds[1]);
	for (i = 0; i < n; i++)
		if (read(fds[0], &c, 1) != 1) {
			fprintf(stderr,
				"forkmem: only %ld of %ld children ran\n", i,
				n);
			bad = 1;
			break;
		}
	after = mem_read(kb1);
	if (!bad)
		printf(
		    "forkmem: %ld children: free before %ld kB, after %ld kB:"
		    " %.1f KiB per child\n",
		    n, before, after, (double)(before - after) / n);
	if (!bad)
		print_kinds(kb0, kb1, n);
	fflush(stdout);
	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < n; i++) {
		int st;

		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFSIGNALED(st) ||
		    WTERMSIG(st) != SIGKILL) {
			fprintf(stderr,
				"forkmem: child %ld did not end by "
				"SIGKILL\n",
				i);
			bad = 1;
		}
	}
	return bad;
}

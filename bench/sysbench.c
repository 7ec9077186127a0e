/*
 * bench/sysbench.c - the syscall micro-benchmarks of bench/luajit.sh, built
 * static and run unchanged in keel and in the Linux VM.
 *
 *   sysbench getpid N          N getpid system calls (syscall(SYS_getpid),
 *                              never a libc cache); prints ns per call
 *   sysbench read FILE N CHUNK open FILE, read it to EOF in CHUNK-byte
 *                              reads, close; N times; prints MB/s
 *                              (10^6 bytes per second)
 *   sysbench sweep FILE N CHUNK...
 *                              for each CHUNK: read FILE to EOF in
 *                              CHUNK-byte reads N times (one untimed pass
 *                              first, which checks the bytes), then write
 *                              as many bytes to FILE.w in CHUNK-byte
 *                              writes, over the same file N times (one
 *                              untimed pass first, which allocates it);
 *                              one "SWEEP read|write CHUNK MB/s" line each,
 *                              after a "SWEEP go" line just before the
 *                              timed loop (bench/copy.sh times it too)
 *
 * Times come from clock_gettime(CLOCK_MONOTONIC) in the guest. Before and
 * after each timed loop a BENCH line goes to stdout so the host can time
 * the loop too (bench/luajit.sh stamps serial lines as they arrive). read
 * checks the file's bytes against the pattern bench/luajit.sh writes
 * (byte i is (i * 131 + i / 4096) & 0xff) on the first pass.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(const char *s)
{
	/* One write per line: the serial console shows it at once. */
	if (write(1, s, strlen(s)) < 0)
		exit(3);
}

static long number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v <= 0) {
		fprintf(stderr, "sysbench: not a positive number: %s\n", s);
		exit(2);
	}
	return v;
}

static int bench_getpid(long n)
{
	char line[160];
	long pid = syscall(SYS_getpid);
	double t0, t1;

	say("BENCH getpid begin\n");
	t0 = now();
	for (long i = 0; i < n; i++)
		pid ^= syscall(SYS_getpid);
	t1 = now();
	snprintf(line, sizeof(line),
		 "BENCH getpid end calls=%ld ns_per_call=%.1f (x%ld)\n", n,
		 (t1 - t0) * 1e9 / (double)n, pid & 1);
	say(line);
	return 0;
}

/* The file's byte i is (i * 131 + i / 4096) & 0xff. */
static int pattern_ok(const unsigned char *b, ssize_t n, long long off)
{
	for (ssize_t k = 0; k < n; k++) {
		long long j = off + k;

		if (b[k] != (unsigned char)(j * 131 + j / 4096))
			return 0;
	}
	return 1;
}

static int bench_read(const char *path, long n, long chunk)
{
	char line[200];
	unsigned char *buf = malloc((size_t)chunk);
	long long total = 0;
	double t0, t1;

	if (!buf) {
		perror("sysbench: malloc");
		return 1;
	}
	say("BENCH read begin\n");
	t0 = now();
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		long long off = 0;
		ssize_t r;

		if (fd < 0) {
			perror(path);
			return 1;
		}
		while ((r = read(fd, buf, (size_t)chunk)) > 0) {
			if (i == 0 && !pattern_ok(buf, r, off)) {
				fprintf(stderr,
					"sysbench: %s: wrong bytes at %lld\n",
					path, off);
				return 1;
			}
			off += r;
		}
		if (r < 0) {
			perror("sysbench: read");
			return 1;
		}
		close(fd);
		total += off;
	}
	t1 = now();
	snprintf(line, sizeof(line),
		 "BENCH read end bytes=%lld passes=%ld chunk=%ld "
		 "MB_per_s=%.1f\n",
		 total, n, chunk, (double)total / (t1 - t0) / 1e6);
	say(line);
	return 0;
}

/* Read path to EOF in chunk-byte reads n times: bytes per second. */
static double read_rate(const char *path, unsigned char *buf, long n,
			long chunk)
{
	long long total = 0;
	double t0 = now();

	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t r;

		if (fd < 0)
			return -1;
		while ((r = read(fd, buf, (size_t)chunk)) > 0)
			total += r;
		close(fd);
		if (r < 0)
			return -1;
	}
	return (double)total / (now() - t0);
}

/* Write size bytes over fd from offset 0 in chunk-byte writes n times. */
static double write_rate(int fd, const unsigned char *buf, long long size,
			 long n, long chunk)
{
	long long total = 0;
	double t0 = now();

	for (long i = 0; i < n; i++) {
		for (long long off = 0; off < size; off += chunk) {
			size_t len =
			    (size_t)(size - off < chunk ? size - off : chunk);

			if (pwrite(fd, buf, len, off) != (ssize_t)len)
				return -1;
			total += (long long)len;
		}
	}
	return (double)total / (now() - t0);
}

static int sweep_one(const char *path, long n, long chunk)
{
	char line[200], wpath[256];
	unsigned char *buf = malloc((size_t)chunk);
	long long size = 0, off = 0;
	ssize_t r;
	double rate;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!buf || fd < 0) {
		perror(path);
		return 1;
	}
	while ((r = read(fd, buf, (size_t)chunk)) > 0) {
		if (!pattern_ok(buf, r, off)) {
			fprintf(stderr, "sysbench: %s: wrong bytes at %lld\n",
				path, off);
			return 1;
		}
		off += r;
	}
	close(fd);
	size = off;
	say("SWEEP go\n"); /* the host times the loop too, from here */
	rate = read_rate(path, buf, n, chunk);
	snprintf(line, sizeof(line), "SWEEP read %ld %.1f\n", chunk,
		 rate / 1e6);
	say(line);
	snprintf(wpath, sizeof(wpath), "%s.w", path);
	fd = open(wpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_rate(fd, buf, size, 1, chunk) < 0) {
		perror(wpath);
		return 1;
	}
	say("SWEEP go\n");
	rate = write_rate(fd, buf, size, n, chunk);
	close(fd);
	unlink(wpath);
	snprintf(line, sizeof(line), "SWEEP write %ld %.1f\n", chunk,
		 rate / 1e6);
	say(line);
	free(buf);
	return rate < 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "sweep")) {
		long n = number(argv[3]);

		for (int i = 4; i < argc; i++)
			if (sweep_one(argv[2], n, number(argv[i])))
				return 1;
		say("SWEEP done\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "getpid"))
		return bench_getpid(number(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "read"))
		return bench_read(argv[2], number(argv[3]), number(argv[4]));
	fprintf(stderr, "usage: sysbench getpid N | sysbench read FILE N "
			"CHUNK | sysbench sweep FILE N CHUNK...\n");
	return 2;
}

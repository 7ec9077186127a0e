/*
 * seqio.c - bench/storage.sh's sequential file I/O, run in keel and in the Linux VM alike (static,
 * glibc):
 *   seqio write FILE MIB   writes MIB MiB in 1 MiB blocks, fsync once at the end, close;
 *   seqio read FILE        reads FILE to its end in 1 MiB blocks;
 *   seqio rand FILE SECS   pread()s 4 KiB at 4 KiB-aligned offsets drawn from a fixed-seed
 *                          xorshift, for SECS seconds (fio's absence in keel: it needs SysV shm).
 * read and write print one line "SEQIO <op> bytes=N seconds=S mbps=R" (R in 10^6 bytes/s), rand
 * "SEQIO rand ops=N seconds=S iops=R"; all timed with
 * CLOCK_MONOTONIC from just before open to just after fsync/close, so boot time is excluded. Every
 * 4 KiB of the file starts with its own offset and a tag; read checks each one and fails (status 1,
 * "SEQIO read: bad data at offset ...") on the first that is wrong, so a wrong result cannot pass
 * as a fast one. The read is meant for a fresh boot (nothing cached: keel has no drop_caches and no
 * O_DIRECT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (1u << 20)
#define STAMP 4096u
#define TAG 0x6b65656c73657169ull /* "keelseqi" */

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void report(const char *op, uint64_t bytes, double s)
{
	printf("SEQIO %s bytes=%llu seconds=%.6f mbps=%.2f\n", op,
	       (unsigned long long)bytes, s, s > 0 ? bytes / s / 1e6 : 0.0);
	fflush(stdout);
}

static int fail(const char *what, const char *file)
{
	fprintf(stderr, "SEQIO %s %s: %s\n", what, file, strerror(errno));
	return 1;
}

static int do_write(const char *file, unsigned long mib, unsigned char *buf)
{
	uint64_t off = 0;
	double t0 = now();
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return fail("write: open", file);
	for (unsigned long b = 0; b < mib; b++) {
		for (unsigned s = 0; s < BLOCK; s += STAMP) {
			uint64_t stamp[2] = { off + s, TAG };

			memcpy(buf + s, stamp, sizeof(stamp));
		}
		for (unsigned done = 0; done < BLOCK;) {
			ssize_t n = write(fd, buf + done, BLOCK - done);

			if (n <= 0)
				return fail("write: write", file);
			done += n;
		}
		off += BLOCK;
	}
	if (fsync(fd) < 0)
		return fail("write: fsync", file);
	if (close(fd) < 0)
		return fail("write: close", file);
	report("write", off, now() - t0);
	return 0;
}

static int do_read(const char *file, unsigned char *buf)
{
	uint64_t off = 0;
	double t0 = now();
	int fd = open(file, O_RDONLY);

	if (fd < 0)
		return fail("read: open", file);
	for (;;) {
		size_t got = 0;

		while (got < BLOCK) {
			ssize_t n = read(fd, buf + got, BLOCK - got);

			if (n < 0)
				return fail("read: read", file);
			if (n == 0)
				break;
			got += n;
		}
		for (size_t s = 0; s + sizeof(uint64_t) * 2 <= got;
		     s += STAMP) {
			uint64_t stamp[2];

			memcpy(stamp, buf + s, sizeof(stamp));
			if (stamp[0] != off + s || stamp[1] != TAG) {
				fprintf(stderr,
					"SEQIO read: bad data at offset %llu\n",
					(unsigned long long)(off + s));
				return 1;
			}
		}
		off += got;
		if (got < BLOCK)
			break;
	}
	close(fd);
	if (off == 0) {
		fprintf(stderr, "SEQIO read: %s is empty\n", file);
		return 1;
	}
	report("read", off, now() - t0);
	return 0;
}

static int do_rand(const char *file, double secs, unsigned char *buf)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, ops = 0, blocks;
	double t0 = now(), t = t0;
	int fd = open(file, O_RDONLY);
	off_t size;

	if (fd < 0)
		return fail("rand: open", file);
	size = lseek(fd, 0, SEEK_END);
	blocks = size / STAMP;
	if (size < 0 || blocks == 0) {
		fprintf(stderr, "SEQIO rand: %s is empty\n", file);
		return 1;
	}
	while (t - t0 < secs) {
		for (int i = 0; i < 16; i++, ops++) {
			uint64_t off, stamp[2];

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			off = (x % blocks) * STAMP;
			if (pread(fd, buf, STAMP, off) != STAMP)
				return fail("rand: pread", file);
			memcpy(stamp, buf, sizeof(stamp));
			if (stamp[0] != off || stamp[1] != TAG) {
				fprintf(stderr,
					"SEQIO rand: bad data at offset %llu\n",
					(unsigned long long)off);
				return 1;
			}
		}
		t = now();
	}
	close(fd);
	printf("SEQIO rand ops=%llu seconds=%.6f iops=%.1f\n",
	       (unsigned long long)ops, t - t0, ops / (t - t0));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char *buf = malloc(BLOCK);

	if (!buf)
		return 2;
	/* Bytes other than the stamps: not zero, not one repeated byte. */
	for (unsigned i = 0; i < BLOCK; i++)
		buf[i] = (unsigned char)(i * 131u + 7u);
	if (argc == 4 && !strcmp(argv[1], "write"))
		return do_write(argv[2], strtoul(argv[3], NULL, 10), buf);
	if (argc == 3 && !strcmp(argv[1], "read"))
		return do_read(argv[2], buf);
	if (argc == 4 && !strcmp(argv[1], "rand"))
		return do_rand(argv[2], strtod(argv[3], NULL), buf);
	fprintf(stderr,
		"usage: seqio write FILE MIB | read FILE | rand FILE SECS\n");
	return 2;
}

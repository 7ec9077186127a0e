/*
 * t_splice.c - splice, tee, vmsplice and remap_file_pages (tests/guest):
 * data between a pipe and a file (with and without offsets), a socket or
 * another pipe; tee copying without consuming; vmsplice both ways;
 * SPLICE_F_NONBLOCK and EAGAIN, end of file, EPIPE, a blocking splice
 * woken by a writer and one ended by a signal (EINTR); the argument
 * errors Linux gives (EINVAL, EBADF, ESPIPE, EFAULT); remap_file_pages on
 * a shared file mapping and its EINVAL cases. Run in the guest and on the
 * host; one line per check, the output must match.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"

#define ALLF (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)
#define NB SPLICE_F_NONBLOCK

static long sp(int in, loff_t *oin, int out, loff_t *oout, size_t len,
	       unsigned flags)
{
	return raw(splice(in, oin, out, oout, len, flags));
}

/* Read what a pipe (or socket) holds now into buf (NUL-ended). */
static long drain(int fd, char *buf, size_t len)
{
	long n = read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	return raw(n);
}

static int make_file(const char *name, const char *data)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);

	write(fd, data, strlen(data));
	return fd;
}

static void test_args(void)
{
	int p[2], fd = make_file("args", "0123456789"), ro, wo, dir;
	loff_t off = 0;

	pipe(p);
	ro = open("args", O_RDONLY);
	wo = open("args", O_WRONLY);
	dir = open(".", O_RDONLY | O_DIRECTORY);
	check_val("splice-len0-badfd", sp(-1, NULL, -1, NULL, 0, 0), 0);
	check_err("splice-badflags", sp(fd, NULL, p[1], NULL, 1, 0x10), EINVAL);
	check_err("splice-badflags-badfd", sp(-1, NULL, -1, NULL, 1, 0x10),
		  EINVAL);
	check_err("splice-badfd-in", sp(-1, NULL, p[1], NULL, 1, 0), EBADF);
	check_err("splice-badfd-out", sp(p[0], NULL, 99, NULL, 1, 0), EBADF);
	check_err("splice-no-pipe", sp(ro, NULL, fd, NULL, 1, 0), EINVAL);
	check_err("splice-in-wronly", sp(wo, NULL, p[1], NULL, 1, 0), EBADF);
	check_err("splice-out-rdonly", sp(p[0], NULL, ro, NULL, 1, NB), EBADF);
	check_err("splice-pipe-wrong-ends", sp(p[1], NULL, p[0], NULL, 1, 0),
		  EBADF);
	check_err("splice-off-in-pipe", sp(p[0], &off, fd, NULL, 1, 0), ESPIPE);
	check_err("splice-off-out-pipe", sp(fd, NULL, p[1], &off, 1, 0),
		  ESPIPE);
	check_err("splice-off-badptr", sp(fd, BADPTR, p[1], NULL, 1, 0),
		  EFAULT);
	off = -1;
	check_err("splice-off-negative", sp(fd, &off, p[1], NULL, 1, 0),
		  EINVAL);
	check_err("splice-same-pipe", sp(p[0], NULL, p[1], NULL, 1, NB),
		  EINVAL);
	check_err("splice-from-dir", sp(dir, NULL, p[1], NULL, 1, NB), EINVAL);
	check_val("splice-len0-nopipe", sp(fd, NULL, ro, NULL, 0, 0), 0);
	/* The order: ESPIPE, then the offsets (EFAULT), then the ends. */
	check_err("splice-espipe-first", sp(p[0], BADPTR, ro, NULL, 1, 0),
		  ESPIPE);
	check_err("splice-efault-before-ebadf", sp(ro, BADPTR, ro, NULL, 1, 0),
		  EFAULT);
	check_err("splice-efault-before-einval", sp(fd, BADPTR, fd, NULL, 1, 0),
		  EFAULT);
	close(dir);
	dir = open("args", O_PATH);
	check_err("splice-opath", sp(dir, NULL, p[1], NULL, 1, 0), EBADF);
	close(dir);
	close(ro);
	close(wo);
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void test_file(void)
{
	int p[2], fd = make_file("data", "hello, splice"), ap;
	char buf[64];
	loff_t off = 7;

	pipe(p);
	lseek(fd, 0, SEEK_SET);
	check_val("file-to-pipe-off", sp(fd, &off, p[1], NULL, 6, ALLF), 6);
	check_val("file-to-pipe-off-moved", off, 13);
	check_val("file-to-pipe-pos-kept", lseek(fd, 0, SEEK_CUR), 0);
	check("file-to-pipe-data",
	      drain(p[0], buf, sizeof(buf)) == 6 && !strcmp(buf, "splice"));
	check_val("file-to-pipe-eof", sp(fd, &off, p[1], NULL, 6, 0), 0);
	check_val("file-to-pipe-pos", sp(fd, NULL, p[1], NULL, 5, 0), 5);
	check_val("file-to-pipe-pos-moved", lseek(fd, 0, SEEK_CUR), 5);
	check_val("file-to-pipe-more", sp(fd, NULL, p[1], NULL, 100, 0), 8);
	/* Out of the pipe into the file, at an offset and at the position. */
	off = 20;
	check_val("pipe-to-file-off", sp(p[0], NULL, fd, &off, 5, 0), 5);
	check_val("pipe-to-file-off-moved", off, 25);
	check_val("pipe-to-file-pos-kept", lseek(fd, 0, SEEK_CUR), 13);
	check_val("pipe-to-file-pos", sp(p[0], NULL, fd, NULL, 100, 0), 8);
	check_val("pipe-to-file-pos-moved", lseek(fd, 0, SEEK_CUR), 21);
	memset(buf, 0, sizeof(buf));
	check_val("pipe-to-file-size", pread(fd, buf, sizeof(buf), 0), 25);
	check("pipe-to-file-data",
	      !memcmp(buf, "hello, splice, spliceello", 25));
	check_err("pipe-to-file-empty-nonblock",
		  sp(p[0], NULL, fd, NULL, 1, NB), EAGAIN);
	ap = open("data", O_WRONLY | O_APPEND);
	write(p[1], "x", 1);
	check_err("pipe-to-append", sp(p[0], NULL, ap, NULL, 1, 0), EINVAL);
	check_val("pipe-to-append-kept", drain(p[0], buf, sizeof(buf)), 1);
	close(ap);
	close(p[1]);
	check_val("pipe-to-file-no-writer", sp(p[0], NULL, fd, NULL, 1, 0), 0);
	close(p[0]);
	pipe(p);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	check_err("file-to-pipe-no-reader", sp(fd, &off, p[1], NULL, 1, 0),
		  EPIPE);
	close(p[1]);
	close(fd);
}

/* A 64 KiB file fills an empty pipe: the rest waits. */
/* Devices: /dev/zero into a pipe, the pipe into /dev/null. */
static void test_dev(void)
{
	int p[2], z = open("/dev/zero", O_RDONLY),
		  n = open("/dev/null", O_WRONLY);
	char buf[8];

	pipe(p);
	check_val("devzero-to-pipe", sp(z, NULL, p[1], NULL, 5, 0), 5);
	check_val("pipe-to-devnull", sp(p[0], NULL, n, NULL, 3, 0), 3);
	check("devzero-data", drain(p[0], buf, sizeof(buf)) == 2 && !buf[1]);
	close(z);
	close(n);
	close(p[0]);
	close(p[1]);
}

/* sendfile into a pipe is one splice: a pipe's worth, then EAGAIN. */
static void test_sendfile(void)
{
	static char big[100000];
	int p[2], fd = open("sf", O_RDWR | O_CREAT | O_TRUNC, 0600);
	off_t off = 0;

	write(fd, big, sizeof(big));
	pipe(p);
	check_val("sendfile-to-pipe", raw(sendfile(p[1], fd, &off, 100000)),
		  65536);
	check_val("sendfile-to-pipe-off", off, 65536);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	check_err("sendfile-to-full-pipe",
		  raw(sendfile(p[1], fd, &off, 100000)), EAGAIN);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void test_full(void)
{
	static char big[100000];
	int p[2], fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0600);
	loff_t off = 0;
	long total = 0, n;

	memset(big, 'b', sizeof(big));
	write(fd, big, sizeof(big));
	pipe(p);
	check_val("file-to-pipe-fills", sp(fd, &off, p[1], NULL, 100000, 0),
		  65536);
	check_err("file-to-full-pipe-nonblock", sp(fd, &off, p[1], NULL, 1, NB),
		  EAGAIN);
	while (total < 65536 && (n = read(p[0], big, sizeof(big))) > 0)
		total += n;
	check_val("file-to-pipe-drained", total, 65536);
	check_val("file-to-pipe-rest", sp(fd, &off, p[1], NULL, 100000, 0),
		  100000 - 65536);
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void test_pipe_pipe(void)
{
	int p[2], q[2];
	char buf[64];

	pipe(p);
	pipe(q);
	write(p[1], "abcdef", 6);
	check_val("pipe-to-pipe", sp(p[0], NULL, q[1], NULL, 4, 0), 4);
	check("pipe-to-pipe-data",
	      drain(q[0], buf, sizeof(buf)) == 4 && !strcmp(buf, "abcd"));
	check_val("pipe-to-pipe-rest", sp(p[0], NULL, q[1], NULL, 64, 0), 2);
	check_err("pipe-to-pipe-empty-nonblock",
		  sp(p[0], NULL, q[1], NULL, 64, NB), EAGAIN);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	check_err("pipe-to-pipe-o-nonblock", sp(p[0], NULL, q[1], NULL, 64, 0),
		  EAGAIN);
	check("pipe-to-pipe-rest-data",
	      drain(q[0], buf, sizeof(buf)) == 2 && !strcmp(buf, "ef"));
	close(q[0]);
	write(p[1], "z", 1);
	check_err("pipe-to-pipe-no-reader", sp(p[0], NULL, q[1], NULL, 1, 0),
		  EPIPE);
	close(p[1]);
	close(q[1]);
	pipe(q);
	check_val("pipe-to-pipe-kept", drain(p[0], buf, sizeof(buf)), 1);
	check_val("pipe-to-pipe-eof", sp(p[0], NULL, q[1], NULL, 1, 0), 0);
	close(p[0]);
	close(q[0]);
	close(q[1]);
}

static void test_socket(void)
{
	int p[2], s[2];
	char buf[64];
	loff_t off = 0;

	pipe(p);
	socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	write(p[1], "to the socket", 13);
	check_val("pipe-to-socket", sp(p[0], NULL, s[0], NULL, 100, 0), 13);
	check("pipe-to-socket-data", drain(s[1], buf, sizeof(buf)) == 13 &&
					 !strcmp(buf, "to the socket"));
	write(s[1], "from it", 7);
	check_val("socket-to-pipe", sp(s[0], NULL, p[1], NULL, 100, 0), 7);
	check("socket-to-pipe-data",
	      drain(p[0], buf, sizeof(buf)) == 7 && !strcmp(buf, "from it"));
	check_err("socket-to-pipe-nonblock", sp(s[0], NULL, p[1], NULL, 9, NB),
		  EAGAIN);
	check_err("socket-off", sp(s[0], &off, p[1], NULL, 9, NB), EINVAL);
	shutdown(s[1], SHUT_WR);
	check_val("socket-to-pipe-eof", sp(s[0], NULL, p[1], NULL, 9, 0), 0);
	close(s[0]);
	close(s[1]);
	close(p[0]);
	close(p[1]);
}

static void test_tee(void)
{
	int p[2], q[2], fd = make_file("tee", "x");
	char buf[64];

	pipe(p);
	pipe(q);
	check_val("tee-len0-badfd", raw(tee(-1, -1, 0, 0)), 0);
	check_err("tee-badflags", raw(tee(p[0], q[1], 1, 0x10)), EINVAL);
	check_err("tee-badfd", raw(tee(-1, q[1], 1, 0)), EBADF);
	check_err("tee-not-pipe", raw(tee(fd, q[1], 1, 0)), EINVAL);
	check_err("tee-same-pipe", raw(tee(p[0], p[1], 1, 0)), EINVAL);
	check_err("tee-wrong-ends", raw(tee(p[1], q[0], 1, 0)), EBADF);
	check_err("tee-empty-nonblock", raw(tee(p[0], q[1], 1, NB)), EAGAIN);
	fcntl(q[1], F_SETFL, O_NONBLOCK);
	check_err("tee-empty-o-nonblock", raw(tee(p[0], q[1], 1, 0)), EAGAIN);
	write(p[1], "duplicate", 9);
	check_val("tee", raw(tee(p[0], q[1], 100, 0)), 9);
	check_val("tee-short", raw(tee(p[0], q[1], 3, ALLF)), 3);
	check("tee-copy", drain(q[0], buf, sizeof(buf)) == 12 &&
			      !strcmp(buf, "duplicatedup"));
	check("tee-source-kept",
	      drain(p[0], buf, sizeof(buf)) == 9 && !strcmp(buf, "duplicate"));
	close(q[0]);
	write(p[1], "x", 1);
	check_err("tee-no-reader", raw(tee(p[0], q[1], 1, 0)), EPIPE);
	close(q[1]);
	pipe(q);
	close(p[1]);
	check_val("tee-no-writer", raw(tee(p[0], q[1], 1, 0)), 1);
	read(p[0], buf, 1);
	check_val("tee-eof", raw(tee(p[0], q[1], 1, 0)), 0);
	close(fd);
	close(p[0]);
	close(q[0]);
	close(q[1]);
}

static void test_vmsplice(void)
{
	char a[4] = "ab", b[8] = "cdefg", x[8], y[8];
	static char full[65536] __attribute__((aligned(4096)));
	struct iovec iov[2] = { { a, 2 }, { b, 5 } };
	int p[2], fd = make_file("vm", "x");

	pipe(p);
	check_val("vmsplice-to-pipe", raw(vmsplice(p[1], iov, 2, ALLF)), 7);
	memset(y, 0, sizeof(y));
	memset(x, 0, sizeof(x));
	iov[0] = (struct iovec){ x, 3 };
	iov[1] = (struct iovec){ y, 8 };
	check_val("vmsplice-from-pipe", raw(vmsplice(p[0], iov, 2, 0)), 7);
	check("vmsplice-data", !strcmp(x, "abc") && !strcmp(y, "defg"));
	check_err("vmsplice-from-empty", raw(vmsplice(p[0], iov, 2, NB)),
		  EAGAIN);
	check_val("vmsplice-none", raw(vmsplice(p[1], iov, 0, 0)), 0);
	check_val("vmsplice-none-file", raw(vmsplice(fd, iov, 0, 0)), 0);
	check_err("vmsplice-badflags", raw(vmsplice(p[1], iov, 1, 0x10)),
		  EINVAL);
	check_err("vmsplice-badfd", raw(vmsplice(-1, iov, 1, 0)), EBADF);
	check_err("vmsplice-not-pipe", raw(vmsplice(fd, iov, 1, 0)), EBADF);
	check_err("vmsplice-too-many", raw(vmsplice(p[1], iov, 1025, 0)),
		  EINVAL);
	check_err("vmsplice-bad-iov", raw(vmsplice(p[1], BADPTR, 1, 0)),
		  EFAULT);
	iov[0] = (struct iovec){ KPTR, 4 };
	check_err("vmsplice-kernel-buf", raw(vmsplice(p[1], iov, 1, 0)),
		  EFAULT);
	write(p[1], "data", 4);
	check_err("vmsplice-to-kernel-buf", raw(vmsplice(p[0], iov, 1, 0)),
		  EFAULT);
	check_val("vmsplice-fault-kept", read(p[0], x, 8), 4);
	memset(full, 'f', sizeof(full));
	iov[0] = (struct iovec){ full, sizeof(full) };
	check_val("vmsplice-fill", raw(vmsplice(p[1], iov, 1, 0)), 65536);
	check_err("vmsplice-full-nonblock", raw(vmsplice(p[1], iov, 1, NB)),
		  EAGAIN);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static int pw;

static void *late_writer(void *arg)
{
	(void)arg;
	usleep(100000);
	write(pw, "late", 4);
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_blocking(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int p[2], q[2], fd = make_file("block", "");
	pthread_t t;
	char buf[8];
	struct iovec iov = { buf, sizeof(buf) };

	pipe(p);
	pw = p[1];
	pthread_create(&t, NULL, late_writer, NULL);
	check_val("splice-waits-for-writer", sp(p[0], NULL, fd, NULL, 8, 0), 4);
	pthread_join(t, NULL);
	check_val("splice-waited-data", pread(fd, buf, 8, 0), 4);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	alarm_every(100);
	check_err("splice-eintr", sp(p[0], NULL, fd, NULL, 8, 0), EINTR);
	alarm_stop();
	pipe(q);
	alarm_every(100);
	check_err("tee-eintr", raw(tee(p[0], q[1], 8, 0)), EINTR);
	alarm_stop();
	alarm_every(100);
	check_err("pipe-to-pipe-eintr", sp(p[0], NULL, q[1], NULL, 8, 0),
		  EINTR);
	alarm_stop();
	alarm_every(100);
	check_err("vmsplice-eintr", raw(vmsplice(p[0], &iov, 1, 0)), EINTR);
	alarm_stop();
	/* vmsplice waits even on an O_NONBLOCK pipe. */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	alarm_every(100);
	check_err("vmsplice-ignores-o-nonblock",
		  raw(vmsplice(p[0], &iov, 1, 0)), EINTR);
	alarm_stop();
	close(q[0]);
	close(q[1]);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void test_remap(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	int fd = open("remap", O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *page = malloc(pg), *m, *pm;

	for (int i = 0; i < 3; i++) {
		memset(page, 'A' + i, pg);
		write(fd, page, pg);
	}
	m = mmap(NULL, 3 * pg, PROT_READ, MAP_SHARED, fd, 0);
	check("remap-mmap", m != MAP_FAILED && m[0] == 'A' && m[pg] == 'B');
	check_val("remap-same", raw(remap_file_pages(m, pg, 0, 0, 0)), 0);
	check_val("remap-page", raw(remap_file_pages(m + pg, pg, 0, 2, 0)), 0);
	check("remap-page-data",
	      m[0] == 'A' && m[pg] == 'C' && m[2 * pg] == 'C');
	check_val("remap-unaligned",
		  raw(remap_file_pages(m + 5, pg + 7, 0, 0, 0)), 0);
	check("remap-unaligned-data", m[0] == 'A' && m[pg] == 'C');
	check_val("remap-two",
		  raw(remap_file_pages(m + pg, 2 * pg, 0, 0, MAP_NONBLOCK)), 0);
	check("remap-two-data",
	      m[0] == 'A' && m[pg] == 'A' && m[2 * pg] == 'B');
	check_err("remap-prot", raw(remap_file_pages(m, pg, PROT_READ, 0, 0)),
		  EINVAL);
	check_err("remap-small", raw(remap_file_pages(m, pg - 1, 0, 0, 0)),
		  EINVAL);
	check_err("remap-past-end",
		  raw(remap_file_pages(m + pg, 3 * pg, 0, 0, 0)), EINVAL);
	check_err("remap-pgoff-wraps", raw(remap_file_pages(m, pg, 0, -1UL, 0)),
		  EINVAL);
	check_err("remap-unmapped",
		  raw(remap_file_pages((void *)(16 * pg), pg, 0, 0, 0)),
		  EINVAL);
	pm = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
	check_err("remap-private", raw(remap_file_pages(pm, pg, 0, 1, 0)),
		  EINVAL);
	munmap(pm, pg);
	pm = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	check_err("remap-anon-private", raw(remap_file_pages(pm, pg, 0, 0, 0)),
		  EINVAL);
	munmap(pm, pg);
	check_val("remap-munmap", raw(munmap(m, 3 * pg)), 0);
	/* The ljsyscall case: an empty file, one page. */
	ftruncate(fd, 0);
	m = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	check_val("remap-empty-file", raw(remap_file_pages(m, pg, 0, 0, 0)), 0);
	munmap(m, pg);
	free(page);
	close(fd);
}

int main(void)
{
	test_args();
	test_file();
	test_full();
	test_dev();
	test_sendfile();
	test_pipe_pipe();
	test_socket();
	test_tee();
	test_vmsplice();
	test_blocking();
	test_remap();
	printf("t_splice: %d failed\n", fails);
	return fails != 0;
}

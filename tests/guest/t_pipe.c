/*
 * t_pipe.c - pipes and devices (tests/guest): pipe/pipe2, data through a
 * pipe, O_NONBLOCK and EAGAIN, end of file and EPIPE, the capacity, and
 * /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom, with the
 * error paths. Whether stdout is a terminal differs between the host and
 * the guest, so it is not looked at. Run in the guest and on the host;
 * one line per check, the output must match.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"

static void test_pipe(void)
{
	char buf[4096], a[3], b[8];
	struct iovec iov[2];
	struct stat st;
	int p[2], q[2];
	long total = 0, r;

	check_val("pipe2", raw(pipe2(p, 0)), 0);
	check("pipe2-fds", p[0] >= 3 && p[1] == p[0] + 1);
	check("pipe-fstat-fifo", fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
	check_val("pipe-write", raw(write(p[1], "hello", 5)), 5);
	memset(buf, 0, sizeof(buf));
	check("pipe-read",
	      read(p[0], buf, sizeof(buf)) == 5 && !strcmp(buf, "hello"));
	check_val("pipe-getfl-rdonly", raw(fcntl(p[0], F_GETFL)) & O_ACCMODE,
		  O_RDONLY);
	check_val("pipe-getfl-wronly", raw(fcntl(p[1], F_GETFL)) & O_ACCMODE,
		  O_WRONLY);
	check_err("pipe-read-write-end", raw(read(p[1], buf, 1)), EBADF);
	check_err("pipe-write-read-end", raw(write(p[0], "x", 1)), EBADF);
	check_err("pipe-lseek-espipe", raw(lseek(p[0], 0, SEEK_SET)), ESPIPE);
	check_err("pipe-pread-espipe", raw(pread(p[0], buf, 1, 0)), ESPIPE);
	check_err("pipe-pwrite-espipe", raw(pwrite(p[1], "x", 1, 0)), ESPIPE);
	check_val("pipe-fd-not-cloexec", raw(fcntl(p[0], F_GETFD)), 0);
	iov[0] = (struct iovec){ "abc", 3 };
	iov[1] = (struct iovec){ "defgh", 5 };
	check_val("pipe-writev", raw(writev(p[1], iov, 2)), 8);
	iov[0] = (struct iovec){ a, sizeof(a) };
	iov[1] = (struct iovec){ b, sizeof(b) };
	check("pipe-readv", readv(p[0], iov, 2) == 8 && !memcmp(a, "abc", 3) &&
				!memcmp(b, "defgh", 5));
	check_val("fcntl-setfl-nonblock", raw(fcntl(p[0], F_SETFL, O_NONBLOCK)),
		  0);
	check_err("pipe-read-empty-eagain", raw(read(p[0], buf, 1)), EAGAIN);
	check_val("pipe-getpipe-sz", raw(fcntl(p[0], F_GETPIPE_SZ)), 65536);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	memset(buf, 'x', sizeof(buf));
	while ((r = write(p[1], buf, sizeof(buf))) > 0 && total < 1 << 20)
		total += r;
	check_val("pipe-full-eagain", raw(r), -EAGAIN);
	check_val("pipe-capacity", total, 65536);
	for (total = 0; (r = read(p[0], buf, sizeof(buf))) > 0;)
		total += r;
	check_val("pipe-drain", total, 65536);
	check_val("pipe-write-after-drain", raw(write(p[1], "z", 1)), 1);
	check_val("pipe-close-write", raw(close(p[1])), 0);
	check_val("pipe-read-rest", raw(read(p[0], buf, sizeof(buf))), 1);
	check_val("pipe-eof", raw(read(p[0], buf, sizeof(buf))), 0);
	close(p[0]);
	check_val("pipe-old", raw(syscall(SYS_pipe, q)), 0);
	close(q[0]);
	check_err("pipe-no-reader-epipe", raw(write(q[1], "x", 1)), EPIPE);
	close(q[1]);
	check_val("pipe2-cloexec-nonblock",
		  raw(pipe2(q, O_CLOEXEC | O_NONBLOCK)), 0);
	check_val("pipe2-cloexec-set", raw(fcntl(q[0], F_GETFD)), FD_CLOEXEC);
	check("pipe2-nonblock-set", fcntl(q[1], F_GETFL) & O_NONBLOCK);
	check_err("pipe2-nonblock-eagain", raw(read(q[0], buf, 1)), EAGAIN);
	p[0] = dup(q[1]);
	close(q[1]);
	write(p[0], "d", 1);
	close(p[0]);
	check_val("pipe-dup-keeps-writer", raw(read(q[0], buf, 2)), 1);
	check_val("pipe-eof-after-dup-closed", raw(read(q[0], buf, 2)), 0);
	close(q[0]);
	check_err("pipe2-bad-flags", raw(pipe2(q, O_APPEND)), EINVAL);
	check_err("pipe2-efault", raw(syscall(SYS_pipe2, BADPTR, 0)), EFAULT);
	check_err("pipe-efault", raw(syscall(SYS_pipe, KPTR)), EFAULT);
	check_err("fcntl-getpipe-sz-file",
		  raw(fcntl(open("/dev/null", O_RDONLY), F_GETPIPE_SZ)), EBADF);
}

static void check_dev(const char *path, unsigned maj, unsigned min)
{
	struct stat st;
	char what[64];

	snprintf(what, sizeof(what), "stat-%s", path);
	check(what, stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
			major(st.st_rdev) == maj && minor(st.st_rdev) == min);
}

static void test_devices(void)
{
	char buf[256];
	struct termios t;
	int fd, zeros;

	check_dev("/dev/null", 1, 3);
	check_dev("/dev/zero", 1, 5);
	check_dev("/dev/full", 1, 7);
	check_dev("/dev/random", 1, 8);
	check_dev("/dev/urandom", 1, 9);
	fd = open("/dev/null", O_RDWR);
	check_val("null-write", raw(write(fd, "abc", 3)), 3);
	check_val("null-read-eof", raw(read(fd, buf, sizeof(buf))), 0);
	check_val("null-lseek", raw(lseek(fd, 100, SEEK_SET)), 0);
	check_err("null-tcgets-enotty", raw(ioctl(fd, TCGETS, &t)), ENOTTY);
	check_val("null-read-badptr-eof", raw(syscall(SYS_read, fd, BADPTR, 8)),
		  0);
	close(fd);
	fd = open("/dev/zero", O_RDWR);
	memset(buf, 'x', sizeof(buf));
	check("zero-read", read(fd, buf, sizeof(buf)) == sizeof(buf) &&
			       buf[0] == 0 && buf[255] == 0);
	check_val("zero-write", raw(write(fd, "abc", 3)), 3);
	check_err("zero-read-efault", raw(syscall(SYS_read, fd, BADPTR, 8)),
		  EFAULT);
	close(fd);
	fd = open("/dev/full", O_RDWR);
	check_err("full-write-enospc", raw(write(fd, "abc", 3)), ENOSPC);
	memset(buf, 'x', sizeof(buf));
	check("full-read-zeros", read(fd, buf, 16) == 16 && buf[15] == 0);
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	check_val("urandom-read", raw(read(fd, buf, 64)), 64);
	zeros = 0;
	for (int i = 0; i < 64; i++)
		zeros += buf[i] == 0;
	check("urandom-not-zeros", zeros < 32);
	check_err("urandom-read-efault", raw(syscall(SYS_read, fd, KPTR, 8)),
		  EFAULT);
	close(fd);
	fd = open("/dev/random", O_RDONLY);
	check_val("random-read", raw(read(fd, buf, 16)), 16);
	close(fd);
	check_err("dev-enoent", raw(open("/dev/nonexistent", O_RDONLY)),
		  ENOENT);
	check_err("ioctl-bad-fd", raw(ioctl(99, TCGETS, &t)), EBADF);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	test_pipe();
	test_devices();
	printf("t_pipe: %d failed\n", fails);
	return fails != 0;
}

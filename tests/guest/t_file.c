/*
 * t_file.c - the file syscalls (tests/guest): open/openat and their flags,
 * read/write/pread/pwrite/readv/writev, lseek with holes, the stat family
 * (fields that do not depend on the host), truncate, the dup family and
 * fcntl; with the error paths (bad fd, bad pointer, bad flags, ENOENT,
 * EEXIST, ENOTDIR, EISDIR, ELOOP). Run in the guest and on the host, in
 * an empty working directory; one line per check, the output must match.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"

static void *noaccess; /* a PROT_NONE page */

static long fsize(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -errno : st.st_size;
}

static long psize(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -errno : st.st_size;
}

static void test_open(void)
{
	char name[300];
	int fd;

	check_err("open-enoent", raw(open("nope", O_RDONLY)), ENOENT);
	fd = open("f", O_CREAT | O_WRONLY, 0644);
	check("open-creat", fd >= 0);
	check_val("write-5", raw(write(fd, "hello", 5)), 5);
	close(fd);
	check_err("open-excl-eexist",
		  raw(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644)), EEXIST);
	fd = open("g", O_CREAT | O_EXCL | O_RDWR, 0600);
	check("open-excl-new", fd >= 0);
	close(fd);
	fd = open("f", O_RDWR | O_TRUNC);
	check_val("open-trunc-size", fsize(fd), 0);
	check_val("write-after-trunc", raw(write(fd, "0123456789", 10)), 10);
	close(fd);
	fd = open("f", O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	check_val("append-write", raw(write(fd, "ab", 2)), 2);
	check_val("append-offset", raw(lseek(fd, 0, SEEK_CUR)), 12);
	check_val("append-size", fsize(fd), 12);
	check_val("append-pwrite-ignores-offset",
		  raw(pwrite(fd, "cd", 2, 0)) == 2 ? fsize(fd) : -1, 14);
	close(fd);
	check_err("open-directory-enotdir",
		  raw(open("f", O_RDONLY | O_DIRECTORY)), ENOTDIR);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	check("open-directory-ok", fd >= 0);
	check_err("read-dir-eisdir", raw(read(fd, name, 10)), EISDIR);
	close(fd);
	check_err("open-dir-wronly-eisdir", raw(open(".", O_WRONLY)), EISDIR);
	check_err("open-dir-creat-eisdir",
		  raw(open(".", O_CREAT | O_RDWR, 0644)), EISDIR);
	check_err("open-file-slash-enotdir", raw(open("f/", O_RDONLY)),
		  ENOTDIR);
	check_err("open-through-file-enotdir", raw(open("f/x", O_RDONLY)),
		  ENOTDIR);
	check_err("open-creat-through-file-enotdir",
		  raw(open("f/x", O_CREAT | O_RDWR, 0644)), ENOTDIR);
	check_err("open-creat-missing-dir-enoent",
		  raw(open("nodir/x", O_CREAT | O_RDWR, 0644)), ENOENT);
	symlink("f", "lf");
	check_err("open-nofollow-eloop", raw(open("lf", O_RDONLY | O_NOFOLLOW)),
		  ELOOP);
	fd = open("lf", O_RDONLY);
	check_val("open-follows-symlink", fsize(fd), 14);
	close(fd);
	fd = open("lf", O_PATH | O_NOFOLLOW);
	check("open-path-nofollow-ok", fd >= 0);
	check_err("read-opath-ebadf", raw(read(fd, name, 1)), EBADF);
	close(fd);
	symlink("loop", "loop");
	check_err("open-symlink-loop-eloop", raw(open("loop", O_RDONLY)),
		  ELOOP);
	symlink("nowhere", "dangling");
	fd = open("dangling", O_CREAT | O_WRONLY, 0644);
	check("open-creat-through-dangling-creates",
	      fd >= 0 && access("nowhere", F_OK) == 0);
	close(fd);
	check_err("open-excl-dangling-eexist",
		  raw(open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644)),
		  EEXIST);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	check_err("open-name-too-long", raw(open(name, O_RDONLY)),
		  ENAMETOOLONG);
	check_err("open-efault", raw(syscall(SYS_open, BADPTR, O_RDONLY)),
		  EFAULT);
	check_err("open-efault-kernel", raw(syscall(SYS_open, KPTR, O_RDONLY)),
		  EFAULT);
	check_err("open-efault-protnone",
		  raw(syscall(SYS_open, noaccess, O_RDONLY)), EFAULT);
	check_err("open-empty-enoent", raw(open("", O_RDONLY)), ENOENT);
	check_err("open-running-program-etxtbsy",
		  raw(open("/proc/self/exe", O_WRONLY)), ETXTBSY);
	check_err("truncate-running-program-etxtbsy",
		  raw(truncate("/proc/self/exe", 0)), ETXTBSY);
	check_err("openat-bad-dirfd-ebadf", raw(openat(99, "f", O_RDONLY)),
		  EBADF);
	fd = open("f", O_RDONLY);
	check_err("openat-file-dirfd-enotdir", raw(openat(fd, "x", O_RDONLY)),
		  ENOTDIR);
	close(fd);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	check_val("openat-dirfd", fsize(openat(fd, "f", O_RDONLY)), 14);
	check("openat-absolute-ignores-dirfd",
	      openat(99, "/", O_RDONLY | O_DIRECTORY) >= 0);
	close(fd);
	fd = (int)syscall(SYS_creat, "c", 0644);
	check_val("creat-empty", fsize(fd), 0);
	check_err("creat-read-ebadf", raw(read(fd, name, 1)), EBADF);
	close(fd);
}

static void test_rw(void)
{
	char buf[64], a[4], b[8];
	struct iovec iov[3];
	int fd = open("rw", O_CREAT | O_RDWR | O_TRUNC, 0644), ro;

	check_val("write-10", raw(write(fd, "abcdefghij", 10)), 10);
	check_val("lseek-set", raw(lseek(fd, 2, SEEK_SET)), 2);
	memset(buf, 0, sizeof(buf));
	check("read-3", read(fd, buf, 3) == 3 && !memcmp(buf, "cde", 3));
	check_val("lseek-cur", raw(lseek(fd, 0, SEEK_CUR)), 5);
	check_val("read-short-at-end", raw(read(fd, buf, 64)), 5);
	check_val("read-eof", raw(read(fd, buf, 64)), 0);
	check_val("read-len-0", raw(read(fd, buf, 0)), 0);
	check("pread", pread(fd, buf, 4, 6) == 4 && !memcmp(buf, "ghij", 4));
	check_val("pread-past-end", raw(pread(fd, buf, 4, 100)), 0);
	check_val("pwrite", raw(pwrite(fd, "XY", 2, 1)), 2);
	check_val("pwrite-keeps-offset", raw(lseek(fd, 0, SEEK_CUR)), 10);
	check("pwrite-wrote",
	      pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "aXYd", 4));
	check_err("pread-negative-einval", raw(pread(fd, buf, 1, -1)), EINVAL);
	check_err("pwrite-negative-einval", raw(pwrite(fd, buf, 1, -5)),
		  EINVAL);
	check_val("lseek-end", raw(lseek(fd, 0, SEEK_END)), 10);
	check_val("lseek-end-minus", raw(lseek(fd, -3, SEEK_END)), 7);
	check_err("lseek-negative-einval", raw(lseek(fd, -100, SEEK_SET)),
		  EINVAL);
	check_err("lseek-whence-einval", raw(lseek(fd, 0, 99)), EINVAL);
	check_val("lseek-past-end", raw(lseek(fd, 100, SEEK_SET)), 100);
	check_val("write-after-hole", raw(write(fd, "Z", 1)), 1);
	check_val("hole-size", fsize(fd), 101);
	memset(buf, 'q', sizeof(buf));
	check("hole-reads-zeros",
	      pread(fd, buf, 20, 20) == 20 && buf[0] == 0 && buf[19] == 0);
	iov[0] = (struct iovec){ "12", 2 };
	iov[1] = (struct iovec){ "", 0 };
	iov[2] = (struct iovec){ "3456", 4 };
	lseek(fd, 0, SEEK_SET);
	check_val("writev", raw(writev(fd, iov, 3)), 6);
	lseek(fd, 0, SEEK_SET);
	iov[0] = (struct iovec){ a, sizeof(a) };
	iov[1] = (struct iovec){ b, sizeof(b) };
	check("readv", readv(fd, iov, 2) == 12 && !memcmp(a, "1234", 4) &&
			   !memcmp(b, "56ghij", 6) && b[6] == 0);
	check_err("readv-cnt-negative-einval",
		  raw(syscall(SYS_readv, fd, iov, -1)), EINVAL);
	check_err("readv-cnt-huge-einval",
		  raw(syscall(SYS_readv, fd, iov, 1025)), EINVAL);
	check_val("readv-cnt-0", raw(readv(fd, iov, 0)), 0);
	check_err("readv-iov-efault", raw(syscall(SYS_readv, fd, BADPTR, 1)),
		  EFAULT);
	iov[0] = (struct iovec){ BADPTR, 4 };
	lseek(fd, 0, SEEK_SET);
	check_err("readv-base-efault", raw(readv(fd, iov, 1)), EFAULT);
	iov[0] = (struct iovec){ KPTR, 4 };
	check_err("writev-base-efault", raw(writev(fd, iov, 1)), EFAULT);
	check_err("read-efault", raw(syscall(SYS_read, fd, BADPTR, 4)), EFAULT);
	check_err("read-kernel-efault", raw(syscall(SYS_read, fd, KPTR, 4)),
		  EFAULT);
	check_err("read-protnone-efault",
		  raw(syscall(SYS_read, fd, noaccess, 4)), EFAULT);
	check_err("write-efault", raw(syscall(SYS_write, fd, BADPTR, 4)),
		  EFAULT);
	check_err("write-kernel-efault", raw(syscall(SYS_write, fd, KPTR, 4)),
		  EFAULT);
	check_err("write-protnone-efault",
		  raw(syscall(SYS_write, fd, noaccess, 4)), EFAULT);
	check_err("pread-efault", raw(syscall(SYS_pread64, fd, BADPTR, 4, 0)),
		  EFAULT);
	check_err("read-bad-fd", raw(read(99, buf, 1)), EBADF);
	check_err("read-fd-minus1", raw(read(-1, buf, 1)), EBADF);
	check_err("write-bad-fd", raw(write(99, buf, 1)), EBADF);
	check_err("lseek-bad-fd", raw(lseek(99, 0, SEEK_SET)), EBADF);
	check_err("pwrite-bad-fd", raw(pwrite(99, buf, 1, 0)), EBADF);
	check_err("writev-bad-fd", raw(writev(99, iov, 1)), EBADF);
	ro = open("rw", O_RDONLY);
	check_err("write-rdonly-ebadf", raw(write(ro, "x", 1)), EBADF);
	check_err("ftruncate-rdonly-einval", raw(ftruncate(ro, 0)), EINVAL);
	close(ro);
	ro = open("rw", O_WRONLY);
	check_err("read-wronly-ebadf", raw(read(ro, buf, 1)), EBADF);
	close(ro);
	check_err("close-bad-fd", raw(close(99)), EBADF);
	check_val("fsync", raw(fsync(fd)), 0);
	check_val("fdatasync", raw(fdatasync(fd)), 0);
	check_err("fsync-bad-fd", raw(fsync(99)), EBADF);
	close(fd);
	check_err("close-twice-ebadf", raw(close(fd)), EBADF);
}

/* The bytes test_partial's file starts with. */
static char pat(long i)
{
	return (char)(i * 7 + i / 4093);
}

static int is_pat(const char *p, long n, long from)
{
	for (long j = 0; j < n; j++)
		if (p[j] != pat(from + j))
			return 0;
	return 1;
}

/*
 * A buffer that ends inside the range: read(2) and write(2) move the bytes
 * up to the first inaccessible one and return that count (EFAULT only
 * when it is 0), at odd offsets and sizes, across page boundaries.
 */
static void test_partial(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	static const long lens[] = { 1, 7, 100, 4096, 5000, 70000 };
	char name[64], *m = mmap(NULL, 20 * pg, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *end = m + 18 * pg; /* the two pages from here: PROT_NONE */
	int fd = open("partial", O_CREAT | O_RDWR | O_TRUNC, 0644);

	for (long i = 0; i < 18 * pg; i++)
		m[i] = pat(i);
	check_val("partial-setup", raw(write(fd, m, 18 * pg)), 18 * pg);
	mprotect(end, 2 * pg, PROT_NONE);
	for (unsigned k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		long room = lens[k] / 2 + 1,
		     want = room < lens[k] ? room : lens[k];
		char *at = end - room;

		memset(at, 0, (size_t)room);
		snprintf(name, sizeof(name), "partial-read-%ld", lens[k]);
		check_val(name, raw(pread(fd, at, lens[k], 3)), want);
		snprintf(name, sizeof(name), "partial-read-bytes-%ld", lens[k]);
		check(name, is_pat(at, want, 3));
		memset(at, 'w', (size_t)want);
		snprintf(name, sizeof(name), "partial-write-%ld", lens[k]);
		check_val(name, raw(pwrite(fd, at, lens[k], 9 * pg + 11)),
			  want);
		snprintf(name, sizeof(name), "partial-write-bytes-%ld",
			 lens[k]);
		check(name,
		      pread(fd, m, (size_t)want + 1, 9 * pg + 11) == want + 1 &&
			  m[0] == 'w' && m[want - 1] == 'w' &&
			  m[want] == pat(9 * pg + 11 + want));
	}
	check_err("partial-read-none-efault", raw(pread(fd, end, 10, 0)),
		  EFAULT);
	check_err("partial-write-none-efault", raw(pwrite(fd, end + 1, 10, 0)),
		  EFAULT);
	check_val("partial-size-kept", fsize(fd), 18 * pg);
	close(fd);
	munmap(m, 20 * pg);
}

static void test_stat(void)
{
	struct stat st;
	struct statx sx;
	int fd;

	umask(022);
	fd = open("s", O_CREAT | O_RDWR | O_TRUNC, 0666);
	write(fd, "1234567", 7);
	check("fstat-reg", fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
	check_val("fstat-size", st.st_size, 7);
	check_val("fstat-perm-umask", st.st_mode & 07777, 0644);
	check_val("fstat-nlink", (long)st.st_nlink, 1);
	check_err("fstat-bad-fd", raw(fstat(99, &st)), EBADF);
	check_err("fstat-efault", raw(syscall(SYS_fstat, fd, BADPTR)), EFAULT);
	check("stat-dir", stat(".", &st) == 0 && S_ISDIR(st.st_mode));
	check_val("stat-file-size", stat("s", &st) ? -errno : st.st_size, 7);
	symlink("s", "ls");
	check("lstat-link", lstat("ls", &st) == 0 && S_ISLNK(st.st_mode));
	check_val("lstat-link-size", st.st_size, 1);
	check("stat-follows",
	      stat("ls", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 7);
	check_err("stat-enoent", raw(stat("nope", &st)), ENOENT);
	check_err("stat-enotdir", raw(stat("s/x", &st)), ENOTDIR);
	check_err("stat-path-efault", raw(syscall(SYS_stat, BADPTR, &st)),
		  EFAULT);
	check_err("stat-buf-efault", raw(syscall(SYS_stat, "s", KPTR)), EFAULT);
	check_err("lstat-buf-efault", raw(syscall(SYS_lstat, "s", noaccess)),
		  EFAULT);
	check("fstatat-nofollow",
	      fstatat(AT_FDCWD, "ls", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		  S_ISLNK(st.st_mode));
	check("fstatat-empty-path", fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 &&
					S_ISREG(st.st_mode) && st.st_size == 7);
	check_err("fstatat-empty-enoent", raw(fstatat(fd, "", &st, 0)), ENOENT);
	check_err("fstatat-bad-flags", raw(fstatat(AT_FDCWD, "s", &st, 0x4)),
		  EINVAL);
	check_err("fstatat-bad-dirfd", raw(fstatat(99, "s", &st, 0)), EBADF);
	memset(&sx, 0, sizeof(sx));
	check("statx", statx(AT_FDCWD, "s", 0, STATX_BASIC_STATS, &sx) == 0 &&
			   (sx.stx_mask & STATX_SIZE) && S_ISREG(sx.stx_mode));
	check_val("statx-size", (long)sx.stx_size, 7);
	check_val("statx-nlink", sx.stx_nlink, 1);
	check_val("statx-perm", sx.stx_mode & 07777, 0644);
	check("statx-nofollow", statx(AT_FDCWD, "ls", AT_SYMLINK_NOFOLLOW,
				      STATX_BASIC_STATS, &sx) == 0 &&
				    S_ISLNK(sx.stx_mode));
	check("statx-empty-path",
	      statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx) == 0 &&
		  sx.stx_size == 7);
	check_err("statx-bad-flags",
		  raw(statx(AT_FDCWD, "s", 0x4, STATX_BASIC_STATS, &sx)),
		  EINVAL);
	check_err("statx-reserved-mask",
		  raw(statx(AT_FDCWD, "s", 0, 0x80000000U, &sx)), EINVAL);
	check_err("statx-efault",
		  raw(syscall(SYS_statx, AT_FDCWD, "s", 0, STATX_BASIC_STATS,
			      BADPTR)),
		  EFAULT);
	check_err("statx-enoent",
		  raw(statx(AT_FDCWD, "nope", 0, STATX_BASIC_STATS, &sx)),
		  ENOENT);
	close(fd);
}

static void test_truncate(void)
{
	char buf[16];
	int fd = open("t", O_CREAT | O_RDWR | O_TRUNC, 0644);

	write(fd, "abcdef", 6);
	check_val("ftruncate-grow", raw(ftruncate(fd, 4096 * 3 + 5)), 0);
	check_val("ftruncate-grow-size", fsize(fd), 4096 * 3 + 5);
	memset(buf, 'q', sizeof(buf));
	check("ftruncate-grow-zeros",
	      pread(fd, buf, 8, 4) == 8 && !memcmp(buf, "ef\0\0\0\0\0\0", 8));
	check_val("ftruncate-shrink", raw(ftruncate(fd, 3)), 0);
	check_val("ftruncate-shrink-read", raw(pread(fd, buf, 16, 0)), 3);
	check_val("ftruncate-regrow", raw(ftruncate(fd, 6)), 0);
	check("ftruncate-regrow-zeros",
	      pread(fd, buf, 6, 0) == 6 && !memcmp(buf, "abc\0\0\0", 6));
	check_err("ftruncate-negative", raw(ftruncate(fd, -1)), EINVAL);
	check_err("ftruncate-bad-fd", raw(ftruncate(99, 0)), EBADF);
	close(fd);
	check_val("truncate", raw(truncate("t", 10)), 0);
	check_val("truncate-size", psize("t"), 10);
	check_err("truncate-dir-eisdir", raw(truncate(".", 0)), EISDIR);
	check_err("truncate-enoent", raw(truncate("nope", 0)), ENOENT);
	check_err("truncate-negative", raw(truncate("t", -1)), EINVAL);
	check_err("truncate-efault", raw(syscall(SYS_truncate, BADPTR, 0)),
		  EFAULT);
	fd = open(".", O_RDONLY);
	check_err("ftruncate-dir", raw(ftruncate(fd, 0)), EINVAL);
	close(fd);
}

static void test_dup(void)
{
	char buf[8];
	int fd = open("d", O_CREAT | O_RDWR | O_TRUNC, 0644), d, e;

	d = dup(fd);
	check("dup", d > fd);
	write(fd, "abc", 3);
	check_val("dup-shares-offset", raw(lseek(d, 0, SEEK_CUR)), 3);
	check_val("dup-fd-not-cloexec", raw(fcntl(d, F_GETFD)), 0);
	check_val("dup2", raw(dup2(fd, 40)), 40);
	check_val("dup2-same", raw(dup2(fd, fd)), fd);
	check_err("dup2-same-bad", raw(dup2(99, 99)), EBADF);
	check_err("dup2-bad-old", raw(dup2(99, 41)), EBADF);
	check_err("dup2-bad-new", raw(dup2(fd, -1)), EBADF);
	check_err("dup2-new-too-big", raw(dup2(fd, 1 << 20)), EBADF);
	check_err("dup-bad", raw(dup(99)), EBADF);
	check_val("dup3-cloexec", raw(dup3(fd, 41, O_CLOEXEC)), 41);
	check_val("dup3-cloexec-set", raw(fcntl(41, F_GETFD)), FD_CLOEXEC);
	check_err("dup3-same-einval", raw(dup3(fd, fd, 0)), EINVAL);
	check_err("dup3-flags-einval", raw(dup3(fd, 42, O_APPEND)), EINVAL);
	e = fcntl(fd, F_DUPFD_CLOEXEC, 50);
	check_val("fcntl-dupfd-cloexec-min", e, 50);
	check_val("fcntl-dupfd-cloexec-flag", raw(fcntl(e, F_GETFD)),
		  FD_CLOEXEC);
	check_val("fcntl-dupfd", raw(fcntl(fd, F_DUPFD, 50)), 51);
	check_err("fcntl-dupfd-negative", raw(fcntl(fd, F_DUPFD, -1)), EINVAL);
	check_val("fcntl-setfd", raw(fcntl(e, F_SETFD, 0)), 0);
	check_val("fcntl-setfd-read", raw(fcntl(e, F_GETFD)), 0);
	check_val("fcntl-getfl-rdwr", raw(fcntl(fd, F_GETFL)) & O_ACCMODE,
		  O_RDWR);
	check_val("fcntl-setfl-append", raw(fcntl(fd, F_SETFL, O_APPEND)), 0);
	check("fcntl-getfl-append", fcntl(d, F_GETFL) & O_APPEND);
	lseek(fd, 0, SEEK_SET);
	write(fd, "de", 2);
	check_val("fcntl-append-writes-at-end", fsize(fd), 5);
	check("fcntl-setfl-keeps-access",
	      fcntl(fd, F_SETFL, O_RDONLY) == 0 &&
		  (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR &&
		  !(fcntl(fd, F_GETFL) & O_APPEND));
	lseek(fd, 0, SEEK_SET);
	write(fd, "X", 1);
	check("fcntl-append-cleared",
	      pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "Xbcde", 5));
	check_err("fcntl-bad-cmd", raw(fcntl(fd, 9999)), EINVAL);
	check_err("fcntl-bad-fd", raw(fcntl(99, F_GETFD)), EBADF);
	check_err("fcntl-getlk-efault",
		  raw(syscall(SYS_fcntl, fd, F_GETLK, BADPTR)), EFAULT);
	close(d);
	check_val("dup-lowest", raw(dup(fd)), d);
	close(d);
	close(40);
	close(41);
	close(50);
	close(51);
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	noaccess =
	    mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mkdir("t_file.d", 0755) || chdir("t_file.d")) {
		printf("FAIL setup: cannot make t_file.d: %s\n",
		       strerrorname_np(errno));
		return 1;
	}
	test_open();
	test_rw();
	test_partial();
	test_stat();
	test_truncate();
	test_dup();
	printf("t_file: %d failed\n", fails);
	return fails != 0;
}

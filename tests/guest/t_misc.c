/*
 * t_misc.c - the small system calls (tests/guest): credentials and
 * capabilities, scheduling and nice values, process group and session,
 * resource limits (RLIMIT_NOFILE enforced), mlock and msync, memfd,
 * flock, preadv/pwritev, the sync family, FIFOs and device nodes,
 * extended attributes, prctl, syslog, adjtimex and the clock setters'
 * error paths, chroot, the host and domain names, and the /proc and
 * /dev/shm files programs look for. Run in
 * the guest and on the host as root (in an empty temporary directory);
 * one line per check, the output must match. Nothing here changes the
 * host for good: the clock is only set with invalid values, ids are
 * dropped only at the very end, in this process; chroot and the names
 * are changed in a child (the names in its own UTS namespace on Linux).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static long sc(long nr, long a, long b, long c, long d)
{
	return raw(syscall(nr, a, b, c, d));
}

static void test_ids(void)
{
	gid_t og[64], g[64], want[] = { 0, 1, 66, 77, 5 };
	unsigned r, e, s;
	int n = getgroups(64, og);

	check("getgroups-count", n >= 0 && getgroups(0, NULL) == n);
	check_val("setgroups", raw(setgroups(5, want)), 0);
	check("getgroups-sorted",
	      getgroups(64, g) == 5 && g[2] == 5 && g[4] == 77);
	check_err("getgroups-too-small", raw(getgroups(2, g)), EINVAL);
	check_err("setgroups-negative", sc(SYS_setgroups, -1, 0, 0, 0), EINVAL);
	check_val("setgroups-restore", raw(setgroups((size_t)n, og)), 0);

	check_val("setresgid", raw(setresgid(0, 33, 44)), 0);
	check("getresgid-as-set",
	      getresgid(&r, &e, &s) == 0 && r == 0 && e == 33 && s == 44);
	check("getegid-as-set", getegid() == 33 && getgid() == 0);
	check_val("setresgid-back", raw(setresgid(0, 0, 0)), 0);
	check_val("setregid-same", raw(setregid(getegid(), getgid())), 0);
	check_val("setgid-same", raw(setgid(getgid())), 0);
	check_err("setgid-minus-one", sc(SYS_setgid, -1, 0, 0, 0), EINVAL);
	check_err("setuid-minus-one", sc(SYS_setuid, -1, 0, 0, 0), EINVAL);
	check_val("setresuid-unchanged", raw(setresuid(-1, -1, -1)), 0);
	check_val("setreuid-unchanged", raw(setreuid(-1, -1)), 0);
	check_val("setfsuid-returns-old", sc(SYS_setfsuid, 0, 0, 0, 0), 0);
	check_val("setfsgid-query", sc(SYS_setfsgid, -1, 0, 0, 0), 0);
	check_val("seteuid-same", raw(seteuid(geteuid())), 0);
	check_val("setegid-66", raw(setegid(66)), 0);
	check("getegid-66", getegid() == 66);
	check_val("setegid-back", raw(setegid(0)), 0);
}

static void test_caps(void)
{
	struct __user_cap_header_struct h = { 0, 0 };
	struct __user_cap_data_struct d[2];

	check_val("capget-version-query", sc(SYS_capget, (long)&h, 0, 0, 0), 0);
	check("capget-version-is-3", h.version == _LINUX_CAPABILITY_VERSION_3);
	h.version = 0x12345678;
	check_err("capget-bad-version", sc(SYS_capget, (long)&h, (long)d, 0, 0),
		  EINVAL);
	h.version = _LINUX_CAPABILITY_VERSION_3;
	check_val("capget", sc(SYS_capget, (long)&h, (long)d, 0, 0), 0);
	check("root-has-setuid-setgid", (d[0].effective & 0xc0) == 0xc0 &&
					    (d[0].permitted & 0xc0) == 0xc0);
	h.pid = 99999999;
	check_err("capget-no-such-pid", sc(SYS_capget, (long)&h, (long)d, 0, 0),
		  ESRCH);
	h.pid = 0;
	check_val("capset-same", sc(SYS_capset, (long)&h, (long)d, 0, 0), 0);
}

static void test_sched(void)
{
	struct sched_param p = { 0 };
	struct timespec ts;
	cpu_set_t set, none;
	unsigned cpu = 99;

	check_val("sched-getscheduler", raw(sched_getscheduler(0)),
		  SCHED_OTHER);
	check_val("sched-setscheduler-other",
		  raw(sched_setscheduler(0, SCHED_OTHER, &p)), 0);
	check_val("sched-setscheduler-idle",
		  raw(sched_setscheduler(0, SCHED_IDLE, &p)), 0);
	check_val("sched-getscheduler-idle", raw(sched_getscheduler(0)),
		  SCHED_IDLE);
	check_val("sched-setscheduler-back",
		  raw(sched_setscheduler(0, SCHED_OTHER, &p)), 0);
	p.sched_priority = 5;
	check_err("sched-setscheduler-prio-for-other",
		  raw(sched_setscheduler(0, SCHED_OTHER, &p)), EINVAL);
	check_err("sched-setscheduler-bad-policy",
		  sc(SYS_sched_setscheduler, 0, 99, (long)&p, 0), EINVAL);
	check_err("sched-setscheduler-null",
		  sc(SYS_sched_setscheduler, 0, 0, 0, 0), EINVAL);
	check_err("sched-setscheduler-no-pid",
		  sc(SYS_sched_setscheduler, 99999999, 0, (long)&p, 0), ESRCH);
	check_err("sched-setparam-prio-for-other", raw(sched_setparam(0, &p)),
		  EINVAL);
	check("sched-getparam",
	      sched_getparam(0, &p) == 0 && p.sched_priority == 0);
	check_val("prio-min-fifo", raw(sched_get_priority_min(SCHED_FIFO)), 1);
	check_val("prio-max-fifo", raw(sched_get_priority_max(SCHED_FIFO)), 99);
	check_val("prio-max-other", raw(sched_get_priority_max(SCHED_OTHER)),
		  0);
	check_err("prio-max-bad", raw(sched_get_priority_max(42)), EINVAL);
	check_val("sched-rr-get-interval", raw(sched_rr_get_interval(0, &ts)),
		  0);
	check_err("sched-rr-get-interval-no-pid",
		  raw(sched_rr_get_interval(99999999, &ts)), ESRCH);
	sched_getaffinity(0, sizeof(set), &set);
	check_val("sched-setaffinity-same",
		  raw(sched_setaffinity(0, sizeof(set), &set)), 0);
	CPU_ZERO(&none);
	check_err("sched-setaffinity-empty",
		  raw(sched_setaffinity(0, sizeof(none), &none)), EINVAL);
	check("getcpu", sc(SYS_getcpu, (long)&cpu, 0, 0, 0) == 0 && cpu < 99);

	int old = 20 - (int)syscall(SYS_getpriority, PRIO_PROCESS, 0);

	check_val("setpriority-5", raw(setpriority(PRIO_PROCESS, 0, 5)), 0);
	check_val("getpriority-raw-15",
		  sc(SYS_getpriority, PRIO_PROCESS, 0, 0, 0), 15);
	check_val("setpriority-clamped", raw(setpriority(PRIO_PROCESS, 0, 100)),
		  0);
	check_val("getpriority-19", raw(getpriority(PRIO_PROCESS, 0)), 19);
	check_err("setpriority-bad-which", raw(setpriority(99, 0, 0)), EINVAL);
	check_err("getpriority-no-pid",
		  sc(SYS_getpriority, PRIO_PROCESS, 99999999, 0, 0), ESRCH);
	check_val("setpriority-restore", raw(setpriority(PRIO_PROCESS, 0, old)),
		  0);
}

static void test_groups_sessions(void)
{
	check("getpgid-is-getpgrp", getpgid(0) == getpgrp());
	check("getsid-positive", getsid(0) > 0);
	check_err("getpgid-no-pid", raw(getpgid(99999999)), ESRCH);
	check_err("getsid-no-pid", raw(getsid(99999999)), ESRCH);
	check_err("setpgid-negative", raw(setpgid(-1, 0)), EINVAL);
}

static void test_limits(void)
{
	struct rlimit r, z, st;
	int fd;

	check_val("getrlimit-nofile", raw(getrlimit(RLIMIT_NOFILE, &r)), 0);
	z.rlim_cur = 0;
	z.rlim_max = r.rlim_max;
	check_val("setrlimit-nofile-0", raw(setrlimit(RLIMIT_NOFILE, &z)), 0);
	check_err("open-over-rlimit", raw(open("/dev/zero", O_RDONLY)), EMFILE);
	check_err("dup-over-rlimit", raw(dup(0)), EMFILE);
	z.rlim_cur = 3;
	setrlimit(RLIMIT_NOFILE, &z);
	check_err("dup2-over-rlimit", raw(dup2(0, 5)), EBADF);
	check_err("f-dupfd-over-rlimit", raw(fcntl(0, F_DUPFD, 10)), EINVAL);
	check_val("setrlimit-nofile-restore", raw(setrlimit(RLIMIT_NOFILE, &r)),
		  0);
	fd = open("/dev/zero", O_RDONLY);
	check("open-after-restore", fd >= 0);
	close(fd);
	z.rlim_cur = 10;
	z.rlim_max = 5;
	check_err("setrlimit-cur-over-max", raw(setrlimit(RLIMIT_NOFILE, &z)),
		  EINVAL);
	check_err("setrlimit-bad-resource",
		  sc(SYS_setrlimit, 99, (long)&r, 0, 0), EINVAL);
	check_err("setrlimit-efault", sc(SYS_setrlimit, RLIMIT_NOFILE, 1, 0, 0),
		  EFAULT);
	check_err("prlimit-no-pid",
		  sc(SYS_prlimit64, 99999999, RLIMIT_NOFILE, 0, (long)&z),
		  ESRCH);
	check("getrlimit-stack",
	      getrlimit(RLIMIT_STACK, &st) == 0 && st.rlim_cur > 0);
}

static void test_memory(void)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check_val("mlock", raw(mlock(p, 8192)), 0);
	check_val("mlock-unaligned", raw(mlock(p + 1, 100)), 0);
	check_val("munlock", raw(munlock(p, 8192)), 0);
	check_val("mlock2", sc(SYS_mlock2, (long)p, 4096, 0, 0), 0);
	check_err("mlock2-bad-flags", sc(SYS_mlock2, (long)p, 4096, 2, 0),
		  EINVAL);
	check_val("msync", raw(msync(p, 4096, MS_SYNC)), 0);
	check_err("msync-unaligned", raw(msync(p + 1, 4096, MS_SYNC)), EINVAL);
	check_err("msync-sync-and-async",
		  raw(msync(p, 4096, MS_SYNC | MS_ASYNC)), EINVAL);
	check_err("msync-bad-flags", raw(msync(p, 4096, 64)), EINVAL);
	munmap(p + 4096, 4096);
	check_err("mlock-unmapped", raw(mlock(p, 8192)), ENOMEM);
	check_err("msync-unmapped", raw(msync(p, 8192, MS_ASYNC)), ENOMEM);
	check_err("mlockall-zero", raw(mlockall(0)), EINVAL);
	check_err("mlockall-onfault-only", raw(mlockall(MCL_ONFAULT)), EINVAL);
	check_val("mlockall-current", raw(mlockall(MCL_CURRENT)), 0);
	check_val("munlockall", raw(munlockall()), 0);
	munmap(p, 4096);
}

static void test_memfd(void)
{
	char name[300], buf[64];
	struct stat st;
	int fd = (int)sc(SYS_memfd_create, (long)"test", MFD_CLOEXEC, 0, 0);
	ssize_t n;

	check("memfd-create", fd >= 0);
	check_val("memfd-write", raw(write(fd, "hello", 5)), 5);
	check("memfd-pread",
	      pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "hello", 5));
	check("memfd-size", fstat(fd, &st) == 0 && st.st_size == 5 &&
				S_ISREG(st.st_mode) && st.st_nlink == 0);
	check_val("memfd-cloexec", raw(fcntl(fd, F_GETFD)), FD_CLOEXEC);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	n = readlink(name, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("memfd-link %s\n", buf);
	close(fd);
	check_err("memfd-bad-flags",
		  sc(SYS_memfd_create, (long)"x", 0x100, 0, 0), EINVAL);
	memset(name, 'n', 260);
	name[260] = '\0';
	check_err("memfd-long-name", sc(SYS_memfd_create, (long)name, 0, 0, 0),
		  EINVAL);
}

static void test_flock(void)
{
	int a = open("lockfile", O_RDWR | O_CREAT, 0600);
	int b = open("lockfile", O_RDWR);
	int c = dup(a);

	check_val("flock-sh", raw(flock(a, LOCK_SH)), 0);
	check_val("flock-sh-second", raw(flock(b, LOCK_SH | LOCK_NB)), 0);
	check_err("flock-ex-conflict", raw(flock(b, LOCK_EX | LOCK_NB)),
		  EWOULDBLOCK);
	/* The failed conversion dropped b's shared lock first. */
	check_val("flock-ex-after-drop", raw(flock(a, LOCK_EX | LOCK_NB)), 0);
	check_err("flock-sh-conflict", raw(flock(b, LOCK_SH | LOCK_NB)),
		  EWOULDBLOCK);
	check_val("flock-un-by-dup", raw(flock(c, LOCK_UN)), 0);
	check_val("flock-ex-other", raw(flock(b, LOCK_EX | LOCK_NB)), 0);
	close(b);
	check_val("flock-after-close", raw(flock(a, LOCK_EX | LOCK_NB)), 0);
	check_err("flock-bad-op", raw(flock(a, 0)), EINVAL);
	check_err("flock-ebadf", raw(flock(-1, LOCK_SH)), EBADF);
	close(a);
	close(c);
	unlink("lockfile");
}

static void test_vectors(void)
{
	struct iovec w[3] = { { "test", 4 }, { "ing", 3 }, { "writev", 6 } };
	char b1[6], b2[4], b3[3], b4[4];
	struct iovec r[3] = { { b1, 6 }, { b2, 4 }, { b3, 3 } };
	struct iovec r2[1] = { { b4, 4 } };
	int fd = open("vec", O_RDWR | O_CREAT, 0600), p[2];

	check_val("pwritev", raw(pwritev(fd, w, 3, 10)), 13);
	check_val("preadv", raw(preadv(fd, r, 3, 10)), 13);
	check("preadv-data", !memcmp(b1, "testin", 6) &&
				 !memcmp(b2, "gwri", 4) &&
				 !memcmp(b3, "tev", 3));
	check_val("pwritev-keeps-offset", raw(lseek(fd, 0, SEEK_CUR)), 0);
	check_err("pwritev-negative", raw(pwritev(fd, w, 3, -1)), EINVAL);
	lseek(fd, 10, SEEK_SET);
	check_val("preadv2-current", raw(preadv2(fd, r2, 1, -1, 0)), 4);
	check_val("preadv2-advanced", raw(lseek(fd, 0, SEEK_CUR)), 14);
	check_val("pwritev2-at", raw(pwritev2(fd, w, 1, 0, RWF_DSYNC)), 4);
	check_err("preadv2-bad-flags", raw(preadv2(fd, r2, 1, 0, 0x100000)),
		  EOPNOTSUPP);
	pipe(p);
	check_err("preadv-pipe", raw(preadv(p[0], r2, 1, 0)), ESPIPE);

	sync();
	check_val("syncfs", sc(SYS_syncfs, fd, 0, 0, 0), 0);
	check_err("syncfs-ebadf", sc(SYS_syncfs, -1, 0, 0, 0), EBADF);
	check_val("fadvise", sc(SYS_fadvise64, fd, 0, 0, POSIX_FADV_RANDOM), 0);
	check_err("fadvise-bad", sc(SYS_fadvise64, fd, 0, 0, 99), EINVAL);
	check_err("fadvise-pipe", sc(SYS_fadvise64, p[0], 0, 0, 0), ESPIPE);
	check_val("readahead", sc(SYS_readahead, fd, 0, 4096, 0), 0);
	check_err("readahead-pipe", sc(SYS_readahead, p[0], 0, 4096, 0),
		  EINVAL);
	check_val("sync-file-range", sc(SYS_sync_file_range, fd, 0, 4096, 7),
		  0);
	check_err("sync-file-range-flags", sc(SYS_sync_file_range, fd, 0, 0, 8),
		  EINVAL);
	check_err("sync-file-range-negative",
		  sc(SYS_sync_file_range, fd, -1, 0, 0), EINVAL);
	check_err("sync-file-range-pipe",
		  sc(SYS_sync_file_range, p[0], 0, 0, 0), ESPIPE);
	close(p[0]);
	close(p[1]);
	close(fd);
	unlink("vec");
}

static void *fifo_writer(void *arg)
{
	int fd = open("fifo", O_WRONLY); /* waits for the reader */

	(void)arg;
	write(fd, "x", 1);
	close(fd);
	return NULL;
}

static void test_nodes(void)
{
	struct stat st;
	char buf[8] = "abc";
	pthread_t t;
	int r, w;

	check_val("mkfifo", raw(mkfifo("fifo", 0600)), 0);
	check("fifo-is-fifo", stat("fifo", &st) == 0 && S_ISFIFO(st.st_mode));
	check_err("mkfifo-exists", raw(mkfifo("fifo", 0600)), EEXIST);
	check_err("fifo-writer-no-reader",
		  raw(open("fifo", O_WRONLY | O_NONBLOCK)), ENXIO);
	r = open("fifo", O_RDONLY | O_NONBLOCK);
	check("fifo-reader-nonblock", r >= 0);
	check_val("fifo-empty-eof", raw(read(r, buf, 8)), 0);
	w = open("fifo", O_WRONLY | O_NONBLOCK);
	check("fifo-writer", w >= 0);
	check_val("fifo-write", raw(write(w, "hi", 2)), 2);
	check("fifo-read", read(r, buf, 8) == 2 && !memcmp(buf, "hi", 2));
	check_err("fifo-empty-again", raw(read(r, buf, 8)), EAGAIN);
	close(w);
	close(r);
	r = open("fifo", O_RDWR);
	check("fifo-rdwr", r >= 0);
	close(r);
	pthread_create(&t, NULL, fifo_writer, NULL);
	r = open("fifo", O_RDONLY); /* waits for the writer */
	check("fifo-rendezvous",
	      r >= 0 && read(r, buf, 8) == 1 && buf[0] == 'x');
	pthread_join(t, NULL);
	check_val("fifo-eof-after-writer", raw(read(r, buf, 8)), 0);
	close(r);
	unlink("fifo");

	check_val("mknodat-fifo",
		  raw(mknodat(AT_FDCWD, "fifo2", S_IFIFO | 0600, 0)), 0);
	unlink("fifo2");
	check_val("mknod-reg", raw(mknod("reg", 0600, 0)), 0);
	check("mknod-reg-is-reg", stat("reg", &st) == 0 && S_ISREG(st.st_mode));
	unlink("reg");
	check_err("mknod-dir", raw(mknod("dir", S_IFDIR | 0700, 0)), EPERM);
	check_err("mknod-bad-type", raw(mknod("bad", 0170000 | 0600, 0)),
		  EINVAL);
	check_val("mknod-null",
		  raw(mknod("null", S_IFCHR | 0666, makedev(1, 3))), 0);
	check("mknod-null-rdev",
	      stat("null", &st) == 0 && S_ISCHR(st.st_mode) &&
		  major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
	w = open("null", O_RDWR);
	check("null-node-works",
	      write(w, "abc", 3) == 3 && read(w, buf, 8) == 0);
	close(w);
	unlink("null");
	mknod("zero", S_IFCHR | 0666, makedev(1, 5));
	w = open("zero", O_RDONLY);
	check("zero-node-works", read(w, buf, 4) == 4 && !buf[0] && !buf[3]);
	close(w);
	unlink("zero");
}

static void test_xattrs(void)
{
	char big[65537], name[300], buf[64];
	int fd = open("xfile", O_RDWR | O_CREAT, 0600);

	check_val("listxattr-empty", raw(listxattr("xfile", NULL, 0)), 0);
	check_val("setxattr-create",
		  raw(setxattr("xfile", "user.test", "42", 2, XATTR_CREATE)),
		  0);
	check_err("setxattr-create-exists",
		  raw(setxattr("xfile", "user.test", "42", 2, XATTR_CREATE)),
		  EEXIST);
	check_err("setxattr-replace-missing",
		  raw(setxattr("xfile", "user.nope", "1", 1, XATTR_REPLACE)),
		  ENODATA);
	check_val("lsetxattr-replace",
		  raw(lsetxattr("xfile", "user.test", "44", 2, XATTR_REPLACE)),
		  0);
	check_val("fsetxattr", raw(fsetxattr(fd, "user.test2", "hello", 5, 0)),
		  0);
	check_val("getxattr-size", raw(getxattr("xfile", "user.test", NULL, 0)),
		  2);
	check_err("getxattr-erange",
		  raw(getxattr("xfile", "user.test", buf, 1)), ERANGE);
	check("getxattr", getxattr("xfile", "user.test", buf, 64) == 2 &&
			      !memcmp(buf, "44", 2));
	check("fgetxattr", fgetxattr(fd, "user.test2", buf, 64) == 5 &&
			       !memcmp(buf, "hello", 5));
	check_err("fgetxattr-missing",
		  raw(fgetxattr(fd, "user.test3", buf, 64)), ENODATA);
	check_val("listxattr-size", raw(listxattr("xfile", NULL, 0)), 21);
	check_err("listxattr-erange", raw(flistxattr(fd, buf, 5)), ERANGE);
	check_val("setxattr-trusted",
		  raw(setxattr("xfile", "trusted.t", "x", 1, 0)), 0);
	check_val("removexattr-trusted", raw(removexattr("xfile", "trusted.t")),
		  0);
	check_val("removexattr", raw(removexattr("xfile", "user.test")), 0);
	check_err("removexattr-missing",
		  raw(lremovexattr("xfile", "user.test")), ENODATA);
	check_val("fremovexattr", raw(fremovexattr(fd, "user.test2")), 0);
	check_val("listxattr-empty-again", raw(llistxattr("xfile", buf, 64)),
		  0);
	check_err("setxattr-empty-suffix",
		  raw(setxattr("xfile", "user.", "1", 1, 0)), EINVAL);
	check_err("setxattr-bad-flags",
		  raw(setxattr("xfile", "user.a", "1", 1, 4)), EINVAL);
	check_err("setxattr-e2big",
		  raw(setxattr("xfile", "user.a", big, sizeof(big), 0)), E2BIG);
	memset(name, 'a', 299);
	memcpy(name, "user.", 5);
	name[299] = '\0';
	check_err("setxattr-long-name", raw(setxattr("xfile", name, "1", 1, 0)),
		  ERANGE);
	check_err("getxattr-empty-name", raw(getxattr("xfile", "", buf, 64)),
		  ERANGE);
	check_err("security-capability-none",
		  raw(getxattr("xfile", "security.capability", buf, 64)),
		  ENODATA);
	check_err("getxattr-enoent", raw(getxattr("nofile", "user.a", buf, 64)),
		  ENOENT);
	symlink("xfile", "xlink");
	check_err("lsetxattr-user-on-symlink",
		  raw(lsetxattr("xlink", "user.a", "1", 1, 0)), EPERM);
	check_err("lgetxattr-user-on-symlink",
		  raw(lgetxattr("xlink", "user.a", buf, 64)), ENODATA);
	check_val("setxattr-through-symlink",
		  raw(setxattr("xlink", "user.via", "1", 1, 0)), 0);
	check_val("getxattr-through-symlink",
		  raw(getxattr("xfile", "user.via", buf, 64)), 1);
	unlink("xlink");
	close(fd);
	unlink("xfile");
}

/* The whole text of a small file, or "" when it cannot be read. */
static const char *slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static void test_prctl_proc(const char *argv0)
{
	char buf[512];
	int v = -1;

	check_val("prctl-set-name",
		  raw(prctl(PR_SET_NAME, "misc-test-name-long", 0, 0, 0)), 0);
	check("prctl-get-name", prctl(PR_GET_NAME, buf, 0, 0, 0) == 0 &&
				    !strcmp(buf, "misc-test-name-"));
	check("proc-self-comm",
	      !strcmp(slurp("/proc/self/comm", buf, sizeof(buf)),
		      "misc-test-name-\n"));
	/* test_ids changed the effective gid: that made it not dumpable. */
	check_val("prctl-get-dumpable", raw(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)),
		  0);
	check_val("prctl-set-dumpable-1",
		  raw(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)), 0);
	check_val("prctl-set-dumpable-0",
		  raw(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)), 0);
	check_val("prctl-dumpable-now-0",
		  raw(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)), 0);
	check_err("prctl-set-dumpable-2",
		  raw(prctl(PR_SET_DUMPABLE, 2, 0, 0, 0)), EINVAL);
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	check_val("prctl-get-keepcaps", raw(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0)),
		  0);
	check_val("prctl-set-pdeathsig",
		  raw(prctl(PR_SET_PDEATHSIG, SIGWINCH, 0, 0, 0)), 0);
	check("prctl-get-pdeathsig",
	      prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0) == 0 && v == SIGWINCH);
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	check_err("prctl-bad-pdeathsig",
		  raw(prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0)), EINVAL);
	check_val("prctl-get-seccomp", raw(prctl(PR_GET_SECCOMP, 0, 0, 0, 0)),
		  0);
	check_val("prctl-capbset-read-mknod",
		  raw(prctl(PR_CAPBSET_READ, CAP_MKNOD, 0, 0, 0)), 1);
	check_err("prctl-capbset-read-bad",
		  raw(prctl(PR_CAPBSET_READ, 99, 0, 0, 0)), EINVAL);
	check_val("prctl-get-nnp", raw(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)),
		  0);
	check_err("prctl-set-nnp-0",
		  raw(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0)), EINVAL);
	check_val("prctl-set-nnp", raw(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)),
		  0);
	check_val("prctl-nnp-now-1",
		  raw(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)), 1);
	check_err("prctl-unknown", raw(prctl(9999, 0, 0, 0, 0)), EINVAL);

	printf("ostype %s", slurp("/proc/sys/kernel/ostype", buf, sizeof(buf)));
	check("osrelease",
	      slurp("/proc/sys/kernel/osrelease", buf, 64)[0] != 0);
	slurp("/proc/self/cmdline", buf, sizeof(buf));
	check("proc-self-cmdline", !strcmp(buf, argv0));
	check("proc-1-cmdline", !access("/proc/1/cmdline", R_OK));
	check("proc-self-root",
	      readlink("/proc/self/root", buf, 64) == 1 && buf[0] == '/');
	check("proc-status-uid",
	      strstr(slurp("/proc/self/status", buf, sizeof(buf)),
		     "\nUid:\t0\t0\t0\t0\n") != NULL);

	struct stat st;
	char shm[64];

	check("dev-shm-dir", stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode));
	snprintf(shm, sizeof(shm), "/dev/shm/keel-t_misc-%d", getpid());
	v = open(shm, O_RDWR | O_CREAT | O_EXCL, 0600);
	check("dev-shm-writable", v >= 0 && unlink(shm) == 0);
	close(v);
}

static void test_time_log(void)
{
	struct timeval tv = { 0, 2000000 };
	struct timespec ts = { 1, 0 };
	struct timex tx = { 0 };
	long r;

	check_err("settimeofday-bad-usec", raw(settimeofday(&tv, NULL)),
		  EINVAL);
	check_err("settimeofday-efault", sc(SYS_settimeofday, 1, 0, 0, 0),
		  EFAULT);
	check_err("clock-settime-monotonic",
		  raw(clock_settime(CLOCK_MONOTONIC, &ts)), EINVAL);
	ts.tv_nsec = -1;
	check_err("clock-settime-bad-nsec",
		  raw(clock_settime(CLOCK_REALTIME, &ts)), EINVAL);
	r = raw(adjtimex(&tx));
	check("adjtimex-query", r >= 0 && r <= 5 && tx.tick > 0);
	check_err("clock-adjtime-monotonic",
		  sc(SYS_clock_adjtime, CLOCK_MONOTONIC, (long)&tx, 0, 0),
		  EOPNOTSUPP);
	check_err("clock-adjtime-bad-clock",
		  sc(SYS_clock_adjtime, 99, (long)&tx, 0, 0), EINVAL);
	r = sc(SYS_syslog, 10 /* SIZE_BUFFER */, 0, 0, 0);
	check("syslog-size-buffer", r > 0 || r == -EPERM);
	check_err("unshare-bad-flag", sc(SYS_unshare, 1, 0, 0, 0), EINVAL);
}

/* Last: give up root in steps, as a daemon would; nothing runs after. */
static void test_drop_root(void)
{
	unsigned r, e, s;

	check_val("setresuid-0-1000-0", raw(setresuid(0, 1000, 0)), 0);
	check("geteuid-1000", geteuid() == 1000 && getuid() == 0);
	check_err("setuid-other-unprivileged", raw(setuid(2000)), EPERM);
	check_err("setgroups-unprivileged", raw(setgroups(0, NULL)), EPERM);
	check_val("seteuid-back-to-0", raw(seteuid(0)), 0);
	check_val("setgroups-root-again", raw(setgroups(0, NULL)), 0);
	check_val("setreuid-1000-1000", raw(setreuid(1000, 1000)), 0);
	check("getresuid-all-1000", getresuid(&r, &e, &s) == 0 && r == 1000 &&
					e == 1000 && s == 1000);
	check_err("setuid-0-now-refused", raw(setuid(0)), EPERM);
	check_err("setresuid-0-refused", raw(setresuid(-1, 0, -1)), EPERM);
	check_val("setuid-own", raw(setuid(1000)), 0);
	check_val("setfsuid-refused-returns-old", sc(SYS_setfsuid, 0, 0, 0, 0),
		  1000);
	check_val("dropping-root-cleared-dumpable",
		  raw(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)), 0);
	check("fsuid-unchanged", sc(SYS_setfsuid, -1, 0, 0, 0) == 1000);
}

/* Drop one capability from the effective set (capset, version 3). */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	return (int)raw(syscall(SYS_capset, &h, d));
}

/* Run fn in a child; its failures count here. */
static void in_child(void (*fn)(void))
{
	int st;
	pid_t p = fork();

	if (p == 0) {
		fails = 0;
		fn();
		exit(fails);
	}
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st))
		fails++;
	else
		fails += WEXITSTATUS(st);
}

static void chroot_child(void)
{
	char cwd[4096];
	struct stat st;
	int fd;

	check_val("chroot-mkdir",
		  raw(mkdir("jail", 0700)) | raw(mkdir("jail/sub", 0700)), 0);
	close(open("plain", O_CREAT | O_WRONLY, 0600));
	/* A magic link followed at the end names no directory to rename
	 * or remove from: procfs's, another mount. */
	check_err("rename-magic-link", raw(rename("/proc/self/cwd/", "moved")),
		  EXDEV);
	check_err("rename-onto-magic-link",
		  raw(rename("plain", "/proc/self/cwd/")), EXDEV);
	check_err("rmdir-magic-link", raw(rmdir("/proc/self/cwd/")), EPERM);
	check_err("chroot-missing", raw(chroot("nowhere")), ENOENT);
	check_err("chroot-file", raw(chroot("plain")), ENOTDIR);
	check_err("chroot-fault", raw(chroot(BADPTR)), EFAULT);
	check_val("chroot", raw(chroot("jail")), 0);
	check("chroot-abs-inside",
	      stat("/sub", &st) == 0 && S_ISDIR(st.st_mode));
	check_err("chroot-abs-outside", raw(stat("/jail", &st)), ENOENT);
	/* The system call's answer (glibc's getcwd makes it ENOENT). */
	check("chroot-cwd-unreachable",
	      syscall(SYS_getcwd, cwd, sizeof(cwd)) > 0 &&
		  !strncmp(cwd, "(unreachable)/", 14));
	/* The new root has no parent to be renamed or removed from. */
	check_err("chroot-rename-root", raw(rename("/", "/moved")), EBUSY);
	check_err("chroot-rename-onto-root", raw(rename("/sub", "/")), EBUSY);
	check_err("chroot-rmdir-root", raw(rmdir("/")), EBUSY);
	check_val("chroot-chdir-root", raw(chdir("/")), 0);
	check("chroot-getcwd-root",
	      getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/"));
	check_val("chroot-dotdot-stays", raw(chdir("../../..")), 0);
	check("chroot-dotdot-getcwd", getcwd(cwd, sizeof(cwd)) &&
					  !strcmp(cwd, "/") &&
					  stat("../sub", &st) == 0);
	fd = open("/sub", O_RDONLY | O_DIRECTORY);
	check_val("chroot-nested", raw(chroot("sub")), 0);
	check_err("chroot-nested-abs", raw(stat("/sub", &st)), ENOENT);
	check_val("chroot-fchdir", raw(fchdir(fd)), 0);
	check("chroot-fchdir-getcwd",
	      getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/"));
	close(fd);
	check_val("chroot-drop-cap", drop_cap(CAP_SYS_CHROOT), 0);
	check_err("chroot-no-cap", raw(chroot(".")), EPERM);
	check_err("chroot-no-cap-missing", raw(chroot("nowhere")), ENOENT);
}

/* A /proc/sys/kernel file's first line, without the newline. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

static void uts_child(void)
{
	char name[80], p[80];
	struct utsname u;
	int e;

	/* Linux: the names in a namespace of the child's own, the host's
	 * stay. keel has no namespaces (EINVAL): the names are the VM's. */
	e = (int)raw(unshare(CLONE_NEWUTS));
	check("uts-own-names", e == 0 || e == -EINVAL);
	check_val("sethostname", raw(sethostname("t-misc-host", 11)), 0);
	uname(&u);
	read_line("/proc/sys/kernel/hostname", p, sizeof(p));
	check("sethostname-uname", !strcmp(u.nodename, "t-misc-host"));
	check("sethostname-gethostname", gethostname(name, sizeof(name)) == 0 &&
					     !strcmp(name, "t-misc-host"));
	check("sethostname-proc", !strcmp(p, "t-misc-host"));
	check_val("setdomainname", raw(setdomainname("t-misc-dom", 10)), 0);
	uname(&u);
	read_line("/proc/sys/kernel/domainname", p, sizeof(p));
	check("setdomainname-uname", !strcmp(u.domainname, "t-misc-dom"));
	check("setdomainname-proc", !strcmp(p, "t-misc-dom"));
	memset(name, 'h', 64);
	check_val("sethostname-64", raw(sethostname(name, 64)), 0);
	uname(&u);
	check("sethostname-64-uname", strlen(u.nodename) == 64);
	check_err("sethostname-65", raw(sethostname(name, 65)), EINVAL);
	check_err("sethostname-negative",
		  sc(SYS_sethostname, (long)name, -1, 0, 0), EINVAL);
	check_err("setdomainname-65", raw(setdomainname(name, 65)), EINVAL);
	check_err("sethostname-fault",
		  sc(SYS_sethostname, (long)BADPTR, 4, 0, 0), EFAULT);
	check_val("sethostname-nul", raw(sethostname("ab\0cd", 5)), 0);
	uname(&u);
	check("sethostname-nul-uname", !strcmp(u.nodename, "ab"));
	check_val("sethostname-empty", raw(sethostname("", 0)), 0);
	uname(&u);
	check("sethostname-empty-uname", u.nodename[0] == 0);
	check_val("uts-drop-cap", drop_cap(CAP_SYS_ADMIN), 0);
	check_err("sethostname-no-cap", raw(sethostname("x", 1)), EPERM);
	check_err("sethostname-no-cap-65", raw(sethostname(name, 65)), EPERM);
	check_err("setdomainname-no-cap", raw(setdomainname("x", 1)), EPERM);
}

int main(int argc, char **argv)
{
	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	test_ids();
	test_caps();
	test_sched();
	test_groups_sessions();
	test_limits();
	test_memory();
	test_memfd();
	test_flock();
	test_vectors();
	test_nodes();
	test_xattrs();
	test_prctl_proc(argv[0]);
	test_time_log();
	in_child(chroot_child);
	in_child(uts_child);
	test_drop_root();
	printf("t_misc: %d failed\n", fails);
	return fails != 0;
}

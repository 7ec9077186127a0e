/*
 * test_vfs_files.c - open files and descriptors in fs/ through the file
 * system calls (over vfs_fixture.c): dup and close-on-exec, EMFILE,
 * pipes (EPIPE and the SIGPIPE sent), bad user pointers (EFAULT),
 * /proc/sys and /proc/self; inotify (sys_inotify.c) for what a guest
 * cannot see: every watch and event freed, whichever of the inode and the
 * instance goes first.
 */
#include "vfs_fixture.h"

static void test_fds_dup_cloexec(void **state)
{
	char buf[16];
	long fd, fd2;

	(void)state;
	fd = xopen("/etc/hostname", O_RDONLY | O_CLOEXEC, 0);
	assert_int_equal(fd, 3);
	assert_int_equal(SC(fcntl, fd, F_GETFD), FD_CLOEXEC);
	assert_int_equal(SC(fcntl, fd, F_SETFD, 0), 0);
	assert_int_equal(SC(fcntl, fd, F_GETFD), 0);
	fd2 = SC(fcntl, fd, F_DUPFD_CLOEXEC, 10);
	assert_int_equal(fd2, 10);
	assert_int_equal(SC(fcntl, fd2, F_GETFD), FD_CLOEXEC);
	assert_int_equal(SC(dup, fd), 4);
	/* shared offset */
	assert_int_equal(SC(read, 4, P(buf), 2), 2);
	assert_int_equal(SC(lseek, fd, 0, SEEK_CUR), 2);
	/* dup2 over an open descriptor closes it silently */
	assert_int_equal(SC(dup2, fd, 1), 1);
	assert_int_equal(SC(read, 1, P(buf), 3), 3);
	assert_memory_equal(buf, "el\n", 3);
	assert_int_equal(SC(dup2, fd, fd), fd);
	assert_int_equal(SC(dup2, 77, 5), -EBADF);
	assert_int_equal(SC(dup2, fd, FD_MAX), -EBADF);
	assert_int_equal(SC(dup3, fd, fd, 0), -EINVAL);
	assert_int_equal(SC(dup3, fd, 6, 1), -EINVAL);
	assert_int_equal(SC(dup3, fd, 6, O_CLOEXEC), 6);
	assert_int_equal(SC(fcntl, 6, F_GETFD), FD_CLOEXEC);
	assert_int_equal(SC(ioctl, 6, FIONCLEX, 0), 0);
	assert_int_equal(SC(fcntl, 6, F_GETFD), 0);
	assert_int_equal(SC(fcntl, fd, F_DUPFD, -1), -EINVAL);
	assert_int_equal(SC(fcntl, fd, F_DUPFD, FD_MAX), -EINVAL);
	assert_int_equal(SC(fcntl, fd, 9999), -EINVAL);
	/* F_SETFL keeps the access mode */
	assert_int_equal(SC(fcntl, fd, F_SETFL, O_NONBLOCK | O_RDWR), 0);
	assert_int_equal(SC(fcntl, fd, F_GETFL),
			 O_RDONLY | O_NONBLOCK | O_LARGEFILE);
	/* record locks are granted */
	struct linux_flock fl = { .l_type = F_WRLCK };
	assert_int_equal(SC(fcntl, fd, F_SETLK, P(&fl)), 0);
	assert_int_equal(SC(fcntl, fd, F_GETLK, P(&fl)), 0);
	assert_int_equal(fl.l_type, F_UNLCK);
	assert_int_equal(SC(fcntl, fd, F_SETLK, 8), -EFAULT);
	/* bad descriptors */
	assert_int_equal(SC(close, -1), -EBADF);
	assert_int_equal(SC(close, FD_MAX), -EBADF);
	assert_int_equal(SC(close, 99), -EBADF);
	assert_int_equal(SC(read, -5, P(buf), 1), -EBADF);
	assert_int_equal(SC(fstat, 99, P(buf)), -EBADF);
	assert_int_equal(SC(fsync, 99), -EBADF);
	assert_int_equal(SC(fsync, fd), 0);
	assert_int_equal(SC(fcntl, 99, F_GETFD), -EBADF);
	/* close-on-exec closes what it should */
	fd_close_on_exec();
	assert_int_equal(SC(fcntl, 10, F_GETFD), -EBADF);
	assert_int_equal(SC(fcntl, 6, F_GETFD), 0);
}

static void test_emfile(void **state)
{
	long fd;
	int n = 0;

	(void)state;
	while ((fd = xopen("/etc/hostname", O_RDONLY, 0)) >= 0)
		n++;
	assert_int_equal(fd, -EMFILE);
	assert_int_equal(n, FD_MAX - 3);
	assert_int_equal(SC(dup, 0), -EMFILE);
	int p[2];
	assert_int_equal(SC(pipe, P(p)), -EMFILE);
	assert_int_equal(SC(close, 500), 0);
	assert_int_equal(SC(dup, 0), 500);
}

static void test_pipes(void **state)
{
	int p[2];
	char buf[64];
	struct linux_stat st;

	(void)state;
	assert_int_equal(SC(pipe2, P(p), O_NONBLOCK), 0);
	assert_int_equal(p[0], 3);
	assert_int_equal(p[1], 4);
	assert_int_equal(SC(read, p[0], P(buf), 10), -EAGAIN);
	assert_int_equal(SC(write, p[1], P("hello"), 5), 5);
	assert_int_equal(SC(write, p[0], P("x"), 1), -EBADF);
	assert_int_equal(SC(read, p[0], P(buf), 3), 3);
	assert_int_equal(SC(read, p[0], P(buf + 3), 10), 2);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(SC(lseek, p[0], 0, SEEK_SET), -ESPIPE);
	assert_int_equal(SC(pread64, p[0], P(buf), 1, 0), -ESPIPE);
	assert_int_equal(SC(fstat, p[0], P(&st)), 0);
	assert_int_equal(st.st_mode & S_IFMT, S_IFIFO);
	/* fill it: 64 KiB, then EAGAIN */
	long total = 0, n;
	static char chunk[10000];
	while ((n = SC(write, p[1], P(chunk), sizeof(chunk))) > 0)
		total += n;
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(total, 65536);
	/* EOF once the writer is gone and the data read */
	assert_int_equal(SC(close, p[1]), 0);
	while ((n = SC(read, p[0], P(chunk), sizeof(chunk))) > 0)
		total -= n;
	assert_int_equal(n, 0);
	assert_int_equal(total, 0);
	assert_int_equal(SC(close, p[0]), 0);
	/* EPIPE without readers */
	assert_int_equal(SC(pipe2, P(p), O_CLOEXEC), 0);
	assert_int_equal(SC(fcntl, p[0], F_GETFD), FD_CLOEXEC);
	assert_int_equal(SC(close, p[0]), 0);
	assert_int_equal(SC(write, p[1], P("x"), 1), -EPIPE);
	assert_true(sent(SIGPIPE));
	assert_false(sent(SIGPIPE));
	assert_int_equal(SC(pipe2, P(p), 0x1), -EINVAL);
	assert_int_equal(SC(pipe, 8), -EFAULT);
	/* readlink of /proc/self/fd/N names the pipe */
	assert_true(SC(readlink, P("/proc/self/fd/4"), P(buf), 64) > 8);
	assert_memory_equal(buf, "pipe:[", 6);
}

static void test_bad_pointers(void **state)
{
	char *longpath = malloc(PATH_MAX + 10);
	char buf[16];
	long fd = xopen("/etc/hostname", O_RDONLY, 0);

	(void)state;
	assert_int_equal(SC(openat, AT_FDCWD, 0, O_RDONLY, 0), -EFAULT);
	assert_int_equal(SC(openat, AT_FDCWD, 8, O_RDONLY, 0), -EFAULT);
	assert_int_equal(SC(openat, AT_FDCWD, -4096, O_RDONLY, 0), -EFAULT);
	memset(longpath, 'a', PATH_MAX + 9);
	longpath[PATH_MAX + 9] = '\0';
	assert_int_equal(xopen(longpath, O_RDONLY, 0), -ENAMETOOLONG);
	memset(longpath, 'a', 300);
	longpath[0] = '/';
	longpath[300] = '\0';
	assert_int_equal(xopen(longpath, O_RDONLY, 0), -ENAMETOOLONG);
	assert_int_equal(SC(read, fd, 0, 5), -EFAULT);
	assert_int_equal(SC(read, fd, 0, 0), 0);
	assert_int_equal(SC(read, fd, P(buf), -1), -EFAULT);
	assert_int_equal(SC(write, 1, -4096, 10), -EFAULT);
	assert_int_equal(SC(fstat, fd, 16), -EFAULT);
	assert_int_equal(SC(stat, P("/etc"), 16), -EFAULT);
	assert_int_equal(SC(newfstatat, AT_FDCWD, P("/etc"), P(buf), 0x4000),
			 -EINVAL);
	assert_int_equal(SC(getcwd, 16, 100), -EFAULT);
	assert_int_equal(SC(readlink, P("/lib"), 16, 10), -EFAULT);
	assert_int_equal(SC(readv, fd, 16, 1), -EFAULT);
	assert_int_equal(SC(readv, fd, P(buf), -1), -EINVAL);
	assert_int_equal(SC(readv, fd, P(buf), IOV_MAX + 1), -EINVAL);
	struct linux_iovec iov = { 16, 10 };
	assert_int_equal(SC(writev, 1, P(&iov), 1), -EFAULT);
	assert_int_equal(SC(ioctl, 1, TCGETS, 16), -EFAULT);
	assert_int_equal(SC(utimensat, AT_FDCWD, P("/etc"), 16, 0), -EFAULT);
	assert_int_equal(SC(rename, 0, P("/x")), -EFAULT);
	assert_int_equal(SC(access, P("/etc"), 8), -EINVAL);
	assert_int_equal(SC(statx, AT_FDCWD, P("/etc"), 0, 0x80000000U, P(buf)),
			 -EINVAL);
	free(longpath);
}

static void test_proc_sys(void **state)
{
	char buf[512];
	long fd;

	(void)state;
	assert_int_equal(SC(readlink, P("/proc/self/exe"), P(buf), 64), 9);
	assert_memory_equal(buf, "/bin/prog", 9);
	assert_int_equal(SC(readlink, P("/proc/self"), P(buf), 64), 1);
	fd = xopen("/etc/hostname", O_RDONLY, 0);
	assert_int_equal(fd, 3);
	assert_int_equal(SC(readlink, P("/proc/self/fd/3"), P(buf), 64), 13);
	assert_memory_equal(buf, "/etc/hostname", 13);
	assert_int_equal(SC(readlink, P("/proc/self/fd/0"), P(buf), 64), 12);
	assert_memory_equal(buf, "/dev/console", 12);
	assert_int_equal(SC(readlink, P("/proc/self/fd/9"), P(buf), 64),
			 -ENOENT);
	/* magic links open the file itself */
	read_all("/proc/self/fd/3", buf, sizeof(buf));
	assert_string_equal(buf, "keel\n");
	read_all("/dev/fd/3", buf, sizeof(buf));
	assert_string_equal(buf, "keel\n");
	read_all("/proc/meminfo", buf, sizeof(buf));
	assert_non_null(strstr(buf, "MemTotal:"));
	assert_non_null(strstr(buf, " kB\n"));
	assert_non_null(strstr(buf, "\nSlab:"));
	assert_non_null(strstr(buf, "\nKernelStack:"));
	assert_non_null(strstr(buf, "\nPageTables:"));
	read_all("/proc/cpuinfo", buf, sizeof(buf));
	assert_non_null(strstr(buf, "processor\t: 0\n"));
	read_all("/proc/self/maps", buf, sizeof(buf));
	assert_non_null(strstr(buf, "/bin/prog"));
	read_all("/sys/devices/system/cpu/online", buf, sizeof(buf));
	assert_string_equal(buf, "0\n");
	assert_int_equal(xopen("/proc/meminfo", O_WRONLY, 0), -EACCES);
	assert_int_equal(xopen("/proc/nope", O_RDONLY, 0), -ENOENT);
	assert_int_equal(SC(mkdir, P("/proc/x"), 0755), -EPERM);
	assert_int_equal(SC(chdir, P("/proc/self/fd")), 0);
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), 11);
	assert_string_equal(buf, "/proc/1/fd");
	read_all("../../../etc/hostname", buf, sizeof(buf));
	assert_string_equal(buf, "keel\n");
	assert_int_equal(SC(readlink, P("/proc/self/cwd"), P(buf), 64), 10);
}

/* The events in buf[0..n): "wd:mask[:name]" each, space-separated. */
static const char *events(const char *buf, long n)
{
	static char out[1024];
	size_t used = 0;

	out[0] = '\0';
	for (long off = 0; off < n;) {
		const struct {
			int32_t wd;
			uint32_t mask, cookie, len;
			char name[];
		} *e = (const void *)(buf + off);

		used += (size_t)snprintf(out + used, sizeof(out) - used,
					 "%s%d:%x%s%s", used ? " " : "", e->wd,
					 e->mask, e->len ? ":" : "",
					 e->len ? e->name : "");
		off += 16 + (long)e->len;
	}
	return out;
}

static void test_inotify(void **state)
{
	struct heap_stats before, after;
	char buf[1024];
	long in, in2, n;

	(void)state;
	heap_stats(&before);
	in = SC(inotify_init1, O_NONBLOCK);
	in2 = SC(inotify_init1, 0);
	assert_true(in >= 0 && in2 >= 0);
	assert_int_equal(SC(inotify_add_watch, in, P("/tmp"), IN_ALL_EVENTS),
			 1);
	write_file("/tmp/f", "x");
	assert_int_equal(SC(inotify_add_watch, in, P("/tmp/f"), IN_ALL_EVENTS),
			 2);
	assert_int_equal(SC(inotify_add_watch, in2, P("/tmp/f"), IN_ATTRIB), 1);
	assert_int_equal(SC(mkdir, P("/tmp/d"), 0755), 0);
	assert_int_equal(SC(inotify_add_watch, in, P("/tmp/d"), IN_ALL_EVENTS),
			 3);
	n = SC(read, in, P(buf), sizeof(buf));
	assert_string_equal(events(buf, n), "1:100:f 1:20:f 1:2:f 1:8:f "
					    "1:40000100:d");
	/* The file and the directory go while watched: their watches too. */
	assert_int_equal(SC(unlink, P("/tmp/f")), 0);
	assert_int_equal(SC(rmdir, P("/tmp/d")), 0);
	n = SC(read, in, P(buf), sizeof(buf));
	assert_string_equal(events(buf, n),
			    "2:4 2:400 2:8000 1:200:f 3:400 3:8000 "
			    "1:40000200:d");
	assert_int_equal(SC(inotify_rm_watch, in, 2), -EINVAL);
	/* Events left queued, a watch left on /tmp: closing frees them. */
	write_file("/tmp/g", "y");
	assert_int_equal(SC(unlink, P("/tmp/g")), 0);
	assert_int_equal(SC(close, in), 0);
	n = SC(read, in2, P(buf), sizeof(buf));
	assert_string_equal(events(buf, n), "1:4 1:8000");
	assert_int_equal(SC(close, in2), 0);
	heap_stats(&after);
	assert_int_equal(after.live_bytes, before.live_bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fds_dup_cloexec), T(test_emfile),   T(test_pipes),
		T(test_bad_pointers),	 T(test_proc_sys), T(test_inotify),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

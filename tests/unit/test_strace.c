/*
 * test_strace.c - linux/strace.c, keel.strace's lines: each kind of
 * argument as strace(1) shows it (paths, open and mmap flags, modes only
 * when a file is created, fcntl and ioctl names, signals, write's data
 * escaped and cut at 32 bytes, execve's argv), results with errno names,
 * and hostile input: NULL, kernel-half and unterminated pointers are shown
 * as values, never followed; every buffer size gives a terminated line.
 */
#include <keel/errno.h>
#include <keel/signal.h>
#include <keel/vm.h>
#include <uapi/fs.h>
#include <uapi/socket.h>
#include <stdio.h>
#include <string.h>
#include "unit.h"

#include "../../linux/strace.h"
#include "../../linux/sysnr.h"

static char line[STRACE_LINE];

static const char *call(unsigned long nr, const char *name, long a0, long a1,
			long a2, long a3, long a4, long a5)
{
	const long a[6] = { a0, a1, a2, a3, a4, a5 };

	strace_call(line, sizeof(line), nr, name, a);
	return line;
}

#define CALL(name, ...) call(NR_##name, #name, __VA_ARGS__)

static void test_paths_and_open_flags(void **state)
{
	(void)state;
	assert_string_equal(CALL(openat, AT_FDCWD, (long)"/etc/hosts",
				 O_RDONLY | O_CLOEXEC, 0, 0, 0),
			    "openat(AT_FDCWD, \"/etc/hosts\", "
			    "O_RDONLY|O_CLOEXEC)");
	assert_string_equal(CALL(openat, 3, (long)"a b",
				 O_WRONLY | O_CREAT | O_TRUNC, 0644, 0, 0),
			    "openat(3, \"a b\", O_WRONLY|O_CREAT|O_TRUNC, "
			    "0644)");
	assert_string_equal(
	    CALL(open, (long)"/tmp", O_RDWR | O_TMPFILE, 0600, 0, 0, 0),
	    "open(\"/tmp\", O_RDWR|O_TMPFILE, 0600)");
	/* An unknown bit is left in hex after the names. */
	assert_string_equal(
	    CALL(open, (long)"x", O_RDONLY | 0x40000000, 0, 0, 0, 0),
	    "open(\"x\", O_RDONLY|0x40000000)");
	assert_string_equal(CALL(newfstatat, AT_FDCWD, (long)"", 0x7000,
				 AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, 0, 0),
			    "newfstatat(AT_FDCWD, \"\", 0x7000, "
			    "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH)");
	assert_string_equal(CALL(unlinkat, 4, (long)"d", AT_REMOVEDIR, 0, 0, 0),
			    "unlinkat(4, \"d\", AT_REMOVEDIR)");
	assert_string_equal(
	    CALL(access, (long)"/bin/sh", R_OK | X_OK, 0, 0, 0, 0),
	    "access(\"/bin/sh\", R_OK|X_OK)");
	assert_string_equal(CALL(access, (long)"f", F_OK, 0, 0, 0, 0),
			    "access(\"f\", F_OK)");
	/* Quotes, backslashes and control bytes escaped as strace does. */
	assert_string_equal(
	    CALL(unlink, (long)"a\"b\\c\nd\001e\0017", 0, 0, 0, 0, 0),
	    "unlink(\"a\\\"b\\\\c\\nd\\1e\\0017\")");
}

static void test_mm_and_numbers(void **state)
{
	(void)state;
	assert_string_equal(CALL(mmap, 0, 8192, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
			    "mmap(NULL, 8192, PROT_READ|PROT_WRITE, "
			    "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)");
	assert_string_equal(CALL(mmap, 0x7f0000000000, 4096, PROT_NONE,
				 MAP_SHARED | MAP_FIXED, 5, 0x3000),
			    "mmap(0x7f0000000000, 4096, PROT_NONE, "
			    "MAP_SHARED|MAP_FIXED, 5, 0x3000)");
	assert_string_equal(
	    CALL(mprotect, 0x1000, 4096, PROT_READ | PROT_EXEC, 0, 0, 0),
	    "mprotect(0x1000, 4096, PROT_READ|PROT_EXEC)");
	assert_string_equal(CALL(lseek, 3, -10, SEEK_END, 0, 0, 0),
			    "lseek(3, -10, SEEK_END)");
	assert_string_equal(CALL(lseek, 3, 0, 99, 0, 0, 0), "lseek(3, 0, 99)");
	assert_string_equal(CALL(getpid, 0, 0, 0, 0, 0, 0), "getpid()");
	assert_string_equal(CALL(umask, 022, 0, 0, 0, 0, 0), "umask(022)");
}

static void test_fcntl_ioctl_signals_sockets(void **state)
{
	(void)state;
	assert_string_equal(CALL(fcntl, 3, F_SETFD, FD_CLOEXEC, 0, 0, 0),
			    "fcntl(3, F_SETFD, FD_CLOEXEC)");
	assert_string_equal(CALL(fcntl, 3, F_GETFL, 0x1234, 0, 0, 0),
			    "fcntl(3, F_GETFL)");
	assert_string_equal(
	    CALL(fcntl, 0, F_SETFL, O_RDWR | O_NONBLOCK, 0, 0, 0),
	    "fcntl(0, F_SETFL, O_RDWR|O_NONBLOCK)");
	assert_string_equal(CALL(fcntl, 0, F_DUPFD_CLOEXEC, 10, 0, 0, 0),
			    "fcntl(0, F_DUPFD_CLOEXEC, 10)");
	assert_string_equal(CALL(ioctl, 1, TCGETS, 0x7ffc0000, 0, 0, 0),
			    "ioctl(1, TCGETS, 0x7ffc0000)");
	assert_string_equal(CALL(ioctl, 1, 0xdead, 0, 0, 0, 0),
			    "ioctl(1, 0xdead, NULL)");
	assert_string_equal(CALL(kill, 12, SIGTERM, 0, 0, 0, 0),
			    "kill(12, SIGTERM)");
	assert_string_equal(CALL(kill, 12, 40, 0, 0, 0, 0),
			    "kill(12, SIGRT_8)");
	assert_string_equal(CALL(rt_sigprocmask, SIG_SETMASK, 0, 0, 8, 0, 0),
			    "rt_sigprocmask(SIG_SETMASK, NULL, NULL, 8)");
	assert_string_equal(CALL(socket, AF_INET6,
				 SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
				 0, 0, 0),
			    "socket(AF_INET6, "
			    "SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0)");
}

static void test_data_and_argv(void **state)
{
	static const char data[] = "hello\tworld, this is more than 32 bytes";
	const char *argv[] = { "/bin/ls", "-l", "a \"q\"", NULL };
	const char *many[] = { "1", "2", "3", "4", "5", "6", "7", NULL };

	(void)state;
	assert_string_equal(CALL(write, 1, (long)data, 5, 0, 0, 0),
			    "write(1, \"hello\", 5)");
	assert_string_equal(
	    CALL(write, 1, (long)data, sizeof(data) - 1, 0, 0, 0),
	    "write(1, \"hello\\tworld, this is more than 3\"..."
	    ", 39)");
	assert_string_equal(CALL(write, 1,
				 (long)"\xff\x00"
				       "1",
				 3, 0, 0, 0),
			    "write(1, \"\\377\\0001\", 3)");
	assert_string_equal(
	    CALL(execve, (long)"/bin/ls", (long)argv, 0, 0, 0, 0),
	    "execve(\"/bin/ls\", [\"/bin/ls\", \"-l\", "
	    "\"a \\\"q\\\"\"], NULL)");
	assert_string_equal(CALL(execve, (long)"x", (long)many, 0, 0, 0, 0),
			    "execve(\"x\", [\"1\", \"2\", \"3\", \"4\", \"5\", "
			    "\"6\", ...], NULL)");
}

/* What a call wrote shows once it has returned: read's data (as many
 * bytes as it returned), getcwd's path; a failed call shows the pointer. */
static void test_output_arguments(void **state)
{
	char data[64] = "hello, world";
	char big[100];
	const long rd[6] = { 3, (long)data, 64 };
	const long cwd[6] = { (long)data, 4096 };
	const long rl[6] = { (long)"/proc/self/exe", (long)data, 4095 };
	const long rbig[6] = { 0, (long)big, sizeof(big) };

	(void)state;
	assert_true(strace_after(NR_read));
	assert_true(strace_after(NR_getcwd));
	assert_false(strace_after(NR_write));
	assert_false(strace_after(NR_openat));
	assert_false(strace_after(NR_futex)); /* no table entry */
	strace_call_done(line, sizeof(line), NR_read, "read", rd, 5);
	assert_string_equal(line, "read(3, \"hello\", 64)");
	strace_call_done(line, sizeof(line), NR_read, "read", rd, 0);
	assert_string_equal(line, "read(3, \"\", 64)");
	strace_call_done(line, sizeof(line), NR_read, "read", rd, -EAGAIN);
	snprintf(big, sizeof(big), "read(3, %p, 64)", (void *)data);
	assert_string_equal(line, big);
	memset(big, 'x', sizeof(big));
	strace_call_done(line, sizeof(line), NR_read, "read", rbig, 100);
	assert_string_equal(line, "read(0, \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""
				  "..., 100)");
	strcpy(data, "/tmp");
	strace_call_done(line, sizeof(line), NR_getcwd, "getcwd", cwd, 5);
	assert_string_equal(line, "getcwd(\"/tmp\", 4096)");
	strcpy(data, "/usr/bin/catXXXX"); /* readlink writes no NUL */
	strace_call_done(line, sizeof(line), NR_readlink, "readlink", rl, 12);
	assert_string_equal(line, "readlink(\"/proc/self/exe\", "
				  "\"/usr/bin/cat\", 4095)");
	/* A result larger than the buffer (a lying or broken call) reads
	 * only DATA_SHOW bytes, through the user-copy helpers. */
	strace_call_done(line, sizeof(line), NR_read, "read", rd, 1L << 40);
	assert_non_null(strstr(line, "\"..., 64)"));
}

/* Bad pointers are printed, not followed; long strings are cut. */
static void test_hostile(void **state)
{
	static char longpath[300];
	const long kernel = (long)0xffff800000001000UL;
	const char *badv[] = { "ok", (const char *)0xffff800000000000UL, NULL };

	(void)state;
	assert_string_equal(CALL(chdir, 0, 0, 0, 0, 0, 0), "chdir(NULL)");
	assert_string_equal(CALL(chdir, kernel, 0, 0, 0, 0, 0),
			    "chdir(0xffff800000001000)");
	assert_string_equal(CALL(chdir, 0x10, 0, 0, 0, 0, 0), "chdir(0x10)");
	assert_string_equal(CALL(write, 2, kernel, 10, 0, 0, 0),
			    "write(2, 0xffff800000001000, 10)");
	assert_string_equal(CALL(write, 2, 0, 0, 0, 0, 0), "write(2, NULL, 0)");
	assert_string_equal(CALL(execve, (long)"p", kernel, 0, 0, 0, 0),
			    "execve(\"p\", 0xffff800000001000, NULL)");
	assert_string_equal(
	    CALL(execve, (long)"p", (long)badv, 0, 0, 0, 0),
	    "execve(\"p\", [\"ok\", 0xffff800000000000], NULL)");
	memset(longpath, 'a', sizeof(longpath) - 1);
	CALL(chdir, (long)longpath, 0, 0, 0, 0, 0);
	assert_int_equal(strlen(line), strlen("chdir(\"\"...)") + 96);
	assert_string_equal(line + strlen(line) - 6, "a\"...)");
	/* No table entry: six hex words. An unnamed number still shows. */
	assert_string_equal(call(NR_futex, "futex", 1, 2, 3, 4, 5, 6),
			    "futex(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)");
	call(999, NULL, 0, 0, 0, 0, 0, 0);
	assert_string_equal(line, "syscall_999(0, 0, 0, 0, 0, 0)");
}

/* Every buffer size gives a NUL-terminated line within it. */
static void test_small_buffers(void **state)
{
	const long a[6] = { AT_FDCWD, (long)"/a/long/enough/path", O_RDONLY };
	char buf[64];
	size_t full;

	(void)state;
	strace_call(line, sizeof(line), NR_openat, "openat", a);
	full = strlen(line);
	for (size_t n = 0; n < sizeof(buf); n++) {
		memset(buf, 'X', sizeof(buf));
		strace_call(buf, n, NR_openat, "openat", a);
		if (n)
			assert_true(strlen(buf) < n);
		if (n >= 4 && n <= full)
			assert_string_equal(buf + strlen(buf) - 3, "...");
		if (n > full)
			assert_string_equal(buf, line);
		assert_int_equal(buf[n], 'X'); /* nothing past the size */
		memset(buf, 'X', sizeof(buf));
		strace_ret(buf, n, NR_open, -ENOENT);
		if (n)
			assert_true(strlen(buf) < n);
		assert_int_equal(buf[n], 'X');
	}
}

static void test_results(void **state)
{
	char r[STRACE_RET];

	(void)state;
	strace_ret(r, sizeof(r), NR_openat, -ENOENT);
	assert_string_equal(r, "-1 ENOENT (No such file or directory)");
	strace_ret(r, sizeof(r), NR_read, -EAGAIN);
	assert_string_equal(r, "-1 EAGAIN (Resource temporarily unavailable)");
	strace_ret(r, sizeof(r), NR_open, -ENOSYS);
	assert_string_equal(r, "-1 ENOSYS (Function not implemented)");
	strace_ret(r, sizeof(r), NR_read, -ERESTARTSYS);
	assert_string_equal(
	    r, "? ERESTARTSYS (To be restarted if SA_RESTART is set)");
	strace_ret(r, sizeof(r), NR_read, -4000);
	assert_string_equal(r, "-1 E??? (errno 4000)");
	strace_ret(r, sizeof(r), NR_read, 42);
	assert_string_equal(r, "42");
	strace_ret(r, sizeof(r), NR_mmap, 0x7f0000001000L);
	assert_string_equal(r, "0x7f0000001000");
	strace_ret(r, sizeof(r), NR_lseek, -4096);
	assert_string_equal(r, "-4096"); /* not an error: below -4095 */
	/* Every errno Linux has up to EHWPOISON has a name, E-prefixed. */
	for (int e = 1; e <= 133; e++) {
		if (e == 41 || e == 58) /* unused numbers */
			continue;
		assert_non_null(strace_errno_name(e));
		assert_int_equal(strace_errno_name(e)[0], 'E');
		assert_non_null(strace_errno_msg(e));
	}
	assert_null(strace_errno_name(0));
	assert_null(strace_errno_name(134));
	assert_null(strace_errno_name(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_and_open_flags),
		cmocka_unit_test(test_mm_and_numbers),
		cmocka_unit_test(test_fcntl_ioctl_signals_sockets),
		cmocka_unit_test(test_data_and_argv),
		cmocka_unit_test(test_output_arguments),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_small_buffers),
		cmocka_unit_test(test_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

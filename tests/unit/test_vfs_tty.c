/*
 * test_vfs_tty.c - devices and terminals in fs/ through the file system
 * calls (over vfs_fixture.c): /dev's files, the console as a terminal
 * (fs/pty.c's console pair, fs/tty.c's line discipline), keel.stdin=stream
 * on fd 0, and a pseudo-terminal pair with nothing left after it.
 */
#include "vfs_fixture.h"

static void test_devices(void **state)
{
	char buf[64];
	struct linux_termios t;
	struct linux_winsize ws;
	long fd;

	(void)state;
	fd = xopen("/dev/null", O_RDWR, 0);
	assert_int_equal(SC(read, fd, P(buf), 64), 0);
	assert_int_equal(SC(write, fd, P(buf), 64), 64);
	fd = xopen("/dev/zero", O_RDONLY, 0);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(SC(read, fd, P(buf), 64), 64);
	assert_int_equal(buf[0] | buf[63], 0);
	fd = xopen("/dev/full", O_WRONLY, 0);
	assert_int_equal(SC(write, fd, P(buf), 1), -ENOSPC);
	fd = xopen("/dev/urandom", O_RDONLY, 0);
	assert_int_equal(SC(read, fd, P(buf), 64), 64);
	/* The console is a terminal (fs/pty.c): ONLCR makes "\r\n". */
	hosted_console_clear();
	assert_int_equal(SC(write, 1, P("to the console\n"), 15), 15);
	assert_string_equal(hosted_console_text(), "to the console\r\n");
	struct linux_iovec iov[2] = { { P("ab"), 2 }, { P("cd\n"), 3 } };
	assert_int_equal(SC(writev, 2, P(iov), 2), 5);
	assert_string_equal(hosted_console_text(),
			    "to the console\r\nabcd\r\n");
	/* Console input (fs/console.c), as if typed: a line at a time,
	 * echoed. */
	hosted_console_clear();
	hosted_console_input("hi\n\xff", 4);
	assert_int_equal(SC(read, 0, P(buf), 10), 3);
	assert_memory_equal(buf, "hi\n", 3);
	assert_string_equal(hosted_console_text(), "hi\r\n\xff");
	fd = xopen("/dev/console", O_RDONLY | O_NONBLOCK, 0);
	assert_int_equal(SC(read, fd, P(buf), 10), -EAGAIN); /* half a line */
	struct kpollfd pf = { (int)fd, EPOLLIN, 0 };
	assert_int_equal(vfs_poll_fds(&pf, 1, 0), 0);
	hosted_console_input("x\n", 2);
	assert_int_equal(vfs_poll_fds(&pf, 1, 0), 1);
	assert_int_equal(pf.revents, EPOLLIN);
	/* As Linux's n_tty: a line read into a bad buffer is gone. */
	assert_int_equal(SC(read, fd, 8, 10), -EFAULT);
	assert_int_equal(SC(read, fd, P(buf), 10), -EAGAIN);
	hosted_console_input("y\n", 2);
	assert_int_equal(SC(read, fd, P(buf), 10), 2);
	assert_memory_equal(buf, "y\n", 2);
	assert_int_equal(SC(ioctl, 0, TCGETS, P(&t)), 0);
	assert_true(t.c_lflag & 02); /* ICANON */
	assert_int_equal(SC(ioctl, 1, TIOCGWINSZ, P(&ws)), 0);
	assert_int_equal(ws.ws_row, 24);
	assert_int_equal(ws.ws_col, 80);
	assert_int_equal(SC(lseek, 1, 0, SEEK_CUR), -ESPIPE);
	fd = xopen("/etc/hostname", O_RDONLY, 0);
	assert_int_equal(SC(ioctl, fd, TCGETS, P(&t)), -ENOTTY);
	assert_int_equal(SC(ioctl, 99, TCGETS, P(&t)), -EBADF);
	fd = xopen("/dev/tty", O_RDWR, 0);
	assert_int_equal(SC(ioctl, fd, TIOCGWINSZ, P(&ws)), 0);
}

/*
 * The console as a terminal (fs/pty.c's console pair, fs/tty.c's line
 * discipline): editing and echo, EOF, raw mode, ISIG, output processing,
 * the controlling terminal, and input taken while nobody reads.
 */
static void test_console_tty(void **state)
{
	struct linux_termios t, saved;
	char buf[64];
	int v = 0;
	long fd;

	(void)state;
	hosted_console_clear();
	hosted_console_input("ab\x7f"
			     "c\n",
			     5); /* erase the b */
	assert_int_equal(SC(read, 0, P(buf), 64), 3);
	assert_memory_equal(buf, "ac\n", 3);
	assert_string_equal(hosted_console_text(), "ab\b \bc\r\n");
	/* ^D: the end of a line without its newline; alone, EOF. */
	hosted_console_input("xy\x04\x04", 4);
	assert_int_equal(SC(read, 0, P(buf), 64), 2);
	assert_memory_equal(buf, "xy", 2);
	assert_int_equal(SC(read, 0, P(buf), 64), 0);
	/* ^U kills the line; FIONREAD counts complete lines only. */
	hosted_console_input("gone\x15ok\nmore", 12);
	assert_int_equal(SC(ioctl, 0, FIONREAD, P(&v)), 0);
	assert_int_equal(v, 3);
	assert_int_equal(SC(read, 0, P(buf), 64), 3);
	assert_memory_equal(buf, "ok\n", 3);
	/* The termios: Linux's for ttyS0 as a console at 115200. */
	assert_int_equal(SC(ioctl, 0, TCGETS, P(&t)), 0);
	assert_int_equal(t.c_cflag, 0010002 | 060 | 0200 | 02000 | 04000);
	assert_int_equal(t.c_iflag, 0400 | 02000); /* ICRNL IXON */
	assert_int_equal(t.c_oflag, 05); /* OPOST ONLCR */
	assert_int_equal(t.c_lflag, 0105073); /* ISIG ICANON ECHO... */
	/* Raw mode: bytes come at once, without echo; CR stays CR. */
	saved = t;
	t.c_lflag &= ~(02u | 010u); /* ICANON ECHO */
	t.c_iflag &= ~0400u; /* ICRNL */
	assert_int_equal(SC(ioctl, 0, TCSETSF, P(&t)), 0); /* drops "more" */
	hosted_console_clear();
	hosted_console_input("q\r", 2);
	assert_int_equal(SC(read, 0, P(buf), 64), 2);
	assert_memory_equal(buf, "q\r", 2);
	assert_string_equal(hosted_console_text(), "");
	assert_int_equal(SC(ioctl, 0, TCSETS, P(&saved)), 0);
	/* Output without OPOST: "\n" alone. */
	t = saved;
	t.c_oflag = 0;
	assert_int_equal(SC(ioctl, 1, TCSETS, P(&t)), 0);
	assert_int_equal(SC(write, 1, P("raw\n"), 4), 4);
	assert_string_equal(hosted_console_text(), "raw\n");
	assert_int_equal(SC(ioctl, 1, TCSETS, P(&saved)), 0);
	/* Typed while nobody reads: the timer takes it, echoes it, and
	 * ^C signals the process (the console is its terminal). */
	hosted_console_clear();
	block_signals();
	hosted_console_input("zz", 2);
	hosted_clock_advance(20 * 1000000);
	assert_string_equal(hosted_console_text(), "zz");
	hosted_console_input("\x03", 1);
	hosted_clock_advance(20 * 1000000);
	assert_string_equal(hosted_console_text(), "zz^C");
	assert_true(sent(SIGINT));
	assert_int_equal(SC(ioctl, 0, FIONREAD, P(&v)), 0);
	assert_int_equal(v, 0); /* ^C flushed the line */
	/* The controlling terminal: TIOCGSID and TIOCGPGRP give the pid;
	 * given up, /dev/tty is ENXIO; TIOCSCTTY takes it back. */
	assert_int_equal(SC(ioctl, 0, 0x5429 /* TIOCGSID */, P(&v)), 0);
	assert_int_equal(v, 1);
	assert_int_equal(SC(ioctl, 0, TIOCGPGRP, P(&v)), 0);
	assert_int_equal(v, 1);
	assert_int_equal(SC(ioctl, 0, 0x80045432 /* TIOCGDEV */, P(&v)), 0);
	assert_int_equal(v, (5 << 8) | 1);
	fd = xopen("/dev/tty", O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(SC(ioctl, fd, 0x5422 /* TIOCNOTTY */, 0), 0);
	assert_true(sent(SIGHUP));
	assert_int_equal(xopen("/dev/tty", O_RDWR, 0), -ENXIO);
	assert_int_equal(SC(ioctl, 0, TIOCGPGRP, P(&v)), -ENOTTY);
	hosted_console_input("\x03", 1);
	assert_int_equal(SC(ioctl, 0, FIONREAD, P(&v)), 0);
	assert_false(sent(SIGINT)); /* nobody's terminal */
	assert_int_equal(SC(ioctl, 0, 0x540e /* TIOCSCTTY */, 0), 0);
	assert_true(xopen("/dev/tty", O_RDWR, 0) >= 0);
	/* ^S holds output: a nonblocking write waits for ^Q (EAGAIN). */
	hosted_console_clear();
	hosted_console_input("\x13", 1);
	assert_int_equal(SC(ioctl, 0, FIONREAD, P(&v)), 0);
	assert_int_equal(SC(fcntl, fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(SC(write, fd, P("held"), 4), -EAGAIN);
	hosted_console_input("\x11", 1);
	hosted_clock_advance(20 * 1000000); /* the timer takes the ^Q */
	assert_int_equal(SC(write, fd, P("held"), 4), 4);
	assert_string_equal(hosted_console_text(), "held");
}

/* keel.stdin=stream: fd 0 reads the escaped stream up to its end marker. */
static void test_stdin_stream(void **state)
{
	struct linux_termios t;
	struct linux_stat st;
	char buf[16];

	(void)state;
	teardown(NULL);
	cmdline_init("keel.stdin=stream");
	setup(NULL);
	hosted_console_input("ab\xff\xff", 4);
	assert_int_equal(SC(read, 0, P(buf), 16), 3);
	assert_memory_equal(buf, "ab\xff", 3);
	hosted_console_input("c\xffqd\xff", 5); /* 0xff q: reserved, dropped */
	hosted_console_input("E", 1);
	hosted_console_input("zz", 2); /* after the end: never read */
	assert_int_equal(SC(read, 0, P(buf), 16), 2);
	assert_memory_equal(buf, "cd", 2);
	assert_int_equal(SC(read, 0, P(buf), 16), 0);
	assert_int_equal(SC(read, 0, P(buf), 16), 0);
	assert_int_equal(SC(fstat, 0, P(&st)), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(SC(ioctl, 0, TCGETS, P(&t)), -ENOTTY);
	assert_int_equal(SC(write, 0, P("x"), 1), -EBADF);
	assert_int_equal(SC(ioctl, 1, TCGETS, P(&t)), 0); /* output: console */
	cmdline_init("");
	hyper_console_read(buf, sizeof(buf)); /* drop "zz" */
}

/* Pseudo-terminals: a pair, data both ways, and nothing left after. */
static void test_pty(void **state)
{
	struct heap_stats before, after;
	char name[32], buf[64];
	unsigned n = 99;
	int zero = 0;
	long m, s, peer;

	(void)state;
	heap_stats(&before);
	m = xopen("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK, 0);
	assert_true(m >= 0);
	assert_int_equal(SC(ioctl, m, 0x80045430 /* TIOCGPTN */, P(&n)), 0);
	assert_int_equal(n, 0);
	snprintf(name, sizeof(name), "/dev/pts/%u", n);
	assert_int_equal(xopen(name, O_RDWR | O_NOCTTY, 0), -EIO); /* locked */
	assert_int_equal(SC(ioctl, m, 0x40045431 /* TIOCSPTLCK */, P(&zero)),
			 0);
	s = xopen(name, O_RDWR | O_NOCTTY | O_NONBLOCK, 0);
	assert_true(s >= 0);
	assert_int_equal(SC(read, s, P(buf), 64), -EAGAIN);
	assert_int_equal(SC(write, m, P("hi\n"), 3), 3);
	assert_int_equal(SC(read, s, P(buf), 64), 3);
	assert_memory_equal(buf, "hi\n", 3);
	assert_int_equal(SC(read, m, P(buf), 64), 4); /* the echo */
	assert_memory_equal(buf, "hi\r\n", 4);
	assert_int_equal(SC(write, s, P("x\n"), 2), 2);
	assert_int_equal(SC(read, m, P(buf), 64), 3);
	assert_memory_equal(buf, "x\r\n", 3);
	read_all("/proc/sys/kernel/pty/nr", buf, sizeof(buf));
	assert_string_equal(buf, "1\n");
	peer = SC(ioctl, m, 0x5441 /* TIOCGPTPEER */, O_RDWR | O_NOCTTY);
	assert_true(peer > s);
	assert_int_equal(SC(close, peer), 0);
	assert_int_equal(SC(close, s), 0);
	assert_int_equal(SC(read, m, P(buf), 64), -EIO);
	assert_int_equal(SC(close, m), 0);
	read_all("/proc/sys/kernel/pty/nr", buf, sizeof(buf));
	assert_string_equal(buf, "0\n");
	heap_stats(&after);
	assert_int_equal(after.live_objects, before.live_objects);
	assert_int_equal(after.live_bytes, before.live_bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_devices),
		T(test_console_tty),
		T(test_stdin_stream),
		T(test_pty),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

/*
 * t_pty.c - pseudo-terminals (tests/guest): /dev/ptmx and /dev/pts, the
 * lock, the slave's name and node, the default termios, canonical lines
 * with erase, kill and EOF, echo, signal characters, raw mode and
 * VMIN/VTIME, output processing, flow control and flushes, packet mode,
 * EOF and EIO when an end closes, poll and epoll, the terminal ioctls and
 * their errors, and last a pty as the controlling terminal (after
 * setsid: keel's process already leads its session, and gives up the
 * console, its terminal until then). Run on the host as
 * the reference: Linux moves pty input in a worker, so every read of
 * what the other end wrote waits for it with poll first.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "check.h"

/* termios2 and its ioctls, as asm/termbits.h has them. */
struct termios2 {
	tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
	cc_t c_line, c_cc[19];
	speed_t c_ispeed, c_ospeed;
};
#ifndef TCGETS2
#define TCGETS2 _IOR('T', 0x2A, struct termios2)
#define TCSETS2 _IOW('T', 0x2B, struct termios2)
#endif
#ifndef TIOCGEXCL
#define TIOCGEXCL _IOR('T', 0x40, int)
#endif
#define BOTHER_ 0010000

static int m, s; /* the pair under test */
static unsigned ptn;
static char name[64];
static volatile int nsig[65];

static void on_signal(int sig)
{
	nsig[sig]++;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* What fd has now, after waiting up to a second for the first byte. */
static long take(int fd, char *buf, size_t len)
{
	struct pollfd pf = { fd, POLLIN, 0 };
	int fl = fcntl(fd, F_GETFL);
	long n;

	poll(&pf, 1, 1000);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = raw(read(fd, buf, len));
	fcntl(fd, F_SETFL, fl);
	return n;
}

/* Nothing should come: a short wait, then EAGAIN. */
static long nothing(int fd)
{
	char c;

	usleep(50000);
	set_nonblock(fd, 1);
	long n = raw(read(fd, &c, 1));
	set_nonblock(fd, 0);
	return n;
}

static void check_bytes(const char *what, long got, const char *buf,
			const char *want, size_t wlen)
{
	if (got == (long)wlen && !memcmp(buf, want, wlen)) {
		printf("ok %s\n", what);
		return;
	}
	printf("FAIL %s: got %ld bytes", what, got);
	for (long i = 0; i < got && i < 40; i++)
		printf(" %02x", (unsigned char)buf[i]);
	printf(", want %zu\n", wlen);
	fails++;
}

#define CHECK_TAKE(what, fd, want)                                 \
	do {                                                       \
		char b_[256];                                      \
		long n_ = take(fd, b_, sizeof(b_));                \
		check_bytes(what, n_, b_, want, sizeof(want) - 1); \
	} while (0)

static int revents(int fd, short events)
{
	struct pollfd pf = { fd, events, 0 };

	return poll(&pf, 1, 0) < 0 ? -1 : pf.revents;
}

static void open_pair(void)
{
	m = posix_openpt(O_RDWR | O_NOCTTY);
	ioctl(m, TIOCGPTN, &ptn);
	snprintf(name, sizeof(name), "/dev/pts/%u", ptn);
	unlockpt(m);
	s = open(name, O_RDWR | O_NOCTTY);
}

static void close_pair(void)
{
	close(s);
	close(m);
}

static void set_lflag(int fd, tcflag_t on, tcflag_t off)
{
	struct termios t;

	tcgetattr(fd, &t);
	t.c_lflag = (t.c_lflag | on) & ~off;
	tcsetattr(fd, TCSANOW, &t);
}

static void test_open(void)
{
	struct stat st, st2;
	char path[64], link[64];
	int lock = -1, v, fd;
	long n;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	check("posix_openpt", m >= 0);
	check("master-isatty", isatty(m) == 1);
	check_val("grantpt", raw(grantpt(m)), 0);
	check_val("tiocgptn", raw(ioctl(m, TIOCGPTN, &ptn)), 0);
	snprintf(name, sizeof(name), "/dev/pts/%u", ptn);
	check("ptsname", ptsname(m) && !strcmp(ptsname(m), name));
	check_val("tiocgptlck", raw(ioctl(m, TIOCGPTLCK, &lock)), 0);
	check_val("locked-at-first", lock, 1);
	check_err("open-locked-slave", raw(open(name, O_RDWR | O_NOCTTY)), EIO);
	check_err("peer-locked", raw(ioctl(m, TIOCGPTPEER, O_RDWR)), EIO);
	/* What the master writes before the slave opens waits for it. */
	check_val("write-before-open", raw(write(m, "early\n", 6)), 6);
	check_val("unlockpt", raw(unlockpt(m)), 0);
	ioctl(m, TIOCGPTLCK, &lock);
	check_val("unlocked", lock, 0);
	s = open(name, O_RDWR | O_NOCTTY);
	check("open-slave", s >= 0);
	check("slave-isatty", isatty(s) == 1);
	CHECK_TAKE("early-line", s, "early\n");
	CHECK_TAKE("early-echo", m, "early\r\n");
	check("ttyname", ttyname(s) && !strcmp(ttyname(s), name));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", s);
	n = readlink(path, link, sizeof(link) - 1);
	check("proc-fd-link", n > 0 && (link[n] = 0, !strcmp(link, name)));
	check_val("stat-slave", raw(stat(name, &st)), 0);
	check("slave-chr", S_ISCHR(st.st_mode));
	check_val("slave-mode-rw", st.st_mode & 0600, 0600);
	check_val("slave-major", major(st.st_rdev), 136);
	check_val("slave-minor", minor(st.st_rdev), ptn);
	check_val("slave-nlink", st.st_nlink, 1);
	check_val("slave-uid", st.st_uid, getuid());
	fstat(s, &st2);
	check("fstat-same", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	fstat(m, &st);
	check("master-is-ptmx",
	      S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 2));
	check_val("stat-pts-dir", raw(stat("/dev/pts", &st)), 0);
	check("pts-is-dir", S_ISDIR(st.st_mode));
	check_val("stat-pts-ptmx", raw(stat("/dev/pts/ptmx", &st)), 0);
	check("pts-ptmx-5-2",
	      S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 2));
	DIR *d = opendir("/dev/pts");
	struct dirent *e;
	int seen_ptmx = 0, seen_us = 0;
	snprintf(path, sizeof(path), "%u", ptn);
	while (d && (e = readdir(d))) {
		seen_ptmx |= !strcmp(e->d_name, "ptmx");
		seen_us |= !strcmp(e->d_name, path) && e->d_type == DT_CHR;
	}
	if (d)
		closedir(d);
	check("getdents-ptmx", seen_ptmx);
	check("getdents-slave", seen_us);
	check_err("stat-no-such-pts", raw(stat("/dev/pts/4095", &st)), ENOENT);
	check_err("stat-leading-zero", raw(stat("/dev/pts/00", &st)), ENOENT);
	check_err("mkdir-in-pts", raw(mkdir("/dev/pts/x", 0700)), EPERM);
	/* The other end, from the master. */
	fd = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	check("tiocgptpeer", fd >= 0);
	fstat(fd, &st);
	check("peer-is-slave", S_ISCHR(st.st_mode) && minor(st.st_rdev) == ptn);
	check_val("peer-cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);
	check_err("slave-tiocgptn", raw(ioctl(s, TIOCGPTN, &v)), ENOTTY);
	check_err("slave-tiocsptlck", raw(ioctl(s, TIOCSPTLCK, &v)), ENOTTY);
	check_err("slave-tiocgptpeer", raw(ioctl(s, TIOCGPTPEER, O_RDWR)), EIO);
	check_err("tiocgptn-efault", raw(ioctl(m, TIOCGPTN, BADPTR)), EFAULT);
	check_val("tiocgdev", raw(ioctl(m, TIOCGDEV, &v)), 0);
	check_val("tiocgdev-value", v, (int)makedev(136, ptn));
	check_val("proc-pty-max-open",
		  raw(open("/proc/sys/kernel/pty/max", O_RDONLY)) >= 0, 1);
}

static void test_termios(void)
{
	struct termios t, tm;
	struct termios2 t2;
	static const cc_t cc[] = { 3,  28, 127, 21, 4,	0,  1,	0, 17,
				   19, 26, 0,	18, 15, 23, 22, 0 };

	check_val("tcgetattr", raw(tcgetattr(s, &t)), 0);
	check_val("iflag", t.c_iflag, ICRNL | IXON);
	check_val("oflag", t.c_oflag, OPOST | ONLCR);
	check_val("cflag", t.c_cflag, B38400 | CS8 | CREAD);
	check_val("lflag", t.c_lflag,
		  ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
		      IEXTEN);
	check("cc", !memcmp(t.c_cc, cc, sizeof(cc)));
	check_val("ospeed", cfgetospeed(&t), B38400);
	check_val("tcgetattr-master", raw(tcgetattr(m, &tm)), 0);
	check("master-sees-slave-termios",
	      tm.c_lflag == t.c_lflag && tm.c_iflag == t.c_iflag);
	check_val("tcgets2", raw(ioctl(s, TCGETS2, &t2)), 0);
	check_val("tcgets2-speed", t2.c_ospeed, 38400);
	cfsetspeed(&t, B115200);
	t.c_cflag = (t.c_cflag & ~CSIZE) | CS7 | PARENB;
	check_val("tcsetattr", raw(tcsetattr(s, TCSANOW, &t)), 0);
	tcgetattr(s, &t);
	check_val("speed-115200", cfgetospeed(&t), B115200);
	check_val("ispeed-115200", cfgetispeed(&t), B115200);
	check_val("pty-is-cs8", t.c_cflag & (CSIZE | PARENB), CS8);
	ioctl(s, TCGETS2, &t2);
	check_val("tcgets2-115200", t2.c_ospeed, 115200);
	t2.c_cflag = (t2.c_cflag & ~CBAUD) | BOTHER_;
	t2.c_ospeed = 12345;
	check_val("tcsets2-bother", raw(ioctl(s, TCSETS2, &t2)), 0);
	ioctl(s, TCGETS2, &t2);
	check_val("bother-ospeed", t2.c_ospeed, 12345);
	check_val("bother-ispeed", t2.c_ispeed, 12345);
	cfsetspeed(&t, B38400);
	tcsetattr(m, TCSANOW, &t); /* through the master */
	tcgetattr(s, &t);
	check_val("set-through-master", cfgetospeed(&t), B38400);
	check_err("tcgets-efault", raw(ioctl(s, TCGETS, BADPTR)), EFAULT);
	check_err("tcsets-efault", raw(ioctl(s, TCSETS, BADPTR)), EFAULT);
	check_val("tcsendbreak", raw(tcsendbreak(s, 0)), 0);
	check_val("tcdrain", raw(tcdrain(s)), 0);
	check_val("tiocsbrk", raw(ioctl(s, TIOCSBRK)), 0);
	check_val("tioccbrk", raw(ioctl(s, TIOCCBRK)), 0);
}

/* Canonical editing: what the master types, the line, the echo. */
static const struct edit {
	const char *name, *in, *line, *echo;
} edits[] = {
	{ "erase",
	  "abc\x7f"
	  "d\n",
	  "abd\n", "abc\b \bd\r\n" },
	{ "kill", "xyz\x15ok\n", "ok\n", "xyz\b \b\b \b\b \bok\r\n" },
	{ "werase", "one two\x17\n", "one \n", "one two\b \b\b \b\b \b\r\n" },
	{ "erase-ctl",
	  "ab\x01\x7f\x7f"
	  "c\n",
	  "ac\n", "ab^A\b \b\b \b\b \bc\r\n" },
	{ "erase-tab", "xy\tz\x7f\x7fq\n", "xyq\n",
	  "xy\tz\b \b\b\b\b\b\b\bq\r\n" },
	{ "lnext", "\x16\x03x\n", "\x03x\n", "^\b^Cx\r\n" },
	{ "echoctl", "\x1b[A\n", "\x1b[A\n", "^[[A\r\n" },
	{ "reprint", "a\x12\n", "a\n", "a^R\r\na\r\n" },
};

static void test_canonical(void)
{
	char buf[8192];
	int v = -1;
	long n;

	write(m, "hello\n", 6);
	CHECK_TAKE("line", s, "hello\n");
	CHECK_TAKE("echo", m, "hello\r\n");
	write(m, "ab", 2);
	CHECK_TAKE("partial-echo", m, "ab");
	check_err("partial-line-waits", nothing(s), EAGAIN);
	check_val("fionread-partial", raw(ioctl(s, FIONREAD, &v)), 0);
	check_val("fionread-partial-0", v, 0);
	write(m, "c\n", 2);
	CHECK_TAKE("completed", s, "abc\n");
	CHECK_TAKE("completed-echo", m, "c\r\n");
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const struct edit *e = &edits[i];
		char name[64], b[256];
		long got;

		write(m, e->in, strlen(e->in));
		got = take(s, b, sizeof(b));
		check_bytes(e->name, got, b, e->line, strlen(e->line));
		got = take(m, b, sizeof(b));
		snprintf(name, sizeof(name), "%s-echo", e->name);
		check_bytes(name, got, b, e->echo, strlen(e->echo));
	}
	write(m, "ab\x04", 3);
	CHECK_TAKE("eof-ends-line", s, "ab");
	write(m, "\x04", 1);
	poll(&(struct pollfd){ s, POLLIN, 0 }, 1, 1000);
	check_val("eof-reads-0", raw(read(s, buf, 10)), 0);
	CHECK_TAKE("eof-no-echo", m, "ab");
	write(m, "l1\nl2\n", 6);
	CHECK_TAKE("two-lines-echo", m, "l1\r\nl2\r\n");
	ioctl(s, FIONREAD, &v);
	check_val("fionread-lines", v, 6);
	check_val("one-line-per-read", raw(read(s, buf, sizeof(buf))), 3);
	check_val("second-line", raw(read(s, buf, sizeof(buf))), 3);
	write(m, "abcdef\n", 7);
	take(m, buf, sizeof(buf));
	poll(&(struct pollfd){ s, POLLIN, 0 }, 1, 1000);
	check_val("short-read", raw(read(s, buf, 3)), 3);
	n = raw(read(s, buf, sizeof(buf)));
	check_bytes("rest-of-line", n, buf, "def\n", 4);
	write(m, "a\rb\n", 4);
	CHECK_TAKE("icrnl-1", s, "a\n");
	CHECK_TAKE("icrnl-2", s, "b\n");
	CHECK_TAKE("icrnl-echo", m, "a\r\nb\r\n");
	/* A line longer than the 4096-byte buffer keeps its end. */
	memset(buf, 'a', 5000);
	check_val("long-line-write", raw(write(m, buf, 5000)), 5000);
	while (take(m, buf, sizeof(buf)) > 0)
		;
	write(m, "\n", 1);
	n = take(s, buf, sizeof(buf));
	check_val("long-line-cut", n, 4096);
	check("long-line-ends",
	      n == 4096 && buf[4095] == '\n' && buf[4094] == 'a');
	while (take(m, buf, sizeof(buf)) > 0)
		;
}

static void test_modes(void)
{
	struct termios t, saved;
	char buf[64];
	int64_t t0;
	int v;

	tcgetattr(s, &saved);
	/* ECHONL: the newline alone. */
	set_lflag(s, ECHONL, ECHO);
	write(m, "ab\n", 3);
	CHECK_TAKE("echonl", m, "\r\n");
	CHECK_TAKE("echonl-data", s, "ab\n");
	/* INLCR and IGNCR. */
	t = saved;
	t.c_iflag |= INLCR | IGNCR;
	t.c_lflag &= ~(ICANON | ECHO);
	tcsetattr(s, TCSANOW, &t);
	write(m, "a\rb\nc", 5);
	usleep(20000);
	CHECK_TAKE("inlcr-igncr", s, "ab\rc");
	/* Raw: nothing is special, nothing echoes. */
	cfmakeraw(&t);
	check_val("raw", raw(tcsetattr(s, TCSANOW, &t)), 0);
	write(m, "a\rb\x03\x04", 5);
	usleep(20000);
	CHECK_TAKE("raw-data", s, "a\rb\x03\x04");
	check_err("raw-no-echo", nothing(m), EAGAIN);
	write(s, "x\ny", 3);
	CHECK_TAKE("raw-no-onlcr", m, "x\ny");
	/* VMIN and VTIME. */
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	check_val("vmin0-vtime0", raw(read(s, buf, 10)), 0);
	t.c_cc[VTIME] = 2;
	tcsetattr(s, TCSANOW, &t);
	t0 = now_ms();
	check_val("vtime-timeout", raw(read(s, buf, 10)), 0);
	check("vtime-waited", now_ms() - t0 >= 150 && now_ms() - t0 < 30000);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	write(m, "xy", 2);
	usleep(20000);
	check_val("vmin3-poll", revents(s, POLLIN), 0);
	ioctl(s, FIONREAD, &v);
	check_val("vmin3-fionread", v, 2);
	write(m, "z", 1);
	check_val("vmin3-poll-ready",
		  poll(&(struct pollfd){ s, POLLIN, 0 }, 1, 1000), 1);
	check_val("vmin3-read", raw(read(s, buf, 10)), 3);
	t.c_cc[VMIN] = 1;
	t.c_lflag |= ECHO;
	tcsetattr(s, TCSANOW, &t);
	write(m, "q\x01\n\r", 4);
	CHECK_TAKE("raw-echo", m, "q^A^J^M");
	CHECK_TAKE("raw-echo-data", s, "q\x01\n\r");
	/* Back to canonical: what is there makes a line. */
	t.c_lflag &= ~ECHO;
	tcsetattr(s, TCSANOW, &t);
	write(m, "ab", 2);
	usleep(20000);
	tcsetattr(s, TCSANOW, &saved);
	CHECK_TAKE("to-canonical", s, "ab");
	/* OPOST. */
	write(s, "a\tb\rc\n", 6);
	CHECK_TAKE("onlcr", m, "a\tb\rc\r\n");
	t = saved;
	t.c_oflag |= OCRNL | XTABS;
	tcsetattr(s, TCSANOW, &t);
	write(s, "a\tb\r", 4);
	CHECK_TAKE("ocrnl-xtabs", m, "a       b\n");
	tcsetattr(s, TCSANOW, &saved);
}

static void test_signals_noctty(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char buf[64];

	sigaction(SIGINT, &sa, NULL);
	write(m, "ab", 2);
	CHECK_TAKE("intr-before", m, "ab");
	write(m,
	      "\x03"
	      "cd\n",
	      4);
	CHECK_TAKE("intr-flushes", s, "cd\n");
	CHECK_TAKE("intr-echo", m, "^Ccd\r\n");
	usleep(20000);
	check_val("intr-no-ctty-no-signal", nsig[SIGINT], 0);
	/* TIOCSTI: a byte as if typed. */
	check_val("tiocsti", raw(ioctl(s, TIOCSTI, "Z")), 0);
	write(m, "\n", 1);
	CHECK_TAKE("tiocsti-data", s, "Z\n");
	take(m, buf, sizeof(buf));
	check_err("tiocsti-efault", raw(ioctl(s, TIOCSTI, BADPTR)), EFAULT);
}

static void test_flow(void)
{
	char buf[64];
	int v = -1;

	write(m, "junk\n", 5);
	take(m, buf, sizeof(buf));
	poll(&(struct pollfd){ s, POLLIN, 0 }, 1, 1000);
	check_val("tcflush-in", raw(tcflush(s, TCIFLUSH)), 0);
	ioctl(s, FIONREAD, &v);
	check_val("flushed", v, 0);
	check_err("flushed-nothing", nothing(s), EAGAIN);
	write(s, "out", 3);
	poll(&(struct pollfd){ m, POLLIN, 0 }, 1, 1000);
	check_val("tcflush-out", raw(tcflush(s, TCOFLUSH)), 0);
	CHECK_TAKE("oflush-keeps-written", m, "out");
	check_err("tcflush-bad", raw(tcflush(s, 9)), EINVAL);
	check_val("tcflow-ooff", raw(tcflow(s, TCOOFF)), 0);
	set_nonblock(s, 1);
	check_err("stopped-write", raw(write(s, "a", 1)), EAGAIN);
	check_val("stopped-not-writable", revents(s, POLLOUT), 0);
	check_val("tcflow-oon", raw(tcflow(s, TCOON)), 0);
	check_val("restarted-write", raw(write(s, "a", 1)), 1);
	CHECK_TAKE("restarted-data", m, "a");
	check_val("tcflow-ioff", raw(tcflow(s, TCIOFF)), 0);
	CHECK_TAKE("ioff-sends-stop", m, "\x13");
	check_val("tcflow-ion", raw(tcflow(s, TCION)), 0);
	CHECK_TAKE("ion-sends-start", m, "\x11");
	check_err("tcflow-bad", raw(tcflow(s, 9)), EINVAL);
	/* IXON: ^S stops the slave's output (echo too), ^Q restarts it. */
	write(m, "\x13", 1);
	usleep(20000);
	check_err("ixon-stopped", raw(write(s, "b", 1)), EAGAIN);
	write(m, "zz\n", 3);
	check_err("ixon-echo-held", nothing(m), EAGAIN);
	write(m, "\x11", 1);
	CHECK_TAKE("ixon-echo-after-start", m, "zz\r\n");
	CHECK_TAKE("ixon-data", s, "zz\n");
	check_val("ixon-restarted", raw(write(s, "b", 1)), 1);
	CHECK_TAKE("ixon-restarted-data", m, "b");
	set_nonblock(s, 0);
	check_val("tiocoutq", raw(ioctl(s, TIOCOUTQ, &v)), 0);
	check_val("tiocoutq-0", v, 0);
}

static void test_ioctls(void)
{
	struct winsize ws = { 0 };
	int v = -1;

	check_val("tiocgwinsz", raw(ioctl(s, TIOCGWINSZ, &ws)), 0);
	check("winsize-0", ws.ws_row == 0 && ws.ws_col == 0);
	ws.ws_row = 30;
	ws.ws_col = 100;
	check_val("tiocswinsz-master", raw(ioctl(m, TIOCSWINSZ, &ws)), 0);
	memset(&ws, 0, sizeof(ws));
	ioctl(s, TIOCGWINSZ, &ws);
	check("winsize-set", ws.ws_row == 30 && ws.ws_col == 100);
	check_err("tiocswinsz-efault", raw(ioctl(s, TIOCSWINSZ, BADPTR)),
		  EFAULT);
	check_err("tiocgsid-noctty", raw(ioctl(s, TIOCGSID, &v)), ENOTTY);
	check_err("tiocgsid-master", raw(ioctl(m, TIOCGSID, &v)), ENOTTY);
	check_err("tiocgpgrp-noctty", raw(ioctl(s, TIOCGPGRP, &v)), ENOTTY);
	check_val("tiocgpgrp-master", raw(ioctl(m, TIOCGPGRP, &v)), 0);
	check_val("tiocgpgrp-master-0", v, 0);
	v = getpid();
	check_err("tiocspgrp-noctty", raw(ioctl(s, TIOCSPGRP, &v)), ENOTTY);
	check_err("tiocnotty-noctty", raw(ioctl(s, TIOCNOTTY)), ENOTTY);
	check_err("tiocnotty-master", raw(ioctl(m, TIOCNOTTY)), ENOTTY);
	check_val("tiocgetd", raw(ioctl(s, TIOCGETD, &v)), 0);
	check_val("n_tty", v, 0);
	v = 1;
	check_err("tiocsetd-other", raw(ioctl(s, TIOCSETD, &v)), EINVAL);
	check_val("tiocexcl", raw(ioctl(s, TIOCEXCL)), 0);
	check_val("tiocgexcl", raw(ioctl(s, TIOCGEXCL, &v)), 0);
	check_val("excl-set", v, 1);
	ioctl(s, TIOCNXCL);
	check_err("tiocmget", raw(ioctl(s, TIOCMGET, &v)), ENOTTY);
	check_err("unknown-ioctl", raw(ioctl(s, 0x54ff, &v)), ENOTTY);
	check_err("unknown-ioctl-master", raw(ioctl(m, 0x54ff, &v)), ENOTTY);
	check_err("tiocsig-bad", raw(ioctl(m, TIOCSIG, 9)), EINVAL);
	check_val("tiocsig-noctty", raw(ioctl(m, TIOCSIG, SIGINT)), 0);
	check_err("slave-tiocsig", raw(ioctl(s, TIOCSIG, SIGINT)), ENOTTY);
	v = 1;
	check_val("fionbio", raw(ioctl(s, FIONBIO, &v)), 0);
	check_val("fionbio-set", fcntl(s, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	v = 0;
	ioctl(s, FIONBIO, &v);
	check_err("read-efault", (write(m, "x\n", 2), take(s, BADPTR, 10)),
		  EFAULT);
	check_err("write-efault", raw(syscall(SYS_write, m, BADPTR, 10)),
		  EFAULT);
	take(m, (char[64]){ 0 }, 64);
}

static void test_packet(void)
{
	int v = 1;

	check_val("tiocpkt", raw(ioctl(m, TIOCPKT, &v)), 0);
	check_val("tiocgpkt", raw(ioctl(m, TIOCGPKT, &v)), 0);
	check_val("pkt-on", v, 1);
	write(s, "hi", 2);
	CHECK_TAKE("pkt-data", m, "\0hi");
	tcflush(s, TCIFLUSH);
	check_val("pkt-pri", revents(m, POLLPRI), POLLPRI);
	CHECK_TAKE("pkt-flushread", m, "\x01");
	tcflow(s, TCOOFF);
	CHECK_TAKE("pkt-stop", m, "\x04");
	tcflow(s, TCOON);
	CHECK_TAKE("pkt-start", m, "\x08");
	v = 0;
	ioctl(m, TIOCPKT, &v);
	write(s, "x", 1);
	CHECK_TAKE("pkt-off", m, "x");
}

static void test_poll(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep;

	open_pair();
	check_val("fresh-master-poll", revents(m, POLLIN | POLLOUT), POLLOUT);
	check_val("fresh-slave-poll", revents(s, POLLIN | POLLOUT), POLLOUT);
	set_nonblock(m, 1);
	check_err("fresh-master-eagain", raw(read(m, (char[4]){ 0 }, 4)),
		  EAGAIN);
	set_nonblock(m, 0);
	ep = epoll_create1(0);
	check_val("epoll-add-slave", raw(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev)),
		  0);
	check_val("epoll-nothing", raw(epoll_wait(ep, &out, 1, 0)), 0);
	write(m, "z\n", 2);
	check_val("epoll-line", raw(epoll_wait(ep, &out, 1, 1000)), 1);
	check_val("slave-readable", revents(s, POLLIN | POLLOUT),
		  POLLIN | POLLOUT);
	poll(&(struct pollfd){ m, POLLIN, 0 }, 1, 1000);
	check_val("master-readable", revents(m, POLLIN | POLLOUT),
		  POLLIN | POLLOUT);
	close(ep);
	close_pair();
}

static void test_close(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct termios t;
	struct stat st;
	char buf[64];
	int s2;

	open_pair();
	/* A blocking read ends with a signal (no SA_RESTART: EINTR). */
	sigaction(SIGALRM, &sa, NULL);
	alarm_every(100);
	check_err("read-eintr", raw(read(s, buf, sizeof(buf))), EINTR);
	alarm_stop();
	check("alarm-handled", nsig[SIGALRM] >= 1);
	/* Slave's close: the master reads what is left, then EIO. */
	write(s, "bye\n", 4);
	poll(&(struct pollfd){ m, POLLIN, 0 }, 1, 1000);
	close(s);
	check_val("slave-closed-poll", revents(m, POLLIN | POLLOUT),
		  POLLIN | POLLOUT | POLLHUP);
	check_bytes("drain", raw(read(m, buf, sizeof(buf))), buf, "bye\r\n", 5);
	check_err("then-eio", raw(read(m, buf, sizeof(buf))), EIO);
	check_val("hup-poll", revents(m, POLLIN | POLLOUT), POLLOUT | POLLHUP);
	check_val("master-still-writes", raw(write(m, "q", 1)), 1);
	usleep(50000); /* poll says POLLHUP at once */
	CHECK_TAKE("echo-without-slave", m, "q");
	s2 = open(name, O_RDWR | O_NOCTTY);
	check("reopen-slave", s2 >= 0);
	check_val("reopened-poll", revents(m, POLLIN | POLLOUT), POLLOUT);
	write(m, "\n", 1);
	CHECK_TAKE("kept-input", s2, "q\n");
	take(m, buf, sizeof(buf));
	/* Master's close: the slave is hung up. */
	close(m);
	check_val("hangup-read", raw(read(s2, buf, sizeof(buf))), 0);
	check_err("hangup-write", raw(write(s2, "x", 1)), EIO);
	check_val("hangup-poll", revents(s2, POLLIN | POLLOUT),
		  POLLIN | POLLOUT | POLLERR | POLLHUP);
	check_err("hangup-tcgetattr", raw(tcgetattr(s2, &t)), EIO);
	check_err("hangup-tiocspgrp", raw(ioctl(s2, TIOCSPGRP, &(int){ 1 })),
		  ENOTTY);
	check_err("name-gone", raw(stat(name, &st)), ENOENT);
	fstat(s2, &st);
	check_val("nlink-0", st.st_nlink, 0);
	close(s2);
	check_err("open-gone", raw(open(name, O_RDWR | O_NOCTTY)), ENOENT);
}

static char big[65536];

static void *blocking_reader(void *arg)
{
	static char buf[64];
	long n = read(s, buf, sizeof(buf));

	(void)arg;
	return (void *)(n == 5 && !memcmp(buf, "wake\n", 5) ? 1L : 0L);
}

static void *blocking_writer(void *arg)
{
	(void)arg;
	return (void *)(long)write(s, big, sizeof(big));
}

/* Blocking both ways, with a second thread on the other end. */
static void test_threads(void)
{
	pthread_t th;
	void *ret;
	long total = 0, n;
	char buf[4096];

	open_pair();
	pthread_create(&th, NULL, blocking_reader, NULL);
	usleep(50000);
	write(m, "wake\n", 5);
	pthread_join(th, &ret);
	check_val("blocked-reader-gets-line", (long)ret, 1);
	take(m, buf, sizeof(buf));
	memset(big, 'b', sizeof(big));
	pthread_create(&th, NULL, blocking_writer, NULL);
	usleep(50000);
	while (total < (long)sizeof(big) && (n = read(m, buf, sizeof(buf))) > 0)
		total += n;
	pthread_join(th, &ret);
	check_val("blocked-writer-done", (long)ret, sizeof(big));
	check_val("all-read", total, sizeof(big));
	close_pair();
}

/* A pty as the controlling terminal of a session leader. */
static void test_ctty(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct winsize ws = { 10, 20, 0, 0 };
	int v = -1;

	setsid(); /* keel: EPERM, the process leads its session already */
	check_val("session-leader", getsid(0), getpid());
	/* keel's console is the session's terminal from the start: give it
	 * up first (its SIGHUP ignored). After setsid the host has none. */
	v = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (v >= 0) {
		signal(SIGHUP, SIG_IGN);
		ioctl(v, TIOCNOTTY);
		close(v);
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	nsig[SIGINT] = 0;
	open_pair();
	check_val("tiocsctty", raw(ioctl(s, TIOCSCTTY, 0)), 0);
	check_val("tiocsctty-again", raw(ioctl(s, TIOCSCTTY, 0)), 0);
	check_val("tiocgpgrp", raw(ioctl(s, TIOCGPGRP, &v)), 0);
	check_val("pgrp-is-ours", v, getpgrp());
	ioctl(m, TIOCGPGRP, &v);
	check_val("master-pgrp", v, getpgrp());
	check_val("tiocgsid", raw(ioctl(s, TIOCGSID, &v)), 0);
	check_val("sid-is-ours", v, getsid(0));
	v = getpgrp();
	check_val("tiocspgrp", raw(ioctl(s, TIOCSPGRP, &v)), 0);
	v = -1;
	check_err("tiocspgrp-negative", raw(ioctl(s, TIOCSPGRP, &v)), EINVAL);
	write(m, "\x03", 1);
	for (int i = 0; i < 100 && !nsig[SIGINT]; i++)
		usleep(10000);
	check_val("intr-signals", nsig[SIGINT], 1);
	check_val("tiocsig-quit", raw(ioctl(m, TIOCSIG, SIGQUIT)), 0);
	for (int i = 0; i < 100 && !nsig[SIGQUIT]; i++)
		usleep(10000);
	check_val("tiocsig-signals", nsig[SIGQUIT], 1);
	ioctl(m, TIOCSWINSZ, &ws);
	check_val("sigwinch", nsig[SIGWINCH], 1);
	ioctl(m, TIOCSWINSZ, &ws);
	check_val("sigwinch-unchanged", nsig[SIGWINCH], 1);
	check_val("tiocnotty", raw(ioctl(s, TIOCNOTTY)), 0);
	check_val("notty-sighup", nsig[SIGHUP], 1);
	check_err("notty-pgrp", raw(ioctl(s, TIOCGPGRP, &v)), ENOTTY);
	/* Opened without O_NOCTTY by a leader without one: it takes it. */
	v = open(name, O_RDWR);
	check("open-takes-ctty", ioctl(v, TIOCGPGRP, &(int){ 0 }) == 0);
	close(v);
	close(m); /* hang-up: SIGHUP for the session */
	check_val("hangup-sighup", nsig[SIGHUP], 2);
	close(s);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_open();
	test_termios();
	test_canonical();
	test_modes();
	test_signals_noctty();
	test_flow();
	test_ioctls();
	test_packet();
	close_pair();
	test_poll();
	test_close();
	test_threads();
	test_ctty();
	printf("t_pty: %d failed\n", fails);
	return fails != 0;
}

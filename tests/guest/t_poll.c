/*
 * t_poll.c - waiting for events (tests/guest): poll, ppoll, select,
 * pselect6 and epoll over pipes, eventfd, timerfd, regular files and
 * /dev/null; timeouts last at least what was asked; eventfd counter and
 * semaphore semantics; timerfd one-shot, interval and absolute timers;
 * the error paths. Single-threaded. Run in the guest and on the host; one
 * line per check, the output must match.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_poll(void)
{
	struct pollfd pf[4];
	char path[64];
	int p[2], fd;
	int64_t t0;
	char c;

	check_val("pipe", raw(pipe(p)), 0);
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	pf[1] = (struct pollfd){ p[1], POLLOUT, 0 };
	check_val("poll-empty-pipe", raw(poll(pf, 2, 0)), 1);
	check_val("poll-empty-read-revents", pf[0].revents, 0);
	check_val("poll-write-end-revents", pf[1].revents, POLLOUT);
	t0 = now_ms();
	check_val("poll-timeout", raw(poll(pf, 1, 50)), 0);
	check("poll-timeout-waited", now_ms() - t0 >= 50);
	check_val("pipe-write", raw(write(p[1], "x", 1)), 1);
	check_val("poll-readable", raw(poll(pf, 2, -1)), 2);
	check_val("poll-readable-revents", pf[0].revents, POLLIN);
	pf[0].events = POLLIN | POLLOUT;
	check_val("poll-read-end-no-pollout", raw(poll(pf, 1, 0)), 1);
	check_val("poll-read-end-revents", pf[0].revents, POLLIN);
	check_val("pipe-read", raw(read(p[0], &c, 1)), 1);
	pf[2] = (struct pollfd){ -1, POLLIN, 0x7 };
	pf[3] = (struct pollfd){ 999, POLLIN, 0 };
	check_val("poll-negative-and-bad-fd", raw(poll(pf + 2, 2, 0)), 1);
	check_val("poll-negative-fd-revents", pf[2].revents, 0);
	check_val("poll-bad-fd-nval", pf[3].revents, POLLNVAL);
	fd = open("f", O_RDWR | O_CREAT, 0600);
	pf[0] = (struct pollfd){ fd, POLLIN | POLLOUT | POLLPRI, 0 };
	check_val("poll-regular-file", raw(poll(pf, 1, 0)), 1);
	check_val("poll-regular-file-revents", pf[0].revents, POLLIN | POLLOUT);
	close(fd);
	unlink("f");
	fd = open("/dev/null", O_RDWR);
	pf[0] = (struct pollfd){ fd, POLLIN | POLLOUT, 0 };
	check_val("poll-dev-null", raw(poll(pf, 1, 0)), 1);
	check_val("poll-dev-null-revents", pf[0].revents, POLLIN | POLLOUT);
	close(fd);
	/* Hang-up and error on the ends of a half-closed pipe. */
	close(p[1]);
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	check_val("poll-hup", raw(poll(pf, 1, -1)), 1);
	check_val("poll-hup-revents", pf[0].revents, POLLHUP);
	close(p[0]);
	check_val("pipe-again", raw(pipe(p)), 0);
	close(p[0]);
	pf[0] = (struct pollfd){ p[1], POLLOUT, 0 };
	check_val("poll-err", raw(poll(pf, 1, 0)), 1);
	check_val("poll-err-revents", pf[0].revents, POLLOUT | POLLERR);
	pf[0] = (struct pollfd){ p[1], 0, 0 };
	check_val("poll-err-unasked", raw(poll(pf, 1, 0)), 1);
	check_val("poll-err-unasked-revents", pf[0].revents, POLLERR);
	close(p[1]);
	check_err("poll-efault", raw(syscall(SYS_poll, BADPTR, 1, 0)), EFAULT);
	check_err("poll-einval-nfds", raw(syscall(SYS_poll, pf, 1U << 30, 0)),
		  EINVAL);
	/* stdin is /dev/null on the host, keel's ended input stream in the
	 * guest (keel.stdin=stream): readable, and it reads EOF. */
	pf[0] = (struct pollfd){ 0, POLLIN, 0 };
	check_val("poll-stdin-at-end", raw(poll(pf, 1, 5000)), 1);
	check_val("poll-stdin-at-end-revents", pf[0].revents, POLLIN);
	check_val("read-stdin-at-end", raw(read(0, &c, 1)), 0);
	check_val("poll-nothing", raw(poll(NULL, 0, 0)), 0);
	/* An eventfd reached through /proc/self/fd does not open again. */
	fd = eventfd(0, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	check_err("reopen-eventfd", raw(open(path, O_RDONLY)), ENXIO);
	close(fd);
	t0 = now_ms();
	check_val("poll-sleep", raw(poll(NULL, 0, 30)), 0);
	check("poll-sleep-waited", now_ms() - t0 >= 30);
}

static void test_ppoll(void)
{
	struct timespec ts = { 0, 20 * 1000000 }, bad = { 0, 1000000000 };
	struct pollfd pf;
	sigset_t set;
	int p[2];
	int64_t t0;

	pipe(p);
	pf = (struct pollfd){ p[0], POLLIN, 0 };
	sigemptyset(&set);
	t0 = now_ms();
	check_val("ppoll-timeout",
		  raw(syscall(SYS_ppoll, &pf, 1, &ts, &set, 8)), 0);
	check("ppoll-timeout-waited", now_ms() - t0 >= 20);
	check("ppoll-time-left-zero", ts.tv_sec == 0 && ts.tv_nsec == 0);
	ts = (struct timespec){ 5, 0 };
	write(p[1], "y", 1);
	check_val("ppoll-ready", raw(syscall(SYS_ppoll, &pf, 1, &ts, NULL, 0)),
		  1);
	check("ppoll-time-left", ts.tv_sec <= 5 && ts.tv_sec >= 4);
	check_err("ppoll-einval-ts",
		  raw(syscall(SYS_ppoll, &pf, 1, &bad, NULL, 8)), EINVAL);
	check_err("ppoll-einval-sigsetsize",
		  raw(syscall(SYS_ppoll, &pf, 1, &ts, &set, 4)), EINVAL);
	check_err("ppoll-efault-sigmask",
		  raw(syscall(SYS_ppoll, &pf, 1, &ts, BADPTR, 8)), EFAULT);
	check_err("ppoll-efault-ts",
		  raw(syscall(SYS_ppoll, &pf, 1, BADPTR, NULL, 8)), EFAULT);
	check_val("ppoll-glibc", raw(ppoll(&pf, 1, NULL, &set)), 1);
	close(p[0]);
	close(p[1]);
}

static void test_select(void)
{
	struct timeval tv = { 0, 30000 };
	struct timespec ts = { 0, 10000000 };
	fd_set r, w;
	int p[2];
	int64_t t0;
	struct {
		sigset_t *ss;
		size_t len;
	} pack;
	sigset_t set;

	pipe(p);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	check_val("select-writable", raw(select(p[1] + 1, &r, &w, NULL, &tv)),
		  1);
	check("select-writable-sets",
	      !FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	check("select-writable-time-left",
	      tv.tv_sec == 0 && tv.tv_usec > 0 && tv.tv_usec <= 30000);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){ 0, 30000 };
	t0 = now_ms();
	check_val("select-timeout", raw(select(p[0] + 1, &r, NULL, NULL, &tv)),
		  0);
	check("select-timeout-waited", now_ms() - t0 >= 30);
	check("select-timeout-set-cleared", !FD_ISSET(p[0], &r));
	check("select-timeout-time-left", tv.tv_sec == 0 && tv.tv_usec == 0);
	write(p[1], "z", 1);
	FD_SET(p[0], &r);
	FD_SET(p[1], &r);
	FD_ZERO(&w);
	FD_SET(p[0], &w);
	FD_SET(p[1], &w);
	check_val("select-both", raw(select(p[1] + 1, &r, &w, NULL, NULL)), 2);
	check("select-both-sets", FD_ISSET(p[0], &r) && !FD_ISSET(p[1], &r) &&
				      !FD_ISSET(p[0], &w) &&
				      FD_ISSET(p[1], &w));
	FD_ZERO(&r);
	FD_SET(100, &r);
	check_err("select-ebadf", raw(select(101, &r, NULL, NULL, NULL)),
		  EBADF);
	check_err("select-einval-n", raw(select(-1, NULL, NULL, NULL, NULL)),
		  EINVAL);
	tv = (struct timeval){ -1, 0 };
	check_err("select-einval-tv", raw(select(0, NULL, NULL, NULL, &tv)),
		  EINVAL);
	tv = (struct timeval){ 0, 1500000 - 1500000 };
	check_val("select-zero-tv", raw(select(0, NULL, NULL, NULL, &tv)), 0);
	check_err("select-efault",
		  raw(select(p[1] + 1, BADPTR, NULL, NULL, NULL)), EFAULT);
	t0 = now_ms();
	tv = (struct timeval){ 0, 20000 };
	check_val("select-sleep", raw(select(0, NULL, NULL, NULL, &tv)), 0);
	check("select-sleep-waited", now_ms() - t0 >= 20);

	FD_ZERO(&r);
	FD_SET(p[0], &r);
	sigemptyset(&set);
	pack.ss = &set;
	pack.len = 8;
	check_val(
	    "pselect6-ready",
	    raw(syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, &pack)),
	    1);
	check("pselect6-time-left", ts.tv_sec == 0 && ts.tv_nsec > 0);
	pack.len = 4;
	check_err(
	    "pselect6-einval-sigsetsize",
	    raw(syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, &pack)),
	    EINVAL);
	check_err(
	    "pselect6-efault-pack",
	    raw(syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, BADPTR)),
	    EFAULT);
	ts = (struct timespec){ 0, -1 };
	check_err(
	    "pselect6-einval-ts",
	    raw(syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL)),
	    EINVAL);
	check_val("pselect-glibc",
		  raw(pselect(p[0] + 1, &r, NULL, NULL, NULL, &set)), 1);
	close(p[0]);
	close(p[1]);
}

static void test_eventfd(void)
{
	uint64_t v;
	int e, s;
	struct pollfd pf;

	e = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	check("eventfd", e >= 0);
	check_val("eventfd-cloexec", raw(fcntl(e, F_GETFD)), FD_CLOEXEC);
	check_val("eventfd-nonblock", raw(fcntl(e, F_GETFL)) & O_NONBLOCK,
		  O_NONBLOCK);
	pf = (struct pollfd){ e, POLLIN | POLLOUT, 0 };
	check_val("eventfd-poll", raw(poll(&pf, 1, 0)), 1);
	check_val("eventfd-poll-revents", pf.revents, POLLIN | POLLOUT);
	check_val("eventfd-read", raw(read(e, &v, 8)), 8);
	check_val("eventfd-read-value", (long)v, 3);
	check_err("eventfd-read-eagain", raw(read(e, &v, 8)), EAGAIN);
	check_err("eventfd-read-short", raw(read(e, &v, 4)), EINVAL);
	v = 5;
	check_val("eventfd-write", raw(write(e, &v, 8)), 8);
	check_val("eventfd-write-again", raw(write(e, &v, 8)), 8);
	check_val("eventfd-read-sum", raw(read(e, &v, 8)) == 8 ? (long)v : -1,
		  10);
	v = UINT64_MAX;
	check_err("eventfd-write-max", raw(write(e, &v, 8)), EINVAL);
	v = UINT64_MAX - 1;
	check_val("eventfd-write-full", raw(write(e, &v, 8)), 8);
	pf = (struct pollfd){ e, POLLIN | POLLOUT, 0 };
	check_val("eventfd-poll-full", raw(poll(&pf, 1, 0)), 1);
	check_val("eventfd-poll-full-revents", pf.revents, POLLIN);
	v = 1;
	check_err("eventfd-write-overflow", raw(write(e, &v, 8)), EAGAIN);
	check_err("eventfd-write-short", raw(write(e, &v, 7)), EINVAL);
	check_err("eventfd-write-efault", raw(syscall(SYS_write, e, BADPTR, 8)),
		  EFAULT);
	close(e);
	check_err("eventfd-einval-flags", raw(eventfd(0, 0x100)), EINVAL);
	s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	check_val("eventfd-sem-read1", raw(read(s, &v, 8)) == 8 ? (long)v : -1,
		  1);
	check_val("eventfd-sem-read2", raw(read(s, &v, 8)) == 8 ? (long)v : -1,
		  1);
	check_err("eventfd-sem-empty", raw(read(s, &v, 8)), EAGAIN);
	close(s);
	s = (int)syscall(SYS_eventfd, 7);
	check("eventfd-old", s >= 0 && read(s, &v, 8) == 8 && v == 7);
	close(s);
}

static void test_timerfd(void)
{
	struct itimerspec it, old;
	struct pollfd pf;
	struct timespec now;
	uint64_t v;
	int t;
	int64_t t0;

	t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	check("timerfd-create", t >= 0);
	check_val("timerfd-cloexec", raw(fcntl(t, F_GETFD)), FD_CLOEXEC);
	check_err("timerfd-read-unarmed", raw(read(t, &v, 8)), EAGAIN);
	check_val("timerfd-gettime-unarmed", raw(timerfd_gettime(t, &old)), 0);
	check("timerfd-gettime-unarmed-zero",
	      old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
	/*
	 * What is left is read back from a 60 s timer, which no pause of the
	 * vCPU can make fire in between; then a 30 ms one fires.
	 */
	it = (struct itimerspec){ { 0, 0 }, { 60, 0 } };
	check_val("timerfd-settime", raw(timerfd_settime(t, 0, &it, NULL)), 0);
	check_val("timerfd-gettime", raw(timerfd_gettime(t, &old)), 0);
	check("timerfd-gettime-left",
	      (old.it_value.tv_sec > 0 || old.it_value.tv_nsec > 0) &&
		  old.it_value.tv_sec <= 60 && old.it_value.tv_sec >= 50);
	pf = (struct pollfd){ t, POLLIN, 0 };
	check_val("timerfd-poll-before", raw(poll(&pf, 1, 0)), 0);
	/* From before the timer starts: what runs until the poll must not
	 * count against the 30 ms under load. */
	t0 = now_ms();
	it = (struct itimerspec){ { 0, 0 }, { 0, 30000000 } };
	timerfd_settime(t, 0, &it, NULL);
	check_val("timerfd-poll-fires", raw(poll(&pf, 1, 5000)), 1);
	check("timerfd-poll-waited", now_ms() - t0 >= 29);
	check_val("timerfd-read", raw(read(t, &v, 8)), 8);
	check_val("timerfd-read-count", (long)v, 1);
	check_err("timerfd-read-again", raw(read(t, &v, 8)), EAGAIN);
	check_err("timerfd-read-short", raw(read(t, &v, 4)), EINVAL);
	/* An interval timer: 45 ms of 10 ms periods, then at least three counted. */
	it = (struct itimerspec){ { 0, 10000000 }, { 0, 10000000 } };
	timerfd_settime(t, 0, &it, NULL);
	t0 = now_ms();
	while (now_ms() - t0 < 45)
		;
	check("timerfd-interval-count", read(t, &v, 8) == 8 && v >= 3);
	check_val("timerfd-gettime-interval", raw(timerfd_gettime(t, &old)), 0);
	check("timerfd-gettime-interval-value",
	      old.it_interval.tv_sec == 0 &&
		  old.it_interval.tv_nsec == 10000000);
	it = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	check_val("timerfd-disarm", raw(timerfd_settime(t, 0, &it, &old)), 0);
	check("timerfd-disarm-old", old.it_interval.tv_nsec == 10000000);
	close(t);
	/* Absolute, on CLOCK_REALTIME, in the past: fires at once. */
	t = timerfd_create(CLOCK_REALTIME, 0);
	clock_gettime(CLOCK_REALTIME, &now);
	it = (struct itimerspec){ { 0, 0 }, { now.tv_sec - 1, 0 } };
	check_val("timerfd-abs-past",
		  raw(timerfd_settime(t, TFD_TIMER_ABSTIME, &it, NULL)), 0);
	check("timerfd-abs-past-read", read(t, &v, 8) == 8 && v == 1);
	clock_gettime(CLOCK_REALTIME, &now);
	it.it_value = now;
	it.it_value.tv_nsec += 20000000;
	if (it.it_value.tv_nsec >= 1000000000) {
		it.it_value.tv_sec++;
		it.it_value.tv_nsec -= 1000000000;
	}
	timerfd_settime(t, TFD_TIMER_ABSTIME, &it, NULL);
	t0 = now_ms();
	/* Bounded: a host whose wall clock steps back must not hang here. */
	pf = (struct pollfd){ t, POLLIN, 0 };
	check_val("timerfd-abs-fires", raw(poll(&pf, 1, 5000)), 1);
	check("timerfd-abs-blocking-read",
	      pf.revents == POLLIN && read(t, &v, 8) == 8 && v == 1);
	check("timerfd-abs-waited", now_ms() - t0 >= 15);
	close(t);
	/* A blocking read waits for the expiry (monotonic: no wall clock). */
	t = timerfd_create(CLOCK_MONOTONIC, 0);
	it = (struct itimerspec){ { 0, 0 }, { 0, 20000000 } };
	t0 = now_ms(); /* before arming: the time until now_ms is not waited */
	timerfd_settime(t, 0, &it, NULL);
	check("timerfd-mono-blocking-read", read(t, &v, 8) == 8 && v == 1);
	check("timerfd-mono-waited", now_ms() - t0 >= 19);
	close(t);
	t = timerfd_create(CLOCK_BOOTTIME, 0);
	check("timerfd-boottime", t >= 0);
	close(t);
	check_err("timerfd-einval-clock", raw(timerfd_create(42, 0)), EINVAL);
	check_err("timerfd-einval-flags",
		  raw(timerfd_create(CLOCK_MONOTONIC, 1)), EINVAL);
	t = timerfd_create(CLOCK_MONOTONIC, 0);
	it = (struct itimerspec){ { 0, 0 }, { 0, 1000000000 } };
	check_err("timerfd-settime-einval-ts",
		  raw(timerfd_settime(t, 0, &it, NULL)), EINVAL);
	it.it_value.tv_nsec = 0;
	check_err("timerfd-settime-einval-flags",
		  raw(timerfd_settime(t, 4, &it, NULL)), EINVAL);
	check_err("timerfd-settime-efault",
		  raw(timerfd_settime(t, 0, BADPTR, NULL)), EFAULT);
	check_err("timerfd-settime-ebadf",
		  raw(timerfd_settime(999, 0, &it, NULL)), EBADF);
	check_err("timerfd-settime-not-timerfd",
		  raw(timerfd_settime(1, 0, &it, NULL)), EINVAL);
	check_err("timerfd-gettime-efault", raw(timerfd_gettime(t, BADPTR)),
		  EFAULT);
	close(t);
}

static void test_epoll(void)
{
	struct epoll_event ev, out[8];
	int ep, ep2, p[2], q[2], e, fd, n;
	sigset_t set;
	int64_t t0;
	uint64_t v = 1;
	char c;

	ep = epoll_create1(EPOLL_CLOEXEC);
	check("epoll-create1", ep >= 0);
	check_val("epoll-cloexec", raw(fcntl(ep, F_GETFD)), FD_CLOEXEC);
	check_err("epoll-create1-einval", raw(epoll_create1(1)), EINVAL);
	check_err("epoll-create-einval", raw(epoll_create(0)), EINVAL);
	fd = epoll_create(1);
	check("epoll-create", fd >= 0);
	close(fd);
	pipe(p);
	pipe(q);
	e = eventfd(0, EFD_NONBLOCK);
	ev = (struct epoll_event){ EPOLLIN, { .u64 = 0x1111222233334444ULL } };
	check_val("epoll-add-pipe",
		  raw(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)), 0);
	check_err("epoll-add-eexist",
		  raw(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)), EEXIST);
	ev = (struct epoll_event){ EPOLLIN | EPOLLET, { .u64 = 2 } };
	check_val("epoll-add-pipe-et",
		  raw(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev)), 0);
	ev = (struct epoll_event){ EPOLLIN | EPOLLONESHOT, { .u64 = 3 } };
	check_val("epoll-add-eventfd",
		  raw(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev)), 0);
	t0 = now_ms();
	check_val("epoll-wait-timeout", raw(epoll_wait(ep, out, 8, 30)), 0);
	check("epoll-wait-waited", now_ms() - t0 >= 30);
	write(p[1], "a", 1);
	n = epoll_wait(ep, out, 8, -1);
	check_val("epoll-wait-one", n, 1);
	check("epoll-data-unchanged",
	      out[0].data.u64 == 0x1111222233334444ULL &&
		  out[0].events == EPOLLIN);
	check_val("epoll-level-again", raw(epoll_wait(ep, out, 8, 0)), 1);
	read(p[0], &c, 1);
	check_val("epoll-level-drained", raw(epoll_wait(ep, out, 8, 0)), 0);
	write(q[1], "b", 1);
	check_val("epoll-et-once", raw(epoll_wait(ep, out, 8, 0)), 1);
	check_val("epoll-et-data", (long)out[0].data.u64, 2);
	check_val("epoll-et-not-again", raw(epoll_wait(ep, out, 8, 0)), 0);
	write(q[1], "b", 1);
	check_val("epoll-et-new-data", raw(epoll_wait(ep, out, 8, 0)), 1);
	write(e, &v, 8);
	check_val("epoll-oneshot", raw(epoll_wait(ep, out, 8, 0)), 1);
	check_val("epoll-oneshot-data", (long)out[0].data.u64, 3);
	write(e, &v, 8);
	check_val("epoll-oneshot-disabled", raw(epoll_wait(ep, out, 8, 0)), 0);
	ev = (struct epoll_event){ EPOLLIN, { .u64 = 4 } };
	check_val("epoll-mod", raw(epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev)), 0);
	check_val("epoll-mod-rearmed", raw(epoll_wait(ep, out, 8, 0)), 1);
	check_val("epoll-mod-data", (long)out[0].data.u64, 4);
	read(e, &v, 8);
	write(p[1], "a", 1);
	write(e, &v, 8);
	check_val("epoll-two-ready", raw(epoll_wait(ep, out, 8, 0)), 2);
	check_val("epoll-maxevents-1", raw(epoll_wait(ep, out, 1, 0)), 1);
	sigemptyset(&set);
	check_val("epoll-pwait", raw(epoll_pwait(ep, out, 8, 0, &set)), 2);
	check_err("epoll-pwait-einval-size",
		  raw(syscall(SYS_epoll_pwait, ep, out, 8, 0, &set, 4)),
		  EINVAL);
	check_val("epoll-del", raw(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL)), 0);
	check_err("epoll-del-enoent",
		  raw(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL)), ENOENT);
	check_err("epoll-mod-enoent", raw(epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev)),
		  ENOENT);
	check_val("epoll-one-left", raw(epoll_wait(ep, out, 8, 0)), 1);
	/* Closing the last descriptor of a file removes its watch. */
	close(p[0]);
	close(p[1]);
	check_val("epoll-closed-gone", raw(epoll_wait(ep, out, 8, 0)), 0);
	/* Hang-up is reported without being asked for. */
	close(q[1]);
	check_val("epoll-hup", raw(epoll_wait(ep, out, 8, 0)), 1);
	check_val("epoll-hup-events", out[0].events, EPOLLIN | EPOLLHUP);
	/* Errors. */
	fd = open("g", O_RDWR | O_CREAT, 0600);
	ev = (struct epoll_event){ EPOLLIN, { 0 } };
	check_err("epoll-regular-eperm",
		  raw(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)), EPERM);
	close(fd);
	unlink("g");
	fd = open("/dev/null", O_RDONLY);
	check_err("epoll-dev-null-eperm",
		  raw(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)), EPERM);
	check_err("epoll-not-epoll-einval",
		  raw(epoll_ctl(e, EPOLL_CTL_ADD, q[0], &ev)), EINVAL);
	close(fd);
	check_err("epoll-self-einval",
		  raw(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev)), EINVAL);
	check_err("epoll-ctl-ebadf",
		  raw(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev)), EBADF);
	check_err("epoll-ctl-ebadf-ep",
		  raw(epoll_ctl(999, EPOLL_CTL_ADD, e, &ev)), EBADF);
	check_err("epoll-ctl-efault",
		  raw(epoll_ctl(ep, EPOLL_CTL_ADD, e, BADPTR)), EFAULT);
	check_err("epoll-ctl-bad-op", raw(epoll_ctl(ep, 9, e, &ev)), EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	check_val("epoll-exclusive", raw(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev)),
		  0);
	check_err("epoll-exclusive-mod",
		  raw(epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev)), EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	check_err("epoll-exclusive-oneshot",
		  raw(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev)), EINVAL);
	check_err("epoll-wait-einval-max", raw(epoll_wait(ep, out, 0, 0)),
		  EINVAL);
	check_err("epoll-wait-efault", raw(epoll_wait(ep, KPTR, 1, 0)), EFAULT);
	check_err("epoll-wait-ebadf", raw(epoll_wait(999, out, 1, 0)), EBADF);
	check_err("epoll-wait-not-epoll", raw(epoll_wait(e, out, 1, 0)),
		  EINVAL);
	/* Nested: an epoll watching another; a cycle is ELOOP. */
	ep2 = epoll_create1(0);
	ev = (struct epoll_event){ EPOLLIN, { .u64 = 9 } };
	check_val("epoll-nested-add",
		  raw(epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev)), 0);
	check_val("epoll-nested-ready", raw(epoll_wait(ep2, out, 8, 0)), 1);
	check_val("epoll-nested-data", (long)out[0].data.u64, 9);
	check_err("epoll-loop", raw(epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev)),
		  ELOOP);
	{
		struct pollfd pf = { ep, POLLIN, 0 };

		check_val("epoll-pollable", raw(poll(&pf, 1, 0)), 1);
	}
	close(ep2);
	close(ep);
	close(q[0]);
	close(e);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_poll();
	test_ppoll();
	test_select();
	test_eventfd();
	test_timerfd();
	test_epoll();
	printf("t_poll: %d failed\n", fails);
	return fails != 0;
}

/*
 * t_aio.c - Linux native AIO (tests/guest): io_setup and its limits, the
 * ring's header read from user space (magic, features, head and tail as
 * events come and go), io_submit's checks in Linux's order, PREAD, PWRITE,
 * PREADV, PWRITEV, FSYNC and FDSYNC on files and pipes (RWF_NOWAIT,
 * RWF_APPEND, EPIPE, a blocking read ended by a signal), completions
 * signalling an eventfd, io_getevents and io_pgetevents (min_nr, nr,
 * timeouts, EFAULT, EINTR, the temporary signal mask), io_cancel of what
 * is done, a full ring, io_destroy. IOCB_CMD_POLL is left out: Linux has
 * it, keel answers EINVAL. Single-threaded; same output on Linux.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MAGIC 0xa10a10a1u

/* The ring's header as Linux lays it out at the context's address. */
struct ring {
	unsigned id, nr, head, tail;
	unsigned magic, compat_features, incompat_features, header_length;
	struct io_event events[];
};

static volatile sig_atomic_t sigs;

static void on_sig(int sig)
{
	(void)sig;
	sigs++;
}

static long io_setup(unsigned nr, aio_context_t *ctx)
{
	return raw(syscall(SYS_io_setup, nr, ctx));
}

static long io_destroy(aio_context_t ctx)
{
	return raw(syscall(SYS_io_destroy, ctx));
}

static long io_submit(aio_context_t ctx, long nr, struct iocb **list)
{
	return raw(syscall(SYS_io_submit, ctx, nr, list));
}

static long io_getevents(aio_context_t ctx, long min, long nr,
			 struct io_event *ev, struct timespec *ts)
{
	return raw(syscall(SYS_io_getevents, ctx, min, nr, ev, ts));
}

static long submit1(aio_context_t ctx, struct iocb *cb)
{
	struct iocb *list[1] = { cb };

	return io_submit(ctx, 1, list);
}

static struct iocb cb_of(int op, int fd, void *buf, long n, long off)
{
	struct iocb cb = { 0 };

	cb.aio_data = 0x1234 + op;
	cb.aio_lio_opcode = op;
	cb.aio_fildes = fd;
	cb.aio_buf = (uintptr_t)buf;
	cb.aio_nbytes = n;
	cb.aio_offset = off;
	return cb;
}

/*
 * Submit one request and wait for its event (Linux completes FSYNC in a
 * worker, after io_submit returns): the result, or -99 if none.
 */
static long run1(aio_context_t ctx, struct iocb *cb)
{
	struct io_event ev;

	if (submit1(ctx, cb) != 1 || io_getevents(ctx, 1, 1, &ev, NULL) != 1)
		return -99;
	if (ev.obj != (uintptr_t)cb || ev.data != cb->aio_data || ev.res2)
		return -98;
	return ev.res;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether /proc/self/maps shows the ring at ctx, shared, as Linux names it. */
static int ring_in_maps(aio_context_t ctx)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	snprintf(want, sizeof(want), "%08lx-", (unsigned long)ctx);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			found = strstr(line, " rw-s ") &&
				strstr(line, "/[aio] (deleted)");
	if (f)
		fclose(f);
	return found;
}

/* A number from a /proc/sys/fs file, or -1. */
static long proc_number(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static void test_setup(void)
{
	aio_context_t ctx = 0, c2 = 0, c3 = 0, big = 0, more = 0;
	struct ring *r;

	check_err("setup-zero", io_setup(0, &ctx), EINVAL);
	check_err("setup-huge", io_setup(0xffffffffu, &ctx), EINVAL);
	check_err("setup-over-max", io_setup(65537, &ctx), EAGAIN);
	check_err("setup-null", io_setup(8, NULL), EFAULT);
	check_err("setup-badptr", io_setup(8, BADPTR), EFAULT);
	ctx = 1;
	check_err("setup-ctx-not-zero", io_setup(8, &ctx), EINVAL);
	ctx = 0;
	check_val("setup", io_setup(8, &ctx), 0);
	check("setup-ctx-set", ctx != 0);
	r = (struct ring *)ctx;
	check_val("ring-magic", r->magic, MAGIC);
	check_val("ring-compat-features", r->compat_features, 1);
	check_val("ring-incompat-features", r->incompat_features, 0);
	check_val("ring-header-length", r->header_length, sizeof(*r));
	check_val("ring-empty", r->head == 0 && r->tail == 0, 1);
	check("ring-nr-enough", r->nr >= 16);
	check_val("ring-id-first", r->id, 0);
	check("ring-in-maps", ring_in_maps(ctx));
	check_val("setup-second", io_setup(8, &c2), 0);
	check_val("ring-id-second", ((struct ring *)c2)->id, 1);
	check_val("destroy-first", io_destroy(ctx), 0);
	check("ring-gone-from-maps", !ring_in_maps(ctx));
	check_err("destroy-again", io_destroy(ctx), EINVAL);
	check_val("setup-third", io_setup(8, &c3), 0);
	check_val("ring-id-reused", ((struct ring *)c3)->id, 0);
	check_err("destroy-zero", io_destroy(0), EINVAL);
	check_err("destroy-unknown", io_destroy(12345), EINVAL);
	check_val("destroy-second", io_destroy(c2), 0);
	check_val("destroy-third", io_destroy(c3), 0);
	/* The process's contexts count against aio-max-nr (65536). */
	long nr0 = proc_number("/proc/sys/fs/aio-nr");
	check_val("aio-max-nr", proc_number("/proc/sys/fs/aio-max-nr"), 65536);
	check_val("setup-40000", io_setup(40000, &big), 0);
	check_val("aio-nr-counts", proc_number("/proc/sys/fs/aio-nr") - nr0,
		  40000);
	check_err("setup-over-aio-max-nr", io_setup(30000, &more), EAGAIN);
	check_val("destroy-40000", io_destroy(big), 0);
	check_val("setup-30000-after", io_setup(30000, &more), 0);
	check_val("destroy-30000", io_destroy(more), 0);
	check_val("aio-nr-back", proc_number("/proc/sys/fs/aio-nr"), nr0);
}

static void test_submit_errors(aio_context_t ctx, int fd)
{
	char buf[16];
	struct iocb cb = cb_of(IOCB_CMD_PREAD, fd, buf, 4, 0), *list[2];
	struct iovec many[1025];
	int p[2], ro, wo;

	list[0] = &cb;
	check_err("submit-bad-ctx", io_submit(12345, 1, list), EINVAL);
	check_err("submit-negative-nr", io_submit(ctx, -1, list), EINVAL);
	check_val("submit-zero", io_submit(ctx, 0, list), 0);
	check_err("submit-list-badptr", io_submit(ctx, 1, BADPTR), EFAULT);
	list[0] = BADPTR;
	check_err("submit-iocb-badptr", io_submit(ctx, 1, list), EFAULT);
	cb.aio_reserved2 = 1;
	check_err("submit-reserved2", submit1(ctx, &cb), EINVAL);
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, -1, 0);
	check_err("submit-negative-nbytes", submit1(ctx, &cb), EINVAL);
	cb = cb_of(IOCB_CMD_PREAD, 999, buf, 4, 0);
	check_err("submit-bad-fd", submit1(ctx, &cb), EBADF);
	cb = cb_of(99, fd, buf, 4, 0);
	check_err("submit-bad-opcode", submit1(ctx, &cb), EINVAL);
	cb = cb_of(IOCB_CMD_NOOP, fd, buf, 4, 0);
	check_err("submit-noop", submit1(ctx, &cb), EINVAL);
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, 4, -1);
	check_err("submit-negative-offset", submit1(ctx, &cb), EINVAL);
	cb = cb_of(IOCB_CMD_PREAD, fd, KPTR, 4, 0);
	check_err("submit-kernel-buffer", submit1(ctx, &cb), EFAULT);
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, 4, 0);
	cb.aio_rw_flags = 1 << 30;
	check_err("submit-unknown-rw-flag", submit1(ctx, &cb), EOPNOTSUPP);
	cb = cb_of(IOCB_CMD_PREADV, fd, many, 1025, 0);
	check_err("submit-preadv-too-many", submit1(ctx, &cb), EINVAL);
	cb = cb_of(IOCB_CMD_PREADV, fd, BADPTR, 1, 0);
	check_err("submit-preadv-badptr", submit1(ctx, &cb), EFAULT);
	cb = cb_of(IOCB_CMD_FSYNC, fd, NULL, 1, 0);
	check_err("submit-fsync-nbytes", submit1(ctx, &cb), EINVAL);
	/* IOCB_FLAG_IOPRIO: class and level as ioprio_set checks them. */
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, 4, 0);
	cb.aio_flags = IOCB_FLAG_IOPRIO;
	cb.aio_reqprio = 1; /* class none with a level */
	check_err("submit-ioprio-none-level", submit1(ctx, &cb), EINVAL);
	cb.aio_reqprio = 5 << 13; /* no such class */
	check_err("submit-ioprio-bad-class", submit1(ctx, &cb), EINVAL);
	cb.aio_reqprio = 2 << 13 | 7; /* best effort, level 7 */
	check_val("submit-ioprio-best-effort", run1(ctx, &cb), 4);
	/* Access modes. */
	ro = open("f", O_RDONLY);
	wo = open("f", O_WRONLY);
	cb = cb_of(IOCB_CMD_PWRITE, ro, buf, 4, 0);
	check_err("submit-write-readonly", submit1(ctx, &cb), EBADF);
	cb = cb_of(IOCB_CMD_PREAD, wo, buf, 4, 0);
	check_err("submit-read-writeonly", submit1(ctx, &cb), EBADF);
	close(ro);
	close(wo);
	/* The completion eventfd must be one. */
	check_val("pipe", raw(pipe(p)), 0);
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, 4, 0);
	cb.aio_flags = IOCB_FLAG_RESFD;
	cb.aio_resfd = 999;
	check_err("submit-resfd-bad", submit1(ctx, &cb), EBADF);
	cb.aio_resfd = p[0];
	check_err("submit-resfd-not-eventfd", submit1(ctx, &cb), EINVAL);
	cb = cb_of(IOCB_CMD_FSYNC, p[1], NULL, 0, 0);
	check_err("submit-fsync-pipe", submit1(ctx, &cb), EINVAL);
	close(p[0]);
	close(p[1]);
	/* A failing iocb after a good one: io_submit counts the good one. */
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, 4, 0);
	struct iocb bad = cb_of(IOCB_CMD_PREAD, 999, buf, 4, 0);
	list[0] = &cb;
	list[1] = &bad;
	cb.aio_key = 77;
	check_val("submit-partial", io_submit(ctx, 2, list), 1);
	check_val("submit-sets-key", cb.aio_key, 0);
	struct io_event ev[2];
	check_val("partial-one-event", io_getevents(ctx, 1, 2, ev, NULL), 1);
	check_val("partial-event-obj", ev[0].obj == (uintptr_t)&cb, 1);
}

static void test_rw(aio_context_t ctx, int fd)
{
	char buf[32] = { 0 }, a[8] = { 0 }, b[8] = { 0 };
	struct iovec iov[2] = { { a, 5 }, { b, 6 } };
	struct iocb cb;

	cb = cb_of(IOCB_CMD_PWRITE, fd, "hello world", 11, 0);
	check_val("pwrite", run1(ctx, &cb), 11);
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, 5, 6);
	check_val("pread", run1(ctx, &cb), 5);
	check_val("pread-data", !memcmp(buf, "world", 5), 1);
	check_val("position-untouched", raw(lseek(fd, 0, SEEK_CUR)), 0);
	cb = cb_of(IOCB_CMD_PREADV, fd, iov, 2, 0);
	check_val("preadv", run1(ctx, &cb), 11);
	check_val("preadv-data",
		  !memcmp(a, "hello", 5) && !memcmp(b, " world", 6), 1);
	iov[0] = (struct iovec){ "HE", 2 };
	iov[1] = (struct iovec){ "LLO", 3 };
	cb = cb_of(IOCB_CMD_PWRITEV, fd, iov, 2, 0);
	check_val("pwritev", run1(ctx, &cb), 5);
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, sizeof(buf), 0);
	check_val("pread-short", run1(ctx, &cb), 11);
	check_val("pwritev-data", !memcmp(buf, "HELLO world", 11), 1);
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, 4, 100);
	check_val("pread-past-end", run1(ctx, &cb), 0);
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, 0, 0);
	check_val("pread-zero", run1(ctx, &cb), 0);
	/* A bad buffer the range check lets through fails in the event. */
	cb = cb_of(IOCB_CMD_PREAD, fd, NULL, 4, 0);
	check_val("pread-null-buffer-event", run1(ctx, &cb), -EFAULT);
	cb = cb_of(IOCB_CMD_FSYNC, fd, NULL, 0, 0);
	check_val("fsync", run1(ctx, &cb), 0);
	cb = cb_of(IOCB_CMD_FDSYNC, fd, NULL, 0, 0);
	check_val("fdsync", run1(ctx, &cb), 0);
	/* RWF_APPEND writes at the end whatever the offset. */
	cb = cb_of(IOCB_CMD_PWRITE, fd, "!", 1, 0);
	cb.aio_rw_flags = RWF_APPEND;
	check_val("pwrite-rwf-append", run1(ctx, &cb), 1);
	check_val("append-size", raw(lseek(fd, 0, SEEK_END)), 12);
	cb = cb_of(IOCB_CMD_PREAD, fd, buf, 2, 10);
	check_val("append-read", run1(ctx, &cb), 2);
	check_val("append-data", !memcmp(buf, "d!", 2), 1);
	lseek(fd, 0, SEEK_SET);
	int afd = open("f", O_WRONLY | O_APPEND);
	cb = cb_of(IOCB_CMD_PWRITE, afd, "?", 1, 0);
	check_val("pwrite-o-append", run1(ctx, &cb), 1);
	check_val("o-append-size", raw(lseek(fd, 0, SEEK_END)), 13);
	lseek(fd, 0, SEEK_SET);
	close(afd);
}

static void set_handler(int sig)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = on_sig;
	sigaction(sig, &sa, NULL);
}

static void test_pipes(aio_context_t ctx)
{
	char buf[8];
	struct iocb cb;
	int p[2];

	check_val("pipe", raw(pipe(p)), 0);
	write(p[1], "abc", 3);
	cb = cb_of(IOCB_CMD_PREAD, p[0], buf, 8, 12345); /* offset ignored */
	check_val("pipe-read", run1(ctx, &cb), 3);
	cb = cb_of(IOCB_CMD_PWRITE, p[1], "xy", 2, 777);
	check_val("pipe-write", run1(ctx, &cb), 2);
	cb = cb_of(IOCB_CMD_PREAD, p[0], buf, 8, -1);
	check_err("pipe-negative-offset", submit1(ctx, &cb), EINVAL);
	cb = cb_of(IOCB_CMD_PREAD, p[0], buf, 8, 0);
	check_val("pipe-read-2", run1(ctx, &cb), 2);
	/* RWF_NOWAIT: an empty pipe says EAGAIN in the event. */
	cb.aio_rw_flags = RWF_NOWAIT;
	check_val("pipe-read-nowait-empty", run1(ctx, &cb), -EAGAIN);
	/* A blocking read inside io_submit, ended by a signal: -EINTR. */
	set_handler(SIGALRM);
	sigs = 0;
	cb.aio_rw_flags = 0;
	alarm_every(30);
	check_val("pipe-read-interrupted", run1(ctx, &cb), -EINTR);
	alarm_stop();
	check("pipe-read-interrupted-handler", sigs >= 1);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	check_val("pipe-read-nonblock-empty", run1(ctx, &cb), -EAGAIN);
	/* No reader: EPIPE in the event (and SIGPIPE, ignored here). */
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	cb = cb_of(IOCB_CMD_PWRITE, p[1], "z", 1, 0);
	check_val("pipe-write-epipe", run1(ctx, &cb), -EPIPE);
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

static void test_ring_and_getevents(aio_context_t ctx, int fd)
{
	struct ring *r = (struct ring *)ctx;
	struct timespec zero = { 0, 0 }, ms50 = { 0, 50000000 },
			zero_sum = { -1, 1000000000 };
	struct io_event ev[4];
	struct iocb cbs[3], *list[3];
	char buf[3][4];
	unsigned head = r->head;
	int64_t t0;

	for (int i = 0; i < 3; i++) {
		cbs[i] = cb_of(IOCB_CMD_PREAD, fd, buf[i], 4, i);
		cbs[i].aio_data = 100 + i;
		list[i] = &cbs[i];
	}
	check_err("getevents-bad-ctx", io_getevents(12345, 0, 1, ev, NULL),
		  EINVAL);
	check_err("getevents-min-over-nr", io_getevents(ctx, 2, 1, ev, NULL),
		  EINVAL);
	check_err("getevents-negative-min", io_getevents(ctx, -1, 1, ev, NULL),
		  EINVAL);
	check_val("getevents-nr-zero", io_getevents(ctx, 0, 0, ev, NULL), 0);
	check_val("getevents-empty-no-wait", io_getevents(ctx, 1, 1, ev, &zero),
		  0);
	check_val("getevents-timeout-sums-to-zero",
		  io_getevents(ctx, 1, 1, ev, &zero_sum), 0);
	t0 = now_ms();
	check_val("getevents-timeout", io_getevents(ctx, 1, 1, ev, &ms50), 0);
	check("getevents-timeout-waited", now_ms() - t0 >= 50);
	check_err("getevents-timeout-badptr",
		  io_getevents(ctx, 1, 1, ev, BADPTR), EFAULT);
	/* Events appear in the ring as io_submit returns. */
	check_val("submit-three", io_submit(ctx, 3, list), 3);
	check_val("ring-tail-moved", (r->tail - head + r->nr) % r->nr, 3);
	check_val("ring-head-still", r->head, head);
	check_val("ring-event-data", r->events[head].data, 100);
	check_val("ring-event-obj", r->events[head].obj == (uintptr_t)&cbs[0],
		  1);
	check_val("ring-event-res", r->events[head].res, 4);
	check_err("getevents-events-badptr",
		  io_getevents(ctx, 1, 3, BADPTR, NULL), EFAULT);
	check_val("ring-head-kept-on-efault", r->head, head);
	check_val("getevents-two-of-three", io_getevents(ctx, 1, 2, ev, NULL),
		  2);
	check_val("getevents-order", ev[0].data == 100 && ev[1].data == 101, 1);
	check_val("ring-head-moved", (r->head - head + r->nr) % r->nr, 2);
	check_val("getevents-last", io_getevents(ctx, 0, 4, ev, &zero), 1);
	check_val("getevents-last-data", ev[0].data, 102);
	check_val("ring-drained", r->head, r->tail);
	/* io_cancel: nothing in flight; an iocb never submitted has a key. */
	struct iocb unsent = cbs[0];
	unsent.aio_key = 1;
	check_err("cancel-completed",
		  raw(syscall(SYS_io_cancel, ctx, &cbs[0], ev)), EINVAL);
	check_err("cancel-never-submitted",
		  raw(syscall(SYS_io_cancel, ctx, &unsent, ev)), EINVAL);
	check_err("cancel-badptr", raw(syscall(SYS_io_cancel, ctx, BADPTR, ev)),
		  EFAULT);
	check_err("cancel-bad-ctx",
		  raw(syscall(SYS_io_cancel, 12345, &cbs[0], ev)), EINVAL);
}

static void test_signals(aio_context_t ctx)
{
	struct timespec five = { 5, 0 }, ms10 = { 0, 10000000 },
			neg = { 0, -1 };
	struct io_event ev;
	sigset_t usr1, none, old;
	struct {
		const sigset_t *mask;
		size_t size;
	} usig = { &none, 8 };

	set_handler(SIGALRM);
	set_handler(SIGUSR1);
	sigs = 0;
	alarm_every(30);
	check_err("getevents-eintr", io_getevents(ctx, 1, 1, &ev, &five),
		  EINTR);
	alarm_stop();
	check("getevents-eintr-handler", sigs >= 1);
	/* A negative timeout waits with no deadline (until the signal). */
	sigs = 0;
	alarm_every(30);
	check_err("getevents-negative-timeout-waits",
		  io_getevents(ctx, 1, 1, &ev, &neg), EINTR);
	alarm_stop();
	check("getevents-negative-timeout-handler", sigs >= 1);
	sigs = 0;
	/* io_pgetevents: its mask lets a pending blocked signal in. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	raise(SIGUSR1);
	sigs = 0;
	check_err("pgetevents-eintr",
		  raw(syscall(SYS_io_pgetevents, ctx, 1, 1, &ev, NULL, &usig)),
		  EINTR);
	check_val("pgetevents-handler-ran", sigs, 1);
	/* ... and keeps one out that its mask blocks. */
	raise(SIGUSR1);
	usig.mask = &usr1;
	check_val("pgetevents-masked",
		  raw(syscall(SYS_io_pgetevents, ctx, 1, 1, &ev, &ms10, &usig)),
		  0);
	check_val("pgetevents-masked-no-handler", sigs, 1);
	sigprocmask(SIG_SETMASK, &old, NULL);
	check_val("pending-delivered-after", sigs, 2);
	usig.size = 4;
	check_err("pgetevents-bad-sigsetsize",
		  raw(syscall(SYS_io_pgetevents, ctx, 1, 1, &ev, NULL, &usig)),
		  EINVAL);
	check_err("pgetevents-usig-badptr",
		  raw(syscall(SYS_io_pgetevents, ctx, 1, 1, &ev, NULL, BADPTR)),
		  EFAULT);
	check_val("pgetevents-no-mask",
		  raw(syscall(SYS_io_pgetevents, ctx, 0, 1, &ev, &ms10, NULL)),
		  0);
}

static void test_eventfd(aio_context_t ctx, int fd)
{
	char buf[4];
	struct iocb cb = cb_of(IOCB_CMD_PREAD, fd, buf, 4, 0), *list[2];
	struct epoll_event ee = { EPOLLIN, { 0 } };
	struct io_event ev[2];
	uint64_t v;
	int efd = eventfd(0, EFD_NONBLOCK), ep = epoll_create1(0);

	cb.aio_flags = IOCB_FLAG_RESFD;
	cb.aio_resfd = efd;
	list[0] = list[1] = &cb;
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ee);
	check_val("epoll-before", raw(epoll_wait(ep, &ee, 1, 0)), 0);
	check_val("submit-resfd-two", io_submit(ctx, 2, list), 2);
	check_val("epoll-after", raw(epoll_wait(ep, &ee, 1, 0)), 1);
	check_val("eventfd-count", raw(read(efd, &v, 8)), 8);
	check_val("eventfd-count-value", (long)v, 2);
	check_val("resfd-events", io_getevents(ctx, 2, 2, ev, NULL), 2);
	/* The kernel's signal saturates at the largest count. */
	v = 0xfffffffffffffffeULL;
	check_val("eventfd-near-max", raw(write(efd, &v, 8)), 8);
	check_val("submit-resfd-max", submit1(ctx, &cb), 1);
	check_val("eventfd-max-read", raw(read(efd, &v, 8)), 8);
	check_val("eventfd-max", v == 0xffffffffffffffffULL, 1);
	check_val("resfd-max-event", io_getevents(ctx, 1, 1, ev, NULL), 1);
	close(ep);
	close(efd);
}

/* A ring fills up (EAGAIN) when its events are not taken. */
static void test_full_ring(int fd)
{
	aio_context_t ctx = 0;
	struct io_event ev[64];
	char buf[4];
	struct iocb cb = cb_of(IOCB_CMD_PREAD, fd, buf, 4, 0);
	long r = 0;
	int n;

	check_val("setup-one", io_setup(1, &ctx), 0);
	for (n = 0; n < 10000 && (r = submit1(ctx, &cb)) == 1; n++)
		;
	check_err("ring-full", r, EAGAIN);
	while (io_getevents(ctx, 0, 64, ev, NULL) > 0)
		;
	check_val("ring-room-again", submit1(ctx, &cb), 1);
	check_val("destroy-one", io_destroy(ctx), 0);
	check_err("submit-destroyed", submit1(ctx, &cb), EINVAL);
	check_err("getevents-destroyed", io_getevents(ctx, 0, 1, ev, NULL),
		  EINVAL);
}

/*
 * A context is found through the ring's id field in the program's memory,
 * as on Linux: with its ring unmapped or that field changed, the context
 * cannot be named any more (EINVAL); it goes at the process's end.
 */
static void test_lookup_by_ring(int fd)
{
	aio_context_t ctx = 0;
	char buf[4];
	struct iocb cb = cb_of(IOCB_CMD_PREAD, fd, buf, 4, 0);
	struct io_event ev;
	struct ring *r;

	check_val("setup-lookup", io_setup(1, &ctx), 0);
	r = (struct ring *)ctx;
	r->id += 5;
	check_err("submit-ring-id-changed", submit1(ctx, &cb), EINVAL);
	r->id -= 5;
	check_val("submit-ring-id-back", run1(ctx, &cb), 4);
	check_val("munmap-ring", raw(munmap(r, r->nr * 32 + 32)), 0);
	check_err("submit-unmapped", submit1(ctx, &cb), EINVAL);
	check_err("getevents-unmapped", io_getevents(ctx, 0, 1, &ev, NULL),
		  EINVAL);
	check_err("destroy-unmapped", io_destroy(ctx), EINVAL);
}

int main(void)
{
	aio_context_t ctx = 0;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_setup();
	fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0600);
	check("open", fd >= 0);
	check_val("setup-main", io_setup(16, &ctx), 0);
	test_rw(ctx, fd);
	test_submit_errors(ctx, fd);
	test_pipes(ctx);
	test_ring_and_getevents(ctx, fd);
	test_signals(ctx);
	test_eventfd(ctx, fd);
	test_full_ring(fd);
	test_lookup_by_ring(fd);
	check_val("destroy-main", io_destroy(ctx), 0);
	close(fd);
	unlink("f");
	printf("t_aio: %d failed\n", fails);
	return fails != 0;
}

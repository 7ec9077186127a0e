/*
 * sys_poll.c - waiting for file events (linux/): poll, ppoll, select,
 * pselect6, the epoll calls, eventfd and timerfd. Each checks and copies
 * its arguments in Linux's order, turns the timeout into a monotonic
 * deadline, and calls fs/ (include/keel/poll.h). A signal to handle
 * ends a wait with EINTR (never restarted, as on Linux); ppoll, pselect6
 * and epoll_pwait wait with their signal mask in place (signal.c puts the
 * old one back, after the handler when one runs).
 * ppoll, pselect6 and select write the time left back, as Linux does.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/poll.h>
#include <keel/process.h>
#include <keel/signal.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>

#define SIGSET_SIZE 8
#define EFD_SEMAPHORE 1
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define EP_MAX_EVENTS (INT32_MAX / (int)sizeof(struct linux_epoll_event))

/* A relative timeout in ns to a deadline: 0 stays 0 (no wait). */
static uint64_t deadline_in(int64_t ns)
{
	uint64_t now = time_now_ns();

	if (ns == 0)
		return 0;
	if ((uint64_t)ns >= POLL_FOREVER - now)
		return POLL_FOREVER;
	return now + (uint64_t)ns;
}

static uint64_t deadline_ms(long ms)
{
	return ms < 0 ? POLL_FOREVER : deadline_in(ms * (int64_t)NSEC_PER_MSEC);
}

/* The time left before deadline in ns (0 when passed). */
static int64_t time_left(uint64_t deadline)
{
	uint64_t now = time_now_ns();

	return deadline > now ? (int64_t)(deadline - now) : 0;
}

/* A timespec timeout: 0 and *deadline, or -EFAULT/-EINVAL. */
static int timeout_ts(const void *uts, uint64_t *deadline)
{
	struct linux_timespec ts;

	if (!uts) {
		*deadline = POLL_FOREVER;
		return 0;
	}
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (timespec_check(&ts))
		return -EINVAL;
	*deadline = deadline_in(timespec_to_ns(&ts));
	return 0;
}

/* After ppoll or pselect6: the time left, unless there was no timeout. */
static void timeout_ts_update(void *uts, uint64_t deadline)
{
	struct linux_timespec ts;

	if (!uts || deadline == 0 || deadline == POLL_FOREVER)
		return;
	ts = ns_to_timespec(time_left(deadline));
	(void)copy_to_user(uts, &ts, sizeof(ts)); /* a fault is ignored */
}

/* A signal mask argument: *mask, and whether there is one. */
static int get_sigmask(const void *umask, size_t size, uint64_t *mask,
		       bool *have)
{
	*have = umask != NULL;
	if (!umask)
		return 0;
	if (size != SIGSET_SIZE)
		return -EINVAL;
	return copy_from_user(mask, umask, sizeof(*mask)) ? -EFAULT : 0;
}

/* Around a wait with a temporary signal mask. */
static void mask_begin(bool have, uint64_t mask)
{
	if (have)
		signal_mask_begin(mask);
}

static long mask_end(bool have, long ret)
{
	if (have)
		signal_mask_end(ret == -EINTR);
	return ret;
}

static long do_poll(void *ufds, unsigned long nfds, uint64_t deadline)
{
	struct kpollfd *fds;
	size_t size = nfds * sizeof(*fds);
	long ret;

	/* Linux: no more than RLIMIT_NOFILE (not bounded by nr_open). */
	if (nfds > current_process()->rlim[RLIMIT_NOFILE].cur)
		return -EINVAL;
	if (!(fds = kmalloc(size + 1)))
		return -ENOMEM;
	ret = size ? copy_from_user(fds, ufds, size) : 0;
	if (!ret)
		ret = vfs_poll_fds(fds, (unsigned)nfds, deadline);
	if (ret >= 0 && size && copy_to_user(ufds, fds, size))
		ret = -EFAULT;
	kfree(fds);
	return ret;
}

SYSCALL_DEFINE(poll)
{
	return do_poll((void *)a[0], (unsigned)a[1], deadline_ms((int)a[2]));
}

SYSCALL_DEFINE(ppoll)
{
	void *uts = (void *)a[2];
	uint64_t deadline, mask;
	bool have;
	long ret = timeout_ts(uts, &deadline);

	if (!ret)
		ret = get_sigmask((void *)a[3], (size_t)a[4], &mask, &have);
	if (ret)
		return ret;
	mask_begin(have, mask);
	ret = do_poll((void *)a[0], (unsigned)a[1], deadline);
	timeout_ts_update(uts, deadline);
	return mask_end(have, ret);
}

static long do_select(int n, void *uin, void *uout, void *uex,
		      uint64_t deadline)
{
	void *u[3] = { uin, uout, uex };
	uint64_t *sets[3] = { NULL, NULL, NULL };
	size_t bytes;
	long ret = 0;

	if (n < 0)
		return -EINVAL;
	/* Linux reads no further than its table (max_fds), which a process
	 * that ever had a few hundred descriptors has at 1024 or more: bits
	 * up to 1024 are always read (EBADF when not open). */
	if (n > MAX(fd_table_size(), FD_MAX))
		n = MAX(fd_table_size(), FD_MAX);
	bytes = ((size_t)n + 63) / 64 * 8;
	for (int i = 0; i < 3 && !ret; i++) {
		if (!u[i] || !bytes)
			continue;
		if (!(sets[i] = kmalloc(bytes + 1)))
			ret = -ENOMEM;
		else if (copy_from_user(sets[i], u[i], bytes))
			ret = -EFAULT;
	}
	if (!ret)
		ret = vfs_select(n, sets[0], sets[1], sets[2], deadline);

	for (int i = 0; i < 3 && ret >= 0; i++)
		if (sets[i] && copy_to_user(u[i], sets[i], bytes))
			ret = -EFAULT;
	for (int i = 0; i < 3; i++)
		kfree(sets[i]);
	return ret;
}

SYSCALL_DEFINE(select)
{
	void *utv = (void *)a[4];
	uint64_t deadline = POLL_FOREVER;
	long ret;

	if (utv) {
		struct linux_timeval tv;

		if (copy_from_user(&tv, utv, sizeof(tv)))
			return -EFAULT;
		/* Linux normalises tv_usec of a million or more. */
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		deadline = deadline_in(timeval_to_ns(&tv));
	}
	ret = do_select((int)a[0], (void *)a[1], (void *)a[2], (void *)a[3],
			deadline);
	if (utv && deadline && deadline != POLL_FOREVER) {
		struct linux_timeval tv = ns_to_timeval(time_left(deadline));

		(void)copy_to_user(utv, &tv, sizeof(tv));
	}
	return ret;
}

SYSCALL_DEFINE(pselect6)
{
	void *uts = (void *)a[4];
	uint64_t deadline, mask = 0;
	bool have = false;
	long ret = timeout_ts(uts, &deadline);

	if (ret)
		return ret;
	if (a[5]) {
		struct {
			uint64_t ss, ss_len;
		} pack;

		if (copy_from_user(&pack, (void *)a[5], sizeof(pack)))
			return -EFAULT;
		ret = get_sigmask((void *)pack.ss, pack.ss_len, &mask, &have);
		if (ret)
			return ret;
	}
	mask_begin(have, mask);
	ret = do_select((int)a[0], (void *)a[1], (void *)a[2], (void *)a[3],
			deadline);
	timeout_ts_update(uts, deadline);
	return mask_end(have, ret);
}

/* After a constructor filled *f (or failed): install it. */
static long new_fd(int err, struct file **f, bool cloexec)
{
	return err ? err : fd_install(*f, cloexec);
}

SYSCALL_DEFINE(epoll_create1)
{
	struct file *f = NULL;

	if (a[0] & ~(long)O_CLOEXEC)
		return -EINVAL;
	return new_fd(epoll_new(0, &f), &f, a[0] & O_CLOEXEC);
}

SYSCALL_DEFINE(epoll_create)
{
	struct file *f = NULL;

	if ((int)a[0] <= 0)
		return -EINVAL;
	return new_fd(epoll_new(0, &f), &f, false);
}

SYSCALL_DEFINE(epoll_ctl)
{
	struct linux_epoll_event ev = { 0, 0 };
	int op = (int)a[1];
	struct file *ep, *tf;
	long ret;

	if (op != 2 /* EPOLL_CTL_DEL */ &&
	    copy_from_user(&ev, (void *)a[3], sizeof(ev)))
		return -EFAULT;
	ep = fd_get((int)a[0]);
	if (!ep || (ep->flags & O_PATH)) {
		file_put(ep);
		return -EBADF;
	}
	tf = fd_get((int)a[2]);
	if (!tf || (tf->flags & O_PATH))
		ret = -EBADF;
	else
		ret = epoll_ctl_file(ep, op, (int)a[2], tf, &ev);
	file_put(tf);
	file_put(ep);
	return ret;
}

static long do_epoll_wait(long epfd, void *uevs, int max, uint64_t deadline)
{
	struct linux_epoll_event *evs;
	struct file *ep;
	long ret;

	if (max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	if (!access_ok((uintptr_t)uevs, (size_t)max * sizeof(*evs)))
		return -EFAULT;
	ep = fd_get((int)epfd);
	if (!ep || (ep->flags & O_PATH)) {
		file_put(ep);
		return -EBADF;
	}
	/* Fewer than asked is allowed: the rest wait for the next call, and
	 * the buffer stays small whatever maxevents says. */
	max = MIN(max, FD_MAX);
	if (!(evs = kmalloc((size_t)max * sizeof(*evs))))
		ret = -ENOMEM;
	else
		ret = epoll_wait_file(ep, evs, max, deadline);
	if (ret > 0 && copy_to_user(uevs, evs, (size_t)ret * sizeof(*evs)))
		ret = -EFAULT;
	kfree(evs);
	file_put(ep);
	return ret;
}

SYSCALL_DEFINE(epoll_wait)
{
	return do_epoll_wait(a[0], (void *)a[1], (int)a[2],
			     deadline_ms((int)a[3]));
}

SYSCALL_DEFINE(epoll_pwait)
{
	uint64_t mask;
	bool have;
	long ret = get_sigmask((void *)a[4], (size_t)a[5], &mask, &have);

	if (ret)
		return ret;
	mask_begin(have, mask);
	ret = do_epoll_wait(a[0], (void *)a[1], (int)a[2],
			    deadline_ms((int)a[3]));
	return mask_end(have, ret);
}

static long do_eventfd(uint32_t count, long flags)
{
	struct file *f = NULL;

	if (flags & ~(long)(EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	return new_fd(eventfd_new(count, (unsigned)flags, &f), &f,
		      flags & O_CLOEXEC);
}

SYSCALL_DEFINE(eventfd)
{
	return do_eventfd((uint32_t)a[0], 0);
}

SYSCALL_DEFINE(eventfd2)
{
	return do_eventfd((uint32_t)a[0], (int)a[1]);
}

SYSCALL_DEFINE(timerfd_create)
{
	int clockid = (int)a[0], flags = (int)a[1];
	struct file *f = NULL;

	if (flags & ~(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	/* The alarm clocks are their plain clocks: nothing suspends. */
	if (clockid == CLOCK_REALTIME_ALARM)
		clockid = CLOCK_REALTIME;
	else if (clockid == CLOCK_BOOTTIME_ALARM)
		clockid = CLOCK_BOOTTIME;
	else if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC &&
		 clockid != CLOCK_BOOTTIME)
		return -EINVAL;
	return new_fd(timerfd_new(clockid, (unsigned)flags, &f), &f,
		      flags & O_CLOEXEC);
}

SYSCALL_DEFINE(timerfd_settime)
{
	struct linux_itimerspec in, old;
	int flags = (int)a[1];
	int64_t ov, oi;
	struct file *f;
	long ret;

	if (copy_from_user(&in, (void *)a[2], sizeof(in)))
		return -EFAULT;
	if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
	    timespec_check(&in.it_value) || timespec_check(&in.it_interval))
		return -EINVAL;
	if (!(f = fd_get((int)a[0])))
		return -EBADF;
	ret = timerfd_set(f, flags & TFD_TIMER_ABSTIME,
			  timespec_to_ns(&in.it_value),
			  timespec_to_ns(&in.it_interval), &ov, &oi);
	file_put(f);
	if (!ret && a[3]) {
		old.it_value = ns_to_timespec(ov);
		old.it_interval = ns_to_timespec(oi);
		if (copy_to_user((void *)a[3], &old, sizeof(old)))
			ret = -EFAULT;
	}
	return ret;
}

SYSCALL_DEFINE(timerfd_gettime)
{
	struct linux_itimerspec cur;
	int64_t v, i;
	struct file *f = fd_get((int)a[0]);
	long ret;

	if (!f)
		return -EBADF;
	ret = timerfd_get(f, &v, &i);
	file_put(f);
	if (ret)
		return ret;
	cur.it_value = ns_to_timespec(v);
	cur.it_interval = ns_to_timespec(i);
	return copy_to_user((void *)a[1], &cur, sizeof(cur)) ? -EFAULT : 0;
}

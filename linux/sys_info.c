/*
 * sys_info.c - time and system information (linux/): the clocks
 * (monotonic from the platform's clock, real time from its wall clock),
 * sleeping, uname with sethostname and setdomainname (the names are
 * kernel/uts.c's), sysinfo and getrandom.
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/page.h>
#include <keel/pmm.h>
#include <keel/process.h>
#include <keel/random.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>
#include <keel/uts.h>

#include "linux.h"
#include <keel/version.h>

/* The clock's time in ns, or -EINVAL for a clock keel does not have. */
int64_t clock_ns(long id)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return time_wall_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return (int64_t)time_now_ns();
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		/* One process on its own CPU: its time since it started. */
		return (int64_t)(time_now_ns() - current_process()->start_ns);
	default:
		return -EINVAL;
	}
}

static int put_timespec(long uaddr, int64_t ns)
{
	struct linux_timespec ts = ns_to_timespec(ns);

	return copy_to_user((void *)uaddr, &ts, sizeof(ts));
}

SYSCALL_DEFINE(clock_gettime)
{
	int64_t ns = clock_ns(a[0]);

	return ns < 0 ? ns : put_timespec(a[1], ns);
}

SYSCALL_DEFINE(clock_getres)
{
	if (clock_ns(a[0]) < 0)
		return -EINVAL;
	return a[1] ? put_timespec(a[1], 1) : 0;
}

SYSCALL_DEFINE(gettimeofday)
{
	struct linux_timeval tv = ns_to_timeval(time_wall_ns());

	if (a[0] && copy_to_user((void *)a[0], &tv, sizeof(tv)))
		return -EFAULT;
	return 0; /* the timezone argument is obsolete: left untouched */
}

SYSCALL_DEFINE(time)
{
	int64_t t = time_wall_ns() / (int64_t)NSEC_PER_SEC;

	if (a[0] && copy_to_user((void *)a[0], &t, sizeof(t)))
		return -EFAULT;
	return t;
}

/*
 * Sleep until an absolute time on the monotonic clock, or until a signal
 * is to be handled: then -EINTR, and the time left goes to rem (a user
 * struct timespec, or 0 for none), as nanosleep does.
 */
static long sleep_until(uint64_t deadline, long rem)
{
	if (sleep_intr(deadline) != -ERESTARTSYS)
		return 0;
	if (rem) {
		uint64_t now = time_now_ns();
		struct linux_timespec left = ns_to_timespec(
		    deadline > now ? (int64_t)(deadline - now) : 0);
		if (copy_to_user((void *)rem, &left, sizeof(left)))
			return -EFAULT;
	}
	return -EINTR;
}

int get_timespec(long uaddr, struct linux_timespec *ts)
{
	if (copy_from_user(ts, (void *)uaddr, sizeof(*ts)))
		return -EFAULT;
	return timespec_check(ts);
}

SYSCALL_DEFINE(nanosleep)
{
	struct linux_timespec ts;
	int err = get_timespec(a[0], &ts);

	if (err)
		return err;
	return sleep_until(time_now_ns() + timespec_to_ns(&ts), a[1]);
}

SYSCALL_DEFINE(clock_nanosleep)
{
	struct linux_timespec ts;
	int64_t now = clock_ns(a[0]);
	int err;

	if (now < 0)
		return -EINVAL;
	if (a[0] == CLOCK_THREAD_CPUTIME_ID) /* Linux: no nsleep for it */
		return -EOPNOTSUPP;
	if ((err = get_timespec(a[2], &ts)))
		return err;
	if (!(a[1] & TIMER_ABSTIME))
		return sleep_until(time_now_ns() + timespec_to_ns(&ts), a[3]);
	if (timespec_to_ns(&ts) <= now)
		return 0;
	return sleep_until(
	    time_now_ns() + (uint64_t)(timespec_to_ns(&ts) - now), 0);
}

struct utsname_k {
	char sysname[65], nodename[65], release[65], version[65], machine[65],
	    domainname[65];
};

SYSCALL_DEFINE(uname)
{
	struct utsname_k u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", sizeof(u.sysname));
	uts_hostname(u.nodename);
	strlcpy(u.release, KEEL_UTS_RELEASE, sizeof(u.release));
	strlcpy(u.version, "#1 keel " KEEL_VERSION, sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	uts_domainname(u.domainname);
	return copy_to_user((void *)a[0], &u, sizeof(u));
}

/* sethostname(2), setdomainname(2): in Linux's order, CAP_SYS_ADMIN
 * (EPERM), then the length (EINVAL above 64), then the bytes (EFAULT). */
static long get_uts_name(long uname, long ulen, char buf[UTS_NAME_LEN])
{
	if (!cred_capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((int)ulen < 0 || (int)ulen > UTS_NAME_LEN)
		return -EINVAL;
	return copy_from_user(buf, (const void *)uname, (size_t)(int)ulen);
}

SYSCALL_DEFINE(sethostname)
{
	char buf[UTS_NAME_LEN];
	long err = get_uts_name(a[0], a[1], buf);

	if (!err)
		uts_set_hostname(buf, (size_t)(int)a[1]);
	return err;
}

SYSCALL_DEFINE(setdomainname)
{
	char buf[UTS_NAME_LEN];
	long err = get_uts_name(a[0], a[1], buf);

	if (!err)
		uts_set_domainname(buf, (size_t)(int)a[1]);
	return err;
}

struct sysinfo_k {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};

SYSCALL_DEFINE(sysinfo)
{
	struct sysinfo_k si;
	struct pmm_stats st;

	pmm_stats(&st);
	memset(&si, 0, sizeof(si));
	si.uptime = (int64_t)(time_now_ns() / NSEC_PER_SEC);
	si.totalram = st.total_pages * PAGE_SIZE;
	si.freeram = st.free_pages * PAGE_SIZE;
	si.procs = 1;
	si.mem_unit = 1;
	return copy_to_user((void *)a[0], &si, sizeof(si));
}

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

SYSCALL_DEFINE(getrandom)
{
	size_t len = (size_t)a[1], done = 0;
	uint8_t buf[256];

	if (a[2] & ~(long)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((a[2] & GRND_RANDOM) && (a[2] & GRND_INSECURE))
		return -EINVAL;
	if (!user_range_ok((uintptr_t)a[0], len))
		return -EFAULT;
	len = MIN(len, (size_t)33554431); /* Linux's per-call limit */
	while (done < len) {
		size_t n = MIN(len - done, sizeof(buf));

		random_bytes(buf, n);
		if (copy_to_user((char *)a[0] + done, buf, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}

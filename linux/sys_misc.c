/*
 * sys_misc.c - the process's small settings (linux/): scheduling policy
 * and nice value (recorded; keel's scheduler is round-robin), CPU
 * affinity, resource limits, memory locking (keel never swaps: checked
 * ranges), setting the wall clock, adjtimex queries, the kernel log,
 * and calls keel refuses outright (unshare).
 */
#include <keel/errno.h>
#include <keel/page.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <keel/vm.h>

#include "linux.h"

/* A pid naming this process, another, or one of their threads. */
static long self_or_esrch(long pid)
{
	pid = (int)pid; /* pid_t: the upper half of the register is junk */
	if (pid < 0)
		return -EINVAL;
	return pid == 0 || id_exists((int)pid) ? 0 : -ESRCH;
}

/* ---- scheduling ---- */

#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_RESET_ON_FORK 0x40000000
#define SLICE_NS 10000000 /* the scheduler's slice (kernel/sched.c) */

static int policy = SCHED_OTHER, rt_priority, nice;
static bool reset_on_fork;

static bool is_rt(int pol)
{
	return pol == SCHED_FIFO || pol == SCHED_RR;
}

/* The priority range of a policy: 1..99 real time, 0 for the others. */
static long prio_bound(long pol, bool max)
{
	if (is_rt((int)pol))
		return max ? 99 : 1;
	if (pol == SCHED_OTHER || pol == SCHED_BATCH || pol == SCHED_IDLE ||
	    pol == 6 /* SCHED_DEADLINE */)
		return 0;
	return -EINVAL;
}

/* Validate and record a policy (-1: keep the current one) and priority. */
static long set_sched(long pid, long pol, long uparam)
{
	int prio;
	long err;

	if (!uparam || (int)pid < 0)
		return -EINVAL;
	if (copy_from_user(&prio, (void *)uparam, sizeof(prio)))
		return -EFAULT;
	if ((err = self_or_esrch(pid)))
		return err;
	if (pol == -1)
		pol = policy;
	bool reset = pol & SCHED_RESET_ON_FORK;

	pol &= ~(long)SCHED_RESET_ON_FORK;
	if (pol == 6 || prio_bound(pol, true) < 0 ||
	    prio < prio_bound(pol, false) || prio > prio_bound(pol, true))
		return -EINVAL;
	if (is_rt((int)pol) && !cred_capable(CAP_SYS_NICE))
		return -EPERM;
	policy = (int)pol;
	rt_priority = prio;
	reset_on_fork = reset;
	return 0;
}

SYSCALL_DEFINE(sched_setscheduler)
{
	return (int)a[1] < 0 ? -EINVAL : set_sched(a[0], (int)a[1], a[2]);
}

SYSCALL_DEFINE(sched_setparam)
{
	return set_sched(a[0], -1, a[1]);
}

SYSCALL_DEFINE(sched_getscheduler)
{
	long err = self_or_esrch(a[0]);

	return err ? err : policy | (reset_on_fork ? SCHED_RESET_ON_FORK : 0);
}

SYSCALL_DEFINE(sched_getparam)
{
	long err;

	if (!a[1] || (int)a[0] < 0)
		return -EINVAL;
	if ((err = self_or_esrch(a[0])))
		return err;
	return copy_to_user((void *)a[1], &rt_priority, sizeof(rt_priority));
}

SYSCALL_DEFINE(sched_get_priority_max)
{
	return prio_bound(a[0], true);
}

SYSCALL_DEFINE(sched_get_priority_min)
{
	return prio_bound(a[0], false);
}

SYSCALL_DEFINE(sched_rr_get_interval)
{
	struct linux_timespec ts =
	    ns_to_timespec(policy == SCHED_FIFO ? 0 : SLICE_NS);
	long err = self_or_esrch(a[0]);

	return err ? err : copy_to_user((void *)a[1], &ts, sizeof(ts));
}

/* One CPU: a mask must contain CPU 0. */
SYSCALL_DEFINE(sched_setaffinity)
{
	uint8_t first = 0;
	long err = self_or_esrch(a[0]);

	if (a[1] > 0 && copy_from_user(&first, (void *)a[2], 1))
		return -EFAULT;
	if (err)
		return err;
	return first & 1 ? 0 : -EINVAL;
}

SYSCALL_DEFINE(getcpu)
{
	unsigned zero = 0;

	if (a[0] && copy_to_user((void *)a[0], &zero, sizeof(zero)))
		return -EFAULT;
	if (a[1] && copy_to_user((void *)a[1], &zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2

/* Is who (of kind which) this process? 0, -ESRCH or -EINVAL. */
static long prio_target(long which, long who)
{
	switch (which) {
	case PRIO_PROCESS:
	case PRIO_PGRP:
		who = (int)who;
		if (who == 0 || (which == PRIO_PROCESS && id_exists((int)who)))
			return 0;
		return which == PRIO_PGRP && process_group_exists((int)who, -1)
			   ? 0
			   : -ESRCH;
	case PRIO_USER:
		return who == 0 || (uint32_t)who == current_process()->cred.ruid
			   ? 0
			   : -ESRCH;
	default:
		return -EINVAL;
	}
}

/* The raw syscall answers 20 - nice (1..40), never negative. */
SYSCALL_DEFINE(getpriority)
{
	long err = prio_target((int)a[0], a[1]);

	return err ? err : 20 - nice;
}

SYSCALL_DEFINE(setpriority)
{
	long err = prio_target((int)a[0], a[1]);
	long n = (int)a[2] < -20 ? -20 : (int)a[2] > 19 ? 19 : (int)a[2];

	if (err)
		return err;
	if (n < nice && !cred_capable(CAP_SYS_NICE))
		return -EACCES;
	nice = (int)n;
	return 0;
}

/* ---- resource limits ---- */

/*
 * May the caller change p's limits? Linux's check_prlimit_permission:
 * itself, or a process whose real, effective and saved ids (user and
 * group) all are the caller's real ones, or CAP_SYS_RESOURCE.
 */
static bool prlimit_allowed(struct process *p)
{
	const struct cred *me = cred_current(), *c = &p->cred;

	if (p == current_process() || cred_capable(CAP_SYS_RESOURCE))
		return true;
	return me->ruid == c->ruid && me->ruid == c->euid &&
	       me->ruid == c->suid && me->rgid == c->rgid &&
	       me->rgid == c->egid && me->rgid == c->sgid;
}

/* Check a new limit for resource res against the old one (Linux's
 * do_prlimit): 0, -EINVAL or -EPERM. */
static long rlimit_check(unsigned res, const struct rlimit_k *old,
			 const struct rlimit_k *nl)
{
	if (nl->cur > nl->max)
		return -EINVAL;
	if (nl->max > old->max && !cred_capable(CAP_SYS_RESOURCE))
		return -EPERM;
	if (res == RLIMIT_NOFILE && nl->max > fd_nr_open())
		return -EPERM;
	return 0;
}

/* The process of thread or process id pid (a reference), or NULL. */
static struct process *rlimit_target(int pid)
{
	struct process *p = pid > 0 ? process_get(pid) : NULL;
	struct uthread *u;

	if (!p && pid > 0 && (u = uthread_find(pid)))
		p = process_get(u->proc->pid);
	return p;
}

SYSCALL_DEFINE(prlimit64)
{
	int pid = (int)a[0];
	unsigned res = (unsigned)a[1];
	struct process *p;
	struct rlimit_k nl;
	long err = 0;

	if (res >= RLIMIT_NLIMITS)
		return -EINVAL;
	if (a[2] && copy_from_user(&nl, (void *)a[2], sizeof(nl)))
		return -EFAULT;
	if (pid < 0 || !(p = pid ? rlimit_target(pid) : current_process()))
		return -ESRCH;
	if (!prlimit_allowed(p))
		err = -EPERM;
	else if (a[2])
		err = rlimit_check(res, &p->rlim[res], &nl);
	if (!err && a[3] &&
	    copy_to_user((void *)a[3], &p->rlim[res], sizeof(nl)))
		err = -EFAULT;
	if (!err && a[2])
		p->rlim[res] = nl;
	if (pid)
		process_put(p);
	return err;
}

SYSCALL_DEFINE(getrlimit)
{
	long b[6] = { 0, a[0], 0, a[1] };

	return sys_prlimit64(b);
}

SYSCALL_DEFINE(setrlimit)
{
	long b[6] = { 0, a[0], a[1], 0 };

	return a[1] ? sys_prlimit64(b) : -EFAULT;
}

/* ---- memory: nothing is ever swapped, so locking checks the range ---- */

#define MLOCK_ONFAULT 1
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4
#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/* 0 when [addr, addr+len) is all mapped, -ENOMEM when not: madvise's
 * check with the no-op advice. addr must be page-aligned. */
static long range_mapped(uintptr_t addr, size_t len)
{
	return vm_madvise(addr, len, 0 /* MADV_NORMAL */);
}

/* mlock's rounding: the pages the range touches. */
static long lock_range(long addr, long len)
{
	uintptr_t start = (uintptr_t)addr & ~(uintptr_t)(PAGE_SIZE - 1);
	size_t n = (size_t)len + ((uintptr_t)addr - start);

	if (n < (size_t)len)
		return -ENOMEM;
	return range_mapped(start, n);
}

SYSCALL_DEFINE(mlock)
{
	return lock_range(a[0], a[1]);
}

SYSCALL_DEFINE(munlock)
{
	return lock_range(a[0], a[1]);
}

SYSCALL_DEFINE(mlock2)
{
	if (a[2] & ~(long)MLOCK_ONFAULT)
		return -EINVAL;
	return lock_range(a[0], a[1]);
}

SYSCALL_DEFINE(mlockall)
{
	long f = a[0];

	if (!f || (f & ~(long)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    f == MCL_ONFAULT)
		return -EINVAL;
	if (!cred_capable(CAP_IPC_LOCK) &&
	    !current_process()->rlim[8 /* RLIMIT_MEMLOCK */].cur)
		return -EPERM;
	return 0;
}

SYSCALL_DEFINE(munlockall)
{
	(void)a;
	return 0;
}

/* Shared file mappings are not written back yet: nothing to flush. */
SYSCALL_DEFINE(msync)
{
	long f = a[2];

	if ((f & ~(long)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((f & MS_ASYNC) && (f & MS_SYNC)))
		return -EINVAL;
	return range_mapped((uintptr_t)a[0], (size_t)a[1]);
}

/* ---- the wall clock ---- */

SYSCALL_DEFINE(settimeofday)
{
	struct linux_timeval tv;
	struct {
		int minuteswest, dsttime;
	} tz;

	if (a[0] && copy_from_user(&tv, (void *)a[0], sizeof(tv)))
		return -EFAULT;
	if (a[1] && copy_from_user(&tz, (void *)a[1], sizeof(tz)))
		return -EFAULT;
	if (a[0] && timeval_check(&tv))
		return -EINVAL;
	if (!cred_capable(CAP_SYS_TIME))
		return -EPERM;
	/* The time zone is obsolete: checked as Linux does, not kept. */
	if (a[1] && (tz.minuteswest > 15 * 60 || tz.minuteswest < -15 * 60))
		return -EINVAL;
	if (a[0])
		time_set_wall_ns(timeval_to_ns(&tv));
	return 0;
}

SYSCALL_DEFINE(clock_settime)
{
	struct linux_timespec ts;

	if (a[0] != CLOCK_REALTIME)
		return -EINVAL;
	if (copy_from_user(&ts, (void *)a[1], sizeof(ts)))
		return -EFAULT;
	if (timespec_check(&ts))
		return -EINVAL;
	if (!cred_capable(CAP_SYS_TIME))
		return -EPERM;
	time_set_wall_ns(timespec_to_ns(&ts));
	return 0;
}

#define ADJ_OFFSET_SS_READ 0xa001
#define TIME_OK 0

/*
 * A query answers TIME_OK with the current time and fixed fields: keel
 * runs no clock discipline. The clock cannot be steered (EPERM).
 */
static long adjtime(long utx)
{
	struct linux_timex tx;
	int64_t ns = time_wall_ns();

	if (copy_from_user(&tx, (void *)utx, sizeof(tx)))
		return -EFAULT;
	if (tx.modes && tx.modes != ADJ_OFFSET_SS_READ)
		return -EPERM;
	memset(&tx, 0, sizeof(tx));
	tx.maxerror = 16000;
	tx.esterror = 16000;
	tx.constant = 2;
	tx.precision = 1;
	tx.tolerance = 500 << 16; /* 500 ppm */
	tx.tick = 10000;
	tx.time = ns_to_timeval(ns);
	if (copy_to_user((void *)utx, &tx, sizeof(tx)))
		return -EFAULT;
	return TIME_OK;
}

SYSCALL_DEFINE(adjtimex)
{
	return adjtime(a[0]);
}

SYSCALL_DEFINE(clock_adjtime)
{
	if (a[0] == CLOCK_REALTIME)
		return adjtime(a[1]);
	if (a[0] < 0 || a[0] > CLOCK_TAI || a[0] == 3 || a[0] == 2)
		return -EINVAL;
	return -EOPNOTSUPP;
}

/* ---- the kernel log ---- */

#define SYSLOG_ACTION_CLOSE 0
#define SYSLOG_ACTION_OPEN 1
#define SYSLOG_ACTION_READ 2
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_READ_CLEAR 4
#define SYSLOG_ACTION_CLEAR 5
#define SYSLOG_ACTION_CONSOLE_OFF 6
#define SYSLOG_ACTION_CONSOLE_ON 7
#define SYSLOG_ACTION_CONSOLE_LEVEL 8
#define SYSLOG_ACTION_SIZE_UNREAD 9
#define SYSLOG_ACTION_SIZE_BUFFER 10

static size_t log_read_pos, log_clear_pos; /* READ's and READ_ALL's starts */

/* Copy the log from *from into the user's buffer, in chunks. */
static long log_copy(long ubuf, size_t len, size_t *from)
{
	char chunk[256];
	size_t done = 0, n;

	while (done < len &&
	       (n = printk_log_read(chunk, MIN(sizeof(chunk), len - done),
				    *from, from))) {
		if (copy_to_user((char *)ubuf + done, chunk, n))
			return -EFAULT;
		done += n;
	}
	return (long)done;
}

SYSCALL_DEFINE(syslog)
{
	size_t from = log_clear_pos, end = printk_log_end();
	long n;

	switch ((int)a[0]) {
	case SYSLOG_ACTION_CLOSE:
	case SYSLOG_ACTION_OPEN:
	case SYSLOG_ACTION_CONSOLE_OFF:
	case SYSLOG_ACTION_CONSOLE_ON:
		return 0;
	case SYSLOG_ACTION_CONSOLE_LEVEL:
		return a[2] < 1 || a[2] > 8 ? -EINVAL : 0;
	case SYSLOG_ACTION_CLEAR:
		log_clear_pos = end;
		return 0;
	case SYSLOG_ACTION_SIZE_BUFFER:
		return LOG_SIZE;
	case SYSLOG_ACTION_SIZE_UNREAD:
		return (long)MIN(end - log_read_pos, (size_t)LOG_SIZE);
	case SYSLOG_ACTION_READ:
	case SYSLOG_ACTION_READ_ALL:
	case SYSLOG_ACTION_READ_CLEAR:
		if (!a[1] || (int)a[2] < 0)
			return -EINVAL;
		if (a[0] == SYSLOG_ACTION_READ) /* does not wait for lines */
			return log_copy(a[1], (size_t)(int)a[2], &log_read_pos);
		/* READ_ALL gives the last len bytes since the last clear. */
		if (end - from > (size_t)(int)a[2])
			from = end - (size_t)(int)a[2];
		n = log_copy(a[1], (size_t)(int)a[2], &from);
		if (n >= 0 && a[0] == SYSLOG_ACTION_READ_CLEAR)
			log_clear_pos = end;
		return n;
	default:
		return -EINVAL;
	}
}

/* ---- refused ---- */

/* Namespaces do not exist in keel; the one process keeps its own. */
SYSCALL_DEFINE(unshare)
{
	(void)a;
	WARN_ONCE("keel: unshare: namespaces are not supported (EINVAL)\n");
	return -EINVAL;
}

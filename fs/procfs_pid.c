/*
 * procfs_pid.c - the text of /proc/PID's files (fs/): stat in Linux's
 * 52-field format (fs/proc/array.c's order: what ps and top parse),
 * statm, status, cmdline, comm, maps; and /proc/stat, uptime, loadavg.
 * A zombie still has its ids and state (Z) but no address space and no
 * descriptors: its memory fields read 0 and its Vm lines are left out,
 * as on Linux. keel keeps no split of user and system time: a process's
 * time is how long it has lived (as getrusage and CLOCK_PROCESS_CPUTIME
 * say today), all of it user time.
 */
#include <keel/heap.h>
#include <keel/oom.h>
#include <keel/printf.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/vfs.h>
#include <keel/vm.h>
#include "procfs_pid.h"

#define MAPS_MAX (1UL << 20)

/* snprintf at buf + n (n may already be past len): n plus the length. */
static size_t add(char *buf, size_t len, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf + MIN(n, len), len - MIN(n, len), fmt, ap);
	va_end(ap);
	return n + (size_t)r;
}

static char state_char(const struct process *p)
{
	if (p->state == PROCESS_ZOMBIE)
		return 'Z';
	if (p->state == PROCESS_DEAD)
		return 'X';
	if (p->stopped)
		return 'T';
	return p == current_process() ? 'R' : 'S';
}

static const char *state_name(char c)
{
	switch (c) {
	case 'R':
		return "R (running)";
	case 'Z':
		return "Z (zombie)";
	case 'X':
		return "X (dead)";
	case 'T':
		return "T (stopped)";
	default:
		return "S (sleeping)";
	}
}

static bool alive(const struct process *p)
{
	return p->state == PROCESS_ALIVE;
}

/* The name ps shows: the caller's thread name for itself (prctl
 * PR_SET_NAME sets it), else comm, else the program's file name. */
static const char *comm_of(const struct process *p)
{
	const char *s;

	if (p == current_process())
		return current_thread()->name;
	if (p->comm[0])
		return p->comm;
	if (!p->exe)
		return "";
	for (s = p->exe; strchr(s, '/');)
		s = strchr(s, '/') + 1;
	return s;
}

/* pgid and sid: 0 until kernel/process.c sets them, which today means
 * the process leads both (getpgid and getsid say its pid). */
static int pgid_of(const struct process *p)
{
	return p->pgid ? p->pgid : p->pid;
}

static int sid_of(const struct process *p)
{
	return p->sid ? p->sid : p->pid;
}

static int ppid_of(const struct process *p)
{
	return p->parent ? p->parent->pid : 0;
}

static int threads_of(const struct process *p)
{
	return p->nthreads > 0 ? p->nthreads : 1;
}

size_t procpid_maps(struct process *p, char *buf, size_t len)
{
	size_t n;

	if (p == current_process())
		n = vm_format_maps(buf, len);
	else if (alive(p) && p->mm)
		n = vm_mm_format_maps(p->mm, buf, len);
	else
		n = 0;
	/* Only whole lines fit: near the end, ask for a bigger buffer. */
	return n + 512 > len ? len + 1 : n;
}

/* A hexadecimal number at *s, moving *s past it. */
static uint64_t hex(const char **s)
{
	uint64_t v = 0;

	for (;; (*s)++) {
		char c = **s;
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
					       : -1;

		if (d < 0)
			return v;
		v = v << 4 | (uint64_t)d;
	}
}

/* The bytes p's areas span (the sum of its maps' ranges). */
static uint64_t vsize_of(struct process *p)
{
	size_t cap = 16384, n;
	uint64_t total = 0;
	char *buf;

	for (;;) {
		buf = kmalloc(cap);
		if (!buf)
			return 0;
		n = procpid_maps(p, buf, cap);
		if (n < cap)
			break;
		kfree(buf);
		if (cap >= MAPS_MAX)
			return 0;
		cap *= 2;
	}
	buf[n] = '\0';
	for (const char *s = buf; s && *s;) {
		uint64_t lo = hex(&s), hi;

		if (*s++ != '-')
			break;
		hi = hex(&s);
		if (hi > lo)
			total += hi - lo;
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	kfree(buf);
	return total;
}

/* Resident pages. */
static uint64_t rss_of(struct process *p)
{
	if (!alive(p))
		return 0;
	return p->mm ? vm_mm_resident(p->mm) : 0;
}

static uint64_t ticks_alive(const struct process *p)
{
	return alive(p) ? ns_to_clock_t(time_now_ns() - p->start_ns) : 0;
}

size_t procpid_stat(struct process *p, char *buf, size_t len)
{
	char state = state_char(p);
	bool live = alive(p);
	uint64_t vsize = live ? vsize_of(p) : 0, rss = live ? rss_of(p) : 0;

	/* Fields 1-52 of proc(5), in the order Linux prints them; the
	 * addresses (26-28, 45-51) read 0 as Linux shows another user. */
	return (size_t)snprintf(
	    buf, len,
	    "%d (%s) %c %d %d %d %d %d %u " /* 1-9 */
	    "%lu %lu %lu %lu " /* 10-13 faults */
	    "%llu %llu %llu %llu " /* 14-17 times */
	    "%ld %ld %d 0 %llu " /* 18-22 */
	    "%llu %llu %llu " /* 23-25 vsize rss rsslim */
	    "%lu %lu %lu %lu %lu " /* 26-30 */
	    "%lu %lu %lu %lu %lu %lu %lu " /* 31-37 */
	    "%d %d %u %u %llu %lu %ld " /* 38-44 */
	    "%lu %lu %lu %lu %lu %lu %lu %d\n", /* 45-52 */
	    p->pid, comm_of(p), state, ppid_of(p), pgid_of(p), sid_of(p),
	    0 /* tty_nr */, -1 /* tpgid */,
	    live ? 0x400000u : 0x400004u /* PF_RANDOMIZE, PF_EXITING */, 0UL,
	    0UL, 0UL, 0UL, (unsigned long long)ticks_alive(p), 0ULL,
	    (unsigned long long)ns_to_clock_t(p->child_utime_ns),
	    (unsigned long long)ns_to_clock_t(p->child_stime_ns),
	    20L /* priority */, 0L /* nice */, threads_of(p),
	    (unsigned long long)ns_to_clock_t(p->start_ns),
	    (unsigned long long)vsize, (unsigned long long)rss,
	    (unsigned long long)RLIM_INFINITY, 0UL, 0UL, 0UL, 0UL, 0UL,
	    0UL /* signal */, 0UL, 0UL, 0UL, 0UL /* wchan */, 0UL, 0UL,
	    p->exit_signal, 0 /* processor */, 0u, 0u, 0ULL, 0UL, 0L, 0UL, 0UL,
	    0UL, 0UL, 0UL, 0UL, 0UL,
	    p->state == PROCESS_ZOMBIE ? p->wstatus : 0);
}

size_t procpid_statm(struct process *p, char *buf, size_t len)
{
	bool live = alive(p);
	uint64_t size = live ? vsize_of(p) / PAGE_SIZE : 0;
	uint64_t rss = live ? rss_of(p) : 0;

	return (size_t)snprintf(buf, len, "%llu %llu 0 0 0 0 0\n",
				(unsigned long long)size,
				(unsigned long long)rss);
}

size_t procpid_status(struct process *p, char *buf, size_t len)
{
	const struct cred *c = &p->cred;
	size_t n = add(buf, len, 0, "Name:\t%s\n", comm_of(p));

	if (p->fs)
		n = add(buf, len, n, "Umask:\t%04o\n", fs_umask_of(p));
	n = add(buf, len, n,
		"State:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
		"TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
		"Groups:\t",
		state_name(state_char(p)), p->pid, p->pid, ppid_of(p), c->ruid,
		c->euid, c->suid, c->fsuid, c->rgid, c->egid, c->sgid,
		c->fsgid);
	for (unsigned i = 0; i < c->ngroups; i++)
		n = add(buf, len, n, "%u ", c->groups[i]);
	n = add(buf, len, n,
		"\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", p->pid,
		p->pid, pgid_of(p), sid_of(p));
	if (alive(p))
		n = add(buf, len, n, "VmSize:\t%8llu kB\nVmRSS:\t%8llu kB\n",
			(unsigned long long)(vsize_of(p) / 1024),
			(unsigned long long)(rss_of(p) * (PAGE_SIZE / 1024)));
	return add(buf, len, n, "Threads:\t%d\n", threads_of(p));
}

size_t procpid_cmdline(struct process *p, char *buf, size_t len)
{
	size_t n = 0;

	if (!alive(p)) /* a zombie's is empty, as on Linux */
		return 0;
	for (const char **argv = p->argv; argv && *argv; argv++) {
		size_t l = strlen(*argv) + 1;

		if (n + l <= len)
			memcpy(buf + n, *argv, l);
		n += l;
	}
	return n;
}

size_t procpid_comm(struct process *p, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s\n", comm_of(p));
}

/* ---- /proc's own ---- */

static int count_one(struct process *p, void *arg)
{
	int *n = arg;

	(*n)++;
	(void)p;
	return 0;
}

static int nprocesses(void)
{
	int n = 0;

	process_for_each(count_one, &n);
	return n;
}

size_t proc_gen_stat(char *buf, size_t len)
{
	unsigned long long up = ns_to_clock_t(time_now_ns());
	long long btime =
	    (time_wall_ns() - (int64_t)time_now_ns()) / 1000000000LL;

	/* One CPU; all of its time shown as user time, as for processes. */
	return (size_t)snprintf(
	    buf, len,
	    "cpu  %llu 0 0 0 0 0 0 0 0 0\ncpu0 %llu 0 0 0 0 0 0 0 0 0\n"
	    "intr 0\nctxt 0\nbtime %lld\nprocesses %d\nprocs_running 1\n"
	    "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
	    up, up, btime, nprocesses());
}

size_t proc_gen_uptime(char *buf, size_t len)
{
	uint64_t cs = time_now_ns() / 10000000; /* hundredths */

	return (size_t)snprintf(buf, len, "%llu.%02llu 0.00\n",
				(unsigned long long)(cs / 100),
				(unsigned long long)(cs % 100));
}

static int max_pid(struct process *p, void *arg)
{
	int *m = arg;

	if (p->pid > *m)
		*m = p->pid;
	return 0;
}

size_t proc_gen_loadavg(char *buf, size_t len)
{
	int last = 0;

	process_for_each(max_pid, &last);
	return (size_t)snprintf(buf, len, "0.00 0.00 0.00 1/%d %d\n",
				nprocesses(), last);
}

/* kernel/oom.c's weight of p, and how likely it is to be chosen. */
size_t procpid_oom_score_adj(struct process *p, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", p->oom_score_adj);
}

size_t procpid_oom_score(struct process *p, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%ld\n", oom_score(p));
}

/*
 * t_proc.c - process, time and system information (tests/guest): ids
 * (only what holds on any system: pid > 0, tid == pid, ...), uname, the
 * clocks, sleeping, getrandom, resource limits, CPU affinity, sysinfo,
 * getrusage, the thread pointer and the signal calls a runtime makes,
 * with their error paths. Values that differ between machines (pids,
 * times, limits) are compared, never printed. Run in the guest and on the
 * host; one line per check, the output must match.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000L + t->tv_nsec;
}

static void test_ids(void)
{
	unsigned r[3], e[3];

	check("getpid-positive", syscall(SYS_getpid) > 0);
	check("gettid-is-pid", syscall(SYS_gettid) == syscall(SYS_getpid));
	check("getppid-not-negative", syscall(SYS_getppid) >= 0);
	check("getuid-is-euid", getuid() == geteuid());
	check("getgid-is-egid", getgid() == getegid());
	check("getresuid", syscall(SYS_getresuid, &r[0], &r[1], &r[2]) == 0 &&
			       r[0] == getuid() && r[1] == geteuid());
	check("getresgid", syscall(SYS_getresgid, &e[0], &e[1], &e[2]) == 0 &&
			       e[0] == getgid());
	check_err("getresuid-efault",
		  raw(syscall(SYS_getresuid, &r[0], BADPTR, &r[2])), EFAULT);
	check("set-tid-address-returns-tid",
	      syscall(SYS_set_tid_address, &r[0]) == syscall(SYS_gettid));
	check_err("set-robust-list-bad-len",
		  raw(syscall(SYS_set_robust_list, &r, 7)), EINVAL);
}

static void test_uname(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	check_val("uname", raw(uname(&u)), 0);
	printf("uname sysname=%s machine=%s\n", u.sysname, u.machine);
	sscanf(u.release, "%d.%d", &maj, &min);
	check("uname-release-3.2-or-later", maj > 3 || (maj == 3 && min >= 2));
	check_err("uname-efault", raw(syscall(SYS_uname, BADPTR)), EFAULT);
	check_err("uname-kernel-efault", raw(syscall(SYS_uname, KPTR)), EFAULT);
}

static void test_clocks(void)
{
	struct timespec a, b, req;
	struct timeval tv;
	long t;

	check_val("clock-monotonic", raw(clock_gettime(CLOCK_MONOTONIC, &a)),
		  0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	check("clock-monotonic-increases", ns(&b) >= ns(&a));
	check("clock-nsec-in-range", a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
	clock_gettime(CLOCK_REALTIME, &a);
	check("clock-realtime-after-2020", a.tv_sec > 1577836800);
	check("clock-boottime", clock_gettime(CLOCK_BOOTTIME, &a) == 0);
	check("clock-process-cputime",
	      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0);
	check("clock-getres", clock_getres(CLOCK_MONOTONIC, &a) == 0 &&
				  a.tv_sec == 0 && a.tv_nsec > 0 &&
				  a.tv_nsec <= 10000000);
	check_val("clock-getres-null",
		  raw(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL)), 0);
	check_err("clock-gettime-bad-clock",
		  raw(syscall(SYS_clock_gettime, 999, &a)), EINVAL);
	check_err("clock-getres-bad-clock",
		  raw(syscall(SYS_clock_getres, 999, &a)), EINVAL);
	check_err("clock-gettime-efault",
		  raw(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BADPTR)),
		  EFAULT);
	check_val("gettimeofday", raw(syscall(SYS_gettimeofday, &tv, NULL)), 0);
	clock_gettime(CLOCK_REALTIME, &a);
	check("gettimeofday-near-realtime",
	      tv.tv_sec <= a.tv_sec && tv.tv_sec + 5 >= a.tv_sec &&
		  tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	check_err("gettimeofday-efault",
		  raw(syscall(SYS_gettimeofday, KPTR, NULL)), EFAULT);
	t = syscall(SYS_time, NULL);
	check("time-near-realtime", t >= a.tv_sec && t <= a.tv_sec + 5);
	check_err("time-efault", raw(syscall(SYS_time, KPTR)), EFAULT);

	req = (struct timespec){ 0, 20000000 };
	clock_gettime(CLOCK_MONOTONIC, &a);
	check_val("nanosleep", raw(nanosleep(&req, NULL)), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	check("nanosleep-not-early", ns(&b) - ns(&a) >= 20000000);
	req = (struct timespec){ 0, 1000000000 };
	check_err("nanosleep-nsec-einval", raw(nanosleep(&req, NULL)), EINVAL);
	req = (struct timespec){ -1, 0 };
	check_err("nanosleep-negative-einval", raw(nanosleep(&req, NULL)),
		  EINVAL);
	check_err("nanosleep-efault", raw(syscall(SYS_nanosleep, BADPTR, NULL)),
		  EFAULT);
	req = (struct timespec){ 0, 0 };
	check_val("nanosleep-zero", raw(nanosleep(&req, NULL)), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	req = (struct timespec){ a.tv_sec, a.tv_nsec };
	req.tv_nsec += 10000000;
	if (req.tv_nsec >= 1000000000)
		req.tv_sec++, req.tv_nsec -= 1000000000;
	check_val("clock-nanosleep-abs",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
			  &req, NULL),
		  0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	check("clock-nanosleep-abs-not-early", ns(&b) >= ns(&req));
	req = (struct timespec){ 1, 0 };
	check_val("clock-nanosleep-abs-past",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
			  &req, NULL),
		  0);
	check_err("clock-nanosleep-bad-clock",
		  raw(syscall(SYS_clock_nanosleep, 999, 0, &req, NULL)),
		  EINVAL);
	check_err("clock-nanosleep-thread-cputime",
		  raw(syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0,
			      &req, NULL)),
		  EOPNOTSUPP);
	check_err(
	    "clock-nanosleep-efault",
	    raw(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, KPTR, NULL)),
	    EFAULT);
}

static void test_random(void)
{
	unsigned char buf[300];
	int zeros = 0;

	memset(buf, 0, sizeof(buf));
	check_val("getrandom-32", raw(getrandom(buf, 32, 0)), 32);
	check_val("getrandom-300", raw(getrandom(buf, 300, GRND_NONBLOCK)),
		  300);
	for (int i = 0; i < 300; i++)
		zeros += !buf[i];
	check("getrandom-not-zeros", zeros < 50);
	check_val("getrandom-0", raw(getrandom(buf, 0, 0)), 0);
	check_err("getrandom-bad-flags", raw(getrandom(buf, 8, 0x100)), EINVAL);
	check_err("getrandom-random-insecure",
		  raw(getrandom(buf, 8, GRND_RANDOM | GRND_INSECURE)), EINVAL);
	check_err("getrandom-efault", raw(syscall(SYS_getrandom, BADPTR, 8, 0)),
		  EFAULT);
	check_err("getrandom-kernel-efault",
		  raw(syscall(SYS_getrandom, KPTR, 8, 0)), EFAULT);
}

static void test_limits(void)
{
	struct rlimit old, l;
	struct rusage ru;
	cpu_set_t set;
	struct sysinfo si;

	check_val("prlimit-get-nofile",
		  raw(prlimit(0, RLIMIT_NOFILE, NULL, &old)), 0);
	check("prlimit-nofile-sane",
	      old.rlim_cur >= 3 && old.rlim_cur <= old.rlim_max);
	l = (struct rlimit){ 100, old.rlim_max };
	check_val("prlimit-set-nofile",
		  raw(prlimit(0, RLIMIT_NOFILE, &l, NULL)), 0);
	check("prlimit-reads-back", prlimit(0, RLIMIT_NOFILE, NULL, &l) == 0 &&
					l.rlim_cur == 100 &&
					l.rlim_max == old.rlim_max);
	check("getrlimit-same",
	      getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur == 100);
	l = (struct rlimit){ 200, 100 };
	check_err("prlimit-cur-above-max",
		  raw(prlimit(0, RLIMIT_NOFILE, &l, NULL)), EINVAL);
	check_err("prlimit-bad-resource",
		  raw(syscall(SYS_prlimit64, 0, 999, NULL, &l)), EINVAL);
	check_err("prlimit-efault",
		  raw(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BADPTR)),
		  EFAULT);
	check_err("prlimit-new-efault",
		  raw(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, KPTR, NULL)),
		  EFAULT);
	check_err(
	    "prlimit-no-such-pid",
	    raw(syscall(SYS_prlimit64, 0x3fffffff, RLIMIT_NOFILE, NULL, &l)),
	    ESRCH);
	check_val("prlimit-restore", raw(prlimit(0, RLIMIT_NOFILE, &old, NULL)),
		  0);
	check("getrlimit-stack",
	      getrlimit(RLIMIT_STACK, &l) == 0 && l.rlim_cur >= 4096);
	check_err("getrlimit-efault",
		  raw(syscall(SYS_getrlimit, RLIMIT_STACK, KPTR)), EFAULT);

	CPU_ZERO(&set);
	check("sched-getaffinity",
	      sched_getaffinity(0, sizeof(set), &set) == 0 &&
		  CPU_COUNT(&set) >= 1);
	check("sched-getaffinity-raw-size",
	      syscall(SYS_sched_getaffinity, 0, sizeof(set), &set) >= 8);
	check_err("sched-getaffinity-small",
		  raw(syscall(SYS_sched_getaffinity, 0, 4, &set)), EINVAL);
	check_err("sched-getaffinity-efault",
		  raw(syscall(SYS_sched_getaffinity, 0, sizeof(set), BADPTR)),
		  EFAULT);
	check_err(
	    "sched-getaffinity-esrch",
	    raw(syscall(SYS_sched_getaffinity, 0x3fffffff, sizeof(set), &set)),
	    ESRCH);
	check_val("sched-yield", raw(sched_yield()), 0);

	check_val("sysinfo", raw(sysinfo(&si)), 0);
	check("sysinfo-sane", si.totalram > 0 && si.freeram <= si.totalram &&
				  si.mem_unit >= 1 && si.procs >= 1);
	check_err("sysinfo-efault", raw(syscall(SYS_sysinfo, BADPTR)), EFAULT);
	check_val("getrusage-self", raw(getrusage(RUSAGE_SELF, &ru)), 0);
	check("getrusage-sane",
	      ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
	check_err("getrusage-bad-who", raw(getrusage(99, &ru)), EINVAL);
	check_err("getrusage-efault",
		  raw(syscall(SYS_getrusage, RUSAGE_SELF, KPTR)), EFAULT);
}

static void handler(int sig)
{
	(void)sig;
}

static void test_signals_tls(void)
{
	struct sigaction sa, old;
	sigset_t set, cur;
	unsigned long fs = 0;

	check_val("arch-prctl-get-fs",
		  raw(syscall(SYS_arch_prctl, 0x1003, &fs)), 0);
	check("arch-prctl-fs-set", fs != 0);
	check_err("arch-prctl-get-fs-efault",
		  raw(syscall(SYS_arch_prctl, 0x1003, KPTR)), EFAULT);
	check_err("arch-prctl-bad-code",
		  raw(syscall(SYS_arch_prctl, 0x9999, 0)), EINVAL);
	check_err("arch-prctl-set-fs-kernel",
		  raw(syscall(SYS_arch_prctl, 0x1002, KPTR)), EPERM);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	check_val("sigaction-set", raw(sigaction(SIGUSR1, &sa, NULL)), 0);
	check("sigaction-reads-back",
	      sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == handler);
	check_err("sigaction-sigkill", raw(sigaction(SIGKILL, &sa, NULL)),
		  EINVAL);
	check_err("sigaction-bad-signal",
		  raw(syscall(SYS_rt_sigaction, 99, NULL, &old, 8)), EINVAL);
	check_err("sigaction-bad-size",
		  raw(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4)),
		  EINVAL);
	check_err("sigaction-efault",
		  raw(syscall(SYS_rt_sigaction, SIGUSR1, BADPTR, NULL, 8)),
		  EFAULT);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	check_val("sigprocmask-block", raw(sigprocmask(SIG_BLOCK, &set, NULL)),
		  0);
	check("sigprocmask-reads-back",
	      sigprocmask(SIG_BLOCK, NULL, &cur) == 0 &&
		  sigismember(&cur, SIGUSR2) && !sigismember(&cur, SIGUSR1));
	sigaddset(&set, SIGKILL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	check("sigprocmask-sigkill-not-blocked",
	      sigprocmask(SIG_BLOCK, NULL, &cur) == 0 &&
		  !sigismember(&cur, SIGKILL));
	check_err("sigprocmask-bad-how",
		  raw(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8)), EINVAL);
	check_err("sigprocmask-bad-size",
		  raw(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4)),
		  EINVAL);
	check_err("sigprocmask-efault",
		  raw(syscall(SYS_rt_sigprocmask, SIG_BLOCK, BADPTR, NULL, 8)),
		  EFAULT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_ids();
	test_uname();
	test_clocks();
	test_random();
	test_limits();
	test_signals_tls();
	check_val("umask-returns-old", (umask(027), (long)umask(022)), 027);
	printf("t_proc: %d failed\n", fails);
	return fails != 0;
}

/*
 * t_oom.c - running out of memory (tests/guest, issue 16). With no
 * argument, what is safe on any Linux: oom_score_adj's bounds and
 * privilege, /proc/meminfo's commit lines, a private writable mapping
 * larger than RAM refused by overcommit's heuristic while MAP_NORESERVE
 * takes it, RLIMIT_AS and RLIMIT_DATA. The exhaustion cases change the
 * whole system or take all its memory, so they run in the guest only:
 *   kill N    N times: a child (oom_score_adj 1000; every other one
 *             with 4 threads) touches memory until the OOM killer ends
 *             it; it must die of SIGKILL, never SIGSEGV, and the parent
 *             go on.
 *   commit N  N times with vm.overcommit_memory 2: allocating (mmap,
 *             then brk) ends in ENOMEM, nobody killed; mode 0 restored.
 *   exempt N  N times: oom_score_adj -1000 is never chosen while another may be:
 *             B (adj 0) is killed before A (-1000), which eats memory;
 *             A goes last, when every process left is exempt.
 *   init      this process (pid 1 in keel) touches memory until killed:
 *             the VM ends with status 137.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define MiB (1UL << 20)

static long write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	long r;

	if (!f)
		return -errno;
	r = fputs(text, f) < 0 ? -errno : 0;
	if (fclose(f) && !r)
		r = -errno;
	return r;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &v) != 1)
		v = -EINVAL;
	fclose(f);
	return v;
}

/* A /proc/meminfo field in kB, or -1. */
static long meminfo(const char *name)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	size_t n = strlen(name);
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

/* Touch fresh memory 1 MiB at a time until something stops us. */
static void touch_forever(void)
{
	for (;;) {
		char *p = mmap(NULL, MiB, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			continue; /* keep asking: only the killer ends us */
		for (size_t i = 0; i < MiB; i += 4096)
			p[i] = 1;
	}
}

static void *touch_thread(void *arg)
{
	(void)arg;
	touch_forever();
	return NULL;
}

/* kill: a child eats memory and must end by SIGKILL; every other child
 * eats with 4 threads, all of which must end. */
static int case_kill(int runs)
{
	int killed = 0;

	for (int i = 0; i < runs; i++) {
		int st = 0;
		pid_t pid = fork();

		if (pid == 0) {
			pthread_t t;

			if (write_file("/proc/self/oom_score_adj", "1000"))
				_exit(3);
			for (int j = 0; j < 3 * (i % 2); j++)
				if (pthread_create(&t, NULL, touch_thread,
						   NULL))
					_exit(4);
			touch_forever();
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid) {
			printf("FAIL kill-%d: fork or wait: %s\n", i,
			       strerror(errno));
			return 1;
		}
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			killed++;
		else
			printf("FAIL kill-%d: status %#x (want SIGKILL)\n", i,
			       st);
	}
	printf("oom kill: %d of %d children killed by SIGKILL\n", killed, runs);
	return killed == runs ? 0 : 1;
}

/*
 * Whether lowering oom_score_adj is allowed: CAP_SYS_RESOURCE (bit 24 of
 * CapEff) where /proc/self/status says, else root (keel: uid 0).
 */
static int privileged(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	int p = geteuid() == 0;

	if (!f)
		return p;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			p = (strtoull(line + 7, NULL, 16) >> 24) & 1;
	fclose(f);
	return p;
}

/* A write to /proc/self/oom_score_adj: 0 or -errno. */
static long set_adj(const char *v)
{
	return write_file("/proc/self/oom_score_adj", v);
}

/*
 * oom_score_adj: bounds, and lowering it needs privilege: an unprivileged
 * process may go back down only to the floor root last set.
 */
static void adj_checks(void)
{
	long a = read_long("/proc/self/oom_score_adj");
	int st = -1, priv;
	pid_t pid;
	long r;

	check("adj-range", a >= -1000 && a <= 1000);
	check_err("adj-1001", set_adj("1001"), EINVAL);
	check_err("adj--1001", set_adj("-1001"), EINVAL);
	check_err("adj-text", set_adj("abc"), EINVAL);
	check_err("adj-500", set_adj("500\n"), 0);
	check_val("adj-read-500", read_long("/proc/self/oom_score_adj"), 500);
	/* Lowering below the floor: a container's root may not. */
	priv = privileged();
	r = set_adj("-1000");
	check("adj-lower-privileged", priv ? r == 0 : r == -EACCES);
	check("adj-read-lowered",
	      read_long("/proc/self/oom_score_adj") == (priv ? -1000 : 500));
	check_err("adj-0", set_adj("0"), 0);
	check("oom-score-read", read_long("/proc/self/oom_score") >= 0);
	pid = fork();
	if (pid == 0) {
		/* A changed uid makes /proc/self root's until dumpable. */
		if (setgid(65534) || setuid(65534) ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(9);
		if (set_adj("100") || set_adj("0"))
			_exit(1);
		if (set_adj("-1") != -EACCES)
			_exit(2);
		_exit(read_long("/proc/self/oom_score_adj") == 0 ? 0 : 3);
	}
	waitpid(pid, &st, 0);
	check_val("adj-unprivileged-floor", st, 0);
}

/*
 * Mode 0's heuristic and MAP_NORESERVE, /proc/meminfo's commit lines and
 * /proc/sys/vm's defaults. Committed_AS moves with other processes on a
 * host: a 16 MiB mapping must move it by 12 to 20 MiB.
 */
static void commit_checks(void)
{
	long total = meminfo("MemTotal"), swap = meminfo("SwapTotal");
	long ratio = read_long("/proc/sys/vm/overcommit_ratio");
	long limit = meminfo("CommitLimit"), before, after;
	size_t big = (size_t)(total + swap) * 1024 + (1UL << 30);
	char *p;

	check_val("overcommit-memory-0",
		  read_long("/proc/sys/vm/overcommit_memory"), 0);
	check_val("overcommit-ratio-50", ratio, 50);
	check("meminfo-memfree",
	      meminfo("MemFree") > 0 && meminfo("MemFree") <= total);
	check("meminfo-commitlimit",
	      labs(limit - (total * ratio / 100 + swap)) <= total / 100);
	before = meminfo("Committed_AS");
	p = mmap(NULL, 16 * MiB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	after = meminfo("Committed_AS");
	check("committed-as-moves", p != MAP_FAILED &&
					after - before >= 12 * 1024 &&
					after - before <= 20 * 1024);
	munmap(p, 16 * MiB);
	p = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	check_err("mmap-above-ram", p == MAP_FAILED ? -errno : 0, ENOMEM);
	p = mmap(NULL, big, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	check_err("mmap-noreserve", p == MAP_FAILED ? -errno : 0, 0);
	if (p != MAP_FAILED)
		munmap(p, big);
	check_err("overcommit-memory-3",
		  write_file("/proc/sys/vm/overcommit_memory", "3"), EINVAL);
}

static long map_err(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

/* RLIMIT_AS and RLIMIT_DATA, in a child (they only go down). */
static void rlimit_checks(void)
{
	int st = -1;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit r = { 16 * MiB, 16 * MiB };
		int bad = 0;

		setrlimit(RLIMIT_DATA, &r);
		bad |= map_err(24 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE) !=
		       -ENOMEM;
		bad |= map_err(24 * MiB, PROT_READ, MAP_PRIVATE) != 0;
		bad |=
		    map_err(24 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED) != 0;
		bad |= (sbrk(24 * MiB) != (void *)-1 || errno != ENOMEM) << 1;
		r.rlim_cur = r.rlim_max = 1UL << 30;
		setrlimit(RLIMIT_AS, &r);
		bad |= (map_err(1UL << 30, PROT_NONE, MAP_PRIVATE) != -ENOMEM)
		       << 2;
		bad |= (map_err(64 * MiB, PROT_NONE, MAP_PRIVATE) != 0) << 3;
		_exit(bad);
	}
	waitpid(pid, &st, 0);
	check_val("rlimit-data-as", st, 0);
}

/* commit: with mode 2, allocation ends in ENOMEM and nobody dies. */
static int case_commit(int runs)
{
	static char *maps[4096];
	int ok = 0;

	for (int i = 0; i < runs; i++) {
		volatile char deep[128 * 1024]; /* stack pages charged now */
		int n = 0, err = 0;

		memset((char *)deep, 1, sizeof(deep));
		if (write_file("/proc/sys/vm/overcommit_memory", "2")) {
			printf("FAIL commit-%d: cannot set mode 2\n", i);
			return 1;
		}
		while (n < 4096) {
			char *p = mmap(NULL, MiB, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				err = errno;
				break;
			}
			memset(p, 7, MiB); /* what was granted is there */
			maps[n++] = p;
		}
		if (sbrk(MiB) != (void *)-1 || errno != ENOMEM)
			err = -1;
		for (int j = 0; j < n; j++)
			munmap(maps[j], MiB);
		write_file("/proc/sys/vm/overcommit_memory", "0");
		if (err == ENOMEM && n > 0)
			ok++;
		else
			printf("FAIL commit-%d: %d MiB, then %s\n", i, n,
			       err > 0 ? strerrorname_np(err) : "sbrk granted");
	}
	printf("oom commit: %d of %d ended in ENOMEM\n", ok, runs);
	return ok == runs ? 0 : 1;
}

/*
 * exempt: oom_score_adj -1000 is never chosen. This process and child A
 * are exempt; B (adj 0) holds 2 MiB and sleeps; A touches memory until
 * the killer ends B, then, with nobody left to choose, A itself (Linux
 * would panic there instead).
 */
static int exempt_once(void)
{
	int sa = 0, sb = 0;
	pid_t a, b, first;

	b = fork();
	if (b == 0) {
		char *p = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || set_adj("0"))
			_exit(3);
		memset(p, 1, 2 * MiB);
		for (;;)
			pause();
	}
	usleep(100000); /* B has its pages */
	a = fork();
	if (a == 0)
		touch_forever(); /* adj -1000, inherited */
	first = wait(&sb);
	if (first != b) {
		printf("FAIL exempt: %d ended first (A %d, B %d)\n", first, a,
		       b);
		return 1;
	}
	waitpid(a, &sa, 0);
	if (WIFSIGNALED(sb) && WTERMSIG(sb) == SIGKILL && WIFSIGNALED(sa) &&
	    WTERMSIG(sa) == SIGKILL)
		return 0;
	printf("FAIL exempt: B status %#x, A status %#x\n", sb, sa);
	return 1;
}

static int case_exempt(int runs)
{
	int ok = 0;

	if (set_adj("-1000"))
		return 2;
	for (int i = 0; i < runs; i++)
		ok += exempt_once() == 0;
	printf("oom exempt: %d of %d killed B (adj 0) before A (-1000)\n", ok,
	       runs);
	return ok == runs ? 0 : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "kill"))
		return case_kill(argc > 2 ? atoi(argv[2]) : 1);
	if (argc > 1 && !strcmp(argv[1], "exempt"))
		return case_exempt(argc > 2 ? atoi(argv[2]) : 1);
	if (argc > 1 && !strcmp(argv[1], "commit"))
		return case_commit(argc > 2 ? atoi(argv[2]) : 1);
	if (argc > 1 && !strcmp(argv[1], "init"))
		touch_forever();
	adj_checks();
	commit_checks();
	rlimit_checks();
	printf("t_oom: %d failed\n", fails);
	return fails != 0;
}

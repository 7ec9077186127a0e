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
 *   tmpfs N   N times: /tmp (a tmpfs of half the RAM) is filled until
 *             ENOSPC, then with empty files until ENOSPC (nr_inodes);
 *             the program unlinks them and goes on: fresh memory, a new
 *             file, statfs and MemFree back where they were.
 *   sockets N N times: socket pairs (each holding 16 KiB unread) until
 *             an error (EMFILE, ENFILE, ENOMEM, ENOBUFS); stdio still
 *             works, all are closed and the next round gets as far.
 *   pipes N   the same with pipes.
 *   maps N    N times: a mapping split into areas (mprotect of every
 *             other page) until ENOMEM, then unmapped; as far each time.
 *   threads N N times: threads with 16 KiB stacks until EAGAIN, all
 *             joined; the next round gets as far.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
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

/* The /tmp line of /proc/self/mounts (and /proc/mounts), in line[]. */
static int tmp_mount_line(const char *file, char *line, size_t len)
{
	FILE *f = fopen(file, "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, (int)len, f))
		found = !strncmp(line, "tmpfs /tmp tmpfs ", 17);
	fclose(f);
	return found;
}

/* Fill fd with 64 KiB writes until one fails: its errno (0: none). */
static int fill_fd(int fd, size_t *total)
{
	static char buf[64 * 1024];
	ssize_t n;

	memset(buf, 0x5a, sizeof(buf));
	*total = 0;
	while ((n = write(fd, buf, sizeof(buf))) > 0)
		*total += (size_t)n;
	return n < 0 ? errno : 0;
}

/* Empty files /tmp/iN until one cannot be made: its errno, *made. */
static int fill_inodes(int *made)
{
	char name[64];
	int fd;

	for (*made = 0; *made < 1 << 20; (*made)++) {
		snprintf(name, sizeof(name), "/tmp/i%d", *made);
		fd = open(name, O_CREAT | O_WRONLY | O_EXCL, 0600);
		if (fd < 0)
			return errno;
		close(fd);
	}
	return 0;
}

static void unlink_inodes(int made)
{
	char name[64];

	for (int i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "/tmp/i%d", i);
		unlink(name);
	}
}

/*
 * One round of tmpfs: /tmp's data pages, then its inodes, run out with
 * ENOSPC (statfs says so); after the unlinks the program goes on.
 */
static int tmpfs_once(int i)
{
	struct statvfs s0, full, after;
	long free0 = meminfo("MemFree"), free1;
	size_t total = 0;
	int fd, err, ierr, made = 0;
	char *p;

	if (statvfs("/tmp", &s0))
		return printf("FAIL tmpfs-%d: statvfs: %s\n", i,
			      strerror(errno)),
		       1;
	fd = open("/tmp/fill", O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0)
		return printf("FAIL tmpfs-%d: open: %s\n", i, strerror(errno)),
		       1;
	err = fill_fd(fd, &total);
	statvfs("/tmp", &full);
	close(fd);
	ierr = unlink("/tmp/fill") ? errno : 0;
	if (err != ENOSPC || ierr || full.f_bfree > 16 ||
	    total < (s0.f_bfree - 16) * s0.f_frsize)
		return printf("FAIL tmpfs-%d: %zu kB written of %lu free, then "
			      "%s (want ENOSPC), %lu blocks left, unlink %s\n",
			      i, total >> 10,
			      (unsigned long)(s0.f_bfree * s0.f_frsize >> 10),
			      strerrorname_np(err), (unsigned long)full.f_bfree,
			      strerrorname_np(ierr)),
		       1;
	ierr = fill_inodes(&made);
	statvfs("/tmp", &full);
	unlink_inodes(made);
	if (ierr != ENOSPC || full.f_ffree != 0 ||
	    (unsigned long)made != s0.f_ffree)
		return printf("FAIL tmpfs-%d: %d files of %lu, then %s (want "
			      "ENOSPC), %lu inodes left\n",
			      i, made, (unsigned long)s0.f_ffree,
			      strerrorname_np(ierr),
			      (unsigned long)full.f_ffree),
		       1;
	/* And it goes on: fresh memory, a file, the numbers back. */
	p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return printf("FAIL tmpfs-%d: mmap after: %s\n", i,
			      strerror(errno)),
		       1;
	memset(p, 1, 4 * MiB);
	munmap(p, 4 * MiB);
	fd = open("/tmp/after", O_CREAT | O_WRONLY | O_TRUNC, 0600);
	err = fd < 0 || write(fd, "after\n", 6) != 6 ? errno : 0;
	close(fd);
	unlink("/tmp/after");
	statvfs("/tmp", &after);
	free1 = meminfo("MemFree");
	if (err || after.f_bfree != s0.f_bfree || after.f_ffree != s0.f_ffree ||
	    free1 < free0 - 2048)
		return printf("FAIL tmpfs-%d: after: write %s, %lu/%lu blocks "
			      "and %lu/%lu inodes free, MemFree %ld/%ld kB\n",
			      i, strerrorname_np(err),
			      (unsigned long)after.f_bfree,
			      (unsigned long)s0.f_bfree,
			      (unsigned long)after.f_ffree,
			      (unsigned long)s0.f_ffree, free1, free0),
		       1;
	return 0;
}

/* One more round after a remount with smaller limits, shown in
 * /proc/mounts; then the first ones (s's) back. */
static int tmpfs_remounted(const struct statvfs *s, int i)
{
	char line[256], want[128];
	int err, bad;

	err = mount("tmpfs", "/tmp", "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV,
		    "size=4m,nr_inodes=300");
	tmp_mount_line("/proc/self/mounts", line, sizeof(line));
	if (err || !strstr(line, ",size=4096k,nr_inodes=300 "))
		return printf("FAIL tmpfs: remount: %s, %s\n", strerror(errno),
			      line),
		       1;
	bad = tmpfs_once(i);
	snprintf(want, sizeof(want), "size=%luk,nr_inodes=%lu",
		 (unsigned long)(s->f_blocks * s->f_frsize >> 10),
		 (unsigned long)s->f_files);
	if (mount("tmpfs", "/tmp", "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV,
		  want))
		return printf("FAIL tmpfs: remount %s: %s\n", want,
			      strerror(errno)),
		       1;
	return bad;
}

/*
 * tmpfs: /tmp is a tmpfs of half the RAM, as /proc/mounts and statfs say;
 * each round fills it as it is; one more after a remount with smaller
 * limits.
 */
static int case_tmpfs(int runs)
{
	struct statvfs s;
	long total = meminfo("MemTotal");
	char line[256], line2[256];
	int ok = 0;

	if (!tmp_mount_line("/proc/self/mounts", line, sizeof(line)) ||
	    !tmp_mount_line("/proc/mounts", line2, sizeof(line2)) ||
	    strcmp(line, line2) ||
	    strncmp(line, "tmpfs /tmp tmpfs rw,nosuid,nodev,", 33) ||
	    !strstr(line, ",size=") || !strstr(line, ",nr_inodes="))
		return printf("FAIL tmpfs: /tmp in /proc/self/mounts: %s\n",
			      line),
		       1;
	if (statvfs("/tmp", &s) ||
	    labs((long)(s.f_blocks * s.f_frsize >> 10) - total / 2) > 8 ||
	    !s.f_files || s.f_ffree > s.f_files)
		return printf("FAIL tmpfs: statfs of /tmp: %lu blocks (want "
			      "half of %ld kB), %lu files\n",
			      (unsigned long)s.f_blocks, total,
			      (unsigned long)s.f_files),
		       1;
	for (int i = 0; i < runs; i++)
		ok += tmpfs_once(i) == 0;
	if (tmpfs_remounted(&s, runs))
		ok--;
	printf("oom tmpfs: %d of %d filled /tmp to ENOSPC (data and inodes), "
	       "unlinked and went on\n",
	       ok, runs);
	return ok == runs ? 0 : 1;
}

/* The most descriptors this process may have: the hard limit raised to
 * nr_open where allowed (root), the soft limit to the hard one. */
static void raise_nofile(void)
{
	struct rlimit r;
	long max = read_long("/proc/sys/fs/nr_open");

	getrlimit(RLIMIT_NOFILE, &r);
	if (max > 0) {
		struct rlimit up = { (rlim_t)max, (rlim_t)max };

		if (!setrlimit(RLIMIT_NOFILE, &up))
			return;
	}
	r.rlim_cur = r.rlim_max;
	setrlimit(RLIMIT_NOFILE, &r);
}

/* A socket pair or (pipes) a pipe, non-blocking: 0 or errno. */
static int new_pair(int pipes, int sv[2])
{
	int r = pipes ? pipe2(sv, O_NONBLOCK)
		      : socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);

	return r ? errno : 0;
}

/*
 * One round: pairs until an error, 16 KiB left unread in each (the
 * kernel's buffers hold it); the number made, or -1 when the error was
 * not one of running out.
 */
static int pairs_once(const char *what, int pipes, int i, int *fds, int max)
{
	static char buf[16 * 1024];
	int n = 0, err = 0, sv[2];

	while (n + 2 <= max && !(err = new_pair(pipes, sv))) {
		fds[n++] = sv[0];
		fds[n++] = sv[1];
		if (write(sv[1], buf, sizeof(buf)) < 0 && errno != EAGAIN &&
		    errno != ENOBUFS && errno != ENOMEM) {
			printf("FAIL %s-%d: write: %s\n", what, i,
			       strerrorname_np(errno));
			err = -1;
			break;
		}
	}
	/* stdio works (the SIGSEGV in puts), then all go. */
	printf("%s-%d: %d pairs, then %s\n", what, i, n / 2,
	       err > 0 ? strerrorname_np(err) : "none");
	for (int j = 0; j < n; j++)
		close(fds[j]);
	if (err != EMFILE && err != ENFILE && err != ENOMEM && err != ENOBUFS)
		return -1;
	return n / 2;
}

/* sockets (pipes: pipes) N: N rounds of pairs_once, each as far. */
static int case_pairs(const char *what, int pipes, int runs)
{
	int max = 1 << 18, ok = 0, first = 0;
	int *fds = mmap(NULL, max * sizeof(int), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (fds == MAP_FAILED)
		return 2;
	raise_nofile();
	for (int i = 0; i < runs; i++) {
		int n = pairs_once(what, pipes, i, fds, max);

		if (i == 0)
			first = n;
		/* The memory came back: each round gets about as far. */
		if (n > 0 && n >= first - first / 10)
			ok++;
		else
			printf("FAIL %s-%d: %d pairs (the first round: %d)\n",
			       what, i, n, first);
	}
	printf("oom %s: %d of %d made pairs until a clean error\n", what, ok,
	       runs);
	return ok == runs ? 0 : 1;
}

/*
 * One round of maps: every other page of a PROT_NONE reservation made
 * readable, each mprotect one more area, until ENOMEM; then all unmapped.
 * The number of pages changed, or -1.
 */
static int maps_once(int i)
{
	size_t pages = 1 << 18, n;
	char *p = mmap(NULL, pages * 4096, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int err = 0;

	if (p == MAP_FAILED)
		return -1;
	/* From the top down: the areas are a list, sorted, searched from
	 * the bottom, where the reservation stays whole. */
	for (n = 0; n < pages / 2 && !err; n++)
		err = mprotect(p + (pages - 2 - 2 * n) * 4096, 4096, PROT_READ)
			  ? errno
			  : 0;
	munmap(p, pages * 4096);
	printf("maps-%d: %zu areas, then %s\n", i, 2 * n,
	       err ? strerrorname_np(err) : "none");
	return err == ENOMEM ? (int)n : -1;
}

static int case_maps(int runs)
{
	int ok = 0, first = 0;

	for (int i = 0; i < runs; i++) {
		int n = maps_once(i);

		if (i == 0)
			first = n;
		if (n > 0 && n >= first - first / 10)
			ok++;
		else
			printf("FAIL maps-%d: %d (the first round: %d)\n", i, n,
			       first);
	}
	printf("oom maps: %d of %d split a mapping until ENOMEM\n", ok, runs);
	return ok == runs ? 0 : 1;
}

static int thread_gate[2];

static void *parked(void *arg)
{
	char c;

	(void)arg;
	return read(thread_gate[0], &c, 1) < 0 ? arg : NULL;
}

/* One round of threads: as many as will start, then all joined. */
static int threads_once(int i, pthread_t *t, int max)
{
	pthread_attr_t a;
	int n = 0, err = 0;

	if (pipe(thread_gate))
		return -1;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 16 * 1024);
	while (n < max && !(err = pthread_create(&t[n], &a, parked, NULL)))
		n++;
	close(thread_gate[1]); /* every read ends: the threads return */
	for (int j = 0; j < n; j++)
		pthread_join(t[j], NULL);
	close(thread_gate[0]);
	printf("threads-%d: %d threads, then %s\n", i, n,
	       err ? strerrorname_np(err) : "none");
	return err == EAGAIN ? n : -1;
}

static int case_threads(int runs)
{
	int max = 1 << 16, ok = 0, first = 0;
	pthread_t *t = mmap(NULL, max * sizeof(*t), PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (t == MAP_FAILED)
		return 2;
	for (int i = 0; i < runs; i++) {
		int n = threads_once(i, t, max);

		if (i == 0)
			first = n;
		if (n > 0 && n >= first - first / 10)
			ok++;
		else
			printf("FAIL threads-%d: %d threads (the first round: "
			       "%d)\n",
			       i, n, first);
	}
	printf("oom threads: %d of %d made threads until EAGAIN\n", ok, runs);
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
	if (argc > 1 && !strcmp(argv[1], "tmpfs"))
		return case_tmpfs(argc > 2 ? atoi(argv[2]) : 1);
	if (argc > 1 && !strcmp(argv[1], "sockets"))
		return case_pairs("sockets", 0, argc > 2 ? atoi(argv[2]) : 1);
	if (argc > 1 && !strcmp(argv[1], "maps"))
		return case_maps(argc > 2 ? atoi(argv[2]) : 1);
	if (argc > 1 && !strcmp(argv[1], "pipes"))
		return case_pairs("pipes", 1, argc > 2 ? atoi(argv[2]) : 1);
	if (argc > 1 && !strcmp(argv[1], "threads"))
		return case_threads(argc > 2 ? atoi(argv[2]) : 1);
	if (argc > 1 && !strcmp(argv[1], "init"))
		touch_forever();
	adj_checks();
	commit_checks();
	rlimit_checks();
	printf("t_oom: %d failed\n", fails);
	return fails != 0;
}

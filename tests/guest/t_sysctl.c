/*
 * t_sysctl.c - /proc/sys and /sys files that servers read (tests/guest/):
 * vm.max_map_count, vm.min_free_kbytes, kernel.pid_max,
 * kernel.threads-max, kernel.ngroups_max, kernel.cap_last_cap,
 * kernel.random.{uuid,boot_id},
 * net.core.somaxconn and transparent_hugepage/enabled.
 * With no argument, what is safe on any Linux and so compared with the
 * host's run: each file reads as one value of its form; user nobody may
 * not open one for writing (EACCES); root's writes of bad values are
 * EINVAL and change nothing (run as root: a run that is not has no
 * reference and says so).
 * "set" (the guest only: it changes the system's settings): root writes
 * min_free_kbytes and reads back what it wrote; threads-max lowered to
 * 20 makes pthread_create EAGAIN by the 21st; max_map_count lowered to
 * a few areas above the process's count makes mmap fail with ENOMEM with
 * that many areas plus one in /proc/self/maps (Linux's check is
 * "count > max"), mprotect and munmap splitting an area at the limit
 * ENOMEM too, and raised again lets mmap map.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define MAX_MAP "/proc/sys/vm/max_map_count"
#define MIN_FREE "/proc/sys/vm/min_free_kbytes"
#define PID_MAX "/proc/sys/kernel/pid_max"
#define SOMAXCONN_FILE "/proc/sys/net/core/somaxconn"
#define THP "/sys/kernel/mm/transparent_hugepage/enabled"
#define THREADS_MAX "/proc/sys/kernel/threads-max"

/* The file's text (NUL-terminated), or -errno. */
static long read_text(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	long n;

	if (fd < 0)
		return -errno;
	n = raw(read(fd, buf, cap - 1));
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* The file's integer, or -1. */
static long read_long(const char *path)
{
	char buf[64], *end;
	long v;

	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	v = strtol(buf, &end, 10);
	return *end == '\n' && end[1] == '\0' ? v : -1;
}

/* One write of text at offset 0: its result, or -errno. */
static long write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	long n;

	if (fd < 0)
		return -errno;
	n = raw(write(fd, text, strlen(text)));
	close(fd);
	return n;
}

/* The areas in /proc/self/maps, as Linux counts them (not [vsyscall]). */
static long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !strstr(line, "[vsyscall]");
	fclose(f);
	return n;
}

/* Whether s is a version 4 UUID and a newline. */
static int is_uuid4(const char *s)
{
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
			return 0;
	}
	return s[14] == '4' && strchr("89ab", s[19]) && !strcmp(s + 36, "\n");
}

/* kernel/random: uuid new at each read, boot_id the same all along. */
static void check_random_ids(void)
{
	char a[64], b[64];

	read_text("/proc/sys/kernel/random/uuid", a, sizeof(a));
	read_text("/proc/sys/kernel/random/uuid", b, sizeof(b));
	check("uuid-v4", is_uuid4(a) && is_uuid4(b));
	check("uuid-new-each-read", strcmp(a, b) != 0);
	read_text("/proc/sys/kernel/random/boot_id", a, sizeof(a));
	read_text("/proc/sys/kernel/random/boot_id", b, sizeof(b));
	check("boot_id-v4", is_uuid4(a));
	check("boot_id-kept", !strcmp(a, b));
}

static void check_forms(void)
{
	char buf[128];
	long n = read_text(THP, buf, sizeof(buf));

	check("max_map_count-reads", read_long(MAX_MAP) >= 0);
	check("min_free_kbytes-reads", read_long(MIN_FREE) >= 0);
	check("pid_max-reads", read_long(PID_MAX) >= 301);
	check("somaxconn-reads", read_long(SOMAXCONN_FILE) >= 0);
	check("threads-max-reads", read_long(THREADS_MAX) >= 1);
	check_val("ngroups_max", read_long("/proc/sys/kernel/ngroups_max"),
		  65536);
	check_val("cap_last_cap", read_long("/proc/sys/kernel/cap_last_cap"),
		  40);
	/* One mode of the three chosen, in brackets. */
	check("thp-enabled-reads",
	      n > 0 && strstr(buf, "always") && strstr(buf, "madvise") &&
		  strstr(buf, "never") && strchr(buf, '[') &&
		  strchr(buf, '[') == strrchr(buf, '['));
}

/* As user nobody (a child), opening each for writing is EACCES. */
static void check_nobody(void)
{
	static const char *const files[] = { MAX_MAP, MIN_FREE,
					     PID_MAX, SOMAXCONN_FILE,
					     THP,     THREADS_MAX };
	char name[64];
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (geteuid() == 0 && setresuid(65534, 65534, 65534))
			_exit(99);
		for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]);
		     i++) {
			snprintf(name, sizeof(name), "nobody-write-%u", i);
			check_err(name, raw(open(files[i], O_WRONLY)), EACCES);
		}
		fflush(stdout);
		_exit(fails);
	}
	waitpid(pid, &status, 0);
	check_val("nobody-status", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		  0);
}

/* Root's bad writes: EINVAL, nothing changed. */
static void check_bad_values(void)
{
	long mm = read_long(MAX_MAP), mf = read_long(MIN_FREE);
	long pm = read_long(PID_MAX), sc = read_long(SOMAXCONN_FILE);
	long tm = read_long(THREADS_MAX);

	if (geteuid() != 0) {
		printf("FAIL bad-values: not root, so no reference for them\n");
		fails++;
		return;
	}
	check_err("max_map_count-negative", write_text(MAX_MAP, "-1"), EINVAL);
	check_err("max_map_count-word", write_text(MAX_MAP, "many\n"), EINVAL);
	check_err("max_map_count-2^31", write_text(MAX_MAP, "2147483648"),
		  EINVAL);
	check_err("min_free_kbytes-negative", write_text(MIN_FREE, "-5\n"),
		  EINVAL);
	check_err("min_free_kbytes-junk", write_text(MIN_FREE, "12k"), EINVAL);
	check_err("pid_max-300", write_text(PID_MAX, "300"), EINVAL);
	check_err("pid_max-2^22+1", write_text(PID_MAX, "4194305"), EINVAL);
	check_err("somaxconn-negative", write_text(SOMAXCONN_FILE, "-1"),
		  EINVAL);
	check_err("thp-enabled-word", write_text(THP, "sometimes\n"), EINVAL);
	check_err("threads-max-0", write_text(THREADS_MAX, "0"), EINVAL);
	check_err("threads-max-2^30", write_text(THREADS_MAX, "1073741824"),
		  EINVAL);
	check_err("ngroups_max-root",
		  write_text("/proc/sys/kernel/ngroups_max", "1"), EACCES);
	check_val("max_map_count-kept", read_long(MAX_MAP), mm);
	check_val("min_free_kbytes-kept", read_long(MIN_FREE), mf);
	check_val("pid_max-kept", read_long(PID_MAX), pm);
	check_val("somaxconn-kept", read_long(SOMAXCONN_FILE), sc);
	check_val("threads-max-kept", read_long(THREADS_MAX), tm);
}

static void set_min_free(void)
{
	long old = read_long(MIN_FREE);
	char text[32];

	check_val("min_free_kbytes-write", write_text(MIN_FREE, "3001\n"), 5);
	check_val("min_free_kbytes-reads-back", read_long(MIN_FREE), 3001);
	check_val("min_free_kbytes-hex", write_text(MIN_FREE, "0x800"), 5);
	check_val("min_free_kbytes-reads-2048", read_long(MIN_FREE), 2048);
	snprintf(text, sizeof(text), "%ld\n", old);
	check_val("min_free_kbytes-restore", write_text(MIN_FREE, text),
		  (long)strlen(text));
	check_val("min_free_kbytes-restored", read_long(MIN_FREE), old);
}

/*
 * Lower max_map_count to the count now plus room, then map single pages
 * of alternating protection (so no two merge) until mmap fails.
 */
static void set_max_map(void)
{
	long old = read_long(MAX_MAP), page = sysconf(_SC_PAGESIZE), n, max;
	char text[32];
	char *three, *p;
	int i;

	/* A three-page area to split at the limit. */
	three =
	    mmap(NULL, 3 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("three-pages", three != MAP_FAILED);
	max = count_maps() + 40;
	snprintf(text, sizeof(text), "%ld", max);
	check_val("max_map_count-lower", write_text(MAX_MAP, text),
		  (long)strlen(text));
	check_val("max_map_count-reads-back", read_long(MAX_MAP), max);
	for (i = 0; i < 1000; i++) {
		p = mmap(NULL, page, i % 2 ? PROT_READ : PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
	}
	check_err("mmap-past-limit", p == MAP_FAILED ? -errno : 0, ENOMEM);
	n = count_maps();
	check_val("areas-at-failure-are-max+1", n, max + 1);
	check_err("mprotect-split-at-limit",
		  raw(mprotect(three + page, page, PROT_NONE)), ENOMEM);
	check_err("munmap-hole-at-limit", raw(munmap(three + page, page)),
		  ENOMEM);
	/* Unmapping whole areas still works, and frees room. */
	check_val("munmap-whole", raw(munmap(three, 3 * page)), 0);
	snprintf(text, sizeof(text), "%ld\n", old);
	check_val("max_map_count-restore", write_text(MAX_MAP, text),
		  (long)strlen(text));
	p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap-after-raise", p != MAP_FAILED);
}

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

/*
 * threads-max lowered to 20: pthread_create fails with EAGAIN by the
 * 21st thread of the system (keel's first thread is not counted); raised
 * again, it works.
 */
static void set_threads_max(void)
{
	long old = read_long(THREADS_MAX);
	pthread_attr_t attr;
	pthread_t t;
	char text[32];
	int n = 0, err = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	check_val("threads-max-lower", write_text(THREADS_MAX, "20\n"), 3);
	while (n < 100 && !(err = pthread_create(&t, &attr, idle_thread, NULL)))
		n++;
	check_err("threads-past-limit", -err, EAGAIN);
	printf("threads made before EAGAIN: %d\n", n);
	check("threads-made-at-most-20", n > 0 && n <= 20);
	snprintf(text, sizeof(text), "%ld\n", old);
	check_val("threads-max-restore", write_text(THREADS_MAX, text),
		  (long)strlen(text));
	check_val("thread-after-raise",
		  pthread_create(&t, &attr, idle_thread, NULL), 0);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "set")) {
		if (geteuid() != 0) {
			printf("t_sysctl set: needs root\n");
			return 1;
		}
		set_min_free();
		set_threads_max();
		set_max_map();
		printf("t_sysctl set: %d failed\n", fails);
		return fails != 0;
	}
	check_forms();
	check_random_ids();
	check_nobody();
	check_bad_values();
	printf("t_sysctl: %d failed\n", fails);
	return fails != 0;
}

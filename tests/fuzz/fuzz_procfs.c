/*
 * fuzz_procfs.c - libFuzzer target for the writable /proc/sys and /sys
 * files (fs/procfs_sys.c, fs/sysfs.c through fs/procfs.c: fs/nr_open,
 * vm/min_free_kbytes, vm/max_map_count, kernel/pid_max,
 * net/core/somaxconn, kernel/threads-max, transparent_hugepage/enabled) through the file
 * calls on plat/hosted: the input is a run of writes, each a control
 * byte (bit 7: by user nobody; bits 4-6: which file, 0-6; bits 0-3: the
 * offset), a length byte and that many bytes. After each the value must
 * lie within its bounds, a successful write must have set exactly what
 * procfs_parse_int reads from its bytes (the reserve its whole pages, a
 * quarter of RAM at most), a refused one (and nobody's, whose open is
 * EACCES) must have changed nothing, and the file must read back the
 * value. make fuzz; tests/fuzz/run.sh.
 */
#include <stdlib.h>
#include <string.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/pmm.h>
#include <keel/printf.h>
#include <keel/process.h>
#include <keel/procfs.h>
#include <keel/sched.h>
#include <keel/socket.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include <hosted.h>

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "../../linux/syscalls.h"
#undef SYSCALL

#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

#define FUZZ_OWN_INIT
#include "fuzz_hosted.h"

/* The address-space calls fs/ and kernel/process.c reach, as a
 * process without pages (vm.max_map_count is its variable). */
#include "../unit/vm_stubs.h"

static long get_nr_open(void)
{
	return (long)fd_nr_open();
}

static long get_min_free(void)
{
	return (long)pmm_min_free_kbytes();
}

static long get_max_map(void)
{
	return vm_max_map_count();
}

static long get_pid_max(void)
{
	return process_pid_max();
}

static long get_threads_max(void)
{
	return (long)sched_threads_max();
}

static long get_somaxconn(void)
{
	char buf[32];

	sock_gen_somaxconn(buf, sizeof(buf));
	return strtol(buf, NULL, 10);
}

/* A writable file: its value now, its bounds and default (text: the
 * one word it takes, the text it reads). */
static const struct target {
	const char *path;
	long (*get)(void);
	long min, max, def;
	const char *word, *reads;
} targets[] = {
	{ .path = "/proc/sys/fs/nr_open",
	  .get = get_nr_open,
	  .min = NR_OPEN_MIN,
	  .max = NR_OPEN_MAX,
	  .def = NR_OPEN_DEFAULT },
	{ .path = "/proc/sys/vm/min_free_kbytes",
	  .get = get_min_free,
	  .max = 0x7fffffff,
	  .def = 1024 },
	{ .path = "/proc/sys/vm/max_map_count",
	  .get = get_max_map,
	  .max = 0x7fffffff,
	  .def = VM_MAX_MAP_COUNT_DEFAULT },
	{ .path = "/proc/sys/kernel/pid_max",
	  .get = get_pid_max,
	  .min = PID_MAX_MIN,
	  .max = PID_MAX_LIMIT,
	  .def = PID_MAX_DEFAULT },
	{ .path = "/proc/sys/net/core/somaxconn",
	  .get = get_somaxconn,
	  .max = 0x7fffffff,
	  .def = SOMAXCONN },
	{ .path = "/proc/sys/kernel/threads-max",
	  .get = get_threads_max,
	  .min = THREADS_MAX_MIN,
	  .max = THREADS_MAX_LIMIT }, /* def 0: what memory holds */
	{ .path = "/sys/kernel/mm/transparent_hugepage/enabled",
	  .word = "never",
	  .reads = "always madvise [never]\n" },
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static void set_value(const struct target *t, long v)
{
	if (t->get == get_nr_open)
		fd_set_nr_open((unsigned long)v);
	else if (t->get == get_min_free)
		pmm_set_min_free_kbytes((unsigned long)v);
	else if (t->get == get_max_map)
		vm_set_max_map_count((unsigned long)v);
	else if (t->get == get_pid_max)
		process_set_pid_max((unsigned long)v);
	else if (t->get == get_somaxconn)
		sock_set_somaxconn((unsigned long)v);
	else if (t->get == get_threads_max)
		sched_set_threads_max((unsigned long)v);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_no_watchdog();
	if (hosted_mem_init(64UL << 20) || vfs_init(NULL, 0))
		abort();
	fuzz_process_start();
	procfs_provide_sysctl(PROCFS_SOMAXCONN, sock_gen_somaxconn,
			      sock_set_somaxconn);
	return 0;
}

/* The file must read back the kernel's value (or its fixed text). */
static void read_back(const struct target *t)
{
	char buf[64], want[64];
	long fd = SC(openat, AT_FDCWD, P(t->path), O_RDONLY, 0), n;

	if (fd < 0)
		abort();
	n = SC(read, fd, P(buf), sizeof(buf) - 1);
	SC(close, fd);
	if (t->get)
		snprintf(want, sizeof(want), "%ld\n", t->get());
	else
		snprintf(want, sizeof(want), "%s", t->reads);
	if (n != (long)strlen(want) || memcmp(buf, want, (size_t)n))
		abort();
}

/* What a write of text should do: the bytes taken or -errno, *v set. */
static long expect(const struct target *t, const uint8_t *text, size_t len,
		   long *v)
{
	size_t n = len;

	if (t->get)
		return procfs_parse_int((const char *)text, len, t->min, t->max,
					v);
	if (n && text[n - 1] == '\n')
		n--;
	return n == strlen(t->word) && !memcmp(text, t->word, n) ? (long)len
								 : -EINVAL;
}

/* The reserve follows min_free_kbytes: its whole pages, a quarter of
 * RAM at most. */
static void check_reserve(void)
{
	struct pmm_stats st;
	unsigned long pages = pmm_min_free_kbytes() / (PAGE_SIZE / 1024);

	pmm_stats(&st);
	if (pmm_reserve() !=
	    (pages < st.total_pages / 4 ? pages : st.total_pages / 4))
		abort();
}

static void one_write(const struct target *t, uint8_t ctl, const uint8_t *text,
		      size_t len)
{
	long before = t->get ? t->get() : 0, after, fd, n, v = 0, want;
	unsigned off = ctl & 0x0f;
	bool nobody = ctl & 0x80;

	cred_current()->euid = nobody ? 65534 : 0;
	fd = SC(openat, AT_FDCWD, P(t->path), O_WRONLY, 0);
	cred_current()->euid = 0;
	if (nobody) {
		if (fd != -EACCES)
			abort();
		return;
	}
	if (fd < 0)
		abort();
	n = SC(pwrite64, fd, P(text), len, off);
	SC(close, fd);
	want = expect(t, text, len, &v);
	after = t->get ? t->get() : 0;
	check_reserve();
	if (t->get && (after < t->min || after > t->max))
		abort();
	if (off || !len) {
		if (n != 0 || after != before)
			abort();
	} else if (n != want || n > (long)len ||
		   (n > 0 && t->get && after != v) ||
		   (n < 0 && after != before)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;

	hosted_console_clear();
	for (size_t i = 0; i < NTARGETS; i++)
		if (targets[i].get)
			set_value(&targets[i], targets[i].def);
	while (end - data >= 2) {
		const struct target *t =
		    &targets[(data[0] >> 4 & 7) % NTARGETS];
		uint8_t ctl = data[0];
		size_t len = data[1];

		data += 2;
		if (len > (size_t)(end - data))
			len = (size_t)(end - data);
		one_write(t, ctl, data, len);
		data += len;
		read_back(t);
	}
	return 0;
}

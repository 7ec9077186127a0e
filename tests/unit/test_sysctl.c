/*
 * test_sysctl.c - the /proc/sys and /sys files servers read and root
 * writes (fs/procfs_sys.c, fs/sysfs.c through fs/procfs.c), on
 * plat/hosted with the real fs/ and file system calls: each reads its
 * mechanism's value; root's writes set it within Linux's bounds (EINVAL
 * outside, or for text that is no number) and read back; user nobody
 * cannot open one for writing (EACCES). The mechanisms linked here are
 * the real ones (kernel/pmm.c's reserve, kernel/process.c's pid_max,
 * net/socket.c's somaxconn, kernel/sched.c's threads-max); vm.max_map_count
 * is vm_stubs.h's (the limit itself is test_vm's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/cpio.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/memcharge.h>
#include <keel/pmm.h>
#include <keel/process.h>
#include <keel/procfs.h>
#include <keel/sched.h>
#include <keel/socket.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include <keel/vm.h>
#include "unit.h"

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "../../linux/syscalls.h"
#undef SYSCALL
#include "fs_fixture.h"

#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

#include "vm_stubs.h"

static char archive[512];
static size_t archive_len;

static int group_setup(void **state)
{
	struct cpio_entry root = { .name = ".",
				   .mode = CPIO_S_IFDIR | 0755,
				   .nlink = 2 };
	struct cpio_entry end = { .name = CPIO_TRAILER };

	(void)state;
	archive_len = cpio_write_header(archive, &root);
	archive_len += cpio_write_header(archive + archive_len, &end);
	if (hosted_mem_init(MiB(64)))
		return -1;
	sched_init();
	procfs_provide_sysctl(PROCFS_SOMAXCONN, sock_gen_somaxconn,
			      sock_set_somaxconn);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (vfs_init(archive, archive_len))
		return -1;
	fixture_process_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cred_current()->euid = 0;
	fixture_process_end();
	return 0;
}

/* A write of text at offset 0 by root (or by nobody): its result. */
static long put(const char *path, const char *text, bool nobody)
{
	long fd, n;

	cred_current()->euid = nobody ? 65534 : 0;
	fd = SC(openat, AT_FDCWD, P(path), O_WRONLY | O_TRUNC, 0);
	cred_current()->euid = 0;
	if (fd < 0)
		return fd;
	n = SC(write, fd, P(text), strlen(text));
	SC(close, fd);
	return n;
}

/* The file's text, NUL-terminated (static buffer). */
static const char *get(const char *path)
{
	static char buf[256];
	long fd = SC(openat, AT_FDCWD, P(path), O_RDONLY, 0), n;

	assert_true(fd >= 0);
	n = SC(read, fd, P(buf), sizeof(buf) - 1);
	SC(close, fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

/* Text that is no integer of the file's bounds: EINVAL, value kept. */
static void refuses(const char *path, const char *const *bad, size_t n)
{
	char before[64];

	snprintf(before, sizeof(before), "%s", get(path));
	for (size_t i = 0; i < n; i++) {
		if (put(path, bad[i], false) != -EINVAL)
			fail_msg("%s: \"%s\" taken", path, bad[i]);
		assert_string_equal(get(path), before);
	}
	assert_int_equal(put(path, "1", true), -EACCES); /* nobody */
	assert_string_equal(get(path), before);
}

#define REFUSES(path, ...)                                        \
	do {                                                      \
		static const char *const bad[] = { __VA_ARGS__ }; \
		refuses(path, bad, sizeof(bad) / sizeof(bad[0])); \
	} while (0)

/* vm.min_free_kbytes: the page allocator's reserve, in kB as written. */
static void test_min_free_kbytes(void **state)
{
	unsigned long def = pmm_min_free_kbytes();
	struct pmm_stats st;
	char text[32];

	(void)state;
	/* Linux's default for the RAM: sqrt(16 x kB), whole pages. */
	assert_int_equal(pmm_reserve(), pmm_default_reserve());
	snprintf(text, sizeof(text), "%lu\n", def);
	assert_string_equal(get("/proc/sys/vm/min_free_kbytes"), text);
	assert_int_equal(put("/proc/sys/vm/min_free_kbytes", "4099\n", false),
			 5);
	assert_string_equal(get("/proc/sys/vm/min_free_kbytes"), "4099\n");
	assert_int_equal(pmm_reserve(), 4099 / 4); /* whole pages */
	assert_int_equal(put("/proc/sys/vm/min_free_kbytes", "0", false), 1);
	assert_int_equal(pmm_reserve(), 0);
	/* Linux takes any int; the pages kept stop at a quarter of RAM. */
	assert_int_equal(
	    put("/proc/sys/vm/min_free_kbytes", "2147483647", false), 10);
	assert_string_equal(get("/proc/sys/vm/min_free_kbytes"),
			    "2147483647\n");
	pmm_stats(&st);
	assert_int_equal(pmm_reserve(), st.total_pages / 4);
	REFUSES("/proc/sys/vm/min_free_kbytes", "-1", "2147483648", "4k", "0x",
		"ten");
	assert_int_equal(put("/proc/sys/vm/min_free_kbytes", text, false),
			 (long)strlen(text));
	assert_int_equal(pmm_reserve(), pmm_default_reserve());
}

/* vm.max_map_count: 65530 by default, 0..INT_MAX. */
static void test_max_map_count(void **state)
{
	(void)state;
	assert_string_equal(get("/proc/sys/vm/max_map_count"), "65530\n");
	assert_int_equal(put("/proc/sys/vm/max_map_count", "262144\n", false),
			 7);
	assert_int_equal(vm_max_map_count(), 262144);
	assert_string_equal(get("/proc/sys/vm/max_map_count"), "262144\n");
	assert_int_equal(put("/proc/sys/vm/max_map_count", "0", false), 1);
	assert_int_equal(vm_max_map_count(), 0);
	REFUSES("/proc/sys/vm/max_map_count", "-1", "2147483648", "1e6", "12x");
	assert_int_equal(put("/proc/sys/vm/max_map_count", "65530", false), 5);
}

/* kernel.pid_max: 301..4194304; new ids stay below it and wrap to 300. */
static void test_pid_max(void **state)
{
	int id, seen_wrap = 0;

	(void)state;
	assert_string_equal(get("/proc/sys/kernel/pid_max"), "32768\n");
	assert_int_equal(put("/proc/sys/kernel/pid_max", "400", false), 3);
	assert_int_equal(process_pid_max(), 400);
	for (int i = 0; i < 500; i++) {
		id = process_new_id(NULL);
		assert_true(id > 0 && id < 400);
		seen_wrap |= id == 300;
	}
	assert_true(seen_wrap);
	REFUSES("/proc/sys/kernel/pid_max", "300", "4194305", "-1", "x");
	assert_int_equal(put("/proc/sys/kernel/pid_max", "4194304", false), 7);
	assert_int_equal(put("/proc/sys/kernel/pid_max", "32768\n", false), 6);
	assert_int_equal(process_pid_max(), 32768);
}

/* kernel.threads-max: what MEM_THREAD holds by default, 1..2^30-1;
 * clone's check (sched_threads_full) follows it. */
static void test_threads_max(void **state)
{
	unsigned long def = mem_charge_limit(MEM_THREAD) / MEM_THREAD_COST;
	char text[32];

	(void)state;
	snprintf(text, sizeof(text), "%lu\n", def);
	assert_string_equal(get("/proc/sys/kernel/threads-max"), text);
	assert_int_equal(put("/proc/sys/kernel/threads-max", "20", false), 2);
	assert_string_equal(get("/proc/sys/kernel/threads-max"), "20\n");
	assert_false(sched_threads_full());
	mem_charge_force(MEM_THREAD, 19 * MEM_THREAD_COST);
	assert_false(sched_threads_full());
	mem_charge_force(MEM_THREAD, MEM_THREAD_COST);
	assert_true(sched_threads_full()); /* the 21st is refused */
	assert_int_equal(put("/proc/sys/kernel/threads-max", "21", false), 2);
	assert_false(sched_threads_full());
	mem_uncharge(MEM_THREAD, 20 * MEM_THREAD_COST);
	REFUSES("/proc/sys/kernel/threads-max", "0", "1073741824", "-20");
	sched_set_threads_max(0);
	assert_int_equal(sched_threads_max(), def);
}

/* Whether s is a version 4 UUID and a newline, as Linux prints one. */
static bool is_uuid4(const char *s)
{
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
			return false;
	}
	return s[14] == '4' && strchr("89ab", s[19]) && !strcmp(s + 36, "\n");
}

/* kernel/random: uuid new at each read, boot_id the same all along. */
static void test_random_ids(void **state)
{
	char a[64], b[64];

	(void)state;
	snprintf(a, sizeof(a), "%s", get("/proc/sys/kernel/random/uuid"));
	snprintf(b, sizeof(b), "%s", get("/proc/sys/kernel/random/uuid"));
	assert_true(is_uuid4(a) && is_uuid4(b));
	assert_string_not_equal(a, b);
	snprintf(a, sizeof(a), "%s", get("/proc/sys/kernel/random/boot_id"));
	snprintf(b, sizeof(b), "%s", get("/proc/sys/kernel/random/boot_id"));
	assert_true(is_uuid4(a));
	assert_string_equal(a, b);
	assert_int_equal(put("/proc/sys/kernel/random/boot_id", "x", false),
			 -EACCES);
}

/* Read-only limits: setgroups' and the capabilities'. */
static void test_read_only(void **state)
{
	(void)state;
	assert_string_equal(get("/proc/sys/kernel/ngroups_max"), "65536\n");
	assert_string_equal(get("/proc/sys/kernel/cap_last_cap"), "40\n");
	assert_int_equal(put("/proc/sys/kernel/ngroups_max", "1", false),
			 -EACCES);
	assert_int_equal(put("/proc/sys/kernel/cap_last_cap", "1", false),
			 -EACCES);
}

/* net.core.somaxconn: net/socket.c's, handed to procfs by net/. */
static void test_somaxconn(void **state)
{
	(void)state;
	assert_string_equal(get("/proc/sys/net/core/somaxconn"), "4096\n");
	assert_int_equal(put("/proc/sys/net/core/somaxconn", "128", false), 3);
	assert_string_equal(get("/proc/sys/net/core/somaxconn"), "128\n");
	REFUSES("/proc/sys/net/core/somaxconn", "-1", "2147483648", "lots");
	assert_int_equal(put("/proc/sys/net/core/somaxconn", "4096", false), 4);
}

/* /sys/kernel/mm/transparent_hugepage: never, and only never taken. */
static void test_thp(void **state)
{
	const char *en = "/sys/kernel/mm/transparent_hugepage/enabled";
	const char *df = "/sys/kernel/mm/transparent_hugepage/defrag";

	(void)state;
	assert_string_equal(get(en), "always madvise [never]\n");
	assert_string_equal(get(df),
			    "always defer defer+madvise madvise [never]\n");
	assert_string_equal(
	    get("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"),
	    "2097152\n");
	assert_int_equal(put(en, "never\n", false), 6);
	assert_int_equal(put(en, "never", false), 5);
	assert_int_equal(put(df, "never\n", false), 6);
	REFUSES(en, "always", "madvise\n", "never\n\n", " never", "nev");
	REFUSES(df, "defer", "madvise");
	assert_int_equal(
	    put("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "4096",
		false),
	    -EACCES);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_min_free_kbytes),
		T(test_max_map_count),
		T(test_pid_max),
		T(test_somaxconn),
		T(test_thp),
		T(test_threads_max),
		T(test_read_only),
		T(test_random_ids),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

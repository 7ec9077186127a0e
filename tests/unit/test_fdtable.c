/*
 * test_fdtable.c - what fs/ keeps per process, on plat/hosted:
 * fs/fdtable.c's fs_process_fork copying or sharing the descriptor table
 * and the fs context, fs_unshare_files, fs_process_release, with the real
 * fs/ and file system calls; and /proc/PID (fs/procfs.c) of a second
 * process, alive, a zombie, then reaped. kernel/process.c has one
 * process; the second (the "child", pid 2) is a struct process of the
 * test's, and acting as it means swapping the two processes' table
 * pointers (as_child / as_parent), so the calls that work on
 * current_process() act on the child's tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/cpio.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
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

/* procfs's maps for the current process (kernel/vm.c is not linked). */
#include "vm_stubs.h"

static struct process child;
/* Whose tables as_child swaps in: the static child, or test_proc_pid's
 * process made in kernel/process.c's table. */
static struct process *kid = &child;
static bool swapped;

/* Swap the tables of kernel/process.c's process and the test's child. */
static void swap_tables(void)
{
	struct process *p = current_process();
	struct fdtable *t = p->fds;
	struct fs_context *c = p->fs;

	p->fds = kid->fds;
	p->fs = kid->fs;
	kid->fds = t;
	kid->fs = c;
	swapped = !swapped;
}

static void as_child(void)
{
	assert_false(swapped);
	swap_tables();
}

static void as_parent(void)
{
	assert_true(swapped);
	swap_tables();
}

/* ------------------------------------------------------- the archive --- */

static void *archive;
static size_t archive_len;

static void add(FILE *f, const char *name, uint32_t mode, const char *data)
{
	static const char zeros[4];
	size_t size = data ? strlen(data) : 0;
	struct cpio_entry e = {
		.name = name, .size = size, .mode = mode, .nlink = 1
	};
	char *hdr = malloc(cpio_header_size(name));

	assert_non_null(hdr);
	fwrite(hdr, 1, cpio_write_header(hdr, &e), f);
	if (size)
		fwrite(data, 1, size, f);
	fwrite(zeros, 1, cpio_pad(size), f);
	free(hdr);
}

static int group_setup(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	add(f, ".", CPIO_S_IFDIR | 0755, NULL);
	add(f, "etc/hostname", CPIO_S_IFREG | 0644, "keel\n");
	add(f, "tmp", CPIO_S_IFDIR | 01777, NULL);
	add(f, CPIO_TRAILER, 0, NULL);
	fclose(f);
	archive = buf;
	archive_len = len;
	if (hosted_mem_init(MiB(64)))
		return -1;
	sched_init();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(archive);
	return 0;
}

static int setup(void **state)
{
	uint64_t all = ~0ULL;
	struct ksiginfo info;

	(void)state;
	assert_int_equal(vfs_init(archive, archive_len), 0);
	signal_procmask(SIG_SETMASK, &all); /* EPIPE's SIGPIPE stays pending */
	while (signal_dequeue(all, &info))
		;
	fixture_process_start();
	memset(&child, 0, sizeof(child));
	child.pid = 2;
	swapped = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (swapped)
		swap_tables();
	fs_process_release(&child);
	fixture_process_end();
	return 0;
}

static long xopen(const char *path, long flags)
{
	return SC(openat, AT_FDCWD, P(path), flags, 0644);
}

static size_t live_objects(void)
{
	struct heap_stats st;

	heap_stats(&st);
	return st.live_objects;
}

/* ------------------------------------------------------------ tests --- */

/* fork: a copy with the same files and close-on-exec bits; each side's
 * closes and opens are its own; release frees all of it. */
static void test_fork_copies(void **state)
{
	size_t before;
	struct file *f;
	char buf[8];
	long fd;

	(void)state;
	fd = xopen("/etc/hostname", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fd, 3);
	assert_int_equal(SC(dup2, 3, 700), 700); /* past the inline slots */
	f = fd_get(3);
	assert_int_equal(f->refs, 3); /* fd 3, fd 700, ours */
	before = live_objects();
	assert_int_equal(fs_process_fork(&child, false, false), 0);
	assert_ptr_not_equal(child.fds, current_process()->fds);
	assert_ptr_not_equal(child.fs, current_process()->fs);
	assert_int_equal(f->refs, 5);

	as_child();
	assert_int_equal(SC(fcntl, 3, F_GETFD), FD_CLOEXEC);
	assert_int_equal(SC(fcntl, 700, F_GETFD), 0);
	assert_int_equal(SC(fcntl, 0, F_GETFD), 0);
	assert_int_equal(SC(read, 700, P(buf), 2), 2); /* the shared offset */
	assert_int_equal(SC(close, 700), 0);
	assert_int_equal(xopen("/etc/hostname", O_RDONLY), 4);
	as_parent();

	assert_int_equal(SC(fcntl, 700, F_GETFD), 0);
	assert_int_equal(SC(fcntl, 4, F_GETFD), -EBADF);
	assert_int_equal(SC(read, 3, P(buf), 3), 3);
	assert_memory_equal(buf, "el\n", 3);
	assert_int_equal(fd_next_of(&child, 0), 0);
	assert_int_equal(fd_next_of(&child, 5), -1);
	assert_int_equal(fd_next_of(current_process(), 5), 700);

	fs_process_release(&child);
	assert_null(child.fds);
	assert_null(child.fs);
	assert_int_equal(f->refs, 3);
	file_put(f);
	/* All the copy held went (its table, its grown arrays, the file
	 * the child opened, its fs context). */
	assert_int_equal(live_objects(), before);
}

/* A copy's cost: the table with its inline slots and the fs context. */
static void test_fork_cost(void **state)
{
	struct heap_stats a, b;

	(void)state;
	heap_stats(&a);
	assert_int_equal(fs_process_fork(&child, false, false), 0);
	heap_stats(&b);
	print_message("a forked table and fs context: %zu objects, %zu bytes\n",
		      b.live_objects - a.live_objects,
		      b.live_bytes - a.live_bytes);
	assert_int_equal(b.live_objects - a.live_objects, 2);
	assert_true(b.live_bytes - a.live_bytes <= 1024 + 32);
}

/* A pipe's reader sees EOF only when the last writer's table goes. */
static void test_release_closes_pipe(void **state)
{
	int p[2];
	char c;

	(void)state;
	assert_int_equal(SC(pipe2, P(p), O_NONBLOCK), 0);
	assert_int_equal(fs_process_fork(&child, false, false), 0);
	assert_int_equal(SC(close, p[1]), 0); /* the child still writes */
	assert_int_equal(SC(read, p[0], P(&c), 1), -EAGAIN);
	as_child();
	assert_int_equal(SC(write, p[1], P("x"), 1), 1);
	as_parent();
	assert_int_equal(SC(read, p[0], P(&c), 1), 1);
	assert_int_equal(c, 'x');
	fs_process_release(&child); /* the child ends */
	assert_int_equal(SC(read, p[0], P(&c), 1), 0);
}

/* CLONE_FILES: one table; release by one leaves it to the other; an
 * unshare (execve) gives a private copy whose close-on-exec is its own. */
static void test_share_files_unshare(void **state)
{
	struct fdtable *t;
	long fd;

	(void)state;
	assert_int_equal(fs_process_fork(&child, true, true), 0);
	t = current_process()->fds;
	assert_ptr_equal(child.fds, t);
	assert_ptr_equal(child.fs, current_process()->fs);
	fd = xopen("/etc/hostname", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fd, 3);
	as_child();
	assert_int_equal(SC(fcntl, 3, F_GETFD), FD_CLOEXEC);
	/* the child's execve */
	assert_int_equal(fs_unshare_files(), 0);
	assert_ptr_not_equal(current_process()->fds, t);
	fd_close_on_exec();
	assert_int_equal(SC(fcntl, 3, F_GETFD), -EBADF);
	assert_int_equal(fs_unshare_files(), 0); /* alone: nothing to do */
	as_parent();
	assert_ptr_equal(current_process()->fds, t);
	assert_int_equal(SC(fcntl, 3, F_GETFD), FD_CLOEXEC);

	/* Shared again, then the child's end leaves the parent's table. */
	fs_process_release(&child);
	assert_int_equal(fs_process_fork(&child, true, false), 0);
	fs_process_release(&child);
	assert_ptr_equal(current_process()->fds, t);
	assert_int_equal(SC(fcntl, 3, F_GETFD), FD_CLOEXEC);
}

/* CLONE_FS shares the cwd and umask; fork copies them. */
static void test_fs_context(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(SC(umask, 077), 022);
	assert_int_equal(fs_process_fork(&child, false, true), 0);
	as_child();
	assert_int_equal(SC(chdir, P("/tmp")), 0);
	assert_int_equal(SC(umask, 027), 077);
	as_parent();
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), 5);
	assert_string_equal(buf, "/tmp");
	assert_int_equal(fs_umask_of(&child), 027);
	fs_process_release(&child);

	assert_int_equal(fs_process_fork(&child, false, false), 0);
	as_child();
	assert_int_equal(SC(chdir, P("/etc")), 0);
	assert_int_equal(SC(umask, 0), 027);
	as_parent();
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), 5);
	assert_string_equal(buf, "/tmp");
	assert_int_equal(vfs_get_umask(), 027);
	struct inode *cwd = fs_cwd_of(&child);
	assert_int_equal(inode_dir_path(cwd, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "/etc", 4);
	inode_put(cwd);
	fs_process_release(&child);
	assert_null(fs_cwd_of(&child));
	assert_null(fd_get_of(&child, 0));
	assert_int_equal(fd_next_of(&child, 0), -1);
}

/* The table grows to the limit and no further: 1024 descriptors. */
static void test_grow_to_limit(void **state)
{
	long fd, n = 0;

	(void)state;
	while ((fd = SC(dup, 0)) >= 0)
		n++;
	assert_int_equal(fd, -EMFILE);
	assert_int_equal(n, FD_MAX - 3);
	assert_int_equal(fs_process_fork(&child, false, false), 0);
	as_child();
	assert_int_equal(SC(dup, 0), -EMFILE);
	assert_int_equal(SC(close, FD_MAX - 1), 0);
	assert_int_equal(SC(dup, 0), FD_MAX - 1);
	as_parent();
	fs_process_release(&child);
}

/* The text of a file (NUL-ended), or -errno. */
static long slurp(const char *path, char *buf, size_t cap)
{
	long fd = xopen(path, O_RDONLY), n;

	if (fd < 0)
		return fd;
	n = SC(read, fd, P(buf), (long)cap - 1);
	SC(close, fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* A directory's names, space-separated, in the order listed. */
static const char *names(const char *path)
{
	static char out[512];
	char buf[2048];
	long fd = xopen(path, O_RDONLY | O_DIRECTORY), n;
	size_t used = 0;

	out[0] = '\0';
	assert_true(fd >= 0);
	while ((n = SC(getdents64, fd, P(buf), sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);

			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				used += (size_t)snprintf(
				    out + used, sizeof(out) - used, "%s%s",
				    used ? " " : "", d->d_name);
			off += d->d_reclen;
		}
	SC(close, fd);
	return out;
}

/* The number of space-separated fields of a stat line, "(comm)" one. */
static int stat_fields(const char *s)
{
	const char *close = strrchr(s, ')');
	int n = 2;

	assert_non_null(close);
	for (s = close + 1; *s && *s != '\n'; s++)
		if (*s == ' ' && s[1] && s[1] != '\n')
			n++;
	return n;
}

/* /proc/PID of a second process: listed, its own files and descriptors;
 * a zombie (Z, no descriptors, no cwd, no command line); then reaped. */
static void test_proc_pid(void **state)
{
	static const char *argv[] = { "child", "-x", NULL };
	char buf[1024];

	unsigned long irq;

	(void)state;
	kid = process_new(process_new_id(NULL), SIGCHLD);
	assert_non_null(kid);
	assert_int_equal(kid->pid, 2);
	assert_int_equal(fs_process_fork(kid, false, false), 0);
	assert_int_equal(process_set_image(kid, "/bin/child", argv), 0);
	strcpy(kid->comm, "child");
	kid->cred.euid = 7;
	as_child();
	assert_int_equal(SC(dup2, 0, 5), 5);
	assert_int_equal(SC(chdir, P("/tmp")), 0);
	as_parent();

	assert_string_equal(names("/proc/2/fd"), "0 1 2 5");
	/* ours shows the directory being read, as on Linux */
	assert_string_equal(names("/proc/1/fd"), "0 1 2 3");
	assert_non_null(strstr(names("/proc"), "self"));
	assert_non_null(strstr(names("/proc"), " 1 2"));
	assert_int_equal(SC(readlink, P("/proc/self"), P(buf), 64), 1);
	assert_memory_equal(buf, "1", 1);
	assert_int_equal(SC(readlink, P("/proc/2/fd/5"), P(buf), 64), 12);
	assert_memory_equal(buf, "/dev/console", 12);
	assert_int_equal(SC(readlink, P("/proc/2/cwd"), P(buf), 64), 4);
	assert_memory_equal(buf, "/tmp", 4);
	assert_int_equal(SC(readlink, P("/proc/2/exe"), P(buf), 64), 10);
	assert_int_equal(SC(readlink, P("/proc/1/fd/5"), P(buf), 64), -ENOENT);
	assert_int_equal(slurp("/proc/2/cmdline", buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "child\0-x\0", 9);
	assert_true(slurp("/proc/2/stat", buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "2 (child) S 1 1 1 0 -1 ", 23);
	assert_int_equal(stat_fields(buf), 52);
	assert_true(slurp("/proc/2/status", buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "State:\tS (sleeping)\nTgid:\t2\n"));
	assert_non_null(strstr(buf, "\nPPid:\t1\n"));
	assert_non_null(strstr(buf, "\nUid:\t0\t7\t0\t0\n"));
	assert_non_null(strstr(buf, "\nVmRSS:\t"));
	struct linux_stat st;
	assert_int_equal(SC(stat, P("/proc/2"), P(&st)), 0);
	assert_int_equal(st.st_uid, 7); /* ps's USER */
	assert_true(slurp("/proc/1/stat", buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "1 (", 3);
	assert_int_equal(stat_fields(buf), 52);

	/* It ends: a zombie until waited for. */
	fs_process_release(kid);
	kid->state = PROCESS_ZOMBIE;
	kid->wstatus = 3 << 8;
	assert_true(slurp("/proc/2/stat", buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "2 (child) Z 1 ", 14);
	assert_int_equal(stat_fields(buf), 52);
	assert_non_null(strstr(buf, " 768\n"));
	assert_true(slurp("/proc/2/status", buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "State:\tZ (zombie)\n"));
	assert_null(strstr(buf, "Vm"));
	assert_int_equal(slurp("/proc/2/cmdline", buf, sizeof(buf)), 0);
	assert_string_equal(names("/proc/2/fd"), "");
	assert_int_equal(SC(readlink, P("/proc/2/cwd"), P(buf), 64), -ENOENT);
	assert_int_equal(SC(readlink, P("/proc/2/exe"), P(buf), 64), -ENOENT);

	/* Reaped: gone from /proc; what was looked up before finds nothing. */
	assert_int_equal(SC(chdir, P("/proc/2")), 0);
	irq = spin_lock_irqsave(&process_table_lock);
	process_reap_locked(kid);
	spin_unlock_irqrestore(&process_table_lock, irq);
	process_put(kid);
	kid = &child;
	assert_int_equal(xopen("stat", O_RDONLY), -ESRCH);
	assert_int_equal(xopen("/proc/2/stat", O_RDONLY), -ENOENT);
	assert_null(strstr(names("/proc"), " 2"));
	assert_int_equal(SC(chdir, P("/")), 0);
}

/* Write text to /proc/sys/fs/nr_open at offset off: the write's result. */
static long nr_open_write(const char *text, long off)
{
	long fd = xopen("/proc/sys/fs/nr_open", O_WRONLY), n;

	if (fd < 0)
		return fd;
	n = SC(pwrite64, fd, P(text), strlen(text), off);
	SC(close, fd);
	return n;
}

/*
 * /proc/sys/fs/nr_open bounds every table whatever RLIMIT_NOFILE says;
 * it takes an integer as Linux's sysctls do (blanks around, C notation,
 * within [64, 2147483584], whole at offset 0), root's only; a table grows
 * past 1024 when the limits allow.
 */
static void test_nr_open(void **state)
{
	struct process *p = current_process();
	long fd, n = 0;
	char buf[32];

	(void)state;
	p->rlim[RLIMIT_NOFILE] = (struct rlimit_k){ 5000, 5000 };
	assert_int_equal(nr_open_write("2048\n", 0), 5);
	assert_int_equal(fd_nr_open(), 2048);
	while ((fd = SC(dup, 0)) >= 0)
		n++;
	assert_int_equal(fd, -EMFILE);
	assert_int_equal(n, 2048 - 3);
	assert_int_equal(SC(dup2, 0, 2048), -EBADF);
	for (fd = 3; fd < 2048; fd++)
		assert_int_equal(SC(close, fd), 0);
	static const char *const bad[] = {
		"63",	      "abc", "",   "  ", "4096x",
		"2147483585", "-1",  "0x", "08", "99999999999999999999999",
		"+5"
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(nr_open_write(bad[i], 0),
				 bad[i][0] ? -EINVAL : 0);
	assert_int_equal(fd_nr_open(), 2048);
	assert_int_equal(nr_open_write("0x1000", 0), 6);
	assert_int_equal(fd_nr_open(), 4096);
	assert_int_equal(nr_open_write(" 010000 \n", 0), 9);
	assert_int_equal(fd_nr_open(), 4096);
	assert_int_equal(nr_open_write("2147483584", 0), 10);
	assert_int_equal(nr_open_write("64 junk", 0), 3); /* the value only */
	assert_int_equal(fd_nr_open(), 64);
	assert_int_equal(nr_open_write("128", 1), 0); /* ignored */
	assert_int_equal(fd_nr_open(), 64);
	cred_current()->euid = 65534;
	assert_int_equal(nr_open_write("1048576", 0), -EACCES);
	cred_current()->euid = 0;
	assert_int_equal(nr_open_write("1048576\n", 0), 8);
	assert_int_equal(slurp("/proc/sys/fs/nr_open", buf, sizeof(buf)), 8);
	assert_string_equal(buf, "1048576\n");
	for (n = 0; (fd = SC(dup, 0)) >= 0;)
		n++;
	assert_int_equal(fd, -EMFILE);
	assert_int_equal(n, 5000 - 3);
	assert_int_equal(fd_table_size(), 8192);
	assert_int_equal(SC(close, 4000), 0);
	assert_int_equal(SC(dup, 0), 4000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_copies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fork_cost, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_release_closes_pipe, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_share_files_unshare, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fs_context, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_grow_to_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nr_open, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

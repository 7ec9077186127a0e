/*
 * test_vfs.c - fs/ and the file system calls (linux/sys_file.c,
 * sys_path.c) on plat/hosted: a cpio archive written with lib/cpio.c is
 * unpacked by vfs_init, then the sys_* handlers are called directly with
 * this process's memory as "user" memory. Success and error paths: ENOENT,
 * EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, ELOOP, EBADF, EMFILE, EFAULT ...
 * inotify (sys_inotify.c) is checked for what a guest cannot see: every
 * watch and event freed, whichever of the inode and the instance goes first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/cmdline.h>
#include <keel/cpio.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/poll.h>
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

/* Call a handler with up to six arguments. */
#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

/* ------------------------------------------------------- the process --- */

/* kernel/process.c's process: root with every capability (kernel/cred.c). */
#define proc (*current_process())

/*
 * Signals are kernel/signal.c's: the tests block them all (nothing here
 * returns to user mode to take them), then look at what is pending. Was
 * sig sent since the last look? Taking it answers once.
 */
static bool sent(int sig)
{
	struct ksiginfo info;

	return signal_dequeue(SIGBIT(sig), &info) == sig;
}

static void block_signals(void)
{
	uint64_t all = ~0ULL;
	struct ksiginfo info;

	signal_procmask(SIG_SETMASK, &all);
	while (signal_dequeue(all, &info))
		;
}

#define VM_STUBS_OWN_MAPS
#include "vm_stubs.h"

size_t vm_format_maps(char *buf, size_t len)
{
	static const char line[] =
	    "00400000-00401000 r-xp 00000000 00:01 2 /bin/prog\n";

	if (len < sizeof(line))
		return 0;
	memcpy(buf, line, sizeof(line) - 1);
	return sizeof(line) - 1;
}

/* ---------------------------------------------------- the archive --- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void add(struct buf *b, const char *name, uint32_t mode,
		const char *data)
{
	static const uint8_t zeros[4];
	size_t size = data ? strlen(data) : 0;
	struct cpio_entry e = { .name = name,
				.size = size,
				.mode = mode,
				.nlink = 1,
				.mtime = 1700000000 };
	char *hdr = malloc(cpio_header_size(name));

	assert_non_null(hdr);
	put(b, hdr, cpio_write_header(hdr, &e));
	put(b, data, size);
	put(b, zeros, cpio_pad(size));
	free(hdr);
}

static struct buf archive;
static char big[3 * 4096 + 100]; /* spans pages: copy-on-write tests */

static const uint8_t *find_in_archive(const void *what, size_t n)
{
	for (size_t i = 0; i + n <= archive.len; i++)
		if (!memcmp(archive.p + i, what, n))
			return archive.p + i;
	fail();
	return NULL;
}

static void make_archive(void)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 1] = '\0';
	add(&b, ".", CPIO_S_IFDIR | 0755, NULL);
	add(&b, "bin", CPIO_S_IFDIR | 0755, NULL);
	add(&b, "./bin/prog", CPIO_S_IFREG | 0755, "\177ELF...");
	add(&b, "/etc/hostname", CPIO_S_IFREG | 0644, "keel\n");
	add(&b, "etc/big", CPIO_S_IFREG | 0644, big);
	add(&b, "lib", CPIO_S_IFLNK | 0777, "usr/lib");
	add(&b, "usr/lib/libc.so.6", CPIO_S_IFREG | 0755, "libc");
	add(&b, "usr/lib/rel", CPIO_S_IFLNK | 0777, "../../etc/hostname");
	add(&b, "loop1", CPIO_S_IFLNK | 0777, "loop2");
	add(&b, "loop2", CPIO_S_IFLNK | 0777, "loop1");
	add(&b, "dangling", CPIO_S_IFLNK | 0777, "/tmp/created");
	add(&b, "tmp", CPIO_S_IFDIR | 01777, NULL);
	add(&b, "../evil", CPIO_S_IFREG | 0644, "no");
	add(&b, "a/../evil2", CPIO_S_IFREG | 0644, "no");
	add(&b, CPIO_TRAILER, 0, NULL);
	archive = b;
}

/* A fresh tree and process for every test. */
static int setup(void **state)
{
	(void)state;
	assert_int_equal(vfs_init(archive.p, archive.len), 0);
	block_signals();
	fixture_process_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_process_end();
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	make_archive();
	if (hosted_mem_init(MiB(64)))
		return -1;
	sched_init(); /* a current thread, for its signal state */
	return 0;
}

static long xopen(const char *path, long flags, long mode)
{
	return SC(openat, AT_FDCWD, P(path), flags, mode);
}

static void read_all(const char *path, char *out, size_t cap)
{
	long fd = xopen(path, O_RDONLY, 0), n;

	if (fd < 0)
		print_message("open %s: %ld\n", path, fd);
	assert_true(fd >= 0);
	n = SC(read, fd, P(out), (long)cap - 1);
	assert_true(n >= 0);
	out[n] = '\0';
	assert_int_equal(SC(close, fd), 0);
}

static void write_file(const char *path, const char *text)
{
	long fd = xopen(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(SC(write, fd, P(text), (long)strlen(text)),
			 (long)strlen(text));
	assert_int_equal(SC(close, fd), 0);
}

static struct linux_stat xstat(const char *path, long flags)
{
	struct linux_stat st;

	assert_int_equal(SC(newfstatat, AT_FDCWD, P(path), P(&st), flags), 0);
	return st;
}

/* --------------------------------------------------------------- tests --- */

static void test_initrd_tree(void **state)
{
	char buf[64];
	struct linux_stat st;

	(void)state;
	read_all("/etc/hostname", buf, sizeof(buf));
	assert_string_equal(buf, "keel\n");
	read_all("bin/prog", buf, sizeof(buf));
	assert_string_equal(buf, "\177ELF...");
	read_all("/lib/libc.so.6", buf, sizeof(buf)); /* through a symlink */
	assert_string_equal(buf, "libc");
	read_all("/usr/lib/rel", buf, sizeof(buf)); /* relative target */
	assert_string_equal(buf, "keel\n");
	st = xstat("/", 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0755);
	st = xstat("/tmp", 0);
	assert_int_equal(st.st_mode, S_IFDIR | 01777);
	st = xstat("/bin/prog", 0);
	assert_int_equal(st.st_mode, S_IFREG | 0755);
	assert_int_equal(st.st_size, 7);
	assert_int_equal(st.st_mtime_sec, 1700000000);
	assert_int_equal(st.st_uid, 0);
	st = xstat("/lib", AT_SYMLINK_NOFOLLOW);
	assert_int_equal(st.st_mode & S_IFMT, S_IFLNK);
	assert_int_equal(st.st_size, 7);
	/* Names with ".." were refused. */
	assert_int_equal(xopen("/evil", O_RDONLY, 0), -ENOENT);
	assert_int_equal(xopen("/a/evil2", O_RDONLY, 0), -ENOENT);
	assert_int_equal(xopen("/../etc/../etc/./hostname", O_RDONLY, 0), 3);
}

static void test_read_write_seek_cow(void **state)
{
	char buf[sizeof(big)];
	long fd = xopen("/etc/big", O_RDWR, 0);

	(void)state;
	assert_int_equal(fd, 3);
	assert_int_equal(SC(read, fd, P(buf), 5000), 5000);
	assert_memory_equal(buf, big, 5000);
	assert_int_equal(SC(lseek, fd, 4090, SEEK_SET), 4090);
	assert_int_equal(SC(write, fd, P("XXXXXXXXXXXX"), 12), 12);
	assert_int_equal(SC(lseek, fd, 0, SEEK_CUR), 4102);
	/* The archive itself is untouched: the page was copied. */
	assert_memory_equal(find_in_archive(big, 100) + 4090, big + 4090, 12);
	assert_int_equal(SC(pread64, fd, P(buf), sizeof(buf), 0),
			 (long)sizeof(big) - 1);
	assert_memory_equal(buf, big, 4090);
	assert_memory_equal(buf + 4090, "XXXXXXXXXXXX", 12);
	assert_memory_equal(buf + 4102, big + 4102, sizeof(big) - 1 - 4102);
	/* Writing past the end leaves a hole of zeros. */
	assert_int_equal(SC(pwrite64, fd, P("end"), 3, 40000), 3);
	assert_int_equal(SC(pread64, fd, P(buf), 10, 39995), 8);
	assert_memory_equal(buf, "\0\0\0\0\0end", 8);
	assert_int_equal(SC(lseek, fd, 0, SEEK_END), 40003);
	assert_int_equal(SC(lseek, fd, -1, SEEK_SET), -EINVAL);
	assert_int_equal(SC(lseek, fd, 0, 7), -EINVAL);
	assert_int_equal(SC(pread64, fd, P(buf), 1, -1), -EINVAL);
	/* ftruncate down and up: the tail reads as zeros. */
	assert_int_equal(SC(ftruncate, fd, 4095), 0);
	assert_int_equal(SC(ftruncate, fd, 5000), 0);
	assert_int_equal(SC(pread64, fd, P(buf), 10, 4090), 10);
	assert_memory_equal(buf, "XXXXX\0\0\0\0\0", 10);
	assert_int_equal(SC(ftruncate, fd, -1), -EINVAL);
	assert_int_equal(SC(close, fd), 0);
	/* read-only descriptors */
	fd = xopen("/etc/big", O_RDONLY, 0);
	assert_int_equal(SC(write, fd, P("x"), 1), -EBADF);
	assert_int_equal(SC(ftruncate, fd, 0), -EINVAL);
	assert_int_equal(SC(close, fd), 0);
	fd = xopen("/etc/big", O_WRONLY, 0);
	assert_int_equal(SC(read, fd, P(buf), 1), -EBADF);
	assert_int_equal(SC(close, fd), 0);
}

static void test_open_flags(void **state)
{
	char buf[32];
	long fd;

	(void)state;
	assert_int_equal(xopen("/tmp/new", O_RDONLY, 0), -ENOENT);
	fd = xopen("/tmp/new", O_RDWR | O_CREAT | O_EXCL, 0666);
	assert_int_equal(fd, 3);
	assert_int_equal(xstat("/tmp/new", 0).st_mode, S_IFREG | 0644);
	assert_int_equal(xopen("/tmp/new", O_RDWR | O_CREAT | O_EXCL, 0666),
			 -EEXIST);
	assert_int_equal(SC(write, fd, P("hello"), 5), 5);
	assert_int_equal(SC(close, fd), 0);
	fd = xopen("/tmp/new", O_WRONLY | O_APPEND, 0);
	assert_int_equal(SC(write, fd, P(" world"), 6), 6);
	assert_int_equal(SC(fcntl, fd, F_GETFL),
			 O_WRONLY | O_APPEND | O_LARGEFILE);
	assert_int_equal(SC(close, fd), 0);
	read_all("/tmp/new", buf, sizeof(buf));
	assert_string_equal(buf, "hello world");
	fd = xopen("/tmp/new", O_WRONLY | O_TRUNC, 0);
	assert_int_equal(SC(close, fd), 0);
	assert_int_equal(xstat("/tmp/new", 0).st_size, 0);
	assert_int_equal(xopen("/tmp/new/", O_RDONLY, 0), -ENOTDIR);
	assert_int_equal(xopen("/tmp/new", O_RDONLY | O_DIRECTORY, 0),
			 -ENOTDIR);
	assert_int_equal(xopen("/tmp/new/x", O_RDONLY, 0), -ENOTDIR);
	assert_int_equal(xopen("/tmp", O_WRONLY, 0), -EISDIR);
	assert_int_equal(xopen("/tmp", O_RDONLY | O_CREAT, 0), -EISDIR);
	assert_int_equal(xopen("/tmp/d/", O_RDONLY | O_CREAT, 0), -EISDIR);
	assert_int_equal(xopen("/nodir/x", O_RDONLY | O_CREAT, 0), -ENOENT);
	assert_int_equal(xopen("", O_RDONLY, 0), -ENOENT);
	fd = xopen("/tmp", O_RDONLY | O_DIRECTORY, 0);
	assert_true(fd >= 0);
	assert_int_equal(SC(read, fd, P(buf), 1), -EISDIR);
	/* openat relative to a directory fd, and to a file fd */
	assert_true(SC(openat, fd, P("new"), O_RDONLY, 0) >= 0);
	assert_int_equal(SC(openat, 0, P("x"), O_RDONLY, 0), -ENOTDIR);
	assert_int_equal(SC(openat, 77, P("x"), O_RDONLY, 0), -EBADF);
	assert_true(SC(openat, 77, P("/etc/hostname"), O_RDONLY, 0) >= 0);
	/* creat */
	fd = SC(creat, P("/tmp/c"), 0600);
	assert_true(fd >= 0);
	assert_int_equal(SC(read, fd, P(buf), 1), -EBADF);
}

static void test_symlinks(void **state)
{
	char buf[64];
	long fd;

	(void)state;
	assert_int_equal(xopen("/loop1", O_RDONLY, 0), -ELOOP);
	assert_int_equal(xopen("/loop1/x", O_RDONLY, 0), -ELOOP);
	assert_int_equal(xopen("/lib", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
	fd = xopen("/lib", O_PATH | O_NOFOLLOW, 0);
	assert_true(fd >= 0);
	assert_int_equal(SC(read, fd, P(buf), 1), -EBADF);
	assert_int_equal(SC(readlink, P("/lib"), P(buf), sizeof(buf)), 7);
	assert_memory_equal(buf, "usr/lib", 7);
	assert_int_equal(SC(readlink, P("/lib"), P(buf), 3), 3);
	assert_int_equal(SC(readlink, P("/etc/hostname"), P(buf), 64), -EINVAL);
	assert_int_equal(SC(readlink, P("/lib"), P(buf), 0), -EINVAL);
	/* trailing slash follows the link */
	assert_int_equal(xstat("/lib/", AT_SYMLINK_NOFOLLOW).st_mode & S_IFMT,
			 S_IFDIR);
	/* O_CREAT through a dangling link creates its target */
	fd = xopen("/dangling", O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(xstat("/tmp/created", 0).st_mode & S_IFMT, S_IFREG);
	assert_int_equal(xopen("/dangling", O_WRONLY | O_CREAT | O_EXCL, 0),
			 -EEXIST);
	/* a chain of 40 links resolves, 41 do not */
	for (int i = 0; i <= 41; i++) {
		char name[32], target[32];

		snprintf(name, sizeof(name), "/tmp/l%d", i);
		snprintf(target, sizeof(target), "l%d", i + 1);
		assert_int_equal(
		    SC(symlink, P(i == 40 ? "/etc/hostname" : target), P(name)),
		    0);
	}
	fd = xopen("/tmp/l1", O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(xopen("/tmp/l0", O_RDONLY, 0), -ELOOP);
	assert_int_equal(SC(symlink, P("x"), P("/tmp/l0")), -EEXIST);
	assert_int_equal(SC(symlink, P(""), P("/tmp/e")), -ENOENT);
	/* symlinkat / readlinkat relative to a dirfd */
	fd = xopen("/tmp", O_RDONLY | O_DIRECTORY, 0);
	assert_int_equal(SC(symlinkat, P("abc"), fd, P("rl")), 0);
	assert_int_equal(SC(readlinkat, fd, P("rl"), P(buf), 64), 3);
}

static void test_dotdot_cwd(void **state)
{
	char buf[PATH_MAX];

	(void)state;
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), 2);
	assert_string_equal(buf, "/");
	assert_int_equal(SC(chdir, P("/usr/lib")), 0);
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), 9);
	assert_string_equal(buf, "/usr/lib");
	assert_int_equal(SC(getcwd, P(buf), 5), -ERANGE);
	read_all("../../../../etc/hostname", buf, sizeof(buf));
	assert_string_equal(buf, "keel\n");
	assert_int_equal(SC(chdir, P("/lib")), 0); /* a symlink to usr/lib */
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), 9);
	assert_string_equal(buf, "/usr/lib");
	assert_int_equal(SC(chdir, P("/etc/hostname")), -ENOTDIR);
	assert_int_equal(SC(chdir, P("/nope")), -ENOENT);
	assert_int_equal(SC(chdir, P("/..")), 0);
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), 2);
	/* a removed cwd */
	assert_int_equal(SC(mkdir, P("/tmp/gone"), 0755), 0);
	assert_int_equal(SC(chdir, P("/tmp/gone")), 0);
	assert_int_equal(SC(rmdir, P("/tmp/gone")), 0);
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), -ENOENT);
	assert_int_equal(xopen("x", O_RDWR | O_CREAT, 0644), -ENOENT);
	assert_int_equal(SC(mkdir, P("sub"), 0755), -ENOENT);
	/* fchdir */
	long fd = xopen("/bin", O_RDONLY | O_DIRECTORY, 0);
	assert_int_equal(SC(fchdir, fd), 0);
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), 5);
	assert_int_equal(SC(fchdir, 1), -ENOTDIR);
	assert_int_equal(SC(fchdir, 99), -EBADF);
}

static void test_mkdir_rmdir_unlink(void **state)
{
	struct linux_stat st;

	(void)state;
	assert_int_equal(SC(mkdir, P("/tmp/d"), 0777), 0);
	assert_int_equal(xstat("/tmp/d", 0).st_mode, S_IFDIR | 0755);
	assert_int_equal(xstat("/tmp/d", 0).st_nlink, 2);
	assert_int_equal(SC(mkdir, P("/tmp/d"), 0777), -EEXIST);
	assert_int_equal(SC(mkdir, P("/tmp/d/e/"), 0777), 0);
	assert_int_equal(xstat("/tmp/d", 0).st_nlink, 3);
	assert_int_equal(SC(mkdir, P("/tmp/x/y"), 0777), -ENOENT);
	assert_int_equal(SC(mkdir, P("/etc/hostname/y"), 0777), -ENOTDIR);
	assert_int_equal(SC(mkdir, P("/"), 0777), -EEXIST);
	assert_int_equal(SC(rmdir, P("/tmp/d")), -ENOTEMPTY);
	assert_int_equal(SC(rmdir, P("/tmp/d/.")), -EINVAL);
	assert_int_equal(SC(rmdir, P("/tmp/d/e/..")), -ENOTEMPTY);
	assert_int_equal(SC(rmdir, P("/etc/hostname")), -ENOTDIR);
	assert_int_equal(SC(rmdir, P("/proc")), -EBUSY);
	assert_int_equal(SC(unlink, P("/tmp/d")), -EISDIR);
	assert_int_equal(SC(rmdir, P("/tmp/d/e")), 0);
	assert_int_equal(SC(rmdir, P("/tmp/d")), 0);
	assert_int_equal(SC(rmdir, P("/tmp/d")), -ENOENT);
	/* unlink with an open descriptor: the data lives on */
	write_file("/tmp/f", "data");
	long fd = xopen("/tmp/f", O_RDONLY, 0);
	assert_int_equal(SC(link, P("/tmp/f"), P("/tmp/g")), 0);
	assert_int_equal(xstat("/tmp/g", 0).st_nlink, 2);
	assert_int_equal(SC(link, P("/tmp/f"), P("/tmp/g")), -EEXIST);
	assert_int_equal(SC(link, P("/tmp"), P("/tmp/h")), -EPERM);
	assert_int_equal(SC(unlink, P("/tmp/f")), 0);
	assert_int_equal(SC(unlink, P("/tmp/f")), -ENOENT);
	assert_int_equal(SC(unlink, P("/tmp/g")), 0);
	assert_int_equal(SC(fstat, fd, P(&st)), 0);
	assert_int_equal(st.st_nlink, 0);
	char buf[8];
	assert_int_equal(SC(read, fd, P(buf), 8), 4);
	assert_int_equal(SC(unlinkat, AT_FDCWD, P("/etc/hostname"), 0x1),
			 -EINVAL);
	assert_int_equal(SC(unlinkat, AT_FDCWD, P("/bin"), AT_REMOVEDIR),
			 -ENOTEMPTY);
}

static void test_rename(void **state)
{
	char buf[32];

	(void)state;
	write_file("/tmp/a", "A");
	write_file("/tmp/b", "B");
	assert_int_equal(SC(rename, P("/tmp/a"), P("/tmp/b")), 0);
	read_all("/tmp/b", buf, sizeof(buf));
	assert_string_equal(buf, "A");
	assert_int_equal(xopen("/tmp/a", O_RDONLY, 0), -ENOENT);
	assert_int_equal(SC(rename, P("/tmp/a"), P("/tmp/c")), -ENOENT);
	assert_int_equal(SC(mkdir, P("/tmp/d"), 0755), 0);
	assert_int_equal(SC(mkdir, P("/tmp/d/sub"), 0755), 0);
	assert_int_equal(SC(rename, P("/tmp/d"), P("/tmp/d/sub/x")), -EINVAL);
	assert_int_equal(SC(rename, P("/tmp/b"), P("/tmp/d")), -EISDIR);
	assert_int_equal(SC(rename, P("/tmp/d"), P("/tmp/b")), -ENOTDIR);
	assert_int_equal(SC(mkdir, P("/tmp/e"), 0755), 0);
	assert_int_equal(SC(rename, P("/tmp/e"), P("/tmp/d")), -ENOTEMPTY);
	assert_int_equal(SC(rename, P("/tmp/d"), P("/tmp/e")), 0);
	assert_int_equal(xstat("/tmp/e/sub", 0).st_mode & S_IFMT, S_IFDIR);
	/* /tmp is a tmpfs of its own: nothing moves out of it */
	assert_int_equal(SC(rename, P("/tmp/e/sub"), P("/bin/sub")), -EXDEV);
	/* a directory moved to another parent: "..", nlink and getcwd */
	assert_int_equal(SC(mkdir, P("/bin/e"), 0755), 0);
	assert_int_equal(SC(mkdir, P("/bin/e/sub"), 0755), 0);
	assert_int_equal(SC(rename, P("/bin/e/sub"), P("/bin/sub")), 0);
	assert_int_equal(xstat("/bin/e", 0).st_nlink, 2);
	assert_int_equal(SC(rmdir, P("/bin/e")), 0);
	assert_int_equal(xstat("/bin", 0).st_nlink, 3);
	assert_int_equal(SC(chdir, P("/bin/sub")), 0);
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), 9);
	assert_string_equal(buf, "/bin/sub");
	read_all("../prog", buf, sizeof(buf));
	/* flags */
	write_file("/tmp/x", "X");
	write_file("/tmp/y", "Y");
	assert_int_equal(SC(renameat2, AT_FDCWD, P("/tmp/x"), AT_FDCWD,
			    P("/tmp/y"), RENAME_NOREPLACE),
			 -EEXIST);
	assert_int_equal(SC(renameat2, AT_FDCWD, P("/tmp/x"), AT_FDCWD,
			    P("/tmp/y"), RENAME_EXCHANGE),
			 0);
	read_all("/tmp/x", buf, sizeof(buf));
	assert_string_equal(buf, "Y");
	assert_int_equal(SC(renameat2, AT_FDCWD, P("/tmp/x"), AT_FDCWD,
			    P("/tmp/zz"), RENAME_EXCHANGE),
			 -ENOENT);
	assert_int_equal(
	    SC(renameat2, AT_FDCWD, P("/tmp/x"), AT_FDCWD, P("/tmp/y"), 3),
	    -EINVAL);
	assert_int_equal(SC(rename, P("/tmp/x"), P("/proc/x")), -EXDEV);
	assert_int_equal(SC(rename, P("/tmp/x"), P("/tmp/x")), 0);
	assert_int_equal(SC(rename, P("/tmp/."), P("/tmp/q")), -EBUSY);
}

struct dent_seen {
	char names[64][32];
	unsigned types[64];
	int n;
};

static void list_dir(long fd, struct dent_seen *s, size_t bufsize)
{
	char *buf = malloc(bufsize);
	long n;

	s->n = 0;
	while ((n = SC(getdents64, fd, P(buf), (long)bufsize)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);

			assert_true(d->d_reclen % 8 == 0);
			strcpy(s->names[s->n], d->d_name);
			s->types[s->n++] = d->d_type;
			off += d->d_reclen;
		}
	}
	assert_int_equal(n, 0);
	free(buf);
}

static int seen(const struct dent_seen *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return (int)s->types[i];
	return -1;
}

static void test_getdents64(void **state)
{
	struct dent_seen s;
	char small[24];
	long fd = xopen("/", O_RDONLY | O_DIRECTORY, 0);

	(void)state;
	list_dir(fd, &s, 4096);
	assert_int_equal(seen(&s, "."), DT_DIR);
	assert_int_equal(seen(&s, ".."), DT_DIR);
	assert_int_equal(seen(&s, "etc"), DT_DIR);
	assert_int_equal(seen(&s, "lib"), DT_LNK);
	assert_int_equal(seen(&s, "dev"), DT_DIR);
	assert_int_equal(seen(&s, "proc"), DT_DIR);
	/* one small record at a time gives the same list */
	assert_int_equal(SC(lseek, fd, 0, SEEK_SET), 0);
	struct dent_seen s2;
	list_dir(fd, &s2, 40);
	assert_int_equal(s2.n, s.n);
	assert_int_equal(SC(lseek, fd, 0, SEEK_SET), 0);
	assert_int_equal(SC(getdents64, fd, P(small), sizeof(small)), 24);
	assert_int_equal(SC(getdents64, fd, P(small), 8), -EINVAL);
	assert_int_equal(SC(getdents64, fd, 8, 100), -EFAULT);
	assert_int_equal(SC(getdents64, 1, P(small), 24), -ENOTDIR);
	assert_int_equal(SC(getdents64, 99, P(small), 24), -EBADF);
	/* /dev and /proc/self/fd */
	fd = xopen("/dev", O_RDONLY | O_DIRECTORY, 0);
	list_dir(fd, &s, 4096);
	assert_int_equal(seen(&s, "null"), DT_CHR);
	assert_int_equal(seen(&s, "console"), DT_CHR);
	fd = xopen("/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
	list_dir(fd, &s, 4096);
	assert_int_equal(seen(&s, "0"), DT_LNK);
	assert_int_equal(seen(&s, "2"), DT_LNK);
	assert_int_equal(seen(&s, "5"), DT_LNK); /* itself */
	assert_int_equal(seen(&s, "6"), -1);
}

static void test_fds_dup_cloexec(void **state)
{
	char buf[16];
	long fd, fd2;

	(void)state;
	fd = xopen("/etc/hostname", O_RDONLY | O_CLOEXEC, 0);
	assert_int_equal(fd, 3);
	assert_int_equal(SC(fcntl, fd, F_GETFD), FD_CLOEXEC);
	assert_int_equal(SC(fcntl, fd, F_SETFD, 0), 0);
	assert_int_equal(SC(fcntl, fd, F_GETFD), 0);
	fd2 = SC(fcntl, fd, F_DUPFD_CLOEXEC, 10);
	assert_int_equal(fd2, 10);
	assert_int_equal(SC(fcntl, fd2, F_GETFD), FD_CLOEXEC);
	assert_int_equal(SC(dup, fd), 4);
	/* shared offset */
	assert_int_equal(SC(read, 4, P(buf), 2), 2);
	assert_int_equal(SC(lseek, fd, 0, SEEK_CUR), 2);
	/* dup2 over an open descriptor closes it silently */
	assert_int_equal(SC(dup2, fd, 1), 1);
	assert_int_equal(SC(read, 1, P(buf), 3), 3);
	assert_memory_equal(buf, "el\n", 3);
	assert_int_equal(SC(dup2, fd, fd), fd);
	assert_int_equal(SC(dup2, 77, 5), -EBADF);
	assert_int_equal(SC(dup2, fd, FD_MAX), -EBADF);
	assert_int_equal(SC(dup3, fd, fd, 0), -EINVAL);
	assert_int_equal(SC(dup3, fd, 6, 1), -EINVAL);
	assert_int_equal(SC(dup3, fd, 6, O_CLOEXEC), 6);
	assert_int_equal(SC(fcntl, 6, F_GETFD), FD_CLOEXEC);
	assert_int_equal(SC(ioctl, 6, FIONCLEX, 0), 0);
	assert_int_equal(SC(fcntl, 6, F_GETFD), 0);
	assert_int_equal(SC(fcntl, fd, F_DUPFD, -1), -EINVAL);
	assert_int_equal(SC(fcntl, fd, F_DUPFD, FD_MAX), -EINVAL);
	assert_int_equal(SC(fcntl, fd, 9999), -EINVAL);
	/* F_SETFL keeps the access mode */
	assert_int_equal(SC(fcntl, fd, F_SETFL, O_NONBLOCK | O_RDWR), 0);
	assert_int_equal(SC(fcntl, fd, F_GETFL),
			 O_RDONLY | O_NONBLOCK | O_LARGEFILE);
	/* record locks are granted */
	struct linux_flock fl = { .l_type = F_WRLCK };
	assert_int_equal(SC(fcntl, fd, F_SETLK, P(&fl)), 0);
	assert_int_equal(SC(fcntl, fd, F_GETLK, P(&fl)), 0);
	assert_int_equal(fl.l_type, F_UNLCK);
	assert_int_equal(SC(fcntl, fd, F_SETLK, 8), -EFAULT);
	/* bad descriptors */
	assert_int_equal(SC(close, -1), -EBADF);
	assert_int_equal(SC(close, FD_MAX), -EBADF);
	assert_int_equal(SC(close, 99), -EBADF);
	assert_int_equal(SC(read, -5, P(buf), 1), -EBADF);
	assert_int_equal(SC(fstat, 99, P(buf)), -EBADF);
	assert_int_equal(SC(fsync, 99), -EBADF);
	assert_int_equal(SC(fsync, fd), 0);
	assert_int_equal(SC(fcntl, 99, F_GETFD), -EBADF);
	/* close-on-exec closes what it should */
	fd_close_on_exec();
	assert_int_equal(SC(fcntl, 10, F_GETFD), -EBADF);
	assert_int_equal(SC(fcntl, 6, F_GETFD), 0);
}

static void test_emfile(void **state)
{
	long fd;
	int n = 0;

	(void)state;
	while ((fd = xopen("/etc/hostname", O_RDONLY, 0)) >= 0)
		n++;
	assert_int_equal(fd, -EMFILE);
	assert_int_equal(n, FD_MAX - 3);
	assert_int_equal(SC(dup, 0), -EMFILE);
	int p[2];
	assert_int_equal(SC(pipe, P(p)), -EMFILE);
	assert_int_equal(SC(close, 500), 0);
	assert_int_equal(SC(dup, 0), 500);
}

static void test_pipes(void **state)
{
	int p[2];
	char buf[64];
	struct linux_stat st;

	(void)state;
	assert_int_equal(SC(pipe2, P(p), O_NONBLOCK), 0);
	assert_int_equal(p[0], 3);
	assert_int_equal(p[1], 4);
	assert_int_equal(SC(read, p[0], P(buf), 10), -EAGAIN);
	assert_int_equal(SC(write, p[1], P("hello"), 5), 5);
	assert_int_equal(SC(write, p[0], P("x"), 1), -EBADF);
	assert_int_equal(SC(read, p[0], P(buf), 3), 3);
	assert_int_equal(SC(read, p[0], P(buf + 3), 10), 2);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(SC(lseek, p[0], 0, SEEK_SET), -ESPIPE);
	assert_int_equal(SC(pread64, p[0], P(buf), 1, 0), -ESPIPE);
	assert_int_equal(SC(fstat, p[0], P(&st)), 0);
	assert_int_equal(st.st_mode & S_IFMT, S_IFIFO);
	/* fill it: 64 KiB, then EAGAIN */
	long total = 0, n;
	static char chunk[10000];
	while ((n = SC(write, p[1], P(chunk), sizeof(chunk))) > 0)
		total += n;
	assert_int_equal(n, -EAGAIN);
	assert_int_equal(total, 65536);
	/* EOF once the writer is gone and the data read */
	assert_int_equal(SC(close, p[1]), 0);
	while ((n = SC(read, p[0], P(chunk), sizeof(chunk))) > 0)
		total -= n;
	assert_int_equal(n, 0);
	assert_int_equal(total, 0);
	assert_int_equal(SC(close, p[0]), 0);
	/* EPIPE without readers */
	assert_int_equal(SC(pipe2, P(p), O_CLOEXEC), 0);
	assert_int_equal(SC(fcntl, p[0], F_GETFD), FD_CLOEXEC);
	assert_int_equal(SC(close, p[0]), 0);
	assert_int_equal(SC(write, p[1], P("x"), 1), -EPIPE);
	assert_true(sent(SIGPIPE));
	assert_false(sent(SIGPIPE));
	assert_int_equal(SC(pipe2, P(p), 0x1), -EINVAL);
	assert_int_equal(SC(pipe, 8), -EFAULT);
	/* readlink of /proc/self/fd/N names the pipe */
	assert_true(SC(readlink, P("/proc/self/fd/4"), P(buf), 64) > 8);
	assert_memory_equal(buf, "pipe:[", 6);
}

static void test_bad_pointers(void **state)
{
	char *longpath = malloc(PATH_MAX + 10);
	char buf[16];
	long fd = xopen("/etc/hostname", O_RDONLY, 0);

	(void)state;
	assert_int_equal(SC(openat, AT_FDCWD, 0, O_RDONLY, 0), -EFAULT);
	assert_int_equal(SC(openat, AT_FDCWD, 8, O_RDONLY, 0), -EFAULT);
	assert_int_equal(SC(openat, AT_FDCWD, -4096, O_RDONLY, 0), -EFAULT);
	memset(longpath, 'a', PATH_MAX + 9);
	longpath[PATH_MAX + 9] = '\0';
	assert_int_equal(xopen(longpath, O_RDONLY, 0), -ENAMETOOLONG);
	memset(longpath, 'a', 300);
	longpath[0] = '/';
	longpath[300] = '\0';
	assert_int_equal(xopen(longpath, O_RDONLY, 0), -ENAMETOOLONG);
	assert_int_equal(SC(read, fd, 0, 5), -EFAULT);
	assert_int_equal(SC(read, fd, 0, 0), 0);
	assert_int_equal(SC(read, fd, P(buf), -1), -EFAULT);
	assert_int_equal(SC(write, 1, -4096, 10), -EFAULT);
	assert_int_equal(SC(fstat, fd, 16), -EFAULT);
	assert_int_equal(SC(stat, P("/etc"), 16), -EFAULT);
	assert_int_equal(SC(newfstatat, AT_FDCWD, P("/etc"), P(buf), 0x4000),
			 -EINVAL);
	assert_int_equal(SC(getcwd, 16, 100), -EFAULT);
	assert_int_equal(SC(readlink, P("/lib"), 16, 10), -EFAULT);
	assert_int_equal(SC(readv, fd, 16, 1), -EFAULT);
	assert_int_equal(SC(readv, fd, P(buf), -1), -EINVAL);
	assert_int_equal(SC(readv, fd, P(buf), IOV_MAX + 1), -EINVAL);
	struct linux_iovec iov = { 16, 10 };
	assert_int_equal(SC(writev, 1, P(&iov), 1), -EFAULT);
	assert_int_equal(SC(ioctl, 1, TCGETS, 16), -EFAULT);
	assert_int_equal(SC(utimensat, AT_FDCWD, P("/etc"), 16, 0), -EFAULT);
	assert_int_equal(SC(rename, 0, P("/x")), -EFAULT);
	assert_int_equal(SC(access, P("/etc"), 8), -EINVAL);
	assert_int_equal(SC(statx, AT_FDCWD, P("/etc"), 0, 0x80000000U, P(buf)),
			 -EINVAL);
	free(longpath);
}

static void test_stat_family(void **state)
{
	struct linux_statx sx;
	struct linux_stat st;
	long fd = xopen("/etc", O_RDONLY | O_DIRECTORY, 0);

	(void)state;
	assert_int_equal(SC(stat, P("/lib"), P(&st)), 0);
	assert_int_equal(st.st_mode & S_IFMT, S_IFDIR);
	assert_int_equal(SC(lstat, P("/lib"), P(&st)), 0);
	assert_int_equal(st.st_mode & S_IFMT, S_IFLNK);
	assert_int_equal(SC(newfstatat, fd, P("hostname"), P(&st), 0), 0);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(st.st_blksize, 4096);
	assert_int_equal(SC(newfstatat, fd, P(""), P(&st), AT_EMPTY_PATH), 0);
	assert_int_equal(st.st_mode & S_IFMT, S_IFDIR);
	assert_int_equal(SC(newfstatat, fd, P(""), P(&st), 0), -ENOENT);
	assert_int_equal(
	    SC(statx, AT_FDCWD, P("/etc/big"), 0, STATX_BASIC_STATS, P(&sx)),
	    0);
	assert_int_equal(sx.stx_size, sizeof(big) - 1);
	assert_int_equal(sx.stx_mode, S_IFREG | 0644);
	assert_int_equal(sx.stx_mtime.tv_sec, 1700000000);
	assert_int_equal(sx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
	assert_int_equal(SC(stat, P("/dev/null"), P(&st)), 0);
	assert_int_equal(st.st_rdev, (1 << 8) | 3);
	assert_int_equal(st.st_mode, S_IFCHR | 0666);
	/* chmod, chown, utimensat, access */
	assert_int_equal(SC(chmod, P("/etc/hostname"), 0100), 0);
	assert_int_equal(xstat("/etc/hostname", 0).st_mode, S_IFREG | 0100);
	assert_int_equal(SC(access, P("/etc/hostname"), X_OK), 0);
	assert_int_equal(SC(access, P("/etc/big"), X_OK), -EACCES);
	assert_int_equal(SC(access, P("/etc/big"), R_OK | W_OK), 0);
	assert_int_equal(SC(faccessat2, AT_FDCWD, P("/nope"), F_OK, 0),
			 -ENOENT);
	assert_int_equal(SC(chown, P("/etc/hostname"), 5, -1), 0);
	assert_int_equal(xstat("/etc/hostname", 0).st_uid, 5);
	assert_int_equal(xstat("/etc/hostname", 0).st_gid, 0);
	struct linux_timespec ts[2] = { { 100, 5 }, { 200, UTIME_OMIT } };
	assert_int_equal(SC(utimensat, AT_FDCWD, P("/etc/hostname"), P(ts), 0),
			 0);
	st = xstat("/etc/hostname", 0);
	assert_int_equal(st.st_atime_sec, 100);
	assert_int_equal(st.st_atime_nsec, 5);
	assert_int_equal(st.st_mtime_sec, 1700000000);
	ts[1].tv_nsec = 1000000000;
	assert_int_equal(SC(utimensat, AT_FDCWD, P("/etc/hostname"), P(ts), 0),
			 -EINVAL);
	assert_int_equal(SC(umask, 077), 022);
	assert_int_equal(SC(umask, 022), 077);
	assert_int_equal(SC(truncate, P("/etc/big"), 10), 0);
	assert_int_equal(xstat("/etc/big", 0).st_size, 10);
	assert_int_equal(SC(truncate, P("/etc"), 10), -EISDIR);
	assert_int_equal(SC(truncate, P("/dev/null"), 10), -EINVAL);
}

static void test_devices(void **state)
{
	char buf[64];
	struct linux_termios t;
	struct linux_winsize ws;
	long fd;

	(void)state;
	fd = xopen("/dev/null", O_RDWR, 0);
	assert_int_equal(SC(read, fd, P(buf), 64), 0);
	assert_int_equal(SC(write, fd, P(buf), 64), 64);
	fd = xopen("/dev/zero", O_RDONLY, 0);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(SC(read, fd, P(buf), 64), 64);
	assert_int_equal(buf[0] | buf[63], 0);
	fd = xopen("/dev/full", O_WRONLY, 0);
	assert_int_equal(SC(write, fd, P(buf), 1), -ENOSPC);
	fd = xopen("/dev/urandom", O_RDONLY, 0);
	assert_int_equal(SC(read, fd, P(buf), 64), 64);
	/* The console is a terminal (fs/pty.c): ONLCR makes "\r\n". */
	hosted_console_clear();
	assert_int_equal(SC(write, 1, P("to the console\n"), 15), 15);
	assert_string_equal(hosted_console_text(), "to the console\r\n");
	struct linux_iovec iov[2] = { { P("ab"), 2 }, { P("cd\n"), 3 } };
	assert_int_equal(SC(writev, 2, P(iov), 2), 5);
	assert_string_equal(hosted_console_text(),
			    "to the console\r\nabcd\r\n");
	/* Console input (fs/console.c), as if typed: a line at a time,
	 * echoed. */
	hosted_console_clear();
	hosted_console_input("hi\n\xff", 4);
	assert_int_equal(SC(read, 0, P(buf), 10), 3);
	assert_memory_equal(buf, "hi\n", 3);
	assert_string_equal(hosted_console_text(), "hi\r\n\xff");
	fd = xopen("/dev/console", O_RDONLY | O_NONBLOCK, 0);
	assert_int_equal(SC(read, fd, P(buf), 10), -EAGAIN); /* half a line */
	struct kpollfd pf = { (int)fd, EPOLLIN, 0 };
	assert_int_equal(vfs_poll_fds(&pf, 1, 0), 0);
	hosted_console_input("x\n", 2);
	assert_int_equal(vfs_poll_fds(&pf, 1, 0), 1);
	assert_int_equal(pf.revents, EPOLLIN);
	/* As Linux's n_tty: a line read into a bad buffer is gone. */
	assert_int_equal(SC(read, fd, 8, 10), -EFAULT);
	assert_int_equal(SC(read, fd, P(buf), 10), -EAGAIN);
	hosted_console_input("y\n", 2);
	assert_int_equal(SC(read, fd, P(buf), 10), 2);
	assert_memory_equal(buf, "y\n", 2);
	assert_int_equal(SC(ioctl, 0, TCGETS, P(&t)), 0);
	assert_true(t.c_lflag & 02); /* ICANON */
	assert_int_equal(SC(ioctl, 1, TIOCGWINSZ, P(&ws)), 0);
	assert_int_equal(ws.ws_row, 24);
	assert_int_equal(ws.ws_col, 80);
	assert_int_equal(SC(lseek, 1, 0, SEEK_CUR), -ESPIPE);
	fd = xopen("/etc/hostname", O_RDONLY, 0);
	assert_int_equal(SC(ioctl, fd, TCGETS, P(&t)), -ENOTTY);
	assert_int_equal(SC(ioctl, 99, TCGETS, P(&t)), -EBADF);
	fd = xopen("/dev/tty", O_RDWR, 0);
	assert_int_equal(SC(ioctl, fd, TIOCGWINSZ, P(&ws)), 0);
}

/*
 * The console as a terminal (fs/pty.c's console pair, fs/tty.c's line
 * discipline): editing and echo, EOF, raw mode, ISIG, output processing,
 * the controlling terminal, and input taken while nobody reads.
 */
static void test_console_tty(void **state)
{
	struct linux_termios t, saved;
	char buf[64];
	int v = 0;
	long fd;

	(void)state;
	hosted_console_clear();
	hosted_console_input("ab\x7f"
			     "c\n",
			     5); /* erase the b */
	assert_int_equal(SC(read, 0, P(buf), 64), 3);
	assert_memory_equal(buf, "ac\n", 3);
	assert_string_equal(hosted_console_text(), "ab\b \bc\r\n");
	/* ^D: the end of a line without its newline; alone, EOF. */
	hosted_console_input("xy\x04\x04", 4);
	assert_int_equal(SC(read, 0, P(buf), 64), 2);
	assert_memory_equal(buf, "xy", 2);
	assert_int_equal(SC(read, 0, P(buf), 64), 0);
	/* ^U kills the line; FIONREAD counts complete lines only. */
	hosted_console_input("gone\x15ok\nmore", 12);
	assert_int_equal(SC(ioctl, 0, FIONREAD, P(&v)), 0);
	assert_int_equal(v, 3);
	assert_int_equal(SC(read, 0, P(buf), 64), 3);
	assert_memory_equal(buf, "ok\n", 3);
	/* The termios: Linux's for ttyS0 as a console at 115200. */
	assert_int_equal(SC(ioctl, 0, TCGETS, P(&t)), 0);
	assert_int_equal(t.c_cflag, 0010002 | 060 | 0200 | 02000 | 04000);
	assert_int_equal(t.c_iflag, 0400 | 02000); /* ICRNL IXON */
	assert_int_equal(t.c_oflag, 05); /* OPOST ONLCR */
	assert_int_equal(t.c_lflag, 0105073); /* ISIG ICANON ECHO... */
	/* Raw mode: bytes come at once, without echo; CR stays CR. */
	saved = t;
	t.c_lflag &= ~(02u | 010u); /* ICANON ECHO */
	t.c_iflag &= ~0400u; /* ICRNL */
	assert_int_equal(SC(ioctl, 0, TCSETSF, P(&t)), 0); /* drops "more" */
	hosted_console_clear();
	hosted_console_input("q\r", 2);
	assert_int_equal(SC(read, 0, P(buf), 64), 2);
	assert_memory_equal(buf, "q\r", 2);
	assert_string_equal(hosted_console_text(), "");
	assert_int_equal(SC(ioctl, 0, TCSETS, P(&saved)), 0);
	/* Output without OPOST: "\n" alone. */
	t = saved;
	t.c_oflag = 0;
	assert_int_equal(SC(ioctl, 1, TCSETS, P(&t)), 0);
	assert_int_equal(SC(write, 1, P("raw\n"), 4), 4);
	assert_string_equal(hosted_console_text(), "raw\n");
	assert_int_equal(SC(ioctl, 1, TCSETS, P(&saved)), 0);
	/* Typed while nobody reads: the timer takes it, echoes it, and
	 * ^C signals the process (the console is its terminal). */
	hosted_console_clear();
	block_signals();
	hosted_console_input("zz", 2);
	hosted_clock_advance(20 * 1000000);
	assert_string_equal(hosted_console_text(), "zz");
	hosted_console_input("\x03", 1);
	hosted_clock_advance(20 * 1000000);
	assert_string_equal(hosted_console_text(), "zz^C");
	assert_true(sent(SIGINT));
	assert_int_equal(SC(ioctl, 0, FIONREAD, P(&v)), 0);
	assert_int_equal(v, 0); /* ^C flushed the line */
	/* The controlling terminal: TIOCGSID and TIOCGPGRP give the pid;
	 * given up, /dev/tty is ENXIO; TIOCSCTTY takes it back. */
	assert_int_equal(SC(ioctl, 0, 0x5429 /* TIOCGSID */, P(&v)), 0);
	assert_int_equal(v, 1);
	assert_int_equal(SC(ioctl, 0, TIOCGPGRP, P(&v)), 0);
	assert_int_equal(v, 1);
	assert_int_equal(SC(ioctl, 0, 0x80045432 /* TIOCGDEV */, P(&v)), 0);
	assert_int_equal(v, (5 << 8) | 1);
	fd = xopen("/dev/tty", O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(SC(ioctl, fd, 0x5422 /* TIOCNOTTY */, 0), 0);
	assert_true(sent(SIGHUP));
	assert_int_equal(xopen("/dev/tty", O_RDWR, 0), -ENXIO);
	assert_int_equal(SC(ioctl, 0, TIOCGPGRP, P(&v)), -ENOTTY);
	hosted_console_input("\x03", 1);
	assert_int_equal(SC(ioctl, 0, FIONREAD, P(&v)), 0);
	assert_false(sent(SIGINT)); /* nobody's terminal */
	assert_int_equal(SC(ioctl, 0, 0x540e /* TIOCSCTTY */, 0), 0);
	assert_true(xopen("/dev/tty", O_RDWR, 0) >= 0);
	/* ^S holds output: a nonblocking write waits for ^Q (EAGAIN). */
	hosted_console_clear();
	hosted_console_input("\x13", 1);
	assert_int_equal(SC(ioctl, 0, FIONREAD, P(&v)), 0);
	assert_int_equal(SC(fcntl, fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(SC(write, fd, P("held"), 4), -EAGAIN);
	hosted_console_input("\x11", 1);
	hosted_clock_advance(20 * 1000000); /* the timer takes the ^Q */
	assert_int_equal(SC(write, fd, P("held"), 4), 4);
	assert_string_equal(hosted_console_text(), "held");
}

/* keel.stdin=stream: fd 0 reads the escaped stream up to its end marker. */
static void test_stdin_stream(void **state)
{
	struct linux_termios t;
	struct linux_stat st;
	char buf[16];

	(void)state;
	teardown(NULL);
	cmdline_init("keel.stdin=stream");
	setup(NULL);
	hosted_console_input("ab\xff\xff", 4);
	assert_int_equal(SC(read, 0, P(buf), 16), 3);
	assert_memory_equal(buf, "ab\xff", 3);
	hosted_console_input("c\xffqd\xff", 5); /* 0xff q: reserved, dropped */
	hosted_console_input("E", 1);
	hosted_console_input("zz", 2); /* after the end: never read */
	assert_int_equal(SC(read, 0, P(buf), 16), 2);
	assert_memory_equal(buf, "cd", 2);
	assert_int_equal(SC(read, 0, P(buf), 16), 0);
	assert_int_equal(SC(read, 0, P(buf), 16), 0);
	assert_int_equal(SC(fstat, 0, P(&st)), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(SC(ioctl, 0, TCGETS, P(&t)), -ENOTTY);
	assert_int_equal(SC(write, 0, P("x"), 1), -EBADF);
	assert_int_equal(SC(ioctl, 1, TCGETS, P(&t)), 0); /* output: console */
	cmdline_init("");
	hyper_console_read(buf, sizeof(buf)); /* drop "zz" */
}

/* Pseudo-terminals: a pair, data both ways, and nothing left after. */
static void test_pty(void **state)
{
	struct heap_stats before, after;
	char name[32], buf[64];
	unsigned n = 99;
	int zero = 0;
	long m, s, peer;

	(void)state;
	heap_stats(&before);
	m = xopen("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK, 0);
	assert_true(m >= 0);
	assert_int_equal(SC(ioctl, m, 0x80045430 /* TIOCGPTN */, P(&n)), 0);
	assert_int_equal(n, 0);
	snprintf(name, sizeof(name), "/dev/pts/%u", n);
	assert_int_equal(xopen(name, O_RDWR | O_NOCTTY, 0), -EIO); /* locked */
	assert_int_equal(SC(ioctl, m, 0x40045431 /* TIOCSPTLCK */, P(&zero)),
			 0);
	s = xopen(name, O_RDWR | O_NOCTTY | O_NONBLOCK, 0);
	assert_true(s >= 0);
	assert_int_equal(SC(read, s, P(buf), 64), -EAGAIN);
	assert_int_equal(SC(write, m, P("hi\n"), 3), 3);
	assert_int_equal(SC(read, s, P(buf), 64), 3);
	assert_memory_equal(buf, "hi\n", 3);
	assert_int_equal(SC(read, m, P(buf), 64), 4); /* the echo */
	assert_memory_equal(buf, "hi\r\n", 4);
	assert_int_equal(SC(write, s, P("x\n"), 2), 2);
	assert_int_equal(SC(read, m, P(buf), 64), 3);
	assert_memory_equal(buf, "x\r\n", 3);
	read_all("/proc/sys/kernel/pty/nr", buf, sizeof(buf));
	assert_string_equal(buf, "1\n");
	peer = SC(ioctl, m, 0x5441 /* TIOCGPTPEER */, O_RDWR | O_NOCTTY);
	assert_true(peer > s);
	assert_int_equal(SC(close, peer), 0);
	assert_int_equal(SC(close, s), 0);
	assert_int_equal(SC(read, m, P(buf), 64), -EIO);
	assert_int_equal(SC(close, m), 0);
	read_all("/proc/sys/kernel/pty/nr", buf, sizeof(buf));
	assert_string_equal(buf, "0\n");
	heap_stats(&after);
	assert_int_equal(after.live_objects, before.live_objects);
	assert_int_equal(after.live_bytes, before.live_bytes);
}

static void test_proc_sys(void **state)
{
	char buf[512];
	long fd;

	(void)state;
	assert_int_equal(SC(readlink, P("/proc/self/exe"), P(buf), 64), 9);
	assert_memory_equal(buf, "/bin/prog", 9);
	assert_int_equal(SC(readlink, P("/proc/self"), P(buf), 64), 1);
	fd = xopen("/etc/hostname", O_RDONLY, 0);
	assert_int_equal(fd, 3);
	assert_int_equal(SC(readlink, P("/proc/self/fd/3"), P(buf), 64), 13);
	assert_memory_equal(buf, "/etc/hostname", 13);
	assert_int_equal(SC(readlink, P("/proc/self/fd/0"), P(buf), 64), 12);
	assert_memory_equal(buf, "/dev/console", 12);
	assert_int_equal(SC(readlink, P("/proc/self/fd/9"), P(buf), 64),
			 -ENOENT);
	/* magic links open the file itself */
	read_all("/proc/self/fd/3", buf, sizeof(buf));
	assert_string_equal(buf, "keel\n");
	read_all("/dev/fd/3", buf, sizeof(buf));
	assert_string_equal(buf, "keel\n");
	read_all("/proc/meminfo", buf, sizeof(buf));
	assert_non_null(strstr(buf, "MemTotal:"));
	assert_non_null(strstr(buf, " kB\n"));
	assert_non_null(strstr(buf, "\nSlab:"));
	assert_non_null(strstr(buf, "\nKernelStack:"));
	assert_non_null(strstr(buf, "\nPageTables:"));
	read_all("/proc/cpuinfo", buf, sizeof(buf));
	assert_non_null(strstr(buf, "processor\t: 0\n"));
	read_all("/proc/self/maps", buf, sizeof(buf));
	assert_non_null(strstr(buf, "/bin/prog"));
	read_all("/sys/devices/system/cpu/online", buf, sizeof(buf));
	assert_string_equal(buf, "0\n");
	assert_int_equal(xopen("/proc/meminfo", O_WRONLY, 0), -EACCES);
	assert_int_equal(xopen("/proc/nope", O_RDONLY, 0), -ENOENT);
	assert_int_equal(SC(mkdir, P("/proc/x"), 0755), -EPERM);
	assert_int_equal(SC(chdir, P("/proc/self/fd")), 0);
	assert_int_equal(SC(getcwd, P(buf), sizeof(buf)), 11);
	assert_string_equal(buf, "/proc/1/fd");
	read_all("../../../etc/hostname", buf, sizeof(buf));
	assert_string_equal(buf, "keel\n");
	assert_int_equal(SC(readlink, P("/proc/self/cwd"), P(buf), 64), 10);
}

/* The events in buf[0..n): "wd:mask[:name]" each, space-separated. */
static const char *events(const char *buf, long n)
{
	static char out[1024];
	size_t used = 0;

	out[0] = '\0';
	for (long off = 0; off < n;) {
		const struct {
			int32_t wd;
			uint32_t mask, cookie, len;
			char name[];
		} *e = (const void *)(buf + off);

		used += (size_t)snprintf(out + used, sizeof(out) - used,
					 "%s%d:%x%s%s", used ? " " : "", e->wd,
					 e->mask, e->len ? ":" : "",
					 e->len ? e->name : "");
		off += 16 + (long)e->len;
	}
	return out;
}

static void test_inotify(void **state)
{
	struct heap_stats before, after;
	char buf[1024];
	long in, in2, n;

	(void)state;
	heap_stats(&before);
	in = SC(inotify_init1, O_NONBLOCK);
	in2 = SC(inotify_init1, 0);
	assert_true(in >= 0 && in2 >= 0);
	assert_int_equal(SC(inotify_add_watch, in, P("/tmp"), IN_ALL_EVENTS),
			 1);
	write_file("/tmp/f", "x");
	assert_int_equal(SC(inotify_add_watch, in, P("/tmp/f"), IN_ALL_EVENTS),
			 2);
	assert_int_equal(SC(inotify_add_watch, in2, P("/tmp/f"), IN_ATTRIB), 1);
	assert_int_equal(SC(mkdir, P("/tmp/d"), 0755), 0);
	assert_int_equal(SC(inotify_add_watch, in, P("/tmp/d"), IN_ALL_EVENTS),
			 3);
	n = SC(read, in, P(buf), sizeof(buf));
	assert_string_equal(events(buf, n), "1:100:f 1:20:f 1:2:f 1:8:f "
					    "1:40000100:d");
	/* The file and the directory go while watched: their watches too. */
	assert_int_equal(SC(unlink, P("/tmp/f")), 0);
	assert_int_equal(SC(rmdir, P("/tmp/d")), 0);
	n = SC(read, in, P(buf), sizeof(buf));
	assert_string_equal(events(buf, n),
			    "2:4 2:400 2:8000 1:200:f 3:400 3:8000 "
			    "1:40000200:d");
	assert_int_equal(SC(inotify_rm_watch, in, 2), -EINVAL);
	/* Events left queued, a watch left on /tmp: closing frees them. */
	write_file("/tmp/g", "y");
	assert_int_equal(SC(unlink, P("/tmp/g")), 0);
	assert_int_equal(SC(close, in), 0);
	n = SC(read, in2, P(buf), sizeof(buf));
	assert_string_equal(events(buf, n), "1:4 1:8000");
	assert_int_equal(SC(close, in2), 0);
	heap_stats(&after);
	assert_int_equal(after.live_bytes, before.live_bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_initrd_tree, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_write_seek_cow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_flags, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot_cwd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_rmdir_unlink, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getdents64, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fds_dup_cloexec, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_emfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_pointers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stat_family, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console_tty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stdin_stream, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_sys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inotify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

/*
 * test_vfs_paths.c - names and paths in fs/ through the file system calls
 * (over vfs_fixture.c): the initrd's tree as unpacked, reads, writes and
 * seeks with copy-on-write of its pages, open's flags, symlinks, "..",
 * the cwd and chdir, mkdir, rmdir, unlink, rename, getdents64 and the stat
 * family; success and error paths (ENOENT, EEXIST, ENOTDIR, EISDIR,
 * ENOTEMPTY, ELOOP, EBADF ...).
 */
#include "vfs_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_initrd_tree), T(test_read_write_seek_cow),
		T(test_open_flags),  T(test_symlinks),
		T(test_dotdot_cwd),  T(test_mkdir_rmdir_unlink),
		T(test_rename),	     T(test_getdents64),
		T(test_stat_family),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

/*
 * test_mount.c - superblocks and the mount table (fs/mount.c, fs/tmpfs.c)
 * through the syscall handlers (linux/sys_mount.c, sys_path.c,
 * sys_file.c) on plat/hosted: the mounts at boot and their text in
 * /proc/self/mounts and mountinfo, lookup across mounts (down, "..", up,
 * stacked, bound), statfs per file system, mount(2) and umount2(2) with
 * their errors, read-only mounts, tmpfs's limits, and a tmpfs's memory
 * given back when it is unmounted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mount.h>
#include <keel/pmm.h>
#include <keel/process.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include "unit.h"

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "../../linux/syscalls.h"
#undef SYSCALL
#include "fs_fixture.h"

#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

/* ------------------------------------------------------- the process --- */

/*
 * kernel/process.c's process, root with every capability (kernel/cred.c);
 * a test drops CAP_SYS_ADMIN from the effective set for EPERM.
 */
#define proc (*current_process())

static void set_admin(bool on)
{
	struct cred *c = cred_current();

	if (on)
		c->cap_eff |= 1ULL << CAP_SYS_ADMIN;
	else
		c->cap_eff &= ~(1ULL << CAP_SYS_ADMIN);
}

/* What /proc/self/maps shows (kernel/vm_maps.c is not linked here). */
#include "vm_stubs.h"

/* Linux's struct statfs on x86-64 (linux/sys_mount.c lays it out). */
struct lstatfs {
	int64_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	int64_t namelen, frsize, flags, spare[4];
};

/* ----------------------------------------------------------- helpers --- */

static int setup(void **state)
{
	(void)state;
	set_admin(true);
	assert_int_equal(vfs_init(NULL, 0), 0);
	fixture_process_start();
	assert_int_equal(SC(mkdir, P("/mnt"), 0755), 0);
	assert_int_equal(SC(mkdir, P("/mnt2"), 0755), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_process_end();
	return 0;
}

static long mnt(const char *src, const char *dst, const char *type,
		unsigned long flags, const char *data)
{
	return SC(mount, P(src), P(dst), P(type), (long)flags, P(data));
}

static long open_path(const char *path, long flags)
{
	return SC(openat, AT_FDCWD, P(path), flags, 0644);
}

static void read_text(const char *path, char *buf, size_t cap)
{
	long fd = open_path(path, O_RDONLY), n;

	assert_true(fd >= 0);
	n = SC(read, fd, P(buf), (long)cap - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	SC(close, fd);
}

static void stat_of(const char *path, struct kstat *st)
{
	assert_int_equal(vfs_statat(AT_FDCWD, path, 0, st), 0);
}

static struct lstatfs statfs_of(const char *path)
{
	struct lstatfs s;

	memset(&s, 0xee, sizeof(s));
	assert_int_equal(SC(statfs, P(path), P(&s)), 0);
	return s;
}

static bool same(const char *a, const char *b)
{
	struct kstat x, y;

	stat_of(a, &x);
	stat_of(b, &y);
	return x.dev == y.dev && x.ino == y.ino;
}

static size_t free_pages(void)
{
	struct pmm_stats st;

	pmm_stats(&st);
	return st.free_pages;
}

/* ------------------------------------------------------------- tests --- */

static void test_boot_mounts(void **state)
{
	char buf[1024], want[1024];
	struct kstat a, b;
	struct pmm_stats ps;
	struct lstatfs s;
	unsigned long half, root_inodes;

	(void)state;
	pmm_stats(&ps);
	half = ps.total_pages / 2;
	/* The root's inodes: half of RAM's pages on top of the boot's. */
	s = statfs_of("/");
	assert_int_equal(s.type, TMPFS_MAGIC);
	assert_int_equal(s.blocks, half);
	root_inodes = s.files;
	assert_true(root_inodes >= half && root_inodes < half + 64);
	read_text("/proc/self/mounts", buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "none / tmpfs rw,relatime,size=%luk,nr_inodes=%lu,mode=755 0 "
		 "0\n"
		 "devtmpfs /dev devtmpfs rw,relatime,mode=755 0 0\n"
		 "devpts /dev/pts devpts rw,relatime,mode=600,ptmxmode=000 0 "
		 "0\n"
		 "proc /proc proc rw,relatime 0 0\n"
		 "sysfs /sys sysfs rw,relatime 0 0\n"
		 "tmpfs /tmp tmpfs rw,nosuid,nodev,relatime,size=%luk,"
		 "nr_inodes=%lu 0 0\n",
		 half * 4, root_inodes, half * 4, half);
	assert_string_equal(buf, want);
	s = statfs_of("/tmp");
	assert_int_equal(s.type, TMPFS_MAGIC);
	assert_int_equal(s.blocks, half);
	assert_int_equal(s.bfree, half);
	assert_int_equal(s.files, half);
	assert_int_equal(s.ffree, half - 1);
	assert_int_equal(s.flags & 0x6, 0x6); /* ST_NOSUID | ST_NODEV */
	read_text("/proc/mounts", buf, sizeof(buf)); /* -> self/mounts */
	assert_non_null(strstr(buf, "proc /proc proc"));
	read_text("/proc/self/mountinfo", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 1 0:1 / / rw,relatime - tmpfs none rw,"));
	assert_non_null(strstr(buf, " / /dev/pts rw,relatime - devpts devpts "
				    "rw,mode=600,ptmxmode=000\n"));
	stat_of("/", &a);
	stat_of("/proc", &b);
	assert_int_equal(a.dev, 1);
	assert_int_equal(b.dev, 3);
	stat_of("/dev", &a);
	stat_of("/dev/null", &b);
	assert_int_equal(a.dev, 5);
	assert_int_equal(b.dev, 5);
	stat_of("/dev/pts", &a);
	assert_int_equal(a.dev, 22);
	assert_true(same("/proc/..", "/"));
	assert_true(same("/dev/pts/../..", "/"));
	assert_int_equal(statfs_of("/proc/self").type, PROC_SUPER_MAGIC);
	assert_int_equal(statfs_of("/dev/null").type, TMPFS_MAGIC);
	assert_int_equal(statfs_of("/dev/pts").type, DEVPTS_SUPER_MAGIC);
	assert_int_equal(statfs_of("/sys").type, SYSFS_MAGIC);
	assert_int_equal(statfs_of("/proc").fsid[0], 3);
	/* The mount points of boot stay. */
	assert_int_equal(SC(rmdir, P("/proc")), -EBUSY);
	assert_int_equal(SC(rename, P("/dev"), P("/dev2")), -EBUSY);
}

static void test_tmpfs(void **state)
{
	char buf[1024], cwd[64];
	struct lstatfs s;
	struct kstat a, b;
	long fd;

	(void)state;
	assert_int_equal(mnt("none", "/mnt", "tmpfs", 0, "size=64k,mode=700"),
			 0);
	stat_of("/mnt", &a);
	stat_of("/", &b);
	assert_int_not_equal(a.dev, b.dev);
	assert_int_equal(a.mode, S_IFDIR | 0700);
	s = statfs_of("/mnt");
	assert_int_equal(s.type, TMPFS_MAGIC);
	assert_int_equal(s.blocks, 16);
	assert_int_equal(s.bfree, 16);
	assert_int_equal(s.flags & 0x1020, 0x1020); /* ST_VALID|ST_RELATIME */
	fd = open_path("/mnt/f", O_CREAT | O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(SC(write, fd, P("hello"), 5), 5);
	assert_int_equal(statfs_of("/mnt").bfree, 15);
	stat_of("/mnt/f", &b);
	assert_int_equal(a.dev, b.dev);
	assert_true(same("/mnt/..", "/"));
	assert_true(same("/mnt/../mnt/f", "/mnt/f"));
	assert_int_equal(SC(chdir, P("/mnt")), 0);
	assert_int_equal(SC(getcwd, P(cwd), sizeof(cwd)), 5);
	assert_string_equal(cwd, "/mnt");
	assert_true(same("..", "/"));
	assert_int_equal(SC(umount2, P("/mnt"), 0), -EBUSY); /* cwd, file */
	assert_int_equal(SC(chdir, P("/")), 0);
	assert_int_equal(SC(umount2, P("/mnt"), 0), -EBUSY); /* the file */
	assert_int_equal(SC(link, P("/mnt/f"), P("/f2")), -EXDEV);
	assert_int_equal(SC(rename, P("/mnt/f"), P("/f2")), -EXDEV);
	assert_int_equal(SC(rmdir, P("/mnt")), -EBUSY);
	read_text("/proc/self/mounts", buf, sizeof(buf));
	assert_non_null(
	    strstr(buf, "none /mnt tmpfs rw,relatime,size=64k,mode=700 0 0\n"));
	read_text("/proc/self/mountinfo", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 1 0:"));
	assert_non_null(strstr(buf, " / /mnt rw,relatime - tmpfs none "
				    "rw,size=64k,mode=700\n"));
	SC(close, fd);
	assert_int_equal(SC(chdir, P("/mnt")), 0);
	assert_int_equal(SC(umount2, P("/mnt"), 0), -EBUSY); /* the cwd */
	assert_int_equal(SC(chdir, P("/")), 0);
	assert_int_equal(SC(umount2, P("/mnt"), 0), 0);
	stat_of("/mnt", &a);
	assert_int_equal(a.dev, 1);
	assert_int_equal(open_path("/mnt/f", O_RDONLY), -ENOENT);
	read_text("/proc/self/mounts", buf, sizeof(buf));
	assert_null(strstr(buf, "/mnt"));
}

static void test_tmpfs_limits(void **state)
{
	char page[4096] = { 0 };
	long fd;

	(void)state;
	assert_int_equal(mnt(NULL, "/mnt", "tmpfs", 0, "size=8k,nr_inodes=3"),
			 0);
	fd = open_path("/mnt/a", O_CREAT | O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(SC(write, fd, P(page), sizeof(page)), 4096);
	assert_int_equal(SC(write, fd, P(page), sizeof(page)), 4096);
	assert_int_equal(SC(write, fd, P(page), 1), -ENOSPC);
	SC(close, fd);
	assert_int_equal(SC(mkdir, P("/mnt/d"), 0755), 0);
	assert_int_equal(SC(mkdir, P("/mnt/e"), 0755), -ENOSPC);
	assert_int_equal(statfs_of("/mnt").ffree, 0);
	/* Less than is in use: EINVAL; more: the limit grows. */
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_REMOUNT, "size=4k"),
			 -EINVAL);
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_REMOUNT, "nr_inodes=10"),
			 0);
	assert_int_equal(SC(mkdir, P("/mnt/e"), 0755), 0);
	assert_int_equal(mnt(NULL, "/mnt2", "tmpfs", 0, "size=1x"), -EINVAL);
	assert_int_equal(mnt(NULL, "/mnt2", "tmpfs", 0, "mode=9"), -EINVAL);
	assert_int_equal(mnt(NULL, "/mnt2", "tmpfs", 0, "bogus"), -EINVAL);
	assert_int_equal(mnt(NULL, "/mnt2", "ramfs", 0, "bogus"), 0);
	assert_int_equal(statfs_of("/mnt2").type, RAMFS_MAGIC);
}

/*
 * A file backed by the initrd (fs/rootfs.c unpacks them so) is not in its
 * tmpfs's size until written: copying its pages, as a write or a shared
 * mapping does, charges nothing and gives nothing back when freed, so the
 * instance's free blocks come back to where they were once the file goes.
 * (A program packed under /tmp faults its own text in while it runs.)
 */
static void test_initrd_pages(void **state)
{
	static char data[3 * 4096 + 100];
	char page[4096] = { 2 };
	struct inode *ino;
	uint64_t bfree;
	long fd;

	(void)state;
	memset(data, 'i', sizeof(data));
	assert_int_equal(mnt(NULL, "/mnt", "tmpfs", 0, "size=64k"), 0);
	fd = open_path("/mnt/f", O_CREAT | O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(vfs_lookup_at(AT_FDCWD, "/mnt/f", 0, &ino), 0);
	bfree = statfs_of("/mnt").bfree;
	assert_int_equal(ramfs_set_initrd_data(ino, data, sizeof(data)), 0);
	inode_put(ino);
	assert_int_equal(statfs_of("/mnt").bfree, bfree);
	/* Written over: copied, not charged; past the initrd's: charged. */
	assert_int_equal(SC(pwrite64, fd, P(page), 10, 0), 10);
	assert_int_equal(SC(pwrite64, fd, P(page), 10, 3 * 4096 + 50), 10);
	assert_int_equal(statfs_of("/mnt").bfree, bfree);
	assert_int_equal(SC(pwrite64, fd, P(page), 10, 5 * 4096), 10);
	assert_int_equal(statfs_of("/mnt").bfree, bfree - 1);
	assert_int_equal(SC(pread64, fd, P(page), 4, 4096), 4);
	assert_memory_equal(page, "iiii", 4);
	/* Cut to one page: what was the initrd's past it is charged after. */
	assert_int_equal(SC(ftruncate, fd, 4096), 0);
	assert_int_equal(statfs_of("/mnt").bfree, bfree);
	assert_int_equal(SC(pwrite64, fd, P(page), 10, 2 * 4096), 10);
	assert_int_equal(statfs_of("/mnt").bfree, bfree - 1);
	assert_int_equal(SC(pread64, fd, P(page), 4, 4096), 4);
	assert_memory_equal(page, "\0\0\0\0", 4);
	SC(close, fd);
	assert_int_equal(SC(unlink, P("/mnt/f")), 0);
	assert_int_equal(statfs_of("/mnt").bfree, bfree);
}

/* An unmounted tmpfs gives its pages back, even a detached busy one once
 * its last file closes. */
static void test_memory_back(void **state)
{
	char page[4096] = { 1 };
	size_t before;
	long fd;

	(void)state;
	heap_trim();
	before = free_pages();
	assert_int_equal(mnt(NULL, "/mnt", "tmpfs", 0, NULL), 0);
	assert_int_equal(SC(mkdir, P("/mnt/d"), 0755), 0);
	assert_int_equal(SC(mkdir, P("/mnt/d/e"), 0755), 0);
	fd = open_path("/mnt/d/e/f", O_CREAT | O_WRONLY);
	for (int i = 0; i < 16; i++)
		assert_int_equal(SC(write, fd, P(page), sizeof(page)), 4096);
	SC(close, fd);
	assert_true(free_pages() + 16 <= before);
	assert_int_equal(SC(umount2, P("/mnt"), 0), 0);
	heap_trim();
	assert_int_equal(free_pages(), before);

	assert_int_equal(mnt(NULL, "/mnt", "tmpfs", 0, NULL), 0);
	fd = open_path("/mnt/f", O_CREAT | O_RDWR);
	assert_int_equal(SC(write, fd, P(page), sizeof(page)), 4096);
	assert_int_equal(SC(umount2, P("/mnt"), MNT_DETACH), 0);
	assert_int_equal(SC(pread64, fd, P(page), 1, 0), 1); /* still there */
	assert_int_equal(page[0], 1);
	assert_true(free_pages() < before);
	SC(close, fd);
	heap_trim();
	assert_int_equal(free_pages(), before);
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(mnt("x", "/mnt", "nosuchfs", 0, NULL), -ENODEV);
	assert_int_equal(mnt("x", "/mnt", NULL, 0, NULL), -EINVAL);
	assert_int_equal(mnt("x", "/nonexistent", "tmpfs", 0, NULL), -ENOENT);
	assert_int_equal(mnt("x", "/proc/self/status", "tmpfs", 0, NULL),
			 -ENOTDIR);
	assert_int_equal(mnt("x", "/proc/self/status/x", "tmpfs", 0, NULL),
			 -ENOTDIR);
	assert_int_equal(mnt("x", "/", "tmpfs", 0, NULL), -EBUSY);
	assert_int_equal(mnt("x", "/sys", "sysfs", 0, NULL), -EBUSY);
	assert_int_equal(SC(mount, P("x"), 1, P("tmpfs"), 0, 0),
			 -EFAULT); /* target */
	assert_int_equal(SC(mount, P("x"), P("/mnt"), 1, 0, 0), -EFAULT);
	assert_int_equal(SC(mount, 1, P("/mnt"), P("tmpfs"), 0, 0), -EFAULT);
	assert_int_equal(SC(mount, 0, P("/mnt"), P("tmpfs"), 0, 1), -EFAULT);
	assert_int_equal(SC(umount2, P("/mnt"), 0), -EINVAL); /* no mount */
	assert_int_equal(SC(umount2, P("/mnt"), 0x10), -EINVAL);
	assert_int_equal(SC(umount2, P("/nonexistent"), 0), -ENOENT);
	assert_int_equal(SC(umount2, 1, 0), -EFAULT);
	assert_int_equal(SC(umount2, P("/"), 0), -EBUSY);
	assert_int_equal(SC(umount2, P("/"), MNT_DETACH), -EBUSY);
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_MOVE, NULL), -EINVAL);
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_SHARED, NULL), -EINVAL);
	assert_int_equal(mnt(NULL, "/proc", NULL, MS_PRIVATE, NULL), 0);
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_PRIVATE, NULL), -EINVAL);
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_REMOUNT, NULL), -EINVAL);
	/* The magic of old: accepted and ignored. */
	assert_int_equal(mnt("x", "/mnt", "tmpfs", 0xc0ed0000, NULL), 0);
	/* MNT_EXPIRE: EAGAIN first, then the unmount. */
	assert_int_equal(SC(umount2, P("/mnt"), MNT_EXPIRE | MNT_DETACH),
			 -EINVAL);
	assert_int_equal(SC(umount2, P("/mnt"), MNT_EXPIRE), -EAGAIN);
	assert_int_equal(SC(umount2, P("/mnt"), MNT_EXPIRE), 0);
	/* Without CAP_SYS_ADMIN: EPERM, after the target's lookup. */
	set_admin(false);
	assert_int_equal(mnt("x", "/mnt", "tmpfs", 0, NULL), -EPERM);
	assert_int_equal(mnt("x", "/nonexistent", "tmpfs", 0, NULL), -ENOENT);
	assert_int_equal(SC(umount2, P("/proc"), 0), -EPERM);
	set_admin(true);
}

static void test_readonly(void **state)
{
	struct kstat st;
	long fd;

	(void)state;
	assert_int_equal(mnt(NULL, "/mnt", "tmpfs", MS_RDONLY, NULL), 0);
	assert_int_equal(open_path("/mnt/f", O_CREAT | O_WRONLY), -EROFS);
	assert_int_equal(SC(mkdir, P("/mnt/d"), 0755), -EROFS);
	assert_int_equal(SC(symlink, P("x"), P("/mnt/l")), -EROFS);
	assert_int_equal(statfs_of("/mnt").flags & 1, 1); /* ST_RDONLY */
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_REMOUNT, NULL), 0);
	fd = open_path("/mnt/f", O_CREAT | O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(SC(mkdir, P("/mnt/d"), 0755), 0);
	/* A file open for writing keeps the fs writable. */
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_REMOUNT | MS_RDONLY, NULL),
			 -EBUSY);
	SC(close, fd);
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_REMOUNT | MS_RDONLY, NULL),
			 0);
	assert_int_equal(open_path("/mnt/f", O_WRONLY), -EROFS);
	assert_int_equal(open_path("/mnt/f", O_RDONLY | O_TRUNC), -EROFS);
	assert_int_equal(SC(unlink, P("/mnt/f")), -EROFS);
	assert_int_equal(SC(rmdir, P("/mnt/d")), -EROFS);
	assert_int_equal(SC(rename, P("/mnt/f"), P("/mnt/g")), -EROFS);
	assert_int_equal(SC(chmod, P("/mnt/f"), 0600), -EROFS);
	assert_int_equal(SC(truncate, P("/mnt/f"), 0), -EROFS);
	assert_int_equal(SC(mkdir, P("/mnt/d"), 0755), -EEXIST);
	fd = open_path("/mnt/f", O_RDONLY);
	assert_true(fd >= 0);
	SC(close, fd);
	/* Device nodes and the root elsewhere are not affected. */
	fd = open_path("/dev/null", O_WRONLY);
	assert_true(fd >= 0);
	SC(close, fd);
	stat_of("/mnt/f", &st);
	/* A read-only bind of a writable directory. */
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_REMOUNT, NULL), 0);
	assert_int_equal(mnt("/mnt", "/mnt2", NULL, MS_BIND, NULL), 0);
	assert_int_equal(
	    mnt(NULL, "/mnt2", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL),
	    0);
	assert_int_equal(SC(mkdir, P("/mnt2/x"), 0755), -EROFS);
	assert_int_equal(SC(mkdir, P("/mnt/x"), 0755), 0);
	assert_int_equal(mnt(NULL, "/mnt", NULL, MS_REMOUNT | MS_RDONLY, NULL),
			 0);
	assert_int_equal(SC(setxattr, P("/mnt/f"), P("user.a"), P("v"), 1, 0),
			 -EROFS);
	assert_int_equal(SC(removexattr, P("/mnt/f"), P("user.a")), -EROFS);
}

static void test_stack_and_bind(void **state)
{
	char buf[2048];
	long fd;

	(void)state;
	assert_int_equal(mnt("a", "/mnt", "tmpfs", 0, NULL), 0);
	assert_int_equal(SC(mkdir, P("/mnt/sub"), 0755), 0);
	fd = open_path("/mnt/sub/f", O_CREAT | O_WRONLY);
	SC(close, fd);
	assert_int_equal(mnt("b", "/mnt", "tmpfs", 0, NULL), 0); /* on top */
	assert_int_equal(open_path("/mnt/sub/f", O_RDONLY), -ENOENT);
	assert_true(same("/mnt/..", "/"));
	assert_int_equal(SC(umount2, P("/mnt"), 0), 0); /* the top one */
	assert_true(same("/mnt/sub/..", "/mnt"));
	/* A directory of the tmpfs bound elsewhere. */
	assert_int_equal(mnt("/mnt/sub", "/mnt2", NULL, MS_BIND, NULL), 0);
	assert_true(same("/mnt2/f", "/mnt/sub/f"));
	assert_true(same("/mnt2/..", "/"));
	assert_true(same("/mnt/sub/..", "/mnt"));
	/* Two mounts of one file system: still EXDEV between them. */
	assert_int_equal(SC(link, P("/mnt2/f"), P("/mnt/sub/g")), -EXDEV);
	assert_int_equal(SC(link, P("/mnt/sub/f"), P("/mnt/sub/g")), 0);
	assert_int_equal(SC(rename, P("/mnt2/f"), P("/mnt/sub/h")), -EXDEV);
	read_text("/proc/self/mountinfo", buf, sizeof(buf));
	assert_non_null(strstr(buf, " /sub /mnt2 rw,relatime - tmpfs a rw"));
	assert_int_equal(mnt("/nonexistent", "/mnt2", NULL, MS_BIND, NULL),
			 -ENOENT);
	assert_int_equal(mnt(NULL, "/mnt2", NULL, MS_BIND, NULL), -EINVAL);
	assert_int_equal(mnt("/mnt/sub/f", "/mnt2", NULL, MS_BIND, NULL),
			 -ENOTDIR);
	/* The tmpfs under a bind: its mount busy for its children only. */
	assert_int_equal(SC(umount2, P("/mnt"), 0), 0);
	assert_true(same("/mnt2/f", "/mnt2/f"));
	assert_int_equal(SC(umount2, P("/mnt2"), 0), 0);
	assert_int_equal(open_path("/mnt2/f", O_RDONLY), -ENOENT);
	/* A submount makes its parent busy; MNT_DETACH takes both. */
	assert_int_equal(mnt(NULL, "/mnt", "tmpfs", 0, NULL), 0);
	assert_int_equal(SC(mkdir, P("/mnt/in"), 0755), 0);
	assert_int_equal(mnt("proc", "/mnt/in", "proc", 0, NULL), 0);
	assert_true(same("/mnt/in/..", "/mnt"));
	assert_int_equal(statfs_of("/mnt/in/self").type, PROC_SUPER_MAGIC);
	assert_int_equal(SC(umount2, P("/mnt"), 0), -EBUSY);
	assert_int_equal(SC(umount2, P("/mnt"), MNT_DETACH), 0);
	read_text("/proc/self/mounts", buf, sizeof(buf));
	assert_null(strstr(buf, "/mnt"));
	assert_int_equal(statfs_of("/proc").type, PROC_SUPER_MAGIC);
}

static void test_anon_statfs(void **state)
{
	struct lstatfs s;
	long fds[2];
	int p[2];

	(void)state;
	assert_int_equal(SC(pipe, P(p)), 0);
	assert_int_equal(SC(fstatfs, p[0], P(&s)), 0);
	assert_int_equal(s.type, PIPEFS_MAGIC);
	assert_int_equal(SC(fstatfs, 999, P(&s)), -EBADF);
	assert_int_equal(SC(statfs, P("/nonexistent"), P(&s)), -ENOENT);
	assert_int_equal(SC(statfs, P("/"), 1), -EFAULT);
	fds[0] = open_path("/proc/self", O_RDONLY);
	assert_int_equal(SC(fstatfs, fds[0], P(&s)), 0);
	assert_int_equal(s.type, PROC_SUPER_MAGIC);
	assert_int_equal(s.namelen, 255);
	assert_int_equal(s.bsize, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_boot_mounts),	T(test_tmpfs),
		T(test_tmpfs_limits),	T(test_memory_back),
		T(test_errors),		T(test_readonly),
		T(test_stack_and_bind), T(test_anon_statfs),
		T(test_initrd_pages),
	};

	if (hosted_mem_init(MiB(64)))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

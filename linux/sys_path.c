/*
 * sys_path.c - the system calls that name files by path (linux/): open,
 * the stat family, access, mkdir, unlink, rename, link, symlink,
 * readlink, chmod, chown, utimensat, truncate, getcwd, chdir, chroot,
 * umask and mknod.
 * Each copies its path (at most PATH_MAX with the NUL) and checks its
 * flags, then calls one fs/ function (include/keel/vfs.h).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>

#include "linux.h"

int stat_to_user(const struct kstat *st, void *ubuf);

/* A path from the application into a PATH_MAX buffer the caller frees. */
long get_path(long upath, char **out)
{
	char *buf = kmalloc(PATH_MAX);
	long n;

	if (!buf)
		return -ENOMEM;
	n = strncpy_from_user(buf, (const char *)upath, PATH_MAX);
	if (n < 0) {
		kfree(buf);
		return n;
	}
	*out = buf;
	return 0;
}

/* Two paths, for rename and link. */
static long get_paths(long u1, char **p1, long u2, char **p2)
{
	long err = get_path(u1, p1);

	if (err)
		return err;
	err = get_path(u2, p2);
	if (err)
		kfree(*p1);
	return err;
}

static long do_open(long dirfd, long upath, long flags, long mode)
{
	struct file *f;
	char *path;
	long err = get_path(upath, &path);

	if (err)
		return err;
	err = vfs_openat((int)dirfd, path, (unsigned)flags | O_LARGEFILE,
			 (unsigned)mode, &f);
	kfree(path);
	if (err)
		return err;
	return fd_install(f, flags & O_CLOEXEC);
}

SYSCALL_DEFINE(open)
{
	return do_open(AT_FDCWD, a[0], a[1], a[2]);
}

SYSCALL_DEFINE(openat)
{
	return do_open(a[0], a[1], a[2], a[3]);
}

SYSCALL_DEFINE(creat)
{
	return do_open(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1]);
}

/* Device numbers are kept in Linux's 32-bit form (new_encode_dev), the
 * st_dev and st_rdev stat gives; statx splits them. */
static uint32_t dev_major(uint32_t dev)
{
	return (dev >> 8) & 0xfff;
}

static uint32_t dev_minor(uint32_t dev)
{
	return (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

int stat_to_user(const struct kstat *st, void *ubuf)
{
	struct linux_stat s;
	struct linux_timespec ts;

	memset(&s, 0, sizeof(s));
	s.st_dev = (uint32_t)st->dev;
	s.st_ino = st->ino;
	s.st_nlink = st->nlink;
	s.st_mode = st->mode;
	s.st_uid = st->uid;
	s.st_gid = st->gid;
	s.st_rdev = st->rdev;
	s.st_size = (int64_t)st->size;
	s.st_blksize = st->blksize;
	s.st_blocks = (int64_t)st->blocks;
	ts = ns_to_timespec(st->atime_ns);
	s.st_atime_sec = (uint64_t)ts.tv_sec;
	s.st_atime_nsec = (uint64_t)ts.tv_nsec;
	ts = ns_to_timespec(st->mtime_ns);
	s.st_mtime_sec = (uint64_t)ts.tv_sec;
	s.st_mtime_nsec = (uint64_t)ts.tv_nsec;
	ts = ns_to_timespec(st->ctime_ns);
	s.st_ctime_sec = (uint64_t)ts.tv_sec;
	s.st_ctime_nsec = (uint64_t)ts.tv_nsec;
	return copy_to_user(ubuf, &s, sizeof(s));
}

#define STAT_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)

static long do_stat(long dirfd, long upath, long ubuf, long flags)
{
	struct kstat st;
	char *path;
	long err;

	if (flags & ~(long)STAT_FLAGS)
		return -EINVAL;
	err = get_path(upath, &path);
	if (err)
		return err;
	err = vfs_statat((int)dirfd, path, (unsigned)flags, &st);
	kfree(path);
	return err ? err : stat_to_user(&st, (void *)ubuf);
}

SYSCALL_DEFINE(stat)
{
	return do_stat(AT_FDCWD, a[0], a[1], 0);
}

SYSCALL_DEFINE(lstat)
{
	return do_stat(AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE(newfstatat)
{
	return do_stat(a[0], a[1], a[2], a[3]);
}

static struct linux_statx_timestamp stx_time(int64_t ns)
{
	struct linux_timespec ts = ns_to_timespec(ns);
	struct linux_statx_timestamp t = { 0 };

	t.tv_sec = ts.tv_sec;
	t.tv_nsec = (uint32_t)ts.tv_nsec;
	return t;
}

SYSCALL_DEFINE(statx)
{
	unsigned flags = (unsigned)a[2], mask = (unsigned)a[3];
	struct linux_statx sx;
	struct kstat st;
	char *path;
	long err;

	if (flags & ~(unsigned)(STAT_FLAGS | AT_STATX_SYNC_TYPE) ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE ||
	    mask & STATX__RESERVED)
		return -EINVAL;
	err = get_path(a[1], &path);
	if (err)
		return err;
	err = vfs_statat((int)a[0], path, flags, &st);
	kfree(path);
	if (err)
		return err;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = st.blksize;
	sx.stx_nlink = (uint32_t)st.nlink;
	sx.stx_uid = st.uid;
	sx.stx_gid = st.gid;
	sx.stx_mode = (uint16_t)st.mode;
	sx.stx_ino = st.ino;
	sx.stx_size = st.size;
	sx.stx_blocks = st.blocks;
	sx.stx_atime = stx_time(st.atime_ns);
	sx.stx_mtime = stx_time(st.mtime_ns);
	sx.stx_ctime = stx_time(st.ctime_ns);
	sx.stx_rdev_major = dev_major(st.rdev);
	sx.stx_rdev_minor = dev_minor(st.rdev);
	sx.stx_dev_major = dev_major((uint32_t)st.dev);
	sx.stx_dev_minor = dev_minor((uint32_t)st.dev);
	return copy_to_user((void *)a[4], &sx, sizeof(sx));
}

static long do_access(long dirfd, long upath, long mode, long flags)
{
	char *path;
	long err;

	if (mode & ~(long)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(long)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = get_path(upath, &path);
	if (err)
		return err;
	err = vfs_faccessat((int)dirfd, path, (unsigned)mode,
			    (unsigned)flags & ~AT_EACCESS);
	kfree(path);
	return err;
}

SYSCALL_DEFINE(access)
{
	return do_access(AT_FDCWD, a[0], a[1], 0);
}

SYSCALL_DEFINE(faccessat)
{
	return do_access(a[0], a[1], a[2], 0);
}

SYSCALL_DEFINE(faccessat2)
{
	return do_access(a[0], a[1], a[2], a[3]);
}

SYSCALL_DEFINE(getcwd)
{
	size_t size = (size_t)a[1];
	char *buf = kmalloc(PATH_MAX);
	long n;

	if (!buf)
		return -ENOMEM;
	n = vfs_getcwd(buf, PATH_MAX);
	if (n > 0 && (size_t)n > size)
		n = -ERANGE;
	if (n > 0 && copy_to_user((void *)a[0], buf, (size_t)n))
		n = -EFAULT;
	kfree(buf);
	return n;
}

SYSCALL_DEFINE(chdir)
{
	char *path;
	long err = get_path(a[0], &path);

	if (err)
		return err;
	err = vfs_chdir(path);
	kfree(path);
	return err;
}

SYSCALL_DEFINE(chroot)
{
	char *path;
	long err = get_path(a[0], &path);

	if (err)
		return err;
	err = vfs_chroot(path);
	kfree(path);
	return err;
}

static long do_rename(long odirfd, long uold, long ndirfd, long unew,
		      long flags)
{
	char *o, *n;
	long err = get_paths(uold, &o, unew, &n);

	if (err)
		return err;
	err = vfs_renameat2((int)odirfd, o, (int)ndirfd, n, (unsigned)flags);
	kfree(o);
	kfree(n);
	return err;
}

SYSCALL_DEFINE(rename)
{
	return do_rename(AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

SYSCALL_DEFINE(renameat)
{
	return do_rename(a[0], a[1], a[2], a[3], 0);
}

SYSCALL_DEFINE(renameat2)
{
	if ((unsigned long)a[4] > UINT32_MAX)
		return -EINVAL;
	return do_rename(a[0], a[1], a[2], a[3], a[4]);
}

static long do_mkdir(long dirfd, long upath, long mode)
{
	char *path;
	long err = get_path(upath, &path);

	if (err)
		return err;
	err = vfs_mkdirat((int)dirfd, path, (unsigned)mode);
	kfree(path);
	return err;
}

SYSCALL_DEFINE(mkdir)
{
	return do_mkdir(AT_FDCWD, a[0], a[1]);
}

SYSCALL_DEFINE(mkdirat)
{
	return do_mkdir(a[0], a[1], a[2]);
}

static long do_mknod(long dirfd, long upath, long mode, long dev)
{
	char *path;
	long err = get_path(upath, &path);

	if (err)
		return err;
	err = vfs_mknodat((int)dirfd, path, (unsigned)mode, (uint32_t)dev);
	kfree(path);
	return err;
}

SYSCALL_DEFINE(mknod)
{
	return do_mknod(AT_FDCWD, a[0], a[1], a[2]);
}

SYSCALL_DEFINE(mknodat)
{
	return do_mknod(a[0], a[1], a[2], a[3]);
}

static long do_unlink(long dirfd, long upath, long flags)
{
	char *path;
	long err;

	if (flags & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	err = get_path(upath, &path);
	if (err)
		return err;
	err = vfs_unlinkat((int)dirfd, path, (unsigned)flags);
	kfree(path);
	return err;
}

SYSCALL_DEFINE(rmdir)
{
	return do_unlink(AT_FDCWD, a[0], AT_REMOVEDIR);
}

SYSCALL_DEFINE(unlink)
{
	return do_unlink(AT_FDCWD, a[0], 0);
}

SYSCALL_DEFINE(unlinkat)
{
	return do_unlink(a[0], a[1], a[2]);
}

static long do_link(long odirfd, long uold, long ndirfd, long unew, long flags)
{
	char *o, *n;
	long err;

	if (flags & ~(long)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = get_paths(uold, &o, unew, &n);
	if (err)
		return err;
	err = vfs_linkat((int)odirfd, o, (int)ndirfd, n, (unsigned)flags);
	kfree(o);
	kfree(n);
	return err;
}

SYSCALL_DEFINE(link)
{
	return do_link(AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

SYSCALL_DEFINE(linkat)
{
	return do_link(a[0], a[1], a[2], a[3], a[4]);
}

static long do_symlink(long utarget, long dirfd, long upath)
{
	char *target, *path;
	long err = get_paths(utarget, &target, upath, &path);

	if (err)
		return err;
	err = vfs_symlinkat(target, (int)dirfd, path);
	kfree(target);
	kfree(path);
	return err;
}

SYSCALL_DEFINE(symlink)
{
	return do_symlink(a[0], AT_FDCWD, a[1]);
}

SYSCALL_DEFINE(symlinkat)
{
	return do_symlink(a[0], a[1], a[2]);
}

static long do_readlink(long dirfd, long upath, long ubuf, long size)
{
	char *path, *buf;
	long n;

	if ((int)size <= 0)
		return -EINVAL;
	n = get_path(upath, &path);
	if (n)
		return n;
	buf = kmalloc(PATH_MAX);
	n = buf ? vfs_readlinkat((int)dirfd, path, buf,
				 MIN((size_t)(int)size, (size_t)PATH_MAX))
		: -ENOMEM;
	if (n > 0 && copy_to_user((void *)ubuf, buf, (size_t)n))
		n = -EFAULT;
	kfree(buf);
	kfree(path);
	return n;
}

SYSCALL_DEFINE(readlink)
{
	return do_readlink(AT_FDCWD, a[0], a[1], a[2]);
}

SYSCALL_DEFINE(readlinkat)
{
	return do_readlink(a[0], a[1], a[2], a[3]);
}

static long do_chmod(long dirfd, long upath, long mode)
{
	char *path;
	long err = get_path(upath, &path);

	if (err)
		return err;
	err = vfs_fchmodat((int)dirfd, path, (unsigned)mode, 0);
	kfree(path);
	return err;
}

SYSCALL_DEFINE(chmod)
{
	return do_chmod(AT_FDCWD, a[0], a[1]);
}

SYSCALL_DEFINE(fchmodat)
{
	return do_chmod(a[0], a[1], a[2]);
}

static long do_chown(long dirfd, long upath, long uid, long gid, long flags)
{
	char *path;
	long err;

	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = get_path(upath, &path);
	if (err)
		return err;
	err = vfs_fchownat((int)dirfd, path, (uint32_t)uid, (uint32_t)gid,
			   (unsigned)flags);
	kfree(path);
	return err;
}

SYSCALL_DEFINE(chown)
{
	return do_chown(AT_FDCWD, a[0], a[1], a[2], 0);
}

SYSCALL_DEFINE(lchown)
{
	return do_chown(AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE(fchownat)
{
	return do_chown(a[0], a[1], a[2], a[3], a[4]);
}

SYSCALL_DEFINE(umask)
{
	return vfs_umask((unsigned)a[0]);
}

SYSCALL_DEFINE(truncate)
{
	char *path;
	long err = get_path(a[0], &path);

	if (err)
		return err;
	err = vfs_truncate(path, a[1]);
	kfree(path);
	return err;
}

/* A struct timespec of utimensat into ns or VFS_UTIME_NOW/_OMIT. */
static int utime_of(const struct linux_timespec *ts, int64_t *ns)
{
	if (ts->tv_nsec == UTIME_NOW)
		*ns = VFS_UTIME_NOW;
	else if (ts->tv_nsec == UTIME_OMIT)
		*ns = VFS_UTIME_OMIT;
	else if (ts->tv_nsec < 0 || ts->tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	else /* before 1970 too; kept clear of the two special values */
		*ns = MAX(timespec_to_ns(ts), INT64_MIN + 2);
	return 0;
}

SYSCALL_DEFINE(utimensat)
{
	struct linux_timespec ts[2];
	int64_t times[2] = { VFS_UTIME_NOW, VFS_UTIME_NOW };
	unsigned flags = (unsigned)a[3];
	char *path = NULL;
	long err;

	if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (a[2]) {
		if (copy_from_user(ts, (void *)a[2], sizeof(ts)))
			return -EFAULT;
		if (utime_of(&ts[0], &times[0]) || utime_of(&ts[1], &times[1]))
			return -EINVAL;
	}
	if (!a[1] && (int)a[0] != AT_FDCWD) /* Linux: the file of dirfd */
		return vfs_utimensat((int)a[0], "", times,
				     flags | AT_EMPTY_PATH);
	err = get_path(a[1], &path);
	if (err)
		return err;
	err = vfs_utimensat((int)a[0], path, times, flags);
	kfree(path);
	return err;
}

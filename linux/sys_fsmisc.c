/*
 * sys_fsmisc.c - the smaller file calls (linux/): flock, the sync family
 * (sync writes back the block cache, syncfs asks the file system; files
 * in memory have nothing to write), I/O hints (checked, then nothing to
 * do), memfd_create, and extended attributes by path, link or descriptor.
 * Arguments are checked in Linux's order, then one fs/ call does the work.
 */
#include <keel/errno.h>
#include <keel/mount.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>

#include "linux.h"

SYSCALL_DEFINE(flock)
{
	struct file *f = fd_get((int)a[0]);
	long err;

	if (!f || (f->flags & O_PATH)) {
		file_put(f);
		return -EBADF;
	}
	err = vfs_flock(f, (int)a[1]);
	file_put(f);
	return err;
}

/* Every file system and block device written back (sync(2) is void:
 * errors go to the next syncfs or fsync, as Linux). */
SYSCALL_DEFINE(sync)
{
	(void)a;
	vfs_sync_all();
	return 0;
}

SYSCALL_DEFINE(syncfs)
{
	struct file *f = fd_get((int)a[0]);
	long err;

	if (!f)
		return -EBADF;
	err = vfs_syncfs(f->inode);
	file_put(f);
	return err;
}

/* Pipes, FIFOs and sockets have no pages to sync or read ahead. */
static bool no_pages(const struct file *f)
{
	return S_ISFIFO(f->inode->mode) ||
	       (f->inode->mode & S_IFMT) == S_IFSOCK;
}

#define POSIX_FADV_NOREUSE 5

SYSCALL_DEFINE(fadvise64)
{
	struct file *f = fd_get((int)a[0]);
	long err = 0;

	if (!f || (f->flags & O_PATH))
		err = -EBADF;
	else if (no_pages(f))
		err = -ESPIPE;
	else if (a[2] < 0 || a[3] < 0 || a[3] > POSIX_FADV_NOREUSE)
		err = -EINVAL;
	file_put(f);
	return err;
}

SYSCALL_DEFINE(readahead)
{
	struct file *f = fd_get((int)a[0]);
	long err = 0;

	if (!f || !file_readable(f))
		err = -EBADF;
	else if (!S_ISREG(f->inode->mode))
		err = -EINVAL;
	file_put(f);
	return err;
}

#define SYNC_FILE_RANGE_ALL 7

SYSCALL_DEFINE(sync_file_range)
{
	struct file *f = fd_get((int)a[0]);
	long err = 0;

	if (!f)
		err = -EBADF;
	else if ((a[3] & ~(long)SYNC_FILE_RANGE_ALL) || a[1] < 0 || a[2] < 0 ||
		 a[1] + a[2] < a[1])
		err = -EINVAL;
	else if (!S_ISREG(f->inode->mode) && !S_ISDIR(f->inode->mode) &&
		 !S_ISLNK(f->inode->mode) &&
		 (f->inode->mode & S_IFMT) != S_IFBLK)
		err = -ESPIPE;
	file_put(f);
	return err;
}

#define MFD_CLOEXEC 1
#define MFD_ALLOW_SEALING 2
#define MFD_HUGETLB 4
#define MFD_NOEXEC_SEAL 8
#define MFD_EXEC 0x10
#define MFD_NAME_MAX 249 /* NAME_MAX less "memfd:" */

SYSCALL_DEFINE(memfd_create)
{
	unsigned flags = (unsigned)a[1];
	char name[MFD_NAME_MAX + 1];
	struct file *f;
	long err;

	/* Sealing is accepted at creation; F_ADD_SEALS is not implemented. */
	if (flags & ~(unsigned)(MFD_CLOEXEC | MFD_ALLOW_SEALING |
				MFD_NOEXEC_SEAL | MFD_EXEC | MFD_HUGETLB) ||
	    (flags & MFD_HUGETLB) ||
	    ((flags & MFD_NOEXEC_SEAL) && (flags & MFD_EXEC)))
		return -EINVAL;
	err = strncpy_from_user(name, (const char *)a[0], sizeof(name));
	if (err < 0)
		return err == -ENAMETOOLONG ? -EINVAL : err;
	err = vfs_memfd(name, &f);
	if (err)
		return err;
	return fd_install(f, flags & MFD_CLOEXEC);
}

/* ---- extended attributes ---- */

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536

/*
 * The inode an xattr call names: by path (following or not) or by fd;
 * loc says where it was found (for inotify; vfs_loc_done drops it).
 */
static long xattr_inode(long target, int how, struct inode **out,
			struct vfs_loc *loc)
{
	struct file *f;
	char *path;
	long err;

	memset(loc, 0, sizeof(*loc));
	if (how == 'f') {
		f = fd_get((int)target);
		err = !f || (f->flags & O_PATH) ? -EBADF : 0;
		file_put(f);
		return err ? err
			   : vfs_lookup_loc((int)target, "", AT_EMPTY_PATH, out,
					    loc);
	}
	if ((err = get_path(target, &path)))
		return err;
	err = vfs_lookup_loc(AT_FDCWD, path,
			     how == 'l' ? AT_SYMLINK_NOFOLLOW : 0, out, loc);
	kfree(path);
	return err;
}

/* Copy in an attribute name: empty or longer than 255 bytes is ERANGE. */
static long xattr_name(long uname, char name[XATTR_NAME_MAX + 1])
{
	long n =
	    strncpy_from_user(name, (const char *)uname, XATTR_NAME_MAX + 1);

	if (n == 0 || n == -ENAMETOOLONG)
		return -ERANGE;
	return n < 0 ? n : 0;
}

static long do_setxattr(const long *a, int how)
{
	char name[XATTR_NAME_MAX + 1];
	size_t size = (size_t)a[3];
	struct vfs_loc loc;
	struct inode *ino;
	void *val = NULL;
	long err;

	if (a[4] & ~3L)
		return -EINVAL;
	if ((err = xattr_name(a[1], name)))
		return err;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	if (size && !(val = kmalloc(size)))
		return -ENOMEM;
	if (size && copy_from_user(val, (const void *)a[2], size)) {
		kfree(val);
		return -EFAULT;
	}
	err = xattr_inode(a[0], how, &ino, &loc);
	if (!err) {
		err = mount_readonly(mount_of(ino), ino)
			  ? -EROFS
			  : vfs_setxattr(ino, name, val, size, (int)a[4]);
		if (!err)
			fsnotify_child(loc.dir, loc.name, loc.len, ino,
				       IN_ATTRIB);
		inode_put(ino);
	}
	vfs_loc_done(&loc);
	kfree(val);
	return err;
}

static long do_getxattr(const long *a, int how)
{
	char name[XATTR_NAME_MAX + 1];
	size_t size = MIN((size_t)a[3], (size_t)XATTR_SIZE_MAX);
	struct vfs_loc loc;
	struct inode *ino;
	void *val = NULL;
	long n;

	if ((n = xattr_name(a[1], name)))
		return n;
	if (size && !(val = kmalloc(size)))
		return -ENOMEM;
	n = xattr_inode(a[0], how, &ino, &loc);
	if (!n) {
		n = vfs_getxattr(ino, name, val, size);
		inode_put(ino);
	}
	vfs_loc_done(&loc);
	if (n > 0 && size && copy_to_user((void *)a[2], val, (size_t)n))
		n = -EFAULT;
	kfree(val);
	return n;
}

static long do_listxattr(const long *a, int how)
{
	size_t size = MIN((size_t)a[2], (size_t)XATTR_LIST_MAX);
	struct vfs_loc loc;
	struct inode *ino;
	char *buf = NULL;
	long n;

	if (size && !(buf = kmalloc(size)))
		return -ENOMEM;
	n = xattr_inode(a[0], how, &ino, &loc);
	if (!n) {
		n = vfs_listxattr(ino, buf, size);
		inode_put(ino);
	}
	vfs_loc_done(&loc);
	if (n > 0 && size && copy_to_user((void *)a[1], buf, (size_t)n))
		n = -EFAULT;
	kfree(buf);
	return n;
}

static long do_removexattr(const long *a, int how)
{
	char name[XATTR_NAME_MAX + 1];
	struct vfs_loc loc;
	struct inode *ino;
	long err;

	if ((err = xattr_name(a[1], name)))
		return err;
	err = xattr_inode(a[0], how, &ino, &loc);
	if (!err) {
		err = mount_readonly(mount_of(ino), ino)
			  ? -EROFS
			  : vfs_removexattr(ino, name);
		if (!err)
			fsnotify_child(loc.dir, loc.name, loc.len, ino,
				       IN_ATTRIB);
		inode_put(ino);
	}
	vfs_loc_done(&loc);
	return err;
}

/* p: by path, l: the link itself, f: by descriptor. */
#define XATTR_CALLS(op)                        \
	SYSCALL_DEFINE(op##xattr)              \
	{                                      \
		return do_##op##xattr(a, 'p'); \
	}                                      \
	SYSCALL_DEFINE(l##op##xattr)           \
	{                                      \
		return do_##op##xattr(a, 'l'); \
	}                                      \
	SYSCALL_DEFINE(f##op##xattr)           \
	{                                      \
		return do_##op##xattr(a, 'f'); \
	}

XATTR_CALLS(set)
XATTR_CALLS(get)
XATTR_CALLS(list)
XATTR_CALLS(remove)

/*
 * sys_mount.c - mount(2), umount2(2), statfs(2) and fstatfs(2) (linux/):
 * the strings and the option page are copied in and checked in Linux's
 * order, then fs/mount.c mounts, unmounts or says what a file system
 * holds (include/keel/mount.h; docs/fs.md, "Mounts").
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mount.h>
#include <keel/page.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>

#include "linux.h"

/* An optional string argument (NULL stays NULL), at most max bytes. */
static long get_opt_string(long uptr, size_t max, char **out)
{
	char *buf;
	long n;

	*out = NULL;
	if (!uptr)
		return 0;
	buf = kmalloc(max);
	if (!buf)
		return -ENOMEM;
	n = strncpy_from_user(buf, (const char *)uptr, max);
	if (n == -ENAMETOOLONG) { /* Linux takes a page and ends it */
		buf[max - 1] = '\0';
		n = 0;
	}
	if (n < 0) {
		kfree(buf);
		return n;
	}
	*out = buf;
	return 0;
}

SYSCALL_DEFINE(mount)
{
	char *source = NULL, *target = NULL, *type = NULL, *data = NULL;
	long err = get_opt_string(a[2], PAGE_SIZE, &type);

	if (!err)
		err = get_opt_string(a[0], PAGE_SIZE, &source);
	if (!err)
		err = get_opt_string(a[4], PAGE_SIZE, &data);
	if (!err)
		err = get_path(a[1], &target);
	if (!err)
		err =
		    vfs_mount(source, target, type, (unsigned long)a[3], data);
	kfree(source);
	kfree(target);
	kfree(type);
	kfree(data);
	return err;
}

SYSCALL_DEFINE(umount2)
{
	char *target;
	long err;

	if ((int)a[1] &
	    ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	err = get_path(a[0], &target);
	if (err)
		return err;
	err = vfs_umount(target, (int)a[1]);
	kfree(target);
	return err;
}

/* Linux's struct statfs on x86-64. */
struct statfs_k {
	int64_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	int64_t namelen, frsize, flags, spare[4];
};

static long put_statfs(struct inode *ino, long ubuf)
{
	struct kstatfs k;
	struct statfs_k s;

	vfs_statfs_inode(ino, &k);
	memset(&s, 0, sizeof(s));
	s.type = (int64_t)k.type;
	s.bsize = (int64_t)k.bsize;
	s.blocks = k.blocks;
	s.bfree = k.bfree;
	s.bavail = k.bavail;
	s.files = k.files;
	s.ffree = k.ffree;
	s.fsid[0] = (int32_t)k.fsid[0];
	s.fsid[1] = (int32_t)k.fsid[1];
	s.namelen = (int64_t)k.namelen;
	s.frsize = (int64_t)k.frsize;
	s.flags = (int64_t)k.flags;
	return copy_to_user((void *)ubuf, &s, sizeof(s));
}

SYSCALL_DEFINE(statfs)
{
	struct inode *ino;
	char *path;
	long err = get_path(a[0], &path);

	if (err)
		return err;
	err = vfs_lookup_at(AT_FDCWD, path, 0, &ino);
	kfree(path);
	if (err)
		return err;
	err = put_statfs(ino, a[1]);
	inode_put(ino);
	return err;
}

SYSCALL_DEFINE(fstatfs)
{
	struct file *f = fd_get((int)a[0]);
	long err;

	if (!f)
		return -EBADF;
	err = put_statfs(f->inode, a[1]);
	file_put(f);
	return err;
}

/*
 * sys_inotify.c - inotify_init, inotify_init1, inotify_add_watch and
 * inotify_rm_watch (linux/): the arguments are checked in Linux's order
 * (the mask, the descriptor, IN_MASK_ADD with IN_MASK_CREATE, the kind
 * of file, then the path), then fs/inotify.c does the work.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/syscall.h>

#include "linux.h"

static long init(unsigned flags)
{
	struct file *f;
	int err;

	if (flags & ~(unsigned)(IN_NONBLOCK | IN_CLOEXEC))
		return -EINVAL;
	err = inotify_new(flags, &f);
	return err ? err : fd_install(f, flags & IN_CLOEXEC);
}

SYSCALL_DEFINE(inotify_init)
{
	(void)a;
	return init(0);
}

SYSCALL_DEFINE(inotify_init1)
{
	return init((unsigned)a[0]);
}

/* The inotify instance of fd (a reference), or -EBADF / -EINVAL. */
static long instance(long fd, struct file **out)
{
	struct file *f = fd_get((int)fd);

	if (!f)
		return -EBADF;
	if (!file_is_inotify(f)) {
		file_put(f);
		return -EINVAL;
	}
	*out = f;
	return 0;
}

SYSCALL_DEFINE(inotify_add_watch)
{
	uint32_t mask = (uint32_t)a[2];
	struct inode *ino;
	struct file *f;
	char *path;
	long err;

	/* Flags alone are accepted: the watch then reports nothing. */
	if (mask & ~(uint32_t)IN_VALID_BITS || !mask)
		return -EINVAL;
	err = instance(a[0], &f);
	if (err)
		return err;
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) {
		err = -EINVAL;
		goto out;
	}
	err = get_path(a[1], &path);
	if (err)
		goto out;
	err = vfs_lookup_at(AT_FDCWD, path,
			    mask & IN_DONT_FOLLOW ? AT_SYMLINK_NOFOLLOW : 0,
			    &ino);
	kfree(path);
	if (err)
		goto out;
	if ((mask & IN_ONLYDIR) && !S_ISDIR(ino->mode))
		err = -ENOTDIR;
	else
		err = inotify_add(f, ino, mask);
	inode_put(ino);
out:
	file_put(f);
	return err;
}

SYSCALL_DEFINE(inotify_rm_watch)
{
	struct file *f;
	long err = instance(a[0], &f);

	if (err)
		return err;
	err = inotify_rm(f, (int)a[1]);
	file_put(f);
	return err;
}

/*
 * vfs_open.c - open(2), stat and the changes of a file's attributes by
 * path (fs/): open's checks, O_CREAT and O_TRUNC; access, chmod, chown,
 * utimensat and truncate, each refused on a read-only mount and followed
 * by its inotify event; and the process's cwd and root (chdir, fchdir,
 * chroot, getcwd). Paths are looked up by fs/vfs.c's walker (vfs_walk.h).
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/mount.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/vfs.h>

#include "vfs_walk.h"

/*
 * nd_lookup_at for a change of the inode's attributes: -EROFS (the inode
 * put) when it lies on a read-only mount.
 */
static int lookup_to_change(struct nameidata *nd, int dirfd, const char *path,
			    unsigned atflags, struct inode **out)
{
	int err = nd_lookup_at(nd, dirfd, path, atflags, out);

	if (!err && nd_readonly(nd, *out, true)) {
		inode_put(*out);
		err = -EROFS;
	}
	return err;
}

static int do_truncate(struct inode *ino, int64_t len)
{
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode) || len < 0)
		return -EINVAL;
	if (ino->flags & I_TEXT)
		return -ETXTBSY;
	if (!ino->ops || !ino->ops->truncate)
		return -EINVAL;
	return ino->ops->truncate(ino, (uint64_t)len);
}

/* Create the regular file nd->last in nd->dir for O_CREAT. */
static int create_file(struct nameidata *nd, unsigned mode, struct inode **out)
{
	struct inode *dir = nd->dir;

	if (nd->slash)
		return -EISDIR;
	if (dir->nlink == 0)
		return -ENOENT;
	if (!dir->ops || !dir->ops->create)
		return -EACCES;
	if (nd_readonly(nd, NULL, false))
		return -EROFS;
	mode = (mode & S_IALLUGO & ~vfs_get_umask()) | S_IFREG;
	return dir->ops->create(dir, nd->last, nd->len, mode, out);
}

/* What open(2) checks on the file it found; O_TRUNC truncates it. */
static int open_checks(struct inode *ino, unsigned flags, bool ro)
{
	unsigned acc = flags & O_ACCMODE;

	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if (flags & O_PATH)
		return 0;
	if (flags & O_NOFOLLOW && S_ISLNK(ino->mode))
		return -ELOOP;
	if (S_ISDIR(ino->mode) && (acc != O_RDONLY || flags & O_CREAT))
		return -EISDIR;
	if (ro && S_ISREG(ino->mode) && (acc != O_RDONLY || flags & O_TRUNC))
		return -EROFS;
	if (ino->flags & I_TEXT && (acc != O_RDONLY || flags & O_TRUNC))
		return -ETXTBSY;
	if (flags & O_TRUNC && S_ISREG(ino->mode))
		return do_truncate(ino, 0);
	return 0;
}

int vfs_openat(int dirfd, const char *path, unsigned flags, unsigned mode,
	       struct file **out)
{
	struct inode *ino = NULL;
	struct nameidata nd;
	unsigned wflags = 0;
	bool truncated = false;
	int err;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	else if ((flags & O_ACCMODE) == 3)
		return -EINVAL;
	if (!(flags & O_NOFOLLOW) &&
	    (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL))
		wflags |= WALK_FOLLOW;
	if (flags & O_DIRECTORY)
		wflags |= WALK_DIRECTORY;
	err = nd_lookup(&nd, dirfd, path, 0, wflags, &ino);
	if (err == -ENOENT && nd.dir && flags & O_CREAT &&
	    !(flags & O_DIRECTORY)) {
		err = create_file(&nd, mode, &ino);
		if (!err)
			fsnotify_name(nd.dir, IN_CREATE, nd.last, nd.len, 0);
	} else if (!err) {
		err = open_checks(ino, flags, nd_readonly(&nd, ino, true));
		truncated = !err && flags & O_TRUNC && S_ISREG(ino->mode);
	}
	if (!err)
		err = file_open_inode(ino, flags, nd.dir, nd.last, nd.len, out);
	if (truncated) /* Linux truncates once open: IN_OPEN comes first */
		notify(&nd, ino, IN_MODIFY);
	inode_put(ino);
	nd_done(&nd);
	return err;
}

int vfs_statat(int dirfd, const char *path, unsigned atflags, struct kstat *st)
{
	struct inode *ino;
	int err = vfs_lookup_at(dirfd, path, atflags, &ino);

	if (err)
		return err;
	vfs_getattr(ino, st);
	inode_put(ino);
	return 0;
}

/* We run as root: only X_OK can fail, on a file with no x bit. */
int vfs_faccessat(int dirfd, const char *path, unsigned mode, unsigned atflags)
{
	struct inode *ino;
	int err = vfs_lookup_at(dirfd, path, atflags, &ino);

	if (err)
		return err;
	if (mode & X_OK && !S_ISDIR(ino->mode) && !(ino->mode & 0111))
		err = -EACCES;
	inode_put(ino);
	return err;
}

/* The file system's part of a change of attributes (inode_ops.setattr):
 * done before the VFS edits the inode's fields. */
static int fs_setattr(struct inode *ino, const struct iattr *ia)
{
	return ino->ops && ino->ops->setattr && ia->valid
		   ? ino->ops->setattr(ino, ia)
		   : 0;
}

int vfs_fchmodat(int dirfd, const char *path, unsigned mode, unsigned atflags)
{
	struct iattr ia = { .valid = IATTR_MODE, .mode = mode & S_IALLUGO };
	struct nameidata nd;
	struct inode *ino;
	int err = nd_lookup_at(&nd, dirfd, path, atflags, &ino);

	if (err)
		goto out;
	if (S_ISLNK(ino->mode)) {
		err = -EOPNOTSUPP;
	} else if (nd_readonly(&nd, ino, true)) {
		err = -EROFS;
	} else if (!(err = fs_setattr(ino, &ia))) {
		ino->mode = (ino->mode & S_IFMT) | (mode & S_IALLUGO);
		inode_touch(ino, false);
		notify(&nd, ino, IN_ATTRIB);
	}
	inode_put(ino);
out:
	nd_done(&nd);
	return err;
}

int vfs_fchownat(int dirfd, const char *path, uint32_t uid, uint32_t gid,
		 unsigned atflags)
{
	struct nameidata nd;
	struct inode *ino;
	struct iattr ia = { .uid = uid, .gid = gid };
	int err = lookup_to_change(&nd, dirfd, path, atflags, &ino);

	if (err)
		goto out;
	ia.valid = (uid != (uint32_t)-1 ? IATTR_UID : 0) |
		   (gid != (uint32_t)-1 ? IATTR_GID : 0);
	err = fs_setattr(ino, &ia);
	if (err) {
		inode_put(ino);
		goto out;
	}
	if (uid != (uint32_t)-1)
		ino->uid = uid;
	if (gid != (uint32_t)-1)
		ino->gid = gid;
	inode_touch(ino, false);
	if (uid != (uint32_t)-1 || gid != (uint32_t)-1)
		notify(&nd, ino, IN_ATTRIB);
	inode_put(ino);
out:
	nd_done(&nd);
	return err;
}

static void set_time(int64_t *field, int64_t t, int64_t now)
{
	if (t == VFS_UTIME_NOW)
		*field = now;
	else if (t != VFS_UTIME_OMIT)
		*field = t;
}

int vfs_utimensat(int dirfd, const char *path, const int64_t times[2],
		  unsigned atflags)
{
	bool atime = times[0] != VFS_UTIME_OMIT,
	     mtime = times[1] != VFS_UTIME_OMIT;
	int64_t now = time_wall_ns();
	struct iattr ia = { 0 };
	struct nameidata nd;
	struct inode *ino;
	int err = lookup_to_change(&nd, dirfd, path, atflags, &ino);

	if (err)
		goto out;
	ia.valid = (atime ? IATTR_ATIME : 0) | (mtime ? IATTR_MTIME : 0);
	ia.atime_ns = ino->atime_ns;
	ia.mtime_ns = ino->mtime_ns;
	set_time(&ia.atime_ns, times[0], now);
	set_time(&ia.mtime_ns, times[1], now);
	err = fs_setattr(ino, &ia);
	if (err) {
		inode_put(ino);
		goto out;
	}
	set_time(&ino->atime_ns, times[0], now);
	set_time(&ino->mtime_ns, times[1], now);
	ino->ctime_ns = now;
	/* Linux's events: both times are a change of attributes. */
	if (atime || mtime)
		notify(&nd, ino,
		       atime && mtime ? IN_ATTRIB
		       : atime	      ? IN_ACCESS
				      : IN_MODIFY);
	inode_put(ino);
out:
	nd_done(&nd);
	return err;
}

int vfs_truncate(const char *path, int64_t len)
{
	struct nameidata nd;
	struct inode *ino;
	int err = nd_lookup_at(&nd, AT_FDCWD, path, 0, &ino);

	if (!err) {
		err = nd_readonly(&nd, ino, true) && S_ISREG(ino->mode)
			  ? -EROFS
			  : do_truncate(ino, len);
		if (!err)
			notify(&nd, ino, IN_MODIFY);
		inode_put(ino);
	}
	nd_done(&nd);
	return err;
}

int vfs_chdir(const char *path)
{
	struct inode *ino;
	int err = vfs_lookup_at(AT_FDCWD, path, 0, &ino);

	if (err)
		return err;
	if (!S_ISDIR(ino->mode)) {
		inode_put(ino);
		return -ENOTDIR;
	}
	fs_set_cwd(ino);
	return 0;
}

int vfs_fchdir(int fd)
{
	struct file *f = fd_get(fd);
	int err = 0;

	if (!f)
		return -EBADF;
	if (!S_ISDIR(f->inode->mode)) {
		err = -ENOTDIR;
	} else {
		inode_get(f->inode);
		fs_set_cwd(f->inode);
	}
	file_put(f);
	return err;
}

/* chroot(2): path, a directory, becomes the root of the process's
 * absolute paths and the top of its "..". CAP_SYS_CHROOT is looked at
 * after the lookup, as Linux does (so ENOENT before EPERM). */
int vfs_chroot(const char *path)
{
	struct inode *ino;
	int err = vfs_lookup_at(AT_FDCWD, path, 0, &ino);

	if (err)
		return err;
	if (!S_ISDIR(ino->mode))
		err = -ENOTDIR;
	else if (!cred_capable(CAP_SYS_CHROOT))
		err = -EPERM;
	if (err) {
		inode_put(ino);
		return err;
	}
	fs_set_root(ino);
	return 0;
}

long vfs_getcwd(char *buf, size_t len)
{
	long n = inode_cwd_path(fs_cwd(), buf, len);

	return n < 0 ? n : n + 1;
}

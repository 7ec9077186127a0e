/*
 * vfs_walk.h - what fs/vfs.c's path walker gives fs/vfs_open.c (fs/,
 * private): the walk's state (struct nameidata), the lookups that keep it
 * (where the inode was found: its directory, name and mount, for the
 * read-only check and inotify's events), and the small helpers on it.
 */
#ifndef KEEL_FS_VFS_WALK_H
#define KEEL_FS_VFS_WALK_H

#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/mount.h>
#include <keel/vfs.h>

#define WALK_FOLLOW 0x1 /* follow a symlink in the last component */
#define WALK_DIRECTORY 0x2 /* the result must be a directory */

/*
 * The walk's state. After a walk, dir (a reference) is the directory the
 * last component was looked up in and last/len/slash that component, also
 * when the walk failed with -ENOENT on it (the name to create); mnt is
 * the mount dir is in, omnt the mount of the inode found.
 */
struct nameidata {
	unsigned links;
	char *buf; /* the path rewritten by a symlink, or NULL */
	struct inode *dir;
	struct mount *mnt, *omnt;
	const char *last;
	size_t len;
	bool slash;
};

static inline void nd_done(struct nameidata *nd)
{
	inode_put(nd->dir);
	kfree(nd->buf);
}

/* Is the file system where nd found ino (or would create) read-only? */
static inline bool nd_readonly(struct nameidata *nd, struct inode *ino,
			       bool found)
{
	return found ? mount_readonly(nd->omnt, ino)
		     : mount_readonly(nd->mnt, nd->dir);
}

/* An event on ino, found where nd says. */
static inline void notify(struct nameidata *nd, struct inode *ino,
			  uint32_t mask)
{
	fsnotify_child(nd->dir, nd->last, nd->len, ino, mask);
}

/* fs/vfs.c: walk path from dirfd (AT_EMPTY_PATH: an empty path is dirfd;
 * wflags WALK_*), and the same with AT_SYMLINK_NOFOLLOW as *at gives it.
 * nd_done(nd) after either, whatever the result. */
int nd_lookup(struct nameidata *nd, int dirfd, const char *path,
	      unsigned atflags, unsigned wflags, struct inode **out);
int nd_lookup_at(struct nameidata *nd, int dirfd, const char *path,
		 unsigned atflags, struct inode **out);

#endif

/*
 * inotify.h - file system events (fs/inotify.c): the IN_* masks of
 * inotify(7), the hooks the VFS calls when something happens to an inode
 * or to a name in a directory, and what inotify_init1, inotify_add_watch
 * and inotify_rm_watch call. Every hook is an inline test of the watch
 * lists of the inodes involved, so an unwatched file costs a load or two.
 * An event goes to the watches of the directory the file was found in
 * (with its name) first, then to the watches of the file itself.
 */
#ifndef KEEL_INOTIFY_H
#define KEEL_INOTIFY_H

#include <keel/string.h>
#include <keel/vfs.h>

/* Events (the same bits in a watch's mask and in struct inotify_event). */
#define IN_ACCESS 0x00000001
#define IN_MODIFY 0x00000002
#define IN_ATTRIB 0x00000004
#define IN_CLOSE_WRITE 0x00000008
#define IN_CLOSE_NOWRITE 0x00000010
#define IN_OPEN 0x00000020
#define IN_MOVED_FROM 0x00000040
#define IN_MOVED_TO 0x00000080
#define IN_CREATE 0x00000100
#define IN_DELETE 0x00000200
#define IN_DELETE_SELF 0x00000400
#define IN_MOVE_SELF 0x00000800
#define IN_ALL_EVENTS 0x00000fff
/* Only ever reported. */
#define IN_UNMOUNT 0x00002000
#define IN_Q_OVERFLOW 0x00004000
#define IN_IGNORED 0x00008000
#define IN_ISDIR 0x40000000
/* inotify_add_watch flags. */
#define IN_ONLYDIR 0x01000000
#define IN_DONT_FOLLOW 0x02000000
#define IN_EXCL_UNLINK 0x04000000
#define IN_MASK_CREATE 0x10000000
#define IN_MASK_ADD 0x20000000
#define IN_ONESHOT 0x80000000
/* Every bit inotify_add_watch accepts. */
#define IN_VALID_BITS                                                         \
	(IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ISDIR | \
	 IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE |      \
	 IN_MASK_ADD | IN_ONESHOT)
/* inotify_init1 flags: O_NONBLOCK and O_CLOEXEC. */
#define IN_NONBLOCK O_NONBLOCK
#define IN_CLOEXEC O_CLOEXEC

/* The limits /proc/sys/fs/inotify shows (Linux's defaults). */
#define INOTIFY_MAX_USER_INSTANCES 128
#define INOTIFY_MAX_USER_WATCHES 8192
#define INOTIFY_MAX_QUEUED_EVENTS 16384

void inotify_event_name(struct inode *dir, uint32_t mask, const char *name,
			size_t len, uint32_t cookie);
void inotify_event_inode(struct inode *ino, uint32_t mask);
void inotify_event_child(struct inode *dir, const char *name, size_t len,
			 struct inode *ino, uint32_t mask, bool unlinked);
void inotify_inode_free(struct inode *ino);

static inline bool fsnotify_watched(const struct inode *dir,
				    const struct inode *ino)
{
	/* ino->parent: a directory is reported to its own parent. */
	return ino->watches || (dir && dir->watches) ||
	       (ino->parent && ino->parent->watches);
}

/* An event on a name in dir (IN_CREATE, IN_DELETE, IN_MOVED_*, with
 * IN_ISDIR for a directory): dir's watches, with the name. */
static inline void fsnotify_name(struct inode *dir, uint32_t mask,
				 const char *name, size_t len, uint32_t cookie)
{
	if (dir && dir->watches)
		inotify_event_name(dir, mask, name, len, cookie);
}

/* An event for ino's own watches only (its link count, IN_MOVE_SELF). */
static inline void fsnotify_inode(struct inode *ino, uint32_t mask)
{
	if (ino->watches)
		inotify_event_inode(ino, mask);
}

/* An event on ino found as name in dir (dir may be NULL): the watches of
 * dir with the name, then ino's own; IN_ISDIR is added for directories. */
static inline void fsnotify_child(struct inode *dir, const char *name,
				  size_t len, struct inode *ino, uint32_t mask)
{
	if (fsnotify_watched(dir, ino))
		inotify_event_child(dir, name, len, ino, mask, false);
}

/* The same for an open file, reported under the name it was opened by. */
static inline void fsnotify_file(struct file *f, uint32_t mask)
{
	if (!(f->flags & O_PATH) && fsnotify_watched(f->dir, f->inode))
		inotify_event_child(f->dir, f->name,
				    f->name ? strlen(f->name) : 0, f->inode,
				    mask, f->inode->nlink == 0);
}

/* From inode_put: ino is being freed; its watches go (IN_IGNORED). */
static inline void fsnotify_inode_free(struct inode *ino)
{
	if (ino->watches)
		inotify_inode_free(ino);
}

/* The cookie that ties an IN_MOVED_FROM to its IN_MOVED_TO. */
uint32_t fsnotify_cookie(void);

/* The system calls' side (linux/sys_inotify.c checks the arguments). */
int inotify_new(unsigned flags, struct file **out);
bool file_is_inotify(const struct file *f);
/* A watch on ino: its descriptor, or -EEXIST (IN_MASK_CREATE), -ENOSPC. */
int inotify_add(struct file *f, struct inode *ino, uint32_t mask);
int inotify_rm(struct file *f, int wd);

#endif

/*
 * inode.c - inodes of every file system (fs/): allocation, references
 * and release, times from the wall clock, stat fields, and the name of a
 * directory in its parent (the absolute path, across mounts: mount.c).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/vfs.h>

struct inode *vfs_root;
static uint64_t next_ino = 1;

struct inode *inode_alloc(const struct inode_ops *ops,
			  const struct file_ops *fops, unsigned mode)
{
	struct inode *ino = kzalloc(sizeof(*ino));
	int64_t now = time_wall_ns();

	if (!ino)
		return NULL;
	ino->ino = ++next_ino;
	ino->mode = mode;
	ino->nlink = S_ISDIR(mode) ? 2 : 1;
	ino->refs = 1;
	ino->ops = ops;
	ino->fops = fops;
	ino->atime_ns = ino->mtime_ns = ino->ctime_ns = now;
	return ino;
}

void inode_get(struct inode *ino)
{
	ino->refs++;
}

/* The last reference: free it if no directory names it any more. */
void inode_put(struct inode *ino)
{
	struct inode *parent;

	if (!ino)
		return;
	BUG_ON(ino->refs == 0);
	if (--ino->refs)
		return;
	if (ino->nlink && !(ino->flags & I_TRANSIENT))
		return;
	fsnotify_inode_free(ino); /* IN_DELETE_SELF, IN_IGNORED */
	if (ino->ops && ino->ops->release)
		ino->ops->release(ino);
	xattr_free(ino);
	parent = ino->parent;
	kfree(ino);
	inode_put(parent);
}

void inode_touch(struct inode *ino, bool mtime)
{
	ino->ctime_ns = time_wall_ns();
	if (mtime)
		ino->mtime_ns = ino->ctime_ns;
}

unsigned inode_dtype(const struct inode *ino)
{
	return (ino->mode & S_IFMT) >> 12; /* DT_* are the S_IF* bits */
}

void vfs_getattr(struct inode *ino, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = ino->dev;
	st->ino = ino->ino;
	st->nlink = ino->nlink;
	st->mode = ino->mode;
	st->uid = ino->uid;
	st->gid = ino->gid;
	st->rdev = ino->rdev;
	st->size = ino->size;
	st->blksize = 4096;
	st->blocks = S_ISREG(ino->mode) || S_ISLNK(ino->mode)
			 ? ALIGN_UP(ino->size, 4096) / 512
			 : 0;
	st->atime_ns = ino->atime_ns;
	st->mtime_ns = ino->mtime_ns;
	st->ctime_ns = ino->ctime_ns;
	if (ino->ops && ino->ops->getattr)
		ino->ops->getattr(ino, st);
}

/* Finding the name of a directory in its parent, by inode number. */
struct name_search {
	struct dir_ctx ctx;
	uint64_t ino;
	bool found;
	size_t len;
	char *name;
};

static bool match_ino(struct dir_ctx *ctx, const char *name, size_t len,
		      uint64_t ino, unsigned dtype, uint64_t next)
{
	struct name_search *s = container_of(ctx, struct name_search, ctx);

	(void)dtype;
	(void)next;
	if (ino != s->ino || len > NAME_MAX)
		return true;
	memcpy(s->name, name, len);
	s->name[len] = '\0';
	s->len = len;
	s->found = true;
	return false;
}

long inode_dir_name(struct inode *dir, char *name)
{
	struct name_search s = { { match_ino }, dir->ino, false, 0, name };
	struct inode *p = dir->parent;
	uint64_t cookie = 2;

	if (dir == vfs_root || !p || dir->nlink == 0 || !p->ops ||
	    !p->ops->readdir)
		return -ENOENT; /* removed, or outside the tree */
	p->ops->readdir(p, &cookie, &s.ctx);
	return s.found ? (long)s.len : -ENOENT;
}

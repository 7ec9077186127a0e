/*
 * vfs.c - path lookup and the operations on names (fs/): one iterative
 * walker resolves a path from the root, the cwd or a directory fd through
 * ".", "..", symlinks (SYMLOOP_MAX in all) and trailing slashes; the
 * *at operations check types and flags on its result and then call the
 * file system's inode_ops. Rules in docs/fs.md. open(2), stat, the
 * changes of attributes and the cwd are fs/vfs_open.c's, over the walk
 * that fs/vfs_walk.h shares.
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

static bool is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

static bool is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

/* ".." of dir in mount *mnt: out of a mount's root to its mount point
 * first (as Linux), then the parent; the root stays. */
static struct inode *dotdot(struct inode *dir, struct mount **mnt)
{
	struct mount *m = *mnt;

	if (dir == fs_root()) /* ".." of the process's root (chroot) */
		return dir;
	while (m && dir == m->root && m != root_mount) {
		dir = m->mountpoint;
		m = m->parent;
	}
	*mnt = m;
	if (dir == vfs_root)
		return dir;
	return dir->nlink ? dir->parent : NULL;
}

/* Down through the mounts covering *ino (stacked ones too). */
static void cross_mounts(struct inode **ino, struct mount **mnt)
{
	struct mount *m;

	while ((*ino)->flags & I_MOUNTED && (m = mount_over(*mnt, *ino))) {
		inode_get(m->root);
		inode_put(*ino);
		*ino = m->root;
		*mnt = m;
	}
}

/* One component in dir (in mount *mnt): a referenced inode or -errno,
 * and *mnt becomes the mount of that inode. */
static int step(struct inode *dir, struct mount **mnt, const char *name,
		size_t len, struct inode **out)
{
	struct inode *next;
	int err;

	if (is_dot(name, len)) {
		next = dir;
		inode_get(next);
	} else if (is_dotdot(name, len)) {
		next = dir->nlink ? dotdot(dir, mnt) : NULL;
		if (!next)
			return -ENOENT;
		inode_get(next);
	} else {
		if (!dir->ops || !dir->ops->lookup)
			return -ENOENT;
		err = dir->ops->lookup(dir, name, len, &next);
		if (err)
			return err;
	}
	cross_mounts(&next, mnt);
	*out = next;
	return 0;
}

/* Replace the rest of the path by lnk's target followed by suffix. */
static int expand(struct nameidata *nd, struct inode *lnk, const char *suffix,
		  const char **p)
{
	size_t slen = strlen(suffix);
	char *buf;
	long n;

	if (!lnk->ops || !lnk->ops->readlink)
		return -ENOENT;
	buf = kmalloc(PATH_MAX + 1);
	if (!buf)
		return -ENOMEM;
	n = lnk->ops->readlink(lnk, buf, PATH_MAX);
	if (n >= 0 && n + 1 + slen >= PATH_MAX)
		n = -ENAMETOOLONG;
	if (n == 0)
		n = -ENOENT;
	if (n < 0) {
		kfree(buf);
		return (int)n;
	}
	if (slen) {
		buf[n++] = '/';
		memcpy(buf + n, suffix, slen);
		n += slen;
	}
	buf[n] = '\0';
	kfree(nd->buf);
	nd->buf = buf;
	*p = buf;
	return 0;
}

/*
 * Resolve p from cur (a reference the walk takes over) into *out. A
 * symlink met before the end, or at the end with WALK_FOLLOW or a
 * trailing slash, is replaced by its target and the walk goes on.
 */
static int walk(struct nameidata *nd, struct inode *cur, const char *p,
		unsigned wflags, struct inode **out)
{
	struct mount *cmnt = mount_of(cur), *nmnt;
	struct inode *next;
	int err;

	for (;;) {
		const char *name, *rest;
		size_t len;
		bool final, empty;

		if (*p == '/') {
			inode_put(cur);
			cur = fs_root();
			cmnt = cur == vfs_root ? root_mount : mount_of(cur);
			inode_get(cur);
		}
		while (*p == '/')
			p++;
		name = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - name);
		rest = p;
		while (*rest == '/')
			rest++;
		final = !*rest;
		empty = len == 0;
		if (empty) /* "/" or only slashes: the directory itself */
			name = ".", len = 1;
		if (!S_ISDIR(cur->mode)) {
			err = -ENOTDIR;
			goto fail;
		}
		if (len > NAME_MAX) {
			err = -ENAMETOOLONG;
			goto fail;
		}
		nmnt = cmnt;
		err = step(cur, &nmnt, name, len, &next);
		if (final) {
			inode_put(nd->dir);
			nd->dir = cur;
			nd->mnt = cmnt;
			nd->last = name;
			nd->len = len;
			nd->slash = rest != p || empty;
			cur = NULL;
		}
		if (err)
			goto fail;
		if (S_ISLNK(next->mode) &&
		    (!final || nd->slash || (wflags & WALK_FOLLOW))) {
			struct inode *lnk = next;

			if (final) { /* go on from where the link is */
				cur = nd->dir;
				nd->dir = NULL;
			}
			if (++nd->links > SYMLOOP_MAX)
				err = -ELOOP;
			else if (lnk->ops && lnk->ops->follow)
				err = lnk->ops->follow(lnk, &next);
			else
				err = expand(nd, lnk,
					     !final	 ? rest
					     : nd->slash ? "/" /* keep it */
							 : "",
					     &p);
			if (!err && lnk->ops && lnk->ops->follow) {
				inode_put(cur); /* a magic link: its inode */
				nmnt = mount_of(next);
				if (final) {
					inode_put(lnk);
					break;
				}
				cur = next;
				cmnt = nmnt;
				p = rest;
			}
			inode_put(lnk);
			if (err)
				goto fail;
			continue;
		}
		if (final)
			break;
		inode_put(cur);
		cur = next;
		cmnt = nmnt;
		p = rest;
	}
	if ((nd->slash || (wflags & WALK_DIRECTORY)) && !S_ISDIR(next->mode)) {
		inode_put(next);
		return -ENOTDIR;
	}
	nd->omnt = nmnt;
	*out = next;
	return 0;
fail:
	inode_put(cur);
	return err;
}

/* The inode of dirfd (any type), or of the cwd for AT_FDCWD. */
static int dirfd_inode(int dirfd, struct inode **out)
{
	struct file *f;

	if (dirfd == AT_FDCWD) {
		*out = fs_cwd();
		inode_get(*out);
		return 0;
	}
	f = fd_get(dirfd);
	if (!f)
		return -EBADF;
	*out = f->inode;
	inode_get(*out);
	file_put(f);
	return 0;
}

/*
 * An empty path with AT_EMPTY_PATH: dirfd itself. When the directory its
 * file was opened in is watched, nd says where, for inotify's events.
 */
static int empty_path(struct nameidata *nd, int dirfd, struct inode **out)
{
	struct file *f;
	size_t len;

	if (dirfd == AT_FDCWD) {
		int err = dirfd_inode(dirfd, out);

		nd->omnt = err ? NULL : mount_of(*out);
		return err;
	}
	f = fd_get(dirfd);
	if (!f)
		return -EBADF;
	*out = f->inode;
	inode_get(*out);
	nd->omnt = mount_of(*out);
	if (f->name && f->dir && f->dir->watches) {
		len = strlen(f->name);
		nd->buf = kmalloc(len + 1);
		if (nd->buf) {
			memcpy(nd->buf, f->name, len + 1);
			nd->dir = f->dir;
			inode_get(nd->dir);
			nd->last = nd->buf;
			nd->len = len;
		}
	}
	file_put(f);
	return 0;
}

/* Walk path from dirfd; with AT_EMPTY_PATH an empty path is dirfd. */
int nd_lookup(struct nameidata *nd, int dirfd, const char *path,
	      unsigned atflags, unsigned wflags, struct inode **out)
{
	struct inode *base;
	int err;

	memset(nd, 0, sizeof(*nd));
	if (!*path) {
		if (!(atflags & AT_EMPTY_PATH))
			return -ENOENT;
		return empty_path(nd, dirfd, out);
	}
	if (path[0] == '/') {
		base = fs_root();
		inode_get(base);
	} else {
		err = dirfd_inode(dirfd, &base);
		if (err)
			return err;
	}
	return walk(nd, base, path, wflags, out);
}

/* vfs_lookup_at keeping nd: where *out was found (nd_done drops it). */
int nd_lookup_at(struct nameidata *nd, int dirfd, const char *path,
		 unsigned atflags, struct inode **out)
{
	unsigned wflags = atflags & AT_SYMLINK_NOFOLLOW ? 0 : WALK_FOLLOW;

	return nd_lookup(nd, dirfd, path, atflags, wflags, out);
}

int vfs_lookup_at(int dirfd, const char *path, unsigned atflags,
		  struct inode **out)
{
	struct nameidata nd;
	int err = nd_lookup_at(&nd, dirfd, path, atflags, out);

	nd_done(&nd);
	return err;
}

int vfs_lookup_loc(int dirfd, const char *path, unsigned atflags,
		   struct inode **out, struct vfs_loc *loc)
{
	struct nameidata nd;
	int err = nd_lookup_at(&nd, dirfd, path, atflags, out);

	memset(loc, 0, sizeof(*loc));
	if (!err && nd.dir && nd.dir->watches) { /* only inotify wants it */
		loc->buf = kmalloc(nd.len + 1);
		if (loc->buf) {
			memcpy(loc->buf, nd.last, nd.len);
			loc->buf[nd.len] = '\0';
			loc->dir = nd.dir;
			loc->name = loc->buf;
			loc->len = nd.len;
			nd.dir = NULL;
		}
	}
	nd_done(&nd);
	return err;
}

int vfs_lookup_mount(const char *path, bool follow, struct inode **out,
		     struct mount **mnt)
{
	struct nameidata nd;
	int err = nd_lookup_at(&nd, AT_FDCWD, path,
			       follow ? 0 : AT_SYMLINK_NOFOLLOW, out);

	*mnt = err ? NULL : nd.omnt;
	nd_done(&nd);
	return err;
}

void vfs_loc_done(struct vfs_loc *loc)
{
	inode_put(loc->dir);
	kfree(loc->buf);
}

/*
 * Look up the last component without following it, for the operations
 * that make or remove a name: 0 with *out, or -ENOENT with nd->dir set
 * when only the last component is missing.
 */
static int lookup_last(struct nameidata *nd, int dirfd, const char *path,
		       struct inode **out)
{
	*out = NULL;
	return nd_lookup(nd, dirfd, path, 0, 0, out);
}

static bool creatable(struct nameidata *nd, int err)
{
	return err == -ENOENT && nd->dir && nd->dir->nlink;
}

/* Make the name path for a new inode of mode (type and permissions). */
static int make_node(int dirfd, const char *path, unsigned mode,
		     struct inode **out)
{
	struct nameidata nd;
	struct inode *ino;
	int err = lookup_last(&nd, dirfd, path, &ino);

	if (!err) {
		err = -EEXIST;
	} else if (creatable(&nd, err)) {
		if (!nd.dir->ops || !nd.dir->ops->create)
			err = -EPERM;
		else if (nd.slash && !S_ISDIR(mode))
			err = -ENOENT;
		else if (nd_readonly(&nd, NULL, false))
			err = -EROFS;
		else
			err = nd.dir->ops->create(nd.dir, nd.last, nd.len, mode,
						  &ino);
		if (!err)
			fsnotify_name(
			    nd.dir, IN_CREATE | (S_ISDIR(mode) ? IN_ISDIR : 0),
			    nd.last, nd.len, 0);
	}
	if (!err && out)
		*out = ino;
	else
		inode_put(ino);
	nd_done(&nd);
	return err;
}

int vfs_mkdirat(int dirfd, const char *path, unsigned mode)
{
	return make_node(dirfd, path,
			 (mode & S_IALLUGO & ~vfs_get_umask()) | S_IFDIR, NULL);
}

int vfs_mknod_inode(int dirfd, const char *path, unsigned mode,
		    struct inode **out)
{
	return make_node(dirfd, path, mode, out);
}

int vfs_mknodat(int dirfd, const char *path, unsigned mode, uint32_t dev)
{
	unsigned type = mode & S_IFMT ? mode & S_IFMT : S_IFREG;
	struct nameidata nd;
	struct inode *ino;
	int err;

	if (type == S_IFDIR)
		return -EPERM;
	if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK &&
	    type != S_IFCHR && type != S_IFBLK)
		return -EINVAL;
	err = lookup_last(&nd, dirfd, path, &ino);
	if (!err) {
		err = -EEXIST;
	} else if (creatable(&nd, err)) {
		if (!nd.dir->ops || !nd.dir->ops->create)
			err = -EPERM;
		else if (nd_readonly(&nd, NULL, false))
			err = -EROFS;
		else
			err = nd.dir->ops->create(
			    nd.dir, nd.last, nd.len,
			    (mode & S_IALLUGO & ~vfs_get_umask()) | type, &ino);
		if (!err && (type == S_IFCHR || type == S_IFBLK)) {
			ino->rdev = dev;
			/* Opening a node of a device there is not: ENXIO. */
			if (type == S_IFCHR)
				ino->fops = devfs_fops(dev);
			else
				ino->fops = &blkfile_fops;
		}
		if (!err)
			fsnotify_name(nd.dir, IN_CREATE, nd.last, nd.len, 0);
	}
	inode_put(ino);
	nd_done(&nd);
	return err;
}

/*
 * After an unlink or rmdir, in Linux's order: IN_ATTRIB for a file's link
 * count, IN_DELETE_SELF and IN_IGNORED if ino goes with our reference,
 * then IN_DELETE in the directory.
 */
static void unlinked(struct nameidata *nd, struct inode *ino)
{
	uint32_t isdir = S_ISDIR(ino->mode) ? IN_ISDIR : 0;

	if (!isdir)
		fsnotify_inode(ino, IN_ATTRIB);
	inode_put(ino);
	fsnotify_name(nd->dir, IN_DELETE | isdir, nd->last, nd->len, 0);
}

static bool only_slashes(const char *path)
{
	while (*path == '/')
		path++;
	return !*path;
}

int vfs_unlinkat(int dirfd, const char *path, unsigned atflags)
{
	bool rmdir = atflags & AT_REMOVEDIR;
	struct nameidata nd;
	struct inode *ino;
	int err = lookup_last(&nd, dirfd, path, &ino);

	if (err)
		goto out;
	if (rmdir && !nd.dir) /* past a magic link: procfs's, EPERM */
		err = -EPERM;
	else if (rmdir && only_slashes(path))
		err = -EBUSY; /* the root (Linux's LAST_ROOT) */
	else if (rmdir && is_dot(nd.last, nd.len))
		err = -EINVAL;
	else if (rmdir && is_dotdot(nd.last, nd.len))
		err = -ENOTEMPTY;
	else if (rmdir && !S_ISDIR(ino->mode))
		err = -ENOTDIR;
	else if (!rmdir && S_ISDIR(ino->mode))
		err = -EISDIR;
	else if (ino == vfs_root || ino->flags & (I_MOUNT | I_MOUNTED))
		err = -EBUSY;
	else if (nd_readonly(&nd, NULL, false))
		err = -EROFS;
	else if (!nd.dir->ops || !nd.dir->ops->unlink)
		err = -EPERM;
	else
		err = nd.dir->ops->unlink(nd.dir, nd.last, nd.len);
	if (!err) {
		unlinked(&nd, ino);
		ino = NULL;
	}
out:
	inode_put(ino);
	nd_done(&nd);
	return err;
}

/* Is dir inside (or equal to) the directory anc? */
static bool is_within(struct inode *dir, struct inode *anc)
{
	for (; dir; dir = dir == vfs_root ? NULL : dir->parent)
		if (dir == anc)
			return true;
	return false;
}

/* The checks of rename(2) once both names are looked up. */
static int rename_checks(struct nameidata *o, struct inode *oino,
			 struct nameidata *n, struct inode *nino,
			 unsigned flags)
{
	if (is_dot(o->last, o->len) || is_dotdot(o->last, o->len) ||
	    is_dot(n->last, n->len) || is_dotdot(n->last, n->len))
		return -EBUSY;
	/* A magic link followed at the end ("/proc/self/cwd/") leaves no
	 * directory: the link's own is procfs, another mount (Linux). */
	if (!o->dir || !n->dir)
		return -EXDEV;
	if (oino->flags & (I_MOUNT | I_MOUNTED) || oino == vfs_root ||
	    (nino && (nino->flags & (I_MOUNT | I_MOUNTED) || nino == vfs_root)))
		return -EBUSY;
	if (o->dir->dev != n->dir->dev || o->mnt != n->mnt)
		return -EXDEV;
	if (nd_readonly(o, NULL, false))
		return -EROFS;
	if (!o->dir->ops || !o->dir->ops->rename)
		return -EPERM;
	if (n->slash && !S_ISDIR(oino->mode))
		return -ENOTDIR;
	if (S_ISDIR(oino->mode) && is_within(n->dir, oino))
		return -EINVAL;
	if (!nino)
		return flags & RENAME_EXCHANGE ? -ENOENT : 0;
	if (flags & RENAME_NOREPLACE)
		return -EEXIST;
	if (flags & RENAME_EXCHANGE)
		return S_ISDIR(nino->mode) && is_within(o->dir, nino) ? -EINVAL
								      : 0;
	if (S_ISDIR(oino->mode) && !S_ISDIR(nino->mode))
		return -ENOTDIR;
	if (!S_ISDIR(oino->mode) && S_ISDIR(nino->mode))
		return -EISDIR;
	return 0;
}

/* ino went from one name to the other, replacing target (or NULL). */
static void moved(struct nameidata *from, struct nameidata *to,
		  struct inode *ino, struct inode *target)
{
	uint32_t isdir = S_ISDIR(ino->mode) ? IN_ISDIR : 0,
		 cookie = fsnotify_cookie();

	fsnotify_name(from->dir, IN_MOVED_FROM | isdir, from->last, from->len,
		      cookie);
	fsnotify_name(to->dir, IN_MOVED_TO | isdir, to->last, to->len, cookie);
	if (target)
		fsnotify_inode(target, IN_ATTRIB); /* its link count */
	fsnotify_inode(ino, IN_MOVE_SELF);
}

int vfs_renameat2(int odirfd, const char *opath, int ndirfd, const char *npath,
		  unsigned flags)
{
	struct nameidata o, n;
	struct inode *oino, *nino;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE) ||
	    (flags & RENAME_NOREPLACE && flags & RENAME_EXCHANGE))
		return -EINVAL;
	nino = NULL;
	memset(&n, 0, sizeof(n));
	err = lookup_last(&o, odirfd, opath, &oino);
	if (!err) {
		err = lookup_last(&n, ndirfd, npath, &nino);
		if (creatable(&n, err))
			err = 0; /* the new name does not exist yet */
	}
	if (!err)
		err = rename_checks(&o, oino, &n, nino, flags);
	if (!err && oino != nino) {
		err = o.dir->ops->rename(o.dir, o.last, o.len, n.dir, n.last,
					 n.len, flags);
		if (!err && flags & RENAME_EXCHANGE) {
			moved(&o, &n, oino, NULL);
			moved(&n, &o, nino, NULL);
		} else if (!err) {
			moved(&o, &n, oino, nino);
		}
	}
	inode_put(nino);
	inode_put(oino);
	nd_done(&n);
	nd_done(&o);
	return err;
}

int vfs_linkat(int odirfd, const char *opath, int ndirfd, const char *npath,
	       unsigned atflags)
{
	struct nameidata o, n;
	struct inode *old, *ino = NULL;
	struct mount *omnt;
	int err = nd_lookup_at(
	    &o, odirfd, opath,
	    (atflags & AT_EMPTY_PATH) |
		(atflags & AT_SYMLINK_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW),
	    &old);

	omnt = o.omnt;
	nd_done(&o);
	if (err)
		return err;
	if (S_ISDIR(old->mode)) {
		inode_put(old);
		return -EPERM;
	}
	err = lookup_last(&n, ndirfd, npath, &ino);
	if (!err)
		err = -EEXIST;
	else if (creatable(&n, err) && n.slash)
		err = -ENOENT;
	else if (creatable(&n, err) &&
		 (n.dir->dev != old->dev || n.mnt != omnt))
		err = -EXDEV;
	else if (creatable(&n, err) && nd_readonly(&n, NULL, false))
		err = -EROFS;
	else if (creatable(&n, err))
		err = n.dir->ops->link
			  ? n.dir->ops->link(n.dir, n.last, n.len, old)
			  : -EPERM;
	if (!err) {
		fsnotify_inode(old, IN_ATTRIB); /* its link count */
		fsnotify_name(n.dir, IN_CREATE, n.last, n.len, 0);
	}
	inode_put(ino);
	inode_put(old);
	nd_done(&n);
	return err;
}

int vfs_symlinkat(const char *target, int dirfd, const char *path)
{
	struct nameidata nd;
	struct inode *ino;
	int err;

	if (!*target)
		return -ENOENT;
	err = lookup_last(&nd, dirfd, path, &ino);
	if (!err)
		err = -EEXIST;
	else if (creatable(&nd, err) && nd.slash)
		err = -ENOENT;
	else if (creatable(&nd, err) && nd_readonly(&nd, NULL, false))
		err = -EROFS;
	else if (creatable(&nd, err))
		err =
		    nd.dir->ops && nd.dir->ops->symlink
			? nd.dir->ops->symlink(nd.dir, nd.last, nd.len, target)
			: -EPERM;
	if (!err)
		fsnotify_name(nd.dir, IN_CREATE, nd.last, nd.len, 0);
	inode_put(ino);
	nd_done(&nd);
	return err;
}

long vfs_readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	struct inode *ino;
	long err = vfs_lookup_at(dirfd, path,
				 AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, &ino);

	if (err)
		return err;
	if (!S_ISLNK(ino->mode) || !ino->ops || !ino->ops->readlink)
		err = !*path ? -ENOENT : -EINVAL;
	else
		err = ino->ops->readlink(ino, buf, len);
	inode_put(ino);
	return err;
}

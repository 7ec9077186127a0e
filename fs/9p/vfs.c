/*
 * vfs.c - 9p, the file system of a 9P2000.L server (fs/9p): a host
 * directory QEMU shares over virtio-9p, mounted by its tag (mount -t 9p
 * TAG DIR). Every inode holds a fid walked to its file; inodes are kept
 * in a table by qid.path, so the same file is the same struct inode
 * (hard links, a file open under two names, an inotify watch), and up to
 * CACHED of them stay when no one holds them (watched ones always);
 * beyond, the unheld are evicted. Nothing is cached but inodes and their
 * attributes, refreshed on every lookup: reads and writes go to the
 * server, an open file holds its own opened fid. A directory keeps its
 * parent (its ".."), as on ramfs. docs/fs.md, "9p".
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mount.h>
#include <keel/p9chan.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/vfs.h>

#include "9p.h"

#define V9FS_MAGIC 0x01021997
#define NBUCKETS 64
#define DIRBUF 8192 /* bytes of entries asked for per Treaddir */
#define READDIR_ROUNDS 65536 /* Treaddirs in one readdir, at most */
#define CACHED 1024 /* inodes kept, held or not, before the unheld go */
/* Tlopen's flags: Linux's x86 values, which 9P2000.L uses. */
#define P9_RDONLY 0
#define P9_DIRECTORY 0200000

struct v9_sb {
	struct p9_client c;
	struct p9chan *ch;
	struct super_block *sb;
	struct v9_node *table[NBUCKETS]; /* by qid.path */
	unsigned long live; /* inodes not yet released */
	bool killed;
	uint32_t msize_opt;
};

/* What 9p keeps of an inode: its fid, in the table by qid.path (the
 * inode's ino). Not in ino->priv, which a FIFO's pipe takes. */
struct v9_node {
	struct inode *ino;
	uint32_t fid; /* walked to the file, never opened */
	bool stale; /* its qid names another kind of file now: not found */
	struct v9_node *hnext;
};

struct v9_file {
	uint32_t fid; /* opened */
	uint32_t iounit;
};

static const struct inode_ops dir_ops, file_ops, link_ops, special_ops;
static const struct file_ops v9_fops;

/* The channels mounted now: one session each (Tversion starts anew). */
static struct p9chan *in_use[8];

static struct v9_sb *V(struct inode *ino)
{
	return ino->sb->priv;
}

static struct v9_node **bucket(struct v9_sb *s, uint64_t qpath)
{
	return &s->table[(qpath ^ qpath >> 17) % NBUCKETS];
}

/* The node of a live 9p inode (there is always one). */
static struct v9_node *node_of(struct inode *ino)
{
	struct v9_node *n = *bucket(V(ino), ino->ino);

	while (n->ino != ino)
		n = n->hnext;
	return n;
}

static uint32_t fid_of(struct inode *ino)
{
	return node_of(ino)->fid;
}

/* ---- the table of inodes in use ---- */

static struct inode *find_inode(struct v9_sb *s, uint64_t qpath)
{
	for (struct v9_node *n = *bucket(s, qpath); n; n = n->hnext)
		if (n->ino->ino == qpath && !n->stale)
			return n->ino;
	return NULL;
}

static void unhash(struct v9_sb *s, struct v9_node *node)
{
	struct v9_node **pp = bucket(s, node->ino->ino);

	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == node) {
			*pp = node->hnext;
			return;
		}
}

/* Linux's 64-bit dev_t (glibc's encoding) as keel's 32-bit form. */
static uint32_t dev_from_host(uint64_t d)
{
	uint32_t major = (uint32_t)(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffu));
	uint32_t minor = (uint32_t)((d & 0xff) | ((d >> 12) & ~0xffu));

	return (major & 0xfff) << 8 | (minor & 0xff) | (minor >> 8) << 20;
}

static void set_attr(struct inode *ino, const struct p9_attr *a)
{
	ino->mode = (ino->mode & S_IFMT) | (a->mode & S_IALLUGO);
	ino->uid = a->uid;
	ino->gid = a->gid;
	ino->nlink = (uint32_t)MIN(a->nlink, (uint64_t)UINT32_MAX);
	if (!ino->nlink) /* removed under us but still there: alive */
		ino->nlink = 1;
	ino->size = a->size;
	ino->atime_ns = a->atime_ns;
	ino->mtime_ns = a->mtime_ns;
	ino->ctime_ns = a->ctime_ns;
	if (S_ISCHR(ino->mode) || (ino->mode & S_IFMT) == S_IFBLK)
		ino->rdev = dev_from_host(a->rdev);
}

/* Make dir the ".." of the directory ino, unless that would make a loop
 * (a server that shows a directory inside itself). */
static void set_parent(struct inode *ino, struct inode *dir)
{
	if (!S_ISDIR(ino->mode) || ino->parent == dir || !dir)
		return;
	for (struct inode *p = dir; p; p = p->parent)
		if (p == ino)
			return;
	inode_get(dir);
	inode_put(ino->parent);
	ino->parent = dir;
}

/* Free an inode no one holds: its release clunks its fid. */
static void evict(struct inode *ino)
{
	ino->flags |= I_TRANSIENT;
	inode_get(ino);
	inode_put(ino);
}

/* Evict inodes no one holds or watches until at most keep are left (or
 * none such is left). A directory's eviction lets go of its parent,
 * which a later pass may take. */
static void trim(struct v9_sb *s, unsigned long keep)
{
	bool gone = true;

	while (gone && s->live > keep) {
		gone = false;
		for (size_t b = 0; b < NBUCKETS && s->live > keep; b++) {
			struct v9_node *n = s->table[b];

			while (n && (n->ino->refs || n->ino->watches))
				n = n->hnext;
			if (n) {
				evict(n->ino);
				gone = true;
			}
		}
	}
}

/*
 * The inode of a file with attributes a, its fid given (taken over: the
 * inode's, or clunked when the file already has an inode), found in dir
 * (NULL: the root): referenced, or NULL without memory.
 */
static struct inode *get_inode(struct v9_sb *s, uint32_t fid,
			       const struct p9_attr *a, struct inode *dir)
{
	unsigned type = a->mode & S_IFMT;
	struct inode *ino = find_inode(s, a->qid.path);
	struct v9_node *n;

	if (ino && (ino->mode & S_IFMT) == type && ino->nlink) {
		n = node_of(ino);
		if (!ino->refs) { /* unheld: the fresh fid, whose path is
				     right after a rename on the host */
			p9_clunk_nowait(&s->c, n->fid);
			n->fid = fid;
		} else {
			p9_clunk_nowait(&s->c, fid);
		}
		inode_get(ino);
		set_attr(ino, a);
		set_parent(ino, dir);
		return ino;
	}
	if (ino) /* removed, or the qid names another kind of file now */
		node_of(ino)->stale = true;
	if (s->live >= CACHED)
		trim(s, CACHED / 2);
	n = kzalloc(sizeof(*n));
	ino = n ? inode_alloc(S_ISDIR(type)   ? &dir_ops
			      : S_ISREG(type) ? &file_ops
			      : S_ISLNK(type) ? &link_ops
					      : &special_ops,
			      S_ISDIR(type)    ? &dir_fops
			      : S_ISREG(type)  ? &v9_fops
			      : S_ISFIFO(type) ? &fifo_fops
					       : NULL,
			      type)
		: NULL;
	if (!ino) {
		kfree(n);
		p9_clunk_nowait(&s->c, fid);
		return NULL;
	}
	n->ino = ino;
	n->fid = fid;
	ino->ino = a->qid.path;
	ino->sb = s->sb;
	ino->dev = s->sb->dev;
	set_attr(ino, a);
	if (S_ISCHR(type))
		ino->fops = devfs_fops(ino->rdev);
	set_parent(ino, dir);
	n->hnext = *bucket(s, ino->ino);
	*bucket(s, ino->ino) = n;
	s->live++;
	return ino;
}

/* Free the session once its last inode went after its unmount. */
static void session_put(struct v9_sb *s)
{
	if (--s->live || !s->killed)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(in_use); i++)
		if (in_use[i] == s->ch)
			in_use[i] = NULL;
	kfree(s->sb);
	kfree(s);
}

static void v9_release(struct inode *ino)
{
	struct v9_sb *s = V(ino);
	struct v9_node *n = node_of(ino);

	if (S_ISFIFO(ino->mode))
		fifo_inode_release(ino);
	unhash(s, n);
	p9_clunk_nowait(&s->c, n->fid);
	kfree(n);
	session_put(s);
}

/* ---- directories ---- */

static bool readonly(struct inode *ino)
{
	return sb_readonly(ino->sb);
}

/* Walk from dir to name: a new fid and the file's attributes. */
static int walk_attr(struct inode *dir, const char *name, size_t len,
		     uint32_t *fid, struct p9_attr *a)
{
	struct v9_sb *s = V(dir);
	int err;

	*fid = p9_fid_alloc(&s->c);
	err = p9_walk(&s->c, fid_of(dir), *fid, name, len, &a->qid);
	if (err)
		return err;
	err = p9_getattr(&s->c, *fid, a);
	if (err)
		p9_clunk_nowait(&s->c, *fid);
	return err;
}

static int v9_lookup(struct inode *dir, const char *name, size_t len,
		     struct inode **out)
{
	struct p9_attr a;
	uint32_t fid;
	int err = walk_attr(dir, name, len, &fid, &a);

	if (err)
		return err;
	*out = get_inode(V(dir), fid, &a, dir);
	return *out ? 0 : -ENOMEM;
}

/* The qid name has in dir now (a walk, then the fid is let go). */
static int name_qid(struct inode *dir, const char *name, size_t len,
		    struct p9_qid *q)
{
	struct v9_sb *s = V(dir);
	uint32_t fid = p9_fid_alloc(&s->c);
	int err = p9_walk(&s->c, fid_of(dir), fid, name, len, q);

	if (!err)
		p9_clunk_nowait(&s->c, fid);
	return err;
}

struct rd_state {
	struct dir_ctx *ctx;
	uint64_t *pos;
	bool full, bad;
};

/* A name a directory can hold: not empty, no '/' or NUL, not . or .. */
static bool plain_name(const char *name, size_t len)
{
	if (!len || memchr(name, '/', len) || memchr(name, '\0', len))
		return false;
	return !(len == 1 && name[0] == '.') &&
	       !(len == 2 && name[0] == '.' && name[1] == '.');
}

static bool rd_entry(void *arg, const struct p9_qid *qid, uint64_t next,
		     uint8_t type, const char *name, size_t len)
{
	struct rd_state *st = arg;

	if (next > UINT64_MAX - 2) { /* no cookie can say it */
		st->bad = true;
		return false;
	}
	/* ".." and "." come from the VFS; a name no file can have is
	 * skipped. */
	if (plain_name(name, len) &&
	    !st->ctx->emit(st->ctx, name, len, qid->path, type & 0xf,
			   next + 2)) {
		st->full = true;
		return false;
	}
	*st->pos = next + 2;
	return true;
}

/* VFS cookies 2 and up are the server's offsets plus two. */
static int v9_readdir(struct inode *dir, uint64_t *pos, struct dir_ctx *ctx)
{
	struct v9_sb *s = V(dir);
	struct rd_state st = { ctx, pos, false, false };
	uint32_t fid = p9_fid_alloc(&s->c);
	int err = p9_walk(&s->c, fid_of(dir), fid, NULL, 0, NULL);

	if (err)
		return err;
	err = p9_lopen(&s->c, fid, P9_RDONLY | P9_DIRECTORY, NULL);
	for (unsigned round = 0; !err; round++) {
		uint64_t before = *pos;

		if (round ==
		    READDIR_ROUNDS) { /* a server whose offsets cycle */
			err = -EIO;
			break;
		}

		err = p9_readdir(&s->c, fid, *pos - 2, DIRBUF, rd_entry, &st);
		if (st.bad)
			err = -EIO;
		if (err <= 0 || st.full)
			break;
		if (*pos == before) { /* no progress: a server that loops */
			err = -EIO;
			break;
		}
		err = 0;
	}
	p9_clunk_nowait(&s->c, fid);
	return err < 0 ? err : 0;
}

/* After making name in dir: its inode by a fresh lookup. */
static int made(struct inode *dir, const char *name, size_t len, int err,
		struct inode **out)
{
	struct inode *ino;

	if (err)
		return err;
	inode_touch(dir, true);
	err = v9_lookup(dir, name, len, &ino);
	if (err)
		return err;
	if (S_ISDIR(ino->mode))
		dir->nlink++;
	if (out)
		*out = ino;
	else
		inode_put(ino);
	return 0;
}

static int v9_create(struct inode *dir, const char *name, size_t len,
		     unsigned mode, struct inode **out)
{
	struct v9_sb *s = V(dir);
	unsigned perm = mode & S_IALLUGO;
	struct p9_qid q;
	uint32_t fid;
	int err;

	if (readonly(dir))
		return -EROFS;
	if (S_ISDIR(mode))
		return made(
		    dir, name, len,
		    p9_mkdir(&s->c, fid_of(dir), name, len, perm, 0, &q), out);
	if (S_ISFIFO(mode) || S_ISSOCK(mode))
		return made(
		    dir, name, len,
		    p9_mknod(&s->c, fid_of(dir), name, len, mode, 0, 0, 0, &q),
		    out);
	if (!S_ISREG(mode))
		return -EPERM; /* device nodes: their numbers come too late */
	fid = p9_fid_alloc(&s->c);
	err = p9_walk(&s->c, fid_of(dir), fid, NULL, 0, NULL);
	if (err)
		return err;
	err = p9_lcreate(&s->c, fid, name, len, O_RDONLY | O_EXCL, perm, 0, &q);
	p9_clunk_nowait(&s->c, fid);
	return made(dir, name, len, err, out);
}

static int v9_symlink(struct inode *dir, const char *name, size_t len,
		      const char *target)
{
	struct p9_qid q;

	if (readonly(dir))
		return -EROFS;
	return made(
	    dir, name, len,
	    p9_symlink(&V(dir)->c, fid_of(dir), name, len, target, 0, &q),
	    NULL);
}

static int v9_link(struct inode *dir, const char *name, size_t len,
		   struct inode *target)
{
	int err;

	if (readonly(dir))
		return -EROFS;
	if (target->sb != dir->sb)
		return -EXDEV;
	err = p9_link(&V(dir)->c, fid_of(dir), fid_of(target), name, len);
	if (err)
		return err;
	target->nlink++;
	inode_touch(target, false);
	inode_touch(dir, true);
	return 0;
}

/* A file or directory of qid q lost a name in dir. */
static void name_gone(struct inode *dir, const struct p9_qid *q)
{
	struct inode *ino = find_inode(V(dir), q->path);

	if (q->type & P9_QTDIR && dir->nlink > 2)
		dir->nlink--;
	inode_touch(dir, true);
	if (!ino)
		return;
	inode_touch(ino, false);
	if (S_ISDIR(ino->mode)) {
		struct inode *parent = ino->parent;

		ino->nlink = 0;
		ino->parent = NULL;
		inode_put(parent);
	} else if (ino->nlink) {
		ino->nlink--;
	}
}

static int v9_unlink(struct inode *dir, const char *name, size_t len)
{
	struct v9_sb *s = V(dir);
	struct p9_qid q;
	int err;

	if (readonly(dir))
		return -EROFS;
	err = name_qid(dir, name, len, &q);
	if (!err)
		err = p9_unlinkat(&s->c, fid_of(dir), name, len,
				  q.type & P9_QTDIR ? P9_AT_REMOVEDIR : 0);
	if (!err)
		name_gone(dir, &q);
	return err;
}

static int v9_rename(struct inode *odir, const char *oname, size_t olen,
		     struct inode *ndir, const char *nname, size_t nlen,
		     unsigned flags)
{
	struct v9_sb *s = V(odir);
	struct p9_qid oq, nq;
	struct inode *moved;
	bool replaced;
	int err;

	if (readonly(odir))
		return -EROFS;
	if (flags & RENAME_EXCHANGE)
		return -EINVAL; /* 9P has no exchange, as Linux's 9p */
	err = name_qid(odir, oname, olen, &oq);
	if (err)
		return err;
	replaced = !name_qid(ndir, nname, nlen, &nq);
	if (replaced && flags & RENAME_NOREPLACE)
		return -EEXIST;
	err = p9_renameat(&s->c, fid_of(odir), oname, olen, fid_of(ndir), nname,
			  nlen);
	if (err)
		return err;
	if (replaced && nq.path != oq.path)
		name_gone(ndir, &nq);
	inode_touch(odir, true);
	inode_touch(ndir, true);
	moved = find_inode(s, oq.path);
	if (oq.type & P9_QTDIR && odir != ndir) {
		if (odir->nlink > 2)
			odir->nlink--;
		ndir->nlink++;
	}
	if (moved) {
		set_parent(moved, ndir);
		inode_touch(moved, false);
	}
	return 0;
}

/* ---- files and links ---- */

static long v9_readlink(struct inode *lnk, char *buf, size_t len)
{
	return p9_readlink(&V(lnk)->c, fid_of(lnk), buf, len);
}

static int v9_truncate(struct inode *ino, uint64_t size)
{
	struct p9_setattr sa = { .valid = P9_ATTR_SIZE, .size = size };
	int err;

	if (readonly(ino))
		return -EROFS;
	if (size > INT64_MAX)
		return -EFBIG;
	err = p9_setattr(&V(ino)->c, fid_of(ino), &sa);
	if (!err) {
		ino->size = size;
		inode_touch(ino, true);
	}
	return err;
}

static int v9_setattr(struct inode *ino, const struct iattr *ia)
{
	struct p9_setattr sa = { 0 };

	if (readonly(ino))
		return -EROFS;
	if (ia->valid & IATTR_MODE) {
		sa.valid |= P9_ATTR_MODE;
		sa.mode = ia->mode;
	}
	if (ia->valid & IATTR_UID) {
		sa.valid |= P9_ATTR_UID;
		sa.uid = ia->uid;
	}
	if (ia->valid & IATTR_GID) {
		sa.valid |= P9_ATTR_GID;
		sa.gid = ia->gid;
	}
	if (ia->valid & IATTR_ATIME) {
		sa.valid |= P9_ATTR_ATIME | P9_ATTR_ATIME_SET;
		sa.atime_ns = ia->atime_ns;
	}
	if (ia->valid & IATTR_MTIME) {
		sa.valid |= P9_ATTR_MTIME | P9_ATTR_MTIME_SET;
		sa.mtime_ns = ia->mtime_ns;
	}
	if (!sa.valid)
		return 0;
	sa.valid |= P9_ATTR_CTIME;
	return p9_setattr(&V(ino)->c, fid_of(ino), &sa);
}

static int v9_open(struct file *f)
{
	struct v9_sb *s = V(f->inode);
	struct v9_file *vf = kzalloc(sizeof(*vf));
	int err;

	if (!vf)
		return -ENOMEM;
	vf->fid = p9_fid_alloc(&s->c);
	err = p9_walk(&s->c, fid_of(f->inode), vf->fid, NULL, 0, NULL);
	if (err) {
		kfree(vf);
		return err;
	}
	/* 9P2000.L's open flags are Linux's: O_SYNC and O_DSYNC pass, so
	 * the server's writes are durable as the program asked. */
	err = p9_lopen(&s->c, vf->fid, f->flags & (O_ACCMODE | O_SYNC),
		       &vf->iounit);
	if (err) {
		p9_clunk_nowait(&s->c, vf->fid);
		kfree(vf);
		return err;
	}
	f->priv = vf;
	return 0;
}

static void v9_file_release(struct file *f)
{
	struct v9_file *vf = f->priv;

	p9_clunk_nowait(&V(f->inode)->c, vf->fid);
	kfree(vf);
}

/* The most one message moves for the open file f. */
static uint32_t chunk(struct file *f, size_t len)
{
	struct v9_file *vf = f->priv;
	uint32_t max = p9_io_max(&V(f->inode)->c);

	if (vf->iounit && vf->iounit < max)
		max = vf->iounit;
	return (uint32_t)MIN(len, (size_t)max);
}

static long v9_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct v9_file *vf = f->priv;
	uint32_t n = chunk(f, len);
	char *buf = n ? kmalloc(n) : NULL;
	size_t done = 0;
	long err = 0;

	if (!len)
		return 0;
	if (!buf)
		return -ENOMEM;
	while (done < len) {
		uint32_t want = chunk(f, len - done);
		long got =
		    p9_read(&V(f->inode)->c, vf->fid, *pos + done, want, buf);

		if (got <= 0) {
			err = got;
			break;
		}
		if (iobuf_put(b, done, buf, (size_t)got)) {
			err = -EFAULT;
			break;
		}
		done += (size_t)got;
		if ((uint32_t)got < want)
			break; /* the end of the file */
	}
	kfree(buf);
	*pos += done;
	return done ? (long)done : err;
}

static long v9_write(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct v9_file *vf = f->priv;
	struct inode *ino = f->inode;
	struct v9_sb *s = V(ino);
	uint32_t n = chunk(f, len);
	char *buf = n ? kmalloc(n) : NULL;
	uint64_t off = *pos;
	size_t done = 0;
	long err = 0;

	if (!len)
		return 0;
	if (!buf)
		return -ENOMEM;
	if (f->flags & O_APPEND) { /* the end as the server sees it now */
		struct p9_attr a;

		err = p9_getattr(&s->c, vf->fid, &a);
		if (!err)
			ino->size = a.size;
		off = ino->size;
	}
	while (!err && done < len) {
		uint32_t want = chunk(f, len - done);
		long put;

		if (iobuf_get(buf, b, done, want)) {
			err = -EFAULT;
			break;
		}
		put = p9_write(&s->c, vf->fid, off + done, want, buf);
		if (put <= 0) {
			err = put ? put : -EIO;
			break;
		}
		done += (size_t)put;
	}
	kfree(buf);
	if (off + done > ino->size)
		ino->size = off + done;
	if (done)
		inode_touch(ino, true);
	*pos = off + done;
	return done ? (long)done : err;
}

static int v9_fsync(struct file *f, bool datasync)
{
	struct v9_file *vf = f->priv;

	return p9_fsync(&V(f->inode)->c, vf->fid, datasync);
}

static const struct inode_ops dir_ops = {
	.lookup = v9_lookup,
	.readdir = v9_readdir,
	.create = v9_create,
	.symlink = v9_symlink,
	.link = v9_link,
	.unlink = v9_unlink,
	.rename = v9_rename,
	.setattr = v9_setattr,
	.release = v9_release,
};

static const struct inode_ops file_ops = {
	.truncate = v9_truncate,
	.setattr = v9_setattr,
	.release = v9_release,
};

static const struct inode_ops link_ops = {
	.readlink = v9_readlink,
	.setattr = v9_setattr,
	.release = v9_release,
};

static const struct inode_ops special_ops = {
	.setattr = v9_setattr,
	.release = v9_release,
};

static const struct file_ops v9_fops = {
	.open = v9_open,
	.read = v9_read,
	.write = v9_write,
	.llseek = generic_llseek,
	.fsync = v9_fsync,
	.release = v9_file_release,
};

/* ---- the superblock ---- */

static void v9_statfs(struct super_block *sb, struct kstatfs *st)
{
	struct v9_sb *s = sb->priv;
	struct p9_statfs p;

	if (!sb->root || p9_statfs(&s->c, fid_of(sb->root), &p))
		return;
	st->bsize = st->frsize = p.bsize;
	st->blocks = p.blocks;
	st->bfree = p.bfree;
	st->bavail = p.bavail;
	st->files = p.files;
	st->ffree = p.ffree;
	st->namelen = p.namelen ? p.namelen : NAME_MAX;
}

static void v9_show_options(struct super_block *sb, char *buf, size_t len)
{
	struct v9_sb *s = sb->priv;

	snprintf(buf, len, ",msize=%u,trans=virtio", s->c.msize);
}

/* The last mount went: the root goes; the session with the last inode. */
static void v9_kill(struct super_block *sb)
{
	struct v9_sb *s = sb->priv;
	struct inode *root = sb->root;

	sb->root = NULL;
	s->live++; /* held across the puts */
	s->killed = true;
	/* Watches end; inodes still open go with their last reference. */
	for (size_t b = 0; b < NBUCKETS; b++)
		for (struct v9_node *n = s->table[b]; n; n = n->hnext)
			n->ino->flags |= I_TRANSIENT;
	root->flags |= I_TRANSIENT;
	inode_put(root);
	for (bool gone = true; gone;) {
		gone = false;
		for (size_t b = 0; b < NBUCKETS; b++) {
			struct v9_node *n = s->table[b];

			while (n && n->ino->refs)
				n = n->hnext;
			if (n) {
				evict(n->ino);
				gone = true;
			}
		}
	}
	session_put(s);
}

static const struct super_ops v9_sops = {
	.statfs = v9_statfs,
	.show_options = v9_show_options,
	.kill = v9_kill,
};

/* Does the option list start with name=? Then *val is its value. */
static bool opt_is(const char *opt, size_t len, const char *name,
		   const char **val, size_t *vlen)
{
	size_t n = strlen(name);

	if (len < n + 1 || memcmp(opt, name, n) || opt[n] != '=')
		return false;
	*val = opt + n + 1;
	*vlen = len - n - 1;
	return true;
}

/* Equal, ignoring the case of ASCII letters (9p2000.L or 9P2000.L). */
static bool val_is(const char *val, size_t vlen, const char *want)
{
	if (vlen != strlen(want))
		return false;
	for (size_t i = 0; i < vlen; i++)
		if ((val[i] | 0x20) != (want[i] | 0x20))
			return false;
	return true;
}

/* Linux's options: trans=virtio, version=9p2000.L, msize=N; the others
 * (aname, cache, access, posixacl ...) are accepted and ignored. */
static int parse_options(const char *data, uint32_t *msize)
{
	while (data && *data) {
		const char *comma = strchr(data, ','), *val;
		size_t len = comma ? (size_t)(comma - data) : strlen(data),
		       vlen;

		if (opt_is(data, len, "trans", &val, &vlen)) {
			if (!val_is(val, vlen, "virtio"))
				return -EINVAL;
		} else if (opt_is(data, len, "version", &val, &vlen)) {
			if (!val_is(val, vlen, "9p2000.L"))
				return -EINVAL;
		} else if (opt_is(data, len, "msize", &val, &vlen)) {
			uint64_t v = 0;

			if (!vlen || vlen > 10)
				return -EINVAL;
			for (size_t i = 0; i < vlen; i++) {
				if (val[i] < '0' || val[i] > '9')
					return -EINVAL;
				v = v * 10 + (uint64_t)(val[i] - '0');
			}
			if (v < P9_MSIZE_MIN || v > UINT32_MAX)
				return -EINVAL;
			*msize = (uint32_t)v;
		}
		data = comma ? comma + 1 : NULL;
	}
	return 0;
}

static bool claim(struct p9chan *ch)
{
	for (size_t i = 0; i < ARRAY_SIZE(in_use); i++)
		if (in_use[i] == ch)
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(in_use); i++)
		if (!in_use[i]) {
			in_use[i] = ch;
			return true;
		}
	return false;
}

static void unclaim(struct p9chan *ch)
{
	for (size_t i = 0; i < ARRAY_SIZE(in_use); i++)
		if (in_use[i] == ch)
			in_use[i] = NULL;
}

/* Version, attach, and the root's attributes: 0 or -errno. */
static int session_start(struct v9_sb *s, uint32_t msize)
{
	struct p9_attr a;
	struct p9_qid q;
	uint32_t fid;
	int err;

	s->c.ch = s->ch;
	s->c.next_fid = 1;
	err = p9_version(&s->c, MIN(msize, p9chan_msize(s->ch)));
	if (err)
		return err;
	fid = p9_fid_alloc(&s->c);
	err = p9_attach(&s->c, fid, "root", "", 0, &q);
	if (err)
		return err;
	err = p9_getattr(&s->c, fid, &a);
	if (!err && !S_ISDIR(a.mode))
		err = -ENOTDIR;
	if (!err) {
		s->sb->root = get_inode(s, fid, &a, NULL);
		if (!s->sb->root)
			err = -ENOMEM;
	} else {
		p9_clunk_nowait(&s->c, fid);
	}
	return err;
}

int v9fs_mount(const char *source, unsigned long flags, const char *data,
	       struct super_block **out)
{
	uint32_t msize = P9_MSIZE_DEFAULT;
	struct p9chan *ch;
	struct v9_sb *s;
	int err = parse_options(data, &msize);

	if (err)
		return err;
	if (!source || !*source)
		return -EINVAL;
	ch = p9chan_find(source);
	if (!ch)
		return -ENOENT; /* no channel has this tag (as Linux) */
	if (!claim(ch))
		return -EBUSY;
	s = kzalloc(sizeof(*s));
	if (s)
		s->sb = sb_alloc("9p", V9FS_MAGIC, &v9_sops);
	if (!s || !s->sb) {
		kfree(s);
		unclaim(ch);
		return -ENOMEM;
	}
	s->ch = ch;
	s->sb->priv = s;
	s->sb->dev = sb_anon_dev();
	if (flags & MS_RDONLY)
		s->sb->flags |= SB_RDONLY;
	err = session_start(s, msize);
	if (err) {
		printk("9p: mount of %s failed (error %d)\n", source, err);
		unclaim(ch);
		if (s->sb->root) {
			v9_kill(s->sb);
		} else {
			kfree(s->sb);
			kfree(s);
		}
		return err;
	}
	s->sb->root->flags |= I_MOUNT;
	*out = s->sb;
	return 0;
}

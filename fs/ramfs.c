/*
 * ramfs.c - the writable in-memory root file system (fs/), filled from
 * the initrd at boot (fs/rootfs.c). Directories are lists of named entries;
 * a regular file's data is a sparse array of pages, and a file unpacked
 * from the initrd reads the archive in place until a page is first
 * written (copy on write, page by page). Symlink targets are copied.
 * Each instance is a superblock (the root, a tmpfs, devtmpfs) that counts
 * its inodes and pages (fs/ramfs.h); tmpfs's limits are in fs/tmpfs.c.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/list.h>
#include <keel/mount.h>
#include <keel/page.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/vfs.h>

#include "ramfs.h"

#define RAMFS_DEV 1 /* st_dev 0:1: memfd's files, in no instance */
#define RAMFS_MAX_SIZE (1ULL << 40)

struct rentry {
	struct list_node node;
	struct inode *ino;
	uint64_t cookie; /* getdents64 position, increasing in the list */
	size_t len;
	char name[];
};

struct rdir {
	struct list_node entries;
	uint64_t next_cookie;
	size_t count;
};

struct rfile {
	const uint8_t *ro; /* initrd data backing the pages not yet copied */
	size_t rolen;
	/* Pages below ro_pages are the initrd's, already in RAM: copying one
	 * (on a write or a shared mapping's fault) does not charge the
	 * instance's size=, and freeing it gives nothing back to it. Only
	 * ever lowered, to the first page freed, so that a page's charge
	 * when freed is the one it was given. */
	size_t ro_pages;
	void **pages; /* NULL slots: from ro, or zeros */
	size_t npages;
};

struct rlink {
	size_t len;
	char target[];
};

static const struct inode_ops dir_ops, reg_ops, link_ops, special_ops;
static const struct file_ops file_fops;
static bool is_empty_dir(struct inode *ino);

static struct rentry *find(struct inode *dir, const char *name, size_t len)
{
	struct rdir *d = dir->priv;

	list_for_each (n, &d->entries) {
		struct rentry *e = list_entry(n, struct rentry, node);

		if (e->len == len && !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

/* An inode of sb's (NULL: memfd's) left: the last frees a killed sb. */
static void inode_gone(struct super_block *sb)
{
	struct ramfs_sb *rs = sb ? sb->priv : NULL;

	if (!rs)
		return;
	rs->inodes--;
	if (rs->killed && !rs->inodes) {
		kfree(rs);
		kfree(sb);
	}
}

static struct inode *new_inode(struct super_block *sb, unsigned mode)
{
	const struct inode_ops *ops = S_ISDIR(mode)   ? &dir_ops
				      : S_ISLNK(mode) ? &link_ops
				      : S_ISREG(mode) ? &reg_ops
						      : &special_ops;
	/* FIFOs open as pipes; device nodes get theirs from the VFS. */
	const struct file_ops *fops = S_ISDIR(mode)    ? &dir_fops
				      : S_ISREG(mode)  ? &file_fops
				      : S_ISFIFO(mode) ? &fifo_fops
						       : NULL;
	struct inode *ino = inode_alloc(ops, fops, mode);
	void *priv = NULL;

	if (!ino)
		return NULL;
	ino->dev = sb ? sb->dev : RAMFS_DEV;
	ino->sb = sb;
	ino->flags |= I_XATTR;
	if (S_ISDIR(mode)) {
		struct rdir *d = kzalloc(sizeof(*d));

		if (d) {
			list_init(&d->entries);
			d->next_cookie = 2;
		}
		priv = d;
	} else if (S_ISREG(mode)) {
		priv = kzalloc(sizeof(struct rfile));
	}
	/* Symlinks get their target later; FIFOs their pipe at open. */
	if (!priv && (S_ISDIR(mode) || S_ISREG(mode))) {
		kfree(ino);
		return NULL;
	}
	ino->priv = priv;
	if (sb)
		((struct ramfs_sb *)sb->priv)->inodes++;
	return ino;
}

static struct rentry *alloc_entry(const char *name, size_t len)
{
	struct rentry *e = kmalloc(sizeof(*e) + len + 1);

	if (e) {
		e->len = len;
		memcpy(e->name, name, len);
		e->name[len] = '\0';
	}
	return e;
}

/* Put e naming ino into dir: and for a directory, its ".." and nlinks. */
static void link_entry(struct inode *dir, struct rentry *e, struct inode *ino)
{
	struct rdir *d = dir->priv;

	e->ino = ino;
	e->cookie = d->next_cookie++;
	list_push_back(&d->entries, &e->node);
	d->count++;
	if (S_ISDIR(ino->mode)) {
		inode_get(dir);
		inode_put(ino->parent);
		ino->parent = dir;
		dir->nlink++;
	}
	inode_touch(dir, true);
}

static int add_entry(struct inode *dir, const char *name, size_t len,
		     struct inode *ino)
{
	struct rentry *e = alloc_entry(name, len);

	if (!e)
		return -ENOMEM;
	link_entry(dir, e, ino);
	return 0;
}

/* Unlink an entry; ino is freed once its last reference goes. */
static void drop_entry(struct inode *dir, struct rentry *e)
{
	struct rdir *d = dir->priv;
	struct inode *ino = e->ino;

	list_remove(&e->node);
	d->count--;
	kfree(e);
	inode_touch(dir, true);
	inode_touch(ino, false);
	if (S_ISDIR(ino->mode)) {
		struct inode *parent = ino->parent;

		ino->nlink = 0;
		ino->parent = NULL;
		dir->nlink--;
		inode_put(parent);
	} else {
		ino->nlink--;
	}
	inode_get(ino);
	inode_put(ino);
}

/* Add ino as name, replacing an entry that is not a directory. */
int ramfs_add(struct inode *dir, const char *name, struct inode *ino)
{
	struct rentry *old = find(dir, name, strlen(name));

	if (dir->ops != &dir_ops)
		return -EPERM;
	if (old && !is_empty_dir(old->ino))
		return -ENOTEMPTY;
	if (old)
		drop_entry(dir, old);
	return add_entry(dir, name, strlen(name), ino);
}

/* ---- directories ---- */

static int rd_lookup(struct inode *dir, const char *name, size_t len,
		     struct inode **out)
{
	struct rentry *e = find(dir, name, len);

	if (!e)
		return -ENOENT;
	inode_get(e->ino);
	*out = e->ino;
	return 0;
}

static int rd_readdir(struct inode *dir, uint64_t *pos, struct dir_ctx *ctx)
{
	struct rdir *d = dir->priv;

	list_for_each (n, &d->entries) {
		struct rentry *e = list_entry(n, struct rentry, node);

		if (e->cookie < *pos)
			continue;
		if (!ctx->emit(ctx, e->name, e->len, e->ino->ino,
			       inode_dtype(e->ino), e->cookie + 1))
			return 0;
		*pos = e->cookie + 1;
	}
	return 0;
}

/* A new inode for the name in dir: not there yet, and room for it. */
static int new_child(struct inode *dir, const char *name, size_t len,
		     unsigned mode, struct inode **out)
{
	if (find(dir, name, len))
		return -EEXIST;
	if (ramfs_full(dir->sb, 0))
		return -ENOSPC;
	*out = new_inode(dir->sb, mode);
	return *out ? 0 : -ENOMEM;
}

static int rd_create(struct inode *dir, const char *name, size_t len,
		     unsigned mode, struct inode **out)
{
	struct inode *ino;
	int err = new_child(dir, name, len, mode, &ino);

	if (err)
		return err;
	err = add_entry(dir, name, len, ino);
	if (err) {
		ino->nlink = 0;
		inode_put(ino);
		return err;
	}
	*out = ino;
	return 0;
}

static int set_target(struct inode *ino, const char *target, size_t len)
{
	struct rlink *l = kmalloc(sizeof(*l) + len);

	if (!l)
		return -ENOMEM;
	l->len = len;
	memcpy(l->target, target, len);
	kfree(ino->priv);
	ino->priv = l;
	ino->size = len;
	return 0;
}

static int rd_symlink(struct inode *dir, const char *name, size_t len,
		      const char *target)
{
	struct inode *ino;
	int err = new_child(dir, name, len, S_IFLNK | 0777, &ino);

	if (err)
		return err;
	err = set_target(ino, target, strlen(target));
	if (!err)
		err = add_entry(dir, name, len, ino);
	if (err)
		ino->nlink = 0;
	inode_put(ino);
	return err;
}

static int rd_link(struct inode *dir, const char *name, size_t len,
		   struct inode *target)
{
	int err;

	if (find(dir, name, len))
		return -EEXIST;
	if (target->nlink == 0)
		return -ENOENT;
	err = add_entry(dir, name, len, target);
	if (!err) {
		target->nlink++;
		inode_touch(target, false);
	}
	return err;
}

/* True for non-directories too: "nothing would be lost by removing it". */
static bool is_empty_dir(struct inode *ino)
{
	if (!S_ISDIR(ino->mode))
		return true;
	return ino->ops == &dir_ops && ((struct rdir *)ino->priv)->count == 0;
}

static int rd_unlink(struct inode *dir, const char *name, size_t len)
{
	struct rentry *e = find(dir, name, len);

	if (!e)
		return -ENOENT;
	if (S_ISDIR(e->ino->mode) &&
	    (e->ino->ops != &dir_ops || !is_empty_dir(e->ino)))
		return e->ino->ops != &dir_ops ? -EBUSY : -ENOTEMPTY;
	drop_entry(dir, e);
	return 0;
}

/* Point entry e (in dir) at ino, moving a directory's ".." to dir. */
static void retarget(struct inode *dir, struct rentry *e, struct inode *ino)
{
	e->ino = ino;
	if (S_ISDIR(ino->mode) && ino->parent != dir) {
		struct inode *old = ino->parent;

		inode_get(dir);
		ino->parent = dir;
		dir->nlink++;
		old->nlink--;
		inode_put(old);
	}
}

static int rd_rename(struct inode *odir, const char *oname, size_t olen,
		     struct inode *ndir, const char *nname, size_t nlen,
		     unsigned flags)
{
	struct rentry *oe = find(odir, oname, olen),
		      *ne = find(ndir, nname, nlen), *e;
	struct inode *moved;

	if (!oe)
		return -ENOENT;
	moved = oe->ino;
	if (flags & RENAME_EXCHANGE) {
		if (!ne)
			return -ENOENT;
		retarget(odir, oe, ne->ino);
		retarget(ndir, ne, moved);
		inode_touch(odir, true);
		inode_touch(ndir, true);
		return 0;
	}
	if (ne && !is_empty_dir(ne->ino))
		return -ENOTEMPTY;
	e = alloc_entry(nname, nlen);
	if (!e)
		return -ENOMEM;
	if (ne)
		drop_entry(ndir, ne);
	list_remove(&oe->node);
	((struct rdir *)odir->priv)->count--;
	kfree(oe);
	if (S_ISDIR(moved->mode))
		odir->nlink--;
	inode_touch(odir, true);
	link_entry(ndir, e, moved);
	inode_touch(moved, false);
	return 0;
}

/* ---- symlinks ---- */

static long rl_readlink(struct inode *ino, char *buf, size_t len)
{
	struct rlink *l = ino->priv;
	size_t n = l ? MIN(len, l->len) : 0;

	if (n)
		memcpy(buf, l->target, n);
	return (long)n;
}

/* ---- regular files ---- */

/* Byte off of the file, for reading: a page, the initrd, or NULL (zero). */
static const uint8_t *data_at(struct rfile *r, uint64_t off, size_t *avail)
{
	size_t i = off / PAGE_SIZE, in = off % PAGE_SIZE;

	*avail = PAGE_SIZE - in;
	if (i < r->npages && r->pages[i])
		return (uint8_t *)r->pages[i] + in;
	if (off < r->rolen) {
		*avail = MIN(*avail, r->rolen - off);
		return r->ro + off;
	}
	return NULL;
}

static long rf_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct inode *ino = f->inode;
	struct rfile *r = ino->priv;
	size_t done = 0;

	if (*pos >= ino->size)
		return 0;
	len = MIN(len, ino->size - *pos);
	while (done < len) {
		size_t avail;
		const uint8_t *src = data_at(r, *pos + done, &avail);
		size_t n = MIN(avail, len - done);
		size_t got = src ? iobuf_put_upto(b, done, src, n)
				 : iobuf_zero_upto(b, done, n);

		done += got;
		if (got < n) { /* the buffer ends here: what fit, or EFAULT */
			if (!done)
				return -EFAULT;
			break;
		}
	}
	*pos += done;
	return (long)done;
}

/* The page holding byte off, made private and writable (copy on write). */
static uint8_t *page_for_write(struct inode *ino, uint64_t off)
{
	struct rfile *r = ino->priv;
	size_t i = off / PAGE_SIZE;
	paddr_t pa;
	uint8_t *p;

	if (i >= r->npages) {
		size_t n = MAX(i + 1, r->npages * 2);
		void **pages = krealloc(r->pages, n * sizeof(void *));

		if (!pages)
			return NULL;
		memset(pages + r->npages, 0, (n - r->npages) * sizeof(void *));
		r->pages = pages;
		r->npages = n;
	}
	if (r->pages[i])
		return r->pages[i];
	if (i >= r->ro_pages && ramfs_full(ino->sb, 1))
		return NULL;
	pa = pmm_alloc_user(1);
	if (!pa)
		return NULL;
	if (ino->sb && i >= r->ro_pages)
		((struct ramfs_sb *)ino->sb->priv)->pages++;
	p = phys_to_virt(pa);
	off = (uint64_t)i * PAGE_SIZE;
	if (off < r->rolen) {
		size_t n = MIN(PAGE_SIZE, r->rolen - off);

		memcpy(p, r->ro + off, n);
		memset(p + n, 0, PAGE_SIZE - n);
	} else {
		memset(p, 0, PAGE_SIZE);
	}
	r->pages[i] = p;
	return p;
}

static long rf_write(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct inode *ino = f->inode;
	uint64_t off = f->flags & O_APPEND ? ino->size : *pos;
	size_t done = 0;
	long err = 0;

	if (off >= RAMFS_MAX_SIZE)
		return len ? -EFBIG : 0;
	len = MIN(len, RAMFS_MAX_SIZE - off);
	while (done < len) {
		uint8_t *p = page_for_write(ino, off + done);
		size_t in = (off + done) % PAGE_SIZE,
		       n = MIN(PAGE_SIZE - in, len - done), got;

		if (!p) {
			err = -ENOSPC;
			break;
		}
		got = iobuf_get_upto(p + in, b, done, n);
		done += got;
		if (got < n) { /* the buffer ends here */
			err = -EFAULT;
			break;
		}
	}
	if (off + done > ino->size)
		ino->size = off + done;
	if (done)
		inode_touch(ino, true);
	*pos = off + done;
	return done ? (long)done : err;
}

static void free_pages_from(struct inode *ino, size_t first)
{
	struct ramfs_sb *rs = ino->sb ? ino->sb->priv : NULL;
	struct rfile *r = ino->priv;

	for (size_t i = first; i < r->npages; i++) {
		if (r->pages[i]) {
			pmm_free(virt_to_phys(r->pages[i]), 1);
			if (rs && i >= r->ro_pages)
				rs->pages--;
		}
		r->pages[i] = NULL;
	}
	r->ro_pages = MIN(r->ro_pages, first);
}

static int rf_truncate(struct inode *ino, uint64_t size)
{
	struct rfile *r = ino->priv;

	if (size > RAMFS_MAX_SIZE)
		return -EFBIG;
	if (size < ino->size) {
		size_t keep = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;

		free_pages_from(ino, keep);
		if (size % PAGE_SIZE && keep - 1 < r->npages &&
		    r->pages[keep - 1])
			memset((uint8_t *)r->pages[keep - 1] + size % PAGE_SIZE,
			       0, PAGE_SIZE - size % PAGE_SIZE);
		r->rolen = MIN(r->rolen, size);
	}
	ino->size = size;
	inode_touch(ino, true);
	return 0;
}

static void rf_release(struct inode *ino)
{
	struct rfile *r = ino->priv;

	free_pages_from(ino, 0);
	kfree(r->pages);
	kfree(r);
	inode_gone(ino->sb);
}

static void rd_release(struct inode *ino)
{
	kfree(ino->priv); /* empty: only empty directories are removed */
	inode_gone(ino->sb);
}

static void rl_release(struct inode *ino)
{
	kfree(ino->priv);
	inode_gone(ino->sb);
}

static void special_release(struct inode *ino)
{
	if (S_ISFIFO(ino->mode))
		fifo_inode_release(ino);
	inode_gone(ino->sb);
}

struct inode *ramfs_new_file(unsigned mode)
{
	struct inode *ino = new_inode(NULL, S_IFREG | (mode & S_IALLUGO));

	if (ino)
		ino->nlink = 0;
	return ino;
}

size_t ramfs_file_pages(struct inode *ino)
{
	struct rfile *r = ino->priv;
	size_t n = 0;

	for (size_t i = 0; i < r->npages; i++)
		n += r->pages[i] != NULL;
	return n;
}

int ramfs_set_initrd_data(struct inode *ino, const void *data, size_t len)
{
	struct rfile *r = ino->priv;

	if (ino->ops != &reg_ops)
		return -EINVAL;
	free_pages_from(ino, 0);
	r->ro = data;
	r->rolen = len;
	r->ro_pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
	ino->size = len;
	return 0;
}

static const struct inode_ops dir_ops = {
	.lookup = rd_lookup,
	.readdir = rd_readdir,
	.create = rd_create,
	.symlink = rd_symlink,
	.link = rd_link,
	.unlink = rd_unlink,
	.rename = rd_rename,
	.release = rd_release,
};

/* A shared mapping's page is the file's own: a write through it is a
 * write to the file. The mapping's reference keeps it past a truncate. */
static paddr_t rf_share_page(struct inode *ino, uint64_t off)
{
	uint8_t *p = off < RAMFS_MAX_SIZE ? page_for_write(ino, off) : NULL;
	paddr_t pa;

	if (!p)
		return 0;
	pa = virt_to_phys(p);
	pmm_ref(pa);
	return pa;
}

static const struct inode_ops reg_ops = {
	.truncate = rf_truncate,
	.share_page = rf_share_page,
	.release = rf_release,
};

static const struct inode_ops special_ops = {
	.release = special_release,
};

static const struct inode_ops link_ops = {
	.readlink = rl_readlink,
	.release = rl_release,
};

static const struct file_ops file_fops = {
	.read = rf_read,
	.write = rf_write,
	.llseek = generic_llseek,
};

int vfs_memfd(const char *name, struct file **out)
{
	size_t len = strlen(name);
	struct inode *ino = ramfs_new_file(0777);
	struct file *f = ino ? file_alloc(ino, O_RDWR | O_LARGEFILE) : NULL;

	inode_put(ino);
	if (!f)
		return -ENOMEM;
	f->name = kmalloc(len + 7);
	if (!f->name) {
		file_put(f);
		return -ENOMEM;
	}
	memcpy(f->name, "memfd:", 6);
	memcpy(f->name + 6, name, len + 1);
	*out = f;
	return 0;
}

/* ---- instances ---- */

/*
 * The last mount of sb went: every name goes, the deepest first (no
 * recursion: a loop that descends into the first non-empty directory).
 * Inodes still open stay until their last reference; the superblock
 * with the last of them.
 */
static void rs_kill(struct super_block *sb)
{
	struct inode *root = sb->root, *dir = root;
	struct ramfs_sb *rs = sb->priv;

	for (;;) {
		struct rdir *d = dir->priv;
		struct rentry *e;

		if (list_empty(&d->entries)) {
			if (dir == root)
				break;
			dir = dir->parent; /* now empty: dropped next */
			continue;
		}
		e = list_entry(d->entries.next, struct rentry, node);
		if (e->ino->ops == &dir_ops && !is_empty_dir(e->ino)) {
			dir = e->ino;
			continue;
		}
		drop_entry(dir, e);
	}
	root->nlink = 0;
	root->flags |= I_TRANSIENT;
	sb->root = NULL;
	rs->killed = true;
	rs->inodes++; /* held across the put below */
	inode_put(root);
	inode_gone(sb);
}

static const struct super_ops ramfs_sops = {
	.statfs = ramfs_statfs,
	.show_options = ramfs_show_options,
	.kill = rs_kill,
	.reconfigure = ramfs_set_options,
};

struct super_block *ramfs_new_sb(const char *type, uint32_t magic, uint32_t dev)
{
	struct super_block *sb = sb_alloc(type, magic, &ramfs_sops);
	struct ramfs_sb *rs = kzalloc(sizeof(*rs));

	if (!sb || !rs)
		goto fail;
	rs->mode = 01777;
	sb->priv = rs;
	sb->dev = dev ? dev : sb_anon_dev();
	sb->root = new_inode(sb, S_IFDIR | 0755);
	if (!sb->root)
		goto fail;
	sb->root->flags |= I_MOUNT;
	return sb;
fail:
	kfree(rs);
	kfree(sb);
	return NULL;
}

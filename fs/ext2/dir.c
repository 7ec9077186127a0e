/*
 * dir.c - ext2 directories (fs/ext2/): blocks of variable-length entries
 * read by a linear scan (a hashed directory's index blocks look like
 * empty entries, so it reads the same way; writing one clears its index
 * flag, leaving a valid linear directory), every entry checked against
 * its block before its name is read. Lookup, readdir (cookies are byte
 * offsets + 2), and the operations on names: create, mkdir, symlink,
 * link, unlink, rmdir, rename (over an existing name, directories moved
 * with their "..", RENAME_EXCHANGE).
 */
#include <keel/errno.h>
#include <keel/string.h>

#include "ext2.h"

/* An entry found: its block (referenced), offset, the previous entry. */
struct slot {
	struct buf *b;
	uint32_t off, prev; /* prev == off: the first in its block */
	struct ext2_dirent *de;
};

static struct ext2_fs *FS(struct inode *ino)
{
	return EI(ino)->fs;
}

static bool has_ft(struct ext2_fs *fs)
{
	return fs->s.s_feature_incompat & INCOMPAT_FILETYPE;
}

static unsigned name_len(struct ext2_fs *fs, const struct ext2_dirent *de)
{
	return has_ft(fs) ? de->name_len
			  : de->name_len | (unsigned)de->file_type << 8;
}

/* The entry at off of a block of dir, checked: NULL when it is corrupt. */
static struct ext2_dirent *entry_at(struct inode *dir, uint8_t *data,
				    uint32_t off)
{
	struct ext2_fs *fs = FS(dir);
	struct ext2_dirent *de = (struct ext2_dirent *)(data + off);

	if (off + 8 > fs->bsize || de->rec_len < 8 || de->rec_len % 4 ||
	    off + de->rec_len > fs->bsize ||
	    8 + name_len(fs, de) > de->rec_len ||
	    (de->inode && (name_len(fs, de) == 0 || name_len(fs, de) > 255 ||
			   de->inode > fs->s.s_inodes_count))) {
		ext2_corrupt(fs, "directory entry in inode", EI(dir)->ino);
		return NULL;
	}
	return de;
}

/* Block i of dir, referenced; *b NULL for a hole (nothing there). */
static int dir_block(struct inode *dir, uint64_t i, struct buf **b)
{
	uint64_t p;
	int err = ext2_bmap(dir, i, false, &p, NULL);

	*b = NULL;
	if (err || !p)
		return err;
	return ext2_bread(FS(dir), p, b);
}

static uint64_t nblocks(struct inode *dir)
{
	return dir->size >> FS(dir)->bshift;
}

/* Find name in dir: 0 with s (s->b referenced), -ENOENT, or -errno. */
static int find(struct inode *dir, const char *name, size_t len, struct slot *s)
{
	for (uint64_t i = 0; i < nblocks(dir); i++) {
		uint32_t off = 0, prev = 0;
		struct buf *b;
		int err = dir_block(dir, i, &b);

		if (err)
			return err;
		if (!b)
			continue;
		while (off < FS(dir)->bsize) {
			struct ext2_dirent *de = entry_at(dir, b->data, off);

			if (!de) {
				bcache_put(b);
				return -EUCLEAN;
			}
			if (de->inode && name_len(FS(dir), de) == len &&
			    !memcmp(de->name, name, len)) {
				s->b = b;
				s->off = off;
				s->prev = prev;
				s->de = de;
				return 0;
			}
			prev = off;
			off += de->rec_len;
		}
		bcache_put(b);
	}
	return -ENOENT;
}

static int ext2_lookup(struct inode *dir, const char *name, size_t len,
		       struct inode **out)
{
	struct slot s;
	uint32_t nr;
	int err = find(dir, name, len, &s);

	if (err)
		return err;
	nr = s.de->inode;
	bcache_put(s.b);
	return ext2_iget(FS(dir), nr, dir, out);
}

static unsigned dtype(struct ext2_fs *fs, unsigned ft)
{
	static const uint8_t dt[] = { DT_UNKNOWN, DT_REG,  DT_DIR,  DT_CHR,
				      DT_BLK,	  DT_FIFO, DT_SOCK, DT_LNK };

	return has_ft(fs) && ft < ARRAY_SIZE(dt) ? dt[ft] : DT_UNKNOWN;
}

static bool is_dots(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') ||
	       (len == 2 && name[0] == '.' && name[1] == '.');
}

static int ext2_readdir(struct inode *dir, uint64_t *pos, struct dir_ctx *ctx)
{
	struct ext2_fs *fs = FS(dir);
	uint64_t at = *pos - 2;

	while (at < dir->size) {
		uint64_t i = at >> fs->bshift, base = i << fs->bshift;
		uint32_t off = 0;
		struct buf *b;
		int err = dir_block(dir, i, &b);

		if (err)
			return err;
		while (b && off < fs->bsize) {
			struct ext2_dirent *de = entry_at(dir, b->data, off);
			uint64_t next;

			if (!de) {
				bcache_put(b);
				return -EUCLEAN;
			}
			next = base + off + de->rec_len;
			if (base + off >= at && de->inode &&
			    !is_dots(de->name, name_len(fs, de))) {
				if (!ctx->emit(ctx, de->name, name_len(fs, de),
					       de->inode,
					       dtype(fs, de->file_type),
					       next + 2)) {
					bcache_put(b);
					return 0;
				}
			}
			*pos = next + 2;
			off += de->rec_len;
		}
		if (b)
			bcache_put(b);
		at = base + fs->bsize;
		*pos = at + 2;
	}
	return 0;
}

static uint8_t ftype(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return EXT2_FT_REG;
	case S_IFDIR:
		return EXT2_FT_DIR;
	case S_IFCHR:
		return EXT2_FT_CHR;
	case S_IFBLK:
		return EXT2_FT_BLK;
	case S_IFIFO:
		return EXT2_FT_FIFO;
	case S_IFSOCK:
		return EXT2_FT_SOCK;
	case S_IFLNK:
		return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

static void set_entry(struct ext2_fs *fs, struct ext2_dirent *de,
		      const char *name, size_t len, struct inode *ino)
{
	de->inode = (uint32_t)ino->ino;
	de->name_len = (uint8_t)len;
	de->file_type = has_ft(fs) ? ftype(ino->mode) : 0;
	memcpy(de->name, name, len);
}

/* Add name -> ino to dir: into room of a block, else a new block. */
static int add_entry(struct inode *dir, const char *name, size_t len,
		     struct inode *ino)
{
	struct ext2_fs *fs = FS(dir);
	uint32_t need = DIRENT_LEN(len);
	struct ext2_dirent *de;
	struct buf *b;
	uint64_t i, p;
	bool fresh;
	int err;

	EI(dir)->flags &= ~(uint32_t)EXT2_INDEX_FL; /* linear from now on */
	for (i = 0; i < nblocks(dir); i++) {
		uint32_t off = 0;

		err = dir_block(dir, i, &b);
		if (err)
			return err;
		while (b && off < fs->bsize) {
			uint32_t used;

			de = entry_at(dir, b->data, off);
			if (!de) {
				bcache_put(b);
				return -EUCLEAN;
			}
			used = de->inode ? DIRENT_LEN(name_len(fs, de)) : 0;
			if (de->rec_len >= used + need) {
				if (used) {
					struct ext2_dirent *n =
					    (void *)(b->data + off + used);

					n->rec_len =
					    (uint16_t)(de->rec_len - used);
					de->rec_len = (uint16_t)used;
					de = n;
				}
				set_entry(fs, de, name, len, ino);
				bcache_dirty(b);
				bcache_put(b);
				inode_touch(dir, true);
				return 0;
			}
			off += de->rec_len;
		}
		if (b)
			bcache_put(b);
	}
	err = ext2_bmap(dir, i, true, &p, &fresh);
	if (!err)
		err = ext2_bzero(fs, p, &b);
	if (err)
		return err;
	de = (struct ext2_dirent *)b->data;
	de->rec_len = (uint16_t)fs->bsize;
	set_entry(fs, de, name, len, ino);
	bcache_put(b);
	dir->size += fs->bsize;
	inode_touch(dir, true);
	return 0;
}

/* Remove the entry of s (merged into the one before it). */
static void remove_entry(struct inode *dir, struct slot *s)
{
	if (s->prev != s->off) {
		struct ext2_dirent *prev = (void *)(s->b->data + s->prev);

		prev->rec_len = (uint16_t)(prev->rec_len + s->de->rec_len);
	} else {
		s->de->inode = 0;
	}
	bcache_dirty(s->b);
	bcache_put(s->b);
	inode_touch(dir, true);
}

/* The first block of a new directory: "." and "..". */
int ext2_dir_init(struct inode *dir, struct inode *parent)
{
	struct ext2_fs *fs = FS(dir);
	struct ext2_dirent *de;
	struct buf *b;
	uint64_t p;
	int err = ext2_bmap(dir, 0, true, &p, NULL);

	if (!err)
		err = ext2_bzero(fs, p, &b);
	if (err)
		return err;
	de = (struct ext2_dirent *)b->data;
	de->rec_len = 12;
	set_entry(fs, de, ".", 1, dir);
	de = (struct ext2_dirent *)(b->data + 12);
	de->rec_len = (uint16_t)(fs->bsize - 12);
	set_entry(fs, de, "..", 2, parent);
	bcache_put(b);
	dir->size = fs->bsize;
	return 0;
}

/* Is it empty but for "." and ".."? (-errno: unreadable.) */
static int empty_dir(struct inode *dir)
{
	for (uint64_t i = 0; i < nblocks(dir); i++) {
		uint32_t off = 0;
		struct buf *b;
		int err = dir_block(dir, i, &b);

		if (err)
			return err;
		while (b && off < FS(dir)->bsize) {
			struct ext2_dirent *de = entry_at(dir, b->data, off);

			if (!de ||
			    (de->inode &&
			     !is_dots(de->name, name_len(FS(dir), de)))) {
				bcache_put(b);
				return de ? 0 : -EUCLEAN;
			}
			off += de->rec_len;
		}
		if (b)
			bcache_put(b);
	}
	return 1;
}

/* 0 when the file system is writable and dir has no entry name. */
static int name_free(struct inode *dir, const char *name, size_t len)
{
	struct slot s;
	int err = ext2_need_rw(FS(dir));

	if (!err)
		err = find(dir, name, len, &s);
	if (!err) {
		bcache_put(s.b);
		return -EEXIST;
	}
	return err == -ENOENT ? 0 : err;
}

/* A new inode named name in dir: not there yet, and room for it. */
static int new_child(struct inode *dir, const char *name, size_t len,
		     unsigned mode, struct inode **out)
{
	struct inode *ino;
	int err = name_free(dir, name, len);

	if (err)
		return err;
	if (S_ISDIR(mode) && dir->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	err = ext2_new_inode(dir, mode, &ino);
	if (err)
		return err;
	if (S_ISDIR(mode))
		err = ext2_dir_init(ino, dir);
	if (err) {
		ino->nlink = 0;
		inode_put(ino);
		return err;
	}
	*out = ino;
	return 0;
}

/* Name the new ino in dir (undone on failure: ino freed). */
static int name_child(struct inode *dir, const char *name, size_t len,
		      struct inode *ino)
{
	int err = add_entry(dir, name, len, ino);

	if (err) {
		ino->nlink = 0;
		return err;
	}
	if (S_ISDIR(ino->mode)) {
		inode_get(dir);
		ino->parent = dir;
		dir->nlink++;
	}
	return 0;
}

static int ext2_create(struct inode *dir, const char *name, size_t len,
		       unsigned mode, struct inode **out)
{
	struct inode *ino;
	int err = new_child(dir, name, len, mode, &ino);

	if (err)
		return err;
	err = name_child(dir, name, len, ino);
	if (err) {
		inode_put(ino);
		return err;
	}
	*out = ino;
	return 0;
}

static int ext2_symlink(struct inode *dir, const char *name, size_t len,
			const char *target)
{
	struct ext2_fs *fs = FS(dir);
	size_t tlen = strlen(target);
	struct inode *ino;
	struct buf *b;
	uint64_t p;
	int err;

	if (tlen >= fs->bsize)
		return -ENAMETOOLONG;
	err = new_child(dir, name, len, S_IFLNK | 0777, &ino);
	if (err)
		return err;
	if (tlen < EXT2_FAST_LINK) {
		memcpy(EI(ino)->block, target, tlen);
	} else {
		err = ext2_bmap(ino, 0, true, &p, NULL);
		if (!err)
			err = ext2_bzero(fs, p, &b);
		if (!err) {
			memcpy(b->data, target, tlen);
			bcache_put(b);
		}
	}
	ino->size = tlen;
	if (!err)
		err = name_child(dir, name, len, ino);
	else
		ino->nlink = 0;
	inode_put(ino);
	return err;
}

static int ext2_link(struct inode *dir, const char *name, size_t len,
		     struct inode *target)
{
	int err = name_free(dir, name, len);

	if (err)
		return err;
	if (target->nlink == 0)
		return -ENOENT;
	if (target->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	err = add_entry(dir, name, len, target);
	if (!err) {
		target->nlink++;
		inode_touch(target, false);
	}
	return err;
}

/* ino lost the name it had in dir. */
static void unlinked(struct inode *dir, struct inode *ino)
{
	inode_touch(ino, false);
	if (S_ISDIR(ino->mode)) {
		struct inode *parent = ino->parent;

		ino->nlink = 0;
		ino->parent = NULL;
		if (dir->nlink > 2)
			dir->nlink--;
		inode_put(parent);
	} else if (ino->nlink) {
		ino->nlink--;
	}
}

static int ext2_unlink(struct inode *dir, const char *name, size_t len)
{
	struct inode *ino;
	struct slot s;
	int err = ext2_need_rw(FS(dir));

	if (!err)
		err = find(dir, name, len, &s);
	if (err)
		return err;
	err = ext2_iget(FS(dir), s.de->inode, dir, &ino);
	if (err) {
		bcache_put(s.b);
		return err;
	}
	if (S_ISDIR(ino->mode)) {
		err = empty_dir(ino);
		err = err < 0 ? err : err ? 0 : -ENOTEMPTY;
	}
	if (err) {
		bcache_put(s.b);
		inode_put(ino);
		return err;
	}
	remove_entry(dir, &s);
	unlinked(dir, ino);
	inode_put(ino);
	return 0;
}

/* Point moved's ".." at ndir (it moved from odir). */
static int reparent(struct inode *moved, struct inode *odir, struct inode *ndir)
{
	struct slot s;
	int err;

	if (!S_ISDIR(moved->mode) || odir == ndir)
		return 0;
	err = find(moved, "..", 2, &s);
	if (err)
		return err == -ENOENT
			   ? ext2_corrupt(FS(moved), "no .. in", moved->ino)
			   : err;
	s.de->inode = (uint32_t)ndir->ino;
	bcache_dirty(s.b);
	bcache_put(s.b);
	inode_get(ndir);
	inode_put(moved->parent);
	moved->parent = ndir;
	ndir->nlink++;
	if (odir->nlink > 2)
		odir->nlink--;
	inode_touch(moved, false);
	return 0;
}

static int exchange(struct inode *odir, struct slot *o, struct inode *ndir,
		    struct slot *n)
{
	struct ext2_fs *fs = FS(odir);
	struct inode *a, *b;
	int err = ext2_iget(fs, o->de->inode, odir, &a);

	if (err)
		return err;
	err = ext2_iget(fs, n->de->inode, ndir, &b);
	if (err) {
		inode_put(a);
		return err;
	}
	o->de->inode = (uint32_t)b->ino;
	o->de->file_type = has_ft(fs) ? ftype(b->mode) : 0;
	n->de->inode = (uint32_t)a->ino;
	n->de->file_type = has_ft(fs) ? ftype(a->mode) : 0;
	bcache_dirty(o->b);
	bcache_dirty(n->b);
	err = reparent(a, odir, ndir) ?: reparent(b, ndir, odir);
	inode_touch(odir, true);
	inode_touch(ndir, true);
	inode_put(a);
	inode_put(b);
	return err;
}

static int ext2_rename(struct inode *odir, const char *oname, size_t olen,
		       struct inode *ndir, const char *nname, size_t nlen,
		       unsigned flags)
{
	struct ext2_fs *fs = FS(odir);
	struct inode *moved = NULL, *target = NULL;
	struct slot o, n;
	bool have_n;
	int err = ext2_need_rw(fs);

	if (!err)
		err = find(ndir, nname, nlen, &n);
	have_n = !err;
	if (err && err != -ENOENT)
		return err;
	if (have_n)
		bcache_put(n.b); /* found again below: blocks may move */
	if (flags & RENAME_EXCHANGE) {
		if (!have_n)
			return -ENOENT;
		err = find(odir, oname, olen, &o);
		if (err)
			return err;
		err = find(ndir, nname, nlen, &n);
		if (!err) {
			err = exchange(odir, &o, ndir, &n);
			bcache_put(n.b);
		}
		bcache_put(o.b);
		return err;
	}
	err = ext2_lookup(odir, oname, olen, &moved);
	if (err)
		return err;
	if (have_n) {
		err = ext2_lookup(ndir, nname, nlen, &target);
		if (!err && S_ISDIR(target->mode)) {
			err = empty_dir(target);
			err = err < 0 ? err : err ? 0 : -ENOTEMPTY;
		}
		if (!err)
			err = find(ndir, nname, nlen, &n);
		if (!err) { /* the name now names moved */
			n.de->inode = (uint32_t)moved->ino;
			n.de->file_type = has_ft(fs) ? ftype(moved->mode) : 0;
			bcache_dirty(n.b);
			bcache_put(n.b);
			inode_touch(ndir, true);
			unlinked(ndir, target);
			if (S_ISDIR(target->mode))
				ndir->nlink++; /* moved takes its place */
		}
	} else {
		if (S_ISDIR(moved->mode) && odir != ndir &&
		    ndir->nlink >= EXT2_LINK_MAX)
			err = -EMLINK;
		else
			err = add_entry(ndir, nname, nlen, moved);
	}
	if (!err)
		err = find(odir, oname, olen, &o);
	if (!err) {
		remove_entry(odir, &o);
		if (S_ISDIR(moved->mode) && odir == ndir && target)
			odir->nlink--; /* the target's link went */
		err = reparent(moved, odir, ndir);
		if (S_ISDIR(moved->mode) && odir != ndir && target)
			ndir->nlink--;
		inode_touch(moved, false);
	}
	inode_put(target);
	inode_put(moved);
	return err;
}

const struct inode_ops ext2_dir_ops = {
	.lookup = ext2_lookup,
	.readdir = ext2_readdir,
	.create = ext2_create,
	.symlink = ext2_symlink,
	.link = ext2_link,
	.unlink = ext2_unlink,
	.rename = ext2_rename,
	.getattr = ext2_getattr,
	.release = ext2_release,
};

/*
 * inode.c - ext2 inodes (fs/ext2/): the cache of live inodes (one struct
 * inode per inode number, so hard links and repeated lookups meet), the
 * on-disk inode decoded with its fields checked, written back by
 * comparing what the VFS changed in struct inode (mode, owners, times,
 * size, links) with the on-disk copy, new inodes, and the release of the
 * last reference: written back, or freed with its blocks once unlinked.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/time.h>

#include "ext2.h"

#define NS 1000000000LL

static struct ext2_inode **slot(struct ext2_fs *fs, uint32_t ino)
{
	return &fs->hash[ino % EXT2_HASH];
}

static void unhash(struct ext2_inode *ei)
{
	for (struct ext2_inode **p = slot(ei->fs, ei->ino); *p;
	     p = &(*p)->hnext)
		if (*p == ei) {
			*p = ei->hnext;
			return;
		}
}

/* Where inode ino lives: its block and the byte offset in it. */
static int locate(struct ext2_fs *fs, uint32_t ino, uint64_t *block,
		  uint32_t *off)
{
	uint32_t g, idx;

	if (ino == 0 || ino > fs->s.s_inodes_count)
		return ext2_corrupt(fs, "inode number out of range", ino);
	g = (ino - 1) / fs->ipg;
	idx = (ino - 1) % fs->ipg;
	*block = ext2_group_itable(fs, g) + idx / fs->ipb;
	*off = (idx % fs->ipb) * fs->isize;
	return 0;
}

/* A copy of inode nr into d; its block referenced in *b, at *off. */
static int read_dinode(struct ext2_fs *fs, uint32_t nr, struct ext2_dinode *d,
		       struct buf **b, uint32_t *off)
{
	uint64_t block;
	int err = locate(fs, nr, &block, off);

	if (!err)
		err = ext2_bread(fs, block, b);
	if (err)
		return err;
	memset(d, 0, sizeof(*d));
	memcpy(d, (*b)->data + *off, MIN((size_t)fs->isize, sizeof(*d)));
	return 0;
}

/* The bytes of the on-disk inode we read and write: 128, or with the
 * large inode's extra fields (up to i_crtime_extra). */
static uint32_t raw_len(struct ext2_fs *fs, const struct ext2_dinode *d)
{
	if (fs->isize <= EXT2_GOOD_OLD_INODE_SIZE)
		return EXT2_GOOD_OLD_INODE_SIZE;
	return EXT2_EXTRA_OFF + MIN((uint32_t)d->i_extra_isize,
				    (uint32_t)sizeof(*d) - EXT2_EXTRA_OFF);
}

static bool has_extra(const struct ext2_fs *fs, const struct ext2_dinode *d,
		      size_t end)
{
	return fs->isize > EXT2_GOOD_OLD_INODE_SIZE &&
	       EXT2_EXTRA_OFF + (size_t)d->i_extra_isize >= end;
}

static int64_t get_time(uint32_t sec, const uint32_t *extra)
{
	int64_t s = (int32_t)sec;
	uint32_t ns = 0;

	if (extra) {
		s += (int64_t)(*extra & 3) << 32;
		ns = *extra >> 2;
		if (ns >= NS)
			ns = NS - 1;
	}
	if (s >= INT64_MAX / NS) /* past 2262: what nanoseconds hold */
		return INT64_MAX / NS * NS;
	return s * NS + ns;
}

static void put_time(int64_t t, uint32_t *sec, uint32_t *extra)
{
	int64_t s = t / NS, ns = t % NS;

	if (ns < 0) {
		ns += NS;
		s--;
	}
	if (!extra) { /* 32-bit seconds: clamp */
		s = MAX(MIN(s, (int64_t)INT32_MAX), (int64_t)INT32_MIN);
		*sec = (uint32_t)(int32_t)s;
		return;
	}
	*sec = (uint32_t)s;
	*extra = (uint32_t)(((s - (int32_t)s) >> 32) & 3) | (uint32_t)ns << 2;
}

static unsigned ft_ok(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return 1;
	}
	return 0;
}

void ext2_set_ops(struct inode *ino)
{
	unsigned m = ino->mode;

	ino->ops = S_ISDIR(m)	? &ext2_dir_ops
		   : S_ISREG(m) ? &ext2_file_ops
		   : S_ISLNK(m) ? &ext2_link_ops
				: &ext2_special_ops;
	ino->fops = S_ISDIR(m)	  ? &dir_fops
		    : S_ISREG(m)  ? &ext2_file_fops
		    : S_ISCHR(m)  ? devfs_fops(ino->rdev)
		    : S_ISFIFO(m) ? &fifo_fops
				  : NULL;
}

/* The fields of d into a new struct inode and its ext2_inode. */
static int decode(struct ext2_fs *fs, uint32_t nr, const struct ext2_dinode *d,
		  struct inode **out)
{
	struct ext2_inode *ei;
	struct inode *ino;
	bool ext = fs->s.s_feature_incompat & INCOMPAT_EXTENTS;
	uint64_t size = d->i_size;

	if (d->i_links_count == 0 || !ft_ok(d->i_mode))
		return ext2_corrupt(fs, "directory entry names a free inode",
				    nr);
	if (fs->isize > 128 &&
	    (d->i_extra_isize % 4 ||
	     EXT2_EXTRA_OFF + (uint32_t)d->i_extra_isize > fs->isize))
		return ext2_corrupt(fs, "inode extra size", nr);
	if ((d->i_flags & EXT4_EXTENTS_FL && !ext) ||
	    d->i_flags & EXT4_INLINE_DATA_FL)
		return ext2_corrupt(fs, "inode flags", nr);
	if (S_ISREG(d->i_mode) ||
	    (S_ISDIR(d->i_mode) &&
	     fs->s.s_feature_incompat & INCOMPAT_LARGEDIR))
		size |= (uint64_t)d->i_size_high << 32;
	if (S_ISDIR(d->i_mode) && (size % fs->bsize || size > (1ULL << 32)))
		return ext2_corrupt(fs, "directory size", nr);
	if (size > ext2_max_size(fs))
		return ext2_corrupt(fs, "file size", nr);
	if (S_ISDIR(d->i_mode) && size > fs->blocks << fs->bshift)
		return ext2_corrupt(fs, "directory larger than the disk", nr);
	if (S_ISLNK(d->i_mode) && size > fs->bsize)
		return ext2_corrupt(fs, "symlink size", nr);
	if (d->i_flags & EXT4_EXTENTS_FL) {
		const struct ext4_extent_header *h = (const void *)d->i_block;

		if (h->eh_magic != EXT4_EXT_MAGIC || h->eh_max > 4 ||
		    h->eh_entries > h->eh_max ||
		    h->eh_depth > EXT4_EXT_MAX_DEPTH)
			return ext2_corrupt(fs, "extent header of inode", nr);
	}
	ei = kzalloc(sizeof(*ei));
	ino = ei ? inode_alloc(NULL, NULL, d->i_mode) : NULL;
	if (!ino) {
		kfree(ei);
		return -ENOMEM;
	}
	ei->vfs = ino;
	ei->fs = fs;
	ei->ino = nr;
	ei->flags = d->i_flags;
	memcpy(ei->block, d->i_block, sizeof(ei->block));
	ei->blocks = d->i_blocks;
	if (fs->s.s_feature_ro_compat & RO_COMPAT_HUGE_FILE) {
		ei->blocks |= (uint64_t)d->l_i_blocks_high << 32;
		if (d->i_flags & EXT4_HUGE_FILE_FL)
			ei->blocks <<= fs->bshift - 9;
	}
	ei->file_acl = d->i_file_acl;
	ei->dtime = d->i_dtime;
	ino->ino = nr;
	ino->nlink = d->i_links_count;
	ino->uid = d->i_uid | (uint32_t)d->l_i_uid_high << 16;
	ino->gid = d->i_gid | (uint32_t)d->l_i_gid_high << 16;
	ino->size = size;
	ino->atime_ns = get_time(
	    d->i_atime, has_extra(fs, d, 0x90) ? &d->i_atime_extra : NULL);
	ino->mtime_ns = get_time(
	    d->i_mtime, has_extra(fs, d, 0x8c) ? &d->i_mtime_extra : NULL);
	ino->ctime_ns = get_time(
	    d->i_ctime, has_extra(fs, d, 0x88) ? &d->i_ctime_extra : NULL);
	if (has_extra(fs, d, 0x98))
		ei->crtime_ns = get_time(d->i_crtime, &d->i_crtime_extra);
	if (S_ISCHR(d->i_mode) || S_ISBLK(d->i_mode)) {
		uint32_t old = d->i_block[0];

		ino->rdev = old ? ((old >> 8) & 0xff) << 8 | (old & 0xff)
				: d->i_block[1];
	}
	ino->dev = fs->sb->dev;
	ino->sb = fs->sb;
	ino->flags |= I_TRANSIENT;
	ino->priv = ei;
	ext2_set_ops(ino);
	*out = ino;
	return 0;
}

static void cache_add(struct ext2_fs *fs, struct ext2_inode *ei)
{
	struct ext2_inode **s = slot(fs, ei->ino);

	ei->hnext = *s;
	*s = ei;
	fs->live++;
}

int ext2_iget(struct ext2_fs *fs, uint32_t nr, struct inode *parent,
	      struct inode **out)
{
	struct ext2_dinode d;
	struct inode *ino;
	struct buf *b;
	uint32_t off;
	int err;

	for (struct ext2_inode *ei = *slot(fs, nr); ei; ei = ei->hnext)
		if (ei->ino == nr) {
			inode_get(ei->vfs);
			*out = ei->vfs;
			return 0;
		}
	if (nr < fs->first_ino && nr != EXT2_ROOT_INO)
		return ext2_corrupt(fs, "reserved inode named", nr);
	err = read_dinode(fs, nr, &d, &b, &off);
	if (err)
		return err;
	bcache_put(b);
	err = decode(fs, nr, &d, &ino);
	if (err)
		return err;
	if (S_ISDIR(ino->mode) && parent) {
		inode_get(parent);
		ino->parent = parent;
	}
	cache_add(fs, EI(ino));
	*out = ino;
	return 0;
}

/* struct inode and ext2_inode into the on-disk fields of d. */
static void encode(struct ext2_fs *fs, struct inode *ino, struct ext2_dinode *d)
{
	struct ext2_inode *ei = EI(ino);
	uint64_t blocks = ei->blocks;

	d->i_mode = (uint16_t)ino->mode;
	d->i_uid = (uint16_t)ino->uid;
	d->l_i_uid_high = (uint16_t)(ino->uid >> 16);
	d->i_gid = (uint16_t)ino->gid;
	d->l_i_gid_high = (uint16_t)(ino->gid >> 16);
	d->i_size = (uint32_t)ino->size;
	if (S_ISREG(ino->mode))
		d->i_size_high = (uint32_t)(ino->size >> 32);
	d->i_links_count = (uint16_t)ino->nlink;
	d->i_dtime = ei->dtime;
	ei->flags &= ~(uint32_t)EXT4_HUGE_FILE_FL; /* never ours: 512s */
	d->i_flags = ei->flags;
	d->i_blocks = (uint32_t)blocks;
	if (fs->s.s_feature_ro_compat & RO_COMPAT_HUGE_FILE)
		d->l_i_blocks_high = (uint16_t)(blocks >> 32);
	d->i_file_acl = ei->file_acl;
	memcpy(d->i_block, ei->block, sizeof(d->i_block));
	if (S_ISCHR(ino->mode) || S_ISBLK(ino->mode)) {
		uint32_t major = (ino->rdev >> 8) & 0xfff,
			 minor =
			     (ino->rdev & 0xff) | (ino->rdev >> 12 & ~0xffu);

		memset(d->i_block, 0, sizeof(d->i_block));
		if (major < 256 && minor < 256)
			d->i_block[0] = major << 8 | minor;
		else
			d->i_block[1] = ino->rdev;
		memcpy(ei->block, d->i_block, sizeof(ei->block));
	}
	put_time(ino->atime_ns, &d->i_atime,
		 has_extra(fs, d, 0x90) ? &d->i_atime_extra : NULL);
	put_time(ino->mtime_ns, &d->i_mtime,
		 has_extra(fs, d, 0x8c) ? &d->i_mtime_extra : NULL);
	put_time(ino->ctime_ns, &d->i_ctime,
		 has_extra(fs, d, 0x88) ? &d->i_ctime_extra : NULL);
	if (has_extra(fs, d, 0x98))
		put_time(ei->crtime_ns, &d->i_crtime, &d->i_crtime_extra);
}

/* Write ino back into its block when anything differs on disk. */
int ext2_write_inode(struct inode *ino)
{
	struct ext2_inode *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;
	struct ext2_dinode d;
	struct buf *b;
	uint32_t off, len;
	int err;

	if (fs->rdonly || !fs->written || ei->freed)
		return 0;
	err = read_dinode(fs, ei->ino, &d, &b, &off);
	if (err)
		return err;
	len = raw_len(fs, &d);
	encode(fs, ino, &d);
	if (memcmp(b->data + off, &d, len)) {
		memcpy(b->data + off, &d, len);
		bcache_dirty(b);
	}
	bcache_put(b);
	return 0;
}

void ext2_writeback_all(struct ext2_fs *fs)
{
	for (size_t i = 0; i < EXT2_HASH; i++)
		for (struct ext2_inode *ei = fs->hash[i]; ei; ei = ei->hnext)
			ext2_write_inode(ei->vfs);
}

/* A new inode near dir (its group first), of mode, referenced. */
int ext2_new_inode(struct inode *dir, unsigned mode, struct inode **out)
{
	struct ext2_fs *fs = EI(dir)->fs;
	struct ext2_dinode d;
	struct inode *ino;
	struct buf *b;
	uint64_t block;
	uint32_t nr, off;
	int err = ext2_alloc_inode(fs, EI(dir)->ino, S_ISDIR(mode), &nr);

	if (err)
		return err;
	err = locate(fs, nr, &block, &off);
	if (!err)
		err = ext2_bread(fs, block, &b);
	if (err) {
		ext2_free_inode(fs, nr, S_ISDIR(mode));
		return err;
	}
	memset(b->data + off, 0, fs->isize);
	memset(&d, 0, sizeof(d));
	d.i_mode = (uint16_t)mode;
	d.i_links_count = 1;
	d.i_generation = ++fs->next_gen;
	if (fs->isize > EXT2_GOOD_OLD_INODE_SIZE)
		d.i_extra_isize = (uint16_t)MIN(fs->isize - 128, 32u);
	memcpy(b->data + off, &d, MIN((size_t)fs->isize, sizeof(d)));
	bcache_dirty(b);
	bcache_put(b);
	err = decode(fs, nr, &d, &ino);
	if (err) {
		ext2_free_inode(fs, nr, S_ISDIR(mode));
		return err;
	}
	ino->nlink = S_ISDIR(mode) ? 2 : 1;
	ino->atime_ns = ino->mtime_ns = ino->ctime_ns = EI(ino)->crtime_ns =
	    time_wall_ns();
	cache_add(fs, EI(ino));
	ext2_write_inode(ino);
	*out = ino;
	return 0;
}

/* Its extended attribute block: one reference less, freed at none. */
static void drop_xattr(struct ext2_fs *fs, struct ext2_inode *ei)
{
	struct buf *b;
	uint32_t *h;

	if (!ei->file_acl || ext2_bread(fs, ei->file_acl, &b))
		return;
	h = (uint32_t *)b->data;
	if (h[0] != 0xea020000) {
		ext2_corrupt(fs, "extended attribute block", ei->file_acl);
		bcache_put(b);
		return;
	}
	if (h[1] > 1) {
		h[1]--;
		bcache_dirty(b);
	}
	bcache_put(b);
	if (h[1] <= 1)
		ext2_free_block(fs, ei->file_acl);
	ei->blocks -= MIN(ei->blocks, (uint64_t)(fs->bsize >> 9));
	ei->file_acl = 0;
}

/* Does the symlink keep its target in i_block? */
static bool fast_link(struct ext2_fs *fs, struct inode *ino)
{
	struct ext2_inode *ei = EI(ino);
	uint64_t acl = ei->file_acl ? fs->bsize >> 9 : 0;

	return S_ISLNK(ino->mode) && ino->size < EXT2_FAST_LINK &&
	       ei->blocks <= acl && !(ei->flags & EXT4_EXTENTS_FL);
}

/* An unlinked inode's blocks and the inode itself back to the bitmaps
 * (once: at its release, or at the shutdown while it is still open). */
static void free_unlinked(struct inode *ino)
{
	struct ext2_inode *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;
	bool dir = S_ISDIR(ino->mode);

	if (ino->nlink || fs->rdonly || !fs->written || ei->freed)
		return;
	if (S_ISREG(ino->mode) || dir ||
	    (S_ISLNK(ino->mode) && !fast_link(fs, ino)))
		ext2_free_from(ino, 0);
	drop_xattr(fs, ei);
	ino->size = 0;
	ei->dtime = (uint32_t)(time_wall_ns() / NS);
	ext2_write_inode(ino);
	ext2_free_inode(fs, ei->ino, dir);
	ei->freed = true;
}

/* The shutdown: files unlinked but open go now (no orphan list). */
void ext2_free_orphans(struct ext2_fs *fs)
{
	for (size_t i = 0; i < EXT2_HASH; i++)
		for (struct ext2_inode *ei = fs->hash[i]; ei; ei = ei->hnext)
			free_unlinked(ei->vfs);
}

/* The last reference went: back to disk, or freed when unlinked. */
void ext2_release(struct inode *ino)
{
	struct ext2_inode *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;

	if (S_ISFIFO(ino->mode))
		fifo_inode_release(ino); /* its pipe, if it was opened */
	ext2_lock(fs);
	free_unlinked(ino);
	ext2_write_inode(ino);
	unhash(ei);
	kfree(ei);
	ino->priv = NULL;
	fs->live--;
	ext2_unlock(fs);
}

long ext2_readlink(struct inode *ino, char *buf, size_t len)
{
	struct ext2_inode *ei = EI(ino);
	struct ext2_fs *fs = ei->fs;
	size_t n = MIN(len, (size_t)ino->size);
	uint64_t pblk;
	struct buf *b;
	int err;

	if (fast_link(fs, ino)) {
		memcpy(buf, ei->block, n);
		return (long)n;
	}
	err = ext2_bmap(ino, 0, false, &pblk, NULL);
	if (!err && !pblk)
		err = ext2_corrupt(fs, "symlink without a block", ei->ino);
	if (!err)
		err = ext2_bread(fs, pblk, &b);
	if (err)
		return err;
	memcpy(buf, b->data, n);
	bcache_put(b);
	return (long)n;
}

int ext2_fsync(struct file *f, bool datasync)
{
	(void)datasync;
	return EXT2_LOCKED(EI(f->inode)->fs, ext2_sync_fs(EI(f->inode)->fs));
}

static long l_readlink(struct inode *ino, char *buf, size_t len)
{
	return EXT2_LOCKED(EI(ino)->fs, ext2_readlink(ino, buf, len));
}

/* st_blocks as the disk counts them (i_blocks), the block size. */
void ext2_getattr(struct inode *ino, struct kstat *st)
{
	st->blocks = EI(ino)->blocks;
	st->blksize = EI(ino)->fs->bsize;
}

const struct inode_ops ext2_link_ops = {
	.readlink = l_readlink,
	.getattr = ext2_getattr,
	.release = ext2_release,
};

const struct inode_ops ext2_special_ops = {
	.getattr = ext2_getattr,
	.release = ext2_release,
};

/*
 * file.c - ext2 regular files (fs/ext2/): read (holes read as zeros),
 * write at any offset (blocks allocated on the way, near the inode; the
 * large_file feature set once a file passes 2 GiB), truncate (shrinking
 * frees blocks, growing leaves a hole), fsync.
 */
#include <keel/errno.h>
#include <keel/string.h>

#include "ext2.h"

static long ext2_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct inode *ino = f->inode;
	struct ext2_fs *fs = EI(ino)->fs;
	size_t done = 0;
	int err = 0;

	if (*pos >= ino->size)
		return 0;
	len = MIN(len, ino->size - *pos);
	while (done < len) {
		uint64_t at = *pos + done, pblk;
		uint32_t in = (uint32_t)(at & (fs->bsize - 1));
		size_t n = MIN((size_t)(fs->bsize - in), len - done);
		struct buf *bb;

		err = ext2_bmap(ino, at >> fs->bshift, false, &pblk, NULL);
		if (!err && !pblk) {
			err = iobuf_zero(b, done, n);
		} else if (!err) {
			err = ext2_bread(fs, pblk, &bb);
			if (!err) {
				err = iobuf_put(b, done, bb->data + in, n);
				bcache_put(bb);
			}
		}
		if (err)
			break;
		done += n;
	}
	*pos += done;
	return done ? (long)done : err;
}

/* A file now size bytes long: large_file once past 2 GiB. */
static void grew(struct ext2_fs *fs, uint64_t size)
{
	if (size > 0x7fffffffULL &&
	    !(fs->s.s_feature_ro_compat & RO_COMPAT_LARGE_FILE)) {
		fs->s.s_feature_ro_compat |= RO_COMPAT_LARGE_FILE;
		if (fs->s.s_rev_level == 0)
			fs->s.s_rev_level = 1; /* features need rev 1 */
		fs->sb_dirty = true;
	}
}

static long ext2_write(struct file *f, struct iobuf b, size_t len,
		       uint64_t *pos)
{
	struct inode *ino = f->inode;
	struct ext2_fs *fs = EI(ino)->fs;
	uint64_t off = f->flags & O_APPEND ? ino->size : *pos,
		 max = ext2_max_size(fs);
	size_t done = 0;
	int err = ext2_need_rw(fs);

	if (err)
		return err;
	if (off >= max)
		return len ? -EFBIG : 0;
	len = (size_t)MIN((uint64_t)len, max - off);
	while (done < len) {
		uint64_t at = off + done, pblk;
		uint32_t in = (uint32_t)(at & (fs->bsize - 1));
		size_t n = MIN((size_t)(fs->bsize - in), len - done);
		struct buf *bb;
		bool fresh;

		err = ext2_bmap(ino, at >> fs->bshift, true, &pblk, &fresh);
		if (err)
			break;
		if (fresh && n < fs->bsize)
			err = ext2_bzero(fs, pblk, &bb);
		else if (fresh)
			err = bcache_get(fs->dev, pblk, &bb);
		else
			err = ext2_bread(fs, pblk, &bb);
		if (err)
			break;
		err = iobuf_get(bb->data + in, b, done, n);
		bcache_dirty(bb); /* a fresh block is ours, even on a fault */
		bcache_put(bb);
		if (err)
			break;
		done += n;
	}
	if (off + done > ino->size) {
		ino->size = off + done;
		grew(fs, ino->size);
	}
	if (done)
		inode_touch(ino, true);
	*pos = off + done;
	return done ? (long)done : err;
}

int ext2_truncate(struct inode *ino, uint64_t size)
{
	struct ext2_fs *fs = EI(ino)->fs;
	int err = ext2_need_rw(fs);

	if (err)
		return err;
	if (size > ext2_max_size(fs))
		return -EFBIG;
	if (size < ino->size) {
		uint64_t keep = (size + fs->bsize - 1) >> fs->bshift, pblk;
		uint32_t in = (uint32_t)(size & (fs->bsize - 1));
		struct buf *b;

		err = ext2_free_from(ino, keep);
		/* The tail of the last block reads as zeros if it grows. */
		if (!err && in &&
		    !ext2_bmap(ino, size >> fs->bshift, false, &pblk, NULL) &&
		    pblk && !ext2_bread(fs, pblk, &b)) {
			memset(b->data + in, 0, fs->bsize - in);
			bcache_dirty(b);
			bcache_put(b);
		}
	}
	ino->size = size;
	grew(fs, size);
	inode_touch(ino, true);
	return err;
}

const struct inode_ops ext2_file_ops = {
	.truncate = ext2_truncate,
	.getattr = ext2_getattr,
	.release = ext2_release,
};

const struct file_ops ext2_file_fops = {
	.read = ext2_read,
	.write = ext2_write,
	.llseek = generic_llseek,
	.fsync = ext2_fsync,
};

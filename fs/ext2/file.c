/*
 * file.c - ext2 regular files (fs/ext2/): read (holes read as zeros; a
 * sequential reader's blocks read ahead in runs),
 * write at any offset (blocks allocated on the way, near the inode; the
 * large_file feature set once a file passes 2 GiB), truncate (shrinking
 * frees blocks, growing leaves a hole), fsync.
 */
#include <keel/errno.h>
#include <keel/string.h>

#include "ext2.h"

#define RA_MIN (32u << 10) /* the first read-ahead window, bytes */
#define RA_MAX (256u << 10) /* the largest, for small reads */
#define RA_BIG (2u << 20) /* ahead of a large read: its size, at most */

/* Start reading the file's blocks [from, to) into the cache: runs of
 * adjacent blocks on the device, one request each, not waited for.
 * Errors are left to the read of the block itself. */
static void prefetch(struct inode *ino, uint64_t from, uint64_t to)
{
	struct ext2_fs *fs = EI(ino)->fs;
	uint64_t start = 0, n = 0, pblk;

	for (uint64_t lb = from; lb < to; lb++) {
		if (ext2_bmap(ino, lb, false, &pblk, NULL))
			break;
		if (n && pblk == start + n) {
			n++;
			continue;
		}
		if (n)
			bcache_readahead(fs->dev, start, n);
		start = pblk;
		n = pblk ? 1 : 0; /* a hole reads as zeros */
	}
	if (n)
		bcache_readahead(fs->dev, start, n);
}

/*
 * Before a read of len bytes at pos (within the file). A read that goes
 * on where the last one ended is sequential: its blocks and those ahead
 * of it (a window growing from RA_MIN to RA_MAX, or the read's own size
 * up to RA_BIG; never past the end of the file) not yet started are
 * started, once less than half of that is left ahead, so the device
 * reads the next part while this one is copied. A read elsewhere drops
 * the window; its own blocks still go in runs.
 */
static void read_ahead(struct file *f, uint64_t pos, size_t len)
{
	struct inode *ino = f->inode;
	struct ext2_fs *fs = EI(ino)->fs;
	uint64_t first = pos >> fs->bshift,
		 last = (pos + len - 1) >> fs->bshift;
	uint64_t eof = (ino->size + fs->bsize - 1) >> fs->bshift, ahead, to;

	if (pos != f->ra_pos) {
		f->ra_pos = pos + len;
		f->ra_window = 0;
		f->ra_end = 0;
		if (last > first)
			prefetch(ino, first, last + 1);
		return;
	}
	f->ra_pos = pos + len;
	f->ra_window = f->ra_window ? MIN(f->ra_window * 2, RA_MAX) : RA_MIN;
	ahead =
	    MIN(MAX((uint64_t)f->ra_window, (uint64_t)len), (uint64_t)RA_BIG) >>
	    fs->bshift;
	to = MIN(last + 1 + ahead, eof);
	if (f->ra_end >= MIN(last + 1 + ahead / 2, eof))
		return;
	prefetch(ino, MAX(first, f->ra_end), to);
	f->ra_end = to;
}

static long ext2_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct inode *ino = f->inode;
	struct ext2_fs *fs = EI(ino)->fs;
	size_t done = 0;
	int err = 0;

	if (*pos >= ino->size)
		return 0;
	len = MIN(len, ino->size - *pos);
	if (len)
		read_ahead(f, *pos, len);
	while (done < len) {
		uint64_t at = *pos + done, pblk;
		uint32_t in = (uint32_t)(at & (fs->bsize - 1));
		size_t n = MIN((size_t)(fs->bsize - in), len - done);
		struct buf *bb;
		size_t got = 0;

		err = ext2_bmap(ino, at >> fs->bshift, false, &pblk, NULL);
		if (!err && !pblk) {
			got = iobuf_zero_upto(b, done, n);
		} else if (!err) {
			err = ext2_bread(fs, pblk, &bb);
			if (!err) {
				got = iobuf_put_upto(b, done, bb->data + in, n);
				bcache_put(bb);
			}
		}
		done += got;
		if (!err && got < n) /* the buffer ends here */
			err = -EFAULT;
		if (err)
			break;
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
	bool grown = false;
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
		size_t got;

		err = ext2_bmap(ino, at >> fs->bshift, true, &pblk, &fresh);
		grown |= fresh;
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
		got = iobuf_get_upto(bb->data + in, b, done, n);
		if (got < n && fresh) /* no old bytes after what came */
			memset(bb->data + in + got, 0, fs->bsize - in - got);
		bcache_dirty(bb);
		bcache_put(bb);
		done += got;
		if (got < n) { /* the buffer ends here */
			err = -EFAULT;
			break;
		}
	}
	if (off + done > ino->size) {
		ino->size = off + done;
		grew(fs, ino->size);
	}
	/* A failure (no space, a fault) leaves no block past the end: the
	 * map blocks taken on the way, or a block never filled. */
	if (err && (grown || err == -ENOSPC))
		ext2_free_from(ino, (ino->size + fs->bsize - 1) >> fs->bshift);
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

/* The operations, each under the file system's lock. */
static int l_truncate(struct inode *ino, uint64_t size)
{
	return EXT2_LOCKED(EI(ino)->fs, ext2_truncate(ino, size));
}

static long l_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	return EXT2_LOCKED(EI(f->inode)->fs, ext2_read(f, b, len, pos));
}

static long l_write(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	return EXT2_LOCKED(EI(f->inode)->fs, ext2_write(f, b, len, pos));
}

const struct inode_ops ext2_file_ops = {
	.truncate = l_truncate,
	.getattr = ext2_getattr,
	.release = ext2_release,
};

const struct file_ops ext2_file_fops = {
	.read = l_read,
	.write = l_write,
	.llseek = generic_llseek,
	.fsync = ext2_fsync,
};

/*
 * blkfile.c - block device nodes (fs/): /dev/vda and friends, one per
 * registered block device (include/keel/blkdev.h), made in /dev at boot
 * with the device's number; a node made by mknod(2) opens the device of
 * its number (ENXIO when there is none). Reads and writes at any offset
 * and length go to the device's sectors (a partial sector is read,
 * changed and written back), through a bounce buffer, so `dd` and `cmp`
 * see the disk's bytes. Opening writes back what the block cache holds
 * of the device (what a mounted file system wrote), the last close of a
 * file that wrote flushes the device's cache. ioctls: BLKGETSIZE64,
 * BLKGETSIZE, BLKSSZGET, BLKROGET, BLKFLSBUF.
 */
#include <keel/blkdev.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>

#define BOUNCE 65536 /* bytes moved per device request */

#define BLKROGET 0x125e
#define BLKGETSIZE 0x1260
#define BLKFLSBUF 0x1261
#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272

struct blkfile {
	struct blkdev *dev;
	bool wrote;
};

static struct blkdev *dev_of(uint32_t rdev)
{
	for (struct blkdev *d = blkdev_next(NULL); d; d = blkdev_next(d))
		if (rdev && blkdev_rdev(d) == rdev)
			return d;
	return NULL;
}

static uint64_t dev_bytes(struct blkdev *dev)
{
	return blkdev_sectors(dev) * blkdev_sector_size(dev);
}

static int blk_open(struct file *f)
{
	struct blkdev *dev = dev_of(f->inode->rdev);
	struct blkfile *bf;

	if (!dev)
		return -ENXIO;
	if (file_writable(f) && blkdev_readonly(dev))
		return -EROFS;
	bf = kzalloc(sizeof(*bf));
	if (!bf)
		return -ENOMEM;
	bf->dev = dev;
	f->priv = bf;
	bcache_sync(dev); /* a mounted file system's writes, on the disk */
	return 0;
}

static void blk_release(struct file *f)
{
	struct blkfile *bf = f->priv;

	if (bf && bf->wrote)
		blkdev_flush(bf->dev);
	kfree(bf);
}

/*
 * Move len bytes at *pos between b and the device, BOUNCE bytes at a
 * time through whole sectors: the bytes moved, or -errno when none were.
 */
static long blk_rw(struct file *f, struct iobuf b, size_t len, uint64_t *pos,
		   bool write)
{
	struct blkfile *bf = f->priv;
	uint32_t ss = blkdev_sector_size(bf->dev);
	uint64_t size = dev_bytes(bf->dev);
	uint8_t *buf;
	size_t done = 0;
	int err = 0;

	if (*pos >= size)
		return write && len ? -ENOSPC : 0;
	len = MIN(len, size - *pos);
	buf = kmalloc(BOUNCE);
	if (!buf)
		return -ENOMEM;
	while (done < len && !err) {
		uint64_t at = *pos + done;
		uint64_t first = at / ss;
		size_t skip = at % ss;
		size_t n = MIN(len - done, BOUNCE - skip);
		uint32_t count = (uint32_t)((skip + n + ss - 1) / ss);

		/* A write of part of a sector keeps the rest of it. */
		if (!write || skip || (skip + n) % ss)
			err = blkdev_read(bf->dev, first, count, buf);
		if (!err && write) {
			err = iobuf_get(buf + skip, b, done, n) ? -EFAULT : 0;
			if (!err)
				err = blkdev_write(bf->dev, first, count, buf);
			bf->wrote = true;
		} else if (!err) {
			size_t got = iobuf_put_upto(b, done, buf + skip, n);

			if (got < n) { /* the buffer ends here */
				done += got;
				err = -EFAULT;
				break;
			}
		}
		if (!err)
			done += n;
	}
	kfree(buf);
	*pos += done;
	return done ? (long)done : err;
}

static long blk_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	return blk_rw(f, b, len, pos, false);
}

static long blk_write(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	return blk_rw(f, b, len, pos, true);
}

static long blk_llseek(struct file *f, int64_t off, int whence)
{
	struct blkfile *bf = f->priv;
	int64_t base = whence == 0   ? 0
		       : whence == 1 ? (int64_t)f->pos
		       : whence == 2 ? (int64_t)dev_bytes(bf->dev)
				     : -1;

	if (base < 0 || (off > 0 && base > (int64_t)(~0ULL >> 1) - off) ||
	    base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (long)f->pos;
}

static long blk_ioctl(struct file *f, unsigned cmd, unsigned long arg)
{
	struct blkfile *bf = f->priv;
	uint64_t bytes = dev_bytes(bf->dev);
	unsigned long sectors = (unsigned long)(bytes / 512);
	int v;

	switch (cmd) {
	case BLKGETSIZE64:
		return copy_to_user((void *)arg, &bytes, sizeof(bytes));
	case BLKGETSIZE:
		return copy_to_user((void *)arg, &sectors, sizeof(sectors));
	case BLKSSZGET:
		v = (int)blkdev_sector_size(bf->dev);
		return copy_to_user((void *)arg, &v, sizeof(v));
	case BLKROGET:
		v = blkdev_readonly(bf->dev);
		return copy_to_user((void *)arg, &v, sizeof(v));
	case BLKFLSBUF:
		return bcache_sync(bf->dev);
	default:
		return -ENOTTY;
	}
}

const struct file_ops blkfile_fops = {
	.open = blk_open,
	.read = blk_read,
	.write = blk_write,
	.llseek = blk_llseek,
	.ioctl = blk_ioctl,
	.release = blk_release,
};

int blkfile_add_nodes(struct inode *dev)
{
	for (struct blkdev *d = blkdev_next(NULL); d; d = blkdev_next(d)) {
		const char *name = blkdev_name(d);
		struct inode *ino;
		int err;

		if (!blkdev_rdev(d))
			continue; /* no number, no node */
		ino = inode_alloc(NULL, &blkfile_fops, S_IFBLK | 0660);
		if (!ino)
			return -ENOMEM;
		ino->rdev = blkdev_rdev(d);
		ino->dev = dev->dev;
		ino->sb = dev->sb;
		err = ramfs_add(dev, name, ino);
		if (err)
			ino->nlink = 0;
		inode_put(ino);
		if (err)
			return err;
	}
	return 0;
}

/*
 * blkdev.h - block devices as their users see them (fs/: ext2 later):
 * find a device by name, its geometry, synchronous sector I/O, and the
 * block cache (fs/bcache.c) that file systems read and write through.
 * Drivers implement include/keel/blkdev_driver.h. docs/fs.md, "The
 * block cache".
 */
#ifndef KEEL_BLKDEV_H
#define KEEL_BLKDEV_H

#include <keel/compiler.h>

#define BLKDEV_NAME_MAX 16

struct blkdev;

/* kernel/blkdev.c: the registered devices. */
struct blkdev *blkdev_find(const char *name); /* NULL: none */
/* The same, waiting up to timeout_ns for a driver that finds its devices
 * after boot (Xen's blkfront registers a disk once its backend connects). */
struct blkdev *blkdev_wait(const char *name, uint64_t timeout_ns);
/* The devices in registration order: the first (prev NULL), the next. */
struct blkdev *blkdev_next(struct blkdev *prev);
const char *blkdev_name(const struct blkdev *dev);
uint32_t blkdev_rdev(const struct blkdev *dev); /* 0: no device number */
bool blkdev_readonly(const struct blkdev *dev);
uint32_t blkdev_sector_size(const struct blkdev *dev);
uint64_t blkdev_sectors(const struct blkdev *dev);
/* Sector I/O, waiting for the device (not interruptible): 0 or -errno
 * (-EINVAL out of range, -EROFS on a read-only device, -EIO). */
int blkdev_read(struct blkdev *dev, uint64_t sector, uint32_t count, void *buf);
int blkdev_write(struct blkdev *dev, uint64_t sector, uint32_t count,
		 const void *buf);
int blkdev_flush(struct blkdev *dev);

/*
 * fs/bcache.c: blocks of a device (block_size bytes, 4096 unless set),
 * cached. A buffer is referenced from bcache_get/bcache_read until
 * bcache_put; bcache_dirty marks it for write-back, which bcache_sync
 * (fsync, syncfs, sync) and the kernel's shutdown do, in block order,
 * adjacent blocks in one request, then flush the device; a full cache
 * writes back in such runs too, and starts to before it is full.
 * Unreferenced buffers are evicted in LRU order past the limit, clean
 * ones first; a write-back error is kept and reported by the next
 * bcache_sync of the device (the buffer stays dirty). A buffer's data is
 * a page of its own; bcache_read and bcache_get return it once no
 * request of the device's is using it.
 */
struct buf {
	struct blkdev *dev;
	uint64_t block;
	uint8_t *data;
	/* The cache's: */
	unsigned refs;
	bool valid, dirty;
	struct buf *hnext; /* hash chain */
	struct buf *lprev, *lnext; /* LRU order, least recent first */
};

/* The buffer of block, read from the device unless valid: 0 or -errno
 * (-EIO: the read failed, nothing is cached). */
int bcache_read(struct blkdev *dev, uint64_t block, struct buf **out);
/* Read ahead: start reading the blocks of [block, block + n) that are
 * not cached and lie on the device, in runs of adjacent blocks, one
 * request a run, without waiting (bcache_read and bcache_get wait for a
 * block being read; one whose read failed is read again there). */
void bcache_readahead(struct blkdev *dev, uint64_t block, uint64_t n);
/* The buffer without reading it, for a caller that fills all of it. */
int bcache_get(struct blkdev *dev, uint64_t block, struct buf **out);
void bcache_dirty(struct buf *b);
void bcache_put(struct buf *b);
/* Write back dev's dirty buffers (NULL: every device's), then flush. */
int bcache_sync(struct blkdev *dev);
/* Change dev's block size (512 .. 4096, a multiple of the sector size):
 * its buffers are written back and dropped first. */
int bcache_set_block_size(struct blkdev *dev, uint32_t size);
/* At most n buffers kept (the default: BCACHE_DEFAULT_MAX). */
#define BCACHE_DEFAULT_MAX 1024
void bcache_set_limit(size_t n);
/* Buffers held now (for tests and /proc/meminfo's Buffers). */
size_t bcache_count(void);
/* When pages run out (kernel/oom.c's reclaimer): every clean buffer
 * nobody holds goes; about how many pages that gave back. */
size_t bcache_reclaim(void);

#endif

/*
 * blkdev_driver.h - what a block device driver provides (virtio-blk, Xen
 * blkfront; drivers/): its geometry and one operation, submit, that
 * queues a request for sectors (read, write) or a flush and completes it
 * later, from its interrupt or event handler or at once, by calling the
 * request's done. A driver fills a struct blkdev and registers it
 * (kernel/blkdev.c); callers use include/keel/blkdev.h.
 */
#ifndef KEEL_BLKDEV_DRIVER_H
#define KEEL_BLKDEV_DRIVER_H

#include <keel/blkdev.h>
#include <keel/list.h>

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH };

/*
 * One request. buf is kernel memory (count * sector_size bytes, not for
 * BLK_FLUSH); a driver doing DMA asks for its bus address. done runs
 * exactly once, with 0 or -EIO (-errno), when the device has finished:
 * for a write, when the data is on the device (its volatile cache
 * included: BLK_FLUSH makes that cache durable).
 */
struct blk_request {
	enum blk_op op;
	uint64_t sector;
	uint32_t count;
	void *buf;
	void (*done)(struct blk_request *rq, int status);
	void *priv; /* the submitter's */
	/* The driver's from submit until done: its queue of requests not
	 * yet (wholly) given to the device, and its progress through one
	 * it splits into pieces the device takes. */
	struct list_node qnode;
	uint32_t issued; /* sectors given to the device so far */
	uint32_t pieces; /* pieces the device has not finished */
	int error; /* the first piece's failure */
};

struct blkdev_ops {
	/* Queue rq: 0 (done comes later or has run) or -errno (it never
	 * will: the request was not taken). */
	int (*submit)(struct blkdev *dev, struct blk_request *rq);
};

struct blkdev {
	char name[BLKDEV_NAME_MAX]; /* "vda", "xvda" ... */
	uint32_t sector_size; /* 512 .. 4096, a power of two */
	uint64_t sectors; /* capacity */
	bool readonly;
	uint16_t major; /* Linux's: 254 virtio-blk, 202 Xen; 0: none */
	const struct blkdev_ops *ops;
	void *priv; /* the driver's */
	/* The kernel's (kernel/blkdev.c, fs/bcache.c): */
	struct list_node node;
	/* The device number (include/keel/vfs.h's form): major << 8 |
	 * minor, the minor 16 * the index among the major's devices
	 * (vda 254:0, vdb 254:16); 0 without a major. */
	uint32_t rdev;
	uint32_t block_size; /* the cache's block (bcache_set_block_size) */
	int wb_error; /* a write-back error not yet reported by a sync */
};

/*
 * Helpers for a driver's queue of requests (virtio-blk, blkfront), its
 * lock held unless said: the units of rq's progress (count sectors, a
 * flush 1); rq taken out of the queue for good, failing with err unless
 * a piece failed first, onto done when no piece is still out; and the
 * done calls of what is on done (lock not held: done may submit).
 */
uint32_t blk_request_total(const struct blk_request *rq);
/* What submit refuses at once: 0, -EINVAL (an unknown op, a read or
 * write of no sectors, no buffer or past the end), -EROFS. */
int blk_request_check(const struct blkdev *dev, const struct blk_request *rq);
void blk_request_retire(struct blk_request *rq, int err,
			struct list_node *done);
void blk_requests_finish(struct list_node *done);

/* Add dev to the devices callers find by name and give it its rdev: 0,
 * -EINVAL (bad geometry or ops), -EEXIST (the name is taken), -ENOSPC
 * (no minor left under its major). */
int blkdev_register(struct blkdev *dev);
/* Remove it (its cached blocks are written back first, bcache). */
void blkdev_unregister(struct blkdev *dev);
/* What runs first when a device is removed (set by fs/bcache.c). */
void blkdev_set_remove_hook(void (*fn)(struct blkdev *dev));

#endif

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
 *
 * Requests may be merged: next is one of the same op whose sectors
 * follow this one's (and so on), given to the device with it as one run
 * of span sectors, each part's memory its own (blk_request_data), each
 * part's done called with the run's status. A submitter may chain them
 * itself (blk_request_merge); the driver's queue merges the adjacent
 * requests waiting in it (blk_queue_run).
 */
struct blk_request {
	enum blk_op op;
	uint64_t sector;
	uint32_t count;
	void *buf;
	void (*done)(struct blk_request *rq, int status);
	void *priv; /* the submitter's */
	struct blk_request *next; /* merged after this one; NULL: none */
	/* The driver's from submit until done: its queue of requests not
	 * yet (wholly) given to the device, and its progress through one
	 * it splits into pieces the device takes. */
	struct list_node qnode;
	uint32_t span; /* sectors of this run: count and the next parts' */
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
 * lock held unless said: the units of rq's progress (its run's sectors,
 * a flush 1); rq taken out of the queue for good, failing with err
 * unless a piece failed first, onto done when no piece is still out; and
 * the done calls of every part of what is on done (lock not held: done
 * may submit).
 */
uint32_t blk_request_total(const struct blk_request *rq);
/* What submit refuses at once: 0, -EINVAL (an unknown op, a read or
 * write of no sectors, no buffer, past the end, a merged part of another
 * op or not adjacent, a flush with parts), -EROFS. Sets rq->span. */
int blk_request_check(const struct blkdev *dev, struct blk_request *rq);
void blk_request_retire(struct blk_request *rq, int err,
			struct list_node *done);
void blk_requests_finish(struct list_node *done);
/* The memory of byte off of rq's run (sectors of ss bytes) and, in *len, how many bytes from
 * there are contiguous (within one part); NULL past the run. */
uint8_t *blk_request_data(struct blk_request *rq, uint32_t ss, uint64_t off,
			  uint64_t *len);
/* Copy len bytes of the run from byte off into mem (out) or from mem
 * into the run (!out): a driver's bounce buffer. */
void blk_request_copy(struct blk_request *rq, uint32_t ss, uint64_t off,
		      void *mem, uint64_t len, bool out);
/* Chain rq (a lone request) after the run of head when it is a read or
 * write of the same op, its sectors follow the run's and the run stays
 * within max sectors: true when merged. */
bool blk_request_merge(struct blk_request *head, struct blk_request *rq,
		       uint32_t max);
/*
 * A driver's start: give the device what queue holds while issue takes
 * it (0; -EAGAIN: no room until something completes; -errno: that
 * request fails). A request not yet begun first takes in the requests
 * right behind it in the queue that blk_request_merge accepts (runs of
 * at most max sectors). True when issue took something.
 */
bool blk_queue_run(struct list_node *queue,
		   int (*issue)(void *drv, struct blk_request *rq), void *drv,
		   uint32_t max, struct list_node *done);

/* For a caller that does not wait (fs/bcache.c): rq, and the requests
 * merged after it, to the device; every part's done is called once, with
 * the error when the driver refuses the run. */
void blkdev_submit(struct blkdev *dev, struct blk_request *rq);

/* Add dev to the devices callers find by name and give it its rdev: 0,
 * -EINVAL (bad geometry or ops), -EEXIST (the name is taken), -ENOSPC
 * (no minor left under its major). */
int blkdev_register(struct blkdev *dev);
/* Remove it (its cached blocks are written back first, bcache). */
void blkdev_unregister(struct blkdev *dev);
/* What runs first when a device is removed (set by fs/bcache.c). */
void blkdev_set_remove_hook(void (*fn)(struct blkdev *dev));

#endif

/*
 * p9chan_driver.h - what a 9P transport provides (drivers/virtio/9p.c):
 * its mount tag, its largest message and one operation, submit, that
 * queues a request and completes it later (from its interrupt handler,
 * or at once) by calling the request's done. A transport fills a struct
 * p9chan and registers it (kernel/p9chan.c); callers use
 * include/keel/p9chan.h.
 */
#ifndef KEEL_P9CHAN_DRIVER_H
#define KEEL_P9CHAN_DRIVER_H

#include <keel/list.h>
#include <keel/p9chan.h>

/*
 * One exchange. req and rep are kernel memory (the heap or the kernel
 * image; a transport doing DMA asks for their bus addresses). done runs
 * exactly once with the reply's length or -errno. Before it says a
 * length, the transport has checked that the reply is at least a 9P
 * header, that its size field is that length and its tag is tag: any
 * other reply is counted, logged once and failed with -EIO.
 */
struct p9chan_request {
	const void *req;
	size_t reqlen;
	void *rep;
	size_t replen;
	uint16_t tag; /* the request's, as in its header */
	void (*done)(struct p9chan_request *rq, long result);
	void *priv; /* the submitter's */
	struct list_node node; /* the transport's, while it waits for room */
};

struct p9chan_ops {
	/* Queue rq: 0 (done comes later, or has run) or -errno (it never
	 * will: the request was not taken). */
	int (*submit)(struct p9chan *ch, struct p9chan_request *rq);
};

struct p9chan {
	char tag[P9CHAN_TAG_MAX]; /* the mount tag, NUL-ended */
	uint32_t msize; /* the largest message, >= 4096 */
	const struct p9chan_ops *ops;
	void *priv; /* the transport's */
	struct list_node node; /* the registry's */
};

/* Add ch to the channels callers find by tag: 0, -EINVAL (no tag, too
 * small a message, no submit), -EEXIST (the tag is taken). */
int p9chan_register(struct p9chan *ch);

/* The 9P header's fields, which the transport checks. */
#define P9_HDR_LEN 7 /* size[4] type[1] tag[2] */
static inline uint32_t p9_hdr_size(const uint8_t *m)
{
	return (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
	       (uint32_t)m[3] << 24;
}
static inline uint16_t p9_hdr_tag(const uint8_t *m)
{
	return (uint16_t)(m[5] | m[6] << 8);
}

#endif

/*
 * p9chan.h - 9P channels as their users see them (fs/9p): a channel is a
 * transport to one 9P server (virtio-9p: a host directory QEMU shares),
 * found by its mount tag. A caller sends one whole 9P message and sleeps
 * until the server's reply is in its buffer, or posts one and goes on. Transports implement
 * include/keel/p9chan_driver.h; the registry is kernel/p9chan.c.
 * docs/fs.md, "9p".
 */
#ifndef KEEL_P9CHAN_H
#define KEEL_P9CHAN_H

#include <keel/compiler.h>

#define P9CHAN_TAG_MAX 64 /* a mount tag's bytes, NUL included */

struct p9chan;

/* The channel whose mount tag is tag, or NULL. */
struct p9chan *p9chan_find(const char *tag);
/* The largest message, request or reply, the transport carries. */
uint32_t p9chan_msize(const struct p9chan *ch);
/*
 * Send req (reqlen bytes: a 9P message, its size field and tag filled)
 * and wait, not interruptibly, for the reply in rep (room for replen
 * bytes): the reply's length, or -errno (-EINVAL: a bad length, -EIO:
 * the transport failed or the reply was malformed: its size field not
 * its length, its tag not the request's). The transport checks the
 * header; the caller checks the body.
 */
long p9chan_rpc(struct p9chan *ch, const void *req, size_t reqlen, void *rep,
		size_t replen);
/*
 * Send req (kmalloc'd; the channel frees it) without waiting, for a
 * message whose answer does not matter (Tclunk): the reply is dropped
 * when it comes. 0, or -errno (nothing was sent; req is freed).
 */
int p9chan_post(struct p9chan *ch, void *req, size_t reqlen);

#endif

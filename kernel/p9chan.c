/*
 * p9chan.c - the 9P channels transports register (kernel/): the table by
 * mount tag, and a synchronous exchange on top of a transport's
 * asynchronous submit (include/keel/p9chan_driver.h): the caller sleeps
 * until the request's completion, which may come from an interrupt.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/p9chan_driver.h>
#include <keel/string.h>
#include <keel/sync.h>

static struct list_node channels = LIST_INIT(channels);

int p9chan_register(struct p9chan *ch)
{
	size_t len = strnlen(ch->tag, P9CHAN_TAG_MAX);

	if (!len || len == P9CHAN_TAG_MAX || ch->msize < 4096 || !ch->ops ||
	    !ch->ops->submit)
		return -EINVAL;
	if (p9chan_find(ch->tag))
		return -EEXIST;
	list_push_back(&channels, &ch->node);
	return 0;
}

struct p9chan *p9chan_find(const char *tag)
{
	list_for_each (n, &channels) {
		struct p9chan *c = list_entry(n, struct p9chan, node);

		if (!strcmp(c->tag, tag))
			return c;
	}
	return NULL;
}

uint32_t p9chan_msize(const struct p9chan *ch)
{
	return ch->msize;
}

/* A request checked before it goes: a whole message within msize. */
static bool request_ok(struct p9chan *ch, const void *req, size_t reqlen)
{
	return reqlen >= P9_HDR_LEN && reqlen <= ch->msize &&
	       p9_hdr_size(req) == reqlen;
}

static void rpc_done(struct p9chan_request *rq, long result)
{
	complete(rq->priv, result);
}

long p9chan_rpc(struct p9chan *ch, const void *req, size_t reqlen, void *rep,
		size_t replen)
{
	struct completion done = COMPLETION_INIT(done);
	struct p9chan_request rq = {
		.req = req,
		.reqlen = reqlen,
		.rep = rep,
		.replen = MIN(replen, (size_t)ch->msize),
		.done = rpc_done,
		.priv = &done,
	};
	int err;

	if (!request_ok(ch, req, reqlen) || replen < P9_HDR_LEN)
		return -EINVAL;
	rq.tag = p9_hdr_tag(req);
	err = ch->ops->submit(ch, &rq);
	if (err)
		return err;
	return wait_for_completion(&done);
}

/* A posted request and the room for its reply, freed when it is done
 * (from the interrupt handler: the heap takes its lock with interrupts
 * off). */
struct posted {
	struct p9chan_request rq;
	uint8_t rep[64]; /* Rclunk or Rlerror */
};

static void post_done(struct p9chan_request *rq, long result)
{
	(void)result;
	kfree((void *)rq->req);
	kfree(container_of(rq, struct posted, rq));
}

int p9chan_post(struct p9chan *ch, void *req, size_t reqlen)
{
	struct posted *p;
	int err = -EINVAL;

	if (request_ok(ch, req, reqlen)) {
		p = kzalloc(sizeof(*p));
		err = p ? 0 : -ENOMEM;
	}
	if (err) {
		kfree(req);
		return err;
	}
	p->rq = (struct p9chan_request){ .req = req,
					 .reqlen = reqlen,
					 .rep = p->rep,
					 .replen = sizeof(p->rep),
					 .tag = p9_hdr_tag(req),
					 .done = post_done };
	err = ch->ops->submit(ch, &p->rq);
	if (err) {
		kfree(req);
		kfree(p);
	}
	return err;
}

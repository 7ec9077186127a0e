/*
 * xenstore.c - the xenstore client (plat/xen) over the shared ring of
 * HVM_PARAM_STORE_PFN/EVTCHN. One request is in flight at a time: the
 * caller holds the ring lock with interrupts off and polls for the reply,
 * yielding to Xen meanwhile, so requests work before threads exist and
 * from the shutdown path. Watch events that arrive in between are queued
 * and handed to a watch thread, which the ring's event channel wakes.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/time.h>
#include "xen_priv.h"
#include <arch/mm.h>
#include <xen/hvm/params.h>
#include <xen/io/xs_wire.h>
#include <xen/sched.h>

/* Give up on xenstored after this long without the reply we wait for. */
#define XS_TIMEOUT_NS (30 * NSEC_PER_SEC)
/* Watch events waiting for the watch thread, at most: a xenstored that
 * floods them cannot take the guest's memory. */
#define XS_EVENTS_MAX 256
#define XS_WAIT_SLICE_NS (10 * NSEC_PER_MSEC)

struct xs_event {
	struct list_node node;
	char *path;
	void *token;
};

struct xs_watch {
	struct list_node node;
	void (*fn)(const char *path, void *arg);
	void *arg;
};

static struct xenstore_domain_interface *ring;
static unsigned port;
static struct spinlock ring_lock;
static uint32_t next_req = 1;
static struct list_node events = LIST_INIT(events);
static unsigned nevents; /* on events */
static struct list_node watches = LIST_INIT(watches);
static struct waitq watch_wq = WAITQ_INIT(watch_wq);
static char msgbuf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];

bool xenstore_ready(void)
{
	return ring != NULL;
}

/*
 * Wait in Xen for the ring's event until ready(). The peer is notified
 * again only after a quiet slice (in case it bound its end late).
 */
static bool poll_wait(bool (*ready)(void))
{
	uint64_t end = xen_monotonic_ns() + XS_TIMEOUT_NS;

	while (!ready()) {
		if (xen_monotonic_ns() > end) {
			printk("xen: xenstored did not answer in 30 s\n");
			return false;
		}
		if (!evtchn_wait(port, XS_WAIT_SLICE_NS))
			evtchn_send(port);
	}
	return true;
}

/* Room for a request byte, or indices that will never give any. */
static bool req_room(void)
{
	return READ_ONCE(ring->req_prod) - READ_ONCE(ring->req_cons) !=
	       XENSTORE_RING_SIZE;
}

static bool rsp_data(void)
{
	return READ_ONCE(ring->rsp_prod) != READ_ONCE(ring->rsp_cons);
}

/*
 * The indices are read once each: xenstored moves them under our feet,
 * and a value read twice (as a MIN() of a volatile read does) can differ
 * between the comparison and the use. That once let a 16-byte read take
 * 19 bytes and wrap its remaining length, hanging 2-5 % of boots. An index
 * pair further apart than the ring is a broken peer: -EIO, not a wild copy.
 */
static int ring_put(const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		if (!req_room() && !poll_wait(req_room))
			return -EIO;
		XENSTORE_RING_IDX prod = ring->req_prod;
		XENSTORE_RING_IDX used = prod - READ_ONCE(ring->req_cons);
		if (used > XENSTORE_RING_SIZE) {
			printk("xen: xenstore request ring indices are "
			       "broken (%u in use)\n",
			       used);
			return -EIO;
		}
		size_t n = MIN(len, (size_t)(XENSTORE_RING_SIZE - used));
		for (size_t i = 0; i < n; i++)
			ring->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		WRITE_ONCE(ring->req_prod, prod + (XENSTORE_RING_IDX)n);
		evtchn_send(port);
		p += n;
		len -= n;
	}
	return 0;
}

static int ring_get(void *data, size_t len)
{
	char *p = data;

	while (len) {
		if (!rsp_data() && !poll_wait(rsp_data))
			return -EIO;
		XENSTORE_RING_IDX cons = ring->rsp_cons;
		XENSTORE_RING_IDX avail = READ_ONCE(ring->rsp_prod) - cons;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (avail > XENSTORE_RING_SIZE) {
			printk("xen: xenstore response ring indices are "
			       "broken (%u available)\n",
			       avail);
			return -EIO;
		}
		size_t n = MIN(len, (size_t)avail);
		for (size_t i = 0; i < n; i++)
			p[i] = ring->rsp[MASK_XENSTORE_IDX(cons + i)];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		WRITE_ONCE(ring->rsp_cons, cons + (XENSTORE_RING_IDX)n);
		evtchn_send(port);
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Read one message into msgbuf. A length beyond the protocol's is an I/O
 * error, and what the ring holds after such a header is no message
 * boundary: it is dropped, so the next reply starts afresh.
 */
static int read_msg(struct xsd_sockmsg *hdr)
{
	int err = ring_get(hdr, sizeof(*hdr));

	if (err)
		return err;
	if (hdr->len > XENSTORE_PAYLOAD_MAX) {
		printk("xen: xenstore reply of %u bytes (type %u, id %u) is "
		       "beyond the protocol's %u: refused, ring emptied\n",
		       hdr->len, hdr->type, hdr->req_id, XENSTORE_PAYLOAD_MAX);
		WRITE_ONCE(ring->rsp_cons, READ_ONCE(ring->rsp_prod));
		return -EIO;
	}
	err = ring_get(msgbuf, hdr->len);
	msgbuf[hdr->len] = '\0';
	return err;
}

static void queue_event(const struct xsd_sockmsg *hdr)
{
	/* Payload: path NUL token NUL. The token is our watch's address. */
	size_t plen = strnlen(msgbuf, hdr->len);
	struct xs_event *ev;
	static bool said_token, said_full;

	if (plen + 1 >= hdr->len) {
		if (!said_token)
			printk("xen: xenstore watch event without a token: "
			       "dropped (said once)\n");
		said_token = true;
		return;
	}
	if (nevents == XS_EVENTS_MAX) {
		if (!said_full)
			printk("xen: %u xenstore watch events queued: more "
			       "dropped (said once)\n",
			       nevents);
		said_full = true;
		return;
	}
	ev = kmalloc(sizeof(*ev));
	if (!ev)
		return;
	ev->path = kmalloc(plen + 1);
	if (!ev->path) {
		kfree(ev);
		return;
	}
	memcpy(ev->path, msgbuf, plen + 1);
	ev->token = NULL;
	for (const char *t = msgbuf + plen + 1; *t; t++) {
		unsigned d = *t >= 'a' ? (unsigned)(*t - 'a' + 10)
				       : (unsigned)(*t - '0');
		ev->token = (void *)(((uintptr_t)ev->token << 4) | (d & 15));
	}
	list_push_back(&events, &ev->node);
	nevents++;
}

/*
 * Wait for the reply to request id into msgbuf, queueing the watch
 * events that come first. Replies to other requests are skipped, but a
 * peer that keeps sending them for XS_TIMEOUT_NS has not answered.
 */
static int wait_reply(uint32_t id, struct xsd_sockmsg *r)
{
	uint64_t end = xen_monotonic_ns() + XS_TIMEOUT_NS;
	unsigned stale = 0;

	for (;;) {
		int err = read_msg(r);
		if (err)
			return err;
		if (r->type == XS_WATCH_EVENT)
			queue_event(r);
		else if (r->req_id == id)
			return 0;
		else
			stale++;
		if (xen_monotonic_ns() > end) {
			printk("xen: no xenstore reply to request %u in 30 s "
			       "(%u replies to others)\n",
			       id, stale);
			return -EIO;
		}
	}
}

/* The errno of an XS_ERROR reply: Xen's table of the names it sends. */
static int reply_errno(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(xsd_errors); i++)
		if (strcmp(msgbuf, xsd_errors[i].errstring) == 0)
			return -xsd_errors[i].errnum;
	return -EINVAL;
}

/*
 * Send one request and wait for its reply. Returns the reply payload
 * (kmalloc'd, NUL-terminated) or NULL with *err set.
 */
static char *request(uint32_t type, uint32_t tx, const char *const *parts,
		     const size_t *lens, unsigned nparts, size_t *rlen,
		     int *err)
{
	struct xsd_sockmsg hdr = { .type = type, .tx_id = tx }, r;
	unsigned long flags;
	char *out = NULL;

	*err = -EIO;
	if (!ring)
		return NULL;
	for (unsigned i = 0; i < nparts; i++)
		hdr.len += (uint32_t)lens[i];
	if (hdr.len > XENSTORE_PAYLOAD_MAX) {
		*err = -E2BIG;
		return NULL;
	}
	flags = spin_lock_irqsave(&ring_lock);
	hdr.req_id = next_req++;
	if (ring_put(&hdr, sizeof(hdr)))
		goto out;
	for (unsigned i = 0; i < nparts; i++)
		if (ring_put(parts[i], lens[i]))
			goto out;
	if (wait_reply(hdr.req_id, &r))
		goto out;
	if (r.type == XS_ERROR) {
		*err = reply_errno();
		goto out;
	}
	out = kmalloc(r.len + 1);
	if (!out) {
		*err = -ENOMEM;
		goto out;
	}
	memcpy(out, msgbuf, r.len + 1);
	if (rlen)
		*rlen = r.len;
	*err = 0;
out:
	spin_unlock_irqrestore(&ring_lock, flags);
	if (!list_empty(&events))
		waitq_wake_all(&watch_wq);
	return out;
}

static int simple(uint32_t type, uint32_t tx, const char *a, const char *b,
		  bool b_nul)
{
	const char *parts[2] = { a, b };
	size_t lens[2] = { strlen(a) + 1, b ? strlen(b) + (b_nul ? 1 : 0) : 0 };
	int err;
	char *r = request(type, tx, parts, lens, b ? 2 : 1, NULL, &err);

	kfree(r);
	return err;
}

char *xenstore_read(const char *path, int *err)
{
	size_t len = strlen(path) + 1;

	return request(XS_READ, 0, &path, &len, 1, NULL, err);
}

int xenstore_write(const char *path, const char *value)
{
	return simple(XS_WRITE, 0, path, value, false);
}

int xenstore_write_tx(uint32_t tx, const char *path, const char *value)
{
	return simple(XS_WRITE, tx, path, value, false);
}

char *xenstore_directory(const char *path, size_t *len, int *err)
{
	size_t plen = strlen(path) + 1;

	return request(XS_DIRECTORY, 0, &path, &plen, 1, len, err);
}

int xenstore_rm(const char *path)
{
	return simple(XS_RM, 0, path, NULL, false);
}

int xenstore_transaction_start(uint32_t *tx)
{
	const char *empty = "";
	size_t len = 1;
	int err;
	char *r = request(XS_TRANSACTION_START, 0, &empty, &len, 1, NULL, &err);

	if (r) {
		uint32_t v = 0;
		for (const char *p = r; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (uint32_t)(*p - '0');
		*tx = v;
		kfree(r);
	}
	return err;
}

int xenstore_transaction_end(uint32_t tx, bool commit)
{
	return simple(XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL, false);
}

int xenstore_watch(const char *path, void (*fn)(const char *path, void *arg),
		   void *arg)
{
	struct xs_watch *w = kmalloc(sizeof(*w));
	char token[20];
	unsigned long flags;
	int err;

	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->arg = arg;
	flags = arch_irq_save();
	list_push_back(&watches, &w->node);
	arch_irq_restore(flags);
	snprintf(token, sizeof(token), "%lx", (unsigned long)(uintptr_t)w);
	err = simple(XS_WATCH, 0, path, token, true);
	if (err) {
		flags = arch_irq_save();
		list_remove(&w->node);
		arch_irq_restore(flags);
		kfree(w);
	}
	return err;
}

static void ring_event(unsigned p, void *arg)
{
	(void)p;
	(void)arg;
	waitq_wake_all(&watch_wq);
}

/* Take watch events off the ring (when no request is running) and run them. */
static void watch_thread(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&ring_lock);
		while (rsp_data()) {
			struct xsd_sockmsg r;
			if (read_msg(&r))
				break;
			if (r.type == XS_WATCH_EVENT)
				queue_event(&r);
		}
		struct list_node *n = list_pop_front(&events);
		if (n)
			nevents--;
		if (!n) {
			waitq_wait_locked(&watch_wq, &ring_lock, 0);
			spin_unlock_irqrestore(&ring_lock, flags);
			continue;
		}
		spin_unlock_irqrestore(&ring_lock, flags);
		struct xs_event *ev = list_entry(n, struct xs_event, node);
		list_for_each (wn, &watches) {
			struct xs_watch *w =
			    list_entry(wn, struct xs_watch, node);
			if ((void *)w == ev->token)
				w->fn(ev->path, w->arg);
		}
		kfree(ev->path);
		kfree(ev);
	}
}

int xenstore_init(void)
{
	uint64_t pfn = 0, evtchn = 0;

	if (xen_get_param(HVM_PARAM_STORE_PFN, &pfn) || !pfn ||
	    xen_get_param(HVM_PARAM_STORE_EVTCHN, &evtchn))
		return -ENODEV;
	port = (unsigned)evtchn;
	ring = ioremap_cached(pfn << PAGE_SHIFT, PAGE_SIZE);
	if (!ring)
		return -ENOMEM;
	return evtchn_bind(port, ring_event, NULL);
}

void xenstore_start_threads(void)
{
	struct thread *t;

	if (ring && (t = thread_create("xenstore", watch_thread, NULL)))
		thread_detach(t);
}

/*
 * netfront.c - Xen's paravirtual network device, the guest's half
 * (drivers/xen; the protocol is xen/io/netif.h, docs/xen.md). Each
 * device/vif/N under the domain's xenstore home becomes a struct netdev
 * (net/netdev.c), the same as a virtio-net device.
 *
 * The handshake follows the XenbusState machine both ways: when the
 * backend waits (InitWait) we grant it a transmit and a receive ring and
 * an event channel, write them with the features we use (receive by
 * copy, receive notification, scatter-gather, checksum offload) and say
 * Connected; the link is up once the backend says Connected too. A
 * backend that closes (xl network-detach, a dom0 that restarts its
 * backend) takes the link down and the rings away; one that comes back
 * (InitWait again, or a new vif after network-attach) is connected again
 * under the same device, so the addresses configured on it stay. All of
 * this runs in the xenstore watch thread, on every change under
 * device/vif and in the backend's state.
 *
 * Data: every transmit slot is half a page, granted read-only for as long
 * as the rings live; a frame is copied into one slot (or several, chained
 * with NETTXF_more_data, for an MTU above a slot) and given back when the
 * backend answers for its first slot. Every receive buffer is a whole
 * page granted for writing; the backend copies a frame (or its pieces,
 * with NETRXF_more_data) into it, and we copy it out into a netbuf and
 * post the page again. Receive request i always carries id i mod the
 * ring's size, as the backend answers in order.
 *
 * The backend is not trusted: a response with an id out of range or not
 * in flight, a status or length that does not fit its request, an offset
 * past its page, or extra segments we never asked for are counted,
 * logged once and dropped; a producer index that claims more responses
 * than requests stops the device until the backend reconnects. Xenstore
 * values are parsed strictly: garbage in a feature key reads as "off", a
 * missing or malformed MAC gives a locally administered one.
 */
#include <keel/dma.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netdev_driver.h>
#include <keel/page.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <plat/xen.h>
#include <drivers/xen.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>
#include "xenbus.h"

#define NF_MAX 4 /* vifs driven */
#define RING 256 /* entries in each ring (one page) */
#define TX_SLOT 2048 /* bytes per transmit slot, two per page */
#define TX_SLOTS 128
#define TX_PAGES (TX_SLOTS * TX_SLOT / PAGE_SIZE)
#define RX_BUFS 64 /* receive pages posted */
#define MTU_SG 9000 /* the largest MTU with scatter-gather */
#define BATCH 16
#define PATH_MAX_XS 96

_Static_assert(sizeof(struct netif_tx_sring) +
			   (RING - 1) * sizeof(union netif_tx_sring_entry) <=
		       PAGE_SIZE &&
		   sizeof(struct netif_tx_sring) +
			   (2 * RING - 1) * sizeof(union netif_tx_sring_entry) >
		       PAGE_SIZE,
	       "the tx ring holds RING entries");
_Static_assert(sizeof(struct netif_rx_sring) +
			   (RING - 1) * sizeof(union netif_rx_sring_entry) <=
		       PAGE_SIZE &&
		   sizeof(struct netif_rx_sring) +
			   (2 * RING - 1) * sizeof(union netif_rx_sring_entry) >
		       PAGE_SIZE,
	       "the rx ring holds RING entries");

/* What a backend got wrong, counted and logged once each. */
enum nf_fault {
	F_TX_ID, /* a transmit response for no request in flight */
	F_TX_STATUS, /* a transmit status that is no status */
	F_RX_ID, /* a receive id that is not the request's */
	F_RX_LEN, /* offset + length past the page, or a frame too long */
	F_RX_SHORT, /* a frame shorter than an Ethernet header */
	F_RX_EXTRA, /* extra segments we never asked for */
	F_RX_CSUM, /* a checksum left blank on a frame we cannot complete */
	F_RING, /* a producer index beyond the requests in flight */
	F_GRANT, /* a grant the backend would not give back */
	F_NFAULTS
};

static const char *const fault_text[F_NFAULTS] = {
	[F_TX_ID] = "a transmit response with an id not in flight",
	[F_TX_STATUS] = "a transmit response with an unknown status",
	[F_RX_ID] = "a receive response with an id that is not its request's",
	[F_RX_LEN] = "a receive length past its page or the MTU",
	[F_RX_SHORT] = "a received frame shorter than its Ethernet header",
	[F_RX_EXTRA] = "receive extra segments that were not asked for",
	[F_RX_CSUM] = "a blank checksum on a frame that is not TCP or UDP",
	[F_RING] = "a response index beyond the requests in flight "
		   "(the device stops until the backend reconnects)",
	[F_GRANT] = "a grant still in use after the backend closed "
		    "(its page is never reused)",
};

struct nf {
	struct netdev dev;
	unsigned devid;
	char fe[32]; /* "device/vif/N" */
	char be[PATH_MAX_XS]; /* its backend, "" before it is known */
	char watched[PATH_MAX_XS]; /* the backend state we watch */
	domid_t be_id;
	int state; /* our XenbusState, as last written */
	bool present; /* device/vif/N exists */
	bool sg, csum6; /* the backend's features */

	/* The data path: under lock (the event channel handler takes it). */
	struct spinlock lock;
	bool live; /* rings granted, event channel bound */
	bool up; /* the backend is connected */
	bool broken; /* stopped by F_RING */
	bool started; /* the stack opened the device */
	bool tx_full;
	unsigned port;
	struct dma_buf rings; /* page 0: tx, page 1: rx */
	struct netif_tx_sring *txs;
	struct netif_rx_sring *rxs;
	RING_IDX tx_prod, tx_cons, rx_prod, rx_cons;
	int ring_ref[2];
	struct dma_buf txmem, rxmem;
	int tx_ref[TX_PAGES], rx_ref[RX_BUFS];
	struct netbuf *tx_frame[TX_SLOTS]; /* on a frame's first slot */
	bool tx_busy[TX_SLOTS];
	uint16_t tx_free[TX_SLOTS];
	unsigned ntx_free;
	int16_t rx_buf[RING]; /* ring id -> buffer, -1 none */
	uint16_t rx_free[RX_BUFS];
	unsigned nrx_free;
	/* A received frame in pieces (NETRXF_more_data), and extras. */
	struct netbuf *rx_nb;
	bool rx_drop, rx_extra, rx_csum;
	uint64_t faults[F_NFAULTS];
	unsigned warned; /* fault bits already logged */
};

static struct nf *nfs[NF_MAX];
static unsigned nnf;

static void fault(struct nf *n, enum nf_fault f)
{
	n->faults[f]++;
	if (n->warned & (1u << f))
		return;
	n->warned |= 1u << f;
	printk("netfront %s: %s; counted, logged once, dropped\n", n->dev.name,
	       fault_text[f]);
}

/* ---------------------------------------------------------- xenstore --- */

/* A feature key: on only if it reads exactly "1". */
static bool xs_feature(const char *dir, const char *key)
{
	return xenbus_number(dir, key, 2) == 1;
}

/* "xx:xx:xx:xx:xx:xx", unicast: true and mac filled in. */
static bool parse_mac(const char *s, uint8_t mac[NETDEV_ALEN])
{
	for (unsigned i = 0; i < NETDEV_ALEN; i++, s += 3) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
		if (lo < 0 || s[2] != (i + 1 < NETDEV_ALEN ? ':' : 0))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return !(mac[0] & 1);
}

static void read_mac(struct nf *n)
{
	char path[PATH_MAX_XS];
	char *s;
	int err;

	snprintf(path, sizeof(path), "%s/mac", n->fe);
	s = xenstore_read(path, &err);
	if (s && parse_mac(s, n->dev.mac)) {
		kfree(s);
		return;
	}
	/* A locally administered one, as virtio-net without a MAC. */
	static const uint8_t local[NETDEV_ALEN] = { 0x02, 0x6b, 0x65,
						    0x65, 0x6c, 0x10 };
	memcpy(n->dev.mac, local, NETDEV_ALEN);
	n->dev.mac[5] = (uint8_t)(local[5] + n->devid);
	printk("netfront vif%u: %s MAC in xenstore (%s); using "
	       "%02x:%02x:%02x:%02x:%02x:%02x\n",
	       n->devid, s ? "an unusable" : "no", s ? s : "missing",
	       n->dev.mac[0], n->dev.mac[1], n->dev.mac[2], n->dev.mac[3],
	       n->dev.mac[4], n->dev.mac[5]);
	kfree(s);
}

static int set_state(struct nf *n, int state)
{
	n->state = state;
	return xenbus_set_state(n->fe, state);
}

/* ------------------------------------------------------------ receive --- */

/* Post free buffers (lock held); true if the backend must be told. */
static bool refill_rx(struct nf *n)
{
	RING_IDX old = n->rx_prod, prod = old;

	while (n->nrx_free && prod - n->rx_cons < RING) {
		unsigned b = n->rx_free[--n->nrx_free], id = prod % RING;
		netif_rx_request_t *req = &n->rxs->ring[id].req;

		n->rx_buf[id] = (int16_t)b;
		req->id = (uint16_t)id;
		req->gref = (grant_ref_t)n->rx_ref[b];
		prod++;
	}
	if (prod == old)
		return false;
	n->rx_prod = prod;
	__atomic_thread_fence(__ATOMIC_RELEASE); /* requests before index */
	WRITE_ONCE(n->rxs->req_prod, prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (RING_IDX)(prod - READ_ONCE(n->rxs->req_event)) <
	       (RING_IDX)(prod - old);
}

static void rx_drop_frame(struct nf *n)
{
	netbuf_free(n->rx_nb);
	n->rx_nb = NULL;
	n->rx_csum = false;
}

/* One receive response: a piece of a frame. A finished frame goes to
 * *out (lock held). */
static void rx_piece(struct nf *n, const netif_rx_response_t *r,
		     const uint8_t *page, struct netbuf **out)
{
	bool more = r->flags & NETRXF_more_data;
	size_t len = r->status > 0 ? (size_t)r->status : 0;
	size_t max = n->dev.mtu + NETDEV_HLEN;

	if (r->flags & NETRXF_extra_info) {
		fault(n, F_RX_EXTRA);
		n->rx_extra = true; /* the next slot is an extra: skipped */
		n->rx_drop = true;
	}
	if (r->status < 0) {
		n->rx_drop = true; /* the backend's error: dropped quietly */
	} else if ((size_t)r->offset + len > PAGE_SIZE ||
		   (!more && len > max)) {
		fault(n, F_RX_LEN);
		n->rx_drop = true;
	}
	if (!n->rx_drop && !n->rx_nb) {
		n->rx_nb = netdev_rxbuf_alloc(&n->dev, more ? max : len);
		if (!n->rx_nb)
			n->rx_drop = true;
		else
			n->rx_nb->len = 0;
		n->rx_csum = r->flags & NETRXF_csum_blank;
	}
	if (!n->rx_drop) {
		struct netbuf *nb = n->rx_nb;
		if (nb->len + len > nb->room) {
			fault(n, F_RX_LEN);
			n->rx_drop = true;
		} else {
			memcpy(nb->data + nb->len, page + r->offset, len);
			nb->len += len;
		}
	}
	if (more)
		return;
	/* The frame's last piece. */
	if (!n->rx_drop && n->rx_nb->len < NETDEV_HLEN) {
		fault(n, F_RX_SHORT);
		n->rx_drop = true;
	}
	if (!n->rx_drop && n->rx_csum &&
	    netdev_csum_complete(n->rx_nb->data, n->rx_nb->len)) {
		fault(n, F_RX_CSUM);
		n->rx_drop = true;
	}
	if (n->rx_drop || !n->started) {
		rx_drop_frame(n);
	} else {
		*out = n->rx_nb;
		n->rx_nb = NULL;
	}
	n->rx_drop = false;
}

/*
 * Are there responses after cons (lock held)? Their end in *prod. With
 * none, ask the backend for an event at the next one and look once more
 * (it may have answered in between). A producer index beyond the
 * requests posted stops the device.
 */
static bool responses(struct nf *n, volatile RING_IDX *rsp_prod,
		      volatile RING_IDX *rsp_event, RING_IDX cons,
		      RING_IDX posted, RING_IDX *prod)
{
	for (int again = 0; n->live && !n->broken && again < 2; again++) {
		*prod = READ_ONCE(*rsp_prod);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((RING_IDX)(*prod - cons) > (RING_IDX)(posted - cons)) {
			fault(n, F_RING);
			n->broken = true;
			return false;
		}
		if (*prod != cons)
			return true;
		WRITE_ONCE(*rsp_event, cons + 1);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return false;
}

/* Take up to BATCH received frames (lock held). */
static unsigned take_rx(struct nf *n, struct netbuf **out, bool *notify)
{
	unsigned got = 0;

	RING_IDX prod;

	while (got < BATCH &&
	       responses(n, &n->rxs->rsp_prod, &n->rxs->rsp_event, n->rx_cons,
			 n->rx_prod, &prod)) {
		while (n->rx_cons != prod && got < BATCH) {
			unsigned idx = n->rx_cons % RING;
			netif_rx_response_t r = n->rxs->ring[idx].rsp;
			int b = n->rx_buf[idx];
			struct netbuf *f = NULL;

			n->rx_cons++;
			n->rx_buf[idx] = -1;
			if (b < 0)
				continue; /* cannot be: we posted every slot */
			n->rx_free[n->nrx_free++] = (uint16_t)b;
			if (n->rx_extra) {
				/* An extra segment sits in this slot. */
				const struct netif_extra_info *x =
				    (const void *)&n->rxs->ring[idx].rsp;
				n->rx_extra = READ_ONCE(x->flags) &
					      XEN_NETIF_EXTRA_FLAG_MORE;
				continue;
			}
			if (r.id != idx) {
				fault(n, F_RX_ID);
				n->rx_drop = true; /* the frame it belongs to */
				if (!(r.flags & NETRXF_more_data)) {
					rx_drop_frame(n);
					n->rx_drop = false;
				}
				continue;
			}
			rx_piece(n, &r,
				 (const uint8_t *)n->rxmem.va +
				     (size_t)b * PAGE_SIZE,
				 &f);
			if (f)
				out[got++] = f;
		}
	}
	if (n->live && !n->broken && refill_rx(n))
		*notify = true;
	return got;
}

static void rx_work(struct nf *n)
{
	struct netbuf *batch[BATCH];
	unsigned got;

	do {
		bool notify = false;
		unsigned long irq = spin_lock_irqsave(&n->lock);
		got = take_rx(n, batch, &notify);
		spin_unlock_irqrestore(&n->lock, irq);
		if (notify)
			evtchn_send(n->port);
		for (unsigned i = 0; i < got; i++)
			netdev_rx(&n->dev, batch[i]);
	} while (got == BATCH);
}

/* ----------------------------------------------------------- transmit --- */

/* Take up to BATCH transmit responses: finished frames to *done. */
static unsigned take_tx(struct nf *n, struct netbuf **done, int *errs)
{
	unsigned got = 0;

	RING_IDX prod;

	while (got < BATCH &&
	       responses(n, &n->txs->rsp_prod, &n->txs->rsp_event, n->tx_cons,
			 n->tx_prod, &prod)) {
		while (n->tx_cons != prod && got < BATCH) {
			netif_tx_response_t r =
			    n->txs->ring[n->tx_cons % RING].rsp;

			n->tx_cons++;
			if (r.id >= TX_SLOTS || !n->tx_busy[r.id]) {
				fault(n, F_TX_ID);
				continue;
			}
			if (r.status != NETIF_RSP_OKAY &&
			    r.status != NETIF_RSP_ERROR &&
			    r.status != NETIF_RSP_DROPPED)
				fault(n, F_TX_STATUS);
			n->tx_busy[r.id] = false;
			n->tx_free[n->ntx_free++] = r.id;
			if (n->tx_frame[r.id]) {
				done[got] = n->tx_frame[r.id];
				errs[got++] =
				    r.status == NETIF_RSP_OKAY ? 0 : -EIO;
				n->tx_frame[r.id] = NULL;
			}
		}
	}
	return got;
}

static void tx_work(struct nf *n)
{
	struct netbuf *done[BATCH];
	int errs[BATCH];
	unsigned got;
	bool room = false;

	do {
		unsigned long irq = spin_lock_irqsave(&n->lock);
		got = take_tx(n, done, errs);
		if (got && n->tx_full) {
			n->tx_full = false;
			room = true;
		}
		spin_unlock_irqrestore(&n->lock, irq);
		for (unsigned i = 0; i < got; i++)
			netdev_tx_done(&n->dev, done[i], errs[i]);
	} while (got == BATCH);
	if (room)
		netdev_tx_room(&n->dev);
}

/* The flags for a frame whose checksum is left to the device: the
 * backend completes it, or (IPv6 to a backend without IPv6 offload)
 * we do, here. */
static uint16_t tx_csum(struct nf *n, uint8_t *buf, size_t len, unsigned pieces)
{
	bool v6 = len > 13 && buf[12] == 0x86 && buf[13] == 0xdd;

	if (v6 && !n->csum6 && pieces == 1 && !netdev_csum_complete(buf, len))
		return 0;
	return NETTXF_csum_blank | NETTXF_data_validated;
}

static int nf_xmit(struct netdev *dev, struct netbuf *frame)
{
	struct nf *n = dev->priv;
	size_t len = netbuf_frame_len(frame), off = 0;
	unsigned need = (unsigned)((len + TX_SLOT - 1) / TX_SLOT), first = 0;
	RING_IDX old;
	unsigned long irq;
	bool notify;

	if (need > (n->sg ? TX_SLOTS / 4 : 1))
		return -EMSGSIZE;
	irq = spin_lock_irqsave(&n->lock);
	if (!n->live || !n->up || n->broken) {
		spin_unlock_irqrestore(&n->lock, irq);
		return -ENETDOWN;
	}
	if (n->ntx_free < need || RING - (n->tx_prod - n->tx_cons) < need) {
		n->tx_full = true;
		spin_unlock_irqrestore(&n->lock, irq);
		return -EAGAIN;
	}
	old = n->tx_prod;
	for (unsigned i = 0; i < need; i++) {
		unsigned s = n->tx_free[--n->ntx_free];
		size_t piece = MIN(len - off, (size_t)TX_SLOT);
		netif_tx_request_t *req = &n->txs->ring[n->tx_prod % RING].req;
		uint8_t *buf = (uint8_t *)n->txmem.va + (size_t)s * TX_SLOT;

		netbuf_copy(frame, off, buf, piece);
		req->gref = (grant_ref_t)n->tx_ref[s * TX_SLOT / PAGE_SIZE];
		req->offset = (uint16_t)(s * TX_SLOT % PAGE_SIZE);
		req->id = (uint16_t)s;
		req->flags = i + 1 < need ? NETTXF_more_data : 0;
		/* The first request's size is the whole frame's. */
		req->size = (uint16_t)(i ? piece : len);
		if (!i) {
			first = s;
			if (frame->flags & NETBUF_CSUM_PARTIAL)
				req->flags |= tx_csum(n, buf, piece, need);
		}
		n->tx_busy[s] = true;
		n->tx_prod++;
		off += piece;
	}
	n->tx_frame[first] = frame;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(n->txs->req_prod, n->tx_prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	notify = (RING_IDX)(n->tx_prod - READ_ONCE(n->txs->req_event)) <
		 (RING_IDX)(n->tx_prod - old);
	spin_unlock_irqrestore(&n->lock, irq);
	if (notify)
		evtchn_send(n->port);
	return 0;
}

/* ------------------------------------------------------------ netdev --- */

static void nf_event(unsigned port, void *arg)
{
	struct nf *n = arg;

	(void)port;
	tx_work(n);
	rx_work(n);
}

static int nf_start(struct netdev *dev)
{
	struct nf *n = dev->priv;
	unsigned long irq = spin_lock_irqsave(&n->lock);

	n->started = true;
	spin_unlock_irqrestore(&n->lock, irq);
	return 0;
}

static void nf_stop(struct netdev *dev)
{
	struct nf *n = dev->priv;
	unsigned long irq = spin_lock_irqsave(&n->lock);

	n->started = false;
	spin_unlock_irqrestore(&n->lock, irq);
}

static int nf_set_mtu(struct netdev *dev, unsigned mtu)
{
	struct nf *n = dev->priv;

	return mtu > 1500 && !n->sg ? -EINVAL : 0;
}

static const struct netdev_ops nf_ops = {
	.start = nf_start,
	.stop = nf_stop,
	.xmit = nf_xmit,
	.set_mtu = nf_set_mtu,
};

/* ------------------------------------------------- rings and grants --- */

/* End a grant; false (and the page must never be reused) if the
 * backend still holds it. */
static bool end_grant(struct nf *n, int *ref)
{
	bool ok = *ref < 0 || gnttab_end(*ref) == 0;

	if (!ok)
		fault(n, F_GRANT);
	*ref = -1;
	return ok;
}

/*
 * Take the rings down (from the watch thread): no more events, frames in
 * flight given back with an error, grants ended. Memory whose grant the
 * backend still holds is left to it, and fresh memory is taken next time.
 */
static void teardown(struct nf *n)
{
	struct netbuf *flight[TX_SLOTS];
	unsigned nflight = 0;
	bool rings_ok = true, tx_ok = true, rx_ok = true;
	unsigned long irq = spin_lock_irqsave(&n->lock);
	bool was_live = n->live;

	n->live = n->up = false;
	for (unsigned s = 0; s < TX_SLOTS; s++) {
		if (n->tx_frame[s])
			flight[nflight++] = n->tx_frame[s];
		n->tx_frame[s] = NULL;
		n->tx_busy[s] = false;
	}
	rx_drop_frame(n);
	n->tx_full = false;
	spin_unlock_irqrestore(&n->lock, irq);
	netdev_set_link(&n->dev, false);
	if (was_live)
		evtchn_unbind(n->port);
	/* Grants too of a connection that failed half-way set up. */
	for (unsigned i = 0; i < nflight; i++)
		netdev_tx_done(&n->dev, flight[i], -ENETDOWN);
	for (unsigned i = 0; i < 2; i++)
		rings_ok &= end_grant(n, &n->ring_ref[i]);
	for (unsigned i = 0; i < TX_PAGES; i++)
		tx_ok &= end_grant(n, &n->tx_ref[i]);
	for (unsigned i = 0; i < RX_BUFS; i++)
		rx_ok &= end_grant(n, &n->rx_ref[i]);
	if (!rings_ok)
		n->rings.va = NULL; /* left to the backend */
	if (!tx_ok)
		n->txmem.va = NULL;
	if (!rx_ok)
		n->rxmem.va = NULL;
}

static int grant_pages(struct nf *n, struct dma_buf *b, size_t pages, int *refs,
		       bool readonly)
{
	if (!b->va && dma_alloc(pages * PAGE_SIZE, b))
		return -ENOMEM;
	for (size_t i = 0; i < pages; i++) {
		uint64_t gfn = dma_frame((uint8_t *)b->va + i * PAGE_SIZE);
		refs[i] = gnttab_grant(n->be_id, gfn, readonly);
		if (refs[i] < 0)
			return refs[i];
	}
	return 0;
}

/* Rings, buffers, grants and the event channel for a new connection
 * (every ref is -1: from create, or after teardown). */
static int setup_rings(struct nf *n)
{
	int err;

	err = grant_pages(n, &n->rings, 2, n->ring_ref, false);
	if (!err)
		err = grant_pages(n, &n->txmem, TX_PAGES, n->tx_ref, true);
	if (!err)
		err = grant_pages(n, &n->rxmem, RX_BUFS, n->rx_ref, false);
	if (!err)
		err = evtchn_alloc_unbound(n->be_id, &n->port);
	if (err)
		return err;
	memset(n->rings.va, 0, 2 * PAGE_SIZE);
	n->txs = n->rings.va;
	n->rxs = (void *)((uint8_t *)n->rings.va + PAGE_SIZE);
	/* The backend is told of new responses at the first one. */
	n->txs->req_event = n->txs->rsp_event = 1;
	n->rxs->req_event = n->rxs->rsp_event = 1;
	n->tx_prod = n->tx_cons = n->rx_prod = n->rx_cons = 0;
	n->ntx_free = 0;
	for (unsigned s = TX_SLOTS; s--;)
		n->tx_free[n->ntx_free++] = (uint16_t)s;
	n->nrx_free = 0;
	for (unsigned b = RX_BUFS; b--;)
		n->rx_free[n->nrx_free++] = (uint16_t)b;
	for (unsigned i = 0; i < RING; i++)
		n->rx_buf[i] = -1;
	n->rx_drop = n->rx_extra = n->broken = false;
	refill_rx(n); /* the backend looks when it connects */
	err = evtchn_bind(n->port, nf_event, n);
	n->live = !err; /* teardown unbinds a live device's channel */
	return err;
}

/* Write our half of the connection, in one transaction (retried). */
static int write_keys(struct nf *n)
{
	struct xenbus_kv kv[] = {
		{ "tx-ring-ref", "" },
		{ "rx-ring-ref", "" },
		{ "event-channel", "" },
		{ "request-rx-copy", "1" },
		{ "feature-rx-notify", "1" },
		{ "feature-sg", "1" },
		{ "feature-ipv6-csum-offload", "1" },
		{ "state", "" },
	};
	int err;

	snprintf(kv[0].value, sizeof(kv[0].value), "%d", n->ring_ref[0]);
	snprintf(kv[1].value, sizeof(kv[1].value), "%d", n->ring_ref[1]);
	snprintf(kv[2].value, sizeof(kv[2].value), "%u", n->port);
	snprintf(kv[7].value, sizeof(kv[7].value), "%d", XenbusStateConnected);
	err = xenbus_write_keys(n->fe, kv, ARRAY_SIZE(kv));
	if (!err)
		n->state = XenbusStateConnected;
	return err;
}

static void connect(struct nf *n)
{
	int err;

	teardown(n); /* what a closed connection left */
	n->sg = xs_feature(n->be, "feature-sg");
	n->csum6 = xs_feature(n->be, "feature-ipv6-csum-offload");
	n->dev.max_mtu = n->sg ? MTU_SG : 1500;
	err = setup_rings(n);
	if (!err)
		err = write_keys(n);
	if (err) {
		printk("netfront %s: cannot connect to %s (error %d)\n",
		       n->dev.name, n->be, err);
		teardown(n);
		set_state(n, XenbusStateClosed);
	}
}

/* ------------------------------------------------------------ xenbus --- */

static void on_change(const char *path, void *arg);

/*
 * Bring one device in line with xenstore: its backend's state decides
 * (watch thread only).
 */
static void sync_one(struct nf *n)
{
	long bstate;
	int err = xenbus_backend(n->fe, n->be, n->watched, sizeof(n->be),
				 &n->be_id, on_change);

	n->present = err != -ENOENT;
	if (err) {
		teardown(n); /* the device is gone, or unusable */
		n->state = XenbusStateClosed;
		return;
	}
	bstate = xenbus_number(n->be, "state", 9);
	switch (bstate) {
	case XenbusStateInitWait:
	case XenbusStateInitialised:
		/* Waiting for us: a first connection, or a backend that
		 * came back after closing. */
		if (n->state == XenbusStateInitialising ||
		    n->state == XenbusStateClosed)
			connect(n);
		break;
	case XenbusStateConnected:
		if (n->state == XenbusStateConnected && n->live && !n->up) {
			unsigned long irq = spin_lock_irqsave(&n->lock);
			n->up = true;
			spin_unlock_irqrestore(&n->lock, irq);
			netdev_set_link(&n->dev, true);
			printk("netfront %s: connected to %s (domain %u)%s%s\n",
			       n->dev.name, n->be, n->be_id,
			       n->sg ? ", scatter-gather" : "",
			       ", checksum offload");
			evtchn_send(n->port);
		}
		break;
	case XenbusStateClosing:
		/* Stop; the backend unmaps, then says Closed. */
		if (n->up || n->live) {
			unsigned long irq = spin_lock_irqsave(&n->lock);
			n->up = false;
			spin_unlock_irqrestore(&n->lock, irq);
			netdev_set_link(&n->dev, false);
			printk("netfront %s: the backend is closing\n",
			       n->dev.name);
		}
		if (n->state != XenbusStateClosed)
			set_state(n, XenbusStateClosed);
		break;
	default: /* Closed, Unknown, missing, garbage */
		teardown(n);
		if (n->state == XenbusStateConnected)
			set_state(n, XenbusStateClosed);
		break;
	}
}

/* A device/vif/N we do not drive yet: a new device, or one that takes
 * the place of a device that went away (xl network-attach). */
static void adopt(unsigned devid)
{
	struct nf *n = NULL;

	for (unsigned i = 0; i < nnf; i++)
		if (!nfs[i]->present && !nfs[i]->live)
			n = nfs[i];
	if (!n) {
		printk("netfront: vif%u appeared after boot; not used (the "
		       "stack takes new devices only at boot)\n",
		       devid);
		return;
	}
	n->devid = devid;
	snprintf(n->fe, sizeof(n->fe), "device/vif/%u", devid);
	n->state = XenbusStateClosed;
	printk("netfront %s: now vif%u\n", n->dev.name, devid);
}

static struct nf *find(unsigned devid)
{
	for (unsigned i = 0; i < nnf; i++)
		if (nfs[i]->devid == devid)
			return nfs[i];
	return NULL;
}

/* The vif numbers under device/vif, at most max; how many. */
static unsigned list_vifs(unsigned *ids, unsigned max)
{
	return xenbus_list_ids("device/vif", ids, max, 65536);
}

static void on_change(const char *path, void *arg)
{
	unsigned ids[NF_MAX * 2], count = list_vifs(ids, ARRAY_SIZE(ids));

	(void)path;
	(void)arg;
	for (unsigned i = 0; i < count; i++)
		if (!find(ids[i]))
			adopt(ids[i]);
	for (unsigned i = 0; i < nnf; i++)
		sync_one(nfs[i]);
}

static struct nf *create(unsigned devid)
{
	struct nf *n = kzalloc(sizeof(*n));

	if (!n)
		return NULL;
	n->devid = devid;
	snprintf(n->fe, sizeof(n->fe), "device/vif/%u", devid);
	n->state = XenbusStateInitialising;
	n->port = ~0u;
	n->ring_ref[0] = n->ring_ref[1] = -1;
	for (unsigned i = 0; i < TX_PAGES; i++)
		n->tx_ref[i] = -1;
	for (unsigned i = 0; i < RX_BUFS; i++)
		n->rx_ref[i] = -1;
	n->dev.ops = &nf_ops;
	n->dev.priv = n;
	n->dev.mtu = 1500;
	n->dev.max_mtu = MTU_SG;
	n->dev.min_mtu = 68;
	n->dev.features = NETDEV_F_SG | NETDEV_F_TX_CSUM;
	n->dev.max_segs = 16; /* copied into slots */
	read_mac(n);
	if (netdev_register(&n->dev)) {
		kfree(n);
		return NULL;
	}
	return n;
}

unsigned xen_netfront_probe(void)
{
	unsigned ids[NF_MAX], count;

	if (!xenstore_ready())
		return 0;
	count = list_vifs(ids, NF_MAX);
	for (unsigned i = 0; i < count; i++) {
		struct nf *n = create(ids[i]);
		if (!n)
			break;
		nfs[nnf++] = n;
		printk(
		    "netfront %s: vif%u, mac %02x:%02x:%02x:%02x:%02x:%02x\n",
		    n->dev.name, n->devid, n->dev.mac[0], n->dev.mac[1],
		    n->dev.mac[2], n->dev.mac[3], n->dev.mac[4], n->dev.mac[5]);
	}
	/* The watch fires once now: the handshake starts in its thread. */
	if (nnf && xenstore_watch("device/vif", on_change, NULL))
		printk("netfront: cannot watch device/vif\n");
	return nnf;
}

/*
 * test_virtio.c - drivers/virtio's split virtqueues and virtio-net
 * against a device the test plays itself, honest and hostile: buffers
 * posted and completed; a used id out of range or not in flight, a used
 * length beyond the buffer, a used index that jumps past the ring, and a
 * received length shorter than the headers are each counted, logged
 * once and dropped, never followed; frames reach the netdev registry
 * and sent ones complete. virtio-9p's replies of the wrong tag or length
 * are failed with -EIO, counted and logged once; a broken queue resets
 * the device and fails every request. virtio-console with MULTIPORT
 * says DEVICE_READY, opens port 1 when the device adds it and refuses
 * any other; its bytes come in order through hyper_stdio_read (a used
 * length beyond the buffer dropped), and hyper_stdio_send takes what its
 * four transmit buffers hold until the device returns one. DMA here is
 * the hosted arena (bus = physical).
 */
#include <string.h>
#include <keel/dma.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/hyper.h>
#include <keel/netdev.h>
#include <keel/p9chan_driver.h>
#include <keel/page.h>
#include <keel/pmm.h>
#include "../../drivers/virtio/virtio.h"
#include "unit.h"

#include "dma_arena.h"
#include "fake_virtio.h"

/* ------------------------------------------------ the fake device --- */

#define QSIZE 8

static struct fake_transport fk;

static void fake_init(uint64_t offered)
{
	fake_transport_init(&fk, VIRTIO_ID_NET, offered, QSIZE);
	memcpy(fk.config, "\x52\x54\x00\xaa\xbb\xcc\x01\x00", 8);
}

/* The device's side of a queue: what the driver made available. */
static uint16_t avail_idx(struct virtq *vq)
{
	return vq->avail[1];
}
static uint16_t avail_head(struct virtq *vq, uint16_t i)
{
	return vq->avail[2 + (i & (vq->size - 1))];
}

/* ----------------------------------------------------- virtqueues --- */

static int tok[QSIZE];

static void test_virtq_honest(void **state)
{
	struct virtq vq;
	struct virtq_seg seg[3] = { { 0x1000, 10 },
				    { 0x2000, 20 },
				    { 0x3000, 30 } };
	uint32_t len;
	int err;

	(void)state;
	fake_init(0);
	assert_int_equal(virtq_init(&vq, &fk.vd, 0, 6), -EINVAL);
	assert_int_equal(virtq_init(&vq, &fk.vd, 0, QSIZE), 0);
	assert_int_equal(virtq_add(&vq, seg, 1, 2, &tok[0]), 0);
	assert_int_equal(virtq_add(&vq, seg, 3, 0, &tok[1]), 0);
	assert_int_equal(vq.nfree, QSIZE - 6);
	assert_int_equal(virtq_add(&vq, seg, 1, 2, &tok[2]), -ENOSPC);
	assert_int_equal(virtq_add(&vq, seg, 0, 0, &tok[2]), -EINVAL);
	assert_int_equal(avail_idx(&vq), 2);
	/* The chain: read-only, then device-writable, linked by NEXT. */
	uint16_t h = avail_head(&vq, 0);
	assert_int_equal(vq.desc[h].flags, VIRTQ_DESC_F_NEXT);
	uint16_t d2 = vq.desc[h].next;
	assert_int_equal(vq.desc[d2].flags,
			 VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
	assert_int_equal(vq.desc[vq.desc[d2].next].len, 30);
	virtq_kick(&vq);
	assert_int_equal(fk.notified[0], 1);
	vq.used[0] = VIRTQ_USED_F_NO_NOTIFY;
	virtq_kick(&vq);
	assert_int_equal(fk.notified[0], 1);
	/* Completed out of order, each with its token and length. */
	device_use(&vq, avail_head(&vq, 1), 0, 1);
	device_use(&vq, h, 50, 1);
	assert_ptr_equal(virtq_get(&vq, &len, &err), &tok[1]);
	assert_int_equal(err, 0);
	assert_ptr_equal(virtq_get(&vq, &len, &err), &tok[0]);
	assert_int_equal(len, 50);
	assert_null(virtq_get(&vq, &len, &err));
	assert_int_equal(vq.nfree, QSIZE);
	assert_int_equal(vq.stats.bad_id + vq.stats.bad_len + vq.stats.bad_idx,
			 0);
	virtq_destroy(&vq);
}

static void test_virtq_hostile(void **state)
{
	struct virtq vq;
	struct virtq_seg seg = { 0x1000, 100 };
	uint32_t len = 7;
	int err = 0;

	(void)state;
	fake_init(0);
	hosted_console_clear();
	assert_int_equal(virtq_init(&vq, &fk.vd, 3, QSIZE), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(virtq_add(&vq, &seg, 0, 1, &tok[i]), 0);
	/* Ids out of range, twice; an id in range but never posted. */
	device_use(&vq, QSIZE + 5, 10, 1);
	device_use(&vq, 0xffffffffu, 10, 1);
	device_use(&vq, 7, 10, 1);
	/* Then a real one with a length beyond its 100 bytes. */
	device_use(&vq, avail_head(&vq, 0), 101, 1);
	assert_ptr_equal(virtq_get(&vq, &len, &err), &tok[0]);
	assert_int_equal(err, -EIO);
	assert_int_equal(len, 0);
	assert_int_equal(vq.stats.bad_id, 3);
	assert_int_equal(vq.stats.bad_len, 1);
	/* The same id again: no longer in flight, not followed twice. */
	device_use(&vq, avail_head(&vq, 0), 5, 1);
	assert_null(virtq_get(&vq, &len, &err));
	assert_int_equal(vq.stats.bad_id, 4);
	/* An honest one still works after all that. */
	device_use(&vq, avail_head(&vq, 1), 100, 1);
	assert_ptr_equal(virtq_get(&vq, &len, &err), &tok[1]);
	assert_int_equal(err, 0);
	assert_int_equal(len, 100);
	/* The index jumps by more than the ring: the queue stops. */
	device_use(&vq, avail_head(&vq, 2), 1, QSIZE + 1);
	assert_null(virtq_get(&vq, &len, &err));
	assert_null(virtq_get(&vq, &len, &err));
	assert_int_equal(vq.stats.bad_idx, 1);
	assert_true(vq.broken);
	/* Each kind logged once. */
	const char *log = hosted_console_text();
	assert_int_equal(count(log, "used id out of range"), 1);
	assert_int_equal(count(log, "used length beyond"), 1);
	assert_int_equal(count(log, "used index jumped"), 1);
	/* What is still in flight comes back after a reset. */
	assert_ptr_equal(virtq_detach(&vq), &tok[2]);
	assert_null(virtq_detach(&vq));
	virtq_destroy(&vq);
}

/* ------------------------------------------------------ virtio-net --- */

#define HDR 12

static struct netdev *net_up(void)
{
	struct netdev *dev;

	fake_init(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(5) |
		  VIRTIO_BIT(16) | VIRTIO_BIT(0) | VIRTIO_BIT(15));
	assert_int_equal(virtio_device_found(&fk.vd), 0);
	dev = netdev_find("eth0");
	assert_non_null(dev);
	return dev;
}

/* The device puts a frame of len bytes into the next receive buffer. */
static void device_rx(uint32_t used_len, const uint8_t *frame, size_t flen)
{
	struct virtq *rx = fk.q[0];
	uint16_t head = avail_head(rx, rx->used[1]);
	uint8_t *buf = phys_to_virt(rx->desc[head].addr);

	memset(buf, 0, HDR);
	memcpy(buf + HDR, frame, flen);
	device_use(rx, head, used_len, 1);
}

static void test_net(void **state)
{
	static const uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0x52, 0x55, 0x0a, 0,	 2,    2,
					 0x08, 0x06, 0,	   1 };
	struct netdev_stats st;
	struct netdev *dev = net_up();
	struct netbuf *nb;
	uint8_t mac[6];

	(void)state;
	/* Negotiated what it asked and the device had, never MRG_RXBUF. */
	assert_int_equal(fk.accepted, VIRTIO_BIT(VIRTIO_F_VERSION_1) |
					  VIRTIO_BIT(5) | VIRTIO_BIT(16) |
					  VIRTIO_BIT(0));
	assert_true(fk.status & VIRTIO_S_DRIVER_OK);
	netdev_mac(dev, mac);
	assert_memory_equal(mac, "\x52\x54\x00\xaa\xbb\xcc", 6);
	assert_true(netdev_link_up(dev));
	assert_true(netdev_features(dev) & NETDEV_F_TX_CSUM);
	assert_int_equal(fk.q[0]->nfree, 0); /* every rx buffer posted */
	assert_int_equal(netdev_open(dev, NULL, NULL), 0);

	/* An honest frame arrives whole, without the virtio header. */
	device_rx(HDR + sizeof(arp), arp, sizeof(arp));
	fk.vd.irq(&fk.vd, VIRTIO_IRQ_QUEUE);
	nb = netdev_recv(dev);
	assert_non_null(nb);
	assert_int_equal(nb->len, sizeof(arp));
	assert_memory_equal(nb->data, arp, sizeof(arp));
	netbuf_free(nb);

	/* Hostile: shorter than the headers, longer than the buffer, an
	 * id out of range. None reaches the caller; the ring stays full. */
	hosted_console_clear();
	device_rx(HDR + 3, arp, 3);
	device_rx(HDR + 5000, arp, sizeof(arp));
	device_use(fk.q[0], 99, 60, 1);
	fk.vd.irq(&fk.vd, VIRTIO_IRQ_QUEUE);
	assert_null(netdev_recv(dev));
	assert_int_equal(fk.q[0]->stats.bad_len, 1);
	assert_int_equal(fk.q[0]->stats.bad_id, 1);
	assert_int_equal(fk.q[0]->nfree, 0);
	assert_int_equal(count(hosted_console_text(), "shorter than its "
						      "headers"),
			 1);

	/* A frame sent is copied after a header and completes. */
	nb = netbuf_alloc(0, 60);
	memset(nb->data, 0xab, 60);
	nb->flags = NETBUF_CSUM_PARTIAL;
	nb->csum_start = 34;
	nb->csum_offset = 16;
	assert_int_equal(netdev_send(dev, nb), 0);
	struct virtq *tx = fk.q[1];
	uint16_t head = avail_head(tx, 0);
	const uint8_t *b = phys_to_virt(tx->desc[head].addr);
	assert_int_equal(tx->desc[head].len, HDR + 60);
	assert_int_equal(b[0], 1); /* NEEDS_CSUM */
	assert_int_equal(b[6] | b[7] << 8, 34);
	assert_int_equal(b[HDR + 59], 0xab);
	device_use(tx, head, 0, 1);
	fk.vd.irq(&fk.vd, VIRTIO_IRQ_QUEUE);
	netdev_get_stats(dev, &st);
	assert_int_equal(st.tx_packets, 1);
	assert_int_equal(st.rx_packets, 1);
	netdev_close(dev);
}

/* ----------------------------------------------------- virtio-9p --- */

struct p9_exchange {
	struct p9chan_request rq;
	uint8_t *req, *rep;
	long result;
	int done;
};

static void p9_done(struct p9chan_request *rq, long result)
{
	struct p9_exchange *x = container_of(rq, struct p9_exchange, rq);

	x->result = result;
	x->done++;
}

/* A Tclunk with tag, and room for its reply. */
static void p9_new(struct p9_exchange *x, uint16_t tag)
{
	static const uint8_t clunk[11] = { 11, 0, 0, 0, 120, 0, 0, 1, 0, 0, 0 };

	memset(x, 0, sizeof(*x));
	x->req = kmalloc(sizeof(clunk));
	x->rep = kmalloc(64);
	memcpy(x->req, clunk, sizeof(clunk));
	x->req[5] = (uint8_t)tag;
	x->req[6] = (uint8_t)(tag >> 8);
	x->rq = (struct p9chan_request){ .req = x->req,
					 .reqlen = sizeof(clunk),
					 .rep = x->rep,
					 .replen = 64,
					 .tag = tag,
					 .done = p9_done };
}

/* The device answers the chain at head with an Rclunk of size field
 * size and tag, used length len. */
static void p9_answer(struct p9_exchange *x, uint16_t head, uint32_t size,
		      uint16_t tag, uint32_t len)
{
	uint8_t r[7] = { (uint8_t)size, (uint8_t)(size >> 8), 0, 0, 121,
			 (uint8_t)tag,	(uint8_t)(tag >> 8) };

	memcpy(x->rep, r, sizeof(r));
	device_use(fk.q[0], head, len, 1);
}

/*
 * The 9p transport: the tag from the configuration, exchanges completed
 * out of order, requests beyond the ring's room waiting and then posted,
 * and replies whose tag is not the request's, whose size field is not
 * their length or that are shorter than a header failed with -EIO,
 * counted, logged once.
 */
static void test_9p(void **state)
{
	struct p9_exchange x[5];
	struct p9chan *ch;
	uint16_t heads[5];

	(void)state;
	fake_init(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(0));
	fk.vd.type = VIRTIO_ID_9P;
	memcpy(fk.config, "\x05\x00host0", 7);
	hosted_console_clear();
	assert_int_equal(virtio_device_found(&fk.vd), 0);
	ch = p9chan_find("host0");
	assert_non_null(ch);
	assert_true(p9chan_msize(ch) >= 8192);
	/* Four chains of two fill the ring of 8; the fifth waits. */
	for (int i = 0; i < 5; i++) {
		p9_new(&x[i], (uint16_t)(10 + i));
		assert_int_equal(ch->ops->submit(ch, &x[i].rq), 0);
	}
	assert_int_equal(avail_idx(fk.q[0]), 4);
	for (int i = 0; i < 4; i++)
		heads[i] = avail_head(fk.q[0], (uint16_t)i);
	/* Out of order: the second first; then the fifth is posted. */
	p9_answer(&x[1], heads[1], 7, 11, 7);
	fk.vd.irq(&fk.vd, VIRTIO_IRQ_QUEUE);
	assert_int_equal(x[1].done, 1);
	assert_int_equal(x[1].result, 7);
	assert_int_equal(x[0].done, 0);
	assert_int_equal(avail_idx(fk.q[0]), 5);
	heads[4] = avail_head(fk.q[0], 4);
	/* Hostile: another tag; a size field not the length; too short. */
	p9_answer(&x[0], heads[0], 7, 99, 7);
	p9_answer(&x[2], heads[2], 9, 12, 7);
	p9_answer(&x[3], heads[3], 7, 13, 5);
	fk.vd.irq(&fk.vd, VIRTIO_IRQ_QUEUE);
	assert_int_equal(x[0].result, -EIO);
	assert_int_equal(x[2].result, -EIO);
	assert_int_equal(x[3].result, -EIO);
	assert_int_equal(count(hosted_console_text(), "9p reply"), 1);
	/* A used length beyond the reply's room (virtq: bad_len): -EIO. */
	p9_answer(&x[4], heads[4], 7, 14, 65);
	fk.vd.irq(&fk.vd, VIRTIO_IRQ_QUEUE);
	assert_int_equal(x[4].result, -EIO);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(x[i].done, 1);
		kfree(x[i].req);
		kfree(x[i].rep);
	}
	assert_int_equal(fk.q[0]->nfree, QSIZE);
	/* The used index jumps past the ring: the device is reset, what it
	 * held fails with -EIO, and so does every later request. */
	for (int i = 0; i < 2; i++) {
		p9_new(&x[i], (uint16_t)(20 + i));
		assert_int_equal(ch->ops->submit(ch, &x[i].rq), 0);
	}
	device_use(fk.q[0], avail_head(fk.q[0], 5), 7, 100);
	fk.status = VIRTIO_S_DRIVER_OK;
	fk.vd.irq(&fk.vd, VIRTIO_IRQ_QUEUE);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(x[i].done, 1);
		assert_int_equal(x[i].result, -EIO);
	}
	assert_int_equal(fk.status, 0);
	assert_int_equal(count(hosted_console_text(), "the queue broke"), 1);
	p9_new(&x[2], 30);
	assert_int_equal(ch->ops->submit(ch, &x[2].rq), -EIO);
	for (int i = 0; i < 3; i++) {
		kfree(x[i].req);
		kfree(x[i].rep);
	}
}

/* A device without VERSION_1 is refused: no netdev. */
static void test_legacy_refused(void **state)
{
	(void)state;
	fake_init(VIRTIO_BIT(5));
	fk.vd.type = VIRTIO_ID_NET;
	assert_int_equal(virtio_device_found(&fk.vd), -ENODEV);
	assert_true(fk.status & VIRTIO_S_FAILED);
	assert_null(netdev_find("eth1"));
}

/* ------------------------------------------------ virtio-console --- */

struct con_msg {
	uint32_t id;
	uint16_t event, value;
};

/* The driver's i-th control message since the queue began. */
static struct con_msg con_sent(unsigned i)
{
	struct virtq *q = fk.q[3];

	return *(struct con_msg *)phys_to_virt(q->desc[avail_head(q, i)].addr);
}

/* The device's control message into the next receive buffer. */
static void con_tell(uint32_t id, uint16_t event, uint16_t value)
{
	struct virtq *q = fk.q[2];
	uint16_t head = avail_head(q, q->used[1]);
	struct con_msg m = { id, event, value };

	memcpy(phys_to_virt(q->desc[head].addr), &m, sizeof(m));
	device_use(q, head, sizeof(m), 1);
}

/* The device writes n bytes of p into the next data receive buffer. */
static void con_rx(const char *p, uint32_t n, uint32_t used_len)
{
	struct virtq *q = fk.q[4];
	uint16_t head = avail_head(q, q->used[1]);

	memcpy(phys_to_virt(q->desc[head].addr), p, n);
	device_use(q, head, used_len, 1);
}

static void test_console(void **state)
{
	static char big[40000];
	char got[16];
	struct con_msg m;

	(void)state;
	fake_transport_init(&fk, VIRTIO_ID_CONSOLE,
			    VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(1), 16);
	assert_false(hyper_stdio_bulk());
	assert_int_equal(virtio_device_found(&fk.vd), 0);
	assert_true(hyper_stdio_bulk());
	assert_true(fk.status & VIRTIO_S_DRIVER_OK);
	assert_int_equal(fk.q[4]->nfree, 0); /* every buffer posted */
	m = con_sent(0);
	assert_true(m.id == 0 && m.event == 0 && m.value == 1);

	/* Port 1 is made ready and opened; port 2 is refused. */
	con_tell(1, 1, 0);
	con_tell(2, 1, 0);
	fk.vd.irq(&fk.vd, VIRTIO_IRQ_QUEUE);
	assert_int_equal(fk.q[3]->avail_idx, 4);
	m = con_sent(1);
	assert_true(m.id == 1 && m.event == 3 && m.value == 1);
	m = con_sent(2);
	assert_true(m.id == 1 && m.event == 6 && m.value == 1);
	m = con_sent(3);
	assert_true(m.id == 2 && m.event == 3 && m.value == 0);

	/* Input in order across buffers; a lying length is dropped. */
	con_rx("hello ", 6, 6);
	con_rx("xxxx", 4, 5000);
	con_rx("world", 5, 5);
	fk.vd.irq(&fk.vd, VIRTIO_IRQ_QUEUE);
	assert_int_equal(hyper_stdio_read(got, 4), 4);
	assert_int_equal(hyper_stdio_read(got + 4, sizeof(got) - 4), 7);
	assert_memory_equal(got, "hello world", 11);
	assert_int_equal(hyper_stdio_read(got, sizeof(got)), 0);
	assert_int_equal(fk.q[4]->stats.bad_len, 1);
	assert_int_equal(fk.q[4]->nfree, 0); /* all posted again */

	/* Output: 32 KiB a buffer, nothing while all four are out. */
	memset(big, 'a', sizeof(big));
	assert_int_equal(hyper_stdio_send(big, sizeof(big)), 32768);
	assert_int_equal(hyper_stdio_send(big, 10), 10);
	assert_int_equal(hyper_stdio_send(big, 10), 10);
	assert_int_equal(hyper_stdio_send(big, 10), 10);
	assert_int_equal(hyper_stdio_send(big, 10), 0);
	assert_int_equal(fk.q[5]->desc[avail_head(fk.q[5], 0)].len, 32768);
	device_use(fk.q[5], avail_head(fk.q[5], 0), 0, 1);
	fk.vd.irq(&fk.vd, VIRTIO_IRQ_QUEUE);
	assert_int_equal(hyper_stdio_send(big, 7232), 7232);
}

static int setup(void **state)
{
	(void)state;
	return hosted_mem_init(MiB(16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtq_honest),
		cmocka_unit_test(test_virtq_hostile),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_legacy_refused),
		cmocka_unit_test(test_9p),
		cmocka_unit_test(test_console),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

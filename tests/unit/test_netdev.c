/*
 * test_netdev.c - net/netdev.c, the network device registry, with a fake
 * driver: registration and names, the caller's view (MAC, MTU, offloads,
 * link), open and close, frames sent whole and in pieces and refused for
 * each reason, a full transmit ring and its room event, received frames
 * queued, dropped when the queue is full or the device closed, and every
 * netbuf given back (the heap has no object left).
 */
#include <string.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netdev_driver.h>
#include "unit.h"

#define RING 4

/* The fake device: a transmit ring of RING frames, start/stop counts. */
struct fake {
	struct netdev dev;
	struct netbuf *ring[RING];
	unsigned nring, starts, stops;
	int start_err;
};

static int fake_start(struct netdev *dev)
{
	struct fake *f = dev->priv;

	f->starts++;
	return f->start_err;
}

static void fake_stop(struct netdev *dev)
{
	struct fake *f = dev->priv;

	f->stops++;
	for (unsigned i = 0; i < f->nring; i++)
		netdev_tx_done(dev, f->ring[i], -EIO);
	f->nring = 0;
}

static int fake_xmit(struct netdev *dev, struct netbuf *frame)
{
	struct fake *f = dev->priv;

	if (f->nring == RING)
		return -EAGAIN;
	f->ring[f->nring++] = frame;
	return 0;
}

/* The device sent everything: completions and room, as an IRQ would. */
static void fake_sent(struct fake *f)
{
	for (unsigned i = 0; i < f->nring; i++)
		netdev_tx_done(&f->dev, f->ring[i], 0);
	f->nring = 0;
	netdev_tx_room(&f->dev);
}

static int fake_set_mtu(struct netdev *dev, unsigned mtu)
{
	(void)dev;
	return mtu == 1234 ? -EIO : 0;
}

static const struct netdev_ops fake_ops = {
	.start = fake_start,
	.stop = fake_stop,
	.xmit = fake_xmit,
	.set_mtu = fake_set_mtu,
};

static void fake_init(struct fake *f, const char *name, unsigned features)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->dev.name, name);
	f->dev.ops = &fake_ops;
	memcpy(f->dev.mac, "\x52\x54\x00\x12\x34\x56", 6);
	f->dev.mtu = 1500;
	f->dev.min_mtu = 68;
	f->dev.max_mtu = 9000;
	f->dev.features = features;
	f->dev.max_segs = 3;
	f->dev.rx_headroom = 12;
	f->dev.priv = f;
}

/* What the caller's event callback saw. */
static unsigned events_seen, event_calls;

static void on_event(struct netdev *dev, unsigned events, void *arg)
{
	(void)dev;
	assert_ptr_equal(arg, &events_seen);
	events_seen |= events;
	event_calls++;
}

static struct heap_stats before;

static int setup(void **state)
{
	(void)state;
	return hosted_mem_init(MiB(16));
}

static int per_test(void **state)
{
	(void)state;
	events_seen = event_calls = 0;
	heap_stats(&before);
	return 0;
}

static int no_leak(void **state)
{
	struct heap_stats after;

	(void)state;
	heap_stats(&after);
	assert_int_equal(after.live_objects, before.live_objects);
	return 0;
}

/* A frame of len bytes in `pieces` pieces, byte i = i & 0xff. */
static struct netbuf *frame(size_t len, unsigned pieces)
{
	struct netbuf *first = NULL, **tail = &first;
	size_t off = 0;

	for (unsigned p = 0; p < pieces; p++) {
		size_t n = p + 1 == pieces ? len - off : len / pieces;
		struct netbuf *nb = netbuf_alloc(16, n);
		assert_non_null(nb);
		for (size_t i = 0; i < n; i++)
			nb->data[i] = (uint8_t)(off + i);
		off += n;
		*tail = nb;
		tail = &nb->next;
	}
	return first;
}

static void test_register(void **state)
{
	struct fake a, b, c, bad;
	uint8_t mac[NETDEV_ALEN];

	(void)state;
	fake_init(&a, "", NETDEV_F_SG);
	fake_init(&b, "", 0);
	fake_init(&c, "eth0", 0);
	assert_int_equal(netdev_register(&a.dev), 0);
	assert_int_equal(netdev_register(&b.dev), 0);
	assert_string_equal(netdev_name(&a.dev), "eth0");
	assert_string_equal(netdev_name(&b.dev), "eth1");
	assert_int_equal(netdev_register(&c.dev), -EEXIST);
	assert_ptr_equal(netdev_find("eth1"), &b.dev);
	assert_null(netdev_find("eth7"));
	assert_ptr_equal(netdev_next(NULL), &a.dev);
	assert_ptr_equal(netdev_next(&a.dev), &b.dev);
	assert_null(netdev_next(&b.dev));

	fake_init(&bad, "x", 0);
	bad.dev.ops = NULL;
	assert_int_equal(netdev_register(&bad.dev), -EINVAL);
	fake_init(&bad, "x", 0);
	bad.dev.mtu = 9001;
	assert_int_equal(netdev_register(&bad.dev), -EINVAL);
	fake_init(&bad, "x", 0);
	memset(bad.dev.name, 'n', NETDEV_NAME_MAX);
	assert_int_equal(netdev_register(&bad.dev), -EINVAL);

	netdev_mac(&a.dev, mac);
	assert_memory_equal(mac, "\x52\x54\x00\x12\x34\x56", 6);
	assert_int_equal(netdev_mtu(&a.dev), 1500);
	assert_int_equal(netdev_features(&a.dev), NETDEV_F_SG);
	assert_int_equal(netdev_max_segs(&a.dev), 3);
	assert_int_equal(netdev_max_segs(&b.dev), 1); /* no SG: one piece */
	assert_false(netdev_link_up(&a.dev));
	assert_int_equal(netdev_set_mtu(&a.dev, 9000), 0);
	assert_int_equal(netdev_mtu(&a.dev), 9000);
	assert_int_equal(netdev_set_mtu(&a.dev, 9001), -EINVAL);
	assert_int_equal(netdev_set_mtu(&a.dev, 67), -EINVAL);
	assert_int_equal(netdev_set_mtu(&a.dev, 1234), -EIO);
	assert_int_equal(netdev_mtu(&a.dev), 9000);

	netdev_unregister(&a.dev);
	netdev_unregister(&b.dev);
	assert_null(netdev_next(NULL));
	/* The name is free again. */
	assert_int_equal(netdev_register(&c.dev), 0);
	netdev_unregister(&c.dev);
}

static void test_open_close(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, "", 0);
	assert_int_equal(netdev_register(&f.dev), 0);
	f.start_err = -EIO;
	assert_int_equal(netdev_open(&f.dev, on_event, &events_seen), -EIO);
	struct netbuf *nb = frame(60, 1);
	assert_int_equal(netdev_send(&f.dev, nb), -ENETDOWN);
	f.start_err = 0;
	assert_int_equal(netdev_open(&f.dev, on_event, &events_seen), 0);
	assert_int_equal(netdev_open(&f.dev, on_event, &events_seen), -EBUSY);
	assert_int_equal(f.starts, 2);
	netdev_set_link(&f.dev, true);
	assert_true(netdev_link_up(&f.dev));
	assert_int_equal(events_seen, NETDEV_EV_LINK);
	netdev_set_link(&f.dev, true); /* no change, no event */
	assert_int_equal(event_calls, 1);
	assert_int_equal(netdev_send(&f.dev, nb), 0);
	netdev_close(&f.dev); /* the driver gives back what it held */
	assert_int_equal(f.stops, 1);
	struct netdev_stats st;
	netdev_get_stats(&f.dev, &st);
	assert_int_equal(st.tx_errors, 1);
	assert_int_equal(st.tx_packets, 0);
	netdev_unregister(&f.dev);
}

static void test_send(void **state)
{
	struct fake sg, plain;
	struct netbuf *nb;
	struct netdev_stats st;

	(void)state;
	fake_init(&sg, "sg0", NETDEV_F_SG | NETDEV_F_TX_CSUM | NETDEV_F_TSO4);
	fake_init(&plain, "plain0", 0);
	assert_int_equal(netdev_register(&sg.dev), 0);
	assert_int_equal(netdev_register(&plain.dev), 0);
	assert_int_equal(netdev_open(&sg.dev, on_event, &events_seen), 0);
	assert_int_equal(netdev_open(&plain.dev, on_event, &events_seen), 0);

	/* Three pieces: fine with SG, refused without. */
	nb = frame(1000, 3);
	assert_int_equal(netbuf_pieces(nb), 3);
	assert_int_equal(netbuf_frame_len(nb), 1000);
	assert_int_equal(netdev_send(&plain.dev, nb), -EINVAL);
	assert_int_equal(netdev_send(&sg.dev, nb), 0);
	uint8_t got[1000];
	assert_int_equal(netbuf_copy(sg.ring[0], 0, got, sizeof(got)), 1000);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(got[i], i & 0xff);
	assert_int_equal(netbuf_copy(sg.ring[0], 990, got, 50), 10);
	assert_int_equal(got[0], 990 & 0xff);
	/* Four pieces: more than max_segs. */
	nb = frame(1000, 4);
	assert_int_equal(netdev_send(&sg.dev, nb), -EINVAL);
	netbuf_free(nb);

	/* A checksum to complete: only with TX_CSUM, inside the frame. */
	nb = frame(100, 1);
	nb->flags = NETBUF_CSUM_PARTIAL;
	nb->csum_start = 34;
	nb->csum_offset = 16;
	assert_int_equal(netdev_send(&plain.dev, nb), -EINVAL);
	nb->csum_offset = 65;
	assert_int_equal(netdev_send(&sg.dev, nb), -EINVAL);
	nb->csum_offset = 16;
	assert_int_equal(netdev_send(&sg.dev, nb), 0);

	/* Too long, too short; segmentation lifts the MTU. */
	nb = frame(1515, 1);
	assert_int_equal(netdev_send(&plain.dev, nb), -EMSGSIZE);
	nb->gso_type = NETBUF_GSO_TCPV4;
	nb->gso_size = 1448;
	assert_int_equal(netdev_send(&plain.dev, nb), -EINVAL); /* no TSO4 */
	assert_int_equal(netdev_send(&sg.dev, nb), -EINVAL); /* no csum */
	nb->flags = NETBUF_CSUM_PARTIAL;
	nb->csum_start = 34;
	nb->csum_offset = 16;
	nb->gso_type = NETBUF_GSO_TCPV6;
	assert_int_equal(netdev_send(&sg.dev, nb), -EINVAL); /* no TSO6 */
	nb->gso_type = NETBUF_GSO_TCPV4;
	assert_int_equal(netdev_send(&sg.dev, nb), 0);
	nb = frame(13, 1);
	assert_int_equal(netdev_send(&plain.dev, nb), -EINVAL);
	nb->len = 1514;
	netbuf_free(nb);

	/* The ring is full at RING frames: -EAGAIN, then room. */
	nb = frame(60, 1);
	assert_int_equal(netdev_send(&sg.dev, nb), 0);
	assert_int_equal(sg.nring, RING);
	nb = frame(60, 1);
	assert_int_equal(netdev_send(&sg.dev, nb), -EAGAIN);
	fake_sent(&sg);
	assert_true(events_seen & NETDEV_EV_TX_ROOM);
	assert_int_equal(netdev_send(&sg.dev, nb), 0);
	fake_sent(&sg);
	netdev_get_stats(&sg.dev, &st);
	assert_int_equal(st.tx_packets, 5);
	assert_int_equal(st.tx_bytes, 1000 + 100 + 1515 + 60 + 60);
	netdev_unregister(&sg.dev);
	netdev_unregister(&plain.dev);
}

static void test_receive(void **state)
{
	struct fake f;
	struct netbuf *nb;
	struct netdev_stats st;

	(void)state;
	fake_init(&f, "", NETDEV_F_RX_CSUM);
	assert_int_equal(netdev_register(&f.dev), 0);
	/* Closed: dropped and freed. */
	netdev_rx(&f.dev, frame(60, 1));
	assert_int_equal(netdev_open(&f.dev, on_event, &events_seen), 0);
	nb = netdev_rxbuf_alloc(&f.dev, 1514);
	assert_int_equal(nb->len, 12 + 1514);
	nb->data += 12; /* the driver skips its device's header */
	nb->len = 98;
	nb->flags = NETBUF_CSUM_VALID;
	netdev_rx(&f.dev, nb);
	assert_int_equal(events_seen, NETDEV_EV_RX);
	assert_ptr_equal(netdev_recv(&f.dev), nb);
	assert_true(nb->flags & NETBUF_CSUM_VALID);
	assert_null(netdev_recv(&f.dev));
	netbuf_free(nb);
	/* The queue holds NETDEV_RXQ_MAX frames; more are dropped. */
	for (unsigned i = 0; i < NETDEV_RXQ_MAX + 3; i++)
		netdev_rx(&f.dev, frame(60, 1));
	netdev_get_stats(&f.dev, &st);
	assert_int_equal(st.rx_packets, 1 + NETDEV_RXQ_MAX);
	assert_int_equal(st.rx_bytes, 98 + 60 * NETDEV_RXQ_MAX);
	assert_int_equal(st.rx_dropped, 1 + 3);
	nb = netdev_recv(&f.dev);
	assert_non_null(nb);
	netbuf_free(nb);
	netdev_unregister(&f.dev); /* closes: the queued frames are freed */
	assert_int_equal(f.stops, 1);
}

static unsigned released;

static void release(struct netbuf *nb, void *arg)
{
	assert_ptr_equal(arg, &released);
	assert_non_null(nb->data);
	released++;
}

static void test_netbuf_wrap(void **state)
{
	static uint8_t page[4096];
	struct netbuf *a, *b;

	(void)state;
	released = 0;
	a = netbuf_wrap(page, 100, release, &released);
	b = netbuf_wrap(page + 100, 200, release, &released);
	a->next = b;
	assert_int_equal(netbuf_frame_len(a), 300);
	netbuf_free(a);
	assert_int_equal(released, 2);
	assert_null(netbuf_alloc(SIZE_MAX, 2)); /* the size wraps */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register, per_test,
						no_leak),
		cmocka_unit_test_setup_teardown(test_open_close, per_test,
						no_leak),
		cmocka_unit_test_setup_teardown(test_send, per_test, no_leak),
		cmocka_unit_test_setup_teardown(test_receive, per_test,
						no_leak),
		cmocka_unit_test_setup_teardown(test_netbuf_wrap, per_test,
						no_leak),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

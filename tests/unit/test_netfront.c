/*
 * test_netfront.c - drivers/xen/netfront.c against a xenstore, grant
 * table, event channels and netback the test plays itself, honest and
 * hostile. The handshake (InitWait -> our keys and Connected ->
 * Connected), a backend that closes and comes back, a vif removed and
 * attached again; frames both ways, in pieces and with blank checksums;
 * responses with ids out of range or not in flight, statuses that are no
 * status, lengths past the page, extras nobody asked for, a producer
 * index beyond the requests; xenstore values that are garbage (a MAC,
 * feature keys, the backend's id and state) or missing. The tests run in
 * order, each going on from the state the last one left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/heap.h>
#include <keel/netdev.h>
#include <plat/xen.h>
#include <drivers/xen.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>
#include "dma_arena.h"
#include "xen_fake.h"

/* -------------------------------------------------- the backend --- */

#define FE "device/vif/0"
#define BE "/local/domain/0/backend/vif/1/0"

static struct netif_tx_sring *txs;
static struct netif_rx_sring *rxs;
static RING_IDX tx_seen, rx_used; /* requests the backend took */

static void backend_state(const char *be, int state)
{
	char path[160], v[8];

	snprintf(path, sizeof(path), "%s/state", be);
	snprintf(v, sizeof(v), "%d", state);
	xs_set(path, v);
	fire();
}

static long fe_number(const char *key)
{
	char path[160];
	const char *v;

	snprintf(path, sizeof(path), FE "/%s", key);
	v = xs_get(path);
	return v ? strtol(v, NULL, 10) : -1;
}

/* Map the rings the frontend wrote. */
static void backend_attach(void)
{
	txs = (void *)granted((unsigned)fe_number("tx-ring-ref"));
	rxs = (void *)granted((unsigned)fe_number("rx-ring-ref"));
	tx_seen = rx_used = 0;
}

static void add_vif(unsigned id, const char *mac, const char *be_id)
{
	char p[160], be[96];

	snprintf(be, sizeof(be), "/local/domain/0/backend/vif/1/%u", id);
	snprintf(p, sizeof(p), "device/vif/%u/backend", id);
	xs_set(p, be);
	snprintf(p, sizeof(p), "device/vif/%u/backend-id", id);
	xs_set(p, be_id);
	snprintf(p, sizeof(p), "device/vif/%u/state", id);
	xs_set(p, "1");
	if (mac) {
		snprintf(p, sizeof(p), "device/vif/%u/mac", id);
		xs_set(p, mac);
	}
	snprintf(p, sizeof(p), "%s/state", be);
	xs_set(p, "1");
	snprintf(p, sizeof(p), "%s/feature-sg", be);
	xs_set(p, "1");
}

/* The backend writes a response into the next receive slot. */
static void rx_respond(int16_t status, uint16_t offset, uint16_t flags,
		       const void *data, int id_delta)
{
	unsigned idx = rx_used % 256;
	netif_rx_request_t req = rxs->ring[idx].req;
	netif_rx_response_t *r = &rxs->ring[idx].rsp;

	assert_true(rx_used != rxs->req_prod);
	if (data && status > 0)
		memcpy(granted(req.gref) + offset, data, (size_t)status);
	r->id = (uint16_t)(req.id + id_delta);
	r->offset = offset;
	r->flags = flags;
	r->status = status;
	rx_used++;
}

static void rx_publish(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rxs->rsp_prod = rx_used;
	kick();
}

/* The backend takes the next transmit request (and its data). */
static netif_tx_request_t tx_take(uint8_t *data)
{
	netif_tx_request_t req;

	assert_true(tx_seen != txs->req_prod);
	req = txs->ring[tx_seen++ % 256].req;
	assert_true(ref[req.gref].ro);
	if (data)
		memcpy(data, granted(req.gref) + req.offset, req.size);
	return req;
}

static RING_IDX tx_rsp;
static void tx_respond(uint16_t id, int16_t status)
{
	netif_tx_response_t *r = &txs->ring[tx_rsp++ % 256].rsp;

	r->id = id;
	r->status = status;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	txs->rsp_prod = tx_rsp;
	kick();
}

/* ------------------------------------------------------- frames --- */

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* An Ethernet + IPv4 + TCP frame with payload bytes; its TCP checksum
 * field holds junk (as a sender that left it to the hardware). */
static size_t tcp_frame(uint8_t *f, size_t payload)
{
	size_t ip_len = 20 + 20 + payload;

	memset(f, 0, 14 + ip_len);
	memcpy(f, "\x52\x54\x00\x12\x34\x56\x00\x16\x3e\x00\x00\x01", 12);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, "\xa9\xfe\x01\x01\xa9\xfe\x01\x02", 8);
	f[34] = 0x1f;
	f[35] = 0x90; /* port 8080 */
	f[46] = 0x50; /* data offset 5 */
	f[50] = 0xde;
	f[51] = 0xad; /* the blank checksum */
	for (size_t i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)(i * 7 + 1);
	return 14 + ip_len;
}

/* The one's-complement sum over the TCP segment and its pseudo-header:
 * 0xffff when the checksum is right. */
static unsigned tcp_sum(const uint8_t *f)
{
	size_t l4 = (size_t)(f[16] << 8 | f[17]) - 20;
	uint32_t s = 6 + (uint32_t)l4;

	for (size_t i = 26; i < 34; i += 2)
		s += (uint32_t)(f[i] << 8 | f[i + 1]);
	for (size_t i = 0; i < l4; i += 2)
		s += (uint32_t)(f[34 + i] << 8 |
				(i + 1 < l4 ? f[34 + i + 1] : 0));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static struct netdev *eth0;

/* ---------------------------------------------------------- tests --- */

static void test_probe(void **state)
{
	uint8_t mac[6];

	(void)state;
	add_vif(0, "00:16:3e:0a:0b:0c", "0");
	add_vif(1, "zz:16:3e:0a:0b:0c", "0"); /* garbage */
	add_vif(2, NULL, "0"); /* missing */
	add_vif(3, "01:00:5e:00:00:01", "1x"); /* multicast; garbage id */
	xs_set(BE "/feature-ipv6-csum-offload", "yes"); /* garbage: off */
	hosted_console_clear();
	assert_int_equal(xen_netfront_probe(), 4);
	eth0 = netdev_find("eth0");
	assert_non_null(eth0);
	netdev_mac(eth0, mac);
	assert_memory_equal(mac, "\x00\x16\x3e\x0a\x0b\x0c", 6);
	/* Unusable MACs give locally administered unicast ones. */
	for (int i = 1; i <= 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "eth%d", i);
		netdev_mac(netdev_find(name), mac);
		assert_int_equal(mac[0] & 3, 2);
	}
	assert_int_equal(count(hosted_console_text(), "unusable MAC"), 2);
	assert_int_equal(count(hosted_console_text(), "no MAC"), 1);
	assert_false(netdev_link_up(eth0));
	assert_int_equal(netdev_open(eth0, NULL, NULL), 0);
}

static void test_handshake(void **state)
{
	(void)state;
	/* The watch fires once on registering: nothing to do yet. */
	fire();
	assert_int_equal(fe_number("state"), XenbusStateInitialising);
	assert_int_equal(live_refs(), 0);
	/* The backends wait for us. */
	backend_state(BE, XenbusStateInitWait);
	for (int i = 1; i <= 3; i++) {
		char be[96];
		snprintf(be, sizeof(be), "/local/domain/0/backend/vif/1/%d", i);
		backend_state(be, XenbusStateInitWait);
	}
	assert_int_equal(fe_number("state"), XenbusStateConnected);
	assert_int_equal(fe_number("request-rx-copy"), 1);
	assert_int_equal(fe_number("feature-rx-notify"), 1);
	assert_true(fe_number("event-channel") >= 10);
	/* vif 3's backend-id is garbage: it never connects. */
	assert_null(xs_get("device/vif/3/tx-ring-ref"));
	assert_string_equal(xs_get("device/vif/3/state"), "1");
	backend_attach();
	assert_int_equal(rxs->req_prod, 64); /* every buffer posted */
	assert_false(netdev_link_up(eth0));
	backend_state(BE, XenbusStateConnected);
	assert_true(netdev_link_up(eth0));
}

static void test_rx(void **state)
{
	uint8_t f[3000];
	size_t len = tcp_frame(f, 1000);
	struct netbuf *nb;

	(void)state;
	/* Whole, at an offset. */
	rx_respond((int16_t)len, 100, 0, f, 0);
	rx_publish();
	nb = netdev_recv(eth0);
	assert_non_null(nb);
	assert_int_equal(nb->len, len);
	assert_memory_equal(nb->data, f, len);
	netbuf_free(nb);
	assert_null(netdev_recv(eth0));
	/* The buffer went back: all 64 still posted. */
	assert_int_equal(rxs->req_prod - rx_used, 64);

	/* In three pieces, with the checksum left blank: completed. */
	len = tcp_frame(f, 1400);
	rx_respond(600, 0, NETRXF_more_data | NETRXF_csum_blank, f, 0);
	rx_respond(600, 0, NETRXF_more_data, f + 600, 0);
	rx_respond((int16_t)(len - 1200), 0, 0, f + 1200, 0);
	rx_publish();
	nb = netdev_recv(eth0);
	assert_non_null(nb);
	assert_int_equal(nb->len, len);
	assert_memory_equal(nb->data, f, 50);
	assert_memory_equal(nb->data + 52, f + 52, len - 52);
	assert_int_equal(tcp_sum(nb->data), 0xffff);
	netbuf_free(nb);
	/* An error status: dropped quietly. */
	rx_respond(NETIF_RSP_ERROR, 0, 0, NULL, 0);
	rx_publish();
	assert_null(netdev_recv(eth0));
}

static void test_rx_hostile(void **state)
{
	uint8_t f[3000];
	size_t len = tcp_frame(f, 100);
	struct netbuf *nb;
	const char *log;

	(void)state;
	hosted_console_clear();
	rx_respond((int16_t)len, 0, 0, f, 1); /* not its request's id */
	rx_respond((int16_t)len, 0, 0, f, 300); /* out of range */
	rx_respond(200, 4000, 0, NULL, 0); /* past the page */
	rx_respond(2000, 0, 0, NULL, 0); /* one piece above the MTU */
	rx_respond(10, 0, 0, f, 0); /* shorter than Ethernet */
	rx_respond((int16_t)len, 0, NETRXF_extra_info, f, 0);
	rx_respond(0, 0, 0, NULL, 0); /* the extra slot, skipped */
	/* Two pieces that add up to more than the MTU. */
	rx_respond(1000, 0, NETRXF_more_data, f, 0);
	rx_respond(1000, 0, 0, f, 0);
	f[12] = 0x08, f[13] = 0x06; /* ARP with a "blank checksum" */
	rx_respond((int16_t)len, 0, NETRXF_csum_blank, f, 0);
	rx_publish();
	assert_null(netdev_recv(eth0));
	log = hosted_console_text();
	assert_int_equal(count(log, "id that is not its request's"), 1);
	assert_int_equal(count(log, "past its page or the MTU"), 1);
	assert_int_equal(count(log, "shorter than its Ethernet"), 1);
	assert_int_equal(count(log, "extra segments"), 1);
	assert_int_equal(count(log, "blank checksum"), 1);
	/* Still posted in full, and an honest frame still gets through. */
	assert_int_equal(rxs->req_prod - rx_used, 64);
	len = tcp_frame(f, 64);
	rx_respond((int16_t)len, 0, 0, f, 0);
	rx_publish();
	nb = netdev_recv(eth0);
	assert_non_null(nb);
	assert_memory_equal(nb->data, f, len);
	netbuf_free(nb);
}

static void test_tx(void **state)
{
	uint8_t f[9100], got[9100];
	struct netdev_stats st;
	struct netbuf *nb;
	netif_tx_request_t req, req2;
	size_t len = tcp_frame(f, 1000);

	(void)state;
	nb = netbuf_alloc(0, len);
	memcpy(nb->data, f, len);
	assert_int_equal(netdev_send(eth0, nb), 0);
	req = tx_take(got);
	assert_int_equal(req.size, len);
	assert_int_equal(req.flags, 0);
	assert_memory_equal(got, f, len);
	tx_respond(req.id, NETIF_RSP_OKAY);
	netdev_get_stats(eth0, &st);
	assert_int_equal(st.tx_packets, 1);

	/* A jumbo frame (scatter-gather offered): in chained slots. */
	assert_int_equal(netdev_set_mtu(eth0, 9000), 0);
	len = tcp_frame(f, 5000);
	nb = netbuf_alloc(0, len);
	memcpy(nb->data, f, len);
	nb->flags = NETBUF_CSUM_PARTIAL;
	nb->csum_start = 34;
	nb->csum_offset = 16;
	assert_int_equal(netdev_send(eth0, nb), 0);
	req = tx_take(got);
	assert_int_equal(req.size, len); /* the whole frame's */
	assert_true(req.flags & NETTXF_more_data);
	assert_true(req.flags & NETTXF_csum_blank);
	size_t at = 2048;
	uint16_t ids[4] = { req.id };
	unsigned n = 1;
	do {
		req2 = tx_take(got + at);
		at += req2.size;
		ids[n++] = req2.id;
	} while (req2.flags & NETTXF_more_data);
	assert_int_equal(at, len);
	assert_memory_equal(got, f, len);
	for (unsigned i = 0; i < n; i++)
		tx_respond(ids[i], NETIF_RSP_OKAY);
	netdev_get_stats(eth0, &st);
	assert_int_equal(st.tx_packets, 2);
	assert_int_equal(netdev_set_mtu(eth0, 1500), 0);
}

static void test_tx_hostile(void **state)
{
	uint8_t f[2000];
	struct netdev_stats st;
	struct netbuf *nb;
	netif_tx_request_t req;
	size_t len = tcp_frame(f, 200);
	const char *log;

	(void)state;
	hosted_console_clear();
	/* Three in flight: each response below takes one ring slot. */
	for (int i = 0; i < 3; i++) {
		nb = netbuf_alloc(0, len);
		memcpy(nb->data, f, len);
		assert_int_equal(netdev_send(eth0, nb), 0);
		req = tx_take(NULL);
	}
	tx_respond(200, NETIF_RSP_OKAY); /* out of range */
	tx_respond(req.id, 77); /* no such status: given back failed */
	netdev_get_stats(eth0, &st);
	assert_int_equal(st.tx_errors, 1);
	tx_respond(req.id, NETIF_RSP_OKAY); /* no longer in flight */
	log = hosted_console_text();
	assert_int_equal(count(log, "transmit response with an id not"), 1);
	assert_int_equal(count(log, "unknown status"), 1);
	netdev_get_stats(eth0, &st);
	assert_int_equal(st.tx_packets, 2);
}

/* The backend closes and comes back (dom0 restarted it). */
static void test_reconnect(void **state)
{
	uint8_t f[200];
	size_t len = tcp_frame(f, 50);
	struct netbuf *nb;
	unsigned before = live_refs();

	(void)state;
	backend_state(BE, XenbusStateClosing);
	assert_false(netdev_link_up(eth0));
	assert_int_equal(fe_number("state"), XenbusStateClosed);
	/* Until the backend is closed, its grants stay. */
	assert_int_equal(live_refs(), before);
	nb = netbuf_alloc(0, len);
	assert_int_equal(netdev_send(eth0, nb), -ENETDOWN);
	netbuf_free(nb);
	backend_state(BE, XenbusStateClosed);
	assert_true(live_refs() < before);
	backend_state(BE, XenbusStateInitWait);
	assert_int_equal(fe_number("state"), XenbusStateConnected);
	backend_attach();
	backend_state(BE, XenbusStateConnected);
	assert_true(netdev_link_up(eth0));
	rx_respond((int16_t)len, 0, 0, f, 0);
	rx_publish();
	nb = netdev_recv(eth0);
	assert_non_null(nb);
	netbuf_free(nb);
}

/* xl network-detach, then network-attach as vif 5: the same eth0. */
static void test_reattach(void **state)
{
	(void)state;
	backend_state(BE, XenbusStateClosing);
	backend_state(BE, XenbusStateClosed);
	xs_rm(FE);
	xs_rm(BE);
	fire();
	assert_false(netdev_link_up(eth0));
	assert_null(xs_get(FE "/state")); /* nothing written back */
	add_vif(5, "00:16:3e:0a:0b:0c", "0");
	fe_path = "device/vif/5";
	hosted_console_clear();
	fire();
	assert_int_equal(count(hosted_console_text(), "now vif5"), 1);
	backend_state("/local/domain/0/backend/vif/1/5", XenbusStateInitWait);
	assert_string_equal(xs_get("device/vif/5/state"), "4");
	backend_state("/local/domain/0/backend/vif/1/5", XenbusStateConnected);
	assert_true(netdev_link_up(eth0));
}

/* A response index beyond what was posted stops the device. */
static void test_broken_ring(void **state)
{
	uint8_t f[200];
	struct netbuf *nb;

	(void)state;
	txs = (void *)granted(
	    (unsigned)strtol(xs_get("device/vif/5/tx-ring-ref"), NULL, 10));
	rxs = (void *)granted(
	    (unsigned)strtol(xs_get("device/vif/5/rx-ring-ref"), NULL, 10));
	hosted_console_clear();
	rxs->rsp_prod = rxs->req_prod + 5;
	kick();
	assert_int_equal(count(hosted_console_text(), "beyond the requests"),
			 1);
	nb = netbuf_alloc(0, tcp_frame(f, 50));
	assert_int_equal(netdev_send(eth0, nb), -ENETDOWN);
	netbuf_free(nb);
	kick();
	assert_int_equal(count(hosted_console_text(), "beyond the requests"),
			 1);
}

static int setup(void **state)
{
	(void)state;
	fe_path = FE;
	return hosted_mem_init(MiB(16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_rx),
		cmocka_unit_test(test_rx_hostile),
		cmocka_unit_test(test_tx),
		cmocka_unit_test(test_tx_hostile),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_reattach),
		cmocka_unit_test(test_broken_ring),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

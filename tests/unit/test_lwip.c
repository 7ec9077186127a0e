/*
 * test_lwip.c - keel's lwIP glue (net/lwip/frame.c, sys.c) with lwIP
 * itself, hosted: two Ethernet netifs wired back to back through netbufs
 * (lnet_frame_from_pbuf out, lnet_frame_input in) resolve each other by
 * ARP and carry a 300 KiB TCP stream byte-exact in both directions, a
 * UDP datagram, a client that reopens the 4-tuple the server still
 * holds in TIME_WAIT connects at once, and the glue drops frames too short
 * or too long for lwIP, counted, without passing them on. Both netifs
 * live in one lwIP, so the sender is bound to its netif (else lwIP would
 * loop the traffic back inside).
 */
#include <string.h>
#include <keel/heap.h>
#include <keel/netdev.h>
#include "unit.h"
#include "glue.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#define WIRE 512 /* frames in flight, at most */
#define STREAM (300 * 1024)

struct side {
	struct netif nif;
	struct netbuf *wire[WIRE]; /* frames sent, not yet delivered */
	unsigned nwire;
	uint64_t sent;
};
static struct side sides[2];
static bool lwip_up;

static err_t wire_out(struct netif *nif, struct pbuf *p)
{
	struct side *s = nif->state;
	struct netbuf *nb = lnet_frame_from_pbuf(p);

	assert_non_null(nb);
	assert_true(s->nwire < WIRE);
	s->wire[s->nwire++] = nb;
	s->sent++;
	return ERR_OK;
}

static err_t side_init(struct netif *nif)
{
	struct side *s = nif->state;

	nif->name[0] = 't';
	nif->name[1] = (char)('a' + (s - sides));
	nif->hwaddr_len = 6;
	memcpy(nif->hwaddr, "\x02\0\0\0\0", 5);
	nif->hwaddr[5] = (u8_t)(1 + (s - sides));
	nif->mtu = 1500;
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		     NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	nif->output = etharp_output;
	nif->output_ip6 = ethip6_output;
	nif->linkoutput = wire_out;
	return ERR_OK;
}

/* Deliver every frame on the wires (and the ones that answers make). */
static void pump(void)
{
	for (int round = 0; round < 10000; round++) {
		bool any = false;

		for (int i = 0; i < 2; i++) {
			struct side *s = &sides[i];
			unsigned n = s->nwire;
			struct netbuf *batch[WIRE];

			memcpy(batch, s->wire, n * sizeof(batch[0]));
			s->nwire = 0;
			for (unsigned k = 0; k < n; k++)
				lnet_frame_input(&sides[1 - i].nif, batch[k]);
			any |= n > 0;
		}
		netif_poll_all();
		if (!any)
			return;
	}
	fail_msg("the wires never went quiet");
}

static int setup(void **state)
{
	ip4_addr_t a, m, gw;

	(void)state;
	if (hosted_mem_init(MiB(64)))
		return -1;
	lwip_init();
	IP4_ADDR(&m, 255, 255, 255, 0);
	IP4_ADDR(&gw, 0, 0, 0, 0);
	for (int i = 0; i < 2; i++) {
		IP4_ADDR(&a, 10, 0, 0, 1 + i);
		assert_non_null(netif_add(&sides[i].nif, &a, &m, &gw, &sides[i],
					  side_init, ethernet_input));
		netif_create_ip6_linklocal_address(&sides[i].nif, 1);
		netif_ip6_addr_set_state(&sides[i].nif, 0, IP6_ADDR_PREFERRED);
		netif_set_up(&sides[i].nif);
	}
	lwip_up = true;
	return 0;
}

/* ---- a TCP stream ---- */

struct sink {
	struct tcp_pcb *pcb;
	size_t got;
	bool bad, fin;
};
static struct sink sinks[2];
static struct tcp_pcb *conn[2]; /* [0] the client's, [1] the server's */

static uint8_t pattern(size_t i, int dir)
{
	return (uint8_t)(i * 7 + i / 251 + (size_t)dir * 13);
}

static err_t sink_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
		       err_t err)
{
	struct sink *k = arg;
	int dir = (int)(k - sinks);

	(void)err;
	if (!p) {
		k->fin = true;
		return ERR_OK;
	}
	for (struct pbuf *q = p; q; q = q->next)
		for (u16_t i = 0; i < q->len; i++)
			if (((uint8_t *)q->payload)[i] !=
			    pattern(k->got++, dir))
				k->bad = true;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t accepted(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	assert_int_equal(err, ERR_OK);
	conn[1] = pcb;
	tcp_arg(pcb, &sinks[1]);
	tcp_recv(pcb, sink_recv);
	return ERR_OK;
}

static bool connected_flag;
static err_t connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	(void)pcb;
	assert_int_equal(err, ERR_OK);
	connected_flag = true;
	return ERR_OK;
}

/* Write len bytes of direction dir's pattern from off as room allows. */
static size_t push(struct tcp_pcb *pcb, int dir, size_t off, size_t len)
{
	uint8_t buf[4096];
	size_t n = MIN(MIN(len - off, sizeof(buf)), (size_t)tcp_sndbuf(pcb));

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern(off + i, dir);
	if (tcp_write(pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
		return 0;
	tcp_output(pcb);
	return n;
}

static void test_tcp_stream(void **state)
{
	struct tcp_pcb *l = tcp_new(), *c = tcp_new();
	ip_addr_t server;
	size_t sent[2] = { 0, 0 };

	(void)state;
	assert_int_equal(tcp_bind(l, IP4_ADDR_ANY, 8080), ERR_OK);
	l = tcp_listen(l);
	tcp_accept(l, accepted);
	IP_ADDR4(&server, 10, 0, 0, 2);
	/* Both netifs are in one lwIP: the client must leave by its own, or
	 * lwIP would see 10.0.0.2 as local and loop it back. */
	tcp_bind_netif(c, &sides[0].nif);
	tcp_arg(c, &sinks[0]);
	tcp_recv(c, sink_recv);
	conn[0] = c;
	/* sinks[1] reads what the client sends (dir 1), [0] the reverse. */
	assert_int_equal(tcp_connect(c, &server, 8080, connected), ERR_OK);
	pump();
	assert_true(connected_flag);
	assert_non_null(conn[1]);
	for (int i = 0; i < 100000 && (sent[0] < STREAM || sent[1] < STREAM);
	     i++) {
		sent[0] += push(conn[0], 1, sent[0], STREAM);
		sent[1] += push(conn[1], 0, sent[1], STREAM);
		pump();
		if (i % 16 == 15) { /* let the delayed ACKs go */
			hosted_clock_advance(250 * 1000000ULL);
			sys_check_timeouts();
			pump();
		}
	}
	for (int i = 0; i < 50; i++) {
		hosted_clock_advance(250 * 1000000ULL);
		sys_check_timeouts();
		pump();
	}
	assert_int_equal(sinks[1].got, STREAM);
	assert_int_equal(sinks[0].got, STREAM);
	assert_false(sinks[0].bad);
	assert_false(sinks[1].bad);
	assert_int_equal(tcp_close(conn[0]), ERR_OK);
	pump();
	assert_true(sinks[1].fin);
	tcp_close(conn[1]);
	tcp_close(l);
	pump();
}

/* ---- a SYN for a connection in TIME_WAIT ---- */

static struct tcp_pcb *tw_find(u16_t local_port, u16_t remote_port)
{
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		if (p->local_port == local_port &&
		    p->remote_port == remote_port)
			return p;
	return NULL;
}

/* Connect from side 0's port 40000 to 10.0.0.2:8081 and back: true if
 * the connection was made (and accepted) within the first handshake. */
static bool tw_connect(struct tcp_pcb *c)
{
	ip_addr_t server;

	IP_ADDR4(&server, 10, 0, 0, 2);
	tcp_bind_netif(c, &sides[0].nif);
	assert_int_equal(tcp_bind(c, IP4_ADDR_ANY, 40000), ERR_OK);
	connected_flag = false;
	conn[1] = NULL;
	assert_int_equal(tcp_connect(c, &server, 8081, connected), ERR_OK);
	pump();
	return connected_flag && conn[1];
}

/* A listener on 8081 and a connection to it from port 40000 that the
 * server closes first (as an HTTP server does), so it holds the
 * connection in TIME_WAIT; the client's end is gone at once. Returns
 * the listener. */
static struct tcp_pcb *tw_make(void)
{
	struct tcp_pcb *l = tcp_new(), *c = tcp_new();

	assert_int_equal(tcp_bind(l, IP4_ADDR_ANY, 8081), ERR_OK);
	l = tcp_listen(l);
	tcp_accept(l, accepted);
	memset(sinks, 0, sizeof(sinks));
	tcp_arg(c, &sinks[0]);
	tcp_recv(c, sink_recv);
	assert_true(tw_connect(c));
	tcp_arg(conn[1], NULL);
	tcp_recv(conn[1], NULL);
	assert_int_equal(tcp_close(conn[1]), ERR_OK);
	pump();
	assert_true(sinks[0].fin);
	assert_int_equal(tcp_close(c), ERR_OK);
	pump();
	assert_non_null(tw_find(8081, 40000));
	return l;
}

/* Time goes by in steps of lwIP's TCP timer (250 ms; the slow one that
 * ends TIME_WAIT runs every other step). */
static void tw_tick(void)
{
	hosted_clock_advance(250 * 1000000ULL);
	sys_check_timeouts();
}

static void test_timewait_reopen(void **state)
{
	uint64_t before = lnet_stats.tw_reopened;
	struct tcp_pcb *l = tw_make(), *c;

	(void)state;
	/* A second later the client reuses its port, as Linux's may: lwIP
	 * alone would answer with an ACK of the old connection and ignore
	 * the client's reset, so the connect would hang for 2 minutes. */
	for (int i = 0; i < 4; i++)
		tw_tick();
	c = tcp_new();
	assert_true(tw_connect(c));
	assert_null(tw_find(8081, 40000));
	assert_int_equal(lnet_stats.tw_reopened, before + 1);
	tcp_abort(conn[1]);
	tcp_abort(c);
	tcp_close(l);
	pump();
}

/* The server's TIME_WAIT lasts 60 s, as Linux's (TCP_TIMEWAIT_LEN):
 * lwIP's default (2 x 60 s) held a busy server's closed connections
 * twice as long. */
static void test_timewait_length(void **state)
{
	struct tcp_pcb *l = tw_make();
	int n;

	(void)state;
	for (n = 0; n < 4 * 70 && tw_find(8081, 40000); n++)
		tw_tick();
	assert_in_range(n, 4 * 59, 4 * 61);
	tcp_close(l);
	pump();
}

/* ---- UDP ---- */

static size_t udp_got;
static void udp_in(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		   const ip_addr_t *addr, u16_t port)
{
	(void)arg;
	(void)pcb;
	(void)addr;
	assert_int_equal(port, 4000);
	udp_got = p->tot_len;
	pbuf_free(p);
}

static void test_udp(void **state)
{
	struct udp_pcb *a = udp_new(), *b = udp_new();
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 1000, PBUF_RAM);
	ip_addr_t to;

	(void)state;
	assert_int_equal(udp_bind(a, IP4_ADDR_ANY, 4000), ERR_OK);
	assert_int_equal(udp_bind(b, IP4_ADDR_ANY, 5000), ERR_OK);
	udp_recv(b, udp_in, NULL);
	IP_ADDR4(&to, 10, 0, 0, 2);
	memset(p->payload, 0x5a, 1000);
	assert_int_equal(udp_sendto_if(a, p, &to, 5000, &sides[0].nif), ERR_OK);
	pbuf_free(p);
	pump();
	assert_int_equal(udp_got, 1000);
	udp_remove(a);
	udp_remove(b);
}

/* ---- frames the glue refuses ---- */

static void test_bad_frames(void **state)
{
	struct lnet_stats before = lnet_stats;
	struct netbuf *nb = netbuf_alloc(0, 10);
	struct netbuf *big = netbuf_alloc(0, 70000);
	struct netbuf *junk = netbuf_alloc(0, 60);

	(void)state;
	assert_false(lnet_frame_input(&sides[0].nif, nb));
	assert_int_equal(lnet_stats.rx_short, before.rx_short + 1);
	assert_false(lnet_frame_input(&sides[0].nif, big));
	assert_int_equal(lnet_stats.rx_long, before.rx_long + 1);
	memset(junk->data, 0xff, 60); /* broadcast, type 0xffff: dropped */
	lnet_frame_input(&sides[0].nif, junk);
	pump();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_stream),
		cmocka_unit_test(test_timewait_reopen),
		cmocka_unit_test(test_timewait_length),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_bad_frames),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

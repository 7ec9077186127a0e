/*
 * frame.c - Ethernet frames between keel's network devices and lwIP
 * (net/lwip/): a received netbuf becomes a pbuf for the netif's input,
 * an lwIP pbuf chain becomes one netbuf to send. Everything a device or a
 * peer hands in is checked here before lwIP reads it: a frame shorter
 * than an Ethernet header or longer than a pbuf can hold is dropped and
 * counted (lnet_stats). A SYN that reopens a connection lwIP still holds
 * in TIME_WAIT ends that TIME_WAIT first (tw_reopen). The hosted fuzz
 * target feeds this file.
 */
#include <keel/errno.h>
#include <keel/string.h>
#include "glue.h"
#include "lwip/priv/tcp_priv.h"

#define FRAME_MAX 0xffffu /* a pbuf's tot_len is 16 bits */

struct lnet_stats lnet_stats;

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

/* pcb's addresses are the frame's destination (local) and source. */
static bool tw_same_addrs(const struct tcp_pcb *pcb, const struct netdev_l4 *l)
{
	if (l->v6)
		return IP_IS_V6_VAL(pcb->local_ip) &&
		       !memcmp(ip_2_ip6(&pcb->local_ip)->addr, l->dst, 16) &&
		       !memcmp(ip_2_ip6(&pcb->remote_ip)->addr, l->src, 16);
	return IP_IS_V4_VAL(pcb->local_ip) &&
	       !memcmp(&ip_2_ip4(&pcb->local_ip)->addr, l->dst, 4) &&
	       !memcmp(&ip_2_ip4(&pcb->remote_ip)->addr, l->src, 4);
}

/*
 * A new connection's SYN (no ACK, no RST) whose four addresses and ports
 * are those of a connection lwIP holds in TIME_WAIT. lwIP answers it with
 * an ACK of the old connection, the peer (in SYN-SENT) resets that, lwIP
 * ignores the reset (RFC 1337) and the peer's connect hangs until the
 * TIME_WAIT ends, 2 minutes later. A client that closed last is free to
 * reuse its port at once, and Linux's does: one request in a few hundred
 * from dom0's wget to nginx hung so. As Linux (and RFC 1122 4.2.2.13)
 * do, a SYN whose sequence number is beyond what the old connection
 * received ends the TIME_WAIT, and the listener takes the SYN. Frames
 * on the loopback do not pass here: both of their ends are lwIP's, which
 * takes client ports in turn from 16384 of them, so a 4-tuple comes back
 * only after that many connections.
 */
static void tw_reopen(const struct pbuf *p)
{
	struct netdev_l4 l;
	const uint8_t *tcp;
	uint16_t sport, dport;
	uint32_t seq;

	if (netdev_frame_l4(p->payload, p->len, &l) ||
	    l.proto != IP_PROTO_TCP || l.len < 20)
		return;
	tcp = l.hdr;
	if ((tcp[13] & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return;
	sport = be16(tcp);
	dport = be16(tcp + 2);
	seq = be32(tcp + 4);
	for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
		if (pcb->local_port != dport || pcb->remote_port != sport ||
		    !tw_same_addrs(pcb, &l))
			continue;
		/* A socket still open (shut down for writing) keeps its. */
		if (!pcb->callback_arg && TCP_SEQ_GT(seq, pcb->rcv_nxt)) {
			tcp_abort(pcb);
			lnet_stats.tw_reopened++;
		}
		return;
	}
}

bool lnet_frame_input(struct netif *nif, struct netbuf *nb)
{
	size_t len = netbuf_frame_len(nb);
	struct pbuf *p;

	if (len < NETDEV_HLEN) {
		lnet_stats.rx_short++;
		netbuf_free(nb);
		return false;
	}
	if (len > FRAME_MAX) {
		lnet_stats.rx_long++;
		netbuf_free(nb);
		return false;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p) {
		lnet_stats.rx_nomem++;
		netbuf_free(nb);
		return false;
	}
	for (struct pbuf *q = p; q; q = q->next) {
		size_t off = (size_t)(p->tot_len - q->tot_len);

		netbuf_copy(nb, off, q->payload, q->len);
	}
	netbuf_free(nb);
	if (tcp_tw_pcbs)
		tw_reopen(p);
	if (nif->input(p, nif) != ERR_OK) {
		lnet_stats.rx_refused++;
		pbuf_free(p);
		return false;
	}
	return true;
}

struct netbuf *lnet_frame_from_pbuf(struct pbuf *p)
{
	struct netbuf *nb = netbuf_alloc(0, p->tot_len);

	if (!nb) {
		lnet_stats.tx_nomem++;
		return NULL;
	}
	pbuf_copy_partial(p, nb->data, p->tot_len, 0);
	return nb;
}

/*
 * sock_ping.c - ping sockets (net/lwip/): SOCK_DGRAM with IPPROTO_ICMP
 * (AF_INET) or IPPROTO_ICMPV6 (AF_INET6) on lwIP raw PCBs, as Linux's
 * "ping" sockets. The program sends an echo request (its identifier is
 * replaced by the socket's, the port it is bound to; the checksum is
 * computed here) and receives the echo replies that carry that
 * identifier, without the IP header, on the datagram queue that
 * sock_udp.c reads.
 */
#include <keel/errno.h>
#include <keel/random.h>
#include <keel/string.h>
#include "glue.h"
#include "sock.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/raw.h"

#define ICMP4_ECHO 8
#define ICMP4_REPLY 0
#define ICMP6_ECHO 128
#define ICMP6_REPLY 129
#define ICMP_HLEN 8

static uint8_t reply_type(const struct lsock *ls)
{
	return ls->s && ls->s->family == AF_INET6 ? ICMP6_REPLY : ICMP4_REPLY;
}

/* Every ICMP packet lwIP receives: keep our echo replies (a copy), let
 * lwIP go on with the packet (return 0). */
static u8_t on_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p,
		    const ip_addr_t *addr)
{
	struct lsock *ls = arg;
	u16_t hl = (u16_t)ip_current_header_tot_len();
	uint8_t h[ICMP_HLEN];

	(void)pcb;
	if (!ls || !ls->s || p->tot_len < hl + ICMP_HLEN ||
	    pbuf_copy_partial(p, h, ICMP_HLEN, hl) != ICMP_HLEN ||
	    h[0] != reply_type(ls) || (h[4] << 8 | h[5]) != ls->ping_id)
		return 0;
	ludp_queue_copy(ls, p, hl, addr);
	return 0;
}

int lping_create(struct socket *s, struct lsock *ls)
{
	bool v6 = s->family == AF_INET6;
	struct raw_pcb *pcb =
	    raw_new_ip_type(v6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4,
			    v6 ? IP6_NEXTH_ICMP6 : IP_PROTO_ICMP);

	if (!pcb)
		return -ENOMEM;
	if (v6) { /* lwIP computes ICMPv6's checksum (pseudo-header) */
		pcb->chksum_reqd = 1;
		pcb->chksum_offset = 2;
	}
	ls->pcb.raw = pcb;
	ls->ping = true;
	raw_recv(pcb, on_recv, ls);
	return 0;
}

void lping_release(struct lsock *ls)
{
	raw_recv(ls->pcb.raw, NULL, NULL);
	raw_remove(ls->pcb.raw);
	ls->pcb.raw = NULL;
}

static void pick_id(struct lsock *ls)
{
	while (!ls->ping_id)
		random_bytes(&ls->ping_id, sizeof(ls->ping_id));
}

int lping_bind(struct socket *s, const ip_addr_t *ip, uint16_t port)
{
	struct lsock *ls = lsock_of(s);

	if (ls->bound)
		return -EINVAL;
	ls->ping_id = port;
	pick_id(ls);
	ls->bound = true;
	return lsock_errno(raw_bind(ls->pcb.raw, ip));
}

int lping_connect(struct socket *s, const ip_addr_t *ip)
{
	struct lsock *ls = lsock_of(s);
	int err = lsock_errno(raw_connect(ls->pcb.raw, ip));

	if (!err) {
		pick_id(ls);
		ls->bound = true;
	}
	return err;
}

/* Send the echo request of p (checked) to ip. */
long lping_send(struct socket *s, struct pbuf *p, const ip_addr_t *ip)
{
	struct lsock *ls = lsock_of(s);
	uint8_t *h = p->payload;
	bool v6 = s->family == AF_INET6;

	if (p->len < ICMP_HLEN || h[0] != (v6 ? ICMP6_ECHO : ICMP4_ECHO) ||
	    h[1] != 0)
		return -EINVAL;
	if (v6 ? IP_IS_V4(ip) : !IP_IS_V4(ip))
		return -EAFNOSUPPORT;
	pick_id(ls);
	ls->bound = true;
	h[4] = (uint8_t)(ls->ping_id >> 8);
	h[5] = (uint8_t)ls->ping_id;
	h[2] = h[3] = 0;
	if (!v6) {
		u16_t c = inet_chksum(h, p->len);

		memcpy(h + 2, &c, 2);
	}
	return lsock_errno(raw_sendto(ls->pcb.raw, p, ip));
}

uint16_t lping_id(struct lsock *ls)
{
	return ls->ping_id;
}

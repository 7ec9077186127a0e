/*
 * sock_raw.c - raw IP sockets (net/lwip/): SOCK_RAW on lwIP raw PCBs, as
 * Linux's raw(7), for CAP_NET_RAW. A socket of protocol P receives a copy
 * of every packet of P the stack takes (lwIP goes on with it too): IPv4
 * with its IP header, IPv6 without, as Linux gives them. A send adds the
 * IP header, unless IP_HDRINCL (always with IPPROTO_RAW, which receives
 * nothing): then the program's IPv4 header goes out with its length,
 * source (when 0) and checksum filled in, as Linux fills them. The queue,
 * reads and names are sock_udp.c's.
 */
#include <keel/errno.h>
#include <keel/string.h>
#include "glue.h"
#include "sock.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/raw.h"

#define L_IPPROTO_RAW 255
#define L_IPPROTO_ICMPV6 58

/* Every packet of the socket's protocol: a copy on its queue; lwIP goes
 * on with the packet (return 0). */
static u8_t on_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p,
		    const ip_addr_t *addr)
{
	struct lsock *ls = arg;

	(void)pcb;
	if (ls && ls->s && !ls->s->shut_rd)
		ludp_queue_copy(
		    ls, p,
		    IP_IS_V6(addr) ? (u16_t)ip_current_header_tot_len() : 0,
		    addr);
	return 0;
}

int lraw_create(struct socket *s, struct lsock *ls, int protocol)
{
	bool v6 = s->family == AF_INET6;
	struct raw_pcb *pcb = raw_new_ip_type(
	    v6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4, (u8_t)protocol);

	if (!pcb)
		return -ENOMEM;
	if (v6 && protocol == L_IPPROTO_ICMPV6) { /* Linux sums ICMPv6 */
		pcb->chksum_reqd = 1;
		pcb->chksum_offset = 2;
	}
	ls->pcb.raw = pcb;
	ls->raw = true;
	ls->raw_proto = (uint8_t)protocol;
	/* IPPROTO_RAW, and the numbers above 255 Linux takes (up to
	 * IPPROTO_MPTCP), are on no packet: they receive nothing. */
	if (protocol == L_IPPROTO_RAW)
		raw_setflags(pcb, RAW_FLAGS_HDRINCL);
	else if (protocol < L_IPPROTO_RAW)
		raw_recv(pcb, on_recv, ls);
	return 0;
}

/* IP_HDRINCL: get, or set (IPv4 sockets). */
int lraw_hdrincl(struct socket *s, int *v, bool set)
{
	struct lsock *ls = lsock_of(s);
	struct raw_pcb *pcb = ls->pcb.raw;

	if (!ls->raw || s->family != AF_INET)
		return -ENOPROTOOPT;
	if (set)
		raw_setflags(pcb, *v ? pcb->flags | RAW_FLAGS_HDRINCL
				     : pcb->flags & ~RAW_FLAGS_HDRINCL);
	*v = (pcb->flags & RAW_FLAGS_HDRINCL) != 0;
	return 0;
}

/* The program's IPv4 header made whole as Linux's raw_send_hdrinc does:
 * the total length, a source when it is 0, the checksum. */
static int fill_header(struct pbuf *p)
{
	struct ip_hdr *h = p->payload;
	u16_t hl;
	struct netif *n;
	ip4_addr_t dst;

	if (p->len < IP_HLEN)
		return -EINVAL;
	hl = (u16_t)(IPH_HL(h) * 4);
	if (hl < IP_HLEN || hl > p->len)
		return -EINVAL;
	IPH_LEN_SET(h, lwip_htons(p->tot_len));
	if (!h->src.addr) {
		ip4_addr_copy(dst, h->dest);
		n = ip4_route(&dst);
		if (!n)
			return -ENETUNREACH;
		ip4_addr_copy(h->src, *netif_ip4_addr(n));
	}
	IPH_CHKSUM_SET(h, 0);
	IPH_CHKSUM_SET(h, inet_chksum(h, hl));
	return 0;
}

long lraw_send(struct socket *s, struct pbuf *p, const ip_addr_t *ip)
{
	struct lsock *ls = lsock_of(s);
	bool v6 = s->family == AF_INET6;
	int err;

	if (v6 ? IP_IS_V4(ip) : !IP_IS_V4(ip))
		return -EAFNOSUPPORT;
	/* ICMPv6's checksum goes at its offset: a shorter packet is EINVAL,
	 * as on Linux (lwIP asserts that it fits). The packet is one pbuf. */
	if (v6 && ls->pcb.raw->chksum_reqd &&
	    p->len < ls->pcb.raw->chksum_offset + 2)
		return -EINVAL;
	if (ls->pcb.raw->flags & RAW_FLAGS_HDRINCL && !v6) {
		err = fill_header(p);
		if (err)
			return err;
	}
	return lsock_errno(raw_sendto(ls->pcb.raw, p, ip));
}

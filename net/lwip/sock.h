/*
 * sock.h - the AF_INET/AF_INET6 sockets on lwIP's raw API (net/lwip/,
 * private): one struct lsock per socket (s->priv) holding its lwIP PCB
 * and what lwIP's callbacks left for the program (received bytes or
 * datagrams, a connection's state, its error), shared by sock.c (the
 * family table, names, options), sock_tcp.c and sock_udp.c.
 */
#ifndef KEEL_LWIP_SOCK_H
#define KEEL_LWIP_SOCK_H

#include <keel/list.h>
#include <keel/socket.h>
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"

struct lsock {
	struct socket *s; /* NULL while the connection waits to be accepted */
	int type;
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
		struct raw_pcb *raw;
		void *any;
	} pcb; /* NULL once lwIP freed it (reset, refused, timed out) */
	int err; /* the connection's error (errno), 0: none */
	/* TCP */
	struct pbuf *rx_head, *rx_tail; /* single pbufs, linked by ->next */
	size_t rx_off, rx_bytes; /* into rx_head; bytes unread */
	bool fin, connecting, established, listening;
	bool
	    cork; /* TCP_CORK: sends queue, sent when uncorked or segments fill */
	bool recverr; /* IP_RECVERR, IPV6_RECVERR */
	struct list_node acceptq; /* listener: struct lsock not accepted */
	struct list_node node; /* in its listener's acceptq */
	struct lsock *listener; /* while in an acceptq */
	uint32_t keep[3]; /* listener: TCP_KEEPIDLE, KEEPINTVL (ms), KEEPCNT */
	/* UDP and ping: struct dgram, received and not read */
	struct list_node dq;
	size_t dq_bytes;
	bool ping, bound; /* ping: a raw ICMP PCB; bound: its id is set */
	uint16_t ping_id; /* the echo identifier (the port of its name) */
	bool raw; /* SOCK_RAW: a raw PCB of protocol raw_proto */
	uint8_t raw_proto;
};

/* A received datagram and where it came from. */
struct dgram {
	struct list_node node;
	struct pbuf *p;
	ip_addr_t from;
	uint16_t port;
};

static inline struct lsock *lsock_of(struct socket *s)
{
	return s->priv;
}

/* sock.c */
int lsock_errno(err_t err);
/* A program's address for s into lwIP's: 0, -EINVAL, -EAFNOSUPPORT. */
int lsock_parse(struct socket *s, const struct sockname *n, ip_addr_t *ip,
		uint16_t *port);
void lsock_name(int family, const ip_addr_t *ip, uint16_t port,
		struct sockname *out);
/* Can s bind to ip (a wildcard, or one of the stack's addresses)? */
bool lsock_local_addr(const ip_addr_t *ip);
/* The wildcard a socket of this family binds to (both kinds for a
 * dual-stack AF_INET6 socket). */
const ip_addr_t *lsock_any(struct socket *s);
/* A connect or send to a wildcard goes to the loopback. */
void lsock_unspecified_to_loopback(ip_addr_t *ip);
/* Wait for ready(s, arg) with the stack unlocked (locked again after). */
int lsock_wait(struct socket *s, bool nonblock, uint64_t timeo,
	       bool (*ready)(struct socket *s, void *arg), void *arg);

/* sock_tcp.c */
int ltcp_create(struct socket *s, struct lsock *ls);
void ltcp_release(struct lsock *ls);
int ltcp_bind(struct socket *s, const ip_addr_t *ip, uint16_t port);
int ltcp_listen(struct socket *s, int backlog);
int ltcp_accept(struct socket *s, struct socket *child, unsigned flags,
		struct sockname *peer);
int ltcp_connect(struct socket *s, const struct sockname *a, unsigned flags);
int ltcp_shutdown(struct socket *s, int how);
long ltcp_sendmsg(struct socket *s, struct kmsg *m, unsigned flags);
long ltcp_recvmsg(struct socket *s, struct kmsg *m, unsigned flags);
unsigned ltcp_poll(struct socket *s);
int ltcp_getname(struct socket *s, bool peer, struct sockname *out);
size_t ltcp_unsent(struct lsock *ls);

/* sock_udp.c (UDP, ICMP echo and raw: the datagram queue) */
int ludp_create(struct socket *s, struct lsock *ls, int protocol);
void ludp_release(struct lsock *ls);
int ludp_bind(struct socket *s, const ip_addr_t *ip, uint16_t port);
int ludp_connect(struct socket *s, const struct sockname *a, unsigned flags);
int ludp_shutdown(struct socket *s, int how);
long ludp_sendmsg(struct socket *s, struct kmsg *m, unsigned flags);
long ludp_recvmsg(struct socket *s, struct kmsg *m, unsigned flags);
unsigned ludp_poll(struct socket *s);
int ludp_getname(struct socket *s, bool peer, struct sockname *out);
/* A copy of p from byte off on ls's queue, from from (port 0), unless it
 * would pass SO_RCVBUF or memory is short (ping and raw sockets). */
void ludp_queue_copy(struct lsock *ls, struct pbuf *p, u16_t off,
		     const ip_addr_t *from);

/* sock_raw.c (SOCK_RAW) */
int lraw_create(struct socket *s, struct lsock *ls, int protocol);
int lraw_hdrincl(struct socket *s, int *v, bool set);
long lraw_send(struct socket *s, struct pbuf *p, const ip_addr_t *ip);

/* sock_ping.c (SOCK_DGRAM with IPPROTO_ICMP/ICMPV6) */
int lping_create(struct socket *s, struct lsock *ls);
void lping_release(struct lsock *ls);
int lping_bind(struct socket *s, const ip_addr_t *ip, uint16_t port);
int lping_connect(struct socket *s, const ip_addr_t *ip);
long lping_send(struct socket *s, struct pbuf *p, const ip_addr_t *ip);
uint16_t lping_id(struct lsock *ls);

#endif

/*
 * sock_udp.c - SOCK_DGRAM on lwIP's UDP raw API (net/lwip/): received
 * datagrams wait on the socket with their source (dropped and counted
 * past SO_RCVBUF); a send builds one pbuf and hands it to lwIP. Ping
 * and raw sockets share the queue, the reads and the sends (sock_ping.c,
 * sock_raw.c).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include "glue.h"
#include "sock.h"
#include "lwip/raw.h"
#include "lwip/udp.h"

#define UDP_MAX 65507 /* payload of one datagram */

static uint64_t udp_dropped;

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		    const ip_addr_t *addr, u16_t port)
{
	struct lsock *ls = arg;
	struct dgram *d;

	(void)pcb;
	if (!ls || !ls->s || ls->s->shut_rd ||
	    ls->dq_bytes + p->tot_len > ls->s->rcvbuf ||
	    !(d = kmalloc(sizeof(*d)))) {
		udp_dropped++;
		pbuf_free(p);
		return;
	}
	d->p = p;
	ip_addr_copy(d->from, *addr);
	d->port = port;
	list_push_back(&ls->dq, &d->node);
	ls->dq_bytes += p->tot_len;
	sock_wake(ls->s);
}

void ludp_queue_copy(struct lsock *ls, struct pbuf *p, u16_t off,
		     const ip_addr_t *from)
{
	struct pbuf *q;
	struct dgram *d;

	if (p->tot_len < off || ls->dq_bytes + p->tot_len > ls->s->rcvbuf)
		return;
	q = pbuf_alloc(PBUF_RAW, (u16_t)(p->tot_len - off), PBUF_RAM);
	d = q ? kmalloc(sizeof(*d)) : NULL;
	if (!d) {
		if (q)
			pbuf_free(q);
		return;
	}
	pbuf_copy_partial(p, q->payload, q->tot_len, off);
	d->p = q;
	ip_addr_copy(d->from, *from);
	d->port = 0;
	list_push_back(&ls->dq, &d->node);
	ls->dq_bytes += q->tot_len;
	sock_wake(ls->s);
}

int ludp_create(struct socket *s, struct lsock *ls, int protocol)
{
	if (protocol != IPPROTO_UDP)
		return lping_create(s, ls);
	ls->pcb.udp = udp_new_ip_type(s->family == AF_INET ? IPADDR_TYPE_V4
							   : IPADDR_TYPE_ANY);
	if (!ls->pcb.udp)
		return -ENOMEM;
	udp_recv(ls->pcb.udp, on_recv, ls);
	return 0;
}

void ludp_release(struct lsock *ls)
{
	struct list_node *n;

	if ((ls->ping || ls->raw) && ls->pcb.raw) {
		lping_release(ls); /* the raw PCB goes */
	} else if (ls->pcb.udp) {
		udp_recv(ls->pcb.udp, NULL, NULL);
		udp_remove(ls->pcb.udp);
	}
	while ((n = list_pop_front(&ls->dq))) {
		struct dgram *d = list_entry(n, struct dgram, node);

		pbuf_free(d->p);
		kfree(d);
	}
	kfree(ls);
}

int ludp_bind(struct socket *s, const ip_addr_t *ip, uint16_t port)
{
	struct lsock *ls = lsock_of(s);

	if (ls->ping)
		return lping_bind(s, ip, port);
	if (ls->raw) /* a raw socket's port is its protocol */
		return lsock_errno(raw_bind(ls->pcb.raw, ip));
	if (ls->pcb.udp->local_port)
		return -EINVAL;
	return lsock_errno(udp_bind(ls->pcb.udp, ip, port));
}

int ludp_connect(struct socket *s, const struct sockname *a, unsigned flags)
{
	struct lsock *ls = lsock_of(s);
	ip_addr_t ip;
	uint16_t port;
	int err;

	(void)flags;
	if (a->len >= 2 && a->family == AF_UNSPEC) {
		if (ls->ping || ls->raw)
			raw_disconnect(ls->pcb.raw);
		else
			udp_disconnect(ls->pcb.udp);
		s->connected = false;
		return 0;
	}
	err = lsock_parse(s, a, &ip, &port);
	if (err)
		return err;
	lsock_unspecified_to_loopback(&ip);
	if (ls->ping || ls->raw) {
		err = ls->ping ? lping_connect(s, &ip)
			       : lsock_errno(raw_connect(ls->pcb.raw, &ip));
		if (!err) {
			s->connected = true;
			lsock_name(s->family, &ip, 0, &s->remote);
		}
		return err;
	}
	if (!ls->pcb.udp->local_port) {
		err = lsock_errno(udp_bind(ls->pcb.udp, lsock_any(s), 0));
		if (err)
			return err;
	}
	err = lsock_errno(udp_connect(ls->pcb.udp, &ip, port));
	if (!err) {
		s->connected = true;
		lsock_name(s->family, &ip, port, &s->remote);
	}
	return err;
}

int ludp_shutdown(struct socket *s, int how)
{
	if (!s->connected)
		return -ENOTCONN;
	if (how != SHUT_WR)
		s->shut_rd = true;
	if (how != SHUT_RD)
		s->shut_wr = true;
	return 0;
}

long ludp_sendmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	struct lsock *ls = lsock_of(s);
	ip_addr_t ip;
	uint16_t port;
	struct pbuf *p;
	int err;

	(void)flags;
	if (s->shut_wr)
		return -EPIPE;
	if (m->total > UDP_MAX)
		return -EMSGSIZE;
	if (m->name.len) {
		err = lsock_parse(s, &m->name, &ip, &port);
		if (err)
			return err;
		lsock_unspecified_to_loopback(&ip);
		if (!port && !ls->ping && !ls->raw)
			return -EINVAL;
	} else if (!s->connected) {
		return -EDESTADDRREQ;
	}
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)m->total, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	err = kmsg_copy(m, 0, p->payload, m->total, false);
	if (!err && ls->ping)
		err = (int)lping_send(
		    s, p, m->name.len ? &ip : &ls->pcb.raw->remote_ip);
	else if (!err && ls->raw)
		err = (int)lraw_send(
		    s, p, m->name.len ? &ip : &ls->pcb.raw->remote_ip);
	else if (!err)
		err = lsock_errno(m->name.len
				      ? udp_sendto(ls->pcb.udp, p, &ip, port)
				      : udp_send(ls->pcb.udp, p));
	pbuf_free(p);
	return err ? err : (long)m->total;
}

static bool has_dgram(struct socket *s, void *arg)
{
	(void)arg;
	return !list_empty(&lsock_of(s)->dq) || s->shut_rd || s->error;
}

long ludp_recvmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	struct lsock *ls = lsock_of(s);
	struct dgram *d;
	size_t n;
	int err;

	err = lsock_wait(s, flags & MSG_DONTWAIT, s->rcvtimeo, has_dgram, NULL);
	if (err)
		return err;
	if (list_empty(&ls->dq)) {
		if (s->error) {
			err = -s->error;
			s->error = 0;
			return err;
		}
		return 0; /* shut for reading */
	}
	d = list_entry(ls->dq.next, struct dgram, node);
	n = MIN(m->total, (size_t)d->p->tot_len);
	for (struct pbuf *q = d->p; q && !err; q = q->next) {
		size_t off = (size_t)(d->p->tot_len - q->tot_len);

		if (off < n)
			err = kmsg_copy(m, off, q->payload,
					MIN((size_t)q->len, n - off), true);
	}
	if (err)
		return err;
	lsock_name(s->family, &d->from, d->port, &m->name);
	if (n < d->p->tot_len)
		m->flags |= MSG_TRUNC;
	n = (flags & MSG_TRUNC) ? d->p->tot_len : n;
	if (!(flags & MSG_PEEK)) {
		list_remove(&d->node);
		ls->dq_bytes -= d->p->tot_len;
		pbuf_free(d->p);
		kfree(d);
	}
	return (long)n;
}

unsigned ludp_poll(struct socket *s)
{
	struct lsock *ls = lsock_of(s);
	unsigned mask = EPOLLOUT | EPOLLWRNORM;

	if (!list_empty(&ls->dq) || s->shut_rd)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (s->error)
		mask |= EPOLLERR;
	if (s->shut_rd && s->shut_wr)
		mask |= EPOLLHUP;
	return mask;
}

int ludp_getname(struct socket *s, bool peer, struct sockname *out)
{
	struct lsock *ls = lsock_of(s);
	struct udp_pcb *p = ls->pcb.udp;

	if (peer) {
		if (!s->connected)
			return -ENOTCONN;
		*out = s->remote;
		return 0;
	}
	if (ls->ping)
		lsock_name(s->family, &ls->pcb.raw->local_ip, lping_id(ls),
			   out);
	else if (ls->raw)
		lsock_name(s->family, &ls->pcb.raw->local_ip, ls->raw_proto,
			   out);
	else
		lsock_name(s->family, &p->local_ip, p->local_port, out);
	return 0;
}

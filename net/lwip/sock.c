/*
 * sock.c - the AF_INET and AF_INET6 socket family on lwIP (net/lwip/):
 * the family table registered with keel.net=lwip, creation, names and
 * their checks, options, ioctls; TCP is sock_tcp.c, UDP sock_udp.c.
 * Every operation takes the stack's lock; waits drop it (lsock_wait).
 * Ping sockets are sock_ping.c, raw sockets sock_raw.c.
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/vfs.h>
#include <uapi/fs.h>
#include "glue.h"
#include "sock.h"
#include "lwip/ip.h"
#include "lwip/priv/tcp_priv.h" /* the keepalive defaults */
#include "lwip/tcp.h"
#include "lwip/udp.h"

#define L_TCP_MAXSEG 2
#define L_TCP_CORK 3
#define L_TCP_KEEPIDLE 4
#define L_TCP_KEEPINTVL 5
#define L_TCP_KEEPCNT 6
#define L_IP_TOS 1
#define L_IP_TTL 2
#define L_IPV6_UNICAST_HOPS 16
#define L_IP_RECVERR 11
#define L_IPV6_RECVERR 25
#define L_MSG_ERRQUEUE 0x2000
#define L_SIOCOUTQ 0x5411
#define L_IPPROTO_ICMP 1
#define L_IPPROTO_ICMPV6 58
#define L_IP_HDRINCL 3
#define L_IPPROTO_MAX 263 /* Linux's: IPPROTO_MPTCP (262) + 1 */

int lsock_errno(err_t err)
{
	switch (err) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return -ENOBUFS;
	case ERR_TIMEOUT:
		return -ETIMEDOUT;
	case ERR_RTE:
		return -ENETUNREACH;
	case ERR_INPROGRESS:
		return -EINPROGRESS;
	case ERR_USE:
		return -EADDRINUSE;
	case ERR_ALREADY:
		return -EALREADY;
	case ERR_ISCONN:
		return -EISCONN;
	case ERR_CONN:
		return -ENOTCONN;
	case ERR_ABRT:
		return -ECONNABORTED;
	case ERR_RST:
		return -ECONNRESET;
	case ERR_CLSD:
		return -ENOTCONN;
	case ERR_IF:
		return -ENETDOWN;
	default:
		return -EINVAL;
	}
}

static uint16_t swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

static const uint8_t mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };

int lsock_parse(struct socket *s, const struct sockname *n, ip_addr_t *ip,
		uint16_t *port)
{
	if (s->family == AF_INET) {
		if (n->len < sizeof(struct linux_sockaddr_in))
			return -EINVAL;
		if (n->family != AF_INET)
			return -EAFNOSUPPORT;
		ip_addr_set_ip4_u32_val(*ip, n->in.sin_addr);
		*port = swap16(n->in.sin_port);
		return 0;
	}
	if (n->len < 24) /* without sin6_scope_id, as RFC 2133 */
		return -EINVAL;
	if (n->family != AF_INET6)
		return -EAFNOSUPPORT;
	*port = swap16(n->in6.sin6_port);
	if (!memcmp(n->in6.sin6_addr, mapped_prefix, 12)) {
		uint32_t a;

		if (s->v6only)
			return -EINVAL;
		memcpy(&a, n->in6.sin6_addr + 12, 4);
		ip_addr_set_ip4_u32_val(*ip, a);
		return 0;
	}
	IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
	memcpy(ip_2_ip6(ip)->addr, n->in6.sin6_addr, 16);
	ip6_addr_clear_zone(ip_2_ip6(ip));
	if (ip6_addr_islinklocal(ip_2_ip6(ip)) && n->len >= 28)
		ip6_addr_set_zone(ip_2_ip6(ip), (u8_t)n->in6.sin6_scope_id);
	return 0;
}

void lsock_name(int family, const ip_addr_t *ip, uint16_t port,
		struct sockname *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET) {
		out->len = sizeof(struct linux_sockaddr_in);
		out->in.sin_family = AF_INET;
		out->in.sin_port = swap16(port);
		out->in.sin_addr =
		    IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
		return;
	}
	out->len = sizeof(struct linux_sockaddr_in6);
	out->in6.sin6_family = AF_INET6;
	out->in6.sin6_port = swap16(port);
	if (IP_IS_ANY_TYPE_VAL(*ip)) {
		return; /* :: */
	} else if (IP_IS_V4(ip)) {
		uint32_t a = ip4_addr_get_u32(ip_2_ip4(ip));

		if (a) { /* 0.0.0.0 on a dual-stack socket shows as :: */
			memcpy(out->in6.sin6_addr, mapped_prefix, 12);
			memcpy(out->in6.sin6_addr + 12, &a, 4);
		}
	} else {
		memcpy(out->in6.sin6_addr, ip_2_ip6(ip)->addr, 16);
		if (ip6_addr_islinklocal(ip_2_ip6(ip)))
			out->in6.sin6_scope_id = ip6_addr_zone(ip_2_ip6(ip));
	}
}

bool lsock_local_addr(const ip_addr_t *ip)
{
	struct netif *n;

	if (ip_addr_isany(ip))
		return true;
	NETIF_FOREACH(n)
	{
		if (IP_IS_V4(ip) &&
		    ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(n)))
			return true;
		if (IP_IS_V6(ip) &&
		    netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0)
			return true;
	}
	return false;
}

const ip_addr_t *lsock_any(struct socket *s)
{
	if (s->family == AF_INET)
		return IP4_ADDR_ANY;
	return s->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE;
}

void lsock_unspecified_to_loopback(ip_addr_t *ip)
{
	if (!ip_addr_isany(ip))
		return;
	if (IP_IS_V4(ip))
		ip_addr_set_loopback(0, ip);
	else
		ip_addr_set_loopback(1, ip);
}

int lsock_wait(struct socket *s, bool nonblock, uint64_t timeo,
	       bool (*ready)(struct socket *s, void *arg), void *arg)
{
	int err;

	lwip_unlock();
	err = sock_wait(s, nonblock, timeo, ready, arg);
	lwip_lock();
	return err;
}

/* ---- the family table ---- */

static int l_create(struct socket *s, int type, int *protocol)
{
	struct lsock *ls;
	int err;

	if (type == SOCK_STREAM) {
		if (*protocol && *protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		*protocol = IPPROTO_TCP;
	} else if (type == SOCK_DGRAM) {
		int ping =
		    s->family == AF_INET ? L_IPPROTO_ICMP : L_IPPROTO_ICMPV6;

		if (*protocol && *protocol != IPPROTO_UDP && *protocol != ping)
			return -EPROTONOSUPPORT;
		if (!*protocol)
			*protocol = IPPROTO_UDP;
	} else if (type == SOCK_RAW) { /* Linux's order of checks */
		if (*protocol < 0 || *protocol >= L_IPPROTO_MAX)
			return -EINVAL;
		if (!*protocol)
			return -EPROTONOSUPPORT;
		if (!cred_capable(CAP_NET_RAW))
			return -EPERM;
	} else {
		return -ESOCKTNOSUPPORT;
	}
	ls = kzalloc(sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	ls->s = s;
	ls->type = type;
	list_init(&ls->acceptq);
	list_init(&ls->node);
	list_init(&ls->dq);
	s->priv = ls;
	lwip_lock();
	if (type == SOCK_STREAM)
		err = ltcp_create(s, ls);
	else if (type == SOCK_RAW)
		err = lraw_create(s, ls, *protocol);
	else
		err = ludp_create(s, ls, *protocol);
	lwip_unlock();
	if (err) {
		s->priv = NULL;
		kfree(ls);
	}
	return err;
}

static void l_release(struct socket *s)
{
	struct lsock *ls = lsock_of(s);

	if (!ls)
		return;
	lwip_lock();
	if (ls->type == SOCK_STREAM)
		ltcp_release(ls);
	else
		ludp_release(ls);
	lwip_unlock();
	s->priv = NULL;
}

static int l_bind(struct socket *s, const struct sockname *a)
{
	ip_addr_t ip;
	uint16_t port;
	int err = lsock_parse(s, a, &ip, &port);

	if (err)
		return err;
	if (ip_addr_isany(&ip) && s->family == AF_INET6 && IP_IS_V6(&ip))
		ip_addr_copy(ip, *lsock_any(s));
	lwip_lock();
	if (!lsock_local_addr(&ip))
		err = -EADDRNOTAVAIL;
	else if (lsock_of(s)->type == SOCK_STREAM)
		err = ltcp_bind(s, &ip, port);
	else
		err = ludp_bind(s, &ip, port);
	lwip_unlock();
	return err;
}

static int l_listen(struct socket *s, int backlog)
{
	int err;

	if (lsock_of(s)->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	lwip_lock();
	err = ltcp_listen(s, backlog);
	lwip_unlock();
	return err;
}

static int l_accept(struct socket *s, struct socket *child, unsigned flags,
		    struct sockname *peer)
{
	int err;

	if (lsock_of(s)->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	lwip_lock();
	err = ltcp_accept(s, child, flags, peer);
	lwip_unlock();
	return err;
}

static int l_connect(struct socket *s, const struct sockname *a, unsigned flags)
{
	int err;

	lwip_lock();
	err = lsock_of(s)->type == SOCK_STREAM ? ltcp_connect(s, a, flags)
					       : ludp_connect(s, a, flags);
	lwip_unlock();
	return err;
}

static int l_shutdown(struct socket *s, int how)
{
	int err;

	lwip_lock();
	err = lsock_of(s)->type == SOCK_STREAM ? ltcp_shutdown(s, how)
					       : ludp_shutdown(s, how);
	lwip_unlock();
	sock_wake(s);
	return err;
}

static long l_sendmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	long r;

	lwip_lock();
	r = lsock_of(s)->type == SOCK_STREAM ? ltcp_sendmsg(s, m, flags)
					     : ludp_sendmsg(s, m, flags);
	lwip_unlock();
	return r;
}

static long l_recvmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	long r;

	if (flags & L_MSG_ERRQUEUE) /* empty: see IP_RECVERR */
		return -EAGAIN;
	lwip_lock();
	r = lsock_of(s)->type == SOCK_STREAM ? ltcp_recvmsg(s, m, flags)
					     : ludp_recvmsg(s, m, flags);
	lwip_unlock();
	return r;
}

static unsigned l_poll(struct socket *s)
{
	return lsock_of(s)->type == SOCK_STREAM ? ltcp_poll(s) : ludp_poll(s);
}

static int l_getname(struct socket *s, bool peer, struct sockname *out)
{
	int err;

	lwip_lock();
	err = lsock_of(s)->type == SOCK_STREAM ? ltcp_getname(s, peer, out)
					       : ludp_getname(s, peer, out);
	lwip_unlock();
	return err;
}

/* ---- options ---- */

static struct ip_pcb *ip_pcb_of(struct socket *s)
{
	return lsock_of(s)->pcb.any;
}

static int sol_socket(struct socket *s, int name)
{
	struct ip_pcb *pcb = ip_pcb_of(s);
	unsigned opt;
	bool on;

	if (name == SO_REUSEADDR || name == SO_REUSEPORT) {
		opt = SOF_REUSEADDR;
		on = sock_flag(s, SO_REUSEADDR) || sock_flag(s, SO_REUSEPORT);
	} else if (name == SO_KEEPALIVE) {
		opt = SOF_KEEPALIVE;
		on = sock_flag(s, SO_KEEPALIVE);
	} else if (name == SO_BROADCAST) {
		opt = SOF_BROADCAST;
		on = sock_flag(s, SO_BROADCAST);
	} else if (name == SO_LINGER) {
		return 0; /* read at close */
	} else {
		return -ENOPROTOOPT;
	}
	if (pcb && on)
		ip_set_option(pcb, opt);
	else if (pcb)
		ip_reset_option(pcb, opt);
	return 0;
}

/* The int options of IPPROTO_TCP, IPPROTO_IP, IPPROTO_IPV6. */
/* TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT: a connection's are lwIP's
 * (seconds there in ms); a listener keeps them for the connections it
 * accepts (ls->keep, 0: lwIP's default), as Linux's inherit them. */
static int keepalive_opt(struct lsock *ls, struct tcp_pcb *tcp, int name,
			 int *v, bool set)
{
	static const u32_t def[3] = { TCP_KEEPIDLE_DEFAULT,
				      TCP_KEEPINTVL_DEFAULT,
				      TCP_KEEPCNT_DEFAULT };
	unsigned i = name == L_TCP_KEEPIDLE    ? 0
		     : name == L_TCP_KEEPINTVL ? 1
					       : 2;
	u32_t scale = i == 2 ? 1 : 1000, *field;

	if (!tcp && !ls->listening)
		return -EINVAL;
	if (set && *v <= 0)
		return -EINVAL;
	if (tcp)
		field = i == 0	 ? &tcp->keep_idle
			: i == 1 ? &tcp->keep_intvl
				 : &tcp->keep_cnt;
	else
		field = &ls->keep[i];
	if (set)
		*field = (u32_t)*v * scale;
	*v = (int)((*field ? *field : def[i]) / scale);
	return 0;
}

static int int_opt(struct socket *s, int level, int name, int *v, bool set)
{
	struct lsock *ls = lsock_of(s);
	/* A connection's PCB: a listener's is lwIP's smaller listen PCB,
	 * without Nagle, keepalive or output of its own. */
	struct tcp_pcb *tcp =
	    ls->type == SOCK_STREAM && !ls->listening ? ls->pcb.tcp : NULL;
	struct ip_pcb *pcb = ip_pcb_of(s);

	if (level == IPPROTO_TCP && ls->type == SOCK_STREAM) {
		if (name == TCP_NODELAY) { /* a listener's go to accepted */
			if (set)
				s->nodelay = *v != 0;
			*v = s->nodelay;
			if (tcp && s->nodelay)
				tcp_nagle_disable(tcp);
			else if (tcp)
				tcp_nagle_enable(tcp);
			return 0;
		}
		if (name == L_TCP_CORK) {
			/* Uncorking sends what the cork held back. */
			if (set)
				ls->cork = *v != 0;
			if (set && !ls->cork && tcp)
				tcp_output(tcp);
			*v = ls->cork;
			return 0;
		}
		if (name == L_TCP_MAXSEG && !set) {
			*v = tcp && tcp->mss ? tcp->mss : TCP_MSS;
			return 0;
		}
		if (name == L_TCP_KEEPIDLE || name == L_TCP_KEEPINTVL ||
		    name == L_TCP_KEEPCNT)
			return keepalive_opt(ls, tcp, name, v, set);
		return -ENOPROTOOPT;
	}
	/* IP_RECVERR (glibc's resolver will not go on without it): ICMP
	 * errors would go to the error queue, but lwIP hands none to a
	 * socket, so that queue stays empty (recvmsg MSG_ERRQUEUE: EAGAIN). */
	if ((level == IPPROTO_IP && name == L_IP_RECVERR) ||
	    (level == IPPROTO_IPV6 && name == L_IPV6_RECVERR &&
	     s->family == AF_INET6)) {
		if (set)
			ls->recverr = *v != 0;
		*v = ls->recverr;
		return 0;
	}
	if (level == IPPROTO_IP && name == L_IP_HDRINCL)
		return lraw_hdrincl(s, v, set);
	if (level == IPPROTO_IP && (name == L_IP_TTL || name == L_IP_TOS) &&
	    pcb) {
		u8_t *f = name == L_IP_TTL ? &pcb->ttl : &pcb->tos;

		if (set && (*v < 0 || *v > 255))
			return -EINVAL;
		if (set)
			*f = (u8_t)*v;
		*v = *f;
		return 0;
	}
	if (level == IPPROTO_IPV6 && s->family == AF_INET6) {
		if (name == IPV6_V6ONLY) {
			if (set && pcb &&
			    pcb->local_ip.type != IPADDR_TYPE_ANY &&
			    !ip_addr_isany(&pcb->local_ip))
				return -EINVAL;
			if (set)
				s->v6only = *v != 0;
			*v = s->v6only;
			return 0;
		}
		if (name == L_IPV6_UNICAST_HOPS && pcb) {
			if (set && (*v < -1 || *v > 255))
				return -EINVAL;
			if (set)
				pcb->ttl = (u8_t)(*v < 0 ? 64 : *v);
			*v = pcb->ttl;
			return 0;
		}
	}
	return -ENOPROTOOPT;
}

static int l_setsockopt(struct socket *s, int level, int name, const void *val,
			unsigned len)
{
	int v, err;

	if (level != SOL_SOCKET && len < sizeof(int))
		return -EINVAL;
	lwip_lock();
	if (level == SOL_SOCKET) {
		err = sol_socket(s, name);
	} else {
		memcpy(&v, val, sizeof(v));
		err = int_opt(s, level, name, &v, true);
	}
	lwip_unlock();
	return err;
}

static int l_getsockopt(struct socket *s, int level, int name, void *val,
			unsigned *len)
{
	int v = 0, err;

	if (level == SOL_SOCKET)
		return -ENOPROTOOPT;
	lwip_lock();
	err = int_opt(s, level, name, &v, false);
	lwip_unlock();
	if (err)
		return err;
	*len = MIN(*len, (unsigned)sizeof(v));
	memcpy(val, &v, *len);
	return 0;
}

static long l_ioctl(struct socket *s, unsigned cmd, unsigned long arg)
{
	struct lsock *ls = lsock_of(s);
	int32_t n = 0;

	if (cmd != FIONREAD && cmd != L_SIOCOUTQ)
		return -ENOTTY;
	if (s->listening)
		return -EINVAL;
	lwip_lock();
	if (cmd == L_SIOCOUTQ)
		n = ls->type == SOCK_STREAM ? (int32_t)ltcp_unsent(ls) : 0;
	else if (ls->type == SOCK_STREAM)
		n = (int32_t)ls->rx_bytes;
	else if (!list_empty(&ls->dq))
		n = list_entry(ls->dq.next, struct dgram, node)->p->tot_len;
	lwip_unlock();
	return iobuf_put((struct iobuf){ (char *)arg, true }, 0, &n, sizeof(n));
}

const struct sock_family lwip_inet_family = {
	.create = l_create,
	.release = l_release,
	.bind = l_bind,
	.listen = l_listen,
	.accept = l_accept,
	.connect = l_connect,
	.shutdown = l_shutdown,
	.sendmsg = l_sendmsg,
	.recvmsg = l_recvmsg,
	.poll = l_poll,
	.setsockopt = l_setsockopt,
	.getsockopt = l_getsockopt,
	.getname = l_getname,
	.ioctl = l_ioctl,
};

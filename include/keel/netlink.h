/*
 * netlink.h - what the netlink socket (net/socket_netlink.c) and the
 * kernel's side of NETLINK_ROUTE (net/rtnetlink.c) share: a request goes to
 * rtnl_rcv, whose answers come back through netlink_reply.
 */
#ifndef KEEL_NETLINK_H
#define KEEL_NETLINK_H

#include <keel/socket.h>
#include <uapi/netlink.h>

/* The NETLINK_ROUTE messages (len bytes) that socket s sent the kernel. */
void rtnl_rcv(struct socket *s, const char *buf, size_t len);
/*
 * Queue one datagram of the kernel on s. When s's queue is already full
 * it is dropped and s reports ENOBUFS once (unless NETLINK_NO_ENOBUFS);
 * force queues it anyway (the rest of a dump that has begun).
 */
void netlink_reply(struct socket *s, const void *data, size_t len, bool force);
/* Is s's queue full (a reply would be dropped)? */
bool netlink_full(const struct socket *s);
/* Is the NETLINK_xxx option opt set on s? */
static inline bool netlink_flag(const struct socket *s, int opt)
{
	return s->nl.flags & (1U << opt);
}

#endif

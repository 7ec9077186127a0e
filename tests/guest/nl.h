/*
 * nl.h - what the NETLINK_ROUTE guest programs (t_netlink.c,
 * t_netlink_route.c) share: lo's index, a bound netlink socket, its port
 * id, a request sent with the next sequence number, a datagram received
 * into buf without waiting, and the error of an ack. Include after
 * check.h (raw()).
 */
#ifndef GUEST_NL_H
#define GUEST_NL_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LO 1 /* lo's index, on Linux as in keel */

static char buf[65536];
static unsigned seq = 100;

static inline int nl_open(void)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline unsigned portid(int fd)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &len);
	return a.nl_pid;
}

/* A request: header, a fixed part of len bytes, then attrs (alen). */
static inline long nl_send(int fd, int type, int flags, const void *fixed,
			   size_t len, const void *attrs, size_t alen)
{
	static char req[512];
	struct nlmsghdr *h = (struct nlmsghdr *)req;

	memset(req, 0, sizeof(req));
	h->nlmsg_len =
	    NLMSG_LENGTH(len) + (alen ? NLMSG_ALIGN(len) - len : 0) + alen;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = ++seq;
	memcpy(NLMSG_DATA(h), fixed, len);
	memcpy((char *)NLMSG_DATA(h) + NLMSG_ALIGN(len), attrs, alen);
	return raw(send(fd, req, h->nlmsg_len, 0));
}

/* One datagram, not waiting: its length or -errno. */
static inline long nl_recv(int fd)
{
	return raw(recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
}

/* The error of the NLMSG_ERROR datagram at buf (n bytes), or 1. */
static inline int nlerr(long n)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	if (n < (long)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
	    h->nlmsg_type != NLMSG_ERROR)
		return 1;
	return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

#endif

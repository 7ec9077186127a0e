/*
 * t_netlink.c - AF_NETLINK sockets of NETLINK_ROUTE and the interface
 * ioctls (tests/guest): creation and errors, port ids and groups, dumps of
 * links, addresses and routes, one link by index or name, acks and errors,
 * short and malformed messages, strict checking, receiving (peek,
 * truncation, names, ancillary data, poll, epoll, timeouts, signals,
 * overrun), messages between two netlink sockets, the SIOCGIF* ioctls,
 * if_nametoindex and getifaddrs; changes of "lo" (up and down, MTU, an
 * IPv6 address, a route) by netlink and ioctl, made in a child that has a network
 * namespace of its own on the host. Only the loopback "lo" is looked at: the
 * host that runs the reference may have other interfaces. Run in the guest
 * and on the host (as root); one line per check, the output must match.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define LO 1 /* lo's index, on Linux as in keel */

static char buf[65536];
static unsigned seq = 100;

/* ---------------------------------------------------------- helpers --- */

static int nl_open(void)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static unsigned portid(int fd)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &len);
	return a.nl_pid;
}

/* A request: header, a fixed part of len bytes, then attrs (alen). */
static long nl_send(int fd, int type, int flags, const void *fixed, size_t len,
		    const void *attrs, size_t alen)
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
static long nl_recv(int fd)
{
	return raw(recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
}

/* The attribute of this type in [a, a + len), or NULL. */
static struct rtattr *find(struct rtattr *a, int len, int type)
{
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

/* The error of the NLMSG_ERROR datagram at buf (n bytes), or 1. */
static int nlerr(long n)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	if (n < (long)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
	    h->nlmsg_type != NLMSG_ERROR)
		return 1;
	return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

struct dump {
	int msgs, dgrams, bad, done_err, done_len, done_flags, done_alone;
};

/*
 * Every message of a dump (up to NLMSG_DONE) to fn; counts datagrams and
 * messages, and checks each has NLM_F_MULTI, our sequence and port.
 */
static struct dump run_dump(int fd, int type, const void *fixed, size_t len,
			    void (*fn)(struct nlmsghdr *, void *), void *arg)
{
	struct dump d = { 0, 0, 0, 1, 0, 0, 0 };
	unsigned me = portid(fd);
	long n;

	if (nl_send(fd, type, NLM_F_REQUEST | NLM_F_DUMP, fixed, len, NULL, 0) <
	    0) {
		d.bad = 1;
		return d;
	}
	while ((n = nl_recv(fd)) > 0) {
		d.dgrams++;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq || h->nlmsg_pid != me ||
			    !(h->nlmsg_flags & NLM_F_MULTI))
				d.bad++;
			if (h->nlmsg_type == NLMSG_DONE) {
				d.done_err = *(int *)NLMSG_DATA(h);
				d.done_len = (int)h->nlmsg_len;
				d.done_flags = h->nlmsg_flags;
				/* in a datagram of its own, mostly */
				d.done_alone = h == (struct nlmsghdr *)buf;
				return d;
			}
			d.msgs++;
			fn(h, arg);
		}
	}
	d.bad++;
	return d;
}

/* ----------------------------------------------------------- socket --- */

static void test_socket(void)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);
	int fd, fd2, fd3, v;

	check_err("socket-stream", raw(socket(AF_NETLINK, SOCK_STREAM, 0)),
		  ESOCKTNOSUPPORT);
	check_err("socket-seqpacket",
		  raw(socket(AF_NETLINK, SOCK_SEQPACKET, 0)), ESOCKTNOSUPPORT);
	check_err("socket-proto-31", raw(socket(AF_NETLINK, SOCK_RAW, 31)),
		  EPROTONOSUPPORT);
	check_err("socket-proto-neg", raw(socket(AF_NETLINK, SOCK_RAW, -1)),
		  EPROTONOSUPPORT);
	{
		int sv[2];

		check_err(
		    "socketpair",
		    raw(socketpair(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, sv)),
		    EOPNOTSUPP);
	}
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK, NETLINK_ROUTE);
	check("socket-dgram", fd >= 0);
	close(fd);
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	check("socket-raw", fd >= 0);
	len = sizeof(v);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len);
	check_val("so-type", v, SOCK_RAW);
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len);
	check_val("so-domain", v, AF_NETLINK);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len);
	check_val("so-protocol", v, NETLINK_ROUTE);
	v = 10000;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len);
	check_val("so-rcvbuf-doubled", v, 20000);

	len = sizeof(a);
	memset(&a, 0xff, sizeof(a));
	check_val("getsockname-unbound",
		  raw(getsockname(fd, (struct sockaddr *)&a, &len)), 0);
	check("getsockname-unbound-value",
	      len == sizeof(a) && a.nl_family == AF_NETLINK && a.nl_pid == 0 &&
		  a.nl_groups == 0);
	len = sizeof(a);
	memset(&a, 0xff, sizeof(a));
	check_val("getpeername-kernel",
		  raw(getpeername(fd, (struct sockaddr *)&a, &len)), 0);
	check("getpeername-kernel-value",
	      len == sizeof(a) && a.nl_pid == 0 && a.nl_groups == 0);

	memset(&a, 0, sizeof(a));
	a.nl_family = AF_NETLINK;
	check_err("bind-short", raw(bind(fd, (struct sockaddr *)&a, 11)),
		  EINVAL);
	a.nl_family = AF_UNIX;
	check_err("bind-family",
		  raw(bind(fd, (struct sockaddr *)&a, sizeof(a))), EINVAL);
	a.nl_family = AF_NETLINK;
	a.nl_groups = 1; /* RTNLGRP_LINK */
	check_val("bind-auto", raw(bind(fd, (struct sockaddr *)&a, sizeof(a))),
		  0);
	check("bind-auto-is-pid", portid(fd) == (unsigned)getpid());
	len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	check_val("bind-groups", a.nl_groups, 1);
	a.nl_pid = 12345;
	check_err("bind-other-pid",
		  raw(bind(fd, (struct sockaddr *)&a, sizeof(a))), EINVAL);
	a.nl_pid = portid(fd);
	a.nl_groups = 2;
	check_val("bind-again", raw(bind(fd, (struct sockaddr *)&a, sizeof(a))),
		  0);
	len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	check_val("bind-again-groups", a.nl_groups, 2);
	v = RTNLGRP_IPV4_IFADDR; /* 5 */
	check_val("add-membership",
		  raw(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &v,
				 sizeof(v))),
		  0);
	len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	check_val("add-membership-groups", a.nl_groups, 0x12);
	v = 2;
	setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &v, sizeof(v));
	len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	check_val("drop-membership-groups", a.nl_groups, 0x10);
	v = 0;
	check_err("add-membership-0",
		  raw(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &v,
				 sizeof(v))),
		  EINVAL);
	v = 100;
	check_err("add-membership-100",
		  raw(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &v,
				 sizeof(v))),
		  EINVAL);
	check_err("setsockopt-unknown",
		  raw(setsockopt(fd, SOL_NETLINK, 99, &v, sizeof(v))),
		  ENOPROTOOPT);
	v = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &v, sizeof(v));
	v = 5;
	len = sizeof(v);
	check("getsockopt-cap-ack",
	      getsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &v, &len) == 0 &&
		  v == 1);

	fd2 = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	memset(&a, 0, sizeof(a));
	a.nl_family = AF_NETLINK;
	bind(fd2, (struct sockaddr *)&a, sizeof(a));
	check("bind-second-negative", (int)portid(fd2) < 0);
	fd3 = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	a.nl_pid = portid(fd);
	check_err("bind-in-use",
		  raw(bind(fd3, (struct sockaddr *)&a, sizeof(a))), EADDRINUSE);
	close(fd3);

	check_err("listen", raw(listen(fd, 1)), EOPNOTSUPP);
	check_err("accept", raw(accept(fd, NULL, NULL)), EOPNOTSUPP);
	check_err("shutdown", raw(shutdown(fd, SHUT_RDWR)), EOPNOTSUPP);
	check_err("fionread", raw(ioctl(fd, FIONREAD, &v)), ENOTTY);
	memset(&a, 0, sizeof(a));
	a.nl_family = AF_NETLINK;
	check_val("connect-kernel",
		  raw(connect(fd, (struct sockaddr *)&a, sizeof(a))), 0);
	a.nl_family = AF_UNSPEC;
	check_val("connect-unspec",
		  raw(connect(fd, (struct sockaddr *)&a, sizeof(a))), 0);
	a.nl_family = AF_INET;
	check_err("connect-family",
		  raw(connect(fd, (struct sockaddr *)&a, sizeof(a))), EINVAL);
	close(fd2);
	close(fd);
}

/* ------------------------------------------------------------ links --- */

struct lo_link {
	int seen, type, flags, mtu, txqlen, operstate, carrier, hwlen;
	int hwzero, stats, stats64;
	char name[IFNAMSIZ], qdisc[16];
};

static void lo_link(struct nlmsghdr *h, void *arg)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct lo_link *l = arg;
	int len = IFLA_PAYLOAD(h);
	struct rtattr *a;

	if (h->nlmsg_type != RTM_NEWLINK || ifi->ifi_index != LO)
		return;
	l->seen++;
	l->type = ifi->ifi_type;
	l->flags = (int)ifi->ifi_flags;
	if ((a = find(IFLA_RTA(ifi), len, IFLA_IFNAME)))
		snprintf(l->name, sizeof(l->name), "%s", (char *)RTA_DATA(a));
	if ((a = find(IFLA_RTA(ifi), len, IFLA_MTU)))
		l->mtu = *(int *)RTA_DATA(a);
	if ((a = find(IFLA_RTA(ifi), len, IFLA_TXQLEN)))
		l->txqlen = *(int *)RTA_DATA(a);
	if ((a = find(IFLA_RTA(ifi), len, IFLA_OPERSTATE)))
		l->operstate = *(unsigned char *)RTA_DATA(a);
	if ((a = find(IFLA_RTA(ifi), len, IFLA_CARRIER)))
		l->carrier = *(unsigned char *)RTA_DATA(a);
	if ((a = find(IFLA_RTA(ifi), len, IFLA_QDISC)))
		snprintf(l->qdisc, sizeof(l->qdisc), "%s", (char *)RTA_DATA(a));
	if ((a = find(IFLA_RTA(ifi), len, IFLA_ADDRESS))) {
		l->hwlen = (int)RTA_PAYLOAD(a);
		l->hwzero = !memcmp(RTA_DATA(a), "\0\0\0\0\0\0", 6);
	}
	if ((a = find(IFLA_RTA(ifi), len, IFLA_BROADCAST)))
		l->hwzero += !memcmp(RTA_DATA(a), "\0\0\0\0\0\0", 6);
	if ((a = find(IFLA_RTA(ifi), len, IFLA_STATS)))
		l->stats = (int)RTA_PAYLOAD(a);
	if ((a = find(IFLA_RTA(ifi), len, IFLA_STATS64)))
		l->stats64 = (int)RTA_PAYLOAD(a);
}

static void print_link(const char *what, const struct lo_link *l)
{
	printf("%s: seen %d name %s type %d flags %#x mtu %d txqlen %d "
	       "operstate %d carrier %d qdisc %s hwlen %d hwzero %d "
	       "stats %d stats64 %d\n",
	       what, l->seen, l->name, l->type, l->flags, l->mtu, l->txqlen,
	       l->operstate, l->carrier, l->qdisc, l->hwlen, l->hwzero,
	       l->stats, l->stats64);
}

static void test_links(int fd)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtgenmsg g = { AF_PACKET };
	struct lo_link l = { 0 };
	struct dump d;
	char attr[RTA_SPACE(IFNAMSIZ)];
	struct rtattr *a = (struct rtattr *)attr;
	long n;

	d = run_dump(fd, RTM_GETLINK, &ifi, sizeof(ifi), lo_link, &l);
	check("getlink-dump", !d.bad && d.msgs >= 1 && d.done_err == 0 &&
				  d.done_len == NLMSG_LENGTH(sizeof(int)) &&
				  d.done_alone);
	print_link("getlink-dump-lo", &l);
	/* ljsyscall sends only a family byte, AF_PACKET's */
	memset(&l, 0, sizeof(l));
	d = run_dump(fd, RTM_GETLINK, &g, sizeof(g), lo_link, &l);
	check("getlink-dump-rtgenmsg", !d.bad && l.seen == 1);
	memset(&l, 0, sizeof(l));
	g.rtgen_family = AF_BRIDGE; /* the ports of bridges: none */
	d = run_dump(fd, RTM_GETLINK, &g, sizeof(g), lo_link, &l);
	check("getlink-dump-bridge-empty", !d.bad && d.msgs == 0);

	/* One link, by index, with an ack after it. */
	ifi.ifi_index = LO;
	check_val("getlink-index",
		  nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, &ifi,
			  sizeof(ifi), NULL, 0),
		  NLMSG_LENGTH(sizeof(ifi)));
	n = nl_recv(fd);
	memset(&l, 0, sizeof(l));
	if (n > 0 && NLMSG_OK((struct nlmsghdr *)buf, n))
		lo_link((struct nlmsghdr *)buf, &l);
	check("getlink-index-reply",
	      l.seen == 1 && ((struct nlmsghdr *)buf)->nlmsg_flags == 0 &&
		  ((struct nlmsghdr *)buf)->nlmsg_seq == seq &&
		  ((struct nlmsghdr *)buf)->nlmsg_len == n);
	n = nl_recv(fd);
	check("getlink-index-ack",
	      n == 36 && nlerr(n) == 0 &&
		  ((struct nlmsghdr *)buf)->nlmsg_flags == NLM_F_CAPPED &&
		  ((struct nlmsghdr *)buf)->nlmsg_seq == seq);
	check_err("getlink-index-nothing-more", nl_recv(fd), EAGAIN);

	/* By name: IFLA_IFNAME. */
	ifi.ifi_index = 0;
	a->rta_type = IFLA_IFNAME;
	a->rta_len = RTA_LENGTH(3);
	memcpy(RTA_DATA(a), "lo", 3);
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), a,
		RTA_SPACE(3));
	n = nl_recv(fd);
	memset(&l, 0, sizeof(l));
	if (n > 0)
		lo_link((struct nlmsghdr *)buf, &l);
	check("getlink-name", l.seen == 1 && !strcmp(l.name, "lo"));
	memcpy(RTA_DATA(a), "zq9", 4);
	a->rta_len = RTA_LENGTH(4);
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), a,
		RTA_SPACE(4));
	check_val("getlink-name-nodev", nlerr(nl_recv(fd)), -ENODEV);
	ifi.ifi_index = 0x7ffffff0;
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), NULL, 0);
	n = nl_recv(fd);
	/* the error, then the request whole: 36 + 16 bytes */
	check("getlink-index-nodev",
	      nlerr(n) == -ENODEV && n == 52 &&
		  ((struct nlmsghdr *)buf)->nlmsg_flags == 0 &&
		  ((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))
			  ->msg.nlmsg_seq == seq);
	ifi.ifi_index = 0;
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), NULL, 0);
	check_val("getlink-no-index-no-name", nlerr(nl_recv(fd)), -EINVAL);
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, 1, NULL, 0);
	n = nl_recv(fd);
	check("getlink-short", nlerr(n) == -EINVAL && n == 40);
}

/* -------------------------------------------------------- addresses --- */

static void lo_addr(struct nlmsghdr *h, void *arg)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = IFA_PAYLOAD(h);
	char a[64] = "-", l[64] = "-", label[IFNAMSIZ] = "-";
	struct rtattr *at;
	int *order = arg;

	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_index != LO)
		return;
	if ((at = find(IFA_RTA(ifa), len, IFA_ADDRESS)))
		inet_ntop(ifa->ifa_family, RTA_DATA(at), a, sizeof(a));
	if ((at = find(IFA_RTA(ifa), len, IFA_LOCAL)))
		inet_ntop(ifa->ifa_family, RTA_DATA(at), l, sizeof(l));
	if ((at = find(IFA_RTA(ifa), len, IFA_LABEL)))
		snprintf(label, sizeof(label), "%s", (char *)RTA_DATA(at));
	at = find(IFA_RTA(ifa), len, IFA_CACHEINFO);
	printf("addr %d: family %d %s/%d local %s label %s flags %#x scope %d "
	       "forever %d\n",
	       (*order)++, ifa->ifa_family, a, ifa->ifa_prefixlen, l, label,
	       ifa->ifa_flags, ifa->ifa_scope,
	       at && ((struct ifa_cacheinfo *)RTA_DATA(at))->ifa_valid == ~0U);
}

static void test_addrs(int fd)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	char attr[RTA_SPACE(16)];
	struct rtattr *a = (struct rtattr *)attr;
	int order = 0;
	struct dump d;
	long n;

	d = run_dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), lo_addr, &order);
	check("getaddr-inet", !d.bad && d.done_err == 0 && d.done_alone);
	ifa.ifa_family = AF_INET6;
	d = run_dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), lo_addr, &order);
	check("getaddr-inet6", !d.bad && d.done_err == 0);
	ifa.ifa_family = AF_UNSPEC;
	d = run_dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), lo_addr, &order);
	check("getaddr-unspec", !d.bad && d.done_err == 0);
	ifa.ifa_family = AF_PACKET; /* no dump of its own: all of them */
	d = run_dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), lo_addr, &order);
	check("getaddr-packet", !d.bad && d.done_err == 0);

	/* One IPv6 address; IPv4 has no such request. */
	ifa.ifa_family = AF_INET6;
	a->rta_type = IFA_ADDRESS;
	a->rta_len = RTA_LENGTH(16);
	inet_pton(AF_INET6, "::1", RTA_DATA(a));
	nl_send(fd, RTM_GETADDR, NLM_F_REQUEST, &ifa, sizeof(ifa), a,
		RTA_SPACE(16));
	n = nl_recv(fd);
	check("getaddr-one",
	      n > 0 && ((struct nlmsghdr *)buf)->nlmsg_type == RTM_NEWADDR &&
		  ((struct nlmsghdr *)buf)->nlmsg_flags == 0);
	if (n > 0)
		lo_addr((struct nlmsghdr *)buf, &order);
	inet_pton(AF_INET6, "::2", RTA_DATA(a));
	nl_send(fd, RTM_GETADDR, NLM_F_REQUEST, &ifa, sizeof(ifa), a,
		RTA_SPACE(16));
	check_val("getaddr-one-none", nlerr(nl_recv(fd)), -EADDRNOTAVAIL);
	nl_send(fd, RTM_GETADDR, NLM_F_REQUEST, &ifa, sizeof(ifa), NULL, 0);
	check_val("getaddr-one-no-addr", nlerr(nl_recv(fd)), -EINVAL);
	ifa.ifa_family = AF_INET;
	nl_send(fd, RTM_GETADDR, NLM_F_REQUEST, &ifa, sizeof(ifa), NULL, 0);
	check_val("getaddr-one-inet", nlerr(nl_recv(fd)), -EOPNOTSUPP);
}

/* ----------------------------------------------------------- routes --- */

static void lo_route(struct nlmsghdr *h, void *arg)
{
	struct rtmsg *r = NLMSG_DATA(h);
	int len = RTM_PAYLOAD(h);
	char dst[64] = "-", src[64] = "-";
	struct rtattr *at = find(RTM_RTA(r), len, RTA_OIF);
	unsigned table = r->rtm_table, prio = 0;
	int *n = arg;

	if (h->nlmsg_type != RTM_NEWROUTE || !at || *(int *)RTA_DATA(at) != LO)
		return;
	if (r->rtm_family == AF_INET6 && r->rtm_table != RT_TABLE_LOCAL)
		return; /* older kernels add ::1 to main too: not compared */
	(*n)++;
	if ((at = find(RTM_RTA(r), len, RTA_DST)))
		inet_ntop(r->rtm_family, RTA_DATA(at), dst, sizeof(dst));
	if ((at = find(RTM_RTA(r), len, RTA_PREFSRC)))
		inet_ntop(r->rtm_family, RTA_DATA(at), src, sizeof(src));
	if ((at = find(RTM_RTA(r), len, RTA_TABLE)))
		table = *(unsigned *)RTA_DATA(at);
	if ((at = find(RTM_RTA(r), len, RTA_PRIORITY)))
		prio = *(unsigned *)RTA_DATA(at);
	printf("route: family %d %s/%d table %u type %d scope %d proto %d "
	       "src %s metric %u flags %#x\n",
	       r->rtm_family, dst, r->rtm_dst_len, table, r->rtm_type,
	       r->rtm_scope, r->rtm_protocol, src, prio, h->nlmsg_flags);
}

static void test_routes(int fd)
{
	struct rtmsg r = { .rtm_family = AF_INET };
	struct dump d;
	int n = 0, v;

	d = run_dump(fd, RTM_GETROUTE, &r, sizeof(r), lo_route, &n);
	check("getroute-inet",
	      !d.bad && d.done_err == 0 && n == 3 && d.done_alone);
	n = 0;
	r.rtm_family = AF_INET6;
	d = run_dump(fd, RTM_GETROUTE, &r, sizeof(r), lo_route, &n);
	check("getroute-inet6", !d.bad && d.done_err == 0 && n == 1);
	n = 0;
	r.rtm_family = AF_UNSPEC;
	d = run_dump(fd, RTM_GETROUTE, &r, sizeof(r), lo_route, &n);
	check("getroute-unspec", !d.bad && d.done_err == 0 && n == 4);
	n = 0;
	r.rtm_family = RTNL_FAMILY_IPMR;
	d = run_dump(fd, RTM_GETROUTE, &r, sizeof(r), lo_route, &n);
	check("getroute-ipmr-empty", !d.bad && d.msgs == 0);

	/* Strict checking: headers checked, filters applied and marked. */
	v = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &v, sizeof(v));
	n = 0;
	r.rtm_family = AF_INET;
	r.rtm_table = RT_TABLE_LOCAL;
	d = run_dump(fd, RTM_GETROUTE, &r, sizeof(r), lo_route, &n);
	check("strict-route-table",
	      !d.bad && n == 3 && d.done_err == 0 &&
		  d.done_flags == (NLM_F_MULTI | NLM_F_DUMP_FILTERED));
	r.rtm_table = RT_TABLE_MAIN;
	n = 0;
	d = run_dump(fd, RTM_GETROUTE, &r, sizeof(r), lo_route, &n);
	check("strict-route-main-none-on-lo", !d.bad && n == 0);
	r.rtm_table = 0;
	r.rtm_dst_len = 8;
	d = run_dump(fd, RTM_GETROUTE, &r, sizeof(r), lo_route, &n);
	check("strict-route-bad-header",
	      !d.bad && d.msgs == 0 && d.done_err == -EINVAL);
	{
		struct ifaddrmsg ifa = { .ifa_family = AF_INET,
					 .ifa_index = LO };
		int order = 100;

		d = run_dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), lo_addr,
			     &order);
		check("strict-addr-index",
		      !d.bad && d.msgs == 1 &&
			  d.done_flags == (NLM_F_MULTI | NLM_F_DUMP_FILTERED));
		ifa.ifa_index = 0x7ffffff0;
		d = run_dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), lo_addr,
			     &order);
		check("strict-addr-nodev", d.done_err == -ENODEV);
		ifa.ifa_index = 0;
		ifa.ifa_prefixlen = 8;
		d = run_dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), lo_addr,
			     &order);
		check("strict-addr-bad-header", d.done_err == -EINVAL);
	}
	{
		struct ifinfomsg ifi = { .ifi_index = LO };
		struct lo_link l = { 0 };

		d = run_dump(fd, RTM_GETLINK, &ifi, sizeof(ifi), lo_link, &l);
		check("strict-link-index",
		      d.msgs == 0 && d.done_err == -EINVAL);
		d = run_dump(fd, RTM_GETLINK, &ifi, 1, lo_link, &l);
		check("strict-link-short",
		      d.msgs == 0 && d.done_err == -EINVAL);
	}
	v = 0;
	setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &v, sizeof(v));
}

/* ----------------------------------------------------- the protocol --- */

static void test_protocol(int fd)
{
	struct ifinfomsg ifi = { .ifi_index = LO };
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	socklen_t alen = sizeof(a);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	char two[2 * NLMSG_SPACE(sizeof(ifi))];
	long n;
	int v;

	check_val("send-ten-bytes", raw(send(fd, "0123456789", 10, 0)), 10);
	check_err("send-ten-bytes-nothing", nl_recv(fd), EAGAIN);
	memset(two, 0, sizeof(two));
	((struct nlmsghdr *)two)->nlmsg_len = 8; /* shorter than a header */
	((struct nlmsghdr *)two)->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	check_val("send-short-len", raw(send(fd, two, 16, 0)), 16);
	check_err("send-short-len-dropped", nl_recv(fd), EAGAIN);
	/* A header alone: a request with no family is ignored (acked). */
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK, &ifi,
		0, NULL, 0);
	n = nl_recv(fd);
	check("no-family-acked", n == 36 && nlerr(n) == 0);
	nl_send(fd, RTM_GETLINK, NLM_F_ACK, &ifi, sizeof(ifi), NULL, 0);
	check_val("not-a-request-acked", nlerr(nl_recv(fd)), 0);
	nl_send(fd, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, &ifi, sizeof(ifi),
		NULL, 0);
	check_val("control-acked", nlerr(nl_recv(fd)), 0);
	nl_send(fd, RTM_GETLINK, 0, &ifi, sizeof(ifi), NULL, 0);
	check_err("not-a-request-silent", nl_recv(fd), EAGAIN);
	nl_send(fd, 200, NLM_F_REQUEST, &ifi, 3, NULL, 0);
	n = nl_recv(fd);
	check("unknown-type", nlerr(n) == -EOPNOTSUPP && n == 40);
	v = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &v, sizeof(v));
	nl_send(fd, 200, NLM_F_REQUEST, &ifi, 3, NULL, 0);
	n = nl_recv(fd);
	check("unknown-type-capped", nlerr(n) == -EOPNOTSUPP && n == 36 &&
					 h->nlmsg_flags == NLM_F_CAPPED);
	v = 0;
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &v, sizeof(v));

	/* Two requests in one datagram: two answers, in order. */
	for (int i = 0; i < 2; i++) {
		struct nlmsghdr *m =
		    (struct nlmsghdr *)(two + i * NLMSG_SPACE(sizeof(ifi)));

		m->nlmsg_len = NLMSG_LENGTH(sizeof(ifi));
		m->nlmsg_type = RTM_GETLINK;
		m->nlmsg_flags = NLM_F_REQUEST;
		m->nlmsg_seq = 7 + i;
		memcpy(NLMSG_DATA(m), &ifi, sizeof(ifi));
	}
	check_val("send-two", raw(send(fd, two, sizeof(two), 0)),
		  (long)sizeof(two));
	n = nl_recv(fd);
	v = n > 0 ? (int)h->nlmsg_seq : 0;
	n = nl_recv(fd);
	check("send-two-answers", v == 7 && n > 0 && h->nlmsg_seq == 8);

	/* Receiving: peek, truncation, the sender's name. */
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), NULL, 0);
	n = raw(recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	check("peek", n > 0 && nl_recv(fd) == n);
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), NULL, 0);
	{
		struct iovec iov = { buf, 16 };
		struct msghdr mh = { .msg_name = &a,
				     .msg_namelen = sizeof(a),
				     .msg_iov = &iov,
				     .msg_iovlen = 1 };

		memset(&a, 0xff, sizeof(a));
		n = raw(recvmsg(fd, &mh, MSG_TRUNC));
		check("recvmsg-trunc",
		      n > 16 && mh.msg_flags & MSG_TRUNC && h->nlmsg_len == n);
		check("recvmsg-name", mh.msg_namelen == sizeof(a) &&
					  a.nl_family == AF_NETLINK &&
					  a.nl_pid == 0 && a.nl_groups == 0);
		check_err("recvmsg-trunc-consumed", nl_recv(fd), EAGAIN);
	}
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), NULL, 0);
	n = raw(
	    recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&a, &alen));
	check("recvfrom", n > 0 && alen == sizeof(a) && a.nl_pid == 0);
	check_err("read-empty-nonblocking", raw(recv(fd, buf, 1, MSG_DONTWAIT)),
		  EAGAIN);

	/* Ancillary data: NETLINK_PKTINFO, then the kernel's credentials. */
	v = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, &v, sizeof(v));
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &v, sizeof(v));
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), NULL, 0);
	{
		union {
			struct cmsghdr c;
			char b[256];
		} ctl;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = &ctl,
				     .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c;

		n = raw(recvmsg(fd, &mh, 0));
		c = CMSG_FIRSTHDR(&mh);
		check("pktinfo",
		      c && c->cmsg_level == SOL_NETLINK &&
			  c->cmsg_type == NETLINK_PKTINFO &&
			  ((struct nl_pktinfo *)CMSG_DATA(c))->group == 0);
		c = c ? CMSG_NXTHDR(&mh, c) : NULL;
		check("passcred-kernel",
		      c && c->cmsg_type == SCM_CREDENTIALS &&
			  ((struct ucred *)CMSG_DATA(c))->pid == 0 &&
			  ((struct ucred *)CMSG_DATA(c))->uid == 0);
	}
	v = 0;
	setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, &v, sizeof(v));
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &v, sizeof(v));

	/* The address of a send. */
	a.nl_family = AF_UNIX;
	check_err("sendto-family",
		  raw(sendto(fd, buf, 16, 0, (struct sockaddr *)&a, sizeof(a))),
		  EINVAL);
	a.nl_family = AF_NETLINK;
	check_err("sendto-short",
		  raw(sendto(fd, buf, 16, 0, (struct sockaddr *)&a, 6)),
		  EINVAL);
	a.nl_pid = 0x7ffffff0;
	check_err("sendto-nobody",
		  raw(sendto(fd, buf, 16, 0, (struct sockaddr *)&a, sizeof(a))),
		  ECONNREFUSED);
	v = 4096;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	check_err("send-too-big", raw(send(fd, buf, 8192, 0)), EMSGSIZE);
}

/* Between two netlink sockets (root only, as NETLINK_ROUTE wants). */
static void test_user_messages(void)
{
	int a = nl_open(), b = nl_open();
	struct sockaddr_nl to = { .nl_family = AF_NETLINK,
				  .nl_pid = portid(a) };
	struct sockaddr_nl from;
	socklen_t len = sizeof(from);
	long n;

	check_val("user-sendto",
		  raw(sendto(b, "hello netlink", 13, 0, (struct sockaddr *)&to,
			     sizeof(to))),
		  13);
	n = raw(recvfrom(a, buf, sizeof(buf), MSG_DONTWAIT,
			 (struct sockaddr *)&from, &len));
	check("user-recv", n == 13 && !memcmp(buf, "hello netlink", 13) &&
			       from.nl_pid == portid(b));
	close(a);
	close(b);
}

/* ------------------------------------------------------------- waits --- */

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_waits(int fd)
{
	struct ifinfomsg ifi = { .ifi_index = LO };
	struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
	struct epoll_event ev = { EPOLLIN, { 0 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct timeval tv = { 0, 50000 };
	int ep = epoll_create1(0);

	check_val("poll-empty", raw(poll(&p, 1, 0)), 1);
	check_val("poll-empty-out", p.revents, POLLOUT);
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	check_val("epoll-empty", raw(epoll_wait(ep, &ev, 1, 0)), 0);
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), NULL, 0);
	check_val("poll-reply", raw(poll(&p, 1, 0)), 1);
	check_val("poll-reply-in", p.revents, POLLIN | POLLOUT);
	check_val("epoll-reply", raw(epoll_wait(ep, &ev, 1, 0)), 1);
	nl_recv(fd);
	close(ep);

	sigaction(SIGALRM, &sa, NULL);
	alarm_every(50);
	check_err("recv-interrupted", raw(recv(fd, buf, sizeof(buf), 0)),
		  EINTR);
	alarm_stop();
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	check_err("recv-timeout", raw(recv(fd, buf, sizeof(buf), 0)), EAGAIN);
	tv.tv_usec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Replies to a full queue are lost, and the next read says ENOBUFS. */
static void test_overrun(void)
{
	struct ifinfomsg ifi = { .ifi_index = LO };
	int fd = nl_open(), v = 4096, got = 0, err = 0;
	long n;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	for (int i = 0; i < 64; i++)
		nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), NULL,
			0);
	check_err("overrun-enobufs-first", nl_recv(fd), ENOBUFS);
	while ((n = nl_recv(fd)) != -EAGAIN) {
		got += n > 0;
		err += n < 0;
	}
	check("overrun-some-kept", got > 0 && got < 64 && !err);
	v = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &v, sizeof(v));
	for (int i = 0; i < 64; i++)
		nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi), NULL,
			0);
	check("no-enobufs", nl_recv(fd) > 0);
	close(fd);
}

/* ----------------------------------------------------------- ioctls --- */

static void test_ioctls(int family, const char *fam)
{
	int fd =
	    socket(family, family == AF_NETLINK ? SOCK_RAW : SOCK_DGRAM, 0);
	struct ifreq r;
	struct ifconf ic;
	struct ifreq all[64];
	char what[64];
	long e;

#define IOC(cmd, name)                                       \
	(memset(&r, 0, sizeof(r)), strcpy(r.ifr_name, name), \
	 snprintf(what, sizeof(what), "%s-%s", fam, #cmd),   \
	 raw(ioctl(fd, cmd, &r)))

	check_val(what, (IOC(SIOCGIFINDEX, "lo"), r.ifr_ifindex), LO);
	e = IOC(SIOCGIFFLAGS, "lo");
	check_val(what, e ? e : r.ifr_flags,
		  IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
	check_val(what, (IOC(SIOCGIFMTU, "lo"), r.ifr_mtu), 65536);
	check_val(what, (IOC(SIOCGIFTXQLEN, "lo"), r.ifr_qlen), 1000);
	e = IOC(SIOCGIFHWADDR, "lo");
	check(what, !e && r.ifr_hwaddr.sa_family == 772 &&
			!memcmp(r.ifr_hwaddr.sa_data, "\0\0\0\0\0\0", 6));
	check_val(what, (IOC(SIOCGIFMETRIC, "lo"), r.ifr_metric), 0);
	check_err(what, IOC(SIOCGIFFLAGS, "zq9"), ENODEV);
	check_val(what, IOC(SIOCGIFFLAGS, "lo:7"), 0);
	check_err(what, IOC(SIOCGIFSLAVE, "lo"), EINVAL);
	e = (memset(&r, 0, sizeof(r)), r.ifr_ifindex = LO,
	     raw(ioctl(fd, SIOCGIFNAME, &r)));
	check("ifname", !e && !strcmp(r.ifr_name, "lo"));
	r.ifr_ifindex = 0x7ffffff0;
	check_err("ifname-nodev", raw(ioctl(fd, SIOCGIFNAME, &r)), ENODEV);
	/* Setting what is already set changes nothing, and succeeds. */
	IOC(SIOCGIFFLAGS, "lo");
	snprintf(what, sizeof(what), "%s-SIOCSIFFLAGS-same", fam);
	check_val(what, raw(ioctl(fd, SIOCSIFFLAGS, &r)), 0);
	IOC(SIOCGIFMTU, "lo");
	snprintf(what, sizeof(what), "%s-SIOCSIFMTU-same", fam);
	check_val(what, raw(ioctl(fd, SIOCSIFMTU, &r)), 0);
	if (family == AF_INET) {
		e = IOC(SIOCGIFADDR, "lo");
		check(
		    what,
		    !e &&
			((struct sockaddr_in *)&r.ifr_addr)->sin_family ==
			    AF_INET &&
			((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr ==
			    htonl(INADDR_LOOPBACK));
		e = IOC(SIOCGIFNETMASK, "lo");
		check(
		    what,
		    !e &&
			((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr ==
			    htonl(0xff000000));
		e = IOC(SIOCGIFBRDADDR, "lo");
		check(what, !e && ((struct sockaddr_in *)&r.ifr_addr)
					  ->sin_addr.s_addr == 0);
		e = IOC(SIOCGIFDSTADDR, "lo");
		check(
		    what,
		    !e &&
			((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr ==
			    htonl(INADDR_LOOPBACK));
		check_err(what, IOC(SIOCGIFADDR, "zq9"), ENODEV);
		check_err(what, IOC(SIOCGIFADDR, "lo:7"), EADDRNOTAVAIL);
		check_err(what, IOC(SIOCGIFPFLAGS, "lo"), EINVAL);
	} else {
		check_err(what, IOC(SIOCGIFADDR, "lo"), ENOTTY);
	}
	check_err(what, IOC(SIOCGIFCOUNT, "lo"), ENOTTY);
	check_err("bad-ifreq", raw(ioctl(fd, SIOCGIFFLAGS, BADPTR)), EFAULT);

	memset(&ic, 0, sizeof(ic));
	snprintf(what, sizeof(what), "%s-ifconf-size", fam);
	check(what, ioctl(fd, SIOCGIFCONF, &ic) == 0 && ic.ifc_len >= 40 &&
			ic.ifc_len % 40 == 0);
	ic.ifc_len = sizeof(all);
	ic.ifc_req = all;
	e = raw(ioctl(fd, SIOCGIFCONF, &ic));
	snprintf(what, sizeof(what), "%s-ifconf-lo", fam);
	{
		int lo = 0;

		for (int i = 0; !e && i < ic.ifc_len / 40; i++)
			lo +=
			    !strcmp(all[i].ifr_name, "lo") &&
			    ((struct sockaddr_in *)&all[i].ifr_addr)
				    ->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
		check(what, lo == 1);
	}
	ic.ifc_len = 20;
	snprintf(what, sizeof(what), "%s-ifconf-small", fam);
	check(what, ioctl(fd, SIOCGIFCONF, &ic) == 0 && ic.ifc_len == 0);
	close(fd);
#undef IOC
}

/* ------------------------------------------------------------- libc --- */

static void test_libc(void)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	struct ifaddrs *ifs, *i;
	char name[IF_NAMESIZE];
	int lo = 0;

	check_val("if_nametoindex", if_nametoindex("lo"), LO);
	errno = 0;
	check("if_nametoindex-none",
	      if_nametoindex("zq9") == 0 && errno == ENODEV);
	check("if_indextoname",
	      if_indextoname(LO, name) && !strcmp(name, "lo"));
	for (p = ni; p && p->if_index; p++)
		lo += p->if_index == LO && !strcmp(p->if_name, "lo");
	check("if_nameindex", lo == 1);
	if_freenameindex(ni);

	check_val("getifaddrs", raw(getifaddrs(&ifs)), 0);
	for (i = ifs; i; i = i->ifa_next) {
		char a[64] = "-", m[64] = "-";
		int f = i->ifa_addr ? i->ifa_addr->sa_family : -1;

		if (strcmp(i->ifa_name, "lo"))
			continue;
		if (f == AF_INET || f == AF_INET6) {
			void *ad =
			    f == AF_INET
				? (void *)&((struct sockaddr_in *)i->ifa_addr)
				      ->sin_addr
				: (void *)&((struct sockaddr_in6 *)i->ifa_addr)
				      ->sin6_addr;
			void *mk =
			    f == AF_INET
				? (void *)&(
				      (struct sockaddr_in *)i->ifa_netmask)
				      ->sin_addr
				: (void *)&(
				      (struct sockaddr_in6 *)i->ifa_netmask)
				      ->sin6_addr;

			inet_ntop(f, ad, a, sizeof(a));
			inet_ntop(f, mk, m, sizeof(m));
		}
		printf("getifaddrs lo: family %d addr %s netmask %s flags %#x "
		       "data %d\n",
		       f, a, m, i->ifa_flags, i->ifa_data != NULL);
	}
	freeifaddrs(ifs);
}

/* Without CAP_NET_ADMIN nothing may be changed (EPERM, as Linux). */
/* ---------------------------------------------------------- changes --- */

/* An ack's error for a request of type with flags, fixed part and attrs. */
static int nl_do(int fd, int type, int flags, const void *fixed, size_t len,
		 const void *attrs, size_t alen)
{
	nl_send(fd, type, NLM_F_REQUEST | NLM_F_ACK | flags, fixed, len, attrs,
		alen);
	return nlerr(nl_recv(fd));
}

/* lo's flags or MTU by ioctl. */
static int lo_ioctl(int s, unsigned long cmd, struct ifreq *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->ifr_name, "lo");
	return (int)raw(ioctl(s, cmd, r));
}

static void change_links(int fd, int s)
{
	struct ifinfomsg ifi = { .ifi_index = LO,
				 .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };
	struct {
		struct rtattr a;
		unsigned mtu;
	} mtu = { { RTA_LENGTH(4), IFLA_MTU }, 16000 };
	struct {
		struct rtattr a;
		char name[8];
	} name = { { RTA_LENGTH(6), IFLA_IFNAME }, "nope0" };
	struct ifreq r;

	check_val("newlink-up",
		  nl_do(fd, RTM_NEWLINK, 0, &ifi, sizeof(ifi), NULL, 0), 0);
	lo_ioctl(s, SIOCGIFFLAGS, &r);
	check("newlink-up-flags",
	      (r.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING));
	r.ifr_flags &= ~IFF_UP;
	check_val("siocsifflags-down", raw(ioctl(s, SIOCSIFFLAGS, &r)), 0);
	lo_ioctl(s, SIOCGIFFLAGS, &r);
	check("siocsifflags-down-flags",
	      !(r.ifr_flags & (IFF_UP | IFF_RUNNING)));
	r.ifr_flags |= IFF_UP;
	check_val("siocsifflags-up", raw(ioctl(s, SIOCSIFFLAGS, &r)), 0);
	lo_ioctl(s, SIOCGIFFLAGS, &r);
	check("siocsifflags-up-flags",
	      (r.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING));
	ifi.ifi_flags = ifi.ifi_change = 0;
	check_val(
	    "newlink-mtu",
	    nl_do(fd, RTM_NEWLINK, 0, &ifi, sizeof(ifi), &mtu, sizeof(mtu)), 0);
	lo_ioctl(s, SIOCGIFMTU, &r);
	check_val("newlink-mtu-ioctl", r.ifr_mtu, 16000);
	r.ifr_mtu = -1;
	check_err("siocsifmtu-negative", raw(ioctl(s, SIOCSIFMTU, &r)), EINVAL);
	r.ifr_mtu = 65536;
	check_val("siocsifmtu", raw(ioctl(s, SIOCSIFMTU, &r)), 0);
	lo_ioctl(s, SIOCGIFMTU, &r);
	check_val("siocsifmtu-ioctl", r.ifr_mtu, 65536);
	ifi.ifi_index = 0;
	check_val("newlink-no-link",
		  nl_do(fd, RTM_NEWLINK, 0, &ifi, sizeof(ifi), NULL, 0),
		  -ENODEV);
	check_val("setlink-no-link",
		  nl_do(fd, RTM_SETLINK, 0, &ifi, sizeof(ifi), NULL, 0),
		  -EINVAL);
	ifi.ifi_index = 999;
	check_val("newlink-no-such",
		  nl_do(fd, RTM_NEWLINK, 0, &ifi, sizeof(ifi), NULL, 0),
		  -ENODEV);
	ifi.ifi_index = 0;
	check_val("newlink-create-no-kind",
		  nl_do(fd, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi,
			sizeof(ifi), &name, sizeof(name)),
		  -EOPNOTSUPP);
}

/* ::2/128 on lo: IFA_LOCAL as ip(8) sends it (RTM_GETADDR: no ack, the
 * answer's type). */
static int addr6(int fd, int type, int flags, int prefixlen, int index)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET6,
				 .ifa_prefixlen = prefixlen,
				 .ifa_index = index };
	struct {
		struct rtattr a;
		unsigned char addr[16];
	} local = { { RTA_LENGTH(16), IFA_LOCAL }, { [15] = 2 } };

	if (type == RTM_GETADDR) {
		nl_send(fd, type, NLM_F_REQUEST, &ifa, sizeof(ifa), &local,
			sizeof(local));
		return nl_recv(fd) > 0 ? ((struct nlmsghdr *)buf)->nlmsg_type
				       : -1;
	}
	return nl_do(fd, type, flags, &ifa, sizeof(ifa), &local, sizeof(local));
}

static void change_addrs(int fd, int s)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET6,
				 .ifa_prefixlen = 128,
				 .ifa_index = LO };
	struct sockaddr_in *sin;
	struct ifreq r;

	check_val("newaddr6",
		  addr6(fd, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, 128, LO),
		  0);
	check_val("newaddr6-excl",
		  addr6(fd, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, 128, LO),
		  -EEXIST);
	check_val("newaddr6-again", addr6(fd, RTM_NEWADDR, 0, 128, LO),
		  -EEXIST);
	check_val("newaddr6-no-such", addr6(fd, RTM_NEWADDR, 0, 128, 999),
		  -ENODEV);
	check_val("newaddr6-prefix-exists", addr6(fd, RTM_NEWADDR, 0, 129, LO),
		  -EEXIST);
	check_val("newaddr6-no-addr",
		  nl_do(fd, RTM_NEWADDR, 0, &ifa, sizeof(ifa), NULL, 0),
		  -EINVAL);
	ifa.ifa_family = AF_UNSPEC;
	check_val("newaddr-unspec",
		  nl_do(fd, RTM_NEWADDR, 0, &ifa, sizeof(ifa), NULL, 0),
		  -EOPNOTSUPP);
	check_val("newaddr6-listed", addr6(fd, RTM_GETADDR, 0, 0, 0),
		  RTM_NEWADDR);
	check_val("deladdr6", addr6(fd, RTM_DELADDR, 0, 128, LO), 0);
	check_val("deladdr6-again", addr6(fd, RTM_DELADDR, 0, 128, LO),
		  -EADDRNOTAVAIL);
	check_val("deladdr6-gone", addr6(fd, RTM_GETADDR, 0, 0, 0),
		  NLMSG_ERROR);
	check_val("newaddr6-prefix", addr6(fd, RTM_NEWADDR, 0, 129, LO),
		  -EINVAL);
	lo_ioctl(s, SIOCGIFADDR, &r);
	sin = (struct sockaddr_in *)&r.ifr_addr;
	check("siocgifaddr", sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	check_val("siocsifaddr-same", raw(ioctl(s, SIOCSIFADDR, &r)), 0);
}

/* A route to ::3/128 (or none: dst_len 0 is not sent), of lo or oif. */
static int route6(int fd, int type, int flags, int oif)
{
	struct rtmsg rtm = { .rtm_family = AF_INET6,
			     .rtm_dst_len = 128,
			     .rtm_protocol = RTPROT_STATIC,
			     .rtm_type = RTN_UNICAST };
	struct {
		struct rtattr a;
		unsigned char dst[16];
		struct rtattr o;
		int oif;
	} at = { { RTA_LENGTH(16), RTA_DST },
		 { [15] = 3 },
		 { RTA_LENGTH(4), RTA_OIF },
		 oif };

	return nl_do(fd, type, flags, &rtm, sizeof(rtm), &at, sizeof(at));
}

/* Does the IPv6 route dump hold ::3/128 on lo, of protocol static? */
static void find_route3(struct nlmsghdr *h, void *arg)
{
	struct rtmsg *r = NLMSG_DATA(h);
	int len = (int)RTM_PAYLOAD(h);
	struct rtattr *d = find(RTM_RTA(r), len, RTA_DST);
	struct rtattr *o = find(RTM_RTA(r), len, RTA_OIF);

	if (d && o && r->rtm_dst_len == 128 &&
	    ((unsigned char *)RTA_DATA(d))[15] == 3 &&
	    *(int *)RTA_DATA(o) == LO && r->rtm_protocol == RTPROT_STATIC &&
	    r->rtm_table == RT_TABLE_MAIN)
		*(int *)arg += 1;
}

static void change_routes(int fd)
{
	struct rtmsg rtm = { .rtm_family = AF_INET6 };
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_port = htons(9),
				   .sin6_addr = { { { [15] = 3 } } } };
	int found = 0, u = socket(AF_INET6, SOCK_DGRAM, 0);

	check_val("newroute6",
		  route6(fd, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, LO), 0);
	check_val("newroute6-excl",
		  route6(fd, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, LO),
		  -EEXIST);
	check_val("newroute6-no-dev",
		  route6(fd, RTM_NEWROUTE, NLM_F_CREATE, 999), -ENODEV);
	run_dump(fd, RTM_GETROUTE, &rtm, sizeof(rtm), find_route3, &found);
	check_val("newroute6-dumped", found, 1);
	check_val("newroute6-used",
		  raw(sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof(to))),
		  1);
	check_val("delroute6", route6(fd, RTM_DELROUTE, 0, LO), 0);
	check_val("delroute6-again", route6(fd, RTM_DELROUTE, 0, LO), -ESRCH);
	found = 0;
	run_dump(fd, RTM_GETROUTE, &rtm, sizeof(rtm), find_route3, &found);
	check_val("delroute6-gone", found, 0);
	close(u);
}

/* In a child: on the host in a network namespace of its own, whose lo
 * starts down; keel has no namespaces (EINVAL) and changes its own lo,
 * which ends as it began (up, MTU 65536, ::1 alone). */
static void test_changes(void)
{
	pid_t p = fork();
	int st, fd, s, e;

	if (p == 0) {
		fails = 0;
		e = (int)raw(unshare(CLONE_NEWNET));
		check("changes-own-lo", e == 0 || e == -EINVAL);
		fd = nl_open();
		s = socket(AF_INET, SOCK_DGRAM, 0);
		change_links(fd, s);
		change_addrs(fd, s);
		change_routes(fd);
		exit(fails);
	}
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st))
		fails++;
	else
		fails += WEXITSTATUS(st);
}

static void test_unprivileged(void)
{
	struct ifinfomsg ifi = { .ifi_index = LO,
				 .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = 1 };
	struct ifreq r;
	int fd = nl_open(), s = socket(AF_INET, SOCK_DGRAM, 0);

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) {
		check("setresuid", 0);
		return;
	}
	nl_send(fd, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, &ifi, sizeof(ifi),
		NULL, 0);
	check_val("newlink-eperm", nlerr(nl_recv(fd)), -EPERM);
	nl_send(fd, RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, &ifi, sizeof(ifi),
		NULL, 0);
	check_val("deladdr-eperm", nlerr(nl_recv(fd)), -EPERM);
	check_err(
	    "sendto-other-eperm",
	    raw(sendto(fd, buf, 16, 0, (struct sockaddr *)&to, sizeof(to))),
	    EPERM);
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	ioctl(s, SIOCGIFFLAGS, &r);
	check_err("siocsifflags-eperm", raw(ioctl(s, SIOCSIFFLAGS, &r)), EPERM);
	close(s);
	close(fd);
}

int main(void)
{
	int fd;

	setvbuf(stdout, NULL, _IONBF, 0);
	test_socket();
	fd = nl_open();
	check("open", fd >= 0);
	test_links(fd);
	test_addrs(fd);
	test_routes(fd);
	test_protocol(fd);
	close(fd);
	test_user_messages();
	fd = nl_open();
	test_waits(fd);
	close(fd);
	test_overrun();
	test_ioctls(AF_INET, "inet");
	test_ioctls(AF_UNIX, "unix");
	test_ioctls(AF_NETLINK, "netlink");
	test_libc();
	test_changes();
	test_unprivileged();
	printf("t_netlink: %d failed\n", fails);
	return fails != 0;
}

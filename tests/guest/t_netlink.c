/*
 * t_netlink.c - AF_NETLINK sockets of NETLINK_ROUTE (tests/guest): creation
 * and errors, port ids and groups, acks and errors, short and malformed
 * messages, strict checking, receiving (peek, truncation, names,
 * ancillary data, poll, epoll, timeouts, signals, overrun), messages
 * between two netlink sockets. What they carry (links, addresses, routes)
 * is t_netlink_route.c's; the helpers both use are nl.h's. Run in the
 * guest and on the host (as root); one line per check, the output must
 * match.
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
#include "nl.h"

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

int main(void)
{
	int fd;

	setvbuf(stdout, NULL, _IONBF, 0);
	test_socket();
	fd = nl_open();
	check("open", fd >= 0);
	test_protocol(fd);
	close(fd);
	test_user_messages();
	fd = nl_open();
	test_waits(fd);
	close(fd);
	test_overrun();
	printf("t_netlink: %d failed\n", fails);
	return fails != 0;
}

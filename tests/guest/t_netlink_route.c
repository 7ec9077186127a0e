/*
 * t_netlink_route.c - what NETLINK_ROUTE and the interface ioctls say and
 * change (tests/guest): dumps of links, addresses and routes, one link by
 * index or name; the SIOCGIF* ioctls, if_nametoindex and getifaddrs;
 * changes of "lo" (up and down, MTU, an IPv6 address, a route) by netlink
 * and ioctl, made in a child that has a network namespace of its own on
 * the host, and refused without CAP_NET_ADMIN. Only the loopback "lo" is
 * looked at: the host that runs the reference may have other interfaces.
 * The socket itself is t_netlink.c's. Run in the guest and on the host
 * (as root); one line per check, the output must match.
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

/* The attribute of this type in [a, a + len), or NULL. */
static struct rtattr *find(struct rtattr *a, int len, int type)
{
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
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
	fd = nl_open();
	check("open", fd >= 0);
	test_links(fd);
	test_addrs(fd);
	test_routes(fd);
	close(fd);
	test_ioctls(AF_INET, "inet");
	test_ioctls(AF_UNIX, "unix");
	test_ioctls(AF_NETLINK, "netlink");
	test_libc();
	test_changes();
	test_unprivileged();
	printf("t_netlink_route: %d failed\n", fails);
	return fails != 0;
}

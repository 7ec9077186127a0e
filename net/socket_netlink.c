/*
 * socket_netlink.c - AF_NETLINK sockets (net/), of the NETLINK_ROUTE
 * protocol only (the others are EPROTONOSUPPORT, as Linux says for a
 * protocol it has no kernel side for): port ids, multicast groups, and
 * sending. A message to port 0 is a request the kernel answers at once on
 * the sender's queue (net/rtnetlink.c); one to another port or to a group
 * goes to those netlink sockets. Replies are read through the shared path
 * of net/socket_msg.c. A socket always has a destination, the kernel unless
 * connected elsewhere; it has no connections to listen for or shut down.
 * Port ids: the one bind asks for, else the process's pid, and once that
 * is taken negative ones (Linux picks those at random, here they count
 * down from -4097). Groups can be joined but no event is ever sent: the
 * interfaces do not change.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netlink.h>
#include <keel/process.h>
#include <keel/string.h>

#define SEND_SLACK 32 /* a send is at most SO_SNDBUF - 32 bytes */

static struct list_node nl_bound = LIST_INIT(nl_bound);

static uint32_t portid(const struct socket *s)
{
	return s->local.nl.nl_pid;
}

static bool is_bound(const struct socket *s)
{
	return !list_empty(&s->bound);
}

static void nl_name(struct sockname *n, uint32_t pid, uint32_t groups)
{
	memset(n, 0, sizeof(*n));
	n->len = sizeof(struct linux_sockaddr_nl);
	n->nl.nl_family = AF_NETLINK;
	n->nl.nl_pid = pid;
	n->nl.nl_groups = groups;
}

/* getsockname shows the port and groups 1-32. */
static void update_name(struct socket *s)
{
	nl_name(&s->local, portid(s), (uint32_t)s->nl.groups);
}

static int nl_create(struct socket *s, int type, int *protocol)
{
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (*protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	nl_name(&s->local, 0, 0);
	nl_name(&s->remote, 0, 0);
	s->connected = true; /* to the kernel */
	return 0;
}

static struct socket *find_port(uint32_t pid)
{
	list_for_each (n, &nl_bound) {
		struct socket *b = list_entry(n, struct socket, bound);

		if (portid(b) == pid)
			return b;
	}
	return NULL;
}

static int insert(struct socket *s, uint32_t pid)
{
	if (find_port(pid))
		return -EADDRINUSE;
	s->local.nl.nl_pid = pid;
	list_push_back(&nl_bound, &s->bound);
	return 0;
}

static int nl_autobind(struct socket *s)
{
	static int32_t rover = -4097;
	int32_t pid = current_process() ? current_process()->pid : 1;

	while (find_port((uint32_t)pid)) {
		pid = rover;
		rover = rover == INT32_MIN ? -4097 : rover - 1;
	}
	return insert(s, (uint32_t)pid);
}

static int nl_bind(struct socket *s, const struct sockname *a)
{
	int err = 0;

	if (a->len < sizeof(struct linux_sockaddr_nl) ||
	    a->family != AF_NETLINK)
		return -EINVAL;
	if (is_bound(s) && a->nl.nl_pid != portid(s))
		return -EINVAL;
	if (!is_bound(s))
		err = a->nl.nl_pid ? insert(s, a->nl.nl_pid) : nl_autobind(s);
	if (err)
		return err;
	s->nl.groups = (s->nl.groups & ~(uint64_t)UINT32_MAX) | a->nl.nl_groups;
	update_name(s);
	return 0;
}

static void nl_unbind(struct socket *s)
{
	list_remove(&s->bound);
}

/* Sending anywhere but the kernel needs CAP_NET_ADMIN (NETLINK_ROUTE). */
static int nl_connect(struct socket *s, const struct sockname *a,
		      unsigned flags)
{
	uint32_t groups = a->nl.nl_groups;
	int err;

	(void)flags; /* connecting to the kernel never waits */
	if (a->len < sizeof(a->family))
		return -EINVAL;
	if (a->family == AF_UNSPEC) {
		nl_name(&s->remote, 0, 0);
		return 0;
	}
	if (a->family != AF_NETLINK ||
	    a->len < sizeof(struct linux_sockaddr_nl))
		return -EINVAL;
	if ((groups || a->nl.nl_pid) && !cred_capable(CAP_NET_ADMIN))
		return -EPERM;
	if (!is_bound(s)) {
		err = nl_autobind(s);
		if (err)
			return err;
	}
	nl_name(&s->remote, a->nl.nl_pid, groups & -groups); /* the first */
	return 0;
}

/* A message s could not take: a lost reply or multicast. */
static void overrun(struct socket *s)
{
	if (netlink_flag(s, NETLINK_NO_ENOBUFS))
		return;
	s->error = ENOBUFS;
	sock_wake(s);
}

bool netlink_full(const struct socket *s)
{
	return s->rq_bytes > s->rcvbuf;
}

void netlink_reply(struct socket *s, const void *data, size_t len, bool force)
{
	static const struct linux_ucred kernel = { 0, 0, 0 };
	struct sockname from;

	if (s->closed)
		return;
	if (!force && netlink_full(s)) {
		overrun(s);
		return;
	}
	nl_name(&from, 0, 0);
	if (sock_deliver(s, data, len, &from, &kernel))
		overrun(s);
}

/* To every socket in the group but the one bound to port skip. */
static void multicast(struct socket *s, const char *buf, size_t len,
		      uint32_t skip, unsigned group)
{
	struct linux_ucred cred;
	struct sockname from;

	nl_name(&from, portid(s), 1U << (group - 1));
	sock_own_cred(&cred);
	list_for_each (n, &nl_bound) {
		struct socket *b = list_entry(n, struct socket, bound);

		if (portid(b) == skip || !(b->nl.groups >> (group - 1) & 1))
			continue;
		if (netlink_full(b) || sock_deliver(b, buf, len, &from, &cred))
			overrun(b);
	}
}

static bool has_room(struct socket *to, void *arg)
{
	(void)arg;
	return to->closed || !netlink_full(to);
}

/* To the socket bound to port pid, waiting for room in its queue. */
static int unicast(struct socket *s, const char *buf, size_t len, uint32_t pid,
		   bool nonblock)
{
	struct socket *to = find_port(pid);
	struct linux_ucred cred;
	struct sockname from;
	int err;

	if (!to)
		return -ECONNREFUSED;
	sock_get(to);
	err = sock_wait(to, nonblock, s->sndtimeo, has_room, NULL);
	if (!err && to->closed)
		err = -ECONNREFUSED;
	if (!err) {
		nl_name(&from, portid(s), 0);
		sock_own_cred(&cred);
		err = sock_deliver(to, buf, len, &from, &cred);
	}
	sock_put(to);
	return err;
}

static long nl_sendmsg(struct socket *s, struct kmsg *km, unsigned flags)
{
	bool nonblock = flags & MSG_DONTWAIT; /* O_NONBLOCK included */
	uint32_t pid = s->remote.nl.nl_pid;
	unsigned group = (unsigned)__builtin_ffs((int)s->remote.nl.nl_groups);
	char *buf;
	long err;

	if (km->name.len) {
		if (km->name.len < sizeof(struct linux_sockaddr_nl) ||
		    km->name.family != AF_NETLINK)
			return -EINVAL;
		pid = km->name.nl.nl_pid;
		group = (unsigned)__builtin_ffs((int)km->name.nl.nl_groups);
		if ((pid || group) && !cred_capable(CAP_NET_ADMIN))
			return -EPERM;
	}
	if (!is_bound(s)) {
		err = nl_autobind(s);
		if (err)
			return err;
	}
	if (km->total > s->sndbuf - SEND_SLACK)
		return -EMSGSIZE;
	buf = kmalloc(km->total + 1);
	if (!buf)
		return -ENOMEM;
	err = kmsg_copy(km, 0, buf, km->total, false);
	if (!err && group)
		multicast(s, buf, km->total, pid, group);
	if (!err && pid)
		err = unicast(s, buf, km->total, pid, nonblock);
	else if (!err)
		rtnl_rcv(s, buf, km->total);
	kfree(buf);
	return err ? err : (long)km->total;
}

static bool is_flag(int name)
{
	switch (name) {
	case NETLINK_PKTINFO:
	case NETLINK_BROADCAST_ERROR:
	case NETLINK_NO_ENOBUFS:
	case NETLINK_LISTEN_ALL_NSID:
	case NETLINK_CAP_ACK:
	case NETLINK_EXT_ACK:
	case NETLINK_GET_STRICT_CHK:
		return true;
	default:
		return false;
	}
}

static int nl_setopt(struct socket *s, int level, int name, int val)
{
	uint64_t bit;

	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (name == NETLINK_ADD_MEMBERSHIP || name == NETLINK_DROP_MEMBERSHIP) {
		if (val < 1 || val > RTNLGRP_MAX)
			return -EINVAL;
		bit = 1ULL << (val - 1);
		if (name == NETLINK_ADD_MEMBERSHIP)
			s->nl.groups |= bit;
		else
			s->nl.groups &= ~bit;
		update_name(s);
		return 0;
	}
	if (!is_flag(name))
		return -ENOPROTOOPT;
	if (name == NETLINK_LISTEN_ALL_NSID && !cred_capable(CAP_NET_BROADCAST))
		return -EPERM;
	if (val)
		s->nl.flags |= 1U << name;
	else
		s->nl.flags &= ~(1U << name);
	return 0;
}

static int nl_getopt(struct socket *s, int level, int name, int *val)
{
	if (level != SOL_NETLINK || !is_flag(name))
		return -ENOPROTOOPT;
	*val = netlink_flag(s, name);
	return 0;
}

const struct sock_family netlink_family = {
	.create = nl_create,
	.bind = nl_bind,
	.autobind = nl_autobind,
	.unbind = nl_unbind,
	.setopt = nl_setopt,
	.getopt = nl_getopt,
	.connect = nl_connect,
	.sendmsg = nl_sendmsg,
};

/*
 * socket_inet.c - AF_INET and AF_INET6 on the loopback only (net/): the
 * addressing of TCP (SOCK_STREAM) and UDP (SOCK_DGRAM) between sockets of
 * this guest; the data path is the shared one of net/socket_msg.c. Local
 * addresses are 127.0.0.0/8, ::1 and the wildcards; anything else is
 * EADDRNOTAVAIL to bind and ENETUNREACH to reach (there is no network
 * interface yet: a real stack takes over this family table later).
 * Internally every address is IPv6, IPv4 ones mapped (::ffff:a.b.c.d), so
 * an IPv6 socket without IPV6_V6ONLY meets IPv4 peers.
 */
#include <keel/errno.h>
#include <keel/socket.h>
#include <keel/string.h>

#define PORT_LO 32768 /* Linux's ip_local_port_range */
#define PORT_HI 60999
#define FAM_V4 1
#define FAM_V6 2

struct list_node inet_bound = LIST_INIT(inet_bound);

struct iaddr {
	uint8_t a[16];
	uint16_t port; /* host order */
};

static const uint8_t mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };
static const uint8_t zero16[16];

static uint16_t swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

static bool is_mapped(const uint8_t *a)
{
	return !memcmp(a, mapped_prefix, 12);
}

static bool is_any(const uint8_t *a)
{
	return !memcmp(a, zero16, 16) ||
	       (is_mapped(a) && !memcmp(a + 12, zero16, 4));
}

static bool is_loop(const uint8_t *a)
{
	static const uint8_t loop6[16] = { [15] = 1 };

	return (is_mapped(a) && a[12] == 127) || !memcmp(a, loop6, 16);
}

static void set_loop(uint8_t *a, bool v4)
{
	memset(a, 0, 16);
	if (v4) {
		memcpy(a, mapped_prefix, 12);
		a[12] = 127;
		a[15] = 1;
	} else {
		a[15] = 1;
	}
}

/* A name of one of our sockets (trusted) to an iaddr. */
static void from_name(const struct sockname *n, struct iaddr *ia)
{
	if (n->family == AF_INET) {
		memcpy(ia->a, mapped_prefix, 12);
		memcpy(ia->a + 12, &n->in.sin_addr, 4);
		ia->port = swap16(n->in.sin_port);
	} else {
		memcpy(ia->a, n->in6.sin6_addr, 16);
		ia->port = swap16(n->in6.sin6_port);
	}
}

static void to_name(int family, const struct iaddr *ia, struct sockname *n)
{
	memset(n, 0, sizeof(*n));
	if (family == AF_INET) {
		n->len = sizeof(struct linux_sockaddr_in);
		n->in.sin_family = AF_INET;
		n->in.sin_port = swap16(ia->port);
		memcpy(&n->in.sin_addr, ia->a + 12, 4);
	} else {
		n->len = sizeof(struct linux_sockaddr_in6);
		n->in6.sin6_family = AF_INET6;
		n->in6.sin6_port = swap16(ia->port);
		memcpy(n->in6.sin6_addr, ia->a, 16);
	}
}

/* A program's address for socket s. */
static int parse(struct socket *s, const struct sockname *n, struct iaddr *ia)
{
	struct sockname copy = *n;

	if (s->family == AF_INET) {
		if (n->len < sizeof(struct linux_sockaddr_in))
			return -EINVAL;
		if (n->family != AF_INET)
			return -EAFNOSUPPORT;
	} else {
		if (n->len < 24) /* without sin6_scope_id, as RFC 2133 */
			return -EINVAL;
		if (n->family != AF_INET6)
			return -EAFNOSUPPORT;
	}
	if (copy.family == AF_INET6)
		copy.in6.sin6_scope_id = 0;
	from_name(&copy, ia);
	return 0;
}

/* Which families a socket bound to ia receives. */
static unsigned families(const struct socket *s, const struct iaddr *ia)
{
	if (!is_any(ia->a))
		return is_mapped(ia->a) ? FAM_V4 : FAM_V6;
	if (s->family == AF_INET)
		return FAM_V4;
	return s->v6only ? FAM_V6 : FAM_V4 | FAM_V6;
}

/* Does the bound socket b receive what is sent to dst? */
static bool covers(const struct socket *b, const struct iaddr *dst)
{
	struct iaddr l;

	from_name(&b->local, &l);
	if (l.port != dst->port)
		return false;
	if (!is_any(l.a))
		return !memcmp(l.a, dst->a, 16);
	return families(b, &l) & (is_mapped(dst->a) ? FAM_V4 : FAM_V6);
}

/* Would s bound to ia clash with the bound socket b? */
static bool clashes(const struct socket *s, const struct iaddr *ia,
		    const struct socket *b)
{
	struct iaddr l;

	from_name(&b->local, &l);
	if (b == s || b->type != s->type || l.port != ia->port)
		return false;
	if (sock_flag(s, SO_REUSEADDR) && sock_flag(b, SO_REUSEADDR) &&
	    (s->type == SOCK_DGRAM || !b->listening))
		return false;
	if (!is_any(ia->a) && !is_any(l.a))
		return !memcmp(ia->a, l.a, 16);
	return families(s, ia) & families(b, &l);
}

static bool port_used(const struct socket *s, uint16_t port)
{
	list_for_each (n, &inet_bound) {
		struct socket *b = list_entry(n, struct socket, bound);
		struct iaddr l;

		from_name(&b->local, &l);
		if (b->type == s->type && l.port == port)
			return true;
	}
	return false;
}

static int bind_to(struct socket *s, struct iaddr *ia)
{
	static uint16_t next = PORT_LO;

	if (!ia->port) {
		for (int i = 0; i <= PORT_HI - PORT_LO && !ia->port; i++) {
			uint16_t p = next;

			next = next == PORT_HI ? PORT_LO : next + 1;
			if (!port_used(s, p))
				ia->port = p;
		}
		if (!ia->port)
			return -EADDRINUSE;
	}
	list_for_each (n, &inet_bound)
		if (clashes(s, ia, list_entry(n, struct socket, bound)))
			return -EADDRINUSE;
	to_name(s->family, ia, &s->local);
	list_push_back(&inet_bound, &s->bound);
	return 0;
}

static int inet_create(struct socket *s, int type, int *protocol)
{
	struct iaddr any = { { 0 }, 0 };

	if (type == SOCK_STREAM) {
		if (*protocol && *protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		*protocol = IPPROTO_TCP;
	} else if (type == SOCK_DGRAM) {
		if (*protocol && *protocol != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		*protocol = IPPROTO_UDP;
	} else {
		return -ESOCKTNOSUPPORT; /* no raw sockets, no SCTP */
	}
	if (s->family == AF_INET)
		memcpy(any.a, mapped_prefix, 12);
	to_name(s->family, &any, &s->local);
	return 0;
}

static int inet_bind(struct socket *s, const struct sockname *n)
{
	struct iaddr ia;
	int err = parse(s, n, &ia);

	if (err)
		return err;
	if (!list_empty(&s->bound))
		return -EINVAL;
	if (!is_any(ia.a) && !is_loop(ia.a))
		return -EADDRNOTAVAIL;
	if (s->v6only && is_mapped(ia.a))
		return -EINVAL;
	return bind_to(s, &ia);
}

static int inet_autobind(struct socket *s)
{
	struct iaddr any;

	from_name(&s->local, &any);
	any.port = 0;
	return bind_to(s, &any);
}

/* The destination of a connect or send: a loopback address. */
static int destination(struct socket *s, const struct sockname *n,
		       struct iaddr *ia)
{
	int err = parse(s, n, ia);

	if (err)
		return err;
	if (is_any(ia->a))
		set_loop(ia->a, is_mapped(ia->a) || s->family == AF_INET);
	else if (!is_loop(ia->a) || (s->v6only && is_mapped(ia->a)))
		return -ENETUNREACH;
	return 0;
}

static int inet_lookup(struct socket *s, const struct sockname *n,
		       struct socket **out)
{
	struct iaddr ia;
	int err = destination(s, n, &ia);

	*out = NULL;
	if (err)
		return err;
	if (!ia.port)
		return s->type == SOCK_DGRAM ? -EINVAL : -ECONNREFUSED;
	list_for_each (p, &inet_bound) {
		struct socket *b = list_entry(p, struct socket, bound);

		if (b->type != s->type || b->closed || !covers(b, &ia) ||
		    (s->type == SOCK_STREAM && !b->listening))
			continue;
		sock_get(b);
		*out = b;
		return 0;
	}
	return s->type == SOCK_DGRAM ? 0 : -ECONNREFUSED;
}

static void inet_connected(struct socket *client, struct socket *child,
			   struct socket *listener, const struct sockname *to)
{
	struct iaddr d, c;

	(void)listener;
	if (destination(client, to, &d))
		return;
	to_name(client->family, &d, &client->remote);
	from_name(&client->local, &c);
	if (is_any(c.a)) { /* the source address is the destination's */
		memcpy(c.a, d.a, 16);
		to_name(client->family, &c, &client->local);
	}
	if (child) {
		to_name(child->family, &d, &child->local);
		to_name(child->family, &c, &child->remote);
	}
}

static void inet_source(struct socket *from, struct socket *to,
			struct sockname *out)
{
	struct iaddr l;

	from_name(&from->local, &l);
	if (is_any(l.a) || (to->family == AF_INET && !is_mapped(l.a)))
		set_loop(l.a, is_mapped(l.a) || to->family == AF_INET);
	to_name(to->family, &l, out);
}

static void inet_unbind(struct socket *s)
{
	list_remove(&s->bound);
}

static int inet_setopt(struct socket *s, int level, int name, int val)
{
	if (level == IPPROTO_TCP && s->type == SOCK_STREAM &&
	    name == TCP_NODELAY) {
		s->nodelay = val != 0;
		return 0;
	}
	if (level == IPPROTO_IPV6 && s->family == AF_INET6 &&
	    name == IPV6_V6ONLY) {
		if (!list_empty(&s->bound))
			return -EINVAL;
		s->v6only = val != 0;
		return 0;
	}
	return -ENOPROTOOPT;
}

static int inet_getopt(struct socket *s, int level, int name, int *val)
{
	if (level == IPPROTO_TCP && s->type == SOCK_STREAM &&
	    name == TCP_NODELAY)
		*val = s->nodelay;
	else if (level == IPPROTO_IPV6 && s->family == AF_INET6 &&
		 name == IPV6_V6ONLY)
		*val = s->v6only;
	else
		return -ENOPROTOOPT;
	return 0;
}

const struct sock_family inet_family = {
	.create = inet_create,
	.bind = inet_bind,
	.autobind = inet_autobind,
	.lookup = inet_lookup,
	.connected = inet_connected,
	.source = inet_source,
	.unbind = inet_unbind,
	.setopt = inet_setopt,
	.getopt = inet_getopt,
};

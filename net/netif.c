/*
 * netif.c - the network interfaces of the guest (net/): the table that
 * include/keel/netif.h describes, with the loopback "lo" in it from the
 * start, and the routes: those added by the network code and those Linux
 * makes for each address of an interface that is up, listed in Linux's
 * order. Read by net/rtnetlink.c (NETLINK_ROUTE) and net/iface_ioctl.c.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netif.h>
#include <keel/printf.h>
#include <keel/string.h>
#include <keel/time.h>
#include <uapi/socket.h>

#define IFA_F_SECONDARY 0x01
#define V6_MULTICAST_PREFIX 0xff /* ff00::/8 */

static struct iface lo = {
	.index = 1,
	.name = "lo",
	.flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP,
	.type = ARPHRD_LOOPBACK,
	.hwlen = 6,
	.operstate = IF_OPER_UNKNOWN,
	.mtu = 65536,
	.txqlen = 1000,
	.qdisc = "noqueue",
	.addrs = {
		{ AF_INET, 8, RT_SCOPE_HOST, 0, IFA_F_PERMANENT,
		  { 127, 0, 0, 1 }, { 0 }, 0 },
		{ AF_INET6, 128, RT_SCOPE_HOST, IFAPROT_KERNEL_LO,
		  IFA_F_PERMANENT, { [15] = 1 }, { 0 }, 0 },
	},
	.naddrs = 2,
};

static struct iface *table[IFACE_MAX] = { &lo }; /* in index order */
static unsigned ntable = 1;
static struct iface_route added[IFACE_ROUTES];
static unsigned nadded;

struct iface *iface_get(int index)
{
	for (unsigned i = 0; i < ntable; i++)
		if (table[i]->index == index)
			return table[i];
	return NULL;
}

struct iface *iface_find(const char *name)
{
	for (unsigned i = 0; i < ntable; i++)
		if (!strncmp(table[i]->name, name, IFNAMSIZ))
			return table[i];
	return NULL;
}

struct iface *iface_next(const struct iface *prev)
{
	unsigned i = 0;

	if (prev)
		while (i < ntable && table[i++] != prev)
			;
	return i < ntable ? table[i] : NULL;
}

int iface_add(struct iface *nif)
{
	if (ntable == IFACE_MAX)
		return -ENOSPC;
	if (iface_find(nif->name))
		return -EEXIST;
	nif->index = table[ntable - 1]->index + 1;
	table[ntable++] = nif;
	return 0;
}

int iface_add_addr(struct iface *nif, const struct iface_addr *a)
{
	if (nif->naddrs == IFACE_ADDRS)
		return -ENOSPC;
	nif->addrs[nif->naddrs] = *a;
	nif->addrs[nif->naddrs++].cstamp =
	    (uint32_t)ns_to_clock_t(time_now_ns());
	return 0;
}

void iface_remove_addr(struct iface *nif, unsigned i)
{
	if (i >= nif->naddrs)
		return;
	for (nif->naddrs--; i < nif->naddrs; i++)
		nif->addrs[i] = nif->addrs[i + 1];
}

int iface_add_route(const struct iface_route *r)
{
	if (nadded == IFACE_ROUTES)
		return -ENOSPC;
	added[nadded++] = *r;
	return 0;
}

void iface_clear(struct iface *nif)
{
	unsigned k = 0;

	nif->naddrs = 0;
	for (unsigned i = 0; i < nadded; i++)
		if (added[i].oif != nif->index || added[i].user)
			added[k++] = added[i];
	nadded = k;
}

static bool same_dst(const struct iface_route *a, const struct iface_route *b)
{
	return a->family == b->family && a->dst_len == b->dst_len &&
	       !memcmp(a->dst, b->dst, sizeof(a->dst));
}

int iface_route_new(const struct iface_route *r)
{
	if (!iface_get(r->oif))
		return -ENODEV;
	for (unsigned i = 0; i < nadded; i++)
		if (same_dst(&added[i], r) && added[i].table == r->table &&
		    added[i].oif == r->oif)
			return -EEXIST;
	if (nadded == IFACE_ROUTES)
		return -ENOSPC;
	added[nadded] = *r;
	added[nadded++].user = true;
	return 0;
}

int iface_route_del(const struct iface_route *r)
{
	for (unsigned i = 0; i < nadded; i++) {
		const struct iface_route *o = &added[i];

		if (!o->user || !same_dst(o, r) || o->table != r->table ||
		    (r->oif && o->oif != r->oif))
			continue;
		for (nadded--; i < nadded; i++)
			added[i] = added[i + 1];
		return 0;
	}
	return -ESRCH;
}

/* Do the first len bits of a and b agree? */
static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned bytes = len / 8, rest = len % 8;
	uint8_t m = (uint8_t)(0xff00 >> rest);

	return !memcmp(a, b, bytes) && (!rest || !((a[bytes] ^ b[bytes]) & m));
}

int iface_route_oif(int family, const uint8_t *dst)
{
	const struct iface_route *best = NULL;

	for (unsigned i = 0; i < nadded; i++) {
		const struct iface_route *r = &added[i];
		const struct iface *nif = iface_get(r->oif);

		if (r->user && r->family == family && nif &&
		    nif->flags & IFF_UP && prefix_eq(r->dst, dst, r->dst_len) &&
		    (!best || r->dst_len > best->dst_len))
			best = r;
	}
	return best ? best->oif : 0;
}

void iface_loopback_count(size_t len)
{
	lo.stats.rx_packets++;
	lo.stats.tx_packets++;
	lo.stats.rx_bytes += len;
	lo.stats.tx_bytes += len;
}

size_t iface_proc_dev(char *buf, size_t len)
{
	size_t n = (size_t)snprintf(
	    buf, len,
	    "Inter-|   Receive                                                "
	    "|  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed "
	    "multicast|bytes    packets errs drop fifo colls carrier "
	    "compressed\n");

	for (unsigned i = 0; i < ntable; i++) {
		const struct iface_stats *st = &table[i]->stats;

		n += (size_t)snprintf(
		    buf + MIN(n, len), len - MIN(n, len),
		    "%6s:%8llu %7llu    0    0    0     0          0         0 "
		    "%8llu %7llu    0    0    0     0       0          0\n",
		    table[i]->name, (unsigned long long)st->rx_bytes,
		    (unsigned long long)st->rx_packets,
		    (unsigned long long)st->tx_bytes,
		    (unsigned long long)st->tx_packets);
	}
	return n;
}

/* ---- routes ---- */

struct route_list {
	struct iface_route *r;
	unsigned n, max;
};

/* Add r unless the same route is there (Linux refuses the duplicate). */
static void add_route(struct route_list *l, const struct iface_route *r)
{
	for (unsigned i = 0; i < l->n; i++) {
		const struct iface_route *o = &l->r[i];

		if (o->table == r->table && o->type == r->type &&
		    o->dst_len == r->dst_len && o->oif == r->oif &&
		    !memcmp(o->dst, r->dst, sizeof(r->dst)))
			return;
	}
	if (l->n < l->max)
		l->r[l->n++] = *r;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An IPv4 route Linux makes for an address (its fib_magic). */
static void route4(struct route_list *l, struct iface_route r, int type,
		   uint32_t dst, int len)
{
	r.type = (uint8_t)type;
	r.table = type == RTN_UNICAST ? RT_TABLE_MAIN : RT_TABLE_LOCAL;
	r.scope = type == RTN_LOCAL ? RT_SCOPE_HOST : RT_SCOPE_LINK;
	r.dst_len = (uint8_t)len;
	put_be32(r.dst, dst);
	add_route(l, &r);
}

/* The address itself, its explicit broadcast, its prefix and the
 * prefix's broadcast (none for the zero network or a /32). */
static void addr_routes4(struct route_list *l, const struct iface *nif,
			 const struct iface_addr *a)
{
	struct iface_route r = { .family = AF_INET,
				 .protocol = RTPROT_KERNEL,
				 .oif = nif->index };
	uint32_t addr = get_be32(a->addr), brd = get_be32(a->broadcast);
	uint32_t mask = a->prefixlen ? ~0U << (32 - a->prefixlen) : 0;
	uint32_t prefix = addr & mask;

	memcpy(r.prefsrc, a->addr, 4);
	route4(l, r, RTN_LOCAL, addr, 32);
	if (brd && brd != ~0U)
		route4(l, r, RTN_BROADCAST, brd, 32);
	if (!(prefix >> 24) || a->flags & IFA_F_SECONDARY ||
	    (prefix == addr && a->prefixlen == 32))
		return;
	if (!(a->flags & IFA_F_NOPREFIXROUTE))
		route4(l, r,
		       nif->flags & IFF_LOOPBACK ? RTN_LOCAL : RTN_UNICAST,
		       prefix, a->prefixlen);
	if (a->prefixlen < 31)
		route4(l, r, RTN_BROADCAST, prefix | ~mask, 32);
}

/* The address (local table, metric 0) and its prefix (main, 256). */
static void addr_routes6(struct route_list *l, const struct iface *nif,
			 const struct iface_addr *a)
{
	struct iface_route r = { .family = AF_INET6,
				 .protocol = RTPROT_KERNEL,
				 .scope = RT_SCOPE_UNIVERSE,
				 .type = RTN_LOCAL,
				 .table = RT_TABLE_LOCAL,
				 .dst_len = 128,
				 .oif = nif->index };

	memcpy(r.dst, a->addr, 16);
	add_route(l, &r);
	if (a->prefixlen >= 128 || a->flags & IFA_F_NOPREFIXROUTE)
		return;
	r.type = RTN_UNICAST;
	r.table = RT_TABLE_MAIN;
	r.dst_len = a->prefixlen;
	r.priority = 256;
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = a->prefixlen > i * 8 ? a->prefixlen - i * 8 : 0;

		if (keep < 8)
			r.dst[i] &= (uint8_t)(0xff00 >> keep);
	}
	add_route(l, &r);
}

/* IPv6 on an interface other than lo: the multicast route ff00::/8. */
static void multicast_route6(struct route_list *l, const struct iface *nif)
{
	struct iface_route r = { .family = AF_INET6,
				 .protocol = RTPROT_KERNEL,
				 .type = RTN_MULTICAST,
				 .table = RT_TABLE_LOCAL,
				 .dst_len = 8,
				 .dst = { V6_MULTICAST_PREFIX },
				 .priority = 256,
				 .oif = nif->index };

	add_route(l, &r);
}

/*
 * Linux's order: by table, then IPv4 by destination (the longer prefix
 * first for the same one), IPv6 as its tree is walked (a prefix after the
 * routes inside it).
 */
static int route_cmp(const struct iface_route *a, const struct iface_route *b)
{
	unsigned common = MIN(a->dst_len, b->dst_len);
	int c;

	if (a->table != b->table)
		return a->table - b->table;
	if (a->family == AF_INET) {
		c = memcmp(a->dst, b->dst, 4);
		return c ? c : b->dst_len - a->dst_len;
	}
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = common > i * 8 ? MIN(common - i * 8, 8U) : 0;
		uint8_t m = (uint8_t)(0xff00 >> bits);

		if ((a->dst[i] & m) != (b->dst[i] & m))
			return memcmp(a->dst, b->dst, 16);
	}
	return b->dst_len - a->dst_len;
}

struct iface_route *iface_routes(int family, unsigned *n)
{
	struct route_list l = { NULL, 0, IFACE_ROUTES };

	for (unsigned i = 0; i < ntable; i++)
		l.max += table[i]->naddrs * 4 + 1;
	l.r = kmalloc(l.max * sizeof(*l.r));
	if (!l.r)
		return NULL;
	for (unsigned i = 0; i < ntable; i++) {
		const struct iface *nif = table[i];
		bool v6 = false;

		if (!(nif->flags & IFF_UP))
			continue;
		for (unsigned j = 0; j < nif->naddrs; j++) {
			const struct iface_addr *a = &nif->addrs[j];

			if (a->family != family)
				continue;
			if (family == AF_INET)
				addr_routes4(&l, nif, a);
			else
				addr_routes6(&l, nif, a);
			v6 = true;
		}
		if (v6 && family == AF_INET6 && !(nif->flags & IFF_LOOPBACK))
			multicast_route6(&l, nif);
	}
	for (unsigned i = 0; i < nadded; i++)
		if (added[i].family == family)
			add_route(&l, &added[i]);
	for (unsigned i = 1; i < l.n; i++) /* insertion sort: a few routes */
		for (unsigned j = i; j && route_cmp(&l.r[j - 1], &l.r[j]) > 0;
		     j--) {
			struct iface_route t = l.r[j];

			l.r[j] = l.r[j - 1];
			l.r[j - 1] = t;
		}
	*n = l.n;
	return l.r;
}

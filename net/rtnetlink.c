/*
 * rtnetlink.c - the kernel's side of NETLINK_ROUTE (net/): the messages a
 * netlink socket sends are taken one by one, as Linux's rtnetlink takes
 * them, and answered on the sender's queue from the interface table
 * (include/keel/netif.h). GET requests with NLM_F_DUMP list the links, the
 * addresses (AF_INET, AF_INET6, any other family: both) or the routes
 * (main and local tables) in datagrams of NLM_F_MULTI messages, then
 * NLMSG_DONE; without it they return one link (by index or name) or one
 * IPv6 address. Errors come back as NLMSG_ERROR, and with
 * NLM_F_ACK so does success. NETLINK_GET_STRICT_CHK checks the request
 * headers and filters the address and route dumps, as Linux does.
 * Changes (CAP_NET_ADMIN, else EPERM): RTM_NEWLINK and RTM_SETLINK set an
 * interface up or down and its MTU, RTM_NEWADDR and RTM_DELADDR add and
 * remove addresses (net/netif_set.c checks, the stack does). A new link
 * (veth, bridge, dummy: keel makes no virtual devices), a rename, a new
 * MAC and the other message types (neighbours, rules, qdiscs...) are
 * EOPNOTSUPP, and so are route lookups (RTM_GETROUTE without a dump).
 * RTM_NEWROUTE and RTM_DELROUTE add and remove routes through an
 * interface (no gateway) that lwIP's choice of interface follows.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netif.h>
#include <keel/netlink.h>
#include <keel/process.h>
#include <keel/string.h>

#define DGRAM_SIZE 3776 /* NLMSG_GOODSIZE: a page less the skb's overhead */
#define DUMPED 1 /* a dump was answered: no ack */

/* What a request says: its header and payload. */
struct req {
	struct socket *s;
	const struct nlmsghdr *h;
	const char *data;
	size_t len;
	bool strict; /* NETLINK_GET_STRICT_CHK */
};

/* The replies being made: one datagram, grown as messages are added. */
struct out {
	struct socket *s;
	char *buf;
	size_t len, cap;
	bool nomem;
	uint32_t seq;
	uint16_t flags; /* of every message: NLM_F_MULTI in a dump */
	uint16_t done_flags; /* of a dump's NLMSG_DONE */
	bool done_joins; /* NLMSG_DONE may end the last datagram */
};

/* ---- building messages ---- */

/* n more bytes (rounded up to 4, zeroed) at the end, or NULL. */
static void *grow(struct out *o, size_t n)
{
	size_t need = o->len + NLMSG_ALIGN(n);
	char *at;

	if (o->nomem)
		return NULL;
	if (need > o->cap) {
		size_t cap = MAX(need, MAX(o->cap * 2, (size_t)512));
		char *p = krealloc(o->buf, cap);

		if (!p) {
			o->nomem = true;
			return NULL;
		}
		o->buf = p;
		o->cap = cap;
	}
	at = o->buf + o->len;
	memset(at, 0, NLMSG_ALIGN(n));
	o->len = need;
	return at;
}

static void put(struct out *o, const void *data, size_t n)
{
	void *at = grow(o, n);

	if (at)
		memcpy(at, data, n);
}

/* Begin a message with its fixed header: where it starts. */
static size_t msg_begin(struct out *o, uint16_t type, const void *fixed,
			size_t n)
{
	size_t off = o->len;
	struct nlmsghdr *h = grow(o, NLMSG_HDRLEN);

	if (h) {
		h->nlmsg_type = type;
		h->nlmsg_flags = o->flags;
		h->nlmsg_seq = o->seq;
		h->nlmsg_pid = o->s->local.nl.nl_pid;
	}
	put(o, fixed, n);
	return off;
}

static void msg_end(struct out *o, size_t off)
{
	if (!o->nomem)
		((struct nlmsghdr *)(o->buf + off))->nlmsg_len =
		    (uint32_t)(o->len - off);
}

static void attr(struct out *o, uint16_t type, const void *data, size_t n)
{
	struct nlattr *a = grow(o, NLA_HDRLEN + n);

	if (!a)
		return;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	a->nla_type = type;
	memcpy(a + 1, data, n);
}

static void attr_u32(struct out *o, uint16_t type, uint32_t v)
{
	attr(o, type, &v, sizeof(v));
}

static void attr_u8(struct out *o, uint16_t type, uint8_t v)
{
	attr(o, type, &v, sizeof(v));
}

static void attr_str(struct out *o, uint16_t type, const char *s)
{
	attr(o, type, s, strlen(s) + 1);
}

static bool is_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* ---- links, addresses, routes ---- */

static void put_link(struct out *o, const struct iface *nif)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_type = nif->type,
				 .ifi_index = nif->index,
				 .ifi_flags = nif->flags };
	struct rtnl_link_stats64 st64 = { .rx_packets = nif->stats.rx_packets,
					  .tx_packets = nif->stats.tx_packets,
					  .rx_bytes = nif->stats.rx_bytes,
					  .tx_bytes = nif->stats.tx_bytes };
	struct rtnl_link_stats st = { (uint32_t)st64.rx_packets,
				      (uint32_t)st64.tx_packets,
				      (uint32_t)st64.rx_bytes,
				      (uint32_t)st64.tx_bytes,
				      { 0 } };
	struct rtnl_link_ifmap map = { 0 };
	size_t off = msg_begin(o, RTM_NEWLINK, &ifi, sizeof(ifi));

	attr_str(o, IFLA_IFNAME, nif->name);
	attr_u32(o, IFLA_TXQLEN, nif->txqlen);
	attr_u8(o, IFLA_OPERSTATE, nif->operstate);
	attr_u8(o, IFLA_LINKMODE, 0);
	attr_u32(o, IFLA_MTU, nif->mtu);
	attr_u32(o, IFLA_MIN_MTU, nif->min_mtu);
	attr_u32(o, IFLA_MAX_MTU, nif->max_mtu);
	attr_u32(o, IFLA_GROUP, 0);
	attr_u32(o, IFLA_PROMISCUITY, 0);
	attr_u32(o, IFLA_NUM_TX_QUEUES, 1);
	attr_u32(o, IFLA_NUM_RX_QUEUES, 1);
	attr_u8(o, IFLA_CARRIER, nif->flags & IFF_LOWER_UP ? 1 : 0);
	attr_u32(o, IFLA_CARRIER_CHANGES, 0);
	attr_u32(o, IFLA_CARRIER_UP_COUNT, 0);
	attr_u32(o, IFLA_CARRIER_DOWN_COUNT, 0);
	attr_u8(o, IFLA_PROTO_DOWN, 0);
	if (nif->hwlen) {
		attr(o, IFLA_ADDRESS, nif->hwaddr, nif->hwlen);
		attr(o, IFLA_BROADCAST, nif->hwbroadcast, nif->hwlen);
	}
	attr(o, IFLA_STATS64, &st64, sizeof(st64));
	attr(o, IFLA_STATS, &st, sizeof(st));
	attr_str(o, IFLA_QDISC, nif->qdisc);
	attr(o, IFLA_MAP, &map, sizeof(map));
	msg_end(o, off);
}

static void put_addr(struct out *o, const struct iface *nif,
		     const struct iface_addr *a)
{
	struct ifaddrmsg ifa = { a->family, a->prefixlen, (uint8_t)a->flags,
				 a->scope, (uint32_t)nif->index };
	struct ifa_cacheinfo ci = { ~0U, ~0U, a->cstamp, a->cstamp };
	size_t off = msg_begin(o, RTM_NEWADDR, &ifa, sizeof(ifa));

	if (a->family == AF_INET) {
		attr(o, IFA_ADDRESS, a->addr, 4);
		attr(o, IFA_LOCAL, a->addr, 4);
		if (!is_zero(a->broadcast, 4))
			attr(o, IFA_BROADCAST, a->broadcast, 4);
		attr_str(o, IFA_LABEL, nif->name);
		attr_u32(o, IFA_FLAGS, a->flags);
		attr(o, IFA_CACHEINFO, &ci, sizeof(ci));
	} else {
		attr(o, IFA_ADDRESS, a->addr, 16);
		attr(o, IFA_CACHEINFO, &ci, sizeof(ci));
		attr_u32(o, IFA_FLAGS, a->flags);
		if (a->proto)
			attr_u8(o, IFA_PROTO, a->proto);
	}
	msg_end(o, off);
}

/* As Linux's IPv4 (fib_dump_info) and IPv6 (rt6_fill_node) write them. */
static void put_route(struct out *o, const struct iface_route *r)
{
	struct rtmsg rtm = { .rtm_family = r->family,
			     .rtm_dst_len = r->dst_len,
			     .rtm_table = r->table,
			     .rtm_protocol = r->protocol,
			     .rtm_scope = r->scope,
			     .rtm_type = r->type };
	struct rta_cacheinfo ci = { 0 };
	bool v4 = r->family == AF_INET;
	size_t alen = v4 ? 4 : 16;
	size_t off = msg_begin(o, RTM_NEWROUTE, &rtm, sizeof(rtm));

	attr_u32(o, RTA_TABLE, r->table);
	if (r->dst_len)
		attr(o, RTA_DST, r->dst, alen);
	if (v4 && r->priority)
		attr_u32(o, RTA_PRIORITY, r->priority);
	if (!is_zero(r->prefsrc, alen))
		attr(o, RTA_PREFSRC, r->prefsrc, alen);
	if (!v4)
		attr_u32(o, RTA_PRIORITY, r->priority);
	if (!is_zero(r->gateway, alen))
		attr(o, RTA_GATEWAY, r->gateway, alen);
	attr_u32(o, RTA_OIF, (uint32_t)r->oif);
	if (!v4) {
		attr(o, RTA_CACHEINFO, &ci, sizeof(ci));
		attr_u8(o, RTA_PREF, 0); /* medium */
	}
	msg_end(o, off);
}

/* ---- replies ---- */

static void out_init(struct out *o, const struct req *q, uint16_t flags)
{
	*o = (struct out){ .s = q->s,
			   .seq = q->h->nlmsg_seq,
			   .flags = flags,
			   .done_flags = flags };
}

/* A message that begun at off is complete: a datagram holds as many as
 * fit in DGRAM_SIZE, the one that does not starts the next. */
static void dump_next(struct out *o, size_t off)
{
	if (o->nomem || o->len <= DGRAM_SIZE || !off)
		return;
	netlink_reply(o->s, o->buf, off, true);
	memmove(o->buf, o->buf + off, o->len - off);
	o->len -= off;
}

/*
 * The last datagram of a dump, then NLMSG_DONE with err: in a datagram of
 * its own, as Linux sends it for most dumps (RTNL_FLAG_DUMP_SPLIT_NLM_DONE)
 * unless done_joins.
 */
static void dump_done(struct out *o, int err)
{
	struct {
		struct nlmsghdr h;
		int32_t err;
	} done = { { sizeof(done), NLMSG_DONE, o->done_flags, o->seq,
		     o->s->local.nl.nl_pid },
		   err };
	bool join = o->done_joins && o->len + sizeof(done) <= DGRAM_SIZE;

	if (join)
		put(o, &done, sizeof(done));
	if (o->nomem) {
		done.err = -ENOMEM; /* what was made is lost */
		join = false;
	} else if (o->len) {
		netlink_reply(o->s, o->buf, o->len, true);
	}
	if (!join)
		netlink_reply(o->s, &done, sizeof(done), true);
	kfree(o->buf);
}

/* The one reply of a request without NLM_F_DUMP. */
static int send_one(struct out *o)
{
	int err = o->nomem ? -ENOMEM : 0;

	if (!err)
		netlink_reply(o->s, o->buf, o->len, false);
	kfree(o->buf);
	return err;
}

/* NLMSG_ERROR: the error (0: an ack) and the request, whole unless the
 * answer is an ack or NETLINK_CAP_ACK is set. */
static void ack(struct socket *s, const char *msg, const struct nlmsghdr *h,
		int err)
{
	bool capped = !err || netlink_flag(s, NETLINK_CAP_ACK);
	size_t plen = capped ? 0 : h->nlmsg_len - NLMSG_HDRLEN;
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} head = { { (uint32_t)(sizeof(head) + NLMSG_ALIGN(plen)), NLMSG_ERROR,
		     capped ? NLM_F_CAPPED : 0, h->nlmsg_seq,
		     s->local.nl.nl_pid },
		   { err, *h } };
	char *buf = plen ? kzalloc(head.h.nlmsg_len) : NULL;

	if (!buf) { /* an ack, or no memory for the whole request */
		head.h.nlmsg_len = sizeof(head);
		head.h.nlmsg_flags = NLM_F_CAPPED;
		netlink_reply(s, &head, sizeof(head), false);
		return;
	}
	memcpy(buf, &head, sizeof(head));
	memcpy(buf + sizeof(head), msg + NLMSG_HDRLEN, plen);
	netlink_reply(s, buf, head.h.nlmsg_len, false);
	kfree(buf);
}

/* ---- requests ---- */

/* The attribute of this type after a fixed header of hlen bytes, or NULL
 * (*n: its length). Parsing stops at the first malformed attribute. */
static const void *find_attr(const struct req *q, size_t hlen, uint16_t type,
			     size_t *n)
{
	size_t off = NLMSG_ALIGN(hlen);

	while (q->len >= off + NLA_HDRLEN) {
		struct nlattr a;

		memcpy(&a, q->data + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > q->len - off)
			break;
		if ((a.nla_type & NLA_TYPE_MASK) == type) {
			*n = a.nla_len - NLA_HDRLEN;
			return q->data + off + NLA_HDRLEN;
		}
		off += NLMSG_ALIGN(a.nla_len);
	}
	return NULL;
}

static bool attr_val32(const struct req *q, size_t hlen, uint16_t type,
		       uint32_t *v)
{
	size_t n;
	const void *p = find_attr(q, hlen, type, &n);

	if (!p || n < sizeof(*v))
		return false;
	memcpy(v, p, sizeof(*v));
	return true;
}

/* RTM_GETLINK with NLM_F_DUMP: every link (none of AF_BRIDGE's ports,
 * none that is enslaved to the IFLA_MASTER asked for). */
static void dump_links(const struct req *q, uint8_t family)
{
	size_t hlen =
	    q->len < sizeof(struct ifinfomsg) ? 1 : sizeof(struct ifinfomsg);
	struct ifinfomsg ifi = { 0 };
	uint32_t master = 0;
	struct out o;

	out_init(&o, q, NLM_F_MULTI);
	memcpy(&ifi, q->data, MIN(q->len, sizeof(ifi)));
	if (q->strict && (q->len < sizeof(ifi) || ifi.ifi_pad || ifi.ifi_type ||
			  ifi.ifi_flags || ifi.ifi_change || ifi.ifi_index)) {
		dump_done(&o, -EINVAL);
		return;
	}
	attr_val32(q, hlen, IFLA_MASTER, &master);
	if (family != AF_BRIDGE && !master)
		for (struct iface *n = iface_next(NULL); n; n = iface_next(n)) {
			size_t off = o.len;

			put_link(&o, n);
			dump_next(&o, off);
		}
	dump_done(&o, 0);
}

/* RTM_GETADDR with NLM_F_DUMP: the addresses of one family or both; in
 * strict mode, of one interface if ifa_index says so. */
static void dump_addrs(const struct req *q, uint8_t family)
{
	struct ifaddrmsg ifa = { 0 };
	struct out o;

	out_init(&o, q, NLM_F_MULTI);
	memcpy(&ifa, q->data, MIN(q->len, sizeof(ifa)));
	if (q->strict) {
		if (q->len < sizeof(ifa) || ifa.ifa_prefixlen ||
		    ifa.ifa_flags || ifa.ifa_scope) {
			dump_done(&o, -EINVAL);
			return;
		}
		if (ifa.ifa_index) {
			o.flags |= NLM_F_DUMP_FILTERED;
			o.done_flags |= NLM_F_DUMP_FILTERED;
			if (!iface_get((int)ifa.ifa_index)) {
				dump_done(&o, -ENODEV);
				return;
			}
		}
	} else {
		ifa.ifa_index = 0;
	}
	o.done_joins = family == AF_INET6; /* IPv6's own dump joins them */
	for (int f = AF_INET; f <= AF_INET6; f += AF_INET6 - AF_INET) {
		if (family != f && (family == AF_INET || family == AF_INET6))
			continue;
		for (struct iface *n = iface_next(NULL); n; n = iface_next(n))
			for (unsigned i = 0; i < n->naddrs; i++) {
				size_t off = o.len;

				if (n->addrs[i].family != f ||
				    (ifa.ifa_index &&
				     (int)ifa.ifa_index != n->index))
					continue;
				put_addr(&o, n, &n->addrs[i]);
				dump_next(&o, off);
			}
	}
	dump_done(&o, 0);
}

/* The filters of a strict route dump. */
struct route_filter {
	uint32_t table, oif;
	uint8_t protocol, type;
	bool none; /* RTM_F_PREFIX on IPv6: no route is a prefix route */
};

static int route_filter(const struct req *q, struct route_filter *f)
{
	struct rtmsg rtm = { 0 };

	memset(f, 0, sizeof(*f));
	memcpy(&rtm, q->data, MIN(q->len, sizeof(rtm)));
	if (!q->strict) {
		f->none = q->len >= sizeof(rtm) && rtm.rtm_flags & RTM_F_PREFIX;
		return 0;
	}
	if (q->len < sizeof(rtm) || rtm.rtm_dst_len || rtm.rtm_src_len ||
	    rtm.rtm_tos || rtm.rtm_scope ||
	    rtm.rtm_flags & ~(uint32_t)(RTM_F_CLONED | RTM_F_PREFIX))
		return -EINVAL;
	f->table = rtm.rtm_table;
	f->protocol = rtm.rtm_protocol;
	f->type = rtm.rtm_type;
	f->none = rtm.rtm_flags & RTM_F_PREFIX;
	attr_val32(q, sizeof(rtm), RTA_TABLE, &f->table);
	if (attr_val32(q, sizeof(rtm), RTA_OIF, &f->oif) &&
	    !iface_get((int)f->oif))
		return -ENODEV;
	return 0;
}

static bool route_passes(const struct route_filter *f,
			 const struct iface_route *r)
{
	return (!f->table || f->table == r->table) &&
	       (!f->protocol || f->protocol == r->protocol) &&
	       (!f->type || f->type == r->type) &&
	       (!f->oif || f->oif == (uint32_t)r->oif);
}

/* RTM_GETROUTE with NLM_F_DUMP: the routes of one family or both
 * (IPv4 multicast routing, RTNL_FAMILY_IPMR and IP6MR, has none). */
static void dump_routes(const struct req *q, uint8_t family)
{
	struct route_filter f;
	struct out o;
	int err;

	out_init(&o, q, NLM_F_MULTI);
	err = route_filter(q, &f);
	if (err) {
		dump_done(&o, err);
		return;
	}
	if (q->strict) /* as Linux marks them, filtered or not */
		o.flags |= NLM_F_DUMP_FILTERED;
	if (f.table || f.protocol || f.type || f.oif)
		o.done_flags |= NLM_F_DUMP_FILTERED;
	for (int fam = AF_INET; fam <= AF_INET6; fam += AF_INET6 - AF_INET) {
		struct iface_route *r;
		unsigned n;

		if ((family != fam &&
		     (family == AF_INET || family == AF_INET6 ||
		      family == RTNL_FAMILY_IPMR ||
		      family == RTNL_FAMILY_IP6MR)) ||
		    (fam == AF_INET6 && f.none))
			continue;
		r = iface_routes(fam, &n);
		if (!r) {
			o.nomem = true;
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			size_t off = o.len;

			if (!route_passes(&f, &r[i]))
				continue;
			put_route(&o, &r[i]);
			dump_next(&o, off);
		}
		kfree(r);
	}
	dump_done(&o, 0);
}

/* The name in IFLA_IFNAME (or IFLA_ALT_IFNAME) into name: 1, 0 when
 * there is none, -ERANGE when too long. */
static int link_name(const struct req *q, char name[IFNAMSIZ])
{
	size_t n;
	const char *p = find_attr(q, sizeof(struct ifinfomsg), IFLA_IFNAME, &n);

	if (!p)
		p = find_attr(q, sizeof(struct ifinfomsg), IFLA_ALT_IFNAME, &n);
	if (!p)
		return 0;
	if (n && !p[n - 1])
		n--; /* the terminating NUL */
	if (n >= IFNAMSIZ)
		return -ERANGE; /* the attribute is too long */
	memcpy(name, p, n);
	name[n] = 0;
	return 1;
}

/* The link a request names: ifi_index, else the name; -EINVAL for
 * neither, -ENODEV for none such. */
static int link_of(const struct req *q, const struct ifinfomsg *ifi,
		   struct iface **out)
{
	char name[IFNAMSIZ];
	int named = link_name(q, name);

	if (named < 0)
		return named;
	if (ifi->ifi_index > 0)
		*out = iface_get(ifi->ifi_index);
	else if (named)
		*out = iface_find(name);
	else
		return -EINVAL;
	return *out ? 0 : -ENODEV;
}

/* RTM_GETLINK without NLM_F_DUMP: the link of ifi_index, or of the name
 * in IFLA_IFNAME (or IFLA_ALT_IFNAME). */
static int get_link(const struct req *q)
{
	struct ifinfomsg ifi;
	struct iface *nif;
	struct out o;
	int err;

	if (q->len < sizeof(ifi))
		return -EINVAL;
	memcpy(&ifi, q->data, sizeof(ifi));
	if (q->strict &&
	    (ifi.ifi_pad || ifi.ifi_type || ifi.ifi_flags || ifi.ifi_change))
		return -EINVAL;
	err = link_of(q, &ifi, &nif);
	if (err)
		return err;
	out_init(&o, q, 0);
	put_link(&o, nif);
	return send_one(&o);
}

/* RTM_GETADDR without NLM_F_DUMP: IPv6 only, the address in IFA_ADDRESS
 * or IFA_LOCAL, on the interface ifa_index if there is one. */
static int get_addr(const struct req *q, uint8_t family)
{
	struct ifaddrmsg ifa;
	const uint8_t *want;
	struct out o;
	size_t n;

	if (family != AF_INET6)
		return -EOPNOTSUPP; /* IPv4 has no such request */
	if (q->len < sizeof(ifa))
		return -EINVAL;
	memcpy(&ifa, q->data, sizeof(ifa));
	if (q->strict && (ifa.ifa_prefixlen || ifa.ifa_flags || ifa.ifa_scope))
		return -EINVAL;
	want = find_attr(q, sizeof(ifa), IFA_ADDRESS, &n);
	if (!want)
		want = find_attr(q, sizeof(ifa), IFA_LOCAL, &n);
	if (!want)
		return -EINVAL;
	if (n < 16)
		return -ERANGE;
	for (struct iface *nif = iface_next(NULL); nif; nif = iface_next(nif))
		for (unsigned i = 0; i < nif->naddrs; i++) {
			const struct iface_addr *a = &nif->addrs[i];

			if (a->family != AF_INET6 ||
			    memcmp(a->addr, want, 16) ||
			    (ifa.ifa_index && iface_get((int)ifa.ifa_index) &&
			     (int)ifa.ifa_index != nif->index))
				continue;
			out_init(&o, q, 0);
			put_addr(&o, nif, a);
			return send_one(&o);
		}
	return -EADDRNOTAVAIL;
}

/* ---- changes ---- */

/* Does every attribute of a link change say what keel can do: the name
 * that selects it (a rename is EOPNOTSUPP), the MTU, the MAC or the queue
 * length it already has? IFLA_LINKINFO (a kind of link) and the rest are
 * changes keel does not make. */
static bool link_attrs_ok(const struct req *q, const struct iface *nif)
{
	size_t off = NLMSG_ALIGN(sizeof(struct ifinfomsg));
	char name[IFNAMSIZ];

	if (link_name(q, name) > 0 && strncmp(name, nif->name, IFNAMSIZ))
		return false;
	while (q->len >= off + NLA_HDRLEN) {
		struct nlattr a;
		const char *v = q->data + off + NLA_HDRLEN;
		size_t n;
		uint32_t u;

		memcpy(&a, q->data + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > q->len - off)
			break;
		n = a.nla_len - NLA_HDRLEN;
		switch (a.nla_type & NLA_TYPE_MASK) {
		case IFLA_IFNAME:
		case IFLA_ALT_IFNAME:
		case IFLA_MTU:
			break;
		case IFLA_ADDRESS:
			if (n != nif->hwlen || memcmp(v, nif->hwaddr, n))
				return false;
			break;
		case IFLA_TXQLEN:
			memcpy(&u, v, MIN(n, sizeof(u)));
			if (n < sizeof(u) || u != nif->txqlen)
				return false;
			break;
		default:
			return false;
		}
		off += NLMSG_ALIGN(a.nla_len);
	}
	return true;
}

/* RTM_NEWLINK, RTM_SETLINK: the MTU, then the flags, as Linux's
 * do_setlink orders them. A link keel lacks is ENODEV, or EOPNOTSUPP
 * with NLM_F_CREATE (keel makes none). */
static int set_link(const struct req *q)
{
	struct ifinfomsg ifi;
	struct iface *nif;
	uint32_t mtu;
	int err;

	if (q->len < sizeof(ifi))
		return -EINVAL;
	memcpy(&ifi, q->data, sizeof(ifi));
	err = link_of(q, &ifi, &nif);
	if (q->h->nlmsg_type == RTM_NEWLINK) {
		/* Linux 6.x: a NEWLINK naming no link (index 0, no name)
		 * is ENODEV; a negative index stays EINVAL. */
		if (err == -EINVAL && ifi.ifi_index == 0)
			err = -ENODEV;
		if (err == -ENODEV && q->h->nlmsg_flags & NLM_F_CREATE)
			return -EOPNOTSUPP;
	}
	if (err)
		return err;
	if (!link_attrs_ok(q, nif))
		return -EOPNOTSUPP;
	if (attr_val32(q, sizeof(ifi), IFLA_MTU, &mtu)) {
		err = iface_set_mtu(nif, (int32_t)mtu);
		if (err)
			return err;
	}
	if (ifi.ifi_flags || ifi.ifi_change)
		err = iface_change_flags(nif, ifi.ifi_flags, ifi.ifi_change);
	return err;
}

/* RTM_NEWADDR, RTM_DELADDR: IFA_LOCAL (else IFA_ADDRESS) on ifa_index;
 * an address that is there already is EEXIST unless NLM_F_REPLACE. */
static int change_addr(const struct req *q, bool add)
{
	struct ifaddrmsg ifa;
	struct iface_addr a = { .flags = IFA_F_PERMANENT };
	struct iface *nif;
	const void *p;
	size_t n, size;
	uint16_t fl = q->h->nlmsg_flags;

	if (q->len < sizeof(ifa))
		return -EINVAL;
	memcpy(&ifa, q->data, sizeof(ifa));
	if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6)
		return -EOPNOTSUPP; /* no handler for the family, as Linux */
	size = ifa.ifa_family == AF_INET ? 4 : 16;
	p = find_attr(q, sizeof(ifa), IFA_LOCAL, &n);
	if (!p)
		p = find_attr(q, sizeof(ifa), IFA_ADDRESS, &n);
	if (!p || n < size)
		return -EINVAL;
	nif = iface_get((int)ifa.ifa_index);
	if (!nif)
		return -ENODEV;
	a.family = ifa.ifa_family;
	a.prefixlen = ifa.ifa_prefixlen;
	memcpy(a.addr, p, size);
	p = find_attr(q, sizeof(ifa), IFA_BROADCAST, &n);
	if (p && size == 4 && n >= 4)
		memcpy(a.broadcast, p, 4);
	if (!add)
		return iface_addr_del(nif, &a);
	return iface_addr_new(nif, &a,
			      fl & NLM_F_EXCL || !(fl & NLM_F_REPLACE));
}

/* The route of a RTM_NEWROUTE or RTM_DELROUTE into *r: the family, the
 * destination (its host bits: EINVAL for IPv4, cleared for IPv6, as
 * Linux), the table (main unless given), RTA_OIF, the metric (IPv6's
 * default 1024). A source prefix or a gateway is EOPNOTSUPP. */
static int parse_route(const struct req *q, struct iface_route *r)
{
	struct rtmsg rtm;
	const uint8_t *p;
	size_t n, size;
	uint32_t v;

	if (q->len < sizeof(rtm))
		return -EINVAL;
	memcpy(&rtm, q->data, sizeof(rtm));
	if (rtm.rtm_family != AF_INET && rtm.rtm_family != AF_INET6)
		return -EOPNOTSUPP; /* no handler for the family, as Linux */
	size = rtm.rtm_family == AF_INET ? 4 : 16;
	if (rtm.rtm_dst_len > size * 8)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->family = rtm.rtm_family;
	r->dst_len = rtm.rtm_dst_len;
	r->table = rtm.rtm_table ? rtm.rtm_table : RT_TABLE_MAIN;
	if (attr_val32(q, sizeof(rtm), RTA_TABLE, &v))
		r->table = v ? (uint8_t)MIN(v, 255U) : RT_TABLE_MAIN;
	r->protocol = rtm.rtm_protocol;
	r->scope = rtm.rtm_scope;
	r->type = rtm.rtm_type;
	p = find_attr(q, sizeof(rtm), RTA_DST, &n);
	if (p && n < size)
		return -EINVAL;
	if (p)
		memcpy(r->dst, p, size);
	for (unsigned i = 0; i < size; i++) {
		unsigned keep = r->dst_len > i * 8 ? r->dst_len - i * 8 : 0;
		uint8_t host = keep >= 8 ? 0 : (uint8_t)(0xff >> keep);

		if (r->dst[i] & host && size == 4)
			return -EINVAL;
		r->dst[i] &= (uint8_t)~host;
	}
	if (attr_val32(q, sizeof(rtm), RTA_OIF, &v))
		r->oif = (int)v;
	if (!attr_val32(q, sizeof(rtm), RTA_PRIORITY, &r->priority) &&
	    size == 16)
		r->priority = 1024;
	if (rtm.rtm_src_len || find_attr(q, sizeof(rtm), RTA_GATEWAY, &n))
		return -EOPNOTSUPP;
	return 0;
}

/* RTM_NEWROUTE: a unicast route of the main table through one of keel's
 * interfaces; RTM_DELROUTE: a route a program added. */
static int change_route(const struct req *q, bool add)
{
	struct iface_route r;
	int err = parse_route(q, &r);

	if (err)
		return err;
	if (!add)
		return iface_route_del(&r);
	if (r.type != RTN_UNICAST || r.table != RT_TABLE_MAIN)
		return -EOPNOTSUPP;
	return iface_route_new(&r);
}

/* A NEW, DEL or SET request. */
static int change(const struct req *q)
{
	if (!cred_capable(CAP_NET_ADMIN))
		return -EPERM;
	switch (q->h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_SETLINK:
		return set_link(q);
	case RTM_NEWADDR:
		return change_addr(q, true);
	case RTM_DELADDR:
		return change_addr(q, false);
	case RTM_NEWROUTE:
		return change_route(q, true);
	case RTM_DELROUTE:
		return change_route(q, false);
	default:
		return -EOPNOTSUPP;
	}
}

/* One request: 0, DUMPED, or an error for NLMSG_ERROR. */
static int request(struct socket *s, const struct nlmsghdr *h, const char *data)
{
	struct req q = { s, h, data, h->nlmsg_len - NLMSG_HDRLEN,
			 netlink_flag(s, NETLINK_GET_STRICT_CHK) };
	unsigned type = h->nlmsg_type;
	uint8_t family;

	if (type > RTM_MAX)
		return -EOPNOTSUPP;
	if (q.len < 1)
		return 0; /* not even a family: ignored, as Linux does */
	family = (uint8_t)data[0];
	if ((type - RTM_BASE) % 4 != RTM_KIND_GET)
		return change(&q);
	if (!(h->nlmsg_flags & NLM_F_DUMP)) {
		if (type == RTM_GETLINK)
			return get_link(&q);
		if (type == RTM_GETADDR)
			return get_addr(&q, family);
		return -EOPNOTSUPP;
	}
	if (type != RTM_GETLINK && type != RTM_GETADDR && type != RTM_GETROUTE)
		return -EOPNOTSUPP;
	if (netlink_full(s))
		return -ENOBUFS; /* the dump cannot start */
	if (type == RTM_GETLINK)
		dump_links(&q, family);
	else if (type == RTM_GETADDR)
		dump_addrs(&q, family);
	else
		dump_routes(&q, family);
	return DUMPED;
}

void rtnl_rcv(struct socket *s, const char *buf, size_t len)
{
	while (len >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		size_t step;
		int err = 0;

		memcpy(&h, buf, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			return; /* the rest is dropped, as Linux does */
		/* Only requests are answered; control messages are not. */
		if (h.nlmsg_flags & NLM_F_REQUEST &&
		    h.nlmsg_type >= NLMSG_MIN_TYPE)
			err = request(s, &h, buf + NLMSG_HDRLEN);
		if (err != DUMPED && (err || h.nlmsg_flags & NLM_F_ACK))
			ack(s, buf, &h, err);
		step = MIN((size_t)NLMSG_ALIGN(h.nlmsg_len), len);
		buf += step;
		len -= step;
	}
}

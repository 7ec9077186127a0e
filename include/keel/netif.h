/*
 * netif.h - the network interfaces the guest has (net/netif.c): one small
 * table of interfaces, each with its addresses, and the routes. Netlink's
 * NETLINK_ROUTE (net/rtnetlink.c) and the interface ioctls answer from it.
 * The loopback "lo" (index 1) is always there; a network driver adds its
 * interface with iface_add, its addresses with iface_add_addr and any route
 * Linux would not make for an address by itself (a default gateway) with
 * iface_add_route. The routes Linux makes for each address (local, prefix,
 * broadcast) are derived from the addresses, as the kernel's own.
 */
#ifndef KEEL_NETIF_H
#define KEEL_NETIF_H

#include <keel/compiler.h>
#include <uapi/netlink.h>

#define IFACE_MAX 8 /* interfaces */
#define IFACE_ADDRS 4 /* addresses per interface */
#define IFACE_ROUTES 8 /* routes added by iface_add_route */

struct iface_addr {
	uint8_t family; /* AF_INET, AF_INET6 */
	uint8_t prefixlen;
	uint8_t scope; /* RT_SCOPE_* */
	uint8_t proto; /* IFA_PROTO, 0: none */
	uint32_t flags; /* IFA_F_* */
	uint8_t addr[16]; /* AF_INET: the first 4 bytes */
	uint8_t broadcast[4]; /* AF_INET: 0.0.0.0 when none was given */
	uint32_t cstamp; /* made, in hundredths of a second since boot */
};

/* What the interface carried; more counters are zero. */
struct iface_stats {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
};

struct iface;

/*
 * What changing an interface asks of the stack that carries it (net/lwip
 * sets them for its interfaces and the loopback; no ops, or a NULL one:
 * the change is EOPNOTSUPP). Each is called after net/netif_set.c checked
 * the request, and keeps the table (flags, addresses) as the stack is.
 */
struct iface_ops {
	int (*set_up)(struct iface *nif, bool up);
	int (*set_mtu)(struct iface *nif, uint32_t mtu);
	int (*add_addr)(struct iface *nif, const struct iface_addr *a);
	int (*del_addr)(struct iface *nif, const struct iface_addr *a);
};

struct iface {
	int index; /* from 1; iface_add gives it */
	const struct iface_ops *ops;
	char name[IFNAMSIZ];
	uint32_t flags; /* IFF_*, with IFF_LOWER_UP */
	uint16_t type; /* ARPHRD_* */
	uint8_t hwlen; /* bytes of hwaddr (6 for ethernet and lo) */
	uint8_t hwaddr[8], hwbroadcast[8];
	uint8_t operstate; /* IF_OPER_*: lo's is unknown */
	uint32_t mtu, min_mtu, max_mtu, txqlen; /* lo's limits: 0 */
	const char *qdisc;
	struct iface_addr addrs[IFACE_ADDRS];
	unsigned naddrs;
	struct iface_stats stats;
};

/* A route; a zero gateway or preferred source means none. */
struct iface_route {
	uint8_t family, dst_len, table, protocol, scope, type; /* RT_*, RTN */
	uint8_t dst[16], gateway[16], prefsrc[16];
	uint32_t priority; /* the metric */
	int oif; /* the interface's index */
	bool user; /* added by a program (RTM_NEWROUTE): iface_clear keeps it */
};

/* The interface with this index or name, or NULL. */
struct iface *iface_get(int index);
struct iface *iface_find(const char *name);
/* The interfaces in index order: the first (prev NULL) or the next. */
struct iface *iface_next(const struct iface *prev);
/* Add an interface (its index is chosen) or an address, route: 0,
 * -ENOSPC (table full), -EEXIST (the name is taken). */
int iface_add(struct iface *nif);
int iface_add_addr(struct iface *nif, const struct iface_addr *a);
int iface_add_route(const struct iface_route *r);
/* Drop the interface's addresses and the routes added through it (its
 * addresses are about to be set anew). */
void iface_clear(struct iface *nif);
/* Drop the address at addrs[i] from the table. */
void iface_remove_addr(struct iface *nif, unsigned i);
/*
 * Changing an interface (net/netif_set.c), checked as Linux checks it,
 * CAP_NET_ADMIN by the caller. iface_change_flags: the flags as
 * rtnetlink combines them (change 0: flags whole); IFF_UP is done, the
 * other settable flags changing is EOPNOTSUPP, the rest is ignored.
 * iface_set_mtu: EINVAL outside the interface's limits. iface_addr_new:
 * EEXIST with excl for an address it has, else 0 without a change (both
 * before a prefix length too long, EINVAL, as Linux);
 * iface_addr_del: EADDRNOTAVAIL for one it has not (a prefix length of
 * 0 matches any).
 */
int iface_change_flags(struct iface *nif, uint32_t flags, uint32_t change);
int iface_set_mtu(struct iface *nif, int32_t mtu);
int iface_addr_new(struct iface *nif, const struct iface_addr *a, bool excl);
int iface_addr_del(struct iface *nif, const struct iface_addr *a);
/*
 * Routes a program adds and removes (RTM_NEWROUTE, RTM_DELROUTE): an
 * interface's own, without a gateway (the stack's choice of interface
 * and next hop follows them, net/lwip/route.c). iface_route_new: ENODEV
 * for an oif keel lacks, EEXIST for the same route, ENOSPC when the table
 * is full; iface_route_del: the program's route of that family, table,
 * destination and length (and oif when given), else ESRCH.
 */
int iface_route_new(const struct iface_route *r);
int iface_route_del(const struct iface_route *r);
/* The interface of the longest program's route to dst (family's bytes)
 * on an interface that is up, or 0. */
int iface_route_oif(int family, const uint8_t *dst);
/* The index of the address of a's family and bytes on nif, or -1. */
int iface_addr_find(const struct iface *nif, const struct iface_addr *a);
/*
 * The routes of one family (AF_INET, AF_INET6) in the order Linux lists
 * them (main table, then local; within a table by destination): a
 * kmalloc'ed array the caller frees (*n routes), NULL when out of memory.
 */
struct iface_route *iface_routes(int family, unsigned *n);
/* /proc/net/dev: the interfaces and their counters (its full length). */
size_t iface_proc_dev(char *buf, size_t len);
/* Start net/: hand /proc/net/dev's text to procfs (from init/main.c). */
void net_init(void);
/* A packet of len bytes went through the loopback. */
void iface_loopback_count(size_t len);
/*
 * The interface ioctls of a socket of this family (netdevice(7): SIOCGIF*
 * and the refused SIOCSIF*, the bridge and VLAN ones): the result, or
 * -ENOTTY for a command that is not one of them.
 */
long iface_ioctl(int family, unsigned cmd, unsigned long arg);

#endif

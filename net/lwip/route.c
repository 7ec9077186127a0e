/*
 * route.c - the routes a program added, in lwIP (net/lwip/): lwIP has no
 * route table, only its interfaces' prefixes and a default interface;
 * its routing hooks (lnet_hooks.h) ask keel's table (iface_route_oif,
 * include/keel/netif.h) first for IPv6, and before the default for IPv4
 * (an interface's own prefix wins there). Those routes have no gateway:
 * a destination they cover is sent to on the link, not to the router.
 * Called by lwIP with the stack locked.
 */
#include <keel/netif.h>
#include <keel/string.h>
#include <uapi/socket.h>
#include "glue.h"
#include "lwip/ip_addr.h"

/* The lwIP netif of keel's interface index, or NULL: a device's netif
 * carries its struct lnet_if (stack.c), the loopback none ("lo", 1). */
static struct netif *netif_of(int index)
{
	struct netif *n;

	if (!index)
		return NULL;
	NETIF_FOREACH(n)
	{
		const struct lnet_if *lif = n->state;

		if (lif ? lif->ifc.index == index
			: index == 1 && n->name[0] == 'l' && n->name[1] == 'o')
			return n;
	}
	return NULL;
}

static struct netif *route(int family, const void *dest, size_t n)
{
	uint8_t a[16];

	memcpy(a, dest, n);
	return netif_of(iface_route_oif(family, a));
}

struct netif *lnet_route4(const ip4_addr_t *src, const ip4_addr_t *dest)
{
	(void)src;
	return route(AF_INET, &dest->addr, 4);
}

const ip4_addr_t *lnet_route4_gw(struct netif *n, const ip4_addr_t *dest)
{
	return route(AF_INET, &dest->addr, 4) == n ? dest : NULL;
}

struct netif *lnet_route6(const ip6_addr_t *src, const ip6_addr_t *dest)
{
	(void)src;
	return route(AF_INET6, dest->addr, 16);
}

const ip6_addr_t *lnet_route6_gw(struct netif *n, const ip6_addr_t *dest)
{
	return route(AF_INET6, dest->addr, 16) == n ? dest : NULL;
}

/*
 * lnet_hooks.h - keel's hooks into lwIP's routing (net/lwip/route.c),
 * named by lwipopts.h and included by lwIP's files (LWIP_HOOK_FILENAME):
 * the routes a program added (RTM_NEWROUTE, include/keel/netif.h) choose
 * the interface, and their destinations are reached on the link.
 */
#ifndef KEEL_LNET_HOOKS_H
#define KEEL_LNET_HOOKS_H

struct netif;
struct ip4_addr;
struct ip6_addr;

struct netif *lnet_route4(const struct ip4_addr *src,
			  const struct ip4_addr *dest);
const struct ip4_addr *lnet_route4_gw(struct netif *n,
				      const struct ip4_addr *dest);
struct netif *lnet_route6(const struct ip6_addr *src,
			  const struct ip6_addr *dest);
const struct ip6_addr *lnet_route6_gw(struct netif *n,
				      const struct ip6_addr *dest);

#endif

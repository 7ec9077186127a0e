/*
 * ifset.c - keel's interface changes done on lwIP (net/lwip/): the
 * iface_ops (include/keel/netif.h) of each device's interface and of the
 * loopback. Up and down are lwIP's netif_set_up/down (a netif that is
 * down neither sends nor takes packets); the MTU is lwIP's, which TCP's
 * MSS and IP fragmentation follow; IPv6 addresses go in lwIP's address
 * slots (LWIP_IPV6_NUM_ADDRESSES a netif); IPv4 is one address a netif,
 * as lwIP keeps it. Called with the stack unlocked (net/netif_set.c).
 */
#include <keel/errno.h>
#include <keel/string.h>
#include <uapi/socket.h>
#include "glue.h"
#include "lwip/netif.h"

#define container_of_ifc(f) \
	((struct lnet_if *)((char *)(f)-offsetof(struct lnet_if, ifc)))

/* lwIP's MTU fields are 16 bits; 0 is "no limit" (65536 on lo). IPv6
 * needs 1280: below it, lwIP keeps IPv6's MTU where it was. */
static void netif_mtu(struct netif *n, uint32_t mtu)
{
	uint16_t m = mtu > 0xffff ? 0 : (uint16_t)mtu;

	n->mtu = m;
	if (!m || m >= 1280)
		n->mtu6 = m;
}

static void ip6_of(const struct iface_addr *a, ip6_addr_t *ip6)
{
	memset(ip6, 0, sizeof(*ip6));
	memcpy(ip6->addr, a->addr, 16);
	ip6_addr_clear_zone(ip6);
}

/* lwIP's slot of an IPv6 address on n, or -1. */
static int ip6_slot(struct netif *n, const struct iface_addr *a)
{
	ip6_addr_t ip6;

	ip6_of(a, &ip6);
	return netif_get_ip6_addr_match(n, &ip6);
}

/* A new IPv6 address on n: its slot, -ENOSPC when all are taken. With
 * dad false it is preferred at once (no duplicate detection on the
 * loopback, as Linux). */
static int ip6_add(struct netif *n, const struct iface_addr *a, bool dad)
{
	ip6_addr_t ip6;
	s8_t slot = -1;

	ip6_of(a, &ip6);
	if (netif_add_ip6_address(n, &ip6, &slot) != ERR_OK || slot < 0)
		return -ENOSPC;
	if (!dad)
		netif_ip6_addr_set_state(n, slot, IP6_ADDR_PREFERRED);
	return slot;
}

/* ---- a device's interface: the table follows lwIP (stack.c's sync) ---- */

static int dev_set_up(struct iface *f, bool up)
{
	struct lnet_if *lif = container_of_ifc(f);

	lwip_lock();
	if (up) {
		netif_set_up(&lif->nif);
		if (netif_is_link_up(&lif->nif)) {
			f->flags |= IFF_RUNNING | IFF_LOWER_UP;
			f->operstate = IF_OPER_UP;
		}
	} else {
		netif_set_down(&lif->nif);
		f->flags &= ~(uint32_t)(IFF_RUNNING | IFF_LOWER_UP);
		f->operstate = IF_OPER_DOWN;
	}
	lwip_unlock();
	return 0;
}

static int dev_set_mtu(struct iface *f, uint32_t mtu)
{
	lwip_lock();
	netif_mtu(&container_of_ifc(f)->nif, mtu);
	lwip_unlock();
	return 0;
}

static int dev_add_addr(struct iface *f, const struct iface_addr *a)
{
	struct netif *n = &container_of_ifc(f)->nif;
	int err = 0;

	lwip_lock();
	if (a->family == AF_INET6) {
		err = ip6_add(n, a, true);
	} else if (!ip4_addr_isany(netif_ip4_addr(n))) {
		err = -EOPNOTSUPP; /* one IPv4 address a netif */
	} else {
		ip4_addr_t ip, mask;
		uint32_t m = a->prefixlen ? ~0U << (32 - a->prefixlen) : 0;

		memcpy(&ip.addr, a->addr, 4);
		ip4_addr_set_u32(&mask, lwip_htonl(m));
		netif_set_addr(n, &ip, &mask, netif_ip4_gw(n));
	}
	lwip_unlock();
	return err < 0 ? err : 0;
}

static int dev_del_addr(struct iface *f, const struct iface_addr *a)
{
	struct netif *n = &container_of_ifc(f)->nif;
	int slot;

	lwip_lock();
	if (a->family == AF_INET6) {
		slot = ip6_slot(n, a);
		if (slot >= 0)
			netif_ip6_addr_set_state(n, (s8_t)slot,
						 IP6_ADDR_INVALID);
	} else {
		netif_set_addr(n, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
	}
	lwip_unlock();
	return 0;
}

const struct iface_ops lnet_dev_ops = {
	.set_up = dev_set_up,
	.set_mtu = dev_set_mtu,
	.add_addr = dev_add_addr,
	.del_addr = dev_del_addr,
};

/* ---- the loopback: lwIP's loop netif, keel's "lo" kept here ---- */

static int lo_set_up(struct iface *f, bool up)
{
	struct netif *n = lnet_loop_nif();

	lwip_lock();
	if (up) {
		netif_set_up(n);
		f->flags |= IFF_RUNNING | IFF_LOWER_UP;
	} else {
		netif_set_down(n);
		f->flags &= ~(uint32_t)(IFF_RUNNING | IFF_LOWER_UP);
	}
	lwip_unlock();
	return 0;
}

static int lo_set_mtu(struct iface *f, uint32_t mtu)
{
	(void)f;
	lwip_lock();
	netif_mtu(lnet_loop_nif(), mtu);
	lwip_unlock();
	return 0;
}

static int lo_add_addr(struct iface *f, const struct iface_addr *a)
{
	struct iface_addr t = *a;
	int slot, err;

	if (a->family != AF_INET6)
		return -EOPNOTSUPP; /* lwIP's loopback holds 127.0.0.1 only */
	lwip_lock();
	slot = ip6_add(lnet_loop_nif(), a, false);
	lwip_unlock();
	if (slot < 0)
		return slot;
	t.scope = RT_SCOPE_UNIVERSE;
	err = iface_add_addr(f, &t);
	if (err) {
		lwip_lock();
		netif_ip6_addr_set_state(lnet_loop_nif(), (s8_t)slot,
					 IP6_ADDR_INVALID);
		lwip_unlock();
	}
	return err;
}

static int lo_del_addr(struct iface *f, const struct iface_addr *a)
{
	struct netif *n = lnet_loop_nif();
	int slot, i = iface_addr_find(f, a);

	if (a->family != AF_INET6)
		return -EOPNOTSUPP;
	lwip_lock();
	slot = ip6_slot(n, a);
	if (slot >= 0)
		netif_ip6_addr_set_state(n, (s8_t)slot, IP6_ADDR_INVALID);
	lwip_unlock();
	if (i >= 0)
		iface_remove_addr(f, (unsigned)i);
	return 0;
}

const struct iface_ops lnet_lo_ops = {
	.set_up = lo_set_up,
	.set_mtu = lo_set_mtu,
	.add_addr = lo_add_addr,
	.del_addr = lo_del_addr,
};

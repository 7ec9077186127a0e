/*
 * netif_set.c - changing an interface (net/): up or down, its MTU, an
 * address more or less, checked as Linux's dev_change_flags, dev_set_mtu
 * and the address requests check them, then done by the stack that
 * carries the interface (struct iface_ops, net/lwip/stack.c). Netlink
 * (net/rtnetlink.c) and the SIOCSIF* ioctls (net/netif_ioctl.c) come here.
 */
#include <keel/errno.h>
#include <keel/netif.h>
#include <keel/string.h>
#include <uapi/socket.h>

/* The flags a program may change (dev_change_flags): UP, DEBUG,
 * NOTRAILERS, NOARP, PROMISC, ALLMULTI, MULTICAST, PORTSEL, AUTOMEDIA,
 * DYNAMIC. Of those keel does UP; the others are the driver's to do. */
#define IFF_SETTABLE 0xf3a5u

int iface_change_flags(struct iface *nif, uint32_t flags, uint32_t change)
{
	uint32_t want =
	    change ? (flags & change) | (nif->flags & ~change) : flags;
	uint32_t diff = (want ^ nif->flags) & IFF_SETTABLE;
	int err;

	if (diff & ~(uint32_t)IFF_UP)
		return -EOPNOTSUPP;
	if (!diff)
		return 0;
	if (!nif->ops || !nif->ops->set_up)
		return -EOPNOTSUPP;
	err = nif->ops->set_up(nif, want & IFF_UP);
	if (!err)
		nif->flags = (nif->flags & ~(uint32_t)IFF_UP) | (want & IFF_UP);
	return err;
}

int iface_set_mtu(struct iface *nif, int32_t mtu)
{
	int err;

	if (mtu < 0 || (uint32_t)mtu < nif->min_mtu ||
	    (nif->max_mtu && (uint32_t)mtu > nif->max_mtu))
		return -EINVAL;
	if ((uint32_t)mtu == nif->mtu)
		return 0;
	if (!nif->ops || !nif->ops->set_mtu)
		return -EOPNOTSUPP;
	err = nif->ops->set_mtu(nif, (uint32_t)mtu);
	if (!err)
		nif->mtu = (uint32_t)mtu;
	return err;
}

int iface_addr_find(const struct iface *nif, const struct iface_addr *a)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	for (unsigned i = 0; i < nif->naddrs; i++)
		if (nif->addrs[i].family == a->family &&
		    !memcmp(nif->addrs[i].addr, a->addr, n) &&
		    (!a->prefixlen || a->prefixlen == nif->addrs[i].prefixlen))
			return (int)i;
	return -1;
}

int iface_addr_new(struct iface *nif, const struct iface_addr *a, bool excl)
{
	struct iface_addr any = *a;

	any.prefixlen = 0; /* an address it has: whatever the length */
	if (iface_addr_find(nif, &any) >= 0)
		return excl ? -EEXIST : 0;
	if (a->prefixlen > (a->family == AF_INET ? 32 : 128))
		return -EINVAL;
	if (!nif->ops || !nif->ops->add_addr)
		return -EOPNOTSUPP;
	return nif->ops->add_addr(nif, a);
}

int iface_addr_del(struct iface *nif, const struct iface_addr *a)
{
	int i = iface_addr_find(nif, a);

	if (i < 0)
		return -EADDRNOTAVAIL;
	if (!nif->ops || !nif->ops->del_addr)
		return -EOPNOTSUPP;
	return nif->ops->del_addr(nif, &nif->addrs[i]);
}

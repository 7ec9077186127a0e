/*
 * iface_ioctl.c - the interface ioctls of every socket (net/), answered from
 * the interface table (include/keel/netif.h) as netdevice(7) describes
 * them: SIOCGIFCONF (the IPv4 addresses), SIOCGIFNAME, SIOCGIFINDEX,
 * SIOCGIFFLAGS, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFMETRIC, SIOCGIFTXQLEN,
 * SIOCGIFMAP and, on AF_INET sockets only, the address ones (SIOCGIFADDR,
 * SIOCGIFNETMASK, SIOCGIFBRDADDR, SIOCGIFDSTADDR). SIOCSIFFLAGS (up and
 * down), SIOCSIFMTU and SIOCSIFADDR change the interface (net/netif_set.c;
 * EPERM without CAP_NET_ADMIN, as Linux); the other SIOCSIF* succeed when
 * they change nothing and are EOPNOTSUPP when they would. There
 * are no bridges or VLANs: their ioctls are ENOPKG, Linux's answer when
 * the module is missing.
 */
#include <keel/errno.h>
#include <keel/netif.h>
#include <keel/process.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <uapi/socket.h>

/* SIOCGIFCONF: one struct ifreq per IPv4 address, as many as fit. */
static long ifconf(unsigned long arg)
{
	struct linux_ifconf ifc;
	int32_t total = 0;

	if (copy_from_user(&ifc, (void *)arg, sizeof(ifc)))
		return -EFAULT;
	for (struct iface *nif = iface_next(NULL); nif; nif = iface_next(nif))
		for (unsigned i = 0; i < nif->naddrs; i++) {
			const struct iface_addr *a = &nif->addrs[i];
			struct linux_ifreq r;

			if (a->family != AF_INET)
				continue;
			if (ifc.ifc_buf) {
				if (ifc.ifc_len - total < (int)sizeof(r))
					break;
				memset(&r, 0, sizeof(r));
				strlcpy(r.ifr_name, nif->name, IFNAMSIZ);
				r.addr.family = AF_INET;
				memcpy(r.addr.data + 2, a->addr, 4);
				if (copy_to_user((char *)ifc.ifc_buf + total,
						 &r, sizeof(r)))
					return -EFAULT;
			}
			total += (int)sizeof(r);
		}
	return copy_to_user(&((struct linux_ifconf *)arg)->ifc_len, &total,
			    sizeof(total));
}

/* The interface an ifreq names ("lo:1" is lo), or NULL. */
static struct iface *named(const struct linux_ifreq *r)
{
	char name[IFNAMSIZ];
	char *colon;

	memcpy(name, r->ifr_name, IFNAMSIZ);
	colon = strchr(name, ':');
	if (colon)
		*colon = 0;
	return iface_find(name);
}

/* The address ioctls of AF_INET: the address whose label is the name. */
static long inet_addr_ioctl(unsigned cmd, struct linux_ifreq *r)
{
	struct iface *nif = named(r);
	const struct iface_addr *a = NULL;
	uint8_t v[4];

	if (!nif)
		return -ENODEV;
	for (unsigned i = 0; i < nif->naddrs && !a; i++)
		if (nif->addrs[i].family == AF_INET &&
		    !strncmp(r->ifr_name, nif->name, IFNAMSIZ))
			a = &nif->addrs[i];
	if (!a)
		return -EADDRNOTAVAIL;
	memcpy(v, a->addr, 4); /* SIOCGIFADDR; DSTADDR is the same here */
	if (cmd == SIOCGIFBRDADDR)
		memcpy(v, a->broadcast, 4);
	if (cmd == SIOCGIFNETMASK) {
		uint32_t m = a->prefixlen ? ~0U << (32 - a->prefixlen) : 0;

		v[0] = (uint8_t)(m >> 24);
		v[1] = (uint8_t)(m >> 16);
		v[2] = (uint8_t)(m >> 8);
		v[3] = (uint8_t)m;
	}
	memset(&r->addr, 0, sizeof(r->addr));
	r->addr.family = AF_INET;
	memcpy(r->addr.data + 2, v, 4);
	return 0;
}

/* What a SIOCGIF* command (is_get) reads into r. */
static long get_ioctl(unsigned cmd, struct linux_ifreq *r)
{
	struct iface *nif;

	if (cmd == SIOCGIFNAME) {
		nif = iface_get(r->ivalue);
		if (!nif)
			return -ENODEV;
		strlcpy(r->ifr_name, nif->name, IFNAMSIZ);
		return 0;
	}
	nif = named(r);
	if (!nif)
		return -ENODEV;
	memset(r->raw, 0, sizeof(r->raw));
	switch (cmd) {
	case SIOCGIFFLAGS:
		r->flags = (int16_t)nif->flags;
		break;
	case SIOCGIFMTU:
		r->ivalue = (int32_t)nif->mtu;
		break;
	case SIOCGIFSLAVE:
		return -EINVAL; /* not a bonding device */
	case SIOCGIFINDEX:
		r->ivalue = nif->index;
		break;
	case SIOCGIFTXQLEN:
		r->ivalue = (int32_t)nif->txqlen;
		break;
	case SIOCGIFHWADDR:
		r->addr.family = nif->type;
		memcpy(r->addr.data, nif->hwaddr,
		       MIN((size_t)nif->hwlen, sizeof(r->addr.data)));
		break;
	default: /* SIOCGIFMETRIC, SIOCGIFMAP: zero */
		break;
	}
	return 0;
}

/* A SIOCSIF* command: 0 when it changes nothing, else refused. */
static long set_ioctl(unsigned cmd, const struct linux_ifreq *r)
{
	struct iface *nif;

	if (!cred_capable(CAP_NET_ADMIN))
		return -EPERM;
	nif = named(r);
	if (!nif)
		return -ENODEV;
	if (cmd == SIOCSIFFLAGS) /* the low 16 flags, whole */
		return iface_change_flags(nif, (uint16_t)r->flags, 0xffff);
	if (cmd == SIOCSIFMTU)
		return iface_set_mtu(nif, r->ivalue);
	return -EOPNOTSUPP;
}

/* SIOCSIFADDR: the interface's IPv4 address replaced (its prefix length
 * kept; a first one gets its class's, as Linux gives it). */
static long set_inet_addr(const struct linux_ifreq *r)
{
	struct iface *nif = named(r);
	struct iface_addr a = { .family = AF_INET, .flags = IFA_F_PERMANENT };
	int old = -1, err;

	if (!nif)
		return -ENODEV;
	for (unsigned i = 0; i < nif->naddrs && old < 0; i++)
		if (nif->addrs[i].family == AF_INET)
			old = (int)i;
	memcpy(a.addr, r->addr.data + 2, 4);
	a.prefixlen = a.addr[0] < 128 ? 8 : a.addr[0] < 192 ? 16 : 24;
	if (old >= 0) {
		if (!memcmp(nif->addrs[old].addr, a.addr, 4))
			return 0;
		a.prefixlen = nif->addrs[old].prefixlen;
		err = iface_addr_del(nif, &nif->addrs[old]);
		if (err)
			return err;
	}
	return iface_addr_new(nif, &a, true);
}

static bool is_get(unsigned cmd)
{
	switch (cmd) {
	case SIOCGIFNAME:
	case SIOCGIFFLAGS:
	case SIOCGIFMETRIC:
	case SIOCGIFMTU:
	case SIOCGIFSLAVE:
	case SIOCGIFMAP:
	case SIOCGIFINDEX:
	case SIOCGIFTXQLEN:
	case SIOCGIFHWADDR:
		return true;
	default:
		return false;
	}
}

static bool is_set(unsigned cmd)
{
	switch (cmd) {
	case SIOCSIFFLAGS:
	case SIOCSIFMETRIC:
	case SIOCSIFMTU:
	case SIOCSIFMAP:
	case SIOCSIFHWADDR:
	case SIOCSIFNAME:
	case SIOCSIFTXQLEN:
	case SIOCADDMULTI:
	case SIOCDELMULTI:
	case SIOCBRADDIF:
	case SIOCBRDELIF:
		return true;
	default:
		return false;
	}
}

/* AF_INET's own: the addresses (and SIOCSIFFLAGS goes this way too). */
static bool is_inet(unsigned cmd)
{
	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCGIFBRDADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFDSTADDR:
	case SIOCGIFPFLAGS:
	case SIOCSIFADDR:
	case SIOCSIFBRDADDR:
	case SIOCSIFNETMASK:
	case SIOCSIFDSTADDR:
	case SIOCSIFPFLAGS:
		return true;
	default:
		return false;
	}
}

long iface_ioctl(int family, unsigned cmd, unsigned long arg)
{
	struct linux_ifreq r;
	long err;

	if ((cmd >> 8 & 0xff) != SOCK_IOC_TYPE)
		return -ENOTTY;
	switch (cmd) {
	case SIOCGIFCONF:
		return ifconf(arg);
	case SIOCBRADDBR:
	case SIOCBRDELBR:
	case SIOCGIFVLAN:
	case SIOCSIFVLAN:
		return -ENOPKG;
	}
	if (is_inet(cmd) ? family != AF_INET : !is_get(cmd) && !is_set(cmd))
		return -ENOTTY;
	if (copy_from_user(&r, (void *)arg, sizeof(r)))
		return -EFAULT;
	r.ifr_name[IFNAMSIZ - 1] = 0;
	if (is_inet(cmd)) {
		if (cmd == SIOCGIFPFLAGS || cmd == SIOCSIFPFLAGS)
			return -EINVAL;
		if (cmd != SIOCGIFADDR && cmd != SIOCGIFBRDADDR &&
		    cmd != SIOCGIFNETMASK && cmd != SIOCGIFDSTADDR) {
			if (!cred_capable(CAP_NET_ADMIN))
				return -EPERM;
			if (r.addr.family != AF_INET)
				return -EINVAL;
			if (cmd == SIOCSIFADDR)
				return set_inet_addr(&r);
			return named(&r) ? -EOPNOTSUPP : -ENODEV;
		}
		err = inet_addr_ioctl(cmd, &r);
	} else if (is_set(cmd)) {
		return set_ioctl(cmd, &r);
	} else {
		err = get_ioctl(cmd, &r);
	}
	if (!err && copy_to_user((void *)arg, &r, sizeof(r)))
		err = -EFAULT;
	return err;
}

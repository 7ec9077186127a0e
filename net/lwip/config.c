/*
 * config.c - the addresses of the first network device (net/lwip/), from
 * the kernel command line: keel.ip=ADDR/PREFIX[,gw=ADDR][,dns=ADDR] (an
 * IPv4 or IPv6 address; keel.ip6= takes a second, IPv6 one), keel.ip=dhcp
 * (the default) or keel.ip=none. IPv6 also configures itself from router
 * advertisements (SLAAC) next to its link-local address.
 *
 * What was configured shows in /proc/net/pnp as Linux's own address
 * autoconfiguration shows it (ip=dhcp): "#PROTO: DHCP" or "#MANUAL", then
 * a "nameserver ADDR" line per DNS server, and "bootserver ADDR", the DHCP
 * server. That is resolv.conf's syntax: fs/rootfs.c points
 * /etc/resolv.conf at it when the image has none. With DHCP the program
 * starts once the address came, or after DHCP_WAIT_MS without one
 * (lnet_wait_configured), so its first connect and its resolver find the
 * network set up, as after Linux's ip=dhcp. The same wait covers a first
 * device whose link is not up yet (Xen's netfront until its backend
 * connects), as Linux's autoconfiguration waits for the carrier.
 */
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/netstack.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/sync.h>
#include <keel/time.h>
#include <keel/wait.h>
#include <keel/string.h>
#include "glue.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/nd6.h"

#define WORD_MAX 64
#define DHCP_WAIT_MS 3000

static struct spinlock wait_lock;
static struct waitq wait_q = WAITQ_INIT(wait_q);
static bool dhcp_waiting, dhcp_done; /* under wait_lock */

/* The next comma-separated word of *s into buf; false at the end. */
static bool next_word(const char **s, char *buf)
{
	size_t n = 0;

	if (!**s)
		return false;
	while (**s && **s != ',') {
		if (n < WORD_MAX - 1)
			buf[n++] = **s;
		(*s)++;
	}
	buf[n] = 0;
	if (**s == ',')
		(*s)++;
	return true;
}

/* "ADDR/PREFIX" into an address and a prefix length. */
static bool parse_cidr(char *w, ip_addr_t *a, unsigned *prefix)
{
	char *slash = strchr(w, '/');
	unsigned p = 0;

	if (slash) {
		*slash = 0;
		for (const char *d = slash + 1; *d; d++) {
			if (*d < '0' || *d > '9' || p > 128)
				return false;
			p = p * 10 + (unsigned)(*d - '0');
		}
	}
	if (!ipaddr_aton(w, a))
		return false;
	if (!slash)
		p = IP_IS_V4(a) ? 24 : 64;
	*prefix = p;
	return p <= (IP_IS_V4(a) ? 32u : 128u);
}

static void set_v4(struct lnet_if *lif, const ip_addr_t *a, unsigned prefix,
		   const ip_addr_t *gw)
{
	ip4_addr_t mask;

	ip4_addr_set_u32(&mask, prefix ? lwip_htonl(~0u << (32 - prefix)) : 0);
	netif_set_addr(&lif->nif, ip_2_ip4(a), &mask,
		       gw && IP_IS_V4(gw) ? ip_2_ip4(gw) : IP4_ADDR_ANY4);
}

static void set_v6(struct lnet_if *lif, const ip_addr_t *a)
{
	s8_t idx;

	if (netif_add_ip6_address(&lif->nif, ip_2_ip6(a), &idx) == ERR_OK)
		netif_ip6_addr_set_state(&lif->nif, idx, IP6_ADDR_PREFERRED);
}

/* One keel.ip value: false if it does not parse. */
static bool apply(struct lnet_if *lif, const char *val)
{
	char w[WORD_MAX];
	ip_addr_t addr, gw, dns;
	unsigned prefix, ndns = 0;
	bool have_gw = false;

	if (!next_word(&val, w) || !parse_cidr(w, &addr, &prefix))
		return false;
	while (next_word(&val, w)) {
		if (!strncmp(w, "gw=", 3) && ipaddr_aton(w + 3, &gw))
			have_gw = true;
		else if (!strncmp(w, "dns=", 4) && ipaddr_aton(w + 4, &dns))
			dns_setserver((u8_t)MIN(ndns++, DNS_MAX_SERVERS - 1u),
				      &dns);
		else
			return false;
	}
	if (IP_IS_V4(&addr))
		set_v4(lif, &addr, prefix, have_gw ? &gw : NULL);
	else
		set_v6(lif, &addr);
	return true;
}

void lnet_configure(struct lnet_if *lif)
{
	const char *ip = cmdline_get("keel.ip"), *ip6 = cmdline_get("keel.ip6");
	const char *name = netdev_name(lif->dev);
	unsigned long irq;

	if (lif != lnet_first_if())
		return; /* one configured interface today */
	if (ip6 && !apply(lif, ip6))
		printk("net: %s: keel.ip6=%s is not ADDR/PREFIX,gw=,dns=\n",
		       name, ip6);
	if (ip && !strcmp(ip, "none")) {
		lnet_sync_iface(lif);
		return;
	}
	if (ip && strcmp(ip, "dhcp")) {
		if (!apply(lif, ip))
			printk("net: %s: keel.ip=%s is not "
			       "ADDR/PREFIX,gw=,dns=\n",
			       name, ip);
		lnet_sync_iface(lif);
		return;
	}
	lnet_sync_iface(lif);
	if (dhcp_start(&lif->nif) != ERR_OK) {
		printk("net: %s: DHCP did not start\n", name);
		return;
	}
	irq = spin_lock_irqsave(&wait_lock);
	dhcp_waiting = true;
	spin_unlock_irqrestore(&wait_lock, irq);
}

void lnet_address_changed(struct lnet_if *lif)
{
	unsigned long irq;

	if (lif != lnet_first_if() || !dhcp_supplied_address(&lif->nif))
		return;
	irq = spin_lock_irqsave(&wait_lock);
	if (!dhcp_done) {
		dhcp_done = true;
		waitq_wake_all(&wait_q);
	}
	spin_unlock_irqrestore(&wait_lock, irq);
}

void lnet_link_changed(struct lnet_if *lif)
{
	unsigned long irq;

	if (lif != lnet_first_if())
		return;
	irq = spin_lock_irqsave(&wait_lock);
	waitq_wake_all(&wait_q);
	spin_unlock_irqrestore(&wait_lock, irq);
}

void netstack_wait_configured(void)
{
	uint64_t start = time_now_ns();
	struct netdev *dev = NULL;
	unsigned long irq;
	int err = 0;

	lwip_lock();
	if (lnet_first_if())
		dev = lnet_first_if()->dev;
	lwip_unlock();
	irq = spin_lock_irqsave(&wait_lock);
	while (
	    ((dhcp_waiting && !dhcp_done) || (dev && !netdev_link_up(dev))) &&
	    err != -ETIMEDOUT)
		err = waitq_wait_locked(&wait_q, &wait_lock,
					start + DHCP_WAIT_MS * NSEC_PER_MSEC);
	spin_unlock_irqrestore(&wait_lock, irq);
	if (err == -ETIMEDOUT && dev && !netdev_link_up(dev))
		printk("net: %s: the link is still down after %u ms; the "
		       "program starts without it\n",
		       netdev_name(dev), DHCP_WAIT_MS);
	else if (err == -ETIMEDOUT)
		printk("net: no DHCP answer in %u ms; the program starts "
		       "without an IPv4 address (DHCP keeps asking)\n",
		       DHCP_WAIT_MS);
}

/* One "KEY ADDR" line of /proc/net/pnp. */
static size_t pnp_line(char *buf, size_t len, size_t at, const char *key,
		       const ip_addr_t *a)
{
	char text[IPADDR_STRLEN_MAX];

	if (ip_addr_isany(a) || !ipaddr_ntoa_r(a, text, sizeof(text)))
		return at;
	return at + (size_t)snprintf(buf + MIN(at, len), len - MIN(at, len),
				     "%s %s\n", key, text);
}

size_t netstack_pnp(char *buf, size_t len)
{
	struct lnet_if *lif;
	size_t at = 0;

	if (len)
		buf[0] = 0;
	lwip_lock();
	lif = lnet_first_if();
	if (lif) {
		bool dhcp = dhcp_supplied_address(&lif->nif);

		at = (size_t)snprintf(buf, len, "%s\n",
				      dhcp ? "#PROTO: DHCP" : "#MANUAL");
		for (u8_t i = 0; i < DNS_MAX_SERVERS; i++)
			at = pnp_line(buf, len, at, "nameserver",
				      dns_getserver(i));
		if (dhcp)
			at = pnp_line(
			    buf, len, at, "bootserver",
			    &netif_dhcp_data(&lif->nif)->server_ip_addr);
	}
	lwip_unlock();
	return at;
}

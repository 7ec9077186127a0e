/*
 * netdev.c - self-test of the first network device through the registry
 * (kernel/selftests): a raw ARP request for 10.0.2.2, QEMU's user-network
 * gateway, and its reply, with no protocol stack in between. Proves the
 * driver's transmit and receive paths end to end. Run by name
 * (keel.test=netdev-arp): only tests/boot gives the machine a device.
 */
#include <keel/netdev.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include <keel/selftest.h>
#include <keel/string.h>
#include <keel/time.h>

#define ARP_LEN (NETDEV_HLEN + 28)

static const uint8_t our_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gw_ip[4] = { 10, 0, 2, 2 };

static struct netbuf *arp_request(const uint8_t mac[NETDEV_ALEN])
{
	struct netbuf *nb = netbuf_alloc(0, ARP_LEN);
	static const uint8_t fixed[] = {
		0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1
	};
	uint8_t *p;

	if (!nb)
		return NULL;
	p = nb->data;
	memset(p, 0xff, NETDEV_ALEN); /* broadcast */
	memcpy(p + 6, mac, NETDEV_ALEN);
	memcpy(p + 12, fixed, sizeof(fixed)); /* ARP, Ethernet, IPv4, request */
	memcpy(p + 22, mac, NETDEV_ALEN); /* sender */
	memcpy(p + 28, our_ip, 4);
	memset(p + 32, 0, NETDEV_ALEN); /* target: asked for */
	memcpy(p + 38, gw_ip, 4);
	return nb;
}

/* An ARP reply from 10.0.2.2 to us; its MAC in gw. */
static bool is_reply(const struct netbuf *nb, const uint8_t mac[NETDEV_ALEN],
		     uint8_t gw[NETDEV_ALEN])
{
	uint8_t p[ARP_LEN];

	if (netbuf_copy(nb, 0, p, ARP_LEN) != ARP_LEN)
		return false;
	if (p[12] != 0x08 || p[13] != 0x06 || p[20] != 0 || p[21] != 2)
		return false;
	if (memcmp(p + 28, gw_ip, 4) || memcmp(p + 38, our_ip, 4) ||
	    memcmp(p + 32, mac, NETDEV_ALEN) || memcmp(p, mac, NETDEV_ALEN))
		return false;
	memcpy(gw, p + 22, NETDEV_ALEN);
	return true;
}

static void no_events(struct netdev *dev, unsigned ev, void *arg)
{
	(void)dev, (void)ev, (void)arg;
}

/* Ask every 200 ms for 5 s at most; count what else arrived. */
static int ask(struct netdev *dev, const uint8_t mac[NETDEV_ALEN],
	       uint8_t gw[NETDEV_ALEN], unsigned *sent, unsigned *other)
{
	uint64_t start = time_now_ns(), next = start;

	while (time_now_ns() - start < 5 * NSEC_PER_SEC) {
		struct netbuf *nb;
		if (time_now_ns() >= next) {
			struct netbuf *req = arp_request(mac);
			if (!req || netdev_send(dev, req))
				netbuf_free(req);
			else
				(*sent)++;
			next += 200 * NSEC_PER_MSEC;
		}
		while ((nb = netdev_recv(dev))) {
			bool ok = is_reply(nb, mac, gw);
			netbuf_free(nb);
			if (ok)
				return 0;
			(*other)++;
		}
		thread_sleep_ns(NSEC_PER_MSEC);
	}
	return -1;
}

static int test_netdev_arp(void)
{
	struct netdev *dev = netdev_next(NULL);
	uint8_t mac[NETDEV_ALEN], gw[NETDEV_ALEN];
	struct netdev_stats st;
	unsigned sent = 0, other = 0;
	uint64_t t0;
	int err;

	if (!dev) {
		printk("  netdev-arp: no network device (none given to the "
		       "machine, or its driver did not start); skipped\n");
		return SELFTEST_SKIPPED;
	}
	netdev_mac(dev, mac);
	ST_CHECK(netdev_open(dev, no_events, NULL) == 0);
	t0 = time_now_ns();
	err = ask(dev, mac, gw, &sent, &other);
	netdev_get_stats(dev, &st);
	netdev_close(dev);
	printk("  netdev-arp: %s: %u request%s, %u other frame%s, rx %lu tx "
	       "%lu, link %s\n",
	       netdev_name(dev), sent, sent == 1 ? "" : "s", other,
	       other == 1 ? "" : "s", (unsigned long)st.rx_packets,
	       (unsigned long)st.tx_packets,
	       netdev_link_up(dev) ? "up" : "down");
	ST_CHECK(err == 0);
	printk("  netdev-arp: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x "
	       "(%lu ms)\n",
	       gw[0], gw[1], gw[2], gw[3], gw[4], gw[5],
	       (unsigned long)((time_now_ns() - t0) / NSEC_PER_MSEC));
	return 0;
}
SELFTEST_BY_NAME("netdev-arp", test_netdev_arp);

/*
 * test_netif.c - net/netif.c: the loopback alone, then an "eth0" added as a
 * driver would add it, with the addresses and gateways of a Linux host
 * whose `ip route show table all` gave the routes expected here, in its
 * order; the limits of the table; /proc/net/dev.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netif.h>
#include "unit.h"

static int setup(void **state)
{
	(void)state;
	return hosted_mem_init(MiB(16));
}

/* One route as `ip route` would say it (roughly): type dst/len table. */
static void describe(const struct iface_route *r, char *out, size_t len)
{
	char dst[64], via[64] = "", src[64] = "";
	static const uint8_t zero[16];
	size_t alen = r->family == AF_INET ? 4 : 16;

	inet_ntop(r->family, r->dst, dst, sizeof(dst));
	if (memcmp(r->gateway, zero, alen))
		inet_ntop(r->family, r->gateway, via, sizeof(via));
	if (memcmp(r->prefsrc, zero, alen))
		inet_ntop(r->family, r->prefsrc, src, sizeof(src));
	snprintf(out, len, "%d %s/%d t%d p%d s%d dev%d via%s src%s m%u",
		 r->type, dst, r->dst_len, r->table, r->protocol, r->scope,
		 r->oif, via, src, r->priority);
}

static void expect_routes(int family, const char *const *want, unsigned n)
{
	unsigned got;
	struct iface_route *r = iface_routes(family, &got);
	char line[256];

	assert_non_null(r);
	assert_int_equal(got, n);
	for (unsigned i = 0; i < n; i++) {
		describe(&r[i], line, sizeof(line));
		assert_string_equal(line, want[i]);
	}
	kfree(r);
}

static const char *const lo4[] = {
	"2 127.0.0.0/8 t255 p2 s254 dev1 via src127.0.0.1 m0",
	"2 127.0.0.1/32 t255 p2 s254 dev1 via src127.0.0.1 m0",
	"3 127.255.255.255/32 t255 p2 s253 dev1 via src127.0.0.1 m0",
};

static void test_loopback(void **state)
{
	static const char *const lo6[] = {
		"2 ::1/128 t255 p2 s0 dev1 via src m0",
	};
	struct iface *lo = iface_get(1);

	(void)state;
	assert_non_null(lo);
	assert_ptr_equal(iface_find("lo"), lo);
	assert_ptr_equal(iface_next(NULL), lo);
	assert_null(iface_next(lo));
	assert_null(iface_get(2));
	assert_null(iface_find("eth0"));
	assert_int_equal(lo->flags,
			 IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP);
	assert_int_equal(lo->mtu, 65536);
	assert_int_equal(lo->naddrs, 2);
	expect_routes(AF_INET, lo4, 3);
	expect_routes(AF_INET6, lo6, 1);
}

static struct iface eth0 = {
	.name = "eth0",
	.flags =
	    IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP,
	.type = ARPHRD_ETHER,
	.hwlen = 6,
	.hwaddr = { 2, 0xfc, 0, 0, 0, 1 },
	.hwbroadcast = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	.operstate = IF_OPER_UP,
	.mtu = 1400,
	.min_mtu = 68,
	.max_mtu = 65535,
	.txqlen = 1000,
	.qdisc = "pfifo_fast",
};

static void add_addr(int family, const char *a, int plen, int scope,
		     uint32_t flags, const char *brd)
{
	struct iface_addr x = { .family = (uint8_t)family,
				.prefixlen = (uint8_t)plen,
				.scope = (uint8_t)scope,
				.flags = flags };

	inet_pton(family, a, x.addr);
	if (brd)
		inet_pton(AF_INET, brd, x.broadcast);
	assert_int_equal(iface_add_addr(&eth0, &x), 0);
}

static void add_gateway(int family, const char *via, uint32_t metric)
{
	struct iface_route r = { .family = (uint8_t)family,
				 .table = RT_TABLE_MAIN,
				 .protocol = RTPROT_BOOT,
				 .type = RTN_UNICAST,
				 .priority = metric,
				 .oif = eth0.index };

	inet_pton(family, via, r.gateway);
	assert_int_equal(iface_add_route(&r), 0);
}

static void test_ethernet(void **state)
{
	static const char *const want4[] = {
		"1 0.0.0.0/0 t254 p3 s0 dev2 via192.0.2.1 src m0",
		"1 192.0.2.0/24 t254 p2 s253 dev2 via src192.0.2.2 m0",
		lo4[0],
		lo4[1],
		lo4[2],
		"2 192.0.2.2/32 t255 p2 s254 dev2 via src192.0.2.2 m0",
		"3 192.0.2.255/32 t255 p2 s253 dev2 via src192.0.2.2 m0",
	};
	static const char *const want6[] = {
		"1 fd00::/64 t254 p2 s0 dev2 via src m256",
		"1 fe80::/64 t254 p2 s0 dev2 via src m256",
		"1 ::/0 t254 p3 s0 dev2 viafd00::1 src m1024",
		"2 ::1/128 t255 p2 s0 dev1 via src m0",
		"2 fd00::2/128 t255 p2 s0 dev2 via src m0",
		"2 fe80::fc:ff:fe00:1/128 t255 p2 s0 dev2 via src m0",
		"5 ff00::/8 t255 p2 s0 dev2 via src m256",
	};

	(void)state;
	assert_int_equal(iface_add(&eth0), 0);
	assert_int_equal(eth0.index, 2);
	assert_ptr_equal(iface_next(iface_get(1)), &eth0);
	assert_ptr_equal(iface_find("eth0"), &eth0);
	add_addr(AF_INET, "192.0.2.2", 24, RT_SCOPE_UNIVERSE, IFA_F_PERMANENT,
		 "192.0.2.255");
	add_addr(AF_INET6, "fd00::2", 64, RT_SCOPE_UNIVERSE,
		 IFA_F_PERMANENT | IFA_F_NODAD, NULL);
	add_addr(AF_INET6, "fe80::fc:ff:fe00:1", 64, RT_SCOPE_LINK,
		 IFA_F_PERMANENT, NULL);
	add_gateway(AF_INET, "192.0.2.1", 0);
	add_gateway(AF_INET6, "fd00::1", 1024);
	expect_routes(AF_INET, want4, 7);
	expect_routes(AF_INET6, want6, 7);
}

static void test_limits(void **state)
{
	static struct iface more[IFACE_MAX];
	struct iface_addr a = { .family = AF_INET, .prefixlen = 32 };
	struct iface_route r = { .family = AF_INET };
	unsigned n = 0;

	(void)state;
	assert_int_equal(iface_add(&(struct iface){ .name = "eth0" }), -EEXIST);
	for (unsigned i = 0; i < IFACE_MAX; i++) {
		snprintf(more[i].name, IFNAMSIZ, "dummy%u", i);
		if (iface_add(&more[i]))
			break;
		n++;
	}
	assert_int_equal(n, IFACE_MAX - 2); /* lo and eth0 were there */
	assert_int_equal(iface_add(&more[IFACE_MAX - 1]), -ENOSPC);
	for (unsigned i = eth0.naddrs; i < IFACE_ADDRS; i++)
		assert_int_equal(iface_add_addr(&eth0, &a), 0);
	assert_int_equal(iface_add_addr(&eth0, &a), -ENOSPC);
	for (unsigned i = 2; i < IFACE_ROUTES; i++)
		assert_int_equal(iface_add_route(&r), 0);
	assert_int_equal(iface_add_route(&r), -ENOSPC);
}

static void test_proc_net_dev(void **state)
{
	char buf[4096];
	size_t n;

	(void)state;
	iface_loopback_count(5);
	iface_loopback_count(7);
	n = iface_proc_dev(buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(
	    buf, "\n    lo:      12       2    0    0    0     0          0 "
		 "        0       12       2    0    0    0     0       0 "
		 "         0\n"));
	assert_non_null(strstr(buf, "\n  eth0:       0       0 "));
	/* Too small a buffer: the length it would need, and no overrun. */
	assert_int_equal(iface_proc_dev(buf, 10), n);
	assert_int_equal(strlen(buf), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_ethernet),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_proc_net_dev),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

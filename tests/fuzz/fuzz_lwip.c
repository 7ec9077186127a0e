/*
 * fuzz_lwip.c - libFuzzer target for keel's netif glue and lwIP's input
 * path: the input is a run of Ethernet frames (two bytes of length, big
 * endian, then the frame), each handed as a netbuf to lnet_frame_input
 * (net/lwip/frame.c) on an lwIP netif with IPv4 10.0.0.2/24 and an IPv6
 * link-local address, a TCP listener on port 80 that echoes and a UDP
 * socket on port 53; lwIP's answers go out through lnet_frame_from_pbuf.
 * The clock moves 100 ms per frame so lwIP's timers run. The kernel
 * services the glue calls are the C library's here. make fuzz.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/memcharge.h>
#include <keel/netdev.h>
#include "glue.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the kernel services, from the C library ---- */
static uint64_t now_ns;
uint64_t time_now_ns(void);
uint64_t time_now_ns(void)
{
	return now_ns;
}
uint64_t ns_to_clock_t(uint64_t ns); /* net/netif.c's address times */
uint64_t ns_to_clock_t(uint64_t ns)
{
	return ns / 10000000; /* USER_HZ 100 */
}
void *kmalloc(size_t n);
void *kmalloc(size_t n)
{
	return malloc(n ? n : 1);
}
void *kzalloc(size_t n);
void *kzalloc(size_t n)
{
	return calloc(1, n ? n : 1);
}
void kfree(void *p);
void kfree(void *p)
{
	free(p);
}
/* kernel/memcharge.c's charges: every one granted here. */
int mem_charge(enum mem_kind kind, size_t bytes)
{
	(void)kind;
	(void)bytes;
	return 0;
}
void mem_charge_force(enum mem_kind kind, size_t bytes)
{
	(void)kind;
	(void)bytes;
}
void mem_uncharge(enum mem_kind kind, size_t bytes)
{
	(void)kind;
	(void)bytes;
}
void random_bytes(void *buf, size_t n);
void random_bytes(void *buf, size_t n)
{
	memset(buf, 0x5a, n); /* the same every run: failures repeat */
}
int vprintk(const char *fmt, va_list ap);
int vprintk(const char *fmt, va_list ap)
{
	(void)fmt;
	(void)ap;
	return 0;
}
void panic(const char *fmt, ...);
void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}
int keel_snprintf(char *buf, size_t size, const char *fmt, ...);
int keel_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
unsigned long arch_irq_save(void);
unsigned long arch_irq_save(void)
{
	return 0;
}
void arch_irq_restore(unsigned long flags);
void arch_irq_restore(unsigned long flags)
{
	(void)flags;
}
void arch_cpu_relax(void);
void arch_cpu_relax(void)
{
}

/* ---- the stack under test ---- */
static struct netif nif;

static err_t out(struct netif *n, struct pbuf *p)
{
	(void)n;
	netbuf_free(lnet_frame_from_pbuf(p));
	return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 2 };

	n->name[0] = 'f';
	n->name[1] = 'z';
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, mac, 6);
	n->mtu = 1500;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		   NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP | NETIF_FLAG_MLD6;
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = out;
	return ERR_OK;
}

static err_t echo(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (!p) {
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
			return ERR_ABRT;
		}
		return ERR_OK;
	}
	tcp_recved(pcb, p->tot_len);
	if (p->tot_len <= tcp_sndbuf(pcb)) {
		uint8_t buf[2048];
		u16_t n = pbuf_copy_partial(p, buf, sizeof(buf), 0);

		tcp_write(pcb, buf, n, TCP_WRITE_FLAG_COPY);
	}
	pbuf_free(p);
	return ERR_OK;
}

static err_t accepted(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	tcp_recv(pcb, echo);
	return ERR_OK;
}

static void udp_in(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		   const ip_addr_t *addr, u16_t port)
{
	(void)arg;
	udp_sendto(pcb, p, addr, port); /* echo */
	pbuf_free(p);
}

static void start(void)
{
	ip4_addr_t a, m, gw;
	struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_ANY);
	struct udp_pcb *u = udp_new_ip_type(IPADDR_TYPE_ANY);

	lwip_init();
	IP4_ADDR(&a, 10, 0, 0, 2);
	IP4_ADDR(&m, 255, 255, 255, 0);
	IP4_ADDR(&gw, 10, 0, 0, 1);
	netif_add(&nif, &a, &m, &gw, NULL, nif_init, ethernet_input);
	netif_create_ip6_linklocal_address(&nif, 1);
	netif_ip6_addr_set_state(&nif, 0, IP6_ADDR_PREFERRED);
	netif_set_default(&nif);
	netif_set_up(&nif);
	tcp_bind(l, IP_ANY_TYPE, 80);
	l = tcp_listen(l);
	tcp_accept(l, accepted);
	udp_bind(u, IP_ANY_TYPE, 53);
	udp_recv(u, udp_in, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	size_t off = 0;

	if (!started++)
		start();
	while (off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		struct netbuf *nb;

		off += 2;
		len = len > size - off ? size - off : len;
		nb = netbuf_alloc(0, len);
		if (!nb)
			break;
		memcpy(nb->data, data + off, len);
		off += len;
		lnet_frame_input(&nif, nb);
		netif_poll_all();
		now_ns += 100 * 1000000ULL;
		sys_check_timeouts();
	}
	return 0;
}

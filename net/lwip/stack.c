/*
 * stack.c - lwIP in keel (net/lwip/): its start, its lock, the network
 * thread that takes received frames and runs lwIP's timers, one lwIP
 * netif per registered network device (frames in and out, link state)
 * shown in keel's interface table, and lwIP's loopback netif, which
 * serves 127.0.0.1 and ::1 (its packets are delivered when the stack is
 * unlocked, in the caller's thread). docs/net.md, "lwIP".
 */
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netstack.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include <keel/socket.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/time.h>
#include "glue.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define LOOP_ROUNDS 256 /* loopback deliveries per unlock, at most */
#define RX_BATCH 256 /* frames taken before timers run */

static struct mutex lock = MUTEX_INIT(lock);
static struct lnet_if *ifs[IFACE_MAX];
static unsigned nifs;
static struct netif *loop_nif;
static netif_output_fn loop_out4;
static netif_output_ip6_fn loop_out6;

/* The network thread's sleep: kicked by device events and earlier
 * timeouts. */
static struct spinlock kick_lock;
static struct waitq net_wq = WAITQ_INIT(net_wq);
static bool kicked, running;
static uint64_t thread_deadline; /* ns; 0: none */

static void kick(void)
{
	unsigned long irq = spin_lock_irqsave(&kick_lock);

	kicked = true;
	waitq_wake_all(&net_wq);
	spin_unlock_irqrestore(&kick_lock, irq);
}

/* When lwIP's next timeout is due (ns), 0 for none. */
static uint64_t next_timeout(void)
{
	u32_t ms = sys_timeouts_sleeptime();

	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return 0;
	return time_now_ns() + (uint64_t)ms * NSEC_PER_MSEC;
}

/* Deliver what netifs looped back to themselves (loopback, own address). */
static void poll_loops(void)
{
	for (int i = 0; i < LOOP_ROUNDS; i++) {
		struct netif *n;
		bool any = false;

		NETIF_FOREACH(n)
		{
			if (n->loop_first) {
				any = true;
				netif_poll(n);
			}
		}
		if (!any)
			return;
	}
}

void lwip_lock(void)
{
	mutex_lock(&lock);
}

void lwip_unlock(void)
{
	uint64_t due;

	poll_loops();
	due = next_timeout();
	mutex_unlock(&lock);
	if (running && due &&
	    (!READ_ONCE(thread_deadline) || due < READ_ONCE(thread_deadline)))
		kick();
}

/* ---- the loopback: counted in keel's "lo" ---- */

static err_t loop_output4(struct netif *n, struct pbuf *p, const ip4_addr_t *a)
{
	iface_loopback_count(p->tot_len);
	return loop_out4(n, p, a);
}

static err_t loop_output6(struct netif *n, struct pbuf *p, const ip6_addr_t *a)
{
	iface_loopback_count(p->tot_len);
	return loop_out6(n, p, a);
}

static void loopback_init(void)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		if (n->name[0] == 'l' && n->name[1] == 'o')
			loop_nif = n;
	}
	if (!loop_nif)
		return;
	/* Nothing on the loopback is corrupted on the way: no checksums. */
	NETIF_SET_CHECKSUM_CTRL(loop_nif, NETIF_CHECKSUM_DISABLE_ALL);
	loop_out4 = loop_nif->output;
	loop_out6 = loop_nif->output_ip6;
	loop_nif->output = loop_output4;
	loop_nif->output_ip6 = loop_output6;
	iface_get(1)->ops = &lnet_lo_ops; /* "lo" is index 1 */
}

struct netif *lnet_loop_nif(void)
{
	return loop_nif;
}

/* ---- devices ---- */

/* A frame the device refused, or that found the queue full: gone, counted
 * (TCP sends it again; UDP loses it). */
static void tx_drop(struct lnet_if *lif, struct netbuf *nb)
{
	netbuf_free(nb);
	lif->tx_dropped++;
	lnet_stats.tx_refused++;
}

/* Send what waits in the interface's queue until the device is full
 * again; with the stack locked (the queue is the stack's). */
static void txq_flush(struct lnet_if *lif)
{
	while (!list_empty(&lif->txq)) {
		struct netbuf *nb =
		    list_entry(lif->txq.next, struct netbuf, node);
		int err;

		list_remove(&nb->node);
		err = netdev_send(lif->dev, nb);
		if (err == -EAGAIN) { /* the device says when there is room */
			list_push_front(&lif->txq, &nb->node);
			return;
		}
		lif->txq_len--;
		if (err)
			tx_drop(lif, nb);
	}
}

static err_t link_output(struct netif *nif, struct pbuf *p)
{
	struct lnet_if *lif = nif->state;
	struct netbuf *nb = lnet_frame_from_pbuf(p);
	int err = -EAGAIN;

	if (!nb) {
		lif->tx_dropped++;
		return ERR_MEM;
	}
	/* Behind frames that wait, in order; else straight to the device. */
	txq_flush(lif);
	if (list_empty(&lif->txq))
		err = netdev_send(lif->dev, nb);
	if (err == -EAGAIN && lif->txq_len < LNET_TXQ_MAX) {
		list_push_back(&lif->txq, &nb->node);
		lif->txq_len++;
		return ERR_OK;
	}
	if (err) { /* refused, or the queue is full too */
		tx_drop(lif, nb);
		return err == -EAGAIN ? ERR_OK : ERR_IF;
	}
	return ERR_OK;
}

err_t lnet_netif_init(struct netif *nif)
{
	struct lnet_if *lif = nif->state;

	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->hwaddr_len = ETH_HWADDR_LEN;
	netdev_mac(lif->dev, nif->hwaddr);
	nif->mtu = (u16_t)MIN(netdev_mtu(lif->dev), 0xffffu);
	nif->mtu6 = nif->mtu;
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		     NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
	nif->output = etharp_output;
	nif->output_ip6 = ethip6_output;
	nif->linkoutput = link_output;
	return ERR_OK;
}

/* Interrupt context: note what happened, the thread does it. */
static void dev_event(struct netdev *dev, unsigned events, void *arg)
{
	struct lnet_if *lif = arg;

	(void)dev;
	if (events & NETDEV_EV_RX)
		lif->rx = true;
	if (events & NETDEV_EV_LINK)
		lif->link = true;
	kick(); /* NETDEV_EV_TX_ROOM too: dev_poll sends what waits */
}

static void iface_fill(struct lnet_if *lif)
{
	struct iface *f = &lif->ifc;

	strlcpy(f->name, netdev_name(lif->dev), sizeof(f->name));
	f->flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST;
	f->type = ARPHRD_ETHER;
	f->hwlen = ETH_HWADDR_LEN;
	netdev_mac(lif->dev, f->hwaddr);
	memset(f->hwbroadcast, 0xff, ETH_HWADDR_LEN);
	f->operstate = IF_OPER_DOWN;
	f->mtu = netdev_mtu(lif->dev);
	f->min_mtu = 68;
	f->max_mtu = f->mtu;
	f->txqlen = 1000;
	f->qdisc = "pfifo_fast";
}

static void dev_add(struct netdev *dev)
{
	struct lnet_if *lif = kzalloc(sizeof(*lif));
	int err;

	if (!lif || nifs == IFACE_MAX) {
		kfree(lif);
		printk("net: %s: no room for it\n", netdev_name(dev));
		return;
	}
	lif->dev = dev;
	list_init(&lif->txq);
	iface_fill(lif);
	lif->ifc.ops = &lnet_dev_ops;
	if (!netif_add_noaddr(&lif->nif, lif, lnet_netif_init, netif_input)) {
		kfree(lif);
		return;
	}
	err = netdev_open(dev, dev_event, lif);
	if (err) {
		printk("net: %s: cannot open it (error %d)\n", netdev_name(dev),
		       err);
		netif_remove(&lif->nif);
		kfree(lif);
		return;
	}
	iface_add(&lif->ifc);
	ifs[nifs++] = lif;
	lif->link = true; /* read the link state once */
	netif_create_ip6_linklocal_address(&lif->nif, 1);
	netif_set_ip6_autoconfig_enabled(&lif->nif, 1);
	netif_set_up(&lif->nif);
	if (nifs == 1)
		netif_set_default(&lif->nif);
	lnet_configure(lif);
}

static uint8_t prefix_len(uint32_t mask_be)
{
	uint8_t n = 0;

	for (; mask_be; mask_be &= mask_be - 1)
		n++;
	return n;
}

/* lwIP's addresses of one interface, and its gateway, into keel's table. */
void lnet_sync_iface(struct lnet_if *lif)
{
	struct netif *n = &lif->nif;
	struct iface *f = &lif->ifc;
	const ip4_addr_t *a4 = netif_ip4_addr(n), *gw = netif_ip4_gw(n);

	iface_clear(f);
	if (!ip4_addr_isany(a4)) {
		struct iface_addr a = { .family = AF_INET,
					.scope = RT_SCOPE_UNIVERSE,
					.flags = IFA_F_PERMANENT };
		uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(n));
		uint32_t bcast = ip4_addr_get_u32(a4) | ~mask;

		a.prefixlen = prefix_len(mask);
		memcpy(a.addr, &a4->addr, 4);
		memcpy(a.broadcast, &bcast, 4);
		iface_add_addr(f, &a);
	}
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
		struct iface_addr a = { .family = AF_INET6, .prefixlen = 64 };
		const ip6_addr_t *a6 = netif_ip6_addr(n, i);

		if (!ip6_addr_isvalid(netif_ip6_addr_state(n, i)))
			continue;
		a.scope = ip6_addr_islinklocal(a6) ? RT_SCOPE_LINK
						   : RT_SCOPE_UNIVERSE;
		a.flags = IFA_F_PERMANENT;
		memcpy(a.addr, a6->addr, 16);
		iface_add_addr(f, &a);
	}
	if (!ip4_addr_isany(gw)) {
		struct iface_route r = {
			.family = AF_INET,
			.table = RT_TABLE_MAIN,
			.protocol = dhcp_supplied_address(n) ? RTPROT_DHCP
							     : RTPROT_STATIC,
			.scope = RT_SCOPE_UNIVERSE,
			.type = RTN_UNICAST,
			.oif = f->index,
		};

		memcpy(r.gateway, &gw->addr, 4);
		iface_add_route(&r);
	}
}

static netif_ext_callback_t ext_cb;

/* lwIP changed an interface's addresses (DHCP, SLAAC, configuration). */
static void ext_status(struct netif *n, netif_nsc_reason_t reason,
		       const netif_ext_callback_args_t *args)
{
	(void)args;
	if (n == loop_nif || !n->state ||
	    !(reason &
	      (LWIP_NSC_IPV4_SETTINGS_CHANGED | LWIP_NSC_IPV4_ADDRESS_CHANGED |
	       LWIP_NSC_IPV4_GATEWAY_CHANGED | LWIP_NSC_IPV4_NETMASK_CHANGED |
	       LWIP_NSC_IPV6_SET | LWIP_NSC_IPV6_ADDR_STATE_CHANGED)))
		return;
	for (unsigned i = 0; i < nifs; i++)
		if (&ifs[i]->nif == n) {
			lnet_sync_iface(ifs[i]);
			lnet_address_changed(ifs[i]);
		}
}

struct lnet_if *lnet_first_if(void)
{
	for (unsigned i = 0; i < nifs; i++)
		if (!strcmp(netdev_name(ifs[i]->dev), "eth0"))
			return ifs[i];
	return nifs ? ifs[0] : NULL;
}

/* Frames in, link changes, counters: with the stack locked. */
static void dev_poll(struct lnet_if *lif)
{
	struct netdev_stats st;
	struct netbuf *nb;

	if (lif->link) {
		lif->link = false;
		if (netdev_link_up(lif->dev)) {
			netif_set_link_up(&lif->nif);
			lif->ifc.flags |= IFF_RUNNING | IFF_LOWER_UP;
			lif->ifc.operstate = IF_OPER_UP;
		} else {
			netif_set_link_down(&lif->nif);
			lif->ifc.flags &=
			    ~(uint32_t)(IFF_RUNNING | IFF_LOWER_UP);
			lif->ifc.operstate = IF_OPER_DOWN;
		}
		lnet_link_changed(lif);
	}
	txq_flush(lif);
	lif->rx = false;
	for (int i = 0; (nb = netdev_recv(lif->dev)); i++) {
		if (!lnet_frame_input(&lif->nif, nb))
			lif->rx_dropped++;
		if (i == RX_BATCH) { /* let timers run, come back */
			lif->rx = true;
			break;
		}
	}
	netdev_get_stats(lif->dev, &st);
	lif->ifc.stats.rx_packets = st.rx_packets;
	lif->ifc.stats.rx_bytes = st.rx_bytes;
	lif->ifc.stats.tx_packets = st.tx_packets;
	lif->ifc.stats.tx_bytes = st.tx_bytes;
}

static void net_thread(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long irq;
		bool again = false;

		mutex_lock(&lock);
		for (unsigned i = 0; i < nifs; i++) {
			dev_poll(ifs[i]);
			again |= ifs[i]->rx;
		}
		sys_check_timeouts();
		poll_loops();
		WRITE_ONCE(thread_deadline, next_timeout());
		mutex_unlock(&lock);
		irq = spin_lock_irqsave(&kick_lock);
		if (!kicked && !again)
			waitq_wait_locked(&net_wq, &kick_lock,
					  READ_ONCE(thread_deadline));
		kicked = false;
		spin_unlock_irqrestore(&kick_lock, irq);
	}
}

void netstack_init(void)
{
	/* keel.net=loopback keeps the loopback-only family of before. */
	bool sockets = !cmdline_list_has("keel.net", "loopback");
	struct netdev *dev = NULL;
	struct thread *t;

	if (!netdev_next(NULL) && !sockets)
		return; /* nothing for lwIP to do */
	mutex_lock(&lock);
	lwip_init();
	loopback_init();
	netif_add_ext_callback(&ext_cb, ext_status);
	while ((dev = netdev_next(dev)))
		dev_add(dev);
	mutex_unlock(&lock);
	t = thread_create("net", net_thread, NULL);
	if (!t) {
		printk("net: cannot start the network thread\n");
		return;
	}
	thread_detach(t);
	running = true;
	if (sockets) {
		sock_family_register(AF_INET, &lwip_inet_family);
		sock_family_register(AF_INET6, &lwip_inet_family);
		printk("net: AF_INET and AF_INET6 sockets on lwIP\n");
	}
}

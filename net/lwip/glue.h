/*
 * glue.h - what keel's lwIP glue files share (net/lwip/, private): the
 * stack's lock, the interface that joins a network device to an lwIP
 * netif and to keel's interface table, frames between netbufs and pbufs,
 * and the socket family. docs/net.md, "lwIP".
 */
#ifndef KEEL_LWIP_GLUE_H
#define KEEL_LWIP_GLUE_H

#include <keel/netdev.h>
#include <keel/netif.h>
#include "lwip/netif.h"
#include "lwip/pbuf.h"

/* One network device as lwIP and keel's table see it. */
struct lnet_if {
	struct netif nif; /* lwIP's */
	struct netdev *dev;
	struct iface ifc; /* keel's table (netlink, SIOCGIF, /proc/net/dev) */
	volatile bool rx, link; /* events the device reported */
	struct list_node txq; /* frames waiting for room in the device */
	unsigned txq_len; /* at most LNET_TXQ_MAX */
	uint64_t rx_dropped, tx_dropped; /* frames the glue could not pass */
};

/* Frames an interface holds while its device's queue is full (as Linux's
 * txqueuelen): a burst of TCP segments larger than the ring waits rather
 * than being lost and sent again after a retransmission timeout. */
#define LNET_TXQ_MAX 1000

/* Counters of what the glue refused (bad frames in, full queues out). */
struct lnet_stats {
	uint64_t rx_short, rx_long, rx_nomem, rx_refused;
	uint64_t tx_nomem, tx_refused;
	uint64_t tw_reopened; /* TIME_WAITs a new SYN ended (frame.c) */
};
extern struct lnet_stats lnet_stats;

/*
 * Every lwIP call runs with the stack locked (lwIP without an OS layer is
 * single-threaded). lwip_unlock also delivers what the loopback queued
 * and wakes the network thread when lwIP armed an earlier timeout.
 */
void lwip_lock(void);
void lwip_unlock(void);

/* frame.c: a received frame into lwIP (nb is freed): true if taken. */
bool lnet_frame_input(struct netif *nif, struct netbuf *nb);
/* frame.c: a pbuf chain as one netbuf (NULL when out of memory). */
struct netbuf *lnet_frame_from_pbuf(struct pbuf *p);
/* frame.c: the netif init for a device (Ethernet, its MAC and MTU). */
err_t lnet_netif_init(struct netif *nif);

/* stack.c: lwIP's loopback netif (NULL before the stack started). */
struct netif *lnet_loop_nif(void);
/* ifset.c: the changes of a device's interface and of "lo" on lwIP. */
extern const struct iface_ops lnet_dev_ops, lnet_lo_ops;

/* stack.c: the interface of the device that is eth0, or the first. */
struct lnet_if *lnet_first_if(void);
/* stack.c: copy lwIP's addresses of lif into keel's table. */
void lnet_sync_iface(struct lnet_if *lif);

/* config.c: the addresses of the kernel command line, or DHCP. */
void lnet_configure(struct lnet_if *lif);
/* config.c: lif's addresses changed (lwIP's callback; stack locked). */
void lnet_address_changed(struct lnet_if *lif);
/* config.c: lif's link went up or down (stack locked). */
void lnet_link_changed(struct lnet_if *lif);

/* sock.c: the AF_INET/AF_INET6 family on lwIP. */
extern const struct sock_family lwip_inet_family;

#endif

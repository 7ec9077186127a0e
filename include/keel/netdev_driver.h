/*
 * netdev_driver.h - network devices, the driver's side (virtio-net and
 * Xen netfront to come): the operations a driver implements, the device
 * it fills in and registers, and what it reports from its interrupt
 * handler (a received frame, a sent one, room, link). The caller's side
 * is netdev.h; the registry is net/netdev.c. docs/drivers.md.
 */
#ifndef KEEL_NETDEV_DRIVER_H
#define KEEL_NETDEV_DRIVER_H

#include <keel/netdev.h>
#include <keel/sync.h>

struct netdev_ops {
	/* Post receive buffers (netdev_rxbuf_alloc), turn interrupts on. */
	int (*start)(struct netdev *dev);
	/* Quiesce: no more netdev_rx; frames in flight are given back. */
	void (*stop)(struct netdev *dev);
	/*
	 * Queue a frame (already checked against the device's limits):
	 * 0 taken, netdev_tx_done follows; -EAGAIN the ring is full
	 * (netdev_tx_room when it has room again).
	 */
	int (*xmit)(struct netdev *dev, struct netbuf *frame);
	/* Optional: a new MTU within [min_mtu, max_mtu]. */
	int (*set_mtu)(struct netdev *dev, unsigned mtu);
};

#define NETDEV_RXQ_MAX 256 /* received frames waiting for the caller */

struct netdev {
	/* Filled in by the driver before netdev_register. */
	char name[NETDEV_NAME_MAX]; /* empty: "ethN" is given */
	const struct netdev_ops *ops;
	uint8_t mac[NETDEV_ALEN];
	unsigned mtu, min_mtu, max_mtu;
	unsigned features; /* NETDEV_F_* */
	unsigned max_segs; /* pieces per sent frame; 0 means 1 */
	unsigned rx_headroom; /* before each received frame (a virtio header) */
	void *priv; /* the driver's */

	/* The registry's. */
	struct list_node link;
	struct spinlock lock;
	bool registered, open, link_up;
	netdev_event_fn event;
	void *event_arg;
	struct list_node rxq;
	unsigned rxq_len;
	struct netdev_stats stats;
};

/*
 * Add a device: 0, -EINVAL (no ops, an MTU outside its limits, an
 * unusable name), -EEXIST (the name is taken). The link starts down.
 */
int netdev_register(struct netdev *dev);
/* Remove it (closed first if open). */
void netdev_unregister(struct netdev *dev);

/* Interrupt context or a driver's thread: */
/* A received frame: queued for the caller, or dropped (and freed,
 * counted) when the device is closed or the queue is full. */
void netdev_rx(struct netdev *dev, struct netbuf *frame);
/* The device is done with a frame xmit took (err 0: it went out). */
void netdev_tx_done(struct netdev *dev, struct netbuf *frame, int err);
/* The ring has room again after xmit's -EAGAIN. */
void netdev_tx_room(struct netdev *dev);
void netdev_set_link(struct netdev *dev, bool up);
/*
 * A receive buffer of rx_headroom + len bytes, one physically contiguous
 * piece (its bus address: dma_bus_addr(nb->data)). data points at its
 * start; the driver moves data and len past the device's header before
 * netdev_rx.
 */
struct netbuf *netdev_rxbuf_alloc(struct netdev *dev, size_t len);
/*
 * Fill in the TCP or UDP checksum of the Ethernet frame f (IPv4 or IPv6
 * without extension headers), for a device that hands over frames whose
 * checksum was left for "the hardware": 0, or -EINVAL when f is not such
 * a frame or is shorter than its headers say (f is then unchanged).
 */
int netdev_csum_complete(uint8_t *f, size_t len);

#endif

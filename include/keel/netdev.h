/*
 * netdev.h - network devices, the caller's side (the network stack, its
 * glue in net/): find a device, read its MAC, MTU, offloads and link,
 * open it with an event callback, send frames and take received ones.
 * Frames are netbufs: one piece, or a chain of pieces (scatter-gather)
 * with the offload metadata in the first. What a driver provides is in
 * netdev_driver.h; the registry is net/netdev.c. docs/drivers.md.
 */
#ifndef KEEL_NETDEV_H
#define KEEL_NETDEV_H

#include <keel/compiler.h>
#include <keel/list.h>

#define NETDEV_NAME_MAX 16
#define NETDEV_ALEN 6 /* an Ethernet address */
#define NETDEV_HLEN 14 /* an Ethernet header */

/* Offloads a device has (netdev_features). */
#define NETDEV_F_SG (1u << 0) /* sends a frame in pieces (max_segs) */
#define NETDEV_F_TX_CSUM (1u << 1) /* completes NETBUF_CSUM_PARTIAL */
#define NETDEV_F_RX_CSUM (1u << 2) /* marks checked frames NETBUF_CSUM_VALID */
#define NETDEV_F_TSO4 (1u << 3) /* cuts NETBUF_GSO_TCPV4 frames itself */
#define NETDEV_F_TSO6 (1u << 4) /* cuts NETBUF_GSO_TCPV6 frames itself */

/* Per-frame flags (the first piece's). */
/* tx: checksum from csum_start to the end, stored at csum_start +
 * csum_offset (by a device with NETDEV_F_TX_CSUM) */
#define NETBUF_CSUM_PARTIAL (1u << 0)
#define NETBUF_CSUM_VALID (1u << 1) /* rx: the device checked the L4 checksum */
#define NETBUF_GSO_TCPV4 1 /* gso_type: a TCP/IPv4 frame to cut in gso_size */
#define NETBUF_GSO_TCPV6 2

/*
 * A frame, or one piece of it. The first piece carries the frame's
 * metadata; next links the rest. The memory is kmalloc'd
 * (netbuf_alloc: physically contiguous, so one bus address) or the
 * owner's (netbuf_wrap: a driver's granted page, a stack's buffer),
 * given back through release when the netbuf is freed.
 */
struct netbuf {
	struct netbuf *next; /* the frame's next piece, NULL at its end */
	struct list_node node; /* on a receive queue (first piece) */
	uint8_t *data; /* this piece's bytes */
	size_t len;
	size_t room; /* bytes from data to the end of the memory */
	uint16_t flags; /* NETBUF_* */
	uint16_t csum_start, csum_offset; /* for NETBUF_CSUM_PARTIAL */
	uint16_t gso_size; /* for gso_type: payload bytes per segment */
	uint8_t gso_type; /* 0, NETBUF_GSO_* */
	void (*release)(struct netbuf *nb, void *arg); /* netbuf_wrap's */
	void *release_arg;
};

/* A piece with room for headroom + len bytes; data after the headroom,
 * len set. NULL when out of memory. */
struct netbuf *netbuf_alloc(size_t headroom, size_t len);
/* A piece over the caller's memory; release(nb, arg) when freed. */
struct netbuf *netbuf_wrap(void *data, size_t len,
			   void (*release)(struct netbuf *, void *), void *arg);
/* Free a whole chain. */
void netbuf_free(struct netbuf *nb);
/* Bytes and pieces of the frame that starts at nb. */
size_t netbuf_frame_len(const struct netbuf *nb);
unsigned netbuf_pieces(const struct netbuf *nb);
/* Copy the frame's bytes from offset off into buf; returns how many. */
size_t netbuf_copy(const struct netbuf *nb, size_t off, void *buf, size_t len);

/* Where an Ethernet frame's IPv4 or IPv6 packet carries its payload. */
struct netdev_l4 {
	uint8_t *hdr; /* the payload's first byte (TCP's or UDP's header) */
	size_t len; /* the payload's length, as the IP header gives it */
	uint8_t proto; /* IPPROTO_* of the IP header */
	bool v6;
	const uint8_t *src, *dst; /* addresses, 4 or 16 bytes (v6) */
};
/* Find it in the len bytes at f: -EINVAL when f is not IPv4 or IPv6, is
 * a fragment, or is shorter than its IP header says. IPv6 extension
 * headers are not followed (proto is the first next-header). */
int netdev_frame_l4(uint8_t *f, size_t len, struct netdev_l4 *out);

struct netdev;

struct netdev_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_errors;
};

/* Events (the open callback's mask). */
#define NETDEV_EV_RX (1u << 0) /* frames wait: netdev_recv */
#define NETDEV_EV_LINK (1u << 1) /* the link went up or down */
#define NETDEV_EV_TX_ROOM (1u << 2) /* send again after -EAGAIN */
/* Called from interrupt context too: the interrupt rules apply. */
typedef void (*netdev_event_fn)(struct netdev *dev, unsigned events, void *arg);

/* The device with this name, or NULL; the devices in order (prev NULL:
 * the first). */
struct netdev *netdev_find(const char *name);
struct netdev *netdev_next(const struct netdev *prev);
const char *netdev_name(const struct netdev *dev);
void netdev_mac(const struct netdev *dev, uint8_t mac[NETDEV_ALEN]);
unsigned netdev_mtu(const struct netdev *dev);
/* -EINVAL outside the device's limits, -EOPNOTSUPP if it has none. */
int netdev_set_mtu(struct netdev *dev, unsigned mtu);
unsigned netdev_features(const struct netdev *dev);
/* Pieces one sent frame may have (1 without NETDEV_F_SG). */
unsigned netdev_max_segs(const struct netdev *dev);
bool netdev_link_up(const struct netdev *dev);
void netdev_get_stats(struct netdev *dev, struct netdev_stats *st);

/*
 * Start the device (its receive buffers posted, its interrupt on) and
 * send fn its events: 0, -EBUSY (open already), the driver's error.
 */
int netdev_open(struct netdev *dev, netdev_event_fn fn, void *arg);
/* Stop it; frames still queued for the caller are freed. */
void netdev_close(struct netdev *dev);
/*
 * Send a frame: 0 and the device owns it (freed once sent), or the
 * caller keeps it: -ENETDOWN (not open), -EAGAIN (the device's queue is
 * full; NETDEV_EV_TX_ROOM follows), -EINVAL (more pieces than it takes,
 * an offload it lacks, a checksum place outside the frame, shorter than
 * a header), -EMSGSIZE (longer than MTU + header without segmentation).
 */
int netdev_send(struct netdev *dev, struct netbuf *frame);
/* The next received frame (the caller frees it), or NULL. */
struct netbuf *netdev_recv(struct netdev *dev);

#endif

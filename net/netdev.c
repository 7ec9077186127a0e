/*
 * netdev.c - the network device registry (net/): drivers register their
 * devices (include/keel/netdev_driver.h), the stack finds, opens and
 * uses them (include/keel/netdev.h). Frames a device receives wait in a
 * bounded queue until the caller takes them; frames sent are checked
 * against the device's offloads before its driver sees them. Portable:
 * no driver or platform is named here.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netdev_driver.h>
#include <keel/printf.h>
#include <keel/string.h>

static struct list_node devices = LIST_INIT(devices);
static struct spinlock registry_lock;
static unsigned eth_count;

/* ---------------------------------------------------------- netbufs --- */

struct netbuf *netbuf_alloc(size_t headroom, size_t len)
{
	struct netbuf *nb;

	if (headroom + len < len)
		return NULL;
	nb = kzalloc(sizeof(*nb) + headroom + len);
	if (!nb)
		return NULL;
	list_init(&nb->node);
	nb->data = (uint8_t *)(nb + 1) + headroom;
	nb->len = len;
	nb->room = len;
	return nb;
}

struct netbuf *netbuf_wrap(void *data, size_t len,
			   void (*release)(struct netbuf *, void *), void *arg)
{
	struct netbuf *nb = kzalloc(sizeof(*nb));

	if (!nb)
		return NULL;
	list_init(&nb->node);
	nb->data = data;
	nb->len = nb->room = len;
	nb->release = release;
	nb->release_arg = arg;
	return nb;
}

void netbuf_free(struct netbuf *nb)
{
	while (nb) {
		struct netbuf *next = nb->next;

		if (nb->release)
			nb->release(nb, nb->release_arg);
		kfree(nb);
		nb = next;
	}
}

size_t netbuf_frame_len(const struct netbuf *nb)
{
	size_t len = 0;

	for (; nb; nb = nb->next)
		len += nb->len;
	return len;
}

unsigned netbuf_pieces(const struct netbuf *nb)
{
	unsigned n = 0;

	for (; nb; nb = nb->next)
		n++;
	return n;
}

size_t netbuf_copy(const struct netbuf *nb, size_t off, void *buf, size_t len)
{
	size_t done = 0;

	for (; nb && done < len; nb = nb->next) {
		if (off >= nb->len) {
			off -= nb->len;
			continue;
		}
		size_t n = MIN(nb->len - off, len - done);
		memcpy((uint8_t *)buf + done, nb->data + off, n);
		done += n;
		off = 0;
	}
	return done;
}

/* ------------------------------------------------------- the registry --- */

static bool name_taken(const char *name)
{
	list_for_each (n, &devices)
		if (!strcmp(list_entry(n, struct netdev, link)->name, name))
			return true;
	return false;
}

static bool limits_ok(const struct netdev *dev)
{
	return dev->ops && dev->ops->start && dev->ops->xmit &&
	       dev->mtu >= dev->min_mtu &&
	       (!dev->max_mtu || dev->mtu <= dev->max_mtu) && dev->mtu;
}

int netdev_register(struct netdev *dev)
{
	unsigned long irq;
	int err = 0;

	if (!dev || !limits_ok(dev) ||
	    strnlen(dev->name, NETDEV_NAME_MAX) == NETDEV_NAME_MAX)
		return -EINVAL;
	if (!dev->max_segs || !(dev->features & NETDEV_F_SG))
		dev->max_segs = 1;
	irq = spin_lock_irqsave(&registry_lock);
	if (!dev->name[0]) {
		do
			snprintf(dev->name, NETDEV_NAME_MAX, "eth%u",
				 eth_count++);
		while (name_taken(dev->name));
	} else if (name_taken(dev->name)) {
		err = -EEXIST;
	}
	if (!err) {
		list_init(&dev->rxq);
		dev->rxq_len = 0;
		dev->open = dev->link_up = false;
		dev->event = NULL;
		memset(&dev->stats, 0, sizeof(dev->stats));
		dev->registered = true;
		list_push_back(&devices, &dev->link);
	}
	spin_unlock_irqrestore(&registry_lock, irq);
	return err;
}

void netdev_unregister(struct netdev *dev)
{
	unsigned long irq;

	if (!dev->registered)
		return;
	netdev_close(dev);
	irq = spin_lock_irqsave(&registry_lock);
	list_remove(&dev->link);
	dev->registered = false;
	spin_unlock_irqrestore(&registry_lock, irq);
}

struct netdev *netdev_find(const char *name)
{
	unsigned long irq = spin_lock_irqsave(&registry_lock);
	struct netdev *found = NULL;

	list_for_each (n, &devices) {
		struct netdev *d = list_entry(n, struct netdev, link);
		if (!strcmp(d->name, name)) {
			found = d;
			break;
		}
	}
	spin_unlock_irqrestore(&registry_lock, irq);
	return found;
}

struct netdev *netdev_next(const struct netdev *prev)
{
	unsigned long irq = spin_lock_irqsave(&registry_lock);
	const struct list_node *n = prev ? prev->link.next : devices.next;
	struct netdev *d =
	    n == &devices ? NULL : list_entry(n, struct netdev, link);

	spin_unlock_irqrestore(&registry_lock, irq);
	return d;
}

/* ------------------------------------------------------- the caller --- */

const char *netdev_name(const struct netdev *dev)
{
	return dev->name;
}

void netdev_mac(const struct netdev *dev, uint8_t mac[NETDEV_ALEN])
{
	memcpy(mac, dev->mac, NETDEV_ALEN);
}

unsigned netdev_mtu(const struct netdev *dev)
{
	return dev->mtu;
}

int netdev_set_mtu(struct netdev *dev, unsigned mtu)
{
	int err;

	if (!dev->ops->set_mtu)
		return -EOPNOTSUPP;
	if (mtu < dev->min_mtu || (dev->max_mtu && mtu > dev->max_mtu) || !mtu)
		return -EINVAL;
	err = dev->ops->set_mtu(dev, mtu);
	if (!err)
		dev->mtu = mtu;
	return err;
}

unsigned netdev_features(const struct netdev *dev)
{
	return dev->features;
}

unsigned netdev_max_segs(const struct netdev *dev)
{
	return dev->max_segs;
}

bool netdev_link_up(const struct netdev *dev)
{
	return READ_ONCE(dev->link_up);
}

void netdev_get_stats(struct netdev *dev, struct netdev_stats *st)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);

	*st = dev->stats;
	spin_unlock_irqrestore(&dev->lock, irq);
}

int netdev_open(struct netdev *dev, netdev_event_fn fn, void *arg)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);
	int err;

	if (dev->open) {
		spin_unlock_irqrestore(&dev->lock, irq);
		return -EBUSY;
	}
	dev->event = fn;
	dev->event_arg = arg;
	dev->open = true;
	spin_unlock_irqrestore(&dev->lock, irq);
	err = dev->ops->start(dev);
	if (err) {
		irq = spin_lock_irqsave(&dev->lock);
		dev->open = false;
		dev->event = NULL;
		spin_unlock_irqrestore(&dev->lock, irq);
	}
	return err;
}

void netdev_close(struct netdev *dev)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);
	struct netbuf *nb;

	if (!dev->open) {
		spin_unlock_irqrestore(&dev->lock, irq);
		return;
	}
	dev->open = false;
	dev->event = NULL;
	spin_unlock_irqrestore(&dev->lock, irq);
	if (dev->ops->stop)
		dev->ops->stop(dev);
	while ((nb = netdev_recv(dev)))
		netbuf_free(nb);
}

/* Can the device send this frame as it is? 0 or why not. */
static int frame_ok(const struct netdev *dev, const struct netbuf *f)
{
	size_t len = netbuf_frame_len(f);

	if (len < NETDEV_HLEN || netbuf_pieces(f) > dev->max_segs)
		return -EINVAL;
	if (f->flags & NETBUF_CSUM_PARTIAL) {
		if (!(dev->features & NETDEV_F_TX_CSUM) ||
		    (size_t)f->csum_start + f->csum_offset + 2 > len)
			return -EINVAL;
	}
	if (f->gso_type == NETBUF_GSO_TCPV4 ||
	    f->gso_type == NETBUF_GSO_TCPV6) {
		unsigned need = f->gso_type == NETBUF_GSO_TCPV4 ? NETDEV_F_TSO4
								: NETDEV_F_TSO6;
		if (!(dev->features & need) || !f->gso_size ||
		    !(f->flags & NETBUF_CSUM_PARTIAL))
			return -EINVAL;
		return 0;
	}
	if (f->gso_type)
		return -EINVAL;
	return len > (size_t)dev->mtu + NETDEV_HLEN ? -EMSGSIZE : 0;
}

int netdev_send(struct netdev *dev, struct netbuf *frame)
{
	int err;

	if (!READ_ONCE(dev->open))
		return -ENETDOWN;
	err = frame_ok(dev, frame);
	if (err)
		return err;
	return dev->ops->xmit(dev, frame);
}

struct netbuf *netdev_recv(struct netdev *dev)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);
	struct netbuf *nb = NULL;

	if (!list_empty(&dev->rxq)) {
		nb = list_entry(dev->rxq.next, struct netbuf, node);
		list_remove(&nb->node);
		dev->rxq_len--;
	}
	spin_unlock_irqrestore(&dev->lock, irq);
	return nb;
}

/* ------------------------------------------------- checksums --- */

/* The one's-complement sum of len bytes at p, added to sum (RFC 1071). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define PROTO_TCP 6
#define PROTO_UDP 17

int netdev_frame_l4(uint8_t *f, size_t len, struct netdev_l4 *out)
{
	const uint8_t *ip = f + NETDEV_HLEN;

	if (len < NETDEV_HLEN + 20)
		return -EINVAL;
	switch (f[12] << 8 | f[13]) {
	case ETH_P_IP: {
		size_t hl = (size_t)(ip[0] & 15) * 4,
		       total = ip[2] << 8 | ip[3];
		if ((ip[0] >> 4) != 4 || hl < 20 || total < hl ||
		    NETDEV_HLEN + total > len || (ip[6] & 0x3f) || ip[7])
			return -EINVAL; /* not IPv4, truncated, a fragment */
		out->proto = ip[9];
		out->len = total - hl;
		out->v6 = false;
		out->src = ip + 12;
		out->dst = ip + 16;
		out->hdr = f + NETDEV_HLEN + hl;
		return 0;
	}
	case ETH_P_IPV6:
		if (len < NETDEV_HLEN + 40 || (ip[0] >> 4) != 6)
			return -EINVAL;
		out->proto = ip[6]; /* extension headers are not followed */
		out->len = (size_t)(ip[4] << 8 | ip[5]);
		if (NETDEV_HLEN + 40 + out->len > len)
			return -EINVAL;
		out->v6 = true;
		out->src = ip + 8;
		out->dst = ip + 24;
		out->hdr = f + NETDEV_HLEN + 40;
		return 0;
	default:
		return -EINVAL;
	}
}

int netdev_csum_complete(uint8_t *f, size_t len)
{
	struct netdev_l4 l;
	size_t field;
	uint32_t sum;

	if (netdev_frame_l4(f, len, &l))
		return -EINVAL;
	if (l.proto == PROTO_TCP && l.len >= 20)
		field = 16;
	else if (l.proto == PROTO_UDP && l.len >= 8)
		field = 6;
	else
		return -EINVAL;
	/* source and destination, adjacent in both headers */
	sum = csum_add(0, l.src, l.v6 ? 32 : 8);
	sum += l.proto + (uint32_t)(l.len >> 16) + (uint32_t)(l.len & 0xffff);
	l.hdr[field] = l.hdr[field + 1] = 0;
	sum = ~csum_add(sum, l.hdr, l.len) & 0xffff;
	if (l.proto == PROTO_UDP && !sum)
		sum = 0xffff; /* 0 means "no checksum" in UDP */
	l.hdr[field] = (uint8_t)(sum >> 8);
	l.hdr[field + 1] = (uint8_t)sum;
	return 0;
}

/* ------------------------------------------------------- the driver --- */

/* Tell the caller, outside the lock (its callback may send or recv). */
static void notify(struct netdev *dev, unsigned events)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);
	netdev_event_fn fn = dev->event;
	void *arg = dev->event_arg;

	spin_unlock_irqrestore(&dev->lock, irq);
	if (fn)
		fn(dev, events, arg);
}

void netdev_rx(struct netdev *dev, struct netbuf *frame)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);
	bool keep = dev->open && dev->rxq_len < NETDEV_RXQ_MAX;

	if (keep) {
		list_push_back(&dev->rxq, &frame->node);
		dev->rxq_len++;
		dev->stats.rx_packets++;
		dev->stats.rx_bytes += netbuf_frame_len(frame);
	} else {
		dev->stats.rx_dropped++;
	}
	spin_unlock_irqrestore(&dev->lock, irq);
	if (!keep)
		netbuf_free(frame);
	else
		notify(dev, NETDEV_EV_RX);
}

void netdev_tx_done(struct netdev *dev, struct netbuf *frame, int err)
{
	unsigned long irq = spin_lock_irqsave(&dev->lock);

	if (err) {
		dev->stats.tx_errors++;
	} else {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += netbuf_frame_len(frame);
	}
	spin_unlock_irqrestore(&dev->lock, irq);
	netbuf_free(frame);
}

void netdev_tx_room(struct netdev *dev)
{
	notify(dev, NETDEV_EV_TX_ROOM);
}

void netdev_set_link(struct netdev *dev, bool up)
{
	if (READ_ONCE(dev->link_up) == up)
		return;
	WRITE_ONCE(dev->link_up, up);
	notify(dev, NETDEV_EV_LINK);
}

struct netbuf *netdev_rxbuf_alloc(struct netdev *dev, size_t len)
{
	return netbuf_alloc(0, dev->rx_headroom + len);
}

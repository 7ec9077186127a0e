/*
 * virtio.h - inside drivers/virtio: a virtio 1.x device as its transport
 * (PCI, MMIO) presents it to the device drivers (net, blk), split virtqueues,
 * and feature negotiation. Only drivers/virtio/ and its unit test include
 * this; the platform sees drivers/virtio_probe.h.
 */
#ifndef DRIVERS_VIRTIO_VIRTIO_H
#define DRIVERS_VIRTIO_VIRTIO_H

#include <keel/compiler.h>
#include <keel/dma.h>

/* Device status bits (virtio 1.x, 2.1). */
#define VIRTIO_S_ACK 1
#define VIRTIO_S_DRIVER 2
#define VIRTIO_S_DRIVER_OK 4
#define VIRTIO_S_FEATURES_OK 8
#define VIRTIO_S_NEEDS_RESET 64
#define VIRTIO_S_FAILED 128

#define VIRTIO_F_VERSION_1 32 /* a feature bit number */
#define VIRTIO_BIT(n) (1ULL << (n))

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_9P 9

/* Why the interrupt came (both when the transport cannot tell). */
#define VIRTIO_IRQ_QUEUE 1u
#define VIRTIO_IRQ_CONFIG 2u

/* ------------------------------------------------------ virtqueues --- */

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct virtq_used_elem {
	uint32_t id, len;
};

/* What the driver counts of a device's broken promises (never followed). */
struct virtq_stats {
	uint64_t bad_id; /* a used id out of range, or not in flight */
	uint64_t bad_len; /* a used length beyond the buffer posted */
	uint64_t bad_idx; /* the used index ran ahead by more than the ring */
	uint64_t bad_status; /* a device-specific status outside the spec
				(counted by the device driver: blk) */
};

struct virtio_dev;

struct virtq {
	struct virtio_dev *vdev;
	unsigned index, size; /* size: a power of two */
	struct dma_buf mem; /* the three rings, one allocation */
	volatile struct virtq_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[size] */
	volatile uint16_t *used; /* flags, idx, then virtq_used_elems */
	uint64_t desc_bus, avail_bus, used_bus;
	uint16_t free_head, nfree, avail_idx, last_used;
	/* The driver's own copy of each chain: never read back from the
	 * ring, which the device can write. */
	uint16_t *next, *chain;
	uint32_t *in_len; /* bytes the device may write, per head */
	void **token; /* per head: the caller's, NULL when free */
	void *notify; /* the transport's doorbell for this queue */
	struct virtq_stats stats;
	unsigned warned; /* which complaints were logged (once each) */
	bool broken; /* the used index jumped: nothing more is taken */
};

/* A piece of a buffer: its bus address and length. */
struct virtq_seg {
	uint64_t bus;
	uint32_t len;
};

/* The rings for a queue of size entries (a power of two, <= 32768):
 * 0, -EINVAL, -ENOMEM. */
int virtq_init(struct virtq *vq, struct virtio_dev *vd, unsigned index,
	       unsigned size);
void virtq_destroy(struct virtq *vq);
/*
 * Post a buffer: nout pieces the device reads, then nin it writes, one
 * descriptor chain remembered with token. 0, -ENOSPC (too few free
 * descriptors), -EINVAL (no pieces, a NULL token).
 */
int virtq_add(struct virtq *vq, const struct virtq_seg *seg, unsigned nout,
	      unsigned nin, void *token);
/* Publish what was added and ring the doorbell unless the device said
 * it needs none. */
void virtq_kick(struct virtq *vq);
/*
 * The next buffer the device is done with: its token, the bytes it wrote
 * in *len, *err 0; or with *err -EIO the token of a buffer whose used
 * entry claimed more bytes than it had (counted, logged once: the caller
 * recycles it unread). NULL when nothing (more) is used. A used id out of
 * range or not in flight is counted, logged once and skipped; a used
 * index that jumps by more than the ring size stops the queue for good
 * (counted, logged once).
 */
void *virtq_get(struct virtq *vq, uint32_t *len, int *err);
/* After a device reset: the tokens still in flight, one by one, or NULL. */
void *virtq_detach(struct virtq *vq);

/* --------------------------------------------------------- devices --- */

struct virtio_ops {
	uint64_t (*get_features)(struct virtio_dev *vd);
	void (*set_features)(struct virtio_dev *vd, uint64_t features);
	uint8_t (*get_status)(struct virtio_dev *vd);
	/* 0 resets the device (and waits until it reads back 0). */
	void (*set_status)(struct virtio_dev *vd, uint8_t status);
	/* Device-specific configuration: -EINVAL outside its window. */
	int (*read_config)(struct virtio_dev *vd, unsigned off, void *buf,
			   unsigned len);
	/* The largest size of queue index, 0 if there is no such queue. */
	unsigned (*queue_max)(struct virtio_dev *vd, unsigned index);
	/* Give the device vq's rings and enable it (sets vq->notify). */
	int (*queue_enable)(struct virtio_dev *vd, struct virtq *vq);
	void (*notify)(struct virtio_dev *vd, struct virtq *vq);
	/* Route the interrupt to vd->irq; -ENODEV: poll instead. */
	int (*bind_irq)(struct virtio_dev *vd);
	/* What vd->irq should be told for one interrupt (MMIO, PCI's ISR
	 * read and acknowledged); NULL: both. */
	unsigned (*irq_status)(struct virtio_dev *vd);
};

struct virtio_dev {
	const struct virtio_ops *ops;
	void *transport; /* the transport's state */
	void *priv; /* the device driver's */
	char name[32]; /* "pci 00:03.0", "mmio 0xfeb00000" */
	unsigned type; /* VIRTIO_ID_* */
	uint64_t features; /* negotiated */
	int vector; /* the interrupt's CPU vector, -1 when polled */
	void (*irq)(struct virtio_dev *vd, unsigned why);
};

/*
 * Reset, acknowledge, offer want & the device's features (VERSION_1
 * required: legacy devices are refused) and check FEATURES_OK. 0 with
 * vd->features set, -ENODEV (no VERSION_1), -EIO (the device refused).
 */
int virtio_negotiate(struct virtio_dev *vd, uint64_t want);
/* Route interrupts to fn (or poll them every millisecond, said once). */
int virtio_irq_start(struct virtio_dev *vd,
		     void (*fn)(struct virtio_dev *vd, unsigned why));
/* Rings for queue index, of max entries (a power of two) or the largest
 * power of two below it the device takes, given to the device: 0,
 * -ENODEV (no such queue, or fewer than min entries), -ENOMEM. */
int virtio_queue_setup(struct virtio_dev *vd, struct virtq *vq, unsigned index,
		       unsigned max, unsigned min);
/* Status DRIVER_OK: the device is live. */
void virtio_driver_ok(struct virtio_dev *vd);
/* Give a found device to its driver by type; -ENODEV if none has it. */
int virtio_device_found(struct virtio_dev *vd);

/* Device drivers (drivers/virtio/net.c, blk.c, 9p.c, console.c). */
int virtio_net_probe(struct virtio_dev *vd);
int virtio_blk_probe(struct virtio_dev *vd);
int virtio_9p_probe(struct virtio_dev *vd);
int virtio_console_probe(struct virtio_dev *vd);

#endif

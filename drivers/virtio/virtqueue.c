/*
 * virtqueue.c - split virtqueues (drivers/virtio, virtio 1.x 2.7): the
 * descriptor table, the available ring the driver fills and the used
 * ring the device fills, in one DMA allocation. The device is not
 * trusted: what it writes in the used ring is checked before anything
 * is followed, and each kind of broken entry is counted and logged once.
 */
#include <keel/dma.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include "virtio.h"

/* x86 keeps stores in order and loads in order; the device sees memory
 * as another CPU would. A full fence where a store must be seen before a
 * load (the index we publish, then the device's NO_NOTIFY flag). */
#define dma_wmb() barrier()
#define dma_rmb() barrier()
#define dma_mb() __asm__ volatile("mfence" ::: "memory")

#define AVAIL_IDX 1 /* 16-bit words: flags, idx, ring... */
#define AVAIL_RING 2
#define USED_FLAGS 0
#define USED_IDX 1

#define WARN_ID 1u
#define WARN_LEN 2u
#define WARN_IDX 4u

static size_t used_offset(unsigned size)
{
	return ALIGN_UP(16 * (size_t)size + 6 + 2 * (size_t)size, 64);
}

static int alloc_shadow(struct virtq *vq)
{
	unsigned n = vq->size;

	vq->next = kzalloc(n * sizeof(*vq->next));
	vq->chain = kzalloc(n * sizeof(*vq->chain));
	vq->in_len = kzalloc(n * sizeof(*vq->in_len));
	vq->token = kzalloc(n * sizeof(*vq->token));
	if (vq->next && vq->chain && vq->in_len && vq->token)
		return 0;
	return -ENOMEM;
}

int virtq_init(struct virtq *vq, struct virtio_dev *vd, unsigned index,
	       unsigned size)
{
	size_t used_off = used_offset(size);
	int err;

	if (!size || size > 32768 || (size & (size - 1)))
		return -EINVAL;
	*vq = (struct virtq){ .vdev = vd, .index = index, .size = size };
	err = dma_alloc(used_off + 6 + 8 * (size_t)size, &vq->mem);
	if (!err)
		err = alloc_shadow(vq);
	if (err) {
		virtq_destroy(vq);
		return err;
	}
	vq->desc = vq->mem.va;
	vq->avail = (volatile uint16_t *)((uint8_t *)vq->mem.va + 16 * size);
	vq->used = (volatile uint16_t *)((uint8_t *)vq->mem.va + used_off);
	vq->desc_bus = vq->mem.bus;
	vq->avail_bus = vq->mem.bus + 16 * size;
	vq->used_bus = vq->mem.bus + used_off;
	for (unsigned i = 0; i < size; i++)
		vq->next[i] = (uint16_t)(i + 1);
	vq->nfree = (uint16_t)size;
	return 0;
}

void virtq_destroy(struct virtq *vq)
{
	kfree(vq->next);
	kfree(vq->chain);
	kfree(vq->in_len);
	kfree(vq->token);
	vq->next = vq->chain = NULL;
	vq->in_len = NULL;
	vq->token = NULL;
	if (vq->mem.va)
		dma_free(&vq->mem);
}

int virtq_add(struct virtq *vq, const struct virtq_seg *seg, unsigned nout,
	      unsigned nin, void *token)
{
	unsigned n = nout + nin;
	uint16_t head = vq->free_head, d = head;
	uint32_t in = 0;

	if (!n || !token)
		return -EINVAL;
	if (n > vq->nfree)
		return -ENOSPC;
	for (unsigned i = 0; i < n; i++) {
		volatile struct virtq_desc *desc = &vq->desc[d];
		desc->addr = seg[i].bus;
		desc->len = seg[i].len;
		desc->flags = (uint16_t)((i >= nout ? VIRTQ_DESC_F_WRITE : 0) |
					 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		desc->next = vq->next[d];
		if (i >= nout)
			in += seg[i].len;
		d = vq->next[d];
	}
	vq->free_head = d;
	vq->nfree = (uint16_t)(vq->nfree - n);
	vq->token[head] = token;
	vq->chain[head] = (uint16_t)n;
	vq->in_len[head] = in;
	vq->avail[AVAIL_RING + (vq->avail_idx & (vq->size - 1))] = head;
	vq->avail_idx++;
	dma_wmb(); /* the descriptors and the ring entry before the index */
	vq->avail[AVAIL_IDX] = vq->avail_idx;
	return 0;
}

void virtq_kick(struct virtq *vq)
{
	dma_mb(); /* our index is visible before we read the device's flag */
	if (!(vq->used[USED_FLAGS] & VIRTQ_USED_F_NO_NOTIFY))
		vq->vdev->ops->notify(vq->vdev, vq);
}

/* Log a kind of complaint the first time only. */
static void complain(struct virtq *vq, unsigned kind, const char *what,
		     unsigned a, unsigned b)
{
	if (vq->warned & kind)
		return;
	vq->warned |= kind;
	printk("virtio %s: queue %u: %s (%u, limit %u); dropped, counted, "
	       "logged once\n",
	       vq->vdev ? vq->vdev->name : "?", vq->index, what, a, b);
}

/* Put the chain that starts at head back on the free list. */
static void free_chain(struct virtq *vq, uint16_t head)
{
	uint16_t d = head;

	for (unsigned i = 1; i < vq->chain[head]; i++)
		d = vq->next[d];
	vq->next[d] = vq->free_head;
	vq->free_head = head;
	vq->nfree = (uint16_t)(vq->nfree + vq->chain[head]);
	vq->token[head] = NULL;
	vq->chain[head] = 0;
}

void *virtq_get(struct virtq *vq, uint32_t *len, int *err)
{
	while (!vq->broken) {
		uint16_t idx = vq->used[USED_IDX];
		uint16_t pending = (uint16_t)(idx - vq->last_used);

		if (!pending)
			return NULL;
		if (pending > vq->size) {
			vq->broken = true;
			vq->stats.bad_idx++;
			complain(vq, WARN_IDX,
				 "used index jumped; queue stopped", pending,
				 vq->size);
			return NULL;
		}
		dma_rmb(); /* the entry after the index that covers it */
		const volatile uint32_t *e =
		    (const volatile uint32_t *)(vq->used + 2) +
		    2 * (vq->last_used & (vq->size - 1));
		uint32_t id = e[0], l = e[1];
		vq->last_used++;
		if (id >= vq->size || !vq->token[id]) {
			vq->stats.bad_id++;
			complain(vq, WARN_ID,
				 "used id out of range or not in "
				 "flight",
				 id, vq->size);
			continue;
		}
		void *tok = vq->token[id];
		bool over = l > vq->in_len[id];
		free_chain(vq, (uint16_t)id);
		if (over) {
			vq->stats.bad_len++;
			complain(vq, WARN_LEN, "used length beyond the buffer",
				 l, vq->in_len[id]);
		}
		*len = over ? 0 : l;
		*err = over ? -EIO : 0;
		return tok;
	}
	return NULL;
}

void *virtq_detach(struct virtq *vq)
{
	for (unsigned i = 0; i < vq->size; i++) {
		void *tok = vq->token[i];
		if (tok) {
			free_chain(vq, (uint16_t)i);
			return tok;
		}
	}
	return NULL;
}

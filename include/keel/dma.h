/*
 * dma.h - memory devices read and write on their own (DMA), for drivers:
 * physically contiguous, page-aligned buffers, and the bus address of
 * kernel memory a driver hands to a device. On QEMU/KVM the bus address
 * is the guest-physical address (no IOMMU); on Xen PVH a grant names the
 * guest frame number, guest-physical >> 12 (dma_frame). Implemented by
 * the platform (plat/dma.c): the portable kernel does not call it.
 */
#ifndef KEEL_DMA_H
#define KEEL_DMA_H

#include <keel/compiler.h>

#define DMA_NONE (~0ULL) /* not memory a device can reach */

struct dma_buf {
	void *va; /* the kernel's address (the direct map) */
	uint64_t bus; /* the device's address of va */
	size_t size; /* whole pages */
};

/*
 * Physically contiguous, page-aligned, zeroed memory of at least size
 * bytes: 0, -EINVAL (size 0), -ENOMEM.
 */
int dma_alloc(size_t size, struct dma_buf *out);
void dma_free(struct dma_buf *b);
/*
 * The bus address of kernel memory at va: the heap, pages from the page
 * allocator, the kernel image (static buffers). It is contiguous to the
 * end of va's page (and across a dma_alloc or kmalloc'd page run);
 * DMA_NONE for anything else (an ioremap window, user memory).
 */
uint64_t dma_bus_addr(const void *va);
/* The frame a Xen grant names for the page holding va, or DMA_NONE. */
uint64_t dma_frame(const void *va);

#endif

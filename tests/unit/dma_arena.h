/*
 * dma_arena.h - include/keel/dma.h for unit tests of drivers: DMA memory
 * from the hosted arena's page allocator, where a bus address is the
 * arena's physical address and a Xen frame is that >> PAGE_SHIFT. One
 * test file per program includes it (it defines the functions).
 */
#ifndef UNIT_DMA_ARENA_H
#define UNIT_DMA_ARENA_H

#include <keel/dma.h>
#include <keel/errno.h>
#include <keel/page.h>
#include <keel/pmm.h>

int dma_alloc(size_t size, struct dma_buf *out)
{
	size_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	paddr_t pa = pmm_alloc_zeroed(pages);

	if (!pa)
		return -ENOMEM;
	out->va = phys_to_virt(pa);
	out->bus = pa;
	out->size = pages * PAGE_SIZE;
	return 0;
}

void dma_free(struct dma_buf *b)
{
	pmm_free(virt_to_phys(b->va), b->size / PAGE_SIZE);
	b->va = NULL;
}

uint64_t dma_bus_addr(const void *va)
{
	return virt_to_phys(va);
}

uint64_t dma_frame(const void *va)
{
	return virt_to_phys(va) >> PAGE_SHIFT;
}

#endif

/*
 * dma.c - DMA memory and bus addresses for drivers (plat/,
 * include/keel/dma.h). Both platforms give devices guest-physical
 * addresses: QEMU's devices have no IOMMU in front of them, and Xen PVH
 * guests are auto-translated, so a grant names guest-physical >> 12. An
 * IOMMU, or a platform with another bus view, would change this file
 * only.
 */
#include <keel/dma.h>
#include <keel/errno.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/selftest.h>
#include <keel/heap.h>
#include <keel/mmu.h>
#include <plat/platform.h>
#include <arch/layout.h>

int dma_alloc(size_t size, struct dma_buf *out)
{
	size_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	paddr_t pa;

	if (!size || !out)
		return -EINVAL;
	pa = pmm_alloc_zeroed(pages);
	if (!pa)
		return -ENOMEM;
	out->va = phys_to_virt(pa);
	out->bus = pa;
	out->size = pages * PAGE_SIZE;
	return 0;
}

void dma_free(struct dma_buf *b)
{
	if (b && b->va)
		pmm_free(virt_to_phys(b->va), b->size / PAGE_SIZE);
	if (b)
		b->va = NULL;
}

static bool is_ram(paddr_t pa)
{
	for (unsigned i = 0; i < boot_info.nram; i++)
		if (pa >= boot_info.ram[i].base &&
		    pa - boot_info.ram[i].base < boot_info.ram[i].size)
			return true;
	return false;
}

/* The guest-physical address of kernel memory at va, or DMA_NONE. */
uint64_t dma_bus_addr(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	extern char _end[];

	if (v >= KERNEL_VBASE && v < (uintptr_t)_end)
		return v - KERNEL_VBASE;
	if (v >= DIRECT_MAP_BASE && v < IOREMAP_BASE &&
	    is_ram(virt_to_phys(va)))
		return virt_to_phys(va);
	return DMA_NONE;
}

uint64_t dma_frame(const void *va)
{
	uint64_t pa = dma_bus_addr(va);

	return pa == DMA_NONE ? DMA_NONE : pa >> PAGE_SHIFT;
}

/*
 * Self-test: the addresses agree with the page tables (mmu_query) for a
 * DMA buffer, a heap object and a static one; device windows and user
 * addresses have none.
 */
static char static_buf[64];

static bool agrees(const void *va)
{
	paddr_t pa;
	unsigned prot;

	return mmu_query(&kernel_space, (uintptr_t)va, &pa, &prot) == 0 &&
	       dma_bus_addr(va) == pa;
}

static int test_dma(void)
{
	struct dma_buf b;
	char *obj = kmalloc(100);
	bool zero = true;

	ST_CHECK(obj);
	ST_CHECK(dma_alloc(0, &b) == -EINVAL);
	ST_CHECK(dma_alloc(3 * PAGE_SIZE - 5, &b) == 0);
	ST_CHECK(b.size == 3 * PAGE_SIZE && b.bus % PAGE_SIZE == 0);
	for (size_t i = 0; i < b.size; i++)
		zero &= ((char *)b.va)[i] == 0;
	ST_CHECK(zero);
	ST_CHECK(dma_bus_addr(b.va) == b.bus);
	ST_CHECK(dma_bus_addr((char *)b.va + 2 * PAGE_SIZE + 7) ==
		 b.bus + 2 * PAGE_SIZE + 7);
	ST_CHECK(dma_frame((char *)b.va + PAGE_SIZE) ==
		 (b.bus >> PAGE_SHIFT) + 1);
	ST_CHECK(agrees(b.va) && agrees((char *)b.va + 2 * PAGE_SIZE + 9));
	ST_CHECK(agrees(obj + 3) && agrees(static_buf + 5));
	ST_CHECK(dma_bus_addr((void *)(IOREMAP_BASE + 0x100)) == DMA_NONE);
	ST_CHECK(dma_bus_addr((void *)0x400000) == DMA_NONE);
	printk("  dma: 3 pages at bus %lx; heap, image and buffer agree with "
	       "the page tables\n",
	       b.bus);
	dma_free(&b);
	kfree(obj);
	return 0;
}
SELFTEST("dma", test_dma);

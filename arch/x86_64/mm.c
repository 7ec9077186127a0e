/*
 * mm.c - the kernel's final address space (arch/x86_64): the direct map of
 * all RAM (read-write, never executable), the kernel image with text RX,
 * rodata R and data RW, and an I/O window for device registers. Replaces
 * the boot page tables of boot.S, dropping their identity map. Every
 * process's page tables share this kernel half (its top-level entries).
 */
#include <keel/arch.h>
#include <keel/hyper.h>
#include <keel/mmu.h>
#include <keel/printk.h>
#include <arch/layout.h>
#include <arch/mm.h>

extern char _boot_start[], _text[], _etext[], _rodata[], _erodata[], _data[],
    _end[];

uintptr_t direct_map_base = DIRECT_MAP_BASE;
static uintptr_t io_next = IOREMAP_BASE;

#define PA(v) ((paddr_t)((uintptr_t)(v)-KERNEL_VBASE))

void arch_kernel_extent(paddr_t *start, paddr_t *end)
{
	*start = (paddr_t)(uintptr_t)_boot_start;
	*end = PA(_end);
}

static void map_or_die(uintptr_t va, paddr_t pa, size_t len, unsigned prot,
		       const char *what)
{
	int err = mmu_map(&kernel_space, va, pa, len, prot);

	if (err)
		panic("mm: cannot map %s (%d)", what, err);
}

void arch_mm_init(void)
{
	struct hyper_mem_region ram[64];
	unsigned n = hyper_memory_map(ram, ARRAY_SIZE(ram));

	if (mmu_space_init(&kernel_space, NULL))
		panic("mm: no memory for the kernel page tables");
	for (unsigned i = 0; i < n && i < ARRAY_SIZE(ram); i++) {
		paddr_t b = ALIGN_DOWN(ram[i].base, PAGE_SIZE);
		paddr_t e = ALIGN_UP(ram[i].base + ram[i].size, PAGE_SIZE);
		map_or_die(DIRECT_MAP_BASE + b, b, e - b, MMU_READ | MMU_WRITE,
			   "RAM");
	}
	map_or_die((uintptr_t)_text, PA(_text), _etext - _text,
		   MMU_READ | MMU_EXEC, "kernel text");
	map_or_die((uintptr_t)_rodata, PA(_rodata), _erodata - _rodata,
		   MMU_READ, "kernel rodata");
	map_or_die((uintptr_t)_data, PA(_data), _end - _data,
		   MMU_READ | MMU_WRITE, "kernel data");
	/*
	 * Each process's space copies the kernel half's top-level entries
	 * when it is made (mmu_space_init): the direct map's (slot 256) and
	 * the kernel's (511) exist now; the I/O window's (384) must too,
	 * though ioremap may first be used after a process space exists.
	 * Mapping one page there and taking it back leaves its tables.
	 */
	map_or_die(IOREMAP_BASE, PA(_data), PAGE_SIZE, MMU_READ,
		   "the I/O window");
	mmu_unmap(&kernel_space, IOREMAP_BASE, PAGE_SIZE);
	arch_switch_space(kernel_space.root);
}

static void *map_io(uint64_t pa, size_t size, unsigned prot)
{
	paddr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	size_t len = ALIGN_UP(pa + size, PAGE_SIZE) - base;
	uintptr_t va = io_next;

	if (!kernel_space.root) /* before arch_mm_init: no page tables yet */
		return NULL;
	if (va + len > IOREMAP_BASE + IOREMAP_SIZE)
		return NULL;
	if (mmu_map(&kernel_space, va, base, len, MMU_READ | MMU_WRITE | prot))
		return NULL;
	io_next += len;
	return (void *)(va + (pa - base));
}

void *ioremap(uint64_t pa, size_t size)
{
	return map_io(pa, size, MMU_NOCACHE);
}

void *ioremap_cached(uint64_t pa, size_t size)
{
	return map_io(pa, size, 0);
}

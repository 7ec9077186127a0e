/*
 * page.h - page size and the direct map. Every physical page of RAM is
 * visible to the kernel at direct_map_base + physical address; on the
 * machine that base is DIRECT_MAP_BASE, in hosted tests it is an arena.
 */
#ifndef KEEL_PAGE_H
#define KEEL_PAGE_H

#include <keel/compiler.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

typedef uint64_t paddr_t;

extern uintptr_t direct_map_base;

static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(direct_map_base + pa);
}

static inline paddr_t virt_to_phys(const void *va)
{
	return (paddr_t)((uintptr_t)va - direct_map_base);
}

#endif

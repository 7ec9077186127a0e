/*
 * arch/mm.h (x86-64) - device memory mappings.
 */
#ifndef ARCH_X86_64_MM_H
#define ARCH_X86_64_MM_H

#include <keel/compiler.h>

/*
 * Map [pa, pa+size) uncached (or cached for firmware tables) into the
 * kernel's I/O window; returns the virtual address of pa, NULL on failure.
 */
void *ioremap(uint64_t pa, size_t size);
void *ioremap_cached(uint64_t pa, size_t size);

#endif

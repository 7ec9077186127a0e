/*
 * heap.h - the kernel heap (kernel/heap.c): small objects from per-size
 * slabs, large ones as whole page runs. kmalloc memory is 16-byte aligned.
 * heap_stats() counts live allocations so tests can see leaks.
 */
#ifndef KEEL_HEAP_H
#define KEEL_HEAP_H

#include <keel/compiler.h>

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *krealloc(void *p, size_t size);
void kfree(void *p);
/* The usable size of an allocation (at least what was asked). */
size_t ksize(const void *p);

struct heap_stats {
	size_t live_objects;
	size_t live_bytes; /* usable bytes (ksize) still allocated */
	size_t pages; /* pages the heap holds from the pmm */
};
void heap_stats(struct heap_stats *st);
/* Return empty slab pages to the page allocator. */
void heap_trim(void);

#endif

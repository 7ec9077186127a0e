/*
 * heap.c - the kernel heap (kernel/). Objects up to SLAB_MAX bytes come
 * from one-page slabs of a single size class, each page starting with a
 * slab header; bigger ones get their own run of pages starting with a
 * large-object header. kfree finds the header at the start of the page, so
 * no per-object header is needed for small objects.
 */
#include <keel/heap.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/sync.h>

#define SLAB_MAGIC 0x51ab51ab
#define LARGE_MAGIC 0x1a26e0b1
#define HDR_SIZE 64 /* keeps objects 16-byte (and cache-line) aligned */
#define NCLASSES 8
#define SLAB_MAX 2048

struct slab {
	uint32_t magic;
	uint16_t cls;
	uint16_t inuse;
	void *free; /* singly linked free objects */
	struct list_node node; /* in its class's partial list when not full */
};

struct large {
	uint32_t magic;
	uint32_t npages;
	size_t size;
};

struct size_class {
	size_t size;
	unsigned per_slab;
	struct list_node partial;
};

static struct size_class classes[NCLASSES];
static struct spinlock heap_lock;
static struct heap_stats stats;
static bool ready;

static void heap_setup(void)
{
	size_t sz = 16;

	for (int i = 0; i < NCLASSES; i++, sz <<= 1) {
		classes[i].size = sz;
		classes[i].per_slab = (PAGE_SIZE - HDR_SIZE) / sz;
		list_init(&classes[i].partial);
	}
	ready = true;
}

static int class_of(size_t size)
{
	for (int i = 0; i < NCLASSES; i++)
		if (size <= classes[i].size)
			return i;
	return -1;
}

static struct slab *slab_new(int cls)
{
	paddr_t pa = pmm_alloc(1);
	struct slab *s;
	char *obj;

	if (!pa)
		return NULL;
	s = phys_to_virt(pa);
	s->magic = SLAB_MAGIC;
	s->cls = (uint16_t)cls;
	s->inuse = 0;
	s->free = NULL;
	obj = (char *)s + HDR_SIZE;
	for (unsigned i = 0; i < classes[cls].per_slab; i++) {
		*(void **)obj = s->free;
		s->free = obj;
		obj += classes[cls].size;
	}
	list_push_front(&classes[cls].partial, &s->node);
	stats.pages++;
	return s;
}

static void *slab_alloc(int cls)
{
	struct size_class *c = &classes[cls];
	struct slab *s;
	void *obj;

	if (list_empty(&c->partial) && !slab_new(cls))
		return NULL;
	s = list_entry(c->partial.next, struct slab, node);
	obj = s->free;
	s->free = *(void **)obj;
	if (++s->inuse == c->per_slab)
		list_remove(&s->node);
	return obj;
}

static void *large_alloc(size_t size)
{
	size_t npages = (size + HDR_SIZE + PAGE_SIZE - 1) / PAGE_SIZE;
	paddr_t pa = pmm_alloc(npages);
	struct large *l;

	if (!pa)
		return NULL;
	l = phys_to_virt(pa);
	l->magic = LARGE_MAGIC;
	l->npages = (uint32_t)npages;
	l->size = size;
	stats.pages += npages;
	return (char *)l + HDR_SIZE;
}

void *kmalloc(size_t size)
{
	unsigned long flags;
	void *p;
	int cls;

	if (size == 0 || size > GiB(1))
		return NULL;
	flags = spin_lock_irqsave(&heap_lock);
	if (!ready)
		heap_setup();
	cls = class_of(size);
	p = cls >= 0 ? slab_alloc(cls) : large_alloc(size);
	if (p) {
		stats.live_objects++;
		stats.live_bytes += cls >= 0 ? classes[cls].size : size;
	}
	spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

static void *page_of(const void *p)
{
	return (void *)((uintptr_t)p & PAGE_MASK);
}

size_t ksize(const void *p)
{
	struct slab *s = page_of(p);

	if (s->magic == SLAB_MAGIC)
		return classes[s->cls].size;
	BUG_ON(((struct large *)s)->magic != LARGE_MAGIC);
	return ((struct large *)s)->size;
}

void kfree(void *p)
{
	unsigned long flags;
	struct slab *s;

	if (!p)
		return;
	flags = spin_lock_irqsave(&heap_lock);
	s = page_of(p);
	if (s->magic == SLAB_MAGIC) {
		struct size_class *c = &classes[s->cls];
		BUG_ON(((uintptr_t)p - (uintptr_t)s - HDR_SIZE) % c->size);
		if (s->inuse-- == c->per_slab)
			list_push_front(&c->partial, &s->node);
		*(void **)p = s->free;
		s->free = p;
		stats.live_bytes -= c->size;
	} else {
		struct large *l = (struct large *)s;
		BUG_ON(l->magic != LARGE_MAGIC || p != (char *)l + HDR_SIZE);
		l->magic = 0;
		stats.live_bytes -= l->size;
		stats.pages -= l->npages;
		pmm_free(virt_to_phys(l), l->npages);
	}
	stats.live_objects--;
	spin_unlock_irqrestore(&heap_lock, flags);
}

void *krealloc(void *p, size_t size)
{
	void *n;

	if (!p)
		return kmalloc(size);
	if (size == 0) {
		kfree(p);
		return NULL;
	}
	if (size <= ksize(p) && class_of(size) >= 0)
		return p;
	n = kmalloc(size);
	if (n) {
		memcpy(n, p, MIN(size, ksize(p)));
		kfree(p);
	}
	return n;
}

void heap_stats(struct heap_stats *st)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	*st = stats;
	spin_unlock_irqrestore(&heap_lock, flags);
}

void heap_trim(void)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	for (int i = 0; ready && i < NCLASSES; i++) {
		list_for_each_safe (n, tmp, &classes[i].partial) {
			struct slab *s = list_entry(n, struct slab, node);
			if (s->inuse)
				continue;
			list_remove(&s->node);
			s->magic = 0;
			pmm_free(virt_to_phys(s), 1);
			stats.pages--;
		}
	}
	spin_unlock_irqrestore(&heap_lock, flags);
}

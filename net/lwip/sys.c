/*
 * sys.c - lwIP's platform hooks in keel (net/lwip/): sys_now from keel's
 * monotonic clock, memory from keel's heap, random numbers (TCP's
 * initial sequence numbers, ports, DHCP transaction ids) from
 * kernel/random.c, diagnostics to printk. An lwIP assertion is a bug of
 * the stack, never a peer's doing: it panics with its place.
 */
#include <stdarg.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/random.h>
#include <keel/string.h>
#include <keel/time.h>
#include "lwip/sys.h"

u32_t sys_now(void)
{
	return (u32_t)(time_now_ns() / NSEC_PER_MSEC);
}

void lwip_port_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void lwip_port_assert(const char *msg, const char *file, int line)
{
	panic("lwIP: assertion \"%s\" failed at %s:%d", msg, file, line);
}

uint32_t lwip_port_rand(void)
{
	uint32_t r;

	random_bytes(&r, sizeof(r));
	return r;
}

void *lwip_port_malloc(size_t size)
{
	return kmalloc(size);
}

void *lwip_port_calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kzalloc(n * size);
}

void lwip_port_free(void *p)
{
	kfree(p);
}

/*
 * sys.c - lwIP's platform hooks in keel (net/lwip/): sys_now from keel's
 * monotonic clock, memory from keel's heap, random numbers (TCP's
 * initial sequence numbers, ports, DHCP transaction ids) from
 * kernel/random.c, diagnostics to printk. An lwIP assertion is a bug of
 * the stack, never a peer's doing: it panics with its place.
 */
#include <stdarg.h>
#include <keel/heap.h>
#include <keel/memcharge.h>
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

/*
 * lwIP's memory, charged to MEM_NET: a 16-byte header before each block
 * holds the size charged. Buffers (pbufs: data) are refused past the
 * kind's quarter of RAM or into the reserve, a NULL lwIP handles (ERR_MEM:
 * a send that waits, a segment dropped). Small blocks are its own state
 * (timeouts, segments, PCBs; the sockets that own PCBs are charged to
 * MEM_SOCK): lwIP asserts when some of those fail (a cyclic timer), so
 * they are counted, never refused.
 */
#define LWIP_HDR 16
#define LWIP_SMALL 256

void *lwip_port_malloc(size_t size)
{
	size_t *h;

	if (size > (size_t)-1 - LWIP_HDR)
		return NULL;
	if (size + LWIP_HDR <= LWIP_SMALL)
		mem_charge_force(MEM_NET, size + LWIP_HDR);
	else if (mem_charge(MEM_NET, size + LWIP_HDR))
		return NULL;
	h = kmalloc(size + LWIP_HDR);
	if (!h) {
		mem_uncharge(MEM_NET, size + LWIP_HDR);
		return NULL;
	}
	*h = size + LWIP_HDR;
	return (char *)h + LWIP_HDR;
}

void *lwip_port_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	p = lwip_port_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void lwip_port_free(void *p)
{
	size_t *h = p ? (size_t *)((char *)p - LWIP_HDR) : NULL;

	if (!h)
		return;
	mem_uncharge(MEM_NET, *h);
	kfree(h);
}

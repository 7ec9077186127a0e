/*
 * stdlib.h - the C library's stdlib.h for lwIP's sources in the
 * freestanding kernel (net/lwip/): atoi, which lwIP's netif_find uses
 * on interface names; memory and random numbers come through arch/cc.h.
 */
#ifndef KEEL_LWIP_LIBC_STDLIB_H
#define KEEL_LWIP_LIBC_STDLIB_H
#include <stddef.h>

static inline int atoi(const char *s)
{
	int v = 0;

	while (*s >= '0' && *s <= '9' && v < 100000000)
		v = v * 10 + (*s++ - '0');
	return v;
}
#endif

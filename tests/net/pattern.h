/*
 * pattern.h - the byte pattern the network tests send and check
 * (tests/net/patserve.c, tests/net/netclient.c): byte i of every stream is
 * pat(i), so a receiver knows each byte it should get without a copy of
 * the data.
 */
#ifndef TESTS_NET_PATTERN_H
#define TESTS_NET_PATTERN_H

#include <stddef.h>

/* Byte i of the pattern: not periodic at any small power of two. */
static inline unsigned char pat(unsigned long i)
{
	return (unsigned char)((i * 2654435761UL) >> 13);
}

/* Fill buf with the n pattern bytes that start at offset off. */
static inline void pat_fill(unsigned char *buf, unsigned long off, size_t n)
{
	for (size_t j = 0; j < n; j++)
		buf[j] = pat(off + j);
}

/* The index in buf of the first byte that is not the pattern at offset
 * off, or n when all n are. */
static inline size_t pat_check(const unsigned char *buf, unsigned long off,
			       size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (buf[j] != pat(off + j))
			return j;
	return n;
}

#endif

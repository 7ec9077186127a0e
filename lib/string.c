/*
 * string.c - freestanding memory and string routines (lib/, host-testable).
 * gcc may emit calls to memcpy/memset/memmove/memcmp itself, so these keep
 * their standard names and semantics. strlcpy, which the host tests need
 * too, is in lib/strlcpy.c.
 */
#include <keel/string.h>

/*
 * memcpy, memmove, memset and memchr take 8-byte words, four a round, and bytes
 * only at the ends: the kernel is built without SSE, and under QEMU's TCG
 * each emulated access costs about the same at any width, so a byte loop
 * is ~8x slower per byte (it zeroed every new page and copied every
 * copy-on-write one). Words may be unaligned (x86 allows it).
 */
typedef uint64_t __attribute__((may_alias, aligned(1))) word_t;

/* Forward, which is also right for an overlap with dst below src. */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
	for (; n >= 32; n -= 32, d += 32, s += 32) {
		word_t a = ((const word_t *)s)[0], b = ((const word_t *)s)[1],
		       c = ((const word_t *)s)[2], e = ((const word_t *)s)[3];

		((word_t *)d)[0] = a;
		((word_t *)d)[1] = b;
		((word_t *)d)[2] = c;
		((word_t *)d)[3] = e;
	}
	for (; n >= 8; n -= 8, d += 8, s += 8)
		*(word_t *)d = *(const word_t *)s;
	while (n--)
		*d++ = *s++;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n) {
		copy_forward(d, s, n);
		return dst;
	}
	/* dst above an overlapping src: from the end, a word at a time. */
	for (; n >= 8; n -= 8)
		*(word_t *)(d + n - 8) = *(const word_t *)(s + n - 8);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t w = (unsigned char)c * 0x0101010101010101ULL;

	for (; n >= 32; n -= 32, d += 32) {
		((word_t *)d)[0] = w;
		((word_t *)d)[1] = w;
		((word_t *)d)[2] = w;
		((word_t *)d)[3] = w;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(word_t *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

/* A word at a time until one holds c (the stdin stream scans every byte
 * it takes for its escape), then bytes. */
void *memchr(const void *s, int c, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const unsigned char *p = s;
	uint64_t pat = (unsigned char)c * ones;

	for (; n >= 8; n -= 8, p += 8) {
		uint64_t w = *(const word_t *)p ^ pat; /* 0 bytes: c's */

		if ((w - ones) & ~w & (ones << 7))
			break;
	}
	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

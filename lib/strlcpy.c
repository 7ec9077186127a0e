/*
 * strlcpy.c - the one routine of include/keel/string.h that both the kernel
 * and the host tests take from lib/ (glibc before 2.38 lacks it); the host
 * tests take the others from libc, where the sanitizers intercept them.
 */
#include <keel/string.h>

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

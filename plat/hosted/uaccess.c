/*
 * uaccess.c - user memory for host tests (plat/hosted): the test process
 * is the "application", so a user pointer is ordinary memory. The range
 * check of include/keel/uaccess.h still applies (NULL and kernel-half
 * pointers give -EFAULT), but a wild pointer inside the range is not
 * caught: tests pass only NULL, small or huge values as bad pointers.
 */
#include <string.h>
#include <keel/errno.h>
#include <keel/uaccess.h>

int copy_from_user(void *dst, const void *user_src, size_t len)
{
	if (!len)
		return 0;
	if (!user_range_ok((uintptr_t)user_src, len))
		return -EFAULT;
	memcpy(dst, user_src, len);
	return 0;
}

int copy_to_user(void *user_dst, const void *src, size_t len)
{
	if (!len)
		return 0;
	if (!user_range_ok((uintptr_t)user_dst, len))
		return -EFAULT;
	memcpy(user_dst, src, len);
	return 0;
}

int clear_user(void *user_dst, size_t len)
{
	if (!len)
		return 0;
	if (!user_range_ok((uintptr_t)user_dst, len))
		return -EFAULT;
	memset(user_dst, 0, len);
	return 0;
}

/* The range check alone: a range that passes is copied whole. */
size_t copy_from_user_upto(void *dst, const void *user_src, size_t len)
{
	return copy_from_user(dst, user_src, len) ? 0 : len;
}

size_t copy_to_user_upto(void *user_dst, const void *src, size_t len)
{
	return copy_to_user(user_dst, src, len) ? 0 : len;
}

size_t clear_user_upto(void *user_dst, size_t len)
{
	return clear_user(user_dst, len) ? 0 : len;
}

long strncpy_from_user(char *dst, const char *user_src, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (!user_range_ok((uintptr_t)user_src + i, 1))
			return -EFAULT;
		dst[i] = user_src[i];
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}

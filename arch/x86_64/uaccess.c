/*
 * uaccess.c - copies between kernel and application memory (x86-64,
 * include/keel/uaccess.h). Each copy checks the range against the user
 * half, opens SMAP's window (stac/clac) when the CPU has SMAP, and runs
 * the copy of copy.S, whose every access is in the exception table: a
 * fault the demand pager cannot resolve ends the copy at the faulting
 * byte (-EFAULT, or the count copied for the _upto forms).
 */
#include <keel/errno.h>
#include <keel/uaccess.h>
#include <arch/cpu.h>

static inline void user_open(void)
{
	if (cpu_features.smap)
		__asm__ volatile("stac" ::: "memory");
}

static inline void user_close(void)
{
	if (cpu_features.smap)
		__asm__ volatile("clac" ::: "memory");
}

#define EXTABLE(from, to)                \
	".pushsection .extable, \"a\"\n" \
	".quad " from ", " to "\n"       \
	".popsection\n"

/* arch/x86_64/copy.S: the bytes NOT copied (zeroed); 0 when all were. */
size_t user_copy(void *dst, const void *src, size_t n);
size_t user_zero(void *dst, size_t n);

static size_t copy_bytes(void *dst, const void *src, size_t n)
{
	size_t left;

	user_open();
	left = user_copy(dst, src, n);
	user_close();
	return n - left;
}

size_t copy_from_user_upto(void *dst, const void *user_src, size_t len)
{
	if (!user_range_ok((uintptr_t)user_src, len))
		return 0;
	return copy_bytes(dst, user_src, len);
}

size_t copy_to_user_upto(void *user_dst, const void *src, size_t len)
{
	if (!user_range_ok((uintptr_t)user_dst, len))
		return 0;
	return copy_bytes(user_dst, src, len);
}

size_t clear_user_upto(void *user_dst, size_t len)
{
	size_t left;

	if (!user_range_ok((uintptr_t)user_dst, len))
		return 0;
	user_open();
	left = user_zero(user_dst, len);
	user_close();
	return len - left;
}

int copy_from_user(void *dst, const void *user_src, size_t len)
{
	if (!user_range_ok((uintptr_t)user_src, len))
		return -EFAULT;
	return copy_bytes(dst, user_src, len) == len ? 0 : -EFAULT;
}

int copy_to_user(void *user_dst, const void *src, size_t len)
{
	if (!user_range_ok((uintptr_t)user_dst, len))
		return -EFAULT;
	return copy_bytes(user_dst, src, len) == len ? 0 : -EFAULT;
}

int clear_user(void *user_dst, size_t len)
{
	if (!user_range_ok((uintptr_t)user_dst, len))
		return -EFAULT;
	return clear_user_upto(user_dst, len) == len ? 0 : -EFAULT;
}

/* One byte from user memory: 0 or -EFAULT (the address is checked). */
static int get_user_byte(const char *p, char *out)
{
	int err = 0;
	char v = 0;

	user_open();
	__asm__ volatile(
	    "1: movb (%2), %1\n"
	    "2:\n" EXTABLE("1b", "3f") ".pushsection .text.fixup, \"ax\"\n"
				       "3: movl $-14, %0\n"
				       "jmp 2b\n"
				       ".popsection"
	    : "+r"(err), "+q"(v)
	    : "r"(p)
	    : "memory");
	user_close();
	*out = v;
	return err;
}

long strncpy_from_user(char *dst, const char *user_src, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (!user_range_ok((uintptr_t)user_src + i, 1) ||
		    get_user_byte(user_src + i, &dst[i]))
			return -EFAULT;
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}

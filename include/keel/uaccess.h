/*
 * uaccess.h - the only way the kernel touches application memory. Every
 * user pointer is checked against the user half and copied with faults
 * caught (arch/x86_64/uaccess.c): a bad pointer gives -EFAULT, never a
 * kernel fault. Pages not yet present are faulted in on the way
 * (kernel/vm.c), as the application's own access would.
 */
#ifndef KEEL_UACCESS_H
#define KEEL_UACCESS_H

#include <keel/compiler.h>

/* The user half: [USER_MIN, USER_TOP). Page 0 is never mapped. */
#define USER_MIN 0x1000UL
#define USER_TOP 0x00007ffffffff000UL

/*
 * Linux's access_ok, what a syscall checks before it starts: the range lies
 * below the top of the user half. Page 0 passes, as on Linux, so a call
 * that copies nothing (a read from /dev/null) succeeds.
 */
static inline bool access_ok(uintptr_t addr, size_t len)
{
	return addr <= USER_TOP && len <= USER_TOP - addr;
}

/* What each copy checks: access_ok, and never page 0 (-EFAULT). */
static inline bool user_range_ok(uintptr_t addr, size_t len)
{
	return addr >= USER_MIN && access_ok(addr, len);
}

/* 0 or -EFAULT. */
int copy_from_user(void *dst, const void *user_src, size_t len);
int copy_to_user(void *user_dst, const void *src, size_t len);
int clear_user(void *user_dst, size_t len);
/*
 * The same, but return how many bytes were copied (zeroed) before the
 * first byte that faulted, len when none did: a read(2) or write(2) into a
 * buffer that ends inside the range returns that count, as on Linux. A
 * range that fails the check copies nothing (0).
 */
size_t copy_from_user_upto(void *dst, const void *user_src, size_t len);
size_t copy_to_user_upto(void *user_dst, const void *src, size_t len);
size_t clear_user_upto(void *user_dst, size_t len);
/*
 * Copy a NUL-terminated string of at most max bytes including the NUL:
 * its length, -EFAULT, or -ENAMETOOLONG when no NUL is found in max.
 */
long strncpy_from_user(char *dst, const char *user_src, size_t max);

#endif

/*
 * limits.h - the C library's limits.h for lwIP's sources in the
 * freestanding kernel (net/lwip/): the integer limits from the
 * compiler's own macros (gcc's limits.h would look for glibc's).
 */
#ifndef KEEL_LWIP_LIBC_LIMITS_H
#define KEEL_LWIP_LIBC_LIMITS_H
#define CHAR_BIT __CHAR_BIT__
#define INT_MAX __INT_MAX__
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX (INT_MAX * 2U + 1U)
#define LONG_MAX __LONG_MAX__
#define ULONG_MAX (LONG_MAX * 2UL + 1UL)
#endif

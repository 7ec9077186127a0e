/*
 * string.h - the C library's string.h for lwIP's sources in the
 * freestanding kernel (net/lwip/): keel's own functions (lib/string.c).
 */
#ifndef KEEL_LWIP_LIBC_STRING_H
#define KEEL_LWIP_LIBC_STRING_H
#include <keel/string.h>
#endif

/*
 * stdio.h - the C library's stdio.h for lwIP's sources in the
 * freestanding kernel (net/lwip/): nothing of it is used (diagnostics go
 * through arch/cc.h to printk).
 */
#ifndef KEEL_LWIP_LIBC_STDIO_H
#define KEEL_LWIP_LIBC_STDIO_H
#include <stddef.h>
#endif

/*
 * arch/cc.h - what lwIP asks of its platform (net/lwip/): byte order,
 * printf formats for its types, no C library headers it may rely on, its
 * diagnostics, assertions, random numbers and memory, all keel's
 * (net/lwip/sys.c). Used in the kernel and in the hosted tests alike.
 */
#ifndef KEEL_LWIP_CC_H
#define KEEL_LWIP_CC_H

#include <stddef.h>
#include <stdint.h>

#ifndef BYTE_ORDER /* glibc (hosted tests) has it */
#define BYTE_ORDER LITTLE_ENDIAN
#endif
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"
#define LWIP_ERRNO_STDINCLUDE 0

void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lwip_port_assert(const char *msg, const char *file, int line)
    __attribute__((noreturn));
uint32_t lwip_port_rand(void);
void *lwip_port_malloc(size_t size);
void *lwip_port_calloc(size_t n, size_t size);
void lwip_port_free(void *p);

#define LWIP_PLATFORM_DIAG(x)     \
	do {                      \
		lwip_port_diag x; \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert(x, __FILE__, __LINE__)
#define LWIP_RAND() lwip_port_rand()
#define mem_clib_malloc lwip_port_malloc
#define mem_clib_calloc lwip_port_calloc
#define mem_clib_free lwip_port_free

#endif

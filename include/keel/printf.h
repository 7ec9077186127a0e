/*
 * printf.h - formatted printing into buffers (lib/printf.c, host-testable).
 * Supports the subset the kernel uses: flags "-0+ #", width and precision
 * (also '*'), length modifiers hh h l ll z t j, and conversions
 * d i u x X o c s p %.
 */
#ifndef KEEL_PRINTF_H
#define KEEL_PRINTF_H

#include <stdarg.h>
#include <keel/compiler.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif

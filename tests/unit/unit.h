/*
 * unit.h - what every host unit test includes: cmocka (which wants the C
 * headers below first) and the plat/hosted controls. The tests link the
 * real kernel sources; see the HOSTED_SRCS list in the Makefile.
 */
#ifndef KEEL_UNIT_H
#define KEEL_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <hosted.h>

/* A small deterministic PRNG (xorshift64*), so failures reproduce. */
static inline uint64_t unit_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

#endif

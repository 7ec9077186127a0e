/*
 * random.h - the kernel's random numbers (kernel/random.c), for AT_RANDOM,
 * getrandom(2) and address placement. Seeded from the platform
 * (hyper_random_seed) and the clock; not a cryptographic generator.
 */
#ifndef KEEL_RANDOM_H
#define KEEL_RANDOM_H

#include <keel/compiler.h>

void random_bytes(void *buf, size_t n);

#endif

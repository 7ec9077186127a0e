/*
 * vvar.h - the page of clock data the kernel shares read-only with every
 * program, and the layout its vDSO reads (linux/vdso/vdso.c). kernel/time.c
 * writes it under a sequence counter; the vDSO computes from it the same
 * values the clock syscalls return, or takes the syscall when the page
 * says the clock cannot be read from user mode (docs/vm.md, "The vDSO").
 * Only fixed-size types: the vDSO is built without libc and without keel.
 */
#ifndef KEEL_VVAR_H
#define KEEL_VVAR_H

#include <stdint.h>

/* How user mode reads the monotonic clock. */
#define VCLOCK_NONE 0 /* it cannot: every call takes the syscall */
#define VCLOCK_TSC 1 /* ns = ((rdtsc - tsc_base) * mult) >> shift */

/* The page sits right below the vDSO's first page. */
#define VVAR_SIZE 4096

struct vvar {
	/* Odd while the kernel writes; readers retry until it is even and
	 * the same before and after their read. */
	uint32_t seq;
	uint32_t vclock; /* VCLOCK_* */
	uint64_t tsc_base; /* the counter at monotonic 0 */
	uint64_t mult;
	uint32_t shift;
	uint32_t pad;
	/* CLOCK_REALTIME minus CLOCK_MONOTONIC: the platform's wall clock
	 * at boot plus what settimeofday and clock_settime moved it by. */
	int64_t wall_ns;
};

#endif

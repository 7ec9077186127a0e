/*
 * arch/cpu.h (x86-64) - CPU features found at boot, and the arch set-up
 * steps the boot path calls in order.
 */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H

#include <keel/compiler.h>

struct cpu_features {
	bool nx, smep, smap, pge, xsave, x2apic, tsc_deadline, fsgsbase;
	bool invariant_tsc;
};
extern struct cpu_features cpu_features;

void arch_cpu_early(void);
void arch_set_kernel_stack(uint64_t top);
/* The syscall MSRs (user.c). */
void arch_user_init(void);

#endif

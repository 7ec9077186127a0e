/*
 * arch/thread.h (x86-64) - the saved CPU context of a thread: its kernel
 * stack pointer (callee-saved registers live on the stack) and the FPU/SSE
 * state area saved with XSAVE or FXSAVE on every switch.
 */
#ifndef ARCH_X86_64_THREAD_H
#define ARCH_X86_64_THREAD_H

#include <stdint.h>

struct arch_thread {
	uint64_t rsp;
	void *fpu; /* 64-byte aligned save area, arch_fpu_size bytes */
	uint64_t kstack_top; /* where entries from user mode start, or 0 */
	uint64_t fs_base; /* the user thread pointer (arch_set_tls) */
	void *user_frame; /* the user registers of the current syscall */
};

#endif

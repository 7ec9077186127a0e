/*
 * arch/thread.h (x86-64) - the saved CPU context of a thread: its kernel
 * stack pointer (callee-saved registers live on the stack) and the FPU/SSE
 * state area saved with XSAVE or FXSAVE on every switch.
 */
#ifndef ARCH_X86_64_THREAD_H
#define ARCH_X86_64_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arch_thread {
	uint64_t rsp;
	void *fpu; /* 64-byte aligned save area, arch_fpu_size bytes */
	uint64_t kstack_top; /* where entries from user mode start, or 0 */
	uint64_t fs_base; /* the user thread pointer (arch_set_tls) */
	void *user_frame; /* the user registers of the current syscall */
	bool force_iret; /* rt_sigreturn: every register as it was */
	uint64_t space; /* page-table root to load, 0: keep the current */
};

/* FPU state of the running thread, for signal frames (thread.c). */
size_t arch_fpu_size(void);
void *fpu_current_save(void); /* the registers into the thread's area */
void fpu_current_load(const void *area); /* and back, from a copy */
const void *fpu_initial_state(void);
bool fpu_uses_xsave(void);
uint64_t fpu_xsave_mask(void);
uint32_t fpu_mxcsr_mask(void);

#endif

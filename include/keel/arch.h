/*
 * arch.h - the hooks the portable kernel calls into the CPU architecture.
 * Declared once here, implemented once per architecture (arch/x86_64/) and
 * by plat/hosted for host tests. <arch/thread.h> comes from the include path
 * of whichever of those is being built.
 */
#ifndef KEEL_ARCH_H
#define KEEL_ARCH_H

#include <keel/page.h>
#include <arch/thread.h>

/* Interrupt state on the current CPU. */
unsigned long arch_irq_save(void); /* disable, return previous state */
void arch_irq_restore(unsigned long flags);
void arch_irq_enable(void);
void arch_irq_disable(void);
bool arch_irqs_enabled(void);
void arch_cpu_relax(void);

/*
 * Threads: prepare a context that starts entry(arg) on the given stack, and
 * switch from one saved context to another (saves callee state and FPU).
 * entry must not return (kernel/sched.c ends threads with thread_exit).
 * With stack_top NULL, the context describes the caller itself (the boot
 * thread): only its FPU state area is set up.
 */
int arch_thread_init(struct arch_thread *t, void *stack_top,
		     void (*entry)(void *), void *arg);
void arch_thread_release(struct arch_thread *t);
void arch_thread_switch(struct arch_thread *from, struct arch_thread *to);

/* Print the call chain of the caller to the console. */
void arch_backtrace(void);
/* Name of the function containing addr, and the offset into it. */
const char *arch_symbolize(uintptr_t addr, uintptr_t *offset);

/* Boot steps, in the order kernel_main calls them. */
void arch_mm_init(void); /* final page tables; the pmm must be ready */
void arch_cpu_init(void); /* FPU and CPU protections; the heap must work */
/* Physical extent of the kernel image, to keep it out of the pmm. */
void arch_kernel_extent(paddr_t *start, paddr_t *end);

/*
 * User mode: leave the kernel for the application at entry with stack sp
 * (on the current thread's kernel stack; it never returns: syscalls and
 * faults come back through the syscall layer and vm_fault), and the
 * thread-pointer register (FS base on x86-64) for arch_prctl.
 */
__noreturn void arch_enter_user(uintptr_t entry, uintptr_t sp);
/* Nanoseconds since the kernel's first instruction (the PVH entry), by
 * the TSC; 0 before the clock is set up. */
uint64_t arch_since_entry_ns(void);
void arch_set_tls(uint64_t base);
uint64_t arch_get_tls(void);
/*
 * A new user thread (clone): a copy of the calling thread's user registers
 * as its syscall left them, returning 0 on stack new_sp (0: the same);
 * the new kernel thread enters it with arch_enter_user_context, which
 * frees the copy.
 */
void *arch_clone_user_context(uintptr_t new_sp);
__noreturn void arch_enter_user_context(void *ctx);
/* What the CPU offers user mode (AT_HWCAP, AT_HWCAP2, AT_PLATFORM). */
uint64_t arch_hwcap(void);
uint64_t arch_hwcap2(void);
const char *arch_platform(void);

/* Invalidate the TLB entry for one page of the current address space. */
void arch_tlb_flush_page(uintptr_t va);
/* Make an address space current. */
void arch_switch_space(paddr_t root);
/* The page-table root loaded on this CPU. */
paddr_t arch_current_space(void);
/*
 * A user thread's page tables: loaded when it is switched in (root 0:
 * a kernel thread, which runs on whatever is loaded). A forked thread
 * starts with its creator's FPU registers (arch_thread_copy_fpu).
 */
void arch_thread_set_space(struct arch_thread *t, paddr_t root);
void arch_thread_copy_fpu(struct arch_thread *t);
/* execve: the calling thread's FPU registers as at start, no TLS. */
void arch_exec_reset(void);

#endif

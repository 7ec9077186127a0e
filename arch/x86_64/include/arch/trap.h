/*
 * arch/trap.h (x86-64) - the register frame saved by every interrupt and
 * exception entry (arch/x86_64/entry.S), and the vector dispatch table.
 */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

#define VEC_DIVIDE 0
#define VEC_DEBUG 1
#define VEC_BREAKPOINT 3
#define VEC_INVALID_OP 6
#define VEC_GP 13
#define VEC_PAGE_FAULT 14
#define VEC_X87 16
#define VEC_ALIGNMENT 17
#define VEC_SIMD 19
#define VEC_SYSCALL 0x100 /* not a vector: marks a syscall's frame */
#define VEC_FIRST_IRQ 32
#define VEC_XEN_UPCALL 0xf0
#define VEC_LAPIC_TIMER 0xf8
#define VEC_SPURIOUS 0xff

typedef void (*irq_handler_t)(struct trap_frame *tf);
/* Route an interrupt vector (>= 32) to a handler. */
void irq_set_handler(unsigned vector, irq_handler_t fn);

void idt_init(void);
/* User mode (user.c): a fault or trap from ring 3, and the kernel stack
 * that entries from ring 3 use. */
void user_exception(struct trap_frame *tf, uint64_t cr2);
/* On the way back to user mode, interrupts off: preemption, signals. */
void user_return(void);
void arch_user_stack_switch(uint64_t kstack_top);
void arch_load_tls(uint64_t base);
bool uaccess_fault(struct trap_frame *tf, uint64_t cr2);
void gdt_init(void);

/*
 * Exception fixups: an instruction that may fault on purpose (a probe of a
 * possibly unmapped address) is listed with the address to resume at.
 */
struct extable_entry {
	uint64_t insn, fixup;
};
/* Read a byte at addr; -14 (EFAULT) if it faults. Records CR2 seen. */
int arch_probe_read(uintptr_t addr, uint8_t *out);
extern uint64_t last_fault_cr2;

#endif

/*
 * switch.S - kernel stack switch (arch/x86_64).
 * switch_stacks(uint64_t *save_rsp, uint64_t new_rsp): push the
 * callee-saved registers, save %rsp, load the other thread's and pop its.
 * A new thread's stack is laid out by arch_thread_init to "return" into
 * thread_start_asm, which tail-jumps to thread_first(t, entry, arg).
 */
	.text
	.globl switch_stacks
switch_stacks:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

	.globl thread_start_asm
thread_start_asm:
	pop %rdi
	pop %rsi
	pop %rdx
	jmp thread_first

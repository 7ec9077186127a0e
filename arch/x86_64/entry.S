/*
 * entry.S - interrupt and exception entry (arch/x86_64). One small stub
 * per vector pushes a dummy error code where the CPU gives none, then the
 * vector number; trap_common saves the general registers as a struct
 * trap_frame and calls trap_dispatch(frame).
 */
	.text

	.macro STUB vec
	.p2align 4
stub_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
	.endm

	.altmacro
	.set vec, 0
	.rept 256
	STUB %vec
	.set vec, vec + 1
	.endr

	.p2align 4
trap_common:
	cld
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	/* A frame record so backtraces walk from the handler into the trapped code. */
	push 0x88(%rsp)			/* the trapped rip */
	push %rbp
	mov %rsp, %rbp
	call trap_dispatch
	add $16, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp			/* vector and error code */
	iretq

	/* The table of stub addresses, for idt_init. */
	.section .rodata
	.p2align 3
	.globl trap_stubs
trap_stubs:
	.macro STUB_ADDR vec
	.quad stub_\vec
	.endm
	.set vec, 0
	.rept 256
	STUB_ADDR %vec
	.set vec, vec + 1
	.endr

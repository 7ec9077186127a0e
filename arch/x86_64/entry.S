/*
 * entry.S - interrupt and exception entry (arch/x86_64). One small stub
 * per vector pushes a dummy error code where the CPU gives none, then the
 * vector number; trap_common saves the general registers as a struct
 * trap_frame and calls trap_dispatch(frame).
 */
	.text

	/* The general registers, in struct trap_frame's order (reversed). */
	.macro SAVE_REGS
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
	.endm

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
	SAVE_REGS
	mov %rsp, %rdi
	/* A frame record so backtraces walk from the handler into the trapped code. */
	push 0x88(%rsp)			/* the trapped rip */
	push %rbp
	mov %rsp, %rbp
	call trap_dispatch
	add $16, %rsp
	.globl trap_return
trap_return:
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

/*
 * syscall_entry: the target of the syscall instruction (MSR_LSTAR). The CPU
 * left the user rip in rcx and rflags in r11, masked IF and stayed on the
 * user stack: switch to the thread's kernel stack (syscall_kernel_rsp, one
 * CPU), build a struct trap_frame like an interrupt's (vector
 * VEC_SYSCALL) and call syscall_from_user(frame). Return with sysretq
 * when the frame still describes an ordinary user context at a canonical
 * address below the last user page (sysret to a non-canonical rip would
 * fault in ring 0 on Intel); otherwise, or after a signal rewrote the
 * frame, with iretq.
 */
	.globl syscall_entry
	.p2align 4
syscall_entry:
	mov %rsp, syscall_user_rsp(%rip)
	mov syscall_kernel_rsp(%rip), %rsp
	pushq $0x1b			/* ss: user data */
	pushq syscall_user_rsp(%rip)	/* rsp */
	push %r11			/* rflags */
	pushq $0x23			/* cs: user code */
	push %rcx			/* rip */
	pushq $0			/* error */
	pushq $0x100			/* vector: VEC_SYSCALL */
	cld
	SAVE_REGS
	xor %ebp, %ebp			/* backtraces end here */
	mov %rsp, %rdi
	call syscall_from_user
	/* Interrupts are off again. Can sysretq take us back? */
	test %eax, %eax			/* rt_sigreturn: no */
	jnz trap_return
	mov 136(%rsp), %rcx		/* rip */
	mov $0x00007ffffffff000, %r11
	cmp %r11, %rcx
	jae trap_return
	cmpq $0x23, 144(%rsp)
	jne trap_return
	cmpq $0x1b, 168(%rsp)
	jne trap_return
	mov 152(%rsp), %r11		/* rflags */
	mov 0(%rsp), %r15
	mov 8(%rsp), %r14
	mov 16(%rsp), %r13
	mov 24(%rsp), %r12
	mov 40(%rsp), %r10
	mov 48(%rsp), %r9
	mov 56(%rsp), %r8
	mov 64(%rsp), %rbp
	mov 72(%rsp), %rdi
	mov 80(%rsp), %rsi
	mov 88(%rsp), %rdx
	mov 104(%rsp), %rbx
	mov 112(%rsp), %rax
	mov 160(%rsp), %rsp
	sysretq

/* user_enter(frame): start user mode from a prepared trap frame (iretq). */
	.globl user_enter
user_enter:
	mov %rdi, %rsp
	jmp trap_return

	.bss
	.p2align 3
	.globl syscall_kernel_rsp
syscall_kernel_rsp:
	.quad 0
syscall_user_rsp:
	.quad 0

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

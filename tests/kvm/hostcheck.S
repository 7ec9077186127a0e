/*
 * hostcheck.S - a minimal PVH guest that tells how a KVM treats ring 0
 * (tests/kvm/hostcheck.sh builds and boots it; hostcheck.c reports). It
 * shares no code with keel: 32-bit PVH entry, one identity map of the low
 * 1 GiB in 2 MiB pages (user-accessible, so one map serves both rings),
 * long mode, a GDT in the order syscall expects, an IDT for the 32
 * exceptions, a TSS for the ring 3 -> 0 stack. The routines below are
 * what the C part times and probes.
 */
	.section .note.Xen, "a"
	.p2align 2
	.long 4, 8, 18			/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.p2align 2
	.quad hc_start32
	.p2align 2

	.text
	.code32
	.globl hc_start32
hc_start32:
	cli
	mov $hc_pd, %edi		/* 512 2 MiB pages: P, W, U, PS */
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x87, %eax
	mov %eax, (%edi,%ecx,8)
	movl $0, 4(%edi,%ecx,8)
	inc %ecx
	cmp $512, %ecx
	jne 1b
	movl $hc_pd + 7, hc_pdpt
	movl $hc_pdpt + 7, hc_pml4
	mov %cr4, %eax
	or $0x620, %eax			/* PAE, OSFXSR, OSXMMEXCPT */
	mov %eax, %cr4
	mov $hc_pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER: LME, SCE */
	rdmsr
	or $0x101, %eax
	wrmsr
	mov %cr0, %eax
	and $~0x4, %eax			/* EM off */
	or $0x80010003, %eax		/* PG, WP, MP, PE */
	mov %eax, %cr0
	lgdt hc_gdt_desc
	ljmp $0x08, $1f
	.code64
1:	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $hc_stack_top, %rsp
	call hc_tables
	call hc_main
2:	hlt
	jmp 2b

/* The IDT (32 exception gates into hc_trap) and the TSS. */
hc_tables:
	lea hc_idt(%rip), %rdi
	lea hc_stubs(%rip), %rsi
	xor %ecx, %ecx
1:	mov %rsi, %rax
	mov %ax, (%rdi)
	movw $0x08, 2(%rdi)
	movw $0x8e00, 4(%rdi)		/* present, DPL 0, interrupt gate */
	shr $16, %rax
	mov %ax, 6(%rdi)
	shr $16, %rax
	mov %eax, 8(%rdi)
	movl $0, 12(%rdi)
	add $16, %rdi
	add $16, %rsi
	inc %ecx
	cmp $32, %ecx
	jne 1b
	lidt hc_idt_desc(%rip)
	lea hc_tss(%rip), %rax
	lea hc_trap_stack_top(%rip), %rdx
	mov %rdx, 4(%rax)		/* rsp0 */
	lea hc_gdt(%rip), %rdi		/* TSS descriptor, selector 0x28 */
	movw $103, 40(%rdi)
	mov %ax, 42(%rdi)
	shr $16, %rax
	mov %al, 44(%rdi)
	movb $0x89, 45(%rdi)
	movb $0, 46(%rdi)
	mov %ah, 47(%rdi)
	shr $16, %rax
	mov %eax, 48(%rdi)
	movl $0, 52(%rdi)
	mov $0x28, %ax
	ltr %ax
	ret

	.macro stub n, err
	.p2align 4
	.if \err == 0
	pushq $0
	.endif
	pushq $\n
	jmp hc_trap_common
	.endm
	.p2align 4
hc_stubs:
	stub 0,0; stub 1,0; stub 2,0; stub 3,0; stub 4,0; stub 5,0; stub 6,0; stub 7,0
	stub 8,1; stub 9,0; stub 10,1; stub 11,1; stub 12,1; stub 13,1; stub 14,1; stub 15,0
	stub 16,0; stub 17,1; stub 18,0; stub 19,0; stub 20,0; stub 21,1; stub 22,0; stub 23,0
	stub 24,0; stub 25,0; stub 26,0; stub 27,0; stub 28,0; stub 29,0; stub 30,0; stub 31,0

/*
 * Every exception: record vector, error code, RIP and CS of the frame,
 * then go back to where hc_ring3 was called, on its stack. (Only the
 * ring-3 probe expects one; hc_main reports any other as unexpected.)
 */
hc_trap_common:
	mov 0(%rsp), %rax
	mov %rax, hc_trap_vec(%rip)
	mov 8(%rsp), %rax
	mov %rax, hc_trap_err(%rip)
	mov 16(%rsp), %rax
	mov %rax, hc_trap_rip(%rip)
	mov 24(%rsp), %rax
	mov %rax, hc_trap_cs(%rip)
	mov hc_saved_rsp(%rip), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	.globl hc_spin, hc_ring3, hc_ldmxcsr
/* uint64_t hc_spin(uint64_t n): TSC cycles of n turns of a two-instruction loop */
hc_spin:
	rdtsc
	shl $32, %rdx
	or %rax, %rdx
	mov %rdx, %r8
1:	dec %rdi
	jnz 1b
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	sub %r8, %rax
	ret

/*
 * void hc_ring3(uint64_t n): drop to ring 3, time n turns of the same loop
 * there (hc_user_cycles), then SYSCALL. Its target records the CS it runs
 * with (hc_syscall_cs) and executes ud2; the #UD brings us back here.
 */
hc_ring3:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, hc_saved_rsp(%rip)
	mov %rdi, %r12
	mov $0xc0000081, %ecx		/* STAR: syscall CS 0x08, SS 0x10 */
	xor %eax, %eax
	mov $0x00100008, %edx
	wrmsr
	mov $0xc0000082, %ecx		/* LSTAR */
	lea hc_syscall_target(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
	mov $0xc0000084, %ecx		/* FMASK: IF, TF, DF */
	mov $0x700, %eax
	xor %edx, %edx
	wrmsr
	pushq $0x1b			/* SS: user data */
	lea hc_user_stack_top(%rip), %rax
	push %rax
	pushq $0x2			/* RFLAGS */
	pushq $0x23			/* CS: user code, 64-bit */
	lea 1f(%rip), %rax
	push %rax
	iretq
1:	rdtsc				/* ring 3 from here */
	shl $32, %rdx
	or %rax, %rdx
	mov %rdx, %r13
2:	dec %r12
	jnz 2b
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	sub %r13, %rax
	mov %rax, hc_user_cycles(%rip)
	movq $0, hc_syscall_cs(%rip)
	syscall
	ud2
hc_syscall_target:
	mov %cs, %rax
	mov %rax, hc_syscall_cs(%rip)
	ud2

/* void hc_ldmxcsr(void): load MXCSR's reset value from the stack */
hc_ldmxcsr:
	sub $8, %rsp
	movl $0x1f80, (%rsp)
	ldmxcsr (%rsp)
	add $8, %rsp
	ret

	.data
	.p2align 3
hc_gdt:	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08 kernel code, 64-bit */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
	.quad 0x00cff2000000ffff	/* 0x18 user data */
	.quad 0x00affa000000ffff	/* 0x20 user code, 64-bit */
	.quad 0, 0			/* 0x28 TSS, filled by hc_tables */
hc_gdt_desc:
	.word hc_gdt_desc - hc_gdt - 1
	.long hc_gdt
	.p2align 3
hc_idt_desc:
	.word 32 * 16 - 1
	.quad hc_idt
	.globl hc_trap_vec, hc_trap_err, hc_trap_rip, hc_trap_cs
	.globl hc_user_cycles, hc_syscall_cs
hc_saved_rsp:	.quad 0
hc_trap_vec:	.quad -1
hc_trap_err:	.quad 0
hc_trap_rip:	.quad 0
hc_trap_cs:	.quad 0
hc_user_cycles:	.quad 0
hc_syscall_cs:	.quad 0

	.bss
	.p2align 12
hc_pml4:	.skip 4096
hc_pdpt:	.skip 4096
hc_pd:		.skip 4096
hc_idt:		.skip 32 * 16
hc_tss:		.skip 104
	.p2align 12
		.skip 16384
hc_stack_top:
		.skip 8192
hc_trap_stack_top:
		.skip 8192
hc_user_stack_top:
	.section .note.GNU-stack, "", @progbits

/*
 * boot.S - PVH entry (arch/x86_64). Xen and QEMU enter at pvh_start32 in
 * 32-bit protected mode, paging off, %ebx = physical address of struct
 * hvm_start_info. We build temporary page tables (identity and direct map
 * of the low 4 GiB, the kernel at KERNEL_VBASE), enter long mode and jump to
 * arch_boot_main in the upper half. arch/x86_64/mm.c replaces these tables.
 */
#include <arch/layout.h>

#define PA(x) ((x) - KERNEL_VBASE)
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	/* The PVH entry note. QEMU reads its value as 8 bytes in a 64-bit ELF. */
	.section .note.Xen, "a"
	.p2align 2
	.long 4, 8, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.p2align 2
	.quad pvh_start32
	.p2align 2

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	mov %ebx, %esi			/* start_info, kept for C */
	rdtsc				/* the boot's time zero (tsc.c) */
	mov %eax, boot_tsc
	mov %edx, boot_tsc + 4

	/* 2048 2 MiB pages: the low 4 GiB, in four consecutive directories. */
	mov $boot_pd, %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax			/* present, writable, 2 MiB */
	mov %eax, (%edi,%ecx,8)
	movl $0, 4(%edi,%ecx,8)
	inc %ecx
	cmp $2048, %ecx
	jne 1b

	/* boot_pdpt: four entries, one per directory. */
	mov $boot_pdpt, %edi
	mov $boot_pd + 3, %eax
	xor %ecx, %ecx
2:	mov %eax, (%edi,%ecx,8)
	add $4096, %eax
	inc %ecx
	cmp $4, %ecx
	jne 2b

	/* The kernel's 2 GiB window at KERNEL_VBASE: physical 0..2 GiB. */
	movl $boot_pd + 3, boot_pdpt_hi + 510 * 8
	movl $boot_pd + 4096 + 3, boot_pdpt_hi + 511 * 8

	/* PML4: identity (slot 0), direct map (256), kernel (511). */
	movl $boot_pdpt + 3, boot_pml4
	movl $boot_pdpt + 3, boot_pml4 + 256 * 8
	movl $boot_pdpt_hi + 3, boot_pml4 + 511 * 8

	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax		/* PG, WP, PE */
	mov %eax, %cr0

	lgdt boot_gdt_desc
	ljmp $0x08, $start64

	.code64
start64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	movabs $boot_stack + BOOT_STACK_SIZE, %rsp
	movabs $high_entry, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 64-bit code */
	.quad 0x00cf92000000ffff	/* data */
boot_gdt_desc:
	.word boot_gdt_desc - boot_gdt - 1
	.long boot_gdt
	.p2align 3
	.globl boot_tsc
boot_tsc:	.quad 0			/* the TSC at pvh_start32 */

	/* Zero-filled by the loader (the segment's memsz exceeds its filesz). */
	.section .boot.bss, "aw", @nobits
	.p2align 12
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pdpt_hi:	.skip 4096
boot_pd:	.skip 4 * 4096

	.text
high_entry:
	xor %ebp, %ebp			/* ends the frame-pointer chain */
	mov %esi, %edi			/* arg 0: start_info physical address */
	call arch_boot_main
1:	hlt
	jmp 1b

	.bss
	.p2align 12
	.globl boot_stack
boot_stack:
	.skip BOOT_STACK_SIZE

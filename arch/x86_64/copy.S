/*
 * copy.S - the copy under every user-memory access (arch/x86_64,
 * uaccess.c): size_t user_copy(void *dst, const void *src, size_t n)
 * copies n bytes and returns how many it did NOT copy (0 when all went),
 * and size_t user_zero(void *dst, size_t n) the same for zeroing. Either
 * side may be user memory: every load and store is in the exception table,
 * so a fault the demand pager cannot resolve resumes at a fixup here.
 *
 * Bulk moves go 64 bytes a round through four general registers, the
 * words unaligned where the pointers are (x86 allows it; one access a
 * page then straddles two pages, which TCG takes on its slow path).
 * Under QEMU's TCG each emulated access costs about the same whatever its
 * width, so `rep movsb` (an access pair and a loop round per byte) ran
 * ~8x slower per byte, and far slower again when the source and the
 * destination page fell on the same entry of QEMU's direct-mapped TLB
 * (docs/vm.md, "Copies"). On hardware the loop is what kernels used
 * before fast string moves; the kernel has no SSE.
 *
 * A fault in the word code goes back to the start of the round (a round
 * writes only what it also reads, so repeating part of it is harmless)
 * and finishes byte by byte, which stops at the exact faulting byte: the
 * count returned is exact, as read(2) and write(2) need for a buffer
 * that ends inside the range.
 */
/* The host unit test (tests/unit/test_copy.c) links this file into a
 * position-independent program, whose relocated table must be writable. */
#ifdef KEEL_HOSTED
#define EXTABLE_FLAGS "aw"
#else
#define EXTABLE_FLAGS "a"
#endif

/* A load or store that may fault: the fixup, then the instruction. */
#define GUARD(fixup, ...)                     \
	9: __VA_ARGS__;                       \
	.pushsection .extable, EXTABLE_FLAGS; \
	.quad 9b, fixup;                      \
	.popsection

/* This file's entries lie between these two labels (the host test's
 * fault handler looks them up there; the kernel's covers all). */
	.pushsection .extable, EXTABLE_FLAGS
	.globl user_copy_extable
user_copy_extable:
	.popsection

	.text

/* 32 bytes at offset o: four loads, then four stores. */
.macro HALF_ROUND o
	GUARD(.Lcopy_bytes, mov \o(%rsi), %r8)
	GUARD(.Lcopy_bytes, mov \o+8(%rsi), %r9)
	GUARD(.Lcopy_bytes, mov \o+16(%rsi), %r10)
	GUARD(.Lcopy_bytes, mov \o+24(%rsi), %r11)
	GUARD(.Lcopy_bytes, mov %r8, \o(%rdi))
	GUARD(.Lcopy_bytes, mov %r9, \o+8(%rdi))
	GUARD(.Lcopy_bytes, mov %r10, \o+16(%rdi))
	GUARD(.Lcopy_bytes, mov %r11, \o+24(%rdi))
.endm

	.globl user_copy
user_copy:
	mov %rdx, %rcx
.Lcopy_rounds:
	cmp $64, %rcx
	jb .Lcopy_words
	HALF_ROUND 0
	HALF_ROUND 32
	add $64, %rsi
	add $64, %rdi
	sub $64, %rcx
	jmp .Lcopy_rounds
.Lcopy_words:
	cmp $8, %rcx
	jb .Lcopy_bytes
	GUARD(.Lcopy_bytes, mov (%rsi), %r8)
	GUARD(.Lcopy_bytes, mov %r8, (%rdi))
	add $8, %rsi
	add $8, %rdi
	sub $8, %rcx
	jmp .Lcopy_words
.Lcopy_bytes:
	test %rcx, %rcx
	jz .Lcopy_done
.Lcopy_byte:
	GUARD(.Lcopy_done, movb (%rsi), %al)
	GUARD(.Lcopy_done, movb %al, (%rdi))
	inc %rsi
	inc %rdi
	dec %rcx
	jnz .Lcopy_byte
.Lcopy_done:
	mov %rcx, %rax
	ret

	.globl user_zero
user_zero:
	mov %rsi, %rcx
	xor %eax, %eax
.Lzero_rounds:
	cmp $64, %rcx
	jb .Lzero_words
	GUARD(.Lzero_bytes, mov %rax, 0(%rdi))
	GUARD(.Lzero_bytes, mov %rax, 8(%rdi))
	GUARD(.Lzero_bytes, mov %rax, 16(%rdi))
	GUARD(.Lzero_bytes, mov %rax, 24(%rdi))
	GUARD(.Lzero_bytes, mov %rax, 32(%rdi))
	GUARD(.Lzero_bytes, mov %rax, 40(%rdi))
	GUARD(.Lzero_bytes, mov %rax, 48(%rdi))
	GUARD(.Lzero_bytes, mov %rax, 56(%rdi))
	add $64, %rdi
	sub $64, %rcx
	jmp .Lzero_rounds
.Lzero_words:
	cmp $8, %rcx
	jb .Lzero_bytes
	GUARD(.Lzero_bytes, mov %rax, (%rdi))
	add $8, %rdi
	sub $8, %rcx
	jmp .Lzero_words
.Lzero_bytes:
	test %rcx, %rcx
	jz .Lzero_done
.Lzero_byte:
	GUARD(.Lzero_done, movb %al, (%rdi))
	inc %rdi
	dec %rcx
	jnz .Lzero_byte
.Lzero_done:
	mov %rcx, %rax
	ret

	.pushsection .extable, EXTABLE_FLAGS
	.globl user_copy_extable_end
user_copy_extable_end:
	.popsection
	.section .note.GNU-stack, "", @progbits

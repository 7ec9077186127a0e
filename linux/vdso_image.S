/*
 * vdso_image.S - the vDSO's built image inside keel.elf (linux/): the
 * bytes of $(BUILD)/vdso/vdso.so (linux/vdso/), which linux/vdso.c
 * copies into the pages every process maps.
 */
	.section .rodata
	.balign 64
	.globl vdso_image, vdso_image_end
vdso_image:
	.incbin VDSO_SO
vdso_image_end:
	.section .note.GNU-stack, "", @progbits

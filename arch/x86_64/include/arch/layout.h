/*
 * arch/layout.h (x86-64) - the kernel's virtual address map. The lower
 * half belongs to the application; the kernel lives in the upper half.
 * Shared by C and assembly.
 */
#ifndef ARCH_X86_64_LAYOUT_H
#define ARCH_X86_64_LAYOUT_H

/* Physical address 0 appears here; the kernel image sits at +1 MiB. */
#define KERNEL_VBASE 0xffffffff80000000
#define KERNEL_PBASE 0x100000
/* All RAM, read-write, never executable (PML4 slot 256). */
#define DIRECT_MAP_BASE 0xffff800000000000
/* Device registers (LAPIC, ...), uncached (PML4 slot 384). */
#define IOREMAP_BASE 0xffffc00000000000
#define IOREMAP_SIZE 0x40000000

#define BOOT_STACK_SIZE 16384

#endif

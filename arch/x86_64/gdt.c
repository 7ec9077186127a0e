/*
 * gdt.c - segments and the task state segment (arch/x86_64). Long mode
 * barely uses segments, but needs a GDT with kernel and user code/data
 * descriptors (in the order syscall/sysret expect) and a TSS giving the
 * kernel stack for ring transitions and a separate stack for double faults.
 */
#include <keel/compiler.h>
#include <keel/string.h>
#include <arch/trap.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

/* Selectors: 0x08 kernel code, 0x10 kernel data, 0x18 user data (|3),
 * 0x20 user code (|3), 0x28 TSS (two slots). */
static uint64_t gdt[7] __aligned(16);
static struct tss tss __aligned(16);
static uint8_t df_stack[8192] __aligned(16);

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	struct desc_ptr gp = { sizeof(gdt) - 1, (uint64_t)gdt };

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffULL; /* kernel code, 64-bit */
	gdt[2] = 0x00cf92000000ffffULL; /* kernel data */
	gdt[3] = 0x00cff2000000ffffULL; /* user data */
	gdt[4] = 0x00affa000000ffffULL; /* user code, 64-bit */
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56);
	gdt[6] = base >> 32;
	memset(&tss, 0, sizeof(tss));
	tss.ist[0] = (uint64_t)df_stack + sizeof(df_stack);
	tss.iomap_base = sizeof(tss);

	__asm__ volatile("lgdt %0\n\t"
			 "mov $0x10, %%eax\n\t"
			 "mov %%eax, %%ds\n\t"
			 "mov %%eax, %%es\n\t"
			 "mov %%eax, %%ss\n\t"
			 "pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov $0x28, %%ax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(gp)
			 : "rax", "memory");
}

/* The kernel stack used when an interrupt arrives from user mode. */
void arch_set_kernel_stack(uint64_t top)
{
	tss.rsp[0] = top;
}

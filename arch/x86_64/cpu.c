/*
 * cpu.c - CPU set-up and the small arch hooks (arch/x86_64): feature
 * detection, NX/WP/SMEP/SMAP/global pages, the FPU, interrupt flag
 * handling and TLB maintenance.
 */
#include <keel/arch.h>
#include <keel/printk.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <arch/x86.h>

struct cpu_features cpu_features;
extern bool mmu_nx_enabled;
void fpu_init(bool xsave, uint64_t mask, size_t size);

static void detect(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	uint32_t max = r.eax;
	struct cpuid_regs f1 = cpuid(1, 0);
	struct cpuid_regs e = cpuid(0x80000000, 0);

	cpu_features.xsave = f1.ecx & (1u << 26);
	cpu_features.x2apic = f1.ecx & (1u << 21);
	cpu_features.tsc_deadline = f1.ecx & (1u << 24);
	cpu_features.pge = f1.edx & (1u << 13);
	if (max >= 7) {
		struct cpuid_regs f7 = cpuid(7, 0);
		cpu_features.smep = f7.ebx & (1u << 7);
		cpu_features.smap = f7.ebx & (1u << 20);
		cpu_features.fsgsbase = f7.ebx & (1u << 0);
	}
	if (e.eax >= 0x80000001) {
		struct cpuid_regs e1 = cpuid(0x80000001, 0);
		cpu_features.nx = e1.edx & (1u << 20);
	}
	if (e.eax >= 0x80000007)
		cpu_features.invariant_tsc =
		    cpuid(0x80000007, 0).edx & (1u << 8);
}

/* Before anything else: what the page tables rely on. */
void arch_cpu_early(void)
{
	detect();
	if (cpu_features.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	mmu_nx_enabled = cpu_features.nx;
	write_cr0(read_cr0() | CR0_WP | CR0_NE);
	gdt_init();
	idt_init();
	arch_user_init();
}

/* Once the heap works: FPU state, and the protections that need nothing. */
void arch_cpu_init(void)
{
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	uint64_t mask = 0;
	size_t size = 512;

	write_cr0((read_cr0() & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP);
	if (cpu_features.xsave)
		cr4 |= CR4_OSXSAVE;
	if (cpu_features.pge)
		cr4 |= CR4_PGE;
	if (cpu_features.smep)
		cr4 |= CR4_SMEP;
	if (cpu_features.smap)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	if (cpu_features.xsave) {
		/* x87, SSE, AVX and AVX-512 state; no MPX, no PKRU. */
		mask = cpuid(0xd, 0).eax & 0xe7;
		xsetbv(0, mask);
		size = cpuid(0xd, 0).ebx;
	}
	fpu_init(cpu_features.xsave, mask, size);
	printk(
	    "cpu: nx %d smep %d smap %d pge %d fpu %s (%zu bytes, mask %lx)\n",
	    cpu_features.nx, cpu_features.smep, cpu_features.smap,
	    cpu_features.pge, cpu_features.xsave ? "xsave" : "fxsave", size,
	    mask);
}

unsigned long arch_irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

void arch_irq_restore(unsigned long flags)
{
	if (flags & (1u << 9))
		__asm__ volatile("sti" : : : "memory");
}

void arch_irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

void arch_irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

bool arch_irqs_enabled(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; pop %0" : "=r"(flags));
	return flags & (1u << 9);
}

void arch_cpu_relax(void)
{
	__asm__ volatile("pause");
}

void arch_tlb_flush_page(uintptr_t va)
{
	invlpg(va);
}

static paddr_t loaded_space;

void arch_switch_space(paddr_t root)
{
	loaded_space = root;
	write_cr3(root);
}

paddr_t arch_current_space(void)
{
	return loaded_space;
}

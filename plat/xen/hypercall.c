/*
 * hypercall.c - entering Xen (plat/xen). Xen names an MSR in CPUID leaf
 * base+2; writing a page's physical address to it makes Xen fill the page
 * with one 32-byte stub per hypercall (vmcall or vmmcall as the CPU needs).
 * Arguments go in rdi, rsi, rdx, r10, r8; the result comes back in rax.
 */
#include <keel/errno.h>
#include <keel/page.h>
#include "xen_priv.h"
#include <arch/x86.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

/* One page of text, overwritten by Xen through physical memory. */
__asm__(".pushsection .text.hypercall, \"ax\"\n"
	".p2align 12\n"
	".globl hypercall_page\n"
	"hypercall_page:\n"
	".fill 4096, 1, 0xcc\n"
	".popsection");
extern char hypercall_page[];

#define KERNEL_VBASE 0xffffffff80000000UL

static uint32_t xen_cpuid_base(void)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		struct cpuid_regs r = cpuid(base, 0);
		if (r.ebx == 0x566e6558 && r.ecx == 0x65584d4d &&
		    r.edx == 0x4d4d566e && r.eax - base >= 2)
			return base;
	}
	return 0;
}

int xen_hypercall_init(void)
{
	uint32_t base = xen_cpuid_base();
	struct cpuid_regs r;

	if (!base)
		return -ENODEV;
	r = cpuid(base + 2, 0);
	if (r.eax < 1)
		return -ENODEV;
	/* The kernel image is linked at KERNEL_VBASE + its physical address. */
	wrmsr(r.ebx, (uint64_t)(uintptr_t)hypercall_page - KERNEL_VBASE);
	return 0;
}

long xen_hypercall(unsigned nr, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	long ret;

	__asm__ volatile("call *%[entry]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
			   "+r"(r8)
			 : [entry] "r"(hypercall_page + nr * 32)
			 : "memory", "rcx", "r11");
	return ret;
}

int xen_get_param(unsigned idx, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = idx };
	long rc = HYPERCALL2(hvm_op, HVMOP_get_param, &p);

	*value = p.value;
	return (int)rc;
}

int xen_set_param(unsigned idx, uint64_t value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF,
				   .index = idx,
				   .value = value };

	return (int)HYPERCALL2(hvm_op, HVMOP_set_param, &p);
}

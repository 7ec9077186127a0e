/*
 * user.c - ring 3 on x86-64 (arch): the syscall MSRs, entering user mode,
 * the kernel stack that entries from user mode use, the FS base for TLS,
 * and what becomes of a fault or trap the application causes: a page
 * fault goes to kernel/vm.c's demand paging first; what it cannot resolve
 * ends the process as the matching signal's default action would.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include <keel/vm.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <arch/x86.h>

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define EFER_SCE 0x1

#define RFLAGS_IF 0x200
#define RFLAGS_AC 0x40000 /* set by stac: SMAP lets the kernel at user pages */
#define USER_CS 0x23
#define USER_DS 0x1b

extern char syscall_entry[];
extern uint64_t syscall_kernel_rsp;
void user_enter(struct trap_frame *tf) __noreturn;
void arch_set_kernel_stack(uint64_t top);

void arch_user_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* syscall: CS 0x08, SS 0x10; sysret: CS 0x10+16 = 0x20|3, SS 0x18|3. */
	wrmsr(MSR_STAR, (0x10ULL << 48) | (0x08ULL << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Entered with IF, TF, DF, AC and NT clear. */
	wrmsr(MSR_FMASK, 0x200 | 0x100 | 0x400 | 0x40000 | 0x4000);
}

void arch_user_stack_switch(uint64_t kstack_top)
{
	arch_set_kernel_stack(kstack_top);
	syscall_kernel_rsp = kstack_top;
}

__noreturn void arch_enter_user(uintptr_t entry, uintptr_t sp)
{
	uint64_t top = current_thread()->arch.kstack_top;
	struct trap_frame *tf;

	if (!top)
		panic("arch_enter_user on a thread without a kernel stack");
	arch_irq_disable();
	arch_user_stack_switch(top);
	tf = (struct trap_frame *)(top - sizeof(*tf));
	memset(tf, 0, sizeof(*tf));
	tf->rip = entry;
	tf->cs = USER_CS;
	tf->rflags = RFLAGS_IF;
	tf->rsp = sp;
	tf->ss = USER_DS;
	user_enter(tf);
}

void arch_load_tls(uint64_t base)
{
	wrmsr(MSR_FS_BASE, base);
}

/* The FS base lives in the thread (user mode cannot change it: no
 * FSGSBASE), and is loaded when the thread is switched in. */
void arch_set_tls(uint64_t base)
{
	current_thread()->arch.fs_base = base;
	arch_load_tls(base);
}

uint64_t arch_get_tls(void)
{
	return current_thread()->arch.fs_base;
}

void *arch_clone_user_context(uintptr_t new_sp)
{
	const struct trap_frame *cur = current_thread()->arch.user_frame;
	struct trap_frame *tf;

	if (!cur)
		return NULL;
	tf = kmalloc(sizeof(*tf));
	if (!tf)
		return NULL;
	*tf = *cur;
	tf->rax = 0; /* the child's return value */
	if (new_sp)
		tf->rsp = new_sp;
	return tf;
}

__noreturn void arch_enter_user_context(void *ctx)
{
	uint64_t top = current_thread()->arch.kstack_top;
	struct trap_frame *tf = (struct trap_frame *)(top - sizeof(*tf));

	arch_irq_disable();
	arch_user_stack_switch(top);
	*tf = *(struct trap_frame *)ctx;
	kfree(ctx);
	user_enter(tf);
}

/*
 * The last steps before user mode, interrupts off: let another thread run
 * if this one's slice is over, and deliver the signals it has by then.
 */
void user_return(void)
{
	struct thread *t = current_thread();

	sched_preempt_point();
	while (t->interrupted) {
		arch_irq_enable();
		process_check_exiting();
		signal_exit_to_user(-1, 0);
		arch_irq_disable();
		sched_preempt_point();
	}
}

/*
 * From syscall_entry, interrupts off, on the thread's kernel stack.
 * Returns nonzero when the way back must be iretq (rt_sigreturn restored
 * rcx and r11, which sysretq would overwrite).
 */
int syscall_from_user(struct trap_frame *tf)
{
	long args[6] = { (long)tf->rdi, (long)tf->rsi, (long)tf->rdx,
			 (long)tf->r10, (long)tf->r8,  (long)tf->r9 };
	struct thread *t = current_thread();
	long nr = (long)tf->rax, ret;
	int iret;

	t->arch.user_frame = tf;
	arch_irq_enable();
	ret = syscall_dispatch((unsigned long)nr, args);
	tf->rax = (uint64_t)ret;
	if (t->arch.force_iret)
		nr =
		    -1; /* rt_sigreturn: rax is the old context's, not a result */
	if (t->interrupted || ret == -ERESTARTSYS || ret == -ERESTARTNOHAND) {
		process_check_exiting();
		signal_exit_to_user(nr, ret);
	}
	arch_irq_disable();
	user_return();
	iret = t->arch.force_iret;
	t->arch.force_iret = false;
	return iret;
}

static unsigned fault_access(uint64_t error)
{
	if (error & 16)
		return VM_ACCESS_EXEC;
	return error & 2 ? VM_ACCESS_WRITE : VM_ACCESS_READ;
}

/*
 * A page fault in the kernel on a user address: a uaccess copy touching
 * a page not yet present, or writing to a read-only one (CR0.WP, set in
 * cpu.c, makes the kernel's writes honour read-only entries): a page
 * shared copy-on-write since a fork, which vm_fault copies. True if the
 * page is now there (retry). With SMAP, a present page faults outside a
 * copy's stac window (RFLAGS.AC clear) only for the kernel's own bug:
 * that is never retried.
 */
bool uaccess_fault(struct trap_frame *tf, uint64_t cr2)
{
	bool present = tf->error & 1, write = tf->error & 2;

	if (tf->vector != VEC_PAGE_FAULT || cr2 >= USER_TOP)
		return false;
	if (present &&
	    (!write || (cpu_features.smap && !(tf->rflags & RFLAGS_AC))))
		return false;
	return vm_fault(cr2, fault_access(tf->error)) == 0;
}

/* A page fault's si_code and words: no mapping, or not allowed. */
static void page_fault(struct trap_frame *tf, uint64_t cr2)
{
	int err = vm_fault(cr2, fault_access(tf->error));

	/* No page even after the OOM killer: this process was its victim
	 * and ends on the way out (SIGKILL), never with a SIGSEGV. */
	if (!err || err == -ENOMEM)
		return;
	if (err == -ENXIO) /* past the end of a mapped file */
		signal_fault(SIGBUS, BUS_ADRERR, cr2,
			     "access past the file's end", tf->rip, tf->rsp);
	else
		signal_fault(SIGSEGV,
			     err == -EACCES ? SEGV_ACCERR : SEGV_MAPERR, cr2,
			     tf->error & 16  ? "bad instruction fetch"
			     : tf->error & 2 ? "bad write"
					     : "bad read",
			     tf->rip, tf->rsp);
}

/* SIMD floating-point exception: the si_code from MXCSR's flags. */
static int simd_code(void)
{
	uint32_t mxcsr, flags;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	flags = mxcsr & ~(mxcsr >> 7) & 0x3f; /* raised and unmasked */
	if (flags & 1)
		return FPE_FLTINV;
	if (flags & 4)
		return FPE_FLTDIV;
	if (flags & 8)
		return FPE_FLTOVF;
	if (flags & 0x12)
		return FPE_FLTUND;
	return FPE_FLTRES;
}

/*
 * A fault or trap in user mode: the signal Linux would send, with its
 * si_code and address; signal_fault runs the program's handler or ends
 * the program (the default action) with a one-line report.
 */
void user_exception(struct trap_frame *tf, uint64_t cr2)
{
	current_thread()->arch.user_frame = tf;
	arch_irq_enable(); /* demand paging and delivery may sleep */
	switch (tf->vector) {
	case VEC_PAGE_FAULT:
		page_fault(tf, cr2);
		break;
	case VEC_DIVIDE:
		signal_fault(SIGFPE, FPE_INTDIV, tf->rip, "division error",
			     tf->rip, tf->rsp);
		break;
	case VEC_X87:
	case VEC_SIMD:
		signal_fault(
		    SIGFPE, tf->vector == VEC_SIMD ? simd_code() : FPE_FLTINV,
		    tf->rip, "floating-point exception", tf->rip, tf->rsp);
		break;
	case VEC_INVALID_OP:
		signal_fault(SIGILL, ILL_ILLOPN, tf->rip, "invalid instruction",
			     tf->rip, tf->rsp);
		break;
	case VEC_BREAKPOINT:
	case VEC_DEBUG:
		signal_fault(
		    SIGTRAP,
		    tf->vector == VEC_BREAKPOINT ? SI_KERNEL : TRAP_TRACE,
		    tf->rip, "trace or breakpoint trap", tf->rip, tf->rsp);
		break;
	case VEC_ALIGNMENT:
		signal_fault(SIGBUS, BUS_ADRALN, tf->rip, "alignment check",
			     tf->rip, tf->rsp);
		break;
	default:
		/* A general protection fault: Linux gives no address. */
		signal_fault(SIGSEGV, SI_KERNEL, 0, "general protection",
			     tf->rip, tf->rsp);
		break;
	}
	arch_irq_disable();
	user_return();
}

/* AT_HWCAP on x86-64 is CPUID 1's EDX, as Linux gives it. */
uint64_t arch_hwcap(void)
{
	return cpuid(1, 0).edx;
}

uint64_t arch_hwcap2(void)
{
	return 0;
}

const char *arch_platform(void)
{
	return "x86_64";
}

/*
 * user.c - ring 3 on x86-64 (arch): the syscall MSRs, entering user mode,
 * the kernel stack that entries from user mode use, the FS base for TLS,
 * and what becomes of a fault or trap the application causes: a page
 * fault goes to kernel/vm.c's demand paging first; what it cannot resolve
 * ends the process as the matching signal's default action would.
 */
#include <keel/arch.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
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
#define USER_CS 0x23
#define USER_DS 0x1b

/* Signal numbers for the default action "terminate": status 128 + n. */
#define SIGILL 4
#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGSEGV 11

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

/* From syscall_entry, interrupts off, on the thread's kernel stack. */
void syscall_from_user(struct trap_frame *tf)
{
	long args[6] = { (long)tf->rdi, (long)tf->rsi, (long)tf->rdx,
			 (long)tf->r10, (long)tf->r8,  (long)tf->r9 };

	current_thread()->arch.user_frame = tf;
	arch_irq_enable();
	tf->rax = (uint64_t)syscall_dispatch(tf->rax, args);
	arch_irq_disable();
	sched_preempt_point();
}

static unsigned fault_access(uint64_t error)
{
	if (error & 16)
		return VM_ACCESS_EXEC;
	return error & 2 ? VM_ACCESS_WRITE : VM_ACCESS_READ;
}

/*
 * A page fault in the kernel on a user address: a uaccess copy touching
 * a page not yet present. True if demand paging mapped it (retry).
 */
bool uaccess_fault(struct trap_frame *tf, uint64_t cr2)
{
	if (tf->vector != VEC_PAGE_FAULT || cr2 >= USER_TOP || (tf->error & 1))
		return false;
	return vm_fault(cr2, fault_access(tf->error)) == 0;
}

__noreturn static void kill_process(struct trap_frame *tf, int sig,
				    const char *what, uint64_t addr)
{
	static const char *const names[] = {
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGBUS] = "SIGBUS",
		[SIGFPE] = "SIGFPE", [SIGSEGV] = "SIGSEGV",
	};

	printk("keel: %s: %s at address %016lx (rip %016lx, rsp %016lx)\n",
	       names[sig], what, addr, tf->rip, tf->rsp);
	process_exit(128 + sig);
}

void user_exception(struct trap_frame *tf, uint64_t cr2)
{
	switch (tf->vector) {
	case VEC_PAGE_FAULT:
		arch_irq_enable();
		if (!vm_fault(cr2, fault_access(tf->error))) {
			arch_irq_disable();
			return;
		}
		kill_process(tf, SIGSEGV,
			     tf->error & 16  ? "bad instruction fetch"
			     : tf->error & 2 ? "bad write"
					     : "bad read",
			     cr2);
	case VEC_DIVIDE:
		kill_process(tf, SIGFPE, "division error", tf->rip);
	case VEC_X87:
	case VEC_SIMD:
		kill_process(tf, SIGFPE, "floating-point exception", tf->rip);
	case VEC_INVALID_OP:
		kill_process(tf, SIGILL, "invalid instruction", tf->rip);
	case VEC_BREAKPOINT:
	case VEC_DEBUG:
		kill_process(tf, SIGTRAP, "trace or breakpoint trap", tf->rip);
	case VEC_ALIGNMENT:
		kill_process(tf, SIGBUS, "alignment check", tf->rip);
	default:
		kill_process(tf, SIGSEGV, "general protection", tf->rip);
	}
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

/*
 * trap.c - the interrupt descriptor table and trap dispatch (arch/x86_64).
 * Interrupts go to registered handlers; an exception first looks for a
 * fixup (a deliberate probe), otherwise it is fatal: registers and a
 * symbolized backtrace are printed and the machine shut down.
 */
#include <keel/arch.h>
#include <keel/hyper.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include <arch/trap.h>
#include <arch/x86.h>

struct idt_entry {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off1;
	uint32_t off2;
	uint32_t zero;
} __packed;

static struct idt_entry idt[256] __aligned(16);
static irq_handler_t handlers[256];
extern const uint64_t trap_stubs[256];
extern const struct extable_entry __extable_start[], __extable_end[];
uint64_t last_fault_cr2;

static const char *const exc_names[32] = {
	"divide error",
	"debug",
	"NMI",
	"breakpoint",
	"overflow",
	"bound range",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor overrun",
	"invalid TSS",
	"segment not present",
	"stack fault",
	"general protection",
	"page fault",
	"reserved",
	"x87 FPU error",
	"alignment check",
	"machine check",
	"SIMD error",
	"virtualization",
	"control protection",
};

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed ip = { sizeof(idt) - 1, (uint64_t)idt };

	for (int v = 0; v < 256; v++) {
		uint64_t a = trap_stubs[v];
		idt[v].off0 = a & 0xffff;
		idt[v].sel = 0x08;
		idt[v].ist = v == 8 ? 1 : 0; /* double fault: its own stack */
		idt[v].type = 0x8e; /* present, DPL 0, interrupt gate */
		idt[v].off1 = (a >> 16) & 0xffff;
		idt[v].off2 = a >> 32;
		idt[v].zero = 0;
	}
	__asm__ volatile("lidt %0" : : "m"(ip));
}

void irq_set_handler(unsigned vector, irq_handler_t fn)
{
	if (vector >= VEC_FIRST_IRQ && vector < 256)
		handlers[vector] = fn;
}

static bool try_fixup(struct trap_frame *tf)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end;
	     e++) {
		if (e->insn == tf->rip) {
			tf->rip = e->fixup;
			return true;
		}
	}
	return false;
}

static void dump_frame(const struct trap_frame *tf, uint64_t cr2)
{
	uintptr_t off;
	const char *fn = arch_symbolize(tf->rip, &off);

	printk("rip %016lx  %s+0x%lx\n", tf->rip, fn ? fn : "?", off);
	printk("rsp %016lx  rflags %08lx  cs %lx  ss %lx  error %lx\n", tf->rsp,
	       tf->rflags, tf->cs, tf->ss, tf->error);
	printk("rax %016lx  rbx %016lx  rcx %016lx\n", tf->rax, tf->rbx,
	       tf->rcx);
	printk("rdx %016lx  rsi %016lx  rdi %016lx\n", tf->rdx, tf->rsi,
	       tf->rdi);
	printk("rbp %016lx  r8  %016lx  r9  %016lx\n", tf->rbp, tf->r8, tf->r9);
	printk("r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r10, tf->r11,
	       tf->r12);
	printk("r13 %016lx  r14 %016lx  r15 %016lx\n", tf->r13, tf->r14,
	       tf->r15);
	printk("cr2 %016lx  cr3 %016lx\n", cr2, read_cr3());
}

static __noreturn void fatal_exception(struct trap_frame *tf, uint64_t cr2)
{
	const char *name = tf->vector < 32 && exc_names[tf->vector]
			       ? exc_names[tf->vector]
			       : "exception";

	printk("\nkeel: panic: %s (vector %lu)", name, tf->vector);
	if (tf->vector == VEC_PAGE_FAULT)
		printk(" at address %016lx: %s %s%s%s", cr2,
		       tf->error & 1 ? "protection violation" : "not present",
		       tf->error & 16  ? "instruction fetch"
		       : tf->error & 2 ? "write"
				       : "read",
		       tf->error & 4 ? " from user mode" : "",
		       tf->error & 8 ? " (reserved bit set)" : "");
	printk("\n");
	dump_frame(tf, cr2);
	arch_backtrace();
	if (tf->vector == VEC_PAGE_FAULT && (tf->error & 16)) {
		/* A bad jump or call: the caller is on top of the stack. */
		uint8_t b[8];
		uint64_t ret = 0;
		uintptr_t off;
		for (int i = 0; i < 8 && !arch_probe_read(tf->rsp + i, &b[i]);
		     i++)
			ret |= (uint64_t)b[i] << (8 * i);
		const char *fn = arch_symbolize(ret, &off);
		if (fn)
			printk("  jumped to from %016lx %s+0x%lx\n", ret, fn,
			       off);
	}
	kernel_shutdown(KEEL_STATUS_PANIC);
}

void trap_dispatch(struct trap_frame *tf)
{
	if (tf->vector >= VEC_FIRST_IRQ) {
		if (handlers[tf->vector])
			handlers[tf->vector](tf);
		else
			WARN_ONCE("keel: unexpected interrupt vector %lu\n",
				  tf->vector);
		/* The application is preemptible and takes its signals
		 * here; the kernel is not preempted. */
		if (tf->cs & 3) {
			current_thread()->arch.user_frame = tf;
			user_return();
		}
		return;
	}
	uint64_t cr2 = tf->vector == VEC_PAGE_FAULT ? read_cr2() : 0;
	if (tf->vector == VEC_PAGE_FAULT)
		last_fault_cr2 = cr2;
	if (tf->cs & 3) {
		user_exception(tf, cr2);
		return;
	}
	if (uaccess_fault(tf, cr2))
		return;
	if (try_fixup(tf))
		return;
	fatal_exception(tf, cr2);
}

int arch_probe_read(uintptr_t addr, uint8_t *out)
{
	int err = 0;
	uint8_t v = 0;

	__asm__ volatile("1: movb (%2), %1\n"
			 "2:\n"
			 ".pushsection .extable, \"a\"\n"
			 ".quad 1b, 3f\n"
			 ".popsection\n"
			 ".pushsection .text.fixup, \"ax\"\n"
			 "3: movl $-14, %0\n"
			 "jmp 2b\n"
			 ".popsection"
			 : "+r"(err), "+q"(v)
			 : "r"(addr)
			 : "memory");
	*out = v;
	return err;
}

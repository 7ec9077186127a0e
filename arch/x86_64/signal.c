/*
 * signal.c - the x86-64 signal frame (arch): what Linux puts on the user
 * stack before a handler runs, so that glibc's and LuaJIT's code (and
 * their unwinders) find what they expect, and what rt_sigreturn reads
 * back. Layout (the x86-64 psABI's ucontext, Linux's rt_sigframe):
 *
 *   frame:  return address (sa_restorer: glibc's __restore_rt)
 *           struct ucontext { flags, link, stack_t, sigcontext, sigmask }
 *           siginfo (128 bytes)
 *   below the frame, 64-byte aligned: the FPU state (XSAVE or FXSAVE
 *   image, with the "extended state" markers when XSAVE is used)
 *
 * The frame ends so that the handler starts as a function would, with
 * (rsp + 8) a multiple of 16. rt_sigreturn refuses a frame it could not
 * load safely (a kernel or non-canonical rip or rsp, an FPU image the CPU
 * would fault on): the process then ends with SIGSEGV, as on Linux.
 */
#include <arch/thread.h>
#include <arch/trap.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/uaccess.h>

#define USER_CS 0x23
#define USER_DS 0x1b
#define RFLAGS_IF 0x200UL
#define RFLAGS_TF 0x100UL
#define RFLAGS_DF 0x400UL
#define RFLAGS_RF 0x10000UL
/* What rt_sigreturn may change: CF PF AF ZF SF TF DF OF AC RF. */
#define RFLAGS_USER 0x50dd5UL
#define UC_FP_XSTATE 1
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define RED_ZONE 128

struct sigcontext_k {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* user address of the FPU image, or 0 */
	uint64_t reserved[8];
};

struct ucontext_k {
	uint64_t flags, link;
	struct kstack stack;
	struct sigcontext_k mc;
	uint64_t sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext_k uc;
	struct ksiginfo info;
};

_Static_assert(sizeof(struct sigcontext_k) == 256, "sigcontext layout");
_Static_assert(sizeof(struct ucontext_k) == 304, "ucontext layout");
_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo layout");

/* The software words Linux keeps in FXSAVE's unused tail (offset 464). */
struct fpx_sw_bytes {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size, pad[7];
};

static struct trap_frame *user_frame(void)
{
	return current_thread()->arch.user_frame;
}

uint64_t arch_user_sp(void)
{
	return user_frame()->rsp;
}

uint64_t arch_user_ip(void)
{
	return user_frame()->rip;
}

void arch_syscall_restart(long nr)
{
	struct trap_frame *tf = user_frame();

	tf->rax = (uint64_t)nr;
	tf->rip -= 2; /* the syscall instruction again */
}

void arch_syscall_set_return(long value)
{
	user_frame()->rax = (uint64_t)value;
}

/* Write the FPU state below sp: its user address, or 0 on a fault. */
static uint64_t save_fpu(uint64_t sp)
{
	size_t size = arch_fpu_size();
	size_t total = size + (fpu_uses_xsave() ? 4 : 0);
	uint64_t at = (sp - total) & ~63UL;
	uint8_t *img = kmalloc(total);
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	struct fpx_sw_bytes sw = { 0 };
	int err;

	if (!img)
		return 0;
	memcpy(img, fpu_current_save(), size);
	if (fpu_uses_xsave()) {
		sw.magic1 = FP_XSTATE_MAGIC1;
		sw.extended_size = (uint32_t)total;
		sw.xfeatures = fpu_xsave_mask();
		sw.xstate_size = (uint32_t)size;
		memcpy(img + size, &magic2, 4);
	}
	memcpy(img + 464, &sw, sizeof(sw));
	err = copy_to_user((void *)at, img, total);
	kfree(img);
	return err ? 0 : at;
}

int arch_signal_setup(const struct sigdelivery *d)
{
	struct trap_frame *tf = user_frame();
	uint64_t sp = d->stack_top ? d->stack_top : tf->rsp - RED_ZONE;
	struct rt_sigframe f;
	uint64_t fp, at;

	fp = save_fpu(sp);
	if (!fp)
		return -EFAULT;
	at = ((fp - sizeof(f)) & ~15UL) - 8;
	memset(&f, 0, sizeof(f));
	f.pretcode = d->restorer;
	f.uc.flags = fpu_uses_xsave() ? UC_FP_XSTATE : 0;
	f.uc.stack = d->old_stack;
	f.uc.mc = (struct sigcontext_k){
		.r8 = tf->r8,
		.r9 = tf->r9,
		.r10 = tf->r10,
		.r11 = tf->r11,
		.r12 = tf->r12,
		.r13 = tf->r13,
		.r14 = tf->r14,
		.r15 = tf->r15,
		.rdi = tf->rdi,
		.rsi = tf->rsi,
		.rbp = tf->rbp,
		.rbx = tf->rbx,
		.rdx = tf->rdx,
		.rax = tf->rax,
		.rcx = tf->rcx,
		.rsp = tf->rsp,
		.rip = tf->rip,
		.eflags = tf->rflags,
		.cs = USER_CS,
		.ss = USER_DS,
		.oldmask = d->old_mask,
		.fpstate = fp,
	};
	if (d->info->signo == SIGSEGV || d->info->signo == SIGBUS) {
		f.uc.mc.cr2 = d->info->addr;
		f.uc.mc.trapno = 14;
	}
	f.uc.sigmask = d->old_mask;
	f.info = *d->info;
	if (copy_to_user((void *)at, &f, sizeof(f)))
		return -EFAULT;
	/* The handler starts with a clean FPU, as on Linux. */
	fpu_current_load(fpu_initial_state());
	tf->rip = d->handler;
	tf->rsp = at;
	tf->rdi = (uint64_t)d->sig;
	tf->rsi = at + offsetof(struct rt_sigframe, info);
	tf->rdx = at + offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(RFLAGS_TF | RFLAGS_DF | RFLAGS_RF);
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	return 0;
}

static bool canonical_user(uint64_t a)
{
	return a < 0x0000800000000000UL;
}

/* Load the FPU image at user address at, if the CPU would accept it. */
static int restore_fpu(uint64_t at)
{
	size_t size = arch_fpu_size();
	uint8_t *img;
	uint32_t mxcsr, magic1;
	int err = -EFAULT;

	if (!at) {
		fpu_current_load(fpu_initial_state());
		return 0;
	}
	if (at & 63)
		return -EFAULT;
	img = kmalloc(size);
	if (!img)
		return -EFAULT;
	if (copy_from_user(img, (void *)at, size))
		goto out;
	memcpy(&mxcsr, img + 24, 4);
	if (mxcsr & ~fpu_mxcsr_mask())
		goto out;
	if (fpu_uses_xsave()) {
		uint64_t hdr[8];

		memcpy(&magic1, img + 464, 4);
		memcpy(hdr, img + 512, sizeof(hdr));
		if (magic1 != FP_XSTATE_MAGIC1) {
			/* A plain FXSAVE image: x87 and SSE only. */
			memset(img + 512, 0, size - 512);
			hdr[0] = 3;
			memcpy(img + 512, hdr, 8);
		} else {
			/* XSTATE_BV within what we enable; the compacted
			 * form and the reserved header words not used. */
			if (hdr[0] & ~fpu_xsave_mask() || hdr[1])
				goto out;
			for (int i = 2; i < 8; i++)
				if (hdr[i])
					goto out;
		}
	}
	fpu_current_load(img);
	err = 0;
out:
	kfree(img);
	return err;
}

int arch_signal_return(uint64_t *mask, struct kstack *stack, long *rax)
{
	struct trap_frame *tf = user_frame();
	uint64_t at = tf->rsp - 8; /* the handler's ret took pretcode */
	struct rt_sigframe f;
	const struct sigcontext_k *m = &f.uc.mc;

	if (copy_from_user(&f, (void *)at, sizeof(f)))
		return -EFAULT;
	if (!canonical_user(m->rip) || !canonical_user(m->rsp))
		return -EFAULT;
	if (restore_fpu(m->fpstate))
		return -EFAULT;
	tf->r8 = m->r8;
	tf->r9 = m->r9;
	tf->r10 = m->r10;
	tf->r11 = m->r11;
	tf->r12 = m->r12;
	tf->r13 = m->r13;
	tf->r14 = m->r14;
	tf->r15 = m->r15;
	tf->rdi = m->rdi;
	tf->rsi = m->rsi;
	tf->rbp = m->rbp;
	tf->rbx = m->rbx;
	tf->rdx = m->rdx;
	tf->rcx = m->rcx;
	tf->rsp = m->rsp;
	tf->rip = m->rip;
	tf->rflags =
	    (tf->rflags & ~RFLAGS_USER) | (m->eflags & RFLAGS_USER) | RFLAGS_IF;
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	*rax = (long)m->rax;
	*mask = f.uc.sigmask;
	*stack = f.uc.stack;
	current_thread()->arch.force_iret = true;
	return 0;
}

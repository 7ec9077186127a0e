/*
 * thread.c - thread contexts and FPU state (arch/x86_64). The kernel is
 * built without SSE, so FPU/SSE/AVX state belongs only to threads: it is
 * saved with XSAVE (or FXSAVE) on every switch and restored after it.
 */
#include <arch/trap.h>
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <arch/x86.h>

void switch_stacks(uint64_t *save_rsp, uint64_t new_rsp);
void thread_start_asm(void);

static bool use_xsave;
static uint64_t xsave_mask;
static size_t fpu_size = 512;
static void *fpu_initial; /* the state right after fninit */

static void fpu_save(void *area)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)"
				 :
				 : "r"(area), "a"((uint32_t)xsave_mask),
				   "d"((uint32_t)(xsave_mask >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

static void fpu_restore(const void *area)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)"
				 :
				 : "r"(area), "a"((uint32_t)xsave_mask),
				   "d"((uint32_t)(xsave_mask >> 32))
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/* Called once the CPU's FPU is enabled (cpu.c). */
void fpu_init(bool xsave, uint64_t mask, size_t size)
{
	use_xsave = xsave;
	xsave_mask = mask;
	fpu_size = ALIGN_UP(size, 64);
	/* kmalloc objects of 64 bytes or more are 64-byte aligned (heap.c). */
	fpu_initial = kzalloc(fpu_size);
	if (!fpu_initial)
		panic("no memory for the FPU state template");
	__asm__ volatile("fninit");
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	fpu_save(fpu_initial);
}

size_t arch_fpu_size(void)
{
	return fpu_size;
}

void *fpu_current_save(void)
{
	void *area = current_thread()->arch.fpu;
	unsigned long irq = arch_irq_save();

	fpu_save(area);
	arch_irq_restore(irq);
	return area;
}

void fpu_current_load(const void *area)
{
	void *mine = current_thread()->arch.fpu;
	unsigned long irq = arch_irq_save();

	memcpy(mine, area, fpu_size);
	fpu_restore(mine);
	arch_irq_restore(irq);
}

const void *fpu_initial_state(void)
{
	return fpu_initial;
}

bool fpu_uses_xsave(void)
{
	return use_xsave;
}

uint64_t fpu_xsave_mask(void)
{
	return xsave_mask;
}

/* The MXCSR bits the CPU accepts (FXSAVE's MXCSR_MASK, 0 meaning the
 * original 0xffbf). */
uint32_t fpu_mxcsr_mask(void)
{
	uint32_t m;

	memcpy(&m, (const char *)fpu_initial + 28, sizeof(m));
	return m ? m : 0xffbf;
}

int arch_thread_init(struct arch_thread *t, void *stack_top,
		     void (*entry)(void *), void *arg)
{
	t->fpu = kmalloc(fpu_size);
	if (!t->fpu)
		return -ENOMEM;
	memcpy(t->fpu, fpu_initial, fpu_size);
	t->kstack_top = 0;
	t->fs_base = 0;
	t->user_frame = NULL;
	t->space = 0;
	if (!stack_top)
		return 0;
	t->kstack_top = ALIGN_DOWN((uintptr_t)stack_top, 16);

	uint64_t *sp = (uint64_t *)ALIGN_DOWN((uintptr_t)stack_top, 16);
	*--sp = 0; /* return address of thread_first: ends backtraces */
	*--sp = (uint64_t)arg;
	*--sp = (uint64_t)entry;
	*--sp = (uint64_t)t;
	*--sp = (uint64_t)thread_start_asm;
	for (int i = 0; i < 6; i++)
		*--sp = 0; /* rbp rbx r12-r15 */
	t->rsp = (uint64_t)sp;
	return 0;
}

void arch_thread_release(struct arch_thread *t)
{
	kfree(t->fpu);
	t->fpu = NULL;
}

void thread_first(struct arch_thread *t, void (*entry)(void *), void *arg)
{
	fpu_restore(t->fpu);
	entry(arg);
	panic("thread entry returned");
}

void arch_thread_set_space(struct arch_thread *t, paddr_t root)
{
	t->space = root;
}

void arch_thread_copy_fpu(struct arch_thread *t)
{
	memcpy(t->fpu, fpu_current_save(), fpu_size);
}

void arch_exec_reset(void)
{
	fpu_current_load(fpu_initial);
	arch_set_tls(0);
}

void arch_thread_switch(struct arch_thread *from, struct arch_thread *to)
{
	fpu_save(from->fpu);
	if (to->space && to->space != arch_current_space())
		arch_switch_space(to->space);
	if (to->kstack_top) {
		arch_user_stack_switch(to->kstack_top);
		if (to->fs_base != from->fs_base)
			arch_load_tls(to->fs_base);
	}
	switch_stacks(&from->rsp, to->rsp);
	fpu_restore(from->fpu); /* we are `from` again, resumed */
}

/*
 * thread.c - arch_thread_* for host tests (plat/hosted): makecontext threads,
 * each on its own mmap'd stack with a guard page (sanitizer frames outgrow
 * the kernel's pmm stack), switched with getcontext/setcontext and announced
 * to ASan as fiber switches (swapcontext's interceptor only adds a warning).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <hosted.h>
#include <keel/arch.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#define STACK_SIZE (256UL << 10)
#define GUARD_SIZE PAGE_SIZE

/* The two ends of the switch in progress, read by the thread arriving. */
static struct arch_thread *switch_from, *switch_to;

static void fiber_start(struct arch_thread *from, struct arch_thread *to)
{
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_start_switch_fiber(&from->fake_stack, to->stack_base,
				       to->stack_size);
#else
	(void)from;
	(void)to;
#endif
}

/*
 * On arrival: tell ASan the switch is done. The first switch away from the
 * boot thread is how its stack bounds become known.
 */
static void fiber_finish(void *fake_stack)
{
#ifdef __SANITIZE_ADDRESS__
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
	if (switch_from && !switch_from->stack_base) {
		switch_from->stack_base = (void *)bottom;
		switch_from->stack_size = size;
	}
#else
	(void)fake_stack;
#endif
}

static void thread_start(void)
{
	struct arch_thread *self = switch_to;

	fiber_finish(NULL);
	self->entry(self->arg);
	hosted_fatal("thread entry returned");
}

int arch_thread_init(struct arch_thread *t, void *stack_top,
		     void (*entry)(void *), void *arg)
{
	void *m;

	memset(t, 0, sizeof(*t));
	if (!stack_top) /* the caller's own context: saved by the first switch */
		return 0;
	m = mmap(NULL, STACK_SIZE + GUARD_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -ENOMEM;
	if (mprotect(m, GUARD_SIZE, PROT_NONE))
		hosted_fatal("mprotect of a stack guard page failed");
	t->map = m;
	t->stack_base = (char *)m + GUARD_SIZE;
#ifdef __SANITIZE_ADDRESS__
	/* A reused mapping may still carry poison from an old thread's frames. */
	__asan_unpoison_memory_region(t->stack_base, STACK_SIZE);
#endif
	t->stack_size = STACK_SIZE;
	t->entry = entry;
	t->arg = arg;
	if (getcontext(&t->uc))
		hosted_fatal("getcontext failed");
	t->uc.uc_stack.ss_sp = t->stack_base;
	t->uc.uc_stack.ss_size = t->stack_size;
	t->uc.uc_link = NULL;
	makecontext(&t->uc, thread_start, 0);
	return 0;
}

void arch_thread_release(struct arch_thread *t)
{
	if (t->map)
		munmap(t->map, STACK_SIZE + GUARD_SIZE);
	t->map = t->stack_base = NULL;
}

void arch_thread_switch(struct arch_thread *from, struct arch_thread *to)
{
	volatile bool resumed = false; /* in memory: getcontext returns twice */

	if (arch_irqs_enabled())
		hosted_fatal("thread switch with interrupts enabled");
	switch_from = from;
	switch_to = to;
	fiber_start(from, to);
	if (getcontext(&from->uc))
		hosted_fatal("getcontext failed");
	if (!resumed) {
		resumed = true;
		setcontext(&to->uc);
		hosted_fatal("setcontext failed");
	}
	fiber_finish(from->fake_stack);
}

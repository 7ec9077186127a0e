/*
 * arch.c - the remaining arch.h hooks for host tests (plat/hosted): one
 * simulated CPU, so a contended spinlock can only be a deadlock; no page
 * tables are loaded (mmu.c edits tables in the arena, nothing walks them);
 * backtraces come from glibc, symbols are not looked up.
 */
#include <execinfo.h>
#include <stdlib.h>
#include <string.h>
#include <hosted.h>
#include <keel/arch.h>
#include <keel/mmu.h>

static paddr_t current_root;

void arch_cpu_relax(void)
{
	hosted_fatal("spinning on a held lock with one CPU: deadlock");
}

/* glibc's view of the call chain, into the console like the kernel's. */
void arch_backtrace(void)
{
	void *pcs[32];
	int n = backtrace(pcs, 32);
	char **names = backtrace_symbols(pcs, n);

	for (int i = 0; names && i < n; i++) {
		hyper_console_write("  ", 2);
		hyper_console_write(names[i], strlen(names[i]));
		hyper_console_write("\n", 1);
	}
	free(names);
}

const char *arch_symbolize(uintptr_t addr, uintptr_t *offset)
{
	(void)addr;
	*offset = 0;
	return NULL;
}

void arch_mm_init(void)
{
	if (!kernel_space.root && mmu_space_init(&kernel_space, NULL))
		hosted_fatal("arch_mm_init: no memory for the kernel space");
	arch_switch_space(kernel_space.root);
}

void arch_cpu_init(void)
{
}

void arch_kernel_extent(paddr_t *start, paddr_t *end)
{
	*start = *end = 0; /* the kernel image is not in the arena */
}

void arch_tlb_flush_page(uintptr_t va)
{
	(void)va;
}

void arch_switch_space(paddr_t root)
{
	current_root = root;
}

paddr_t arch_current_space(void)
{
	return current_root;
}

/* Hosted threads all run on the arena's one space: nothing to load. */
void arch_thread_set_space(struct arch_thread *t, paddr_t root)
{
	(void)t;
	(void)root;
}

void arch_thread_copy_fpu(struct arch_thread *t)
{
	(void)t;
}

void arch_exec_reset(void)
{
}

/*
 * arch/thread.h (hosted) - a thread context for host tests: a ucontext,
 * switched with swapcontext, so kernel/sched.c runs unmodified in a Linux
 * process. Each thread runs on its own mmap'd stack (plat/hosted/thread.c);
 * the stack bounds and fake stack are kept for AddressSanitizer.
 */
#ifndef ARCH_HOSTED_THREAD_H
#define ARCH_HOSTED_THREAD_H

#include <stddef.h>
#include <ucontext.h>

/*
 * The kernel's sched_yield would interpose on the C library's in a Linux
 * program, and the sanitizer runtime calls that one from its own threads.
 * Every user of the kernel's sched_yield includes this header first
 * (keel/sched.h includes keel/arch.h), so the hosted build renames it here.
 * A test that needs the C library's must include <sched.h> before keel's.
 */
#define sched_yield keel_sched_yield

struct arch_thread {
	ucontext_t uc;
	void *map; /* the stack mapping with its guard page; NULL: not ours */
	void *stack_base; /* lowest usable stack address; NULL: not known yet */
	size_t stack_size;
	void *fake_stack; /* ASan's fake stack while switched out */
	void (*entry)(void *);
	void *arg;
};

#endif

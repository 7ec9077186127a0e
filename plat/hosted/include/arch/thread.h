/*
 * arch/thread.h (hosted) - a thread context for host tests: a ucontext,
 * switched with swapcontext, so kernel/sched.c runs unmodified in a Linux
 * process.
 */
#ifndef ARCH_HOSTED_THREAD_H
#define ARCH_HOSTED_THREAD_H

#include <ucontext.h>

struct arch_thread {
	ucontext_t uc;
};

#endif

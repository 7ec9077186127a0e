/*
 * sched.h - kernel threads and the scheduler (kernel/sched.c). Round-robin
 * over runnable threads; a thread runs until it blocks or yields, and an
 * idle thread halts the CPU when nothing is runnable. sched_preempt_point()
 * is where user threads will be preempted once they exist.
 */
#ifndef KEEL_SCHED_H
#define KEEL_SCHED_H

#include <keel/arch.h>
#include <keel/list.h>
#include <keel/sync.h>

enum thread_state {
	THREAD_RUNNING,
	THREAD_RUNNABLE,
	THREAD_BLOCKED,
	THREAD_DEAD,
};

struct sigstate;
struct process;

struct thread {
	struct arch_thread arch;
	struct list_node run_node;
	enum thread_state state;
	int id;
	char name[16];
	void *stack;
	size_t stack_size;
	bool detached;
	size_t charged; /* MEM_THREAD bytes, given back when it is freed */
	struct waitq joiners;
	void *user; /* the syscall layer's per-thread state, or NULL */
	struct process *proc; /* a user thread's process; NULL: the kernel's */
	struct sigstate *sig; /* kernel/signal.c's, or NULL */
	/* A signal waits to be handled: interruptible waits end early. */
	volatile bool interrupted;
};

/* Per-CPU scheduler state; reached only through this_cpu(). */
struct cpu {
	struct thread *current;
	struct thread *idle;
	struct thread *zombie; /* dead detached thread to free after a switch */
	bool need_resched;
	uint64_t switches;
	uint64_t since; /* when current was switched in */
};

struct cpu *this_cpu(void);
static inline struct thread *current_thread(void)
{
	return this_cpu()->current;
}

/* Turn the boot context into the first thread and create the idle thread. */
void sched_init(void);
/* Bytes the live threads' kernel stacks take (/proc/meminfo). */
size_t sched_stack_bytes(void);
/*
 * kernel.threads-max: the most threads programs may have (those charged
 * to MEM_THREAD); by default what that kind of memory holds, set by root
 * within Linux's 1..2^30-1 (0 or -EINVAL). sched_threads_full: whether
 * one more would pass it (clone's EAGAIN, as Linux's copy_process).
 */
#define THREADS_MAX_MIN 1
#define THREADS_MAX_LIMIT 0x3fffffff
unsigned long sched_threads_max(void);
int sched_set_threads_max(unsigned long v);
bool sched_threads_full(void);
/* Start a thread running fn(arg). */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg);
/* Wait for t to end and free it. */
void thread_join(struct thread *t);
/* Let t be freed when it ends; it must not be joined. */
void thread_detach(struct thread *t);
__noreturn void thread_exit(void);

void sched_yield(void);
/* Charge the running thread's time so far to its process (utime_ns). */
void sched_charge_current(void);
/* Block the current thread (interrupts disabled, state set to BLOCKED). */
void sched_block(void);
/* Make a blocked thread runnable; safe from interrupt context. */
void sched_wake(struct thread *t);
/* Switch away if the timer asked for it (on the way back to user mode). */
void sched_preempt_point(void);
/* Start the time slice: every 10 ms, ask a running user thread to let
 * others run (sched_preempt_point). Idempotent. */
void sched_start_preemption(void);
/* Runnable threads waiting for the CPU (besides the current one). */
bool sched_others_runnable(void);

void thread_sleep_until(uint64_t deadline_ns);
void thread_sleep_ns(uint64_t ns);

#endif

/*
 * sched.c - kernel threads and the round-robin scheduler (kernel/).
 * Scheduler state is per CPU behind this_cpu(); the run queue is guarded by
 * disabling interrupts plus a spinlock, so the code stays correct when SMP
 * arrives. Threads start in thread_trampoline, end in thread_exit, and a
 * dead thread's stack is freed by whoever runs next (detached) or by
 * thread_join.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/hyper.h>
#include <keel/memcharge.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/timer.h>

#define STACK_PAGES 4

static struct cpu cpu0;
static struct list_node runq = LIST_INIT(runq);
static struct spinlock rq_lock;
static struct thread boot_thread;
static int next_id;

struct cpu *this_cpu(void)
{
	return &cpu0;
}

/* Bytes of the threads' kernel stacks (/proc/meminfo's KernelStack). */
static size_t stack_bytes;

size_t sched_stack_bytes(void)
{
	return __atomic_load_n(&stack_bytes, __ATOMIC_RELAXED);
}

/*
 * kernel.threads-max: the threads programs may have (MEM_THREAD's), by
 * default as many as their memory kind holds; root may lower or raise
 * it (0: the default).
 */
static unsigned long threads_max;

unsigned long sched_threads_max(void)
{
	unsigned long v = READ_ONCE(threads_max);

	return v ? v : mem_charge_limit(MEM_THREAD) / MEM_THREAD_COST;
}

int sched_set_threads_max(unsigned long v)
{
	WRITE_ONCE(threads_max, v);
	return 0;
}

bool sched_threads_full(void)
{
	return mem_charged(MEM_THREAD) / MEM_THREAD_COST >= sched_threads_max();
}

static void free_thread(struct thread *t)
{
	arch_thread_release(&t->arch);
	if (t->stack) {
		pmm_free(virt_to_phys(t->stack), t->stack_size / PAGE_SIZE);
		__atomic_sub_fetch(&stack_bytes, t->stack_size,
				   __ATOMIC_RELAXED);
	}
	mem_uncharge(MEM_THREAD, t->charged);
	kfree(t);
}

/* Run in the thread that was switched to: free a dead detached thread. */
static void after_switch(void)
{
	struct cpu *c = this_cpu();
	struct thread *z = c->zombie;

	if (z && z != c->current) {
		c->zombie = NULL;
		free_thread(z);
	}
}

/* The running thread's time since it was switched in goes to its
 * process (all of it as user time: keel does not split the two). */
void sched_charge_current(void)
{
	struct cpu *c = this_cpu();
	uint64_t now = time_now_ns();
	struct process *p = c->current->proc;

	if (p)
		p->utime_ns += now - c->since;
	c->since = now;
}

/* Pick the next thread and switch to it. Interrupts must be disabled. */
static void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current, *next;
	struct list_node *n;

	spin_lock(&rq_lock);
	if (prev->state == THREAD_RUNNING && prev != c->idle) {
		prev->state = THREAD_RUNNABLE;
		list_push_back(&runq, &prev->run_node);
	}
	n = list_pop_front(&runq);
	spin_unlock(&rq_lock);
	next = n ? list_entry(n, struct thread, run_node) : c->idle;
	c->need_resched = false;
	next->state = THREAD_RUNNING;
	if (next == prev)
		return;
	sched_charge_current();
	c->current = next;
	c->switches++;
	arch_thread_switch(&prev->arch, &next->arch);
	after_switch();
}

void sched_block(void)
{
	schedule();
}

void sched_yield(void)
{
	unsigned long flags = arch_irq_save();

	schedule();
	arch_irq_restore(flags);
}

void sched_preempt_point(void)
{
	if (this_cpu()->need_resched)
		sched_yield();
}

bool sched_others_runnable(void)
{
	return !list_empty(&runq);
}

#define SLICE_NS (10 * NSEC_PER_MSEC)
static struct timer slice;

static void slice_fire(struct timer *t)
{
	if (!list_empty(&runq))
		this_cpu()->need_resched = true;
	timer_arm(t, time_now_ns() + SLICE_NS);
}

void sched_start_preemption(void)
{
	unsigned long flags = arch_irq_save();

	if (!slice.fn) {
		timer_init(&slice, slice_fire);
		timer_arm(&slice, time_now_ns() + SLICE_NS);
	}
	arch_irq_restore(flags);
}

void sched_wake(struct thread *t)
{
	unsigned long flags = spin_lock_irqsave(&rq_lock);

	if (t->state == THREAD_BLOCKED) {
		t->state = THREAD_RUNNABLE;
		list_push_back(&runq, &t->run_node);
	}
	spin_unlock_irqrestore(&rq_lock, flags);
}

struct start_args {
	void (*fn)(void *);
	void *arg;
};

static void thread_trampoline(void *p)
{
	struct start_args *sa = p;
	void (*fn)(void *) = sa->fn;
	void *arg = sa->arg;

	after_switch();
	kfree(sa);
	arch_irq_enable();
	fn(arg);
	thread_exit();
}

static struct thread *thread_alloc(const char *name)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	strlcpy(t->name, name, sizeof(t->name));
	t->id = next_id++;
	list_init(&t->run_node);
	waitq_init(&t->joiners);
	return t;
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = thread_alloc(name);
	struct start_args *sa = kmalloc(sizeof(*sa));
	paddr_t stack = pmm_alloc(STACK_PAGES);

	if (!t || !sa || !stack)
		goto out_free;
	t->stack = phys_to_virt(stack);
	t->stack_size = STACK_PAGES * PAGE_SIZE;
	sa->fn = fn;
	sa->arg = arg;
	if (arch_thread_init(&t->arch, (char *)t->stack + t->stack_size,
			     thread_trampoline, sa))
		goto out_free;
	__atomic_add_fetch(&stack_bytes, t->stack_size, __ATOMIC_RELAXED);
	t->state = THREAD_BLOCKED;
	sched_wake(t);
	return t;

out_free:
	if (stack)
		pmm_free(stack, STACK_PAGES);
	kfree(sa);
	kfree(t);
	return NULL;
}

void thread_exit(void)
{
	struct thread *self = current_thread();
	struct cpu *c = this_cpu();

	arch_irq_disable();
	BUG_ON(self == &boot_thread || self == c->idle);
	self->state = THREAD_DEAD;
	if (self->detached)
		c->zombie = self;
	waitq_wake_all(&self->joiners);
	schedule();
	panic("dead thread %s ran again", self->name);
}

void thread_join(struct thread *t)
{
	struct spinlock l = { 0 };
	unsigned long flags = spin_lock_irqsave(&l);

	BUG_ON(t->detached || t == current_thread());
	while (t->state != THREAD_DEAD)
		waitq_wait_locked(&t->joiners, &l, 0);
	spin_unlock_irqrestore(&l, flags);
	free_thread(t);
}

void thread_detach(struct thread *t)
{
	unsigned long flags = arch_irq_save();

	if (t->state == THREAD_DEAD)
		free_thread(t);
	else
		t->detached = true;
	arch_irq_restore(flags);
}

static void idle_main(void *arg)
{
	(void)arg;
	for (;;) {
		arch_irq_disable();
		if (list_empty(&runq))
			hyper_halt();
		schedule();
		arch_irq_enable();
	}
}

void sched_init(void)
{
	struct cpu *c = this_cpu();
	struct thread *idle;

	strlcpy(boot_thread.name, "main", sizeof(boot_thread.name));
	boot_thread.id = next_id++;
	boot_thread.state = THREAD_RUNNING;
	list_init(&boot_thread.run_node);
	waitq_init(&boot_thread.joiners);
	if (arch_thread_init(&boot_thread.arch, NULL, NULL, NULL))
		panic("sched: no FPU state for the boot thread");
	c->current = &boot_thread;
	idle = thread_create("idle", idle_main, NULL);
	if (!idle)
		panic("sched: cannot create the idle thread");
	/* The idle thread never sits in the run queue. */
	list_remove(&idle->run_node);
	idle->state = THREAD_RUNNABLE;
	c->idle = idle;
}

struct sleeper {
	struct timer timer;
	struct thread *thread;
};

static void sleeper_fire(struct timer *t)
{
	sched_wake(container_of(t, struct sleeper, timer)->thread);
}

void thread_sleep_until(uint64_t deadline_ns)
{
	struct sleeper s = { .thread = current_thread() };
	unsigned long flags = arch_irq_save();

	timer_init(&s.timer, sleeper_fire);
	while (time_now_ns() < deadline_ns) {
		timer_arm(&s.timer, deadline_ns);
		s.thread->state = THREAD_BLOCKED;
		sched_block();
	}
	timer_cancel(&s.timer);
	arch_irq_restore(flags);
}

void thread_sleep_ns(uint64_t ns)
{
	thread_sleep_until(time_now_ns() + ns);
}

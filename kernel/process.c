/*
 * process.c - the one process (kernel/): its record, and its end: the
 * exit hooks higher layers registered run, then the exit status goes to
 * the host as the kernel's shutdown status (docs/boot.md): on QEMU
 * through isa-debug-exit and the console line, on Xen through xenstore
 * and the console line.
 */
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sync.h>

#define NOLIMIT                              \
	{                                    \
		RLIM_INFINITY, RLIM_INFINITY \
	}

/* Linux's defaults for a process started as root. */
static struct process proc = {
	.pid = 1,
	.cred = CRED_ROOT,
	.rlim = {
		NOLIMIT, NOLIMIT, NOLIMIT,
		{ 8UL << 20, RLIM_INFINITY }, /* STACK */
		{ 0, RLIM_INFINITY },	      /* CORE */
		NOLIMIT,
		{ 63432, 63432 },	      /* NPROC */
		{ 1024, 1024 },		      /* NOFILE: the table's size */
		{ 8UL << 20, 8UL << 20 },     /* MEMLOCK */
		NOLIMIT, NOLIMIT,
		{ 63432, 63432 },	      /* SIGPENDING */
		{ 819200, 819200 },	      /* MSGQUEUE */
		{ 0, 0 }, { 0, 0 },	      /* NICE, RTPRIO */
		NOLIMIT,		      /* RTTIME */
	},
};

struct process *current_process(void)
{
	return &proc;
}

static struct list_node exit_hooks = LIST_INIT(exit_hooks);
static struct spinlock hooks_lock;

void process_on_exit(struct process_exit_hook *h)
{
	unsigned long irq = spin_lock_irqsave(&hooks_lock);

	list_push_front(&exit_hooks, &h->node);
	spin_unlock_irqrestore(&hooks_lock, irq);
}

__noreturn void process_exit(int status)
{
	/* Hooks are registered at start-up and never removed: no lock. */
	list_for_each (n, &exit_hooks)
		list_entry(n, struct process_exit_hook, node)->fn(&proc);
	kernel_shutdown(status & 0xff);
}

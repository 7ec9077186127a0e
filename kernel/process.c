/*
 * process.c - the one process (kernel/): its record, and its end. The
 * exit status goes to the host as the kernel's shutdown status
 * (docs/boot.md): on QEMU through isa-debug-exit and the console line,
 * on Xen through xenstore and the console line.
 */
#include <keel/printk.h>
#include <keel/process.h>

static struct process proc = { .pid = 1 };

struct process *current_process(void)
{
	return &proc;
}

__noreturn void process_exit(int status)
{
	kernel_shutdown(status & 0xff);
}

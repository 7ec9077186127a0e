/*
 * process.c - the one process (kernel/): its record, and its end. The
 * exit status goes to the host as the kernel's shutdown status
 * (docs/boot.md): on QEMU through isa-debug-exit and the console line,
 * on Xen through xenstore and the console line.
 */
#include <keel/printk.h>
#include <keel/process.h>

#define NOLIMIT                              \
	{                                    \
		RLIM_INFINITY, RLIM_INFINITY \
	}

/* Linux's defaults for a process started as root. */
static struct process proc = {
	.pid = 1,
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

__noreturn void process_exit(int status)
{
	aio_exit();
	kernel_shutdown(status & 0xff);
}

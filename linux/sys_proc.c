/*
 * sys_proc.c - the process's system calls (linux/): exit, the thread
 * pointer, the pid, CPU affinity, and
 * the signal calls a C runtime makes at start-up. Each handler checks its
 * arguments and copies user memory, then asks the kernel.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>
#include <keel/vm.h>

#include "linux.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

SYSCALL_DEFINE(exit_group)
{
	process_exit((int)a[0]);
}

SYSCALL_DEFINE(arch_prctl)
{
	uint64_t v;

	switch (a[0]) {
	case ARCH_SET_FS:
		if ((uint64_t)a[1] >= USER_TOP)
			return -EPERM;
		arch_set_tls((uint64_t)a[1]);
		return 0;
	case ARCH_GET_FS:
		v = arch_get_tls();
		return copy_to_user((void *)a[1], &v, sizeof(v));
	case ARCH_SET_GS:
	case ARCH_GET_GS:
		return -EINVAL; /* GS is left alone (documented) */
	default:
		return -EINVAL;
	}
}

/* Robust futex lists matter when threads die holding locks: later. */
SYSCALL_DEFINE(set_robust_list)
{
	return a[1] == 24 ? 0 : -EINVAL;
}

SYSCALL_DEFINE(getpid)
{
	(void)a;
	return current_process()->pid;
}

SYSCALL_DEFINE(getrusage)
{
	struct process *p = current_process();
	int who = (int)a[0]; /* an int: the register's upper half is junk */
	struct linux_rusage ru;
	unsigned long irq;

	if (who != 0 && who != -1 && who != 1) /* SELF, CHILDREN, THREAD */
		return -EINVAL;
	memset(&ru, 0, sizeof(ru));
	irq = arch_irq_save();
	sched_charge_current();
	arch_irq_restore(irq);
	/* The time on the CPU, all counted as user time (no split kept). */
	if (who == -1) {
		ru.ru_utime = ns_to_timeval((int64_t)p->child_utime_ns);
		ru.ru_stime = ns_to_timeval((int64_t)p->child_stime_ns);
		ru.ru_maxrss = p->child_maxrss_kb;
	} else {
		ru.ru_utime = ns_to_timeval((int64_t)p->utime_ns);
		ru.ru_maxrss =
		    p->mm ? (long)(vm_mm_resident(p->mm) * (PAGE_SIZE / 1024))
			  : 0;
	}
	return copy_to_user((void *)a[1], &ru, sizeof(ru));
}

SYSCALL_DEFINE(sched_getaffinity)
{
	size_t len = (size_t)a[1];
	uint64_t mask = 1; /* one CPU */

	if ((int)a[0] != 0 && !id_exists((int)a[0]))
		return -ESRCH;
	if (len < sizeof(mask) || len % sizeof(long))
		return -EINVAL;
	if (clear_user((void *)a[2], len) ||
	    copy_to_user((void *)a[2], &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}

SYSCALL_DEFINE(sched_yield)
{
	(void)a;
	sched_yield();
	return 0;
}

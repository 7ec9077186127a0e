/*
 * signal.c - the signal hooks of include/keel/signal.h for host tests
 * (plat/hosted): the tests never enter user mode, so there is no user
 * stack and no frame to build; kernel/signal.c runs unchanged above them.
 */
#include <keel/errno.h>
#include <keel/signal.h>

int arch_signal_setup(const struct sigdelivery *d)
{
	(void)d;
	return -EFAULT;
}

int arch_signal_return(uint64_t *mask, struct kstack *stack, long *rax)
{
	(void)mask;
	(void)stack;
	(void)rax;
	return -EFAULT;
}

uint64_t arch_user_sp(void)
{
	return 0;
}

uint64_t arch_user_ip(void)
{
	return 0;
}

void arch_syscall_restart(long nr)
{
	(void)nr;
}

void arch_syscall_set_return(long value)
{
	(void)value;
}

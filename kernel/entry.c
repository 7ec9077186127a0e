/*
 * entry.c - where system calls enter the portable kernel (kernel/):
 * arch/'s syscall entry calls syscall_dispatch, which runs the handler
 * the ABI layer registered (linux/syscall.c's table, by linux_init).
 * arch/ thus calls only kernel/, and kernel/ never names linux/.
 */
#include <keel/errno.h>
#include <keel/syscall.h>

static long (*handler)(unsigned long nr, const long *args);

void syscall_set_handler(long (*fn)(unsigned long nr, const long *args))
{
	handler = fn;
}

long syscall_dispatch(unsigned long nr, const long *args)
{
	return handler ? handler(nr, args) : -ENOSYS;
}

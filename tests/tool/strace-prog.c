/*
 * strace-prog.c - hostile arguments for keel.strace (tests/tool/debug.sh):
 * paths and buffers at bad addresses (page 0, unmapped user memory, the
 * kernel half, a string running into an unmapped page), an argv array
 * that is not one. The tracer must print them as numbers and the kernel
 * must survive; every call fails with EFAULT (or ENOENT) as on Linux.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long r;

	if (page == MAP_FAILED)
		return 2;
	/* The second page goes: a path that runs into it has no end. */
	munmap(page + 4096, 4096);
	memset(page, 'a', 4096);
	syscall(SYS_openat, AT_FDCWD, (char *)1, O_RDONLY);
	syscall(SYS_openat, AT_FDCWD, (char *)0x7ff000000000UL, O_RDONLY);
	syscall(SYS_openat, AT_FDCWD, (char *)0xffff800000000000UL, O_RDONLY);
	syscall(SYS_openat, AT_FDCWD, page + 4000, O_RDONLY);
	syscall(SYS_write, 1, (void *)0x7ff000000000UL, 10);
	syscall(SYS_write, 1, page + 4090, 64);
	syscall(SYS_execve, "/nonexistent", (char **)0x7ff000000000UL, NULL);
	r = syscall(SYS_execve, "/nonexistent", (char **)(page + 4092), NULL);
	printf("survived %ld %d\n", r, errno);
	return 0;
}

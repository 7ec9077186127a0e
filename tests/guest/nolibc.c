/* nolibc.c - no C library at all: write(2) and exit_group(2) by hand. */
static long sys3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

void _start(void)
{
	static const char msg[] = "nolibc: hello\n";

	sys3(1, 1, (long)msg, sizeof(msg) - 1);
	/* A bad pointer must give -EFAULT (14), not a crash. */
	if (sys3(1, 1, 0x10, 4) != -14)
		sys3(1, 1, (long)"nolibc: EFAULT missing\n", 23);
	sys3(231, 3, 0, 0);
	for (;;)
		;
}

/*
 * gdb-prog.c - the program tests/tool/debug.sh debugs in keel through
 * QEMU's gdb stub: gdb stops at the marked line of main and prints
 * answer, which must be 49 (7 * 7, then argc 1 added and taken away
 * again); built dynamically, gdb then stops in libc's puts, called from
 * main.
 */
#include <stdio.h>

static int square(int n)
{
	return n * n;
}

int main(int argc, char **argv)
{
	int answer = square(7) + argc - 1;

	(void)argv;
	printf("answer %d\n", answer); /* gdb stops here */
	puts("gdb-prog: done");
	return answer == 49 ? 0 : 1;
}

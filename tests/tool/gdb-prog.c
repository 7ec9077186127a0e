/*
 * gdb-prog.c - the program tests/tool/gdb.sh debugs in keel through QEMU's
 * gdb stub: gdb stops at the marked line of main and prints answer, which
 * must be 49 (7 * 7, then argc 1 added and taken away again).
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
	return answer == 49 ? 0 : 1;
}

/* segv.c - writes through a NULL pointer: ends with SIGSEGV (status 139). */
#include <stdio.h>

int main(void)
{
	volatile int *p = NULL;

	printf("before the fault\n");
	fflush(stdout);
	*p = 1;
	printf("after the fault: must not be printed\n");
	return 0;
}

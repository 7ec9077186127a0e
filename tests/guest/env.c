/* env.c - prints its environment, working directory and auxv facts. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(void)
{
	char cwd[256];

	printf("GREETING=%s\n",
	       getenv("GREETING") ? getenv("GREETING") : "(unset)");
	printf("cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "(error)");
	printf("pagesz=%lu\n", getauxval(AT_PAGESZ));
	printf("random=%s\n", getauxval(AT_RANDOM) ? "yes" : "no");
	printf("execfn=%s\n", (char *)getauxval(AT_EXECFN));
	return 0;
}

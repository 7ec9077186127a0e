/*
 * sigdie.c - a signal's default action ends the program (tests/guest):
 * "pipe" writes to a pipe nobody reads (SIGPIPE, status 141), "term"
 * raises SIGTERM (143), "abort" calls abort() (SIGABRT, 134), "kill"
 * sends itself SIGKILL (137), "usr1-blocked" raises a blocked SIGUSR1 and
 * then unblocks it (138). Prints one line first, so the status is known
 * to come from the signal and not from a failed start.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	int p[2];
	sigset_t s;

	printf("sigdie: %s\n", what);
	fflush(stdout);
	if (!strcmp(what, "pipe")) {
		pipe(p);
		close(p[0]);
		write(p[1], "x", 1);
	} else if (!strcmp(what, "term")) {
		raise(SIGTERM);
	} else if (!strcmp(what, "abort")) {
		abort();
	} else if (!strcmp(what, "kill")) {
		kill(getpid(), SIGKILL);
	} else if (!strcmp(what, "usr1-blocked")) {
		sigemptyset(&s);
		sigaddset(&s, SIGUSR1);
		sigprocmask(SIG_BLOCK, &s, NULL);
		raise(SIGUSR1);
		printf("still here\n");
		fflush(stdout);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
	}
	printf("not killed\n");
	return 0;
}

/*
 * t_exec_helper.c - the program tests/guest/t_exec.c executes (built
 * static and dynamic next to it): it prints, one line each, what it was
 * given, prefixed "helper:", and exits. Its first argument says what:
 *   argv        argc, each argument (the directory of argv[0] shown as
 *               DIR), the environment's size and its KEEL_T* variables;
 *               a first argument that only starts with "argv" (a #! line's
 *               one interpreter argument) does the same
 *   fds OPEN CLOSED...  whether each descriptor is open as expected
 *   sigs        SIGUSR1's handler (default), SIGUSR2's (ignored), SIGTERM
 *               blocked, SIGHUP pending
 *   auxv PATH   the auxiliary vector: AT_EXECFN is PATH, AT_SECURE 0, ...
 *   pid PID     getpid() is PID (exec from a second thread keeps the pid)
 *   exit N      exit with status N
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;

static void say(const char *what, int ok)
{
	printf("helper: %s: %s\n", what, ok ? "ok" : "FAIL");
}

static void show_argv(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	size_t dir = slash ? (size_t)(slash - argv[0]) : 0;
	int envc = 0;

	printf("helper: argc=%d\n", argc);
	if (slash)
		printf("helper: argv[0]=DIR%s\n", argv[0] + dir);
	else
		printf("helper: argv[0]=%s\n", argv[0]);
	for (int i = 1; i < argc; i++) {
		if (slash && !strncmp(argv[i], argv[0], dir) &&
		    argv[i][dir] == '/')
			printf("helper: argv[%d]=DIR%s\n", i, argv[i] + dir);
		else
			printf("helper: argv[%d]=%s\n", i, argv[i]);
	}
	for (char **e = environ; *e; e++) {
		envc++;
		if (!strncmp(*e, "KEEL_T", 6))
			printf("helper: env %s\n", *e);
	}
	printf("helper: envc=%d\n", envc);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		printf("helper: no mode\n");
		return 2;
	}
	if (!strncmp(argv[1], "argv", 4)) {
		show_argv(argc, argv);
	} else if (!strcmp(argv[1], "fds") && argc >= 3) {
		char what[40];

		snprintf(what, sizeof(what), "fd %s open", argv[2]);
		say(what, fcntl(atoi(argv[2]), F_GETFD) >= 0);
		for (int i = 3; i < argc; i++) {
			snprintf(what, sizeof(what), "fd %s closed", argv[i]);
			say(what, fcntl(atoi(argv[i]), F_GETFD) < 0 &&
				      errno == EBADF);
		}
	} else if (!strcmp(argv[1], "sigs")) {
		struct sigaction sa;
		sigset_t set;

		sigaction(SIGUSR1, NULL, &sa);
		say("caught SIGUSR1 reset to default",
		    sa.sa_handler == SIG_DFL);
		sigaction(SIGUSR2, NULL, &sa);
		say("ignored SIGUSR2 still ignored", sa.sa_handler == SIG_IGN);
		sigprocmask(SIG_BLOCK, NULL, &set);
		say("blocked SIGTERM still blocked",
		    sigismember(&set, SIGTERM));
		sigpending(&set);
		say("pending SIGHUP still pending", sigismember(&set, SIGHUP));
	} else if (!strcmp(argv[1], "auxv") && argc == 3) {
		const char *fn = (const char *)getauxval(AT_EXECFN);

		say("AT_EXECFN is the path", fn && !strcmp(fn, argv[2]));
		say("AT_SECURE 0", getauxval(AT_SECURE) == 0);
		say("AT_PAGESZ 4096", getauxval(AT_PAGESZ) == 4096);
		say("AT_RANDOM set", getauxval(AT_RANDOM) != 0);
		say("AT_PHDR set", getauxval(AT_PHDR) != 0);
		say("AT_ENTRY set", getauxval(AT_ENTRY) != 0);
		say("AT_UID is getuid", getauxval(AT_UID) == getuid());
	} else if (!strcmp(argv[1], "pid") && argc == 3) {
		say("pid kept", getpid() == atoi(argv[2]));
	} else if (!strcmp(argv[1], "exit") && argc >= 3) {
		return atoi(argv[2]);
	} else {
		printf("helper: unknown mode %s\n", argv[1]);
		return 2;
	}
	return 0;
}

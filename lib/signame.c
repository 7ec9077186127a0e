/*
 * signame.c - Linux's signal names by number (lib/, host-testable): the
 * kernel's messages about signals (kernel/signal.c) and keel.strace's
 * lines (linux/strace.c) share this one table.
 */
#include <keel/compiler.h>
#include <keel/signal.h>

static const char *const names[] = {
	[SIGHUP] = "SIGHUP",	   [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",	   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",	   [SIGFPE] = "SIGFPE",	  [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1",	   [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE",	   [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
	[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGIO] = "SIGIO",
	[SIGPWR] = "SIGPWR",	   [SIGSYS] = "SIGSYS",	  [SIGCHLD] = "SIGCHLD",
	[SIGCONT] = "SIGCONT",	   [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN",	   [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",
	[SIGWINCH] = "SIGWINCH",
};

const char *signal_name(int sig)
{
	return sig > 0 && sig < (int)ARRAY_SIZE(names) ? names[sig] : NULL;
}

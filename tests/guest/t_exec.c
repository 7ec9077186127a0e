/*
 * t_exec.c - execve and execveat (tests/guest, issue 15). A forked child
 * executes tests/guest/t_exec_helper.c, built static and dynamic in the
 * directory of this program (t_exec_helper-static, -dynamic), which
 * prints what it received: argv and envp, a #! script's interpreter and
 * its argument, descriptors (O_CLOEXEC and FD_CLOEXEC closed, others
 * kept), signals (caught ones reset to default, ignored ones still
 * ignored, the mask and pending kept), the auxiliary vector, the pid when
 * a second thread executes; exit statuses; fexecve and execveat; and the
 * errors: E2BIG for a too long argument or too large argv/envp, ENOENT,
 * EACCES (no x bit, a directory), ENOEXEC (garbage, an empty file),
 * ENOTDIR, ELOOP, EFAULT, a #! naming a missing interpreter. It writes its
 * scripts in the working directory (run it in an empty one). One line per
 * check, the output must match the host's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"

static char hs[4096], hd[4096]; /* the helpers, static and dynamic */
static char *env[] = { "KEEL_T1=a", "KEEL_T2=b c", "X=1", NULL };

/*
 * run: in a child, call setup (if any) and execve PATH with ARGV; the
 * status it exits with, or the errno of a failed execve + 200.
 */
static int run(const char *path, char *const argv[], void (*setup)(void))
{
	pid_t pid = xfork();

	if (pid == 0) {
		if (setup)
			setup();
		execve(path, argv, env);
		_exit(200 + errno);
	}
	return reap(pid);
}

static void check_run(const char *what, const char *path, char *const argv[],
		      void (*setup)(void), int want)
{
	check_val(what, run(path, argv, setup), want);
}

static void check_fail(const char *what, const char *path, char *const argv[],
		       int err)
{
	int st = run(path, argv, NULL);

	check_err(what, st >= 200 && st < 1000 ? -(st - 200) : st, err);
}

static void write_file(const char *name, const char *text, size_t n,
		       mode_t mode)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, mode);

	write(fd, text, n);
	close(fd);
	chmod(name, mode);
}

static void test_basic(void)
{
	char *a[] = { hs, "argv", "one", "two words", "", NULL };
	char *e[] = { hs, "exit", "42", NULL };
	char *t[] = { hs, "exit", "256", NULL };

	check_run("exec-static-argv-env", hs, a, NULL, 0);
	a[0] = hd;
	check_run("exec-dynamic-argv-env", hd, a, NULL, 0);
	check_run("exec-exit-status-42", hs, e, NULL, 42);
	check_run("exec-exit-status-256-is-0", hs, t, NULL, 0);
	e[0] = "renamed-argv0";
	e[2] = "7";
	check_run("exec-argv0-free", hs, e, NULL, 7);
}

static void test_script(void)
{
	char line[5000];
	char *a[] = { "./t_exec.script", "a1", NULL };
	char *b[] = { "./t_exec.spaces", NULL };
	char *c[] = { "./t_exec.nointerp", NULL };

	snprintf(line, sizeof(line), "#!%s argv-from-script x  y\nignored\n",
		 hs);
	write_file("t_exec.script", line, strlen(line), 0755);
	check_run("exec-script-interpreter-argument", a[0], a, NULL, 0);
	/* Blanks around the interpreter and its argument are dropped. */
	snprintf(line, sizeof(line), "#! \t%s  argv \t\n", hd);
	write_file("t_exec.spaces", line, strlen(line), 0755);
	check_run("exec-script-blanks-dynamic", b[0], b, NULL, 0);
	write_file("t_exec.nointerp", "#!/no/such/interp\n", 18, 0755);
	check_fail("exec-script-missing-interpreter-enoent", c[0], c, ENOENT);
}

static void fds_setup(void)
{
	int fd = open("/dev/null", O_RDONLY);

	dup2(fd, 20);
	dup3(fd, 21, O_CLOEXEC);
	dup2(fd, 22);
	fcntl(22, F_SETFD, FD_CLOEXEC);
	close(fd);
}

static void on_sig(int s)
{
	(void)s;
}

static void sigs_setup(void)
{
	sigset_t set;

	signal(SIGUSR1, on_sig);
	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGHUP);
}

static void test_inherit(void)
{
	char *f[] = { hs, "fds", "20", "21", "22", NULL };
	char *s[] = { hd, "sigs", NULL };
	char *x[] = { hs, "auxv", hs, NULL };

	check_run("exec-cloexec", hs, f, fds_setup, 0);
	check_run("exec-signals", hd, s, sigs_setup, 0);
	check_run("exec-auxv-static", hs, x, NULL, 0);
	x[0] = hd;
	x[2] = hd;
	check_run("exec-auxv-dynamic", hd, x, NULL, 0);
}

static void *exec_thread(void *arg)
{
	char pid[16];
	char *a[] = { hs, "pid", pid, NULL };

	(void)arg;
	snprintf(pid, sizeof(pid), "%d", getpid());
	execve(hs, a, env);
	_exit(200 + errno);
}

static void thread_setup(void)
{
	pthread_t t;

	pthread_create(&t, NULL, exec_thread, NULL);
	for (;;)
		pause(); /* ended by the other thread's execve */
}

static void fexec_setup(void)
{
	char *a[] = { "x", "exit", "43", NULL };
	int fd = open(hs, O_RDONLY);

	fexecve(fd, a, env);
	_exit(200 + errno);
}

static void execveat_setup(void)
{
	char *a[] = { "x", "exit", "44", NULL };
	char dir[4096];
	int fd;

	snprintf(dir, sizeof(dir), "%s", hs);
	*strrchr(dir, '/') = 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	syscall(SYS_execveat, fd, strrchr(hs, '/') + 1, a, env, 0);
	_exit(200 + errno);
}

static void execveat_nofollow_setup(void)
{
	char *a[] = { "x", "exit", "45", NULL };

	symlink(hs, "t_exec.link");
	syscall(SYS_execveat, AT_FDCWD, "t_exec.link", a, env,
		AT_SYMLINK_NOFOLLOW);
	_exit(200 + errno);
}

static void test_other_ways(void)
{
	check_run("exec-from-second-thread-keeps-pid", hs, NULL, thread_setup,
		  0);
	check_run("fexecve", hs, NULL, fexec_setup, 43);
	check_run("execveat-dirfd", hs, NULL, execveat_setup, 44);
	check_run("execveat-symlink-nofollow-eloop", hs, NULL,
		  execveat_nofollow_setup, 200 + ELOOP);
	unlink("t_exec.link");
}

static void big_stack(void)
{
	struct rlimit r = { 8 << 20, 8 << 20 };

	setrlimit(RLIMIT_STACK, &r); /* argv + envp may take a quarter */
}

static void test_errors(void)
{
	static char *many[64];
	char *a[] = { hs, "exit", "99", NULL, NULL };
	char *g[] = { "./t_exec.garbage", NULL };
	char *one = malloc(200000);
	char *chunk = malloc(100000);
	char garbage[256];
	pid_t pid;
	int st;

	/* One string over Linux's 32 pages (MAX_ARG_STRLEN). */
	memset(one, 'x', 199999);
	one[199999] = 0;
	a[3] = one;
	check_fail("exec-e2big-one-argument", hs, a, E2BIG);
	/* 40 strings of 100000 bytes: over a quarter of an 8 MiB stack. */
	memset(chunk, 'y', 99999);
	chunk[99999] = 0;
	many[0] = hs;
	many[1] = "exit";
	many[2] = "99";
	for (int i = 3; i < 43; i++)
		many[i] = chunk;
	pid = xfork();
	if (pid == 0) {
		big_stack();
		execve(hs, many, env);
		_exit(200 + errno);
	}
	st = reap(pid);
	check_err("exec-e2big-argv-total", st >= 200 ? -(st - 200) : st, E2BIG);
	free(one);
	free(chunk);

	a[3] = NULL;
	check_fail("exec-missing-enoent", "./no-such-program", a, ENOENT);
	check_fail("exec-missing-dir-enoent", "./no/such", a, ENOENT);
	write_file("t_exec.noexec", "#!/bin/sh\n", 10, 0644);
	check_fail("exec-no-x-bit-eacces", "./t_exec.noexec", a, EACCES);
	check_fail("exec-directory-eacces", ".", a, EACCES);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 37 + 11);
	write_file("t_exec.garbage", garbage, sizeof(garbage), 0755);
	check_fail("exec-garbage-enoexec", g[0], g, ENOEXEC);
	write_file("t_exec.empty", "", 0, 0755);
	check_fail("exec-empty-enoexec", "./t_exec.empty", a, ENOEXEC);
	check_fail("exec-notdir", "./t_exec.garbage/x", a, ENOTDIR);
	symlink("t_exec.loop", "t_exec.loop");
	check_fail("exec-symlink-loop-eloop", "./t_exec.loop", a, ELOOP);
	check_fail("exec-bad-path-efault", BADPTR, a, EFAULT);
	a[1] = BADPTR;
	check_fail("exec-bad-argv-efault", hs, a, EFAULT);
	unlink("t_exec.loop");
}

int main(int argc, char **argv)
{
	char *slash = strrchr(argv[0], '/');
	int dir = slash ? (int)(slash - argv[0]) : 1;

	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(hs, sizeof(hs), "%.*s/t_exec_helper-static", dir,
		 slash ? argv[0] : ".");
	snprintf(hd, sizeof(hd), "%.*s/t_exec_helper-dynamic", dir,
		 slash ? argv[0] : ".");
	check("helpers-present",
	      access(hs, X_OK) == 0 && access(hd, X_OK) == 0);
	test_basic();
	test_script();
	test_inherit();
	test_other_ways();
	test_errors();
	unlink("t_exec.script");
	unlink("t_exec.spaces");
	unlink("t_exec.nointerp");
	unlink("t_exec.noexec");
	unlink("t_exec.garbage");
	unlink("t_exec.empty");
	printf("t_exec: %d failed\n", fails);
	return fails != 0;
}

/*
 * t_fork.c - fork, vfork and clone3 (tests/guest, issue 15): what fork
 * returns on each side, copy-on-write of the stack, a big malloc'd buffer
 * and a private file mapping (each side's writes unseen by the other),
 * MAP_SHARED memory (anonymous and file) seen both ways, descriptors,
 * the signal mask and handlers inherited, pending signals not, a pipe
 * between parent and child with EOF once the writer is gone, vfork and
 * clone3 with CLONE_VFORK (the parent suspended until the child exits or
 * execs; with CLONE_VM the child's writes are the parent's memory, as on
 * Linux) and pthread_atfork. Children report by exit status, never by
 * printing, and no pid is printed: one line per check, the output must
 * match the host's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"

#define BIG (8 << 20)

static char *self;

static void nap(long ms)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000 };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

static void test_returns(void)
{
	pid_t me = getpid(), pid, seen = 0;
	int p[2];

	pipe(p);
	pid = xfork();
	if (pid == 0) {
		pid_t c = getpid();

		write(p[1], &c, sizeof(c));
		_exit(getppid() == me ? 0 : 1);
	}
	check("fork-parent-gets-pid", pid > 0);
	check("fork-child-pid-differs", pid != me);
	read(p[0], &seen, sizeof(seen));
	check("fork-child-getpid-is-returned-pid", seen == pid);
	check_val("fork-child-getppid-is-parent", reap(pid), 0);
	close(p[0]);
	close(p[1]);
}

static int all(const char *b, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != c)
			return 0;
	return 1;
}

static void test_cow(void)
{
	char stack[16384];
	char *big = malloc(BIG);
	int go[2], done[2];
	pid_t pid;
	char c;

	memset(stack, 'a', sizeof(stack));
	memset(big, 'a', BIG);
	pipe(go);
	pipe(done);
	pid = xfork();
	if (pid == 0) {
		int bad = 0;

		/* The child writes, the parent must not see it. */
		memset(stack, 'b', sizeof(stack));
		for (size_t i = 0; i < BIG; i += 4096)
			big[i] = 'b';
		bad |= !all(stack, sizeof(stack), 'b');
		write(done[1], "x", 1);
		/* The parent writes, the child must not see it. */
		read(go[0], &c, 1);
		for (size_t i = 1; i < BIG; i += 4096)
			bad |= big[i] != 'a';
		bad |= !all(stack, sizeof(stack), 'b');
		_exit(bad);
	}
	read(done[0], &c, 1);
	check("cow-stack-parent-unchanged", all(stack, sizeof(stack), 'a'));
	check("cow-heap-parent-unchanged", all(big, BIG, 'a'));
	memset(big, 'p', BIG);
	memset(stack, 'p', sizeof(stack));
	write(go[1], "x", 1);
	check_val("cow-child-sees-own-copy", reap(pid), 0);
	check("cow-heap-parent-keeps-own-writes", all(big, BIG, 'p'));
	free(big);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

/* Three rounds over one page: before fork, child to parent, parent to child. */
static void shared_both_ways(const char *name, volatile int *m)
{
	char what[80];
	int go[2];
	pid_t pid;
	char c;

	pipe(go);
	m[0] = 1;
	pid = xfork();
	if (pid == 0) {
		int bad = m[0] != 1;

		m[1] = 2;
		read(go[0], &c, 1);
		bad |= (m[2] != 3) << 1;
		_exit(bad);
	}
	while (m[1] != 2 && waitpid(pid, NULL, WNOHANG) == 0)
		nap(1);
	snprintf(what, sizeof(what), "%s-child-write-seen", name);
	check(what, m[1] == 2);
	m[2] = 3;
	write(go[1], "x", 1);
	snprintf(what, sizeof(what), "%s-child-saw-both", name);
	check_val(what, reap(pid), 0);
	close(go[0]);
	close(go[1]);
}

static void test_shared(void)
{
	void *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = open("t_fork.map", O_RDWR | O_CREAT | O_TRUNC, 0600);
	void *f;

	shared_both_ways("shared-anon", a);
	ftruncate(fd, 4096);
	f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("shared-file-mmap", f != MAP_FAILED);
	if (f != MAP_FAILED) {
		int v = 0;

		shared_both_ways("shared-file", f);
		pread(fd, &v, sizeof(v), 4);
		check_val("shared-file-child-write-in-file", v, 2);
		munmap(f, 4096);
	}
	/* A private file mapping: copy-on-write, as anonymous memory. */
	f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (f != MAP_FAILED) {
		volatile int *m = f;
		pid_t pid = xfork();

		if (pid == 0) {
			m[1] = 77;
			_exit(m[1] == 77 ? 0 : 1);
		}
		check_val("private-file-child-writes", reap(pid), 0);
		check_val("private-file-parent-unchanged", m[1], 2);
		munmap(f, 4096);
	}
	close(fd);
	unlink("t_fork.map");
	munmap(a, 4096);
}

static void test_pipe(void)
{
	int p[2];
	char buf[64];
	ssize_t n, got = 0;
	pid_t pid;

	pipe(p);
	pid = xfork();
	if (pid == 0) {
		close(p[0]);
		for (int i = 0; i < 3; i++)
			write(p[1], "hello", 5);
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		got += n;
	check_val("pipe-child-to-parent-bytes", got, 15);
	check_val("pipe-eof-after-writer-exits", n, 0);
	check_val("pipe-child-status", reap(pid), 0);
	close(p[0]);
}

static volatile sig_atomic_t usr1;

static void on_usr1(int s)
{
	(void)s;
	usr1++;
}

static void test_inherit(void)
{
	int fd = open("/dev/null", O_WRONLY);
	sigset_t set, old;
	pid_t pid;

	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGTERM); /* pending in the parent, not the child */
	pid = xfork();
	if (pid == 0) {
		struct sigaction sa;
		sigset_t cur, pend;
		int bad = 0;

		sigprocmask(SIG_BLOCK, NULL, &cur);
		sigpending(&pend);
		bad |= !sigismember(&cur, SIGTERM);
		bad |= sigismember(&pend, SIGTERM) << 1;
		sigaction(SIGUSR1, NULL, &sa);
		bad |= (sa.sa_handler != on_usr1) << 2;
		sigaction(SIGUSR2, NULL, &sa);
		bad |= (sa.sa_handler != SIG_IGN) << 3;
		bad |= (write(fd, "x", 1) != 1) << 4;
		raise(SIGUSR1);
		bad |= (usr1 != 1) << 5;
		_exit(bad);
	}
	check_val("fork-inherits-mask-handlers-fds-not-pending", reap(pid), 0);
	check_val("fork-parent-handler-not-run", usr1, 0);
	/* Drop the pending SIGTERM and restore. */
	signal(SIGTERM, SIG_IGN);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	close(fd);
}

static volatile int vfork_var;

static void test_vfork(void)
{
	volatile int *flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int p[2];
	pid_t pid;

	/*
	 * The parent runs again only when the child has exited: the child
	 * sleeps before its write, which the parent must then see.
	 */
	vfork_var = 0;
	pid = vfork();
	if (pid == 0) {
		struct timespec t = { 0, 100000000 };

		syscall(SYS_nanosleep, &t, NULL);
		flag[0] = 1;
		vfork_var = 5; /* Linux: the same memory as the parent's */
		_exit(3);
	}
	check("vfork-parent-waits-for-exit", flag[0] == 1);
	check_val("vfork-shares-memory", vfork_var, 5);
	check_val("vfork-status", reap(pid), 3);

	/* ... or has exec'd: the new program then waits on a pipe. */
	pipe2(p, O_CLOEXEC);
	pid = vfork();
	if (pid == 0) {
		dup2(p[0], 50); /* without O_CLOEXEC */
		execl(self, self, "waitpipe", NULL);
		_exit(127);
	}
	check_val("vfork-exec-parent-resumes-child-running",
		  waitpid(pid, NULL, WNOHANG), 0);
	close(p[0]);
	write(p[1], "x", 1);
	close(p[1]);
	check_val("vfork-exec-child-status", reap(pid), 4);
	munmap((void *)flag, 4096);
}

/* clone3 without a stack behaves as fork: the child returns here too. */
static long clone3(struct clone_args *a)
{
	return syscall(SYS_clone3, a, sizeof(*a));
}

/*
 * clone3 with CLONE_VM on a stack of its own: the child calls fn on that
 * stack and exits with its value (it must not return through this frame).
 */
static long clone3_vm(struct clone_args *a, int (*fn)(void))
{
	register long r12 asm("r12") = (long)fn;
	long ret;

	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "call *%%r12\n\t"
		     "mov %%eax, %%edi\n\t"
		     "mov $60, %%eax\n\t"
		     "syscall\n\t"
		     "ud2\n"
		     "1:"
		     : "=a"(ret)
		     : "a"((long)SYS_clone3), "D"(a), "S"(sizeof(*a)), "r"(r12)
		     : "rcx", "r11", "memory");
	return ret;
}

static volatile int vm_var;

static int vm_child(void)
{
	struct timespec t = { 0, 100000000 };

	syscall(SYS_nanosleep, &t, NULL);
	vm_var = 9;
	return 6;
}

static void test_clone3(void)
{
	volatile int *flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	static char stack[65536] __attribute__((aligned(16)));
	struct clone_args a;
	long pid;

	memset(&a, 0, sizeof(a));
	a.exit_signal = SIGCHLD;
	pid = clone3(&a);
	if (pid == 0)
		_exit(getppid() > 0 ? 8 : 9);
	check("clone3-fork-returns-pid", pid > 0);
	check_val("clone3-fork-status", reap(pid), 8);

	/* CLONE_VFORK alone: the parent waits, the memory is a copy. */
	memset(&a, 0, sizeof(a));
	a.flags = CLONE_VFORK;
	a.exit_signal = SIGCHLD;
	vm_var = 0;
	pid = clone3(&a);
	if (pid == 0) {
		struct timespec t = { 0, 100000000 };

		syscall(SYS_nanosleep, &t, NULL);
		flag[0] = 1;
		vm_var = 1;
		_exit(5);
	}
	check("clone3-vfork-parent-waits", flag[0] == 1);
	check_val("clone3-vfork-memory-copied", vm_var, 0);
	check_val("clone3-vfork-status", reap(pid), 5);

	/* CLONE_VM | CLONE_VFORK: vfork proper, the child on its own stack. */
	memset(&a, 0, sizeof(a));
	a.flags = CLONE_VM | CLONE_VFORK;
	a.exit_signal = SIGCHLD;
	a.stack = (uintptr_t)stack;
	a.stack_size = sizeof(stack);
	pid = clone3_vm(&a, vm_child);
	check("clone3-vm-vfork-returns-pid", pid > 0);
	check_val("clone3-vm-vfork-child-write-seen", vm_var, 9);
	check_val("clone3-vm-vfork-status", reap(pid), 6);

	memset(&a, 0, sizeof(a));
	check_err("clone3-size-too-small",
		  raw(syscall(SYS_clone3, &a, (size_t)32)), EINVAL);
	a.flags = CLONE_THREAD; /* without CLONE_SIGHAND|CLONE_VM */
	check_err("clone3-thread-without-vm", raw(clone3(&a)), EINVAL);
	munmap((void *)flag, 4096);
}

static int atfork_log[3], atfork_n;

static void at_prepare(void)
{
	atfork_log[atfork_n++ % 3] = 1;
}

static void at_parent(void)
{
	atfork_log[atfork_n++ % 3] = 2;
}

static void at_child(void)
{
	atfork_log[atfork_n++ % 3] = 3;
}

static void test_atfork(void)
{
	pid_t pid;

	pthread_atfork(at_prepare, at_parent, at_child);
	pid = xfork();
	if (pid == 0)
		_exit(atfork_n == 2 && atfork_log[0] == 1 && atfork_log[1] == 3
			  ? 0
			  : 1);
	check("atfork-parent", atfork_n == 2 && atfork_log[1] == 2);
	check_val("atfork-child", reap(pid), 0);
}

static void test_many(void)
{
	pid_t pids[20];
	int bad = 0;

	for (int i = 0; i < 20; i++) {
		pids[i] = xfork();
		if (pids[i] == 0)
			_exit(i);
	}
	for (int i = 19; i >= 0; i--)
		bad += reap(pids[i]) != i;
	check_val("fork-20-children-statuses", bad, 0);
	check_err("wait-no-children", raw(wait(NULL)), ECHILD);
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc > 1 && !strcmp(argv[1], "waitpipe")) {
		char c;

		/* exec'd by test_vfork: fd 50 is the read end. */
		return read(50, &c, 1) == 1 ? 4 : 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	test_returns();
	test_cow();
	test_shared();
	test_pipe();
	test_inherit();
	test_vfork();
	test_clone3();
	test_many();
	test_atfork();
	printf("t_fork: %d failed\n", fails);
	return fails != 0;
}

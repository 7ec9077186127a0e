/*
 * t_seccomp.c - seccomp (tests/guest): prctl's NO_NEW_PRIVS and
 * PR_{GET,SET}_SECCOMP, seccomp(2)'s filter mode with ERRNO, TRAP (a
 * SIGSYS handler reading si_syscall, si_arch, si_errno, si_call_addr),
 * LOG, TRACE and USER_NOTIF without a tracer or listener, stacks where
 * the stricter action wins, filters on arguments, bad programs (EINVAL),
 * bad pointers (EFAULT), EACCES without NO_NEW_PRIVS or CAP_SYS_ADMIN,
 * GET_ACTION_AVAIL, GET_NOTIF_SIZES, and TSYNC. Filters are per thread,
 * so each case runs in a thread of its own and the main thread stays
 * unfiltered until the last case (TSYNC gives every thread a filter).
 *
 * Cases that end the process run alone, as `t_seccomp CASE` (the runner
 * compares the status with the host's): strict (write works, getpid is
 * SIGKILL), strict-exit (exit(2) is allowed: status 3), strict-prctl,
 * kill-process, kill-thread, trap-default, trap-blocked, stack-kill and
 * div-x (a division by X == 0 returns 0: KILL_THREAD), each SIGSYS. In a
 * thread among others, KILL_THREAD and strict mode end that thread only.
 */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"

#define OFF(field) offsetof(struct seccomp_data, field)
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

/* seccomp(2), its result or -errno. */
static long sc(unsigned op, unsigned flags, const void *args)
{
	return raw(syscall(SYS_seccomp, op, flags, args));
}

static long install_flags(struct sock_filter *f, unsigned short n,
			  unsigned flags)
{
	struct sock_fprog p = { .len = n, .filter = f };

	return sc(SECCOMP_SET_MODE_FILTER, flags, &p);
}

/* A filter in the usual shape: the arch checked, then action for nr. */
static long deny_flags(int nr, uint32_t action, unsigned flags)
{
	struct sock_filter f[] = {
		LD(OFF(arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		RET(SECCOMP_RET_KILL_PROCESS),
		LD(OFF(nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		RET(action),
		RET(SECCOMP_RET_ALLOW),
	};

	return install_flags(f, 7, flags);
}

static long deny(int nr, uint32_t action)
{
	return deny_flags(nr, action, 0);
}

static void nnp(void)
{
	check_err("set no_new_privs",
		  raw(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)), 0);
}

static void in_thread(void *(*fn)(void *))
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, NULL) || pthread_join(t, NULL)) {
		printf("FAIL cannot run a thread\n");
		fails++;
	}
}

/* ---- cases run in a thread each ---- */

static void *case_nnp(void *arg)
{
	(void)arg;
	check_val("nnp: 0 at first", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	check_err("nnp: set 2", raw(prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0)),
		  EINVAL);
	check_err("nnp: set with arg3",
		  raw(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0)), EINVAL);
	check_err("nnp: get with arg2",
		  raw(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0)), EINVAL);
	check_err("nnp: set", raw(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)), 0);
	check_val("nnp: 1 after", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	check_val("nnp: mode 0", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	return NULL;
}

static void *case_errno(void *arg)
{
	(void)arg;
	nnp();
	check_err("errno: install", deny(SYS_getpid, SECCOMP_RET_ERRNO | 42),
		  0);
	check_val("errno: mode 2", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
	check_err("errno: getpid", raw(syscall(SYS_getpid)), 42);
	check("errno: gettid still works", syscall(SYS_gettid) > 0);
	/* The data is capped at 4095 (MAX_ERRNO). */
	check_err("errno: install 0xffff",
		  deny(SYS_getppid, SECCOMP_RET_ERRNO | 0xffff), 0);
	check_err("errno: getppid capped", raw(syscall(SYS_getppid)), 4095);
	/* ERRNO with 0: the call is skipped and returns 0. */
	check_err("errno: install 0", deny(SYS_getuid, SECCOMP_RET_ERRNO), 0);
	check_val("errno: getuid 0 unrun", syscall(SYS_getuid), 0);
	return NULL;
}

static void *case_prctl_filter(void *arg)
{
	struct sock_filter f[] = {
		LD(OFF(nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgrp, 0, 1),
		RET(SECCOMP_RET_ERRNO | EPERM),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = { .len = 4, .filter = f };

	(void)arg;
	nnp();
	check_err("prctl: mode 3", raw(prctl(PR_SET_SECCOMP, 3, &p, 0, 0)),
		  EINVAL);
	check_err("prctl: bad pointer",
		  raw(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, BADPTR, 0, 0)),
		  EFAULT);
	check_err("prctl: filter",
		  raw(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p, 0, 0)), 0);
	check_err("prctl: getpgrp", raw(syscall(SYS_getpgrp)), EPERM);
	/* Filter mode, so strict mode is refused. */
	check_err("prctl: strict after filter",
		  sc(SECCOMP_SET_MODE_STRICT, 0, NULL), EINVAL);
	return NULL;
}

static volatile int trap_sig, trap_code, trap_errno, trap_syscall;
static volatile unsigned trap_arch;
static volatile uintptr_t trap_addr;
static volatile long trap_rax;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	trap_sig = sig;
	trap_code = si->si_code;
	trap_errno = si->si_errno;
	trap_syscall = si->si_syscall;
	trap_arch = si->si_arch;
	trap_addr = (uintptr_t)si->si_call_addr;
	trap_rax = ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RAX];
}

static void sigsys_handler(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys,
				.sa_flags = SA_SIGINFO };

	sigaction(SIGSYS, &sa, NULL);
	trap_sig = 0;
}

static void *case_trap(void *arg)
{
	/* TRAP, its data the low 12 bits of the instruction pointer, so
	 * si_errno shows the filter saw the address si_call_addr names. */
	struct sock_filter f[] = {
		LD(OFF(nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 4),
		LD(OFF(instruction_pointer)),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xfff),
		BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_A, 0),
		RET(SECCOMP_RET_ALLOW),
	};
	long r;

	(void)arg;
	nnp();
	sigsys_handler();
	check_err("trap: install", install_flags(f, 7, 0), 0);
	r = syscall(SYS_getpid);
	check_val("trap: SIGSYS", trap_sig, SIGSYS);
	check_val("trap: si_code SYS_SECCOMP", trap_code, 1);
	check_val("trap: si_syscall", trap_syscall, SYS_getpid);
	check_val("trap: si_arch", trap_arch, AUDIT_ARCH_X86_64);
	check("trap: si_call_addr", trap_addr != 0);
	check_val("trap: si_errno is the data", trap_errno, trap_addr & 0xfff);
	check_val("trap: handler's rax is the number", trap_rax, SYS_getpid);
	check_val("trap: the call returns it", r, SYS_getpid);
	signal(SIGSYS, SIG_DFL);
	return NULL;
}

static void *case_stack(void *arg)
{
	(void)arg;
	nnp();
	/* ALLOW below ERRNO: ERRNO. */
	check_err("stack: allow", deny(SYS_getpid, SECCOMP_RET_ALLOW), 0);
	check_err("stack: errno 5", deny(SYS_getpid, SECCOMP_RET_ERRNO | 5), 0);
	check_err("stack: getpid errno 5", raw(syscall(SYS_getpid)), 5);
	/* Two ERRNOs: the newest filter's data. */
	check_err("stack: errno 6", deny(SYS_getpid, SECCOMP_RET_ERRNO | 6), 0);
	check_err("stack: getpid errno 6", raw(syscall(SYS_getpid)), 6);
	/* LOG above ERRNO: ERRNO still. */
	check_err("stack: log", deny(SYS_getpid, SECCOMP_RET_LOG), 0);
	check_err("stack: getpid errno 6 under log", raw(syscall(SYS_getpid)),
		  6);
	/* TRAP beats the ERRNOs, whichever came first. */
	sigsys_handler();
	check_err("stack: trap", deny(SYS_getpid, SECCOMP_RET_TRAP | 7), 0);
	check_err("stack: errno 8 above trap",
		  deny(SYS_getpid, SECCOMP_RET_ERRNO | 8), 0);
	syscall(SYS_getpid);
	check_val("stack: trap wins", trap_sig, SIGSYS);
	check_val("stack: trap's data", trap_errno, 7);
	signal(SIGSYS, SIG_DFL);
	/* Other calls are untouched by all of them. */
	check("stack: getppid allowed", syscall(SYS_getppid) >= 0);
	return NULL;
}

static void *case_actions(void *arg)
{
	(void)arg;
	nnp();
	check_err("actions: log", deny(SYS_getpid, SECCOMP_RET_LOG), 0);
	check_val("actions: log allows", syscall(SYS_getpid), getpid());
	check_err("actions: trace", deny(SYS_getppid, SECCOMP_RET_TRACE | 1),
		  0);
	check_err("actions: no tracer: ENOSYS", raw(syscall(SYS_getppid)),
		  ENOSYS);
	check_err("actions: user notif",
		  deny(SYS_getuid, SECCOMP_RET_USER_NOTIF), 0);
	check_err("actions: no listener: ENOSYS", raw(syscall(SYS_getuid)),
		  ENOSYS);
	return NULL;
}

static void *case_args(void *arg)
{
	/* write(2) to fd 99 is EPERM; to any other fd it runs. */
	struct sock_filter f[] = {
		LD(OFF(nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 0, 5),
		LD(OFF(args[0]) + 4), /* the high word: 0 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
		LD(OFF(args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 99, 0, 1),
		RET(SECCOMP_RET_ERRNO | EPERM),
		RET(SECCOMP_RET_ALLOW),
	};

	(void)arg;
	nnp();
	check_err("args: install", install_flags(f, 8, 0), 0);
	check_err("args: write to 99", raw(write(99, "x", 1)), EPERM);
	check_err("args: write to 98 runs", raw(write(98, "x", 1)), EBADF);
	fflush(stdout);
	check("args: stdout still written", 1);
	return NULL;
}

static void *case_bad(void *arg)
{
	struct sock_filter ok[] = { RET(SECCOMP_RET_ALLOW) };
	struct sock_filter jump[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_filter offset[] = { LD(64), RET(SECCOMP_RET_ALLOW) };
	struct sock_filter unaligned[] = { LD(2), RET(SECCOMP_RET_ALLOW) };
	struct sock_filter div0[] = {
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_filter noret[] = { LD(0), LD(4) };
	struct sock_filter mod[] = {
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_filter half[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_filter mem[] = {
		BPF_STMT(BPF_LD | BPF_MEM, 0),
		RET(SECCOMP_RET_ALLOW),
	};
	static struct sock_filter big[BPF_MAXINSNS + 1];
	struct sock_fprog p = { .len = 1, .filter = BADPTR };

	(void)arg;
	nnp();
	check_err("bad: empty", install_flags(ok, 0, 0), EINVAL);
	for (int i = 0; i <= BPF_MAXINSNS; i++)
		big[i] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	check_err("bad: 4097 long", install_flags(big, BPF_MAXINSNS + 1, 0),
		  EINVAL);
	check_err("bad: jump past the end", install_flags(jump, 2, 0), EINVAL);
	check_err("bad: offset 64", install_flags(offset, 2, 0), EINVAL);
	check_err("bad: offset 2", install_flags(unaligned, 2, 0), EINVAL);
	check_err("bad: division by 0", install_flags(div0, 2, 0), EINVAL);
	check_err("bad: no return", install_flags(noret, 2, 0), EINVAL);
	check_err("bad: BPF_MOD", install_flags(mod, 2, 0), EINVAL);
	check_err("bad: half-word load", install_flags(half, 2, 0), EINVAL);
	check_err("bad: memory unwritten", install_flags(mem, 2, 0), EINVAL);
	check_err("bad: unknown flag", install_flags(ok, 1, 1u << 30), EINVAL);
	check_err("bad: unknown op", sc(99, 0, NULL), EINVAL);
	check_err("bad: strict with flags",
		  sc(SECCOMP_SET_MODE_STRICT, 1, NULL), EINVAL);
	check_err("bad: strict with args", sc(SECCOMP_SET_MODE_STRICT, 0, &p),
		  EINVAL);
	check_err("bad: fprog pointer", sc(SECCOMP_SET_MODE_FILTER, 0, BADPTR),
		  EFAULT);
	check_err("bad: filter pointer", sc(SECCOMP_SET_MODE_FILTER, 0, &p),
		  EFAULT);
	p.filter = KPTR;
	check_err("bad: kernel filter pointer",
		  sc(SECCOMP_SET_MODE_FILTER, 0, &p), EFAULT);
	check_val("bad: still mode 0", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	/* The flags that need no listener are accepted. */
	check_err("bad: LOG|SPEC_ALLOW accepted",
		  install_flags(ok, 1,
				SECCOMP_FILTER_FLAG_LOG |
				    SECCOMP_FILTER_FLAG_SPEC_ALLOW),
		  0);
	return NULL;
}

static void *case_info(void *arg)
{
	static const uint32_t known[] = {
		SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD,
		SECCOMP_RET_TRAP,	  SECCOMP_RET_ERRNO,
		SECCOMP_RET_USER_NOTIF,	  SECCOMP_RET_TRACE,
		SECCOMP_RET_LOG,	  SECCOMP_RET_ALLOW,
	};
	struct seccomp_notif_sizes sz;
	uint32_t action;
	int avail = 0;

	(void)arg;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		avail += syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0,
				 &known[i]) == 0;
	check_val("info: actions available", avail, 8);
	action = 0x00010000;
	check_err("info: unknown action",
		  sc(SECCOMP_GET_ACTION_AVAIL, 0, &action), EOPNOTSUPP);
	check_err("info: action bad pointer",
		  sc(SECCOMP_GET_ACTION_AVAIL, 0, BADPTR), EFAULT);
	check_err("info: action with flags",
		  sc(SECCOMP_GET_ACTION_AVAIL, 1, &known[0]), EINVAL);
	check_err("info: notif sizes", sc(SECCOMP_GET_NOTIF_SIZES, 0, &sz), 0);
	check_val("info: seccomp_notif", sz.seccomp_notif, 80);
	check_val("info: seccomp_notif_resp", sz.seccomp_notif_resp, 24);
	check_val("info: seccomp_data", sz.seccomp_data, 64);
	check_err("info: sizes bad pointer",
		  sc(SECCOMP_GET_NOTIF_SIZES, 0, BADPTR), EFAULT);
	return NULL;
}

/* Without NO_NEW_PRIVS a filter needs CAP_SYS_ADMIN. */
static void set_sys_admin(int on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	syscall(SYS_capget, &h, d);
	if (on)
		d[CAP_SYS_ADMIN / 32].effective |= 1u << (CAP_SYS_ADMIN % 32);
	else
		d[CAP_SYS_ADMIN / 32].effective &=
		    ~(1u << (CAP_SYS_ADMIN % 32));
	check_err(on ? "eacces: CAP_SYS_ADMIN back" : "eacces: drop it",
		  raw(syscall(SYS_capset, &h, d)), 0);
}

static void *case_eacces(void *arg)
{
	struct sock_filter ok[] = { RET(SECCOMP_RET_ALLOW) };
	struct sock_fprog p = { .len = 1, .filter = ok };

	(void)arg;
	set_sys_admin(0);
	check_err("eacces: filter", install_flags(ok, 1, 0), EACCES);
	check_err("eacces: prctl filter",
		  raw(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p, 0, 0)),
		  EACCES);
	nnp();
	check_err("eacces: with no_new_privs", install_flags(ok, 1, 0), 0);
	set_sys_admin(1);
	return NULL;
}

static void *case_root(void *arg)
{
	struct sock_filter ok[] = { RET(SECCOMP_RET_ALLOW) };

	(void)arg;
	/* Root (CAP_SYS_ADMIN) needs no NO_NEW_PRIVS. */
	check_err("root: filter without nnp", install_flags(ok, 1, 0), 0);
	check_val("root: nnp still 0", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
		  0);
	return NULL;
}

static void say(const char *s)
{
	write(1, s, strlen(s));
}

/* KILL_THREAD and strict mode end the thread alone, as a join sees. */
static void *victim_kill(void *arg)
{
	(void)arg;
	nnp();
	deny(SYS_getpid, SECCOMP_RET_KILL_THREAD);
	syscall(SYS_getpid);
	say("FAIL kill-thread: the thread lives on\n");
	return NULL;
}

static void *victim_strict(void *arg)
{
	(void)arg;
	fflush(stdout);
	syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL);
	say("strict thread: write works\n");
	syscall(SYS_getpid);
	say("FAIL strict thread: getpid ran\n");
	return NULL;
}

/* ---- TSYNC: threads that wait until told to look ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stage;
static volatile long helper_tid;
static int helper_own_filter;

static void wait_stage(int s)
{
	pthread_mutex_lock(&lock);
	while (stage < s)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

static void set_stage(int s)
{
	pthread_mutex_lock(&lock);
	stage = s;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void *helper(void *arg)
{
	(void)arg;
	helper_tid = syscall(SYS_gettid);
	if (helper_own_filter) {
		nnp();
		deny(SYS_getsid, SECCOMP_RET_ERRNO | 1);
	}
	set_stage(1);
	wait_stage(2);
	if (!helper_own_filter)
		check_err("tsync: the other thread filtered too",
			  raw(syscall(SYS_getppid)), EHOSTDOWN);
	return NULL;
}

static void tsync_refused(void)
{
	pthread_t t;
	long r;

	stage = 0;
	helper_own_filter = 1;
	pthread_create(&t, NULL, helper, NULL);
	wait_stage(1);
	/* The helper has a filter that is not an ancestor of ours. */
	r = deny_flags(SYS_getppid, SECCOMP_RET_ERRNO | EHOSTDOWN,
		       SECCOMP_FILTER_FLAG_TSYNC);
	check("tsync: refused with the helper's tid", r == helper_tid);
	r = deny_flags(SYS_getppid, SECCOMP_RET_ERRNO | EHOSTDOWN,
		       SECCOMP_FILTER_FLAG_TSYNC |
			   SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
	check_err("tsync: refused with ESRCH", r, ESRCH);
	check("tsync: getppid still runs", syscall(SYS_getppid) >= 0);
	set_stage(2);
	pthread_join(t, NULL);
}

/* The last case: every thread, this one too, gets the filter. */
static void tsync(void)
{
	pthread_t t;

	tsync_refused();
	stage = 0;
	helper_own_filter = 0;
	pthread_create(&t, NULL, helper, NULL);
	wait_stage(1);
	nnp();
	check_err("tsync: install",
		  deny_flags(SYS_getppid, SECCOMP_RET_ERRNO | EHOSTDOWN,
			     SECCOMP_FILTER_FLAG_TSYNC),
		  0);
	check_err("tsync: this thread", raw(syscall(SYS_getppid)), EHOSTDOWN);
	set_stage(2);
	pthread_join(t, NULL);
	check_val("tsync: mode 2", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
}

/* ---- cases that end the process ---- */

static int dying(const char *what)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t set;

	setrlimit(RLIMIT_CORE, &no_core);
	printf("t_seccomp %s\n", what);
	fflush(stdout);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (!strcmp(what, "strict") || !strcmp(what, "strict-exit") ||
	    !strcmp(what, "strict-prctl")) {
		if (!strcmp(what, "strict-prctl"))
			prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
		else
			syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL);
		say("strict: write works\n");
		if (!strcmp(what, "strict-exit"))
			syscall(SYS_exit, 3);
		syscall(SYS_getpid); /* SIGKILL */
	} else if (!strcmp(what, "kill-process")) {
		deny(SYS_getpid, SECCOMP_RET_KILL_PROCESS);
		syscall(SYS_getpid);
	} else if (!strcmp(what, "kill-thread")) {
		deny(SYS_getpid, SECCOMP_RET_KILL_THREAD);
		syscall(SYS_getpid);
	} else if (!strcmp(what, "trap-default")) {
		deny(SYS_getpid, SECCOMP_RET_TRAP);
		syscall(SYS_getpid);
	} else if (!strcmp(what, "trap-blocked")) {
		sigsys_handler();
		sigemptyset(&set);
		sigaddset(&set, SIGSYS);
		sigprocmask(SIG_BLOCK, &set, NULL);
		deny(SYS_getpid, SECCOMP_RET_TRAP);
		syscall(SYS_getpid);
	} else if (!strcmp(what, "stack-kill")) {
		sigsys_handler();
		deny(SYS_getpid, SECCOMP_RET_ERRNO | 1);
		deny(SYS_getpid, SECCOMP_RET_KILL_PROCESS);
		deny(SYS_getpid, SECCOMP_RET_TRAP);
		syscall(SYS_getpid);
	} else if (!strcmp(what, "div-x")) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LDX | BPF_IMM, 0),
			BPF_STMT(BPF_LD | BPF_IMM, 7),
			BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
			RET(SECCOMP_RET_ALLOW),
		};

		install_flags(f, 4, 0);
		syscall(SYS_getpid); /* never gets here: the install kills */
	} else {
		printf("unknown case\n");
		return 2;
	}
	say("not killed\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return dying(argv[1]);
	in_thread(case_nnp);
	check_val("nnp: main thread untouched",
		  prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	in_thread(case_errno);
	check("errno: main thread's getpid", syscall(SYS_getpid) == getpid());
	in_thread(case_prctl_filter);
	in_thread(case_trap);
	in_thread(case_stack);
	in_thread(case_actions);
	in_thread(case_args);
	in_thread(case_bad);
	in_thread(case_info);
	in_thread(case_root);
	in_thread(case_eacces);
	in_thread(victim_kill);
	check("kill-thread: the process lives on", 1);
	in_thread(victim_strict);
	check("strict thread: the process lives on", 1);
	check_val("main: mode 0", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	tsync();
	printf("t_seccomp: %d failed\n", fails);
	return fails != 0;
}

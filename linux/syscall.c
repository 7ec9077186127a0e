/*
 * syscall.c - the system call table and dispatch (linux/). Numbers and
 * names come from Linux's own header (scripts/syscall-names.sh), the
 * implemented set from linux/syscalls.h. An unimplemented call returns
 * -ENOSYS and is logged once by name; keel.strace on the command line
 * prints every call with its arguments and result (as strace(1) does,
 * strace.c).
 */
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include <keel/syscall.h>

#include "linux.h"
#include "strace.h"
#include "sysnr.h"

static const char *const names[] = {
#define SYSNAME(nr, name) [nr] = #name,
#include <syscall_names.h>
#undef SYSNAME
};
#define NR_MAX (sizeof(names) / sizeof(names[0]))

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "syscalls.h"
#undef SYSCALL

static const syscall_fn table[NR_MAX] = {
#define SYSCALL(name) [NR_##name] = sys_##name,
#include "syscalls.h"
#undef SYSCALL
};

static uint64_t logged[(NR_MAX + 63) / 64];
static int tracing = -1;

const char *syscall_name(unsigned long nr)
{
	return nr < NR_MAX ? names[nr] : NULL;
}

static long unimplemented(unsigned long nr)
{
	if (nr >= NR_MAX) {
		WARN_ONCE("keel: unknown syscall %lu: ENOSYS\n", nr);
		return -ENOSYS;
	}
	if (!(logged[nr / 64] & (1ULL << (nr % 64)))) {
		logged[nr / 64] |= 1ULL << (nr % 64);
		printk("keel: syscall %s (%lu) is not implemented: ENOSYS\n",
		       names[nr] ? names[nr] : "?", nr);
	}
	return -ENOSYS;
}

/* Run syscall nr: a thread with seccomp filters (or strict mode) has them
 * decide first; for the others that costs one test of its mode. */
static long run_syscall(unsigned long nr, const long *a)
{
	struct uthread *u = current_thread()->user;
	long ret;

	if (u && unlikely(u->seccomp.mode) && seccomp_syscall(u, nr, a, &ret))
		return ret; /* not run: ret is what seccomp decided */
	if (nr < NR_MAX && table[nr])
		return table[nr](a);
	return unimplemented(nr);
}

/*
 * Under keel.strace: the call as strace(1) shows it. The arguments are
 * read before the call (they are its inputs, and execve's are gone after
 * it), or after it for a call whose line shows what it wrote (read's
 * data); the buffers live only in this frame, not in every call's.
 */
static __attribute__((noinline)) long traced_syscall(unsigned long nr,
						     const long *a)
{
	char call[STRACE_LINE], res[STRACE_RET];
	bool after = strace_after(nr);
	long ret;

	if (!after)
		strace_call(call, sizeof(call), nr, syscall_name(nr), a);
	if (nr == NR_exit || nr == NR_exit_group) /* no return to show */
		printk("strace: %s = ?\n", call);
	ret = run_syscall(nr, a);
	if (after)
		strace_call_done(call, sizeof(call), nr, syscall_name(nr), a,
				 ret);
	strace_ret(res, sizeof(res), nr, ret);
	printk("strace: %s = %s\n", call, res);
	return ret;
}

/* kernel/entry.c's syscall_dispatch calls this for every system call. */
static long linux_syscall(unsigned long nr, const long *a)
{
	if (unlikely(tracing < 0))
		tracing = cmdline_get("keel.strace") != NULL;
	if (unlikely(tracing))
		return traced_syscall(nr, a);
	return run_syscall(nr, a);
}

/* The layers below call linux/ only through what it registers here. */
void linux_init(void)
{
	syscall_set_handler(linux_syscall);
	aio_init();
	threads_init();
	pidfd_init();
	timers_init();
	vdso_init();
}

/*
 * syscall.c - the system call table and dispatch (linux/). Numbers and
 * names come from Linux's own header (scripts/syscall-names.sh), the
 * implemented set from linux/syscalls.h. An unimplemented call returns
 * -ENOSYS and is logged once by name; keel.strace on the command line
 * prints every call with its arguments and result.
 */
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include <keel/syscall.h>

#include "linux.h"

enum {
#define SYSNAME(nr, name) NR_##name = nr,
#include <syscall_names.h>
#undef SYSNAME
	NR_COUNT_PLUS_ONE
};

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

/*
 * Run syscall nr: kernel/entry.c's syscall_dispatch calls this. A thread
 * with seccomp filters (or strict mode) has them decide first; for the
 * others that costs one test of its mode.
 */
static long linux_syscall(unsigned long nr, const long *a)
{
	struct uthread *u = current_thread()->user;
	long ret;

	if (tracing < 0)
		tracing = cmdline_get("keel.strace") != NULL;
	if (u && unlikely(u->seccomp.mode) && seccomp_syscall(u, nr, a, &ret))
		; /* not run: ret is what seccomp decided */
	else if (nr < NR_MAX && table[nr])
		ret = table[nr](a);
	else
		ret = unimplemented(nr);
	if (tracing)
		printk("strace: %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %ld\n",
		       nr < NR_MAX && names[nr] ? names[nr] : "?", a[0], a[1],
		       a[2], a[3], a[4], a[5], ret);
	return ret;
}

/* The layers below call linux/ only through what it registers here. */
void linux_init(void)
{
	syscall_set_handler(linux_syscall);
	aio_init();
	threads_init();
	pidfd_init();
	timers_init();
}

/*
 * sys_seccomp.c - seccomp's system-call face (linux/): seccomp(2), the
 * prctl operations PR_{SET,GET}_NO_NEW_PRIVS and PR_{SET,GET}_SECCOMP,
 * and what a thread's filters decide before each of its system calls
 * (linux/syscall.c calls seccomp_syscall when the thread's mode is not
 * 0). The programs, their check and the stacks of filters are
 * kernel/seccomp.c's. Both the mode with its filters and no_new_privs
 * are per thread, as in Linux, kept in struct uthread. docs/linux.md,
 * "seccomp".
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/seccomp.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>

#include "linux.h"

#define PR_GET_SECCOMP 21
#define PR_SET_SECCOMP 22
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39

#define SYS_SECCOMP 1 /* SIGSYS's si_code */

/* Linux's struct seccomp_notif_sizes, with the sizes it reports. */
struct seccomp_notif_sizes {
	uint16_t seccomp_notif, seccomp_notif_resp, seccomp_data;
};

/* Lines logged for LOG actions and logged filters, at most. */
#define LOG_LINES 32

/* ---- before each system call ---- */

static void log_action(const char *what, unsigned long nr, uint32_t ret)
{
	static int lines;
	const char *name = syscall_name(nr);

	if (lines > LOG_LINES)
		return;
	if (++lines > LOG_LINES) {
		printk("keel: seccomp: more actions not logged\n");
		return;
	}
	printk("keel: seccomp: %s %s (%lu), filter returned %#x\n", what,
	       name ? name : "?", nr, ret);
}

SYSCALL_DEFINE(exit); /* sys_thread.c: one thread ends */

static int count_thread(struct uthread *u, void *arg)
{
	(void)u;
	++*(int *)arg;
	return 0;
}

/*
 * The call is not allowed: the thread ends, killed by sig (SIGKILL in
 * strict mode, SIGSYS for a filter). A thread among others ends alone
 * (KILL_THREAD, strict mode; as exit(2) ends it, so a join sees it go);
 * the last thread, or any for KILL_PROCESS, ends the process
 * (signal_die: the status shows the core flag of SIGSYS, as Linux's).
 */
static __noreturn void kill_thread(int sig, bool process, unsigned long nr,
				   uint32_t ret)
{
	const char *name = syscall_name(nr);
	const long args[6] = { 0 };
	int threads = 0;

	uthread_for_each(count_thread, &threads);
	printk("keel: seccomp: %s (%lu) not allowed (%s %#x): %s ends the "
	       "%s\n",
	       name ? name : "?", nr,
	       sig == SIGKILL ? "strict mode" : "filter returned", ret,
	       sig == SIGKILL ? "SIGKILL" : "SIGSYS",
	       process || threads < 2 ? "process" : "thread");
	if (process || threads < 2)
		signal_die(sig);
	sys_exit(args);
	__builtin_unreachable();
}

/*
 * SECCOMP_RET_TRAP: SIGSYS for the thread, the call not run. Linux
 * forces the signal: blocked or ignored, it kills as its default would.
 */
static void trap(unsigned long nr, uint32_t data, uint64_t ip)
{
	struct ksigaction act;
	struct ksiginfo info;
	int32_t call = (int32_t)nr;
	uint32_t arch = AUDIT_ARCH_X86_64;

	memset(&info, 0, sizeof(info));
	info.signo = SIGSYS;
	info.err = (int32_t)data;
	info.code = SYS_SECCOMP;
	/* siginfo's _sigsys: si_call_addr, si_syscall, si_arch. */
	memcpy(info.bytes, &ip, sizeof(ip));
	memcpy(info.bytes + 8, &call, sizeof(call));
	memcpy(info.bytes + 12, &arch, sizeof(arch));
	signal_action(SIGSYS, NULL, &act);
	if (act.handler == SIG_DFL || act.handler == SIG_IGN ||
	    (signal_procmask(SIG_BLOCK, NULL) & SIGBIT(SIGSYS)))
		kill_thread(SIGSYS, true, nr, SECCOMP_RET_TRAP | data);
	signal_send_to(signal_self(), SIGSYS, &info);
}

bool seccomp_syscall(struct uthread *u, unsigned long nr, const long *a,
		     long *ret)
{
	const struct seccomp_filter *match;
	struct seccomp_data d;
	uint32_t r, data;

	if (u->seccomp.mode == SECCOMP_MODE_STRICT) {
		if (seccomp_strict_allowed((long)nr))
			return false;
		kill_thread(SIGKILL, false, nr, 0);
	}
	d.nr = (int32_t)nr;
	d.arch = AUDIT_ARCH_X86_64;
	d.instruction_pointer = arch_user_ip();
	for (int i = 0; i < 6; i++)
		d.args[i] = (uint64_t)a[i];
	r = seccomp_run_filters(&u->seccomp, &d, &match);
	data = r & SECCOMP_RET_DATA;
	switch (r & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
		return false;
	case SECCOMP_RET_LOG:
		log_action("log:", nr, r);
		return false;
	case SECCOMP_RET_ERRNO:
		if (match && match->log)
			log_action("errno:", nr, r);
		*ret = -(long)MIN(data, (uint32_t)MAX_ERRNO);
		return true;
	case SECCOMP_RET_TRACE: /* no tracer: ENOSYS, as Linux */
	case SECCOMP_RET_USER_NOTIF: /* no listener (keel makes none) */
		if (match && match->log)
			log_action("trace/notify: ENOSYS:", nr, r);
		*ret = -ENOSYS;
		return true;
	case SECCOMP_RET_TRAP:
		if (match && match->log)
			log_action("trap:", nr, r);
		trap(nr, data, d.instruction_pointer);
		/* As Linux's rollback: the handler sees rax = nr, which the
		 * interrupted call then returns. */
		*ret = (long)nr;
		return true;
	case SECCOMP_RET_KILL_THREAD:
		kill_thread(SIGSYS, false, nr, r);
	default: /* KILL_PROCESS and unknown actions */
		kill_thread(SIGSYS, true, nr, r);
	}
}

/* ---- clone and the end of a thread ---- */

void seccomp_thread_fork(struct uthread *child, const struct uthread *parent)
{
	seccomp_fork(&child->seccomp, &parent->seccomp);
	child->no_new_privs = parent->no_new_privs;
}

void seccomp_thread_release(struct uthread *u)
{
	seccomp_release(&u->seccomp);
}

/* ---- seccomp(2) ---- */

/* TSYNC: can every other thread take the caller's filters? */
struct tsync {
	struct uthread *self;
	bool esrch;
};

static int tsync_check(struct uthread *u, void *arg)
{
	struct tsync *t = arg;

	if (u == t->self || u->seccomp.mode == SECCOMP_MODE_DISABLED)
		return 0;
	if (u->seccomp.mode == SECCOMP_MODE_FILTER &&
	    seccomp_filter_is_ancestor(u->seccomp.filter,
				       t->self->seccomp.filter))
		return 0;
	return t->esrch ? -ESRCH : u->tid; /* the first that cannot */
}

/* Give every other thread the caller's filters (their old ones are in
 * the caller's chain, so nothing is freed here, under the lock). */
static int tsync_apply(struct uthread *u, void *arg)
{
	struct tsync *t = arg;

	if (u != t->self) {
		seccomp_sync(&u->seccomp, &t->self->seccomp);
		if (t->self->no_new_privs)
			u->no_new_privs = true;
	}
	return 0;
}

/* The program of the struct sock_fprog at ufprog, checked: a filter. */
static struct seccomp_filter *filter_from_user(struct uthread *u, long ufprog)
{
	struct seccomp_filter *f;
	struct sock_filter *insns;
	struct sock_fprog fp;

	if (copy_from_user(&fp, (const void *)ufprog, sizeof(fp)))
		return ERR_PTR(-EFAULT);
	if (fp.len == 0 || fp.len > BPF_MAXINSNS)
		return ERR_PTR(-EINVAL);
	/* Only with no_new_privs may an unprivileged thread filter. */
	if (!u->no_new_privs && !cred_capable(CAP_SYS_ADMIN))
		return ERR_PTR(-EACCES);
	insns = kmalloc(fp.len * sizeof(*insns));
	if (!insns)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(insns, (const void *)fp.filter,
			   fp.len * sizeof(*insns)))
		f = ERR_PTR(-EFAULT);
	else
		f = seccomp_filter_new(insns, fp.len);
	kfree(insns);
	return f;
}

static long set_mode_filter(unsigned flags, long ufprog)
{
	const unsigned known =
	    SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
	    SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	struct uthread *u = uthread_self();
	struct tsync t = { .self = u,
			   .esrch = flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH };
	struct seccomp_filter *f;
	long err;

	if (flags & (SECCOMP_FILTER_FLAG_NEW_LISTENER |
		     SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
		WARN_ONCE("keel: seccomp: no user notification (a "
			  "listener): EINVAL\n");
	if (flags & ~known)
		return -EINVAL;
	f = filter_from_user(u, ufprog);
	if (IS_ERR(f))
		return PTR_ERR(f);
	f->log = flags & SECCOMP_FILTER_FLAG_LOG;
	/* SPEC_ALLOW: keel sets no speculation mitigation to leave off. */
	if ((flags & SECCOMP_FILTER_FLAG_TSYNC) &&
	    (err = uthread_for_each(tsync_check, &t))) {
		seccomp_filter_put(f);
		return err;
	}
	err = seccomp_attach(&u->seccomp, f);
	if (err) {
		seccomp_filter_put(f);
		return err;
	}
	if (flags & SECCOMP_FILTER_FLAG_TSYNC)
		uthread_for_each(tsync_apply, &t);
	return 0;
}

static long do_seccomp(unsigned op, unsigned flags, long uargs)
{
	static const struct seccomp_notif_sizes sizes = { 80, 24, 64 };
	uint32_t action;

	switch (op) {
	case SECCOMP_SET_MODE_STRICT:
		if (flags || uargs)
			return -EINVAL;
		return seccomp_set_strict(&uthread_self()->seccomp);
	case SECCOMP_SET_MODE_FILTER:
		return set_mode_filter(flags, uargs);
	case SECCOMP_GET_ACTION_AVAIL:
		if (flags)
			return -EINVAL;
		if (copy_from_user(&action, (const void *)uargs,
				   sizeof(action)))
			return -EFAULT;
		return seccomp_action_known(action) ? 0 : -EOPNOTSUPP;
	case SECCOMP_GET_NOTIF_SIZES:
		if (flags)
			return -EINVAL;
		return copy_to_user((void *)uargs, &sizes, sizeof(sizes))
			   ? -EFAULT
			   : 0;
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE(seccomp)
{
	return do_seccomp((unsigned)a[0], (unsigned)a[1], a[2]);
}

long seccomp_prctl(const long *a)
{
	struct uthread *u = uthread_self();

	switch ((int)a[0]) {
	case PR_SET_NO_NEW_PRIVS:
		if (a[1] != 1 || a[2] || a[3] || a[4])
			return -EINVAL;
		u->no_new_privs = true; /* for good, and for its children */
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a[1] || a[2] || a[3] || a[4])
			return -EINVAL;
		return u->no_new_privs;
	case PR_GET_SECCOMP:
		return u->seccomp.mode;
	case PR_SET_SECCOMP:
		/* prctl has no flags; strict mode ignores the pointer. */
		if (a[1] == SECCOMP_MODE_STRICT)
			return do_seccomp(SECCOMP_SET_MODE_STRICT, 0, 0);
		if (a[1] == SECCOMP_MODE_FILTER)
			return do_seccomp(SECCOMP_SET_MODE_FILTER, 0, a[2]);
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

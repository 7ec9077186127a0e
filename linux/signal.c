/*
 * signal.c - the signal system calls (linux/): rt_sigaction,
 * rt_sigprocmask, rt_sigreturn, rt_sigpending, rt_sigtimedwait,
 * rt_sigsuspend, pause, sigaltstack, kill, tgkill, tkill,
 * rt_sigqueueinfo, rt_tgsigqueueinfo. Each checks and copies its
 * arguments and calls kernel/signal.c, which keeps the actions, masks
 * and pending sets and delivers (the frame is the architecture's:
 * arch_signal_setup, undone here by arch_signal_return). Timers are in
 * sys_timer.c, signalfd in signalfd.c.
 */
#include <keel/errno.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>

#include "linux.h"

/* To thread u (of any process), or to the caller's process (u NULL). */
int signal_send(struct uthread *u, int sig, const struct ksiginfo *info)
{
	return signal_send_to(u ? u->sig : NULL, sig, info);
}

static int get_sigset(long uaddr, long size, uint64_t *set)
{
	if (size != 8)
		return -EINVAL;
	if (copy_from_user(set, (void *)uaddr, sizeof(*set)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(rt_sigaction)
{
	int sig = (int)a[0];
	struct ksigaction act, old;
	int err;

	if (sig < 1 || sig > KSIG_MAX || a[3] != 8)
		return -EINVAL;
	if (a[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (a[1] && copy_from_user(&act, (void *)a[1], sizeof(act)))
		return -EFAULT;
	err = signal_action(sig, a[1] ? &act : NULL, &old);
	if (err)
		return err;
	if (a[2] && copy_to_user((void *)a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(rt_sigprocmask)
{
	uint64_t set = 0, old;

	if (a[3] != 8)
		return -EINVAL;
	if (a[1] && copy_from_user(&set, (void *)a[1], sizeof(set)))
		return -EFAULT;
	if (a[1] && (a[0] < SIG_BLOCK || a[0] > SIG_SETMASK))
		return -EINVAL;
	old = signal_procmask((int)a[0], a[1] ? &set : NULL);
	if (a[2] && copy_to_user((void *)a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(rt_sigreturn)
{
	struct kstack st;
	uint64_t mask;
	long rax;

	(void)a;
	if (arch_signal_return(&mask, &st, &rax)) {
		printk("keel: rt_sigreturn: the signal frame is unreadable or "
		       "corrupt\n");
		signal_die(SIGSEGV);
	}
	signal_restore(mask, &st);
	return rax;
}

SYSCALL_DEFINE(rt_sigpending)
{
	uint64_t set;

	if (a[1] < 0 || a[1] > 8)
		return -EINVAL;
	set = signal_pending_blocked();
	if (copy_to_user((void *)a[0], &set, (size_t)a[1]))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(rt_sigtimedwait)
{
	struct ksiginfo info;
	struct linux_timespec ts;
	uint64_t set, deadline = 0;
	int sig, err;

	if ((err = get_sigset(a[0], a[3], &set)))
		return err;
	if (a[2]) {
		if ((err = get_timespec(a[2], &ts)))
			return err;
		deadline = time_now_ns() + timespec_to_ns(&ts);
		if (!deadline)
			deadline = 1;
	}
	sig = signal_wait(set, deadline, &info);
	if (sig < 0)
		return sig;
	if (a[1] && copy_to_user((void *)a[1], &info, sizeof(info)))
		return -EFAULT;
	return sig;
}

SYSCALL_DEFINE(rt_sigsuspend)
{
	uint64_t mask;
	int err = get_sigset(a[0], a[1], &mask);

	return err ? err : signal_suspend(mask);
}

SYSCALL_DEFINE(pause)
{
	(void)a;
	return signal_suspend(signal_procmask(SIG_BLOCK, NULL));
}

SYSCALL_DEFINE(sigaltstack)
{
	struct kstack st, old;
	int err;

	if (a[0] && copy_from_user(&st, (void *)a[0], sizeof(st)))
		return -EFAULT;
	err = signal_altstack(a[0] ? &st : NULL, &old);
	if (err)
		return err;
	if (a[1] && copy_to_user((void *)a[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/*
 * The thread tid, in process tgid (-1: any), which the caller may send
 * sig to: 0 with *u set, -ESRCH or -EPERM.
 */
static long find_thread(long tgid, long tid, long sig, struct uthread **u)
{
	struct process *p;

	*u = uthread_find((int)tid);
	if (!*u || !(*u)->sig)
		return -ESRCH;
	p = (*u)->sig->proc;
	if (tgid != -1 && tgid != p->pid)
		return -ESRCH;
	return signal_may_kill(p, (int)sig) ? 0 : -EPERM;
}

static long kill_thread(long tgid, long tid, long sig, int code)
{
	struct ksiginfo info;
	struct uthread *u;
	long err;

	if (sig < 0 || sig > KSIG_MAX || tid <= 0)
		return -EINVAL;
	if ((err = find_thread(tgid, tid, sig, &u)) || !sig)
		return err;
	signal_fill_info(&info, (int)sig, code);
	return signal_send(u, (int)sig, &info);
}

/* kill(-1): every process but init and the caller, those it may signal. */
static int everyone(struct process *p, void *arg)
{
	long sig = *(long *)arg;

	if (p->pid == 1 || p == current_process())
		return 0;
	return signal_may_kill(p, (int)sig) ? 1 : -EPERM;
}

struct group {
	int pgid;
	long sig;
};

static int in_group(struct process *p, void *arg)
{
	const struct group *g = arg;

	if (signal_pgid(p) != g->pgid)
		return 0;
	return signal_may_kill(p, (int)g->sig) ? 1 : -EPERM;
}

/* Send (sig 0: look for) to process pid, which the caller may signal. */
static long kill_one(long pid, long sig, const struct ksiginfo *info)
{
	struct process *p = process_get((int)pid);
	long err = 0;

	if (!p)
		return -ESRCH;
	if (!signal_may_kill(p, (int)sig))
		err = -EPERM;
	if (p == current_process()) /* the caller's own end may come now */
		process_put(p);
	if (!err && sig)
		err = signal_send_proc(p, (int)sig, info);
	if (p != current_process())
		process_put(p);
	return err;
}

SYSCALL_DEFINE(kill)
{
	struct ksiginfo info;
	int pid = (int)a[0];
	long sig = a[1];
	struct group g = { 0, sig };
	int n;

	if (sig < 0 || sig > KSIG_MAX)
		return -EINVAL;
	if (pid == INT32_MIN) /* no group -INT_MIN */
		return -ESRCH;
	signal_fill_info(&info, (int)sig, SI_USER);
	if (pid > 0)
		return kill_one(pid, sig, &info);
	if (pid == -1) {
		n = signal_send_each(everyone, &sig, (int)sig, &info);
		/* Linux: refusals alone are no error for -1 (for a group
		 * they are: EPERM). */
		if (n == -EPERM)
			n = 0;
	} else {
		g.pgid = pid ? -pid : signal_pgid(current_process());
		n = signal_send_each(in_group, &g, (int)sig, &info);
	}
	return n < 0 ? n : 0;
}

SYSCALL_DEFINE(tgkill)
{
	if (a[0] <= 0)
		return -EINVAL;
	return kill_thread(a[0], a[1], a[2], SI_TKILL);
}

SYSCALL_DEFINE(tkill)
{
	return kill_thread(-1, a[0], a[1], SI_TKILL);
}

/*
 * sigqueue: the caller's own siginfo, which may not pass for the
 * kernel's or kill's (si_code >= 0, SI_TKILL) when sent to another
 * process (EPERM, as Linux).
 */
static long queue_info(long tgid, long tid, long sig, long uinfo)
{
	struct ksiginfo info;
	struct uthread *u;
	long err;

	if (sig < 0 || sig > KSIG_MAX)
		return -EINVAL;
	if (copy_from_user(&info, (void *)uinfo, sizeof(info)))
		return -EFAULT;
	if (tgid != current_process()->pid &&
	    (info.code >= 0 || info.code == SI_TKILL))
		return -EPERM;
	info.signo = (int)sig;
	if (tid < 0)
		return tgid > 0 ? kill_one(tgid, sig, &info) : -ESRCH;
	if ((err = find_thread(tgid, tid, sig, &u)) || !sig)
		return err;
	return signal_send(u, (int)sig, &info);
}

SYSCALL_DEFINE(rt_sigqueueinfo)
{
	return queue_info(a[0], -1, a[1], a[2]);
}

SYSCALL_DEFINE(rt_tgsigqueueinfo)
{
	if (a[1] <= 0)
		return -EINVAL;
	return queue_info(a[0], a[1], a[2], a[3]);
}

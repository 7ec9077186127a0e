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

static long kill_thread(long tgid, long tid, long sig, int code)
{
	struct ksiginfo info;
	struct uthread *u;

	if (sig < 0 || sig > KSIG_MAX || tid <= 0)
		return -EINVAL;
	if (tgid != -1 && tgid != current_process()->pid)
		return -ESRCH;
	u = uthread_find((int)tid);
	if (!u)
		return -ESRCH;
	if (!sig)
		return 0;
	signal_fill_info(&info, (int)sig, code);
	return signal_send(u, (int)sig, &info);
}

SYSCALL_DEFINE(kill)
{
	struct ksiginfo info;
	long pid = a[0], sig = a[1];

	if (sig < 0 || sig > KSIG_MAX)
		return -EINVAL;
	/* Ours: our pid, our group (0, -pid), or everyone we may signal. */
	if (pid != current_process()->pid && pid != 0 && pid != -1 &&
	    pid != -(long)current_process()->pid)
		return -ESRCH;
	if (!sig)
		return 0;
	signal_fill_info(&info, (int)sig, SI_USER);
	return signal_send(NULL, (int)sig, &info);
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

/* sigqueue: the caller's own siginfo (Linux refuses a kernel-looking
 * si_code only when the target is another process; here it never is). */
static long queue_info(long tgid, long tid, long sig, long uinfo)
{
	struct ksiginfo info;
	struct uthread *u = NULL;

	if (sig < 0 || sig > KSIG_MAX)
		return -EINVAL;
	if (copy_from_user(&info, (void *)uinfo, sizeof(info)))
		return -EFAULT;
	if (tgid != current_process()->pid)
		return -ESRCH;
	if (tid >= 0 && !(u = uthread_find((int)tid)))
		return -ESRCH;
	if (!sig)
		return 0;
	info.signo = (int)sig;
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

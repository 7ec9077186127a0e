/*
 * signal.c - Linux signals (linux/): actions, per-thread masks and pending
 * sets, the process's shared pending set, delivery on the way back to
 * user mode (the frame itself is the architecture's: arch_signal_setup),
 * default actions, restart of interrupted calls, and the system calls
 * around them: rt_sigaction, rt_sigprocmask, rt_sigreturn, rt_sigpending,
 * rt_sigtimedwait, rt_sigsuspend, pause, sigaltstack, kill, tgkill, tkill,
 * rt_sigqueueinfo, rt_tgsigqueueinfo. Timers are in sys_timer.c,
 * signalfd in signalfd.c.
 *
 * One lock (sig_lock, taken with interrupts off: timers send from
 * interrupt context) guards everything here. Each signal has one pending
 * slot per thread and one for the process: a second instance of a pending
 * signal merges with the first (Linux queues real-time signals; keel keeps
 * one of each, see docs/linux.md).
 */
#include <keel/errno.h>
#include <keel/poll.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>

#include "linux.h"

#define SA_SIGINFO 0x00000004UL
#define SA_RESTORER 0x04000000UL
#define SA_ONSTACK 0x08000000UL
#define SA_RESTART 0x10000000UL
#define SA_NODEFER 0x40000000UL
#define SA_RESETHAND 0x80000000UL
#define SIG_DFL 0
#define SIG_IGN 1
#define MINSIGSTKSZ 2048

#define BIT(sig) (1ULL << ((sig)-1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

struct spinlock sig_lock;
static struct ksigaction actions[KSIG_MAX + 1];
static uint64_t shared_pending;
static struct ksiginfo shared_info[KSIG_MAX + 1];
struct waitq signal_wq = WAITQ_INIT(signal_wq); /* signalfd readers */
struct pollq signal_pollq = { { 0 }, LIST_INIT(signal_pollq.entries) };

enum { ACT_TERM, ACT_IGN, ACT_CORE, ACT_STOP };

static int default_action(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
	case SIGCONT:
		return ACT_IGN;
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return ACT_STOP;
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGSYS:
		return ACT_CORE;
	default:
		return ACT_TERM;
	}
}

static const char *const names[] = {
	[SIGHUP] = "SIGHUP",	   [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",	   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",	   [SIGFPE] = "SIGFPE",	  [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1",	   [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE",	   [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
	[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGIO] = "SIGIO",
	[SIGPWR] = "SIGPWR",	   [SIGSYS] = "SIGSYS",
};

static const char *sig_name(int sig)
{
	return sig < (int)ARRAY_SIZE(names) && names[sig]
		   ? names[sig]
		   : "a real-time signal";
}

/* The signal's default action ends the process: status 128 + sig. */
__noreturn static void die(int sig)
{
	printk("keel: the program was killed by %s (signal %d)\n",
	       sig_name(sig), sig);
	process_exit(128 + sig);
}

static bool ignored(int sig)
{
	uint64_t h = actions[sig].handler;

	return h == SIG_IGN ||
	       (h == SIG_DFL && (default_action(sig) == ACT_IGN ||
				 default_action(sig) == ACT_STOP));
}

/* Under sig_lock: does u have a signal to handle (or to wait for)? */
static void recalc(struct uthread *u)
{
	uint64_t p = (u->sig_pending | shared_pending) &
		     (~u->sig_blocked | u->sig_waitset);

	if (u->thread)
		u->thread->interrupted = p != 0;
}

static void kick(struct uthread *u)
{
	recalc(u);
	if (u->thread && u->thread->interrupted)
		sched_wake(u->thread);
}

/*
 * Under sig_lock: make sig pending for thread u, or for the process
 * (u NULL), and wake a thread that will handle it.
 */
static void send_locked(struct uthread *u, int sig, const struct ksiginfo *info)
{
	struct uthread *main = uthread_main();
	uint64_t blocked = (u ? u : main)->sig_blocked;

	if (ignored(sig) && !(blocked & BIT(sig)))
		return;
	if (u) {
		if (!(u->sig_pending & BIT(sig))) {
			u->sig_pending |= BIT(sig);
			u->sig_info[sig] = *info;
		}
		kick(u);
	} else {
		if (!(shared_pending & BIT(sig))) {
			shared_pending |= BIT(sig);
			shared_info[sig] = *info;
		}
		/* The first thread that takes it; every thread rechecks. */
		list_for_each (n, uthread_list())
			kick(list_entry(n, struct uthread, node));
	}
	waitq_wake_all(&signal_wq);
}

static void fill_kill_info(struct ksiginfo *i, int sig, int code)
{
	memset(i, 0, sizeof(*i));
	i->signo = sig;
	i->code = code;
	i->kill.pid = current_process()->pid;
	i->kill.uid = 0;
}

int signal_send(struct uthread *u, int sig, const struct ksiginfo *info)
{
	unsigned long irq;

	if (sig == SIGKILL)
		die(sig);
	irq = spin_lock_irqsave(&sig_lock);
	send_locked(u, sig, info);
	spin_unlock_irqrestore(&sig_lock, irq);
	waitq_wake_all(&signal_wq);
	pollq_wake(&signal_pollq, EPOLLIN | EPOLLRDNORM);
	return 0;
}

void signal_send_self(int sig)
{
	struct ksiginfo i;

	fill_kill_info(&i, sig, SI_KERNEL);
	signal_send(uthread_self(), sig, &i);
}

void signal_send_process(int sig)
{
	struct ksiginfo i;

	memset(&i, 0, sizeof(i)); /* as Linux's SEND_SIG_PRIV: no sender */
	i.signo = sig;
	i.code = SI_KERNEL;
	signal_send(NULL, sig, &i);
}

bool signal_pending(void)
{
	return current_thread()->interrupted;
}

/* Under sig_lock: take the lowest pending signal in mask, 0 if none. */
static int dequeue(struct uthread *u, uint64_t mask, struct ksiginfo *info)
{
	uint64_t p = u->sig_pending & mask;
	int sig;

	if (p) {
		sig = __builtin_ctzll(p) + 1;
		u->sig_pending &= ~BIT(sig);
		*info = u->sig_info[sig];
	} else if ((p = shared_pending & mask)) {
		sig = __builtin_ctzll(p) + 1;
		shared_pending &= ~BIT(sig);
		*info = shared_info[sig];
	} else {
		return 0;
	}
	return sig;
}

int signal_dequeue(uint64_t mask, struct ksiginfo *info)
{
	struct uthread *u = uthread_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	int sig = dequeue(u, mask, info);

	recalc(u);
	spin_unlock_irqrestore(&sig_lock, irq);
	return sig;
}

bool signal_peek(uint64_t mask)
{
	struct uthread *u = uthread_self();

	return ((u->sig_pending | shared_pending) & mask) != 0;
}

/* Whether sp lies on u's alternate signal stack. */
static bool on_altstack(const struct uthread *u, uint64_t sp)
{
	return !(u->altstack.flags & SS_DISABLE) && u->altstack.size &&
	       sp > u->altstack.sp && sp - u->altstack.sp <= u->altstack.size;
}

static void restart_or_eintr(long nr, long ret, bool handler,
			     const struct ksigaction *a)
{
	if (nr < 0)
		return;
	if (ret == -ERESTARTSYS) {
		if (handler && !(a->flags & SA_RESTART))
			arch_syscall_set_return(-EINTR);
		else
			arch_syscall_restart(nr);
	} else if (ret == -ERESTARTNOHAND) {
		if (handler)
			arch_syscall_set_return(-EINTR);
		else
			arch_syscall_restart(nr);
	}
}

void signal_exit_to_user(long nr, long ret)
{
	struct uthread *u = uthread_self();
	struct sigdelivery d;
	struct ksigaction a;
	struct ksiginfo info;
	unsigned long irq;
	int sig;

	irq = spin_lock_irqsave(&sig_lock);
	for (;;) {
		sig = dequeue(u, ~u->sig_blocked, &info);
		if (!sig)
			break;
		a = actions[sig];
		if (a.handler == SIG_IGN)
			continue;
		if (a.handler != SIG_DFL)
			break;
		switch (default_action(sig)) {
		case ACT_IGN:
			continue;
		case ACT_STOP:
			WARN_ONCE(
			    "keel: %s would stop the program; with no job "
			    "control here it is ignored\n",
			    sig_name(sig));
			continue;
		default:
			spin_unlock_irqrestore(&sig_lock, irq);
			die(sig);
		}
	}
	if (!sig) {
		restart_or_eintr(nr, ret, false, NULL);
		if (u->sig_restore_mask) {
			u->sig_blocked = u->sig_saved_mask;
			u->sig_restore_mask = false;
		}
		recalc(u);
		spin_unlock_irqrestore(&sig_lock, irq);
		return;
	}
	restart_or_eintr(nr, ret, true, &a);
	memset(&d, 0, sizeof(d));
	d.sig = sig;
	d.info = &info;
	d.handler = a.handler;
	d.restorer = a.restorer;
	d.flags = a.flags;
	d.old_mask = u->sig_restore_mask ? u->sig_saved_mask : u->sig_blocked;
	u->sig_restore_mask = false;
	d.old_stack = u->altstack;
	if (on_altstack(u, arch_user_sp()))
		d.old_stack.flags |= SS_ONSTACK;
	if ((a.flags & SA_ONSTACK) && !(u->altstack.flags & SS_DISABLE) &&
	    u->altstack.size && !on_altstack(u, arch_user_sp())) {
		d.stack_top = u->altstack.sp + u->altstack.size;
		if (u->altstack.flags & SS_AUTODISARM) {
			u->altstack.sp = 0;
			u->altstack.size = 0;
			u->altstack.flags = SS_DISABLE;
		}
	}
	u->sig_blocked |= a.mask & ~UNBLOCKABLE;
	if (!(a.flags & SA_NODEFER))
		u->sig_blocked |= BIT(sig);
	if (a.flags & SA_RESETHAND)
		actions[sig].handler = SIG_DFL;
	recalc(u);
	spin_unlock_irqrestore(&sig_lock, irq);
	if (!(a.flags & SA_RESTORER) || arch_signal_setup(&d)) {
		/* No way back from the handler, or no room for the frame. */
		printk("keel: cannot deliver %s: %s\n", sig_name(sig),
		       a.flags & SA_RESTORER ? "the signal frame does not fit "
					       "on the user stack"
					     : "no SA_RESTORER");
		die(SIGSEGV);
	}
}

void signal_fault(int sig, int code, uint64_t addr, const char *what,
		  uint64_t rip, uint64_t sp)
{
	struct uthread *u = uthread_self();
	struct ksiginfo info;
	unsigned long irq;
	uint64_t h;

	memset(&info, 0, sizeof(info));
	info.signo = sig;
	info.code = code;
	info.addr = addr;
	irq = spin_lock_irqsave(&sig_lock);
	h = actions[sig].handler;
	if (h == SIG_DFL || h == SIG_IGN || (u->sig_blocked & BIT(sig))) {
		/* Linux forces the default action then: the process ends. */
		spin_unlock_irqrestore(&sig_lock, irq);
		printk("keel: %s: %s at address %016lx (rip %016lx, rsp "
		       "%016lx)\n",
		       sig_name(sig), what, addr, rip, sp);
		process_exit(128 + sig);
	}
	u->sig_pending |= BIT(sig);
	u->sig_info[sig] = info;
	recalc(u);
	spin_unlock_irqrestore(&sig_lock, irq);
	signal_exit_to_user(-1, 0);
}

/* A new thread inherits the creator's mask, not its pending signals. */
void signal_thread_init(struct uthread *child, const struct uthread *parent)
{
	child->sig_blocked = parent->sig_blocked;
	child->altstack.flags = SS_DISABLE;
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
	unsigned long irq;

	if (sig < 1 || sig > KSIG_MAX || a[3] != 8)
		return -EINVAL;
	if (a[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (a[1] && copy_from_user(&act, (void *)a[1], sizeof(act)))
		return -EFAULT;
	irq = spin_lock_irqsave(&sig_lock);
	old = actions[sig];
	if (a[1]) {
		act.mask &= ~UNBLOCKABLE;
		actions[sig] = act;
		/* Ignoring a signal discards what is pending of it. */
		if (ignored(sig)) {
			shared_pending &= ~BIT(sig);
			list_for_each (n, uthread_list()) {
				struct uthread *t =
				    list_entry(n, struct uthread, node);

				t->sig_pending &= ~BIT(sig);
				recalc(t);
			}
		}
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	if (a[2] && copy_to_user((void *)a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(rt_sigprocmask)
{
	struct uthread *u = uthread_self();
	uint64_t set = 0, old;
	unsigned long irq;

	if (a[3] != 8)
		return -EINVAL;
	if (a[1] && copy_from_user(&set, (void *)a[1], sizeof(set)))
		return -EFAULT;
	if (a[1] && (a[0] < 0 || a[0] > 2))
		return -EINVAL;
	irq = spin_lock_irqsave(&sig_lock);
	old = u->sig_blocked;
	if (a[1]) {
		if (a[0] == 0) /* SIG_BLOCK */
			u->sig_blocked |= set;
		else if (a[0] == 1) /* SIG_UNBLOCK */
			u->sig_blocked &= ~set;
		else /* SIG_SETMASK */
			u->sig_blocked = set;
		u->sig_blocked &= ~UNBLOCKABLE;
		recalc(u);
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	if (a[2] && copy_to_user((void *)a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(rt_sigreturn)
{
	struct uthread *u = uthread_self();
	struct kstack st;
	uint64_t mask;
	unsigned long irq;
	long rax;

	(void)a;
	if (arch_signal_return(&mask, &st, &rax)) {
		printk("keel: rt_sigreturn: the signal frame is unreadable or "
		       "corrupt\n");
		die(SIGSEGV);
	}
	irq = spin_lock_irqsave(&sig_lock);
	u->sig_blocked = mask & ~UNBLOCKABLE;
	/* The saved alternate stack comes back unless it was in use. */
	if (!on_altstack(u, arch_user_sp()) &&
	    ((st.flags & SS_DISABLE) ||
	     (st.size >= MINSIGSTKSZ &&
	      !(st.flags & ~SS_AUTODISARM & ~SS_ONSTACK)))) {
		u->altstack = st;
		u->altstack.flags &= ~SS_ONSTACK;
	}
	recalc(u);
	spin_unlock_irqrestore(&sig_lock, irq);
	return rax;
}

SYSCALL_DEFINE(rt_sigpending)
{
	struct uthread *u = uthread_self();
	unsigned long irq;
	uint64_t set;

	if (a[1] < 0 || a[1] > 8)
		return -EINVAL;
	irq = spin_lock_irqsave(&sig_lock);
	set = (u->sig_pending | shared_pending) & u->sig_blocked;
	spin_unlock_irqrestore(&sig_lock, irq);
	if (copy_to_user((void *)a[0], &set, (size_t)a[1]))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(rt_sigtimedwait)
{
	struct uthread *u = uthread_self();
	struct ksiginfo info;
	struct linux_timespec ts;
	uint64_t set, deadline = 0;
	unsigned long irq;
	int sig, err;

	if ((err = get_sigset(a[0], a[3], &set)))
		return err;
	set &= ~UNBLOCKABLE;
	if (a[2]) {
		if ((err = get_timespec(a[2], &ts)))
			return err;
		deadline = time_now_ns() + timespec_to_ns(&ts);
		if (!deadline)
			deadline = 1;
	}
	for (;;) {
		irq = spin_lock_irqsave(&sig_lock);
		sig = dequeue(u, set, &info);
		if (!sig) {
			/* A signal outside set, unblocked: a handler runs. */
			if ((u->sig_pending | shared_pending) & ~u->sig_blocked)
				sig = -EINTR;
			else
				u->sig_waitset = set;
		}
		recalc(u);
		spin_unlock_irqrestore(&sig_lock, irq);
		if (sig)
			break;
		err = sleep_intr(deadline) == -ETIMEDOUT ? -EAGAIN : 0;
		irq = spin_lock_irqsave(&sig_lock);
		u->sig_waitset = 0;
		recalc(u);
		spin_unlock_irqrestore(&sig_lock, irq);
		if (err)
			return err;
	}
	if (sig < 0)
		return sig;
	if (a[1] && copy_to_user((void *)a[1], &info, sizeof(info)))
		return -EFAULT;
	return sig;
}

/* Wait with mask as the blocked set until a handler has run. */
static long suspend(uint64_t mask)
{
	struct uthread *u = uthread_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	if (!u->sig_restore_mask) {
		u->sig_saved_mask = u->sig_blocked;
		u->sig_restore_mask = true;
	}
	u->sig_blocked = mask & ~UNBLOCKABLE;
	recalc(u);
	spin_unlock_irqrestore(&sig_lock, irq);
	sleep_intr(0);
	return -ERESTARTNOHAND;
}

void signal_mask_begin(uint64_t mask)
{
	struct uthread *u = uthread_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	u->sig_saved_mask = u->sig_blocked;
	u->sig_restore_mask = true;
	u->sig_blocked = mask & ~UNBLOCKABLE;
	recalc(u);
	spin_unlock_irqrestore(&sig_lock, irq);
}

void signal_mask_end(bool interrupted)
{
	struct uthread *u = uthread_self();
	unsigned long irq;

	if (interrupted)
		return; /* restored once the handler has been set up */
	irq = spin_lock_irqsave(&sig_lock);
	if (u->sig_restore_mask) {
		u->sig_blocked = u->sig_saved_mask;
		u->sig_restore_mask = false;
	}
	recalc(u);
	spin_unlock_irqrestore(&sig_lock, irq);
}

SYSCALL_DEFINE(rt_sigsuspend)
{
	uint64_t mask;
	int err = get_sigset(a[0], a[1], &mask);

	return err ? err : suspend(mask);
}

SYSCALL_DEFINE(pause)
{
	(void)a;
	return suspend(uthread_self()->sig_blocked);
}

SYSCALL_DEFINE(sigaltstack)
{
	struct uthread *u = uthread_self();
	struct kstack st, old;
	unsigned long irq;
	bool on;

	if (a[0] && copy_from_user(&st, (void *)a[0], sizeof(st)))
		return -EFAULT;
	irq = spin_lock_irqsave(&sig_lock);
	on = on_altstack(u, arch_user_sp());
	old = u->altstack;
	if (on)
		old.flags |= SS_ONSTACK;
	if (!old.size && !on)
		old.flags = SS_DISABLE;
	if (a[0]) {
		int mode = st.flags & ~SS_AUTODISARM;

		if (on) {
			spin_unlock_irqrestore(&sig_lock, irq);
			return -EPERM;
		}
		if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE) {
			spin_unlock_irqrestore(&sig_lock, irq);
			return -EINVAL;
		}
		if (mode == SS_DISABLE) {
			st.sp = 0;
			st.size = 0;
			st.flags = SS_DISABLE;
		} else if (st.size < MINSIGSTKSZ) {
			spin_unlock_irqrestore(&sig_lock, irq);
			return -ENOMEM;
		} else {
			st.flags &= SS_AUTODISARM;
		}
		u->altstack = st;
	}
	spin_unlock_irqrestore(&sig_lock, irq);
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
	fill_kill_info(&info, (int)sig, code);
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
	fill_kill_info(&info, (int)sig, SI_USER);
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

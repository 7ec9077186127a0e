/*
 * signal_deliver.c - taking signals (kernel/, the signal service of
 * signal.c): dequeueing and waiting (sigtimedwait, signalfd), actions,
 * masks and the alternate stack, and delivery on the way back to user
 * mode, which the architecture calls (signal_exit_to_user, signal_fault;
 * the frame itself is arch_signal_setup's).
 */
#include <keel/errno.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/sync.h>
#include "signal_impl.h"

/* ---- taking and waiting ---- */

/*
 * Under sig_lock: take the lowest pending signal in mask, the thread's
 * before the process's, its oldest instance: its number, 0 if none.
 */
static int dequeue(struct sigstate *s, uint64_t mask, struct ksiginfo *info)
{
	struct sighand *h = my_hand(s);
	struct sigpending *q = &s->pending;
	uint64_t p = q->set & mask;
	int sig;

	if (!p) {
		q = &h->pending;
		p = q->set & mask;
	}
	if (!p)
		return 0;
	sig = __builtin_ctzll(p) + 1;
	sigq_take(h, q, sig, info);
	return sig;
}

int signal_dequeue(uint64_t mask, struct ksiginfo *info)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	int sig = dequeue(s, mask, info);

	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
	return sig;
}

bool signal_peek(uint64_t mask)
{
	struct sigstate *s = signal_self();

	return ((s->pending.set | my_hand(s)->pending.set) & mask) != 0;
}

uint64_t signal_pending_blocked(void)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	uint64_t set = (s->pending.set | my_hand(s)->pending.set) & s->blocked;

	spin_unlock_irqrestore(&sig_lock, irq);
	return set;
}

int signal_wait(uint64_t set, uint64_t deadline, struct ksiginfo *info)
{
	struct sigstate *s = signal_self();
	unsigned long irq;
	int sig, err;

	set &= ~UNBLOCKABLE;
	for (;;) {
		irq = spin_lock_irqsave(&sig_lock);
		sig = dequeue(s, set, info);
		if (!sig) {
			/* A signal outside set, unblocked: a handler runs;
			 * or the process stops or ends (EINTR after a stop,
			 * as Linux: signal(7)). */
			if (((s->pending.set | my_hand(s)->pending.set) &
			     ~s->blocked) ||
			    s->proc->stopped || s->proc->exiting)
				sig = -EINTR;
			else
				s->waitset = set;
		}
		recalc(s);
		spin_unlock_irqrestore(&sig_lock, irq);
		if (sig)
			return sig;
		err = sleep_intr(deadline) == -ETIMEDOUT ? -EAGAIN : 0;
		irq = spin_lock_irqsave(&sig_lock);
		s->waitset = 0;
		recalc(s);
		spin_unlock_irqrestore(&sig_lock, irq);
		if (err)
			return err;
	}
}

/* ---- actions and masks ---- */

int signal_action(int sig, const struct ksigaction *act, struct ksigaction *old)
{
	struct sigstate *s = signal_self();
	struct ksigaction *a;
	unsigned long irq;
	int err = 0;

	if (sig < 1 || sig > KSIG_MAX)
		return -EINVAL;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	irq = spin_lock_irqsave(&sig_lock);
	a = &my_hand(s)->acts->a[sig];
	if (old)
		*old = *a;
	if (act && !(a = act_write(my_hand(s), sig)))
		err = -ENOMEM; /* its table was shared, and no copy came */
	else if (act) {
		*a = *act;
		a->mask &= ~UNBLOCKABLE;
		/* Ignoring a signal discards what is pending of it. */
		if (ignored(my_hand(s), sig))
			discard(my_hand(s), BIT(sig));
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	return err;
}

uint64_t signal_procmask(int how, const uint64_t *set)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	uint64_t old = s->blocked;

	if (set) {
		if (how == SIG_BLOCK)
			s->blocked |= *set;
		else if (how == SIG_UNBLOCK)
			s->blocked &= ~*set;
		else
			s->blocked = *set;
		s->blocked &= ~UNBLOCKABLE;
		recalc(s);
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	return old;
}

/* Wait with mask as the blocked set until a handler has run. */
long signal_suspend(uint64_t mask)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	if (!s->restore_mask) {
		s->saved_mask = s->blocked;
		s->restore_mask = true;
	}
	s->blocked = mask & ~UNBLOCKABLE;
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
	sleep_intr(0);
	return -ERESTARTNOHAND;
}

void signal_mask_begin(uint64_t mask)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	s->saved_mask = s->blocked;
	s->restore_mask = true;
	s->blocked = mask & ~UNBLOCKABLE;
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
}

void signal_mask_end(bool interrupted)
{
	struct sigstate *s = signal_self();
	unsigned long irq;

	if (interrupted)
		return; /* restored once the handler has been set up */
	irq = spin_lock_irqsave(&sig_lock);
	if (s->restore_mask) {
		s->blocked = s->saved_mask;
		s->restore_mask = false;
	}
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
}

/* ---- the alternate stack ---- */

/* Whether sp lies on s's alternate signal stack. */
static bool on_altstack(const struct sigstate *s, uint64_t sp)
{
	return !(s->altstack.flags & SS_DISABLE) && s->altstack.size &&
	       sp > s->altstack.sp && sp - s->altstack.sp <= s->altstack.size;
}

int signal_altstack(const struct kstack *ss, struct kstack *old)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	bool on = on_altstack(s, arch_user_sp());
	struct kstack st;
	int mode, err = 0;

	*old = s->altstack;
	if (on)
		old->flags |= SS_ONSTACK;
	if (!old->size && !on)
		old->flags = SS_DISABLE;
	if (ss) {
		st = *ss;
		mode = st.flags & ~SS_AUTODISARM;
		if (on)
			err = -EPERM;
		else if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
			err = -EINVAL;
		else if (mode == SS_DISABLE)
			st = (struct kstack){ .flags = SS_DISABLE };
		else if (st.size < MINSIGSTKSZ)
			err = -ENOMEM;
		else
			st.flags &= SS_AUTODISARM;
		if (!err)
			s->altstack = st;
	}
	spin_unlock_irqrestore(&sig_lock, irq);
	return err;
}

void signal_restore(uint64_t mask, const struct kstack *st)
{
	struct sigstate *s = signal_self();
	unsigned long irq = spin_lock_irqsave(&sig_lock);

	s->blocked = mask & ~UNBLOCKABLE;
	/* The saved alternate stack comes back unless it was in use. */
	if (!on_altstack(s, arch_user_sp()) &&
	    ((st->flags & SS_DISABLE) ||
	     (st->size >= MINSIGSTKSZ &&
	      !(st->flags & ~SS_AUTODISARM & ~SS_ONSTACK)))) {
		s->altstack = *st;
		s->altstack.flags &= ~SS_ONSTACK;
	}
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
}

/* ---- delivery ---- */

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

/*
 * Under sig_lock: the next signal s must handle with a handler (its
 * action in *a), running default actions on the way: 0 when none is
 * left. A signal whose default is to end the process unlocks and ends it.
 */
static int next_handled(struct sigstate *s, struct ksigaction *a,
			struct ksiginfo *info, unsigned long *irq)
{
	unsigned conts;
	bool stop;
	int sig;

	stopped_wait(s, irq);
	while ((sig = dequeue(s, ~s->blocked, info))) {
		*a = my_hand(s)->acts->a[sig];
		if (a->handler == SIG_IGN)
			continue;
		if (a->handler != SIG_DFL)
			return sig;
		switch (default_action(sig)) {
		case ACT_IGN:
			continue;
		case ACT_STOP:
			conts = my_hand(s)->conts;
			spin_unlock_irqrestore(&sig_lock, *irq);
			stop = may_stop(s->proc, sig);
			*irq = spin_lock_irqsave(&sig_lock);
			if (!stop) {
				WARN_ONCE("keel: %s would stop a process "
					  "nobody could continue (no parent, "
					  "or an orphaned group): ignored\n",
					  sig_name(sig));
			} else if (conts == my_hand(s)->conts) {
				/* (a SIGCONT since it was taken voids it) */
				stop_locked(s->proc, sig);
				stopped_wait(s, irq);
			}
			continue;
		default:
			spin_unlock_irqrestore(&sig_lock, *irq);
			signal_die(sig);
		}
	}
	return 0;
}

/* Under sig_lock: what the frame builder needs for handling sig. */
static void prepare(struct sigstate *s, int sig, const struct ksigaction *a,
		    struct sigdelivery *d)
{
	d->sig = sig;
	d->handler = a->handler;
	d->restorer = a->restorer;
	d->flags = a->flags;
	d->old_mask = s->restore_mask ? s->saved_mask : s->blocked;
	s->restore_mask = false;
	d->old_stack = s->altstack;
	if (on_altstack(s, arch_user_sp()))
		d->old_stack.flags |= SS_ONSTACK;
	if ((a->flags & SA_ONSTACK) && !(s->altstack.flags & SS_DISABLE) &&
	    s->altstack.size && !on_altstack(s, arch_user_sp())) {
		d->stack_top = s->altstack.sp + s->altstack.size;
		if (s->altstack.flags & SS_AUTODISARM)
			s->altstack = (struct kstack){ .flags = SS_DISABLE };
	}
	s->blocked |= a->mask & ~UNBLOCKABLE;
	if (!(a->flags & SA_NODEFER))
		s->blocked |= BIT(sig);
	if (a->flags & SA_RESETHAND) /* never a table to copy (fork) */
		act_write(my_hand(s), sig)->handler = SIG_DFL;
}

void signal_exit_to_user(long nr, long ret)
{
	struct sigstate *s = signal_self();
	struct sigdelivery d;
	struct ksigaction a;
	struct ksiginfo info;
	unsigned long irq = spin_lock_irqsave(&sig_lock);
	int sig = next_handled(s, &a, &info, &irq);

	if (!sig) {
		restart_or_eintr(nr, ret, false, NULL);
		if (s->restore_mask) {
			s->blocked = s->saved_mask;
			s->restore_mask = false;
		}
		recalc(s);
		spin_unlock_irqrestore(&sig_lock, irq);
		return;
	}
	restart_or_eintr(nr, ret, true, &a);
	memset(&d, 0, sizeof(d));
	d.info = &info;
	prepare(s, sig, &a, &d);
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
	if (!(a.flags & SA_RESTORER) || arch_signal_setup(&d)) {
		/* No way back from the handler, or no room for the frame. */
		printk("keel: cannot deliver %s: %s\n", sig_name(sig),
		       a.flags & SA_RESTORER ? "the signal frame does not fit "
					       "on the user stack"
					     : "no SA_RESTORER");
		signal_die(SIGSEGV);
	}
}

void signal_fault(int sig, int code, uint64_t addr, const char *what,
		  uint64_t rip, uint64_t sp)
{
	struct sigstate *s = signal_self();
	struct ksiginfo info;
	unsigned long irq;
	uint64_t h;

	memset(&info, 0, sizeof(info));
	info.signo = sig;
	info.code = code;
	info.addr = addr;
	irq = spin_lock_irqsave(&sig_lock);
	h = my_hand(s)->acts->a[sig].handler;
	if (h == SIG_DFL || h == SIG_IGN || (s->blocked & BIT(sig))) {
		/* Linux forces the default action then: the process ends. */
		spin_unlock_irqrestore(&sig_lock, irq);
		printk("keel: %s: %s at address %016lx (rip %016lx, rsp "
		       "%016lx)\n",
		       sig_name(sig), what, addr, rip, sp);
		process_exit_signal(sig, dumps_core(sig));
	}
	(void)sigq_add(my_hand(s), &s->pending, sig, &info); /* standard */
	recalc(s);
	spin_unlock_irqrestore(&sig_lock, irq);
	signal_exit_to_user(-1, 0);
}

/*
 * sys_timer.c - timers that send signals (linux/): alarm, setitimer and
 * getitimer (ITIMER_REAL sends SIGALRM, ITIMER_VIRTUAL SIGVTALRM,
 * ITIMER_PROF SIGPROF), and the POSIX timers: timer_create (SIGEV_SIGNAL,
 * SIGEV_THREAD_ID, SIGEV_NONE), timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete. Each is a kernel timer (kernel/timer.c)
 * whose callback, in interrupt context, sends the signal and re-arms an
 * interval. The program runs alone on its CPU, so the CPU-time clocks
 * (ITIMER_VIRTUAL and ITIMER_PROF, CLOCK_*_CPUTIME_ID timers) count
 * elapsed time since they were set, as keel's clock_gettime does for them
 * (docs/linux.md).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/process.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/timer.h>
#include <keel/uaccess.h>

#include "linux.h"

#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD_ID 4
#define NTIMERS 64

struct ktimer {
	struct timer t;
	bool used, realtime;
	int notify, sig, tid;
	int overrun, last_overrun;
	int id; /* POSIX timer id, or -1 for an itimer */
	uint64_t value; /* sigev_value */
	uint64_t interval; /* ns, 0: one-shot */
	struct process *owner; /* whose signal it is */
};

/* A process's timers (process->timers), made at its first use. They are
 * not inherited by fork; execve keeps the itimers, not POSIX timers. */
struct ptimers {
	struct ktimer itimers[3];
	struct ktimer *posix[NTIMERS];
};

static struct spinlock timers_lock;

static struct ptimers *mine(void)
{
	struct process *p = current_process();
	struct ptimers *t = p->timers;

	if (!t) {
		t = kzalloc(sizeof(*t));
		if (!t)
			return NULL;
		p->timers = t;
	}
	return t;
}

static void fire(struct timer *tm)
{
	struct ktimer *k = container_of(tm, struct ktimer, t);
	uint64_t now = time_now_ns();
	struct ksiginfo info;
	struct uthread *u = NULL;

	if (k->interval) {
		uint64_t next = tm->deadline_ns + k->interval;
		int missed = 0;

		/* Expirations that passed while we were late: overruns. */
		if (next <= now) {
			uint64_t n = (now - next) / k->interval + 1;

			missed = n > INT32_MAX ? INT32_MAX : (int)n;
			next += n * k->interval;
		}
		k->overrun = missed;
		timer_arm(tm, next);
	}
	if (k->notify == SIGEV_NONE)
		return;
	memset(&info, 0, sizeof(info));
	info.signo = k->sig;
	if (k->id >= 0) {
		info.code = SI_TIMER;
		info.timer.tid = k->id;
		info.timer.overrun = k->overrun;
		info.timer.value = k->value;
		k->last_overrun = k->overrun;
	} else {
		info.code = SI_KERNEL;
	}
	if (k->notify == SIGEV_THREAD_ID) {
		if (!(u = uthread_find(k->tid)) || u->proc != k->owner)
			return; /* the thread has gone */
		signal_send(u, k->sig, &info);
		return;
	}
	signal_send_proc(k->owner, k->sig, &info);
}

/* Arm k for value ns from now (0: disarm), repeating every interval. */
static void arm(struct ktimer *k, uint64_t value, uint64_t interval)
{
	timer_cancel(&k->t);
	k->interval = interval;
	k->overrun = 0;
	if (value)
		timer_arm(&k->t, time_now_ns() + value);
}

/* The time left before k fires, in ns (0: disarmed). */
static uint64_t left(const struct ktimer *k)
{
	uint64_t now = time_now_ns();

	if (!k->t.armed)
		return 0;
	return k->t.deadline_ns > now ? k->t.deadline_ns - now : 1;
}

/* Rounded up to the microsecond: a pending timer never reads as zero. */
static struct linux_timeval ns_tv(uint64_t ns)
{
	return ns_to_timeval((int64_t)(ns + NSEC_PER_USEC - 1));
}

static struct ktimer *itimer(long which)
{
	static const int sigs[3] = { SIGALRM, SIGVTALRM, SIGPROF };
	struct ptimers *t;
	struct ktimer *k;

	if (which < 0 || which > 2 || !(t = mine()))
		return NULL;
	k = &t->itimers[which];
	if (!k->used) {
		k->owner = current_process();
		timer_init(&k->t, fire);
		k->used = true;
		k->id = -1;
		k->sig = sigs[which];
		k->notify = SIGEV_SIGNAL;
	}
	return k;
}

static struct linux_itimerval get_itimer(struct ktimer *k)
{
	return (struct linux_itimerval){ ns_tv(k->interval), ns_tv(left(k)) };
}

SYSCALL_DEFINE(getitimer)
{
	struct ktimer *k = itimer(a[0]);
	struct linux_itimerval v;
	unsigned long irq;

	if (!k)
		return -EINVAL;
	irq = spin_lock_irqsave(&timers_lock);
	v = get_itimer(k);
	spin_unlock_irqrestore(&timers_lock, irq);
	return copy_to_user((void *)a[1], &v, sizeof(v)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(setitimer)
{
	struct ktimer *k = itimer(a[0]);
	struct linux_itimerval v = { { 0, 0 }, { 0, 0 } }, old;
	unsigned long irq;

	if (!k)
		return -EINVAL;
	/* Linux takes a NULL new value as "disarm". */
	if (a[1] && copy_from_user(&v, (void *)a[1], sizeof(v)))
		return -EFAULT;
	if (timeval_check(&v.it_value) || timeval_check(&v.it_interval))
		return -EINVAL;
	irq = spin_lock_irqsave(&timers_lock);
	old = get_itimer(k);
	arm(k, timeval_to_ns(&v.it_value), timeval_to_ns(&v.it_interval));
	spin_unlock_irqrestore(&timers_lock, irq);
	if (a[2] && copy_to_user((void *)a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(alarm)
{
	struct ktimer *k = itimer(0);
	unsigned long irq = spin_lock_irqsave(&timers_lock);
	uint64_t was = left(k);

	arm(k, (uint64_t)(unsigned)a[0] * NSEC_PER_SEC, 0);
	spin_unlock_irqrestore(&timers_lock, irq);
	/* Seconds left, rounded to nearest, at least 1 if armed. */
	if (!was)
		return 0;
	return (long)((was + NSEC_PER_SEC / 2) / NSEC_PER_SEC) ?: 1;
}

struct sigevent_k {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid; /* SIGEV_THREAD_ID */
	int32_t pad[11];
};

static bool clock_ok(long clk)
{
	return clock_ns(clk) >= 0;
}

SYSCALL_DEFINE(timer_create)
{
	struct sigevent_k ev;
	struct ktimer *k;
	unsigned long irq;
	int id = -1;

	if (!clock_ok(a[0]))
		return -EINVAL;
	if (a[1]) {
		if (copy_from_user(&ev, (void *)a[1], sizeof(ev)))
			return -EFAULT;
	} else {
		memset(&ev, 0, sizeof(ev));
		ev.signo = SIGALRM;
		ev.notify = SIGEV_SIGNAL;
	}
	if (ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_NONE &&
	    ev.notify != (SIGEV_SIGNAL | SIGEV_THREAD_ID))
		return -EINVAL;
	if (ev.notify != SIGEV_NONE && (ev.signo < 1 || ev.signo > KSIG_MAX))
		return -EINVAL;
	if ((ev.notify & SIGEV_THREAD_ID) && !uthread_find(ev.tid))
		return -EINVAL;
	if (!mine() || !(k = kzalloc(sizeof(*k))))
		return -ENOMEM;
	k->owner = current_process();
	timer_init(&k->t, fire);
	k->used = true;
	k->realtime = a[0] == CLOCK_REALTIME;
	k->notify = ev.notify == SIGEV_NONE	  ? SIGEV_NONE
		    : ev.notify & SIGEV_THREAD_ID ? SIGEV_THREAD_ID
						  : SIGEV_SIGNAL;
	k->sig = ev.signo;
	k->tid = ev.tid;
	irq = spin_lock_irqsave(&timers_lock);
	for (int i = 0; i < NTIMERS && id < 0; i++)
		if (!mine()->posix[i])
			id = i;
	if (id >= 0) {
		mine()->posix[id] = k;
		k->id = id;
		k->value = a[1] ? ev.value : (uint64_t)id;
	}
	spin_unlock_irqrestore(&timers_lock, irq);
	if (id < 0) {
		kfree(k);
		return -EAGAIN;
	}
	if (copy_to_user((void *)a[2], &id, sizeof(id))) {
		irq = spin_lock_irqsave(&timers_lock);
		mine()->posix[id] = NULL;
		spin_unlock_irqrestore(&timers_lock, irq);
		kfree(k);
		return -EFAULT;
	}
	return 0;
}

/* Under timers_lock: the POSIX timer with this id, or NULL. */
static struct ktimer *find(long id)
{
	struct ptimers *t = current_process()->timers;

	return t && id >= 0 && id < NTIMERS ? t->posix[id] : NULL;
}

static struct linux_itimerspec get_spec(struct ktimer *k)
{
	return (struct linux_itimerspec){ ns_to_timespec((int64_t)k->interval),
					  ns_to_timespec((int64_t)left(k)) };
}

SYSCALL_DEFINE(timer_settime)
{
	struct linux_itimerspec v, old;
	struct ktimer *k;
	unsigned long irq;
	uint64_t value;

	if (copy_from_user(&v, (void *)a[2], sizeof(v)))
		return -EFAULT;
	if (timespec_check(&v.it_value) || timespec_check(&v.it_interval))
		return -EINVAL;
	irq = spin_lock_irqsave(&timers_lock);
	if (!(k = find(a[0]))) {
		spin_unlock_irqrestore(&timers_lock, irq);
		return -EINVAL;
	}
	old = get_spec(k);
	value = (uint64_t)timespec_to_ns(&v.it_value);
	if (value && (a[1] & TIMER_ABSTIME)) {
		/* An absolute time on the timer's clock: how far away. */
		int64_t now = k->realtime ? clock_ns(CLOCK_REALTIME)
					  : (int64_t)time_now_ns();

		value = (int64_t)value > now ? value - (uint64_t)now : 1;
	}
	arm(k, value, (uint64_t)timespec_to_ns(&v.it_interval));
	spin_unlock_irqrestore(&timers_lock, irq);
	if (a[3] && copy_to_user((void *)a[3], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(timer_gettime)
{
	struct linux_itimerspec v;
	struct ktimer *k;
	unsigned long irq = spin_lock_irqsave(&timers_lock);

	if (!(k = find(a[0]))) {
		spin_unlock_irqrestore(&timers_lock, irq);
		return -EINVAL;
	}
	v = get_spec(k);
	spin_unlock_irqrestore(&timers_lock, irq);
	return copy_to_user((void *)a[1], &v, sizeof(v)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(timer_getoverrun)
{
	struct ktimer *k;
	unsigned long irq = spin_lock_irqsave(&timers_lock);
	long n = -EINVAL;

	if ((k = find(a[0])))
		n = k->last_overrun;
	spin_unlock_irqrestore(&timers_lock, irq);
	return n;
}

SYSCALL_DEFINE(timer_delete)
{
	struct ktimer *k;
	unsigned long irq = spin_lock_irqsave(&timers_lock);

	if (!(k = find(a[0]))) {
		spin_unlock_irqrestore(&timers_lock, irq);
		return -EINVAL;
	}
	mine()->posix[a[0]] = NULL;
	timer_cancel(&k->t);
	spin_unlock_irqrestore(&timers_lock, irq);
	kfree(k);
	return 0;
}

/* execve: the POSIX timers go (the itimers stay); all at the end. */
void timers_exec(struct process *p)
{
	struct ptimers *t = p->timers;
	unsigned long irq;

	if (!t)
		return;
	for (int i = 0; i < NTIMERS; i++) {
		struct ktimer *k;

		irq = spin_lock_irqsave(&timers_lock);
		k = t->posix[i];
		t->posix[i] = NULL;
		if (k)
			timer_cancel(&k->t);
		spin_unlock_irqrestore(&timers_lock, irq);
		kfree(k);
	}
}

static void timers_exit(struct process *p)
{
	struct ptimers *t = p->timers;
	unsigned long irq;

	if (!t)
		return;
	timers_exec(p);
	irq = spin_lock_irqsave(&timers_lock);
	for (int i = 0; i < 3; i++)
		if (t->itimers[i].used)
			timer_cancel(&t->itimers[i].t);
	p->timers = NULL;
	spin_unlock_irqrestore(&timers_lock, irq);
	kfree(t);
}

static struct process_exit_hook timers_hook = { .fn = timers_exit };

void timers_init(void)
{
	process_on_exit(&timers_hook);
}

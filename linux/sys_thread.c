/*
 * sys_thread.c - threads of the one process (linux/): clone with the
 * thread flags glibc's pthread_create passes, thread ids, the
 * set_tid_address/CLONE_CHILD_CLEARTID handshake pthread_join waits on,
 * and the exit of one thread. Processes that cannot exist here (fork,
 * vfork, execve, a clone without CLONE_VM) get ENOSYS: keel runs one
 * program, as the seed did (docs/linux.md); wait4 has no child: ECHILD.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>

#include "linux.h"

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PIDFD 0x00001000
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_UNTRACED 0x00800000
#define CLONE_CHILD_SETTID 0x01000000
#define CSIGNAL 0xff

static struct uthread main_thread = { .tid = 1 };
static struct list_node threads = LIST_INIT(threads);
/* Guards the list (timers look threads up from interrupt context). */
static struct spinlock thread_lock;
static int next_tid = 2;
static int nthreads = 1;

static struct uthread *self(void)
{
	struct thread *t = current_thread();

	if (!t->user) { /* the program's first thread */
		struct sigstate *sig = signal_self();
		unsigned long irq = spin_lock_irqsave(&thread_lock);

		t->user = &main_thread;
		main_thread.thread = t;
		main_thread.sig = sig;
		list_push_back(&threads, &main_thread.node);
		spin_unlock_irqrestore(&thread_lock, irq);
	}
	return t->user;
}

/* For sys_seccomp.c (NO_NEW_PRIVS, filters, TSYNC). */
struct uthread *uthread_self(void)
{
	return self();
}

int uthread_for_each(int (*fn)(struct uthread *u, void *arg), void *arg)
{
	unsigned long irq = spin_lock_irqsave(&thread_lock);
	int ret = 0;

	list_for_each (n, &threads) {
		ret = fn(list_entry(n, struct uthread, node), arg);
		if (ret)
			break;
	}
	spin_unlock_irqrestore(&thread_lock, irq);
	return ret;
}

struct uthread *uthread_find(int tid)
{
	unsigned long irq = spin_lock_irqsave(&thread_lock);
	struct uthread *found = NULL;

	list_for_each (n, &threads) {
		struct uthread *u = list_entry(n, struct uthread, node);

		if (u->tid == tid)
			found = u;
	}
	spin_unlock_irqrestore(&thread_lock, irq);
	return found;
}

struct start {
	void *ctx; /* arch_clone_user_context */
	uint64_t tls;
	struct uthread *ut;
};

static void user_thread(void *arg)
{
	struct start *st = arg;
	void *ctx = st->ctx;
	unsigned long irq;

	signal_thread_start(st->ut->sig);
	irq = spin_lock_irqsave(&thread_lock);
	current_thread()->user = st->ut;
	st->ut->thread = current_thread();
	list_push_back(&threads, &st->ut->node);
	spin_unlock_irqrestore(&thread_lock, irq);
	arch_set_tls(st->tls);
	kfree(st);
	arch_enter_user_context(ctx);
}

static long do_clone(unsigned long flags, uintptr_t sp, uintptr_t ptid,
		     uintptr_t ctid, uint64_t tls)
{
	const unsigned long thread =
	    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
	const unsigned long known = thread | CLONE_SYSVSEM | CLONE_SETTLS |
				    CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |
				    CLONE_DETACHED;
	struct start *st;
	struct uthread *ut;
	struct thread *t;
	int tid;

	if ((flags & thread) != thread) {
		WARN_ONCE("keel: clone without the thread flags (a new "
			  "process: fork or vfork): ENOSYS, keel runs one "
			  "process\n");
		return -ENOSYS;
	}
	if (flags & ~(known | CSIGNAL))
		return -EINVAL;
	if (flags & CLONE_SETTLS && tls >= USER_TOP)
		return -EPERM;
	st = kzalloc(sizeof(*st));
	ut = kzalloc(sizeof(*ut));
	if (!st || !ut)
		goto nomem;
	self(); /* the caller's own state exists: the new one copies it */
	ut->sig = signal_thread_new();
	if (!ut->sig)
		goto nomem;
	st->ctx = arch_clone_user_context(sp);
	if (!st->ctx)
		goto nomem;
	tid = next_tid++;
	ut->tid = tid;
	ut->clear_child_tid = flags & CLONE_CHILD_CLEARTID ? ctid : 0;
	st->ut = ut;
	/* Without CLONE_SETTLS the new thread shares the caller's pointer. */
	st->tls = flags & CLONE_SETTLS ? tls : arch_get_tls();
	if ((flags & CLONE_PARENT_SETTID) &&
	    copy_to_user((void *)ptid, &tid, sizeof(tid))) {
		kfree(st->ctx);
		kfree(st);
		kfree(ut->sig);
		kfree(ut);
		return -EFAULT;
	}
	seccomp_thread_fork(ut, self()); /* its filters, as on Linux */
	t = thread_create("user", user_thread, st);
	if (!t) {
		seccomp_thread_release(ut);
		kfree(st->ctx);
		goto nomem;
	}
	/* A new thread starts with its creator's name, as on Linux. */
	memcpy(t->name, current_thread()->name, sizeof(t->name));
	thread_detach(t);
	nthreads++;
	sched_start_preemption();
	return tid;
nomem:
	kfree(st);
	if (ut)
		kfree(ut->sig);
	kfree(ut);
	return -ENOMEM;
}

SYSCALL_DEFINE(clone)
{
	/* x86-64 order: flags, stack, parent_tid, child_tid, tls. */
	return do_clone((unsigned long)a[0], (uintptr_t)a[1], (uintptr_t)a[2],
			(uintptr_t)a[3], (uint64_t)a[4]);
}

SYSCALL_DEFINE(fork)
{
	(void)a;
	WARN_ONCE("keel: fork: ENOSYS, keel runs one process\n");
	return -ENOSYS;
}

SYSCALL_DEFINE(vfork)
{
	(void)a;
	WARN_ONCE("keel: vfork: ENOSYS, keel runs one process\n");
	return -ENOSYS;
}

SYSCALL_DEFINE(execve)
{
	(void)a;
	WARN_ONCE("keel: execve: ENOSYS, keel runs one program\n");
	return -ENOSYS;
}

SYSCALL_DEFINE(wait4)
{
	(void)a;
	return -ECHILD;
}

SYSCALL_DEFINE(gettid)
{
	(void)a;
	return self()->tid;
}

SYSCALL_DEFINE(set_tid_address)
{
	self()->clear_child_tid = (uintptr_t)a[0];
	return self()->tid;
}

/*
 * One thread ends: clear its tid word and wake a joiner (futex), then
 * the kernel thread exits. The last thread ends the process.
 */
SYSCALL_DEFINE(exit)
{
	struct uthread *ut = self();
	unsigned long irq;
	int zero = 0;

	if (--nthreads == 0)
		process_exit((int)a[0]);
	irq = spin_lock_irqsave(&thread_lock);
	list_remove(&ut->node);
	spin_unlock_irqrestore(&thread_lock, irq);
	signal_thread_end();
	if (ut->clear_child_tid &&
	    !copy_to_user((void *)ut->clear_child_tid, &zero, sizeof(zero)))
		futex_wake(ut->clear_child_tid, 1);
	current_thread()->user = NULL;
	seccomp_thread_release(ut);
	if (ut != &main_thread)
		kfree(ut);
	thread_exit();
}

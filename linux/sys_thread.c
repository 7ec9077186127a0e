/*
 * sys_thread.c - threads and processes as the system calls see them
 * (linux/): clone, clone3, fork and vfork, thread ids, the
 * set_tid_address/CLONE_CHILD_CLEARTID handshake pthread_join waits on,
 * and the end of a thread. A clone with CLONE_THREAD adds a thread to the
 * caller's process; any other makes a new process (kernel/process.c)
 * with a copy-on-write copy of the address space (kernel/vm.c), the
 * descriptors and fs context copied or shared (fs/fdtable.c), and the
 * signal actions copied or shared (kernel/signal.c). vfork (or
 * CLONE_VM|CLONE_VFORK, which posix_spawn uses) runs the child on the
 * parent's address space while the parent waits for its exec or exit.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/file.h>
#include <keel/heap.h>
#include <keel/memcharge.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <keel/vm.h>

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
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000
#define CLONE_IO 0x80000000UL
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#define CLONE_INTO_CGROUP 0x200000000ULL
#define CSIGNAL 0xff

static struct uthread main_thread = { .tid = 1 };
/* Every user thread of every process. */
static struct list_node threads = LIST_INIT(threads);
/* Guards the list (timers look threads up from interrupt context). */
static struct spinlock thread_lock;

static struct uthread *self(void)
{
	struct thread *t = current_thread();

	if (!t->user) { /* the first process's first thread */
		struct process *p = process_init_proc();
		struct sigstate *sig = signal_self();
		unsigned long irq = spin_lock_irqsave(&thread_lock);

		t->user = &main_thread;
		t->proc = p;
		main_thread.thread = t;
		main_thread.sig = sig;
		main_thread.proc = p;
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

/* fn on each thread of the caller's process. */
int uthread_for_each(int (*fn)(struct uthread *u, void *arg), void *arg)
{
	struct process *p = current_process();
	unsigned long irq = spin_lock_irqsave(&thread_lock);
	int ret = 0;

	list_for_each (n, &threads) {
		struct uthread *u = list_entry(n, struct uthread, node);

		if (u->proc != p)
			continue;
		ret = fn(u, arg);
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

bool id_exists(int id)
{
	struct process *p;

	if (id <= 0)
		return false;
	if (uthread_find(id))
		return true;
	p = process_get(id);
	if (p)
		process_put(p);
	return p != NULL;
}

static bool tid_taken(int id)
{
	return uthread_find(id) != NULL;
}

/*
 * exit_group, SIGKILL, execve: every other thread of p is told to leave
 * (each ends in process_check_exiting on its way out of the kernel).
 */
static void kick(struct process *p)
{
	unsigned long irq = spin_lock_irqsave(&thread_lock);

	list_for_each (n, &threads) {
		struct uthread *u = list_entry(n, struct uthread, node);

		if (u->proc != p || u->thread == current_thread())
			continue;
		u->thread->interrupted = true;
		sched_wake(u->thread);
	}
	spin_unlock_irqrestore(&thread_lock, irq);
}

/* The calling thread's own end: its tid word cleared (a joiner woken),
 * its state freed. process_thread_exit follows. */
static void leave(void)
{
	struct thread *t = current_thread();
	struct uthread *ut = t->user;
	unsigned long irq;
	int zero = 0;

	if (!ut)
		return;
	irq = spin_lock_irqsave(&thread_lock);
	list_remove(&ut->node);
	spin_unlock_irqrestore(&thread_lock, irq);
	signal_thread_end();
	/* Not when the process ends: nobody is left to join it, and its
	 * memory may be a vfork parent's. */
	if (ut->clear_child_tid && !ut->proc->exiting &&
	    !copy_to_user((void *)ut->clear_child_tid, &zero, sizeof(zero)))
		futex_wake(ut->clear_child_tid, 1);
	t->user = NULL;
	seccomp_thread_release(ut);
	if (ut != &main_thread)
		kfree(ut);
}

/* execve: the calling thread is the process's only one and takes its
 * id (Linux makes it the leader); no tid word is cleared at its end. */
void exec_thread_reset(void)
{
	struct uthread *ut = self();
	unsigned long irq = spin_lock_irqsave(&thread_lock);

	ut->tid = ut->proc->pid;
	ut->clear_child_tid = 0;
	spin_unlock_irqrestore(&thread_lock, irq);
}

void threads_init(void)
{
	process_set_kick(kick);
	process_set_thread_leave(leave);
}

struct start {
	void *ctx; /* arch_clone_user_context */
	uint64_t tls;
	struct uthread *ut;
	uintptr_t set_ctid; /* CLONE_CHILD_SETTID: where, in the child */
	bool clear_sighand; /* CLONE_CLEAR_SIGHAND */
};

static void user_thread(void *arg)
{
	struct start *st = arg;
	void *ctx = st->ctx;
	int tid = st->ut->tid;
	unsigned long irq;

	signal_thread_start(st->ut->sig);
	irq = spin_lock_irqsave(&thread_lock);
	current_thread()->user = st->ut;
	st->ut->thread = current_thread();
	list_push_back(&threads, &st->ut->node);
	spin_unlock_irqrestore(&thread_lock, irq);
	arch_set_tls(st->tls);
	if (st->set_ctid)
		(void)copy_to_user((void *)st->set_ctid, &tid, sizeof(tid));
	if (st->clear_sighand)
		signal_exec_reset(); /* handlers back to SIG_DFL */
	kfree(st);
	process_check_exiting(); /* killed before it ever ran */
	arch_enter_user_context(ctx);
}

struct clone_args_k {
	uint64_t flags;
	uintptr_t pidfd, child_tid, parent_tid;
	int exit_signal;
	uintptr_t stack;
	size_t stack_size;
	uint64_t tls;
};

static long check_flags(const struct clone_args_k *ca)
{
	const uint64_t known =
	    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PIDFD |
	    CLONE_PTRACE | CLONE_VFORK | CLONE_PARENT | CLONE_THREAD |
	    CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
	    CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED |
	    CLONE_CHILD_SETTID | CLONE_IO | CLONE_CLEAR_SIGHAND;
	const uint64_t ns = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
			    CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
			    CLONE_NEWNET | CLONE_INTO_CGROUP;
	uint64_t f = ca->flags;

	if (f & ns) {
		WARN_ONCE("keel: clone with new namespaces: EINVAL (keel has "
			  "one of each)\n");
		return -EINVAL;
	}
	if (f & ~known)
		return -EINVAL;
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		return -EINVAL;
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		return -EINVAL;
	if ((f & CLONE_CLEAR_SIGHAND) && (f & CLONE_SIGHAND))
		return -EINVAL;
	if ((f & CLONE_THREAD) && ca->exit_signal)
		return -EINVAL;
	if ((f & CLONE_PIDFD) && (f & CLONE_THREAD))
		return -EINVAL;
	if (f & CLONE_SETTLS && ca->tls >= USER_TOP)
		return -EPERM;
	if ((f & CLONE_VM) && !(f & (CLONE_THREAD | CLONE_VFORK))) {
		/* Two processes on one address space, both running: the
		 * address space would outlive its owner. */
		WARN_ONCE("keel: clone(CLONE_VM) of a process without "
			  "CLONE_VFORK: EINVAL\n");
		return -EINVAL;
	}
	return 0;
}

/* Processes of this real user (RLIMIT_NPROC counts them). */
static int count_user(struct process *p, void *arg)
{
	int *a = arg;

	if (p->cred.ruid == (uint32_t)a[0])
		a[1]++;
	return 0;
}

static bool over_nproc(void)
{
	struct process *me = current_process();
	int a[2] = { (int)me->cred.ruid, 0 };

	if (cred_capable(CAP_SYS_RESOURCE) || cred_capable(CAP_SYS_ADMIN))
		return false;
	process_for_each(count_user, a);
	return (uint64_t)a[1] >= me->rlim[RLIMIT_NPROC].cur;
}

/* The new thread's kernel side: runs st in process p on mm's tables. */
static struct thread *start_thread(struct start *st, struct process *p,
				   bool fork_fpu)
{
	struct thread *t;

	if (sched_threads_full() || mem_charge(MEM_THREAD, MEM_THREAD_COST))
		return NULL; /* kernel.threads-max, or the memory kind */
	t = thread_create("user", user_thread, st);
	if (!t) {
		mem_uncharge(MEM_THREAD, MEM_THREAD_COST);
		return NULL;
	}
	t->charged = MEM_THREAD_COST;
	/* It has not run yet: nothing is preemptible in the kernel. */
	t->proc = p;
	arch_thread_set_space(&t->arch, vm_mm_root(p->mm));
	if (fork_fpu)
		arch_thread_copy_fpu(&t->arch);
	memcpy(t->name, current_thread()->name, sizeof(t->name));
	thread_detach(t);
	sched_start_preemption();
	return t;
}

static long new_thread(const struct clone_args_k *ca)
{
	struct process *p = current_process();
	struct start *st = kzalloc(sizeof(*st));
	struct uthread *ut = kzalloc(sizeof(*ut));
	unsigned long irq;
	long err = -ENOMEM;
	int tid;

	if (!st || !ut)
		goto fail;
	ut->sig = signal_thread_new();
	if (!ut->sig)
		goto fail;
	st->ctx = arch_clone_user_context(ca->stack);
	if (!st->ctx)
		goto fail;
	tid = process_new_id(tid_taken);
	err = tid;
	if (tid < 0)
		goto fail_ctx;
	ut->tid = tid;
	ut->proc = p;
	ut->clear_child_tid =
	    ca->flags & CLONE_CHILD_CLEARTID ? ca->child_tid : 0;
	st->ut = ut;
	st->set_ctid = ca->flags & CLONE_CHILD_SETTID ? ca->child_tid : 0;
	/* Without CLONE_SETTLS the new thread shares the caller's pointer. */
	st->tls = ca->flags & CLONE_SETTLS ? ca->tls : arch_get_tls();
	err = -EFAULT;
	if ((ca->flags & CLONE_PARENT_SETTID) &&
	    copy_to_user((void *)ca->parent_tid, &tid, sizeof(tid)))
		goto fail_ctx;
	seccomp_thread_fork(ut, self()); /* its filters, as on Linux */
	irq = spin_lock_irqsave(&process_table_lock);
	p->nthreads++;
	spin_unlock_irqrestore(&process_table_lock, irq);
	if (start_thread(st, p, false))
		return tid;
	irq = spin_lock_irqsave(&process_table_lock);
	p->nthreads--;
	spin_unlock_irqrestore(&process_table_lock, irq);
	seccomp_thread_release(ut);
	err = -EAGAIN; /* as Linux past threads-max */
fail_ctx:
	kfree(st->ctx);
fail:
	kfree(st);
	if (ut)
		kfree(ut->sig);
	kfree(ut);
	return err;
}

/* Wait, not interruptibly, until the vfork child c execs or ends. */
static void vfork_wait(struct process *c)
{
	unsigned long irq = spin_lock_irqsave(&process_table_lock);

	while (c->vfork_parent)
		waitq_wait_locked(&c->vfork_wq, &process_table_lock, 0);
	spin_unlock_irqrestore(&process_table_lock, irq);
}

static long new_process(const struct clone_args_k *ca)
{
	struct process *parent = current_process(), *c;
	struct start *st;
	struct uthread *ut;
	uint64_t f = ca->flags;
	int pid, err = -ENOMEM;

	if (over_nproc())
		return -EAGAIN;
	pid = process_new_id(tid_taken);
	if (pid < 0)
		return pid;
	c = process_new(pid, (unsigned long)ca->exit_signal);
	if (!c)
		return -ENOMEM;
	st = kzalloc(sizeof(*st));
	ut = kzalloc(sizeof(*ut));
	if (!st || !ut)
		goto fail;
	if (f & CLONE_VM) { /* vfork: the parent's, until exec or exit */
		c->mm = parent->mm;
		c->mm_borrowed = true;
	} else {
		c->mm = vm_mm_fork();
		if (!c->mm)
			goto fail;
	}
	err = fs_process_fork(c, f & CLONE_FILES, f & CLONE_FS);
	if (err)
		goto fail_mm;
	err = signal_fork(c, false);
	if (err)
		goto fail_fs;
	err = -ENOMEM;
	ut->sig = signal_thread_new_in(c);
	if (!ut->sig)
		goto fail_sig;
	st->ctx = arch_clone_user_context(ca->stack);
	if (!st->ctx)
		goto fail_sig;
	ut->tid = pid;
	ut->proc = c;
	ut->clear_child_tid = f & CLONE_CHILD_CLEARTID ? ca->child_tid : 0;
	st->ut = ut;
	st->set_ctid = f & CLONE_CHILD_SETTID ? ca->child_tid : 0;
	st->clear_sighand = f & CLONE_CLEAR_SIGHAND;
	st->tls = f & CLONE_SETTLS ? ca->tls : arch_get_tls();
	if ((f & CLONE_PARENT_SETTID) &&
	    copy_to_user((void *)ca->parent_tid, &pid, sizeof(pid))) {
		err = -EFAULT;
		goto fail_ctx;
	}
	if (f & CLONE_PIDFD) {
		int fd = pidfd_create(c);

		if (fd < 0) {
			err = fd;
			goto fail_ctx;
		}
		if (copy_to_user((void *)ca->pidfd, &fd, sizeof(fd))) {
			fd_close(fd);
			err = -EFAULT;
			goto fail_ctx;
		}
	}
	c->nthreads = 1;
	if (f & CLONE_VFORK)
		c->vfork_parent = current_thread();
	seccomp_thread_fork(ut, self());
	if (!start_thread(st, c, true)) {
		c->vfork_parent = NULL;
		seccomp_thread_release(ut);
		err = -EAGAIN; /* as Linux past threads-max */
		goto fail_ctx;
	}
	if (f & CLONE_VFORK)
		vfork_wait(c);
	return pid;

fail_ctx:
	kfree(st->ctx);
fail_sig:
	kfree(ut->sig);
	signal_process_release(c);
fail_fs:
	fs_process_release(c);
fail_mm:
	if (!c->mm_borrowed && c->mm)
		vm_mm_free(c->mm);
	c->mm = NULL;
fail:
	kfree(st);
	kfree(ut);
	process_abort(c);
	return err;
}

static long do_clone(const struct clone_args_k *ca)
{
	long err = check_flags(ca);

	if (err)
		return err;
	self(); /* the caller's own state exists: the new one copies it */
	if (ca->flags & CLONE_THREAD)
		return new_thread(ca);
	return new_process(ca);
}

SYSCALL_DEFINE(clone)
{
	/* x86-64 order: flags, stack, parent_tid, child_tid, tls. */
	struct clone_args_k ca = {
		.flags = (uint64_t)a[0] & ~(uint64_t)CSIGNAL,
		.exit_signal = (int)(a[0] & CSIGNAL),
		.stack = (uintptr_t)a[1],
		.parent_tid = (uintptr_t)a[2],
		.child_tid = (uintptr_t)a[3],
		.tls = (uint64_t)a[4],
	};

	if (ca.flags & CLONE_PIDFD) /* clone's pidfd goes to parent_tid */
		ca.pidfd = ca.parent_tid;
	if ((ca.flags & CLONE_PIDFD) && (ca.flags & CLONE_PARENT_SETTID))
		return -EINVAL;
	if (ca.exit_signal > KSIG_MAX)
		return -EINVAL;
	return do_clone(&ca);
}

/* struct clone_args of clone3(2), as the program passes it. */
struct clone_args_u {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
	    stack_size, tls, set_tid, set_tid_size, cgroup;
};

SYSCALL_DEFINE(clone3)
{
	struct clone_args_u u;
	size_t size = (size_t)a[1];
	struct clone_args_k ca;

	memset(&u, 0, sizeof(u));
	if (size < 64 || size > 4096)
		return -EINVAL;
	if (copy_from_user(&u, (const void *)a[0], MIN(size, sizeof(u))))
		return -EFAULT;
	/* A larger struct from a newer program: the rest must be zero. */
	for (size_t off = sizeof(u); off < size; off++) {
		uint8_t b;
		if (copy_from_user(&b, (const char *)a[0] + off, 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (u.set_tid || u.set_tid_size) {
		WARN_ONCE("keel: clone3 with set_tid: EINVAL\n");
		return -EINVAL;
	}
	if (u.exit_signal > KSIG_MAX || (u.flags & CSIGNAL))
		return -EINVAL;
	if ((u.stack == 0) != (u.stack_size == 0))
		return -EINVAL;
	ca = (struct clone_args_k){
		.flags = u.flags,
		.pidfd = (uintptr_t)u.pidfd,
		.child_tid = (uintptr_t)u.child_tid,
		.parent_tid = (uintptr_t)u.parent_tid,
		.exit_signal = (int)u.exit_signal,
		/* The stack is given as its lowest address and size. */
		.stack = u.stack ? (uintptr_t)(u.stack + u.stack_size) : 0,
		.stack_size = (size_t)u.stack_size,
		.tls = u.tls,
	};
	return do_clone(&ca);
}

SYSCALL_DEFINE(fork)
{
	struct clone_args_k ca = { .exit_signal = SIGCHLD };

	(void)a;
	return do_clone(&ca);
}

SYSCALL_DEFINE(vfork)
{
	struct clone_args_k ca = { .flags = CLONE_VM | CLONE_VFORK,
				   .exit_signal = SIGCHLD };

	(void)a;
	return do_clone(&ca);
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
	struct process *p = current_process();
	unsigned long irq;
	bool last;

	self();
	irq = spin_lock_irqsave(&process_table_lock);
	last = p->nthreads <= 1;
	if (last && !p->exiting) {
		p->exiting = true;
		p->wstatus = ((int)a[0] & 0xff) << 8;
	}
	spin_unlock_irqrestore(&process_table_lock, irq);
	leave();
	process_thread_exit();
}

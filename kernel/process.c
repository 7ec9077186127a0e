/*
 * process.c - processes (kernel/): the table of them, their ids, their
 * families (parent, children, re-parenting of orphans), and their end:
 * the exit hooks higher layers registered run, the files and the address
 * space go, and the process stays a zombie, its wait status kept, until
 * its parent waits for it (process_reap, called by linux/'s wait4 and
 * waitid). The first process is the program the VM was started for: its
 * end is the kernel's shutdown status (docs/boot.md), on QEMU through
 * isa-debug-exit and the console line, on Xen through xenstore.
 *
 * One lock (process_table_lock, interrupts off) guards the table, every family
 * link, state and wait status. Process ids and thread ids come from one
 * counter, as on Linux (a process's id is its first thread's).
 */
#include <keel/errno.h>
#include <keel/arch.h>
#include <keel/heap.h>
#include <keel/mmu.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/time.h>
#include <keel/vm.h>

#define NOLIMIT                              \
	{                                    \
		RLIM_INFINITY, RLIM_INFINITY \
	}

/* Ids wrap at pid_max (kernel.pid_max, Linux's default) and start again
 * at 300. */
#define PID_WRAP 300
static int pid_max = PID_MAX_DEFAULT;

/* Linux's defaults for a process started as root. */
static struct process init_proc = {
	.pid = 1,
	.pgid = 1,
	.sid = 1,
	.cred = CRED_ROOT,
	.exit_signal = SIGCHLD,
	.refs = 1,
	.nthreads = 1,
	.rlim = {
		NOLIMIT, NOLIMIT, NOLIMIT,
		{ 8UL << 20, RLIM_INFINITY }, /* STACK */
		{ 0, RLIM_INFINITY },	      /* CORE */
		NOLIMIT,
		{ 63432, 63432 },	      /* NPROC */
		{ 1024, 4096 },		      /* NOFILE: INR_OPEN_CUR, _MAX */
		{ 8UL << 20, 8UL << 20 },     /* MEMLOCK */
		NOLIMIT, NOLIMIT,
		{ 63432, 63432 },	      /* SIGPENDING */
		{ 819200, 819200 },	      /* MSGQUEUE */
		{ 0, 0 }, { 0, 0 },	      /* NICE, RTPRIO */
		NOLIMIT,		      /* RTTIME */
	},
};

struct spinlock process_table_lock;
static struct list_node ptab = LIST_INIT(ptab);
static int last_id = 1;
static bool table_ready;

static void table_init(void)
{
	if (table_ready)
		return;
	table_ready = true;
	list_init(&init_proc.children);
	list_init(&init_proc.sibling);
	list_init(&init_proc.threads);
	waitq_init(&init_proc.child_wq);
	waitq_init(&init_proc.vfork_wq);
	list_push_back(&ptab, &init_proc.all);
}

struct process *process_init_proc(void)
{
	table_init();
	return &init_proc;
}

struct process *current_process(void)
{
	struct thread *t = current_thread();

	if (t && t->proc)
		return t->proc;
	return process_init_proc();
}

/* Under process_table_lock: the process with that id (alive or zombie), or NULL. */
static struct process *find_locked(int pid)
{
	table_init();
	list_for_each (n, &ptab) {
		struct process *p = list_entry(n, struct process, all);
		if (p->pid == pid && p->state != PROCESS_DEAD)
			return p;
	}
	return NULL;
}

struct process *process_get(int pid)
{
	unsigned long irq = spin_lock_irqsave(&process_table_lock);
	struct process *p = find_locked(pid);

	if (p)
		p->refs++;
	spin_unlock_irqrestore(&process_table_lock, irq);
	return p;
}

static void process_free(struct process *p)
{
	kfree(p->exe);
	kfree(p->argv);
	kfree(p);
}

void process_put(struct process *p)
{
	unsigned long irq = spin_lock_irqsave(&process_table_lock);
	bool last = --p->refs == 0;

	spin_unlock_irqrestore(&process_table_lock, irq);
	if (last && p != &init_proc)
		process_free(p);
}

int process_for_each(int (*fn)(struct process *p, void *arg), void *arg)
{
	unsigned long irq = spin_lock_irqsave(&process_table_lock);
	int r = 0;

	table_init();
	list_for_each (n, &ptab) {
		struct process *p = list_entry(n, struct process, all);
		if (p->state == PROCESS_DEAD)
			continue;
		r = fn(p, arg);
		if (r)
			break;
	}
	spin_unlock_irqrestore(&process_table_lock, irq);
	return r;
}

int process_pid_max(void)
{
	return READ_ONCE(pid_max);
}

int process_set_pid_max(unsigned long v)
{
	unsigned long irq;

	if (v < PID_MAX_MIN || v > PID_MAX_LIMIT)
		return -EINVAL;
	irq = spin_lock_irqsave(&process_table_lock);
	pid_max = (int)v;
	spin_unlock_irqrestore(&process_table_lock, irq);
	return 0;
}

/*
 * A new id: the counter's next value that no process (nor a process
 * group or session named by one) and no thread (taken(id) says) uses.
 */
int process_new_id(bool (*taken)(int id))
{
	unsigned long irq = spin_lock_irqsave(&process_table_lock);
	int id = -EAGAIN;

	table_init();
	for (int tries = 0; tries < pid_max; tries++) {
		int c = last_id + 1 >= pid_max ? PID_WRAP : last_id + 1;
		bool used = false;

		last_id = c;
		list_for_each (n, &ptab) {
			struct process *p = list_entry(n, struct process, all);
			if (p->pid == c || p->pgid == c || p->sid == c)
				used = true;
		}
		if (!used && !(taken && taken(c))) {
			id = c;
			break;
		}
	}
	spin_unlock_irqrestore(&process_table_lock, irq);
	return id;
}

/* Copy a NULL-ended string vector into one allocation. */
static const char **copy_argv(const char *const *argv)
{
	size_t n = 0, bytes = 0;
	const char **v;
	char *s;

	if (!argv)
		return NULL;
	for (; argv[n]; n++)
		bytes += strlen(argv[n]) + 1;
	v = kmalloc((n + 1) * sizeof(*v) + bytes);
	if (!v)
		return NULL;
	s = (char *)(v + n + 1);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(argv[i]) + 1;
		memcpy(s, argv[i], l);
		v[i] = s;
		s += l;
	}
	v[n] = NULL;
	return v;
}

int process_set_image(struct process *p, const char *exe,
		      const char *const *argv)
{
	char *e = kmalloc(strlen(exe) + 1);
	const char **v = copy_argv(argv);

	if (!e || (argv && !v)) {
		kfree(e);
		kfree(v);
		return -ENOMEM;
	}
	strlcpy(e, exe, strlen(exe) + 1);
	/* The first process's first image is the job's, not ours to free. */
	if (p->image_owned) {
		kfree(p->exe);
		kfree(p->argv);
	}
	p->exe = e;
	p->argv = v;
	p->image_owned = true;
	return 0;
}

struct process *process_new(int pid, unsigned long flags)
{
	struct process *parent = current_process();
	struct process *p = kzalloc(sizeof(*p));
	unsigned long irq;

	if (!p)
		return NULL;
	p->pid = pid;
	p->pgid = parent->pgid;
	p->sid = parent->sid;
	p->cred = parent->cred;
	memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
	p->start_ns = time_now_ns();
	p->exit_signal = (int)(flags & 0xff);
	memcpy(p->comm, parent->comm, sizeof(p->comm));
	p->oom_score_adj = parent->oom_score_adj;
	p->oom_score_adj_min = parent->oom_score_adj_min;
	p->refs = 1;
	p->stop_reported = p->cont_reported = true; /* nothing to report */
	p->state = PROCESS_ALIVE;
	list_init(&p->children);
	list_init(&p->threads);
	waitq_init(&p->child_wq);
	waitq_init(&p->vfork_wq);
	if (parent->exe && process_set_image(p, parent->exe, parent->argv)) {
		kfree(p);
		return NULL;
	}
	irq = spin_lock_irqsave(&process_table_lock);
	table_init();
	p->parent = parent;
	list_push_back(&parent->children, &p->sibling);
	list_push_back(&ptab, &p->all);
	spin_unlock_irqrestore(&process_table_lock, irq);
	return p;
}

/* A process that never ran (fork failed half way): out of the table. */
void process_abort(struct process *p)
{
	unsigned long irq = spin_lock_irqsave(&process_table_lock);

	list_remove(&p->sibling);
	list_remove(&p->all);
	spin_unlock_irqrestore(&process_table_lock, irq);
	process_put(p);
}

static struct list_node exit_hooks = LIST_INIT(exit_hooks);
static struct spinlock hooks_lock;

void process_on_exit(struct process_exit_hook *h)
{
	unsigned long irq = spin_lock_irqsave(&hooks_lock);

	list_push_front(&exit_hooks, &h->node);
	spin_unlock_irqrestore(&hooks_lock, irq);
}

/* The one the orphans of p go to: the nearest subreaper above, else 1. */
static struct process *reaper_for(struct process *p)
{
	for (struct process *a = p->parent; a && a != &init_proc; a = a->parent)
		if (a->subreaper && a->state == PROCESS_ALIVE)
			return a;
	return &init_proc;
}

/* Under process_table_lock: p's children go to their new parent. */
static bool reparent_children(struct process *p)
{
	struct process *r = reaper_for(p);
	bool zombies = false;

	while (!list_empty(&p->children)) {
		struct process *c =
		    list_entry(p->children.next, struct process, sibling);

		list_remove(&c->sibling);
		c->parent = r;
		c->exit_signal = SIGCHLD;
		list_push_back(&r->children, &c->sibling);
		if (c->state == PROCESS_ZOMBIE)
			zombies = true;
		else if (c->cred.pdeathsig) { /* PR_SET_PDEATHSIG */
			struct ksiginfo info = { .signo = c->cred.pdeathsig };

			signal_send_proc(c, c->cred.pdeathsig, &info);
		}
	}
	if (zombies)
		waitq_wake_all(&r->child_wq);
	return zombies;
}

/* The wait status of a process that ended with exit code `code`. */
static int exit_wstatus(int code)
{
	return (code & 0xff) << 8;
}

void process_release_mm(struct process *p)
{
	struct mm *mm = p->mm;

	if (!mm || p == &init_proc)
		return;
	p->mm = NULL;
	/* From here on the thread runs on the kernel's own tables. */
	arch_thread_set_space(&current_thread()->arch, kernel_space.root);
	arch_switch_space(kernel_space.root);
	if (p->mm_borrowed) { /* a vfork child's: the parent's own */
		p->mm_borrowed = false;
		return;
	}
	vm_mm_free(mm);
}

/* Wake a parent suspended in vfork (the child exits or execs). */
void process_vfork_done(struct process *p)
{
	unsigned long irq = spin_lock_irqsave(&process_table_lock);

	p->vfork_parent = NULL;
	waitq_wake_all(&p->vfork_wq);
	spin_unlock_irqrestore(&process_table_lock, irq);
}

/*
 * The last thread of p is leaving: everything but the record goes, the
 * parent learns of it. Runs on that thread, in p's address space.
 */
static void process_finish(struct process *p)
{
	unsigned long irq;
	bool autoreap;
	struct ksiginfo info;
	struct process *parent;

	list_for_each (n, &exit_hooks)
		list_entry(n, struct process_exit_hook, node)->fn(p);
	if (p == &init_proc) {
		int st = p->wstatus;
		/* Killed by a signal: 128 + its number, as a shell says. */
		kernel_shutdown((st & 0x7f) ? 128 + (st & 0x7f)
					    : (st >> 8) & 0xff);
	}
	{
		unsigned long irq = arch_irq_save();

		sched_charge_current();
		arch_irq_restore(irq);
	}
	if (p->mm)
		p->maxrss_kb =
		    (long)(vm_mm_resident(p->mm) * (PAGE_SIZE / 1024));
	process_release_mm(p);
	process_vfork_done(p);
	signal_process_release(p);

	irq = spin_lock_irqsave(&process_table_lock);
	reparent_children(p);
	parent = p->parent;
	p->state = PROCESS_ZOMBIE;
	autoreap = p->exit_signal == SIGCHLD && signal_child_autoreap(parent);
	if (autoreap) {
		list_remove(&p->sibling);
		list_remove(&p->all);
		p->state = PROCESS_DEAD;
	}
	waitq_wake_all(&parent->child_wq);
	spin_unlock_irqrestore(&process_table_lock, irq);
	if (p->exit_signal && !autoreap) {
		memset(&info, 0, sizeof(info));
		info.signo = p->exit_signal;
		info.code =
		    (p->wstatus & 0x7f)
			? ((p->wstatus & 0x80) ? CLD_DUMPED : CLD_KILLED)
			: CLD_EXITED;
		info.chld.pid = p->pid;
		info.chld.uid = p->cred.ruid;
		info.chld.status = (p->wstatus & 0x7f)
				       ? (p->wstatus & 0x7f)
				       : (p->wstatus >> 8) & 0xff;
		info.chld.utime = (int64_t)(p->utime_ns / 10000000);
		info.chld.stime = (int64_t)(p->stime_ns / 10000000);
		signal_send_proc(parent, p->exit_signal, &info);
	}
	if (autoreap)
		process_put(p);
}

/*
 * The calling thread leaves its process (its uthread is gone already):
 * the last one finishes the process. Then the kernel thread ends.
 */
__noreturn void process_thread_exit(void)
{
	struct process *p = current_process();
	unsigned long irq = spin_lock_irqsave(&process_table_lock);
	bool last = --p->nthreads <= 0;

	spin_unlock_irqrestore(&process_table_lock, irq);
	if (last)
		process_finish(p);
	else
		waitq_wake_all(&p->vfork_wq); /* an exec waiting for us */
	current_thread()->proc = NULL;
	thread_exit();
}

/* Under process_table_lock or not: mark p ending and get every thread moving. */
static void begin_exit(struct process *p, int wstatus)
{
	unsigned long irq = spin_lock_irqsave(&process_table_lock);

	if (!p->exiting) {
		p->exiting = true;
		p->wstatus = wstatus;
	}
	spin_unlock_irqrestore(&process_table_lock, irq);
	process_kick_threads(p);
}

/* Hook for linux/: end each of the process's other threads (they call
 * process_check_exiting on their way out of the kernel). */
static void (*kick_threads)(struct process *p);

void process_set_kick(void (*fn)(struct process *p))
{
	kick_threads = fn;
}

void process_kick_threads(struct process *p)
{
	if (kick_threads)
		kick_threads(p);
}

/* Hook for linux/: the calling thread's own end (clear_child_tid,
 * its uthread freed), then process_thread_exit. */
static void (*thread_leave)(void);

void process_set_thread_leave(void (*fn)(void))
{
	thread_leave = fn;
}

static __noreturn void leave(void)
{
	if (thread_leave)
		thread_leave();
	process_thread_exit();
}

__noreturn void process_exit(int status)
{
	begin_exit(current_process(), exit_wstatus(status));
	leave();
}

__noreturn void process_exit_signal(int sig, bool core)
{
	struct process *p = current_process();

	begin_exit(p, (sig & 0x7f) | (core ? 0x80 : 0));
	leave();
}

void process_check_exiting(void)
{
	struct process *p = current_thread()->proc;

	if (!p)
		return;
	/* Ending, or another thread's execve ends this one. */
	if (READ_ONCE(p->exiting) ||
	    (READ_ONCE(p->exec_thread) &&
	     READ_ONCE(p->exec_thread) != current_thread()))
		leave();
}

/*
 * Take zombie c (a child of the caller, under process_table_lock): out of the
 * table, its times into the parent's children's times. The caller
 * process_puts it after reading what it needs.
 */
void process_reap_locked(struct process *c)
{
	struct process *p = c->parent;

	list_remove(&c->sibling);
	list_remove(&c->all);
	c->state = PROCESS_DEAD;
	if (p) {
		p->child_utime_ns += c->utime_ns + c->child_utime_ns;
		p->child_stime_ns += c->stime_ns + c->child_stime_ns;
		if (c->maxrss_kb > p->child_maxrss_kb)
			p->child_maxrss_kb = c->maxrss_kb;
	}
}

struct group_find {
	int pgid, sid;
};

static int group_match(struct process *p, void *arg)
{
	struct group_find *g = arg;

	return p->state == PROCESS_ALIVE && p->pgid == g->pgid &&
	       (g->sid < 0 || p->sid == g->sid);
}

bool process_group_exists(int pgid, int sid)
{
	struct group_find g = { pgid, sid };

	return pgid > 0 && process_for_each(group_match, &g);
}

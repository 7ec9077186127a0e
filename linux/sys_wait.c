/*
 * sys_wait.c - the family of processes as the system calls see it
 * (linux/): wait4 and waitid (exited, stopped and continued children,
 * WNOHANG, WNOWAIT, __WALL/__WCLONE), getppid, process groups and
 * sessions (setpgid, getpgid, getpgrp, setsid, getsid), and pidfds
 * (pidfd_open, pidfd_send_signal, CLONE_PIDFD): a file that polls
 * readable once its process has ended. The records themselves are
 * kernel/process.c's.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/poll.h>
#include <keel/process.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <keel/wait.h>
#include <uapi/fs.h>

#include "linux.h"

#define WNOHANG 0x00000001
#define WUNTRACED 0x00000002
#define WSTOPPED WUNTRACED
#define WEXITED 0x00000004
#define WCONTINUED 0x00000008
#define WNOWAIT 0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000

#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define P_PIDFD 3

/* struct rusage: two timevals and 14 longs. */
struct rusage_u {
	int64_t utime_s, utime_us, stime_s, stime_us;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock,
	    oublock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};

/* Which children a wait is for. */
struct wait_req {
	int idtype, id, options;
};

/* What it found: the child's pid (0: none yet), its status as wait4
 * and waitid report them. */
struct wait_res {
	int pid;
	uint32_t uid;
	int wstatus;
	int code, status; /* CLD_*, and the exit code or signal */
	uint64_t utime_ns, stime_ns;
	long maxrss_kb;
};

static bool wanted(const struct process *c, const struct wait_req *r)
{
	bool clone_child = c->exit_signal != SIGCHLD;

	if (!(r->options & __WALL) && clone_child != !!(r->options & __WCLONE))
		return false;
	switch (r->idtype) {
	case P_PID:
		return c->pid == r->id;
	case P_PGID:
		return c->pgid == r->id;
	default:
		return true;
	}
}

/* Under the table's lock: a child of me with news, into *res. */
static int look(struct process *me, const struct wait_req *r,
		struct wait_res *res, struct process **reap)
{
	bool any = false;

	list_for_each (n, &me->children) {
		struct process *c = list_entry(n, struct process, sibling);
		if (!wanted(c, r))
			continue;
		any = true;
		res->pid = c->pid;
		res->uid = c->cred.ruid;
		if (c->state == PROCESS_ZOMBIE && (r->options & WEXITED)) {
			res->wstatus = c->wstatus;
			if (c->wstatus & 0x7f) {
				res->code =
				    c->wstatus & 0x80 ? CLD_DUMPED : CLD_KILLED;
				res->status = c->wstatus & 0x7f;
			} else {
				res->code = CLD_EXITED;
				res->status = (c->wstatus >> 8) & 0xff;
			}
			res->utime_ns = c->utime_ns + c->child_utime_ns;
			res->stime_ns = c->stime_ns + c->child_stime_ns;
			res->maxrss_kb = MAX(c->maxrss_kb, c->child_maxrss_kb);
			if (!(r->options & WNOWAIT)) {
				process_reap_locked(c);
				*reap = c;
			}
			return 1;
		}
		if (c->state != PROCESS_ALIVE)
			continue;
		if ((r->options & WSTOPPED) && c->stopped &&
		    !c->stop_reported) {
			res->wstatus = c->wstatus;
			res->code = CLD_STOPPED;
			res->status = (c->wstatus >> 8) & 0xff;
			if (!(r->options & WNOWAIT))
				c->stop_reported = true;
			return 1;
		}
		if ((r->options & WCONTINUED) && !c->stopped &&
		    !c->cont_reported) {
			res->wstatus = 0xffff;
			res->code = CLD_CONTINUED;
			res->status = SIGCONT;
			if (!(r->options & WNOWAIT))
				c->cont_reported = true;
			return 1;
		}
	}
	res->pid = 0;
	return any ? 0 : -ECHILD;
}

static long do_wait(const struct wait_req *r, struct wait_res *res)
{
	struct process *me = current_process(), *reap = NULL;
	unsigned long irq = spin_lock_irqsave(&process_table_lock);
	int err;

	for (;;) {
		err = look(me, r, res, &reap);
		if (err)
			break;
		if (r->options & WNOHANG)
			break;
		err = waitq_wait_intr(&me->child_wq, &process_table_lock, 0);
		if (err)
			break;
	}
	spin_unlock_irqrestore(&process_table_lock, irq);
	if (reap)
		process_put(reap);
	return err < 0 ? err : 0;
}

static void fill_rusage(struct rusage_u *ru, uint64_t u, uint64_t s,
			long maxrss)
{
	memset(ru, 0, sizeof(*ru));
	ru->utime_s = (int64_t)(u / 1000000000);
	ru->utime_us = (int64_t)(u % 1000000000 / 1000);
	ru->stime_s = (int64_t)(s / 1000000000);
	ru->stime_us = (int64_t)(s % 1000000000 / 1000);
	ru->maxrss = maxrss;
}

SYSCALL_DEFINE(wait4)
{
	int pid = (int)a[0];
	int options = (int)a[2];
	struct wait_req r = { .options = (options & ~WUNTRACED) | WEXITED };
	struct wait_res res;
	struct rusage_u ru;
	long err;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD |
			__WALL | __WCLONE))
		return -EINVAL;
	if (options & WUNTRACED)
		r.options |= WSTOPPED;
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid > 0) {
		r.idtype = P_PID;
		r.id = pid;
	} else if (pid == 0) {
		r.idtype = P_PGID;
		r.id = current_process()->pgid;
	} else if (pid < -1) {
		r.idtype = P_PGID;
		r.id = -pid;
	} else {
		r.idtype = P_ALL;
	}
	err = do_wait(&r, &res);
	if (err)
		return err;
	if (res.pid && a[1] &&
	    copy_to_user((void *)a[1], &res.wstatus, sizeof(res.wstatus)))
		return -EFAULT;
	if (res.pid && a[3]) {
		fill_rusage(&ru, res.utime_ns, res.stime_ns, res.maxrss_kb);
		if (copy_to_user((void *)a[3], &ru, sizeof(ru)))
			return -EFAULT;
	}
	return res.pid;
}

/* The process a pidfd refers to (a reference), or NULL. */
static struct process *pidfd_process(int fd, long *err);

SYSCALL_DEFINE(waitid)
{
	int idtype = (int)a[0], options = (int)a[3];
	struct wait_req r = { .idtype = idtype,
			      .id = (int)a[1],
			      .options = options };
	struct wait_res res;
	struct ksiginfo si;
	struct rusage_u ru;
	long err;

	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED |
			__WNOTHREAD | __WALL | __WCLONE))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	switch (idtype) {
	case P_ALL:
		break;
	case P_PID:
		if (r.id <= 0)
			return -EINVAL;
		break;
	case P_PGID:
		if (r.id < 0)
			return -EINVAL;
		if (r.id == 0)
			r.id = current_process()->pgid;
		break;
	case P_PIDFD: {
		struct process *p = pidfd_process(r.id, &err);

		if (!p)
			return err;
		r.idtype = P_PID;
		r.id = p->pid;
		process_put(p);
		break;
	}
	default:
		return -EINVAL;
	}
	err = do_wait(&r, &res);
	if (err)
		return err;
	if (a[2]) {
		memset(&si, 0, sizeof(si));
		if (res.pid) {
			si.signo = SIGCHLD;
			si.code = res.code;
			si.chld.pid = res.pid;
			si.chld.uid = res.uid;
			si.chld.status = res.status;
		}
		if (copy_to_user((void *)a[2], &si, sizeof(si)))
			return -EFAULT;
	}
	if (a[4]) {
		fill_rusage(&ru, res.utime_ns, res.stime_ns, res.maxrss_kb);
		if (copy_to_user((void *)a[4], &ru, sizeof(ru)))
			return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE(getppid)
{
	struct process *p = current_process();
	unsigned long irq = spin_lock_irqsave(&process_table_lock);
	int ppid = p->parent ? p->parent->pid : 0;

	(void)a;
	spin_unlock_irqrestore(&process_table_lock, irq);
	return ppid;
}

/* ---- process groups and sessions ---- */

static long pgid_of(int pid, bool sid)
{
	struct process *p;
	long r;

	if (pid < 0)
		return -ESRCH;
	if (pid == 0)
		return sid ? current_process()->sid : current_process()->pgid;
	p = process_get(pid);
	if (!p)
		return -ESRCH;
	r = sid ? p->sid : p->pgid;
	process_put(p);
	return r;
}

SYSCALL_DEFINE(getpgid)
{
	return pgid_of((int)a[0], false);
}

SYSCALL_DEFINE(getsid)
{
	return pgid_of((int)a[0], true);
}

SYSCALL_DEFINE(getpgrp)
{
	(void)a;
	return current_process()->pgid;
}

SYSCALL_DEFINE(setpgid)
{
	struct process *me = current_process(), *p;
	int pid = (int)a[0], pgid = (int)a[1];
	unsigned long irq;
	long err = 0;

	if (pid < 0 || pgid < 0)
		return -EINVAL;
	if (pid == 0)
		pid = me->pid;
	if (pgid == 0)
		pgid = pid;
	p = process_get(pid);
	if (!p)
		return -ESRCH;
	if (p != me && p->parent != me)
		err = -ESRCH;
	else if (p != me && p->sid != me->sid)
		err = -EPERM;
	else if (p != me && p->did_exec)
		err = -EACCES;
	else if (p->sid == p->pid)
		err = -EPERM; /* a session leader stays where it is */
	if (!err && pgid != pid && !process_group_exists(pgid, me->sid))
		err = -EPERM;
	if (!err) {
		irq = spin_lock_irqsave(&process_table_lock);
		p->pgid = pgid;
		spin_unlock_irqrestore(&process_table_lock, irq);
	}
	process_put(p);
	return err;
}

SYSCALL_DEFINE(setsid)
{
	struct process *me = current_process();
	unsigned long irq;
	int pid = me->pid;

	(void)a;
	/* A group leader, or the id already names someone's group. */
	if (me->pgid == pid || process_group_exists(pid, -1))
		return -EPERM;
	irq = spin_lock_irqsave(&process_table_lock);
	me->sid = pid;
	me->pgid = pid;
	spin_unlock_irqrestore(&process_table_lock, irq);
	return pid;
}

/* ---- pidfds ---- */

static struct pollq pidfd_pollq = { { 0 }, LIST_INIT(pidfd_pollq.entries) };

static void pidfd_exit_hook(struct process *p)
{
	(void)p;
	pollq_wake(&pidfd_pollq, EPOLLIN | EPOLLRDNORM);
}

static struct process_exit_hook pidfd_hook = { .fn = pidfd_exit_hook };

static unsigned pidfd_poll(struct file *f, struct poll_table *pt)
{
	struct process *p = f->inode->priv;

	poll_wait(pt, &pidfd_pollq);
	return READ_ONCE(p->exiting) || p->state != PROCESS_ALIVE
		   ? EPOLLIN | EPOLLRDNORM
		   : 0;
}

static void pidfd_release(struct inode *ino)
{
	process_put(ino->priv);
}

static const struct file_ops pidfd_fops = {
	.poll = pidfd_poll,
};

static const struct inode_ops pidfd_iops = {
	.release = pidfd_release,
};

void pidfd_init(void)
{
	process_on_exit(&pidfd_hook);
}

/* A new descriptor for p (a reference is taken): the fd or -errno. */
static int pidfd_install(struct process *p, bool nonblock)
{
	struct file *f;
	int err, fd;

	process_get(p->pid);
	err = anon_file_new(&pidfd_fops, &pidfd_iops, p,
			    O_RDWR | (nonblock ? O_NONBLOCK : 0), &f);
	if (err) {
		process_put(p);
		return err;
	}
	fd = fd_install(f, true); /* pidfds are always close-on-exec */
	if (fd < 0)
		file_put(f);
	return fd;
}

int pidfd_create(struct process *p)
{
	return pidfd_install(p, false);
}

static struct process *pidfd_process(int fd, long *err)
{
	struct file *f = fd_get(fd);
	struct process *p;

	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (f->ops != &pidfd_fops) {
		file_put(f);
		*err = -EBADF;
		return NULL;
	}
	p = process_get(((struct process *)f->inode->priv)->pid);
	file_put(f);
	if (!p)
		*err = -ESRCH;
	return p;
}

SYSCALL_DEFINE(pidfd_open)
{
	int pid = (int)a[0];
	struct process *p;
	int fd;

	if (a[1] & ~(long)O_NONBLOCK)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	p = process_get(pid);
	if (!p)
		return -ESRCH;
	fd = pidfd_install(p, a[1] & O_NONBLOCK);
	process_put(p);
	return fd;
}

SYSCALL_DEFINE(pidfd_send_signal)
{
	int sig = (int)a[1];
	struct ksiginfo info;
	struct process *p;
	long err;

	if (a[3])
		return -EINVAL;
	if (sig < 0 || sig > KSIG_MAX)
		return -EINVAL;
	p = pidfd_process((int)a[0], &err);
	if (!p)
		return err;
	if (p->state != PROCESS_ALIVE || p->exiting) {
		process_put(p);
		return -ESRCH;
	}
	if (a[2]) {
		if (copy_from_user(&info, (const void *)a[2], sizeof(info))) {
			process_put(p);
			return -EFAULT;
		}
		if (info.signo != sig ||
		    (p != current_process() &&
		     (info.code >= 0 || info.code == SI_TKILL))) {
			process_put(p);
			return -EPERM;
		}
	} else {
		signal_fill_info(&info, sig, SI_USER);
	}
	err = sig ? signal_send_proc(p, sig, &info) : 0;
	process_put(p);
	return err;
}

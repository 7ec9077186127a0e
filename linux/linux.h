/*
 * linux.h - what the files of linux/ share among themselves (not an
 * interface for the rest of the kernel): the program's threads as the
 * syscall layer sees them (sys_thread.c), sending a signal to one,
 * futex wake-ups for thread exit, time values (sys_info.c), copying in
 * a path.
 */
#ifndef KEEL_LINUX_LINUX_H
#define KEEL_LINUX_LINUX_H

#include <keel/compiler.h>
#include <keel/list.h>
#include <keel/poll.h>
#include <keel/seccomp.h>
#include <keel/signal.h>
#include <keel/sync.h>

struct thread;

/* A thread of the program. */
struct process;

struct uthread {
	int tid;
	uintptr_t clear_child_tid;
	struct thread *thread;
	struct list_node node; /* in sys_thread.c's list */
	struct sigstate *sig; /* its signals (kernel/signal.c) */
	struct process *proc; /* the process it belongs to */
	/* Per thread, as in Linux; inherited by clone, fork and exec. */
	struct seccomp seccomp; /* its filters (sys_seccomp.c) */
	bool no_new_privs; /* PR_SET_NO_NEW_PRIVS */
};

/*
 * vdso.c: set the vDSO up once (linux_init); map it with its clock page
 * into the calling process's new image, at or above `above` when there
 * is room: the vDSO's address for AT_SYSINFO_EHDR, or 0 without one.
 */
void vdso_init(void);
uintptr_t vdso_map(uintptr_t above);

/* sys_thread.c: hooks into kernel/process.c (linux_init); execve's thread
 * takes the pid. sys_wait.c: pidfds (CLONE_PIDFD): a new one for p. */
void threads_init(void);
void exec_thread_reset(void);
void pidfd_init(void);
int pidfd_create(struct process *p);

/* sys_thread.c: the thread with id tid, or NULL. */
struct uthread *uthread_find(int tid);
/* Whether a thread or process of that id exists (sched_*, priorities). */
bool id_exists(int id);
/* sys_thread.c: the calling thread's (made for the first thread on its
 * first use). */
struct uthread *uthread_self(void);
/* sys_thread.c: fn on each thread of the process, under the threads'
 * lock (fn must not sleep); stops at fn's first non-zero, returned. */
int uthread_for_each(int (*fn)(struct uthread *u, void *arg), void *arg);

/*
 * sys_seccomp.c. seccomp_syscall: before the handler of syscall nr of a
 * thread whose seccomp mode is not 0 (linux/syscall.c tests that): true
 * when the call must not run, *ret its result (or the thread is ended).
 * seccomp_thread_fork: a new thread (clone) or process (fork) inherits
 * the creator's filters and no_new_privs; seccomp_thread_release: when
 * u is freed. seccomp_prctl: PR_{GET,SET}_{SECCOMP,NO_NEW_PRIVS}.
 */
bool seccomp_syscall(struct uthread *u, unsigned long nr, const long *a,
		     long *ret);
void seccomp_thread_fork(struct uthread *child, const struct uthread *parent);
void seccomp_thread_release(struct uthread *u);
long seccomp_prctl(const long *a);

/* signal.c: send sig to thread u, or to the process (u NULL): 0. */
int signal_send(struct uthread *u, int sig, const struct ksiginfo *info);

/* Wake up to n waiters on the futex at uaddr; how many were woken. */
int futex_wake(uintptr_t uaddr, int n);

/* sys_info.c: a struct timespec from the program, checked (EFAULT,
 * EINVAL: kernel/time.c); the clocks by Linux id. */
struct linux_timespec;
int get_timespec(long uaddr, struct linux_timespec *ts);
int64_t clock_ns(long id);

/* sys_aio.c: register the exit hook and the /proc/sys/fs/aio-* texts. */
void aio_init(void);
/* sys_aio.c: destroy p's AIO contexts (its end, execve). */
void aio_exit(struct process *p);
/* sys_timer.c: the exit hook; execve drops the POSIX timers. */
void timers_init(void);
void timers_exec(struct process *p);

/* sys_file.c: a write's -EPIPE raises SIGPIPE as well; ret unchanged. */
long sigpipe(long ret);
/* sys_file.c: the two new files of pipe2 or socketpair as descriptors,
 * written to ufds (checked by the caller): 0, or -errno with both gone. */
struct file;
long fd_install_pair(struct file *f[2], bool cloexec, long ufds);

/* sys_socket.c: n iovecs from uiov into m->iov (the caller frees it),
 * checked as readv's; m->total their sum. n > IOV_MAX: -EMSGSIZE. */
struct kmsg;
int iov_in(struct kmsg *m, uint64_t uiov, uint64_t n);

/* sys_splice.c: splice from in (at *off, moved on, or at its position)
 * into the pipe out: at most its room, waiting for some unless nonblock.
 * sendfile to a pipe is this too. */
struct file;
long splice_file_to_pipe(struct file *in, int64_t *off, struct file *out,
			 size_t len, bool nonblock);

/*
 * sys_file.c: an iovec array from the application, copied and checked
 * (count, lengths, ranges): 0 and *out (kfree it), or -errno. The I/O of
 * readv, writev and the preadv family on such a vector, at off when at
 * (else at the file position): bytes done, or -errno when none were.
 */
struct linux_iovec;
struct file;
long iovec_from_user(long uiov, long cnt, struct linux_iovec **out);
long file_rw_iov(struct file *f, struct linux_iovec *iov, size_t cnt,
		 bool write, bool at, int64_t off);

/* A path from the application into a PATH_MAX buffer the caller frees
 * (sys_path.c): 0 or -errno. */
long get_path(long upath, char **out);

#endif

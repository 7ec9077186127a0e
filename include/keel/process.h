/*
 * process.h - the one process keel runs (kernel/process.c): its
 * identity, its credentials (kernel/cred.c), its files (fs/ owns the
 * descriptor table and the cwd), its address space (kernel/vm.c) and how
 * it ends. Its threads, as the system calls see them, are linux/'s.
 */
#ifndef KEEL_PROCESS_H
#define KEEL_PROCESS_H

#include <keel/compiler.h>
#include <keel/cred.h>
#include <keel/list.h>
#include <keel/sync.h>

struct fdtable;
struct fs_context;

/* Resource limits (getrlimit(2)); RLIMIT_NOFILE is enforced by fs/,
 * RLIMIT_DATA and RLIMIT_AS by kernel/vm_commit.c. */
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_AS 9
#define RLIMIT_NLIMITS 16
#define RLIM_INFINITY (~0ULL)
struct rlimit_k {
	uint64_t cur, max;
};

struct mm; /* kernel/vm.c: the address space */
struct sighand; /* kernel/signal.c: actions and process-wide pending */
struct ptimers;
struct thread;

enum process_state {
	PROCESS_ALIVE,
	PROCESS_ZOMBIE, /* ended, its status kept until waited for */
	PROCESS_DEAD, /* waited for: freed once the last reference goes */
};

struct process {
	int pid, pgid, sid;
	char *exe; /* absolute path of the program */
	const char **argv; /* its arguments (for /proc/PID/cmdline) */
	char comm[16]; /* the name ps shows (the program's file name) */
	struct fdtable *fds; /* fs/fdtable.c (shared with CLONE_FILES) */
	struct fs_context *fs; /* cwd and umask, fs/ (shared with CLONE_FS) */
	struct mm *mm; /* kernel/vm.c */
	struct sighand *sig; /* kernel/signal.c */
	struct ptimers *timers; /* alarm, itimers, POSIX timers: linux/ */
	uintptr_t clear_child_tid; /* set_tid_address */
	uint64_t start_ns; /* for times and /proc */
	struct cred cred; /* kernel/cred.c */
	struct rlimit_k rlim[RLIMIT_NLIMITS];

	/* The family (kernel/process.c, under its lock). */
	struct process *parent;
	struct list_node children; /* its children, alive or zombies */
	struct list_node sibling; /* in the parent's children */
	struct list_node all; /* in the process table */
	struct list_node threads; /* its user threads (linux/sys_thread.c) */
	int nthreads;
	enum process_state state;
	bool exiting; /* exit_group or a fatal signal: threads end */
	bool subreaper; /* PR_SET_CHILD_SUBREAPER */
	int exit_signal; /* sent to the parent at the end (SIGCHLD) */
	int wstatus; /* the wait status once a zombie (or stopped) */
	int refs;
	/* Stop and continue, as waitpid's WUNTRACED and WCONTINUED report. */
	bool stopped, stop_reported, cont_reported;
	struct waitq child_wq; /* a child changed state */
	struct thread *vfork_parent; /* set while a vfork parent waits */
	struct waitq vfork_wq;
	/* CPU time it spent, and its ended and waited children's. */
	uint64_t utime_ns, stime_ns, child_utime_ns, child_stime_ns;
	long maxrss_kb, child_maxrss_kb;
	bool image_owned; /* exe and argv are process.c's allocations */
	bool mm_borrowed; /* a vfork child on its parent's address space */
	bool did_exec; /* since fork (setpgid's EACCES) */
	struct thread *exec_thread; /* execve ends every other thread */
	/* kernel/oom.c: its weight when pages run out, and the floor an
	 * unprivileged writer may not go below (both inherited). */
	int oom_score_adj, oom_score_adj_min;
};

/* The calling thread's process (the first process for kernel threads). */
struct process *current_process(void);
/* The first process (pid 1): its end ends the VM. */
struct process *process_init_proc(void);
/* The process with that pid (a reference: process_put it), or NULL. */
struct process *process_get(int pid);
void process_put(struct process *p);
/*
 * Call fn for each process (alive or zombie) under the table's lock:
 * fn must not sleep; iteration stops when fn returns non-zero (returned).
 */
int process_for_each(int (*fn)(struct process *p, void *arg), void *arg);

/*
 * End the calling process with exit status `status` (exit_group): every
 * other thread ends, the exit hooks run, the address space and files go,
 * the parent gets its signal and the process stays a zombie until waited
 * for. The first process's end shuts the VM down with the status.
 */
__noreturn void process_exit(int status);
/* End it as killed by sig (a fatal signal's default action). */
__noreturn void process_exit_signal(int sig, bool core);
/*
 * For the thread leaving the kernel: when its process is ending (another
 * thread called exit_group, or SIGKILL), end this thread now.
 */
void process_check_exiting(void);
/* A stop signal stopped p / SIGCONT continued it: the parent learns of
 * it (SIGCHLD, waitpid WUNTRACED/WCONTINUED). In kernel/signal_send.c. */
void process_stop(struct process *p, int sig);
void process_continue(struct process *p);

/*
 * For linux/'s fork, exec, exit and wait (kernel/process.c).
 * process_table_lock: the table's lock (family links, states, wstatus).
 * process_new_id: a free pid/tid (taken says which thread ids are in
 * use), -EAGAIN if none. process_new: a child of the caller with that
 * pid, CLONE flags' low byte as its exit signal, the caller's ids,
 * credentials, limits and image names (NULL: no memory); its mm, files,
 * signals and threads are the caller's to set up; process_abort takes
 * back one that never ran. process_set_image: the exe path and argv
 * /proc shows (copied). process_thread_exit: the calling thread is gone
 * from its process; the last one finishes it (zombie, parent told).
 * process_set_kick: how linux/ gets a process's other threads out of
 * the kernel (exit_group, SIGKILL, exec); process_set_thread_leave: the
 * calling thread's own end (tid word, its state freed) before
 * process_thread_exit. process_reap_locked: a zombie child out of the
 * table (then process_put). process_release_mm: the address space goes
 * (a vfork child's borrowed one is only given back).
 * process_vfork_done: the vfork parent of p may go on.
 */
extern struct spinlock process_table_lock;
int process_new_id(bool (*taken)(int id));
/*
 * kernel.pid_max: new ids are below it (lowered under the last id, the
 * next wraps to 300, as on Linux); root sets it within Linux's bounds
 * (0 or -EINVAL).
 */
#define PID_MAX_DEFAULT 32768
#define PID_MAX_MIN 301
#define PID_MAX_LIMIT (4 * 1024 * 1024)
int process_pid_max(void);
int process_set_pid_max(unsigned long v);
struct process *process_new(int pid, unsigned long flags);
void process_abort(struct process *p);
int process_set_image(struct process *p, const char *exe,
		      const char *const *argv);
__noreturn void process_thread_exit(void);
void process_set_kick(void (*fn)(struct process *p));
void process_kick_threads(struct process *p);
void process_set_thread_leave(void (*fn)(void));
void process_reap_locked(struct process *c);
void process_release_mm(struct process *p);
void process_vfork_done(struct process *p);
/* Whether a live process is in group pgid (of session sid; -1: any). */
bool process_group_exists(int pgid, int sid);

/*
 * What a higher layer must undo when the process ends (linux/sys_aio.c
 * destroys its AIO contexts, say): process_exit runs each registered
 * hook, newest first, before the end. Register once; h stays valid.
 */
struct process_exit_hook {
	void (*fn)(struct process *p);
	struct list_node node;
};
void process_on_exit(struct process_exit_hook *h);

/*
 * fs/: the standard descriptors 0, 1, 2 on the console, and the cwd.
 * fs_process_fork gives child the caller's descriptors and fs context,
 * shared (share_files: CLONE_FILES, share_fs: CLONE_FS, a reference each)
 * or copied: 0 or -ENOMEM. fs_process_release drops them (at the end).
 * fd_close_on_exec (vfs.h) closes the O_CLOEXEC ones at execve;
 * fs_unshare_files gives the caller a private copy of a shared table.
 */
int fs_process_fork(struct process *child, bool share_files, bool share_fs);
void fs_process_release(struct process *p);
int fs_unshare_files(void);
int fs_process_init(struct process *p, const char *cwd);

#endif

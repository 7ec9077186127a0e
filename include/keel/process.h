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

struct fdtable;
struct fs_context;

/* Resource limits (getrlimit(2)); RLIMIT_NOFILE is enforced by fs/. */
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIMIT_NLIMITS 16
#define RLIM_INFINITY (~0ULL)
struct rlimit_k {
	uint64_t cur, max;
};

struct process {
	int pid; /* always 1: the only process */
	char *exe; /* absolute path of the program */
	const char **argv; /* its arguments (for /proc/self/cmdline) */
	struct fdtable *fds; /* fs/fdtable.c */
	struct fs_context *fs; /* cwd and umask, fs/ */
	uintptr_t clear_child_tid; /* set_tid_address */
	uint64_t start_ns; /* for times and /proc */
	struct cred cred; /* kernel/cred.c */
	struct rlimit_k rlim[RLIMIT_NLIMITS];
};

struct process *current_process(void);
/* End the process (exit_group, a fatal signal): status to the host. */
__noreturn void process_exit(int status);

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

/* fs/: the standard descriptors 0, 1, 2 on the console, and the cwd. */
int fs_process_init(struct process *p, const char *cwd);

#endif

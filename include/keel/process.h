/*
 * process.h - the one process keel runs: its identity, its files (fs/
 * owns the descriptor table and the cwd), its address space (kernel/vm.c)
 * and how it ends. Threads of the process come with the threads issue.
 */
#ifndef KEEL_PROCESS_H
#define KEEL_PROCESS_H

#include <keel/compiler.h>

struct fdtable;
struct fs_context;

/* Who the process is (linux/sys_cred.c): real, effective, saved, fs ids. */
struct cred {
	uint32_t ruid, euid, suid, fsuid;
	uint32_t rgid, egid, sgid, fsgid;
	uint32_t *groups; /* supplementary groups (kmalloc), ngroups of them */
	unsigned ngroups;
};
/* Does the process hold capability cap in its effective set
 * (linux/sys_cred.c)? */
bool cred_capable(int cap);

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
	struct cred cred;
	struct rlimit_k rlim[RLIMIT_NLIMITS];
};

struct process *current_process(void);
/* Does the process hold capability cap (linux/sys_cred.c)? */
bool cred_capable(int cap);
#define CAP_NET_ADMIN 12
/* End the process (exit_group, a fatal signal): status to the host. */
__noreturn void process_exit(int status);

/*
 * linux/sys_aio.c: the process's AIO contexts reserve events, at most
 * AIO_MAX_NR in all (/proc/sys/fs/aio-nr and aio-max-nr); aio_exit
 * destroys them all, at the process's end.
 */
#define AIO_MAX_NR 65536
unsigned long aio_nr_reserved(void);
void aio_exit(void);

/* fs/: the standard descriptors 0, 1, 2 on the console, and the cwd. */
int fs_process_init(struct process *p, const char *cwd);

#endif

/*
 * procfs_pid.h - fs/procfs_pid.c's texts for fs/procfs.c: the files of
 * /proc/PID (p is referenced by the caller and may be a zombie: no mm,
 * no descriptors), and /proc's own files about processes and time. Each
 * writes into buf (at most len bytes, as snprintf) and returns the full
 * length.
 */
#ifndef KEEL_FS_PROCFS_PID_H
#define KEEL_FS_PROCFS_PID_H

#include <keel/compiler.h>

struct process;

size_t procpid_stat(struct process *p, char *buf, size_t len);
size_t procpid_statm(struct process *p, char *buf, size_t len);
size_t procpid_oom_score_adj(struct process *p, char *buf, size_t len);
size_t procpid_oom_score(struct process *p, char *buf, size_t len);
size_t procpid_status(struct process *p, char *buf, size_t len);
size_t procpid_cmdline(struct process *p, char *buf, size_t len);
size_t procpid_comm(struct process *p, char *buf, size_t len);
size_t procpid_maps(struct process *p, char *buf, size_t len);

/* /proc/stat, /proc/uptime, /proc/loadavg. */
size_t proc_gen_stat(char *buf, size_t len);
size_t proc_gen_uptime(char *buf, size_t len);
size_t proc_gen_loadavg(char *buf, size_t len);

#endif

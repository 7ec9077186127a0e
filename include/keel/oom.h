/*
 * oom.h - what the kernel does when pages run out (kernel/oom.c): the
 * fault path's last resort, the reclaimers higher layers register, and
 * each process's oom_score_adj (/proc/PID/oom_score_adj).
 */
#ifndef KEEL_OOM_H
#define KEEL_OOM_H

#include <keel/compiler.h>

#define OOM_SCORE_ADJ_MIN (-1000) /* never chosen */
#define OOM_SCORE_ADJ_MAX 1000

/*
 * A cache that can give pages back (clean data it can read again):
 * reclaim frees what it can and returns how many pages it freed. It runs
 * in a faulting thread, which may sleep; register once, r stays valid.
 */
struct oom_reclaimer {
	size_t (*reclaim)(void);
	struct oom_reclaimer *next;
};
void oom_register_reclaimer(struct oom_reclaimer *r);

/*
 * For a fault that found no free page (vm_fault): reclaim, else kill the
 * process with the most memory (SIGKILL, one log line) unless an earlier
 * victim is still ending, and wait a little. -EAGAIN: try the fault
 * again; -ENOMEM: the caller's own process is ending (it was the victim).
 */
int oom_handle(void);

struct process;
/* /proc/PID/oom_score: 0..2000, how likely p is to be chosen. */
long oom_score(struct process *p);
/* Write p's oom_score_adj as the caller: -EINVAL outside [-1000, 1000],
 * -EACCES below its floor without privilege (uid 0); root sets the floor. */
int oom_set_score_adj(struct process *p, long v);
/* How many processes were killed for memory since boot. */
unsigned long oom_kill_count(void);

#endif

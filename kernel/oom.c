/*
 * oom.c - running out of pages (kernel/): a fault that finds no free page
 * asks the reclaimers (caches of clean data) first, then kills the
 * process with the most resident memory, weighted by its oom_score_adj
 * as Linux does, with SIGKILL and one log line; the faulting thread waits
 * for the victim's pages and tries again, or ends if it is the victim.
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/oom.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/sync.h>
#include <keel/time.h>
#include <keel/vm.h>

#define OOM_WAIT_NS 1000000ULL /* between tries while a victim ends */
#define OOM_VICTIM_GRACE_NS 2000000000ULL /* then another is chosen */
#define NOT_CHOSEN (-(1L << 62))

static struct oom_reclaimer *reclaimers;
static int victim_pid; /* the last one killed, until its pages are back */
static uint64_t victim_since;
static unsigned long kills;

void oom_register_reclaimer(struct oom_reclaimer *r)
{
	r->next = reclaimers;
	reclaimers = r;
}

unsigned long oom_kill_count(void)
{
	return kills;
}

/* Pages the reclaimers gave back. */
static size_t reclaim(void)
{
	size_t got = 0;

	for (struct oom_reclaimer *r = reclaimers; r; r = r->next)
		got += r->reclaim();
	return got;
}

/*
 * Linux's oom_badness: the resident pages, plus adj thousandths of all
 * pages; NOT_CHOSEN for a process that may not be chosen.
 */
static long badness(struct process *p, size_t total)
{
	long points;

	if (p->state != PROCESS_ALIVE || p->exiting || !p->mm ||
	    p->mm_borrowed || p->oom_score_adj == OOM_SCORE_ADJ_MIN)
		return NOT_CHOSEN;
	points = (long)vm_mm_resident(p->mm);
	points += (long)p->oom_score_adj * (long)(total / 1000);
	return points > 0 ? points : 1;
}

long oom_score(struct process *p)
{
	struct pmm_stats st;
	long b;

	pmm_stats(&st);
	b = badness(p, st.total_pages);
	if (b == NOT_CHOSEN || !st.total_pages)
		return 0;
	return b * 1000 / (long)st.total_pages;
}

struct pick {
	size_t total;
	long best;
	int pid;
};

static int consider(struct process *p, void *arg)
{
	struct pick *pk = arg;
	long b = badness(p, pk->total);

	if (b != NOT_CHOSEN && b > pk->best) {
		pk->best = b;
		pk->pid = p->pid;
	}
	return 0;
}

/* The process to kill (a reference), or NULL when all are exempt. */
static struct process *choose(void)
{
	struct pmm_stats st;
	struct pick pk = { .best = NOT_CHOSEN };

	pmm_stats(&st);
	pk.total = st.total_pages;
	process_for_each(consider, &pk);
	return pk.pid ? process_get(pk.pid) : NULL;
}

/* Whether the last victim still holds its pages (and is given time). */
static bool victim_pending(void)
{
	struct process *p;
	bool pending;

	if (!victim_pid)
		return false;
	p = process_get(victim_pid);
	pending = p && p->state == PROCESS_ALIVE && p->mm &&
		  time_now_ns() - victim_since < OOM_VICTIM_GRACE_NS;
	if (p)
		process_put(p);
	if (!pending)
		victim_pid = 0;
	return pending;
}

static void kill_victim(struct process *v, bool chosen)
{
	struct ksiginfo info = { .signo = SIGKILL, .code = SI_KERNEL };
	size_t kb = PAGE_SIZE / 1024;

	printk("keel: Out of memory: Killed process %d (%s) total-vm:%zukB, "
	       "anon-rss:%zukB, file-rss:0kB, shmem-rss:0kB, UID:%u "
	       "oom_score_adj:%d%s\n",
	       v->pid, v->comm, v->mm ? vm_mm_total_pages(v->mm) * kb : 0,
	       v->mm ? vm_mm_resident(v->mm) * kb : 0, v->cred.ruid,
	       v->oom_score_adj, chosen ? "" : " (no other to kill)");
	if (v == process_init_proc())
		printk("keel: out of memory: the first process (pid 1) was "
		       "killed\n");
	kills++;
	victim_pid = v->pid;
	victim_since = time_now_ns();
	signal_send_proc(v, SIGKILL, &info);
}

int oom_handle(void)
{
	struct process *self = current_process(), *v;
	bool chosen = true;

	if (self->exiting)
		return -ENOMEM;
	if (reclaim())
		return -EAGAIN;
	if (!victim_pending()) {
		v = choose();
		if (!v) { /* every one is exempt: the faulting one goes */
			v = process_get(self->pid);
			chosen = false;
		}
		if (v) {
			kill_victim(v, chosen);
			process_put(v);
		}
	}
	if (self->exiting)
		return -ENOMEM;
	thread_sleep_ns(OOM_WAIT_NS); /* the victim runs and lets go */
	return -EAGAIN;
}

int oom_set_score_adj(struct process *p, long v)
{
	const struct cred *c = cred_current();

	if (v < OOM_SCORE_ADJ_MIN || v > OOM_SCORE_ADJ_MAX)
		return -EINVAL;
	if (v < p->oom_score_adj_min && c->euid != 0)
		return -EACCES;
	p->oom_score_adj = (int)v;
	if (c->euid == 0)
		p->oom_score_adj_min = (int)v;
	return 0;
}

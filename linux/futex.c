/*
 * futex.c - futex(2) (linux/): the waiting and waking glibc's locks,
 * condition variables and thread joins are built on. Waiters are kept in
 * one list keyed by address space and user address (a vfork child shares
 * its parent's), or, for a shared futex in MAP_SHARED memory, by the
 * physical address, so processes mapping the page meet; each sleeps on
 * its own wait queue so a wake can pick exactly the waiters it matches. WAIT, WAKE, their BITSET forms,
 * REQUEUE, CMP_REQUEUE and WAKE_OP, with relative and absolute timeouts.
 */
#include <keel/errno.h>
#include <keel/list.h>
#include <keel/process.h>
#include <keel/sync.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>
#include <keel/vm.h>
#include <keel/wait.h>

#include "linux.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* What a futex is: an address in one address space, or (a shared futex
 * in MAP_SHARED memory) a physical address, the same in every process. */
struct fkey {
	const void *space; /* the struct mm, or NULL: addr is physical */
	uintptr_t addr;
};

struct waiter {
	struct list_node node;
	struct fkey key;
	uint32_t bitset;
	bool woken;
	struct waitq wq;
};

static struct list_node waiters = LIST_INIT(waiters);
static struct spinlock lock;

static int get_u32(uintptr_t uaddr, uint32_t *v)
{
	if (uaddr % 4)
		return -EINVAL;
	return copy_from_user(v, (const void *)uaddr, sizeof(*v));
}

static struct fkey key_of(uintptr_t uaddr, bool shared)
{
	paddr_t pa;

	if (shared && vm_shared_page(uaddr, &pa))
		return (struct fkey){ NULL, (uintptr_t)pa };
	return (struct fkey){ current_process()->mm, uaddr };
}

static bool same(const struct fkey *a, const struct fkey *b)
{
	return a->space == b->space && a->addr == b->addr;
}

/* Wake up to n waiters on k whose bitset meets mask; lock held. */
static int wake_locked(const struct fkey *k, int n, uint32_t mask)
{
	int woken = 0;

	list_for_each_safe (pos, tmp, &waiters) {
		struct waiter *w = list_entry(pos, struct waiter, node);

		if (woken >= n)
			break;
		if (!same(&w->key, k) || !(w->bitset & mask))
			continue;
		list_remove(&w->node);
		w->woken = true;
		waitq_wake_all(&w->wq);
		woken++;
	}
	return woken;
}

int futex_wake(uintptr_t uaddr, int n)
{
	struct fkey k = key_of(uaddr, true);
	unsigned long flags = spin_lock_irqsave(&lock);
	int woken = wake_locked(&k, n, FUTEX_BITSET_MATCH_ANY);

	spin_unlock_irqrestore(&lock, flags);
	return woken;
}

/* Move up to n waiters from k to k2; lock held. */
static int requeue_locked(const struct fkey *k, const struct fkey *k2, int n)
{
	int moved = 0;

	list_for_each (pos, &waiters) {
		struct waiter *w = list_entry(pos, struct waiter, node);

		if (moved >= n)
			break;
		if (same(&w->key, k)) {
			w->key = *k2;
			moved++;
		}
	}
	return moved;
}

/* The deadline on the monotonic clock for a timeout argument, 0: none. */
static int deadline_of(long uts, bool absolute, bool realtime, uint64_t *out)
{
	struct linux_timespec ts;
	uint64_t ns, now = time_now_ns();
	int err;

	*out = 0;
	if (!uts)
		return 0;
	if ((err = get_timespec(uts, &ts)))
		return err;
	ns = (uint64_t)timespec_to_ns(&ts); /* at most INT64_MAX */
	if (!absolute) {
		*out = now + ns;
	} else if (realtime) {
		int64_t wall = time_wall_ns();

		*out = (int64_t)ns <= wall ? now : now + (ns - (uint64_t)wall);
	} else {
		*out = ns <= now ? now : ns;
	}
	if (*out == 0)
		*out = 1;
	return 0;
}

static long futex_wait(uintptr_t uaddr, const struct fkey *k, uint32_t val,
		       uint64_t deadline, uint32_t bitset)
{
	struct waiter w = { .key = *k, .bitset = bitset };
	unsigned long flags;
	uint32_t cur;
	int err;

	if (!bitset)
		return -EINVAL;
	waitq_init(&w.wq);
	flags = spin_lock_irqsave(&lock);
	err = get_u32(uaddr, &cur);
	if (!err && cur != val)
		err = -EAGAIN;
	if (err) {
		spin_unlock_irqrestore(&lock, flags);
		return err;
	}
	list_push_back(&waiters, &w.node);
	err = wait_event(&w.wq, &lock, w.woken, false, deadline);
	if (err) /* not woken: still queued */
		list_remove(&w.node);
	spin_unlock_irqrestore(&lock, flags);
	/* A signal: restarted after a handler with SA_RESTART when there is
	 * no timeout, EINTR otherwise. */
	return err == -ERESTARTSYS && deadline ? -EINTR : err;
}

/* FUTEX_WAKE_OP's operation on *uaddr2 and its comparison. */
static int wake_op(const struct fkey *k, int n, uintptr_t uaddr2,
		   const struct fkey *k2, int n2, uint32_t op)
{
	unsigned kind = (op >> 28) & 7, cmp = (op >> 24) & 15;
	uint32_t oparg = (op >> 12) & 0xfff, cmparg = op & 0xfff, old, new;
	unsigned long flags;
	bool hit;
	int woken;

	if (op & (8u << 28))
		oparg = oparg < 32 ? 1u << oparg : 0;
	flags = spin_lock_irqsave(&lock);
	if (get_u32(uaddr2, &old)) {
		spin_unlock_irqrestore(&lock, flags);
		return -EFAULT;
	}
	switch (kind) {
	case 0: /* SET */
		new = oparg;
		break;
	case 1: /* ADD */
		new = old + oparg;
		break;
	case 2: /* OR */
		new = old | oparg;
		break;
	case 3: /* ANDN */
		new = old & ~oparg;
		break;
	case 4: /* XOR */
		new = old ^ oparg;
		break;
	default:
		spin_unlock_irqrestore(&lock, flags);
		return -ENOSYS;
	}
	if (copy_to_user((void *)uaddr2, &new, sizeof(new))) {
		spin_unlock_irqrestore(&lock, flags);
		return -EFAULT;
	}
	switch (cmp) {
	case 0:
		hit = old == cmparg;
		break;
	case 1:
		hit = old != cmparg;
		break;
	case 2:
		hit = (int32_t)old < (int32_t)cmparg;
		break;
	case 3:
		hit = (int32_t)old <= (int32_t)cmparg;
		break;
	case 4:
		hit = (int32_t)old > (int32_t)cmparg;
		break;
	case 5:
		hit = (int32_t)old >= (int32_t)cmparg;
		break;
	default:
		spin_unlock_irqrestore(&lock, flags);
		return -ENOSYS;
	}
	woken = wake_locked(k, n, FUTEX_BITSET_MATCH_ANY);
	if (hit)
		woken += wake_locked(k2, n2, FUTEX_BITSET_MATCH_ANY);
	spin_unlock_irqrestore(&lock, flags);
	return woken;
}

SYSCALL_DEFINE(futex)
{
	uintptr_t uaddr = (uintptr_t)a[0], uaddr2 = (uintptr_t)a[4];
	int op = (int)a[1] & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool realtime = a[1] & FUTEX_CLOCK_REALTIME;
	bool shared = !(a[1] & FUTEX_PRIVATE_FLAG);
	struct fkey k, k2;
	uint32_t val = (uint32_t)a[2];
	unsigned long flags;
	uint64_t deadline;
	uint32_t cur;
	long r;
	int err;

	if (uaddr % 4 || !user_range_ok(uaddr, 4))
		return uaddr % 4 ? -EINVAL : -EFAULT;
	if (realtime && op != FUTEX_WAIT && op != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	/* Finding a shared futex's page may fault it in: not under lock. */
	k = key_of(uaddr, shared);
	if (op == FUTEX_REQUEUE || op == FUTEX_CMP_REQUEUE ||
	    op == FUTEX_WAKE_OP)
		k2 = uaddr2 % 4 ? k : key_of(uaddr2, shared);
	switch (op) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		err = deadline_of(a[3], op == FUTEX_WAIT_BITSET, realtime,
				  &deadline);
		if (err)
			return err;
		return futex_wait(uaddr, &k, val, deadline,
				  op == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY
						   : (uint32_t)a[5]);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (op == FUTEX_WAKE_BITSET && !(uint32_t)a[5])
			return -EINVAL;
		flags = spin_lock_irqsave(&lock);
		r = wake_locked(&k, (int)MIN(val, (uint32_t)INT32_MAX),
				op == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY
						 : (uint32_t)a[5]);
		spin_unlock_irqrestore(&lock, flags);
		return r;
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if (uaddr2 % 4 || (int)val < 0 || (int)a[3] < 0)
			return -EINVAL;
		flags = spin_lock_irqsave(&lock);
		if (op == FUTEX_CMP_REQUEUE) {
			err = get_u32(uaddr, &cur);
			if (!err && cur != (uint32_t)a[5])
				err = -EAGAIN;
			if (err) {
				spin_unlock_irqrestore(&lock, flags);
				return err;
			}
		}
		r = wake_locked(&k, (int)val, FUTEX_BITSET_MATCH_ANY);
		r += requeue_locked(&k, &k2, (int)a[3]);
		spin_unlock_irqrestore(&lock, flags);
		return r;
	case FUTEX_WAKE_OP:
		if (uaddr2 % 4)
			return -EINVAL;
		return wake_op(&k, (int)val, uaddr2, &k2, (int)a[3],
			       (uint32_t)a[5]);
	default:
		return -ENOSYS;
	}
}

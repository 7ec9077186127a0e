/*
 * flock.c - flock(2) advisory locks (fs/): a whole-file shared or
 * exclusive lock held by an open file description. Locks of different
 * descriptions on one inode conflict (exclusive against anything); a
 * conflicting request waits, interruptibly, or fails with EWOULDBLOCK
 * under LOCK_NB. Converting a lock drops the old one first, as on Linux.
 * A lock goes with the last reference to its open file.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/list.h>
#include <keel/sync.h>
#include <keel/vfs.h>
#include <keel/wait.h>

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

struct flock_entry {
	struct list_node node;
	struct file *f; /* not a reference: removed when f ends */
	struct inode *ino;
	bool excl;
};

static struct spinlock lock;
static struct list_node locks = LIST_INIT(locks);
static struct waitq unlocked = WAITQ_INIT(unlocked);

static struct flock_entry *own(struct file *f)
{
	list_for_each (n, &locks) {
		struct flock_entry *e = list_entry(n, struct flock_entry, node);

		if (e->f == f)
			return e;
	}
	return NULL;
}

static bool conflicts(struct file *f, bool excl)
{
	list_for_each (n, &locks) {
		struct flock_entry *e = list_entry(n, struct flock_entry, node);

		if (e->ino == f->inode && e->f != f && (e->excl || excl))
			return true;
	}
	return false;
}

/* Drop f's lock (lock held); wake the waiters. */
static void drop(struct flock_entry *e)
{
	list_remove(&e->node);
	kfree(e);
	waitq_wake_all(&unlocked);
}

int vfs_flock(struct file *f, int op)
{
	bool excl = (op & ~LOCK_NB) == LOCK_EX;
	struct flock_entry *e, *n = NULL;
	unsigned long irq;
	int err = 0;

	if ((op & ~LOCK_NB) != LOCK_SH && (op & ~LOCK_NB) != LOCK_EX &&
	    (op & ~LOCK_NB) != LOCK_UN)
		return -EINVAL;
	if (!(op & LOCK_UN) && !(n = kzalloc(sizeof(*n))))
		return -ENOMEM;
	irq = spin_lock_irqsave(&lock);
	e = own(f);
	if (e && (op & LOCK_UN || e->excl != excl))
		drop(e);
	else if (e) /* already held this way */
		goto out;
	if (op & LOCK_UN)
		goto out;
	err =
	    wait_event(&unlocked, &lock, !conflicts(f, excl), op & LOCK_NB, 0);
	if (!err) {
		n->f = f;
		n->ino = f->inode;
		n->excl = excl;
		list_push_back(&locks, &n->node);
		n = NULL;
	}
out:
	spin_unlock_irqrestore(&lock, irq);
	kfree(n);
	return err;
}

void flock_release(struct file *f)
{
	unsigned long irq;
	struct flock_entry *e;

	if (list_empty(&locks))
		return;
	irq = spin_lock_irqsave(&lock);
	if ((e = own(f)))
		drop(e);
	spin_unlock_irqrestore(&lock, irq);
}

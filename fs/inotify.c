/*
 * inotify.c - inotify instances and their watches (fs/). An instance is an
 * anonymous file holding a queue of events and a list of watches; a watch
 * ties one instance to one inode (the inode lists its watches, without a
 * reference: an inode being freed drops them with IN_IGNORED, and closing
 * the instance drops them silently). The VFS reports what happens through
 * the hooks of include/keel/inotify.h; events are queued as Linux queues
 * them: an event equal to the last one queued is merged into it, and a
 * full queue ends with one IN_Q_OVERFLOW.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/poll.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <keel/wait.h>

#define INOTIFY_IOC_SETNEXTWD 0x40044900 /* _IOW('I', 0, int) */
#define WD_MAX INT32_MAX

/* struct inotify_event: a name follows, NUL-padded to 16 bytes. */
struct linux_inotify_event {
	int32_t wd;
	uint32_t mask, cookie, len;
};

struct inotify_watch {
	struct inotify_watch *next; /* the next watch on the same inode */
	struct list_node node; /* in the instance's list */
	struct inotify *in;
	struct inode *inode;
	uint32_t mask; /* events, IN_ONESHOT, IN_EXCL_UNLINK */
	int wd;
};

/* A queued event. */
struct inev {
	struct list_node node;
	int32_t wd;
	uint32_t mask, cookie;
	uint32_t name_len; /* 0: no name */
	char name[];
};

struct inotify {
	struct spinlock lock;
	struct waitq readable;
	struct pollq poll;
	struct list_node events; /* oldest first */
	unsigned queued, max_queued;
	size_t bytes; /* what the queued events take read: FIONREAD */
	struct inev *overflow; /* queued (once) when the queue is full */
	struct list_node watches;
	int next_wd;
	bool wrapped; /* descriptors from next_wd on may be in use */
};

static unsigned instances, watches;
static uint32_t cookies;

uint32_t fsnotify_cookie(void)
{
	if (++cookies == 0)
		cookies = 1;
	return cookies;
}

/* The bytes an event takes in read(2): its name padded as Linux does. */
static size_t event_size(const struct inev *ev)
{
	return sizeof(struct linux_inotify_event) +
	       (ev->name_len ? ALIGN_UP(ev->name_len + 1,
					sizeof(struct linux_inotify_event))
			     : 0);
}

/* Linux merges an event into an equal last one (the cookie aside). */
static bool same_event(const struct inev *a, const struct inev *b)
{
	return !(a->mask & IN_IGNORED) && a->mask == b->mask &&
	       a->wd == b->wd && a->name_len == b->name_len &&
	       !memcmp(a->name, b->name, a->name_len);
}

/* Append ev (NULL: memory ran out) or merge it; wake the readers. */
static void enqueue(struct inotify *in, struct inev *ev)
{
	unsigned long irq = spin_lock_irqsave(&in->lock);
	struct inev *last =
	    list_empty(&in->events)
		? NULL
		: list_entry(in->events.prev, struct inev, node);

	if (!ev || in->queued >= in->max_queued) {
		kfree(ev);
		ev = in->overflow;
		if (!list_empty(&ev->node)) { /* already queued */
			spin_unlock_irqrestore(&in->lock, irq);
			return;
		}
	} else if (last && same_event(last, ev)) {
		spin_unlock_irqrestore(&in->lock, irq);
		kfree(ev);
		return;
	}
	list_push_back(&in->events, &ev->node);
	in->queued++;
	in->bytes += event_size(ev);
	waitq_wake_all(&in->readable);
	spin_unlock_irqrestore(&in->lock, irq);
	pollq_wake(&in->poll, EPOLLIN | EPOLLRDNORM);
}

static void queue_event(struct inotify *in, int wd, uint32_t mask,
			uint32_t cookie, const char *name, size_t len)
{
	struct inev *ev = kmalloc(sizeof(*ev) + len + 1);

	if (ev) {
		list_init(&ev->node);
		ev->wd = wd;
		ev->mask = mask;
		ev->cookie = cookie;
		ev->name_len = (uint32_t)len;
		if (len)
			memcpy(ev->name, name, len);
		ev->name[len] = '\0';
	}
	enqueue(in, ev);
}

/* Take w off its inode and instance; IN_IGNORED tells the reader. */
static void watch_remove(struct inotify_watch *w, bool ignored)
{
	struct inotify_watch **pp = &w->inode->watches;

	while (*pp != w)
		pp = &(*pp)->next;
	*pp = w->next;
	list_remove(&w->node);
	if (ignored)
		queue_event(w->in, w->wd, IN_IGNORED, 0, NULL, 0);
	watches--;
	kfree(w);
}

/*
 * Queue the event for every watch of target that wants it. Events that
 * come from an open file (unlinked: its file has no name left) skip the
 * watches with IN_EXCL_UNLINK. An IN_ONESHOT watch goes after its event.
 */
static void deliver(struct inode *target, uint32_t mask, const char *name,
		    size_t len, uint32_t cookie, bool unlinked)
{
	struct inotify_watch *w, *next;

	/* inotify never reported IN_ISDIR with these two. */
	if (mask & (IN_DELETE_SELF | IN_MOVE_SELF))
		mask &= ~IN_ISDIR;
	for (w = target->watches; w; w = next) {
		next = w->next;
		if (!(w->mask & mask & IN_ALL_EVENTS))
			continue;
		if (unlinked && (w->mask & IN_EXCL_UNLINK))
			continue;
		queue_event(w->in, w->wd, mask, cookie, name, len);
		if (w->mask & IN_ONESHOT)
			watch_remove(w, true);
	}
}

void inotify_event_name(struct inode *dir, uint32_t mask, const char *name,
			size_t len, uint32_t cookie)
{
	deliver(dir, mask, name, len, cookie, false);
}

void inotify_event_inode(struct inode *ino, uint32_t mask)
{
	if (S_ISDIR(ino->mode))
		mask |= IN_ISDIR;
	deliver(ino, mask, NULL, 0, 0, false);
}

/*
 * A directory is reported to its parent under its own name (found by
 * inode number), whatever name the caller had ("." or a file's name);
 * other files under the name they were found or opened by.
 */
void inotify_event_child(struct inode *dir, const char *name, size_t len,
			 struct inode *ino, uint32_t mask, bool unlinked)
{
	char *buf = NULL;
	long n;

	if (S_ISDIR(ino->mode)) {
		mask |= IN_ISDIR;
		dir = ino->parent;
		name = NULL;
		if (dir && dir->watches && (buf = kmalloc(NAME_MAX + 1)) &&
		    (n = inode_dir_name(ino, buf)) >= 0) {
			name = buf;
			len = (size_t)n;
		}
	}
	if (dir && dir->watches && name && len)
		deliver(dir, mask, name, len, 0, unlinked);
	deliver(ino, mask, NULL, 0, 0, unlinked);
	kfree(buf);
}

void inotify_inode_free(struct inode *ino)
{
	if (ino->nlink == 0)
		deliver(ino, IN_DELETE_SELF, NULL, 0, 0, false);
	while (ino->watches)
		watch_remove(ino->watches, true);
}

/* ---- the instance: a file ---- */

static struct inotify_watch *find_wd(struct inotify *in, int wd)
{
	list_for_each (n, &in->watches) {
		struct inotify_watch *w =
		    list_entry(n, struct inotify_watch, node);

		if (w->wd == wd)
			return w;
	}
	return NULL;
}

/* The next descriptor, counting up from 1 as Linux does (no reuse
 * until the count wraps). */
static int alloc_wd(struct inotify *in)
{
	for (;;) {
		int wd = in->next_wd;

		if (wd >= WD_MAX) {
			in->next_wd = 1;
			in->wrapped = true;
		} else {
			in->next_wd = wd + 1;
		}
		if (!in->wrapped || !find_wd(in, wd))
			return wd;
	}
}

int inotify_add(struct file *f, struct inode *ino, uint32_t mask)
{
	struct inotify *in = f->priv;
	uint32_t keep = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
	struct inotify_watch *w;

	for (w = ino->watches; w && w->in != in; w = w->next)
		;
	if (w) {
		if (mask & IN_MASK_CREATE)
			return -EEXIST;
		w->mask = mask & IN_MASK_ADD ? w->mask | keep : keep;
		return w->wd;
	}
	if (watches >= INOTIFY_MAX_USER_WATCHES)
		return -ENOSPC;
	w = kzalloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->in = in;
	w->inode = ino;
	w->mask = keep;
	w->wd = alloc_wd(in);
	w->next = ino->watches;
	ino->watches = w;
	list_push_back(&in->watches, &w->node);
	watches++;
	return w->wd;
}

int inotify_rm(struct file *f, int wd)
{
	struct inotify_watch *w = find_wd(f->priv, wd);

	if (!w)
		return -EINVAL;
	watch_remove(w, true);
	return 0;
}

/* Copy ev out at off: the header, the name, zeros up to size. */
static int put_event(struct iobuf b, size_t off, const struct inev *ev,
		     size_t size)
{
	struct linux_inotify_event e = {
		ev->wd, ev->mask, ev->cookie,
		(uint32_t)(size - sizeof(struct linux_inotify_event))
	};

	off += sizeof(e);
	if (iobuf_put(b, off - sizeof(e), &e, sizeof(e)) ||
	    iobuf_put(b, off, ev->name, ev->name_len) ||
	    iobuf_zero(b, off + ev->name_len, e.len - ev->name_len))
		return -EFAULT;
	return 0;
}

static void free_event(struct inotify *in, struct inev *ev)
{
	if (ev != in->overflow)
		kfree(ev);
}

/*
 * Whole events while they fit; an event too big for what is left ends
 * the read, or is EINVAL when it is the first. An empty queue waits
 * (O_NONBLOCK: EAGAIN; a signal: -ERESTARTSYS). An event that faults is
 * lost and the read is EFAULT, as on Linux.
 */
static long inotify_read(struct file *f, struct iobuf b, size_t len,
			 uint64_t *pos)
{
	struct inotify *in = f->priv;
	unsigned long irq = spin_lock_irqsave(&in->lock);
	size_t done = 0;
	long err = 0;

	(void)pos;
	for (;;) {
		struct inev *ev;
		size_t size;

		if (list_empty(&in->events)) {
			if (!done)
				err = wait_event(&in->readable, &in->lock,
						 !list_empty(&in->events),
						 f->flags & O_NONBLOCK, 0);
			if (done || err)
				break;
			continue;
		}
		ev = list_entry(in->events.next, struct inev, node);
		size = event_size(ev);
		if (size > len - done) {
			err = done ? 0 : -EINVAL;
			break;
		}
		list_remove(&ev->node);
		in->queued--;
		in->bytes -= size;
		spin_unlock_irqrestore(&in->lock, irq);
		err = put_event(b, done, ev, size);
		free_event(in, ev);
		irq = spin_lock_irqsave(&in->lock);
		if (err)
			break;
		done += size;
	}
	spin_unlock_irqrestore(&in->lock, irq);
	return done && err != -EFAULT ? (long)done : err;
}

static unsigned inotify_poll(struct file *f, struct poll_table *pt)
{
	struct inotify *in = f->priv;

	poll_wait(pt, &in->poll);
	return list_empty(&in->events) ? 0 : EPOLLIN | EPOLLRDNORM;
}

static long inotify_ioctl(struct file *f, unsigned cmd, unsigned long arg)
{
	struct inotify *in = f->priv;
	int n;

	switch (cmd) {
	case FIONREAD:
		n = (int)in->bytes;
		return copy_to_user((void *)arg, &n, sizeof(n)) ? -EFAULT : 0;
	case INOTIFY_IOC_SETNEXTWD: /* checkpoint/restore's */
		if (arg < 1 || arg > WD_MAX)
			return -EINVAL;
		in->next_wd = (int)arg;
		in->wrapped = true;
		return 0;
	}
	return -ENOTTY;
}

/* The last close: the watches go without IN_IGNORED, then the queue. */
static void inotify_release(struct file *f)
{
	struct inotify *in = f->priv;
	struct list_node *n;

	while (!list_empty(&in->watches))
		watch_remove(
		    list_entry(in->watches.next, struct inotify_watch, node),
		    false);
	while ((n = list_pop_front(&in->events)))
		free_event(in, list_entry(n, struct inev, node));
	kfree(in->overflow);
	kfree(in);
	instances--;
}

static const struct file_ops inotify_fops = {
	.read = inotify_read,
	.poll = inotify_poll,
	.ioctl = inotify_ioctl,
	.release = inotify_release,
};

bool file_is_inotify(const struct file *f)
{
	return f->ops == &inotify_fops;
}

int inotify_new(unsigned flags, struct file **out)
{
	struct inotify *in;
	int err;

	if (instances >= INOTIFY_MAX_USER_INSTANCES)
		return -EMFILE;
	in = kzalloc(sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->overflow = kzalloc(sizeof(*in->overflow));
	if (!in->overflow) {
		kfree(in);
		return -ENOMEM;
	}
	list_init(&in->overflow->node);
	in->overflow->wd = -1;
	in->overflow->mask = IN_Q_OVERFLOW;
	waitq_init(&in->readable);
	pollq_init(&in->poll);
	list_init(&in->events);
	list_init(&in->watches);
	in->max_queued = INOTIFY_MAX_QUEUED_EVENTS;
	in->next_wd = 1;
	err = anon_file_new(&inotify_fops, NULL, in,
			    O_RDONLY | (flags & O_NONBLOCK), out);
	if (err) {
		kfree(in->overflow);
		kfree(in);
		return err;
	}
	instances++;
	return 0;
}

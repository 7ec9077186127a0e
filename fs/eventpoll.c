/*
 * eventpoll.c - epoll (fs/). An epoll file holds one item per watched
 * (fd, file) pair. Each item stays registered on its file's poll queue
 * (include/keel/poll.h); a wake-up whose events interest the item puts it
 * on the ready list and wakes epoll_wait. epoll_wait polls the ready
 * items again and reports the ones really ready: level-triggered items go
 * back on the list, EPOLLET ones wait for the next wake-up, EPOLLONESHOT
 * ones are disabled until EPOLL_CTL_MOD. Items go when their file's last
 * reference does (file_put), as on Linux. EPOLLEXCLUSIVE is accepted
 * (with Linux's checks) and wakes every waiter; EPOLLWAKEUP is ignored.
 * An epoll file may watch another (nested), up to Linux's depth of 4,
 * never in a cycle (ELOOP).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/poll.h>
#include <keel/time.h>
#include <keel/vfs.h>
#include <keel/wait.h>

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EPOLLEXCLUSIVE_OK_BITS                                              \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | \
	 EPOLLEXCLUSIVE)
#define EP_MAX_NESTS 4

struct eventpoll {
	struct spinlock lock;
	struct waitq wq; /* epoll_wait callers */
	struct pollq poll; /* who polls this epoll file */
	struct list_node items, ready;
};

struct epitem {
	struct list_node node, rdl; /* on ep->items; on ep->ready */
	bool on_ready;
	struct eventpoll *ep;
	struct file *file; /* not a reference: file_put removes the item */
	int fd;
	uint32_t events;
	uint64_t data;
	struct poll_entry pe;
	struct poll_table pt;
	struct epitem *next; /* the file's other items */
};

static const struct file_ops epoll_fops;

bool file_is_epoll(const struct file *f)
{
	return f->ops == &epoll_fops;
}

/* Interrupts off, the watched file's pollq locked. */
static void item_wake(struct poll_entry *e, unsigned mask)
{
	struct epitem *epi = container_of(e, struct epitem, pe);
	struct eventpoll *ep = epi->ep;

	if (!(epi->events & ~EP_PRIVATE_BITS))
		return; /* a fired EPOLLONESHOT item */
	if (mask && !(mask & epi->events))
		return;
	spin_lock(&ep->lock);
	if (!epi->on_ready) {
		epi->on_ready = true;
		list_push_back(&ep->ready, &epi->rdl);
	}
	waitq_wake_all(&ep->wq);
	spin_unlock(&ep->lock);
	pollq_wake(&ep->poll, EPOLLIN | EPOLLRDNORM);
}

static void item_queue(struct poll_table *pt, struct pollq *q)
{
	struct epitem *epi = container_of(pt, struct epitem, pt);

	if (!epi->pe.q)
		poll_entry_add(&epi->pe, q);
}

static unsigned item_poll(struct epitem *epi)
{
	return vfs_poll(epi->file, NULL) & epi->events;
}

static void ready_add(struct eventpoll *ep, struct epitem *epi)
{
	if (!epi->on_ready) {
		epi->on_ready = true;
		list_push_back(&ep->ready, &epi->rdl);
	}
}

static void ready_remove(struct epitem *epi)
{
	if (epi->on_ready) {
		epi->on_ready = false;
		list_remove(&epi->rdl);
	}
}

/* Unlink from the watched file's list of items. */
static void file_unlink(struct epitem *epi)
{
	for (struct epitem **pp = &epi->file->epitems; *pp; pp = &(*pp)->next) {
		if (*pp == epi) {
			*pp = epi->next;
			break;
		}
	}
}

/* Drop one item: off the pollq, the lists and the file. */
static void item_free(struct epitem *epi, bool unlink_file)
{
	struct eventpoll *ep = epi->ep;
	unsigned long irq;

	poll_entry_remove(&epi->pe);
	irq = spin_lock_irqsave(&ep->lock);
	list_remove(&epi->node);
	ready_remove(epi);
	spin_unlock_irqrestore(&ep->lock, irq);
	if (unlink_file)
		file_unlink(epi);
	kfree(epi);
}

void eventpoll_release_file(struct file *f)
{
	while (f->epitems) {
		struct epitem *epi = f->epitems;

		f->epitems = epi->next;
		item_free(epi, false);
	}
}

/* The epoll file is readable when one of its ready items is. */
static unsigned epoll_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->inode->priv;
	unsigned long irq;
	unsigned mask = 0;

	poll_wait(pt, &ep->poll);
	irq = spin_lock_irqsave(&ep->lock);
	list_for_each (n, &ep->ready) {
		if (item_poll(list_entry(n, struct epitem, rdl))) {
			mask = EPOLLIN | EPOLLRDNORM;
			break;
		}
	}
	spin_unlock_irqrestore(&ep->lock, irq);
	return mask;
}

static void epoll_release(struct file *f)
{
	struct eventpoll *ep = f->inode->priv;

	while (!list_empty(&ep->items))
		item_free(list_entry(ep->items.next, struct epitem, node),
			  true);
}

static void epoll_inode_release(struct inode *ino)
{
	kfree(ino->priv);
}

static const struct file_ops epoll_fops = {
	.poll = epoll_poll,
	.release = epoll_release,
};

static const struct inode_ops epoll_iops = {
	.release = epoll_inode_release,
};

int epoll_new(unsigned flags, struct file **out)
{
	struct eventpoll *ep = kzalloc(sizeof(*ep));
	int err;

	(void)flags;
	if (!ep)
		return -ENOMEM;
	waitq_init(&ep->wq);
	pollq_init(&ep->poll);
	list_init(&ep->items);
	list_init(&ep->ready);
	err = anon_file_new(&epoll_fops, &epoll_iops, ep, O_RDWR, out);
	if (err)
		kfree(ep);
	return err;
}

static struct epitem *find(struct eventpoll *ep, int fd, struct file *f)
{
	list_for_each (n, &ep->items) {
		struct epitem *epi = list_entry(n, struct epitem, node);

		if (epi->fd == fd && epi->file == f)
			return epi;
	}
	return NULL;
}

/* Would watching epoll file tf from ep make a cycle or nest too deep? */
static bool loops(struct eventpoll *ep, struct file *tf, int depth)
{
	struct eventpoll *t = tf->inode->priv;

	if (t == ep || depth > EP_MAX_NESTS)
		return true;
	list_for_each (n, &t->items) {
		struct epitem *epi = list_entry(n, struct epitem, node);

		if (file_is_epoll(epi->file) && loops(ep, epi->file, depth + 1))
			return true;
	}
	return false;
}

static int item_add(struct eventpoll *ep, int fd, struct file *tf,
		    const struct linux_epoll_event *ev)
{
	struct epitem *epi = kzalloc(sizeof(*epi));
	unsigned long irq;

	if (!epi)
		return -ENOMEM;
	epi->ep = ep;
	epi->file = tf;
	epi->fd = fd;
	epi->events = ev->events | EPOLLERR | EPOLLHUP;
	epi->data = ev->data;
	epi->pe.fn = item_wake;
	epi->pt.queue = item_queue;
	epi->next = tf->epitems;
	tf->epitems = epi;
	irq = spin_lock_irqsave(&ep->lock);
	list_push_back(&ep->items, &epi->node);
	spin_unlock_irqrestore(&ep->lock, irq);
	/* Register first, then look: a wake-up in between is not lost. */
	if (vfs_poll(tf, &epi->pt) & epi->events) {
		irq = spin_lock_irqsave(&ep->lock);
		ready_add(ep, epi);
		waitq_wake_all(&ep->wq);
		spin_unlock_irqrestore(&ep->lock, irq);
		pollq_wake(&ep->poll, EPOLLIN | EPOLLRDNORM);
	}
	return 0;
}

static void item_mod(struct eventpoll *ep, struct epitem *epi,
		     const struct linux_epoll_event *ev)
{
	unsigned long irq = spin_lock_irqsave(&ep->lock);

	epi->events = ev->events | EPOLLERR | EPOLLHUP;
	epi->data = ev->data;
	if (item_poll(epi)) {
		ready_add(ep, epi);
		waitq_wake_all(&ep->wq);
	}
	spin_unlock_irqrestore(&ep->lock, irq);
	pollq_wake(&ep->poll, EPOLLIN | EPOLLRDNORM);
}

/* Linux's do_epoll_ctl checks, in its order, after the fd lookups. */
int epoll_ctl_file(struct file *epf, int op, int fd, struct file *tf,
		   const struct linux_epoll_event *ev)
{
	struct eventpoll *ep;
	struct epitem *epi;

	if (!file_can_poll(tf))
		return -EPERM;
	if (epf == tf || !file_is_epoll(epf))
		return -EINVAL;
	ep = epf->inode->priv;
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			return -EINVAL;
		if (op == EPOLL_CTL_ADD &&
		    (file_is_epoll(tf) ||
		     (ev->events & ~EPOLLEXCLUSIVE_OK_BITS)))
			return -EINVAL;
	}
	if (op == EPOLL_CTL_ADD && file_is_epoll(tf) && loops(ep, tf, 1))
		return -ELOOP;
	epi = find(ep, fd, tf);
	switch (op) {
	case EPOLL_CTL_ADD:
		return epi ? -EEXIST : item_add(ep, fd, tf, ev);
	case EPOLL_CTL_DEL:
		if (!epi)
			return -ENOENT;
		item_free(epi, true);
		return 0;
	case EPOLL_CTL_MOD:
		if (!epi)
			return -ENOENT;
		if (epi->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		item_mod(ep, epi, ev);
		return 0;
	default:
		return -EINVAL;
	}
}

/* Under ep->lock: report up to max ready items. */
static int harvest(struct eventpoll *ep, struct linux_epoll_event *evs, int max)
{
	struct list_node requeue;
	int n = 0;

	list_init(&requeue);
	while (n < max && !list_empty(&ep->ready)) {
		struct epitem *epi =
		    list_entry(list_pop_front(&ep->ready), struct epitem, rdl);
		unsigned mask;

		epi->on_ready = false;
		mask = item_poll(epi);
		if (!mask)
			continue;
		evs[n].events = mask;
		evs[n].data = epi->data;
		n++;
		if (epi->events & EPOLLONESHOT) {
			epi->events &= EP_PRIVATE_BITS;
		} else if (!(epi->events & EPOLLET)) {
			epi->on_ready = true; /* level-triggered: look again */
			list_push_back(&requeue, &epi->rdl);
		}
	}
	while (!list_empty(&requeue))
		list_push_back(&ep->ready, list_pop_front(&requeue));
	return n;
}

long epoll_wait_file(struct file *epf, struct linux_epoll_event *evs, int max,
		     uint64_t deadline)
{
	struct eventpoll *ep;
	unsigned long irq;
	int n = 0, err;

	if (!file_is_epoll(epf))
		return -EINVAL;
	ep = epf->inode->priv;
	irq = spin_lock_irqsave(&ep->lock);
	err =
	    wait_event(&ep->wq, &ep->lock, (n = harvest(ep, evs, max)) != 0,
		       deadline == 0, deadline == POLL_FOREVER ? 0 : deadline);
	spin_unlock_irqrestore(&ep->lock, irq);
	/* Never restarted, as on Linux; the deadline: n is 0. */
	return err == -ERESTARTSYS ? -EINTR : n;
}

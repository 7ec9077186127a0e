/*
 * poll.h - waiting for file events (fs/poll.c, fs/eventpoll.c): the ready
 * masks a file's poll method returns (Linux's EPOLL* values), the poll
 * queue each pollable object (pipe, eventfd, timerfd, epoll) owns and
 * wakes when its state changes, and the poll table a poller passes to
 * register on those queues. poll/select register one entry per file for
 * the length of one call; epoll keeps one per watched file. Wake-ups run
 * the entries' callbacks with interrupts disabled (a timer callback may
 * wake a queue): they may wake threads, never sleep.
 */
#ifndef KEEL_POLL_H
#define KEEL_POLL_H

#include <keel/list.h>
#include <keel/sync.h>

#define EPOLLIN 0x001
#define EPOLLPRI 0x002
#define EPOLLOUT 0x004
#define EPOLLERR 0x008
#define EPOLLHUP 0x010
#define EPOLLNVAL 0x020
#define EPOLLRDNORM 0x040
#define EPOLLRDBAND 0x080
#define EPOLLWRNORM 0x100
#define EPOLLWRBAND 0x200
#define EPOLLMSG 0x400
#define EPOLLRDHUP 0x2000
#define EPOLLEXCLUSIVE (1U << 28)
#define EPOLLWAKEUP (1U << 29)
#define EPOLLONESHOT (1U << 30)
#define EPOLLET (1U << 31)

/* What a file without a poll method is: always ready (regular files). */
#define DEFAULT_POLLMASK (EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM)

struct file;
struct poll_entry;

/* An object's queue of pollers. */
struct pollq {
	struct spinlock lock;
	struct list_node entries;
};

/* One poller's registration on one pollq. */
struct poll_entry {
	struct list_node node;
	struct pollq *q; /* NULL when not registered */
	/* Called with the pollq locked and interrupts disabled. */
	void (*fn)(struct poll_entry *e, unsigned mask);
};

/* Passed to a file's poll method; NULL when only the mask is wanted. */
struct poll_table {
	void (*queue)(struct poll_table *pt, struct pollq *q);
};

void pollq_init(struct pollq *q);
/* Run every entry's callback; mask: the events that may have happened. */
void pollq_wake(struct pollq *q, unsigned mask);
void poll_entry_add(struct poll_entry *e, struct pollq *q);
void poll_entry_remove(struct poll_entry *e);

/* For poll methods: register on q (nothing when pt is NULL). */
static inline void poll_wait(struct poll_table *pt, struct pollq *q)
{
	if (pt && pt->queue)
		pt->queue(pt, q);
}

/* The file's ready mask, registering through pt (fs/poll.c). */
unsigned vfs_poll(struct file *f, struct poll_table *pt);
bool file_can_poll(const struct file *f);

/* poll(2) on kernel copies: fd, events in; revents out. */
struct kpollfd {
	int fd;
	short events, revents;
};
/*
 * deadline: monotonic ns, 0 for no wait, UINT64_MAX for none. The number
 * of entries with revents, or -errno.
 */
#define POLL_FOREVER UINT64_MAX
long vfs_poll_fds(struct kpollfd *fds, unsigned nfds, uint64_t deadline);
/*
 * select(2) on kernel bitmaps of n bits (words of 64): in/out/ex are read
 * and replaced by the results (each may be NULL). Ready bits or -errno.
 */
long vfs_select(int n, uint64_t *in, uint64_t *out, uint64_t *ex,
		uint64_t deadline);

struct inode_ops;
struct file_ops;
#define ANON_INODE_DEV 14 /* st_dev 0:14 */
int anon_file_new(const struct file_ops *fops, const struct inode_ops *iops,
		  void *priv, unsigned flags, struct file **out);

/* fs/eventpoll.c */
struct linux_epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));
int epoll_new(unsigned flags, struct file **out);
bool file_is_epoll(const struct file *f);
int epoll_ctl_file(struct file *ep, int op, int fd, struct file *tf,
		   const struct linux_epoll_event *ev);
/* Up to max events into evs (kernel memory): how many, or -errno. */
long epoll_wait_file(struct file *ep, struct linux_epoll_event *evs, int max,
		     uint64_t deadline);
/* From file_put: the file's last reference is going; drop its watches. */
void eventpoll_release_file(struct file *f);

/* fs/eventfd.c, fs/timerfd.c */
int eventfd_new(uint64_t count, unsigned flags, struct file **out);
int timerfd_new(int clockid, unsigned flags, struct file **out);
/* The kernel's own write to an eventfd (AIO completions): add n, without
 * waiting, saturating at the largest count. */
bool file_is_eventfd(const struct file *f);
void eventfd_signal(struct file *f, uint64_t n);
/* Times in ns of clock's own time; abs: value is absolute. */
int timerfd_set(struct file *f, bool abs, int64_t value, int64_t interval,
		int64_t *old_value, int64_t *old_interval);
int timerfd_get(struct file *f, int64_t *value, int64_t *interval);

#endif

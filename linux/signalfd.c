/*
 * signalfd.c - signalfd and signalfd4 (linux/): a file that reads the
 * caller's pending signals in its mask as 128-byte signalfd_siginfo
 * records (taking them, as delivery would), polls readable while one is
 * pending, and blocks (unless O_NONBLOCK) until one is sent. The signals
 * are normally blocked by the program, so they wait for the reader.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/poll.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <keel/wait.h>
#include <uapi/fs.h>

#include "linux.h"

struct sfd {
	uint64_t mask;
};

/* Pollers of every signalfd, woken by each signal sent. */
static struct pollq signal_pollq = { { 0 }, LIST_INIT(signal_pollq.entries) };

static void signal_sent(void)
{
	pollq_wake(&signal_pollq, EPOLLIN | EPOLLRDNORM);
}

/* struct signalfd_siginfo */
struct sfd_info {
	uint32_t signo;
	int32_t err, code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, val_int;
	uint64_t ptr, utime, stime, addr;
	uint16_t addr_lsb;
	uint8_t pad[46];
};
_Static_assert(sizeof(struct sfd_info) == 128, "signalfd_siginfo layout");

static void to_sfd(const struct ksiginfo *i, struct sfd_info *o)
{
	memset(o, 0, sizeof(*o));
	o->signo = (uint32_t)i->signo;
	o->err = i->err;
	o->code = i->code;
	if (i->signo == SIGSEGV || i->signo == SIGBUS || i->signo == SIGFPE ||
	    i->signo == SIGILL || i->signo == SIGTRAP) {
		o->addr = i->addr;
	} else if (i->code == SI_TIMER) {
		o->tid = (uint32_t)i->timer.tid;
		o->overrun = (uint32_t)i->timer.overrun;
		o->ptr = i->timer.value;
		o->val_int = (int32_t)i->timer.value;
	} else {
		o->pid = (uint32_t)i->kill.pid;
		o->uid = i->kill.uid;
		o->ptr = i->kill.value;
		o->val_int = (int32_t)i->kill.value;
	}
}

static long sfd_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct sfd *s = f->inode->priv;
	struct ksiginfo ki;
	struct sfd_info si;
	size_t done = 0;

	(void)pos;
	if (len < sizeof(si))
		return -EINVAL;
	while (done + sizeof(si) <= len) {
		if (!signal_dequeue(s->mask, &ki)) {
			struct spinlock l = { 0 };
			unsigned long irq;
			int err;

			if (done)
				break;
			irq = spin_lock_irqsave(&l);
			err = wait_event(&signal_wq, &l, signal_peek(s->mask),
					 f->flags & O_NONBLOCK, 0);
			spin_unlock_irqrestore(&l, irq);
			if (err)
				return err;
			continue;
		}
		to_sfd(&ki, &si);
		if (iobuf_put(b, done, &si, sizeof(si)))
			return done ? (long)done : -EFAULT;
		done += sizeof(si);
	}
	return (long)done;
}

static unsigned sfd_poll(struct file *f, struct poll_table *pt)
{
	struct sfd *s = f->inode->priv;

	poll_wait(pt, &signal_pollq);
	return signal_peek(s->mask) ? EPOLLIN | EPOLLRDNORM : 0;
}

static void sfd_release(struct inode *ino)
{
	kfree(ino->priv);
}

static const struct file_ops sfd_fops = {
	.read = sfd_read,
	.poll = sfd_poll,
};

static const struct inode_ops sfd_iops = {
	.release = sfd_release,
};

static long do_signalfd(long fd, long umask, long size, long flags)
{
	uint64_t mask;
	struct file *f;
	struct sfd *s;
	int err;

	if (flags & ~(long)(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	if (size != 8)
		return -EINVAL;
	if (copy_from_user(&mask, (void *)umask, sizeof(mask)))
		return -EFAULT;
	mask &= ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
	if (fd != -1) {
		if (!(f = fd_get((int)fd)))
			return -EBADF;
		if (f->ops != &sfd_fops) {
			file_put(f);
			return -EINVAL;
		}
		((struct sfd *)f->inode->priv)->mask = mask;
		file_put(f);
		return fd;
	}
	if (!(s = kzalloc(sizeof(*s))))
		return -ENOMEM;
	s->mask = mask;
	signal_on_send(signal_sent);
	err = anon_file_new(&sfd_fops, &sfd_iops, s,
			    O_RDONLY | (unsigned)(flags & O_NONBLOCK), &f);
	if (err) {
		kfree(s);
		return err;
	}
	return fd_install(f, flags & O_CLOEXEC);
}

SYSCALL_DEFINE(signalfd4)
{
	return do_signalfd((int)a[0], a[1], a[2], a[3]);
}

SYSCALL_DEFINE(signalfd)
{
	return do_signalfd((int)a[0], a[1], a[2], 0);
}

/*
 * pty.c - pseudo-terminals (fs/): opening /dev/ptmx makes a pair and
 * gives its master; /dev/pts, a small devpts, names the slave N while the
 * master is open (character device 136:N). The bytes and the termios
 * rules are fs/tty.c's line discipline; this file keeps the pairs, their
 * files, blocking and poll, the terminal ioctls, and the controlling
 * terminal: keel's one process leads its session, so it may take a pty
 * slave as its controlling terminal (TIOCSCTTY, or opening a slave
 * without O_NOCTTY while it has none); then the signal characters,
 * TIOCSIG and SIGWINCH signal the process, and the master's close hangs
 * the terminal up with SIGHUP. The ioctls are fs/pty_ioctl.c's (the pair
 * and what both files share: fs/pty.h).
 *
 * The console (/dev/console, and /dev/tty while it is the controlling
 * terminal, which it is from the start) is a pair too, whose master no
 * file opens: the kernel writes the platform's input into it (the timer
 * of fs/console.c, and every read and poll), and whatever the console's
 * output processing and echo put in the master goes out to the platform
 * before the pair's lock is dropped, so writes never wait for a reader.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/hyper.h>
#include <keel/mount.h>
#include <keel/poll.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/tty.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <keel/wait.h>

#include "pty.h"

#define DEVPTS_DEV 22 /* st_dev 0:22 */
#define PTMX_RDEV (5 << 8 | 2)
#define CHUNK 256UL /* bytes copied to or from the caller at a time */

static struct pty *ptys[PTY_MAX]; /* by index; while any end is open */
static struct pty console_pty;
static unsigned pty_nr;

/* The controlling terminal of session sid, or NULL. */
struct pty *pty_ctty_of(int sid)
{
	if (console_pty.sid == sid)
		return &console_pty;
	for (unsigned i = 0; i < PTY_MAX; i++)
		if (ptys[i] && ptys[i]->sid == sid)
			return ptys[i];
	return NULL;
}

/* Signals from the terminal go to its foreground process group. */
void pty_signal_fg(struct pty *p, int sig)
{
	int fg = READ_ONCE(p->fg);

	if (READ_ONCE(p->sid) && fg)
		signal_send_pgrp(fg, sig);
}
struct inode *devpts_root;
static struct inode *devpts_ptmx;
static const struct file_ops pts_fops;

unsigned pty_count(void)
{
	return pty_nr;
}

/*
 * The console's output: what its output processing and echo put in the
 * master goes to the platform now, as the master's buffer frees room for
 * more. True if anything went out. Lock held.
 */
static bool console_drain(struct pty *p)
{
	uint8_t kbuf[CHUNK];
	bool line_end, moved = false;
	size_t n;

	while ((n = tty_take(&p->master, kbuf, sizeof(kbuf), &line_end))) {
		hyper_console_output((const char *)kbuf, n);
		tty_pump(&p->master);
		moved = true;
	}
	return moved;
}

/*
 * The console's input, in terminal mode: what the platform has, written
 * into the master as room allows (QEMU and Xen keep the rest). True if
 * any came. Lock held; the caller's pty_unlock outputs the echoes.
 */
bool pty_console_fill(struct pty *p)
{
	char raw[64];
	bool got = false;
	size_t room, n;

	if (!p->console || console_input_is_stream())
		return false;
	while ((room = tty_write_room(&p->master))) {
		n = hyper_console_read(raw, MIN(room, sizeof(raw)));
		if (!n)
			break;
		tty_output(&p->master, (const uint8_t *)raw, n);
		got = true;
	}
	return got;
}

/*
 * Drop the lock, then tell both ends' waiters and pollers what changed
 * and send the signals the slave's input raised (only to a process whose
 * controlling terminal this is: a terminal without one signals nobody).
 * The console's output goes out first.
 */
void pty_unlock(struct pty *p, unsigned long irq)
{
	unsigned mwake, swake, sigs;

	if (p->console)
		console_drain(p);
	mwake = p->master.wake;
	swake = p->slave.wake;
	sigs = p->sid ? p->slave.sigs : 0;

	p->master.wake = p->slave.wake = p->slave.sigs = 0;
	spin_unlock_irqrestore(&p->lock, irq);
	if (mwake) {
		waitq_wake_all(&p->master.wait);
		pollq_wake(&p->master.poll, mwake);
	}
	if (swake) {
		waitq_wake_all(&p->slave.wait);
		pollq_wake(&p->slave.poll, swake);
	}
	for (int sig = 1; sigs; sig++)
		if (sigs & (1U << sig)) {
			sigs &= ~(1U << sig);
			pty_signal_fg(p, sig);
		}
}

/*
 * Before sleeping: deliver what is pending (the writer a read made room
 * for must run), retaking the lock. True when it had to: the caller
 * looks at the state again before it waits.
 */
static bool pty_flush_wakeups(struct pty *p, unsigned long *irq)
{
	if (!p->master.wake && !p->slave.wake && !p->slave.sigs)
		return false;
	pty_unlock(p, *irq);
	*irq = pty_lock(p);
	return true;
}

/* The pair goes with the last of its master and slave files. */
static void pty_maybe_free(struct pty *p)
{
	if (!p->hung_up || p->slaves)
		return;
	ptys[p->index] = NULL;
	pty_nr--;
	p->pts->priv = NULL;
	inode_put(p->pts);
	kfree(p);
}

/* ---- the master: /dev/ptmx ---- */

static int ptmx_open(struct file *f)
{
	const struct cred *c = &current_process()->cred;
	unsigned index = 0;
	struct pty *p;

	while (index < PTY_MAX && ptys[index])
		index++;
	if (index == PTY_MAX)
		return -ENOSPC; /* as Linux past kernel.pty.max */
	p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pts = inode_alloc(NULL, &pts_fops, S_IFCHR | 0600);
	if (!p->pts) {
		kfree(p);
		return -ENOMEM;
	}
	p->pts->ino = index + 3; /* as devpts: the root is 1, ptmx 2 */
	p->pts->dev = DEVPTS_DEV;
	p->pts->sb = devpts_root->sb;
	p->pts->rdev = pts_rdev(index);
	p->pts->uid = c->fsuid;
	p->pts->gid = c->fsgid;
	p->pts->flags |= I_TRANSIENT;
	p->pts->priv = p;
	tty_init(&p->master, true);
	tty_init(&p->slave, false);
	p->master.link = &p->slave;
	p->slave.link = &p->master;
	p->index = index;
	p->locked = true;
	ptys[index] = p;
	pty_nr++;
	f->priv = p;
	return 0;
}

/* The terminal hangs up: signals for a session that had it. */
void pty_hangup(struct pty *p)
{
	if (!p->sid)
		return;
	pty_signal_fg(p, SIGHUP);
	pty_signal_fg(p, SIGCONT);
	p->sid = p->fg = 0;
}

/* A session leader ends: its terminal hangs up for the session (the
 * first process's end is the VM's). */
static void session_end(struct process *q)
{
	struct pty *p;

	if (q->sid != q->pid || q->pid == 1)
		return;
	p = pty_ctty_of(q->sid);
	if (p)
		pty_hangup(p);
}

static struct process_exit_hook session_hook = { .fn = session_end };

static void ptmx_release(struct file *f)
{
	struct pty *p = f->priv;
	unsigned long irq = pty_lock(p);

	p->hung_up = true;
	p->pts->nlink = 0; /* /dev/pts/N goes */
	p->slave.wake |= EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP |
			 EPOLLRDNORM | EPOLLWRNORM;
	pty_unlock(p, irq);
	pty_hangup(p);
	pty_maybe_free(p);
}

/* ---- the slave: /dev/pts/N ---- */

/* Open p's slave as f: /dev/pts/N, or /dev/tty naming it. */
static int slave_open(struct file *f, struct pty *p)
{
	unsigned long irq;
	int err = 0;

	if (!p)
		return -EIO;
	irq = pty_lock(p);
	if (p->hung_up || p->locked)
		err = -EIO; /* as Linux: the master must be open, unlocked */
	else if (p->slave.excl && !cred_capable(CAP_SYS_ADMIN))
		err = -EBUSY;
	if (!err) {
		p->slaves++;
		p->slave_closed = false;
		f->priv = p;
	}
	pty_unlock(p, irq);
	/* A session leader without a terminal takes this one. */
	if (!err && !(f->flags & O_NOCTTY) && file_readable(f)) {
		struct process *me = current_process();

		if (me->sid == me->pid && !p->sid && !pty_ctty_of(me->sid)) {
			p->sid = me->sid;
			p->fg = me->pgid;
		}
	}
	return err;
}

static int pts_open(struct file *f)
{
	return slave_open(f, f->inode->priv);
}

static void pts_release(struct file *f)
{
	struct pty *p = f->priv;
	unsigned long irq = pty_lock(p);

	if (!--p->slaves && !p->hung_up) {
		p->slave_closed = true;
		p->master.wake |= EPOLLIN | EPOLLHUP | EPOLLRDNORM;
	}
	pty_unlock(p, irq);
	pty_maybe_free(p);
}

/* ---- reading, writing, poll: both ends ---- */

/* A packet-mode master's read: the status byte, if there is news. */
static bool packet_status_read(struct pty *p, struct tty *t, uint8_t *kbuf)
{
	if (t != &p->master || !t->packet || !p->slave.pktstatus)
		return false;
	kbuf[0] = p->slave.pktstatus;
	p->slave.pktstatus = 0;
	return true;
}

/*
 * As Linux's n_tty_read: canonical mode returns one line (or what fits);
 * otherwise VMIN bytes, VTIME tenths of a second between bytes once one
 * came (or, with VMIN 0, for the first); VMIN 0 and VTIME 0 return at
 * once. A master whose slave closed reads EIO once the data is read.
 */
/*
 * Job control: a process of a background group of the terminal's session
 * that reads it, or takes it (tcsetpgrp; writes with TOSTOP), gets sig
 * for its whole group (-ERESTARTSYS: the call runs again once it is
 * continued); if it ignores or blocks SIGTTIN, the read is -EIO, and an
 * ignored or blocked SIGTTOU lets it through. 0: go on.
 */
long pty_job_control(struct pty *p, int sig)
{
	struct process *me = current_process();
	struct ksigaction act;

	if (!p->sid || p->sid != me->sid || me->pgid == READ_ONCE(p->fg))
		return 0;
	if ((signal_procmask(SIG_BLOCK, NULL) & SIGBIT(sig)) ||
	    (!signal_action(sig, NULL, &act) && act.handler == SIG_IGN))
		return sig == SIGTTIN ? -EIO : 0;
	signal_send_pgrp(me->pgid, sig);
	return -ERESTARTSYS;
}

static long pty_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct pty *p = f->priv;
	struct tty *t = end_of(f);
	uint8_t kbuf[CHUNK];
	uint64_t deadline = 0, interval;
	bool canon, nowait = false, line_end = false;
	size_t done = 0, minimum;
	unsigned long irq;
	long err = 0;

	(void)pos;
	if (t == &p->slave && (err = pty_job_control(p, SIGTTIN)))
		return err;
	if (!len)
		return 0;
	irq = pty_lock(p);
	canon = t->termios.c_lflag & ICANON;
	minimum = canon || !t->termios.c_cc[VMIN] ? 1 : t->termios.c_cc[VMIN];
	interval = t->termios.c_cc[VTIME] * 100 * NSEC_PER_MSEC;
	if (!canon && !t->termios.c_cc[VMIN]) {
		nowait = !interval;
		deadline = interval ? time_now_ns() + interval : 0;
	}
	while (done < len) {
		size_t n, head = 0;
		bool status = false;

		pty_console_fill(p);
		if (t == &p->slave && p->hung_up)
			break; /* end of file */
		if (t->packet && p->slave.pktstatus && done)
			break; /* the news comes first in a read of its own */
		if (!done && packet_status_read(p, t, kbuf)) {
			n = 1;
			status = true;
		} else if (!tty_input_available(t, false)) {
			if (t == &p->master && p->slave_closed && !done) {
				err = -EIO;
				break;
			}
			if (done >= minimum || nowait)
				break;
			if (!(f->flags & O_NONBLOCK) &&
			    pty_flush_wakeups(p, &irq))
				continue;
			err = wait_once(&t->wait, &p->lock,
					f->flags & O_NONBLOCK, deadline);
			if (err == -ETIMEDOUT) {
				err = 0;
				nowait = true; /* one more look, then return */
			} else if (err) {
				break;
			}
			continue;
		} else {
			if (t->packet && !done)
				kbuf[head++] = TIOCPKT_DATA;
			n = head +
			    tty_take(t, kbuf + head,
				     MIN(CHUNK - head, len - done - head),
				     &line_end);
			tty_pump(
			    t); /* room for what waited in the flip buffer */
		}
		pty_unlock(p, irq);
		err = iobuf_put(b, done, kbuf, n) ? -EFAULT : 0;
		irq = pty_lock(p);
		if (err)
			break;
		done += n;
		if (status || (canon && line_end))
			break;
		if (canon || tty_input_available(t, false))
			continue; /* the rest of the line, or all there is */
		if (done >= minimum)
			break;
		if (interval && t->termios.c_cc[VMIN]) /* between bytes */
			deadline = time_now_ns() + interval;
	}
	pty_unlock(p, irq);
	return done ? (long)done : err;
}

static long pty_write(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct pty *p = f->priv;
	struct tty *t = end_of(f);
	uint8_t kbuf[CHUNK];
	size_t done = 0, have = 0, used = 0;
	unsigned long irq;
	long err = 0;

	(void)pos;
	if (t == &p->slave && p->hung_up)
		return -EIO;
	if (t == &p->slave && (t->termios.c_lflag & TOSTOP) &&
	    (err = pty_job_control(p, SIGTTOU)))
		return err;
	while (done < len) {
		if (used == have) {
			have = MIN(CHUNK, len - done);
			used = 0;
			if (iobuf_get(kbuf, b, done, have)) {
				err = -EFAULT;
				break;
			}
		}
		irq = pty_lock(p);
		while (!err && used < have) {
			size_t n;

			if (t == &p->slave && p->hung_up) {
				err = -EIO;
				break;
			}
			n = tty_output(t, kbuf + used, have - used);
			used += n;
			done += n;
			if (n)
				continue;
			/* The console's master is the kernel: never waits. */
			if (p->console && !t->stopped && console_drain(p))
				continue;
			if ((f->flags & O_NONBLOCK) ||
			    !pty_flush_wakeups(p, &irq))
				err = wait_once(&t->wait, &p->lock,
						f->flags & O_NONBLOCK, 0);
		}
		pty_unlock(p, irq);
		if (err)
			break;
	}
	return done ? (long)done : err;
}

static unsigned pty_poll(struct file *f, struct poll_table *pt)
{
	struct pty *p = f->priv;
	struct tty *t = end_of(f);
	unsigned long irq;
	unsigned mask = 0;

	poll_wait(pt, &t->poll);
	irq = pty_lock(p);
	if (pty_console_fill(p)) { /* its echoes go out, readers are told */
		pty_unlock(p, irq);
		irq = pty_lock(p);
	}
	if (t == &p->slave && p->hung_up) {
		mask = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDNORM |
		       EPOLLWRNORM;
	} else {
		if (tty_input_available(t, true))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (t == &p->master && t->packet && p->slave.pktstatus)
			mask |= EPOLLPRI | EPOLLIN | EPOLLRDNORM;
		if (t == &p->master && p->slave_closed)
			mask |= EPOLLHUP;
		if (tty_write_room(t))
			mask |= EPOLLOUT | EPOLLWRNORM;
	}
	spin_unlock_irqrestore(&p->lock, irq);
	return mask;
}

const struct file_ops ptmx_fops = {
	.open = ptmx_open,
	.read = pty_read,
	.write = pty_write,
	.ioctl = pty_ioctl,
	.poll = pty_poll,
	.release = ptmx_release,
};

static const struct file_ops pts_fops = {
	.open = pts_open,
	.read = pty_read,
	.write = pty_write,
	.ioctl = pty_ioctl,
	.poll = pty_poll,
	.release = pts_release,
};

/* ---- the console ---- */

/*
 * The console's termios: Linux's for a serial console, ttyS0 at the
 * 16550's 115200 baud (B115200 | CS8 | CREAD | HUPCL | CLOCAL, as
 * console=ttyS0,115200 leaves it), the rest tty_std_termios: canonical,
 * echoing, ISIG, ICRNL, IXON, OPOST | ONLCR.
 */
#define B115200 0010002
#define HUPCL 0002000

void console_tty_init(void)
{
	struct pty *p = &console_pty;

	memset(p, 0, sizeof(*p));
	tty_init(&p->master, true);
	tty_init(&p->slave, false);
	p->master.link = &p->slave;
	p->slave.link = &p->master;
	p->slave.termios.c_cflag = B115200 | CS8 | CREAD | HUPCL | CLOCAL;
	p->slave.termios.c_ispeed = p->slave.termios.c_ospeed = 115200;
	p->ws = (struct linux_winsize){ 24, 80, 0, 0 };
	p->console = true;
	/* The first process's controlling terminal. */
	p->sid = p->fg = 1;
	process_on_exit(&session_hook);
}

/* From fs/console.c's timer (interrupt context): the platform's input. */
bool console_tty_input(void)
{
	unsigned long irq = pty_lock(&console_pty);
	bool got = pty_console_fill(&console_pty);

	pty_unlock(&console_pty, irq);
	return got;
}

/* /dev/console: never becomes the controlling terminal by opening. */
static int console_open(struct file *f)
{
	if (console_pty.slave.excl && !cred_capable(CAP_SYS_ADMIN))
		return -EBUSY;
	f->priv = &console_pty;
	return 0;
}

/* In stream mode the console's input is the stream (fs/console.c). */
static long console_read(struct file *f, struct iobuf b, size_t len,
			 uint64_t *pos)
{
	long err = pty_job_control(&console_pty, SIGTTIN);

	if (err)
		return err;
	if (console_input_is_stream())
		return console_input_read(f, b, len, pos);
	return pty_read(f, b, len, pos);
}

/* A poller registers on one queue: the stream's, in stream mode. */
static unsigned console_poll(struct file *f, struct poll_table *pt)
{
	if (!console_input_is_stream())
		return pty_poll(f, pt);
	return console_input_poll(f, pt) |
	       (pty_poll(f, NULL) & (EPOLLOUT | EPOLLWRNORM));
}

const struct file_ops console_fops = {
	.open = console_open,
	.read = console_read,
	.write = pty_write,
	.ioctl = pty_ioctl,
	.poll = console_poll,
};

/*
 * /dev/tty: the controlling terminal, the console or a pty's slave (the
 * file then has that terminal's ops); without one ENXIO, as on Linux.
 */
static int devtty_open(struct file *f)
{
	struct pty *ctty = pty_ctty_of(current_process()->sid);

	if (!ctty)
		return -ENXIO;
	if (ctty->console) {
		f->ops = &console_fops;
		return console_open(f);
	}
	f->ops = &pts_fops;
	return slave_open(f, ctty);
}

const struct file_ops devtty_fops = {
	.open = devtty_open,
};

/* ---- /dev/pts ---- */

static int devpts_lookup(struct inode *dir, const char *name, size_t len,
			 struct inode **out)
{
	unsigned index = 0;

	(void)dir;
	if (len == 4 && !memcmp(name, "ptmx", 4)) {
		*out = devpts_ptmx;
		inode_get(*out);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9' ||
		    (i == 0 && name[0] == '0' && len > 1) || index >= PTY_MAX)
			return -ENOENT;
		index = index * 10 + (unsigned)(name[i] - '0');
	}
	if (!len || index >= PTY_MAX || !ptys[index] || ptys[index]->hung_up)
		return -ENOENT;
	*out = ptys[index]->pts;
	inode_get(*out);
	return 0;
}

/* Cookies: 2 is ptmx, 3 + N the slave N. */
static int devpts_readdir(struct inode *dir, uint64_t *pos, struct dir_ctx *ctx)
{
	(void)dir;
	if (*pos == 2) {
		if (!ctx->emit(ctx, "ptmx", 4, 2, DT_CHR, 3))
			return 0;
		*pos = 3;
	}
	for (; *pos - 3 < PTY_MAX; (*pos)++) {
		struct pty *p = ptys[*pos - 3];
		char name[16];
		int n;

		if (!p || p->hung_up)
			continue;
		n = snprintf(name, sizeof(name), "%u", p->index);
		if (!ctx->emit(ctx, name, (size_t)n, p->pts->ino, DT_CHR,
			       *pos + 1))
			break;
	}
	return 0;
}

static const struct inode_ops devpts_iops = {
	.lookup = devpts_lookup,
	.readdir = devpts_readdir,
};

/* Linux's devpts options: the slaves' mode and /dev/pts/ptmx's. */
static void devpts_show_options(struct super_block *sb, char *buf, size_t len)
{
	(void)sb;
	snprintf(buf, len, ",mode=600,ptmxmode=000");
}

static const struct super_ops devpts_sops = {
	.show_options = devpts_show_options,
};

/* devpts's one superblock, mounted on /dev/pts (fs/devfs.c). */
struct super_block *devpts_sb(void)
{
	struct super_block *sb;
	struct inode *root, *ptmx;

	if (devpts_root)
		return devpts_root->sb;
	sb = sb_alloc("devpts", DEVPTS_SUPER_MAGIC, &devpts_sops);
	root = inode_alloc(&devpts_iops, &dir_fops, S_IFDIR | 0755);
	ptmx = inode_alloc(NULL, &ptmx_fops, S_IFCHR);
	if (!sb || !root || !ptmx) {
		kfree(sb);
		kfree(root);
		kfree(ptmx);
		return NULL;
	}
	root->ino = 1;
	sb->dev = root->dev = ptmx->dev = DEVPTS_DEV;
	root->sb = ptmx->sb = sb;
	root->flags |= I_MOUNT;
	ptmx->ino = 2;
	ptmx->rdev = PTMX_RDEV;
	sb->root = root;
	sb->singleton = true;
	devpts_root = root; /* the superblock's: it stays */
	devpts_ptmx = ptmx; /* one reference, ours */
	return sb;
}

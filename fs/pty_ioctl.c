/*
 * pty_ioctl.c - the terminal ioctls of a pseudo-terminal's ends (fs/):
 * the slave's termios (TCGETS*, TCSETS*), the window size and SIGWINCH,
 * flow control and flushing, the controlling terminal and its foreground
 * group (TIOCSCTTY, TIOCNOTTY, TIOCGSID, tcgetpgrp/tcsetpgrp with job
 * control), and the master's own (TIOCGPTN, TIOCSPTLCK, TIOCPKT, TIOCSIG,
 * TIOCGPTPEER). The pairs, their files and reads and writes are
 * fs/pty.c's (fs/pty.h).
 */
#include <keel/errno.h>
#include <keel/printf.h>
#include <keel/process.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/uaccess.h>

#include "pty.h"

/* The terminal ioctls beyond include/uapi/fs.h's (asm-generic/ioctls.h). */
#define TCGETS2 0x802c542a
#define TCSETS2 0x402c542b
#define TCSETSW2 0x402c542c
#define TCSETSF2 0x402c542d
#define TCSBRK 0x5409
#define TCXONC 0x540a
#define TCFLSH 0x540b
#define TIOCEXCL 0x540c
#define TIOCNXCL 0x540d
#define TIOCSCTTY 0x540e
#define TIOCOUTQ 0x5411
#define TIOCSTI 0x5412
#define TIOCGSOFTCAR 0x5419
#define TIOCSSOFTCAR 0x541a
#define TIOCPKT 0x5420
#define TIOCNOTTY 0x5422
#define TIOCSETD 0x5423
#define TIOCGETD 0x5424
#define TCSBRKP 0x5425
#define TIOCSBRK 0x5427
#define TIOCCBRK 0x5428
#define TIOCGSID 0x5429
#define TIOCGPTN 0x80045430
#define TIOCSPTLCK 0x40045431
#define TIOCGDEV 0x80045432
#define TIOCSIG 0x40045436
#define TIOCGPKT 0x80045438
#define TIOCGPTLCK 0x80045439
#define TIOCGEXCL 0x80045440
#define TIOCGPTPEER 0x5441
#define TCOOFF 0
#define TCOON 1
#define TCIOFF 2
#define TCION 3
#define TCIFLUSH 0
#define TCOFLUSH 1
#define TCIOFLUSH 2

/* ---- ioctls ---- */

static int get_int(unsigned long arg, int *v)
{
	return copy_from_user(v, (void *)arg, sizeof(*v)) ? -EFAULT : 0;
}

static int put_int(unsigned long arg, int v)
{
	return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}

/*
 * TCSETS* (size 36, struct termios) and TCSETS*2 (44, termios2): the
 * slave's termios, whichever end asks. Speeds follow the cflag (BOTHER:
 * the given ones); a pty is always CS8 and CREAD, without parity.
 */
static long set_termios(struct pty *p, unsigned long arg, size_t size,
			bool flush)
{
	struct ktermios k;
	unsigned long irq;

	irq = pty_lock(p);
	k = p->slave.termios;
	spin_unlock_irqrestore(&p->lock, irq);
	if (copy_from_user(&k, (void *)arg, size))
		return -EFAULT;
	k.c_ispeed = tty_baud(&k, true);
	k.c_ospeed = tty_baud(&k, false);
	k.c_cflag = (k.c_cflag & ~(CSIZE | PARENB)) | CS8 | CREAD;
	irq = pty_lock(p);
	if (flush)
		tty_flush_input(&p->slave, false);
	tty_set_termios(&p->slave, &k);
	pty_unlock(p, irq);
	return 0;
}

static long get_termios(struct pty *p, unsigned long arg, size_t size)
{
	struct ktermios k;
	unsigned long irq = pty_lock(p);

	k = p->slave.termios;
	spin_unlock_irqrestore(&p->lock, irq);
	return copy_to_user((void *)arg, &k, size) ? -EFAULT : 0;
}

static long set_winsize(struct pty *p, unsigned long arg)
{
	struct linux_winsize ws;
	bool changed;

	if (copy_from_user(&ws, (void *)arg, sizeof(ws)))
		return -EFAULT;
	changed = memcmp(&ws, &p->ws, sizeof(ws)) != 0;
	p->ws = ws;
	if (changed)
		pty_signal_fg(p, SIGWINCH);
	return 0;
}

/* TCXONC and TCFLSH act on the caller's own end. */
static long flow(struct pty *p, struct tty *t, unsigned long arg)
{
	unsigned long irq = pty_lock(p);
	long err = 0;
	uint8_t c;

	switch (arg) {
	case TCOOFF:
		tty_stop(t, true);
		break;
	case TCOON:
		tty_start(t, true);
		tty_pump(t);
		break;
	case TCIOFF:
	case TCION: /* the STOP or START character, to the other end */
		c = t->termios.c_cc[arg == TCIOFF ? VSTOP : VSTART];
		if (c)
			tty_receive(t->link, &c, 1);
		break;
	default:
		err = -EINVAL;
	}
	pty_unlock(p, irq);
	return err;
}

static long flush(struct pty *p, struct tty *t, unsigned long arg)
{
	unsigned long irq;

	if (arg > TCIOFLUSH)
		return -EINVAL;
	irq = pty_lock(p);
	if (arg != TCOFLUSH)
		tty_flush_input(t, true);
	if (arg != TCIFLUSH)
		tty_flush_output(t); /* it is the other end's input already */
	pty_unlock(p, irq);
	return 0;
}

/*
 * The controlling terminal: keel keeps one (the console's pair, or a pty
 * a session leader takes), with its session and its foreground process
 * group, which tcsetpgrp moves among the session's groups (job control)
 * and which gets the signals its characters raise. The slave is the
 * terminal whichever end asks.
 */
static long ctty_ioctl(struct pty *p, bool master, unsigned cmd,
		       unsigned long arg, bool readable)
{
	struct process *me = current_process();
	bool mine = p->sid && p->sid == me->sid;
	long err;
	int v;

	switch (cmd) {
	case TIOCSCTTY:
		if (mine)
			return 0;
		if (me->sid != me->pid || pty_ctty_of(me->sid))
			return -EPERM; /* not a leader, or it has one */
		if (!readable && !cred_capable(CAP_SYS_ADMIN))
			return -EPERM;
		if (p->sid) { /* another session's: only root steals it */
			if (arg != 1 || !cred_capable(CAP_SYS_ADMIN))
				return -EPERM;
			pty_hangup(p);
		}
		p->sid = me->sid;
		p->fg = me->pgid;
		return 0;
	case TIOCNOTTY: /* a leader gives it up: its group gets SIGHUP */
		if (master || !mine)
			return -ENOTTY;
		if (me->sid == me->pid)
			pty_hangup(p);
		return 0;
	case TIOCGSID:
		return p->sid ? put_int(arg, p->sid) : -ENOTTY;
	case TIOCGPGRP:
		if (!master && !mine)
			return -ENOTTY;
		return put_int(arg, p->sid ? p->fg : 0);
	case TIOCSPGRP:
		err = get_int(arg, &v);
		if (err)
			return err;
		if (v < 0)
			return -EINVAL;
		if (!mine)
			return -ENOTTY;
		err = master ? 0 : pty_job_control(p, SIGTTOU);
		if (err)
			return err;
		if (!process_group_exists(v, -1))
			return -ESRCH;
		if (!process_group_exists(v, p->sid))
			return -EPERM;
		WRITE_ONCE(p->fg, v);
		return 0;
	}
	return -ENOTTY;
}

/* TIOCGPTPEER: open the slave from the master, as a new descriptor. */
static long open_peer(struct pty *p, unsigned flags)
{
	char name[16];
	struct file *f;
	int err, n = snprintf(name, sizeof(name), "%u", p->index);

	err = file_open_inode(p->pts, flags, devpts_root, name, (size_t)n, &f);
	if (err)
		return err;
	return fd_install(f, flags & O_CLOEXEC);
}

/* The master's own ioctls (Linux's pty_unix98_ioctl). */
static long master_ioctl(struct pty *p, unsigned cmd, unsigned long arg)
{
	unsigned long irq;
	long err;
	int v;

	switch (cmd) {
	case TIOCGPTN:
		return put_int(arg, (int)p->index);
	case TIOCSPTLCK:
		err = get_int(arg, &v);
		if (!err)
			p->locked = v != 0;
		return err;
	case TIOCGPTLCK:
		return put_int(arg, p->locked);
	case TIOCPKT:
		err = get_int(arg, &v);
		if (err)
			return err;
		irq = pty_lock(p);
		if (v && !p->master.packet)
			p->slave.pktstatus = 0;
		p->master.packet = v != 0;
		spin_unlock_irqrestore(&p->lock, irq);
		return 0;
	case TIOCGPKT:
		return put_int(arg, p->master.packet);
	case TIOCSIG: /* the slave's process group gets a signal char's */
		if (arg != SIGINT && arg != SIGQUIT && arg != SIGTSTP)
			return -EINVAL;
		pty_signal_fg(p, (int)arg);
		return 0;
	case TIOCGPTPEER:
		return open_peer(p, (unsigned)arg);
	}
	return -ENOTTY;
}

long pty_ioctl(struct file *f, unsigned cmd, unsigned long arg)
{
	struct pty *p = f->priv;
	struct tty *t = end_of(f);
	bool master = is_master(f);
	unsigned long irq;
	uint8_t c;
	int v;

	if (!master && p->hung_up)
		return cmd == TIOCSPGRP ? -ENOTTY : -EIO;
	switch (cmd) {
	case TCGETS:
		return get_termios(p, arg, sizeof(struct linux_termios));
	case TCGETS2:
		return get_termios(p, arg, sizeof(struct ktermios));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return set_termios(p, arg, sizeof(struct linux_termios),
				   cmd == TCSETSF);
	case TCSETS2:
	case TCSETSW2:
	case TCSETSF2:
		return set_termios(p, arg, sizeof(struct ktermios),
				   cmd == TCSETSF2);
	case TIOCGWINSZ:
		return copy_to_user((void *)arg, &p->ws, sizeof(p->ws))
			   ? -EFAULT
			   : 0;
	case TIOCSWINSZ:
		return set_winsize(p, arg);
	case TCSBRK:
	case TCSBRKP:
	case TIOCSBRK:
	case TIOCCBRK: /* nothing to drain, no line to break */
		return 0;
	case TCXONC:
		return flow(p, t, arg);
	case TCFLSH:
		return flush(p, t, arg);
	case FIONREAD:
		irq = pty_lock(p);
		pty_console_fill(p);
		v = (int)tty_input_count(t);
		pty_unlock(p, irq);
		return put_int(arg, v);
	case TIOCOUTQ: /* written bytes are at once the other end's */
		return put_int(arg, 0);
	case TIOCGETD: /* N_TTY, the only line discipline */
		return put_int(arg, 0);
	case TIOCSETD:
		if (get_int(arg, &v))
			return -EFAULT;
		return v ? -EINVAL : 0;
	case TIOCEXCL:
	case TIOCNXCL:
		t->excl = cmd == TIOCEXCL;
		return 0;
	case TIOCGEXCL:
		return put_int(arg, t->excl);
	case TIOCGDEV:
		return put_int(arg, p->console ? CONSOLE_RDEV
					       : (int)pts_rdev(p->index));
	case TIOCGSOFTCAR:
		return put_int(arg, !!(p->slave.termios.c_cflag & CLOCAL));
	case TIOCSSOFTCAR:
		if (get_int(arg, &v))
			return -EFAULT;
		irq = pty_lock(p);
		p->slave.termios.c_cflag =
		    (p->slave.termios.c_cflag & ~CLOCAL) | (v ? CLOCAL : 0);
		spin_unlock_irqrestore(&p->lock, irq);
		return 0;
	case TIOCSTI: /* a byte of input, as if typed */
		if ((master || p->sid != current_process()->sid) &&
		    !cred_capable(CAP_SYS_ADMIN))
			return -EPERM;
		if (copy_from_user(&c, (void *)arg, 1))
			return -EFAULT;
		irq = pty_lock(p);
		tty_receive(t, &c, 1);
		pty_unlock(p, irq);
		return 0;
	case TIOCSCTTY:
	case TIOCNOTTY:
	case TIOCGSID:
	case TIOCGPGRP:
	case TIOCSPGRP:
		return ctty_ioctl(p, master, cmd, arg, file_readable(f));
	case TIOCGPTPEER:
		if (!master)
			return p->console ? -ENOTTY : -EIO;
		break;
	}
	return master ? master_ioctl(p, cmd, arg) : -ENOTTY;
}

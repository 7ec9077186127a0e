/*
 * pty.h - what fs/pty.c and fs/pty_ioctl.c share (fs/, private): a
 * pseudo-terminal pair (or the console's), its lock, which end a file is,
 * the slave's device number, and the calls of pty.c the ioctls make
 * (unlocking with the wakeups, the console's input, signals to the
 * foreground group, hangup, job control).
 */
#ifndef KEEL_FS_PTY_H
#define KEEL_FS_PTY_H

#include <keel/sync.h>
#include <keel/tty.h>
#include <keel/vfs.h>

#define PTS_MAJOR 136
#define CONSOLE_RDEV (5 << 8 | 1)

struct pty {
	struct spinlock lock;
	struct tty master, slave;
	unsigned index;
	bool locked; /* TIOCSPTLCK: the slave does not open (EIO) */
	bool hung_up; /* the master closed: the slave's files are dead */
	bool slave_closed; /* a slave was open and all closed (master EIO) */
	unsigned slaves; /* open slave files */
	struct linux_winsize ws;
	struct inode *pts; /* /dev/pts/N, a reference */
	bool console; /* the console: the kernel is the master */
	/* The session it is the controlling terminal of (0: none), and that
	 * session's foreground process group (tcsetpgrp). */
	int sid, fg;
};

/* /dev/pts, the devpts directory. */
extern struct inode *devpts_root;

static inline bool is_master(const struct file *f)
{
	return f->ops == &ptmx_fops;
}

static inline struct tty *end_of(struct file *f)
{
	struct pty *p = f->priv;

	return is_master(f) ? &p->master : &p->slave;
}

static inline unsigned long pty_lock(struct pty *p)
{
	return spin_lock_irqsave(&p->lock);
}

/* Linux's 32-bit device number of slave index (new_encode_dev). */
static inline uint32_t pts_rdev(unsigned index)
{
	return (index & 0xff) | PTS_MAJOR << 8 | (index & ~0xffU) << 12;
}

/* fs/pty.c */
void pty_unlock(struct pty *p, unsigned long irq);
bool pty_console_fill(struct pty *p);
struct pty *pty_ctty_of(int sid);
void pty_signal_fg(struct pty *p, int sig);
void pty_hangup(struct pty *p);
long pty_job_control(struct pty *p, int sig);

/* fs/pty_ioctl.c: the terminal ioctls, of both ends. */
long pty_ioctl(struct file *f, unsigned cmd, unsigned long arg);

#endif

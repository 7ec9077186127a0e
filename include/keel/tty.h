/*
 * tty.h - terminals (fs/tty.c, fs/pty.c): the kernel's termios, Linux's
 * default one, and one end of a terminal with its line discipline. A
 * pseudo-terminal pair is two ends linked to each other: what one end
 * writes goes, through its output processing, into the other end's flip
 * buffer, and from there through the other end's line discipline into
 * the buffer its readers take from. The master's own termios stays raw
 * (as on Linux, termios ioctls on the master act on the slave's).
 * Every field of an end is guarded by its pair's lock.
 */
#ifndef KEEL_TTY_H
#define KEEL_TTY_H

#include <keel/poll.h>
#include <keel/sync.h>
#include <uapi/fs.h>

/* The kernel's struct termios2 (asm-generic/termbits.h). */
struct ktermios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[LINUX_NCCS];
	uint32_t c_ispeed, c_ospeed;
};
_Static_assert(sizeof(struct ktermios) == 44, "kernel struct termios2");

/* c_cc indexes */
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSTART 8
#define VSTOP 9
#define VSUSP 10
#define VEOL 11
#define VREPRINT 12
#define VWERASE 14
#define VLNEXT 15
#define VEOL2 16

/* c_iflag */
#define IGNBRK 0000001
#define BRKINT 0000002
#define PARMRK 0000010
#define ISTRIP 0000040
#define INLCR 0000100
#define IGNCR 0000200
#define ICRNL 0000400
#define IUCLC 0001000
#define IXON 0002000
#define IXANY 0004000
#define IUTF8 0040000
/* c_oflag */
#define OPOST 0000001
#define OLCUC 0000002
#define ONLCR 0000004
#define OCRNL 0000010
#define ONOCR 0000020
#define ONLRET 0000040
#define TABDLY 0014000
#define XTABS 0014000
/* c_cflag */
#define CBAUD 0010017
#define CSIZE 0000060
#define CS8 0000060
#define CREAD 0000200
#define PARENB 0000400
#define CLOCAL 0004000
#define CBAUDEX 0010000
#define BOTHER 0010000
#define CIBAUD 002003600000
#define IBSHIFT 16
/* c_lflag */
#define ISIG 0000001
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHONL 0000100
#define NOFLSH 0000200
#define TOSTOP 0000400
#define ECHOCTL 0001000
#define ECHOPRT 0002000
#define ECHOKE 0004000
#define IEXTEN 0100000
#define EXTPROC 0200000

/* Packet mode status bits (TIOCPKT). */
#define TIOCPKT_DATA 0
#define TIOCPKT_FLUSHREAD 1
#define TIOCPKT_FLUSHWRITE 2
#define TIOCPKT_STOP 4
#define TIOCPKT_START 8
#define TIOCPKT_NOSTOP 16
#define TIOCPKT_DOSTOP 32

/* Linux's tty_std_termios as its pty drivers start (B38400 CS8 CREAD). */
extern const struct ktermios tty_std_termios;

#define N_TTY_BUF 4096 /* the line discipline's read buffer, as Linux's */
#define TTY_FLIP_BUF 8192 /* what a pty buffers ahead of it, as Linux */
#define TTY_ECHO_BUF 2048 /* echo operations not yet output */

/* One end of a terminal. */
struct tty {
	struct tty *link; /* the other end: where this end's output goes */
	struct ktermios termios;
	uint8_t special[32]; /* chars the termios gives a meaning (bitmap) */
	/* The line discipline: bytes for this end's readers. Positions run
	 * free (index & (N_TTY_BUF - 1)); [tail, head) is the data and
	 * [tail, canon_head) the complete lines, each ending at a set bit
	 * of eol (an EOF ends a line with a 0 byte that is not read). */
	uint8_t buf[N_TTY_BUF];
	uint8_t eol[N_TTY_BUF / 8];
	size_t head, tail, canon_head;
	bool lnext, erasing;
	unsigned column, canon_column; /* the output column, for erasing */
	/* Echoes wait here for room or a restarted output (tty.c's ECHO_*). */
	uint16_t echo[TTY_ECHO_BUF];
	size_t echo_head, echo_tail;
	/* Bytes the other end wrote, before the line discipline. */
	uint8_t flip[TTY_FLIP_BUF];
	size_t flip_head, flip_len;
	/* Output stopped: by ^S (IXON) or TCOOFF (tco_stopped too). */
	bool stopped, tco_stopped;
	bool is_master;
	bool excl; /* TIOCEXCL: no more opens, but for CAP_SYS_ADMIN */
	unsigned sigs; /* ISIG signals to send once the lock is dropped */
	unsigned wake; /* EPOLL* events to report once the lock is dropped */
	uint8_t pktstatus; /* slave: TIOCPKT_* news for a packet-mode master */
	bool packet; /* master: packet mode */
	struct waitq wait; /* readers and writers of this end */
	struct pollq poll;
};

/* fs/tty.c: the line discipline. Callers hold the pair's lock. */
void tty_init(struct tty *t, bool master);
/* Move bytes from the flip buffers through the line disciplines and
 * output pending echoes, on both ends, as far as room allows. */
void tty_pump(struct tty *t);
/* Readable now? canonical: a complete line; otherwise at least amount
 * bytes (1, or VMIN for poll when VTIME is 0, as Linux's poll). */
bool tty_input_available(const struct tty *t, bool for_poll);
size_t tty_input_count(const struct tty *t); /* FIONREAD */
/* Take up to len bytes for a read into kbuf: the count; *line_end when
 * a canonical read has reached the end of its line. */
size_t tty_take(struct tty *t, uint8_t *kbuf, size_t len, bool *line_end);
/* Output from t: len bytes of kbuf, processed (OPOST); how many were
 * consumed (less when the other end's flip is full or t is stopped). */
size_t tty_output(struct tty *t, const uint8_t *kbuf, size_t len);
/* Bytes as if the other end had written them (TIOCSTI, TCIOFF...). */
void tty_receive(struct tty *t, const uint8_t *kbuf, size_t len);
size_t tty_write_room(const struct tty *t);
void tty_flush_input(struct tty *t, bool flip); /* TCIFLUSH */
void tty_flush_output(struct tty *t); /* TCOFLUSH: nothing is held back */
void tty_stop(struct tty *t, bool tco);
void tty_start(struct tty *t, bool tco);
/* New termios for t (the slave): the line discipline adjusts. */
void tty_set_termios(struct tty *t, const struct ktermios *nt);
uint32_t tty_baud(const struct ktermios *k, bool input);

/*
 * fs/pty.c: the console, a pair whose master is the kernel; /dev/tty, the
 * controlling terminal. console_tty_input takes the platform's input
 * (fs/console.c's timer calls it); true if any came.
 */
struct file_ops;
extern const struct file_ops console_fops, devtty_fops;
void console_tty_init(void);
bool console_tty_input(void);

/* fs/pty.c: pairs now (/proc/sys/kernel/pty/nr) and at most (max). */
#define PTY_MAX 4096
unsigned pty_count(void);

#endif

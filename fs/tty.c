/*
 * tty.c - the terminal line discipline (fs/): Linux's N_TTY as a program
 * sees it through a pseudo-terminal. Input processing (ICRNL, INLCR,
 * IGNCR, ISTRIP, IUCLC, IXON/IXANY), canonical lines edited with VERASE,
 * VWERASE, VKILL, VLNEXT and VREPRINT and ended by newline, VEOL, VEOL2
 * or VEOF, the signal characters of ISIG, echo (ECHO, ECHOE, ECHOK,
 * ECHOKE, ECHOCTL, ECHOPRT, ECHONL) and output processing (OPOST: ONLCR,
 * OCRNL, ONOCR, ONLRET, OLCUC, XTABS) with the column kept for erasing
 * tabs. This file only moves bytes between an end's buffers, under its
 * pair's lock; waiting and files are fs/pty.c's, ioctls fs/pty_ioctl.c's.
 */
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/tty.h>

#define MASK(i) ((i) & (N_TTY_BUF - 1))

/* Echo operations (struct tty's echo[]): the kind, and a byte. */
#define ECHO_CHAR 0x000 /* the byte, through output processing */
#define ECHO_CTL 0x100 /* a control byte shown as ^X */
#define ECHO_TAB \
	0x200 /* erase a tab: columns before it & 7, 0x80 after a tab */
#define ECHO_CANON_COL 0x300 /* the line being edited starts here */
#define ECHO_BACK_COL 0x400 /* one column back (ECHOPRT) */

const struct ktermios tty_std_termios = {
	.c_iflag = ICRNL | IXON,
	.c_oflag = OPOST | ONLCR,
	.c_cflag = 0000017 | CS8 | CREAD, /* B38400 */
	.c_lflag =
	    ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
	/* ^C ^\ ^? ^U ^D, VTIME 0, VMIN 1, -, ^Q ^S ^Z, -, ^R ^O ^W ^V */
	.c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 },
	.c_ispeed = 38400,
	.c_ospeed = 38400,
};

/* ---- characters, as the kernel's ctype sees Latin-1 ---- */

static bool is_cntrl(uint8_t c)
{
	return c < 32 || c == 127 || (c >= 128 && c < 160);
}

static bool is_upper(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 192 && c <= 222 && c != 215);
}

static bool is_lower(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 223 && c != 247);
}

static bool is_alnum(uint8_t c)
{
	return is_upper(c) || is_lower(c) || (c >= '0' && c <= '9');
}

static bool continuation(const struct tty *t, uint8_t c)
{
	return (t->termios.c_iflag & IUTF8) && (c & 0xc0) == 0x80;
}

static bool special(const struct tty *t, uint8_t c)
{
	return t->special[c / 8] & (1U << (c % 8));
}

static void mark_special(struct tty *t, uint8_t c)
{
	t->special[c / 8] |= (uint8_t)(1U << (c % 8));
}

/* Which input bytes the termios gives a meaning. */
static void compute_special(struct tty *t)
{
	const struct ktermios *k = &t->termios;
	const uint8_t *cc = k->c_cc;

	memset(t->special, 0, sizeof(t->special));
	if (k->c_iflag & (IGNCR | ICRNL))
		mark_special(t, '\r');
	if (k->c_iflag & INLCR)
		mark_special(t, '\n');
	if (k->c_lflag & ICANON) {
		mark_special(t, cc[VERASE]);
		mark_special(t, cc[VKILL]);
		mark_special(t, cc[VEOF]);
		mark_special(t, '\n');
		mark_special(t, cc[VEOL]);
		if (k->c_lflag & IEXTEN) {
			mark_special(t, cc[VWERASE]);
			mark_special(t, cc[VLNEXT]);
			mark_special(t, cc[VEOL2]);
			if (k->c_lflag & ECHO)
				mark_special(t, cc[VREPRINT]);
		}
	}
	if (k->c_iflag & IXON) {
		mark_special(t, cc[VSTART]);
		mark_special(t, cc[VSTOP]);
	}
	if (k->c_lflag & ISIG) {
		mark_special(t, cc[VINTR]);
		mark_special(t, cc[VQUIT]);
		mark_special(t, cc[VSUSP]);
	}
	t->special[0] &= (uint8_t)~1U; /* 0 is _POSIX_VDISABLE */
}

void tty_init(struct tty *t, bool master)
{
	memset(t, 0, sizeof(*t));
	t->termios = tty_std_termios;
	if (master) {
		t->termios.c_iflag = t->termios.c_oflag = 0;
		t->termios.c_lflag = 0;
	}
	t->is_master = master;
	compute_special(t);
	waitq_init(&t->wait);
	pollq_init(&t->poll);
}

/* ---- output: into the other end's flip buffer ---- */

static size_t out_room(const struct tty *t)
{
	return TTY_FLIP_BUF - t->link->flip_len;
}

static void emit(struct tty *t, const void *p, size_t n)
{
	struct tty *o = t->link;

	for (size_t i = 0; i < n; i++)
		o->flip[(o->flip_head + o->flip_len + i) % TTY_FLIP_BUF] =
		    ((const uint8_t *)p)[i];
	o->flip_len += n;
}

/*
 * One byte through OPOST with room bytes free: how many went out (0 for
 * a carriage return ONOCR drops), -1 when it does not fit.
 */
static int out_char(struct tty *t, uint8_t c, size_t room)
{
	uint32_t of = t->termios.c_oflag;
	unsigned spaces;

	if (!room)
		return -1;
	switch (c) {
	case '\n':
		if (of & ONLRET)
			t->column = 0;
		if (of & ONLCR) {
			if (room < 2)
				return -1;
			t->canon_column = t->column = 0;
			emit(t, "\r\n", 2);
			return 2;
		}
		t->canon_column = t->column;
		break;
	case '\r':
		if ((of & ONOCR) && t->column == 0)
			return 0;
		if (of & OCRNL) {
			c = '\n';
			if (of & ONLRET)
				t->canon_column = t->column = 0;
			break;
		}
		t->canon_column = t->column = 0;
		break;
	case '\t':
		spaces = 8 - (t->column & 7);
		t->column += spaces;
		if ((of & TABDLY) == XTABS) {
			if (room < spaces) {
				t->column -= spaces;
				return -1;
			}
			emit(t, "        ", spaces);
			return (int)spaces;
		}
		break;
	case '\b':
		if (t->column)
			t->column--;
		break;
	default:
		if (is_cntrl(c))
			break;
		if ((of & OLCUC) && is_lower(c))
			c -= 'a' - 'A';
		if (!continuation(t, c))
			t->column++;
	}
	emit(t, &c, 1);
	return 1;
}

/* Output pending echoes, as far as there is room; not while stopped. */
static bool echo_flush(struct tty *t)
{
	bool moved = false;

	while (t->echo_tail != t->echo_head && !t->stopped) {
		uint16_t op = t->echo[t->echo_tail % TTY_ECHO_BUF];
		uint8_t c = op & 0xff;
		size_t room = out_room(t);
		unsigned n;

		switch (op & 0xff00) {
		case ECHO_CTL:
			if (room < 2)
				return moved;
			emit(t, "^", 1);
			c ^= 0100;
			emit(t, &c, 1);
			t->column += 2;
			break;
		case ECHO_TAB:
			n = c & 0x80 ? c : c + t->canon_column;
			n = 8 - (n & 7);
			if (room < n)
				return moved;
			emit(t, "\b\b\b\b\b\b\b\b", n);
			t->column = t->column > n ? t->column - n : 0;
			break;
		case ECHO_CANON_COL:
			t->canon_column = t->column;
			break;
		case ECHO_BACK_COL:
			if (t->column)
				t->column--;
			break;
		default:
			if (c == 0xff || !(t->termios.c_oflag & OPOST)) {
				if (!room)
					return moved;
				emit(t, &c, 1);
				t->column += c == 0xff;
			} else if (out_char(t, c, room) < 0) {
				return moved;
			}
		}
		t->echo_tail++;
		moved = true;
	}
	return moved;
}

static void echo_op(struct tty *t, uint16_t op)
{
	if (t->echo_head - t->echo_tail < TTY_ECHO_BUF)
		t->echo[t->echo_head++ % TTY_ECHO_BUF] = op;
}

static void echo_raw(struct tty *t, uint8_t c)
{
	echo_op(t, ECHO_CHAR | c);
}

/* A byte as ECHOCTL shows it: control bytes but tab as ^X. */
static void echo_char(struct tty *t, uint8_t c)
{
	if ((t->termios.c_lflag & ECHOCTL) && is_cntrl(c) && c != '\t')
		echo_op(t, ECHO_CTL | c);
	else
		echo_raw(t, c);
}

/* An ECHOPRT erase ends with a '/'. */
static void finish_erasing(struct tty *t)
{
	if (t->erasing) {
		echo_raw(t, '/');
		t->erasing = false;
	}
}

/* ---- the read buffer ---- */

static bool test_eol(const struct tty *t, size_t i)
{
	return t->eol[MASK(i) / 8] & (1U << (MASK(i) % 8));
}

static void set_eol(struct tty *t, size_t i, bool on)
{
	uint8_t bit = (uint8_t)(1U << (MASK(i) % 8));

	if (on)
		t->eol[MASK(i) / 8] |= bit;
	else
		t->eol[MASK(i) / 8] &= (uint8_t)~bit;
}

static void put(struct tty *t, uint8_t c)
{
	t->buf[MASK(t->head)] = c;
	t->head++;
}

/* Put c as the end of a canonical line: the line becomes readable. */
static void end_line(struct tty *t, uint8_t c)
{
	set_eol(t, t->head, true);
	put(t, c);
	t->canon_head = t->head;
}

/* PARMRK shows a 0377 byte doubled. */
static void put_data(struct tty *t, uint8_t c)
{
	if (c == 0377 && (t->termios.c_iflag & PARMRK))
		put(t, c);
	put(t, c);
}

static void reset_input(struct tty *t)
{
	t->head = t->tail = t->canon_head = 0;
	t->erasing = false;
	memset(t->eol, 0, sizeof(t->eol));
}

/* A slave's news for a packet-mode master. */
static void packet_status(struct tty *t, uint8_t set, uint8_t clear)
{
	if (t->is_master || !t->link->packet)
		return;
	t->pktstatus = (uint8_t)((t->pktstatus & ~clear) | set);
	t->link->wake |= EPOLLIN | EPOLLPRI | EPOLLRDNORM;
}

/* ---- input processing ---- */

/* The erase characters: VERASE, VWERASE (IEXTEN) and VKILL. */
static void erase_echo(struct tty *t, bool erase_kind, uint8_t c, size_t at,
		       size_t cnt)
{
	uint32_t lf = t->termios.c_lflag;

	if (lf & ECHOPRT) {
		if (!t->erasing) {
			echo_raw(t, '\\');
			t->erasing = true;
		}
		echo_char(t, c);
		while (--cnt > 0) {
			echo_raw(t, t->buf[MASK(++at)]);
			echo_op(t, ECHO_BACK_COL);
		}
	} else if (erase_kind && !(lf & ECHOE)) {
		echo_char(t, t->termios.c_cc[VERASE]);
	} else if (c == '\t') {
		/* Columns since the line's start or the tab before. */
		unsigned cols = 0, after_tab = 0;

		while (at != t->canon_head) {
			uint8_t p = t->buf[MASK(--at)];

			if (p == '\t') {
				after_tab = 0x80;
				break;
			}
			if (is_cntrl(p))
				cols += lf & ECHOCTL ? 2 : 0;
			else if (!continuation(t, p))
				cols++;
		}
		echo_op(t, (uint16_t)(ECHO_TAB | (cols & 7) | after_tab));
	} else {
		int times = !is_cntrl(c) || (lf & ECHOCTL) ? 1 : 0;

		if (is_cntrl(c) && (lf & ECHOCTL))
			times++; /* ^X took two columns */
		while (times--) {
			echo_raw(t, '\b');
			echo_raw(t, ' ');
			echo_raw(t, '\b');
		}
	}
}

static void erase(struct tty *t, uint8_t c)
{
	const struct ktermios *k = &t->termios;
	bool echo = k->c_lflag & ECHO, word = false;
	unsigned alnums = 0;

	if (t->head == t->canon_head)
		return;
	if (c == k->c_cc[VERASE]) {
	} else if (c == k->c_cc[VWERASE]) {
		word = true;
	} else { /* VKILL */
		if (!echo) {
			t->head = t->canon_head;
			return;
		}
		if ((k->c_lflag & (ECHOK | ECHOKE | ECHOE)) !=
		    (ECHOK | ECHOKE | ECHOE)) {
			t->head = t->canon_head;
			finish_erasing(t);
			echo_char(t, c);
			if (k->c_lflag & ECHOK)
				echo_raw(t, '\n');
			return;
		}
	}
	while (t->head != t->canon_head) {
		size_t at = t->head;
		uint8_t p;

		do /* a whole character of a multibyte sequence */
			p = t->buf[MASK(--at)];
		while (continuation(t, p) && at != t->canon_head);
		if (continuation(t, p))
			break;
		if (word) { /* a word: the alphanumerics, then what precedes */
			if (is_alnum(p) || p == '_')
				alnums++;
			else if (alnums)
				break;
		}
		if (echo)
			erase_echo(t, c == k->c_cc[VERASE], p, at,
				   t->head - at);
		t->head = at;
		if (c == k->c_cc[VERASE])
			break;
	}
	if (t->head == t->canon_head && echo)
		finish_erasing(t);
}

/* VINTR, VQUIT, VSUSP: flush (unless NOFLSH), signal, echo. */
static void signal_char(struct tty *t, int sig, uint8_t c)
{
	if (!(t->termios.c_lflag & NOFLSH)) {
		t->echo_head = t->echo_tail = 0;
		reset_input(t);
		packet_status(t, TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE, 0);
	}
	t->sigs |= 1U << sig;
	if (t->termios.c_iflag & IXON)
		tty_start(t, false);
	if (t->termios.c_lflag & ECHO)
		echo_char(t, c);
}

/* The line being edited is shown again (VREPRINT). */
static void reprint(struct tty *t, uint8_t c)
{
	finish_erasing(t);
	echo_char(t, c);
	echo_raw(t, '\n');
	for (size_t i = t->canon_head; i != t->head; i++)
		echo_char(t, t->buf[MASK(i)]);
}

/* IXANY: any byte restarts output that ^S stopped. */
static void restart_any(struct tty *t)
{
	if (t->stopped && !t->tco_stopped &&
	    (t->termios.c_iflag & (IXON | IXANY)) == (IXON | IXANY))
		tty_start(t, false);
}

/* Echo c as typed (a special newline as itself, else ^J) and keep it. */
static void keep(struct tty *t, uint8_t c, bool newline)
{
	if (t->termios.c_lflag & ECHO) {
		finish_erasing(t);
		if (newline) {
			echo_raw(t, '\n');
		} else {
			if (t->canon_head == t->head)
				echo_op(t, ECHO_CANON_COL);
			echo_char(t, c);
		}
	}
	put_data(t, c);
}

/* Canonical editing and line ends: true when c was consumed. */
static bool canon_char(struct tty *t, uint8_t c)
{
	const struct ktermios *k = &t->termios;
	uint32_t lf = k->c_lflag;
	const uint8_t *cc = k->c_cc;

	if (c == cc[VERASE] || c == cc[VKILL] ||
	    (c == cc[VWERASE] && (lf & IEXTEN))) {
		erase(t, c);
	} else if (c == cc[VLNEXT] && (lf & IEXTEN)) {
		t->lnext = true;
		if (lf & ECHO) {
			finish_erasing(t);
			if (lf & ECHOCTL) {
				echo_raw(t, '^');
				echo_raw(t, '\b');
			}
		}
	} else if (c == cc[VREPRINT] &&
		   (lf & (ECHO | IEXTEN)) == (ECHO | IEXTEN)) {
		reprint(t, c);
	} else if (c == '\n') {
		if (lf & (ECHO | ECHONL))
			echo_raw(t, '\n');
		end_line(t, c);
	} else if (c == cc[VEOF]) {
		end_line(t, 0); /* a line end that is not read */
	} else if (c == cc[VEOL] || (c == cc[VEOL2] && (lf & IEXTEN))) {
		if (lf & ECHO) {
			if (t->canon_head == t->head)
				echo_op(t, ECHO_CANON_COL);
			echo_char(t, c);
		}
		if (c == 0377 && (k->c_iflag & PARMRK))
			put(t, c);
		end_line(t, c);
	} else {
		return false;
	}
	return true;
}

static void special_char(struct tty *t, uint8_t c)
{
	const struct ktermios *k = &t->termios;
	const uint8_t *cc = k->c_cc;

	if (k->c_iflag & IXON) {
		if (c == cc[VSTART]) {
			tty_start(t, false);
			return;
		}
		if (c == cc[VSTOP]) {
			tty_stop(t, false);
			return;
		}
	}
	if (k->c_lflag & ISIG) {
		int sig = c == cc[VINTR]   ? SIGINT
			  : c == cc[VQUIT] ? SIGQUIT
			  : c == cc[VSUSP] ? SIGTSTP
					   : 0;

		if (sig) {
			signal_char(t, sig, c);
			return;
		}
	}
	restart_any(t);
	if (c == '\r') {
		if (k->c_iflag & IGNCR)
			return;
		if (k->c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (k->c_iflag & INLCR)) {
		c = '\r';
	}
	if (!(k->c_lflag & ICANON) || !canon_char(t, c))
		keep(t, c, c == '\n');
}

static void input_char(struct tty *t, uint8_t c)
{
	const struct ktermios *k = &t->termios;

	if (k->c_iflag & ISTRIP)
		c &= 0x7f;
	if ((k->c_iflag & IUCLC) && (k->c_lflag & IEXTEN) && is_upper(c))
		c += 'a' - 'A';
	if (special(t, c) && !t->lnext) {
		special_char(t, c);
	} else { /* a byte with no meaning of its own */
		t->lnext = false;
		restart_any(t);
		keep(t, c, false);
	}
}

/*
 * Move t's flip buffer through its line discipline while the read buffer
 * has room (N_TTY_BUF - 1 bytes; a canonical line without an end takes
 * one byte more and then keeps replacing its last one, so erase and
 * newline still work), then output pending echoes.
 */
static bool receive(struct tty *t)
{
	bool moved = false;

	while (t->flip_len) {
		size_t used = t->head - t->tail;
		long room = (long)(N_TTY_BUF - used);

		if (t->termios.c_iflag & PARMRK)
			room = (room + 2) / 3;
		if (--room <= 0) {
			if (!(t->termios.c_lflag & ICANON) ||
			    t->canon_head != t->tail)
				break;
			if (used == N_TTY_BUF)
				t->head--;
		}
		input_char(t, t->flip[t->flip_head]);
		t->flip_head = (t->flip_head + 1) % TTY_FLIP_BUF;
		t->flip_len--;
		moved = true;
	}
	if (moved) {
		t->link->wake |= EPOLLOUT | EPOLLWRNORM;
		if (tty_input_available(t, false))
			t->wake |= EPOLLIN | EPOLLRDNORM;
	}
	return echo_flush(t) || moved;
}

void tty_pump(struct tty *t)
{
	struct tty *slave = t->is_master ? t->link : t;

	while (receive(slave) | receive(slave->link))
		;
}

void tty_receive(struct tty *t, const uint8_t *kbuf, size_t len)
{
	size_t n = MIN(len, TTY_FLIP_BUF - t->flip_len);

	for (size_t i = 0; i < n; i++)
		t->flip[(t->flip_head + t->flip_len + i) % TTY_FLIP_BUF] =
		    kbuf[i];
	t->flip_len += n;
	tty_pump(t);
}

/* ---- what fs/pty.c asks ---- */

bool tty_input_available(const struct tty *t, bool for_poll)
{
	const uint8_t *cc = t->termios.c_cc;
	size_t amount = for_poll && !cc[VTIME] && cc[VMIN] ? cc[VMIN] : 1;

	if (t->termios.c_lflag & ICANON)
		return t->canon_head != t->tail;
	return t->head - t->tail >= amount;
}

size_t tty_input_count(const struct tty *t)
{
	size_t n = 0;

	if (!(t->termios.c_lflag & ICANON))
		return t->head - t->tail;
	for (size_t i = t->tail; i != t->canon_head; i++)
		n += !(test_eol(t, i) && t->buf[MASK(i)] == 0); /* not EOF */
	return n;
}

size_t tty_take(struct tty *t, uint8_t *kbuf, size_t len, bool *line_end)
{
	size_t n = 0;

	*line_end = false;
	if (!(t->termios.c_lflag & ICANON)) {
		for (; n < len && t->tail != t->head; n++)
			kbuf[n] = t->buf[MASK(t->tail++)];
		return n;
	}
	while (n < len && t->tail != t->canon_head) {
		size_t i = t->tail++;
		uint8_t c = t->buf[MASK(i)];

		if (test_eol(t, i)) {
			set_eol(t, i, false);
			*line_end = true;
			if (c) /* an EOF's 0 is not read */
				kbuf[n++] = c;
			break;
		}
		kbuf[n++] = c;
	}
	return n;
}

size_t tty_write_room(const struct tty *t)
{
	return t->stopped ? 0 : out_room(t);
}

size_t tty_output(struct tty *t, const uint8_t *kbuf, size_t len)
{
	size_t n = 0;

	if (t->stopped)
		return 0;
	echo_flush(t); /* echoes come before later output */
	if (!(t->termios.c_oflag & OPOST)) {
		n = MIN(len, out_room(t));
		emit(t, kbuf, n);
	} else {
		while (n < len && out_char(t, kbuf[n], out_room(t)) >= 0)
			n++;
	}
	if (n)
		t->link->wake |= EPOLLIN | EPOLLRDNORM;
	tty_pump(t);
	return n;
}

void tty_flush_input(struct tty *t, bool flip)
{
	reset_input(t);
	if (flip)
		t->flip_len = 0;
	packet_status(t, TIOCPKT_FLUSHREAD, 0);
	t->link->wake |= EPOLLOUT | EPOLLWRNORM;
	tty_pump(t);
}

void tty_flush_output(struct tty *t)
{
	packet_status(t, TIOCPKT_FLUSHWRITE, 0);
}

void tty_stop(struct tty *t, bool tco)
{
	if (tco) {
		if (t->tco_stopped)
			return;
		t->tco_stopped = true;
	}
	if (t->stopped)
		return;
	t->stopped = true;
	packet_status(t, TIOCPKT_STOP, TIOCPKT_START);
}

void tty_start(struct tty *t, bool tco)
{
	if (tco) {
		if (!t->tco_stopped)
			return;
		t->tco_stopped = false;
	}
	if (!t->stopped || t->tco_stopped)
		return;
	t->stopped = false;
	packet_status(t, TIOCPKT_START, TIOCPKT_STOP);
	t->wake |= EPOLLOUT | EPOLLWRNORM;
}

void tty_set_termios(struct tty *t, const struct ktermios *nt)
{
	struct ktermios old = t->termios;
	bool old_flow, new_flow;

	t->termios = *nt;
	compute_special(t);
	if ((old.c_lflag ^ nt->c_lflag) & (ICANON | EXTPROC)) {
		/* Into canonical mode, what is there makes a line. */
		memset(t->eol, 0, sizeof(t->eol));
		if (!(nt->c_lflag & ICANON) || t->head == t->tail) {
			t->canon_head = t->tail;
		} else {
			set_eol(t, t->head - 1, true);
			t->canon_head = t->head;
		}
		t->erasing = t->lnext = false;
	}
	if (!(nt->c_iflag & IXON) && (old.c_iflag & IXON) && !t->tco_stopped)
		tty_start(t, false);
	old_flow = (old.c_iflag & IXON) && old.c_cc[VSTOP] == 023 &&
		   old.c_cc[VSTART] == 021;
	new_flow = (nt->c_iflag & IXON) && nt->c_cc[VSTOP] == 023 &&
		   nt->c_cc[VSTART] == 021;
	if (old_flow != new_flow)
		packet_status(t, new_flow ? TIOCPKT_DOSTOP : TIOCPKT_NOSTOP,
			      TIOCPKT_DOSTOP | TIOCPKT_NOSTOP);
	t->wake |= EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM;
	tty_pump(t);
}

/* ---- line speeds ---- */

static const uint32_t baud_table[] = {
	0,	 50,	  75,	   110,	    134,     150,     200,     300,
	600,	 1200,	  1800,	   2400,    4800,    9600,    19200,   38400,
	57600,	 115200,  230400,  460800,  500000,  576000,  921600,  1000000,
	1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000,
};

/*
 * The speed k's cflag names: the output one, or the input one from
 * CIBAUD (B0 there: the output speed); BOTHER means the struct's own.
 */
uint32_t tty_baud(const struct ktermios *k, bool input)
{
	uint32_t code = k->c_cflag & CBAUD, given = k->c_ospeed;

	if (input && (k->c_cflag >> IBSHIFT & CBAUD)) {
		code = k->c_cflag >> IBSHIFT & CBAUD;
		given = k->c_ispeed;
	}
	if (code == BOTHER)
		return given;
	if (code & CBAUDEX)
		code = (code & ~CBAUDEX) + 15;
	return code < ARRAY_SIZE(baud_table) ? baud_table[code] : 0;
}

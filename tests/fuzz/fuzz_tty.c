/*
 * fuzz_tty.c - libFuzzer target for fs/tty.c, the terminal line
 * discipline, on a pseudo-terminal pair as fs/pty.c holds it: the input
 * is a program of operations (byte 0 of each: which), with arbitrary
 * termios (every flag and control character), bytes typed at the master
 * and written by the slave, reads of either end in canonical and raw
 * mode, TIOCSTI, flushes, stop and start. After each operation the
 * buffers' positions are checked against their sizes and each other,
 * and each read against its count. make fuzz; tests/fuzz/run.sh.
 */
#include <stdlib.h>
#include <string.h>
#include <hosted.h>
#include <keel/poll.h>
#include <keel/tty.h>

#include "fuzz_hosted.h"

/* fs/poll.c's queues are not under test: an empty one is all tty.c needs. */
void pollq_init(struct pollq *q)
{
	memset(q, 0, sizeof(*q));
}

static struct tty master, slave;

static void check(const struct tty *t)
{
	/* The complete lines lie in the data, when lines are kept. */
	if ((t->termios.c_lflag & ICANON) &&
	    (t->canon_head - t->tail > N_TTY_BUF ||
	     t->head - t->canon_head > N_TTY_BUF))
		abort();
	if (t->head - t->tail > N_TTY_BUF || t->flip_len > TTY_FLIP_BUF ||
	    t->flip_head >= TTY_FLIP_BUF ||
	    t->echo_head - t->echo_tail > TTY_ECHO_BUF ||
	    tty_input_count(t) > N_TTY_BUF || tty_write_room(t) > TTY_FLIP_BUF)
		abort();
}

static void take(struct tty *t, size_t len)
{
	uint8_t buf[300];
	bool line_end;
	size_t avail = tty_input_count(t), n;

	(void)tty_input_available(t, true);
	n = tty_take(t, buf, len, &line_end);
	if (n > len || n > avail)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;

	tty_init(&master, true);
	tty_init(&slave, false);
	master.link = &slave;
	slave.link = &master;
	master.packet = size && data[0] & 1;
	while (data < end) {
		uint8_t op = *data++;
		size_t n = data < end ? *data++ : 0;
		struct tty *t = op & 0x80 ? &master : &slave;

		n = n > (size_t)(end - data) ? (size_t)(end - data) : n;
		switch (op & 7) {
		case 0: { /* termios: the slave's, as TCSETS sets it */
			struct ktermios k = tty_std_termios;
			memcpy(&k, data, MIN(n, sizeof(k)));
			tty_set_termios(&slave, &k);
			(void)tty_baud(&k, true);
			(void)tty_baud(&k, false);
			break;
		}
		case 1: /* output from one end, into the other's input */
		case 2:
			tty_output(t, data, n);
			break;
		case 3:
			take(t, n);
			break;
		case 4: /* TIOCSTI and the like */
			tty_receive(t, data, n);
			break;
		case 5:
			tty_flush_input(t, n & 1);
			tty_flush_output(t);
			break;
		case 6:
			if (n & 1)
				tty_stop(t, n & 2);
			else
				tty_start(t, n & 2);
			break;
		case 7:
			tty_pump(t);
			break;
		}
		if ((op & 7) != 3 && (op & 7) != 5 && (op & 7) != 6 &&
		    (op & 7) != 7)
			data += n;
		master.sigs = slave.sigs = 0;
		master.wake = slave.wake = 0;
		check(&master);
		check(&slave);
	}
	return 0;
}

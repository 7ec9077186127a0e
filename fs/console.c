/*
 * console.c - console input (fs/): the bytes the platform's console
 * receives (hyper_console_read: the 16550's FIFO on QEMU, the PV console's
 * in ring on Xen).
 *
 * Where the console announces its input (hyper_console_input_irq: the
 * 16550's receive interrupt on QEMU machines with an IOAPIC), the
 * platform calls the notify given to it as bytes arrive and they are taken
 * at once. Otherwise (Xen's ring, a machine without an IOAPIC) a timer
 * asks the platform every millisecond after input came and every 10 ms
 * when the line is quiet; QEMU holds back what the guest has not taken,
 * so nothing is lost, but a polled stream is limited to about 16 bytes
 * per poll on QEMU (the 16550's FIFO).
 *
 * Two modes, chosen on the kernel command line:
 *   - terminal (default): the input is typed at the console, a terminal
 *     (fs/pty.c's console pair, with fs/tty.c's line discipline); fd 0,
 *     1 and 2 are the console. The timer runs all the time, so typing is
 *     echoed and ^C signals while the program does not read, as on a
 *     real terminal.
 *   - keel.stdin=stream: the host's standard input is a pipe or a file,
 *     and the keel tool sends it through the console with its end marked
 *     (docs/boot.md, "Standard input"): byte 0xff escapes, 0xff 0xff is a
 *     data byte 0xff and 0xff 'E' the end of input. fd 0 is then a read-only
 *     stream (a FIFO, not a terminal) that reads EOF after the end.
 *     keel sends nothing before the kernel writes CONSOLE_READY: turning
 *     the 16550's FIFOs on at boot drops what the UART holds. The
 *     stream is buffered here, and the timer runs only while someone
 *     waits for it (a blocked read, or a poll/select/epoll
 *     registration). /dev/console writes through the terminal and reads
 *     the stream.
 */
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/hyper.h>
#include <keel/poll.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/timer.h>
#include <keel/tty.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <keel/wait.h>

#define IN_SIZE 4096
#define FAST_NS (1 * NSEC_PER_MSEC) /* poll interval just after input */
#define SLOW_NS (10 * NSEC_PER_MSEC) /* poll interval on a quiet line */
#define QUIET_POLLS 20 /* fast polls without input before slowing */

#define ESC 0xff
#define ESC_END 'E'
#define CONSOLE_READY "\033]keel;stdin\007" /* docs/boot.md */

static struct {
	struct spinlock lock;
	struct mutex read_lock; /* one reader at a time */
	struct waitq readers;
	struct pollq poll;
	struct timer timer;
	unsigned waiting; /* readers asleep */
	unsigned quiet; /* polls since input last came */
	bool ready; /* console_input_init ran */
	bool by_irq; /* the platform announces input: no polling needed */
	bool stream; /* keel.stdin=stream: this buffer, escapes decoded */
	bool escape; /* the last byte taken was ESC */
	bool ended; /* stream mode: the end marker came */
	char buf[IN_SIZE];
	size_t head, len;
} in = {
	.readers = WAITQ_INIT(in.readers),
	.read_lock = MUTEX_INIT(in.read_lock),
};

static void put_byte(char c)
{
	in.buf[(in.head + in.len) % IN_SIZE] = c;
	in.len++;
}

/* Take what the platform has, as room allows; lock held. True if any. */
static bool fill(void)
{
	char raw[64];
	bool got = false;

	while (!in.ended && in.len + sizeof(raw) <= IN_SIZE) {
		size_t n = hyper_console_read(raw, sizeof(raw));

		if (!n)
			break;
		got = true;
		for (size_t i = 0; i < n && !in.ended; i++) {
			uint8_t c = (uint8_t)raw[i];

			if (in.escape) {
				in.escape = false;
				if (c == ESC)
					put_byte((char)c);
				else if (c == ESC_END)
					in.ended = true;
				/* other escapes are reserved: dropped */
			} else if (c == ESC) {
				in.escape = true;
			} else {
				put_byte((char)c);
			}
		}
	}
	return got;
}

static bool readable(void)
{
	return in.len || in.ended;
}

static bool anyone_waiting(void)
{
	return in.waiting || !list_empty(&in.poll.entries);
}

/*
 * Lock held. Keep asking the platform while anyone waits. With input
 * announced, a stream needs no timer (its readers fill the buffer, the
 * interrupt wakes them); the terminal keeps a slow one, as a safety net
 * when its buffer was full while bytes came.
 */
static void arm(void)
{
	bool fast = in.quiet < QUIET_POLLS && !in.by_irq;

	if (in.timer.armed || (in.by_irq && in.stream))
		return;
	timer_arm(&in.timer, hyper_monotonic_ns() + (fast ? FAST_NS : SLOW_NS));
}

static void tick(struct timer *t)
{
	unsigned long irq;
	bool got;

	(void)t;
	if (!in.stream) { /* the terminal: always */
		got = console_tty_input();
		irq = spin_lock_irqsave(&in.lock);
		in.quiet = got ? 0 : in.quiet + 1;
		arm();
		spin_unlock_irqrestore(&in.lock, irq);
		return;
	}
	irq = spin_lock_irqsave(&in.lock);
	got = fill();
	in.quiet = got ? 0 : in.quiet + 1;
	if (readable()) {
		waitq_wake_all(&in.readers);
		spin_unlock_irqrestore(&in.lock, irq);
		pollq_wake(&in.poll, EPOLLIN | EPOLLRDNORM);
		irq = spin_lock_irqsave(&in.lock);
	}
	if (anyone_waiting() && !readable())
		arm();
	spin_unlock_irqrestore(&in.lock, irq);
}

/*
 * The platform's console announced input (interrupt context): take it
 * now, as the timer would, waking readers and pollers.
 */
static void input_arrived(void)
{
	if (in.ready)
		tick(NULL);
}

void console_input_init(void)
{
	const char *mode = cmdline_get("keel.stdin");

	if (in.timer.fn) /* again (the unit tests): it may be armed */
		timer_cancel(&in.timer);
	pollq_init(&in.poll);
	timer_init(&in.timer, tick);
	in.stream = mode && !strcmp(mode, "stream");
	in.by_irq = hyper_console_input_irq(input_arrived);
	in.escape = in.ended = false;
	in.head = in.len = in.quiet = 0;
	console_tty_init();
	in.ready = true;
	if (!in.stream)
		arm();
	/*
	 * Tell keel it may send now. Before this, the 16550's FIFOs were
	 * being switched on, which drops whatever the UART holds: input sent
	 * earlier could be lost (an escape sequence terminals ignore; keel
	 * takes it out of the output).
	 */
	if (in.stream)
		hyper_console_write(CONSOLE_READY, sizeof(CONSOLE_READY) - 1);
}

bool console_input_is_stream(void)
{
	return in.stream;
}

/* Lock held: take what the platform has; if that is nothing, keep the
 * timer polling it for the reader about to wait (tick wakes it). */
static bool input_ready(void)
{
	fill();
	if (readable())
		return true;
	arm();
	return false;
}

/*
 * Read of the stdin stream (fd 0, and /dev/console, in stream mode):
 * waits for at least a byte.
 * Readers take turns (the mutex), so bytes leave the buffer only once they
 * are in the reader's memory: a bad buffer (EFAULT) loses no input.
 */
long console_input_read(struct file *f, struct iobuf b, size_t len,
			uint64_t *pos)
{
	unsigned long irq;
	char chunk[256];
	size_t n;
	int err;

	(void)pos;
	if (!len)
		return 0;
	mutex_lock(&in.read_lock);
	irq = spin_lock_irqsave(&in.lock);
	in.waiting++;
	err = wait_event(&in.readers, &in.lock, input_ready(),
			 f->flags & O_NONBLOCK, 0);
	in.waiting--;
	n = err ? 0 : MIN(MIN(len, in.len), sizeof(chunk));
	for (size_t i = 0; i < n; i++)
		chunk[i] = in.buf[(in.head + i) % IN_SIZE];
	spin_unlock_irqrestore(&in.lock, irq);
	if (n && iobuf_put(b, 0, chunk, n))
		err = -EFAULT;
	if (n && !err) {
		irq = spin_lock_irqsave(&in.lock);
		in.head = (in.head + n) % IN_SIZE;
		in.len -= n;
		spin_unlock_irqrestore(&in.lock, irq);
	}
	mutex_unlock(&in.read_lock);
	return err ? err : (long)n;
}

/* Input readiness (EPOLLIN); registering starts the polling timer. */
unsigned console_input_poll(struct file *f, struct poll_table *pt)
{
	unsigned long irq;
	unsigned mask;

	(void)f;
	poll_wait(pt, &in.poll);
	irq = spin_lock_irqsave(&in.lock);
	fill();
	mask = readable() ? EPOLLIN | EPOLLRDNORM : 0;
	if (!mask && pt)
		arm();
	spin_unlock_irqrestore(&in.lock, irq);
	return mask;
}

static const struct file_ops stream_fops = {
	.read = console_input_read,
	.poll = console_input_poll,
};

/*
 * fd 0 in stream mode: a read-only FIFO-like file on the console input
 * (opened O_RDONLY, so the VFS answers writes with EBADF).
 */
int console_stream_open(struct file **out)
{
	int err = anon_file_new(&stream_fops, NULL, NULL, O_RDONLY, out);

	if (!err)
		(*out)->inode->mode = S_IFIFO | 0600;
	return err;
}

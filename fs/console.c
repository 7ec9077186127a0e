/*
 * console.c - the program's standard streams as the host gives them
 * (fs/): console input (hyper_console_read: the 16550's FIFO on QEMU, the
 * PV console's in ring on Xen), and the bulk stdio channel
 * (hyper_stdio_*: port 0 of a virtio-console, which keel run wires to
 * QEMU's stdio) for streams that are not a terminal.
 *
 * Where the console announces its input (hyper_console_input_irq: the
 * 16550's receive interrupt on QEMU machines with an IOAPIC), the
 * platform calls the notify given to it as bytes arrive and they are taken
 * at once. Otherwise (Xen's ring, a machine without an IOAPIC) a timer
 * asks the platform every millisecond after input came and every 10 ms
 * when the line is quiet; QEMU holds back what the guest has not taken,
 * so nothing is lost, but a polled stream is limited to about 16 bytes
 * per poll on QEMU (the 16550's FIFO). A bulk channel always announces.
 *
 * Input, chosen on the kernel command line:
 *   - terminal (default): the input is typed at the console, a terminal
 *     (fs/pty.c's console pair, with fs/tty.c's line discipline); fd 0,
 *     1 and 2 are the console. The timer runs all the time, so typing is
 *     echoed and ^C signals while the program does not read, as on a
 *     real terminal.
 *   - keel.stdin=stream: the host's standard input is a pipe or a file,
 *     and the keel tool sends it through the stdio channel with its end
 *     marked (docs/boot.md, "Standard input"): byte 0xff escapes, 0xff
 *     0xff is a data byte 0xff and 0xff 'E' the end of input. fd 0 is
 *     then a read-only stream (a FIFO, not a terminal) that reads EOF
 *     after the end. keel sends nothing before the kernel writes
 *     CONSOLE_READY to the console: turning the 16550's FIFOs on at boot
 *     drops what the UART holds. The stream is buffered here, and the
 *     timer runs only while someone waits for it (a blocked read, or a
 *     poll/select/epoll registration), and never with a bulk channel.
 *     /dev/console writes through the terminal and reads the stream.
 * Output: with keel.stdout=stream (the host's standard output is not a
 * terminal) fds 1 and 2 are a write-only stream (a FIFO, not a terminal:
 * isatty says no) to the stdio channel; otherwise the console terminal.
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

#define IN_SIZE (64 * 1024)
#define RAW_SIZE 4096 /* taken from the platform at a time */
#define OUT_CHUNK (32 * 1024) /* copied from the writer at a time */
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
	bool out_stream; /* keel.stdout=stream: fds 1, 2 on the channel */
	bool bulk; /* the stream comes on the bulk stdio channel */
	bool escape; /* the last byte taken was ESC */
	bool ended; /* stream mode: the end marker came */
	char buf[IN_SIZE];
	char raw[RAW_SIZE]; /* fill's, lock held */
	size_t head, len;
	struct mutex write_lock; /* one writer at a time: whole writes */
	struct waitq writers; /* waiting for room on the channel */
} in = {
	.readers = WAITQ_INIT(in.readers),
	.read_lock = MUTEX_INIT(in.read_lock),
	.writers = WAITQ_INIT(in.writers),
	.write_lock = MUTEX_INIT(in.write_lock),
};

/* Append n bytes to the buffer, which has room; lock held. */
static void put_bytes(const char *p, size_t n)
{
	size_t tail = (in.head + in.len) % IN_SIZE,
	       first = MIN(n, IN_SIZE - tail);

	memcpy(in.buf + tail, p, first);
	memcpy(in.buf, p + first, n - first);
	in.len += n;
}

/* Decode n raw bytes into the buffer (the escape may span calls); lock
 * held. Runs without ESC are copied whole. */
static void decode(const char *raw, size_t n)
{
	size_t i = 0;

	while (i < n && !in.ended) {
		const char *esc;
		size_t run;

		if (in.escape) {
			uint8_t c = (uint8_t)raw[i++];

			in.escape = false;
			if (c == ESC)
				put_bytes((const char *)&c, 1);
			else if (c == ESC_END)
				in.ended = true;
			/* other escapes are reserved: dropped */
			continue;
		}
		esc = memchr(raw + i, ESC, n - i);
		run = esc ? (size_t)(esc - raw) - i : n - i;
		put_bytes(raw + i, run);
		i += run;
		if (esc) {
			in.escape = true;
			i++;
		}
	}
}

/* Take what the platform has, as room allows; lock held. True if any. */
static bool fill(void)
{
	bool got = false;

	while (!in.ended && in.len + RAW_SIZE <= IN_SIZE) {
		size_t n = in.bulk ? hyper_stdio_read(in.raw, RAW_SIZE)
				   : hyper_console_read(in.raw, RAW_SIZE);

		if (!n)
			break;
		got = true;
		decode(in.raw, n);
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
	if (in.out_stream) { /* room may have come for a writer */
		irq = spin_lock_irqsave(&in.lock);
		waitq_wake_all(&in.writers);
		spin_unlock_irqrestore(&in.lock, irq);
	}
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
	mode = cmdline_get("keel.stdout");
	in.out_stream = mode && !strcmp(mode, "stream");
	in.by_irq = hyper_console_input_irq(input_arrived);
	in.bulk = in.stream && hyper_stdio_bulk();
	in.by_irq |= in.bulk;
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
 * are in the reader's memory: a bad buffer (EFAULT) loses no input. The
 * bytes are copied from the buffer without the lock: only this reader
 * takes from it, and fill only adds after them.
 */
long console_input_read(struct file *f, struct iobuf b, size_t len,
			uint64_t *pos)
{
	unsigned long irq;
	size_t n, head, first;
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
	n = err ? 0 : MIN(len, in.len);
	head = in.head;
	spin_unlock_irqrestore(&in.lock, irq);
	first = MIN(n, IN_SIZE - head);
	if (n && (iobuf_put(b, 0, in.buf + head, first) ||
		  iobuf_put(b, first, in.buf, n - first)))
		err = -EFAULT;
	if (n && !err) {
		irq = spin_lock_irqsave(&in.lock);
		in.head = (in.head + n) % IN_SIZE;
		in.len -= n;
		if (in.bulk) /* room again: take what the channel holds */
			fill();
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

/* Send n bytes of p, waiting for room on the channel (write_lock held):
 * how many went, or a wait's error when none did. */
static long send_all(struct file *f, const char *p, size_t n)
{
	unsigned long irq = spin_lock_irqsave(&in.lock);
	size_t done = 0, k = 0;
	int err = 0;

	while (done < n && !err) {
		err = wait_event(&in.writers, &in.lock,
				 (k = hyper_stdio_send(p + done, n - done)) > 0,
				 f->flags & O_NONBLOCK, 0);
		done += err ? 0 : k;
	}
	spin_unlock_irqrestore(&in.lock, irq);
	return done ? (long)done : err;
}

/*
 * Write of the stdout stream (fds 1 and 2 with keel.stdout=stream): the
 * bytes go to the stdio channel as they are, in OUT_CHUNK pieces; a
 * write stopped by a signal or EAGAIN after some bytes returns their
 * count, as a pipe's does.
 */
static long console_output_write(struct file *f, struct iobuf b, size_t len,
				 uint64_t *pos)
{
	static char chunk[OUT_CHUNK]; /* write_lock held */
	size_t done = 0;
	long err = 0, n;

	(void)pos;
	mutex_lock(&in.write_lock);
	while (done < len && !err) {
		size_t want = MIN(len - done, sizeof(chunk));

		err = iobuf_get(chunk, b, done, want);
		n = err ? 0 : send_all(f, chunk, want);
		if (n < 0)
			err = n;
		done += n > 0 ? (size_t)n : 0;
		if (n > 0 && (size_t)n < want)
			break;
	}
	mutex_unlock(&in.write_lock);
	return done ? (long)done : err;
}

/* Always writable: a write that finds the channel full waits (or says
 * EAGAIN), as a regular file's would never need to. */
static unsigned console_output_poll(struct file *f, struct poll_table *pt)
{
	(void)f;
	(void)pt;
	return EPOLLOUT | EPOLLWRNORM;
}

static const struct file_ops out_fops = {
	.write = console_output_write,
	.poll = console_output_poll,
};

bool console_output_is_stream(void)
{
	return in.out_stream;
}

/*
 * fds 1 and 2 with keel.stdout=stream: a write-only FIFO-like file on
 * the stdio channel (not a terminal: TCGETS says ENOTTY).
 */
int console_output_open(struct file **out)
{
	int err = anon_file_new(&out_fops, NULL, NULL, O_WRONLY, out);

	if (!err)
		(*out)->inode->mode = S_IFIFO | 0600;
	return err;
}

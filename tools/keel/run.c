/*
 * run.c - keel run: boot a built image under QEMU (microvm by default,
 * pc or q35; a virtio-net device when there is a network), the guest's
 * console on stdout, and exit with the application's status. QEMU's own
 * exit code carries only 7 bits of it (isa-debug-exit makes it
 * (status << 1) | 1), so the kernel's last console line, "keel: shutdown
 * status N", gives the full value and the exit code confirms it.
 * KVM is used only when a probe boot shows it works here.
 * The guest's bulk stdio channel is a virtio-serial port: when keel's
 * stdin is not a terminal it is QEMU's stdio (stdin in, and stdout when
 * keel's is not a terminal either) and the 16550 console comes on a pipe
 * of its own; when only stdout is not a terminal the console stays QEMU's
 * stdio and the port writes to a pipe. The console is shown on stdout, or
 * on stderr when stdout carries the program's output.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keel.h"

#define STATUS_LINE "keel: shutdown status "
#define PANIC_LINE "keel: panic"
/* kernel/oom.c: the first process was killed for memory. */
#define OOM_LINE "keel: out of memory: the first process"
/* linux/exec.c: the program's first instruction is next. */
#define START_LINE "keel: program starts "
/* QEMU's line when KVM stops a vCPU it cannot run on: QEMU then pauses
 * the guest for a monitor that keel run has not got, and would wait. */
#define KVM_ERROR "KVM internal error"

static const char *qemu_binary(void)
{
	const char *q = getenv("KEEL_QEMU");

	return q && *q ? q : "qemu-system-x86_64";
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What one QEMU run showed. */
struct outcome {
	int qemu_status; /* waitpid status */
	bool timed_out;
	bool have_status, panicked, oom_killed;
	bool no_memory; /* "keel: cannot run ...: out of memory ..." */
	bool started; /* the program was started (START_LINE) */
	bool input_taken; /* bytes of keel's stdin went to QEMU */
	char kvm_error[200]; /* QEMU's KVM_ERROR line, when it stopped */
	long status;
};

/* Scan complete console lines for the kernel's status and panic lines. */
static void scan_line(struct outcome *oc, const char *line, size_t n)
{
	size_t sl = strlen(STATUS_LINE);

	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n > sl && !strncmp(line, STATUS_LINE, sl)) {
		char buf[24];
		char *end;
		long v;

		if (n - sl >= sizeof(buf))
			return;
		memcpy(buf, line + sl, n - sl);
		buf[n - sl] = '\0';
		v = strtol(buf, &end, 10);
		if (*end == '\0' && v >= 0 && v <= 255) {
			oc->have_status = true;
			oc->status = v;
		}
	} else if (n >= strlen(PANIC_LINE) &&
		   !strncmp(line, PANIC_LINE, strlen(PANIC_LINE))) {
		oc->panicked = true;
	} else if (n >= strlen(OOM_LINE) &&
		   !strncmp(line, OOM_LINE, strlen(OOM_LINE))) {
		oc->oom_killed = true;
	} else if (n >= strlen(START_LINE) &&
		   !strncmp(line, START_LINE, strlen(START_LINE))) {
		oc->started = true;
	} else if (n > 16 && !strncmp(line, "keel: cannot run", 16) &&
		   memmem(line, n, "out of memory", 13)) {
		oc->no_memory = true;
	}
}

/*
 * How QEMU's standard input (the guest's console input) is fed:
 *   IN_NONE      /dev/null (probe boots)
 *   IN_TERMINAL  keel's own terminal, passed through: QEMU puts it in raw
 *                mode and the guest's console is the terminal
 *   IN_STREAM    a pipe keel fills from its standard input (src, or
 *                nothing when src is -1), escaped as the kernel's
 *                keel.stdin=stream expects (docs/boot.md): 0xff doubled,
 *                and 0xff 'E' at the end of the input
 */
enum input_mode { IN_NONE, IN_TERMINAL, IN_STREAM };

/* keel's stdin as the guest's: which mode, and for a stream its source. */
static enum input_mode input_mode(int *src)
{
	*src = -1;
	if (isatty(0)) {
		/*
		 * In a background process group (keel run &, or under
		 * timeout(1)) QEMU setting the terminal's modes would stop
		 * it with SIGTTOU for good: the guest gets no input then.
		 */
		if (tcgetpgrp(0) == getpgrp())
			return IN_TERMINAL;
		return IN_STREAM;
	}
	*src = 0;
	return IN_STREAM;
}

/*
 * The kernel's "ready for input" sequence (fs/console.c): nothing is sent
 * before it, since bytes that reach the UART while the kernel switches
 * its FIFOs on are lost. Terminals ignore it; keel takes it out anyway.
 */
#define READY_SEQ "\033]keel;stdin\007"

/* The second pipe from QEMU, with a port: the console's (PORT_STDIO) or
 * the port's (PORT_PIPE). QEMU opens /dev/fd/100 (-add-fd's /dev/fdset
 * refuses a pipe). */
#define LOG_FD 100

/* Where the stdio channel's port is on the host. */
enum port_kind {
	PORT_NONE, /* no port: QEMU's stdio is the console */
	PORT_STDIO, /* QEMU's stdio; the console on the LOG_FD pipe */
	PORT_PIPE, /* output only, on the LOG_FD pipe; QEMU's stdio is the
		      console */
};

/* Where QEMU's output goes. */
struct sinks {
	FILE *console; /* the console's text (NULL: dropped) */
	enum port_kind port; /* its output is copied to fd 1 */
};

/*
 * Copy all of buf to fd: false when its reader has gone (EPIPE; SIGPIPE
 * is ignored while QEMU runs, so keel can stop it first). Other errors
 * drop the bytes and the run goes on.
 */
static bool write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return !(w < 0 && errno == EPIPE);
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/*
 * keel's stdout has no reader any more (keel run -- yes | head): stop
 * QEMU, which would run on unseen, and die of SIGPIPE as a program
 * writing there would.
 */
static void reader_gone(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	_exit(128 + SIGPIPE);
}

/* The stream's state in spawn's loop. */
struct feed {
	int src, dst; /* keel's stdin (or -1), the pipe to QEMU (or -1) */
	pid_t qemu;
	char buf[65536]; /* escaped bytes not yet written */
	size_t off, len;
	bool ended; /* the end marker is queued */
	bool took; /* bytes of src were read */
	bool ready; /* the kernel said it takes input */
	size_t matched; /* bytes of READY_SEQ seen and held back */
};

/*
 * Copy n bytes of QEMU's output to out (room for n + sizeof(READY_SEQ)),
 * taking out the first READY_SEQ (then ready is set); returns the length.
 */
static size_t take_ready(struct feed *fd, const char *in, size_t n, char *out)
{
	static const char seq[] = READY_SEQ;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (fd->ready) {
			out[o++] = in[i];
			continue;
		}
		if (in[i] == seq[fd->matched]) {
			if (++fd->matched == sizeof(seq) - 1) {
				fd->ready = true;
				fd->matched = 0;
			}
			continue;
		}
		/* Not the sequence after all: give back what was held. */
		memcpy(out + o, seq, fd->matched);
		o += fd->matched;
		fd->matched = in[i] == seq[0];
		if (!fd->matched)
			out[o++] = in[i];
	}
	return o;
}

/* Read a chunk of src and queue it escaped; at EOF queue the marker. */
static void feed_fill(struct feed *fd)
{
	char raw[sizeof(fd->buf) / 2 - 1];
	ssize_t n = fd->src >= 0 ? read(fd->src, raw, sizeof(raw)) : 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	fd->off = fd->len = 0;
	if (n <= 0) { /* EOF, or an unreadable stdin: the end */
		fd->buf[fd->len++] = (char)0xff;
		fd->buf[fd->len++] = 'E';
		fd->ended = true;
		fd->src = -1;
		return;
	}
	fd->took = true;
	for (ssize_t i = 0; i < n; i++) {
		if ((unsigned char)raw[i] == 0xff)
			fd->buf[fd->len++] = (char)0xff;
		fd->buf[fd->len++] = raw[i];
	}
}

static void feed_write(struct feed *fd)
{
	/* SIGPIPE is ignored while QEMU runs: a QEMU stopped (a timeout, or
	 * its end) before the program read all of keel's stdin is EPIPE
	 * here, not a keel killed by SIGPIPE (status 141, not the guest's). */
	ssize_t n = write(fd->dst, fd->buf + fd->off, fd->len - fd->off);

	if (n > 0) {
		fd->off += (size_t)n;
	} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
		/* QEMU closed its input (EPIPE): feed nothing more. */
		close(fd->dst);
		fd->dst = -1;
	}
}

/* In the child: QEMU's stdin, stdout, stderr and console pipe, then
 * exec. */
static void child(char **argv, enum input_mode mode, int out, int in, int log,
		  int err, int efd)
{
	int exec_errno;

	dup2(out, 1);
	dup2(err, 2);
	if (log >= 0)
		dup2(log, LOG_FD); /* not close-on-exec: QEMU opens it */
	if (mode == IN_STREAM) {
		dup2(in, 0);
	} else if (mode == IN_NONE) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0 && nul != 0) {
			dup2(nul, 0);
			close(nul);
		}
	}
	execvp(argv[0], argv);
	exec_errno = errno;
	if (write(efd, &exec_errno, sizeof(exec_errno)) < 0)
		_exit(126);
	_exit(127);
}

/* The console's text as it comes: line scanning, READY_SEQ taken out. */
struct console_in {
	char line[4096];
	size_t ll;
};

/* Show and scan n bytes of console text. */
static void console_chunk(struct console_in *ci, struct feed *feed,
			  const char *buf, size_t n, FILE *out,
			  struct outcome *oc)
{
	char shown[4096 + sizeof(READY_SEQ)];

	n = take_ready(feed, buf, n, shown);
	if (out) {
		fwrite(shown, 1, n, out);
		if (fflush(out) && errno == EPIPE)
			reader_gone(feed->qemu);
	}
	for (size_t i = 0; i < n; i++) {
		if (ci->ll < sizeof(ci->line))
			ci->line[ci->ll++] = shown[i];
		if (shown[i] == '\n') {
			scan_line(oc, ci->line, ci->ll);
			ci->ll = 0;
		}
	}
}

/* The timeout's steps: SIGTERM at the deadline, SIGKILL 3 s later. */
static void on_timeout(pid_t pid, struct outcome *oc, double *deadline,
		       double *kill_at)
{
	if (!*kill_at) {
		oc->timed_out = true;
		kill(pid, SIGTERM);
		*kill_at = now() + 3;
	} else {
		kill(pid, SIGKILL);
		*deadline = 0;
	}
}

/* Read what fd has: true at its end (EOF or an error). */
static bool drain(int fd, char *buf, size_t size, ssize_t *n)
{
	*n = read(fd, buf, size);
	if (*n < 0 && (errno == EINTR || errno == EAGAIN)) {
		*n = 0;
		return false;
	}
	return *n <= 0;
}

/* QEMU's stderr as it comes, a line at a time. */
struct qemu_err {
	char line[512];
	size_t ll;
};

/*
 * One line of QEMU's stderr: shown, unless it is KVM's stop (then QEMU
 * is stopped, with SIGTERM so that it gives back the terminal, the line
 * kept for run_guest, and the register dump that follows dropped).
 */
static void qemu_err_line(struct qemu_err *qe, pid_t pid, struct outcome *oc,
			  double *deadline, double *kill_at)
{
	if (oc->kvm_error[0])
		return;
	if (!memmem(qe->line, qe->ll, KVM_ERROR, strlen(KVM_ERROR))) {
		write_all(2, qe->line, qe->ll);
		return;
	}
	while (qe->ll &&
	       (qe->line[qe->ll - 1] == '\n' || qe->line[qe->ll - 1] == '\r'))
		qe->ll--;
	snprintf(oc->kvm_error, sizeof(oc->kvm_error), "%.*s", (int)qe->ll,
		 qe->line);
	kill(pid, SIGTERM);
	*kill_at = now() + 3;
	if (!*deadline || *deadline > *kill_at)
		*deadline = *kill_at;
}

static void qemu_err_chunk(struct qemu_err *qe, const char *buf, size_t n,
			   pid_t pid, struct outcome *oc, double *deadline,
			   double *kill_at)
{
	for (size_t i = 0; i < n; i++) {
		qe->line[qe->ll++] = buf[i];
		if (buf[i] == '\n' || qe->ll == sizeof(qe->line)) {
			qemu_err_line(qe, pid, oc, deadline, kill_at);
			qe->ll = 0;
		}
	}
}

/*
 * Copy QEMU's output until its pipes end: the console (QEMU's stdout, or
 * the LOG_FD pipe with a stdio channel) shown and scanned, the stdio
 * channel's bytes to fd 1 as they are, its stderr to fd 2 but for KVM's
 * stop (qemu_err_line); feed its stdin; stop it at the deadline.
 */
static void pump(pid_t pid, int con, int data, int qerr, struct feed *feed,
		 unsigned timeout, FILE *out, struct outcome *oc)
{
	static char dbuf[65536];
	struct console_in ci = { .ll = 0 };
	struct qemu_err qe = { .ll = 0 };
	double deadline = timeout ? now() + timeout : 0, kill_at = 0;

	while (con >= 0 || data >= 0 || qerr >= 0) {
		char buf[4096];
		struct pollfd p[4];
		nfds_t np = 0;
		int ms = -1;
		ssize_t n;

		p[np++] = (struct pollfd){ con, POLLIN, 0 };
		p[np++] = (struct pollfd){ data, POLLIN, 0 };
		p[np++] = (struct pollfd){ qerr, POLLIN, 0 };
		/* Feed QEMU once the kernel is ready: write what is queued,
		 * else read more input. */
		if (feed->dst >= 0 && feed->ready && feed->off < feed->len)
			p[np++] = (struct pollfd){ feed->dst, POLLOUT, 0 };
		else if (feed->dst >= 0 && feed->ready && !feed->ended)
			p[np++] = (struct pollfd){ feed->src, POLLIN, 0 };
		if (deadline) {
			double left = (kill_at ? kill_at : deadline) - now();

			ms = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		if (poll(p, np, ms) == 0) {
			on_timeout(pid, oc, &deadline, &kill_at);
			continue;
		}
		if (np > 3 && p[3].revents) {
			if (p[3].fd == feed->dst)
				feed_write(feed);
			else
				feed_fill(feed);
		}
		if (data >= 0 && p[1].revents) {
			if (drain(data, dbuf, sizeof(dbuf), &n)) {
				close(data);
				data = -1;
			} else if (!write_all(1, dbuf, (size_t)n)) {
				reader_gone(pid);
			}
		}
		if (con >= 0 && p[0].revents) {
			if (drain(con, buf, sizeof(buf), &n)) {
				close(con);
				con = -1;
			} else {
				console_chunk(&ci, feed, buf, (size_t)n, out,
					      oc);
			}
		}
		if (qerr >= 0 && p[2].revents) {
			if (drain(qerr, buf, sizeof(buf), &n)) {
				close(qerr);
				qerr = -1;
			} else {
				qemu_err_chunk(&qe, buf, (size_t)n, pid, oc,
					       &deadline, &kill_at);
			}
		}
	}
	if (ci.ll)
		scan_line(oc, ci.line, ci.ll);
	if (qe.ll)
		qemu_err_line(&qe, pid, oc, &deadline, &kill_at);
}

/*
 * Run argv (QEMU) with its stdout through a pipe, and with a port a
 * second pipe on LOG_FD; the console copied to sk->console and scanned,
 * the port's output to fd 1; stop it after timeout seconds (0: never);
 * its stdin as mode says.
 */
static int spawn(char **argv, unsigned timeout, const struct sinks *sk,
		 enum input_mode mode, int src, struct outcome *oc)
{
	int pfd[2], efd[2], qfd[2], ifd[2] = { -1, -1 }, lfd[2] = { -1, -1 };
	bool two = sk->port != PORT_NONE;
	int exec_errno = 0;
	pid_t pid;
	void (*old_pipe)(int);
	struct feed feed = { .src = -1, .dst = -1, .ready = mode != IN_STREAM };

	memset(oc, 0, sizeof(*oc));
	if (pipe2(pfd, O_CLOEXEC) || pipe2(efd, O_CLOEXEC) ||
	    pipe2(qfd, O_CLOEXEC) ||
	    (mode == IN_STREAM && pipe2(ifd, O_CLOEXEC)) ||
	    (two && pipe2(lfd, O_CLOEXEC))) {
		err_msg("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		err_msg("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		child(argv, mode, pfd[1], ifd[0], lfd[1], qfd[1], efd[1]);
	feed.qemu = pid;
	old_pipe = signal(SIGPIPE, SIG_IGN); /* EPIPE instead: reader_gone */
	close(pfd[1]);
	close(qfd[1]);
	close(efd[1]);
	if (lfd[1] >= 0)
		close(lfd[1]);
	if (mode == IN_STREAM) {
		close(ifd[0]);
		feed.src = src;
		feed.dst = ifd[1];
		fcntl(feed.dst, F_SETFL, O_NONBLOCK);
	}
	/* The exec's outcome: EOF (it worked) or the child's errno. */
	if (read(efd[0], &exec_errno, sizeof(exec_errno)) > 0) {
		err_msg("cannot run %s: %s", argv[0], strerror(exec_errno));
		close(efd[0]);
		close(pfd[0]);
		close(qfd[0]);
		if (lfd[0] >= 0)
			close(lfd[0]);
		if (feed.dst >= 0)
			close(feed.dst);
		waitpid(pid, NULL, 0);
		signal(SIGPIPE, old_pipe);
		return -1;
	}
	close(efd[0]);
	if (feed.dst >= 0 && feed.src < 0)
		feed_fill(&feed); /* nothing to send but the end */
	if (sk->port == PORT_STDIO)
		pump(pid, lfd[0], pfd[0], qfd[0], &feed, timeout, sk->console,
		     oc);
	else
		pump(pid, pfd[0], lfd[0], qfd[0], &feed, timeout, sk->console,
		     oc);
	oc->input_taken = feed.took;
	if (feed.dst >= 0)
		close(feed.dst);
	while (waitpid(pid, &oc->qemu_status, 0) < 0 && errno == EINTR)
		;
	signal(SIGPIPE, old_pipe);
	return 0;
}

static void push(struct strv *a, const char *s)
{
	strv_push(a, s);
}

/*
 * The console and the stdio channel's port (port 1 of a virtio-serial
 * device fitting the machine: QEMU's virtserialport holds back what its
 * host side cannot take yet, where its virtconsole would drop it).
 */
static void console_args(struct strv *a, const char *machine,
			 enum port_kind port)
{
	push(a, "-serial");
	push(a, port == PORT_STDIO ? "file:/dev/fd/100" : "stdio");
	if (port == PORT_NONE)
		return;
	push(a, "-chardev");
	push(a, port == PORT_STDIO ? "stdio,id=keelio"
				   : "file,id=keelio,path=/dev/fd/100");
	push(a, "-device");
	push(a, strcmp(machine, "microvm") ? "virtio-serial-pci,romfile="
					   : "virtio-serial-device");
	push(a, "-device");
	push(a, "virtserialport,chardev=keelio,nr=1");
}

static void base_args(struct strv *a, const char *machine, const char *accel,
		      const char *mem, enum port_kind port)
{
	push(a, qemu_binary());
	bool kvm = !strcmp(accel, "kvm");

	push(a, "-M");
	/* microvm has a CMOS clock under KVM only when asked (TCG: always);
	 * keel reads the wall time from it. */
	push(a,
	     kvm && !strcmp(machine, "microvm") ? "microvm,rtc=on" : machine);
	push(a, "-accel");
	push(a, accel);
	push(a, "-cpu");
	push(a, kvm ? kvm_cpu_model() : "max");
	push(a, "-m");
	push(a, mem);
	push(a, "-nodefaults");
	push(a, "-no-user-config");
	push(a, "-display");
	push(a, "none");
	console_args(a, machine, port);
	push(a, "-no-reboot");
	push(a, "-device");
	push(a, "isa-debug-exit,iobase=0xf4,iosize=0x04");
	/* keel drives virtio 1.x only: microvm's MMIO transports must not
	 * offer the legacy interface (QEMU 7.2's default). */
	if (!strcmp(machine, "microvm")) {
		push(a, "-global");
		push(a, "virtio-mmio.force-legacy=false");
	}
}

static int port_ok(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && *end == '\0' && v >= 1 && v <= 65535;
}

/* -p HOST:GUEST, both TCP ports; checked before anything is built. */
bool port_spec_ok(const char *spec)
{
	const char *c = strchr(spec, ':');
	char *h = c ? strndup(spec, (size_t)(c - spec)) : NULL;
	bool ok = c && h && port_ok(h) && port_ok(c + 1);

	free(h);
	if (!ok)
		err_msg("-p %s: want HOST:GUEST TCP ports (1-65535)", spec);
	return ok;
}

/*
 * An interface name Linux would take: 1-15 of [A-Za-z0-9_.-], not "." or
 * ".." (a narrower set than Linux's: no '/', ':', ',', quotes or spaces,
 * which would also break QEMU's and xl's option syntax).
 */
bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_.-") == n;
}

bool net_spec_ok(const char *spec)
{
	if (!strcmp(spec, "none") || !strcmp(spec, "user"))
		return true;
	if (!strncmp(spec, "tap:", 4) && ifname_ok(spec + 4))
		return true;
	err_msg("--net %s: want none, user or tap:IFNAME (an existing TAP "
		"device, 1-15 letters, digits, '_', '.', '-')",
		spec);
	return false;
}

/* The network the run gets: --net, else user with -p, else none. */
static const char *net_kind(const struct run_opts *o)
{
	return o->net ? o->net : o->ports.n ? "user" : "none";
}

bool net_opts_ok(const struct run_opts *o)
{
	const char *net = net_kind(o);

	if (o->ports.n && strcmp(net, "user")) {
		err_msg("-p forwards through QEMU user networking: it needs "
			"--net user, not --net %s",
			net);
		return false;
	}
	for (size_t i = 0; i < o->ports.n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strncmp(o->ports.v[i], o->ports.v[j],
				     strcspn(o->ports.v[j], ":") + 1)) {
				err_msg("-p %s: host port given twice",
					o->ports.v[i]);
				return false;
			}
	return true;
}

/*
 * The network device: QEMU user networking with restrict=on (the guest
 * reaches nothing but its forwards) or a TAP, and virtio-net fitting the
 * machine: modern virtio-mmio on microvm, PCI (no option ROM) otherwise.
 */
static void net_args(struct strv *a, const struct run_opts *o)
{
	const char *net = net_kind(o);
	char *nd;

	if (!strcmp(net, "none"))
		return;
	if (!strcmp(net, "user")) {
		nd = xstrdup("user,id=net0,restrict=on");
		for (size_t i = 0; i < o->ports.n; i++) {
			const char *spec = o->ports.v[i],
				   *c = strchr(spec, ':');
			char *n = xasprintf("%s,hostfwd=tcp:127.0.0.1:%.*s-:%s",
					    nd, (int)(c - spec), spec, c + 1);

			free(nd);
			nd = n;
		}
	} else {
		nd = xasprintf("tap,id=net0,ifname=%s,script=no,downscript=no",
			       net + 4);
	}
	push(a, "-netdev");
	push(a, nd);
	free(nd);
	if (!strcmp(o->machine, "microvm")) {
		push(a, "-device");
		push(a, "virtio-net-device,netdev=net0");
	} else {
		push(a, "-device");
		push(a, "virtio-net-pci,netdev=net0,romfile=");
	}
}

/* Interpret one finished run (docs/keel.1, EXIT STATUS). */
static int verdict(const struct outcome *oc, unsigned timeout)
{
	int code;

	if (oc->timed_out) {
		fprintf(stderr,
			"keel: the guest did not finish within %u s; stopped "
			"it (status %d)\n",
			timeout, KEEL_EXIT_TIMEOUT);
		return KEEL_EXIT_TIMEOUT;
	}
	if (!WIFEXITED(oc->qemu_status)) {
		err_msg("QEMU was killed by signal %d",
			WTERMSIG(oc->qemu_status));
		return KEEL_EXIT_FAILED;
	}
	code = WEXITSTATUS(oc->qemu_status);
	if (!(code & 1)) {
		/* Not through isa-debug-exit: an ACPI poweroff (0) is fine
		 * when the kernel said its status; anything else failed. */
		if (code == 0 && oc->have_status)
			return (int)oc->status;
		err_msg("QEMU failed (exit status %d) before the guest "
			"reported a status",
			code);
		return KEEL_EXIT_FAILED;
	}
	if (oc->have_status && ((oc->status << 1 | 1) & 0xff) == code) {
		if (oc->panicked && oc->status == 127)
			fprintf(stderr, "keel: the guest kernel panicked "
					"(status 127)\n");
		if (oc->oom_killed && oc->status == 128 + 9)
			fprintf(stderr,
				"keel: the guest ran out of memory: "
				"its program was killed (status 137)\n");
		return (int)oc->status;
	}
	/* QEMU's own errors (a bad option, a missing console) exit 1, as
	 * a guest's status 0 would; the guest always says its status. */
	if (!oc->have_status && code == 1) {
		err_msg("QEMU failed (exit status 1) before the guest "
			"reported a status");
		return KEEL_EXIT_FAILED;
	}
	/* No (believable) status line: the 7 bits QEMU carried. */
	if (oc->have_status)
		fprintf(stderr,
			"keel: warning: the console said status %ld but QEMU "
			"exited %d; using %d\n",
			oc->status, code, code >> 1);
	return code >> 1;
}

/* Kernel command line words for the standard streams (docs/boot.md). */
static char *stdio_kargs(char *append, enum input_mode mode, bool out_tty)
{
	const char *words[2] = { mode == IN_STREAM ? "keel.stdin=stream" : NULL,
				 out_tty ? NULL : "keel.stdout=stream" };

	for (int i = 0; i < 2; i++) {
		char *s;

		if (!words[i])
			continue;
		s = xasprintf("%s%s%s", append, *append ? " " : "", words[i]);
		free(append);
		append = s;
	}
	return append;
}

/*
 * One boot of the image under accel: QEMU's arguments, the run, its
 * outcome in oc. -1 when QEMU could not be run (said).
 */
static int boot(const struct build_result *b, const struct run_opts *o,
		const char *accel, struct outcome *oc)
{
	struct strv a = { 0 }, kargs = { 0 };
	struct sinks sk = { stdout, PORT_NONE };
	bool out_tty = isatty(1);
	enum input_mode mode;
	char *append;
	int src, rc;

	mode = input_mode(&src);
	/* A stream's bytes go by the port; the console is stderr's when
	 * stdout carries the program's output. */
	if (mode == IN_STREAM)
		sk.port = PORT_STDIO;
	else if (!out_tty)
		sk.port = PORT_PIPE;
	if (!out_tty)
		sk.console = stderr;
	base_args(&a, o->machine, accel, o->mem, sk.port);
	push(&a, "-kernel");
	push(&a, b->kernel);
	if (b->initrd) {
		push(&a, "-initrd");
		push(&a, b->initrd);
	}
	storage_args(&a, &kargs, o, b->root_image);
	for (size_t i = 0; i < o->kargs.n; i++)
		strv_push(&kargs, o->kargs.v[i]);
	if (o->gdb_port &&
	    gdb_args(&a, &kargs, b->kernel, b->first, o->gdb_port)) {
		strv_free(&a);
		strv_free(&kargs);
		return -1;
	}
	append = strv_join(&kargs, " ");
	strv_free(&kargs);
	push(&a, "-append");
	append = stdio_kargs(append, mode, out_tty);
	push(&a, append);
	free(append);
	net_args(&a, o);
	progress("booting %s", b->kernel);
	fflush(stdout);
	rc = spawn(a.v, o->timeout, &sk, mode, src, oc);
	strv_free(&a);
	return rc;
}

int run_guest(const struct build_result *b, const struct run_opts *o)
{
	struct outcome oc;
	char why[1024], *cache = cache_dir();
	const char *accel = o->accel;
	int rc;

	if (mkdir_p(cache))
		fprintf(stderr, "keel: warning: cannot create %s\n", cache);
	if (!strcmp(accel, "auto") && o->gdb_port) {
		accel = "tcg"; /* breakpoints before the program is loaded */
		progress("accelerator: tcg (for --gdb)");
	} else if (!strcmp(accel, "auto")) {
		accel = kvm_works(b->base_kernel, cache, why, sizeof(why))
			    ? "kvm"
			    : "tcg";
		progress("accelerator: %s (KVM: %s)", accel, why);
	} else if (!strcmp(accel, "kvm") &&
		   !kvm_works(b->base_kernel, cache, why, sizeof(why))) {
		/* Asked for, but a boot would fail or crawl: say so, and
		 * run under TCG rather than not at all (docs/kvm.md). */
		fprintf(stderr,
			"keel: warning: --accel kvm: KVM cannot run keel "
			"here (%s); using TCG\n",
			why);
		accel = "tcg";
		progress("accelerator: tcg (KVM asked for, but: %s)", why);
	} else {
		progress("accelerator: %s (as asked)", accel);
	}
	if (boot(b, o, accel, &oc)) {
		free(cache);
		return KEEL_EXIT_FAILED;
	}
	/*
	 * KVM stopped the guest though the probe passed (QEMU would have
	 * waited, paused, for the timeout or for ever): the cache says no
	 * from now on. Before the program started and with none of keel's
	 * stdin taken nothing is lost, so it runs again under TCG;
	 * otherwise it may have done part of its work, and keel says so.
	 */
	if (oc.kvm_error[0]) {
		kvm_record_failure(b->base_kernel, cache, oc.kvm_error);
		if (!oc.started && !oc.input_taken) {
			fprintf(stderr,
				"keel: warning: KVM stopped the guest before "
				"its program started (%s); running it under "
				"TCG, as keel will here from now on "
				"(docs/kvm.md)\n",
				oc.kvm_error);
			progress("accelerator: tcg (KVM stopped the guest)");
			if (boot(b, o, "tcg", &oc)) {
				free(cache);
				return KEEL_EXIT_FAILED;
			}
		} else {
			fprintf(stderr,
				"keel: KVM stopped the guest after its program "
				"%s (%s); not run again, as it may have done "
				"part of its work; keel will use TCG here from "
				"now on (docs/kvm.md) (status %d)\n",
				oc.started ? "started" : "took input",
				oc.kvm_error, KEEL_EXIT_FAILED);
			free(cache);
			return KEEL_EXIT_FAILED;
		}
	}
	free(cache);
	rc = verdict(&oc, o->timeout);
	if (oc.oom_killed || oc.no_memory)
		pack_memory_hint(o->mem, b->image_bytes);
	return rc;
}

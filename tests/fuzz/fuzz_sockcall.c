/*
 * fuzz_sockcall.c - libFuzzer target for the socket calls as a program
 * makes them: the real handlers of linux/sys_socket.c (and close, poll,
 * ioctl) over net/'s socket files, lwIP's AF_INET and AF_INET6 family
 * (net/lwip/, loopback only: no device), keel's AF_UNIX and AF_NETLINK,
 * on plat/hosted. The input is a program of calls: socket, bind,
 * connect, listen, accept4, setsockopt, getsockopt, sendmsg, recvmsg,
 * shutdown, getsockname/getpeername, socket ioctls, poll and close, with
 * the socket addresses, option values, control messages, lengths, levels
 * and names taken from the input: what the address and option parsers of
 * every family see from a hostile program. Every socket is non-blocking
 * and every send and receive MSG_DONTWAIT, so no call waits; the pointers
 * a call gets are this target's own buffers (the hosted copy_from_user
 * cannot tell a wild pointer; the real kernel's does, and pointers are
 * not what is fuzzed here). Each input ends with every descriptor closed
 * and lwIP's orphaned TCP connections dropped (tcp_forget).
 * A crash, a sanitizer report, a kernel panic (hosted: abort) or an lwIP
 * assertion is a finding. make fuzz; tests/fuzz/run.sh.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <keel/heap.h>
#include <keel/netif.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include <hosted.h>
#include <uapi/fs.h>
#include <uapi/netlink.h>
#include <uapi/socket.h>
#include "glue.h"
#include "lwip/priv/tcp_priv.h"

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "../../linux/syscalls.h"
#undef SYSCALL

#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

/* A call of the program, shown with its result when FUZZ_TRACE is set
 * (reproducing a finding: FUZZ_TRACE=1 build/fuzz/fuzz_sockcall FILE). */
#define T(name, ...) trace(#name, sys_##name((const long[6]){ __VA_ARGS__ }))

#define NFDS 8 /* descriptors an input juggles */
#define BUF 512

/* plat/hosted's watchdog (SIGALRM after 60 s) is for unit tests; here
 * libFuzzer's -timeout watches each input, and it installs its SIGALRM
 * handler only where none is (fuzz_hosted.h's LLVMFuzzerInitialize). */
#include "fuzz_hosted.h"

/* /proc/self/maps is kernel/vm.c's, which is not linked: none. */
/* The address-space calls fs/ and kernel/process.c reach, as a
 * process without pages. */
#include "../unit/vm_stubs.h"

static long trace(const char *name, long r)
{
	static int on = -1;

	if (on < 0)
		on = getenv("FUZZ_TRACE") != NULL;
	if (on)
		fprintf(stderr, "%s = %ld\n", name, r);
	return r;
}

/* ---- reading the input ---- */
struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static uint32_t u32(struct in *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | u8(in);
	return v;
}

/* Up to max bytes of the input into buf (length first); their count. */
static size_t bytes(struct in *in, void *buf, size_t max)
{
	size_t len = u8(in);

	if (len > max)
		len = max;
	if (len > in->n)
		len = in->n;
	memcpy(buf, in->p, len);
	in->p += len;
	in->n -= len;
	return len;
}

/* A length the call is told: mostly the true one, sometimes a lie within
 * the buffer (shorter, zero, the whole buffer). */
static long told(struct in *in, size_t have, size_t room)
{
	switch (u8(in) & 3) {
	case 0:
		return (long)have;
	case 1:
		return (long)(u8(in) % (room + 1));
	case 2:
		return 0;
	default:
		return (long)room;
	}
}

static long pick(struct in *in, const long *set, size_t n)
{
	uint8_t i = u8(in);

	return i < n ? set[i] : (long)(int32_t)u32(in);
}

/* ---- the program's descriptors ---- */
static long fds[NFDS];

static long fd_of(struct in *in)
{
	uint8_t i = u8(in);

	return i < NFDS ? fds[i] : (long)(int8_t)i;
}

static void keep_fd(long fd)
{
	for (int i = 0; i < NFDS; i++)
		if (fds[i] < 0) {
			fds[i] = fd;
			return;
		}
	SC(close, fd);
}

static const long families[] = { AF_INET,    AF_INET6,	AF_UNIX,
				 AF_NETLINK, AF_UNSPEC, AF_BRIDGE };
static const long types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW,
			      SOCK_SEQPACKET };
static const long protocols[] = { 0, IPPROTO_TCP, IPPROTO_UDP, 1 /* ICMP */,
				  58 /* ICMPV6 */ };
static const long levels[] = { SOL_SOCKET,  IPPROTO_IP,	 IPPROTO_IPV6,
			       IPPROTO_TCP, IPPROTO_UDP, SOL_NETLINK };
static const long ioctls[] = { FIONREAD,    0x5411 /* SIOCOUTQ */,
			       SIOCGIFNAME, SIOCGIFFLAGS,
			       SIOCGIFADDR, SIOCGIFNETMASK,
			       SIOCGIFMTU,  0x8927 /* SIOCGIFHWADDR */,
			       0x8933 /* SIOCGIFINDEX */ };

/* A socket address from the input: a family of the list (or any) in the
 * first two bytes when the input says so, then its bytes. */
static size_t sockaddr_in(struct in *in, uint8_t *buf)
{
	size_t n = bytes(in, buf, SOCKADDR_MAX);

	if (n >= 2 && (u8(in) & 1)) {
		uint16_t fam = (uint16_t)pick(in, families, 6);

		memcpy(buf, &fam, 2);
	}
	return n;
}

struct kiov {
	uint64_t base, len;
};

/* A msghdr over this target's buffers: up to 3 iovecs of data, a name
 * and control bytes from the input (for a send) or room (for a receive). */
static void msghdr_in(struct in *in, struct linux_msghdr *m, struct kiov *iov,
		      uint8_t *name, uint8_t *ctl, uint8_t *data, bool send)
{
	size_t namelen = 0, ctllen = 0, at = 0;
	unsigned niov = u8(in) % 4;

	memset(m, 0, sizeof(*m));
	if (send) {
		namelen = (u8(in) & 1) ? sockaddr_in(in, name) : 0;
		ctllen = (u8(in) & 1) ? bytes(in, ctl, BUF) : 0;
	} else {
		namelen = u8(in) % (SOCKADDR_MAX + 1);
		ctllen = u8(in) % 2 ? BUF : u8(in);
	}
	for (unsigned i = 0; i < niov; i++) {
		size_t len = send ? bytes(in, data + at, BUF - at)
				  : MIN(u8(in) % 200u, BUF - at);

		iov[i] = (struct kiov){ (uint64_t)(uintptr_t)(data + at), len };
		at += len;
	}
	m->msg_name = namelen ? (uint64_t)(uintptr_t)name : 0;
	m->msg_namelen = (uint32_t)told(in, namelen, SOCKADDR_MAX);
	if (!m->msg_name)
		m->msg_namelen = 0;
	m->msg_iov = (uint64_t)(uintptr_t)iov;
	m->msg_iovlen = niov;
	m->msg_control = ctllen ? (uint64_t)(uintptr_t)ctl : 0;
	m->msg_controllen = ctllen ? (uint64_t)told(in, ctllen, BUF) : 0;
}

/* One call of the program. */
static void call(struct in *in)
{
	static uint8_t a[SOCKADDR_MAX], name[SOCKADDR_MAX], ctl[BUF], data[BUF],
	    opt[BUF];
	struct linux_msghdr m;
	struct kiov iov[3];
	uint32_t len;
	long fd, r;
	size_t n;

	switch (u8(in) % 15) {
	case 0: /* socket */
		r = T(socket, pick(in, families, 6),
		      pick(in, types, 4) | SOCK_NONBLOCK,
		      pick(in, protocols, 5));
		if (r >= 0)
			keep_fd(r);
		break;
	case 1: /* socketpair */
	{
		int32_t sv[2];

		if (T(socketpair, pick(in, families, 6),
		      pick(in, types, 4) | SOCK_NONBLOCK, 0, P(sv)) == 0) {
			keep_fd(sv[0]);
			keep_fd(sv[1]);
		}
		break;
	}
	case 2: /* bind */
		fd = fd_of(in);
		n = sockaddr_in(in, a);
		T(bind, fd, P(a), told(in, n, SOCKADDR_MAX));
		break;
	case 3: /* connect: on the loopback it ends inside the call */
		fd = fd_of(in);
		n = sockaddr_in(in, a);
		T(connect, fd, P(a), told(in, n, SOCKADDR_MAX));
		break;
	case 4:
		T(listen, fd_of(in), (long)(int32_t)u32(in));
		break;
	case 5: /* accept4: the listener is non-blocking */
		fd = fd_of(in);
		len = (uint32_t)(u8(in) % (SOCKADDR_MAX + 1));
		r = T(accept4, fd, (u8(in) & 1) ? P(a) : 0, P(&len),
		      SOCK_NONBLOCK | ((u8(in) & 1) ? SOCK_CLOEXEC : 0));
		if (r >= 0)
			keep_fd(r);
		break;
	case 6: /* setsockopt: the option parsers */
	{
		long level, optname;

		fd = fd_of(in);
		level = pick(in, levels, 6);
		optname = u8(in);
		n = bytes(in, opt, BUF);
		T(setsockopt, fd, level, optname, P(opt), told(in, n, BUF));
		break;
	}
	case 7: /* getsockopt */
	{
		long level, optname;

		fd = fd_of(in);
		level = pick(in, levels, 6);
		optname = u8(in);
		len = (uint32_t)(u8(in) % 2 ? u8(in) : BUF);
		T(getsockopt, fd, level, optname, P(opt), P(&len));
		break;
	}
	case 8: /* sendmsg: names and control messages */
		fd = fd_of(in);
		msghdr_in(in, &m, iov, name, ctl, data, true);
		T(sendmsg, fd, P(&m),
		  (long)(u32(in) & ~(uint32_t)MSG_OOB) | MSG_DONTWAIT |
		      MSG_NOSIGNAL);
		break;
	case 9: /* recvmsg */
		fd = fd_of(in);
		msghdr_in(in, &m, iov, name, ctl, data, false);
		T(recvmsg, fd, P(&m),
		  (long)(u32(in) & ~(uint32_t)MSG_OOB) | MSG_DONTWAIT);
		break;
	case 10:
		T(shutdown, fd_of(in), (long)(int8_t)u8(in));
		break;
	case 11: /* getsockname or getpeername */
		fd = fd_of(in);
		len = (uint32_t)(u8(in) % (SOCKADDR_MAX + 1));
		if (u8(in) & 1)
			T(getpeername, fd, P(a), P(&len));
		else
			T(getsockname, fd, P(a), P(&len));
		break;
	case 12: /* the socket ioctls that take no pointer inside */
		fd = fd_of(in);
		memset(opt, 0, 64);
		bytes(in, opt, 40); /* a struct ifreq's worth */
		T(ioctl, fd, pick(in, ioctls, 9), P(opt));
		break;
	case 13: /* poll every descriptor, no wait */
	{
		struct {
			int32_t fd;
			int16_t events, revents;
		} pf[NFDS];

		for (int i = 0; i < NFDS; i++)
			pf[i] = (typeof(pf[0])){ (int32_t)fds[i], 0x3ff, 0 };
		T(poll, P(pf), NFDS, 0);
		break;
	}
	default: /* close */
	{
		uint8_t i = u8(in) % NFDS;

		if (fds[i] >= 0) {
			T(close, fds[i]);
			fds[i] = -1;
		}
		break;
	}
	}
}

/* After the last close: the TCP connections lwIP still keeps for no
 * socket (TIME_WAIT, closing) go, as lwIP's timers would make them go
 * minutes later, so that each input starts from the same ports. */
static void tcp_forget(void)
{
	struct tcp_pcb **lists[] = { &tcp_active_pcbs, &tcp_tw_pcbs };

	lwip_lock();
	for (unsigned i = 0; i < 2; i++) {
		struct tcp_pcb *pcb = *lists[i], *next;

		for (; pcb; pcb = next) {
			next = pcb->next;
			if (!pcb->callback_arg)
				tcp_abort(pcb);
		}
	}
	lwip_unlock();
}

static void setup_once(void)
{
	static bool done;
	uint64_t all = ~0ULL;

	if (done)
		return;
	done = true;
	if (hosted_mem_init(64UL << 20))
		abort();
	sched_init();
	net_init(); /* lwIP's AF_INET and AF_INET6, loopback only */
	if (vfs_init(NULL, 0))
		abort();
	fuzz_process_start();
	signal_procmask(SIG_SETMASK, &all); /* SIGPIPE and the like wait */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };

	setup_once();
	for (int i = 0; i < NFDS; i++)
		fds[i] = -1;
	for (int calls = 0; in.n && calls < 64; calls++)
		call(&in);
	/* Everything closed: descriptors SCM_RIGHTS brought and accepted ones
	 * the table had no room for too. */
	for (long fd = 3; fd < FD_MAX; fd++) /* 0-2: the console's */
		SC(close, fd);
	tcp_forget();
	return 0;
}

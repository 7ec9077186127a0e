/*
 * test_sockfam.c - the socket family table (net/socket*.c) is wide enough
 * for a protocol stack: a fake family, registered for AF_INET in place of
 * the loopback, logs its calls and answers like a tiny stack while the
 * real syscall handlers (linux/sys_socket.c, sys_file.c, sys_poll.c) drive
 * it. Each check says which operation a call must reach and what stays
 * net/'s own (SO_RCVTIMEO, SO_ERROR, SIGPIPE, the interface ioctls).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/netlink.h>
#include <keel/poll.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/socket.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include "unit.h"

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "../../linux/syscalls.h"
#undef SYSCALL
#include "fs_fixture.h"

#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

/* ip(7) and tty_ioctl(4) values the uapi headers do not carry. */
#define SOL_IP 0
#define IP_TTL 2
#define IP_ADD_MEMBERSHIP 35
#define TCP_MAXSEG 2
#define SO_BINDTODEVICE 25
#define SIOCOUTQ 0x5411
#define F_GETFD 1
#define FD_CLOEXEC 1
#define POLLIN_ 0x001
#define POLLOUT_ 0x004
#define POLLERR_ 0x008
#define EP_ADD 1

struct utimeval { /* struct timeval */
	int64_t sec, usec;
};

struct upollfd {
	int32_t fd;
	int16_t events, revents;
};

/* /proc/self/maps is kernel/vm.c's, which is not linked: none. */
#include "vm_stubs.h"

/* ------------------------------------------------ the call log --- */

static char calls[4096];

static void logc(const char *fmt, ...)
{
	size_t n = strlen(calls);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(calls + n, sizeof(calls) - n, fmt, ap);
	va_end(ap);
	n = strlen(calls);
	snprintf(calls + n, sizeof(calls) - n, " ");
}

/* The calls since the last look, then forget them. */
static void expect_calls(const char *want)
{
	size_t n = strlen(calls);

	if (n && calls[n - 1] == ' ')
		calls[n - 1] = '\0';
	assert_string_equal(calls, want);
	calls[0] = '\0';
}

/* ------------------------------------------------ the tiny stack --- */

#define SEGS 8

struct fake {
	bool listening, connecting, connected, shut_wr;
	int pending; /* connections waiting for accept */
	char rx[256];
	size_t seg[SEGS]; /* received segments, oldest first */
	unsigned nseg;
	char tx[256]; /* everything sent */
	size_t txlen;
	struct sockname local, peer, sent_to;
	char dev[16];
	uint8_t mreq[8];
};

static struct fake *F(struct socket *s)
{
	return s->priv;
}

static struct sockname in_name(uint32_t a, uint32_t b, uint32_t c, uint32_t d,
			       uint16_t port)
{
	struct sockname n;

	memset(&n, 0, sizeof(n));
	n.len = sizeof(n.in);
	n.in.sin_family = AF_INET;
	n.in.sin_port = (uint16_t)(port << 8 | port >> 8);
	n.in.sin_addr = a | b << 8 | c << 16 | d << 24;
	return n;
}

static size_t rx_bytes(struct fake *k)
{
	size_t n = 0;

	for (unsigned i = 0; i < k->nseg; i++)
		n += k->seg[i];
	return n;
}

static int fk_create(struct socket *s, int type, int *protocol)
{
	logc("create(%d,%d)", type, *protocol);
	if (type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	*protocol = IPPROTO_TCP;
	s->priv = calloc(1, sizeof(struct fake));
	return s->priv ? 0 : -ENOMEM;
}

static void fk_release(struct socket *s)
{
	logc("release");
	free(s->priv);
	s->priv = NULL;
}

static int fk_bind(struct socket *s, const struct sockname *a)
{
	logc("bind(%u)", a->len);
	if (a->len < sizeof(a->in) || a->family != AF_INET)
		return -EINVAL;
	F(s)->local = *a;
	return 0;
}

static int fk_listen(struct socket *s, int backlog)
{
	logc("listen(%d)", backlog);
	F(s)->listening = true;
	return 0;
}

static bool has_pending(struct socket *s, void *arg)
{
	(void)arg;
	return F(s)->pending > 0;
}

static int fk_accept(struct socket *s, struct socket *child, unsigned flags,
		     struct sockname *peer)
{
	struct fake *k;
	int err;

	logc("accept(%s)", flags & O_NONBLOCK ? "nb" : "wait");
	err = sock_wait(s, flags & O_NONBLOCK, s->rcvtimeo, has_pending, NULL);
	if (err)
		return err;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	F(s)->pending--;
	k->connected = true;
	k->local = F(s)->local;
	k->peer = in_name(10, 0, 0, 2, 40000);
	child->priv = k;
	*peer = k->peer;
	return 0;
}

static int fk_connect(struct socket *s, const struct sockname *a,
		      unsigned flags)
{
	struct fake *k = F(s);

	logc("connect(%s)", flags & O_NONBLOCK ? "nb" : "wait");
	if (k->connecting)
		return -EALREADY;
	if (k->connected)
		return -EISCONN;
	k->peer = *a;
	k->local = in_name(10, 0, 0, 1, 50000);
	if (flags & O_NONBLOCK) {
		k->connecting = true;
		return -EINPROGRESS;
	}
	k->connected = true;
	return 0;
}

static int fk_shutdown(struct socket *s, int how)
{
	logc("shutdown(%d)", how);
	if (how != SHUT_RD)
		F(s)->shut_wr = true;
	return 0;
}

static int fk_cmsg(void *arg, int level, int type, const void *data, size_t len)
{
	int32_t v = 0;

	(void)arg;
	memcpy(&v, data, MIN(len, sizeof(v)));
	logc("cmsg(%d,%d,%zu:%d)", level, type, len, v);
	return level == SOL_IP && type == IP_TTL ? 0 : -EINVAL;
}

static long fk_sendmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	struct fake *k = F(s);
	int err;

	logc("sendmsg(%#x,%zu,%zu)", flags, m->iovlen, m->total);
	if (k->shut_wr)
		return -EPIPE;
	if (m->total > sizeof(k->tx) - k->txlen)
		return -EMSGSIZE;
	err = kmsg_cmsgs(m, fk_cmsg, NULL);
	if (!err)
		err = kmsg_copy(m, 0, k->tx + k->txlen, m->total, false);
	if (err)
		return err;
	k->txlen += m->total;
	k->sent_to = m->name;
	return (long)m->total;
}

static bool has_data(struct socket *s, void *arg)
{
	(void)arg;
	return F(s)->nseg > 0;
}

/* Plain reads stop at a segment's end, MSG_WAITALL ones run across. */
static long fk_recvmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	struct fake *k = F(s);
	int32_t ttl = 64;
	size_t n = 0, used = 0;
	unsigned i = 0;
	int err;

	logc("recvmsg(%#x,%zu,%zu)", flags, m->iovlen, m->total);
	err = sock_wait(s, flags & MSG_DONTWAIT, s->rcvtimeo, has_data, NULL);
	if (err)
		return err;
	while (i < k->nseg && n < m->total) {
		size_t c = MIN(k->seg[i], m->total - n);

		if (kmsg_copy(m, n, k->rx + n, c, true))
			return -EFAULT;
		n += c;
		if (!(flags & MSG_WAITALL) || c < k->seg[i])
			break;
		i++;
	}
	if (!(flags & MSG_PEEK)) {
		memmove(k->rx, k->rx + n, rx_bytes(k) - n);
		for (size_t left = n; left;) {
			size_t c = MIN(left, k->seg[0]);

			left -= c;
			if ((k->seg[0] -= c) == 0)
				memmove(k->seg, k->seg + 1,
					--k->nseg * sizeof(k->seg[0]));
		}
	}
	m->name = k->peer;
	if (m->controllen)
		kmsg_put_cmsg(m, &used, SOL_IP, IP_TTL, &ttl, sizeof(ttl));
	m->controllen = used;
	return (long)n;
}

static unsigned fk_poll(struct socket *s)
{
	struct fake *k = F(s);
	unsigned mask = 0;

	if (k->listening)
		return k->pending ? EPOLLIN | EPOLLRDNORM : 0;
	if (s->error)
		mask |= EPOLLERR;
	if (k->nseg)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (k->connected && !k->shut_wr)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static int fk_setsockopt(struct socket *s, int level, int name, const void *val,
			 unsigned len)
{
	struct fake *k = F(s);

	logc("setsockopt(%d,%d,%u)", level, name, len);
	if (level == SOL_IP && name == IP_ADD_MEMBERSHIP) {
		if (len < sizeof(k->mreq))
			return -EINVAL;
		memcpy(k->mreq, val, sizeof(k->mreq));
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_BINDTODEVICE) {
		memset(k->dev, 0, sizeof(k->dev));
		memcpy(k->dev, val, MIN(len, sizeof(k->dev) - 1));
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_LINGER)
		return 0; /* seen: a stack would arm its close */
	return -ENOPROTOOPT;
}

static int fk_getsockopt(struct socket *s, int level, int name, void *val,
			 unsigned *len)
{
	int32_t mss = 1460;

	logc("getsockopt(%d,%d,%u)", level, name, *len);
	if (level == IPPROTO_TCP && name == TCP_MAXSEG) {
		*len = MIN(*len, (unsigned)sizeof(mss));
		memcpy(val, &mss, *len);
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_BINDTODEVICE) {
		*len = MIN(*len, (unsigned)strlen(F(s)->dev) + 1);
		memcpy(val, F(s)->dev, *len);
		return 0;
	}
	return -ENOPROTOOPT;
}

static int fk_getname(struct socket *s, bool peer, struct sockname *out)
{
	struct fake *k = F(s);

	logc("getname(%s)", peer ? "peer" : "local");
	if (peer && !k->connected)
		return -ENOTCONN;
	*out = peer ? k->peer : k->local;
	return 0;
}

static long fk_ioctl(struct socket *s, unsigned cmd, unsigned long arg)
{
	int32_t n;

	logc("ioctl(%#x)", cmd);
	if (cmd == FIONREAD)
		n = (int32_t)rx_bytes(F(s));
	else if (cmd == SIOCOUTQ)
		n = (int32_t)F(s)->txlen; /* nothing is ever acked */
	else
		return -ENOTTY;
	return copy_to_user((void *)arg, &n, sizeof(n));
}

static const struct sock_family fake_family = {
	.create = fk_create,
	.release = fk_release,
	.bind = fk_bind,
	.listen = fk_listen,
	.accept = fk_accept,
	.connect = fk_connect,
	.shutdown = fk_shutdown,
	.sendmsg = fk_sendmsg,
	.recvmsg = fk_recvmsg,
	.poll = fk_poll,
	.setsockopt = fk_setsockopt,
	.getsockopt = fk_getsockopt,
	.getname = fk_getname,
	.ioctl = fk_ioctl,
};

/* ------------------------------------- what the network does --- */

static struct socket *sock_of(long fd)
{
	struct file *f = fd_get((int)fd);
	struct socket *s;

	assert_non_null(f);
	s = file_socket(f);
	file_put(f);
	assert_non_null(s);
	return s;
}

/* A SYN arrives at a listener. */
static void net_syn(long fd)
{
	struct socket *s = sock_of(fd);

	F(s)->pending++;
	sock_wake(s);
}

/* A connect in progress ends: err 0, or why it failed (SO_ERROR). */
static void net_connected(long fd, int err)
{
	struct socket *s = sock_of(fd);

	F(s)->connecting = false;
	if (err)
		s->error = err;
	else
		F(s)->connected = true;
	sock_wake(s);
}

static void net_segment(long fd, const char *data)
{
	struct fake *k = F(sock_of(fd));
	size_t n = strlen(data);

	memcpy(k->rx + rx_bytes(k), data, n);
	k->seg[k->nseg++] = n;
	sock_wake(sock_of(fd));
}

/* ------------------------------------------------ the harness --- */

static const struct sock_family *loopback_inet;

static bool sent(int sig)
{
	struct ksiginfo info;

	return signal_dequeue(SIGBIT(sig), &info) == sig;
}

static int group_setup(void **state)
{
	(void)state;
	if (hosted_mem_init(MiB(32)))
		return -1;
	sched_init();
	loopback_inet = sock_family_get(AF_INET);
	return sock_family_register(AF_INET, &fake_family);
}

static int group_teardown(void **state)
{
	(void)state;
	return sock_family_register(AF_INET, loopback_inet);
}

static int setup(void **state)
{
	uint64_t all = ~0ULL;
	struct ksiginfo info;

	(void)state;
	assert_int_equal(vfs_init(NULL, 0), 0);
	signal_procmask(SIG_SETMASK, &all);
	while (signal_dequeue(all, &info))
		;
	fixture_process_start();
	calls[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_process_end();
	return 0;
}

static long tcp_socket(long flags)
{
	long fd = SC(socket, AF_INET, SOCK_STREAM | flags, 0);

	assert_true(fd >= 0);
	expect_calls("create(1,0)");
	return fd;
}

/* A socket the fake stack has connected (a blocking connect). */
static long connected_socket(long flags)
{
	struct sockname to = in_name(10, 0, 0, 9, 80);
	long fd = tcp_socket(flags);

	assert_int_equal(SC(connect, fd, P(&to.in), sizeof(to.in)),
			 flags & SOCK_NONBLOCK ? -EINPROGRESS : 0);
	if (flags & SOCK_NONBLOCK)
		net_connected(fd, 0);
	calls[0] = '\0';
	return fd;
}

static short poll1(long fd, short events)
{
	struct upollfd p = { (int32_t)fd, events, 0 };

	assert_true(SC(poll, P(&p), 1, 0) >= 0);
	return p.revents;
}

/* --------------------------------------------------------------- tests --- */

static void test_register(void **state)
{
	static const struct sock_family no_create = { .bind = fk_bind };
	int32_t fds[2];

	(void)state;
	assert_ptr_equal(sock_family_get(AF_INET), &fake_family);
	assert_ptr_equal(sock_family_get(AF_INET6), loopback_inet);
	assert_int_equal(sock_family_register(AF_UNSPEC, &fake_family),
			 -EINVAL);
	assert_int_equal(sock_family_register(SOCK_FAMILY_MAX, &fake_family),
			 -EINVAL);
	assert_int_equal(sock_family_register(-1, &fake_family), -EINVAL);
	assert_int_equal(sock_family_register(17, &no_create), -EINVAL);
	assert_null(sock_family_get(17)); /* AF_PACKET: none */
	assert_int_equal(SC(socket, 17, SOCK_RAW, 0), -EAFNOSUPPORT);
	/* The family's create judges type and protocol. */
	assert_int_equal(SC(socket, AF_INET, SOCK_DGRAM, 0), -ESOCKTNOSUPPORT);
	expect_calls("create(2,0)");
	assert_int_equal(SC(socketpair, AF_INET, SOCK_STREAM, 0, P(fds)),
			 -EOPNOTSUPP);
	expect_calls("");
}

static void test_listen_accept(void **state)
{
	struct sockname here = in_name(0, 0, 0, 0, 8080), got;
	long fd = tcp_socket(SOCK_NONBLOCK), c;
	int32_t v, len = sizeof(got.bytes);
	struct linux_epoll_event ev = { EPOLLIN, 7 }, out[2];
	long ep = SC(epoll_create1, 0);

	(void)state;
	assert_int_equal(SC(bind, fd, P(&here.in), sizeof(here.in)), 0);
	assert_int_equal(SC(listen, fd, 100000), 0);
	expect_calls("bind(16) listen(4096)"); /* clamped to SOMAXCONN */
	v = 0;
	len = sizeof(v);
	assert_int_equal(
	    SC(getsockopt, fd, SOL_SOCKET, SO_ACCEPTCONN, P(&v), P(&len)), 0);
	assert_int_equal(v, 1); /* net/'s, from the listen that worked */
	/* Nothing yet: the family says EAGAIN, poll and epoll see nothing. */
	len = sizeof(got.bytes);
	assert_int_equal(SC(accept4, fd, P(got.bytes), P(&len), 0), -EAGAIN);
	expect_calls("accept(nb)");
	assert_int_equal(poll1(fd, POLLIN_), 0);
	assert_int_equal(SC(epoll_ctl, ep, EP_ADD, fd, P(&ev)), 0);
	assert_int_equal(SC(epoll_wait, ep, P(out), 2, 0), 0);
	/* A connection: the wake reaches the epoll watch on s->poll. */
	net_syn(fd);
	assert_int_equal(SC(epoll_wait, ep, P(out), 2, 0), 1);
	assert_int_equal(out[0].events, EPOLLIN);
	assert_int_equal(out[0].data, 7);
	assert_int_equal(poll1(fd, POLLIN_), POLLIN_);
	c = SC(accept4, fd, P(got.bytes), P(&len), SOCK_CLOEXEC);
	assert_true(c > fd);
	expect_calls("accept(nb)");
	assert_int_equal(len, sizeof(got.in));
	assert_int_equal(got.in.sin_port,
			 in_name(0, 0, 0, 0, 40000).in.sin_port);
	assert_int_equal(got.in.sin_addr, in_name(10, 0, 0, 2, 0).in.sin_addr);
	assert_int_equal(SC(fcntl, c, F_GETFD), FD_CLOEXEC);
	/* The new socket is the family's, with its names. */
	memset(&got, 0, sizeof(got));
	len = sizeof(got.bytes);
	assert_int_equal(SC(getpeername, c, P(got.bytes), P(&len)), 0);
	assert_int_equal(got.in.sin_addr, in_name(10, 0, 0, 2, 0).in.sin_addr);
	len = sizeof(got.bytes);
	assert_int_equal(SC(getsockname, c, P(got.bytes), P(&len)), 0);
	assert_memory_equal(&got.in, &here.in, sizeof(here.in));
	expect_calls("getname(peer) getname(local)");
	assert_int_equal(poll1(c, POLLOUT_), POLLOUT_);
	assert_int_equal(SC(close, c), 0);
	expect_calls("release");
	assert_int_equal(SC(close, fd), 0);
	expect_calls("release");
}

/* A blocking accept waits on the socket: SO_RCVTIMEO (net/'s) ends it. */
static void test_accept_timeout(void **state)
{
	struct utimeval tv = { 0, 250000 };
	long fd = tcp_socket(0);
	uint64_t t0;

	(void)state;
	assert_int_equal(SC(listen, fd, 1), 0);
	assert_int_equal(
	    SC(setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, P(&tv), sizeof(tv)), 0);
	expect_calls("listen(1) setsockopt(1,20,16)");
	t0 = time_now_ns();
	assert_int_equal(SC(accept, fd, 0, 0), -EAGAIN);
	assert_true(time_now_ns() - t0 >= 250 * NSEC_PER_MSEC);
	expect_calls("accept(wait)");
}

static void test_connect_in_progress(void **state)
{
	struct sockname to = in_name(10, 0, 0, 9, 80), got;
	long fd = tcp_socket(SOCK_NONBLOCK);
	int32_t err = -1, len = sizeof(err);
	struct linux_epoll_event ev = { EPOLLOUT, 1 }, out[1];
	long ep = SC(epoll_create1, 0);

	(void)state;
	assert_int_equal(SC(connect, fd, P(&to.in), sizeof(to.in)),
			 -EINPROGRESS);
	assert_int_equal(SC(connect, fd, P(&to.in), sizeof(to.in)), -EALREADY);
	expect_calls("connect(nb) connect(nb)");
	assert_int_equal(poll1(fd, POLLOUT_), 0);
	len = sizeof(got.bytes);
	assert_int_equal(SC(getpeername, fd, P(got.bytes), P(&len)), -ENOTCONN);
	expect_calls("getname(peer)");
	/* Refused: EPOLLERR, and SO_ERROR (net/'s) says why, once. */
	net_connected(fd, ECONNREFUSED);
	assert_int_equal(poll1(fd, POLLOUT_), POLLERR_);
	len = sizeof(err);
	assert_int_equal(
	    SC(getsockopt, fd, SOL_SOCKET, SO_ERROR, P(&err), P(&len)), 0);
	assert_int_equal(err, ECONNREFUSED);
	assert_int_equal(
	    SC(getsockopt, fd, SOL_SOCKET, SO_ERROR, P(&err), P(&len)), 0);
	assert_int_equal(err, 0);
	expect_calls(""); /* SO_ERROR never asked the family */
	SC(close, fd);
	expect_calls("release");

	/* Accepted: the epoll watch wakes with EPOLLOUT. */
	fd = tcp_socket(SOCK_NONBLOCK);
	assert_int_equal(SC(connect, fd, P(&to.in), sizeof(to.in)),
			 -EINPROGRESS);
	assert_int_equal(SC(epoll_ctl, ep, EP_ADD, fd, P(&ev)), 0);
	assert_int_equal(SC(epoll_wait, ep, P(out), 1, 0), 0);
	net_connected(fd, 0);
	assert_int_equal(SC(epoll_wait, ep, P(out), 1, 0), 1);
	assert_int_equal(out[0].events, EPOLLOUT);
	len = sizeof(err);
	assert_int_equal(
	    SC(getsockopt, fd, SOL_SOCKET, SO_ERROR, P(&err), P(&len)), 0);
	assert_int_equal(err, 0);
	len = sizeof(got.bytes);
	assert_int_equal(SC(getpeername, fd, P(got.bytes), P(&len)), 0);
	assert_memory_equal(&got.in, &to.in, sizeof(to.in));
	assert_int_equal(SC(connect, fd, P(&to.in), sizeof(to.in)), -EISCONN);
	expect_calls("connect(nb) getname(peer) connect(nb)");
}

static void test_sendmsg(void **state)
{
	long fd = connected_socket(0);
	struct sockname to = in_name(192, 0, 2, 1, 9);
	char a[] = "hello ", b[] = "world";
	struct linux_iovec iov[2] = { { (uint64_t)(uintptr_t)a, 6 },
				      { (uint64_t)(uintptr_t)b, 5 } };
	union {
		struct linux_cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int32_t))];
	} ctl;
	int32_t ttl = 7;
	struct linux_msghdr m = { .msg_name = (uint64_t)(uintptr_t)&to.in,
				  .msg_namelen = sizeof(to.in),
				  .msg_iov = (uint64_t)(uintptr_t)iov,
				  .msg_iovlen = 2,
				  .msg_control = (uint64_t)(uintptr_t)&ctl,
				  .msg_controllen = sizeof(ctl) };
	struct fake *k = F(sock_of(fd));

	(void)state;
	ctl.h = (struct linux_cmsghdr){ CMSG_LEN(sizeof(ttl)), SOL_IP, IP_TTL };
	memcpy(ctl.buf + CMSG_HDRLEN, &ttl, sizeof(ttl));
	assert_int_equal(SC(sendmsg, fd, P(&m), MSG_NOSIGNAL), 11);
	expect_calls("sendmsg(0x4000,2,11) cmsg(0,2,4:7)");
	assert_int_equal(k->txlen, 11);
	assert_memory_equal(k->tx, "hello world", 11);
	assert_memory_equal(&k->sent_to.in, &to.in, sizeof(to.in));
	/* A control message the family refuses fails the send. */
	ctl.h.cmsg_type = IP_TTL + 1;
	assert_int_equal(SC(sendmsg, fd, P(&m), 0), -EINVAL);
	expect_calls("sendmsg(0,2,11) cmsg(0,3,4:7)");
	/* write() and sendto() reach the same operation. */
	assert_int_equal(SC(write, fd, P("!"), 1), 1);
	assert_int_equal(SC(sendto, fd, P("?"), 1, MSG_DONTWAIT, 0, 0), 1);
	expect_calls("sendmsg(0,1,1) sendmsg(0x40,1,1)");
	assert_memory_equal(k->tx, "hello world!?", 13);
	/* EPIPE from the family: net/'s caller raises SIGPIPE... */
	assert_int_equal(SC(shutdown, fd, SHUT_WR), 0);
	assert_int_equal(SC(shutdown, fd, 7), -EINVAL); /* never reaches it */
	expect_calls("shutdown(1)");
	assert_int_equal(SC(sendto, fd, P("x"), 1, 0, 0, 0), -EPIPE);
	assert_true(sent(SIGPIPE));
	assert_int_equal(SC(write, fd, P("x"), 1), -EPIPE);
	assert_true(sent(SIGPIPE));
	/* ...unless MSG_NOSIGNAL. */
	assert_int_equal(SC(sendto, fd, P("x"), 1, MSG_NOSIGNAL, 0, 0), -EPIPE);
	assert_false(sent(SIGPIPE));
	expect_calls("sendmsg(0,1,1) sendmsg(0,1,1) sendmsg(0x4000,1,1)");
}

/* An O_NONBLOCK file is MSG_DONTWAIT to the family. */
static void test_nonblock_flag(void **state)
{
	long fd = connected_socket(SOCK_NONBLOCK);
	char c;

	(void)state;
	assert_int_equal(SC(write, fd, P("x"), 1), 1);
	assert_int_equal(SC(read, fd, P(&c), 1), -EAGAIN);
	expect_calls("sendmsg(0x40,1,1) recvmsg(0x40,1,1)");
}

static void test_recvmsg(void **state)
{
	long fd = connected_socket(0);
	char a[4], b[20];
	struct linux_iovec iov[2] = { { (uint64_t)(uintptr_t)a, sizeof(a) },
				      { (uint64_t)(uintptr_t)b, sizeof(b) } };
	union {
		struct linux_cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int32_t))];
	} ctl;
	struct sockname from;
	struct linux_msghdr m;
	struct utimeval tv = { 0, 100000 };
	int32_t n = -1, ttl;
	uint64_t t0;

	(void)state;
	net_segment(fd, "hello");
	net_segment(fd, " world");
	assert_int_equal(SC(ioctl, fd, FIONREAD, P(&n)), 0);
	assert_int_equal(n, 11);
	expect_calls("ioctl(0x541b)");
	assert_int_equal(poll1(fd, POLLIN_), POLLIN_);
	/* MSG_PEEK over two iovecs: one segment, with name and control. */
	memset(&m, 0, sizeof(m));
	m.msg_name = (uint64_t)(uintptr_t)from.bytes;
	m.msg_namelen = sizeof(from.bytes);
	m.msg_iov = (uint64_t)(uintptr_t)iov;
	m.msg_iovlen = 2;
	m.msg_control = (uint64_t)(uintptr_t)&ctl;
	m.msg_controllen = sizeof(ctl);
	assert_int_equal(SC(recvmsg, fd, P(&m), MSG_PEEK), 5);
	expect_calls("recvmsg(0x2,2,24)");
	assert_memory_equal(a, "hell", 4);
	assert_int_equal(b[0], 'o');
	assert_int_equal(m.msg_namelen, sizeof(from.in));
	assert_int_equal(from.in.sin_addr, in_name(10, 0, 0, 9, 0).in.sin_addr);
	assert_int_equal(m.msg_controllen, CMSG_SPACE(sizeof(int32_t)));
	assert_int_equal(ctl.h.cmsg_level, SOL_IP);
	assert_int_equal(ctl.h.cmsg_type, IP_TTL);
	memcpy(&ttl, ctl.buf + CMSG_HDRLEN, sizeof(ttl));
	assert_int_equal(ttl, 64);
	assert_int_equal(m.msg_flags, 0);
	assert_int_equal(SC(ioctl, fd, FIONREAD, P(&n)), 0);
	assert_int_equal(n, 11); /* peeked, not taken */
	/* MSG_WAITALL runs across segments; too little room: MSG_CTRUNC. */
	m.msg_controllen = CMSG_HDRLEN;
	iov[1].iov_len = 7;
	assert_int_equal(SC(recvmsg, fd, P(&m), MSG_WAITALL), 11);
	assert_memory_equal(a, "hell", 4);
	assert_memory_equal(b, "o world", 7);
	assert_int_equal(m.msg_flags, MSG_CTRUNC);
	assert_int_equal(SC(ioctl, fd, FIONREAD, P(&n)), 0);
	assert_int_equal(n, 0);
	expect_calls("ioctl(0x541b) recvmsg(0x100,2,11) ioctl(0x541b)");
	/* Nothing left: MSG_DONTWAIT says so, SO_RCVTIMEO bounds a wait. */
	assert_int_equal(SC(recvfrom, fd, P(b), 1, MSG_DONTWAIT, 0, 0),
			 -EAGAIN);
	assert_int_equal(
	    SC(setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, P(&tv), sizeof(tv)), 0);
	t0 = time_now_ns();
	assert_int_equal(SC(read, fd, P(b), 1), -EAGAIN);
	assert_true(time_now_ns() - t0 >= 100 * NSEC_PER_MSEC);
	expect_calls("recvmsg(0x40,1,1) setsockopt(1,20,16) recvmsg(0,1,1)");
}

static void test_options(void **state)
{
	long fd = connected_socket(0);
	uint8_t mreq[8] = { 224, 0, 0, 251, 0, 0, 0, 0 };
	struct linux_linger lg = { 1, 5 }, lg2;
	char got[16];
	int32_t v, len;

	(void)state;
	/* Another level's option goes to the family as bytes. */
	assert_int_equal(SC(setsockopt, fd, SOL_IP, IP_ADD_MEMBERSHIP, P(mreq),
			    sizeof(mreq)),
			 0);
	assert_memory_equal(F(sock_of(fd))->mreq, mreq, sizeof(mreq));
	expect_calls("setsockopt(0,35,8)");
	/* SO_LINGER: net/ keeps it, the family hears of it. */
	assert_int_equal(
	    SC(setsockopt, fd, SOL_SOCKET, SO_LINGER, P(&lg), sizeof(lg)), 0);
	expect_calls("setsockopt(1,13,8)");
	len = sizeof(lg2);
	assert_int_equal(
	    SC(getsockopt, fd, SOL_SOCKET, SO_LINGER, P(&lg2), P(&len)), 0);
	assert_int_equal(len, sizeof(lg2));
	assert_int_equal(lg2.l_onoff, 1);
	assert_int_equal(lg2.l_linger, 5);
	expect_calls("");
	/* A bad SOL_SOCKET value is refused before the family sees it. */
	assert_int_equal(SC(setsockopt, fd, SOL_SOCKET, SO_LINGER, P(&lg), 2),
			 -EINVAL);
	expect_calls("");
	/* A SOL_SOCKET option only the family knows, shorter than an int. */
	assert_int_equal(
	    SC(setsockopt, fd, SOL_SOCKET, SO_BINDTODEVICE, P("lo"), 3), 0);
	len = sizeof(got);
	assert_int_equal(
	    SC(getsockopt, fd, SOL_SOCKET, SO_BINDTODEVICE, P(got), P(&len)),
	    0);
	assert_int_equal(len, 3);
	assert_string_equal(got, "lo");
	expect_calls("setsockopt(1,25,3) getsockopt(1,25,16)");
	len = sizeof(v);
	assert_int_equal(
	    SC(getsockopt, fd, IPPROTO_TCP, TCP_MAXSEG, P(&v), P(&len)), 0);
	assert_int_equal(v, 1460);
	assert_int_equal(SC(getsockopt, fd, IPPROTO_TCP, 99, P(&v), P(&len)),
			 -ENOPROTOOPT);
	expect_calls("getsockopt(6,2,4) getsockopt(6,99,4)");
}

static void test_ioctl(void **state)
{
	long fd = connected_socket(0);
	struct linux_ifreq ifr;
	int32_t n = -1;

	(void)state;
	assert_int_equal(SC(write, fd, P("abc"), 3), 3);
	assert_int_equal(SC(ioctl, fd, SIOCOUTQ, P(&n)), 0);
	assert_int_equal(n, 3);
	/* The family does not know it: net/'s interface ioctls answer. */
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	assert_int_equal(SC(ioctl, fd, SIOCGIFINDEX, P(&ifr)), 0);
	assert_int_equal(ifr.ivalue, 1);
	expect_calls("sendmsg(0,1,3) ioctl(0x5411) ioctl(0x8933)");
}

/* The other families still take the shared path, untouched. */
static void test_local_path(void **state)
{
	int32_t fds[2];
	struct sockname got;
	int32_t len = sizeof(got.bytes);
	char buf[8];
	long fd;

	(void)state;
	assert_int_equal(SC(socketpair, AF_UNIX, SOCK_STREAM, 0, P(fds)), 0);
	assert_int_equal(SC(write, fds[0], P("ping"), 4), 4);
	assert_int_equal(SC(ioctl, fds[1], FIONREAD, P(&len)), 0);
	assert_int_equal(len, 4);
	assert_int_equal(SC(read, fds[1], P(buf), sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(poll1(fds[1], POLLIN_ | POLLOUT_), POLLOUT_);
	len = sizeof(got.bytes);
	assert_int_equal(SC(getsockname, fds[0], P(got.bytes), P(&len)), 0);
	assert_int_equal(len, 2);
	fd = SC(socket, AF_INET6, SOCK_DGRAM, 0); /* still the loopback */
	assert_true(fd >= 0);
	len = sizeof(got.bytes);
	assert_int_equal(SC(getpeername, fd, P(got.bytes), P(&len)), -ENOTCONN);
	expect_calls("");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_accept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_accept_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_connect_in_progress, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sendmsg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonblock_flag, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recvmsg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_path, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

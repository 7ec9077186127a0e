/*
 * sys_socket.c - the socket system calls (linux/): each checks its
 * descriptor (EBADF, ENOTSOCK), flags and lengths, copies addresses,
 * msghdrs and iovecs in and out through uaccess, and calls one function
 * of net/socket*.c (include/keel/socket.h).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/socket.h>
#include <keel/string.h>
#include <keel/signal.h>
#include <keel/syscall.h>
#include <keel/time.h>
#include <keel/uaccess.h>
#include "linux.h"

#define MMSG_MAX 1024 /* UIO_MAXIOV: messages in one sendmmsg/recvmmsg */

/*
 * The body of a socket call: the file and socket of fd a[0], the call's
 * arguments, and x, what the call adds (its flags, a deadline).
 */
typedef long (*sock_call)(struct file *f, struct socket *s, const long *a,
			  uint64_t x);

/* What every socket call starts with: the socket behind fd a[0] (EBADF,
 * ENOTSOCK), held while body runs. */
static long with_sock(const long *a, sock_call body, uint64_t x)
{
	struct file *f = fd_get((int)a[0]);
	struct socket *s;
	long ret;

	if (!f)
		return -EBADF;
	s = file_socket(f);
	ret = s ? body(f, s, a, x) : -ENOTSOCK;
	file_put(f);
	return ret;
}

static int addr_in(long uaddr, long ulen, struct sockname *a)
{
	int len = (int)ulen;

	memset(a, 0, sizeof(*a));
	if (len < 0 || len > SOCKADDR_MAX)
		return -EINVAL;
	if (len && copy_from_user(a->bytes, (void *)uaddr, (size_t)len))
		return -EFAULT;
	a->len = (uint32_t)len;
	return 0;
}

/* The room the caller offers at *ulenp (checked before the call acts). */
static int addr_room(long uaddr, long ulenp, int *room)
{
	*room = 0;
	if (!uaddr)
		return 0;
	if (copy_from_user(room, (void *)ulenp, sizeof(*room)))
		return -EFAULT;
	return *room < 0 ? -EINVAL : 0;
}

/* As much of a as fits at uaddr, and its whole length to *ulenp. */
static int addr_out(const struct sockname *a, long uaddr, long ulenp, int room)
{
	uint32_t n = MIN((uint32_t)room, a->len);
	int len = (int)a->len;

	if (!uaddr)
		return 0;
	if (n && copy_to_user((void *)uaddr, a->bytes, n))
		return -EFAULT;
	return copy_to_user((void *)ulenp, &len, sizeof(len));
}

/* Sending on a connection the peer closed: SIGPIPE too, unless asked
 * not to (MSG_NOSIGNAL). write() on a socket raises it in sys_file.c. */
static long send_sigpipe(long ret, unsigned flags)
{
	if (ret == -EPIPE && !(flags & MSG_NOSIGNAL))
		signal_send_self(SIGPIPE);
	return ret;
}

SYSCALL_DEFINE(socket)
{
	struct file *f;
	int type = (int)a[1];
	int err;

	if (type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	err = socket_create((int)a[0], type, (int)a[2], &f);
	if (err)
		return err;
	return fd_install(f, type & SOCK_CLOEXEC);
}

SYSCALL_DEFINE(socketpair)
{
	int type = (int)a[1], fds[2];
	struct file *f[2];
	int err;

	if (type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (!user_range_ok((uintptr_t)a[3], sizeof(fds)))
		return -EFAULT;
	err = socket_pair((int)a[0], type, (int)a[2], f);
	if (err)
		return err;
	return fd_install_pair(f, type & SOCK_CLOEXEC, a[3]);
}

static long bind_or_connect(struct file *f, struct socket *s, const long *a,
			    uint64_t connect)
{
	struct sockname addr;
	long err = addr_in(a[1], a[2], &addr);

	if (err)
		return err;
	return connect ? sock_connect(f, &addr) : sock_bind(s, &addr);
}

SYSCALL_DEFINE(bind)
{
	return with_sock(a, bind_or_connect, false);
}

SYSCALL_DEFINE(connect)
{
	return with_sock(a, bind_or_connect, true);
}

/* listen(fd, backlog), and shutdown(fd, how). */
static long listen_or_shutdown(struct file *f, struct socket *s, const long *a,
			       uint64_t shutdown)
{
	(void)f;
	return shutdown ? sock_shutdown(s, (int)a[1])
			: sock_listen(s, (int)a[1]);
}

SYSCALL_DEFINE(listen)
{
	return with_sock(a, listen_or_shutdown, false);
}

/* accept and accept4 (flags x): the new socket's fd. */
static long accept_body(struct file *f, struct socket *s, const long *a,
			uint64_t flags)
{
	struct sockname peer;
	struct file *nf;
	int room;
	long err = addr_room(a[1], a[2], &room);

	(void)s;
	if (!err)
		err = sock_accept(f, (unsigned)flags & O_NONBLOCK, &nf, &peer);
	if (err)
		return err;
	if (addr_out(&peer, a[1], a[2], room)) {
		file_put(nf); /* the connection is lost, as on Linux */
		return -EFAULT;
	}
	return fd_install(nf, flags & SOCK_CLOEXEC);
}

SYSCALL_DEFINE(accept)
{
	return with_sock(a, accept_body, 0);
}

SYSCALL_DEFINE(accept4)
{
	if (a[3] & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	return with_sock(a, accept_body, (uint64_t)a[3]);
}

/* getsockname, and getpeername (peer). */
static long getname(struct file *f, struct socket *s, const long *a,
		    uint64_t peer)
{
	long uaddr = a[1] ? a[1] : 1;
	struct sockname name;
	int room;
	long err = addr_room(uaddr, a[2], &room);

	(void)f;
	if (!err)
		err = sock_getname(s, peer, &name);
	if (!err)
		err = addr_out(&name, uaddr, a[2], room);
	return err;
}

SYSCALL_DEFINE(getsockname)
{
	return with_sock(a, getname, false);
}

SYSCALL_DEFINE(getpeername)
{
	return with_sock(a, getname, true);
}

/* The iovecs of a message, copied in and checked (as readv's). */
int iov_in(struct kmsg *m, uint64_t uiov, uint64_t n)
{
	if (n > IOV_MAX)
		return -EMSGSIZE;
	m->iovlen = (size_t)n;
	m->iov = kmalloc((size_t)n * sizeof(*m->iov) + 1);
	if (!m->iov)
		return -ENOMEM;
	if (copy_from_user(m->iov, (void *)uiov, (size_t)n * sizeof(*m->iov)))
		return -EFAULT;
	m->total = 0;
	for (size_t i = 0; i < m->iovlen; i++) {
		struct linux_iovec *v = &m->iov[i];

		if ((int64_t)v->iov_len < 0)
			return -EINVAL;
		if (!access_ok(v->iov_base, v->iov_len))
			return -EFAULT;
		if (v->iov_len > MAX_RW_COUNT - m->total)
			v->iov_len = MAX_RW_COUNT - m->total;
		m->total += v->iov_len;
	}
	return 0;
}

/* A user msghdr into m: iovecs, and for send the destination. */
static int msg_in(struct kmsg *m, struct linux_msghdr *h, long uh, bool send)
{
	memset(m, 0, sizeof(*m));
	if (copy_from_user(h, (void *)uh, sizeof(*h)))
		return -EFAULT;
	if ((int32_t)h->msg_namelen < 0)
		return -EINVAL;
	if (!h->msg_name)
		h->msg_namelen = 0;
	h->msg_namelen = MIN(h->msg_namelen, (uint32_t)SOCKADDR_MAX);
	if (h->msg_controllen > INT32_MAX)
		return -ENOBUFS;
	m->control = (char *)(uintptr_t)h->msg_control;
	m->controllen = (size_t)h->msg_controllen;
	if (m->controllen &&
	    !user_range_ok((uintptr_t)m->control, m->controllen))
		return -EFAULT;
	if (send && h->msg_namelen)
		return addr_in((long)h->msg_name, h->msg_namelen, &m->name)
			   ?: iov_in(m, h->msg_iov, h->msg_iovlen);
	return iov_in(m, h->msg_iov, h->msg_iovlen);
}

/* What recvmsg reports in the user's msghdr. */
static int msg_out(struct kmsg *m, struct linux_msghdr *h, long uh)
{
	struct linux_msghdr *u = (void *)uh;
	uint32_t namelen = MIN(h->msg_namelen, m->name.len);
	uint64_t controllen = m->controllen;
	int32_t flags = m->flags;

	if (namelen && copy_to_user((void *)(uintptr_t)h->msg_name,
				    m->name.bytes, namelen))
		return -EFAULT;
	namelen = h->msg_name ? m->name.len : 0;
	if (copy_to_user(&u->msg_namelen, &namelen, sizeof(namelen)) ||
	    copy_to_user(&u->msg_controllen, &controllen, sizeof(controllen)) ||
	    copy_to_user(&u->msg_flags, &flags, sizeof(flags)))
		return -EFAULT;
	return 0;
}

static long one_msg(struct file *f, long uh, unsigned flags, bool send)
{
	struct linux_msghdr h;
	struct kmsg m;
	long n = msg_in(&m, &h, uh, send);

	if (!n)
		n = send ? send_sigpipe(sock_sendmsg(f, &m, flags), flags)
			 : sock_recvmsg(f, &m, flags);
	if (n >= 0 && !send && msg_out(&m, &h, uh))
		n = -EFAULT;
	kfree(m.iov);
	return n;
}

/* sendmsg, and recvmsg (x 0). */
static long msg_body(struct file *f, struct socket *s, const long *a,
		     uint64_t send)
{
	(void)s;
	return one_msg(f, a[1], (unsigned)a[2], send);
}

SYSCALL_DEFINE(sendmsg)
{
	return with_sock(a, msg_body, true);
}

SYSCALL_DEFINE(recvmsg)
{
	return with_sock(a, msg_body, false);
}

/* sendmmsg and recvmmsg: messages until one fails; the count if any. */
static long many_msgs(struct file *f, const long *a, bool send,
		      uint64_t deadline)
{
	struct linux_mmsghdr *v = (void *)a[1];
	unsigned vlen = (unsigned)MIN((unsigned long)(unsigned)a[2],
				      (unsigned long)MMSG_MAX);
	unsigned flags = (unsigned)a[3];
	long err = 0;
	unsigned i;

	for (i = 0; i < vlen; i++) {
		long n = one_msg(f, (long)&v[i].msg_hdr, flags, send);
		uint32_t len = (uint32_t)n;

		if (n < 0) {
			err = n;
			break;
		}
		if (copy_to_user(&v[i].msg_len, &len, sizeof(len))) {
			err = -EFAULT;
			break;
		}
		if (!send && flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (deadline && time_now_ns() >= deadline) {
			i++;
			break;
		}
	}
	return i ? (long)i : err;
}

static long sendmmsg_body(struct file *f, struct socket *s, const long *a,
			  uint64_t x)
{
	(void)s, (void)x;
	return many_msgs(f, a, true, 0);
}

SYSCALL_DEFINE(sendmmsg)
{
	return with_sock(a, sendmmsg_body, 0);
}

static long recvmmsg_body(struct file *f, struct socket *s, const long *a,
			  uint64_t deadline)
{
	(void)s;
	return many_msgs(f, a, false, deadline);
}

/* The timeout is checked after each message, as Linux does. */
SYSCALL_DEFINE(recvmmsg)
{
	struct linux_timespec ts;
	uint64_t deadline = 0;

	if (a[4]) {
		long err = get_timespec(a[4], &ts);

		if (err)
			return err;
		deadline = time_now_ns() + (uint64_t)timespec_to_ns(&ts);
	}
	return with_sock(a, recvmmsg_body, deadline);
}

/* sendto and recvfrom: one buffer, an optional address. */
static long sendto_body(struct file *f, struct socket *s, const long *a,
			uint64_t x)
{
	struct linux_iovec iov = { (uint64_t)a[1], (uint64_t)(size_t)a[2] };
	struct kmsg m = { .iov = &iov, .iovlen = 1 };
	long n = 0;

	(void)s, (void)x;
	iov.iov_len = MIN(iov.iov_len, (uint64_t)MAX_RW_COUNT);
	m.total = iov.iov_len;
	if (!user_range_ok(iov.iov_base, iov.iov_len) && iov.iov_len)
		n = -EFAULT;
	else if (a[4])
		n = addr_in(a[4], a[5], &m.name);
	if (!n)
		n = send_sigpipe(sock_sendmsg(f, &m, (unsigned)a[3]),
				 (unsigned)a[3]);
	return n;
}

SYSCALL_DEFINE(sendto)
{
	return with_sock(a, sendto_body, 0);
}

static long recvfrom_body(struct file *f, struct socket *s, const long *a,
			  uint64_t x)
{
	struct linux_iovec iov = { (uint64_t)a[1], (uint64_t)(size_t)a[2] };
	struct kmsg m = { .iov = &iov, .iovlen = 1 };
	int room;
	long n;

	(void)s, (void)x;
	iov.iov_len = MIN(iov.iov_len, (uint64_t)MAX_RW_COUNT);
	m.total = iov.iov_len;
	if (!user_range_ok(iov.iov_base, iov.iov_len) && iov.iov_len)
		n = -EFAULT;
	else
		n = addr_room(a[4], a[5], &room);
	if (!n)
		n = sock_recvmsg(f, &m, (unsigned)a[3]);
	if (n >= 0 && a[4] && addr_out(&m.name, a[4], a[5], room))
		n = -EFAULT;
	return n;
}

SYSCALL_DEFINE(recvfrom)
{
	return with_sock(a, recvfrom_body, 0);
}

SYSCALL_DEFINE(shutdown)
{
	return with_sock(a, listen_or_shutdown, true);
}

#define OPT_MAX 64 /* the largest option value */

static long setsockopt_body(struct file *f, struct socket *s, const long *a,
			    uint64_t x)
{
	char val[OPT_MAX];
	int len = (int)a[4];
	int err;

	(void)f, (void)x;
	memset(val, 0, sizeof(val));
	if (len < 0)
		err = -EINVAL;
	else if (copy_from_user(val, (void *)a[3],
				MIN((size_t)len, sizeof(val))))
		err = -EFAULT;
	else
		err = sock_setsockopt(s, (int)a[1], (int)a[2], val,
				      (unsigned)len);
	return err;
}

SYSCALL_DEFINE(setsockopt)
{
	return with_sock(a, setsockopt_body, 0);
}

static long getsockopt_body(struct file *f, struct socket *s, const long *a,
			    uint64_t x)
{
	char val[OPT_MAX];
	int len;
	int err = 0;

	(void)f, (void)x;
	if (copy_from_user(&len, (void *)a[4], sizeof(len)))
		err = -EFAULT;
	else if (len < 0)
		err = -EINVAL;
	if (!err) {
		unsigned n = (unsigned)MIN(len, (int)OPT_MAX);

		err = sock_getsockopt(s, (int)a[1], (int)a[2], val, &n);
		len = (int)n;
	}
	if (!err && (copy_to_user((void *)a[3], val, (size_t)len) ||
		     copy_to_user((void *)a[4], &len, sizeof(len))))
		err = -EFAULT;
	return err;
}

SYSCALL_DEFINE(getsockopt)
{
	return with_sock(a, getsockopt_body, 0);
}

/*
 * socket.h - sockets (net/socket.c, net/socket_unix.c, net/socket_inet.c,
 * net/socket_netlink.c) and the table a protocol family fills to serve
 * them (struct sock_family). The socket file is shared: the file and its
 * fd, O_NONBLOCK, SOL_SOCKET options (SO_RCVTIMEO, SO_SNDTIMEO, SO_ERROR,
 * buffers...), the wait and wake helpers. A family's operations do the
 * rest; each one it leaves NULL is the shared local path (queues of
 * messages between keel's own sockets, net/socket_msg.c), which AF_UNIX,
 * the loopback AF_INET/AF_INET6 and AF_NETLINK use. A protocol stack
 * fills every operation and registers itself for its families
 * (sock_family_register). The syscall layer is linux/sys_socket.c: it
 * checks descriptors, flags and lengths, copies in and out, raises
 * SIGPIPE on EPIPE (unless MSG_NOSIGNAL), and calls net/ (docs/net.md).
 */
#ifndef KEEL_SOCKET_H
#define KEEL_SOCKET_H

#include <keel/list.h>
#include <keel/poll.h>
#include <keel/sync.h>
#include <keel/vfs.h>
#include <uapi/socket.h>

#define SOCK_BUF_DEFAULT 212992 /* SO_SNDBUF and SO_RCVBUF, as Linux */
#define SOCK_BUF_MIN 4608
#define SOCK_BUF_MAX (4 << 20)

struct socket;
struct kmsg;

/* A socket address as the program sees it: family first. */
struct sockname {
	uint32_t len; /* 0: none */
	union {
		uint16_t family;
		uint8_t bytes[SOCKADDR_MAX];
		struct linux_sockaddr_un un;
		struct linux_sockaddr_in in;
		struct linux_sockaddr_in6 in6;
		struct linux_sockaddr_nl nl;
	};
};

/*
 * What a protocol family does. Every method returns 0 (or a count) or
 * -errno. Whose is what:
 * - net/ (shared, every family): the file and fd, O_NONBLOCK (folded into
 *   MSG_DONTWAIT for sendmsg/recvmsg, O_NONBLOCK in flags elsewhere), the
 *   SOL_SOCKET options kept in struct socket (a family reads them there:
 *   rcvtimeo, sndtimeo, rcvbuf, flags, linger), SO_ERROR (a family puts
 *   an asynchronous error in s->error and wakes the socket), MSG_OOB
 *   (EOPNOTSUPP), registering pollers on s->poll, the interface ioctls,
 *   and the helpers a family waits and wakes with (sock_wait, sock_wake).
 * - the family: everything below. An operation left NULL is the shared
 *   local path, which calls the family's local hooks (the second part).
 */
struct sock_family {
	/* Check type and protocol at creation (the protocol may be set);
	 * a stack makes its control block here (s->priv). Required. */
	int (*create)(struct socket *s, int type, int *protocol);

	/* ---- Operations (Linux's proto_ops). NULL: the shared path. ---- */
	/* The file closed: drop the connection and s->priv (s is freed
	 * when its last reference goes). */
	void (*release)(struct socket *s);
	/* The family's names, local families' too (the shared path has
	 * none): NULL is EOPNOTSUPP. */
	int (*bind)(struct socket *s, const struct sockname *a);
	/* backlog already clamped to 0..SOMAXCONN; s->listening is set on
	 * success (SO_ACCEPTCONN). */
	int (*listen)(struct socket *s, int backlog);
	/*
	 * Take one connection into child, which net/ made (same family,
	 * type, protocol, ops; the listener's SOL_SOCKET options) and gives
	 * a file after; peer: the other end's name. flags: O_NONBLOCK of the
	 * listening file (wait or -EAGAIN). On an error child is dropped
	 * without release: the family leaves nothing on it.
	 */
	int (*accept)(struct socket *s, struct socket *child, unsigned flags,
		      struct sockname *peer);
	/* flags: O_NONBLOCK (-EINPROGRESS, then the result in s->error
	 * and a wake; EPOLLOUT when done). */
	int (*connect)(struct socket *s, const struct sockname *a,
		       unsigned flags);
	/* how is SHUT_RD, SHUT_WR or SHUT_RDWR (checked). */
	int (*shutdown)(struct socket *s, int how);
	/*
	 * One message (struct kmsg: iovecs, name, control). flags are the
	 * caller's MSG_* (MSG_DONTWAIT, MSG_NOSIGNAL, MSG_MORE...) with
	 * MSG_DONTWAIT added for an O_NONBLOCK file. sendmsg returns the
	 * bytes taken (-EPIPE: the syscall layer raises SIGPIPE); recvmsg
	 * the bytes (or, with MSG_TRUNC, the message's length), with the
	 * source in m->name, control messages written by kmsg_put_cmsg,
	 * m->controllen (in: the room) set to the bytes written, and
	 * MSG_TRUNC/MSG_CTRUNC in m->flags. MSG_PEEK and MSG_WAITALL are the
	 * family's to honour.
	 */
	long (*sendmsg)(struct socket *s, struct kmsg *m, unsigned flags);
	long (*recvmsg)(struct socket *s, struct kmsg *m, unsigned flags);
	/* The EPOLL* mask now; net/ has put the poller on s->poll, and the
	 * family calls sock_wake(s) whenever the mask may have changed. */
	unsigned (*poll)(struct socket *s);
	/*
	 * Options as raw bytes (at most SOCK_OPT_MAX). Levels other than
	 * SOL_SOCKET are the family's. A SOL_SOCKET option is net/'s first;
	 * once net/ has stored it, setsockopt is called with it too (so a
	 * stack can apply SO_KEEPALIVE, SO_LINGER...; -ENOPROTOOPT: nothing
	 * to do), and one net/ does not know goes to the family alone
	 * (SO_BINDTODEVICE). getsockopt: *len in, the room; out, the length.
	 */
	int (*setsockopt)(struct socket *s, int level, int name,
			  const void *val, unsigned len);
	int (*getsockopt)(struct socket *s, int level, int name, void *val,
			  unsigned *len);
	/* The local name, or the peer's (peer: -ENOTCONN without one). */
	int (*getname)(struct socket *s, bool peer, struct sockname *out);
	/* FIONREAD, SIOCOUTQ...: -ENOTTY for the interface ioctls, which
	 * net/ then answers for every family. */
	long (*ioctl)(struct socket *s, unsigned cmd, unsigned long arg);

	/* ---- Local hooks: the shared path's view of the family. ---- */
	/* Give an unbound socket a name of its own (connect, send). */
	int (*autobind)(struct socket *s);
	/* The socket that addr names, referenced (connect, sendto). */
	int (*lookup)(struct socket *s, const struct sockname *a,
		      struct socket **out);
	/* A connection made: names for the client and the new socket. */
	void (*connected)(struct socket *client, struct socket *child,
			  struct socket *listener, const struct sockname *to);
	/* The name a message from `from` carries to `to`. */
	void (*source)(struct socket *from, struct socket *to,
		       struct sockname *out);
	/* Drop the name (the socket closes). */
	void (*unbind)(struct socket *s);
	/* int options of the family's own levels (IPPROTO_TCP...). */
	int (*setopt)(struct socket *s, int level, int name, int val);
	int (*getopt)(struct socket *s, int level, int name, int *val);
};

#define SOCK_OPT_MAX 64U /* option bytes a family sees (sys_socket.c's) */
#define SOCK_FAMILY_MAX 46 /* AF_MAX: family numbers are below it */

/*
 * The table for a family number (ops NULL: none, EAFNOSUPPORT): 0 or
 * -EINVAL. Sockets made before keep the table they were made with. At
 * boot AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK have keel's own.
 */
int sock_family_register(int family, const struct sock_family *ops);
const struct sock_family *sock_family_get(int family);

struct socket {
	unsigned refs;
	int family, type, protocol;
	const struct sock_family *ops;
	void *priv; /* the family's own state (a stack's control block) */
	struct file *file; /* not a reference; NULL until accepted */
	bool listening, connected, closed, shut_rd, shut_wr;
	int error; /* SO_ERROR, reported once */
	struct socket *peer; /* a reference: the other end, or the default
				destination of a connected datagram socket */
	struct list_node rq; /* received struct sock_msg */
	size_t rq_bytes;
	struct list_node backlog; /* listening: connections not accepted */
	unsigned nbacklog, max_backlog;
	struct list_node node; /* in a listener's backlog */
	struct sockname local, remote;
	struct list_node bound; /* in its family's table of names */
	struct inode *ino; /* AF_UNIX bound to a path: its inode */
	/* Options. */
	unsigned sndbuf, rcvbuf;
	uint32_t flags; /* boolean SOL_SOCKET options: bit SO_xxx */
	bool nodelay, v6only;
	struct linux_linger linger;
	uint64_t rcvtimeo, sndtimeo; /* ns, 0: none */
	struct linux_ucred cred; /* SO_PEERCRED: the peer's at connect */
	struct {
		uint64_t groups; /* multicast groups joined: bit n-1 for n */
		uint32_t flags; /* NETLINK_* options set: bit NETLINK_xxx */
	} nl; /* AF_NETLINK */
	struct waitq wq;
	struct pollq poll;
};

extern const struct sock_family unix_family, inet_family, netlink_family;

/* A boolean SOL_SOCKET option (SO_REUSEADDR, SO_PASSCRED, ...). */
static inline bool sock_flag(const struct socket *s, int opt)
{
	return s->flags & (1U << opt);
}

/* net/socket.c */
int socket_create(int family, int type, int protocol, struct file **out);
int socket_pair(int family, int type, int protocol, struct file *out[2]);
/* The socket of an open file, or NULL (ENOTSOCK). */
struct socket *file_socket(struct file *f);
int sock_bind(struct socket *s, const struct sockname *a);
int sock_listen(struct socket *s, int backlog);
/* /proc/sys/net/core/somaxconn (net/net.c hands them to procfs): the
 * cap on listen's backlog, root's to set within 0..INT_MAX. */
size_t sock_gen_somaxconn(char *buf, size_t len);
int sock_set_somaxconn(unsigned long v);
int sock_accept(struct file *f, unsigned flags, struct file **out,
		struct sockname *peer);
int sock_connect(struct file *f, const struct sockname *a);
int sock_shutdown(struct socket *s, int how);
int sock_setsockopt(struct socket *s, int level, int name, const void *val,
		    unsigned len);
/* *len in: the room at val (kernel memory); out: the option's length. */
int sock_getsockopt(struct socket *s, int level, int name, void *val,
		    unsigned *len);
/* The local name or the peer's (getsockname, getpeername). */
int sock_getname(struct socket *s, bool peer, struct sockname *out);
void sock_get(struct socket *s);
void sock_put(struct socket *s);
/* Credentials of the calling process. */
void sock_own_cred(struct linux_ucred *c);

/*
 * One sendmsg or recvmsg, with the user's iovecs already copied in and
 * checked. control is the user's ancillary buffer (checked range).
 */
struct kmsg {
	struct linux_iovec *iov;
	size_t iovlen, total;
	bool kernel; /* the iovecs point at kernel memory */
	struct sockname name; /* sendto: destination (len 0: none); recv:
				 the source */
	char *control; /* user pointer */
	size_t controllen; /* in: room; out: bytes written */
	int flags; /* recvmsg: MSG_TRUNC, MSG_CTRUNC */
};
long sock_sendmsg(struct file *f, struct kmsg *m, unsigned flags);
/* readv and writev: one message over all the (checked) iovecs. */
long sock_rw_iov(struct file *f, struct linux_iovec *iov, size_t cnt,
		 bool write);
long sock_recvmsg(struct file *f, struct kmsg *m, unsigned flags);

/* For net/ and the families: wake the waiters and pollers of s (NULL:
 * nothing). */
void sock_wake(struct socket *s);
/*
 * Sleep on s's wait queue until ready(s, arg) (checked under the lock),
 * timeo ns at most (0: no limit): 0, -EAGAIN (nonblock, or the time ran
 * out) or -ERESTARTSYS.
 */
int sock_wait(struct socket *s, bool nonblock, uint64_t timeo,
	      bool (*ready)(struct socket *s, void *arg), void *arg);
/* net/socket_msg.c: drop the receive queue; FIONREAD's count. */
void sock_flush(struct socket *s);
size_t sock_readable_bytes(struct socket *s);
/* Copy n bytes between buf and m's iovecs from offset off (out: to them). */
int kmsg_copy(struct kmsg *m, size_t off, void *buf, size_t n, bool out);
/*
 * The control messages of a sendmsg, one call of fn each (data in kernel
 * memory): 0, fn's first error, or -ENOBUFS, -EFAULT, -EINVAL (a bad
 * cmsg_len), -ENOMEM.
 */
int kmsg_cmsgs(struct kmsg *m,
	       int (*fn)(void *arg, int level, int type, const void *data,
			 size_t len),
	       void *arg);
/*
 * recvmsg: append one control message after the *used bytes written so
 * far (MSG_CTRUNC in m->flags when it does not fit whole).
 */
void kmsg_put_cmsg(struct kmsg *m, size_t *used, int level, int type,
		   const void *data, size_t len);
/*
 * Queue one message of len bytes on to's receive queue, whatever its room
 * (the caller checks rq_bytes against rcvbuf), from the name `from` with
 * the credentials cred: 0 or -ENOMEM.
 */
int sock_deliver(struct socket *to, const void *data, size_t len,
		 const struct sockname *from, const struct linux_ucred *cred);
/* The bound-name table of the families: a list each. */
extern struct list_node unix_bound, inet_bound;

#endif

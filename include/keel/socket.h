/*
 * socket.h - sockets (net/socket.c, net/socket_unix.c, net/socket_inet.c,
 * net/socket_netlink.c): one socket file whose data path (queues of
 * messages, connections, waits, options, ancillary data) is shared by every
 * family, and a small table of operations per family for what differs, the
 * addressing. AF_UNIX names live in the file system or the abstract
 * namespace; AF_INET and AF_INET6 reach only the loopback (a later network
 * stack takes over the inet family behind the same table); AF_NETLINK
 * sends its requests to the kernel, which answers on the sender's queue.
 * The syscall layer is linux/sys_socket.c.
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

/* What a family does: its addresses. Every method returns 0 or -errno. */
struct sock_family {
	/* Check type and protocol at creation (the protocol may be set). */
	int (*create)(struct socket *s, int type, int *protocol);
	int (*bind)(struct socket *s, const struct sockname *a);
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
	/* Options of the family's own levels (IPPROTO_TCP, IPPROTO_IPV6). */
	int (*setopt)(struct socket *s, int level, int name, int val);
	int (*getopt)(struct socket *s, int level, int name, int *val);
	/*
	 * A family that talks to the kernel (AF_NETLINK) has its own connect
	 * and send; it has no connections (listen, accept, shutdown:
	 * EOPNOTSUPP). NULL: the shared data path of net/socket_msg.c.
	 */
	int (*connect)(struct socket *s, const struct sockname *a);
	long (*sendmsg)(struct file *f, struct socket *s, struct kmsg *m,
			unsigned flags);
};

struct socket {
	unsigned refs;
	int family, type, protocol;
	const struct sock_family *ops;
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
int sock_accept(struct file *f, unsigned flags, struct file **out,
		struct sockname *peer);
int sock_connect(struct file *f, const struct sockname *a);
int sock_shutdown(struct socket *s, int how);
int sock_setsockopt(struct socket *s, int level, int name, const void *val,
		    unsigned len);
/* *len in: the room at val (kernel memory); out: the option's length. */
int sock_getsockopt(struct socket *s, int level, int name, void *val,
		    unsigned *len);
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

/* Inside fs/: wake the waiters and pollers of s (NULL: nothing). */
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
 * Queue one message of len bytes on to's receive queue, whatever its room
 * (the caller checks rq_bytes against rcvbuf), from the name `from` with
 * the credentials cred: 0 or -ENOMEM.
 */
int sock_deliver(struct socket *to, const void *data, size_t len,
		 const struct sockname *from, const struct linux_ucred *cred);
/* The bound-name table of the families: a list each. */
extern struct list_node unix_bound, inet_bound;

#endif

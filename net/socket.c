/*
 * socket.c - the socket file (net/): creation, socketpair, the life of a
 * connection (bind, listen, connect, accept, shutdown, close), options
 * and readiness, for every family. A connection is two sockets that hold
 * each other as peer; connect makes the listener's half at once and
 * queues it on the listener's backlog, so connect never waits for accept
 * (only for room in a full backlog). Data moves in net/socket_msg.c;
 * addresses are the families' (net/socket_unix.c, net/socket_inet.c).
 * Each call goes to the family's operation when it has one (a protocol
 * stack's, include/keel/socket.h); what is written here is the shared
 * local path.
 *
 * Waits sleep on the wait queue of the socket whose state they need, under
 * one lock; state changes happen with the kernel not preemptible and wake
 * both the socket and its peer (sock_wake).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/memcharge.h>
#include <keel/netif.h>
#include <keel/printf.h>
#include <keel/process.h>
#include <keel/socket.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/wait.h>

#define SOCKFS_DEV 8 /* st_dev 0:8 */

struct spinlock sock_lock;
static const struct file_ops sock_fops;

void sock_wake(struct socket *s)
{
	if (!s)
		return;
	waitq_wake_all(&s->wq);
	pollq_wake(&s->poll, EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM |
				 EPOLLHUP | EPOLLERR | EPOLLRDHUP);
}

int sock_wait(struct socket *s, bool nonblock, uint64_t timeo,
	      bool (*ready)(struct socket *s, void *arg), void *arg)
{
	uint64_t deadline = timeo ? time_now_ns() + timeo : 0;
	unsigned long irq = spin_lock_irqsave(&sock_lock);
	int err =
	    wait_event(&s->wq, &sock_lock, ready(s, arg), nonblock, deadline);

	spin_unlock_irqrestore(&sock_lock, irq);
	/* SO_RCVTIMEO, SO_SNDTIMEO ran out: EAGAIN, as on Linux. */
	return err == -ETIMEDOUT ? -EAGAIN : err;
}

void sock_own_cred(struct linux_ucred *c)
{
	c->pid = current_process() ? current_process()->pid : 1;
	c->uid = 0;
	c->gid = 0;
}

static struct socket *sock_alloc(int family, int type,
				 const struct sock_family *ops)
{
	struct socket *s;

	if (mem_charge(MEM_SOCK, MEM_OBJECT_COST))
		return NULL;
	s = kzalloc(sizeof(*s));
	if (!s) {
		mem_uncharge(MEM_SOCK, MEM_OBJECT_COST);
		return NULL;
	}
	s->refs = 1;
	s->family = family;
	s->type = type;
	s->ops = ops;
	list_init(&s->rq);
	list_init(&s->backlog);
	list_init(&s->node);
	list_init(&s->bound);
	waitq_init(&s->wq);
	pollq_init(&s->poll);
	s->sndbuf = s->rcvbuf = SOCK_BUF_DEFAULT;
	s->local.len = s->remote.len = 0;
	s->cred = (struct linux_ucred){ 0, (uint32_t)-1, (uint32_t)-1 };
	return s;
}

void sock_get(struct socket *s)
{
	s->refs++;
}

void sock_put(struct socket *s)
{
	if (!s || --s->refs)
		return;
	kfree(s);
	mem_uncharge(MEM_SOCK, MEM_OBJECT_COST);
}

/* The socket is gone for good: its name, its queues, its peer. */
static void sock_close(struct socket *s)
{
	struct socket *peer = s->peer;
	bool unread = !list_empty(&s->rq);
	struct list_node *n;

	s->closed = s->shut_rd = s->shut_wr = true;
	if (s->ops->release) { /* the family's connection and state */
		s->ops->release(s);
		sock_wake(s);
		return;
	}
	if (!list_empty(&s->bound))
		s->ops->unbind(s);
	while ((n = list_pop_front(&s->backlog))) {
		struct socket *child = list_entry(n, struct socket, node);

		sock_close(child);
		sock_put(child);
	}
	s->nbacklog = 0;
	sock_flush(s);
	s->peer = NULL;
	if (peer && s->type != SOCK_DGRAM) {
		peer->shut_rd = peer->shut_wr = true;
		if (unread && s->type == SOCK_STREAM)
			peer->error = ECONNRESET; /* data was lost */
	}
	sock_wake(peer);
	sock_put(peer);
	sock_wake(s);
}

static void sock_release(struct file *f)
{
	struct socket *s = f->inode->priv;

	sock_close(s);
	s->file = NULL;
	sock_put(s);
}

/* A file for s (which it takes a reference of). */
static int sock_file(struct socket *s, unsigned flags, struct file **out)
{
	struct inode *ino = inode_alloc(NULL, &sock_fops, S_IFSOCK | 0777);
	struct file *f;

	if (!ino)
		return -ENOMEM;
	ino->flags |= I_TRANSIENT;
	ino->dev = SOCKFS_DEV;
	ino->priv = s;
	f = file_alloc(ino, O_RDWR | (flags & O_NONBLOCK));
	inode_put(ino);
	if (!f)
		return -ENOMEM;
	sock_get(s);
	s->file = f;
	f->priv = s;
	*out = f;
	return 0;
}

struct socket *file_socket(struct file *f)
{
	return f->ops == &sock_fops ? f->inode->priv : NULL;
}

static const struct sock_family *families[SOCK_FAMILY_MAX] = {
	[AF_UNIX] = &unix_family,
	[AF_INET] = &inet_family,
	[AF_INET6] = &inet_family,
	[AF_NETLINK] = &netlink_family,
};

int sock_family_register(int family, const struct sock_family *ops)
{
	if (family <= AF_UNSPEC || family >= SOCK_FAMILY_MAX ||
	    (ops && !ops->create))
		return -EINVAL;
	families[family] = ops;
	return 0;
}

const struct sock_family *sock_family_get(int family)
{
	if (family <= AF_UNSPEC || family >= SOCK_FAMILY_MAX)
		return NULL;
	return families[family];
}

/* A new socket (not yet a file). */
static int sock_new(int family, int type, int protocol, struct socket **out)
{
	const struct sock_family *ops = sock_family_get(family);
	struct socket *s;
	int err;

	if (type < 0 || type > 10)
		return -EINVAL;
	if (!ops)
		return -EAFNOSUPPORT;
	s = sock_alloc(family, type, ops);
	if (!s)
		return -ENOMEM;
	err = ops->create(s, type, &protocol);
	if (err) {
		sock_put(s);
		return err;
	}
	s->protocol = protocol;
	*out = s;
	return 0;
}

/* type may carry SOCK_NONBLOCK (SOCK_CLOEXEC is the caller's). */
int socket_create(int family, int type, int protocol, struct file **out)
{
	struct socket *s;
	int err = sock_new(family, type & SOCK_TYPE_MASK, protocol, &s);

	if (err)
		return err;
	err = sock_file(s, type & SOCK_NONBLOCK ? O_NONBLOCK : 0, out);
	sock_put(s);
	return err;
}

/* A socket that got no file: its family lets go of it too. */
static void sock_drop(struct socket *s)
{
	if (s && s->ops->release)
		s->ops->release(s);
	sock_put(s);
}

int socket_pair(int family, int type, int protocol, struct file *out[2])
{
	struct socket *s[2] = { NULL, NULL };
	int err;

	if (family == AF_INET || family == AF_INET6)
		return -EOPNOTSUPP;
	err = sock_new(family, type & SOCK_TYPE_MASK, protocol, &s[0]);
	if (!err)
		err = sock_new(family, type & SOCK_TYPE_MASK, protocol, &s[1]);
	if (!err && s[0]->ops->connect)
		err = -EOPNOTSUPP; /* netlink sockets make no pairs */
	if (err) {
		sock_drop(s[0]);
		sock_drop(s[1]);
		return err;
	}
	for (int i = 0; i < 2; i++) {
		s[i]->peer = s[1 - i];
		sock_get(s[1 - i]);
		s[i]->connected = true;
		sock_own_cred(&s[i]->cred);
	}
	out[1] = NULL;
	err = sock_file(s[0], type & SOCK_NONBLOCK, &out[0]);
	if (!err) {
		err = sock_file(s[1], type & SOCK_NONBLOCK, &out[1]);
		if (err)
			file_put(out[0]);
	}
	if (err) { /* the files that exist closed theirs; close the rest */
		sock_close(s[0]);
		sock_close(s[1]);
	}
	sock_put(s[0]);
	sock_put(s[1]);
	return err;
}

int sock_bind(struct socket *s, const struct sockname *a)
{
	if (s->closed)
		return -EINVAL;
	return s->ops->bind ? s->ops->bind(s, a) : -EOPNOTSUPP;
}

/* net.core.somaxconn: the longest backlog listen grants (Linux's 4096). */
static int somaxconn = SOMAXCONN;

size_t sock_gen_somaxconn(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", READ_ONCE(somaxconn));
}

int sock_set_somaxconn(unsigned long v)
{
	WRITE_ONCE(somaxconn, (int)v); /* procfs bounds it to 0..INT_MAX */
	return 0;
}

int sock_listen(struct socket *s, int backlog)
{
	int max = READ_ONCE(somaxconn);
	int err;

	if ((unsigned)backlog > (unsigned)max)
		backlog = max;
	if (s->ops->listen) {
		err = s->ops->listen(s, backlog);
		if (!err) {
			s->listening = true; /* SO_ACCEPTCONN */
			sock_wake(s);
		}
		return err;
	}
	if (s->type != SOCK_STREAM && s->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	if (s->connected)
		return -EINVAL;
	if (list_empty(&s->bound)) {
		if (s->family == AF_UNIX)
			return -EINVAL;
		err = s->ops->autobind(s);
		if (err)
			return err;
	}
	s->max_backlog = (unsigned)backlog;
	if (!s->listening)
		sock_own_cred(&s->cred);
	s->listening = true;
	sock_wake(s);
	return 0;
}

static bool has_connection(struct socket *s, void *arg)
{
	(void)arg;
	return !list_empty(&s->backlog) || s->closed;
}

/*
 * accept by the family's operation: net/ makes the new socket (with the
 * listener's SOL_SOCKET options, as Linux clones them) and its file.
 */
static int family_accept(struct file *f, struct socket *s, unsigned flags,
			 struct file **out, struct sockname *peer)
{
	struct socket *child = sock_alloc(s->family, s->type, s->ops);
	struct sockname name = { 0 };
	int err;

	if (!child)
		return -ENOMEM;
	child->protocol = s->protocol;
	child->sndbuf = s->sndbuf;
	child->rcvbuf = s->rcvbuf;
	child->flags = s->flags;
	child->linger = s->linger;
	child->rcvtimeo = s->rcvtimeo;
	child->sndtimeo = s->sndtimeo;
	err = s->ops->accept(s, child, f->flags & O_NONBLOCK, &name);
	if (!err) {
		err = sock_file(child, flags, out);
		if (err)
			sock_close(child);
	}
	if (!err && peer)
		*peer = name;
	sock_put(child);
	return err;
}

int sock_accept(struct file *f, unsigned flags, struct file **out,
		struct sockname *peer)
{
	struct socket *s = file_socket(f), *child;
	int err;

	if (s->ops->accept)
		return family_accept(f, s, flags, out, peer);
	if (s->type != SOCK_STREAM && s->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	if (!s->listening)
		return -EINVAL;
	err = sock_wait(s, f->flags & O_NONBLOCK, s->rcvtimeo, has_connection,
			NULL);
	if (err)
		return err;
	if (list_empty(&s->backlog))
		return -EINVAL;
	child = list_entry(list_pop_front(&s->backlog), struct socket, node);
	s->nbacklog--;
	sock_wake(s); /* a connect waiting for room */
	err = sock_file(child, flags, out);
	if (!err && peer)
		*peer = child->remote;
	if (err)
		sock_close(child);
	sock_put(child);
	return err;
}

static bool backlog_room(struct socket *l, void *arg)
{
	(void)arg;
	return l->closed || !l->listening || l->nbacklog <= l->max_backlog;
}

/* connect of a stream or seqpacket socket to the listener l. */
static int connect_to(struct socket *s, struct socket *l, bool nonblock,
		      const struct sockname *to)
{
	struct socket *child;
	int err;

	err = sock_wait(l, nonblock, s->sndtimeo, backlog_room, NULL);
	if (err)
		return err == -EAGAIN && s->family != AF_UNIX ? -EINPROGRESS
							      : err;
	if (l->closed || !l->listening)
		return -ECONNREFUSED;
	if (s->connected) /* another thread connected it meanwhile */
		return -EISCONN;
	child = sock_alloc(l->family, l->type, l->ops);
	if (!child)
		return -ENOMEM;
	child->protocol = l->protocol;
	child->sndbuf = l->sndbuf;
	child->rcvbuf = l->rcvbuf;
	child->flags = l->flags;
	child->nodelay = l->nodelay;
	child->v6only = l->v6only;
	sock_own_cred(&child->cred);
	sock_own_cred(&s->cred);
	child->peer = s;
	sock_get(s);
	s->peer = child;
	sock_get(child);
	child->connected = s->connected = true;
	s->ops->connected(s, child, l, to);
	list_push_back(&l->backlog, &child->node); /* the backlog's reference */
	l->nbacklog++;
	sock_wake(l);
	return 0;
}

int sock_connect(struct file *f, const struct sockname *a)
{
	struct socket *s = file_socket(f), *l = NULL;
	int err;

	if (s->ops->connect)
		return s->ops->connect(s, a, f->flags & O_NONBLOCK);
	if (s->type == SOCK_DGRAM && a->len >= 2 && a->family == AF_UNSPEC) {
		sock_put(s->peer); /* dissolve the association */
		s->peer = NULL;
		s->connected = false;
		s->remote.len = 0;
		return 0;
	}
	if (s->listening)
		return -EINVAL;
	if (s->connected && s->type != SOCK_DGRAM)
		return -EISCONN;
	err = s->ops->lookup(s, a, &l);
	if (!err && list_empty(&s->bound) && s->family != AF_UNIX)
		err = s->ops->autobind(s);
	if (err) {
		sock_put(l);
		return err;
	}
	if (s->type == SOCK_DGRAM) { /* a default destination */
		sock_put(s->peer);
		s->peer = l;
		s->connected = true;
		s->ops->connected(s, NULL, l, a);
		return 0;
	}
	err = connect_to(s, l, f->flags & O_NONBLOCK, a);
	sock_put(l);
	return err;
}

int sock_shutdown(struct socket *s, int how)
{
	struct socket *peer = s->peer;

	if (s->ops->shutdown)
		return how < SHUT_RD || how > SHUT_RDWR
			   ? -EINVAL
			   : s->ops->shutdown(s, how);
	if (s->ops->sendmsg)
		return -EOPNOTSUPP; /* no connection to shut (netlink) */
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (s->type != SOCK_DGRAM && !s->connected &&
	    (s->family != AF_UNIX || s->listening))
		return -ENOTCONN;
	if (how != SHUT_WR)
		s->shut_rd = true;
	if (how != SHUT_RD)
		s->shut_wr = true;
	/* The peer of a connection sees the other side of each half. */
	if (peer && s->type != SOCK_DGRAM && s->family == AF_UNIX) {
		if (how != SHUT_WR)
			peer->shut_wr = true;
		if (how != SHUT_RD)
			peer->shut_rd = true;
	} else if (peer && s->type != SOCK_DGRAM && how != SHUT_RD) {
		peer->shut_rd = true; /* TCP sends a FIN for SHUT_WR only */
	}
	sock_wake(s);
	sock_wake(peer);
	return 0;
}

int sock_getname(struct socket *s, bool peer, struct sockname *out)
{
	if (s->ops->getname)
		return s->ops->getname(s, peer, out);
	if (peer && !s->connected)
		return -ENOTCONN;
	*out = peer ? s->remote : s->local;
	return 0;
}

/* The ready mask, as Linux's unix_poll and tcp_poll compute it. */
static unsigned sock_poll(struct file *f, struct poll_table *pt)
{
	struct socket *s = f->inode->priv, *peer = s->peer;
	unsigned mask = 0;

	poll_wait(pt, &s->poll);
	if (s->ops->poll)
		return s->ops->poll(s);
	if (s->listening)
		return list_empty(&s->backlog) ? 0 : EPOLLIN | EPOLLRDNORM;
	if (s->error)
		mask |= EPOLLERR;
	if (!list_empty(&s->rq))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (s->shut_rd)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (s->shut_rd && s->shut_wr)
		mask |= EPOLLHUP;
	if (s->type != SOCK_DGRAM && !s->connected)
		mask |= EPOLLHUP | EPOLLOUT | EPOLLWRNORM;
	if ((s->connected || s->type == SOCK_DGRAM) &&
	    (!peer || peer->closed || peer->rq_bytes < peer->rcvbuf))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

/* FIONREAD, and the interface ioctls (net/iface_ioctl.c) on any socket. */
static long sock_ioctl(struct file *f, unsigned cmd, unsigned long arg)
{
	struct socket *s = f->inode->priv;
	int32_t n;

	if (s->ops->ioctl) {
		long r = s->ops->ioctl(s, cmd, arg);

		return r == -ENOTTY ? iface_ioctl(s->family, cmd, arg) : r;
	}
	if (cmd != FIONREAD || s->family == AF_NETLINK)
		return iface_ioctl(s->family, cmd, arg);
	if (s->listening)
		return -EINVAL;
	n = (int32_t)sock_readable_bytes(s);
	return iobuf_put((struct iobuf){ (char *)arg, true }, 0, &n, sizeof(n));
}

static long sock_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct linux_iovec iov = { (uint64_t)(uintptr_t)b.p, len };
	struct kmsg m = {
		.iov = &iov, .iovlen = 1, .total = len, .kernel = !b.user
	};

	(void)pos;
	return sock_recvmsg(f, &m, 0);
}

static long sock_write(struct file *f, struct iobuf b, size_t len,
		       uint64_t *pos)
{
	struct linux_iovec iov = { (uint64_t)(uintptr_t)b.p, len };
	struct kmsg m = {
		.iov = &iov, .iovlen = 1, .total = len, .kernel = !b.user
	};

	(void)pos;
	return sock_sendmsg(f, &m, 0);
}

long sock_rw_iov(struct file *f, struct linux_iovec *iov, size_t cnt,
		 bool write)
{
	struct kmsg m = { .iov = iov, .iovlen = cnt };

	for (size_t i = 0; i < cnt; i++) {
		iov[i].iov_len = MIN(iov[i].iov_len, MAX_RW_COUNT - m.total);
		m.total += iov[i].iov_len;
	}
	return write ? sock_sendmsg(f, &m, 0) : sock_recvmsg(f, &m, 0);
}

static const struct file_ops sock_fops = {
	.read = sock_read,
	.write = sock_write,
	.ioctl = sock_ioctl,
	.poll = sock_poll,
	.release = sock_release,
};

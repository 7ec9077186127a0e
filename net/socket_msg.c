/*
 * socket_msg.c - data through sockets (net/): every send becomes messages
 * on the receiver's queue, each with its bytes, the sender's name and
 * credentials and any descriptors passed (SCM_RIGHTS). A stream read runs
 * across messages (stopping before one that carries descriptors); a
 * datagram or seqpacket read takes one message, truncating it
 * (MSG_TRUNC). A queue holds at most the receiver's SO_RCVBUF, counting
 * MSG_COST bytes of overhead per message, as Linux counts skb sizes.
 * A family with its own sendmsg or recvmsg (include/keel/socket.h) takes
 * the message instead; the control-message helpers serve it too.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/memcharge.h>
#include <keel/netif.h>
#include <keel/netlink.h>
#include <keel/string.h>
#include <keel/uaccess.h>

#define MSG_COST 256
#define STREAM_CHUNK 65536UL /* the largest message one stream send makes */
#define CONTROL_MAX 20480 /* Linux's optmem_max: ancillary data sent */
#define UDP_MAX 65507

struct sock_msg {
	struct list_node node;
	size_t len, off; /* bytes, and bytes already read (streams) */
	struct file **fds; /* SCM_RIGHTS: references */
	unsigned nfds;
	struct linux_ucred cred;
	struct sockname from;
	char data[];
};

/* Ancillary data of one send. */
struct scm {
	struct file **fds;
	unsigned nfds;
	bool has_cred;
	struct linux_ucred cred;
};

static void put_files(struct file **fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		file_put(fds[i]);
	kfree(fds);
}

/* A message of n bytes, charged to MEM_SOCK until msg_free: NULL when
 * the charge or the heap says no. */
static struct sock_msg *msg_alloc(size_t n)
{
	size_t size = sizeof(struct sock_msg) + n + 1;
	struct sock_msg *m;

	if (mem_charge(MEM_SOCK, size))
		return NULL;
	m = kzalloc(size);
	if (!m)
		mem_uncharge(MEM_SOCK, size);
	return m;
}

static void msg_free(struct sock_msg *m)
{
	mem_uncharge(MEM_SOCK, sizeof(*m) + m->len + 1);
	put_files(m->fds, m->nfds);
	kfree(m);
}

static size_t msg_cost(const struct sock_msg *m)
{
	return m->len + MSG_COST;
}

void sock_flush(struct socket *s)
{
	struct list_node *n;

	while ((n = list_pop_front(&s->rq)))
		msg_free(list_entry(n, struct sock_msg, node));
	s->rq_bytes = 0;
}

static struct sock_msg *first(struct socket *s)
{
	return list_empty(&s->rq)
		   ? NULL
		   : list_entry(s->rq.next, struct sock_msg, node);
}

size_t sock_readable_bytes(struct socket *s)
{
	size_t n = 0;

	if (s->type != SOCK_STREAM)
		return first(s) ? first(s)->len : 0;
	list_for_each (p, &s->rq) {
		struct sock_msg *m = list_entry(p, struct sock_msg, node);

		n += m->len - m->off;
	}
	return n;
}

int kmsg_copy(struct kmsg *m, size_t off, void *buf, size_t n, bool out)
{
	char *p = buf;

	for (size_t i = 0; i < m->iovlen && n; i++) {
		struct iobuf b = { (char *)(uintptr_t)m->iov[i].iov_base,
				   !m->kernel };
		size_t len = m->iov[i].iov_len, c;
		int err;

		if (off >= len) {
			off -= len;
			continue;
		}
		c = MIN(n, len - off);
		err = out ? iobuf_put(b, off, p, c) : iobuf_get(p, b, off, c);
		if (err)
			return err;
		p += c;
		n -= c;
		off = 0;
	}
	return 0;
}

/* ---- ancillary data ---- */

static int scm_rights(struct scm *scm, const char *data, size_t len)
{
	unsigned n = (unsigned)(len / sizeof(int32_t)), total = scm->nfds + n;
	struct file **fds;

	if (!n || total > SCM_MAX_FD)
		return -EINVAL;
	fds = krealloc(scm->fds, total * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	scm->fds = fds;
	for (unsigned i = 0; i < n; i++) {
		int32_t fd;

		memcpy(&fd, data + i * sizeof(fd), sizeof(fd));
		fds[scm->nfds] = fd_get(fd);
		if (!fds[scm->nfds])
			return -EBADF;
		scm->nfds++;
	}
	return 0;
}

int kmsg_cmsgs(struct kmsg *m,
	       int (*fn)(void *arg, int level, int type, const void *data,
			 size_t len),
	       void *arg)
{
	size_t len = m->controllen, off = 0;
	char *buf;
	int err = 0;

	if (!len)
		return 0;
	if (len > CONTROL_MAX)
		return -ENOBUFS;
	buf = kmalloc(len);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, m->control, len)) {
		kfree(buf);
		return -EFAULT;
	}
	while (!err && len - off >= CMSG_HDRLEN) {
		struct linux_cmsghdr h;

		memcpy(&h, buf + off, sizeof(h));
		if (h.cmsg_len < CMSG_HDRLEN || h.cmsg_len > len - off) {
			err = -EINVAL;
			break;
		}
		err = fn(arg, h.cmsg_level, h.cmsg_type,
			 buf + off + CMSG_HDRLEN, h.cmsg_len - CMSG_HDRLEN);
		off += CMSG_ALIGN(h.cmsg_len);
		if (off > len)
			break;
	}
	kfree(buf);
	return err;
}

struct scm_arg {
	struct socket *s;
	struct scm *scm;
};

/* One control message of a send on the shared path: SOL_SOCKET's. */
static int scm_one(void *arg, int level, int type, const void *data,
		   size_t dlen)
{
	struct scm_arg *a = arg;
	struct scm *scm = a->scm;

	if (level != SOL_SOCKET)
		return 0; /* another level's: not ours to check */
	if (a->s->family != AF_UNIX)
		return -EINVAL;
	if (type == SCM_RIGHTS)
		return scm_rights(scm, data, dlen);
	if (type == SCM_CREDENTIALS && dlen == sizeof(scm->cred)) {
		memcpy(&scm->cred, data, dlen);
		scm->has_cred = true;
		return 0;
	}
	return -EINVAL;
}

/* The control buffer of a sendmsg: its SOL_SOCKET messages. */
static int scm_parse(struct socket *s, struct kmsg *m, struct scm *scm)
{
	struct scm_arg a = { s, scm };

	return kmsg_cmsgs(m, scm_one, &a);
}

/* Append one control message; MSG_CTRUNC when it does not fit whole. */
void kmsg_put_cmsg(struct kmsg *m, size_t *used, int level, int type,
		   const void *data, size_t len)
{
	struct linux_cmsghdr h = { CMSG_LEN(len), level, type };
	size_t room = m->controllen - *used;
	char *at;

	if (room < CMSG_HDRLEN || room < CMSG_LEN(len)) {
		m->flags |= MSG_CTRUNC;
		if (room < CMSG_HDRLEN)
			return;
		len = room - CMSG_HDRLEN;
		h.cmsg_len = CMSG_LEN(len);
	}
	at = m->control + *used; /* only with room: no control, no pointer */
	if (copy_to_user(at, &h, sizeof(h)) ||
	    copy_to_user(at + CMSG_HDRLEN, data, len))
		return;
	*used += MIN(CMSG_SPACE(len), room);
}

/* The descriptors of m become the receiver's (as many as fit). */
static void put_rights(struct kmsg *km, size_t *used, struct sock_msg *m,
		       bool peek, unsigned flags)
{
	size_t room = km->controllen - *used;
	unsigned fit = room < CMSG_HDRLEN
			   ? 0
			   : (unsigned)((room - CMSG_HDRLEN) / sizeof(int32_t));
	int32_t fds[SCM_MAX_FD];
	unsigned n = 0;

	for (unsigned i = 0; i < m->nfds && i < fit; i++) {
		int fd;

		file_get(m->fds[i]);
		fd = fd_install(m->fds[i], flags & MSG_CMSG_CLOEXEC);
		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	if (n < m->nfds)
		km->flags |= MSG_CTRUNC;
	if (n)
		kmsg_put_cmsg(km, used, SOL_SOCKET, SCM_RIGHTS, fds,
			      n * sizeof(int32_t));
	if (!peek) {
		put_files(m->fds, m->nfds);
		m->fds = NULL;
		m->nfds = 0;
	}
}

/* ---- sending ---- */

static struct sock_msg *msg_new(struct socket *s, struct kmsg *km, size_t off,
				size_t n, struct scm *scm)
{
	struct sock_msg *m = msg_alloc(n);

	if (!m)
		return NULL;
	m->len = n;
	if (kmsg_copy(km, off, m->data, n, false)) {
		msg_free(m);
		return ERR_PTR(-EFAULT);
	}
	if (scm && scm->has_cred)
		m->cred = scm->cred;
	else
		sock_own_cred(&m->cred);
	if (scm) { /* the descriptors go with the first message */
		m->fds = scm->fds;
		m->nfds = scm->nfds;
		scm->fds = NULL;
		scm->nfds = 0;
	}
	(void)s;
	return m;
}

static void queue_msg(struct socket *to, struct sock_msg *m)
{
	list_push_back(&to->rq, &m->node);
	to->rq_bytes += msg_cost(m);
	sock_wake(to);
}

static void enqueue(struct socket *from, struct socket *to, struct sock_msg *m)
{
	from->ops->source(from, to, &m->from);
	if (to->family == AF_INET || to->family == AF_INET6)
		iface_loopback_count(m->len);
	queue_msg(to, m);
}

int sock_deliver(struct socket *to, const void *data, size_t len,
		 const struct sockname *from, const struct linux_ucred *cred)
{
	struct sock_msg *m = msg_alloc(len);

	if (!m)
		return -ENOMEM;
	memcpy(m->data, data, len);
	m->len = len;
	m->cred = *cred;
	m->from = *from;
	queue_msg(to, m);
	return 0;
}

struct room {
	struct socket *s; /* the sender */
	size_t need;
};

static bool has_room(struct socket *to, void *arg)
{
	struct room *r = arg;

	return to->closed || to->shut_rd || r->s->shut_wr ||
	       list_empty(&to->rq) || to->rq_bytes + r->need <= to->rcvbuf;
}

/* A byte stream or a seqpacket connection. */
static long stream_send(struct file *f, struct socket *s, struct kmsg *km,
			unsigned flags, struct scm *scm)
{
	bool nonblock = f->flags & O_NONBLOCK || flags & MSG_DONTWAIT;
	bool seq = s->type == SOCK_SEQPACKET;
	struct socket *peer = s->peer;
	size_t done = 0;
	long err = 0;

	if (km->name.len && s->family == AF_UNIX)
		return s->connected ? -EISCONN : -EOPNOTSUPP;
	if (!s->connected)
		return s->family == AF_UNIX ? -ENOTCONN : -EPIPE;
	if (seq && km->total > s->sndbuf)
		return -EMSGSIZE;
	do {
		struct room r = { s, seq ? km->total + MSG_COST : MSG_COST };
		struct sock_msg *m;
		size_t n;

		err = sock_wait(peer, nonblock, s->sndtimeo, has_room, &r);
		if (err)
			break;
		if (s->shut_wr || peer->closed || peer->shut_rd) {
			/* SIGPIPE: linux/sys_socket.c and sys_file.c */
			err = -EPIPE;
			break;
		}
		n = km->total - done;
		if (!seq) {
			size_t room =
			    peer->rcvbuf > peer->rq_bytes + MSG_COST
				? peer->rcvbuf - peer->rq_bytes - MSG_COST
				: 1;

			n = MIN(MIN(n, room), STREAM_CHUNK);
		}
		m = msg_new(s, km, done, n, done ? NULL : scm);
		if (!m || IS_ERR(m)) {
			err = m ? PTR_ERR(m) : -ENOBUFS;
			break;
		}
		enqueue(s, peer, m);
		done += n;
	} while (done < km->total);
	return done ? (long)done : err;
}

static long dgram_send(struct file *f, struct socket *s, struct kmsg *km,
		       unsigned flags, struct scm *scm)
{
	bool nonblock = f->flags & O_NONBLOCK || flags & MSG_DONTWAIT;
	struct socket *to = NULL;
	struct room r = { s, km->total + MSG_COST };
	struct sock_msg *m;
	long err;

	if (km->name.len)
		err = s->ops->lookup(s, &km->name, &to);
	else if (!s->connected)
		err = s->family == AF_UNIX ? -ENOTCONN : -EDESTADDRREQ;
	else if (s->peer && (!s->peer->closed || !s->remote.len)) {
		to = s->peer;
		sock_get(to);
		err = 0;
	} else
		err = s->ops->lookup(s, &s->remote, &to);
	if (!err && list_empty(&s->bound) && s->family != AF_UNIX)
		err = s->ops->autobind(s);
	if (!err && km->total > (s->family == AF_UNIX ? s->sndbuf : UDP_MAX))
		err = -EMSGSIZE;
	if (!err && to && to->peer && to->peer != s && s->family == AF_UNIX)
		err = -EPERM; /* to is connected to another socket */
	if (err || !to) { /* no UDP socket there: the datagram is lost */
		sock_put(to);
		return err ? err : (long)km->total;
	}
	if (to->rq_bytes + r.need > to->rcvbuf && s->family != AF_UNIX) {
		sock_put(to); /* UDP drops what does not fit */
		return (long)km->total;
	}
	err = sock_wait(to, nonblock, s->sndtimeo, has_room, &r);
	if (!err && (to->closed || s->shut_wr))
		err = to->closed ? -ECONNREFUSED : -EPIPE;
	if (!err) {
		m = msg_new(s, km, 0, km->total, scm);
		if (!m || IS_ERR(m))
			err = m ? PTR_ERR(m) : -ENOBUFS;
		else
			enqueue(s, to, m);
	}
	sock_put(to);
	return err ? err : (long)km->total;
}

long sock_sendmsg(struct file *f, struct kmsg *km, unsigned flags)
{
	struct socket *s = file_socket(f);
	struct scm scm = { 0 };
	long err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (s->ops->sendmsg) { /* netlink: ancillary data is not used */
		if (f->flags & O_NONBLOCK)
			flags |= MSG_DONTWAIT;
		return s->ops->sendmsg(s, km, flags);
	}
	if (s->listening)
		return s->family == AF_UNIX ? -ENOTCONN : -EPIPE;
	err = scm_parse(s, km, &scm);
	if (!err && s->shut_wr)
		err = -EPIPE; /* and SIGPIPE, raised by the syscall */
	if (!err)
		err = s->type == SOCK_DGRAM
			  ? dgram_send(f, s, km, flags, &scm)
			  : stream_send(f, s, km, flags, &scm);
	put_files(scm.fds, scm.nfds);
	return err;
}

/* ---- receiving ---- */

/* An error a read reports: a stream's reset, netlink's lost replies. */
static bool read_error(struct socket *s)
{
	return s->error && (s->type != SOCK_DGRAM || s->family == AF_NETLINK);
}

static bool readable(struct socket *s, void *arg)
{
	(void)arg;
	return !list_empty(&s->rq) || s->shut_rd || s->closed || read_error(s);
}

/* The ancillary data of message m into the receiver's buffer. */
static void put_control(struct socket *s, struct kmsg *km, size_t *used,
			struct sock_msg *m, unsigned flags)
{
	if (s->family == AF_NETLINK && netlink_flag(s, NETLINK_PKTINFO)) {
		uint32_t group =
		    (uint32_t)__builtin_ffs((int)m->from.nl.nl_groups);

		kmsg_put_cmsg(km, used, SOL_NETLINK, NETLINK_PKTINFO, &group,
			      sizeof(group));
	}
	if (sock_flag(s, SO_PASSCRED))
		kmsg_put_cmsg(km, used, SOL_SOCKET, SCM_CREDENTIALS, &m->cred,
			      sizeof(m->cred));
	if (m->nfds)
		put_rights(km, used, m, flags & MSG_PEEK, flags);
}

/* Remove the head message once read. */
static void consume(struct socket *s, struct sock_msg *m)
{
	list_remove(&m->node);
	s->rq_bytes -= msg_cost(m);
	msg_free(m);
}

/* Read from the byte stream into the iovecs from offset done. */
static long stream_recv(struct socket *s, struct kmsg *km, size_t *used,
			unsigned flags, size_t done)
{
	size_t start = done;

	list_for_each_safe (p, tmp, &s->rq) {
		struct sock_msg *m = list_entry(p, struct sock_msg, node);
		size_t n;

		if (done > start && m->nfds)
			break; /* descriptors start a read of their own */
		if (done == start && !start) {
			km->name = m->from;
			put_control(s, km, used, m, flags);
		}
		n = MIN(km->total - done, m->len - m->off);
		if (kmsg_copy(km, done, m->data + m->off, n, true))
			return done > start ? (long)(done - start) : -EFAULT;
		done += n;
		if (!(flags & MSG_PEEK) && (m->off += n) == m->len)
			consume(s, m);
		if (done == km->total)
			break;
	}
	return (long)(done - start);
}

static long packet_recv(struct socket *s, struct kmsg *km, size_t *used,
			unsigned flags)
{
	struct sock_msg *m = first(s);
	size_t n = MIN(km->total, m->len);

	if (kmsg_copy(km, 0, m->data, n, true))
		return -EFAULT;
	km->name = m->from;
	put_control(s, km, used, m, flags);
	if (m->len > km->total)
		km->flags |= MSG_TRUNC;
	n = flags & MSG_TRUNC ? m->len : n;
	if (!(flags & MSG_PEEK))
		consume(s, m);
	return (long)n;
}

long sock_recvmsg(struct file *f, struct kmsg *km, unsigned flags)
{
	struct socket *s = file_socket(f);
	bool nonblock = f->flags & O_NONBLOCK || flags & MSG_DONTWAIT;
	size_t used = 0;
	long n = 0, err;

	km->flags = 0;
	km->name.len = 0;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (s->ops->recvmsg)
		return s->ops->recvmsg(s, km,
				       nonblock ? flags | MSG_DONTWAIT : flags);
	if (s->type != SOCK_DGRAM && !s->connected && !s->closed)
		return s->family == AF_UNIX ? -EINVAL : -ENOTCONN;
	for (;;) {
		err = sock_wait(s, nonblock, s->rcvtimeo, readable, NULL);
		if (err)
			break;
		/* A stream's error comes after its data, netlink's before. */
		if (read_error(s) &&
		    (list_empty(&s->rq) || s->family == AF_NETLINK)) {
			err = -s->error;
			s->error = 0;
			break;
		}
		if (list_empty(&s->rq))
			break; /* end of file */
		if (s->type == SOCK_STREAM) {
			long r = stream_recv(s, km, &used, flags, (size_t)n);

			if (r < 0 && !n)
				n = r;
			else if (r > 0)
				n += r;
		} else {
			n = packet_recv(s, km, &used, flags);
		}
		sock_wake(s);
		sock_wake(s->peer); /* writers wait for room */
		if (n < 0 || s->type != SOCK_STREAM || !(flags & MSG_WAITALL) ||
		    (size_t)n >= km->total || nonblock || flags & MSG_PEEK)
			break;
	}
	km->controllen = used;
	if (n > 0 || (n == 0 && !err))
		return n;
	return err ? err : n;
}

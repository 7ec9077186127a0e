/*
 * sock_tcp.c - SOCK_STREAM on lwIP's TCP raw API (net/lwip/): lwIP's
 * callbacks (accepted, connected, received, sent, error) change the
 * struct lsock and wake the socket; the calls wait on it with the stack
 * unlocked. Received data stays in lwIP's pbufs until read (the window
 * opens as the program reads); sent data is copied into lwIP's queue.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include "glue.h"
#include "sock.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#define CHUNK 16384 /* bytes copied from the program per tcp_write */
#define L_MSG_MORE 0x8000

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len);
static void on_err(void *arg, err_t err);

static void hook(struct lsock *ls, struct tcp_pcb *pcb)
{
	ls->pcb.tcp = pcb;
	tcp_arg(pcb, ls);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
}

static void unhook(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	if (pcb->state == LISTEN) { /* a listen PCB has no other callback */
		tcp_accept(pcb, NULL);
		return;
	}
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

int ltcp_create(struct socket *s, struct lsock *ls)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(
	    s->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);

	if (!pcb)
		return -ENOMEM;
	hook(ls, pcb);
	return 0;
}

static void rx_free(struct lsock *ls)
{
	while (ls->rx_head) {
		struct pbuf *p = ls->rx_head;

		ls->rx_head = p->next;
		p->next = NULL;
		pbuf_free(p);
	}
	ls->rx_tail = NULL;
	ls->rx_bytes = ls->rx_off = 0;
}

/* Drop a connection no program holds (not accepted, or closed). */
static void drop(struct lsock *ls, bool abort)
{
	struct tcp_pcb *pcb = ls->pcb.tcp;

	rx_free(ls);
	ls->pcb.tcp = NULL;
	if (!pcb)
		return;
	unhook(pcb);
	/* A listener has no connection to reset: lwIP closes it at once
	 * (tcp_abort on one is an assertion, a zero SO_LINGER no excuse). */
	if (pcb->state == LISTEN)
		tcp_close(pcb);
	else if (abort || tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

void ltcp_release(struct lsock *ls)
{
	struct socket *s = ls->s;
	struct list_node *n;

	while ((n = list_pop_front(&ls->acceptq))) {
		struct lsock *c = list_entry(n, struct lsock, node);

		drop(c, true);
		kfree(c);
	}
	/* Unread data or a zero linger resets the connection, as Linux. */
	drop(ls,
	     ls->rx_bytes || (s && s->linger.l_onoff && !s->linger.l_linger));
	kfree(ls);
}

/* ---- lwIP's callbacks ---- */

static void set_error(struct lsock *ls, int err)
{
	ls->err = err;
	if (ls->s)
		ls->s->error = err;
}

static void on_err(void *arg, err_t err)
{
	struct lsock *ls = arg;

	if (!ls)
		return;
	ls->pcb.tcp = NULL; /* lwIP freed it */
	if (ls->connecting)
		set_error(ls, err == ERR_RST ? ECONNREFUSED : ETIMEDOUT);
	else if (err == ERR_RST || err == ERR_ABRT)
		set_error(ls, ECONNRESET);
	else if (err != ERR_CLSD) /* CLSD: our last FIN acknowledged, clean */
		set_error(ls, ETIMEDOUT);
	ls->connecting = false;
	ls->fin = true;
	sock_wake(ls->s);
	if (ls->listener)
		sock_wake(ls->listener->s);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct lsock *ls = arg;

	(void)err;
	if (!ls) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p) {
		ls->fin = true;
		/* Both FINs sent: lwIP goes on to TIME_WAIT and then frees the
		 * PCB without a word, so the socket lets go of it now (as
		 * Linux's, whose socket is closed by then). */
		if (pcb->state == TIME_WAIT || pcb->state == CLOSING) {
			unhook(pcb);
			ls->pcb.tcp = NULL;
		}
	} else if (ls->s && ls->s->shut_rd) {
		tcp_recved(pcb, p->tot_len); /* read side shut: dropped */
		pbuf_free(p);
	} else {
		while (p) { /* keep each piece alone: tot_len is 16 bits */
			struct pbuf *next = p->next;

			p->next = NULL;
			p->tot_len = p->len;
			if (ls->rx_tail)
				ls->rx_tail->next = p;
			else
				ls->rx_head = p;
			ls->rx_tail = p;
			ls->rx_bytes += p->len;
			p = next;
		}
	}
	sock_wake(ls->s);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct lsock *ls = arg;

	(void)pcb;
	(void)len;
	if (ls)
		sock_wake(ls->s);
	return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct lsock *ls = arg;

	(void)pcb;
	(void)err;
	if (!ls)
		return ERR_OK;
	ls->connecting = false;
	ls->established = true;
	if (ls->s)
		ls->s->connected = true;
	sock_wake(ls->s);
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct lsock *l = arg, *c;

	if (err != ERR_OK || !pcb || !l)
		return ERR_VAL;
	c = kzalloc(sizeof(*c));
	if (!c) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	c->type = SOCK_STREAM;
	c->established = true;
	c->listener = l;
	list_init(&c->acceptq);
	list_init(&c->dq);
	hook(c, pcb);
	if (l->s && l->s->nodelay)
		tcp_nagle_disable(pcb);
	if (l->keep[0])
		pcb->keep_idle = l->keep[0];
	if (l->keep[1])
		pcb->keep_intvl = l->keep[1];
	if (l->keep[2])
		pcb->keep_cnt = l->keep[2];
	list_push_back(&l->acceptq, &c->node);
	sock_wake(l->s);
	return ERR_OK;
}

/* ---- the calls ---- */

int ltcp_bind(struct socket *s, const ip_addr_t *ip, uint16_t port)
{
	struct lsock *ls = lsock_of(s);

	if (!ls->pcb.tcp || ls->pcb.tcp->local_port || ls->listening)
		return -EINVAL;
	return lsock_errno(tcp_bind(ls->pcb.tcp, ip, port));
}

int ltcp_listen(struct socket *s, int backlog)
{
	struct lsock *ls = lsock_of(s);
	struct tcp_pcb *lp;
	err_t err;

	if (ls->listening)
		return 0;
	if (!ls->pcb.tcp || ls->established || ls->connecting)
		return -EINVAL;
	if (!ls->pcb.tcp->local_port) {
		err = tcp_bind(ls->pcb.tcp, lsock_any(s), 0);
		if (err)
			return lsock_errno(err);
	}
	unhook(ls->pcb.tcp);
	lp = tcp_listen_with_backlog_and_err(ls->pcb.tcp,
					     (u8_t)MIN(backlog + 1, 255), &err);
	if (!lp) {
		hook(ls, ls->pcb.tcp);
		return lsock_errno(err);
	}
	ls->pcb.tcp = lp;
	ls->listening = true;
	tcp_arg(lp, ls);
	tcp_accept(lp, on_accept);
	return 0;
}

static bool has_conn(struct socket *s, void *arg)
{
	(void)arg;
	return !list_empty(&lsock_of(s)->acceptq) || s->closed;
}

int ltcp_accept(struct socket *s, struct socket *child, unsigned flags,
		struct sockname *peer)
{
	struct lsock *ls = lsock_of(s), *c;
	int err;

	if (!ls->listening)
		return -EINVAL;
	err = lsock_wait(s, flags & O_NONBLOCK, s->rcvtimeo, has_conn, NULL);
	if (err)
		return err;
	if (list_empty(&ls->acceptq))
		return -EAGAIN;
	c = list_entry(list_pop_front(&ls->acceptq), struct lsock, node);
	c->listener = NULL;
	c->s = child;
	child->priv = c;
	child->connected = true;
	child->nodelay = s->nodelay;
	if (c->pcb.tcp) {
		tcp_backlog_accepted(c->pcb.tcp);
		lsock_name(child->family, &c->pcb.tcp->remote_ip,
			   c->pcb.tcp->remote_port, &child->remote);
		lsock_name(child->family, &c->pcb.tcp->local_ip,
			   c->pcb.tcp->local_port, &child->local);
	}
	if (c->err)
		child->error = c->err;
	*peer = child->remote;
	return 0;
}

static bool connect_done(struct socket *s, void *arg)
{
	(void)arg;
	return !lsock_of(s)->connecting;
}

int ltcp_connect(struct socket *s, const struct sockname *a, unsigned flags)
{
	struct lsock *ls = lsock_of(s);
	ip_addr_t ip;
	uint16_t port;
	int err;

	if (ls->listening)
		return -EISCONN;
	if (ls->connecting)
		return -EALREADY;
	if (ls->established)
		return -EISCONN;
	if (ls->err) { /* an earlier non-blocking connect failed */
		err = ls->err;
		ls->err = s->error = 0;
		return -err;
	}
	err = lsock_parse(s, a, &ip, &port);
	if (err)
		return err;
	lsock_unspecified_to_loopback(&ip);
	if (!ls->pcb.tcp)
		return -EINVAL;
	ls->connecting = true;
	err = lsock_errno(tcp_connect(ls->pcb.tcp, &ip, port, on_connected));
	if (err) {
		ls->connecting = false;
		return err;
	}
	lsock_name(s->family, &ip, port, &s->remote);
	err =
	    lsock_wait(s, flags & O_NONBLOCK, s->sndtimeo, connect_done, NULL);
	if (err == -EAGAIN)
		return flags & O_NONBLOCK ? -EINPROGRESS : -ETIMEDOUT;
	if (err)
		return err == -ERESTARTSYS ? -EINTR : err;
	if (ls->err) {
		err = ls->err;
		ls->err = s->error = 0;
		return -err;
	}
	return 0;
}

int ltcp_shutdown(struct socket *s, int how)
{
	struct lsock *ls = lsock_of(s);

	if (ls->listening) {
		s->shut_rd = true;
		return 0;
	}
	if (!ls->established)
		return -ENOTCONN;
	if (how != SHUT_WR)
		s->shut_rd = true;
	if (how != SHUT_RD && !s->shut_wr) {
		s->shut_wr = true;
		if (ls->pcb.tcp)
			return lsock_errno(tcp_shutdown(ls->pcb.tcp, 0, 1));
	}
	return 0;
}

size_t ltcp_unsent(struct lsock *ls)
{
	struct tcp_pcb *p = ls->pcb.tcp;

	return p && !ls->listening ? TCP_SND_BUF - p->snd_buf : 0;
}

static bool can_send(struct socket *s, void *arg)
{
	struct lsock *ls = lsock_of(s);
	struct tcp_pcb *p = ls->pcb.tcp;

	(void)arg;
	return !p || ls->err || s->shut_wr ||
	       (tcp_sndbuf(p) > 0 && tcp_sndqueuelen(p) < TCP_SND_QUEUELEN);
}

/* Queue what fits of m from off: bytes queued, or -errno. */
static long send_some(struct lsock *ls, struct kmsg *m, size_t off,
		      uint8_t *buf, unsigned flags)
{
	struct tcp_pcb *p = ls->pcb.tcp;
	size_t room = tcp_sndbuf(p);
	size_t n = MIN(MIN(m->total - off, room), (size_t)CHUNK);
	u8_t wf = TCP_WRITE_FLAG_COPY;
	int err;

	if (!n || tcp_sndqueuelen(p) >= TCP_SND_QUEUELEN)
		return 0;
	err = kmsg_copy(m, off, buf, n, false);
	if (err)
		return err;
	if (off + n < m->total || (flags & L_MSG_MORE))
		wf |= TCP_WRITE_FLAG_MORE;
	if (tcp_write(p, buf, (u16_t)n, wf) != ERR_OK)
		return 0; /* no room for its segments: wait */
	return (long)n;
}

long ltcp_sendmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	struct lsock *ls = lsock_of(s);
	uint8_t *buf;
	size_t done = 0;
	long r = 0;

	if (!ls->established && !ls->err)
		return ls->connecting ? -EAGAIN : -EPIPE;
	buf = kmalloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	while (done < m->total) {
		if (ls->err) {
			r = -ls->err;
			ls->err = s->error = 0;
			break;
		}
		if (s->shut_wr || !ls->pcb.tcp) {
			r = -EPIPE;
			break;
		}
		r = send_some(ls, m, done, buf, flags);
		if (r < 0)
			break;
		done += (size_t)r;
		if (r)
			continue;
		tcp_output(ls->pcb.tcp);
		r = lsock_wait(s, flags & MSG_DONTWAIT, s->sndtimeo, can_send,
			       NULL);
		if (r)
			break;
	}
	if (ls->pcb.tcp && !ls->cork && !(flags & L_MSG_MORE))
		tcp_output(ls->pcb.tcp);
	kfree(buf);
	return done ? (long)done : r;
}

static bool can_recv(struct socket *s, void *arg)
{
	struct lsock *ls = lsock_of(s);
	size_t want = *(size_t *)arg;

	return ls->rx_bytes >= want || ls->fin || ls->err || s->shut_rd ||
	       !ls->pcb.tcp;
}

/* Copy up to n unread bytes into m from off; consume unless peek. */
static size_t take(struct lsock *ls, struct kmsg *m, size_t off, size_t n,
		   bool peek, int *err)
{
	struct pbuf *p = ls->rx_head;
	size_t pos = ls->rx_off, got = 0;

	while (p && got < n) {
		size_t k = MIN((size_t)p->len - pos, n - got);

		*err = kmsg_copy(m, off + got, (uint8_t *)p->payload + pos, k,
				 true);
		if (*err)
			break;
		got += k;
		pos += k;
		if (pos < p->len)
			break;
		p = p->next;
		pos = 0;
		if (!peek) {
			struct pbuf *h = ls->rx_head;

			ls->rx_head = p;
			h->next = NULL;
			pbuf_free(h);
		}
	}
	if (!peek) {
		if (!ls->rx_head)
			ls->rx_tail = NULL;
		ls->rx_off = ls->rx_head ? pos : 0;
		ls->rx_bytes -= got;
	}
	return got;
}

/* Open the window by what was read; acknowledge at once if an ACK was
 * being delayed (a program that reads is waiting for the next data). */
static void window_update(struct tcp_pcb *p, size_t n)
{
	while (n) {
		u16_t k = (u16_t)MIN(n, 0xffffu);

		tcp_recved(p, k);
		n -= k;
	}
	if (p->flags & TF_ACK_DELAY) {
		tcp_ack_now(p);
		tcp_output(p);
	}
}

long ltcp_recvmsg(struct socket *s, struct kmsg *m, unsigned flags)
{
	struct lsock *ls = lsock_of(s);
	bool peek = flags & MSG_PEEK;
	size_t done = 0;
	int err = 0;

	if (ls->listening || (!ls->established && !ls->err && !ls->fin))
		return -ENOTCONN;
	while (done < m->total || !m->total) {
		/* At least a byte: a read of none waits for data as on
		 * Linux (with MSG_WAITALL it wanted none: it spun). */
		size_t want = (flags & MSG_WAITALL) && !peek && m->total
				  ? m->total - done
				  : 1;
		size_t got;

		if (ls->rx_bytes < want || !ls->rx_bytes) {
			if (done && !(flags & MSG_WAITALL))
				break;
			if (ls->fin || s->shut_rd || !ls->pcb.tcp)
				break;
			if (ls->err)
				break;
			err = lsock_wait(s, flags & MSG_DONTWAIT, s->rcvtimeo,
					 can_recv, &want);
			if (err)
				break;
			if (!ls->rx_bytes)
				continue;
		}
		got = take(ls, m, done, MIN(ls->rx_bytes, m->total - done),
			   peek, &err);
		done += got;
		if (!peek && got && ls->pcb.tcp)
			window_update(ls->pcb.tcp, got);
		if (err || peek || !m->total)
			break;
	}
	if (done)
		return (long)done;
	if (!err && ls->err && !ls->rx_bytes) {
		err = -ls->err;
		ls->err = s->error = 0;
	}
	return err;
}

unsigned ltcp_poll(struct socket *s)
{
	struct lsock *ls = lsock_of(s);
	struct tcp_pcb *p = ls->pcb.tcp;
	unsigned mask = 0;

	if (ls->listening)
		return list_empty(&ls->acceptq) ? 0 : EPOLLIN | EPOLLRDNORM;
	if (s->error)
		mask |= EPOLLERR;
	if (ls->rx_bytes || ls->fin || s->shut_rd)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (ls->fin || s->shut_rd)
		mask |= EPOLLRDHUP;
	if ((ls->fin && s->shut_wr) || (!p && !ls->connecting))
		mask |= EPOLLHUP;
	if (ls->connecting)
		return mask;
	if (!ls->established || s->shut_wr || !p ||
	    (tcp_sndbuf(p) >= TCP_SNDLOWAT &&
	     tcp_sndqueuelen(p) < TCP_SNDQUEUELOWAT))
		mask |= EPOLLOUT | EPOLLWRNORM;
	if (!ls->established && !ls->err && p)
		mask |= EPOLLHUP; /* not connected: Linux's TCP_CLOSE */
	return mask;
}

int ltcp_getname(struct socket *s, bool peer, struct sockname *out)
{
	struct lsock *ls = lsock_of(s);
	struct tcp_pcb *p = ls->pcb.tcp;

	if (peer) {
		/* No PCB: reset, or both ends closed (Linux's TCP_CLOSE). */
		if (!ls->established || !p)
			return -ENOTCONN;
		lsock_name(s->family, &p->remote_ip, p->remote_port,
			   &s->remote);
		*out = s->remote;
		return 0;
	}
	if (p)
		lsock_name(s->family, &p->local_ip, p->local_port, &s->local);
	else if (!s->local.len)
		lsock_name(s->family, lsock_any(s), 0, &s->local);
	*out = s->local;
	return 0;
}

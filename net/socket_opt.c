/*
 * socket_opt.c - socket options (net/): SOL_SOCKET's, here for every
 * family, and the family's own levels through its table (TCP_NODELAY,
 * IPV6_V6ONLY). Buffer sizes are doubled on set as Linux does (the
 * reported value is what the queue may hold, overhead included);
 * SO_RCVTIMEO and SO_SNDTIMEO bound the socket's waits. A family with
 * its own setsockopt/getsockopt has its levels and hears of SOL_SOCKET's
 * (sock_setsockopt and sock_getsockopt, at the end).
 */
#include <keel/errno.h>
#include <keel/socket.h>
#include <keel/string.h>
#include <keel/time.h>

/* The boolean options, kept as bits of s->flags. */
static bool is_flag(int name)
{
	switch (name) {
	case SO_DEBUG:
	case SO_REUSEADDR:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_OOBINLINE:
	case SO_REUSEPORT:
	case SO_PASSCRED:
		return true;
	default:
		return false;
	}
}

/* The SOL_SOCKET options local_setsockopt stores (keep the two alike). */
static bool stored_here(int name)
{
	switch (name) {
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
	case SO_LINGER:
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		return true;
	default:
		return is_flag(name);
	}
}

static int set_timeout(uint64_t *t, const void *val, unsigned len)
{
	struct linux_timeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= (int64_t)USEC_PER_SEC)
		return -EDOM;
	if (tv.tv_sec < 0 || timeval_to_ns(&tv) == INT64_MAX)
		*t = 0; /* none, or too long to matter: no limit */
	else
		*t = (uint64_t)timeval_to_ns(&tv);
	return 0;
}

static unsigned buf_size(int val)
{
	uint64_t v = val < 0 ? 0 : (uint64_t)val;

	v = MIN(v, (uint64_t)SOCK_BUF_MAX) * 2;
	return (unsigned)MAX(v, (uint64_t)SOCK_BUF_MIN);
}

/* The shared path: SOL_SOCKET's, and the family's int options. */
static int local_setsockopt(struct socket *s, int level, int name,
			    const void *val, unsigned len)
{
	int v = 0;

	if (level != SOL_SOCKET) {
		if (len < sizeof(int))
			return -EINVAL;
		memcpy(&v, val, sizeof(v));
		return s->ops->setopt(s, level, name, v);
	}
	if (name == SO_RCVTIMEO || name == SO_SNDTIMEO)
		return set_timeout(name == SO_RCVTIMEO ? &s->rcvtimeo
						       : &s->sndtimeo,
				   val, len);
	if (name == SO_LINGER) {
		if (len < sizeof(s->linger))
			return -EINVAL;
		memcpy(&s->linger, val, sizeof(s->linger));
		s->linger.l_onoff = s->linger.l_onoff != 0;
		return 0;
	}
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (is_flag(name)) {
		if (v)
			s->flags |= 1U << name;
		else
			s->flags &= ~(1U << name);
		return 0;
	}
	switch (name) {
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		s->sndbuf = buf_size(v);
		return 0;
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		s->rcvbuf = buf_size(v);
		sock_wake(s);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/* An int-valued SOL_SOCKET option. */
static int int_opt(struct socket *s, int name, int *v)
{
	if (is_flag(name)) {
		*v = sock_flag(s, name);
		return 0;
	}
	switch (name) {
	case SO_TYPE:
		*v = s->type;
		break;
	case SO_DOMAIN:
		*v = s->family;
		break;
	case SO_PROTOCOL:
		*v = s->protocol;
		break;
	case SO_ERROR:
		*v = s->error;
		s->error = 0;
		break;
	case SO_ACCEPTCONN:
		*v = s->listening;
		break;
	case SO_SNDBUF:
		*v = (int)s->sndbuf;
		break;
	case SO_RCVBUF:
		*v = (int)s->rcvbuf;
		break;
	default:
		return -ENOPROTOOPT;
	}
	return 0;
}

static int local_getsockopt(struct socket *s, int level, int name, void *val,
			    unsigned *len)
{
	union {
		int i;
		struct linux_timeval tv;
		struct linux_linger l;
		struct linux_ucred cred;
	} u;
	unsigned n = sizeof(int);
	int err = 0;

	memset(&u, 0, sizeof(u));
	if (level != SOL_SOCKET) {
		err = s->ops->getopt(s, level, name, &u.i);
	} else if (name == SO_RCVTIMEO || name == SO_SNDTIMEO) {
		uint64_t t = name == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo;

		u.tv = ns_to_timeval((int64_t)t);
		n = sizeof(u.tv);
	} else if (name == SO_LINGER) {
		u.l = s->linger;
		n = sizeof(u.l);
	} else if (name == SO_PEERCRED) {
		if (s->family == AF_UNIX && s->connected)
			u.cred = s->peer ? s->peer->cred : s->cred;
		else
			u.cred = (struct linux_ucred){ 0, (uint32_t)-1,
						       (uint32_t)-1 };
		n = sizeof(u.cred);
	} else {
		err = int_opt(s, name, &u.i);
	}
	if (err)
		return err;
	*len = MIN(*len, n);
	memcpy(val, &u, *len);
	return 0;
}

int sock_setsockopt(struct socket *s, int level, int name, const void *val,
		    unsigned len)
{
	int (*fam)(struct socket *, int, int, const void *, unsigned) =
	    s->ops->setsockopt;
	unsigned n = MIN(len, SOCK_OPT_MAX);
	int err;

	if (!fam)
		return local_setsockopt(s, level, name, val, len);
	if (level != SOL_SOCKET || !stored_here(name)) /* the family's own */
		return fam(s, level, name, val, n);
	err = local_setsockopt(s, level, name, val, len);
	if (err)
		return err;
	err = fam(s, level, name, val, n); /* stored: the family applies it */
	return err == -ENOPROTOOPT ? 0 : err;
}

int sock_getsockopt(struct socket *s, int level, int name, void *val,
		    unsigned *len)
{
	unsigned room = MIN(*len, SOCK_OPT_MAX);
	int err = -ENOPROTOOPT;

	if (!s->ops->getsockopt)
		return local_getsockopt(s, level, name, val, len);
	if (level == SOL_SOCKET)
		err = local_getsockopt(s, level, name, val, len);
	if (err != -ENOPROTOOPT)
		return err;
	err = s->ops->getsockopt(s, level, name, val, &room);
	if (!err)
		*len = MIN(room, MIN(*len, SOCK_OPT_MAX));
	return err;
}

/*
 * client.c - the 9P2000.L client (fs/9p): messages built into a buffer of
 * their exact size and sent over a channel (include/keel/p9chan.h), and
 * replies parsed with a bounds check on every field: a reply whose type
 * is neither the request's answer nor Rlerror, or that ends before its
 * fields do (or has bytes left over), is -EIO, counted and logged once,
 * and nothing in it is used. Rlerror's code becomes -errno.
 */
#include <stdarg.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/p9chan.h>
#include <keel/printk.h>
#include <keel/string.h>

#include "9p.h"

#define HDR 7 /* size[4] type[1] tag[2] */
#define QID_LEN 13
#define ERRNO_MAX 4095
#define SMALL_REPLY \
	256 /* enough for every reply but read, readdir and
			   readlink */

/* A message being built (t) or parsed (r). */
struct msg {
	uint8_t *buf;
	size_t len, pos; /* built: capacity and end; parsed: length, cursor */
	bool bad; /* a field past the end */
};

/* ---- building ---- */

static void put(struct msg *m, const void *p, size_t n)
{
	if (m->pos + n > m->len) {
		m->bad = true;
		return;
	}
	memcpy(m->buf + m->pos, p, n);
	m->pos += n;
}

static void put8(struct msg *m, uint8_t v)
{
	put(m, &v, 1);
}

static void put16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(m, b, 2);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, (uint16_t)v);
	put16(m, (uint16_t)(v >> 16));
}

static void put64(struct msg *m, uint64_t v)
{
	put32(m, (uint32_t)v);
	put32(m, (uint32_t)(v >> 32));
}

static void putstr(struct msg *m, const char *s, size_t n)
{
	if (n > 0xffff) {
		m->bad = true;
		return;
	}
	put16(m, (uint16_t)n);
	put(m, s, n);
}

/*
 * A request of type whose fields fmt lists: 'w' a u16 (int), 'd' a u32
 * (unsigned), 'q' a u64 (uint64_t), 's' a string (const char *, size_t),
 * 'r' raw bytes (const void *, size_t). 0, -ENAMETOOLONG (bigger than
 * msize: only names make one that big), -ENOMEM.
 */
static int request(struct p9_client *c, struct msg *t, uint8_t type,
		   const char *fmt, ...)
{
	size_t body = 0;
	uint16_t tag;
	va_list ap;

	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		switch (*f) {
		case 'w':
			(void)va_arg(ap, int);
			body += 2;
			break;
		case 'd':
			(void)va_arg(ap, unsigned);
			body += 4;
			break;
		case 'q':
			(void)va_arg(ap, uint64_t);
			body += 8;
			break;
		default: /* 's', 'r' */
			(void)va_arg(ap, const void *);
			body += va_arg(ap, size_t) + (*f == 's' ? 2 : 0);
		}
	}
	va_end(ap);
	if (HDR + body > c->msize)
		return -ENAMETOOLONG;
	t->buf = kmalloc(HDR + body);
	if (!t->buf)
		return -ENOMEM;
	t->len = HDR + body;
	t->pos = 0;
	t->bad = false;
	tag = type == P9_TVERSION ? P9_NOTAG : c->next_tag++;
	if (c->next_tag == P9_NOTAG)
		c->next_tag = 0;
	put32(t, (uint32_t)t->len);
	put8(t, type);
	put16(t, tag);
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		const void *p;

		switch (*f) {
		case 'w':
			put16(t, (uint16_t)va_arg(ap, int));
			break;
		case 'd':
			put32(t, va_arg(ap, unsigned));
			break;
		case 'q':
			put64(t, va_arg(ap, uint64_t));
			break;
		case 's':
			p = va_arg(ap, const void *);
			putstr(t, p, va_arg(ap, size_t));
			break;
		default:
			p = va_arg(ap, const void *);
			put(t, p, va_arg(ap, size_t));
		}
	}
	va_end(ap);
	return 0;
}

/* ---- parsing ---- */

static const uint8_t *get(struct msg *m, size_t n)
{
	const uint8_t *p = m->buf + m->pos;

	if (m->bad || n > m->len - m->pos) {
		m->bad = true;
		return NULL;
	}
	m->pos += n;
	return p;
}

static uint8_t get8(struct msg *m)
{
	const uint8_t *p = get(m, 1);

	return p ? p[0] : 0;
}

static uint16_t get16(struct msg *m)
{
	const uint8_t *p = get(m, 2);

	return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

static uint32_t get32(struct msg *m)
{
	uint32_t lo = get16(m);

	return lo | (uint32_t)get16(m) << 16;
}

static uint64_t get64(struct msg *m)
{
	uint64_t lo = get32(m);

	return lo | (uint64_t)get32(m) << 32;
}

/* A string: a pointer into the reply (not NUL-ended) and its length. */
static const char *getstr(struct msg *m, size_t *len)
{
	*len = get16(m);
	return (const char *)get(m, *len);
}

static void getqid(struct msg *m, struct p9_qid *q)
{
	q->type = get8(m);
	q->version = get32(m);
	q->path = get64(m);
}

/* Seconds and nanoseconds as nanoseconds since 1970, clamped. */
static int64_t get_time(struct msg *m)
{
	uint64_t s = get64(m), ns = get64(m);

	if (s > (uint64_t)INT64_MAX / 1000000000 - 1)
		s = (uint64_t)INT64_MAX / 1000000000 - 1;
	return (int64_t)(s * 1000000000 + MIN(ns, 999999999ULL));
}

static int malformed(struct p9_client *c, const struct msg *r, uint8_t type)
{
	c->bad_replies++;
	if (!c->warned)
		printk("9p: malformed reply to message type %u (%zu bytes, "
		       "type %u); failed with EIO, counted, logged once\n",
		       type, r->len, r->len > 4 ? r->buf[4] : 0);
	c->warned = true;
	return -EIO;
}

/*
 * Send t (freed) and take the reply into r (a buffer of replen bytes the
 * caller frees with end): 0 with r->pos after the header, -errno of an
 * Rlerror, -EIO for a reply of any other type than t's plus one.
 */
static int rpc(struct p9_client *c, struct msg *t, size_t replen, struct msg *r)
{
	uint8_t type = t->buf[4];
	long n;

	r->buf = NULL;
	if (t->bad || t->pos != t->len) {
		kfree(t->buf);
		return -EINVAL;
	}
	replen = MIN(replen, (size_t)c->msize);
	r->buf = kmalloc(replen);
	if (!r->buf) {
		kfree(t->buf);
		return -ENOMEM;
	}
	n = p9chan_rpc(c->ch, t->buf, t->len, r->buf, replen);
	kfree(t->buf);
	t->buf = NULL;
	if (n < 0)
		return (int)n;
	r->len = (size_t)n;
	r->pos = HDR;
	r->bad = n < HDR;
	if (r->bad)
		return malformed(c, r, type);
	if (r->buf[4] == P9_RLERROR) {
		uint32_t e = get32(r);

		if (r->bad || r->pos != r->len || !e || e > ERRNO_MAX)
			return malformed(c, r, type);
		return -(int)e;
	}
	if (r->buf[4] != type + 1)
		return malformed(c, r, type);
	return 0;
}

/* After parsing: every field was there and nothing is left over. */
static int end(struct p9_client *c, struct msg *r, uint8_t type, int err)
{
	if (!err && (r->bad || r->pos != r->len))
		err = malformed(c, r, type);
	kfree(r->buf);
	r->buf = NULL;
	return err;
}

/* A request answered by an empty reply, or by a qid alone. */
static int simple(struct p9_client *c, struct msg *t, struct p9_qid *qid)
{
	uint8_t type = t->buf[4];
	struct msg r;
	int err = rpc(c, t, SMALL_REPLY, &r);

	if (!err && qid)
		getqid(&r, qid);
	return end(c, &r, type, err);
}

/* ---- messages ---- */

uint32_t p9_fid_alloc(struct p9_client *c)
{
	uint32_t fid = c->next_fid++;

	if (c->next_fid == P9_NOFID)
		c->next_fid = 1;
	return fid;
}

uint32_t p9_io_max(const struct p9_client *c)
{
	return c->msize - (HDR + 4 + 8 + 4); /* Twrite's header */
}

int p9_version(struct p9_client *c, uint32_t msize)
{
	size_t vlen = strlen(P9_VERSION), len;
	struct msg t, r = { 0 };
	const char *v;
	uint32_t got;
	bool same;
	int err;

	c->msize = P9_MSIZE_MIN;
	err = request(c, &t, P9_TVERSION, "ds", msize, P9_VERSION, vlen);
	if (!err)
		err = rpc(c, &t, SMALL_REPLY, &r);
	if (err)
		return end(c, &r, P9_TVERSION, err);
	got = get32(&r);
	v = getstr(&r, &len);
	same = v && len == vlen && !memcmp(v, P9_VERSION, vlen);
	err = end(c, &r, P9_TVERSION, 0);
	if (err)
		return err;
	if (!same || got < P9_MSIZE_MIN || got > msize)
		return -EPROTONOSUPPORT; /* not 9P2000.L, or a bad msize */
	c->msize = got;
	return 0;
}

int p9_attach(struct p9_client *c, uint32_t fid, const char *uname,
	      const char *aname, uint32_t n_uname, struct p9_qid *qid)
{
	struct msg t;
	int err = request(c, &t, P9_TATTACH, "ddssd", fid, P9_NOFID, uname,
			  strlen(uname), aname, strlen(aname), n_uname);

	return err ? err : simple(c, &t, qid);
}

int p9_walk(struct p9_client *c, uint32_t fid, uint32_t newfid,
	    const char *name, size_t len, struct p9_qid *qid)
{
	struct msg t, r = { 0 };
	uint16_t n;
	int err =
	    name ? request(c, &t, P9_TWALK, "ddws", fid, newfid, 1, name, len)
		 : request(c, &t, P9_TWALK, "ddw", fid, newfid, 0);

	if (!err)
		err = rpc(c, &t, SMALL_REPLY, &r);
	if (!err) {
		n = get16(&r);
		if (n > (name ? 1 : 0))
			r.bad = true; /* more qids than names */
		else if (name && n == 1)
			getqid(&r, qid);
		else if (name)
			err = -ENOENT; /* newfid was not made */
	}
	return end(c, &r, P9_TWALK, err);
}

int p9_getattr(struct p9_client *c, uint32_t fid, struct p9_attr *a)
{
	struct msg t, r = { 0 };
	int err = request(c, &t, P9_TGETATTR, "dq", fid, P9_GETATTR_BASIC);

	if (!err)
		err = rpc(c, &t, SMALL_REPLY, &r);
	if (!err) {
		a->valid = get64(&r);
		getqid(&r, &a->qid);
		a->mode = get32(&r);
		a->uid = get32(&r);
		a->gid = get32(&r);
		a->nlink = get64(&r);
		a->rdev = get64(&r);
		a->size = get64(&r);
		a->blksize = get64(&r);
		a->blocks = get64(&r);
		a->atime_ns = get_time(&r);
		a->mtime_ns = get_time(&r);
		a->ctime_ns = get_time(&r);
		get_time(&r); /* btime */
		get64(&r); /* gen */
		get64(&r); /* data_version */
	}
	return end(c, &r, P9_TGETATTR, err);
}

int p9_setattr(struct p9_client *c, uint32_t fid, const struct p9_setattr *s)
{
	struct msg t;
	int err = request(c, &t, P9_TSETATTR, "dddddqqqqq", fid, s->valid,
			  s->mode, s->uid, s->gid, s->size,
			  (uint64_t)(s->atime_ns / 1000000000),
			  (uint64_t)(s->atime_ns % 1000000000),
			  (uint64_t)(s->mtime_ns / 1000000000),
			  (uint64_t)(s->mtime_ns % 1000000000));

	return err ? err : simple(c, &t, NULL);
}

/* Rlopen and Rlcreate: qid[13] iounit[4]. */
static int opened(struct p9_client *c, struct msg *t, struct p9_qid *qid,
		  uint32_t *iounit)
{
	uint8_t type = t->buf[4];
	struct p9_qid q;
	uint32_t io;
	struct msg r;
	int err = rpc(c, t, SMALL_REPLY, &r);

	if (!err) {
		getqid(&r, qid ? qid : &q);
		io = get32(&r);
		if (iounit)
			*iounit = io;
	}
	return end(c, &r, type, err);
}

int p9_lopen(struct p9_client *c, uint32_t fid, uint32_t flags,
	     uint32_t *iounit)
{
	struct msg t;
	int err = request(c, &t, P9_TLOPEN, "dd", fid, flags);

	return err ? err : opened(c, &t, NULL, iounit);
}

int p9_lcreate(struct p9_client *c, uint32_t fid, const char *name, size_t len,
	       uint32_t flags, uint32_t mode, uint32_t gid, struct p9_qid *qid)
{
	struct msg t;
	int err = request(c, &t, P9_TLCREATE, "dsddd", fid, name, len, flags,
			  mode, gid);

	return err ? err : opened(c, &t, qid, NULL);
}

long p9_read(struct p9_client *c, uint32_t fid, uint64_t off, uint32_t count,
	     void *buf)
{
	struct msg t, r = { 0 };
	uint32_t n = 0;
	const uint8_t *data;
	int err;

	count = MIN(count, p9_io_max(c));
	err = request(c, &t, P9_TREAD, "dqd", fid, off, count);
	if (!err)
		err = rpc(c, &t, HDR + 4 + (size_t)count, &r);
	if (!err) {
		n = get32(&r);
		if (n > count)
			r.bad = true;
		else if ((data = get(&r, n)) != NULL)
			memcpy(buf, data, n);
	}
	err = end(c, &r, P9_TREAD, err);
	return err ? err : (long)n;
}

long p9_write(struct p9_client *c, uint32_t fid, uint64_t off, uint32_t count,
	      const void *buf)
{
	struct msg t, r = { 0 };
	uint32_t n = 0;
	int err;

	count = MIN(count, p9_io_max(c));
	err = request(c, &t, P9_TWRITE, "dqdr", fid, off, count, buf,
		      (size_t)count);
	if (!err)
		err = rpc(c, &t, SMALL_REPLY, &r);
	if (!err) {
		n = get32(&r);
		if (n > count)
			r.bad = true; /* more written than sent */
	}
	err = end(c, &r, P9_TWRITE, err);
	return err ? err : (long)n;
}

int p9_readdir(struct p9_client *c, uint32_t fid, uint64_t off, uint32_t count,
	       p9_dirent_fn fn, void *arg)
{
	struct msg t, r = { 0 }, d;
	bool more = true;
	int err;

	count = MIN(count, c->msize - (HDR + 4));
	err = request(c, &t, P9_TREADDIR, "dqd", fid, off, count);
	if (!err)
		err = rpc(c, &t, HDR + 4 + (size_t)count, &r);
	if (err)
		return end(c, &r, P9_TREADDIR, err);
	d.len = get32(&r);
	d.buf = (uint8_t *)get(&r, d.len);
	d.pos = 0;
	d.bad = !d.buf || d.len > count;
	if (!d.bad && !d.len)
		more = false;
	/* Each entry is parsed whole before it is handed on. */
	while (!d.bad && d.pos < d.len) {
		struct p9_qid q;
		uint64_t next;
		uint8_t type;
		size_t nlen;
		const char *name;

		getqid(&d, &q);
		next = get64(&d);
		type = get8(&d);
		name = getstr(&d, &nlen);
		if (d.bad || !fn(arg, &q, next, type, name, nlen))
			break;
	}
	if (d.bad)
		r.bad = true;
	err = end(c, &r, P9_TREADDIR, 0);
	return err ? err : more;
}

int p9_mkdir(struct p9_client *c, uint32_t dfid, const char *name, size_t len,
	     uint32_t mode, uint32_t gid, struct p9_qid *qid)
{
	struct msg t;
	int err = request(c, &t, P9_TMKDIR, "dsdd", dfid, name, len, mode, gid);

	return err ? err : simple(c, &t, qid);
}

int p9_unlinkat(struct p9_client *c, uint32_t dfid, const char *name,
		size_t len, uint32_t flags)
{
	struct msg t;
	int err = request(c, &t, P9_TUNLINKAT, "dsd", dfid, name, len, flags);

	return err ? err : simple(c, &t, NULL);
}

int p9_renameat(struct p9_client *c, uint32_t ofid, const char *oname,
		size_t olen, uint32_t nfid, const char *nname, size_t nlen)
{
	struct msg t;
	int err = request(c, &t, P9_TRENAMEAT, "dsds", ofid, oname, olen, nfid,
			  nname, nlen);

	return err ? err : simple(c, &t, NULL);
}

int p9_symlink(struct p9_client *c, uint32_t dfid, const char *name, size_t len,
	       const char *target, uint32_t gid, struct p9_qid *qid)
{
	struct msg t;
	int err = request(c, &t, P9_TSYMLINK, "dssd", dfid, name, len, target,
			  strlen(target), gid);

	return err ? err : simple(c, &t, qid);
}

int p9_mknod(struct p9_client *c, uint32_t dfid, const char *name, size_t len,
	     uint32_t mode, uint32_t major, uint32_t minor, uint32_t gid,
	     struct p9_qid *qid)
{
	struct msg t;
	int err = request(c, &t, P9_TMKNOD, "dsdddd", dfid, name, len, mode,
			  major, minor, gid);

	return err ? err : simple(c, &t, qid);
}

long p9_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t len)
{
	struct msg t, r = { 0 };
	const char *s;
	size_t n = 0;
	int err = request(c, &t, P9_TREADLINK, "d", fid);

	if (!err)
		err = rpc(c, &t, HDR + 2 + 4096, &r);
	if (!err) {
		s = getstr(&r, &n);
		if (s) {
			n = MIN(n, len);
			memcpy(buf, s, n);
		}
	}
	err = end(c, &r, P9_TREADLINK, err);
	return err ? err : (long)n;
}

int p9_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name,
	    size_t len)
{
	struct msg t;
	int err = request(c, &t, P9_TLINK, "dds", dfid, fid, name, len);

	return err ? err : simple(c, &t, NULL);
}

int p9_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *st)
{
	struct msg t, r = { 0 };
	int err = request(c, &t, P9_TSTATFS, "d", fid);

	if (!err)
		err = rpc(c, &t, SMALL_REPLY, &r);
	if (!err) {
		st->type = get32(&r);
		st->bsize = get32(&r);
		st->blocks = get64(&r);
		st->bfree = get64(&r);
		st->bavail = get64(&r);
		st->files = get64(&r);
		st->ffree = get64(&r);
		st->fsid = get64(&r);
		st->namelen = get32(&r);
	}
	return end(c, &r, P9_TSTATFS, err);
}

int p9_fsync(struct p9_client *c, uint32_t fid, bool datasync)
{
	struct msg t;
	int err = request(c, &t, P9_TFSYNC, "dd", fid, (unsigned)datasync);

	return err ? err : simple(c, &t, NULL);
}

int p9_clunk(struct p9_client *c, uint32_t fid)
{
	struct msg t;
	int err = request(c, &t, P9_TCLUNK, "d", fid);

	return err ? err : simple(c, &t, NULL);
}

void p9_clunk_nowait(struct p9_client *c, uint32_t fid)
{
	struct msg t;

	if (request(c, &t, P9_TCLUNK, "d", fid))
		return; /* no memory: the server keeps the fid, unused */
	p9chan_post(c->ch, t.buf, t.len);
}

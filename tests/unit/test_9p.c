/*
 * test_9p.c - the 9P2000.L client (fs/9p/client.c) and the channel
 * registry (kernel/p9chan.c) against a server played here: each request's
 * bytes are checked field by field, and replies are built by hand,
 * well-formed and hostile (a reply cut short or with bytes left over,
 * the wrong type, an Rlerror code out of range, more qids than names, a
 * read count beyond the request or the reply, a directory entry whose
 * name runs past its data): each hostile one is -EIO, counted, and
 * nothing of it is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/errno.h>
#include <keel/p9chan_driver.h>
#include "../../fs/9p/9p.h"
#include "unit.h"

/* ---- the server: the last request, and the reply to give ---- */

static uint8_t req[65536], rep[65536];
static size_t reqlen, replen;
static int submits;

/* The reply under construction. */
static void r_put(const void *p, size_t n)
{
	memcpy(rep + replen, p, n);
	replen += n;
}
static void r8(uint8_t v)
{
	r_put(&v, 1);
}
static void r16(uint16_t v)
{
	r_put(&v, 2); /* the host is little-endian, as 9P */
}
static void r32(uint32_t v)
{
	r_put(&v, 4);
}
static void r64(uint64_t v)
{
	r_put(&v, 8);
}
static void rstr(const char *s)
{
	r16((uint16_t)strlen(s));
	r_put(s, strlen(s));
}
static void rqid(uint8_t type, uint64_t path)
{
	r8(type);
	r32(7);
	r64(path);
}
/* Start a reply of type; its tag is taken from the request at submit. */
static void r_start(uint8_t type)
{
	replen = 0;
	r32(0);
	r8(type);
	r16(0);
}

static int fake_submit(struct p9chan *ch, struct p9chan_request *rq)
{
	uint32_t size = (uint32_t)replen;

	(void)ch;
	submits++;
	assert_true(rq->reqlen <= sizeof(req));
	memcpy(req, rq->req, rq->reqlen);
	reqlen = rq->reqlen;
	memcpy(rep, &size, 4);
	memcpy(rep + 5, (const uint8_t *)rq->req + 5, 2); /* the tag */
	if (replen > rq->replen) {
		rq->done(rq, -EIO);
		return 0;
	}
	memcpy(rq->rep, rep, replen);
	rq->done(rq, (long)replen);
	return 0;
}

static const struct p9chan_ops fake_ops = { .submit = fake_submit };
static struct p9chan chan = { .tag = "test0", .msize = 8192, .ops = &fake_ops };
static struct p9_client cl;

/* The request's fields, read back. */
static size_t at;
static uint32_t q8(void)
{
	return req[at++];
}
static uint32_t q16(void)
{
	uint16_t v;
	memcpy(&v, req + at, 2);
	at += 2;
	return v;
}
static uint32_t q32(void)
{
	uint32_t v;
	memcpy(&v, req + at, 4);
	at += 4;
	return v;
}
static uint64_t q64(void)
{
	uint64_t v;
	memcpy(&v, req + at, 8);
	at += 8;
	return v;
}
static void qstr(const char *want)
{
	size_t n = q16();

	assert_int_equal(n, strlen(want));
	assert_memory_equal(req + at, want, n);
	at += n;
}
/* The header: the size field is the length, the type as asked. */
static void qhdr(uint8_t type)
{
	at = 0;
	assert_int_equal(q32(), reqlen);
	assert_int_equal(q8(), type);
	q16();
}

static int setup(void **state)
{
	(void)state;
	if (!p9chan_find("test0"))
		assert_int_equal(p9chan_register(&chan), 0);
	memset(&cl, 0, sizeof(cl));
	cl.ch = p9chan_find("test0");
	cl.msize = 8192;
	cl.next_fid = 1;
	return 0;
}

/* ---- the registry ---- */

static void test_registry(void **state)
{
	struct p9chan dup = { .tag = "test0", .msize = 8192, .ops = &fake_ops };
	struct p9chan small = { .tag = "x", .msize = 100, .ops = &fake_ops };
	uint8_t m[16] = { 9, 0, 0, 0, 120, 1, 0, 0, 0 }, r[64];

	(void)state;
	assert_int_equal(p9chan_register(&dup), -EEXIST);
	assert_int_equal(p9chan_register(&small), -EINVAL);
	assert_null(p9chan_find("nosuch"));
	assert_int_equal(p9chan_msize(&chan), 8192);
	/* A request whose size field is not its length is refused. */
	assert_int_equal(p9chan_rpc(&chan, m, 10, r, sizeof(r)), -EINVAL);
	assert_int_equal(p9chan_rpc(&chan, m, 5, r, sizeof(r)), -EINVAL);
	/* Posted: sent at once; the reply is dropped. */
	r_start(121);
	submits = 0;
	p9_clunk_nowait(&cl, 5);
	assert_int_equal(submits, 1);
	qhdr(120);
	assert_int_equal(q32(), 5);
}

/* ---- version and attach ---- */

static void test_version(void **state)
{
	(void)state;
	r_start(101);
	r32(4096 + 100);
	rstr("9P2000.L");
	assert_int_equal(p9_version(&cl, 8192), 0);
	assert_int_equal(cl.msize, 4196);
	qhdr(100);
	assert_int_equal(req[5] | req[6] << 8, P9_NOTAG);
	assert_int_equal(q32(), 8192);
	qstr("9P2000.L");
	assert_int_equal(at, reqlen);

	r_start(101); /* another dialect */
	r32(8192);
	rstr("9P2000");
	assert_int_equal(p9_version(&cl, 8192), -EPROTONOSUPPORT);
	r_start(101); /* more than asked */
	r32(9000);
	rstr("9P2000.L");
	assert_int_equal(p9_version(&cl, 8192), -EPROTONOSUPPORT);
	assert_int_equal(cl.bad_replies, 0);
}

static void test_attach(void **state)
{
	struct p9_qid q;

	(void)state;
	r_start(105);
	rqid(0x80, 42);
	assert_int_equal(p9_attach(&cl, 3, "root", "", 0, &q), 0);
	assert_int_equal(q.type, 0x80);
	assert_int_equal(q.path, 42);
	qhdr(104);
	assert_int_equal(q32(), 3);
	assert_int_equal(q32(), P9_NOFID);
	qstr("root");
	qstr("");
	assert_int_equal(q32(), 0);
	assert_int_equal(at, reqlen);
}

/* ---- walk, getattr, errors ---- */

static void test_walk(void **state)
{
	struct p9_qid q = { 0 };

	(void)state;
	r_start(111);
	r16(1);
	rqid(0, 77);
	assert_int_equal(p9_walk(&cl, 1, 2, "file", 4, &q), 0);
	assert_int_equal(q.path, 77);
	qhdr(110);
	assert_int_equal(q32(), 1);
	assert_int_equal(q32(), 2);
	assert_int_equal(q16(), 1);
	qstr("file");
	assert_int_equal(at, reqlen);

	r_start(111); /* a clone: no names, no qids */
	r16(0);
	assert_int_equal(p9_walk(&cl, 1, 2, NULL, 0, NULL), 0);
	r_start(111); /* the name was not walked */
	r16(0);
	assert_int_equal(p9_walk(&cl, 1, 2, "x", 1, &q), -ENOENT);

	/* Hostile: more qids than names; a qid cut short. */
	q.path = 5;
	r_start(111);
	r16(2);
	rqid(0, 1);
	rqid(0, 2);
	assert_int_equal(p9_walk(&cl, 1, 2, "x", 1, &q), -EIO);
	r_start(111);
	r16(1);
	r8(0);
	r32(0);
	assert_int_equal(p9_walk(&cl, 1, 2, "x", 1, &q), -EIO);
	assert_int_equal(cl.bad_replies, 2);
}

static void getattr_reply(size_t cut, bool extra)
{
	size_t full;

	r_start(25);
	r64(0x7ff);
	rqid(0, 9);
	r32(0100644);
	r32(1000);
	r32(100);
	r64(2);
	r64(0);
	r64(12345);
	r64(4096);
	r64(24);
	for (int i = 0; i < 8; i++)
		r64((uint64_t)i + 1); /* a/m/c/b times */
	r64(0);
	r64(0);
	full = replen;
	if (extra)
		r8(0);
	replen = full + (extra ? 1 : 0) - cut;
}

static void test_getattr(void **state)
{
	struct p9_attr a;

	(void)state;
	getattr_reply(0, false);
	assert_int_equal(p9_getattr(&cl, 4, &a), 0);
	assert_int_equal(a.mode, 0100644);
	assert_int_equal(a.uid, 1000);
	assert_int_equal(a.nlink, 2);
	assert_int_equal(a.size, 12345);
	assert_int_equal(a.qid.path, 9);
	assert_int_equal(a.atime_ns, 1000000002);
	assert_int_equal(a.mtime_ns, 3000000004);
	qhdr(24);
	assert_int_equal(q32(), 4);
	assert_int_equal(q64(), P9_GETATTR_BASIC);

	getattr_reply(1, false); /* one byte short */
	assert_int_equal(p9_getattr(&cl, 4, &a), -EIO);
	getattr_reply(0, true); /* one byte left over */
	assert_int_equal(p9_getattr(&cl, 4, &a), -EIO);
	assert_int_equal(cl.bad_replies, 2);
}

static void test_errors(void **state)
{
	(void)state;
	r_start(7);
	r32(ENOENT);
	assert_int_equal(p9_clunk(&cl, 1), -ENOENT);
	r_start(7);
	r32(EACCES);
	assert_int_equal(p9_unlinkat(&cl, 1, "a", 1, 0), -EACCES);
	assert_int_equal(cl.bad_replies, 0);
	/* Hostile: no code, code 0, code out of range, the wrong type,
	 * shorter than a header. */
	r_start(7);
	assert_int_equal(p9_clunk(&cl, 1), -EIO);
	r_start(7);
	r32(0);
	assert_int_equal(p9_clunk(&cl, 1), -EIO);
	r_start(7);
	r32(100000);
	assert_int_equal(p9_clunk(&cl, 1), -EIO);
	r_start(119); /* Rwrite for Tclunk */
	r32(1);
	assert_int_equal(p9_clunk(&cl, 1), -EIO);
	assert_int_equal(cl.bad_replies, 4);
	assert_true(cl.warned);
}

/* ---- data ---- */

static void test_read_write(void **state)
{
	char buf[64] = { 0 };

	(void)state;
	r_start(117);
	r32(5);
	r_put("hello", 5);
	assert_int_equal(p9_read(&cl, 6, 100, 32, buf), 5);
	assert_memory_equal(buf, "hello", 5);
	qhdr(116);
	assert_int_equal(q32(), 6);
	assert_int_equal(q64(), 100);
	assert_int_equal(q32(), 32);

	/* Hostile: more than asked; a count beyond the bytes there. */
	memset(buf, 0, sizeof(buf));
	r_start(117);
	r32(40);
	for (int i = 0; i < 32; i++)
		r8('x');
	assert_int_equal(p9_read(&cl, 6, 0, 32, buf), -EIO);
	r_start(117);
	r32(20);
	r_put("short", 5);
	assert_int_equal(p9_read(&cl, 6, 0, 32, buf), -EIO);
	assert_int_equal(buf[0], 0); /* nothing of them was copied */

	r_start(119);
	r32(3);
	assert_int_equal(p9_write(&cl, 6, 8, 3, "abc"), 3);
	qhdr(118);
	assert_int_equal(q32(), 6);
	assert_int_equal(q64(), 8);
	assert_int_equal(q32(), 3);
	assert_memory_equal(req + at, "abc", 3);
	r_start(119); /* more written than sent */
	r32(4);
	assert_int_equal(p9_write(&cl, 6, 8, 3, "abc"), -EIO);
	/* A big write is cut to what one message carries. */
	static char big[10000];
	r_start(119);
	r32(p9_io_max(&cl));
	assert_int_equal(p9_write(&cl, 6, 0, sizeof(big), big), p9_io_max(&cl));
	assert_int_equal(reqlen, cl.msize);
	assert_int_equal(cl.bad_replies, 3);
}

struct seen {
	int n;
	char names[8][16];
	uint64_t next[8];
};

static bool collect(void *arg, const struct p9_qid *qid, uint64_t next,
		    uint8_t type, const char *name, size_t len)
{
	struct seen *s = arg;

	(void)qid;
	(void)type;
	assert_true(len < 16 && s->n < 8);
	memcpy(s->names[s->n], name, len);
	s->names[s->n][len] = '\0';
	s->next[s->n++] = next;
	return true;
}

static void dirent(uint64_t path, uint64_t next, const char *name)
{
	rqid(0, path);
	r64(next);
	r8(8);
	rstr(name);
}

static void test_readdir(void **state)
{
	struct seen s = { 0 };
	size_t count_at;

	(void)state;
	r_start(41);
	count_at = replen;
	r32(0);
	dirent(1, 10, "a");
	dirent(2, 20, "bb");
	uint32_t n = (uint32_t)(replen - count_at - 4);
	memcpy(rep + count_at, &n, 4);
	assert_int_equal(p9_readdir(&cl, 5, 0, 4096, collect, &s), 1);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.names[1], "bb");
	assert_int_equal(s.next[1], 20);
	qhdr(40);
	assert_int_equal(q32(), 5);
	assert_int_equal(q64(), 0);
	assert_int_equal(q32(), 4096);

	r_start(41); /* the end */
	r32(0);
	assert_int_equal(p9_readdir(&cl, 5, 20, 4096, collect, &s), 0);

	/* Hostile: a name whose length runs past the entries' data. */
	memset(&s, 0, sizeof(s));
	r_start(41);
	count_at = replen;
	r32(0);
	dirent(1, 10, "a");
	rqid(0, 2);
	r64(20);
	r8(8);
	r16(200);
	r_put("zz", 2);
	n = (uint32_t)(replen - count_at - 4);
	memcpy(rep + count_at, &n, 4);
	assert_int_equal(p9_readdir(&cl, 5, 0, 4096, collect, &s), -EIO);
	assert_int_equal(s.n, 1); /* the whole first entry, not the second */
	/* Hostile: a data count beyond the reply. */
	r_start(41);
	r32(1000);
	dirent(1, 10, "a");
	assert_int_equal(p9_readdir(&cl, 5, 0, 4096, collect, &s), -EIO);
	assert_int_equal(cl.bad_replies, 2);
}

static void test_names(void **state)
{
	struct p9_qid q;
	char buf[8];
	char *huge = malloc(9000);

	(void)state;
	r_start(75);
	assert_int_equal(p9_renameat(&cl, 1, "old", 3, 2, "new", 3), 0);
	qhdr(74);
	assert_int_equal(q32(), 1);
	qstr("old");
	assert_int_equal(q32(), 2);
	qstr("new");
	assert_int_equal(at, reqlen);

	r_start(73);
	rqid(0x80, 5);
	assert_int_equal(p9_mkdir(&cl, 1, "d", 1, 0755, 0, &q), 0);
	assert_int_equal(q.path, 5);
	qhdr(72);
	assert_int_equal(q32(), 1);
	qstr("d");
	assert_int_equal(q32(), 0755);

	r_start(23);
	rstr("target-that-is-long");
	assert_int_equal(p9_readlink(&cl, 1, buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "target-t", 8);
	r_start(23); /* a string longer than the reply */
	r16(50);
	r_put("abc", 3);
	assert_int_equal(p9_readlink(&cl, 1, buf, sizeof(buf)), -EIO);

	/* A request bigger than msize never leaves. */
	memset(huge, 'a', 9000);
	submits = 0;
	assert_int_equal(p9_unlinkat(&cl, 1, huge, 9000, 0), -ENAMETOOLONG);
	free(huge);
	assert_int_equal(submits, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_registry, setup),
		cmocka_unit_test_setup(test_version, setup),
		cmocka_unit_test_setup(test_attach, setup),
		cmocka_unit_test_setup(test_walk, setup),
		cmocka_unit_test_setup(test_getattr, setup),
		cmocka_unit_test_setup(test_errors, setup),
		cmocka_unit_test_setup(test_read_write, setup),
		cmocka_unit_test_setup(test_readdir, setup),
		cmocka_unit_test_setup(test_names, setup),
	};

	if (hosted_mem_init(MiB(16)))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

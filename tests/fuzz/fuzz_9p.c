/*
 * fuzz_9p.c - libFuzzer target for fs/9p/client.c, the 9P2000.L client,
 * against a hostile server: the input picks one of the client's messages
 * (byte 0) and the reply's type (byte 1: 0 the right answer, 1 Rlerror,
 * anything else itself); the rest is the reply's body, behind a header
 * whose size field and tag are right, as the transport checks
 * (drivers/virtio/9p.c). A reply longer than the room the client gave is
 * failed as a transport would. Each parsed result is checked against
 * what the client promises (counts within what was asked, names within
 * their lengths, no memory kept); a crash, a sanitizer report or a broken promise is a
 * finding. make fuzz; tests/fuzz/run.sh.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/p9chan_driver.h>
#include <hosted.h>
#include "../../fs/9p/9p.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* As fuzz_sockcall.c: libFuzzer's -timeout, not plat/hosted's watchdog. */
void (*signal(int sig, void (*handler)(int)))(int);
#define HOST_SIGALRM 14

#define MSIZE 8192

static const uint8_t *body;
static size_t body_len;
static int rtype;

static int fake_submit(struct p9chan *ch, struct p9chan_request *rq)
{
	uint8_t *rep = rq->rep;
	size_t len = 7 + body_len;
	const uint8_t *req = rq->req;

	(void)ch;
	if (len > rq->replen) {
		rq->done(rq, -EIO);
		return 0;
	}
	rep[0] = (uint8_t)len;
	rep[1] = (uint8_t)(len >> 8);
	rep[2] = (uint8_t)(len >> 16);
	rep[3] = (uint8_t)(len >> 24);
	rep[4] = (uint8_t)(rtype == 0 ? req[4] + 1 : rtype == 1 ? 7 : rtype);
	rep[5] = req[5];
	rep[6] = req[6];
	memcpy(rep + 7, body, body_len);
	rq->done(rq, (long)len);
	return 0;
}

static const struct p9chan_ops ops = { .submit = fake_submit };
static struct p9chan chan = { .tag = "fuzz", .msize = MSIZE, .ops = &ops };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	alarm(0);
	signal(HOST_SIGALRM, (void (*)(int))0);
	if (hosted_mem_init(MiB(32)) || p9chan_register(&chan))
		abort();
	return 0;
}

static void promise(bool ok)
{
	if (!ok)
		abort();
}

static bool entry(void *arg, const struct p9_qid *qid, uint64_t next,
		  uint8_t type, const char *name, size_t len)
{
	size_t *total = arg;

	(void)qid;
	(void)next;
	(void)type;
	/* The name lies inside the reply the server gave: touch it all. */
	for (size_t i = 0; i < len; i++)
		*total += (unsigned char)name[i];
	return *total % 7 != 3; /* sometimes stop early, as a full buffer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[MSIZE];
	struct p9_client c = { .ch = &chan, .msize = MSIZE, .next_fid = 1 };
	struct p9_setattr sa = { .valid = P9_ATTR_SIZE, .size = 1 };
	struct p9_statfs st;
	struct heap_stats before, after;
	struct p9_attr a;
	struct p9_qid q;
	uint32_t io;
	size_t total = 0;
	long n;

	if (size < 2)
		return 0;
	heap_stats(&before);
	rtype = data[1];
	body = data + 2;
	body_len = size - 2;
	switch (data[0] % 20) {
	case 0:
		if (!p9_version(&c, MSIZE))
			promise(c.msize >= P9_MSIZE_MIN && c.msize <= MSIZE);
		break;
	case 1:
		p9_attach(&c, 1, "root", "", 0, &q);
		break;
	case 2:
		p9_walk(&c, 1, 2, "name", 4, &q);
		break;
	case 3:
		p9_walk(&c, 1, 2, NULL, 0, NULL);
		break;
	case 4:
		p9_getattr(&c, 1, &a);
		break;
	case 5:
		p9_setattr(&c, 1, &sa);
		break;
	case 6:
		p9_lopen(&c, 1, 0, &io);
		break;
	case 7:
		p9_lcreate(&c, 1, "f", 1, 0, 0644, 0, &q);
		break;
	case 8:
		n = p9_read(&c, 1, 0, 100, buf);
		promise(n <= 100);
		break;
	case 9:
		n = p9_write(&c, 1, 0, 100, buf);
		promise(n <= 100);
		break;
	case 10:
		n = p9_readdir(&c, 1, 0, 4096, entry, &total);
		promise(n <= 1);
		break;
	case 11:
		p9_mkdir(&c, 1, "d", 1, 0755, 0, &q);
		break;
	case 12:
		p9_unlinkat(&c, 1, "d", 1, 0);
		break;
	case 13:
		p9_renameat(&c, 1, "a", 1, 2, "b", 1);
		break;
	case 14:
		p9_symlink(&c, 1, "l", 1, "target", 0, &q);
		break;
	case 15:
		p9_mknod(&c, 1, "p", 1, 010644, 0, 0, 0, &q);
		break;
	case 16:
		n = p9_readlink(&c, 1, buf, 50);
		promise(n <= 50);
		break;
	case 17:
		p9_link(&c, 1, 2, "h", 1);
		break;
	case 18:
		p9_statfs(&c, 1, &st);
		break;
	default:
		p9_fsync(&c, 1, true);
		p9_clunk(&c, 1);
		p9_clunk_nowait(&c, 2);
	}
	/* Every message's buffers are freed, whatever the reply was. */
	heap_stats(&after);
	promise(after.live_objects == before.live_objects);
	return 0;
}

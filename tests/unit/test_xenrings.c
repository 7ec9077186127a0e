/*
 * test_xenrings.c - plat/xen/xenstore.c's client and drivers/xen/
 * console.c's rings against a xenstored and a xenconsoled the test plays,
 * honest and hostile: replies with lengths beyond the protocol, replies
 * to other requests (a few, and without end), no reply, response and
 * request indices that jump ahead or run backwards, garbage watch events
 * and a flood of them (the queue is bounded);
 * console rings whose indices jump both ways. Each bad value must give a
 * log line and an error, promptly, and the next honest exchange work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/consdev.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/time.h>
#include <plat/xen.h>
#include <xen/hvm/params.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include "unit.h"

int xenstore_init(void);
void xen_console_probe(bool hypercalls);
void xen_console_init(void);

#define STORE_PFN 0x1000
#define CONS_PFN 0x2000
#define STORE_PORT 3
#define CONS_PORT 4

static struct xenstore_domain_interface store __attribute__((aligned(4096)));
static struct xencons_interface cons __attribute__((aligned(4096)));
static uint64_t now;
static unsigned sends;

/* ------------------------------------------- the Xen services --- */

uint64_t xen_monotonic_ns(void)
{
	return now;
}

bool xen_events_ready(void)
{
	return true;
}

int xen_get_param(unsigned idx, uint64_t *v)
{
	switch (idx) {
	case HVM_PARAM_STORE_PFN:
		*v = STORE_PFN;
		return 0;
	case HVM_PARAM_STORE_EVTCHN:
		*v = STORE_PORT;
		return 0;
	case HVM_PARAM_CONSOLE_PFN:
		*v = CONS_PFN;
		return 0;
	case HVM_PARAM_CONSOLE_EVTCHN:
		*v = CONS_PORT;
		return 0;
	}
	return -EINVAL;
}

void *ioremap_cached(uint64_t pa, size_t size)
{
	assert_true(size <= 4096);
	if (pa == (uint64_t)STORE_PFN << 12)
		return &store;
	if (pa == (uint64_t)CONS_PFN << 12)
		return &cons;
	return NULL;
}

int evtchn_bind(unsigned port, evtchn_handler_t fn, void *arg)
{
	(void)fn;
	(void)arg;
	assert_int_equal(port, STORE_PORT);
	return 0;
}

static struct consdev *console;
static bool cons_live = true; /* xenconsoled takes output on each wait */
static void drain(void);
int consdev_register(struct consdev *c)
{
	console = c;
	return 0;
}

/* ------------------------------------------------- xenstored --- */

enum mode {
	HONEST, /* the reply, value "v" */
	SILENT, /* no reply at all */
	TOO_LONG, /* a header whose length is beyond the protocol */
	STALE_FIRST, /* two replies to another id, then the right one */
	STALE_FOREVER, /* replies to another id as long as there is room */
	RSP_JUMP, /* rsp_prod a ring and more ahead */
	RSP_BACK, /* rsp_prod behind rsp_cons */
	REQ_JUMP, /* req_cons ahead of req_prod */
	EVENTS, /* watch events, one garbage and one cut short, then the reply */
	ERROR_NAME, /* XS_ERROR with a name, then with garbage */
	EVENT_FLOOD, /* a watch event on every notification, then the reply */
};
static enum mode mode;
static unsigned stale_sent, served, flood_left;
static uint32_t flood_id;
static const char *error_name;

static unsigned rsp_room(void)
{
	return XENSTORE_RING_SIZE - (store.rsp_prod - store.rsp_cons);
}

static void rsp_put(const void *p, size_t n)
{
	const char *c = p;

	assert_true(n <= rsp_room());
	for (size_t i = 0; i < n; i++)
		store.rsp[MASK_XENSTORE_IDX(store.rsp_prod + i)] = c[i];
	store.rsp_prod += (XENSTORE_RING_IDX)n;
}

static void reply(uint32_t type, uint32_t id, const void *p, uint32_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = id, .len = len };

	rsp_put(&h, sizeof(h));
	rsp_put(p, len);
}

/* Take one whole request off the ring, if there is one. */
static bool take_request(struct xsd_sockmsg *h)
{
	XENSTORE_RING_IDX avail = store.req_prod - store.req_cons;

	if (avail < sizeof(*h))
		return false;
	for (size_t i = 0; i < sizeof(*h); i++)
		((char *)h)[i] =
		    store.req[MASK_XENSTORE_IDX(store.req_cons + i)];
	if (avail < sizeof(*h) + h->len)
		return false;
	store.req_cons += (XENSTORE_RING_IDX)(sizeof(*h) + h->len);
	return true;
}

static void answer(const struct xsd_sockmsg *h)
{
	static const char event[] = "some/path\0zz-not-hex";
	served++;
	switch (mode) {
	case HONEST:
		reply(h->type, h->req_id, "v", 1);
		break;
	case SILENT:
	case STALE_FOREVER:
		break;
	case TOO_LONG: /* xenstored() */
		break;
	case STALE_FIRST:
		reply(h->type, h->req_id + 7, "old", 3);
		reply(h->type, h->req_id - 1, "older", 5);
		reply(h->type, h->req_id, "v", 1);
		break;
	case RSP_JUMP:
		store.rsp_prod = store.rsp_cons + XENSTORE_RING_SIZE + 40;
		break;
	case RSP_BACK:
		store.rsp_prod = store.rsp_cons - 16;
		break;
	case REQ_JUMP:
		break;
	case EVENTS:
		reply(XS_WATCH_EVENT, 0, event, sizeof(event) - 1);
		reply(XS_WATCH_EVENT, 0, "no-nul", 6);
		reply(h->type, h->req_id, "after", 5);
		break;
	case ERROR_NAME:
		reply(XS_ERROR, h->req_id, error_name, strlen(error_name) + 1);
		break;
	case EVENT_FLOOD:
		flood_id = h->req_id;
		break;
	}
}

/* xenstored runs whenever the guest notifies it or waits for it. */
static void xenstored(void)
{
	struct xsd_sockmsg h;

	while (take_request(&h)) {
		if (mode == TOO_LONG) {
			struct xsd_sockmsg bad = { .type = h.type,
						   .req_id = h.req_id,
						   .len = XENSTORE_PAYLOAD_MAX +
							  1 };
			rsp_put(&bad, sizeof(bad));
			rsp_put("some bytes", 10);
			served++;
			continue;
		}
		answer(&h);
	}
	if (mode == EVENT_FLOOD && rsp_room() >= sizeof(h) + 8 && flood_id) {
		if (flood_left) {
			flood_left--;
			reply(XS_WATCH_EVENT, 0,
			      "p\0"
			      "abcd",
			      6);
		} else {
			reply(XS_READ, flood_id, "v", 1);
			flood_id = 0;
		}
	}
	/* Bounded, so that a client without a deadline fails, not hangs. */
	if (mode == STALE_FOREVER && rsp_room() >= sizeof(h) + 3 &&
	    stale_sent < 40000) {
		reply(XS_READ, 0xdead, "old", 3);
		stale_sent++;
		now += NSEC_PER_MSEC;
	}
}

int evtchn_send(unsigned port)
{
	sends++;
	if (port == STORE_PORT)
		xenstored();
	return 0;
}

bool evtchn_wait(unsigned port, uint64_t timeout_ns)
{
	now += timeout_ns;
	if (port == STORE_PORT)
		xenstored();
	if (port == CONS_PORT && cons_live)
		drain();
	return false;
}

/* ------------------------------------------------- the tests --- */

static unsigned count(const char *text, const char *what)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static int read_key(char **out)
{
	int err = 0;

	*out = xenstore_read("device/x", &err);
	return err;
}

/* An honest read: "v" comes back, and the clock barely moved. */
static void read_ok(void)
{
	uint64_t t0 = now;
	char *v;

	mode = HONEST;
	assert_int_equal(read_key(&v), 0);
	assert_string_equal(v, "v");
	kfree(v);
	assert_true(now - t0 < NSEC_PER_SEC);
}

static void test_honest(void **state)
{
	(void)state;
	assert_int_equal(xenstore_init(), 0);
	for (int i = 0; i < 300; i++) /* around the ring many times */
		read_ok();
	assert_int_equal(store.req_prod, store.req_cons);
	assert_int_equal(store.rsp_prod, store.rsp_cons);
}

static void test_too_long(void **state)
{
	char *v;

	(void)state;
	hosted_console_clear();
	mode = TOO_LONG;
	assert_int_equal(read_key(&v), -EIO);
	assert_null(v);
	assert_int_equal(count(hosted_console_text(), "beyond the protocol"),
			 1);
	assert_int_equal(store.rsp_prod, store.rsp_cons);
	read_ok();
}

static void test_silent(void **state)
{
	char *v;
	uint64_t t0 = now;

	(void)state;
	hosted_console_clear();
	mode = SILENT;
	assert_int_equal(read_key(&v), -EIO);
	assert_int_equal(count(hosted_console_text(), "did not answer"), 1);
	assert_true(now - t0 >= 30 * NSEC_PER_SEC);
	assert_true(now - t0 < 32 * NSEC_PER_SEC);
	read_ok();
}

static void test_stale(void **state)
{
	char *v;

	(void)state;
	mode = STALE_FIRST;
	assert_int_equal(read_key(&v), 0);
	assert_string_equal(v, "v");
	kfree(v);
	read_ok();
}

/* Replies to others without end: given up on after 30 s, not a hang. */
static void test_stale_forever(void **state)
{
	char *v;

	(void)state;
	hosted_console_clear();
	mode = STALE_FOREVER;
	stale_sent = 0;
	assert_int_equal(read_key(&v), -EIO);
	assert_int_equal(count(hosted_console_text(), "replies to others"), 1);
	assert_true(stale_sent >= 30000 && stale_sent < 30200);
	/* The stale replies still queued are read and skipped. */
	store.rsp_cons = store.rsp_prod;
	read_ok();
}

static void test_rsp_indices(void **state)
{
	char *v;

	(void)state;
	for (int back = 0; back < 2; back++) {
		uint64_t t0 = now;
		hosted_console_clear();
		mode = back ? RSP_BACK : RSP_JUMP;
		assert_int_equal(read_key(&v), -EIO);
		assert_int_equal(count(hosted_console_text(),
				       "response ring indices are broken"),
				 1);
		assert_true(now - t0 < NSEC_PER_SEC);
		store.rsp_prod = store.rsp_cons; /* the peer mends them */
		read_ok();
	}
}

/* The consumer of our requests jumps ahead, then runs behind. */
static void test_req_indices(void **state)
{
	char *v;

	(void)state;
	for (int back = 0; back < 2; back++) {
		uint64_t t0 = now;
		hosted_console_clear();
		mode = REQ_JUMP;
		store.req_cons =
		    back ? store.req_prod - 2000 : store.req_prod + 5;
		assert_int_equal(read_key(&v), -EIO);
		assert_int_equal(count(hosted_console_text(),
				       "request ring indices are broken"),
				 1);
		assert_true(now - t0 < NSEC_PER_SEC);
		store.req_cons = store.req_prod;
		read_ok();
	}
}

static void test_events(void **state)
{
	char *v;

	(void)state;
	hosted_console_clear();
	mode = EVENTS;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(read_key(&v), 0);
		assert_string_equal(v, "after");
		kfree(v);
	}
	assert_int_equal(count(hosted_console_text(), "without a token"), 1);
	read_ok();
}

/* A flood of watch events: a bounded queue, said once. */
static void test_event_flood(void **state)
{
	char *v;

	(void)state;
	hosted_console_clear();
	mode = EVENT_FLOOD;
	flood_left = 2000;
	assert_int_equal(read_key(&v), 0);
	assert_string_equal(v, "v");
	kfree(v);
	assert_int_equal(flood_left, 0);
	assert_int_equal(count(hosted_console_text(), "events queued"), 1);
	read_ok();
}

static void test_error_names(void **state)
{
	char *v;

	(void)state;
	mode = ERROR_NAME;
	error_name = "ENOENT";
	assert_int_equal(read_key(&v), -ENOENT);
	error_name = "EACCES";
	assert_int_equal(read_key(&v), -EACCES);
	error_name = "\x01\xff not an errno";
	assert_int_equal(read_key(&v), -EINVAL);
	read_ok();
}

/* ------------------------------------------------- console --- */

static char out_seen[8192];
static size_t nout;

/* xenconsoled takes everything there is. */
static void drain(void)
{
	while (cons.out_cons != cons.out_prod && nout < sizeof(out_seen))
		out_seen[nout++] =
		    cons.out[MASK_XENCONS_IDX(cons.out_cons++, cons.out)];
}

static void cons_write(const char *s)
{
	console->ops->write(console, s, strlen(s));
	drain();
}

static void test_console_out(void **state)
{
	char big[3000];

	(void)state;
	xen_console_probe(true);
	xen_console_init();
	assert_non_null(console);
	cons.out_prod = cons.out_cons = 0xfffffff0u; /* about to wrap */
	nout = 0;
	cons_write("hello ");
	/* More than the ring: room comes as xenconsoled drains on a wait. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	cons_write(big);
	cons_write("wrapped");
	assert_int_equal(nout, 6 + sizeof(big) - 1 + 7);
	assert_memory_equal(out_seen, "hello x", 7);
	assert_memory_equal(out_seen + nout - 8, "xwrapped", 8);
}

/* The consumer index jumps ahead of ours, then far behind it. */
static void test_console_out_jumps(void **state)
{
	(void)state;
	for (int back = 0; back < 2; back++) {
		uint64_t t0 = now;
		XENCONS_RING_IDX prod = cons.out_prod;
		hosted_console_clear();
		cons.out_cons = back ? prod - 5000 : prod + 100;
		console->ops->write(console, "lost", 4);
		console->ops->write(console, "lost", 4);
		assert_int_equal(cons.out_prod, prod);
		assert_int_equal(
		    count(hosted_console_text(), "out ring indices are broken"),
		    1);
		assert_true(now - t0 < NSEC_PER_SEC);
		console->ops->flush(console); /* returns, does not hang */
		assert_true(now - t0 < NSEC_PER_SEC);
		cons.out_cons = prod; /* mended: output resumes */
		nout = 0;
		cons_write("back");
		assert_int_equal(nout, 4);
		assert_memory_equal(out_seen, "back", 4);
	}
}

static void test_console_in_jumps(void **state)
{
	char buf[64];
	size_t n;

	(void)state;
	cons.in_cons = cons.in_prod = 1022;
	memcpy(cons.in + 1022, "ab", 2);
	memcpy(cons.in, "cd", 2);
	cons.in_prod += 4; /* wraps */
	n = console->ops->read(console, buf, sizeof(buf));
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "abcd", 4);
	for (int back = 0; back < 2; back++) {
		hosted_console_clear();
		cons.in_prod = back ? cons.in_cons - 1 : cons.in_cons + 5000;
		assert_int_equal(console->ops->read(console, buf, sizeof(buf)),
				 0);
		assert_int_equal(cons.in_cons, cons.in_prod);
		assert_int_equal(
		    count(hosted_console_text(), "in ring indices are broken"),
		    1);
		cons.in[MASK_XENCONS_IDX(cons.in_prod, cons.in)] = 'z';
		cons.in_prod++;
		assert_int_equal(console->ops->read(console, buf, sizeof(buf)),
				 1);
		assert_int_equal(buf[0], 'z');
	}
	/* Asked for less than there is: the rest stays for the next read. */
	memcpy(cons.in + MASK_XENCONS_IDX(cons.in_prod, cons.in), "123", 3);
	cons.in_prod += 3;
	assert_int_equal(console->ops->read(console, buf, 2), 2);
	assert_int_equal(console->ops->read(console, buf + 2, 8), 1);
	assert_memory_equal(buf, "123", 3);
}

/* A consumer that stops: given up on after 10 s, said once, no hang. */
static void test_console_stall(void **state)
{
	uint64_t t0 = now;
	char big[4096];

	(void)state;
	hosted_console_clear();
	cons_live = false;
	memset(big, 'y', sizeof(big));
	console->ops->write(console, big, sizeof(big));
	assert_true(now - t0 >= 10 * NSEC_PER_SEC);
	assert_true(now - t0 < 11 * NSEC_PER_SEC);
	console->ops->write(console, big, sizeof(big));
	assert_true(now - t0 < 11 * NSEC_PER_SEC);
	assert_int_equal(count(hosted_console_text(), "consumer stopped"), 1);
}

static int setup(void **state)
{
	(void)state;
	return hosted_mem_init(MiB(8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_honest),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_stale_forever),
		cmocka_unit_test(test_rsp_indices),
		cmocka_unit_test(test_req_indices),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_event_flood),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_console_out),
		cmocka_unit_test(test_console_out_jumps),
		cmocka_unit_test(test_console_in_jumps),
		cmocka_unit_test(test_console_stall),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

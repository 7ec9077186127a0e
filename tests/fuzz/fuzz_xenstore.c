/*
 * fuzz_xenstore.c - libFuzzer target for plat/xen/xenstore.c, the
 * xenstore client, against a hostile xenstored: the input is what the
 * peer does each time the guest notifies it or waits for it, one
 * command byte at a time: put the next N input bytes into the response
 * ring (N the byte's low bits, a header with the right request id when
 * its 0x40 bit says so), move rsp_prod or req_cons by a signed amount,
 * or do nothing. Each input runs a read, a directory, a transaction
 * start, a write and a watch (each while input is left; one watch
 * kept at most); every answer must be an error or a
 * NUL-terminated string of the length said, and the client must give up
 * (the fake clock moves 10 ms a wait) rather than hang. make fuzz;
 * tests/fuzz/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <plat/xen.h>
#include <xen/hvm/params.h>
#include <xen/io/xs_wire.h>
#include <hosted.h>

#include "fuzz_hosted.h"

int xenstore_init(void);

#define STORE_PFN 0x1000
#define PORT 3

static struct xenstore_domain_interface store __attribute__((aligned(4096)));
static uint64_t now;
static const uint8_t *in, *in_end;
static uint32_t last_id; /* of the last request seen whole */

uint64_t xen_monotonic_ns(void)
{
	return now;
}

int xen_get_param(unsigned idx, uint64_t *v)
{
	*v = idx == HVM_PARAM_STORE_PFN ? STORE_PFN : PORT;
	return 0;
}

void *ioremap_cached(uint64_t pa, size_t size)
{
	(void)size;
	return pa == (uint64_t)STORE_PFN << 12 ? &store : NULL;
}

int evtchn_bind(unsigned port, evtchn_handler_t fn, void *arg)
{
	(void)port, (void)fn, (void)arg;
	return 0;
}

/* Take whole requests off the ring (as far as req_cons lets us); false
 * while one is still coming (the peer acts once it has it all). */
static bool take_requests(void)
{
	struct xsd_sockmsg h;
	XENSTORE_RING_IDX avail = store.req_prod - store.req_cons;

	while (avail && avail <= XENSTORE_RING_SIZE) {
		if (avail < sizeof(h))
			return false;
		for (size_t i = 0; i < sizeof(h); i++)
			((char *)&h)[i] =
			    store.req[MASK_XENSTORE_IDX(store.req_cons + i)];
		if (avail < sizeof(h) + h.len)
			return false;
		store.req_cons += (XENSTORE_RING_IDX)(sizeof(h) + h.len);
		last_id = h.req_id;
		avail = store.req_prod - store.req_cons;
	}
	return true;
}

static void rsp_put(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store.rsp[MASK_XENSTORE_IDX(store.rsp_prod++)] = (char)p[i];
}

/* One step of the peer, from the input, when a new request came whole
 * or the guest waits; nothing once the input is used up. */
static void xenstored(bool waiting)
{
	uint32_t seen = last_id;
	uint8_t c, n;
	int32_t d;

	if (!take_requests() || in == in_end || (!waiting && last_id == seen))
		return;
	c = *in++;
	n = c & 0x3f;
	switch (c >> 6) {
	case 0: /* bytes */
	case 1: /* a header for the last request, then bytes */
		if (c >> 6) {
			struct xsd_sockmsg h = { XS_READ, last_id, 0, n };
			if (n && in < in_end)
				h.type = *in++ % (XS_TYPE_COUNT + 1);
			rsp_put((const uint8_t *)&h, sizeof(h));
		}
		n = (uint8_t)MIN((size_t)n, (size_t)(in_end - in));
		rsp_put(in, n);
		in += n;
		break;
	case 2: /* an index moves */
		if (in_end - in < 4)
			return;
		memcpy(&d, in, 4);
		in += 4;
		if (n & 1)
			store.req_cons += (XENSTORE_RING_IDX)d;
		else
			store.rsp_prod += (XENSTORE_RING_IDX)d;
		break;
	case 3: /* quiet */
		break;
	}
}

int evtchn_send(unsigned port)
{
	(void)port;
	xenstored(false);
	return 0;
}

bool evtchn_wait(unsigned port, uint64_t timeout_ns)
{
	(void)port;
	now += timeout_ns;
	xenstored(true);
	return false;
}

static void callback(const char *path, void *arg)
{
	(void)path, (void)arg;
}

static void check_string(char *s, size_t len, int err)
{
	if (!s != !!err || (s && strlen(s) > len))
		abort();
	if (getenv("FUZZ_SHOW")) /* FUZZ_SHOW=1 fuzz_xenstore FILE */
		fprintf(stderr, "'%s' (%d)\n", s ? s : "", err);
	kfree(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready, watched; /* one watch kept at most */
	size_t len = 0;
	uint32_t tx = 0;
	int err = 0;
	char *s;

	if (!ready) {
		if (hosted_mem_init(16UL << 20) || xenstore_init())
			abort();
		ready = true;
	}
	hosted_console_clear();
	memset(&store, 0, sizeof(store));
	in = data;
	in_end = data + size;
	/* Each call while the peer has input left: one without it would
	 * only wait its 30 s out. */
	s = xenstore_read("device/vif/0/state", &err);
	check_string(s, XENSTORE_PAYLOAD_MAX, err);
	if (in < in_end) {
		s = xenstore_directory("device", &len, &err);
		check_string(s, len, err);
	}
	if (in < in_end)
		err = xenstore_transaction_start(&tx);
	if (in < in_end)
		err = xenstore_write("device/vif/0/state", "4") ?: err;
	if (in < in_end && !watched)
		watched = !xenstore_watch("backend", callback, NULL);
	if (getenv("FUZZ_SHOW"))
		fprintf(stderr, "tx %u, %d, watched %d\n%s", tx, err, watched,
			hosted_console_text());
	return 0;
}

/*
 * xen_fake.h - the Xen services drivers/xen reaches (plat/xen.h), played
 * by a unit test: a xenstore of KEYS keys with watches that fire when
 * the test says (fire), grants that record what they give (granted),
 * event channels whose handler the backend calls (kick, through the
 * frontend's event-channel key under fe_path). One test file per
 * program includes it (it defines the functions); test_netfront and
 * test_blkfront.
 */
#ifndef UNIT_XEN_FAKE_H
#define UNIT_XEN_FAKE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/heap.h>
#include <plat/xen.h>
#include "unit.h"

/* ------------------------------------------------------ xenstore --- */

#define KEYS 256
static struct {
	char path[128], value[64];
} kv[KEYS];
static unsigned nkv;

static int key_find(const char *path)
{
	for (unsigned i = 0; i < nkv; i++)
		if (!strcmp(kv[i].path, path))
			return (int)i;
	return -1;
}

static void xs_set(const char *path, const char *value)
{
	int i = key_find(path);

	if (i < 0) {
		assert_true(nkv < KEYS);
		i = (int)nkv++;
		snprintf(kv[i].path, sizeof(kv[i].path), "%s", path);
	}
	snprintf(kv[i].value, sizeof(kv[i].value), "%s", value);
}

/* Remove path and everything under it. */
static __attribute__((unused)) void xs_rm(const char *path)
{
	size_t l = strlen(path);

	for (unsigned i = 0; i < nkv;) {
		if (!strncmp(kv[i].path, path, l) &&
		    (!kv[i].path[l] || kv[i].path[l] == '/'))
			kv[i] = kv[--nkv];
		else
			i++;
	}
}

static const char *xs_get(const char *path)
{
	int i = key_find(path);

	return i < 0 ? NULL : kv[i].value;
}

bool xenstore_ready(void)
{
	return true;
}

char *xenstore_read(const char *path, int *err)
{
	const char *v = xs_get(path);
	char *s;

	if (!v) {
		*err = -ENOENT;
		return NULL;
	}
	s = kmalloc(strlen(v) + 1);
	strcpy(s, v);
	*err = 0;
	return s;
}

static unsigned writes;
int xenstore_write(const char *path, const char *value)
{
	writes++;
	xs_set(path, value);
	return 0;
}

int xenstore_write_tx(uint32_t tx, const char *path, const char *value)
{
	(void)tx;
	return xenstore_write(path, value);
}

int xenstore_transaction_start(uint32_t *tx)
{
	*tx = 1;
	return 0;
}

int xenstore_transaction_end(uint32_t tx, bool commit)
{
	(void)tx;
	(void)commit;
	return 0;
}

/* The names one level below dir, NUL-separated. */
char *xenstore_directory(const char *dir, size_t *len, int *err)
{
	char *out = kzalloc(4096);
	size_t l = strlen(dir), at = 0;

	for (unsigned i = 0; i < nkv; i++) {
		const char *p = kv[i].path;
		char name[64];
		size_t n;
		bool seen = false;

		if (strncmp(p, dir, l) || p[l] != '/')
			continue;
		p += l + 1;
		n = strcspn(p, "/");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		for (size_t a = 0; a < at; a += strlen(out + a) + 1)
			seen |= !strcmp(out + a, name);
		if (!seen) {
			strcpy(out + at, name);
			at += n + 1;
		}
	}
	*len = at;
	*err = 0;
	return out;
}

#define WATCHES 16
static struct {
	char path[128];
	void (*fn)(const char *, void *);
	void *arg;
} watch[WATCHES];
static unsigned nwatch;

int xenstore_watch(const char *path, void (*fn)(const char *, void *),
		   void *arg)
{
	assert_true(nwatch < WATCHES);
	snprintf(watch[nwatch].path, sizeof(watch[0].path), "%s", path);
	watch[nwatch].fn = fn;
	watch[nwatch++].arg = arg;
	return 0;
}

/* The watch thread: every watch fires (each once, as on registering). */
static void fire(void)
{
	for (unsigned i = 0; i < nwatch; i++)
		watch[i].fn(watch[i].path, watch[i].arg);
}

/* --------------------------------------------- grants and events --- */

#define REFS 1024
static struct {
	bool live, ro, busy;
	domid_t dom;
	uint64_t gfn;
} ref[REFS];

int gnttab_grant(domid_t domid, uint64_t gfn, bool readonly)
{
	for (int r = 8; r < REFS; r++)
		if (!ref[r].live) {
			ref[r].live = true;
			ref[r].ro = readonly;
			ref[r].dom = domid;
			ref[r].gfn = gfn;
			return r;
		}
	return -ENOSPC;
}

int gnttab_end(int r)
{
	assert_true(r >= 8 && r < REFS && ref[r].live);
	if (ref[r].busy)
		return -EBUSY;
	ref[r].live = false;
	return 0;
}

static unsigned live_refs(void)
{
	unsigned n = 0;

	for (int r = 0; r < REFS; r++)
		n += ref[r].live;
	return n;
}

/* What the backend reaches through a grant. */
static uint8_t *granted(unsigned r)
{
	assert_true(r < REFS && ref[r].live && ref[r].dom == 0);
	return phys_to_virt(ref[r].gfn << PAGE_SHIFT);
}

#define PORTS 64
static unsigned next_port = 10, sends;
static evtchn_handler_t handler[PORTS];
static void *handler_arg[PORTS];
static const char *fe_path; /* the device kick() serves */

int evtchn_alloc_unbound(domid_t remote, unsigned *port)
{
	assert_int_equal(remote, 0);
	assert_true(next_port < PORTS);
	*port = next_port++;
	return 0;
}

int evtchn_bind(unsigned port, evtchn_handler_t fn, void *arg)
{
	assert_true(port < PORTS && !handler[port]);
	handler[port] = fn;
	handler_arg[port] = arg;
	return 0;
}

void evtchn_unbind(unsigned port)
{
	assert_true(port < PORTS && handler[port]);
	handler[port] = NULL;
}

int evtchn_send(unsigned port)
{
	assert_true(port < PORTS && handler[port]);
	sends++;
	return 0;
}

/* The backend notifies us. */
static void kick(void)
{
	char path[64];
	unsigned port;

	snprintf(path, sizeof(path), "%s/event-channel", fe_path);
	port = (unsigned)strtol(xs_get(path), NULL, 10);
	assert_true(port < PORTS && handler[port]);
	handler[port](port, handler_arg[port]);
}

#endif

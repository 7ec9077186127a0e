/*
 * xenbus.c - the pieces of the xenbus protocol netfront and blkfront
 * share (drivers/xen/xenbus.h): strict number reads, device lists,
 * the frontend's state.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/string.h>
#include <plat/xen.h>
#include "xenbus.h"

int64_t xenbus_number(const char *dir, const char *key, uint64_t limit)
{
	char path[160];
	uint64_t v = 0;
	char *s, *p;
	int err;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, key) >=
	    sizeof(path))
		return -1;
	s = xenstore_read(path, &err);
	if (!s)
		return -1;
	for (p = s; *p >= '0' && *p <= '9' && v < limit; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (p == s || *p || v >= limit)
		v = (uint64_t)-1;
	kfree(s);
	return (int64_t)v;
}

unsigned xenbus_list_ids(const char *dir, unsigned *ids, unsigned max,
			 unsigned limit)
{
	size_t len = 0;
	int err;
	char *names = xenstore_directory(dir, &len, &err);
	unsigned n = 0;

	for (size_t at = 0; names && at < len && n < max;) {
		const char *s = names + at;
		size_t l = strnlen(s, len - at);
		uint64_t v = 0;
		size_t i;

		for (i = 0; i < l && s[i] >= '0' && s[i] <= '9' && v < limit;
		     i++)
			v = v * 10 + (uint64_t)(s[i] - '0');
		if (l && i == l && v < limit)
			ids[n++] = (unsigned)v;
		at += l + 1;
	}
	kfree(names);
	return n;
}

int xenbus_backend(const char *fe, char *be, char *watched, size_t size,
		   domid_t *id, void (*fn)(const char *path, void *arg))
{
	char path[160];
	int64_t be_id;
	char *s;
	int err;

	snprintf(path, sizeof(path), "%s/backend", fe);
	s = xenstore_read(path, &err);
	if (!s || xenbus_number(fe, "state", 9) < 0) {
		kfree(s);
		return -ENOENT;
	}
	be_id = xenbus_number(fe, "backend-id", 0x7ff0);
	if (be_id < 0 || strlcpy(be, s, size) >= size) {
		kfree(s);
		return -EINVAL;
	}
	kfree(s);
	*id = (domid_t)be_id;
	if (strcmp(watched, be)) {
		snprintf(path, sizeof(path), "%s/state", be);
		if (!xenstore_watch(path, fn, NULL))
			strlcpy(watched, be, size);
	}
	return 0;
}

int xenbus_write_keys(const char *fe, const struct xenbus_kv *kv, unsigned n)
{
	char path[160];
	int err = -EAGAIN;

	for (int tries = 0; err == -EAGAIN && tries < 5; tries++) {
		uint32_t tx;

		if ((err = xenstore_transaction_start(&tx)))
			return err;
		for (unsigned i = 0; i < n && !err; i++) {
			snprintf(path, sizeof(path), "%s/%s", fe, kv[i].key);
			err = xenstore_write_tx(tx, path, kv[i].value);
		}
		if (err) {
			xenstore_transaction_end(tx, false);
			return err;
		}
		err = xenstore_transaction_end(tx, true);
	}
	return err;
}

int xenbus_set_state(const char *fe, int state)
{
	char path[64], v[4];

	snprintf(path, sizeof(path), "%s/state", fe);
	snprintf(v, sizeof(v), "%d", state);
	return xenstore_write(path, v);
}

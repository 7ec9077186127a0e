/*
 * xenbus.h - what netfront and blkfront share of the xenbus protocol
 * (drivers/xen/xenbus.c): strict reads of xenstore numbers, the device
 * numbers under device/TYPE, and writing a frontend's state.
 */
#ifndef DRIVERS_XEN_XENBUS_H
#define DRIVERS_XEN_XENBUS_H

#include <keel/compiler.h>
#include <plat/xen.h>

/* DIR/KEY as a whole decimal number below limit, or -1 (missing,
 * garbage, too big). */
int64_t xenbus_number(const char *dir, const char *key, uint64_t limit);
/* The numeric names below dir (device/vif, device/vbd), each below
 * limit, at most max of them into ids; how many. */
unsigned xenbus_list_ids(const char *dir, unsigned *ids, unsigned max,
			 unsigned limit);
/*
 * FE's backend (its path into be, size bytes, and its domain into *id)
 * and, when it changed, a watch with fn on BE/state (watched: the path
 * last watched, size bytes): 0; -ENOENT when FE/backend or FE/state is
 * missing (the device is gone), -EINVAL for a backend-id that is
 * garbage or a path too long.
 */
int xenbus_backend(const char *fe, char *be, char *watched, size_t size,
		   domid_t *id, void (*fn)(const char *path, void *arg));
/* A key of a frontend's and its value. */
struct xenbus_kv {
	const char *key;
	char value[24];
};
/* Write FE/KEY = VALUE for the n keys in one transaction (retried while
 * xenstore says EAGAIN): 0 or -errno. */
int xenbus_write_keys(const char *fe, const struct xenbus_kv *kv, unsigned n);
/* Write FE/state; 0 or -errno. */
int xenbus_set_state(const char *fe, int state);

#endif

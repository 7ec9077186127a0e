/*
 * procfs.h - files of /proc whose text a higher layer makes (fs/procfs.c).
 * fs/ does not call into net/ or linux/: those layers hand procfs their
 * generator at start-up instead (procfs_provide). A file nobody provided
 * reads as empty.
 */
#ifndef KEEL_PROCFS_H
#define KEEL_PROCFS_H

#include <keel/compiler.h>

enum procfs_text {
	PROCFS_NET_DEV, /* /proc/net/dev: net/netif.c */
	PROCFS_NET_PNP, /* /proc/net/pnp: net/lwip/config.c */
	PROCFS_AIO_NR, /* /proc/sys/fs/aio-nr: linux/sys_aio.c */
	PROCFS_AIO_MAX_NR, /* /proc/sys/fs/aio-max-nr: linux/sys_aio.c */
	PROCFS_SOMAXCONN, /* /proc/sys/net/core/somaxconn: net/socket.c */
	PROCFS_NTEXTS
};

/* Write the file's text into buf (at most len bytes, NUL-terminated as
 * snprintf does); return its full length. */
typedef size_t (*procfs_gen)(char *buf, size_t len);

void procfs_provide(enum procfs_text which, procfs_gen gen);

/* A writable integer's: its text and its setter, given a value within
 * the file's bounds (0 or -errno). */
typedef int (*procfs_set)(unsigned long v);
void procfs_provide_sysctl(enum procfs_text which, procfs_gen gen,
			   procfs_set set);

/* fs/procfs.c: one integer of a /proc/sys write, as Linux reads it; the
 * bytes taken, or -EINVAL (bad text, or outside [min, max]). */
long procfs_parse_int(const char *s, size_t len, long min, long max, long *v);

#endif

/*
 * ext2_fixture.h - what the ext2 unit tests (test_ext2_read.c,
 * test_ext2_write.c, test_ext2_corrupt.c) share, from ext2_fixture.c: the
 * fs/ext2 code through the syscall handlers on plat/hosted, over a RAM
 * disk registered as "vda" that holds an image Debian's mke2fs made at
 * test time (-d: from a tree python3 writes, with a manifest of it), and
 * the helpers that make, mount, check (e2fsck -fn) and read those images.
 */
#ifndef KEEL_EXT2_FIXTURE_H
#define KEEL_EXT2_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/blkdev_driver.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mount.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include "unit.h"

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "../../linux/syscalls.h"
#undef SYSCALL
#include "fs_fixture.h"

void *memmem(const void *h, size_t hl, const void *n, size_t nl); /* GNU */

#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

struct lstatfs {
	int64_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	int64_t namelen, frsize, flags, spare[4];
};

extern char work[256]; /* a temporary directory: tree/, img */

struct ramdisk {
	struct blkdev dev;
	uint8_t *data;
	size_t size;
	unsigned flushes;
	unsigned requests[2]; /* reads and writes (a run counts once) */
	uint8_t *readmap; /* when set: the 4 KiB blocks read, one a byte */
};
extern struct ramdisk disk;

/* The disk and the images. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void load(void);
void write_image(void);
void save(void);
void fsck_clean(void);
void mkfs(const char *opts, const char *size, bool tree);
void mkfs_tree(const char *opts, const char *size);
long mnt(unsigned long flags, const char *type);
void umnt(void);
int setup(void **state);
int teardown(void **state);

/* Files in keel and on the host. */
long open_at(const char *path, long flags);
long slurp(const char *path, char **out);
long host_slurp(const char *path, char **out);
long count_entries(const char *path);
void compare_tree(void);
void write_file(const char *path, const void *data, size_t len, long off);
void assert_content(const char *path, const void *data, long len);

/* main: e2fsprogs checked, the tree written, tests run (each with setup
 * and teardown), the work directory removed if all passed. */
int ext2_run_tests(const char *name, const struct CMUnitTest *tests,
		   size_t count);

#endif

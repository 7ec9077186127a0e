/*
 * vfs_fixture.h - what the fs/ unit tests test_vfs_paths.c,
 * test_vfs_files.c and test_vfs_tty.c share, from vfs_fixture.c: fs/ and
 * the file system calls (linux/sys_file.c, sys_path.c, sys_inotify.c) on
 * plat/hosted, over a tree vfs_init unpacks from a cpio archive written
 * with lib/cpio.c, the sys_* handlers called directly with this process's
 * memory as "user" memory; kernel/'s signals, blocked, looked at as
 * pending.
 */
#ifndef KEEL_VFS_FIXTURE_H
#define KEEL_VFS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/cmdline.h>
#include <keel/cpio.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/poll.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/signal.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include <keel/vm.h>
#include "unit.h"

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "../../linux/syscalls.h"
#undef SYSCALL
#include "fs_fixture.h"

/* Call a handler with up to six arguments. */
#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

/* kernel/process.c's process: root with every capability (kernel/cred.c). */
#define proc (*current_process())

/* Was sig sent since the last look (kernel/signal.c's pending set)? */
bool sent(int sig);
void block_signals(void);

/* The archive vfs_init unpacks before each test, and a file of it. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};
extern struct buf archive;
extern char big[3 * 4096 + 100]; /* spans pages: copy-on-write tests */
const uint8_t *find_in_archive(const void *what, size_t n);

int setup(void **state);
int teardown(void **state);
int group_setup(void **state);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

long xopen(const char *path, long flags, long mode);
void read_all(const char *path, char *out, size_t cap);
void write_file(const char *path, const char *text);
struct linux_stat xstat(const char *path, long flags);

#endif

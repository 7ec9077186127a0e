/*
 * linux.h - what the files of linux/ share among themselves (not an
 * interface for the rest of the kernel): futex wake-ups for thread exit,
 * the capability check, copying in a path.
 */
#ifndef KEEL_LINUX_LINUX_H
#define KEEL_LINUX_LINUX_H

#include <keel/compiler.h>

/* Wake up to n waiters on the futex at uaddr; how many were woken. */
int futex_wake(uintptr_t uaddr, int n);

/* Does the process hold capability cap in its effective set (sys_cred.c)? */
bool cred_capable(int cap);

/* A path from the application into a PATH_MAX buffer the caller frees
 * (sys_path.c): 0 or -errno. */
long get_path(long upath, char **out);

#endif

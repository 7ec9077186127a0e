/*
 * syscall.h - the Linux system call layer (linux/). A handler receives the
 * six argument registers and returns a result or -errno, which goes back
 * to the application unchanged. Handlers check and copy every argument
 * first (include/keel/uaccess.h), then call one kernel function: no
 * subsystem logic lives in linux/. The one list of what is implemented is
 * linux/syscalls.h; every other number returns -ENOSYS, logged once by name.
 */
#ifndef KEEL_SYSCALL_H
#define KEEL_SYSCALL_H

#include <keel/compiler.h>

typedef long (*syscall_fn)(const long *a);

/* Define the handler of syscall `name`: long sys_name(const long *a). */
#define SYSCALL_DEFINE(name) long sys_##name(const long *a)

/* Run syscall nr (from arch/ syscall entry); the result for rax.
 * kernel/entry.c passes it to the handler linux/ registered (-ENOSYS
 * before that). */
long syscall_dispatch(unsigned long nr, const long *args);
void syscall_set_handler(long (*fn)(unsigned long nr, const long *args));
/* Start linux/: register the syscall handler, its exit hooks and /proc
 * texts with the layers below (from init/main.c). */
void linux_init(void);
/* Name of syscall nr, or NULL. */
const char *syscall_name(unsigned long nr);

#endif

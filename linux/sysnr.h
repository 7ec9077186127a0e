/*
 * sysnr.h - NR_name for every Linux x86-64 system call (linux/), from
 * the list scripts/syscall-names.sh generates out of <asm/unistd_64.h>:
 * the one source of numbers for the table (syscall.c) and the tracer
 * (strace.c).
 */
#ifndef KEEL_LINUX_SYSNR_H
#define KEEL_LINUX_SYSNR_H

enum {
#define SYSNAME(nr, name) NR_##name = nr,
#include <syscall_names.h>
#undef SYSNAME
	NR_COUNT_PLUS_ONE
};

#endif

/*
 * strace.h - keel.strace's lines (linux/strace.c): a call and its result
 * written as strace(1) writes them, arguments named by kind (paths,
 * flags, fds, signals) and errors by errno name.
 */
#ifndef KEEL_LINUX_STRACE_H
#define KEEL_LINUX_STRACE_H

#include <keel/compiler.h>

/* Room for a call and for a result; printk's line holds both. */
#define STRACE_LINE 400
#define STRACE_RET 80

/*
 * "name(arg, ...)" into buf (always NUL-terminated, "..." when cut):
 * user memory is read only through the user-copy helpers, so a bad
 * pointer is shown as its value, never followed.
 */
void strace_call(char *buf, size_t size, unsigned long nr, const char *name,
		 const long *a);
/*
 * Does nr write into the caller's memory what its line shows (read's
 * data, getcwd's path)? Then its line is made after the call, by
 * strace_call_done with its result (a failed call shows the pointer).
 */
bool strace_after(unsigned long nr);
void strace_call_done(char *buf, size_t size, unsigned long nr,
		      const char *name, const long *a, long ret);
/* The result: "3", "0x7f0000001000", "-1 ENOENT (No such file or
 * directory)", "? ERESTARTSYS (To be restarted ...)". */
void strace_ret(char *buf, size_t size, unsigned long nr, long ret);
/* The errno's name ("ENOENT") and message, or NULL for an unknown one. */
const char *strace_errno_name(int e);
const char *strace_errno_msg(int e);

#endif

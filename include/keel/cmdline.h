/*
 * cmdline.h - the kernel command line (kernel/cmdline.c, host-testable).
 * Words are separated by spaces; a word is KEY or KEY=VALUE, and a value
 * may be double-quoted to hold spaces. The last occurrence of a key wins
 * (cmdline_get); a key that may repeat is read with cmdline_get_nth.
 * Everything after a lone "--" belongs to the application, not the kernel.
 */
#ifndef KEEL_CMDLINE_H
#define KEEL_CMDLINE_H

#include <keel/compiler.h>

#define CMDLINE_MAX 4096

/* Parse s (copied). Returns 0 or -E2BIG if longer than CMDLINE_MAX - 1. */
int cmdline_init(const char *s);
/* The value of key: "" for a bare KEY, NULL when absent. */
const char *cmdline_get(const char *key);
/* The n-th occurrence of key (0: the first), in the order given, for the
 * keys that may repeat (keel.mount); NULL past the last. */
const char *cmdline_get_nth(const char *key, unsigned n);
/* Is item one of the comma-separated values of key? */
bool cmdline_list_has(const char *key, const char *item);
/* Numeric value of key, or def when absent or not a number. */
long long cmdline_get_num(const char *key, long long def);
/* The words after "--" (application argv), as a count and array. */
unsigned cmdline_app_args(const char *const **argv);

#endif

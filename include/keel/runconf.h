/*
 * runconf.h - what to run: the program's argv, environment and working
 * directory, as the host tool records them in the initrd (/.keel/run) and
 * the kernel reads them at boot (lib/runconf.c). One line per item:
 *
 *     # comment
 *     arg /usr/bin/luajit
 *     arg -e
 *     arg print("hi")
 *     env PATH=/usr/bin:/bin
 *     cwd /
 *
 * The value is everything after the first space. Backslash, control bytes
 * and bytes 0x7f and up are written as \\, \n, \t or \xHH; a value may
 * not contain a NUL byte.
 */
#ifndef KEEL_RUNCONF_H
#define KEEL_RUNCONF_H

#include <keel/compiler.h>

#define RUNCONF_PATH "/.keel/run"

enum runconf_kind { RUNCONF_ARG, RUNCONF_ENV, RUNCONF_CWD };

typedef int (*runconf_fn)(void *ctx, enum runconf_kind kind, const char *value);

/*
 * Parse text[0..len) in place (values are unescaped into the buffer and
 * NUL-terminated) and call fn for each item in order. Returns 0, what fn
 * returned if non-zero, or -EINVAL with *why and *line set.
 */
int runconf_parse(char *text, size_t len, runconf_fn fn, void *ctx,
		  unsigned *line, const char **why);

/*
 * Write "key value\n" with value escaped into out (cap bytes, NUL-ended
 * when it fits); returns the length the line needs, without the NUL.
 */
size_t runconf_format(char *out, size_t cap, enum runconf_kind kind,
		      const char *value);

#endif

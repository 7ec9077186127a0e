/*
 * runconf.c - the /.keel/run file (include/keel/runconf.h): the kernel
 * parses it to learn the program's argv, environment and directory; the
 * host tool formats it. Both sides share these two functions so the
 * escaping cannot drift apart.
 */
#include <keel/errno.h>
#include <keel/runconf.h>
#include <keel/string.h>

static const char *const keys[] = { "arg", "env", "cwd" };

/* Unescape s[0..n) in place; returns the new length or -1. */
static long unescape(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c != '\\') {
			s[o++] = c;
			continue;
		}
		if (++i == n)
			return -1;
		switch (s[i]) {
		case '\\':
			c = '\\';
			break;
		case 'n':
			c = '\n';
			break;
		case 't':
			c = '\t';
			break;
		case 'x':
			if (n - i < 3 || hex_digit(s[i + 1]) < 0 ||
			    hex_digit(s[i + 2]) < 0)
				return -1;
			c = (char)(hex_digit(s[i + 1]) << 4 |
				   hex_digit(s[i + 2]));
			if (!c)
				return -1;
			i += 2;
			break;
		default:
			return -1;
		}
		s[o++] = c;
	}
	return (long)o;
}

static int parse_line(char *s, size_t n, enum runconf_kind *kind,
		      const char **why)
{
	char *sp = memchr(s, ' ', n);
	long len;

	if (!sp) {
		*why = "a line has no value (want \"arg|env|cwd VALUE\")";
		return -EINVAL;
	}
	for (unsigned k = 0; k < ARRAY_SIZE(keys); k++) {
		if ((size_t)(sp - s) == strlen(keys[k]) &&
		    !memcmp(s, keys[k], (size_t)(sp - s))) {
			*kind = (enum runconf_kind)k;
			len = unescape(sp + 1, n - (size_t)(sp + 1 - s));
			if (len < 0) {
				*why = "a bad escape (want \\\\, \\n, \\t or "
				       "\\xHH, not \\x00)";
				return -EINVAL;
			}
			if (memchr(sp + 1, '\0', (size_t)len)) {
				*why = "a NUL byte in a value";
				return -EINVAL;
			}
			sp[1 + len] = '\0';
			return 0;
		}
	}
	*why = "an unknown key (want arg, env or cwd)";
	return -EINVAL;
}

int runconf_parse(char *text, size_t len, runconf_fn fn, void *ctx,
		  unsigned *line, const char **why)
{
	size_t pos = 0;

	*line = 0;
	while (pos < len) {
		char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		enum runconf_kind kind;
		int err;

		++*line;
		pos += n + 1;
		/* Every line ends in a newline, comments too: a file cut
		 * short is an error, never a silently shorter argv. */
		if (!nl) {
			*why = "the last line has no newline (truncated?)";
			return -EINVAL;
		}
		if (n == 0 || s[0] == '#')
			continue;
		err = parse_line(s, n, &kind, why);
		if (err)
			return err;
		err = fn(ctx, kind, s + strlen(keys[kind]) + 1);
		if (err)
			return err;
	}
	return 0;
}

size_t runconf_format(char *out, size_t cap, enum runconf_kind kind,
		      const char *value)
{
	static const char digits[] = "0123456789abcdef";
	char esc[4];
	size_t n = 0;

#define PUT(c)                        \
	do {                          \
		if (n + 1 < cap)      \
			out[n] = (c); \
		n++;                  \
	} while (0)
	for (const char *k = keys[kind]; *k; k++)
		PUT(*k);
	PUT(' ');
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		size_t e = 0;

		if (*p == '\\') {
			esc[e++] = '\\';
			esc[e++] = '\\';
		} else if (*p == '\n') {
			esc[e++] = '\\';
			esc[e++] = 'n';
		} else if (*p == '\t') {
			esc[e++] = '\\';
			esc[e++] = 't';
		} else if (*p < 0x20 || *p >= 0x7f) {
			esc[e++] = '\\';
			esc[e++] = 'x';
			esc[e++] = digits[*p >> 4];
			esc[e++] = digits[*p & 15];
		} else {
			esc[e++] = (char)*p;
		}
		for (size_t i = 0; i < e; i++)
			PUT(esc[i]);
	}
	PUT('\n');
#undef PUT
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

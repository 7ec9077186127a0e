/*
 * cmdline.c - parse the kernel command line (kernel/, host-testable) into
 * key/value words kept in one static buffer; no allocation, so it works
 * before the heap does.
 */
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/string.h>

#define MAX_WORDS 128

static char buf[CMDLINE_MAX];
static const char *keys[MAX_WORDS], *vals[MAX_WORDS];
static unsigned nwords;
static const char *app_argv[MAX_WORDS + 1];
static unsigned app_argc;

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Copy one word from *sp into *dp, dropping quotes; split at the first '='. */
static void take_word(const char **sp, char **dp, const char **key,
		      const char **val)
{
	const char *s = *sp;
	char *d = *dp;
	bool quoted = false;

	*key = d;
	*val = NULL;
	for (; *s && (quoted || !is_space(*s)); s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (*s == '=' && !*val) {
			*d++ = '\0';
			*val = d;
			continue;
		}
		*d++ = *s;
	}
	*d++ = '\0';
	*sp = s;
	*dp = d;
}

int cmdline_init(const char *s)
{
	char *d = buf;
	bool app = false;

	nwords = app_argc = 0;
	if (strlen(s) > CMDLINE_MAX - 1)
		return -E2BIG;
	for (;;) {
		const char *k, *v;
		while (is_space(*s))
			s++;
		if (!*s)
			break;
		/* A word with '=' inside the app part is just an argument. */
		take_word(&s, &d, &k, &v);
		if (app) {
			if (v)
				((char *)v)[-1] = '=';
			if (app_argc < MAX_WORDS)
				app_argv[app_argc++] = k;
		} else if (!v && strcmp(k, "--") == 0) {
			app = true;
		} else if (nwords < MAX_WORDS) {
			keys[nwords] = k;
			vals[nwords++] = v ? v : "";
		}
	}
	app_argv[app_argc] = NULL;
	return 0;
}

const char *cmdline_get(const char *key)
{
	for (unsigned i = nwords; i-- > 0;)
		if (strcmp(keys[i], key) == 0)
			return vals[i];
	return NULL;
}

const char *cmdline_get_nth(const char *key, unsigned n)
{
	for (unsigned i = 0; i < nwords; i++)
		if (strcmp(keys[i], key) == 0 && n-- == 0)
			return vals[i];
	return NULL;
}

bool cmdline_list_has(const char *key, const char *item)
{
	const char *v = cmdline_get(key);
	size_t n = strlen(item);

	while (v && *v) {
		const char *end = strchr(v, ',');
		size_t len = end ? (size_t)(end - v) : strlen(v);
		if (len == n && strncmp(v, item, n) == 0)
			return true;
		v = end ? end + 1 : NULL;
	}
	return false;
}

long long cmdline_get_num(const char *key, long long def)
{
	const char *v = cmdline_get(key);
	unsigned long long n = 0, max = __LONG_LONG_MAX__;
	bool neg = false;

	if (!v || !*v)
		return def;
	if (*v == '-') {
		neg = true;
		max++; /* -LLONG_MIN is one more than LLONG_MAX */
		v++;
	}
	if (!*v)
		return def;
	for (; *v; v++) {
		unsigned d = (unsigned)(*v - '0');
		if (*v < '0' || *v > '9' || n > (max - d) / 10)
			return def;
		n = n * 10 + d;
	}
	return neg && n ? -(long long)(n - 1) - 1 : (long long)n;
}

unsigned cmdline_app_args(const char *const **argv)
{
	*argv = app_argv;
	return app_argc;
}

/*
 * test_runconf.c - lib/runconf.c: values with every awkward byte written
 * by runconf_format and read back by runconf_parse, truncated output,
 * comments and empty lines, each parse error with its line number, and
 * the callback's error passed through. Texts are parsed from buffers of
 * their exact length (no NUL after them) so ASan sees any read past it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/runconf.h>
#include "unit.h"

#define EINVAL_ 22 /* Linux's values, as in include/keel/errno.h */
#define ENOMEM_ 12

#define MAX_ITEMS 300

struct items {
	int n;
	enum runconf_kind kind[MAX_ITEMS];
	char *value[MAX_ITEMS];
	int fail_at; /* return -ENOMEM_ for this item (1-based), or 0 */
};

static int collect(void *ctx, enum runconf_kind kind, const char *value)
{
	struct items *it = ctx;

	assert_true(it->n < MAX_ITEMS);
	if (it->fail_at && it->n + 1 == it->fail_at)
		return -ENOMEM_;
	it->kind[it->n] = kind;
	it->value[it->n] = strdup(value);
	it->n++;
	return 0;
}

static void items_free(struct items *it)
{
	for (int i = 0; i < it->n; i++)
		free(it->value[i]);
	it->n = 0;
}

/* Parse text (len bytes, copied to a buffer of exactly that size). */
static int parse(const char *text, size_t len, struct items *it, unsigned *line,
		 const char **why)
{
	char *p = malloc(len ? len : 1);
	int rc;

	assert_non_null(p);
	memcpy(p, text, len);
	rc = runconf_parse(p, len, collect, it, line, why);
	free(p);
	return rc;
}

static void expect_error(const char *text, size_t len, unsigned line_want,
			 const char *why_want)
{
	struct items it = { 0 };
	unsigned line = 0;
	const char *why = NULL;

	assert_int_equal(parse(text, len, &it, &line, &why), -EINVAL_);
	assert_non_null(why);
	assert_string_equal(why, why_want);
	assert_int_equal(line, line_want);
	items_free(&it);
}
#define EXPECT_ERROR(text, line, why) \
	expect_error(text, sizeof(text) - 1, line, why)

static const char no_value[] = "a line has no value (want \"arg|env|cwd "
			       "VALUE\")";
static const char bad_escape[] = "a bad escape (want \\\\, \\n, \\t or \\xHH, "
				 "not \\x00)";
static const char unknown_key[] = "an unknown key (want arg, env or cwd)";
static const char no_newline[] = "the last line has no newline (truncated?)";

/* Format one line, checking the length agrees with what was written. */
static char *format(enum runconf_kind kind, const char *value)
{
	size_t need = runconf_format(NULL, 0, kind, value);
	char *out = malloc(need + 1);

	assert_non_null(out);
	assert_int_equal(runconf_format(out, need + 1, kind, value), need);
	assert_int_equal(strlen(out), need);
	assert_int_equal(out[need - 1], '\n');
	/* Only printable ASCII before the newline. */
	for (size_t i = 0; i + 1 < need; i++)
		assert_true(out[i] >= 0x20 && out[i] < 0x7f);
	return out;
}

static const char *const nasty[] = {
	"",
	" ",
	"   leading",
	"trailing   ",
	"  both  ",
	"a  b\tc",
	"back\\slash",
	"\\",
	"\\\\",
	"\\n is not a newline",
	"\\x41",
	"new\nline",
	"\n",
	"\n\n",
	"\ttab\t",
	"\r\n",
	"\x01",
	"\xff",
	"\x7f\x80",
	"caf\xc3\xa9",
	"PATH=/usr/bin:/bin",
	"A==B=",
	"=",
	"#not a comment",
	"arg env cwd",
	"\"quoted\" 'single'",
	"$HOME ${x} `id` ;|&<>",
};

static void test_round_trip(void **state)
{
	struct buf {
		char *p;
		size_t len;
	} all = { 0 };
	struct items it = { 0 };
	unsigned line;
	const char *why = NULL;
	char every[256];
	int n = 0;

	(void)state;
	/* Every byte but NUL, in one value. */
	for (int i = 1; i < 256; i++)
		every[i - 1] = (char)i;
	every[255] = '\0';

	for (size_t i = 0; i <= ARRAY_SIZE(nasty); i++) {
		const char *v = i < ARRAY_SIZE(nasty) ? nasty[i] : every;

		for (int k = RUNCONF_ARG; k <= RUNCONF_CWD; k++) {
			char *line_text = format((enum runconf_kind)k, v);
			size_t l = strlen(line_text);

			all.p = realloc(all.p, all.len + l);
			assert_non_null(all.p);
			memcpy(all.p + all.len, line_text, l);
			all.len += l;
			free(line_text);
			n++;
		}
	}
	assert_int_equal(parse(all.p, all.len, &it, &line, &why), 0);
	assert_int_equal(it.n, n);
	assert_int_equal(line, n);
	for (int i = 0; i < n; i++) {
		size_t v = (size_t)i / 3;

		assert_int_equal(it.kind[i], i % 3);
		assert_string_equal(it.value[i],
				    v < ARRAY_SIZE(nasty) ? nasty[v] : every);
	}
	items_free(&it);
	free(all.p);
}

static void test_format_text(void **state)
{
	char *s;

	(void)state;
	s = format(RUNCONF_ARG, "a b");
	assert_string_equal(s, "arg a b\n");
	free(s);
	s = format(RUNCONF_ENV, "X=\\\n\t\x01\xff ");
	assert_string_equal(s, "env X=\\\\\\n\\t\\x01\\xff \n");
	free(s);
	s = format(RUNCONF_CWD, "/");
	assert_string_equal(s, "cwd /\n");
	free(s);
}

/* A short buffer gets a NUL-ended prefix and the full length. */
static void test_format_truncates(void **state)
{
	const char *v = "x\ty\\z";
	char full[64], out[64];
	size_t need = runconf_format(full, sizeof(full), RUNCONF_ENV, v);

	(void)state;
	assert_string_equal(full, "env x\\ty\\\\z\n");
	assert_int_equal(need, strlen(full));
	assert_int_equal(runconf_format(NULL, 0, RUNCONF_ENV, v), need);
	for (size_t cap = 1; cap <= need + 1; cap++) {
		char *o = malloc(cap); /* exact size, for ASan */

		assert_non_null(o);
		assert_int_equal(runconf_format(o, cap, RUNCONF_ENV, v), need);
		assert_int_equal(strlen(o), cap - 1);
		assert_memory_equal(o, full, cap - 1);
		memcpy(out, o, cap);
		free(o);
	}
	assert_string_equal(out, full);
}

static void test_comments_and_empty_lines(void **state)
{
	static const char text[] = "# what to run\n"
				   "\n"
				   "arg /bin/sh\n"
				   "#arg not this\n"
				   "\n"
				   "\n"
				   "env A=1\n"
				   "# the end\n";
	struct items it = { 0 };
	unsigned line;
	const char *why = NULL;

	(void)state;
	assert_int_equal(parse(text, sizeof(text) - 1, &it, &line, &why), 0);
	assert_int_equal(it.n, 2);
	assert_int_equal(it.kind[0], RUNCONF_ARG);
	assert_string_equal(it.value[0], "/bin/sh");
	assert_int_equal(it.kind[1], RUNCONF_ENV);
	assert_string_equal(it.value[1], "A=1");
	assert_int_equal(line, 8);
	items_free(&it);

	/* Nothing at all, and only empty lines. */
	assert_int_equal(parse("", 0, &it, &line, &why), 0);
	assert_int_equal(it.n, 0);
	assert_int_equal(line, 0);
	assert_int_equal(parse("\n\n\n", 3, &it, &line, &why), 0);
	assert_int_equal(it.n, 0);
	assert_int_equal(line, 3);
	/* An empty value is a value (an empty argument). */
	assert_int_equal(parse("arg \n", 5, &it, &line, &why), 0);
	assert_int_equal(it.n, 1);
	assert_string_equal(it.value[0], "");
	items_free(&it);
}

static void test_parse_errors(void **state)
{
	(void)state;
	EXPECT_ERROR("arg a\nfoo b\n", 2, unknown_key);
	EXPECT_ERROR("ARG a\n", 1, unknown_key);
	EXPECT_ERROR("ar a\n", 1, unknown_key);
	EXPECT_ERROR("args a\n", 1, unknown_key);
	EXPECT_ERROR(" arg a\n", 1, unknown_key);
	EXPECT_ERROR("#\n\n# c\nenv\tA=1 x\n", 4, unknown_key);

	EXPECT_ERROR("arg a\n# c\n\nenv A=\\q\n", 4, bad_escape);
	EXPECT_ERROR("arg \\x00\n", 1, bad_escape);
	EXPECT_ERROR("arg a\\x0\n", 1, bad_escape);
	EXPECT_ERROR("arg a\\x\n", 1, bad_escape);
	EXPECT_ERROR("arg a\\xg0\n", 1, bad_escape);
	EXPECT_ERROR("arg a\\x0g\n", 1, bad_escape);
	EXPECT_ERROR("arg a\\\n", 1, bad_escape); /* a lone \ at the end */
	EXPECT_ERROR("arg \\N\n", 1, bad_escape);
	EXPECT_ERROR("arg \\ \n", 1, bad_escape);

	EXPECT_ERROR("arg\n", 1, no_value);
	EXPECT_ERROR("arg a\ncwd\n", 2, no_value);
	EXPECT_ERROR("env\tA=1\n", 1, no_value);

	EXPECT_ERROR("arg a", 1, no_newline);
	EXPECT_ERROR("arg a\narg b", 2, no_newline);
	EXPECT_ERROR("arg a\n\n# a comment", 3, no_newline);
	EXPECT_ERROR("arg a\n#", 2, no_newline);

	EXPECT_ERROR("arg a\0b\n", 1, "a NUL byte in a value");
	EXPECT_ERROR("arg a\nenv \0\n", 2, "a NUL byte in a value");
	/* A NUL in the key is an unknown key. */
	EXPECT_ERROR("ar\0 a\n", 1, unknown_key);
}

/* The callback's error stops the parse and comes back unchanged. */
static void test_callback_error(void **state)
{
	static const char text[] = "arg a\n\n# x\narg b\narg c\n";
	struct items it = { .fail_at = 2 };
	unsigned line = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(parse(text, sizeof(text) - 1, &it, &line, &why),
			 -ENOMEM_);
	assert_int_equal(it.n, 1); /* "c" was never seen */
	assert_string_equal(it.value[0], "a");
	assert_int_equal(line, 4);
	assert_null(why);
	items_free(&it);
}

/* Random texts of the bytes that matter: no crash, no read outside. */
static void test_random_texts(void **state)
{
	static const char alphabet[] = "argenvcwd \\\\\\nxtx0f1\n\n#\t\0\xff";
	uint64_t seed = 0x72756e63;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		char text[48];
		size_t len = unit_rand(&seed) % sizeof(text);
		struct items it = { 0 };
		unsigned line;
		const char *why = NULL;
		int rc;

		for (size_t i = 0; i < len; i++) {
			uint64_t r = unit_rand(&seed);

			/* Mostly a valid key at the start of a line. */
			if ((i == 0 || text[i - 1] == '\n') && r % 3 &&
			    i + 4 <= len) {
				memcpy(text + i, (r >> 8) % 2 ? "arg " : "env ",
				       4);
				i += 3;
				continue;
			}
			text[i] = alphabet[(r >> 16) % (sizeof(alphabet) - 1)];
		}
		rc = parse(text, len, &it, &line, &why);
		assert_true(rc == 0 || rc == -EINVAL_);
		assert_true(line <= len);
		items_free(&it);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format_text),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_comments_and_empty_lines),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_callback_error),
		cmocka_unit_test(test_random_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_cmdline.c - kernel/cmdline.c: words and KEY=VALUE pairs, quoting,
 * last-wins, comma lists, numbers (with overflow and garbage), the
 * application's words after "--", and the length limit.
 */
#include <limits.h>
#include <string.h>
#include <keel/cmdline.h>
#include "unit.h"

#define E2BIG_ 7 /* Linux's E2BIG, as in include/keel/errno.h */

static void init_ok(const char *s)
{
	assert_int_equal(cmdline_init(s), 0);
}

static void test_keys_values_and_bare_keys(void **state)
{
	(void)state;
	init_ok("console=ttyS0 quiet loglevel=7 a=b=c empty=");
	assert_string_equal(cmdline_get("console"), "ttyS0");
	assert_string_equal(cmdline_get("loglevel"), "7");
	assert_string_equal(cmdline_get("quiet"), "");
	assert_string_equal(cmdline_get("a"),
			    "b=c"); /* split at the first '=' */
	assert_string_equal(cmdline_get("empty"), "");
	assert_null(cmdline_get("missing"));
	assert_null(cmdline_get("consol"));
	assert_null(cmdline_get("console=ttyS0"));
	assert_null(cmdline_get(""));
}

static void test_whitespace(void **state)
{
	(void)state;
	init_ok("   a=1    b=2   ");
	assert_string_equal(cmdline_get("a"), "1");
	assert_string_equal(cmdline_get("b"), "2");
	/* Tabs and newlines separate words as spaces do. */
	init_ok("\ta=1\tb=2\nc\n");
	assert_string_equal(cmdline_get("a"), "1");
	assert_string_equal(cmdline_get("b"), "2");
	assert_string_equal(cmdline_get("c"), "");
	init_ok("");
	assert_null(cmdline_get("a"));
	init_ok("   ");
	assert_null(cmdline_get(""));
}

static void test_quoting(void **state)
{
	(void)state;
	init_ok("msg=\"hello world\" path=\"/a b/c\" q=\"\" mid=x\"y z\"w "
		"\"key with=space\" tab=\"a\tb\" after=1");
	assert_string_equal(cmdline_get("msg"), "hello world");
	assert_string_equal(cmdline_get("path"), "/a b/c");
	assert_string_equal(cmdline_get("q"), "");
	assert_string_equal(cmdline_get("mid"), "xy zw");
	assert_string_equal(cmdline_get("key with"), "space");
	assert_string_equal(cmdline_get("tab"), "a\tb");
	assert_string_equal(cmdline_get("after"), "1");
	/* An unterminated quote runs to the end of the line. */
	init_ok("x=\"open to the end y=2");
	assert_string_equal(cmdline_get("x"), "open to the end y=2");
	assert_null(cmdline_get("y"));
}

static void test_last_wins(void **state)
{
	(void)state;
	init_ok("a=1 b=2 a=3 c a=4 c=5");
	assert_string_equal(cmdline_get("a"), "4");
	assert_string_equal(cmdline_get("b"), "2");
	assert_string_equal(cmdline_get("c"), "5");
	init_ok("a=1 a");
	assert_string_equal(cmdline_get("a"), "");
	/* A new line replaces everything of the old one. */
	init_ok("z=9");
	assert_null(cmdline_get("a"));
	assert_null(cmdline_get("b"));
	assert_string_equal(cmdline_get("z"), "9");
}

static void test_repeated_in_order(void **state)
{
	(void)state;
	init_ok("keel.mount=a x=1 keel.mount=\"b c\" keel.mount= -- "
		"keel.mount=app");
	assert_string_equal(cmdline_get_nth("keel.mount", 0), "a");
	assert_string_equal(cmdline_get_nth("keel.mount", 1), "b c");
	assert_string_equal(cmdline_get_nth("keel.mount", 2), "");
	/* The application's words are not the kernel's. */
	assert_null(cmdline_get_nth("keel.mount", 3));
	assert_null(cmdline_get_nth("keel.moun", 0));
	assert_string_equal(cmdline_get_nth("x", 0), "1");
	assert_null(cmdline_get_nth("x", 1));
	init_ok("");
	assert_null(cmdline_get_nth("keel.mount", 0));
}

static void test_lists(void **state)
{
	(void)state;
	init_ok("keel.test=mem,sched,fault one=solo bare t=x,mem");
	assert_true(cmdline_list_has("keel.test", "mem"));
	assert_true(cmdline_list_has("keel.test", "sched"));
	assert_true(cmdline_list_has("keel.test", "fault"));
	assert_false(cmdline_list_has("keel.test", "me"));
	assert_false(cmdline_list_has("keel.test", "memo"));
	assert_false(cmdline_list_has("keel.test", "mem,sched"));
	assert_false(cmdline_list_has("keel.test", "x"));
	assert_true(cmdline_list_has("one", "solo"));
	assert_false(cmdline_list_has("one", "sol"));
	assert_false(cmdline_list_has("bare", "x"));
	assert_false(cmdline_list_has("absent", "mem"));
	assert_true(cmdline_list_has("t", "mem"));
	/* The last occurrence wins for lists too. */
	init_ok("l=a,b l=c");
	assert_false(cmdline_list_has("l", "a"));
	assert_true(cmdline_list_has("l", "c"));
}

static void test_numbers(void **state)
{
	(void)state;
	init_ok("n=42 neg=-17 zero=0 lead=007 big=9223372036854775807 "
		"over=9223372036854775808 huge=99999999999999999999999 "
		"min=-9223372036854775808 under=-9223372036854775809 "
		"hex=0x10 junk=12abc tail=5x empty= dash=- space=\"1 2\" bare "
		"dbl=--5 pos=123456789012 negzero=-0");
	assert_int_equal(cmdline_get_num("n", -1), 42);
	assert_int_equal(cmdline_get_num("neg", 0), -17);
	assert_int_equal(cmdline_get_num("zero", -1), 0);
	assert_int_equal(cmdline_get_num("lead", -1), 7);
	assert_int_equal(cmdline_get_num("pos", -1), 123456789012LL);
	assert_int_equal(cmdline_get_num("negzero", -1), 0);
	assert_true(cmdline_get_num("big", -1) == LLONG_MAX);
	assert_true(cmdline_get_num("min", -1) == LLONG_MIN);
	/* Out of range or not a number: the default. */
	assert_int_equal(cmdline_get_num("over", -3), -3);
	assert_int_equal(cmdline_get_num("huge", -3), -3);
	assert_int_equal(cmdline_get_num("under", -3), -3);
	assert_int_equal(cmdline_get_num("hex", -3), -3);
	assert_int_equal(cmdline_get_num("junk", -3), -3);
	assert_int_equal(cmdline_get_num("tail", -3), -3);
	assert_int_equal(cmdline_get_num("empty", -3), -3);
	assert_int_equal(cmdline_get_num("dash", -3), -3);
	assert_int_equal(cmdline_get_num("space", -3), -3);
	assert_int_equal(cmdline_get_num("bare", -3), -3);
	assert_int_equal(cmdline_get_num("dbl", -3), -3);
	assert_int_equal(cmdline_get_num("absent", 77), 77);
}

static void test_app_args(void **state)
{
	const char *const *argv;
	unsigned argc;

	(void)state;
	init_ok("quiet x=1 -- /bin/app -x key=val \"two words\" -- x=2");
	argc = cmdline_app_args(&argv);
	assert_int_equal(argc, 6);
	assert_string_equal(argv[0], "/bin/app");
	assert_string_equal(argv[1], "-x");
	assert_string_equal(argv[2], "key=val"); /* '=' kept in app words */
	assert_string_equal(argv[3], "two words");
	assert_string_equal(argv[4], "--");
	assert_string_equal(argv[5], "x=2");
	assert_null(argv[6]);
	/* The application's words are not kernel keys. */
	assert_string_equal(cmdline_get("x"), "1");
	assert_null(cmdline_get("key"));
	assert_string_equal(cmdline_get("quiet"), "");

	init_ok("quiet --");
	assert_int_equal(cmdline_app_args(&argv), 0);
	assert_null(argv[0]);
	init_ok("a=-- --x b");
	assert_int_equal(cmdline_app_args(&argv), 0);
	assert_string_equal(cmdline_get("a"), "--");
	assert_string_equal(cmdline_get("--x"), "");
	init_ok("-- only");
	assert_int_equal(cmdline_app_args(&argv), 1);
	assert_string_equal(argv[0], "only");
}

static void test_length_limit(void **state)
{
	static char s[CMDLINE_MAX + 8];
	const char *v;

	(void)state;
	/* The longest accepted line: CMDLINE_MAX - 1 characters. */
	memset(s, 'x', sizeof(s));
	memcpy(s, "k=", 2);
	s[CMDLINE_MAX - 1] = '\0';
	init_ok(s);
	v = cmdline_get("k");
	assert_non_null(v);
	assert_int_equal(strlen(v), CMDLINE_MAX - 3);
	/* One more is too long, and leaves no stale words behind. */
	memset(s, 'x', sizeof(s));
	memcpy(s, "k=", 2);
	s[CMDLINE_MAX] = '\0';
	assert_int_equal(cmdline_init(s), -E2BIG_);
	assert_null(cmdline_get("k"));
	s[CMDLINE_MAX + 4] = '\0';
	assert_int_equal(cmdline_init(s), -E2BIG_);
	/* Many short words close to the limit. */
	for (size_t i = 0; i + 2 < CMDLINE_MAX - 1; i += 2)
		memcpy(s + i, "a ", 2);
	s[CMDLINE_MAX - 2] = 'b';
	s[CMDLINE_MAX - 1] = '\0';
	init_ok(s);
	assert_string_equal(cmdline_get("a"), "");
}

/* The boot path: the line comes from the platform. */
static void test_from_platform(void **state)
{
	const char *const *argv;

	(void)state;
	hosted_set_cmdline("console=hvc0 -- /init start");
	init_ok(hyper_cmdline());
	assert_string_equal(cmdline_get("console"), "hvc0");
	assert_int_equal(cmdline_app_args(&argv), 2);
	assert_string_equal(argv[1], "start");
	hosted_set_cmdline(NULL);
	assert_string_equal(hyper_cmdline(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_values_and_bare_keys),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_last_wins),
		cmocka_unit_test(test_repeated_in_order),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_app_args),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_from_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

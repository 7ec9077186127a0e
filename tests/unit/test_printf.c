/*
 * test_printf.c - lib/printf.c against the host C library's snprintf: the
 * same format and arguments must give the same bytes and return value, over
 * generated tables of flags, widths, precisions, conversions and lengths.
 * The only intended difference, "%p" of NULL, is checked on its own.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "unit.h"

static int mismatches;

/* Format with both printfs into guarded buffers; count any difference. */
static void vcompare(size_t size, const char *fmt, va_list ap)
{
	char kb[512], hb[512];
	va_list a2;
	int kn, hn;

	memset(kb, 0x5a, sizeof(kb));
	memset(hb, 0x5a, sizeof(hb));
	va_copy(a2, ap);
	kn = keel_vsnprintf(kb, size, fmt, ap);
	hn = vsnprintf(hb, size, fmt, a2);
	va_end(a2);
	if (kn != hn || memcmp(kb, hb, sizeof(kb)) != 0) {
		if (mismatches++ < 20)
			print_message(
			    "mismatch: fmt \"%s\" size %zu: keel \"%s\" (%d), "
			    "host \"%s\" (%d)\n",
			    fmt, size, kn >= 0 ? kb : "", kn, hb, hn);
	}
}

static void cmp(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcompare(256, fmt, ap);
	va_end(ap);
}

static void cmp_size(size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcompare(size, fmt, ap);
	va_end(ap);
}

static const char *const flag_sets[] = {
	"",   "-",  "0",  "+",	" ",  "#",  "-+",
	"0+", "- ", "#0", "-#", "+ ", "-0", "#-0+",
};
static const char *const widths[] = { "", "1", "3", "8", "25" };
static const char *const precs[] = { "", ".", ".0", ".1", ".4", ".12" };

/* Build "%<flags><width><prec><len><conv>" into f. */
static void make_fmt(char *f, size_t n, const char *flags, const char *w,
		     const char *p, const char *len, char conv)
{
	snprintf(f, n, "[%%%s%s%s%s%c]", flags, w, p, len, conv);
}

static void test_signed(void **state)
{
	static const int vals[] = { 0,	   1,	    -1,	     7,	  -42,
				    12345, INT_MAX, INT_MIN, -255 };
	char f[64];

	(void)state;
	mismatches = 0;
	for (size_t a = 0; a < ARRAY_SIZE(flag_sets); a++) {
		if (strchr(flag_sets[a], '#')) /* undefined for d and i */
			continue;
		for (size_t b = 0; b < ARRAY_SIZE(widths); b++)
			for (size_t c = 0; c < ARRAY_SIZE(precs); c++)
				for (size_t v = 0; v < ARRAY_SIZE(vals); v++) {
					make_fmt(f, sizeof(f), flag_sets[a],
						 widths[b], precs[c], "",
						 v % 2 ? 'd' : 'i');
					cmp(f, vals[v]);
				}
	}
	assert_int_equal(mismatches, 0);
}

static void test_unsigned(void **state)
{
	static const unsigned vals[] = {
		0, 1, 7, 8, 255, 0x1234abcd, UINT_MAX, 0x80000000u
	};
	static const char convs[] = "uxXo";
	char f[64];

	(void)state;
	mismatches = 0;
	for (size_t a = 0; a < ARRAY_SIZE(flag_sets); a++)
		for (size_t b = 0; b < ARRAY_SIZE(widths); b++)
			for (size_t c = 0; c < ARRAY_SIZE(precs); c++)
				for (size_t k = 0; k < 4; k++) {
					if (convs[k] == 'u' &&
					    strchr(flag_sets[a], '#'))
						continue; /* undefined for u */
					for (size_t v = 0; v < ARRAY_SIZE(vals);
					     v++) {
						make_fmt(f, sizeof(f),
							 flag_sets[a],
							 widths[b], precs[c],
							 "", convs[k]);
						cmp(f, vals[v]);
					}
				}
	assert_int_equal(mismatches, 0);
}

static void test_length_modifiers(void **state)
{
	static const long long vals[] = {
		0,
		1,
		-1,
		127,
		128,
		-129,
		255,
		256,
		32767,
		-32769,
		65535,
		70000,
		INT_MAX,
		(long long)INT_MAX + 1,
		INT_MIN,
		LLONG_MAX,
		LLONG_MIN,
		-1234567890123LL,
		0x7fffffffffLL,
	};
	static const char *const lens[] = {
		"hh", "h", "l", "ll", "z", "j", "t"
	};
	static const char convs[] = "diuxXo";
	char f[64];

	(void)state;
	mismatches = 0;
	for (size_t l = 0; l < ARRAY_SIZE(lens); l++)
		for (size_t k = 0; k < 6; k++)
			for (size_t v = 0; v < ARRAY_SIZE(vals); v++) {
				const char *fl = v % 3 == 0   ? ""
						 : v % 3 == 1 ? "-5"
							      : "#012";
				bool sign = convs[k] == 'd' || convs[k] == 'i';

				if (sign && fl[0] == '#')
					fl = "+012";
				make_fmt(f, sizeof(f), "", fl, "", lens[l],
					 convs[k]);
				if (lens[l][0] ==
				    'h') /* promoted to int on the way */
					cmp(f, (int)vals[v]);
				else if (lens[l][0] == 'l' || lens[l][0] == 'j')
					cmp(f,
					    vals[v]); /* long and long long: 64 bits */
				else
					cmp(f, (size_t)vals[v]);
			}
	assert_int_equal(mismatches, 0);
}

static void test_strings_and_chars(void **state)
{
	static const char *const strs[] = { "", "a", "hello", "with spaces  ",
					    "a rather longer string" };
	static const char *const sflags[] = { "", "-" };
	static const char chars[] = { 'x', ' ', '%', '~' };
	char f[64];

	(void)state;
	mismatches = 0;
	for (size_t a = 0; a < 2; a++)
		for (size_t b = 0; b < ARRAY_SIZE(widths); b++) {
			for (size_t c = 0; c < ARRAY_SIZE(precs); c++)
				for (size_t s = 0; s < ARRAY_SIZE(strs); s++) {
					make_fmt(f, sizeof(f), sflags[a],
						 widths[b], precs[c], "", 's');
					cmp(f, strs[s]);
				}
			for (size_t c = 0; c < ARRAY_SIZE(chars); c++) {
				make_fmt(f, sizeof(f), sflags[a], widths[b], "",
					 "", 'c');
				cmp(f, chars[c]);
			}
		}
	/* A NUL character is still one byte of output. */
	cmp("a%cb", 0);
	cmp("[%3c]", 0);
	cmp("[%-3c]", 0);
	/* Precision cuts a string that is not NUL-terminated within it. */
	char unterminated[4] = { 'a', 'b', 'c', 'd' };
	cmp("%.4s|%.2s", unterminated, unterminated);
	assert_int_equal(mismatches, 0);
}

static void test_pointers(void **state)
{
	int x;
	void *ptrs[] = { &x, (void *)1, (void *)0xdeadbeef, (void *)UINTPTR_MAX,
			 (void *)test_pointers };
	char buf[64];

	(void)state;
	mismatches = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ptrs); i++) {
		cmp("%p", ptrs[i]);
		cmp("[%20p]", ptrs[i]);
		cmp("[%-20p]", ptrs[i]);
		cmp("[%3p]", ptrs[i]);
	}
	assert_int_equal(mismatches, 0);
	/* glibc prints "(nil)"; the kernel keeps the 0x form. */
	assert_int_equal(keel_snprintf(buf, sizeof(buf), "%p", NULL), 3);
	assert_string_equal(buf, "0x0");
	assert_int_equal(keel_snprintf(buf, sizeof(buf), "[%5p]", NULL), 7);
	assert_string_equal(buf, "[  0x0]");
}

static void test_star_and_percent(void **state)
{
	static const int ws[] = { -12, -1, 0, 1, 5, 20 };
	static const int ps[] = { -3, -1, 0, 1, 2, 9 };

	(void)state;
	mismatches = 0;
	for (size_t i = 0; i < ARRAY_SIZE(ws); i++) {
		cmp("[%*d]", ws[i], -42);
		cmp("[%-*u]", ws[i], 42u);
		cmp("[%*s]", ws[i], "str");
		for (size_t j = 0; j < ARRAY_SIZE(ps); j++) {
			cmp("[%*.*x]", ws[i], ps[j], 0xbeefu);
			cmp("[%0*.*d]", ws[i], ps[j], -7);
			cmp("[%.*s]", ps[j], "precision");
		}
	}
	cmp("100%%");
	cmp("%%d%%s%%");
	cmp("a%%b%dc%%", 5);
	cmp("x=%d y=%s z=%5.2x%% w=%c%lu", -3, "s", 0xfu, 'q', 99ul);
	cmp("no conversions at all");
	cmp("");
	assert_int_equal(mismatches, 0);
}

static void test_truncation(void **state)
{
	char buf[32];

	(void)state;
	mismatches = 0;
	/* Every buffer size: same prefix, NUL, untouched tail, full length. */
	for (size_t size = 0; size <= 24; size++) {
		cmp_size(size, "%s-%05d-%x", "abc", 42, 0xabcdu);
		cmp_size(size, "%-8s|%+d", "xy", 7);
		cmp_size(size, "%c%c%c%c", 'a', 'b', 'c', 'd');
	}
	assert_int_equal(mismatches, 0);
	/* Size 0 writes nothing at all, even through a NULL buffer. */
	assert_int_equal(keel_snprintf(NULL, 0, "%d and %s", 12345, "more"),
			 14);
	memset(buf, '#', sizeof(buf));
	assert_int_equal(keel_snprintf(buf, 1, "abc"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], '#');
	assert_int_equal(keel_snprintf(buf, 4, "abcdef"), 6);
	assert_string_equal(buf, "abc");
	assert_int_equal(buf[4], '#');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_length_modifiers),
		cmocka_unit_test(test_strings_and_chars),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_star_and_percent),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

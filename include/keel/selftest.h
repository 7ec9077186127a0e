/*
 * selftest.h - in-kernel self-tests, chosen on the command line with
 * keel.test=NAME[,NAME...] ("all" runs every test not marked as crashing).
 * Each test returns 0 on success, SELFTEST_SKIPPED (after printing why)
 * when the machine lacks what it needs; ST_CHECK reports the failing
 * condition.
 * The boot tests in tests/boot read their output from the serial console.
 */
#ifndef KEEL_SELFTEST_H
#define KEEL_SELFTEST_H

#include <keel/printk.h>

struct selftest {
	const char *name;
	int (*fn)(void);
	bool by_name; /* crashes on purpose or is slow: only run when named */
};

#define SELFTEST_SKIPPED 1 /* not run: counted apart, never as passed */

#define SELFTEST_DEFINE(name_, fn_, by_name_)                         \
	static const struct selftest selftest_##fn_ __used __section( \
	    ".selftests") __aligned(8) = { name_, fn_, by_name_ }
#define SELFTEST(name, fn) SELFTEST_DEFINE(name, fn, false)
#define SELFTEST_CRASH(name, fn) SELFTEST_DEFINE(name, fn, true)
#define SELFTEST_BY_NAME(name, fn) SELFTEST_DEFINE(name, fn, true)

#define ST_CHECK(cond)                                                \
	do {                                                          \
		if (!(cond)) {                                        \
			printk("  check failed: %s (%s:%d)\n", #cond, \
			       __FILE__, __LINE__);                   \
			return -1;                                    \
		}                                                     \
	} while (0)

/* Run the tests the command line asks for; returns how many failed. */
int selftest_run(void);

#endif

/*
 * selftest.c - the self-test runner (kernel/): walks the .selftests
 * section, runs what keel.test= selects, checks that no test leaked heap
 * memory, and prints one line per test plus a summary the boot tests parse.
 */
#include <keel/cmdline.h>
#include <keel/heap.h>
#include <keel/selftest.h>
#include <keel/string.h>
#include <keel/time.h>

extern const struct selftest __selftests_start[], __selftests_end[];

static bool selected(const struct selftest *t)
{
	if (cmdline_list_has("keel.test", t->name))
		return true;
	return !t->by_name && cmdline_list_has("keel.test", "all");
}

static const char *verdict(int rc)
{
	if (rc == SELFTEST_SKIPPED)
		return "skipped";
	return rc ? "FAIL" : "ok";
}

int selftest_run(void)
{
	int passed = 0, failed = 0, skipped = 0;

	for (const struct selftest *t = __selftests_start; t < __selftests_end;
	     t++) {
		struct heap_stats before, after;
		uint64_t t0;
		int rc;

		if (!selected(t))
			continue;
		printk("selftest %s: start\n", t->name);
		heap_stats(&before);
		t0 = time_now_ns();
		rc = t->fn();
		heap_stats(&after);
		if (rc == 0 && after.live_objects > before.live_objects) {
			printk("  heap leak: %zu objects before, %zu after\n",
			       before.live_objects, after.live_objects);
			rc = -1;
		}
		printk("selftest %s: %s (%lu us)\n", t->name, verdict(rc),
		       (time_now_ns() - t0) / 1000);
		if (rc == SELFTEST_SKIPPED)
			skipped++;
		else if (rc)
			failed++;
		else
			passed++;
	}
	if (passed + failed + skipped == 0 && cmdline_get("keel.test") &&
	    strcmp(cmdline_get("keel.test"), "none") != 0) {
		printk("selftests: no test matches keel.test=%s\n",
		       cmdline_get("keel.test"));
		return 1;
	}
	printk("selftests: %d passed, %d failed, %d skipped of %d\n", passed,
	       failed, skipped, passed + failed + skipped);
	return failed;
}

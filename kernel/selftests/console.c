/*
 * console.c - console throughput and integrity (kernel/selftests), run
 * only when named: 1 MiB of numbered 64-byte lines and their FNV-1a hash,
 * which the host recomputes over what it received (tests/boot, tests/xen).
 */
#include <keel/printf.h>
#include <keel/selftest.h>
#include <keel/time.h>

#define LINES 16384

static int test_console_flood(void)
{
	uint64_t hash = 0xcbf29ce484222325ULL, t0 = time_now_ns();
	char line[65];

	for (int i = 0; i < LINES; i++) {
		/* 63 visible bytes and a newline: "flood 000123 abcd..." */
		int n = snprintf(line, sizeof(line), "flood %06d ", i);
		for (; n < 63; n++)
			line[n] = (char)('a' + (i + n) % 26);
		line[63] = '\n';
		line[64] = '\0';
		for (int k = 0; k < 64; k++) {
			hash ^= (uint8_t)line[k];
			hash *= 0x100000001b3ULL;
		}
		printk("%s", line);
	}
	printk("console-flood: %d bytes fnv1a64 %016lx in %lu ms\n", LINES * 64,
	       hash, (time_now_ns() - t0) / 1000000);
	return 0;
}
SELFTEST_BY_NAME("console-flood", test_console_flood);

/*
 * test_copy.c - the copies under keel's memory moves, on the host CPU:
 * arch/x86_64/copy.S (user_copy, user_zero: every user-memory access) and
 * lib/string.c's memcpy, memmove, memset and memchr (built with a keel_
 * prefix).
 * Every size 0..300 and some large ones, at every pair of alignments mod
 * 16, against the C library, with guard bytes around the destination; and
 * faults: a copy or zeroing that runs into a PROT_NONE page, from either
 * side, at odd distances from it, must stop at exactly the first bad byte
 * and say how many it did not do. The fault handler here does what the
 * kernel's does with the exception table: resume at the entry's fixup.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "unit.h"

size_t user_copy(void *dst, const void *src, size_t n);
size_t user_zero(void *dst, size_t n);
void *keel_memcpy(void *dst, const void *src, size_t n);
void *keel_memmove(void *dst, const void *src, size_t n);
void *keel_memset(void *dst, int c, size_t n);
void *keel_memchr(const void *s, int c, size_t n);

struct extable_entry {
	uint64_t insn, fixup;
};
extern const struct extable_entry user_copy_extable[], user_copy_extable_end[];

#define GUARD 32
#define MAXN (70000 + 16)

static unsigned char src[MAXN + 64], dst[MAXN + 2 * GUARD + 64],
    want[MAXN + 2 * GUARD + 64];
static const size_t big[] = {
	511, 512, 513, 4095, 4096, 4097, 65536 + 13, 70000
};
static int faults;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];

	(void)sig;
	(void)si;
	for (const struct extable_entry *e = user_copy_extable;
	     e < user_copy_extable_end; e++) {
		if (e->insn == (uint64_t)*rip) {
			*rip = (greg_t)e->fixup;
			faults++;
			return;
		}
	}
	abort(); /* a fault outside the table: the test's own bug */
}

static void fill(unsigned char *p, size_t n, uint64_t *seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)unit_rand(seed);
}

/* One copy of n bytes with src at offset so, dst at offset d (+ GUARD). */
static void one_copy(size_t n, unsigned so, unsigned d, int which)
{
	unsigned char *to = dst + GUARD + d;
	size_t span = n + 2 * GUARD + 16;

	memset(dst, 0xa5, span);
	memcpy(want, dst, span);
	memcpy(want + GUARD + d, src + so, n);
	if (which == 0)
		assert_int_equal(user_copy(to, src + so, n), 0);
	else
		assert_ptr_equal(keel_memcpy(to, src + so, n), to);
	assert_memory_equal(dst, want, span);
}

static void one_zero(size_t n, unsigned d, int which, int c)
{
	unsigned char *to = dst + GUARD + d;
	size_t span = n + 2 * GUARD + 16;

	memset(dst, 0xa5, span);
	memcpy(want, dst, span);
	memset(want + GUARD + d, c, n);
	if (which == 0)
		assert_int_equal(user_zero(to, n), 0);
	else
		assert_ptr_equal(keel_memset(to, c, n), to);
	assert_memory_equal(dst, want, span);
}

static void each_size(void (*fn)(size_t n, unsigned a, unsigned b, int w),
		      int which)
{
	for (size_t n = 0; n <= 300 + sizeof(big) / sizeof(big[0]); n++) {
		size_t len = n <= 300 ? n : big[n - 301];

		/* The large sizes at fewer alignments: the same paths. */
		unsigned step = n <= 300 ? 1 : 7;

		for (unsigned a = 0; a < 16; a += step)
			for (unsigned b = 0; b < 16; b += step)
				fn(len, a, b, which);
	}
}

static void zero_adapter(size_t n, unsigned a, unsigned b, int which)
{
	if (a == 0) /* the source offset does not apply */
		one_zero(n, b, which, which ? (int)(n & 0xff) : 0);
}

/* which 0: user_copy and user_zero; 1: keel_memcpy and keel_memset. */
static void all_sizes(int which, uint64_t seed)
{
	fill(src, sizeof(src), &seed);
	each_size(one_copy, which);
	each_size(zero_adapter, which);
}

static void test_user_copy(void **state)
{
	(void)state;
	all_sizes(0, 17);
}

static void test_string(void **state)
{
	(void)state;
	all_sizes(1, 23);
}

/* memmove over itself, both directions, every shift 0..70 and sizes. */
static void test_memmove(void **state)
{
	static unsigned char a[9000], b[9000];
	static const size_t sizes[] = { 0, 1, 7, 8, 9, 31, 32, 33, 100, 4097 };
	uint64_t seed = 29;

	(void)state;
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (unsigned from = 0; from < 70; from++) {
			for (unsigned to = 0; to < 70; to++) {
				size_t n = sizes[k];

				fill(a, sizeof(a), &seed);
				memcpy(b, a, sizeof(a));
				memmove(b + to, b + from, n);
				assert_ptr_equal(
				    keel_memmove(a + to, a + from, n), a + to);
				assert_memory_equal(a, b, sizeof(a));
			}
		}
	}
}

/* memchr at every start, length and byte, against the C library's. */
static void test_memchr(void **state)
{
	static unsigned char a[200];
	uint64_t seed = 37;

	(void)state;
	for (int round = 0; round < 4; round++) {
		fill(a, sizeof(a), &seed);
		for (size_t i = 0; i < sizeof(a); i++) /* few distinct bytes */
			a[i] = round & 1 ? a[i] % 5 + 0xfd : a[i] | 0x80;
		for (size_t at = 0; at < 16; at++)
			for (size_t n = 0; at + n <= sizeof(a); n++)
				for (int c = 0xfc; c <= 0x100; c++)
					assert_ptr_equal(
					    keel_memchr(a + at, c, n),
					    memchr(a + at, c, n));
	}
}

/*
 * A region of 3 pages whose third is PROT_NONE: copies into it, out of
 * it and zeroing it from `room` bytes before the bad page, n bytes long,
 * must do exactly min(room, n) bytes.
 */
static void test_faults(void **state)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *bad = m + 2 * pg;
	static const size_t rooms[] = { 0,  1,	2,   7,	   8,	 9,   63,
					64, 65, 100, 4095, 4096, 5000 };
	static const size_t lens[] = { 1, 3, 8, 64, 65, 129, 300, 8192 };
	struct sigaction sa = { .sa_sigaction = on_segv,
				.sa_flags = SA_SIGINFO };
	struct sigaction old;
	uint64_t seed = 31;

	(void)state;
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(bad, pg, PROT_NONE), 0);
	assert_int_equal(sigaction(SIGSEGV, &sa, &old), 0);
	fill(src, sizeof(src), &seed);
	for (unsigned r = 0; r < sizeof(rooms) / sizeof(rooms[0]); r++) {
		for (unsigned l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			size_t room = rooms[r], n = lens[l];
			size_t done = room < n ? room : n;
			unsigned char *at = bad - room;

			/* Into the bad page. */
			memset(m, 0, 2 * pg);
			faults = 0;
			assert_int_equal(user_copy(at, src, n), n - done);
			assert_memory_equal(at, src, done);
			assert_int_equal(faults > 0, done < n);
			/* Zeroing into it. */
			memset(m, 0xff, 2 * pg);
			assert_int_equal(user_zero(at, n), n - done);
			for (size_t i = 0; i < done; i++)
				assert_int_equal(at[i], 0);
			if (room)
				assert_int_equal(at[-1], 0xff);
			/* Out of it, to a destination at each alignment
			 * (the fault may come in the aligning head). */
			memcpy(at, src, done);
			for (unsigned d = 0; d < 8; d++) {
				memset(dst, 0xa5, n + 16);
				assert_int_equal(user_copy(dst + d, at, n),
						 n - done);
				assert_memory_equal(dst + d, src, done);
				assert_int_equal(dst[d + done], 0xa5);
			}
		}
	}
	assert_int_equal(sigaction(SIGSEGV, &old, NULL), 0);
	munmap(m, 3 * pg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_copy), cmocka_unit_test(test_string),
		cmocka_unit_test(test_memmove),	  cmocka_unit_test(test_memchr),
		cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * random.c - random bytes for the kernel and getrandom(2) (kernel/): a
 * xoshiro256** generator seeded on first use from the platform's seed
 * (RDRAND or the like, hyper_random_seed) mixed with the clock through
 * splitmix64. Good statistics, no cryptographic claim (docs/design.md).
 * keel.seed=N on the command line seeds it with N alone, so that a run
 * (the program's random choices, where exec places a PIE) can be repeated.
 */
#include <keel/cmdline.h>
#include <keel/hyper.h>
#include <keel/random.h>
#include <keel/string.h>
#include <keel/time.h>

static uint64_t s[4];
static bool seeded;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next(void)
{
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

void random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;

	if (!seeded) {
		uint64_t x = hyper_random_seed() ^ time_now_ns();

		if (cmdline_get("keel.seed"))
			x = (uint64_t)cmdline_get_num("keel.seed", 0);

		for (int i = 0; i < 4; i++)
			s[i] = splitmix64(&x);
		seeded = true;
	}
	while (n) {
		uint64_t v = next();
		size_t k = MIN(n, sizeof(v));

		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

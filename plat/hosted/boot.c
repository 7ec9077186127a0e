/*
 * boot.c - boot information and machine control for a Linux process
 * (plat/hosted): the memory arena behind direct_map_base, the memory map,
 * boot modules, command line and seed tests set, hyper_shutdown handing
 * its status to a test's hook, and a watchdog against livelocked tests.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <hosted.h>
#include <keel/page.h>
#include <keel/pmm.h>

#define ARENA_ALIGN (2UL << 20)

uintptr_t direct_map_base;

static void *arena_map;
static size_t arena_map_len, arena_size;
static struct hyper_mem_region memmap[64];
static unsigned nmemmap;
static struct {
	uint64_t base, size;
	bool present;
} modules[HOSTED_MAX_MODULES];
static const char *cmdline = "";
static uint64_t seed = 0x6b65656c5eed0001ULL;
static hosted_shutdown_hook shutdown_hook;
static int shutdown_status = -1;

void *hosted_arena_create(size_t bytes)
{
	size_t len = bytes + ARENA_ALIGN;
	void *m;

	if (arena_map)
		munmap(arena_map, arena_map_len);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		hosted_fatal("cannot map a %zu-byte arena", bytes);
	arena_map = m;
	arena_map_len = len;
	arena_size = bytes;
	direct_map_base = ALIGN_UP((uintptr_t)m, ARENA_ALIGN);
	return (void *)direct_map_base;
}

size_t hosted_arena_size(void)
{
	return arena_size;
}

int hosted_mem_init(size_t bytes)
{
	struct pmm_range ram = { 0, bytes };

	hosted_arena_create(bytes);
	return pmm_init(&ram, 1, NULL, 0, bytes);
}

void hyper_init(void)
{
}

const char *hyper_name(void)
{
	return "hosted";
}

const char *hyper_cmdline(void)
{
	return cmdline;
}

void hosted_set_cmdline(const char *s)
{
	cmdline = s ? s : "";
}

unsigned hyper_memory_map(struct hyper_mem_region *out, unsigned max)
{
	if (!nmemmap) {
		if (!arena_size)
			return 0;
		if (max)
			out[0] = (struct hyper_mem_region){ 0, arena_size };
		return 1;
	}
	for (unsigned i = 0; i < nmemmap && i < max; i++)
		out[i] = memmap[i];
	return nmemmap;
}

void hosted_set_memory_map(const struct hyper_mem_region *r, unsigned n)
{
	if (n > ARRAY_SIZE(memmap))
		hosted_fatal("memory map of %u regions is too long", n);
	if (n)
		memcpy(memmap, r, n * sizeof(*r));
	nmemmap = n;
}

int hyper_boot_module(unsigned i, uint64_t *base, uint64_t *size)
{
	if (i >= HOSTED_MAX_MODULES || !modules[i].present)
		return -2; /* -ENOENT */
	*base = modules[i].base;
	*size = modules[i].size;
	return 0;
}

void hosted_set_boot_module(unsigned i, uint64_t base, uint64_t size)
{
	if (i >= HOSTED_MAX_MODULES)
		hosted_fatal("boot module %u out of range", i);
	modules[i].base = base;
	modules[i].size = size;
	modules[i].present = true;
}

void hosted_clear_boot_modules(void)
{
	memset(modules, 0, sizeof(modules));
}

uint64_t hyper_random_seed(void)
{
	return seed;
}

void hosted_set_random_seed(uint64_t s)
{
	seed = s;
}

void hyper_shutdown(int status)
{
	shutdown_status = status;
	if (shutdown_hook)
		shutdown_hook(status);
	hosted_fatal("hyper_shutdown(%d)", status);
}

void hosted_set_shutdown_hook(hosted_shutdown_hook hook)
{
	shutdown_hook = hook;
}

int hosted_shutdown_status(void)
{
	return shutdown_status;
}

void hosted_shutdown_reset(void)
{
	shutdown_status = -1;
}

/*
 * A test that spins forever (a scheduler livelock, say) should fail, not
 * hang: SIGALRM after KEEL_HOSTED_TIMEOUT seconds (default 60, 0: never).
 */
static void watchdog_fired(int sig)
{
	static const char msg[] = "hosted: watchdog: test program ran too long "
				  "(set KEEL_HOSTED_TIMEOUT to change)\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(134);
	abort();
}

__attribute__((constructor)) static void watchdog_start(void)
{
	const char *env = getenv("KEEL_HOSTED_TIMEOUT");
	unsigned secs = env ? (unsigned)strtoul(env, NULL, 10) : 60;

	if (secs) {
		signal(SIGALRM, watchdog_fired);
		alarm(secs);
	}
}

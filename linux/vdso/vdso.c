/*
 * vdso.c - keel's vDSO (linux/vdso/, user mode): the clock calls a
 * program makes without entering the kernel. Built at kernel build time
 * into a shared object without libc (linux/vdso/vdso.lds, vdso.map),
 * embedded in keel.elf (linux/vdso_image.S) and mapped into every
 * process with the clock page (include/keel/vvar.h) right below it.
 * Each function computes what the syscall would return, from the same
 * counter and scale the kernel uses; when the page says user mode cannot
 * read the clock (VCLOCK_NONE), or for a clock it does not know, it
 * makes the syscall. docs/vm.md, "The vDSO".
 */
#include <keel/vvar.h>
#include <uapi/time.h>

/* Linux's x86-64 numbers of the calls it may fall back to. */
#define NR_gettimeofday 96
#define NR_time 201
#define NR_clock_gettime 228
#define NR_clock_getres 229
#define NR_getcpu 309

#define NSEC 1000000000LL
/* What the version script exports (everything else is hidden). */
#define EXPORT __attribute__((visibility("default")))

/* The ELF header: the first byte of the vDSO (the linker's symbol). */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));

/* The real call, for what cannot be computed here: -errno or a value. */
static inline long syscall2(long nr, long a, long b)
{
	register long ret __asm__("rax") = nr;

	__asm__ volatile("syscall"
			 : "+r"(ret)
			 : "D"(a), "S"(b)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline const volatile struct vvar *vvar(void)
{
	return (const volatile struct vvar *)((uintptr_t)__ehdr_start -
					      VVAR_SIZE);
}

/* The counter, read after every earlier load (as the kernel's is). */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/*
 * Monotonic ns into *mono and the realtime offset into *wall, as the
 * kernel's clock computes them; false when user mode cannot read it.
 */
static bool read_clock(uint64_t *mono, int64_t *wall)
{
	const volatile struct vvar *v = vvar();
	uint64_t tsc, base, mult;
	uint32_t seq, shift;

	do {
		seq = v->seq;
		__asm__ volatile("" : : : "memory");
		if (v->vclock != VCLOCK_TSC)
			return false;
		base = v->tsc_base;
		mult = v->mult;
		shift = v->shift;
		*wall = v->wall_ns;
		tsc = rdtsc_ordered();
		__asm__ volatile("" : : : "memory");
	} while ((seq & 1) || seq != v->seq);
	*mono =
	    tsc > base
		? (uint64_t)(((unsigned __int128)(tsc - base) * mult) >> shift)
		: 0;
	return true;
}

/* The clocks computed here: keel's syscall gives each of them either
 * the monotonic clock or the real time (linux/sys_info.c, clock_ns). */
static int clock_kind(long id)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return 2;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return 1;
	default:
		return 0;
	}
}

/* ns split as the kernel's ns_to_timespec does (rest in [0, 10^9)). */
static int64_t split(int64_t ns, int64_t *sec)
{
	int64_t rest = ns % NSEC;

	*sec = ns / NSEC;
	if (rest < 0) {
		rest += NSEC;
		(*sec)--;
	}
	return rest;
}

EXPORT int __vdso_clock_gettime(long id, struct linux_timespec *ts)
{
	int kind = clock_kind(id);
	uint64_t mono;
	int64_t wall, ns;

	if (!kind || !read_clock(&mono, &wall))
		return (int)syscall2(NR_clock_gettime, id, (long)ts);
	ns = (int64_t)mono + (kind == 2 ? wall : 0);
	ts->tv_nsec = split(ns, &ts->tv_sec);
	return 0;
}

/* The time zone is obsolete; keel's syscall leaves it untouched too. */
EXPORT int __vdso_gettimeofday(struct linux_timeval *tv, void *tz)
{
	uint64_t mono;
	int64_t wall;

	if (!tv)
		return 0;
	if (!read_clock(&mono, &wall))
		return (int)syscall2(NR_gettimeofday, (long)tv, (long)tz);
	tv->tv_usec = split((int64_t)mono + wall, &tv->tv_sec) / 1000;
	return 0;
}

EXPORT long __vdso_time(long *t)
{
	uint64_t mono;
	int64_t wall, secs;

	if (!read_clock(&mono, &wall))
		return syscall2(NR_time, (long)t, 0);
	secs = ((int64_t)mono + wall) / NSEC;
	if (t)
		*t = secs;
	return secs;
}

/* Every clock of keel's counts in nanoseconds. */
EXPORT int __vdso_clock_getres(long id, struct linux_timespec *res)
{
	if (!clock_kind(id))
		return (int)syscall2(NR_clock_getres, id, (long)res);
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1;
	}
	return 0;
}

/* keel runs one CPU (node 0), as its getcpu(2) answers. */
EXPORT long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
	(void)cache;
	if (cpu)
		*cpu = 0;
	if (node)
		*node = 0;
	return 0;
}

/* The names without the prefix Linux exports as well. */
int clock_gettime(long id, struct linux_timespec *ts)
    __attribute__((weak, visibility("default"), alias("__vdso_clock_gettime")));
int gettimeofday(struct linux_timeval *tv, void *tz)
    __attribute__((weak, visibility("default"), alias("__vdso_gettimeofday")));
long time(long *t)
    __attribute__((weak, visibility("default"), alias("__vdso_time")));
int clock_getres(long id, struct linux_timespec *res)
    __attribute__((weak, visibility("default"), alias("__vdso_clock_getres")));
long getcpu(unsigned *cpu, unsigned *node, void *cache)
    __attribute__((weak, visibility("default"), alias("__vdso_getcpu")));

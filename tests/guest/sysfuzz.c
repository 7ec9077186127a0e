/*
 * sysfuzz.c - garbage to every system call keel implements (tests/guest).
 *
 *     sysfuzz [SEED [CALLS [v]]]     (defaults 1 and 10000; v: print each call)
 *
 * The calls are linux/syscalls.h itself, numbered by the host's
 * <asm/unistd_64.h>. Each argument is drawn from 0, -1, small integers,
 * limits and powers of two, kernel and non-canonical addresses, unmapped
 * user addresses, misaligned and valid pointers into a scratch buffer
 * (filled with random bytes, path names, iovecs, timespecs). The kernel
 * must answer every call with a result or an error; a kernel fault is a
 * panic (status 127). The program ends with "sysfuzz: N calls, done" and
 * status 0. The seed is printed first: the same seed repeats the same
 * calls.
 *
 * What the fuzzer protects so that it survives its own calls:
 * - exit, exit_group and calls that may legitimately block for ever or end
 *   the process (the deny list) are not made; each is named at the start.
 * - Its output goes to fd 1023, which no argument may name; 0, 1 and 2 are
 *   /dev/null. Every descriptor a call returns (or pipe and socketpair
 *   write) is made O_NONBLOCK (a read from an empty pipe would otherwise
 *   wait for ever); vmsplice, which ignores that, gets SPLICE_F_NONBLOCK.
 * - mmap, munmap, mprotect, mremap and madvise get addresses inside a
 *   reserved window (or kernel, non-canonical, page 0 addresses), with
 *   lengths kept inside it (or lengths that must fail: past the user half
 *   or wrapping); what a call maps outside the window is unmapped again.
 *   brk never goes below its start value and is put back after each call.
 * - Pointer arguments never fall into the program's own image, heap or
 *   stack. nanosleep's timespec is made short before the call.
 * - The thread pointer (arch_prctl), signal actions, the signal mask and
 *   the resource limits are put back after each call that may change them.
 *
 * Not safe on the host (it renames, chmods and truncates whatever its
 * garbage names, from its working directory and from /), so run.sh runs
 * it only in the guest.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#define NFD 1023 /* the fuzzer's own output */
#define PG 4096UL
#define DSZ (64 * 1024UL) /* scratch data buffer */
#define DGUARD (1UL << 20)
#define WIN ((uintptr_t)0x300000000000UL) /* reserved mm window */
#define WSZ (16UL << 20)
#define WGUARD (1UL << 20)
#define WLO (WIN + WGUARD)
#define WHI (WIN + WSZ - WGUARD)
#define USER_END 0x7ffffffff000UL

struct entry {
	long nr;
	const char *name;
};

#define SYSCALL(n) { __NR_##n, #n },
static const struct entry table[] = {
#include "../../linux/syscalls.h"
};
#undef SYSCALL
#define NTABLE (sizeof(table) / sizeof(table[0]))

/* Never called, and why. */
static const char *const deny[][2] = {
	{ "exit", "ends the program" },
	{ "exit_group", "ends the program" },
	{ "futex", "FUTEX_WAIT may wait for ever" },
	{ "pause", "waits for ever" },
	{ "rt_sigsuspend", "waits for ever" },
	{ "rt_sigtimedwait", "may wait for ever" },
	{ "rt_sigreturn", "jumps to a garbage frame" },
	{ "wait4", "may wait for ever" },
	{ "waitid", "may wait for ever" },
	{ "poll", "may wait for ever" },
	{ "ppoll", "may wait for ever" },
	{ "select", "may wait for ever" },
	{ "pselect6", "may wait for ever" },
	{ "epoll_wait", "may wait for ever" },
	{ "epoll_pwait", "may wait for ever" },
	{ "epoll_pwait2", "may wait for ever" },
	{ "clone", "starts threads or processes" },
	{ "clone3", "starts threads or processes" },
	{ "fork", "starts a process" },
	{ "vfork", "starts a process" },
	{ "execve", "replaces the program" },
	{ "execveat", "replaces the program" },
	{ "kill", "may end the program" },
	{ "tkill", "may end the program" },
	{ "tgkill", "may end the program" },
	{ "rt_sigqueueinfo", "may end the program" },
	{ "rt_tgsigqueueinfo", "may end the program" },
	{ "alarm", "SIGALRM ends the program" },
	{ "setitimer", "SIGALRM ends the program" },
	{ "timer_settime", "a signal may end the program" },
	{ "reboot", "stops the machine" },
	{ "accept", "may wait for ever" },
	{ "accept4", "may wait for ever" },
	{ "sigaltstack", "may point signal delivery at garbage" },
	{ "rt_sigaction", "may install a handler at a garbage address" },
	{ "flock", "LOCK_EX may wait for ever" },
	{ "mknod", "opening the FIFO it makes may wait for ever" },
	{ "mknodat", "opening the FIFO it makes may wait for ever" },
	{ "seccomp", "strict mode or a filter may end the program" },
};

/* The raw system call: no errno, no thread pointer, nothing in between. */
static long sc6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static long sc(long n, long a, long b, long c)
{
	return sc6(n, a, b, c, 0, 0, 0);
}

/*
 * Output on NFD without stdio (its buffers live on the heap): a line is
 * gathered and written at its newline, in one write.
 */
static void put(const char *s)
{
	static char line[1024];
	static size_t len;
	size_t n = strlen(s);

	if (n > sizeof(line) - len)
		n = sizeof(line) - len;
	memcpy(line + len, s, n);
	len += n;
	if ((n && s[n - 1] == '\n') || len == sizeof(line)) {
		sc(__NR_write, NFD, (long)line, (long)len);
		len = 0;
	}
}

static void put_num(unsigned long v, int hex)
{
	char buf[24], *p = buf + sizeof(buf) - 1;

	*p = 0;
	do {
		*--p = "0123456789abcdef"[v % (hex ? 16 : 10)];
		v /= hex ? 16 : 10;
	} while (v);
	if (hex)
		put("0x");
	put(p);
}

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char *data; /* DSZ bytes, unmapped guard after */
static uintptr_t own_lo, own_hi, stack_lo, stack_hi, brk0;
static uint64_t saved_fs, saved_mask;
static uint64_t saved_act[65][4];
static uint64_t saved_lim[16][2];
static char workdir[] = "/tmp/sysfuzz";

/* Where the prepared strings and structures sit in data. */
#define NSTR 40
#define STR_AT(i) ((i)*128UL)
#define IOV_AT (NSTR * 128UL)
#define TS_AT (IOV_AT + 16 * 16)
#define LONGPATH_AT (8 * 1024UL)
static const char *const strs[NSTR] = {
	"a",
	"b",
	"c",
	"d",
	"d/e",
	"d/f/",
	"l",
	"loop",
	"dangle",
	"..",
	".",
	"",
	"/",
	"a/",
	"nonexistent/x",
	"d/../a",
	"./d/./e",
	"/tmp/sysfuzz/a",
	"/tmp/sysfuzz/d",
	"/dev/null",
	"/dev/zero",
	"/dev/full",
	"/dev/urandom",
	"/dev/stdin",
	"/proc/self/maps",
	"/proc/self/exe",
	"/proc/self/fd",
	"/proc/self/fd/3",
	"/proc/self/fd/4",
	"/proc/self/cwd",
	"/proc/meminfo",
	"/proc/cpuinfo",
	"/sys/devices/system/cpu/online",
	"/proc",
	"/dev",
	"l/",
	"loop/x",
	"d/e/../../b",
	"x\377\001y",
	"/tmp",
};

static const uint64_t interesting[] = {
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000,
	0x7fffffffffffffff,
	0x8000000000000000,
	-4096UL,
	4096,
	65536,
	1 << 20,
	-100UL /* AT_FDCWD */,
	0x100,
	0x1000000,
	4095,
	4097,
	255,
	256,
	1024,
	1025,
	-2UL,
	0x800,
	0x400,
	0x200,
	0x40,
};

static const uint64_t kernel_addrs[] = {
	0xffff800000000000, 0xffffffff80000000, 0xffffffffff600000,
	0x0000800000000000, 0xfffffffffffff000, 0x00007ffffffff000,
	0x00007fffffffffff, 0x00007ffffffffff8, 0xffff888000000000,
	0x8000000000000000, 0x0000800000001000, 0xfffffffffffffff0,
};

/* Might v point into the fuzzer's own memory? */
static int own(uint64_t v)
{
	return (v >= own_lo && v < own_hi) || (v >= stack_lo && v < stack_hi);
}

static uint64_t unmapped(void)
{
	static const uint64_t u[] = { 0x1000,	      0x10000,
				      0x100000,	      0x7000000,
				      0x100000000000, 0x7ffffffff000 - PG };

	switch (rnd() % 3) {
	case 0:
		return (uint64_t)data + DSZ + rnd() % PG; /* the guard */
	case 1:
		return (uint64_t)data + DSZ - 1 - rnd() % 16; /* straddles */
	default:
		return u[rnd() % (sizeof(u) / sizeof(u[0]))];
	}
}

static uint64_t arg(void)
{
	uint64_t v;

	switch (rnd() % 14) {
	case 0:
		return 0;
	case 1:
		return -1UL;
	case 2:
	case 3:
		return rnd() % 64;
	case 4:
		return interesting[rnd() % (sizeof(interesting) /
					    sizeof(interesting[0]))];
	case 5:
		return kernel_addrs[rnd() % (sizeof(kernel_addrs) /
					     sizeof(kernel_addrs[0]))];
	case 6:
		return unmapped();
	case 7:
		return ((uint64_t)data + rnd() % DSZ) | 1; /* misaligned */
	case 8:
	case 9:
		return (uint64_t)data + STR_AT(rnd() % NSTR);
	case 10:
		return (uint64_t)data + (rnd() % DSZ & ~7UL);
	case 11:
		v = 1UL << (rnd() % 64);
		return v + (rnd() % 3) - 1;
	case 12:
		return (uint64_t)data + (rnd() % 2 ? IOV_AT : TS_AT);
	default:
		v = rnd();
		return own(v) ? 0 : v;
	}
}

/* Random bytes, then the strings and structures the pointers aim at. */
static void refill(void)
{
	uint64_t *w = (uint64_t *)data;
	int64_t *ts;

	for (size_t i = 0; i < DSZ / 8; i++)
		w[i] = rnd();
	for (int i = 0; i < NSTR; i++)
		memcpy(data + STR_AT(i), strs[i], strlen(strs[i]) + 1);
	for (int i = 0; i < 16; i++) {
		uint64_t *iov = (uint64_t *)(data + IOV_AT + i * 16);

		iov[0] = rnd() % 4 ? (uint64_t)data + rnd() % DSZ : arg();
		iov[1] = rnd() % 4 ? rnd() % 8192 : arg();
	}
	ts = (int64_t *)(data + TS_AT);
	ts[0] = 0, ts[1] = (int64_t)(rnd() % 1000000);
	ts[2] = 0, ts[3] = (int64_t)(rnd() % 1000000);
	memset(data + LONGPATH_AT, 'p', 5000);
	for (int i = 0; i < 5000; i += 97)
		data[LONGPATH_AT + i] = '/';
	if (rnd() % 2)
		data[LONGPATH_AT + 4999] = 0;
}

static int in_win(uint64_t a)
{
	return a >= WLO && a < WHI;
}

/* An address for the mm calls. */
static uint64_t mm_addr(void)
{
	switch (rnd() % 8) {
	case 0:
		return kernel_addrs[rnd() % (sizeof(kernel_addrs) /
					     sizeof(kernel_addrs[0]))];
	case 1:
		return rnd() % 2 ? 0 : PG;
	case 2:
		return WLO + rnd() % (WHI - WLO); /* misaligned */
	default:
		return WLO + (rnd() % ((WHI - WLO) / PG)) * PG;
	}
}

/* A length for addr: inside the window, or one that must fail. */
static uint64_t mm_len(uint64_t addr, int may_overflow)
{
	static const uint64_t bad[] = {
		-1UL, -PG, 1UL << 63, 1UL << 47, USER_END + PG,
	};
	uint64_t room = in_win(addr) ? WHI - addr : 0x10000, l;

	if (addr >= USER_END)
		return rnd() % 2 ? rnd() % (1UL << 30) : rnd();
	if (may_overflow && rnd() % 8 == 0)
		return bad[rnd() % (sizeof(bad) / sizeof(bad[0]))];
	switch (rnd() % 4) {
	case 0:
		l = rnd() % 3; /* 0, 1, 2 */
		break;
	case 1:
		l = rnd() % (room + 1);
		break;
	default:
		l = (rnd() % 64 + 1) * PG;
	}
	return l > room ? room & ~(PG - 1) : l;
}

/* An mmap that is not wholly in the window is undone. */
static void keep_in_window(long r, uint64_t len)
{
	if (r < 0 && r > -4096)
		return;
	if (!(in_win((uint64_t)r) && len <= WHI - (uint64_t)r))
		sc(__NR_munmap, r, (long)len, 0);
}

static void nonblock(long fd)
{
	long fl;

	if (fd < 0 || fd >= NFD)
		return;
	fl = sc(__NR_fcntl, fd, 3 /* F_GETFL */, 0);
	if (fl >= 0 && !(fl & 04000))
		sc(__NR_fcntl, fd, 4 /* F_SETFL */, fl | 04000);
}

/* Does [p, p + len) lie in the scratch buffer? */
static int in_data(uint64_t p, uint64_t len)
{
	return p >= (uint64_t)data && p <= (uint64_t)data + DSZ - len;
}

static int is(long nr, long want)
{
	return nr == want;
}

/* One call: arguments drawn, constrained, the call, then repairs. */
static void fuzz_one(const struct entry *e, int verbose, unsigned long i)
{
	uint64_t a[6];
	long nr = e->nr, r;

	for (int k = 0; k < 6; k++) {
		a[k] = arg();
		if ((uint32_t)a[k] == NFD)
			a[k] ^= 1;
	}
	if (is(nr, __NR_mmap)) {
		a[0] = mm_addr();
		if (rnd() % 2) /* anonymous or not, FIXED, POPULATE */
			a[3] = (rnd() % 2 ? 0x22 : 0x02) |
			       (rnd() % 2 ? 0x10 : 0) |
			       (rnd() % 4 ? 0 : 0x8000);
		if (!in_win(a[0]) && a[0] < USER_END)
			a[3] &= ~(0x10UL | 0x100000UL); /* FIXED: a hint */
		a[1] = in_win(a[0]) && (a[3] & 0x100010)
			   ? mm_len(a[0], 1)
			   : (rnd() % 2 ? mm_len(a[0], 1) : arg());
	} else if (is(nr, __NR_munmap) || is(nr, __NR_mprotect)) {
		a[0] = mm_addr();
		a[1] = mm_len(a[0], 1);
	} else if (is(nr, __NR_madvise)) {
		a[0] = mm_addr();
		a[1] = mm_len(a[0], 0);
		if (rnd() % 2)
			a[2] = rnd() % 24;
	} else if (is(nr, __NR_mremap)) {
		a[0] = mm_addr();
		a[1] = mm_len(a[0], 1);
		a[2] = rnd() % 2 ? mm_len(a[0], 1) : arg();
		if (rnd() % 2)
			a[3] = rnd() % 8;
		if (a[3] & 2) { /* MREMAP_FIXED: the target in the window */
			a[4] = mm_addr();
			if (in_win(a[4]) && a[2] > WHI - a[4])
				a[2] = (WHI - a[4]) & ~(PG - 1);
			else if (!in_win(a[4]) && a[4] < USER_END)
				a[4] = WLO;
		}
	} else if (is(nr, __NR_brk)) {
		switch (rnd() % 4) {
		case 0:
			a[0] = brk0 + rnd() % (16UL << 20);
			break;
		case 1:
			a[0] = rnd() % 0x10000;
			break;
		default:
			if (a[0] < brk0 && a[0] >= own_lo)
				a[0] = brk0;
		}
	} else if (is(nr, __NR_vmsplice)) {
		a[3] |= 2; /* SPLICE_F_NONBLOCK: a pipe's own is ignored */
	} else if (is(nr, __NR_prctl) && a[0] == 22) {
		a[0] = 21; /* PR_SET_SECCOMP may end it: PR_GET_SECCOMP */
	} else if (is(nr, __NR_nanosleep) || is(nr, __NR_clock_nanosleep)) {
		int at = is(nr, __NR_nanosleep) ? 0 : 2;

		/* Bytes of the program read as a timespec could sleep for
		 * ever (0x400000 is "\x7fELF...": seconds beyond 2^48). */
		if (own(a[at]))
			a[at] = unmapped();
		if (in_data(a[at], 16)) {
			int64_t *ts = (int64_t *)a[at];

			ts[0] = rnd() % 8 ? 0 : -1;
			ts[1] =
			    rnd() % 8 ? (int64_t)(rnd() % 2000000) : 1000000000;
		}
	}
	if (verbose) {
		put("call ");
		put_num(i, 0);
		put(" ");
		put(e->name);
		for (int k = 0; k < 6; k++) {
			put(" ");
			put_num(a[k], 1);
		}
		put("\n");
	}
	r = sc6(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4],
		(long)a[5]);

	/* Repairs. */
	if (is(nr, __NR_arch_prctl))
		sc(__NR_arch_prctl, 0x1002, (long)saved_fs, 0);
	if (is(nr, __NR_mmap))
		keep_in_window(r, a[1]);
	if (is(nr, __NR_mremap))
		keep_in_window(r, a[2]);
	if (is(nr, __NR_brk))
		sc(__NR_brk, (long)brk0, 0, 0);
	if (is(nr, __NR_rt_sigaction) && a[0] >= 1 && a[0] <= 64)
		sc6(__NR_rt_sigaction, (long)a[0], (long)saved_act[a[0]], 0, 8,
		    0, 0);
	if (is(nr, __NR_rt_sigprocmask))
		sc6(__NR_rt_sigprocmask, 2, (long)&saved_mask, 0, 8, 0, 0);
	if (is(nr, __NR_prlimit64) || is(nr, __NR_setrlimit))
		for (int k = 0; k < 16; k++)
			sc6(__NR_prlimit64, 0, k, (long)saved_lim[k], 0, 0, 0);
	if (r >= 0 && r < NFD)
		nonblock(r);
	if (is(nr, __NR_fcntl) || is(nr, __NR_ioctl))
		nonblock((long)a[0]);
	if ((is(nr, __NR_pipe) || is(nr, __NR_pipe2)) && r == 0 &&
	    in_data(a[0], 8)) {
		nonblock(((int *)a[0])[0]);
		nonblock(((int *)a[0])[1]);
	}
	if (is(nr, __NR_socketpair) && r == 0 && in_data(a[3], 8)) {
		nonblock(((int *)a[3])[0]);
		nonblock(((int *)a[3])[1]);
	}
}

static const char *denied(const char *name)
{
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		if (!strcmp(deny[i][0], name))
			return deny[i][1];
	return NULL;
}

/* Start afresh: descriptors, working directory, window, umask, data. */
static void reset(void)
{
	for (long fd = 3; fd < NFD; fd++)
		sc(__NR_close, fd, 0, 0);
	for (long fd = 0; fd < 3; fd++) {
		long n = sc(__NR_open, (long)"/dev/null", 2 /* O_RDWR */, 0);

		if (n >= 0 && n != fd) {
			sc(__NR_dup2, n, fd, 0);
			sc(__NR_close, n, 0, 0);
		}
	}
	sc(__NR_mkdir, (long)"/tmp", 0777, 0);
	sc(__NR_mkdir, (long)workdir, 0777, 0);
	sc(__NR_chmod, (long)workdir, 0777, 0);
	sc(__NR_chdir, (long)workdir, 0, 0);
	sc(__NR_umask, 022, 0, 0);
	sc6(__NR_mmap, (long)WLO, (long)(WHI - WLO), 0,
	    0x32 /* PRIVATE|ANONYMOUS|FIXED */, -1, 0);
	refill();
}

static void setup_files(void)
{
	long fd;

	reset();
	fd = sc(__NR_open, (long)"a", 0101 /* O_CREAT|O_WRONLY */, 0644);
	sc(__NR_write, fd, (long)"contents of a\n", 14);
	sc(__NR_close, fd, 0, 0);
	sc(__NR_mkdir, (long)"d", 0755, 0);
	sc(__NR_mkdir, (long)"d/e", 0755, 0);
	sc(__NR_symlink, (long)"a", (long)"l", 0);
	sc(__NR_symlink, (long)"loop", (long)"loop", 0);
	sc(__NR_symlink, (long)"nowhere", (long)"dangle", 0);
}

static unsigned long parse(const char *s, unsigned long def)
{
	unsigned long v = 0;

	if (!s || !*s)
		return def;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned long)(*s++ - '0');
	return v;
}

extern char __executable_start[];

int main(int argc, char **argv)
{
	unsigned long seed = parse(argc > 1 ? argv[1] : NULL, 1);
	unsigned long calls = parse(argc > 2 ? argv[2] : NULL, 10000);
	int verbose = argc > 3 && argv[3][0] == 'v';
	const struct entry *usable[NTABLE];
	size_t nusable = 0;
	long r;

	rng = seed * 0x9e3779b97f4a7c15UL + 1;
	if (sc(__NR_dup2, 1, NFD, 0) != NFD)
		return 2;
	{
		/* A write to a pipe with no reader must not end the run. */
		long ign[4] = { 1 /* SIG_IGN */, 0, 0, 0 };

		if (sc6(__NR_rt_sigaction, 13 /* SIGPIPE */, (long)ign, 0, 8, 0,
			0))
			return 2;
	}
	put("sysfuzz: seed ");
	put_num(seed, 0);
	put(", ");
	put_num(calls, 0);
	put(" calls\n");
	for (size_t i = 0; i < NTABLE; i++) {
		const char *why = denied(table[i].name);

		if (why) {
			put("sysfuzz: not called: ");
			put(table[i].name);
			put(" (");
			put(why);
			put(")\n");
		} else {
			usable[nusable++] = &table[i];
		}
	}

	/* The scratch buffer between guards, and the mm window. */
	r = sc6(__NR_mmap, 0, (long)(DSZ + DGUARD), 0, 0x22, -1, 0);
	if (r < 0)
		return 3;
	data = (char *)r;
	if (sc(__NR_mprotect, r, (long)DSZ, 3) != 0)
		return 3;
	if (sc6(__NR_mmap, (long)WIN, (long)WSZ, 0, 0x100022, -1, 0) !=
	    (long)WIN)
		return 4;

	brk0 = (uintptr_t)sc(__NR_brk, 0, 0, 0);
	own_lo = (uintptr_t)__executable_start;
	own_hi = brk0 + (16UL << 20);
	stack_lo = ((uintptr_t)&r & ~(PG - 1)) - (64UL << 20);
	stack_hi = stack_lo + (128UL << 20);
	sc(__NR_arch_prctl, 0x1003, (long)&saved_fs, 0);
	for (int s = 1; s <= 64; s++)
		sc6(__NR_rt_sigaction, s, 0, (long)saved_act[s], 8, 0, 0);
	sc6(__NR_rt_sigprocmask, 0, 0, (long)&saved_mask, 8, 0, 0);
	for (int k = 0; k < 16; k++)
		sc6(__NR_prlimit64, 0, k, 0, (long)saved_lim[k], 0, 0);
	setup_files();

	for (unsigned long i = 0; i < calls; i++) {
		if (i && i % 256 == 0)
			reset();
		if (i && i % 1000 == 0) {
			put("sysfuzz: ");
			put_num(i, 0);
			put(" calls\n");
		}
		fuzz_one(usable[rnd() % nusable], verbose, i);
	}
	put("sysfuzz: ");
	put_num(calls, 0);
	put(" calls, done\n");
	return 0;
}

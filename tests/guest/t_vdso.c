/*
 * t_vdso.c - the vDSO (tests/guest): found through AT_SYSINFO_EHDR, its
 * ELF read by hand (soname, the exported names and their version
 * LINUX_2.6), its functions called directly and interleaved with the raw
 * syscalls for every clock id (the readings of both, in call order, never
 * go backwards, and they agree within a bound), [vdso] and [vvar] in
 * /proc/self/maps, a fork's child and an exec'd program having it too,
 * and the clock page read-only (a write is SIGSEGV, mprotect EACCES).
 * Host-independent: run on the host and in the guest, the output must
 * match. Modes for the guest alone (tests/guest/run.sh):
 *   t_vdso settime   clock_settime and settimeofday move the vDSO's real
 *                    time as the syscall's (root; it sets the clock)
 *   t_vdso loop N    N calls of clock_gettime through libc, for counting
 *                    system calls with keel.strace
 */
#define _GNU_SOURCE
#include <elf.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, void *);
typedef time_t (*time_fn)(time_t *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

/* The vDSO as its dynamic section describes it. */
static struct {
	const Elf64_Ehdr *eh;
	uintptr_t bias;
	const Elf64_Sym *sym;
	const char *str;
	const Elf64_Versym *versym;
	const Elf64_Verdef *verdef;
	const char *soname;
	unsigned nsym;
} v;

/* Symbols in a GNU hash table: past the highest bucket's chain end. */
static unsigned gnu_hash_count(const uint32_t *h)
{
	uint32_t nbuckets = h[0], symoff = h[1], bloom = h[2], max = 0;
	const uint32_t *buckets = h + 4 + bloom * 2,
		       *chain = buckets + nbuckets;

	for (uint32_t i = 0; i < nbuckets; i++)
		if (buckets[i] > max)
			max = buckets[i];
	if (max < symoff)
		return symoff;
	while (!(chain[max - symoff] & 1))
		max++;
	return max + 1;
}

static int parse_vdso(uintptr_t base)
{
	const Elf64_Phdr *ph, *load = NULL;
	const Elf64_Dyn *dyn = NULL;
	uintptr_t soname = 0;

	v.eh = (const Elf64_Ehdr *)base;
	if (memcmp(v.eh->e_ident, ELFMAG, SELFMAG) ||
	    v.eh->e_ident[EI_CLASS] != ELFCLASS64 || v.eh->e_type != ET_DYN ||
	    v.eh->e_machine != EM_X86_64)
		return -1;
	ph = (const Elf64_Phdr *)(base + v.eh->e_phoff);
	for (int i = 0; i < v.eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && !load)
			load = &ph[i];
	if (!load)
		return -1;
	v.bias = base - (load->p_vaddr - load->p_offset);
	for (int i = 0; i < v.eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(v.bias + ph[i].p_vaddr);
	if (!dyn)
		return -1;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t p = v.bias + dyn->d_un.d_ptr;
		switch (dyn->d_tag) {
		case DT_SYMTAB:
			v.sym = (const Elf64_Sym *)p;
			break;
		case DT_STRTAB:
			v.str = (const char *)p;
			break;
		case DT_VERSYM:
			v.versym = (const Elf64_Versym *)p;
			break;
		case DT_VERDEF:
			v.verdef = (const Elf64_Verdef *)p;
			break;
		case DT_SONAME:
			soname = dyn->d_un.d_val;
			break;
		case DT_HASH:
			v.nsym = ((const uint32_t *)p)[1];
			break;
		case DT_GNU_HASH:
			if (!v.nsym)
				v.nsym = gnu_hash_count((const uint32_t *)p);
			break;
		}
	}
	if (!v.sym || !v.str || !v.nsym)
		return -1;
	v.soname = soname ? v.str + soname : "";
	return 0;
}

/* The version name of symbol i ("" without one). */
static const char *version_of(unsigned i)
{
	const Elf64_Verdef *d = v.verdef;
	unsigned want;

	if (!v.versym || !d)
		return "";
	want = v.versym[i] & 0x7fff;
	for (;;) {
		if (d->vd_ndx == want) {
			const Elf64_Verdaux *a =
			    (const void *)((const char *)d + d->vd_aux);
			return v.str + a->vda_name;
		}
		if (!d->vd_next)
			return "";
		d = (const void *)((const char *)d + d->vd_next);
	}
}

/* Function name@LINUX_2.6, defined: its address, else NULL. */
static void *vdso_sym(const char *name)
{
	for (unsigned i = 1; i < v.nsym; i++) {
		const Elf64_Sym *s = &v.sym[i];
		if (strcmp(v.str + s->st_name, name) ||
		    s->st_shndx == SHN_UNDEF ||
		    ELF64_ST_TYPE(s->st_info) != STT_FUNC)
			continue;
		if (strcmp(version_of(i), "LINUX_2.6"))
			return NULL;
		return (void *)(v.bias + s->st_value);
	}
	return NULL;
}

static gettime_fn vgettime;

/* The [vdso] line of maps starts at the vDSO and [vvar...] exists
 * without write permission; *vvar: the start of that line. */
static void check_maps(const char *prefix, uintptr_t *vvar)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], what[128];
	int vdso_ok = 0, vvar_ok = 0;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo;
		char perms[8];
		if (sscanf(line, "%lx-%*x %7s", &lo, perms) != 2)
			continue;
		if (strstr(line, "[vdso]"))
			vdso_ok = lo == (uintptr_t)v.eh && perms[2] == 'x';
		if (strstr(line, "[vvar") && !vvar_ok) {
			vvar_ok = perms[0] == 'r' && perms[1] == '-';
			if (vvar)
				*vvar = lo;
		}
	}
	if (f)
		fclose(f);
	snprintf(what, sizeof(what), "%smaps-vdso", prefix);
	check(what, vdso_ok);
	snprintf(what, sizeof(what), "%smaps-vvar", prefix);
	check(what, vvar_ok);
}

static int64_t ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/*
 * The vDSO and the syscall, one after the other N times: the same status
 * each time, and when the clock reads, the readings in call order never
 * go backwards and some pair lies within 1 ms (every clock here counts
 * while this runs; the CPU-time ones too).
 */
#define ROUNDS 1000
#define BOUND_NS 1000000

static void check_clock(clockid_t id)
{
	int64_t last = INT64_MIN, gap = INT64_MAX;
	int same = 1, ordered = 1, ok = 0;
	char what[64];

	for (int i = 0; i < ROUNDS; i++) {
		struct timespec a = { 0, 0 }, b = { 0, 0 };
		int ra = vgettime(id, &a); /* a fallback: -errno */
		long rb = raw(syscall(SYS_clock_gettime, id, &b));
		if (ra != rb) {
			same = 0;
			break;
		}
		if (ra)
			continue;
		ok = 1;
		if (ns(&a) < last || ns(&b) < ns(&a))
			ordered = 0;
		if (ns(&b) - ns(&a) < gap)
			gap = ns(&b) - ns(&a);
		last = ns(&b);
	}
	snprintf(what, sizeof(what), "clock-%d-same-status", (int)id);
	check(what, same);
	snprintf(what, sizeof(what), "clock-%d-never-backwards", (int)id);
	check(what, ordered);
	snprintf(what, sizeof(what), "clock-%d-agree", (int)id);
	check(what, !ok || gap < BOUND_NS);
}

static void check_others(void)
{
	gettimeofday_fn vtod = (gettimeofday_fn)vdso_sym("__vdso_gettimeofday");
	time_fn vtime = (time_fn)vdso_sym("__vdso_time");
	getcpu_fn vcpu = (getcpu_fn)vdso_sym("__vdso_getcpu");
	gettime_fn vres = (gettime_fn)vdso_sym("__vdso_clock_getres");
	int ordered = 1, tordered = 1, same = 1;
	int64_t last = INT64_MIN, tlast = INT64_MIN;

	if (!vtod || !vtime || !vcpu || !vres) {
		check("vdso-functions", 0);
		return;
	}
	for (int i = 0; i < ROUNDS; i++) {
		struct timeval a, b;
		time_t t1, t2, t3;
		vtod(&a, NULL);
		syscall(SYS_gettimeofday, &b, NULL);
		int64_t ua = a.tv_sec * 1000000LL + a.tv_usec,
			ub = b.tv_sec * 1000000LL + b.tv_usec;
		if (ua < last || ub < ua)
			ordered = 0;
		last = ub;
		t1 = vtime(&t2);
		t3 = syscall(SYS_time, NULL);
		if (t1 != t2 || t1 < tlast || t3 < t1)
			tordered = 0;
		tlast = t3;
	}
	check("gettimeofday-never-backwards", ordered);
	check("time-never-backwards", tordered);
	check("gettimeofday-null", vtod(NULL, NULL) == 0);
	unsigned cpu = ~0u, node = ~0u;
	check("getcpu", vcpu(&cpu, &node, NULL) == 0 &&
			    cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF) &&
			    node != ~0u);
	for (clockid_t id = 0; id <= 12; id++) {
		struct timespec a = { -1, -1 }, b = { -1, -1 };
		int ra = vres(id, &a);
		long rb = raw(syscall(SYS_clock_getres, id, &b));
		if (ra != rb || a.tv_sec != b.tv_sec || a.tv_nsec != b.tv_nsec)
			same = 0;
	}
	check("clock_getres-same", same);
}

/* A write to the page at addr ends a child with SIGSEGV. */
static void check_write_segv(const char *what, uintptr_t addr)
{
	int st = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*(volatile char *)addr = 1;
		_exit(0);
	}
	waitpid(pid, &st, 0);
	check(what, WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

static int find_vdso(const char *prefix)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	char what[64];

	snprintf(what, sizeof(what), "%sauxv", prefix);
	check(what, base != 0);
	if (!base || parse_vdso(base)) {
		snprintf(what, sizeof(what), "%self", prefix);
		check(what, 0);
		return -1;
	}
	vgettime = (gettime_fn)vdso_sym("__vdso_clock_gettime");
	return 0;
}

/* Quick checks of a fork's child or an exec'd program: 0 when all hold. */
static int check_inherited(const char *prefix)
{
	struct timespec a, b, c;
	int before = fails;

	if (find_vdso(prefix))
		return 1;
	check_maps(prefix, NULL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	check(prefix[0] == 'e' ? "exec-clock" : "fork-clock",
	      vgettime && vgettime(CLOCK_MONOTONIC, &b) == 0 &&
		  !clock_gettime(CLOCK_MONOTONIC, &c) && ns(&a) <= ns(&b) &&
		  ns(&b) <= ns(&c));
	return fails != before;
}

static void check_fork_exec(void)
{
	int st = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(check_inherited("fork-"));
	waitpid(pid, &st, 0);
	check("fork-child", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "t_vdso", "exec-child", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	check("exec-child", WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static const char *const names[] = {
	"__vdso_clock_gettime",
	"__vdso_gettimeofday",
	"__vdso_time",
	"__vdso_getcpu",
	"__vdso_clock_getres",
	"clock_gettime",
	"gettimeofday",
	"time",
	"getcpu",
	"clock_getres",
};

/* Real time read by the vDSO and by the syscall around it, in ns. */
static int realtime_pair(int64_t *vd, int64_t *sys)
{
	struct timespec a, b, c;

	syscall(SYS_clock_gettime, CLOCK_REALTIME, &a);
	vgettime(CLOCK_REALTIME, &b);
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &c);
	*vd = ns(&b);
	*sys = ns(&c);
	return ns(&a) <= ns(&b) && ns(&b) <= ns(&c);
}

/* Guest only (it sets the clock): the vDSO follows the setters. */
static int settime(void)
{
	int64_t v0, s0, v1, s1, v2, s2;
	struct timespec ts;
	struct timeval tv;

	if (find_vdso("") || !vgettime)
		return 1;
	check("settime-before", realtime_pair(&v0, &s0));
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1000;
	check("clock_settime", clock_settime(CLOCK_REALTIME, &ts) == 0);
	check("settime-after", realtime_pair(&v1, &s1));
	check("settime-moved",
	      v1 - v0 >= 999000000000LL && v1 - v0 < 1100000000000LL);
	gettimeofday(&tv, NULL);
	tv.tv_sec -= 2000;
	check("settimeofday", settimeofday(&tv, NULL) == 0);
	check("settimeofday-after", realtime_pair(&v2, &s2));
	check("settimeofday-moved",
	      v1 - v2 >= 1999000000000LL && v1 - v2 < 2100000000000LL);
	tv.tv_sec += 1000;
	settimeofday(&tv, NULL);
	printf("t_vdso settime: %d failed\n", fails);
	return fails != 0;
}

int main(int argc, char **argv)
{
	uintptr_t vvar = 0;
	struct timespec ts;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return check_inherited("exec-");
	if (argc > 1 && !strcmp(argv[1], "settime"))
		return settime();
	if (argc > 2 && !strcmp(argv[1], "loop")) {
		for (long i = atol(argv[2]); i > 0; i--)
			clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("t_vdso loop: done\n");
		return 0;
	}
	if (find_vdso(""))
		return 1;
	check("soname", !strcmp(v.soname, "linux-vdso.so.1"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "symbol-%s", names[i]);
		check(what, vdso_sym(names[i]) != NULL);
	}
	if (!vgettime)
		return 1;
	check_maps("", &vvar);
	for (clockid_t id = 0; id <= 12; id++)
		check_clock(id);
	check_clock(100);
	check_others();
	check_fork_exec();
	check_write_segv("vdso-write-segv", (uintptr_t)v.eh);
	if (vvar) {
		check_write_segv("vvar-write-segv", vvar);
		check_err(
		    "vvar-mprotect-write",
		    raw(mprotect((void *)vvar, 4096, PROT_READ | PROT_WRITE)),
		    EACCES);
	}
	printf("t_vdso: %d failed\n", fails);
	return fails != 0;
}

/*
 * mm.c - the address-space calls as a program sees them (tests/guest):
 * hints, MAP_FIXED and NOREPLACE, munmap and mprotect in the middle,
 * mremap, DONTNEED, brk, a private file mapping and the error paths. Run
 * in the guest and on the host; the output must be the same.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096L
#define HINT ((char *)0x200000000L)

static int fails;

static void check(const char *what, int ok)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	fails += !ok;
}

/* A raw call's result: the value, or -errno. */
static long raw(long r)
{
	return r == -1 ? -errno : r;
}

static long map(void *addr, long len, int prot, int flags)
{
	return raw((long)mmap(addr, len, prot, flags, -1, 0));
}

/* Whether the kernel may write at p: read(2) from /dev/zero into it. */
static long kwrite(void *p)
{
	int fd = open("/dev/zero", O_RDONLY);
	long r = raw(read(fd, p, 1));

	close(fd);
	return r;
}

static void test_placement(void)
{
	const int rw = PROT_READ | PROT_WRITE,
		  anon = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p = (char *)map(HINT, 16 * PG, rw, anon);

	check("hint used when free", p == HINT);
	check("hint taken: placed elsewhere",
	      (char *)map(HINT + PG, PG, rw, anon) != HINT + PG);
	check("NOREPLACE over a mapping: EEXIST",
	      map(HINT, PG, rw, anon | MAP_FIXED_NOREPLACE) == -EEXIST);
	p[PG] = 'a';
	check("FIXED replaces",
	      map(HINT + PG, PG, rw, anon | MAP_FIXED) == (long)(HINT + PG) &&
		  p[PG] == 0);
	check("munmap in the middle", munmap(p + 2 * PG, 2 * PG) == 0 &&
					  kwrite(p + 2 * PG) == -EFAULT &&
					  kwrite(p + 4 * PG) == 1);
	check("mprotect read-only", mprotect(p, PG, PROT_READ) == 0 &&
					kwrite(p) == -EFAULT &&
					kwrite(p + PG) == 1);
	check("mprotect over a hole: ENOMEM",
	      raw(mprotect(p, 8 * PG, PROT_READ)) == -ENOMEM);
	check("PROT_NONE reservation",
	      map(HINT + (1L << 30), 1L << 30, PROT_NONE, anon) ==
		      (long)(HINT + (1L << 30)) &&
		  mprotect(HINT + (1L << 30), PG, rw) == 0 &&
		  kwrite(HINT + (1L << 30)) == 1 &&
		  kwrite(HINT + (1L << 30) + PG) == -EFAULT);
	munmap(HINT, 2L << 30);
}

static void test_remap_and_advice(void)
{
	const int rw = PROT_READ | PROT_WRITE,
		  anon = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p = (char *)map(HINT, 2 * PG, rw, anon), *q;

	memset(p, 'x', 2 * PG);
	check("mremap grows in place",
	      mremap(p, 2 * PG, 4 * PG, 0) == p && p[3 * PG] == 0);
	map(p + 4 * PG, PG, PROT_READ, anon | MAP_FIXED);
	check("mremap blocked: ENOMEM",
	      raw((long)mremap(p, 4 * PG, 8 * PG, 0)) == -ENOMEM);
	q = mremap(p, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
	check("mremap moves", q != MAP_FAILED && q != p && q[PG] == 'x' &&
				  kwrite(p) == -EFAULT);
	check("mremap shrinks",
	      mremap(q, 8 * PG, PG, 0) == q && kwrite(q + PG) == -EFAULT);
	check("mremap bad flags: EINVAL",
	      raw((long)mremap(q, PG, PG, 8)) == -EINVAL);
	check("mremap no mapping: EFAULT",
	      raw((long)mremap(p, PG, 2 * PG, MREMAP_MAYMOVE)) == -EFAULT);
	check("DONTNEED zeroes",
	      madvise(q, PG, MADV_DONTNEED) == 0 && q[0] == 0 && q[1] == 0);
	check("madvise bad advice: EINVAL",
	      raw(madvise(q, PG, 999)) == -EINVAL);
	munmap(q, PG);
	munmap(p + 4 * PG, PG);
}

static void test_brk(void)
{
	char *b = (char *)syscall(SYS_brk, 0);

	check("brk grows", (char *)syscall(SYS_brk, b + 5 * PG) == b + 5 * PG &&
			       kwrite(b + 4 * PG) == 1);
	check("brk shrinks", (char *)syscall(SYS_brk, b) == b);
	check("brk below its start stays", (char *)syscall(SYS_brk, 1) == b);
}

static void test_file(const char *self)
{
	int fd = open(self, O_RDONLY);
	char *p = (char *)raw(
	    (long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));

	check("private file mapping", (long)p > 0 && !memcmp(p, "\177ELF", 4));
	p[0] = 'X';
	check("private: a copy", pread(fd, p + 8, 1, 0) == 1 && p[8] == 0x7f);
	munmap(p, PG);
	check("file, unaligned offset: EINVAL",
	      raw((long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 1)) ==
		  -EINVAL);
	check("bad descriptor: EBADF",
	      raw((long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0)) ==
		  -EBADF);
	close(fd);
	fd = open("/", O_RDONLY | O_DIRECTORY);
	check("directory: ENODEV",
	      raw((long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0)) ==
		  -ENODEV);
	close(fd);
}

static void test_errors(void)
{
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS;

	check("len 0: EINVAL", map(NULL, 0, PROT_READ, anon) == -EINVAL);
	check("len huge: ENOMEM", map(NULL, -PG, PROT_READ, anon) == -ENOMEM);
	check("no type: EINVAL",
	      map(NULL, PG, PROT_READ, MAP_ANONYMOUS) == -EINVAL);
	check("FIXED unaligned: EINVAL",
	      map(HINT + 1, PG, PROT_READ, anon | MAP_FIXED) == -EINVAL);
	check("FIXED past the top: ENOMEM",
	      map((void *)0x7ffffffff000L, 2 * PG, PROT_READ,
		  anon | MAP_FIXED) == -ENOMEM);
	check("munmap unaligned: EINVAL", raw(munmap(HINT + 1, PG)) == -EINVAL);
	check("munmap len 0: EINVAL", raw(munmap(HINT, 0)) == -EINVAL);
	check("mprotect unknown bits: EINVAL",
	      raw(mprotect(HINT, PG, 0x10)) == -EINVAL);
}

int main(int argc, char **argv)
{
	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	test_placement();
	test_remap_and_advice();
	test_brk();
	test_file(argv[0]);
	test_errors();
	printf("%d failed\n", fails);
	return fails != 0;
}

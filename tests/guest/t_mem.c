/*
 * t_mem.c - the address-space calls mm.c does not cover (tests/guest):
 * an unaligned hint, NOREPLACE on free memory, a length rounded up to a
 * page, shared anonymous memory, /dev/zero, a private file mapping past
 * its end and after DONTNEED, munmap of nothing, the access checks of
 * file mappings, mprotect/madvise arguments, brk, and system calls given
 * a PROT_NONE buffer. mprotect's SIGSEGV is not tested (no signal
 * handlers yet). Run in the guest and on the host; the output must match.
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
#define HINT ((char *)0x300000000L)

#include "check.h"

static long map(void *addr, long len, int prot, int flags, int fd, long off)
{
	return raw((long)mmap(addr, len, prot, flags, fd, off));
}

/* Whether the kernel may write at p: read(2) from /dev/zero into it. */
static long kwrite(void *p)
{
	int fd = open("/dev/zero", O_RDONLY);
	long r = raw(syscall(SYS_read, fd, p, 1));

	close(fd);
	return r;
}

static void test_anon(void)
{
	const int rw = PROT_READ | PROT_WRITE,
		  anon = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p;

	check("hint-unaligned-rounded-down",
	      map(HINT + 123, PG, rw, anon, -1, 0) == (long)HINT);
	check("noreplace-free",
	      map(HINT + 4 * PG, PG, rw, anon | MAP_FIXED_NOREPLACE, -1, 0) ==
		  (long)(HINT + 4 * PG));
	munmap(HINT, 8 * PG);
	p = (char *)map(HINT, PG + 1, rw, anon, -1, 0);
	check("len-rounded-up", p == HINT && kwrite(p + PG) == 1 &&
				    kwrite(p + 2 * PG) == -EFAULT);
	check("fresh-memory-zero", p[0] == 0 && p[PG + 100] == 0);
	check("munmap-nothing", munmap(HINT + 16 * PG, 4 * PG) == 0);
	check("munmap-rounds-len",
	      munmap(p, PG + 1) == 0 && kwrite(p + PG) == -EFAULT);
	p = (char *)map(NULL, 2 * PG, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check("shared-anon", (long)p > 0 && p[0] == 0);
	p[5] = 7;
	check("shared-anon-keeps", p[5] == 7);
	munmap(p, 2 * PG);
	p = (char *)map(NULL, PG, rw, anon, -1, PG);
	check("anon-offset-ignored", (long)p > 0);
	munmap(p, PG);
	p = (char *)map(HINT, PG, PROT_NONE, anon, -1, 0);
	check_err("protnone-read-efault", kwrite(p), EFAULT);
	check_err("protnone-write-efault", raw(syscall(SYS_write, 1, p, 1)),
		  EFAULT);
	check_err("protnone-path-efault", raw(syscall(SYS_open, p, O_RDONLY)),
		  EFAULT);
	check("mprotect-then-writable",
	      mprotect(p, PG, PROT_READ | PROT_WRITE) == 0 && kwrite(p) == 1);
	check_err("mprotect-unaligned", raw(mprotect(p + 1, PG, PROT_READ)),
		  EINVAL);
	check("mprotect-len-0", mprotect(p, 0, PROT_READ) == 0);
	check_err("mprotect-unmapped",
		  raw(mprotect(HINT + 64 * PG, PG, PROT_READ)), ENOMEM);
	check_err("madvise-unaligned", raw(madvise(p + 1, PG, MADV_NORMAL)),
		  EINVAL);
	check("madvise-willneed", madvise(p, PG, MADV_WILLNEED) == 0);
	p[0] = 9;
	check("madvise-dontneed-zeroes",
	      madvise(p, PG, MADV_DONTNEED) == 0 && p[0] == 0);
	munmap(p, PG);
	check_err("mremap-unaligned", raw((long)mremap(HINT + 1, PG, PG, 0)),
		  EINVAL);
	check_err("mremap-new-len-0",
		  raw((long)mremap(HINT, PG, 0, MREMAP_MAYMOVE)), EINVAL);
	check_err("mremap-fixed-without-maymove",
		  raw((long)mremap(HINT, PG, PG, MREMAP_FIXED, HINT + PG)),
		  EINVAL);
	check_err("munmap-kernel",
		  raw(munmap((void *)0xffff800000000000UL, PG)), EINVAL);
	check_err(
	    "mmap-fixed-kernel",
	    map((void *)0xffff800000000000UL, PG, rw, anon | MAP_FIXED, -1, 0),
	    ENOMEM);
	check_err("mmap-shared-validate-anon-einval",
		  map(NULL, PG, rw, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0),
		  EINVAL);
}

static void test_files(void)
{
	char *p;
	int fd, zero;

	fd = open("/dev/zero", O_RDWR);
	p = (char *)map(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			0);
	check("dev-zero-mapping", (long)p > 0 && p[PG] == 0);
	p[0] = 1;
	munmap(p, 2 * PG);
	close(fd);
	zero = open("/dev/null", O_RDONLY);
	check_err("dev-null-enodev",
		  map(NULL, PG, PROT_READ, MAP_PRIVATE, zero, 0), ENODEV);
	close(zero);
	fd = open("m", O_CREAT | O_RDWR | O_TRUNC, 0644);
	write(fd, "filedata", 8);
	p = (char *)map(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			0);
	check("file-private", (long)p > 0 && !memcmp(p, "filedata", 8));
	check("file-tail-zero", p[8] == 0 && p[PG - 1] == 0);
	p[0] = 'F';
	check("file-private-copy",
	      pread(fd, p + 100, 1, 0) == 1 && p[100] == 'f');
	check("file-dontneed-rereads",
	      madvise(p, PG, MADV_DONTNEED) == 0 && p[0] == 'f');
	munmap(p, 2 * PG);
	close(fd);
	fd = open("m", O_WRONLY);
	check_err("file-wronly-eacces",
		  map(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), EACCES);
	close(fd);
	fd = open("m", O_RDONLY);
	check_err("file-shared-write-rdonly-eacces",
		  map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
		  EACCES);
	check_err(
	    "file-shared-validate-unknown-flag",
	    map(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE | 0x800000, fd, 0),
	    EOPNOTSUPP);
	p = (char *)map(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE, fd, 0);
	check("file-shared-validate", (long)p > 0 && munmap(p, PG) == 0);
	p = (char *)map(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	check("file-shared-read", (long)p > 0 && !memcmp(p, "filedata", 8));
	check_err("file-shared-mprotect-write-eacces",
		  raw(mprotect(p, PG, PROT_READ | PROT_WRITE)), EACCES);
	munmap(p, PG);
	close(fd);
	unlink("m");
}

static void test_brk(void)
{
	char *b = (char *)syscall(SYS_brk, 0);

	check("brk-unaligned-end",
	      (char *)syscall(SYS_brk, b + PG + 1) == b + PG + 1 &&
		  kwrite(b + PG) == 1);
	check("brk-kernel-refused",
	      (char *)syscall(SYS_brk, 0xffff800000000000UL) == b + PG + 1);
	check("brk-back", (char *)syscall(SYS_brk, b) == b);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_anon();
	test_files();
	test_brk();
	printf("t_mem: %d failed\n", fails);
	return fails != 0;
}

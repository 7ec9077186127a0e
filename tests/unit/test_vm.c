/*
 * test_vm.c - kernel/vm*.c and linux/sys_mm.c over the arena's page tables:
 * hints and top-down placement, MAP_FIXED and NOREPLACE, splits by munmap
 * and mprotect, demand paging counted in pmm pages, DONTNEED, brk, mremap,
 * private file mappings, remap_file_pages, /proc/self/maps, out of memory,
 * hostile arguments and the kernel's own pages shown to the program. Every
 * test must give back every page and heap object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/memcharge.h>
#include <keel/mmu.h>
#include <keel/pmm.h>
#include <keel/process.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <keel/vm.h>
#include "unit.h"
#include "../../kernel/vm_area.h" /* mm->map_count */

#define K4 PAGE_SIZE
#define A 0x200000000UL /* a free spot, 2 MiB aligned */
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define MMAP_BASE 0x7f0000000000UL /* kernel/vm_area.h's VM_MMAP_BASE */
#define R VM_ACCESS_READ
#define W VM_ACCESS_WRITE
#define X VM_ACCESS_EXEC

SYSCALL_DEFINE(mmap);
SYSCALL_DEFINE(munmap);
SYSCALL_DEFINE(mprotect);
SYSCALL_DEFINE(mremap);
SYSCALL_DEFINE(madvise);
SYSCALL_DEFINE(brk);
SYSCALL_DEFINE(remap_file_pages);
void vm_populate(uintptr_t start, uintptr_t end,
		 bool write); /* kernel/vm_area.h */

/*
 * The file calls kernel/vm.c makes through vm_set_file_ops, over files
 * whose bytes are in memory; and a small descriptor table for
 * linux/sys_mm.c's mmap (fs/ is not linked here).
 */
struct fake_data {
	const char *bytes;
	size_t size;
};

static long fake_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
	struct fake_data *d = f->priv;

	if (off >= d->size)
		return 0;
	len = MIN(len, d->size - off);
	memcpy(buf, d->bytes + off, len);
	return (long)len;
}

static uint64_t fake_size(struct file *f)
{
	return ((struct fake_data *)f->priv)->size;
}

static const char *fake_path(struct file *f)
{
	return f->path;
}

static void fake_get(struct file *f)
{
	f->refs++;
}

static void fake_put(struct file *f)
{
	assert_true(f->refs > 0);
	f->refs--;
}

static const struct vm_file_ops fake_file_ops = {
	.get = fake_get,
	.put = fake_put,
	.pread = fake_pread,
	.size = fake_size,
	.path = fake_path,
};

static struct file *fd_files[8];

struct file *fd_get(int fd)
{
	if (fd < 0 || fd >= (int)ARRAY_SIZE(fd_files) || !fd_files[fd])
		return NULL;
	fake_get(fd_files[fd]);
	return fd_files[fd];
}

void file_put(struct file *f)
{
	fake_put(f);
}

/* A file of n bytes, byte i being (i * 7 + 3) & 0xff. */
struct test_file {
	struct file f;
	struct inode ino;
	struct fake_data d;
	char path[32];
	char bytes[5 * 4096];
};

static struct test_file *new_file(size_t n, unsigned mode, unsigned flags)
{
	struct test_file *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_true(n <= sizeof(t->bytes));
	for (size_t i = 0; i < n; i++)
		t->bytes[i] = (char)((i * 7 + 3) & 0xff);
	t->d = (struct fake_data){ t->bytes, n };
	t->ino.mode = mode;
	t->ino.size = n;
	t->f.inode = &t->ino;
	t->f.flags = flags;
	t->f.priv = &t->d;
	t->f.refs = 1;
	strcpy(t->path, "/lib/libfake.so");
	t->f.path = t->path;
	return t;
}

/*
 * The process whose space the vm_* calls work on (kernel/process.c is not
 * linked): tests of fork switch it between a parent and a child.
 */
static struct process procs[2];
static struct process *cur_proc = &procs[0];

struct process *current_process(void)
{
	return cur_proc;
}

/* kernel/oom.c is not linked: a fault without pages fails as before. */
int oom_handle(void)
{
	return -ENOMEM;
}

/* ----------------------------------------------------------- helpers --- */

static size_t base_free, base_objects;

static size_t free_pages(void)
{
	struct pmm_stats st;

	pmm_stats(&st);
	return st.free_pages;
}

/* Free pages, counting the heap's as free: what mappings and tables cost. */
static size_t free_for_user(void)
{
	struct heap_stats hs;

	heap_stats(&hs);
	return free_pages() + hs.pages;
}

static size_t live_objects(void)
{
	struct heap_stats st;

	heap_trim();
	heap_stats(&st);
	return st.live_objects;
}

/* The current process's page tables. */
static struct mmu_space cur_space(void)
{
	return (struct mmu_space){ vm_mm_root(current_process()->mm) };
}

/* The page at va through the direct map, or NULL when not present. */
static uint8_t *page_at(uintptr_t va)
{
	struct mmu_space as = cur_space();
	paddr_t pa;
	unsigned prot;

	if (mmu_query(&as, va, &pa, &prot))
		return NULL;
	return phys_to_virt(pa);
}

static unsigned pte_prot(uintptr_t va)
{
	struct mmu_space as = cur_space();
	paddr_t pa;
	unsigned prot = 0;

	assert_int_equal(mmu_query(&as, va, &pa, &prot), 0);
	return prot;
}

/* Fault va in for writing and fill the page with c. */
static void write_page(uintptr_t va, int c)
{
	assert_int_equal(vm_fault(va, W), 0);
	memset(page_at(va), c, K4);
}

static bool page_is(uintptr_t va, int c)
{
	uint8_t *p = page_at(va);

	for (size_t i = 0; p && i < K4; i++)
		if (p[i] != (uint8_t)c)
			return false;
	return p != NULL;
}

static long sys(long (*fn)(const long *), long a0, long a1, long a2, long a3,
		long a4, long a5)
{
	const long a[6] = { a0, a1, a2, a3, a4, a5 };

	return fn(a);
}

static size_t maps_lines(void)
{
	static char buf[8192];
	size_t n = vm_format_maps(buf, sizeof(buf)), lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

static int group_setup(void **state)
{
	(void)state;
	vm_set_file_ops(&fake_file_ops);
	if (hosted_mem_init(MiB(64)))
		return -1;
	/* Made at the first read fault and kept: not a test's leak. */
	return vm_zero_page() ? 0 : -1;
}

static int test_setup(void **state)
{
	(void)state;
	base_objects = live_objects();
	base_free = free_pages();
	memset(fd_files, 0, sizeof(fd_files));
	if (mmu_space_init(&kernel_space, NULL))
		return -1;
	cur_proc = &procs[0];
	for (int i = 0; i < RLIMIT_NLIMITS; i++) /* unlimited, as root */
		procs[0].rlim[i] = procs[1].rlim[i] =
		    (struct rlimit_k){ RLIM_INFINITY, RLIM_INFINITY };
	if (vm_init() || procs[0].mm != vm_mm_init())
		return -1;
	vm_mm_activate(procs[0].mm);
	return 0;
}

/* Everything the test mapped, and every table, goes back. */
static int test_teardown(void **state)
{
	(void)state;
	cur_proc = &procs[0];
	vm_set_max_map_count(VM_MAX_MAP_COUNT_DEFAULT);
	vm_destroy();
	if (vm_resident_pages())
		return -1;
	if (vm_committed()) { /* every charge was given back */
		print_message("commit: %zu pages still charged\n",
			      vm_committed());
		return -1;
	}
	if (mem_charged(MEM_VMA)) { /* and every area's */
		print_message("areas: %zu bytes still charged\n",
			      mem_charged(MEM_VMA));
		return -1;
	}
	mmu_space_destroy(&kernel_space);
	heap_trim();
	if (free_pages() != base_free || live_objects() != base_objects) {
		print_message("leak: %zu pages, %zu heap objects\n",
			      base_free - free_pages(),
			      live_objects() - base_objects);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- tests --- */

static void test_hint_used_when_free(void **state)
{
	(void)state;
	assert_int_equal(vm_mmap(A, 16 * K4, RW, ANON, NULL, 0), A);
	/* Taken: placed elsewhere, top-down below the mmap base. */
	long b = vm_mmap(A + K4, 4 * K4, RW, ANON, NULL, 0);
	assert_true(b > 0 && (uintptr_t)b + 4 * K4 <= MMAP_BASE);
	assert_true((uintptr_t)b >= A + 16 * K4);
	/* An unaligned hint is rounded down; a gap of exactly len fits. */
	assert_int_equal(vm_mmap(A + 20 * K4, K4, RW, ANON, NULL, 0),
			 A + 20 * K4);
	assert_int_equal(
	    vm_mmap(A + 16 * K4 + 123, 4 * K4, PROT_READ, ANON, NULL, 0),
	    A + 16 * K4);
	/* LuaJIT's way: hints around its code, within 2 GiB. */
	uintptr_t code = 0x555555554000UL;
	assert_int_equal(vm_mmap(code, 64 * K4, PROT_READ | PROT_EXEC,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL,
				 0),
			 code);
	uintptr_t near = code - GiB(1);
	assert_int_equal(vm_mmap(near, 16 * K4, RW, ANON, NULL, 0), near);
	/* Hints below the lowest address or past the top are not used. */
	long c = vm_mmap(0x1000, K4, RW, ANON, NULL, 0);
	assert_true(c >= 0x10000);
	long d = vm_mmap(USER_TOP - K4, 2 * K4, RW, ANON, NULL, 0);
	assert_true(d > 0 && (uintptr_t)d + 2 * K4 <= USER_TOP);
	assert_true(vm_mmap(0xffff800000000000UL, K4, RW, ANON, NULL, 0) > 0);
	assert_int_equal(vm_resident_pages(), 0);
}

static void test_top_down_placement(void **state)
{
	long a, b, c;

	(void)state;
	a = vm_mmap(0, 3 * K4, RW, ANON, NULL, 0);
	b = vm_mmap(0, 5 * K4, RW, ANON, NULL, 0);
	c = vm_mmap(0, K4, PROT_READ, ANON, NULL, 0);
	assert_int_equal(a, MMAP_BASE - 3 * K4);
	assert_int_equal(b, a - 5 * K4);
	assert_int_equal(c, b - K4);
	assert_int_equal(maps_lines(), 2); /* a and b merged */
	/* A hole is reused by the next placement that fits in it. */
	assert_int_equal(vm_munmap(b + K4, 2 * K4), 0);
	assert_int_equal(vm_mmap(0, 2 * K4, PROT_EXEC, ANON, NULL, 0), b + K4);
	/* Too big for anything below the base: none at all. */
	assert_int_equal(vm_mmap(0, USER_TOP, RW, ANON, NULL, 0), -ENOMEM);
}

static void test_fixed_replaces(void **state)
{
	size_t before;

	(void)state;
	assert_int_equal(vm_mmap(A, 4 * K4, RW, ANON, NULL, 0), A);
	for (int i = 0; i < 4; i++)
		write_page(A + i * K4, 0x10 + i);
	before = free_for_user();
	assert_int_equal(
	    vm_mmap(A + K4, 2 * K4, PROT_READ, ANON | MAP_FIXED, NULL, 0),
	    A + K4);
	assert_int_equal(free_for_user(), before + 2);
	assert_int_equal(vm_resident_pages(), 2);
	assert_true(page_is(A, 0x10));
	assert_true(page_is(A + 3 * K4, 0x13));
	assert_null(page_at(A + K4));
	assert_int_equal(vm_fault(A + K4, W), -EACCES);
	assert_int_equal(vm_fault(A + K4 + 5, R), 0);
	assert_true(page_is(A + K4, 0));
	assert_int_equal(maps_lines(), 3);
	/* NOREPLACE: anything there is -EEXIST, a free range is fine. */
	assert_int_equal(vm_mmap(A + 3 * K4, 2 * K4, RW,
				 ANON | MAP_FIXED_NOREPLACE, NULL, 0),
			 -EEXIST);
	assert_int_equal(vm_mmap(A + 4 * K4, 2 * K4, RW,
				 ANON | MAP_FIXED_NOREPLACE, NULL, 0),
			 A + 4 * K4);
	assert_int_equal(vm_mmap(A + 9 * K4 + 1, K4, RW,
				 ANON | MAP_FIXED_NOREPLACE, NULL, 0),
			 -EINVAL);
	/* Both flags: NOREPLACE wins. */
	assert_int_equal(
	    vm_mmap(A, K4, RW, ANON | MAP_FIXED | MAP_FIXED_NOREPLACE, NULL, 0),
	    -EEXIST);
	assert_true(page_is(A, 0x10));
	/* Fixed over the whole lot and more. */
	assert_int_equal(
	    vm_mmap(A - K4, 10 * K4, PROT_NONE, ANON | MAP_FIXED, NULL, 0),
	    A - K4);
	assert_int_equal(vm_resident_pages(), 0);
	assert_int_equal(maps_lines(), 1);
}

static void test_munmap_splits(void **state)
{
	size_t before;

	(void)state;
	assert_int_equal(vm_mmap(A, 5 * K4, RW, ANON, NULL, 0), A);
	for (int i = 0; i < 5; i++)
		write_page(A + i * K4, i + 1);
	before = free_for_user();
	assert_int_equal(vm_munmap(A + K4, 2 * K4), 0);
	assert_int_equal(free_for_user(), before + 2);
	assert_int_equal(maps_lines(), 2);
	assert_int_equal(vm_fault(A + K4, R), -EFAULT);
	assert_int_equal(vm_fault(A + 2 * K4 + 100, W), -EFAULT);
	assert_true(page_is(A, 1));
	assert_true(page_is(A + 3 * K4, 4));
	/* Holes are fine; unaligned lengths round up. */
	assert_int_equal(vm_munmap(A, 3 * K4 + 1), 0);
	assert_int_equal(maps_lines(), 1);
	assert_true(page_is(A + 4 * K4, 5));
	assert_int_equal(vm_munmap(A + GiB(1), K4), 0);
	assert_int_equal(vm_resident_pages(), 1);
}

static void test_mprotect_splits_and_nx(void **state)
{
	const unsigned rwx = RW | PROT_EXEC;

	(void)state;
	assert_int_equal(vm_mmap(A, 4 * K4, rwx, ANON, NULL, 0), A);
	for (int i = 0; i < 4; i++)
		write_page(A + i * K4, 0x40 + i);
	assert_int_equal(pte_prot(A),
			 MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER);
	assert_int_equal(vm_mprotect(A + K4, 2 * K4, PROT_READ), 0);
	assert_int_equal(maps_lines(), 3);
	assert_int_equal(pte_prot(A + K4), MMU_READ | MMU_USER); /* NX, RO */
	assert_int_equal(pte_prot(A + 2 * K4), MMU_READ | MMU_USER);
	assert_int_equal(pte_prot(A + 3 * K4),
			 MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER);
	assert_int_equal(vm_fault(A + K4, W), -EACCES);
	assert_int_equal(vm_fault(A + K4, X), -EACCES);
	assert_int_equal(vm_fault(A + K4, R), 0);
	assert_int_equal(vm_fault(A + 3 * K4, X), 0);
	/* Write-only and exec-only areas are still readable (x86). */
	assert_int_equal(vm_mprotect(A, K4, PROT_EXEC), 0);
	assert_int_equal(vm_fault(A, R), 0);
	assert_int_equal(vm_fault(A, W), -EACCES);
	assert_int_equal(pte_prot(A), MMU_READ | MMU_EXEC | MMU_USER);
	/* A hole in the range: -ENOMEM and nothing changes. */
	assert_int_equal(vm_mprotect(A, 5 * K4, rwx), -ENOMEM);
	assert_int_equal(pte_prot(A + K4), MMU_READ | MMU_USER);
	/* Back to one protection: one area again, contents kept. */
	assert_int_equal(vm_mprotect(A, 4 * K4, rwx), 0);
	assert_int_equal(maps_lines(), 1);
	for (int i = 0; i < 4; i++)
		assert_true(page_is(A + i * K4, 0x40 + i));
	assert_int_equal(pte_prot(A + 2 * K4),
			 MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER);
}

static void test_prot_none(void **state)
{
	size_t before = free_for_user();

	(void)state;
	/* A 1 GiB reservation costs no RAM: not even page tables. */
	assert_int_equal(vm_mmap(A, GiB(1), PROT_NONE, ANON, NULL, 0), A);
	assert_int_equal(free_for_user(), before);
	assert_int_equal(vm_fault(A + MiB(3), R), -EACCES);
	assert_int_equal(vm_fault(A, W), -EACCES);
	assert_int_equal(vm_fault(A, X), -EACCES);
	/* Commit a piece, use it, hide it: the data survives PROT_NONE. */
	assert_int_equal(vm_mprotect(A + MiB(2), 2 * K4, RW), 0);
	write_page(A + MiB(2), 0x5a);
	assert_int_equal(vm_mprotect(A + MiB(2), 2 * K4, PROT_NONE), 0);
	assert_int_equal(vm_fault(A + MiB(2), R), -EACCES);
	assert_false(pte_prot(A + MiB(2)) & MMU_USER);
	assert_int_equal(vm_mprotect(A + MiB(2), K4, PROT_READ), 0);
	assert_true(page_is(A + MiB(2), 0x5a));
	assert_int_equal(pte_prot(A + MiB(2)), MMU_READ | MMU_USER);
	/* Unmapping the reservation takes its few pages with it. */
	assert_int_equal(vm_munmap(A, GiB(1)), 0);
	assert_int_equal(vm_resident_pages(), 0);
	assert_int_equal(maps_lines(), 0);
}

static void test_demand_paging(void **state)
{
	size_t before;

	(void)state;
	before = free_for_user();
	assert_int_equal(vm_mmap(A, MiB(1), RW, ANON, NULL, 0), A);
	assert_int_equal(free_for_user(), before);
	assert_int_equal(vm_fault(A, W), 0); /* the page and 3 tables */
	assert_int_equal(free_for_user(), before - 4);
	before = free_for_user();
	/* A read maps the zero page, read-only, and costs nothing. */
	assert_int_equal(vm_fault(A + 17 * K4 + 9, R), 0);
	assert_int_equal(free_for_user(), before);
	assert_int_equal(virt_to_phys(page_at(A + 17 * K4)), vm_zero_page());
	assert_int_equal(pte_prot(A + 17 * K4), MMU_READ | MMU_USER);
	assert_int_equal(vm_fault(A + 200 * K4, W), 0);
	assert_int_equal(vm_fault(A + 200 * K4 + 8, W), 0); /* present */
	assert_int_equal(free_for_user(), before - 1);
	assert_int_equal(vm_resident_pages(), 2);
	assert_true(page_is(A + 17 * K4, 0));
	assert_non_null(page_at(A));
	assert_null(page_at(A + K4));
	/* Its first write gives it a page of its own; the zero page stays
	 * zero. */
	assert_int_equal(vm_fault(A + 17 * K4, W), 0);
	assert_int_equal(free_for_user(), before - 2);
	assert_int_equal(vm_resident_pages(), 3);
	assert_true(virt_to_phys(page_at(A + 17 * K4)) != vm_zero_page());
	assert_true(pte_prot(A + 17 * K4) & MMU_WRITE);
	write_page(A + 17 * K4, 7);
	assert_true(page_is(A + 17 * K4, 7));
	assert_true(page_is(A + 18 * K4 - K4, 7));
	assert_int_equal(vm_fault(A + 18 * K4, R), 0);
	assert_true(page_is(A + 18 * K4, 0));
	assert_int_equal(vm_resident_pages(), 3);
	assert_int_equal(vm_munmap(A + 18 * K4, K4), 0);
	/* MAP_POPULATE maps every page at once, for writing: pages of its
	 * own for a private writable mapping... */
	before = free_for_user();
	assert_int_equal(
	    vm_mmap(A + MiB(1), 8 * K4, RW, ANON | MAP_POPULATE, NULL, 0),
	    A + MiB(1));
	assert_int_equal(free_for_user(), before - 8);
	assert_true(page_is(A + MiB(1) + 7 * K4, 0));
	assert_true(pte_prot(A + MiB(1) + 7 * K4) & MMU_WRITE);
	/* ... the zero page for a read-only one (as Linux: a huge read-only
	 * MAP_POPULATE takes no memory). */
	before = free_for_user();
	assert_int_equal(vm_mmap(A + MiB(1) + 16 * K4, 8 * K4, PROT_READ,
				 ANON | MAP_POPULATE, NULL, 0),
			 A + MiB(1) + 16 * K4);
	assert_int_equal(free_for_user(), before); /* same page table */
	assert_int_equal(virt_to_phys(page_at(A + MiB(1) + 23 * K4)),
			 vm_zero_page());
	assert_int_equal(vm_munmap(A + MiB(1) + 16 * K4, 8 * K4), 0);
	/* A PROT_NONE one stops at its first page (each would fail): 2^28
	 * pages are not walked one by one. */
	long big =
	    vm_mmap(0, GiB(1024), PROT_NONE, ANON | MAP_POPULATE, NULL, 0);
	assert_true(big > 0);
	assert_int_equal(free_for_user(), before);
	assert_int_equal(vm_munmap(big, GiB(1024)), 0);
	/* Shared anonymous memory behaves as private with one process. */
	assert_int_equal(
	    vm_mmap(A + MiB(4), K4, RW, MAP_SHARED | MAP_ANONYMOUS, NULL, 0),
	    A + MiB(4));
	write_page(A + MiB(4), 9);
	assert_int_equal(vm_madvise(A + MiB(4), K4, MADV_DONTNEED), 0);
	assert_true(page_is(A + MiB(4), 9));
}

static void test_dontneed_zeroes(void **state)
{
	size_t before;

	(void)state;
	assert_int_equal(vm_mmap(A, 4 * K4, RW, ANON, NULL, 0), A);
	for (int i = 0; i < 4; i++)
		write_page(A + i * K4, 0x77);
	before = free_for_user();
	assert_int_equal(vm_madvise(A + K4, 2 * K4, MADV_DONTNEED), 0);
	assert_int_equal(free_for_user(), before + 2);
	assert_null(page_at(A + K4));
	assert_int_equal(vm_fault(A + K4, R), 0);
	assert_true(page_is(A + K4, 0));
	assert_true(page_is(A + 3 * K4, 0x77));
	assert_int_equal(maps_lines(), 1); /* no split */
	/* Other advice is accepted and changes nothing. */
	assert_int_equal(vm_madvise(A, 4 * K4, MADV_WILLNEED), 0);
	assert_int_equal(vm_madvise(A, 4 * K4, 14 /* HUGEPAGE */), 0);
	assert_true(page_is(A, 0x77));
	/* A hole: -ENOMEM, but the mapped part is still dropped. */
	assert_int_equal(vm_madvise(A, 5 * K4, MADV_FREE), -ENOMEM);
	assert_int_equal(vm_resident_pages(), 0);
	assert_int_equal(vm_madvise(A, 4 * K4, MADV_REMOVE), -EINVAL);
	assert_int_equal(vm_madvise(A, 4 * K4, 77), -EINVAL);
	assert_int_equal(vm_madvise(A + 1, K4, MADV_DONTNEED), -EINVAL);
	assert_int_equal(vm_madvise(A, 0, MADV_DONTNEED), 0);
	assert_int_equal(vm_madvise(A, (size_t)-K4, MADV_DONTNEED), -EINVAL);
}

static void test_brk(void **state)
{
	const uintptr_t start = 0x10000000UL;
	size_t before;

	(void)state;
	vm_brk_init(start - K4 + 123);
	assert_int_equal(vm_brk(0), start);
	assert_int_equal(maps_lines(), 0);
	assert_int_equal(vm_brk(start + 10000), start + 10000);
	assert_int_equal(sys(sys_brk, 0, 0, 0, 0, 0, 0), start + 10000);
	assert_int_equal(maps_lines(), 1);
	write_page(start, 1);
	write_page(start + 2 * K4, 3);
	assert_int_equal(vm_fault(start + 3 * K4, R), -EFAULT);
	/* Growing extends the same area. */
	assert_int_equal(vm_brk(start + 8 * K4), start + 8 * K4);
	assert_int_equal(maps_lines(), 1);
	write_page(start + 7 * K4, 8);
	/* Shrinking frees the pages above the new break. */
	before = free_for_user();
	assert_int_equal(vm_brk(start + K4 + 1), start + K4 + 1);
	assert_int_equal(free_for_user(), before + 2);
	assert_true(page_is(start, 1));
	assert_int_equal(vm_fault(start + 2 * K4, R), -EFAULT);
	/* Below the start, or over a mapping: the break stays. */
	assert_int_equal(vm_brk(start - 1), start + K4 + 1);
	assert_int_equal(
	    vm_mmap(start + 16 * K4, K4, RW, ANON | MAP_FIXED, NULL, 0),
	    start + 16 * K4);
	assert_int_equal(vm_brk(start + 32 * K4), start + K4 + 1);
	assert_int_equal(vm_brk(start + 15 * K4 + 1), start + K4 + 1);
	assert_int_equal(vm_brk(start + 15 * K4), start + 15 * K4);
	assert_int_equal(vm_brk(USER_TOP + K4), start + 15 * K4);
	assert_int_equal(vm_brk(start), start);
	assert_int_equal(maps_lines(), 1);
	assert_int_equal(vm_resident_pages(), 0);
}

static void test_mremap(void **state)
{
	long b;

	(void)state;
	assert_int_equal(vm_mmap(A, 2 * K4, RW, ANON, NULL, 0), A);
	write_page(A, 0x31);
	write_page(A + K4, 0x32);
	/* Grow in place into free space. */
	assert_int_equal(vm_mremap(A, 2 * K4, 4 * K4, 0, 0), A);
	assert_int_equal(vm_fault(A + 3 * K4, W), 0);
	assert_true(page_is(A + K4, 0x32));
	/* Blocked: -ENOMEM without MAYMOVE, moved with it. */
	assert_int_equal(vm_mmap(A + 4 * K4, K4, PROT_READ, ANON, NULL, 0),
			 A + 4 * K4);
	assert_int_equal(vm_mremap(A, 4 * K4, 8 * K4, 0, 0), -ENOMEM);
	uint8_t *frame = page_at(A + K4);
	b = vm_mremap(A, 4 * K4, 8 * K4, MREMAP_MAYMOVE, 0);
	assert_true(b > 0 && (uintptr_t)b != A);
	assert_ptr_equal(page_at(b + K4), frame); /* moved, not copied */
	assert_true(page_is(b, 0x31));
	assert_true(page_is(b + K4, 0x32));
	assert_int_equal(vm_fault(A, R), -EFAULT);
	assert_int_equal(vm_fault(b + 7 * K4, W), 0);
	assert_int_equal(vm_resident_pages(), 4);
	/* Shrink frees the tail. */
	assert_int_equal(vm_mremap(b, 8 * K4, K4 + 1, 0, 0), b);
	assert_int_equal(vm_resident_pages(), 2);
	assert_int_equal(vm_fault(b + 2 * K4, R), -EFAULT);
	/* MREMAP_FIXED moves onto a given place, replacing what is there. */
	assert_int_equal(vm_mremap(b, 2 * K4, 3 * K4,
				   MREMAP_MAYMOVE | MREMAP_FIXED, A + 3 * K4),
			 A + 3 * K4);
	assert_true(page_is(A + 4 * K4, 0x32));
	assert_int_equal(pte_prot(A + 4 * K4), MMU_READ | MMU_WRITE | MMU_USER);
	/* Errors. */
	assert_int_equal(vm_mremap(A + 3 * K4, K4, 2 * K4,
				   MREMAP_MAYMOVE | MREMAP_FIXED, A + 2 * K4),
			 -EINVAL); /* overlap */
	assert_int_equal(vm_mremap(A + 3 * K4, K4, K4, MREMAP_FIXED, A),
			 -EINVAL);
	assert_int_equal(vm_mremap(A + 3 * K4, K4, 0, MREMAP_MAYMOVE, 0),
			 -EINVAL);
	assert_int_equal(vm_mremap(A + 3 * K4, 0, K4, MREMAP_MAYMOVE, 0),
			 -EINVAL);
	assert_int_equal(vm_mremap(A + 3 * K4 + 1, K4, K4, 0, 0), -EINVAL);
	assert_int_equal(vm_mremap(A + 3 * K4, K4, K4, 8, 0), -EINVAL);
	assert_int_equal(vm_mremap(A, K4, 2 * K4, MREMAP_MAYMOVE, 0), -EFAULT);
	assert_int_equal(
	    vm_mremap(A + 3 * K4, 4 * K4, 5 * K4, MREMAP_MAYMOVE, 0),
	    -EFAULT); /* beyond the area */
	assert_int_equal(sys(sys_mremap, A + 3 * K4, K4, K4, 1L << 32, 0, 0),
			 -EINVAL);
	assert_int_equal(maps_lines(), 1);
}

static void test_private_file_mapping(void **state)
{
	struct test_file *t;
	long p;

	(void)state;
	t = new_file(10000, S_IFREG | 0644, O_RDONLY);
	p = vm_mmap(0, 4 * K4, RW, MAP_PRIVATE, &t->f, 0);
	assert_true(p > 0);
	assert_int_equal(t->f.refs, 2);
	assert_int_equal(vm_fault(p + 2 * K4 + 5, W), 0);
	uint8_t *pg = page_at(p + 2 * K4);
	assert_memory_equal(pg, t->bytes + 2 * K4, 10000 - 2 * K4);
	for (size_t i = 10000 - 2 * K4; i < K4; i++)
		assert_int_equal(pg[i], 0); /* past EOF in the last page */
	pg[0] = 0xee; /* private: the file does not change */
	assert_int_not_equal((uint8_t)t->bytes[2 * K4], 0xee);
	assert_int_equal(vm_fault(p + 3 * K4, R),
			 -ENXIO); /* past the last page: SIGBUS */
	/* DONTNEED brings the file's bytes back. */
	assert_int_equal(vm_madvise(p + 2 * K4, K4, MADV_DONTNEED), 0);
	assert_int_equal(vm_fault(p + 2 * K4, R), 0);
	assert_memory_equal(page_at(p + 2 * K4), t->bytes + 2 * K4, 16);
	/* An offset; splitting keeps each part's offset. */
	assert_int_equal(vm_mmap(A, 2 * K4, PROT_READ | PROT_EXEC,
				 MAP_PRIVATE | MAP_FIXED, &t->f, K4),
			 A);
	assert_int_equal(vm_munmap(A, K4), 0);
	assert_int_equal(vm_fault(A + K4, X), 0);
	assert_memory_equal(page_at(A + K4), t->bytes + 2 * K4, 100);
	char buf[512];
	size_t n = vm_format_maps(buf, sizeof(buf));
	buf[n] = 0;
	assert_non_null(strstr(buf, "200001000-200002000 r-xp 00002000 00:00 0"
				    "                                "
				    "/lib/libfake.so\n"));
	assert_int_equal(t->f.refs, 3);
	assert_int_equal(vm_munmap(p, 4 * K4), 0);
	assert_int_equal(vm_munmap(A, 2 * K4), 0);
	assert_int_equal(t->f.refs, 1);
	/* Offsets: unaligned -EINVAL, overflowing -EOVERFLOW. */
	assert_int_equal(vm_mmap(0, K4, PROT_READ, MAP_PRIVATE, &t->f, 1),
			 -EINVAL);
	assert_int_equal(
	    vm_mmap(0, 2 * K4, PROT_READ, MAP_PRIVATE, &t->f, (uint64_t)-K4),
	    -EOVERFLOW);
	assert_int_equal(t->f.refs, 1);
	free(t);
}

static void test_sys_mmap_files(void **state)
{
	struct test_file *ro, *wo, *rw, *dir;

	(void)state;
	ro = new_file(100, S_IFREG | 0644, O_RDONLY);
	wo = new_file(100, S_IFREG | 0644, O_WRONLY);
	rw = new_file(100, S_IFREG | 0644, O_RDWR);
	dir = new_file(0, S_IFDIR | 0755, O_RDONLY);
	fd_files[3] = &ro->f;
	fd_files[4] = &wo->f;
	fd_files[5] = &rw->f;
	fd_files[6] = &dir->f;
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_PRIVATE, 9, 0), -EBADF);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_PRIVATE, -1, 0), -EBADF);
	assert_int_equal(sys(sys_mmap, 0, K4, PROT_READ, MAP_PRIVATE, 4, 0),
			 -EACCES);
	assert_int_equal(sys(sys_mmap, 0, K4, PROT_READ, MAP_PRIVATE, 6, 0),
			 -ENODEV);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_SHARED, 3, 0), -EACCES);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_SHARED, 5, 0), -ENODEV);
	assert_int_equal(sys(sys_mmap, 0, 0, RW, MAP_PRIVATE, 3, 0), -EINVAL);
	long p = sys(sys_mmap, 0, K4, RW, MAP_PRIVATE, 3, 0);
	assert_true(p > 0);
	long s = sys(sys_mmap, 0, K4, PROT_READ, MAP_SHARED, 3, 0);
	assert_true(s > 0);
	assert_int_equal(vm_fault(s, R), 0);
	assert_memory_equal(page_at(s), ro->bytes, 100);
	/* A read-only shared file mapping stays read-only. */
	assert_int_equal(sys(sys_mprotect, s, K4, RW, 0, 0, 0), -EACCES);
	assert_int_equal(ro->f.refs, 3);
	vm_destroy();
	assert_int_equal(ro->f.refs, 1);
	assert_int_equal(wo->f.refs + rw->f.refs + dir->f.refs, 3);
	free(ro);
	free(wo);
	free(rw);
	free(dir);
}

static void test_remap_file_pages(void **state)
{
	struct test_file *t;
	char buf[512];
	size_t n;

	(void)state;
	t = new_file(5 * K4, S_IFREG | 0644, O_RDONLY);
	assert_int_equal(
	    vm_mmap(A, 3 * K4, PROT_READ, MAP_SHARED | MAP_FIXED, &t->f, 0), A);
	/* The middle page shows page 3 of the file, faulted in at once. */
	assert_int_equal(vm_remap_file_pages(A + K4, K4, 3), 0);
	assert_memory_equal(page_at(A + K4), t->bytes + 3 * K4, K4);
	assert_int_equal(t->f.refs, 4);
	n = vm_format_maps(buf, sizeof(buf));
	buf[n] = 0;
	assert_non_null(strstr(buf, "200001000-200002000 r--s 00003000"));
	/* Across the three areas: one area at offset 1 again (merged). */
	assert_int_equal(vm_remap_file_pages(A + 5, 3 * K4 + 7, 1), 0);
	assert_int_equal(maps_lines(), 1);
	assert_int_equal(t->f.refs, 2);
	assert_memory_equal(page_at(A + 2 * K4), t->bytes + 3 * K4, K4);
	/* Linux's EINVAL cases. */
	assert_int_equal(sys(sys_remap_file_pages, A, K4, PROT_READ, 0, 0, 0),
			 -EINVAL);
	assert_int_equal(vm_remap_file_pages(A, K4 - 1, 0), -EINVAL);
	assert_int_equal(vm_remap_file_pages(A + K4, 3 * K4, 0), -EINVAL);
	assert_int_equal(vm_remap_file_pages(A, K4, (uint64_t)-1), -EINVAL);
	assert_int_equal(vm_remap_file_pages(A + 8 * K4, K4, 0), -EINVAL);
	assert_int_equal(vm_remap_file_pages(A, K4, 1UL << 60), -EOVERFLOW);
	assert_int_equal(vm_mmap(A + 3 * K4, K4, PROT_READ,
				 MAP_PRIVATE | MAP_FIXED, &t->f, 0),
			 A + 3 * K4);
	assert_int_equal(vm_remap_file_pages(A + 3 * K4, K4, 0), -EINVAL);
	assert_int_equal(vm_remap_file_pages(A + 2 * K4, 2 * K4, 0), -EINVAL);
	/* Shared anonymous memory: only a remap that changes nothing. */
	assert_int_equal(vm_mmap(A + 8 * K4, 2 * K4, RW,
				 MAP_SHARED | MAP_ANONYMOUS, NULL, 0),
			 A + 8 * K4);
	write_page(A + 9 * K4, 0x5a);
	assert_int_equal(vm_remap_file_pages(A + 9 * K4, K4, 1), 0);
	assert_true(page_is(A + 9 * K4, 0x5a));
	assert_int_equal(vm_remap_file_pages(A + 9 * K4, K4, 0), -EINVAL);
	assert_int_equal(vm_munmap(A, 16 * K4), 0);
	assert_int_equal(t->f.refs, 1);
	free(t);
}

static void test_maps_format(void **state)
{
	char buf[1024];
	size_t n;

	(void)state;
	vm_brk_init(0x555555558000UL);
	assert_int_equal(vm_brk(0x555555558000UL + 2 * K4),
			 0x555555558000UL + 2 * K4);
	assert_int_equal(vm_mmap(0x7ffffffde000UL, 33 * K4, RW,
				 ANON | MAP_FIXED | MAP_GROWSDOWN | MAP_STACK,
				 NULL, 0),
			 0x7ffffffde000UL);
	assert_int_equal(
	    vm_mmap(A, K4, PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, NULL, 0), A);
	n = vm_format_maps(buf, sizeof(buf));
	buf[n] = 0;
	assert_string_equal(buf,
			    "200000000-200001000 -w-s 00000000 00:00 0 \n"
			    "555555558000-55555555a000 rw-p 00000000 00:00 0"
			    "                          [heap]\n"
			    "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0"
			    "                          [stack]\n");
	/* Only whole lines fit a short buffer. */
	assert_int_equal(vm_format_maps(buf, 60), 43);
	assert_int_equal(vm_format_maps(buf, 10), 0);
}

static void test_out_of_memory(void **state)
{
	size_t n = 0, cap = MiB(64) / K4;
	paddr_t *held = malloc(cap * sizeof(*held));
	paddr_t pa;

	(void)state;
	assert_non_null(held);
	assert_int_equal(vm_mmap(A, 64 * K4, RW, ANON, NULL, 0), A);
	assert_int_equal(vm_fault(A, W), 0); /* its page tables exist now */
	while ((pa = pmm_alloc(1)))
		held[n++] = pa;
	/* Faults and new mappings fail with -ENOMEM, nothing leaks. */
	assert_int_equal(vm_fault(A + K4, W), -ENOMEM);
	assert_int_equal(vm_fault(A + GiB(1), R), -EFAULT);
	long r = vm_mmap(0, K4, RW, ANON, NULL, 0);
	assert_true(r == -ENOMEM || r > 0); /* the heap may have room */
	vm_populate(A, A + 64 * K4, true);
	assert_int_equal(vm_resident_pages(), 1);
	/* Reads need no page (the zero page); the write after one does. */
	assert_int_equal(vm_fault(A + K4, R), 0);
	assert_int_equal(vm_fault(A + K4, W), -ENOMEM);
	assert_true(page_is(A + K4, 0));
	assert_int_equal(vm_resident_pages(), 1);
	for (size_t i = 0; i < n; i++)
		pmm_free(held[i], 1);
	free(held);
	assert_int_equal(vm_fault(A + K4, W), 0);
	assert_int_equal(vm_resident_pages(), 2);
}

static void test_hostile_args(void **state)
{
	(void)state;
	/* mmap */
	assert_int_equal(sys(sys_mmap, 0, 0, RW, ANON, -1, 0), -EINVAL);
	assert_int_equal(sys(sys_mmap, 0, -1, RW, ANON, -1, 0), -ENOMEM);
	assert_int_equal(sys(sys_mmap, 0, -K4, RW, ANON, -1, 0), -ENOMEM);
	assert_int_equal(sys(sys_mmap, 0, 1L << 47, RW, ANON, -1, 0), -ENOMEM);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_ANONYMOUS, -1, 0),
			 -EINVAL);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, MAP_ANONYMOUS | 0xf, -1, 0),
			 -EINVAL);
	/* Linux checks MAP_SHARED_VALIDATE's flags only for files; an
	 * anonymous one is an unknown map type to it. */
	assert_int_equal(sys(sys_mmap, 0, K4, RW,
			     MAP_ANONYMOUS | MAP_SHARED_VALIDATE | 0x8000000,
			     -1, 0),
			 -EINVAL);
	assert_int_equal(sys(sys_mmap, 0, K4, RW,
			     MAP_ANONYMOUS | MAP_SHARED_VALIDATE, -1, 0),
			 -EINVAL);
	assert_true(sys(sys_mmap, 0, K4, RW, ANON | 0x8000000, -1, 0) > 0);
	assert_true(sys(sys_mmap, 0, K4, 0x10 | PROT_READ, ANON, -1, 0) > 0);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, ANON, -1, 1), -EINVAL);
	assert_int_equal(sys(sys_mmap, A + 1, K4, RW, ANON | MAP_FIXED, -1, 0),
			 -EINVAL);
	assert_int_equal(
	    sys(sys_mmap, USER_TOP - K4, 2 * K4, RW, ANON | MAP_FIXED, -1, 0),
	    -ENOMEM);
	assert_int_equal(
	    sys(sys_mmap, USER_TOP, K4, RW, ANON | MAP_FIXED, -1, 0), -ENOMEM);
	assert_int_equal(sys(sys_mmap, -K4, K4, RW, ANON | MAP_FIXED, -1, 0),
			 -ENOMEM);
	assert_int_equal(sys(sys_mmap, 0, K4, RW, ANON | MAP_FIXED, -1, 0),
			 -EPERM);
	assert_int_equal(sys(sys_mmap, USER_TOP - 2 * K4, 2 * K4, RW,
			     ANON | MAP_FIXED_NOREPLACE, -1, 0),
			 USER_TOP - 2 * K4);
	/* munmap */
	assert_int_equal(sys(sys_munmap, A + 1, K4, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_munmap, A, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_munmap, A, -K4, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_munmap, USER_TOP, K4, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_munmap, -K4, K4, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_munmap, 0, K4, 0, 0, 0, 0), 0);
	assert_int_equal(sys(sys_munmap, A, 1, 0, 0, 0, 0), 0);
	/* mprotect */
	assert_int_equal(sys(sys_mmap, A, 2 * K4, RW, ANON, -1, 0), A);
	assert_int_equal(sys(sys_mprotect, A + 1, K4, 1, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_mprotect, A, K4, 0x10, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_mprotect, A, K4, PROT_GROWSUP, 0, 0, 0),
			 -EINVAL);
	assert_int_equal(sys(sys_mprotect, A, K4, PROT_GROWSDOWN, 0, 0, 0),
			 -EINVAL); /* not a stack */
	assert_int_equal(sys(sys_mprotect, A, K4, (1L << 32) | 1, 0, 0, 0),
			 -EINVAL);
	assert_int_equal(sys(sys_mprotect, A, K4, PROT_SEM | 1, 0, 0, 0), 0);
	assert_int_equal(sys(sys_mprotect, A, 0, 1, 0, 0, 0), 0);
	assert_int_equal(sys(sys_mprotect, A, -K4, 1, 0, 0, 0), -ENOMEM);
	assert_int_equal(sys(sys_mprotect, A, 3 * K4, 1, 0, 0, 0), -ENOMEM);
	assert_int_equal(sys(sys_mprotect, USER_TOP - K4, 2 * K4, 1, 0, 0, 0),
			 -ENOMEM);
	/* madvise */
	assert_int_equal(sys(sys_madvise, A, K4, 9999, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(sys_madvise, A + 2 * K4, K4, 4, 0, 0, 0), -ENOMEM);
	/* faults outside the user half */
	assert_int_equal(vm_fault(0, R), -EFAULT);
	assert_int_equal(vm_fault(USER_TOP, W), -EFAULT);
	assert_int_equal(vm_fault(0xffff800000001000UL, R), -EFAULT);
}

/* Random operations hit a small window of the address space. */
#define WIN_PAGES 64
#define WIN 0x300000000UL

/*
 * The areas are sorted and disjoint, and every present page of the window
 * lies in an area and carries that area's protection.
 */
static void check_consistent(void)
{
	static char buf[16384];
	uintptr_t st[64], en[64];
	char perms[64][5];
	size_t n = vm_format_maps(buf, sizeof(buf) - 1), k = 0;

	buf[n] = 0;
	for (char *l = buf; *l && k < 64; l = strchr(l, '\n') + 1, k++) {
		assert_int_equal(
		    sscanf(l, "%lx-%lx %4s", &st[k], &en[k], perms[k]), 3);
		assert_true(st[k] < en[k]);
		assert_true(k == 0 || en[k - 1] <= st[k]);
	}
	if (k < 64) /* every area counted once (vm.max_map_count) */
		assert_int_equal(vm_cur()->map_count, k);
	for (uintptr_t va = WIN - 8 * K4; va < WIN + 80 * K4; va += K4) {
		size_t i = 0;
		unsigned want = MMU_READ | MMU_USER;
		if (!page_at(va))
			continue;
		while (i < k && !(st[i] <= va && va < en[i]))
			i++;
		assert_true(i < k);
		if (perms[i][1] == 'w')
			want |= MMU_WRITE;
		if (perms[i][2] == 'x')
			want |= MMU_EXEC;
		if (!strncmp(perms[i], "---", 3))
			want = MMU_READ;
		if (virt_to_phys(page_at(va)) == vm_zero_page())
			want &= ~MMU_WRITE; /* copied at its first write */
		assert_int_equal(pte_prot(va), want);
	}
}

/*
 * vm.max_map_count: mmap is refused once the count passes it (Linux's
 * "count > max": max + 1 areas at the refusal), as are mprotect's and
 * munmap's splits at the limit and brk's growth; a whole area still
 * goes, and raised again the limit lets mmap map.
 */
static void test_max_map_count(void **state)
{
	const uintptr_t brk_at = 0x10000000UL;

	(void)state;
	assert_int_equal(vm_max_map_count(), VM_MAX_MAP_COUNT_DEFAULT);
	assert_int_equal(vm_set_max_map_count(0x80000000UL), -EINVAL);
	vm_brk_init(brk_at);
	assert_int_equal(vm_mmap(A, 3 * K4, RW, ANON, NULL, 0), A);
	assert_int_equal(vm_set_max_map_count(4), 0);
	/* Pages with a gap between them never merge. */
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(vm_mmap(A + (4 + 2 * i) * K4, K4, RW,
					 ANON | MAP_FIXED, NULL, 0),
				 A + (4 + 2 * i) * K4);
	assert_int_equal(
	    vm_mmap(A + 12 * K4, K4, RW, ANON | MAP_FIXED, NULL, 0), -ENOMEM);
	assert_int_equal(vm_mmap(0, K4, RW, ANON, NULL, 0), -ENOMEM);
	assert_int_equal(maps_lines(), 5);
	assert_int_equal(vm_mprotect(A + K4, K4, PROT_READ), -ENOMEM);
	assert_int_equal(vm_mprotect(A, 2 * K4, PROT_READ), -ENOMEM);
	assert_int_equal(vm_mprotect(A, 3 * K4, PROT_READ), 0); /* no split */
	assert_int_equal(vm_mprotect(A, 3 * K4, PROT_READ), 0);
	assert_int_equal(vm_munmap(A + K4, K4), -ENOMEM); /* a hole */
	assert_int_equal(vm_brk(brk_at + K4), brk_at);
	assert_int_equal(maps_lines(), 5);
	/* Whole areas go; a hole needs the count below the limit. */
	assert_int_equal(vm_munmap(A + 4 * K4, K4), 0);
	assert_int_equal(vm_munmap(A + K4, K4), -ENOMEM);
	assert_int_equal(vm_munmap(A + 6 * K4, K4), 0);
	assert_int_equal(vm_munmap(A + K4, K4), 0); /* 4 again */
	assert_int_equal(vm_set_max_map_count(VM_MAX_MAP_COUNT_DEFAULT), 0);
	assert_int_equal(
	    vm_mmap(A + 12 * K4, K4, RW, ANON | MAP_FIXED, NULL, 0),
	    A + 12 * K4);
	assert_int_equal(vm_brk(brk_at + K4), brk_at + K4);
	assert_int_equal(maps_lines(), 6);
}

static void test_random_ops(void **state)
{
	uint64_t seed = 0x6b65656c766d0001ULL;
	static const long lens[] = {
		0, 1, K4, 3 * K4, 17 * K4, -K4, -1, 1L << 47, WIN_PAGES * K4,
	};
	unsigned maps = 0, faults = 0;

	(void)state;
	for (int i = 0; i < 4000; i++) {
		uint64_t r = unit_rand(&seed);
		long addr = WIN + (long)(r % (WIN_PAGES + 8)) * K4 - 4 * K4;
		long len = lens[(r >> 8) % ARRAY_SIZE(lens)];
		long prot = (r >> 16) & 7, flags;

		if ((r >> 20) % 16 == 0)
			addr += (long)(r >> 24) % 4096; /* unaligned */
		switch ((r >> 28) % 7) {
		case 0:
			flags = ANON | ((r >> 32) & 1 ? MAP_FIXED : 0) |
				((r >> 33) & 1 ? MAP_FIXED_NOREPLACE : 0);
			maps +=
			    sys(sys_mmap, addr, len, prot, flags, -1, 0) > 0;
			break;
		case 1:
			sys(sys_munmap, addr, len, 0, 0, 0, 0);
			break;
		case 2:
			sys(sys_mprotect, addr, len, prot, 0, 0, 0);
			break;
		case 3:
			sys(sys_madvise, addr, len, MADV_DONTNEED, 0, 0, 0);
			break;
		case 4:
			sys(sys_mremap, addr, len, lens[(r >> 40) % 9],
			    (r >> 44) & 3, WIN + ((r >> 48) % 64) * K4, 0);
			break;
		default:
			faults += !vm_fault(addr, 1u << ((r >> 36) % 3));
			break;
		}
		if (i % 64 == 0)
			check_consistent();
	}
	check_consistent();
	assert_true(maps > 100 && faults > 100);
	/* Unmapping everything frees every page (teardown checks the rest). */
	assert_int_equal(vm_munmap(USER_MIN, USER_TOP - USER_MIN), 0);
	assert_int_equal(vm_resident_pages(), 0);
	assert_int_equal(maps_lines(), 0);
}

/* The kernel's own pages (vm_pages.c): shown, unmapped, never freed. */
static void test_kernel_pages(void **state)
{
	static char buf[1024];
	paddr_t pa = pmm_alloc_zeroed(3);
	uint8_t *k = phys_to_virt(pa);
	size_t before;
	long at;

	(void)state;
	assert_true(pa != 0);
	k[0] = 0x5a;
	at = vm_map_pages(pa, 3 * K4, RW, "/[aio] (deleted)");
	assert_true(at > 0);
	before = free_pages(); /* with the page tables made */
	assert_ptr_equal(page_at(at), k); /* mapped at once */
	assert_ptr_equal(page_at(at + 2 * K4), k + 2 * K4);
	assert_int_equal(pte_prot(at), MMU_READ | MMU_WRITE | MMU_USER);
	assert_int_equal(vm_resident_pages(), 0);
	assert_int_equal(vm_fault(at + K4, W), 0);
	vm_format_maps(buf, sizeof(buf));
	assert_non_null(strstr(buf, " rw-s 00000000 00:00 0"));
	assert_non_null(strstr(buf, " /[aio] (deleted)\n"));
	/* Neither grown nor moved; shrinking is an unmap. */
	assert_int_equal(vm_mremap(at, 3 * K4, 4 * K4, MREMAP_MAYMOVE, 0),
			 -EFAULT);
	assert_int_equal(
	    vm_mremap(at, K4, K4, MREMAP_MAYMOVE | MREMAP_FIXED, A), -EINVAL);
	/* A hole unmaps a page but frees nothing; the rest stays. */
	assert_int_equal(vm_munmap(at + K4, K4), 0);
	assert_null(page_at(at + K4));
	assert_int_equal(vm_fault(at + K4, R), -EFAULT);
	assert_int_equal(free_pages(), before);
	assert_int_equal(maps_lines(), 2);
	/* Dropped pages come back as the same frame. */
	assert_int_equal(vm_madvise(at, K4, MADV_REMOVE), 0);
	assert_null(page_at(at));
	assert_int_equal(vm_fault(at, R), 0);
	assert_ptr_equal(page_at(at), k);
	assert_int_equal(page_at(at)[0], 0x5a);
	/* The program maps over the last page: that one is not taken back. */
	assert_int_equal(
	    vm_mmap(at + 2 * K4, K4, RW, ANON | MAP_FIXED, NULL, 0),
	    at + 2 * K4);
	write_page(at + 2 * K4, 0x11);
	vm_unmap_pages(at, 3 * K4, pa);
	assert_null(page_at(at));
	assert_true(page_is(at + 2 * K4, 0x11));
	assert_int_equal(maps_lines(), 1);
	assert_int_equal(vm_munmap(at + 2 * K4, K4), 0);
	assert_int_equal(k[0], 0x5a); /* still the owner's */
	pmm_free(pa, 3);
	assert_int_equal(vm_map_pages(pa + 1, K4, RW, "x"), -EINVAL);
	assert_int_equal(vm_map_pages(pa, 0, RW, "x"), -EINVAL);
}

/* ------------------------------------------------- fork (vm_mm.c) --- */

/* Run as process i (0: the parent, 1: the child) from now on. */
static void as_proc(int i)
{
	cur_proc = &procs[i];
	vm_mm_activate(procs[i].mm);
}

/* Fork the current process (procs[0]) into procs[1]. */
static struct mm *fork_child(void)
{
	struct mm *c = vm_mm_fork();

	assert_non_null(c);
	assert_ptr_not_equal(c, procs[0].mm);
	assert_int_not_equal(vm_mm_root(c), vm_mm_root(procs[0].mm));
	procs[1].mm = c;
	return c;
}

/* Back in the parent, the child's space goes. */
static void end_child(void)
{
	as_proc(0);
	vm_mm_free(procs[1].mm);
	procs[1].mm = NULL;
}

static paddr_t pa_at(uintptr_t va)
{
	return virt_to_phys(page_at(va));
}

static bool writable(uintptr_t va)
{
	return pte_prot(va) & MMU_WRITE;
}

/* Private pages: shared read-only after a fork, copied at the first write
 * of either process, not copied when the other let its share go. */
static void test_fork_cow(void **state)
{
	paddr_t p0, p1;
	size_t before;

	(void)state;
	assert_int_equal(vm_mmap(A, 4 * K4, RW, ANON, NULL, 0), A);
	write_page(A, 0x11);
	write_page(A + K4, 0x22);
	p0 = pa_at(A);
	p1 = pa_at(A + K4);
	before = free_pages();
	fork_child();
	/* Page tables only: no frame is copied. */
	assert_int_equal(vm_mm_resident(procs[1].mm), 2);
	assert_int_equal(pmm_refs(p0), 2);
	assert_int_equal(pmm_refs(p1), 2);
	assert_false(writable(A)); /* the parent's, too */
	assert_false(writable(A + K4));
	assert_int_equal(pte_prot(A), MMU_READ | MMU_USER);
	as_proc(1);
	assert_int_equal(vm_resident_pages(), 2);
	assert_int_equal(pa_at(A), p0);
	assert_false(writable(A));
	/* A read fault (a stale entry) leaves a shared page read-only. */
	assert_int_equal(vm_fault(A, R), 0);
	assert_false(writable(A));
	assert_int_equal(vm_fault(A, X), -EACCES);
	assert_true(page_is(A + K4, 0x22));
	assert_int_equal(maps_lines(), 1);
	/* The child writes page 0: its own copy, the parent keeps 0x11. */
	before = free_pages();
	write_page(A, 0x33);
	assert_int_not_equal(pa_at(A), p0);
	assert_true(writable(A));
	assert_int_equal(free_pages(), before - 1);
	assert_int_equal(pmm_refs(p0), 1);
	as_proc(0);
	assert_true(page_is(A, 0x11));
	assert_false(writable(A));
	/* The parent's write finds the page its own now: no copy. */
	before = free_pages();
	write_page(A, 0x44);
	assert_int_equal(pa_at(A), p0);
	assert_true(writable(A));
	assert_int_equal(free_pages(), before);
	/* Page 1: the parent writes first. */
	write_page(A + K4, 0x55);
	assert_int_not_equal(pa_at(A + K4), p1);
	assert_int_equal(pmm_refs(p1), 1);
	/* The parent let its share go: a read fault, refreshing the entry,
	 * makes the page writable. */
	as_proc(1);
	assert_true(page_is(A, 0x33));
	assert_true(page_is(A + K4, 0x22));
	assert_int_equal(vm_fault(A + K4, R), 0);
	assert_true(writable(A + K4));
	write_page(A + K4, 0x66);
	assert_int_equal(pa_at(A + K4), p1);
	/* Pages neither had: each its own. */
	write_page(A + 2 * K4, 0x77);
	as_proc(0);
	assert_null(page_at(A + 2 * K4));
	assert_int_equal(vm_fault(A + 2 * K4, R), 0);
	assert_true(page_is(A + 2 * K4, 0));
	assert_true(page_is(A + K4, 0x55));
	assert_int_equal(vm_resident_pages(), 2); /* + the zero page */
	end_child();
	assert_true(page_is(A, 0x44));
	assert_int_equal(pmm_refs(p0), 1);
}

/* Read-only private pages stay shared; mprotect does not make a shared
 * page writable, the write after it copies. */
static void test_fork_readonly_shared(void **state)
{
	struct test_file *t = new_file(3 * K4, S_IFREG | 0644, O_RDONLY);
	long p;
	paddr_t pa;

	(void)state;
	p = vm_mmap(0, 3 * K4, PROT_READ, MAP_PRIVATE, &t->f, 0);
	assert_true(p > 0);
	assert_int_equal(vm_fault(p, R), 0);
	pa = pa_at(p);
	assert_int_equal(t->f.refs, 2);
	fork_child();
	assert_int_equal(t->f.refs, 3); /* the child's area holds one */
	assert_int_equal(pmm_refs(pa), 2);
	as_proc(1);
	assert_int_equal(pa_at(p), pa);
	assert_memory_equal(page_at(p), t->bytes, K4);
	assert_int_equal(vm_fault(p, W), -EACCES);
	assert_int_equal(vm_mprotect(p, K4, RW), 0);
	assert_false(writable(p)); /* still shared */
	write_page(p, 0x5e);
	assert_int_not_equal(pa_at(p), pa);
	as_proc(0);
	assert_memory_equal(page_at(p), t->bytes, K4);
	assert_int_equal(pmm_refs(pa), 1);
	end_child();
	assert_int_equal(t->f.refs, 2);
	assert_int_equal(vm_munmap(p, 3 * K4), 0);
	assert_int_equal(t->f.refs, 1);
	free(t);
}

/* MAP_SHARED anonymous memory: one set of frames, written by both. */
static void test_fork_shared_anon(void **state)
{
	const unsigned sh = MAP_SHARED | MAP_ANONYMOUS;
	size_t before;

	(void)state;
	assert_int_equal(vm_mmap(A, 3 * K4, RW, sh, NULL, 0), A);
	write_page(A, 0x55);
	before = free_pages();
	fork_child();
	/* Faulted in whole first: the other two pages are the parent's now. */
	assert_int_equal(vm_resident_pages(), 3);
	assert_int_equal(vm_mm_resident(procs[1].mm), 3);
	assert_true(free_pages() < before - 2);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pmm_refs(pa_at(A + i * K4)), 2);
		assert_true(writable(A + i * K4));
	}
	as_proc(1);
	assert_true(page_is(A, 0x55));
	assert_true(writable(A + 2 * K4));
	write_page(A + 2 * K4, 0x66);
	as_proc(0);
	assert_true(page_is(A + 2 * K4, 0x66));
	write_page(A + K4, 0x77);
	/* DONTNEED keeps shared contents; munmap in one leaves the other's. */
	assert_int_equal(vm_madvise(A + K4, K4, MADV_DONTNEED), 0);
	as_proc(1);
	assert_true(page_is(A + K4, 0x77));
	assert_int_equal(vm_munmap(A, 3 * K4), 0);
	assert_int_equal(vm_resident_pages(), 0);
	as_proc(0);
	assert_true(page_is(A, 0x55));
	assert_int_equal(pmm_refs(pa_at(A)), 1);
	/* The child's own child still shares with the parent. */
	end_child();
	fork_child();
	as_proc(1);
	write_page(A, 0x99);
	as_proc(0);
	assert_true(page_is(A, 0x99));
	end_child();
}

/* The kernel's own pages (AIO rings) are not inherited. */
static void test_fork_pinned_not_copied(void **state)
{
	static char buf[1024];
	paddr_t pa = pmm_alloc_zeroed(2);
	long at;

	(void)state;
	assert_true(pa != 0);
	at = vm_map_pages(pa, 2 * K4, RW, "/[aio] (deleted)");
	assert_true(at > 0);
	assert_int_equal(vm_mmap(A, K4, RW, ANON, NULL, 0), A);
	fork_child();
	assert_int_equal(pmm_refs(pa), 1);
	as_proc(1);
	assert_int_equal(maps_lines(), 1);
	assert_null(page_at(at));
	assert_int_equal(vm_fault(at, R), -EFAULT);
	/* Its place is free in the child: a mapping may go there. */
	assert_int_equal(
	    vm_mmap(at, K4, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0), at);
	assert_int_equal(vm_mm_format_maps(procs[0].mm, buf, sizeof(buf)) > 0,
			 true);
	assert_non_null(strstr(buf, "/[aio] (deleted)"));
	as_proc(0);
	assert_ptr_equal(page_at(at), phys_to_virt(pa));
	end_child();
	vm_unmap_pages(at, 2 * K4, pa);
	pmm_free(pa, 2);
}

/* munmap, DONTNEED and mremap in one process leave the other's pages. */
static void test_fork_unmap_independent(void **state)
{
	(void)state;
	assert_int_equal(vm_mmap(A, 4 * K4, RW, ANON, NULL, 0), A);
	for (int i = 0; i < 4; i++)
		write_page(A + i * K4, 0x20 + i);
	fork_child();
	as_proc(1);
	assert_int_equal(vm_munmap(A, K4), 0);
	assert_int_equal(vm_madvise(A + K4, K4, MADV_DONTNEED), 0);
	assert_true(page_is(A + K4, 0) || !page_at(A + K4));
	assert_int_equal(vm_fault(A + K4, R), 0);
	assert_true(page_is(A + K4, 0));
	/* Moved pages keep their frames and stay copy-on-write. */
	assert_int_equal(vm_mremap(A + 3 * K4, K4, K4,
				   MREMAP_MAYMOVE | MREMAP_FIXED, A + MiB(2)),
			 A + MiB(2));
	assert_true(page_is(A + MiB(2), 0x23));
	assert_false(writable(A + MiB(2)));
	write_page(A + MiB(2), 0x33);
	as_proc(0);
	for (int i = 0; i < 4; i++)
		assert_true(page_is(A + i * K4, 0x20 + i));
	assert_int_equal(pmm_refs(pa_at(A)), 1);
	assert_int_equal(pmm_refs(pa_at(A + K4)), 1);
	assert_int_equal(pmm_refs(pa_at(A + 2 * K4)), 2);
	assert_int_equal(pmm_refs(pa_at(A + 3 * K4)), 1);
	assert_int_equal(vm_madvise(A + 2 * K4, K4, MADV_DONTNEED), 0);
	as_proc(1);
	assert_true(page_is(A + 2 * K4, 0x22));
	assert_int_equal(pmm_refs(pa_at(A + 2 * K4)), 1);
	end_child();
}

/* Freeing the child returns every page and heap object it took, and its
 * file references; its break and areas were its own. */
static void test_mm_free_returns_all(void **state)
{
	struct test_file *t = new_file(2 * K4, S_IFREG | 0644, O_RDONLY);
	size_t pages, objects;
	long p;

	(void)state;
	vm_brk_init(A + MiB(8));
	assert_int_equal(vm_brk(A + MiB(8) + 3 * K4), A + MiB(8) + 3 * K4);
	write_page(A + MiB(8), 1);
	p = vm_mmap(0, 2 * K4, PROT_READ, MAP_PRIVATE, &t->f, 0);
	assert_true(p > 0);
	assert_int_equal(vm_fault(p, R), 0);
	assert_int_equal(vm_mmap(A, 2 * K4, RW,
				 MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE,
				 NULL, 0),
			 A);
	pages = free_pages();
	objects = live_objects();
	fork_child();
	as_proc(1);
	assert_int_equal(t->f.refs, 3);
	assert_int_equal(vm_brk(0), A + MiB(8) + 3 * K4);
	assert_int_equal(vm_brk(A + MiB(9)), A + MiB(9));
	write_page(A + MiB(8), 2);
	write_page(A + MiB(8) + 10 * K4, 3);
	assert_int_equal(vm_mmap(A + GiB(1), 4 * K4, RW, ANON, NULL, 0),
			 A + GiB(1));
	write_page(A + GiB(1), 4);
	write_page(A + K4, 5);
	as_proc(0);
	assert_int_equal(vm_brk(0), A + MiB(8) + 3 * K4);
	assert_true(page_is(A + MiB(8), 1));
	assert_true(page_is(A + K4, 5));
	end_child();
	assert_int_equal(t->f.refs, 2);
	assert_int_equal(free_pages(), pages);
	assert_int_equal(live_objects(), objects);
	assert_int_equal(vm_munmap(p, 2 * K4), 0);
	free(t);
}

/* Fork with too little memory at every point fails cleanly: the parent's
 * areas, contents and frames as they were, nothing taken. */
static void test_fork_out_of_memory(void **state)
{
	static char maps0[2048], maps1[2048];
	size_t cap = MiB(64) / K4, n, fails = 0, objects;
	paddr_t *held = malloc(cap * sizeof(*held)), pa;
	struct mm *c = NULL;

	(void)state;
	assert_non_null(held);
	assert_int_equal(vm_mmap(A, 8 * K4, RW, ANON, NULL, 0), A);
	for (int i = 0; i < 8; i++)
		write_page(A + i * K4, 0x40 + i);
	assert_int_equal(vm_mmap(A + GiB(2), 4 * K4, RW,
				 MAP_SHARED | MAP_ANONYMOUS, NULL, 0),
			 A + GiB(2));
	write_page(A + GiB(2), 0x50);
	assert_int_equal(vm_mmap(A + GiB(4), K4, PROT_READ, ANON, NULL, 0),
			 A + GiB(4));
	assert_int_equal(vm_fault(A + GiB(4), R), 0);
	vm_format_maps(maps0, sizeof(maps0));
	heap_trim();
	objects = live_objects();
	/* Each page counts here: no reserve refusing the areas' charge. */
	pmm_set_reserve(0);
	for (size_t room = 0; !c; room++) {
		size_t pages;
		n = 0;
		while ((pa = pmm_alloc(1)))
			held[n++] = pa;
		for (size_t i = 0; i < room && i < n; i++)
			pmm_free(held[--n], 1);
		pages = free_pages();
		c = vm_mm_fork();
		if (!c) {
			fails++;
			heap_trim();
			assert_true(free_pages() <= pages);
			/* Every frame is the parent's alone again. */
			for (int i = 0; i < 8; i++) {
				assert_true(page_is(A + i * K4, 0x40 + i));
				assert_int_equal(pmm_refs(pa_at(A + i * K4)),
						 1);
			}
			assert_true(page_is(A + GiB(2), 0x50));
			assert_int_equal(pmm_refs(pa_at(A + GiB(2))), 1);
			vm_format_maps(maps1, sizeof(maps1));
			assert_string_equal(maps0, maps1);
			assert_int_equal(live_objects(), objects);
		}
		for (size_t i = 0; i < n; i++)
			pmm_free(held[i], 1);
		assert_true(room < 64);
	}
	pmm_set_reserve(pmm_default_reserve());
	free(held);
	assert_true(fails > 4); /* the root, tables, areas, shared pages */
	procs[1].mm = c;
	as_proc(1);
	for (int i = 0; i < 8; i++)
		assert_true(page_is(A + i * K4, 0x40 + i));
	assert_true(page_is(A + GiB(2) + K4, 0));
	end_child();
}

/*
 * Random operations on two processes, forking and ending the child now
 * and then, against a model of each one's pages: mapped or not, writable
 * or not, and the byte last written at the start of the page (0: fresh).
 */
struct page_model {
	bool mapped, rw;
	uint8_t byte;
};

static void check_model(const struct page_model *m)
{
	for (int i = 0; i < WIN_PAGES; i++) {
		uintptr_t va = WIN + i * K4;
		if (!m[i].mapped) {
			assert_int_equal(vm_fault(va, R), -EFAULT);
			continue;
		}
		assert_int_equal(vm_fault(va, R), 0);
		assert_int_equal(page_at(va)[0], m[i].byte);
		assert_int_equal(vm_fault(va, W), m[i].rw ? 0 : -EACCES);
	}
	check_consistent();
}

static void test_random_fork(void **state)
{
	static struct page_model model[2][WIN_PAGES];
	uint64_t seed = 0x6b65656c666f726bULL;
	unsigned forks = 0, copies = 0;

	(void)state;
	memset(model, 0, sizeof(model));
	for (int i = 0; i < 3000; i++) {
		uint64_t r = unit_rand(&seed);
		int who = procs[1].mm ? (int)(r & 1) : 0, first, n;
		struct page_model *m = model[who];
		uint8_t tag = (uint8_t)(i % 255 + 1);
		uintptr_t va;

		as_proc(who);
		first = (int)((r >> 8) % WIN_PAGES);
		n = 1 + (int)((r >> 16) % 8);
		n = MIN(n, WIN_PAGES - first);
		va = WIN + first * K4;
		switch ((r >> 24) % 8) {
		case 0: /* map, writable or not */
			assert_int_equal(vm_mmap(va, n * K4,
						 (r >> 32) & 1 ? RW : PROT_READ,
						 ANON | MAP_FIXED, NULL, 0),
					 va);
			for (int k = first; k < first + n; k++)
				m[k] = (struct page_model){ true, (r >> 32) & 1,
							    0 };
			break;
		case 1:
			assert_int_equal(vm_munmap(va, n * K4), 0);
			for (int k = first; k < first + n; k++)
				m[k].mapped = false;
			break;
		case 2:
			vm_madvise(va, n * K4, MADV_DONTNEED);
			for (int k = first; k < first + n; k++)
				m[k].byte = 0;
			break;
		case 3: /* fork, or end the child */
			as_proc(0);
			if (procs[1].mm) {
				end_child();
				break;
			}
			fork_child();
			memcpy(model[1], model[0], sizeof(model[0]));
			forks++;
			break;
		default: /* write the first byte */
			if (!m[first].mapped || !m[first].rw) {
				assert_int_not_equal(vm_fault(va, W), 0);
				break;
			}
			if (page_at(va) && !writable(va))
				copies++;
			assert_int_equal(vm_fault(va, W), 0);
			assert_true(writable(va));
			page_at(va)[0] = tag;
			m[first].byte = tag;
			break;
		}
		if (i % 50 == 0) {
			for (int k = 0; k < 2; k++) {
				if (k && !procs[1].mm)
					break;
				as_proc(k);
				check_model(model[k]);
			}
		}
	}
	assert_true(forks > 20 && copies > 50);
	if (procs[1].mm)
		end_child();
	assert_int_equal(vm_munmap(WIN, WIN_PAGES * K4), 0);
}

/* ------------------------------------- the commit (vm_commit.c) --- */

static size_t ram_pages(void)
{
	struct pmm_stats st;

	pmm_stats(&st);
	return st.total_pages;
}

/* Mode 0: what is charged and what not; one request above RAM refused. */
static void test_commit_heuristic(void **state)
{
	size_t ram = ram_pages() * K4;

	(void)state;
	assert_int_equal(vm_overcommit_mode(), VM_OVERCOMMIT_GUESS);
	assert_int_equal(vm_mmap(A, 4 * K4, RW, ANON, NULL, 0), A);
	assert_int_equal(vm_committed(), 4);
	/* Read-only, shared, MAP_NORESERVE: not charged. */
	assert_true(vm_mmap(0, 4 * K4, PROT_READ, ANON, NULL, 0) > 0);
	assert_true(
	    vm_mmap(0, 4 * K4, RW, MAP_SHARED | MAP_ANONYMOUS, NULL, 0) > 0);
	assert_true(vm_mmap(0, 2 * ram, RW, ANON | MAP_NORESERVE, NULL, 0) > 0);
	assert_int_equal(vm_committed(), 4);
	/* Larger than RAM in one request: ENOMEM; just RAM: granted. */
	assert_int_equal(vm_mmap(0, ram + K4, RW, ANON, NULL, 0), -ENOMEM);
	assert_true(vm_mmap(0, ram, RW, ANON, NULL, 0) > 0);
	assert_int_equal(vm_committed(), 4 + ram / K4);
	/* munmap of part of an area gives back that part. */
	assert_int_equal(vm_munmap(A + K4, K4), 0);
	assert_int_equal(vm_committed(), 3 + ram / K4);
	/* mprotect read-only to writable charges it; back does not. */
	assert_int_equal(
	    vm_mmap(A + K4, K4, PROT_READ, ANON | MAP_FIXED, NULL, 0), A + K4);
	assert_int_equal(vm_committed(), 3 + ram / K4);
	assert_int_equal(vm_mprotect(A + K4, K4, RW), 0);
	assert_int_equal(vm_committed(), 4 + ram / K4);
	assert_int_equal(vm_mprotect(A, 4 * K4, PROT_READ), 0);
	assert_int_equal(vm_mprotect(A, 4 * K4, RW), 0);
	assert_int_equal(vm_committed(), 4 + ram / K4);
	/* Mode 1 refuses nothing. */
	assert_int_equal(vm_set_overcommit_mode(VM_OVERCOMMIT_ALWAYS), 0);
	assert_true(vm_mmap(0, 2 * ram, RW, ANON, NULL, 0) > 0);
	assert_int_equal(vm_set_overcommit_mode(VM_OVERCOMMIT_GUESS), 0);
	assert_int_equal(vm_set_overcommit_mode(3), -EINVAL);
}

/* Mode 2: the total may not pass CommitLimit, for every way to grow. */
static void test_commit_strict(void **state)
{
	size_t limit, left;
	long at;

	(void)state;
	assert_int_equal(vm_set_overcommit_ratio(10), 0);
	assert_int_equal(vm_set_overcommit_mode(VM_OVERCOMMIT_NEVER), 0);
	limit = vm_commit_limit();
	assert_int_equal(limit, ram_pages() * 10 / 100);
	/* MAP_NORESERVE is charged in mode 2. */
	assert_int_equal(
	    vm_mmap(0, (limit + 1) * K4, RW, ANON | MAP_NORESERVE, NULL, 0),
	    -ENOMEM);
	at = vm_mmap(A, (limit - 8) * K4, RW, ANON, NULL, 0);
	assert_int_equal(at, A);
	assert_int_equal(vm_mmap(0, 9 * K4, RW, ANON, NULL, 0), -ENOMEM);
	left = limit - vm_committed();
	assert_int_equal(left, 8);
	/* brk, mremap and mprotect are refused past the limit too. */
	vm_brk_init(0x10000000);
	assert_int_equal(vm_brk(0x10000000 + 9 * K4), 0x10000000);
	assert_int_equal(vm_brk(0x10000000 + 2 * K4), 0x10000000 + 2 * K4);
	assert_int_equal(vm_committed(), limit - 6);
	assert_int_equal(
	    vm_mremap(A, (limit - 8) * K4, (limit + 1) * K4, MREMAP_MAYMOVE, 0),
	    -ENOMEM);
	assert_true(vm_mmap(0, 8 * K4, PROT_READ, ANON, NULL, 0) > 0);
	assert_int_equal(
	    vm_mprotect(vm_mmap(0, 7 * K4, PROT_READ, ANON, NULL, 0), 7 * K4,
			RW),
	    -ENOMEM);
	/* A fork would double the charge: refused, nothing left charged. */
	assert_null(vm_mm_fork());
	assert_int_equal(vm_committed(), limit - 6);
	assert_int_equal(vm_brk(0x10000000), 0x10000000);
	assert_int_equal(vm_munmap(A, (limit - 8) * K4), 0);
	assert_int_equal(vm_committed(), 0);
	/* Mode 2 ignores MAP_NORESERVE for mprotect too. */
	assert_int_equal(
	    vm_mmap(A, 2 * K4, PROT_READ, ANON | MAP_NORESERVE, NULL, 0), A);
	assert_int_equal(vm_mprotect(A, 2 * K4, RW), 0);
	assert_int_equal(vm_committed(), 2);
	assert_int_equal(vm_munmap(A, 2 * K4), 0);
	assert_int_equal(vm_set_overcommit_mode(VM_OVERCOMMIT_GUESS), 0);
	assert_int_equal(vm_set_overcommit_ratio(50), 0);
}

/* Fork charges the child's private writable memory and its stack pages;
 * the child's end gives them back. */
static void test_commit_fork(void **state)
{
	(void)state;
	assert_int_equal(vm_mmap(A, 4 * K4, RW, ANON, NULL, 0), A);
	assert_int_equal(
	    vm_mmap(A + 16 * K4, 16 * K4, RW, ANON | MAP_GROWSDOWN, NULL, 0),
	    A + 16 * K4);
	assert_int_equal(vm_committed(), 4); /* the stack: as touched */
	write_page(A + 30 * K4, 1);
	write_page(A + 31 * K4, 2);
	assert_int_equal(vm_committed(), 6);
	fork_child();
	assert_int_equal(vm_committed(), 12);
	as_proc(1);
	assert_int_equal(vm_madvise(A + 30 * K4, K4, MADV_DONTNEED), 0);
	assert_int_equal(vm_committed(), 11);
	end_child();
	assert_int_equal(vm_committed(), 6);
}

/* RLIMIT_AS counts every area, RLIMIT_DATA private writable ones and
 * the break. */
static void test_rlimits(void **state)
{
	const unsigned RO = PROT_READ;
	struct rlimit_k *r = procs[0].rlim;

	(void)state;
	r[RLIMIT_AS].cur = 64 * K4;
	assert_int_equal(vm_mmap(A, 60 * K4, PROT_READ, ANON, NULL, 0), A);
	assert_int_equal(vm_mmap(0, 5 * K4, PROT_READ, ANON, NULL, 0), -ENOMEM);
	assert_true(vm_mmap(0, 4 * K4, PROT_READ, ANON, NULL, 0) > 0);
	/* MAP_FIXED over mapped pages: they do not count twice. */
	assert_int_equal(vm_mmap(A, 8 * K4, RO, ANON | MAP_FIXED, NULL, 0), A);
	assert_int_equal(
	    vm_mmap(A + 58 * K4, 3 * K4, RO, ANON | MAP_FIXED, NULL, 0),
	    -ENOMEM);
	r[RLIMIT_AS].cur = RLIM_INFINITY;
	r[RLIMIT_DATA].cur = 8 * K4;
	assert_true(vm_mmap(0, 32 * K4, PROT_READ, ANON, NULL, 0) > 0);
	assert_true(vm_mmap(0, 6 * K4, RW, ANON, NULL, 0) > 0);
	assert_int_equal(vm_mmap(0, 3 * K4, RW, ANON, NULL, 0), -ENOMEM);
	vm_brk_init(0x10000000);
	assert_int_equal(vm_brk(0x10000000 + 3 * K4), 0x10000000);
	assert_int_equal(vm_brk(0x10000000 + 2 * K4), 0x10000000 + 2 * K4);
	r[RLIMIT_DATA].cur = RLIM_INFINITY;
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hint_used_when_free),
		T(test_top_down_placement),
		T(test_fixed_replaces),
		T(test_munmap_splits),
		T(test_mprotect_splits_and_nx),
		T(test_prot_none),
		T(test_demand_paging),
		T(test_dontneed_zeroes),
		T(test_brk),
		T(test_mremap),
		T(test_private_file_mapping),
		T(test_sys_mmap_files),
		T(test_remap_file_pages),
		T(test_maps_format),
		T(test_out_of_memory),
		T(test_hostile_args),
		T(test_max_map_count),
		T(test_random_ops),
		T(test_kernel_pages),
		T(test_fork_cow),
		T(test_fork_readonly_shared),
		T(test_fork_shared_anon),
		T(test_fork_pinned_not_copied),
		T(test_fork_unmap_independent),
		T(test_mm_free_returns_all),
		T(test_fork_out_of_memory),
		T(test_random_fork),
		T(test_commit_heuristic),
		T(test_commit_strict),
		T(test_commit_fork),
		T(test_rlimits),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

/*
 * vm_fixture.c - the address-space unit tests' fakes (file calls, a
 * descriptor table, the current process), setup and teardown, and the
 * helpers that look at pages (vm_fixture.h).
 */
#include "vm_fixture.h"
#include "../../kernel/vm_area.h" /* mm->map_count */

/*
 * The file calls kernel/vm.c makes through vm_set_file_ops, over files
 * whose bytes are in memory; and a small descriptor table for
 * linux/sys_mm.c's mmap (fs/ is not linked here).
 */
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

struct file *fd_files[8];

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

struct test_file *new_file(size_t n, unsigned mode, unsigned flags)
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
struct process procs[2];
struct process *cur_proc = &procs[0];

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

size_t free_pages(void)
{
	struct pmm_stats st;

	pmm_stats(&st);
	return st.free_pages;
}

/* Free pages, counting the heap's as free: what mappings and tables cost. */
size_t free_for_user(void)
{
	struct heap_stats hs;

	heap_stats(&hs);
	return free_pages() + hs.pages;
}

size_t live_objects(void)
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
uint8_t *page_at(uintptr_t va)
{
	struct mmu_space as = cur_space();
	paddr_t pa;
	unsigned prot;

	if (mmu_query(&as, va, &pa, &prot))
		return NULL;
	return phys_to_virt(pa);
}

unsigned pte_prot(uintptr_t va)
{
	struct mmu_space as = cur_space();
	paddr_t pa;
	unsigned prot = 0;

	assert_int_equal(mmu_query(&as, va, &pa, &prot), 0);
	return prot;
}

/* Fault va in for writing and fill the page with c. */
void write_page(uintptr_t va, int c)
{
	assert_int_equal(vm_fault(va, W), 0);
	memset(page_at(va), c, K4);
}

bool page_is(uintptr_t va, int c)
{
	uint8_t *p = page_at(va);

	for (size_t i = 0; p && i < K4; i++)
		if (p[i] != (uint8_t)c)
			return false;
	return p != NULL;
}

long sys(long (*fn)(const long *), long a0, long a1, long a2, long a3, long a4,
	 long a5)
{
	const long a[6] = { a0, a1, a2, a3, a4, a5 };

	return fn(a);
}

size_t maps_lines(void)
{
	static char buf[8192];
	size_t n = vm_format_maps(buf, sizeof(buf)), lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

int group_setup(void **state)
{
	(void)state;
	vm_set_file_ops(&fake_file_ops);
	if (hosted_mem_init(MiB(64)))
		return -1;
	/* Made at the first read fault and kept: not a test's leak. */
	return vm_zero_page() ? 0 : -1;
}

int test_setup(void **state)
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
int test_teardown(void **state)
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

/*
 * The areas are sorted and disjoint, and every present page of the window
 * lies in an area and carries that area's protection.
 */
void check_consistent(void)
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

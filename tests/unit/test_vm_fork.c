/*
 * test_vm_fork.c - fork's copy of the address space (kernel/vm_mm.c, over
 * vm_fixture.c): copy-on-write, read-only and shared mappings, pinned
 * pages, independent unmaps, every page back at the end, out of memory
 * midway, random operations on both sides; and the commit
 * (kernel/vm_commit.c): the heuristic and strict overcommit modes, across
 * fork, and the rlimits.
 */
#include "vm_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
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

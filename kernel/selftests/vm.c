/*
 * vm.c - self-test of address spaces on the real CPU (kernel/selftests):
 * the kernel runs on a process's own page tables (the kernel half, its
 * I/O window included, shared with kernel_space: the timer's interrupts
 * keep coming meanwhile), and a fork's copy-on-write holds for the
 * kernel's own writes: copy_to_user into a page shared with the child
 * faults (CR0.WP) and copies it, the child keeps the old bytes; a write
 * into a read-only area is refused, never done through the entry.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mmu.h>
#include <keel/pmm.h>
#include <keel/process.h>
#include <keel/selftest.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <keel/vm.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* The frame and protection at va in mm's tables (0 when absent). */
static paddr_t frame(struct mm *mm, uintptr_t va, unsigned *prot)
{
	struct mmu_space as = { vm_mm_root(mm) };
	paddr_t pa;

	*prot = 0;
	return mmu_query(&as, va, &pa, prot) ? 0 : pa;
}

/* Make mm the calling process's and load it. */
static void use(struct process *p, struct mm *mm)
{
	p->mm = mm;
	vm_mm_activate(mm);
}

/* The checks, run on the parent's space; the child is freed by the caller. */
static int fork_checks(struct process *p, struct mm *parent, struct mm **child)
{
	char buf[8];
	unsigned prot;
	paddr_t pa, pa2;
	long at = vm_mmap(0, PAGE_SIZE, RW, ANON, NULL, 0);
	long ro = vm_mmap(0, PAGE_SIZE, PROT_READ, ANON, NULL, 0);

	ST_CHECK(at > 0 && ro > 0);
	ST_CHECK(copy_to_user((void *)at, "parent", 7) == 0); /* demand */
	*child = vm_mm_fork();
	ST_CHECK(*child);
	pa = frame(parent, at, &prot);
	ST_CHECK(pa && !(prot & MMU_WRITE) && pmm_refs(pa) == 2);
	ST_CHECK(frame(*child, at, &prot) == pa && !(prot & MMU_WRITE));
	/* The kernel's write faults and copies the page. */
	ST_CHECK(copy_to_user((void *)at, "PARENT", 7) == 0);
	pa2 = frame(parent, at, &prot);
	ST_CHECK(pa2 && pa2 != pa && (prot & MMU_WRITE));
	ST_CHECK(pmm_refs(pa) == 1);
	ST_CHECK(!memcmp(phys_to_virt(pa), "parent", 7));
	ST_CHECK(copy_from_user(buf, (void *)at, 7) == 0);
	ST_CHECK(!memcmp(buf, "PARENT", 7));
	/* Read-only stays read-only for the kernel too. */
	ST_CHECK(copy_from_user(buf, (void *)ro, 1) == 0);
	ST_CHECK(copy_to_user((void *)ro, "x", 1) == -EFAULT);
	ST_CHECK(((char *)phys_to_virt(frame(parent, ro, &prot)))[0] == 0);
	/* The child, on its own tables: the old bytes; its write finds the
	 * page its own and copies nothing. */
	use(p, *child);
	ST_CHECK(copy_from_user(buf, (void *)at, 7) == 0);
	ST_CHECK(!memcmp(buf, "parent", 7));
	ST_CHECK(copy_to_user((void *)at, "child", 6) == 0);
	ST_CHECK(frame(*child, at, &prot) == pa && (prot & MMU_WRITE));
	ST_CHECK(copy_from_user(buf, (void *)ro, 1) == 0); /* shared, read */
	use(p, parent);
	ST_CHECK(copy_from_user(buf, (void *)at, 7) == 0);
	ST_CHECK(!memcmp(buf, "PARENT", 7));
	return 0;
}

static int test_vm_fork(void)
{
	struct process *p = current_process();
	struct mm *saved = p->mm, *parent = vm_mm_new(), *child = NULL;
	struct pmm_stats before, after;
	int err;

	ST_CHECK(parent);
	pmm_stats(&before);
	use(p, parent);
	err = fork_checks(p, parent, &child);
	use(p, parent);
	if (child)
		vm_mm_free(child);
	p->mm = saved;
	if (saved)
		vm_mm_activate(saved);
	else
		arch_switch_space(kernel_space.root);
	vm_mm_free(parent);
	heap_trim();
	pmm_stats(&after);
	ST_CHECK(after.free_pages >= before.free_pages); /* parent's root */
	return err;
}
SELFTEST("vm-fork", test_vm_fork);

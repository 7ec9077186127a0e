/*
 * vm.h - the application's address space (kernel/vm.c): areas of the user
 * half with their protection and backing (anonymous zero-fill, or a
 * private copy of a file's pages), paged in on first touch. mmap honours
 * a non-fixed hint whenever that range is free (LuaJIT relies on it).
 * Flags and protections use Linux's values, so the syscall layer passes
 * them through after checking them.
 */
#ifndef KEEL_VM_H
#define KEEL_VM_H

#include <keel/compiler.h>
#include <keel/page.h>

struct file;

#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_STACK 0x20000
#define MAP_FIXED_NOREPLACE 0x100000
/* keel's own, from the syscall layer: the file behind a MAP_SHARED
 * mapping is not open for writing, so mprotect may never add PROT_WRITE
 * (Linux's missing VM_MAYWRITE: -EACCES). */
#define MAP_NOWRITE 0x80000000u
/* kernel/vm.c's own: the new area is charged to the commit (set by
 * vm_mmap itself, whatever the caller passed). */
#define MAP_ACCOUNT_K 0x40000000u

/* Kinds of access for vm_fault. */
#define VM_ACCESS_READ 0x1u
#define VM_ACCESS_WRITE 0x2u
#define VM_ACCESS_EXEC 0x4u

/*
 * What a file mapping needs of its file. kernel/ does not call fs/: fs/
 * provides these (file_vm_ops, include/keel/file.h) and init/ installs
 * them with vm_set_file_ops before the first file is mapped.
 */
struct vm_file_ops {
	void (*get)(struct file *f); /* take a reference */
	void (*put)(struct file *f); /* drop one */
	/* Read up to len bytes at off: bytes read or -errno (may sleep). */
	long (*pread)(struct file *f, void *buf, size_t len, uint64_t off);
	uint64_t (*size)(struct file *f); /* bytes, for SIGBUS past the end */
	const char *(*path)(struct file *f); /* for /proc/self/maps */
	/* Whether a MAP_SHARED mapping may map the file's own pages (then
	 * it may be writable, and writes are the file's); share_page: the
	 * page at off with a reference for the mapping, or 0. NULL or false:
	 * shared mappings are read-only snapshots. */
	bool (*can_share)(struct file *f);
	paddr_t (*share_page)(struct file *f, uint64_t off);
};
void vm_set_file_ops(const struct vm_file_ops *ops);

/* Set up the (empty) user address space of the calling process: the
 * first process's (vm_mm_init) when it has none. */
int vm_init(void);
/*
 * Map len bytes: at addr exactly with MAP_FIXED (replacing what is there)
 * or MAP_FIXED_NOREPLACE (-EEXIST if anything is there), else at addr if
 * that range is free, else wherever there is room (top-down below the
 * stack area). f (a reference is taken) and off back a file mapping.
 * Returns the address or -errno (-ENOMEM when out of room or memory).
 */
long vm_mmap(uintptr_t addr, size_t len, unsigned prot, unsigned flags,
	     struct file *f, uint64_t off);
int vm_munmap(uintptr_t addr, size_t len);
int vm_mprotect(uintptr_t addr, size_t len, unsigned prot);
/*
 * A fault at addr by an access of the given kind: 0 when the page is now
 * mapped, -EFAULT when the application had no right to it (SIGSEGV), or
 * -ENOMEM.
 */
int vm_fault(uintptr_t addr, unsigned access);
/* The program break: set its start (after the loaded ELF); brk(2). */
void vm_brk_init(uintptr_t start);
uintptr_t vm_brk(uintptr_t new_end);
/* Print the areas as /proc/self/maps does, into buf; bytes written. */
size_t vm_format_maps(char *buf, size_t len);

/*
 * Additions (kernel/vm*.c). A MAP_GROWSDOWN mapping is the stack (shown
 * as "[stack]"; it does not grow: map it whole, it costs only what is
 * touched). PROT_GROWSDOWN: mprotect from the stack area's start.
 */
#define PROT_SEM 0x8
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4

#define MADV_NORMAL 0
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_REMOVE 9
#define MADV_COLLAPSE 25

/*
 * Resize [old, old+old_len) (one area) to new_len: shrink in place, grow
 * in place when the following range is free, else move with
 * MREMAP_MAYMOVE (to new_addr with MREMAP_FIXED). New address or -errno.
 */
long vm_mremap(uintptr_t old, size_t old_len, size_t new_len, unsigned flags,
	       uintptr_t new_addr);
/*
 * remap_file_pages(2) as Linux >= 4.0 emulates it: rebuild the shared
 * file mapping over [start, start+size) (rounded down to pages) to show
 * the file from page pgoff, keeping its protection, and fault it in.
 * -EINVAL unless the range lies in alike MAP_SHARED areas; shared
 * anonymous memory takes only a remap that changes nothing.
 */
int vm_remap_file_pages(uintptr_t start, size_t size, uint64_t pgoff);
/* madvise(2): MADV_DONTNEED and MADV_FREE drop pages; others are hints. */
int vm_madvise(uintptr_t addr, size_t len, int advice);
/*
 * The kernel's own pages shown to the program (kernel/vm_pages.c): map
 * len bytes of contiguous pages at pa, shared, wherever there is room
 * (address or -errno). The program may unmap or protect parts of it, not
 * grow or move it; the pages stay the caller's, never freed by vm.
 * vm_unmap_pages takes back what is left of that mapping at addr (and
 * nothing the program has put there since) before the caller frees them.
 */
long vm_map_pages(paddr_t pa, size_t len, unsigned prot, const char *name);
void vm_unmap_pages(uintptr_t addr, size_t len, paddr_t pa);
/*
 * The general form: map n parts (page-aligned contiguous pages each, at
 * most VM_PAGES_MAX) one after another, one area each, in a gap at or
 * above lo when there is one (0: no preference), else wherever mmap
 * would place them. With VM_PAGES_FORK the areas are private, never
 * writable (mprotect: -EACCES) and a fork's child has them too (the vDSO
 * and its clock page); without, as vm_map_pages. Address or -errno.
 */
struct vm_pages {
	paddr_t pa;
	size_t len;
	unsigned prot;
	const char *name; /* for /proc/PID/maps */
};
#define VM_PAGES_MAX 4
#define VM_PAGES_FORK 0x1u
long vm_map_kernel_pages(const struct vm_pages *parts, unsigned n,
			 unsigned flags, uintptr_t lo);
/* Drop every area and page and the break (a new exec, tests). */
void vm_destroy(void);
/* The zero page private anonymous memory reads before its first write
 * (made at its first use and kept; 0 when no page is free). */
paddr_t vm_zero_page(void);
/* Pages of RAM the areas hold (for /proc and tests). */
size_t vm_resident_pages(void);

/*
 * Address spaces, one per process (kernel/vm.c). Every vm_* call above
 * works on the calling process's (current_process()->mm); the first
 * process's uses kernel_space's user half, others a page-table root of
 * their own sharing the kernel half. Frames are reference-counted
 * (pmm_ref, kernel/pmm.c), so a fork shares them copy-on-write.
 */
struct mm;
/* The first process's (set up by vm_init). */
struct mm *vm_mm_init(void);
/* An empty space with its own page tables (NULL: no memory). */
struct mm *vm_mm_new(void);
/*
 * The calling process's space copied for a child (fork): private pages
 * become copy-on-write in both, MAP_SHARED pages stay shared (shared
 * anonymous areas are faulted in whole first so both see the same
 * frames), the kernel's own pages (AIO rings) are not copied. NULL: no
 * memory, nothing changed.
 */
struct mm *vm_mm_fork(void);
/* Drop every area, page and table of mm and free it (not the current). */
void vm_mm_free(struct mm *mm);
/* Load mm's page tables on this CPU (a context switch, exec). */
void vm_mm_activate(struct mm *mm);
/* The page-table root of mm (for the architecture's context switch). */
paddr_t vm_mm_root(const struct mm *mm);
/* Pages of RAM mm's areas hold (/proc/PID/status VmRSS). */
size_t vm_mm_resident(const struct mm *mm);
/*
 * The commit charge (kernel/vm_commit.c; docs/vm.md): pages committed by
 * every process and the most mode 2 allows (/proc/meminfo's Committed_AS
 * and CommitLimit), and vm.overcommit_memory (0 heuristic, 1 always,
 * 2 never) and vm.overcommit_ratio (percent of RAM), set by root through
 * /proc/sys/vm: 0 or -EINVAL.
 */
#define VM_OVERCOMMIT_GUESS 0
#define VM_OVERCOMMIT_ALWAYS 1
#define VM_OVERCOMMIT_NEVER 2
size_t vm_committed(void);
size_t vm_commit_limit(void);
int vm_overcommit_mode(void);
unsigned vm_overcommit_ratio(void);
int vm_set_overcommit_mode(unsigned long v);
int vm_set_overcommit_ratio(unsigned long v);
/*
 * vm.max_map_count (kernel/vm.c): the most areas a space may hold, as
 * Linux checks it (mmap, mprotect's and munmap's splits, brk, mremap
 * refuse with -ENOMEM past it); root sets it through /proc/sys/vm: 0 or
 * -EINVAL (above INT_MAX).
 */
#define VM_MAX_MAP_COUNT_DEFAULT 65530
int vm_max_map_count(void);
int vm_set_max_map_count(unsigned long v);
/*
 * Take pages of commit as the overcommit mode allows (0 or -ENOMEM), and
 * give them back (kernel/vm_commit.c): for memory the areas do not
 * charge themselves, such as SysV shared memory segments (fs/shm.c).
 */
int vm_commit_charge(size_t pages);
void vm_commit_uncharge(size_t pages);
/*
 * shmdt(2) (kernel/vm.c): unmap the attachment made at addr of a file
 * ours() says is a segment, with what munmap and mprotect left of it;
 * -EINVAL when no such attachment starts at addr.
 */
int vm_detach(uintptr_t addr, bool (*ours)(struct file *f));
/* The pages its areas span (Linux's total_vm, /proc/PID/status VmSize). */
size_t vm_mm_total_pages(struct mm *mm);
/* /proc/PID/maps of another process (vm_format_maps for mm). */
size_t vm_mm_format_maps(struct mm *mm, char *buf, size_t len);

/*
 * A futex's key across processes: whether uaddr lies in shared memory
 * (MAP_SHARED, faulted in if need be), with the physical address of
 * that byte in *pa. False: private memory (key it by address space).
 */
bool vm_shared_page(uintptr_t uaddr, paddr_t *pa);

#endif

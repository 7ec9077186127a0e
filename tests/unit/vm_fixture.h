/*
 * vm_fixture.h - what the address-space unit tests (test_vm_map.c,
 * test_vm_hostile.c, test_vm_fork.c) share, from vm_fixture.c: kernel/vm*.c
 * and linux/sys_mm.c over the arena's page tables, with the file calls
 * (vm_set_file_ops) and descriptor table fs/ would give, the process the
 * calls work on (a parent and a child for fork), and the helpers that look
 * at pages and page tables. Every test must give back every page and heap
 * object (test_teardown).
 */
#ifndef KEEL_VM_FIXTURE_H
#define KEEL_VM_FIXTURE_H

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

/* Random operations hit a small window of the address space. */
#define WIN_PAGES 64
#define WIN 0x300000000UL

struct fake_data {
	const char *bytes;
	size_t size;
};

extern struct file *fd_files[8];

/* A file of n bytes, byte i being (i * 7 + 3) & 0xff. */
struct test_file {
	struct file f;
	struct inode ino;
	struct fake_data d;
	char path[32];
	char bytes[5 * 4096];
};
struct test_file *new_file(size_t n, unsigned mode, unsigned flags);

/* The process the vm_* calls work on: procs[0], or procs[1] for a child. */
extern struct process procs[2];
extern struct process *cur_proc;

size_t free_pages(void);
size_t free_for_user(void);
size_t live_objects(void);
uint8_t *page_at(uintptr_t va);
unsigned pte_prot(uintptr_t va);
void write_page(uintptr_t va, int c);
bool page_is(uintptr_t va, int c);
long sys(long (*fn)(const long *), long a0, long a1, long a2, long a3, long a4,
	 long a5);
size_t maps_lines(void);
void check_consistent(void);

int group_setup(void **state);
int test_setup(void **state);
int test_teardown(void **state);
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

#endif

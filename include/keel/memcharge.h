/*
 * memcharge.h - what the kernel holds on programs' behalf, by kind
 * (kernel/memcharge.c): pipe buffers, sockets and the data queued on
 * them, the network stack's buffers, AIO rings, user threads' kernel
 * stacks, the areas of address spaces. Each kind may hold at most a quarter of RAM, and no charge may
 * take the free pages below pmm's reserve, so no one kind can take the
 * pages the kernel needs. docs/vm.md, "Kernel memory by kind".
 */
#ifndef KEEL_MEMCHARGE_H
#define KEEL_MEMCHARGE_H

#include <keel/compiler.h>

enum mem_kind {
	MEM_PIPE, /* pipe and FIFO buffers, pipe objects */
	MEM_SOCK, /* sockets and the data queued on Unix sockets */
	MEM_NET, /* lwIP: pbufs, PCBs, TCP segments */
	MEM_AIO, /* io_setup's rings */
	MEM_THREAD, /* kernel stacks of programs' threads and processes */
	MEM_VMA, /* the areas of programs' address spaces (mmap's maps) */
	MEM_KINDS
};

/* The cost a kernel object is charged beside its data (a socket with its
 * file and inode, a pipe with its two files). */
#define MEM_OBJECT_COST 1024
/* A program's thread: its kernel stack (16 KiB) and the objects around
 * it (the thread, its signal state, its saved registers). */
#define MEM_THREAD_COST (20 * 1024)

/* Charge bytes to kind k: 0, or -ENOMEM (nothing charged) when the kind
 * would pass its share of RAM or the free pages would fall into the
 * reserve. */
int mem_charge(enum mem_kind k, size_t bytes);
/* Charged whatever the limits say: what the kernel cannot do without. */
void mem_charge_force(enum mem_kind k, size_t bytes);
void mem_uncharge(enum mem_kind k, size_t bytes);
size_t mem_charged(enum mem_kind k);
/* The most kind k may hold, in bytes (a quarter of RAM). */
size_t mem_charge_limit(enum mem_kind k);
/* Refused charges since boot (/proc/meminfo's KernelRefused). */
unsigned long mem_charge_refused(void);

#endif

/*
 * fuzz_mem.h - what the hosted firmware fuzzers (fuzz_pvh, fuzz_acpi,
 * fuzz_tty) share: libFuzzer's own -timeout instead of plat/hosted's
 * watchdog, and the input as physical memory from address 0, each
 * mapping a private copy of exactly the bytes asked (so ASan sees a read
 * past what was mapped), freed after the input.
 */
#ifndef FUZZ_MEM_H
#define FUZZ_MEM_H

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

void (*signal(int sig, void (*handler)(int)))(int); /* <signal.h> clashes */
unsigned alarm(unsigned s);
#define HOST_SIGALRM 14

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	alarm(0);
	signal(HOST_SIGALRM, (void (*)(int))0); /* SIG_DFL */
	return 0;
}

static const uint8_t *fuzz_mem;
static size_t fuzz_mem_size;

#define FUZZ_MAPS 4096
static void *fuzz_maps[FUZZ_MAPS];
static unsigned fuzz_nmaps;

static __attribute__((unused)) const void *fuzz_map(uint64_t pa, size_t len)
{
	void *p;

	if (pa > fuzz_mem_size || len > fuzz_mem_size - pa ||
	    fuzz_nmaps == FUZZ_MAPS)
		return NULL;
	p = malloc(len ? len : 1);
	memcpy(p, fuzz_mem + pa, len);
	fuzz_maps[fuzz_nmaps++] = p;
	return p;
}

static __attribute__((unused)) void fuzz_mem_set(const uint8_t *d, size_t n)
{
	while (fuzz_nmaps)
		free(fuzz_maps[--fuzz_nmaps]);
	fuzz_mem = d;
	fuzz_mem_size = n;
}

#endif

/*
 * fuzz_hosted.h - what the fuzzers on plat/hosted share (tests/fuzz):
 * libFuzzer's own -timeout instead of plat/hosted's watchdog (the
 * firmware and terminal fuzzers take its LLVMFuzzerInitialize whole);
 * the input as physical memory from address 0, each mapping a private
 * copy of exactly the bytes asked (so ASan sees a read past what was
 * mapped), freed with the next input; and the process the file-system
 * fuzzers run as.
 */
#ifndef FUZZ_HOSTED_H
#define FUZZ_HOSTED_H

#include <stdlib.h>
#include <string.h>
#include <keel/process.h>
#include <keel/vfs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

void (*signal(int sig, void (*handler)(int)))(int); /* <signal.h> clashes */
unsigned alarm(unsigned s);
#define HOST_SIGALRM 14

/* plat/hosted's watchdog (SIGALRM) off: libFuzzer's -timeout judges. */
static inline void fuzz_no_watchdog(void)
{
	alarm(0);
	signal(HOST_SIGALRM, (void (*)(int))0); /* SIG_DFL */
}

#ifndef FUZZ_OWN_INIT
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_no_watchdog();
	return 0;
}
#endif

/* The process the file calls run as: /bin/prog in /, FD_MAX files. */
static __attribute__((unused)) void fuzz_process_start(void)
{
	struct process *p = current_process();

	p->exe = "/bin/prog";
	p->rlim[RLIMIT_NOFILE] = (struct rlimit_k){ FD_MAX, FD_MAX };
	if (fs_process_init(p, "/"))
		abort();
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

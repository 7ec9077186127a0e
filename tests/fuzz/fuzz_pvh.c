/*
 * fuzz_pvh.c - libFuzzer target for plat/pvh_info.c, the PVH start info
 * and its memory map, module list and command line as a hostile boot
 * loader could lay them out: the input is physical memory from address
 * 0, the start info at 0 (or at the address in the input's last 4
 * bytes); nothing beyond the input can be read. What comes out is checked
 * against what the kernel relies on: RAM regions non-empty, within 52
 * bits, not overlapping, at most 64; modules within 52 bits; a command
 * line ending in NUL. make fuzz; tests/fuzz/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/errno.h>
#include <hosted.h>
#include <plat/platform.h>

#include "fuzz_hosted.h"

static struct boot_info bi;

static void check(const struct boot_info *b)
{
	if (b->nram > BOOT_MAX_REGIONS || b->nmodules > BOOT_MAX_MODULES ||
	    !memchr(b->cmdline, 0, sizeof(b->cmdline)))
		abort();
	for (unsigned i = 0; i < b->nram; i++) {
		const struct hyper_mem_region *r = &b->ram[i];
		if (!r->size || r->base >= 1ULL << 52 ||
		    r->size > (1ULL << 52) - r->base)
			abort();
		for (unsigned j = 0; j < i; j++)
			if (r->base < b->ram[j].base + b->ram[j].size &&
			    b->ram[j].base < r->base + r->size)
				abort();
	}
	for (unsigned i = 0; i < b->nmodules; i++)
		if (b->modules[i].base + b->modules[i].size <
		    b->modules[i].base)
			abort();
	if (b->nrefused && !b->refused)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t at = 0;

	fuzz_mem_set(data, size);
	if (size >= 4 && size > 64)
		memcpy(&at, data + size - 4, 4);
	if (at >= size)
		at = 0;
	hosted_console_clear();
	pvh_read_start_info(&bi, fuzz_map, at);
	check(&bi);
	pvh_report(&bi);
	if (getenv("FUZZ_SHOW")) /* what a seed gives: FUZZ_SHOW=1 fuzz_pvh F */
		fprintf(stderr, "cmdline '%s', rsdp %#lx\n%s", bi.cmdline,
			(unsigned long)bi.rsdp, hosted_console_text());
	return 0;
}

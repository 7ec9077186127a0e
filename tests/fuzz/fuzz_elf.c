/*
 * fuzz_elf.c - libFuzzer target for lib/elf.c: every reader on every
 * input that elf_parse accepts. The input is copied into an 8-byte
 * aligned buffer of its exact size (ASan sees a read past the end) and,
 * for one input in eight, one byte further on, so that the alignment
 * check runs too. Built and run by make fuzz (tests/fuzz/run.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <keel/elf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const char *s)
{
	if (s && strlen(s) == (size_t)-1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One byte of the input picks the misaligned case. */
	size_t shift = size && (data[size - 1] & 7) == 7 ? 1 : 0;
	uint8_t *mem = malloc(size + shift); /* malloc aligns to 16 */
	uint8_t *buf;
	struct elf_image img;
	struct elf_dynamic dyn;
	const char *why = NULL, *interp;
	const struct elf64_shdr *sh;
	uint64_t off;

	if (!mem)
		return 0;
	buf = mem + shift;
	if (size)
		memcpy(buf, data, size);
	if (elf_parse(&img, buf, size, &why)) {
		if (!why)
			abort();
		free(mem);
		return 0;
	}
	if (shift)
		abort(); /* a misaligned image was accepted */
	if (elf_interp(&img, &interp, &why) == 0)
		touch(interp);
	if (elf_read_dynamic(&img, &dyn, &why) == 0) {
		for (unsigned i = 0; i < dyn.n_needed; i++)
			touch(dyn.needed[i]);
		touch(dyn.rpath);
		touch(dyn.runpath);
		touch(dyn.soname);
	}
	static const char *const names[] = { ".interp", ".dynamic",  ".dynstr",
					     ".text",	".shstrtab", "" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sh = elf_section(&img, names[i]);
		if (sh && ((const uint8_t *)sh < buf ||
			   (const uint8_t *)(sh + 1) > buf + size))
			abort();
	}
	if (elf_vaddr_to_offset(&img, img.eh->e_entry, 1, &off) == 0 &&
	    off >= size)
		abort();
	free(mem);
	return 0;
}

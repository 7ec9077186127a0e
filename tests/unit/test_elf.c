/*
 * test_elf.c - lib/elf.c: real files from the host and the Makefile
 * (dynamic PIE, static, DT_RPATH, DT_RUNPATH, DT_SONAME), then a small
 * hand-made image broken one field at a time, each with its exact reason,
 * every prefix of a real file, and random byte flips. Images are copied
 * into buffers of their exact size so ASan sees any read past the end.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <keel/elf.h>
#include "unit.h"

/* ------------------------------------------------------------ helpers --- */

static uint8_t *load_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n); /* malloc's alignment is 16 */
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* A file the Makefile builds next to this program (build/unit/). */
static uint8_t *load_sample(const char *name, size_t *size)
{
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	uint8_t *buf;

	assert_true(n > 0);
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dirname(self), name);
	buf = load_file(path, size);
	if (!buf)
		fail_msg("%s is missing: build it with make unit", path);
	return buf;
}

/* Parse a copy of data in a buffer of exactly size bytes. */
static uint8_t *copy_exact(const void *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);

	assert_non_null(p);
	memcpy(p, data, size);
	return p;
}

static void expect_parse_error(const void *data, size_t size,
			       const char *why_want)
{
	uint8_t *p = copy_exact(data, size);
	struct elf_image img;
	const char *why = NULL;

	assert_int_equal(elf_parse(&img, p, size, &why), -ENOEXEC);
	assert_non_null(why);
	assert_string_equal(why, why_want);
	free(p);
}

/* Parse must pass; then the later reader must fail with why_want. */
enum later { INTERP, DYNAMIC };
static void expect_later_error(const void *data, size_t size, enum later which,
			       int err_want, const char *why_want)
{
	uint8_t *p = copy_exact(data, size);
	struct elf_image img;
	struct elf_dynamic dyn;
	const char *why = NULL, *interp = "x";

	assert_int_equal(elf_parse(&img, p, size, &why), 0);
	if (which == INTERP) {
		assert_int_equal(elf_interp(&img, &interp, &why), err_want);
		assert_null(interp);
	} else {
		assert_int_equal(elf_read_dynamic(&img, &dyn, &why), err_want);
	}
	assert_non_null(why);
	assert_string_equal(why, why_want);
	free(p);
}

/* Everything the readers can do with an image; none may read outside it. */
static void exercise(const uint8_t *data, size_t size)
{
	struct elf_image img;
	struct elf_dynamic dyn;
	const char *why = NULL, *interp;
	uint64_t off;

	if (elf_parse(&img, data, size, &why)) {
		assert_non_null(why);
		return;
	}
	if (elf_interp(&img, &interp, &why) == 0 && interp)
		assert_true(strlen(interp) > 0);
	if (elf_read_dynamic(&img, &dyn, &why) == 0) {
		for (unsigned i = 0; i < dyn.n_needed; i++)
			assert_true(strlen(dyn.needed[i]) > 0);
		if (dyn.rpath)
			(void)strlen(dyn.rpath);
		if (dyn.runpath)
			(void)strlen(dyn.runpath);
		if (dyn.soname)
			(void)strlen(dyn.soname);
	}
	(void)elf_section(&img, ".dynstr");
	(void)elf_section(&img, ".shstrtab");
	(void)elf_section(&img, "");
	if (elf_vaddr_to_offset(&img, img.eh->e_entry, 16, &off) == 0)
		assert_true(off <= size && 16 <= size - off);
}

/* --------------------------------------------------------- real files --- */

static void check_host_pie(const char *path)
{
	struct elf_image img;
	struct elf_dynamic dyn;
	const struct elf64_shdr *sh;
	const char *why = NULL, *interp;
	size_t size;
	uint8_t *data = load_file(path, &size);
	bool libc = false;
	uint64_t off;

	if (!data)
		fail_msg("%s is missing: this test reads it", path);
	assert_int_equal(elf_parse(&img, data, size, &why), 0);
	assert_int_equal(img.eh->e_type, ET_DYN);
	assert_int_equal(img.eh->e_machine, EM_X86_64);
	assert_int_equal(elf_interp(&img, &interp, &why), 0);
	assert_string_equal(interp, "/lib64/ld-linux-x86-64.so.2");
	assert_int_equal(elf_read_dynamic(&img, &dyn, &why), 0);
	for (unsigned i = 0; i < dyn.n_needed; i++)
		libc |= !strcmp(dyn.needed[i], "libc.so.6");
	assert_true(libc);
	assert_null(dyn.rpath);
	assert_null(dyn.runpath);
	assert_null(dyn.soname);
	/* DT_DEBUG's value: inside .dynamic, right after its tag. */
	sh = elf_section(&img, ".dynamic");
	assert_non_null(sh);
	assert_true(dyn.debug_slot >= sh->sh_addr + 8 &&
		    dyn.debug_slot + 8 <= sh->sh_addr + sh->sh_size);
	assert_int_equal(
	    elf_vaddr_to_offset(&img, dyn.debug_slot - 8, 16, &off), 0);
	assert_int_equal(((const struct elf64_dyn *)(data + off))->d_tag,
			 DT_DEBUG);

	/* Stripped, but the section headers and .shstrtab remain. */
	sh = elf_section(&img, ".interp");
	assert_non_null(sh);
	assert_ptr_equal(data + sh->sh_offset, (const uint8_t *)interp);
	sh = elf_section(&img, ".dynstr");
	assert_non_null(sh);
	assert_int_equal(
	    elf_vaddr_to_offset(&img, sh->sh_addr, sh->sh_size, &off), 0);
	assert_int_equal(off, sh->sh_offset);
	assert_null(elf_section(&img, ".dynst"));
	assert_null(elf_section(&img, ".dynstr2"));
	assert_null(elf_section(&img, "nonexistent"));
	assert_int_equal(elf_vaddr_to_offset(&img, UINT64_MAX, 1, &off),
			 -ENOEXEC);
	assert_int_equal(
	    elf_vaddr_to_offset(&img, sh->sh_addr, UINT64_MAX, &off), -ENOEXEC);
	free(data);
}

static void test_host_dynamic_pie(void **state)
{
	(void)state;
	check_host_pie("/bin/true");
	check_host_pie("/usr/bin/env");
}

static void check_static(uint8_t *data, size_t size)
{
	struct elf_image img;
	struct elf_dynamic dyn;
	const char *why = NULL, *interp = "x";

	assert_int_equal(elf_parse(&img, data, size, &why), 0);
	assert_int_equal(elf_interp(&img, &interp, &why), 0);
	assert_null(interp);
	assert_int_equal(elf_read_dynamic(&img, &dyn, &why), 0);
	assert_int_equal(dyn.n_needed, 0);
	assert_null(dyn.rpath);
	assert_null(dyn.runpath);
	assert_int_equal(dyn.debug_slot, 0);
	free(data);
}

static void test_static(void **state)
{
	size_t size;
	uint8_t *data;

	(void)state;
	data = load_sample("elf-static", &size);
	check_static(data, size);
	data = load_file("/bin/busybox", &size); /* busybox-static */
	if (data)
		check_static(data, size);
}

static void test_rpath_runpath_soname(void **state)
{
	struct elf_image img;
	struct elf_dynamic dyn;
	const char *why = NULL, *interp;
	size_t size;
	uint8_t *data;

	(void)state;
	data = load_sample("elf-rpath", &size);
	assert_int_equal(elf_parse(&img, data, size, &why), 0);
	assert_int_equal(elf_read_dynamic(&img, &dyn, &why), 0);
	assert_string_equal(dyn.rpath, "/opt/keel/lib");
	assert_null(dyn.runpath);
	assert_int_equal(dyn.n_needed, 1);
	assert_string_equal(dyn.needed[0], "libc.so.6");
	free(data);

	data = load_sample("elf-runpath", &size);
	assert_int_equal(elf_parse(&img, data, size, &why), 0);
	assert_int_equal(elf_read_dynamic(&img, &dyn, &why), 0);
	assert_null(dyn.rpath);
	assert_string_equal(dyn.runpath, "$ORIGIN/../lib");
	free(data);

	data = load_sample("elf-lib.so", &size);
	assert_int_equal(elf_parse(&img, data, size, &why), 0);
	assert_int_equal(img.eh->e_type, ET_DYN);
	assert_int_equal(elf_interp(&img, &interp, &why), 0);
	assert_null(interp);
	assert_int_equal(elf_read_dynamic(&img, &dyn, &why), 0);
	assert_string_equal(dyn.soname, "libkeelsample.so.1");
	free(data);
}

/* Every prefix of a real file, each in a buffer of its exact size. */
static void test_every_prefix_of_a_real_file(void **state)
{
	size_t size;
	uint8_t *data = load_sample("elf-runpath", &size);

	(void)state;
	for (size_t n = 0; n <= size; n++) {
		uint8_t *p = copy_exact(data, n);

		exercise(p, n);
		free(p);
	}
	free(data);
}

/* ------------------------------------------------- a hand-made image --- */
/*
 * 0x000 header, 0x040 three program headers (LOAD of the whole file at
 * 0x400000, INTERP, DYNAMIC), 0x0e8 the interpreter path, 0x100 the
 * dynamic section, 0x180 its string table, 0x1c0 .shstrtab, 0x200 three
 * section headers (null, .shstrtab, .dynstr); 0x2c0 bytes in all.
 */
#define IMG_SIZE 0x2c0
#define BASE 0x400000
#define INTERP_OFF 0xe8
#define DYN_OFF 0x100
#define STR_OFF 0x180
#define SHSTR_OFF 0x1c0
#define SH_OFF 0x200

static const char strtab[] = "\0libc.so.6\0$ORIGIN\0libfoo.so";
#define STR_LIBC 1
#define STR_ORIGIN 11
#define STR_FOO 19
static const char shstrtab[] = "\0.shstrtab\0.dynstr";

struct image {
	union {
		uint8_t b[IMG_SIZE];
		uint64_t align;
	};
};

static struct elf64_ehdr *EH(struct image *m)
{
	return (struct elf64_ehdr *)m->b;
}
static struct elf64_phdr *PH(struct image *m, int i)
{
	return (struct elf64_phdr *)(m->b + 0x40) + i;
}
static struct elf64_dyn *DYN(struct image *m, int i)
{
	return (struct elf64_dyn *)(m->b + DYN_OFF) + i;
}
static struct elf64_shdr *SH(struct image *m, int i)
{
	return (struct elf64_shdr *)(m->b + SH_OFF) + i;
}

static void make_image(struct image *m)
{
	struct elf64_ehdr *eh = EH(m);
	int d = 0;

	memset(m, 0, sizeof(*m));
	memcpy(eh->e_ident, ELF_MAGIC, 4);
	eh->e_ident[4] = ELFCLASS64;
	eh->e_ident[5] = ELFDATA2LSB;
	eh->e_ident[6] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = BASE + 0x100;
	eh->e_phoff = 0x40;
	eh->e_shoff = SH_OFF;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(struct elf64_phdr);
	eh->e_phnum = 3;
	eh->e_shentsize = sizeof(struct elf64_shdr);
	eh->e_shnum = 3;
	eh->e_shstrndx = 1;

	*PH(m, 0) = (struct elf64_phdr){ .p_type = PT_LOAD,
					 .p_flags = PF_R | PF_X,
					 .p_offset = 0,
					 .p_vaddr = BASE,
					 .p_filesz = IMG_SIZE,
					 .p_memsz = IMG_SIZE,
					 .p_align = 0x1000 };
	*PH(m, 1) = (struct elf64_phdr){ .p_type = PT_INTERP,
					 .p_offset = INTERP_OFF,
					 .p_vaddr = BASE + INTERP_OFF,
					 .p_filesz = 11,
					 .p_memsz = 11 };
	*PH(m, 2) =
	    (struct elf64_phdr){ .p_type = PT_DYNAMIC,
				 .p_offset = DYN_OFF,
				 .p_vaddr = BASE + DYN_OFF,
				 .p_filesz = 6 * sizeof(struct elf64_dyn),
				 .p_memsz = 6 * sizeof(struct elf64_dyn) };
	memcpy(m->b + INTERP_OFF, "/lib/ld.so", 11);
	*DYN(m, d++) = (struct elf64_dyn){ DT_NEEDED, STR_LIBC };
	*DYN(m, d++) = (struct elf64_dyn){ DT_NEEDED, STR_FOO };
	*DYN(m, d++) = (struct elf64_dyn){ DT_RUNPATH, STR_ORIGIN };
	*DYN(m, d++) = (struct elf64_dyn){ DT_STRTAB, BASE + STR_OFF };
	*DYN(m, d++) = (struct elf64_dyn){ DT_STRSZ, sizeof(strtab) };
	*DYN(m, d++) = (struct elf64_dyn){ DT_NULL, 0 };
	memcpy(m->b + STR_OFF, strtab, sizeof(strtab));
	memcpy(m->b + SHSTR_OFF, shstrtab, sizeof(shstrtab));
	*SH(m, 1) = (struct elf64_shdr){ .sh_name = 1,
					 .sh_type = 3,
					 .sh_offset = SHSTR_OFF,
					 .sh_size = sizeof(shstrtab) };
	*SH(m, 2) = (struct elf64_shdr){ .sh_name = 11,
					 .sh_type = 3,
					 .sh_addr = BASE + STR_OFF,
					 .sh_offset = STR_OFF,
					 .sh_size = sizeof(strtab) };
}

static void test_handmade_image_reads(void **state)
{
	struct image m;
	struct elf_image img;
	struct elf_dynamic dyn;
	const char *why = NULL, *interp;
	uint8_t *p;

	(void)state;
	make_image(&m);
	p = copy_exact(m.b, IMG_SIZE);
	assert_int_equal(elf_parse(&img, p, IMG_SIZE, &why), 0);
	assert_int_equal(elf_interp(&img, &interp, &why), 0);
	assert_string_equal(interp, "/lib/ld.so");
	assert_int_equal(elf_read_dynamic(&img, &dyn, &why), 0);
	assert_int_equal(dyn.n_needed, 2);
	assert_string_equal(dyn.needed[0], "libc.so.6");
	assert_string_equal(dyn.needed[1], "libfoo.so"); /* last string */
	assert_string_equal(dyn.runpath, "$ORIGIN");
	assert_ptr_equal(elf_section(&img, ".dynstr"), p + SH_OFF + 2 * 64);
	assert_ptr_equal(elf_section(&img, ".shstrtab"), p + SH_OFF + 64);
	assert_ptr_equal(elf_section(&img, ""), p + SH_OFF); /* null one */
	assert_null(elf_section(&img, ".dyn"));
	free(p);
}

static void test_bad_magic_and_truncated_header(void **state)
{
	struct image m;

	(void)state;
	make_image(&m);
	expect_parse_error(m.b, 0, "not an ELF file (no ELF magic)");
	expect_parse_error(m.b, 3, "not an ELF file (no ELF magic)");
	expect_parse_error("#!/bin/sh\n", 10, "not an ELF file (no ELF magic)");
	expect_parse_error(m.b, 4, "truncated ELF header");
	expect_parse_error(m.b, 19, "truncated ELF header");
	expect_parse_error(m.b, 20, "truncated ELF header");
	expect_parse_error(m.b, sizeof(struct elf64_ehdr) - 1,
			   "truncated ELF header");
	m.b[3] = 'f';
	expect_parse_error(m.b, IMG_SIZE, "not an ELF file (no ELF magic)");
}

static void test_foreign_architectures(void **state)
{
	struct image m;

	(void)state;
	/* A 32-bit i386 header: ELFCLASS32, EM_386 (e_machine at 18 too). */
	make_image(&m);
	m.b[4] = ELFCLASS32;
	EH(&m)->e_machine = EM_386;
	expect_parse_error(m.b, 52, /* sizeof(Elf32_Ehdr) */
			   "wrong architecture: a 32-bit i386 program "
			   "(keel runs x86-64)");
	EH(&m)->e_machine = EM_ARM;
	expect_parse_error(m.b, 52,
			   "wrong architecture: a 32-bit ELF "
			   "(keel runs x86-64)");

	make_image(&m);
	EH(&m)->e_machine = EM_AARCH64;
	expect_parse_error(m.b, IMG_SIZE,
			   "wrong architecture: an aarch64 "
			   "program (keel runs x86-64)");
	EH(&m)->e_machine = EM_RISCV;
	expect_parse_error(m.b, IMG_SIZE,
			   "wrong architecture: not an x86-64 program");

	make_image(&m);
	m.b[5] = 2; /* ELFDATA2MSB */
	expect_parse_error(m.b, IMG_SIZE,
			   "wrong architecture: a big-endian ELF");
	make_image(&m);
	m.b[4] = 0;
	expect_parse_error(m.b, IMG_SIZE,
			   "bad ELF class (neither 32- nor 64-bit)");
	make_image(&m);
	m.b[6] = 2;
	expect_parse_error(m.b, IMG_SIZE, "unknown ELF version");

	assert_string_equal(elf_machine_name(EM_386), "i386");
	assert_string_equal(elf_machine_name(EM_AARCH64), "aarch64");
	assert_string_equal(elf_machine_name(EM_X86_64), "x86-64");
	assert_string_equal(elf_machine_name(9999), "an unknown machine");
}

static void test_bad_header_fields(void **state)
{
	struct image m;

	(void)state;
	make_image(&m);
	EH(&m)->e_type = 1; /* ET_REL */
	expect_parse_error(m.b, IMG_SIZE,
			   "not an executable or shared object "
			   "(a relocatable object or a core file?)");
	make_image(&m);
	EH(&m)->e_phnum = 0;
	expect_parse_error(m.b, IMG_SIZE, "no program headers");
	make_image(&m);
	EH(&m)->e_phentsize = 32;
	expect_parse_error(m.b, IMG_SIZE, "bad program header size");
}

static void test_program_headers_outside(void **state)
{
	static const char outside[] = "program headers lie outside the file";
	struct image m;

	(void)state;
	make_image(&m);
	EH(&m)->e_phoff = IMG_SIZE; /* past the end */
	expect_parse_error(m.b, IMG_SIZE, outside);
	EH(&m)->e_phoff = UINT64_MAX - 7; /* offset + size wraps around */
	expect_parse_error(m.b, IMG_SIZE, outside);
	EH(&m)->e_phoff = IMG_SIZE - 3 * 56 + 8; /* last one sticks out */
	expect_parse_error(m.b, IMG_SIZE, outside);
	EH(&m)->e_phoff = 0x44; /* misaligned */
	expect_parse_error(m.b, IMG_SIZE, outside);
	/* phnum * phentsize: the largest count, 65535 * 56 bytes. */
	make_image(&m);
	EH(&m)->e_phnum = 0xffff;
	expect_parse_error(m.b, IMG_SIZE, outside);
	/* The same header, cut just before its last program header. */
	make_image(&m);
	expect_parse_error(m.b, 0x40 + 3 * 56 - 1, outside);
}

static void test_segments_outside(void **state)
{
	static const char outside[] = "a segment lies outside the file "
				      "(truncated?)";
	struct image m;

	(void)state;
	for (int i = 0; i < 3; i++) {
		make_image(&m);
		PH(&m, i)->p_offset = IMG_SIZE + 8;
		expect_parse_error(m.b, IMG_SIZE, outside);
		make_image(&m);
		PH(&m, i)->p_filesz = UINT64_MAX; /* offset + size wraps */
		PH(&m, i)->p_memsz = UINT64_MAX;
		expect_parse_error(m.b, IMG_SIZE, outside);
		make_image(&m);
		PH(&m, i)->p_offset = UINT64_MAX - 1;
		PH(&m, i)->p_filesz = 2;
		expect_parse_error(m.b, IMG_SIZE, outside);
	}
	/* The whole-file LOAD segment ends one byte past a truncated file. */
	make_image(&m);
	expect_parse_error(m.b, IMG_SIZE - 1, outside);
	make_image(&m);
	PH(&m, 0)->p_memsz = IMG_SIZE - 1;
	expect_parse_error(m.b, IMG_SIZE,
			   "a segment's memory size is smaller "
			   "than its file size");
	/* Other segment types are not the loader's business. */
	make_image(&m);
	PH(&m, 1)->p_type = PT_NOTE;
	PH(&m, 1)->p_offset = UINT64_MAX;
	{
		uint8_t *p = copy_exact(m.b, IMG_SIZE);
		struct elf_image img;
		const char *why = NULL, *interp;

		assert_int_equal(elf_parse(&img, p, IMG_SIZE, &why), 0);
		assert_int_equal(elf_interp(&img, &interp, &why), 0);
		assert_null(interp); /* no PT_INTERP any more */
		free(p);
	}
}

static void test_bad_interp(void **state)
{
	static const char bad[] = "the interpreter path (PT_INTERP) is not "
				  "a string";
	struct image m;

	(void)state;
	make_image(&m);
	PH(&m, 1)->p_filesz = 10; /* "/lib/ld.so" without its NUL */
	expect_later_error(m.b, IMG_SIZE, INTERP, -ENOEXEC, bad);
	make_image(&m);
	memset(m.b + INTERP_OFF, 'a', 11); /* no NUL at all */
	expect_later_error(m.b, IMG_SIZE, INTERP, -ENOEXEC, bad);
	make_image(&m);
	m.b[INTERP_OFF] = '\0'; /* empty */
	expect_later_error(m.b, IMG_SIZE, INTERP, -ENOEXEC, bad);
	make_image(&m);
	PH(&m, 1)->p_filesz = 1;
	expect_later_error(m.b, IMG_SIZE, INTERP, -ENOEXEC, bad);
	make_image(&m);
	PH(&m, 1)->p_filesz = 0;
	expect_later_error(m.b, IMG_SIZE, INTERP, -ENOEXEC, bad);
	/* The NUL is the very last byte of the file. */
	make_image(&m);
	PH(&m, 1)->p_offset = IMG_SIZE - 4;
	PH(&m, 1)->p_filesz = 4;
	memcpy(m.b + IMG_SIZE - 4, "/ld", 4);
	{
		uint8_t *p = copy_exact(m.b, IMG_SIZE);
		struct elf_image img;
		const char *why, *interp;

		assert_int_equal(elf_parse(&img, p, IMG_SIZE, &why), 0);
		assert_int_equal(elf_interp(&img, &interp, &why), 0);
		assert_string_equal(interp, "/ld");
		free(p);
	}
}

static void test_bad_dynamic(void **state)
{
	static const char outside[] = "the dynamic string table lies outside "
				      "the file";
	static const char bad_str[] = "a dynamic entry names a string outside "
				      "the string table";
	static const char no_tab[] = "the dynamic section has no string table";
	struct image m;

	(void)state;
	make_image(&m);
	DYN(&m, 3)->d_val = BASE + IMG_SIZE + 0x1000; /* unmapped */
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, outside);
	make_image(&m);
	DYN(&m, 3)->d_val = 0; /* below the segment */
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, outside);
	make_image(&m);
	DYN(&m, 4)->d_val = IMG_SIZE - STR_OFF + 1; /* runs past the end */
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, outside);
	make_image(&m);
	DYN(&m, 4)->d_val = UINT64_MAX;
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, outside);
	make_image(&m);
	DYN(&m, 3)->d_val = UINT64_MAX;
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, outside);

	make_image(&m);
	DYN(&m, 0)->d_val = sizeof(strtab); /* DT_NEEDED just past strtab */
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, bad_str);
	make_image(&m);
	DYN(&m, 0)->d_val = UINT64_MAX;
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, bad_str);
	make_image(&m);
	DYN(&m, 2)->d_val = 1u << 31; /* DT_RUNPATH */
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, bad_str);
	/* A table whose last string is not NUL-ended inside DT_STRSZ. */
	make_image(&m);
	DYN(&m, 4)->d_val = sizeof(strtab) - 1;
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, bad_str);
	/* DT_NEEDED 0 is the empty string. */
	make_image(&m);
	DYN(&m, 0)->d_val = 0;
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, bad_str);

	make_image(&m);
	DYN(&m, 3)->d_tag = 0x6ffffef5; /* DT_GNU_HASH: no DT_STRTAB left */
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, no_tab);
	make_image(&m);
	DYN(&m, 4)->d_val = 0;
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, no_tab);
	/* Entries after DT_NULL do not count. */
	make_image(&m);
	*DYN(&m, 3) = (struct elf64_dyn){ DT_NULL, 0 };
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, no_tab);
	/* Entries past p_filesz do not count either. */
	make_image(&m);
	PH(&m, 2)->p_filesz = 3 * sizeof(struct elf64_dyn);
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC, no_tab);

	make_image(&m);
	PH(&m, 2)->p_offset = DYN_OFF + 4;
	expect_later_error(m.b, IMG_SIZE, DYNAMIC, -ENOEXEC,
			   "the dynamic section is misaligned");
}

static void test_dynamic_without_null_at_end_of_file(void **state)
{
	enum { OFF = IMG_SIZE - 5 * 16 - 8 };
	struct image m;
	struct elf_image img;
	struct elf_dynamic dyn;
	const char *why = NULL;
	uint8_t *p;

	(void)state;
	/* Five entries and no DT_NULL at the very end of the file, then 8
	 * bytes of a partial entry: the reader must stop at p_filesz. */
	make_image(&m);
	EH(&m)->e_shnum = 0; /* the section headers are overwritten */
	memmove(m.b + OFF, m.b + DYN_OFF, 5 * 16);
	memset(m.b + IMG_SIZE - 8, 0xff, 8);
	PH(&m, 2)->p_offset = OFF;
	PH(&m, 2)->p_filesz = 5 * 16 + 8;
	p = copy_exact(m.b, IMG_SIZE);
	assert_int_equal(elf_parse(&img, p, IMG_SIZE, &why), 0);
	assert_int_equal(elf_read_dynamic(&img, &dyn, &why), 0);
	assert_int_equal(dyn.n_needed, 2);
	assert_string_equal(dyn.runpath, "$ORIGIN");
	free(p);
}

static void test_too_many_needed(void **state)
{
	/* Header, LOAD + DYNAMIC, N DT_NEEDED + STRTAB + STRSZ + NULL, a
	 * 16-byte string table "\0x\0". */
	enum {
		N = ELF_MAX_NEEDED + 1,
		DOFF = 0x40 + 2 * 56,
		TOFF = DOFF + (N + 3) * 16,
		SIZE = TOFF + 16,
		VBASE = 0x10000,
	};
	uint64_t buf[SIZE / 8] = { 0 };
	uint8_t *b = (uint8_t *)buf, *p;
	struct elf64_ehdr *eh = (void *)b;
	struct elf64_phdr *ph = (void *)(b + 0x40);
	struct elf64_dyn *d = (void *)(b + DOFF);
	struct elf_image img;
	struct elf_dynamic dyn;
	const char *why = NULL;
	int i;

	(void)state;
	memcpy(eh->e_ident, "\177ELF\2\1\1", 7);
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = 0x40;
	eh->e_phentsize = 56;
	eh->e_phnum = 2;
	ph[0] = (struct elf64_phdr){ .p_type = PT_LOAD,
				     .p_vaddr = VBASE,
				     .p_filesz = SIZE,
				     .p_memsz = SIZE };
	ph[1] = (struct elf64_phdr){ .p_type = PT_DYNAMIC,
				     .p_offset = DOFF,
				     .p_vaddr = VBASE + DOFF,
				     .p_filesz = (N + 3) * 16 };
	for (i = 0; i < N; i++)
		d[i] = (struct elf64_dyn){ DT_NEEDED, 1 };
	d[i++] = (struct elf64_dyn){ DT_STRTAB, VBASE + TOFF };
	d[i++] = (struct elf64_dyn){ DT_STRSZ, 16 };
	d[i++] = (struct elf64_dyn){ DT_NULL, 0 };
	memcpy(b + TOFF, "\0x", 3);

	p = copy_exact(b, SIZE);
	assert_int_equal(elf_parse(&img, p, SIZE, &why), 0);
	assert_int_equal(elf_read_dynamic(&img, &dyn, &why), -E2BIG);
	assert_string_equal(why, "more than 128 DT_NEEDED libraries");
	free(p);

	d[0].d_tag = 0x7fffffff; /* an unknown tag: exactly 128 are fine */
	p = copy_exact(b, SIZE);
	assert_int_equal(elf_parse(&img, p, SIZE, &why), 0);
	assert_int_equal(elf_read_dynamic(&img, &dyn, &why), 0);
	assert_int_equal(dyn.n_needed, ELF_MAX_NEEDED);
	assert_string_equal(dyn.needed[ELF_MAX_NEEDED - 1], "x");
	free(p);
}

static void test_section_headers(void **state)
{
	struct image m;
	struct elf_image img;
	const char *why;
	uint8_t *p;

	(void)state;
	/* Bad section headers are ignored, not fatal. */
	make_image(&m);
	EH(&m)->e_shoff = IMG_SIZE - 64;
	p = copy_exact(m.b, IMG_SIZE);
	assert_int_equal(elf_parse(&img, p, IMG_SIZE, &why), 0);
	assert_null(img.sh);
	assert_null(elf_section(&img, ".dynstr"));
	free(p);

	make_image(&m);
	EH(&m)->e_shstrndx = 3; /* out of range */
	p = copy_exact(m.b, IMG_SIZE);
	assert_int_equal(elf_parse(&img, p, IMG_SIZE, &why), 0);
	assert_null(elf_section(&img, ".dynstr"));
	free(p);

	make_image(&m);
	SH(&m, 1)->sh_size = IMG_SIZE; /* .shstrtab runs off the end */
	p = copy_exact(m.b, IMG_SIZE);
	assert_int_equal(elf_parse(&img, p, IMG_SIZE, &why), 0);
	assert_null(elf_section(&img, ".dynstr"));
	free(p);

	/* A name index past the table, and a table whose last name is cut:
	 * ".dynstr" must not match ".dyn" + the end of the table. */
	make_image(&m);
	SH(&m, 2)->sh_name = 0xffffffff;
	SH(&m, 1)->sh_size = sizeof(shstrtab) - 4;
	p = copy_exact(m.b, IMG_SIZE);
	assert_int_equal(elf_parse(&img, p, IMG_SIZE, &why), 0);
	assert_null(elf_section(&img, ".dynstr"));
	assert_non_null(elf_section(&img, ".shstrtab"));
	free(p);
}

static void test_unaligned_buffer(void **state)
{
	struct image m;
	uint8_t *p = malloc(IMG_SIZE + 1);
	struct elf_image img;
	const char *why = NULL;

	(void)state;
	make_image(&m);
	memcpy(p + 1, m.b, IMG_SIZE);
	assert_int_equal(elf_parse(&img, p + 1, IMG_SIZE, &why), -ENOEXEC);
	assert_string_equal(why, "ELF image is not 8-byte aligned in memory");
	free(p);
	/* why may be NULL */
	assert_int_equal(elf_parse(&img, "nope", 4, NULL), -ENOEXEC);
}

/* Random byte changes to the hand-made image: no crash, no bad read. */
static void test_random_corruption(void **state)
{
	uint64_t seed = 0x6b65656c;
	struct image m;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		int flips = 1 + (int)(unit_rand(&seed) % 8);
		size_t size = IMG_SIZE;
		uint8_t *p;

		make_image(&m);
		for (int i = 0; i < flips; i++) {
			uint64_t r = unit_rand(&seed);
			/* Mostly the headers and dynamic section. */
			size_t at = r % (r & 0x100 ? 0x150 : IMG_SIZE);

			m.b[at] = (uint8_t)(r >> 32);
		}
		if (unit_rand(&seed) % 4 == 0)
			size = unit_rand(&seed) % IMG_SIZE;
		p = copy_exact(m.b, size);
		exercise(p, size);
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_dynamic_pie),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_rpath_runpath_soname),
		cmocka_unit_test(test_every_prefix_of_a_real_file),
		cmocka_unit_test(test_handmade_image_reads),
		cmocka_unit_test(test_bad_magic_and_truncated_header),
		cmocka_unit_test(test_foreign_architectures),
		cmocka_unit_test(test_bad_header_fields),
		cmocka_unit_test(test_program_headers_outside),
		cmocka_unit_test(test_segments_outside),
		cmocka_unit_test(test_bad_interp),
		cmocka_unit_test(test_bad_dynamic),
		cmocka_unit_test(test_dynamic_without_null_at_end_of_file),
		cmocka_unit_test(test_too_many_needed),
		cmocka_unit_test(test_section_headers),
		cmocka_unit_test(test_unaligned_buffer),
		cmocka_unit_test(test_random_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

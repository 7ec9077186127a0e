/*
 * elf.c - checked reading of ELF64 x86-64 images (include/keel/elf.h),
 * shared by the kernel's loader and the host tool. Every offset, count
 * and string taken from the file is checked against the image's size
 * before it is used: a hostile file gets -ENOEXEC and a reason, never an
 * out-of-bounds read.
 */
#include <keel/elf.h>
#include <keel/errno.h>
#include <keel/string.h>

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -ENOEXEC;
}

/* Is [off, off + len) inside an image of size bytes? (No overflow.) */
static bool in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

const char *elf_machine_name(unsigned machine)
{
	switch (machine) {
	case EM_386:
		return "i386";
	case EM_ARM:
		return "arm";
	case EM_X86_64:
		return "x86-64";
	case EM_AARCH64:
		return "aarch64";
	case EM_RISCV:
		return "riscv";
	default:
		return "an unknown machine";
	}
}

static int check_ident(const uint8_t *d, size_t size, const char **why)
{
	uint16_t machine;

	if (size < 4 || memcmp(d, ELF_MAGIC, 4))
		return fail(why, "not an ELF file (no ELF magic)");
	if (size < 20)
		return fail(why, "truncated ELF header");
	machine = (uint16_t)(d[18] | d[19] << 8);
	if (d[4] == ELFCLASS32)
		return fail(why, machine == EM_386
				     ? "wrong architecture: a 32-bit i386 "
				       "program (keel runs x86-64)"
				     : "wrong architecture: a 32-bit ELF "
				       "(keel runs x86-64)");
	if (d[4] != ELFCLASS64)
		return fail(why, "bad ELF class (neither 32- nor 64-bit)");
	if (d[5] != ELFDATA2LSB)
		return fail(why, "wrong architecture: a big-endian ELF");
	if (machine != EM_X86_64) {
		if (machine == EM_AARCH64)
			return fail(why, "wrong architecture: an aarch64 "
					 "program (keel runs x86-64)");
		return fail(why, "wrong architecture: not an x86-64 "
				 "program");
	}
	if (d[6] != EV_CURRENT)
		return fail(why, "unknown ELF version");
	return 0;
}

int elf_parse(struct elf_image *img, const void *data, size_t size,
	      const char **why)
{
	const struct elf64_ehdr *eh = data;
	int err;

	memset(img, 0, sizeof(*img));
	err = check_ident(data, size, why);
	if (err)
		return err;
	if (size < sizeof(*eh))
		return fail(why, "truncated ELF header");
	if (!IS_ALIGNED((uintptr_t)data, 8))
		return fail(why, "ELF image is not 8-byte aligned in memory");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return fail(why, "not an executable or shared object "
				 "(a relocatable object or a core file?)");
	if (eh->e_phnum == 0)
		return fail(why, "no program headers");
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return fail(why, "bad program header size");
	if (!IS_ALIGNED(eh->e_phoff, 8) ||
	    !in_file(size, eh->e_phoff,
		     (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr)))
		return fail(why, "program headers lie outside the file");
	img->data = data;
	img->size = size;
	img->eh = eh;
	img->ph = (const void *)((const uint8_t *)data + eh->e_phoff);
	/* Section headers are optional (stripped files keep them, but
	 * nothing needs them to run); ignore them when they are bad. */
	if (eh->e_shnum && eh->e_shentsize == sizeof(struct elf64_shdr) &&
	    IS_ALIGNED(eh->e_shoff, 8) &&
	    in_file(size, eh->e_shoff,
		    (uint64_t)eh->e_shnum * sizeof(struct elf64_shdr)))
		img->sh = (const void *)((const uint8_t *)data + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *p = &img->ph[i];

		if (p->p_type != PT_LOAD && p->p_type != PT_INTERP &&
		    p->p_type != PT_DYNAMIC)
			continue;
		if (!in_file(size, p->p_offset, p->p_filesz))
			return fail(why, "a segment lies outside the file "
					 "(truncated?)");
		if (p->p_type == PT_LOAD && p->p_memsz < p->p_filesz)
			return fail(why, "a segment's memory size is smaller "
					 "than its file size");
	}
	return 0;
}

static const struct elf64_phdr *find_phdr(const struct elf_image *img,
					  uint32_t type)
{
	for (unsigned i = 0; i < img->eh->e_phnum; i++)
		if (img->ph[i].p_type == type)
			return &img->ph[i];
	return NULL;
}

int elf_interp(const struct elf_image *img, const char **path, const char **why)
{
	const struct elf64_phdr *p = find_phdr(img, PT_INTERP);
	const char *s;

	*path = NULL;
	if (!p)
		return 0;
	s = (const char *)img->data + p->p_offset;
	if (p->p_filesz < 2 || memchr(s, '\0', p->p_filesz) == NULL ||
	    strlen(s) == 0)
		return fail(why, "the interpreter path (PT_INTERP) is not "
				 "a string");
	*path = s;
	return 0;
}

int elf_vaddr_to_offset(const struct elf_image *img, uint64_t vaddr,
			uint64_t len, uint64_t *off)
{
	for (unsigned i = 0; i < img->eh->e_phnum; i++) {
		const struct elf64_phdr *p = &img->ph[i];

		if (p->p_type != PT_LOAD || vaddr < p->p_vaddr)
			continue;
		if (vaddr - p->p_vaddr > p->p_filesz ||
		    len > p->p_filesz - (vaddr - p->p_vaddr))
			continue;
		*off = p->p_offset + (vaddr - p->p_vaddr);
		return 0;
	}
	return -ENOEXEC;
}

/* A string at strtab[idx], NUL-terminated inside the table. */
static const char *dyn_string(const char *strtab, uint64_t strsz, uint64_t idx)
{
	if (idx >= strsz || !memchr(strtab + idx, '\0', strsz - idx))
		return NULL;
	return strtab + idx;
}

int elf_read_dynamic(const struct elf_image *img, struct elf_dynamic *dyn,
		     const char **why)
{
	const struct elf64_phdr *p = find_phdr(img, PT_DYNAMIC);
	const struct elf64_dyn *d;
	uint64_t n, strtab = 0, strsz = 0, off;
	bool have_strtab = false;
	const char *tab;

	memset(dyn, 0, sizeof(*dyn));
	if (!p)
		return 0; /* static */
	if (!IS_ALIGNED(p->p_offset, 8))
		return fail(why, "the dynamic section is misaligned");
	d = (const void *)(img->data + p->p_offset);
	n = p->p_filesz / sizeof(*d);
	for (uint64_t i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		if (d[i].d_tag == DT_STRTAB) {
			strtab = d[i].d_val;
			have_strtab = true;
		} else if (d[i].d_tag == DT_STRSZ) {
			strsz = d[i].d_val;
		}
	}
	if (!have_strtab || strsz == 0)
		return fail(why, "the dynamic section has no string table");
	if (elf_vaddr_to_offset(img, strtab, strsz, &off))
		return fail(why, "the dynamic string table lies outside the "
				 "file");
	tab = (const char *)img->data + off;
	for (uint64_t i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		const char **slot;

		switch (d[i].d_tag) {
		case DT_NEEDED:
			if (dyn->n_needed == ELF_MAX_NEEDED) {
				if (why)
					*why = "more than 128 DT_NEEDED "
					       "libraries";
				return -E2BIG;
			}
			slot = &dyn->needed[dyn->n_needed++];
			break;
		case DT_RPATH:
			slot = &dyn->rpath;
			break;
		case DT_RUNPATH:
			slot = &dyn->runpath;
			break;
		case DT_SONAME:
			slot = &dyn->soname;
			break;
		case DT_DEBUG:
			dyn->debug_slot =
			    p->p_vaddr + i * sizeof(*d) + sizeof(d[i].d_tag);
			continue;
		default:
			continue;
		}
		*slot = dyn_string(tab, strsz, d[i].d_val);
		if (!*slot || !**slot)
			return fail(why, "a dynamic entry names a string "
					 "outside the string table");
	}
	return 0;
}

const struct elf64_shdr *elf_section(const struct elf_image *img,
				     const char *name)
{
	const struct elf64_shdr *strs;
	size_t len = strlen(name) + 1;

	if (!img->sh || img->eh->e_shstrndx >= img->eh->e_shnum)
		return NULL;
	strs = &img->sh[img->eh->e_shstrndx];
	if (!in_file(img->size, strs->sh_offset, strs->sh_size))
		return NULL;
	for (unsigned i = 0; i < img->eh->e_shnum; i++) {
		uint64_t at = img->sh[i].sh_name;

		if (at >= strs->sh_size || len > strs->sh_size - at)
			continue;
		if (!memcmp(img->data + strs->sh_offset + at, name, len))
			return &img->sh[i];
	}
	return NULL;
}

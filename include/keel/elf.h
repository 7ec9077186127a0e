/*
 * elf.h - the ELF64 format as keel reads it (lib/elf.c), written from the
 * System V gABI and the x86-64 psABI. One definition for both sides: the
 * kernel's loader and the host tool's dependency walker use these types
 * and the checked accessors below, never a second parser.
 */
#ifndef KEEL_ELF_H
#define KEEL_ELF_H

#include <keel/compiler.h>

#define ELF_MAGIC "\177ELF"
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1

#define ET_EXEC 2
#define ET_DYN 3

#define EM_386 3
#define EM_ARM 40
#define EM_X86_64 62
#define EM_AARCH64 183
#define EM_RISCV 243

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551

#define PF_X 1
#define PF_W 2
#define PF_R 4

#define SHT_NOBITS 8

#define DT_NULL 0
#define DT_NEEDED 1
#define DT_STRTAB 5
#define DT_STRSZ 10
#define DT_SONAME 14
#define DT_RPATH 15
#define DT_DEBUG 21
#define DT_RUNPATH 29

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

struct elf64_shdr {
	uint32_t sh_name;
	uint32_t sh_type;
	uint64_t sh_flags;
	uint64_t sh_addr;
	uint64_t sh_offset;
	uint64_t sh_size;
	uint32_t sh_link;
	uint32_t sh_info;
	uint64_t sh_addralign;
	uint64_t sh_entsize;
};

struct elf64_dyn {
	int64_t d_tag;
	uint64_t d_val;
};

/*
 * An ELF image in memory, checked by elf_parse: the header, the program
 * headers and (when present) the section headers lie inside [data, size).
 */
struct elf_image {
	const uint8_t *data;
	size_t size;
	const struct elf64_ehdr *eh;
	const struct elf64_phdr *ph; /* e_phnum entries */
	const struct elf64_shdr *sh; /* e_shnum entries, or NULL */
};

/* What the dynamic section says (strings point into the image). */
#define ELF_MAX_NEEDED 128
struct elf_dynamic {
	const char *needed[ELF_MAX_NEEDED];
	unsigned n_needed;
	const char *rpath; /* DT_RPATH, or NULL */
	const char *runpath; /* DT_RUNPATH, or NULL */
	const char *soname; /* DT_SONAME, or NULL */
	/* Link-time address of DT_DEBUG's value, where the dynamic loader
	 * stores &r_debug (what a debugger reads), or 0 without one. */
	uint64_t debug_slot;
};

/*
 * Each function returns 0 or a negative errno (-ENOEXEC for a malformed
 * or foreign file, -E2BIG for limits) and, on error, points *why at a
 * sentence saying what is wrong (a static string).
 */
int elf_parse(struct elf_image *img, const void *data, size_t size,
	      const char **why);
int elf_interp(const struct elf_image *img, const char **path,
	       const char **why);
int elf_read_dynamic(const struct elf_image *img, struct elf_dynamic *dyn,
		     const char **why);
int elf_vaddr_to_offset(const struct elf_image *img, uint64_t vaddr,
			uint64_t len, uint64_t *off);
const struct elf64_shdr *elf_section(const struct elf_image *img,
				     const char *name);
const char *elf_machine_name(unsigned machine);

#endif

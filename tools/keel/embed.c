/*
 * embed.c - keel build --single: a copy of the kernel ELF that carries the
 * initrd inside it, so the guest is one file (docs/boot.md, "embedded
 * initrd"). The archive is appended to the file with a new read-only
 * PT_LOAD segment placed just above the kernel's highest physical page;
 * the program header table moves to the end of the file to make room for
 * it; the kernel's descriptor in section .keel.initrd gets the physical
 * address and size. PVH loaders (QEMU, Xen) then load it with the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/elf.h>

#include "keel.h"

#define EMBED_SECTION ".keel.initrd"
#define EMBED_MAGIC "KEELEMB1"
#define PAGE 4096ull

struct keel_embed_desc {
	char magic[8];
	uint64_t paddr;
	uint64_t size;
};

static void put(FILE *f, const void *p, size_t n)
{
	fwrite(p, 1, n, f);
}

static void pad_to(FILE *f, uint64_t *pos, uint64_t align)
{
	static const char zeros[PAGE];
	size_t n = (size_t)((align - (*pos % align)) % align);

	*pos += n;
	put(f, zeros, n);
}

int embed_initrd(const char *kernel, const char *cpio, const char *out)
{
	struct mapped k, c;
	struct elf_image img;
	const struct elf64_shdr *sec;
	struct keel_embed_desc desc;
	struct elf64_ehdr eh;
	struct elf64_phdr *ph = NULL;
	uint64_t top = 0, delta = 0, pos, cpio_off, ph_off;
	bool have_load = false;
	const char *why;
	struct out_file o;
	int rc = -1, e;

	if ((e = map_file(kernel, &k))) {
		err_msg("cannot read the kernel %s: %s", kernel, strerror(-e));
		return -1;
	}
	if ((e = map_file(cpio, &c))) {
		err_msg("cannot read %s: %s", cpio, strerror(-e));
		unmap_file(&k);
		return -1;
	}
	if (elf_parse(&img, k.data, k.size, &why)) {
		err_msg("the kernel %s: %s", kernel, why);
		goto out;
	}
	sec = elf_section(&img, EMBED_SECTION);
	if (!sec || sec->sh_size < sizeof(desc) ||
	    sec->sh_offset < sizeof(eh) ||
	    sec->sh_offset > k.size - sizeof(desc)) {
		err_msg("the kernel %s has no %s section: it cannot carry an "
			"initrd (is it a keel kernel?)",
			kernel, EMBED_SECTION);
		goto out;
	}
	memcpy(&desc, (const char *)k.data + sec->sh_offset, sizeof(desc));
	if (memcmp(desc.magic, EMBED_MAGIC, 8)) {
		err_msg("the kernel %s: bad %s descriptor", kernel,
			EMBED_SECTION);
		goto out;
	}
	if (desc.size) {
		err_msg("the kernel %s already carries an initrd", kernel);
		goto out;
	}
	for (unsigned i = 0; i < img.eh->e_phnum; i++) {
		const struct elf64_phdr *p = &img.ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_paddr + p->p_memsz > top)
			top = p->p_paddr + p->p_memsz;
		if (!have_load)
			delta = p->p_vaddr - p->p_paddr;
		have_load = true;
	}
	if (!have_load) {
		err_msg("the kernel %s has no loadable segment", kernel);
		goto out;
	}
	desc.paddr = (top + PAGE - 1) & ~(PAGE - 1);
	desc.size = c.size;

	ph = xmalloc((img.eh->e_phnum + 1u) * sizeof(*ph));
	memcpy(ph, img.ph, img.eh->e_phnum * sizeof(*ph));
	pos = k.size;
	cpio_off = (pos + PAGE - 1) & ~(PAGE - 1);
	ph_off = (cpio_off + c.size + 7) & ~7ull;
	ph[img.eh->e_phnum] = (struct elf64_phdr){
		.p_type = PT_LOAD,
		.p_flags = PF_R,
		.p_offset = cpio_off,
		.p_vaddr = desc.paddr + delta,
		.p_paddr = desc.paddr,
		.p_filesz = c.size,
		.p_memsz = c.size,
		.p_align = PAGE,
	};
	eh = *img.eh;
	eh.e_phoff = ph_off;
	eh.e_phnum++;

	if (out_open(&o, out))
		goto out;
	/* The kernel as it was, with the new ELF header and descriptor; then
	 * the archive and the program headers. out_commit reports a failed
	 * write. */
	put(o.f, &eh, sizeof(eh));
	put(o.f, (const char *)k.data + sizeof(eh),
	    sec->sh_offset - sizeof(eh));
	put(o.f, &desc, sizeof(desc));
	put(o.f, (const char *)k.data + sec->sh_offset + sizeof(desc),
	    k.size - sec->sh_offset - sizeof(desc));
	pad_to(o.f, &pos, PAGE);
	put(o.f, c.data, c.size);
	pos += c.size;
	pad_to(o.f, &pos, 8);
	put(o.f, ph, eh.e_phnum * sizeof(*ph));
	rc = out_commit(&o);
out:
	free(ph);
	unmap_file(&k);
	unmap_file(&c);
	return rc;
}

/*
 * vdso.c - the vDSO every program gets (linux/): the image built from
 * linux/vdso/ (embedded by vdso_image.S) copied once into pages of its
 * own, with the clock page (struct vvar) right below it, which
 * kernel/time.c keeps current; both mapped read-only into each new
 * image (exec), kept by fork, named [vvar] and [vdso] in maps, and
 * announced to the program by AT_SYSINFO_EHDR. "vdso=0" on the command
 * line turns it off, as on Linux. docs/vm.md, "The vDSO".
 */
#include <keel/cmdline.h>
#include <keel/elf.h>
#include <keel/page.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/uaccess.h>
#include <keel/vm.h>
#include <keel/vvar.h>

#include "linux.h"

extern const char vdso_image[], vdso_image_end[];

/* The vvar page, then the vDSO's pages; 0 when there is no vDSO. */
static paddr_t pages;
static size_t vdso_len;

void vdso_init(void)
{
	size_t size = (size_t)(vdso_image_end - vdso_image);
	const char *off = cmdline_get("vdso"), *why;
	struct elf_image img;

	if (off && !strcmp(off, "0"))
		return;
	if (elf_parse(&img, vdso_image, size, &why) ||
	    img.eh->e_type != ET_DYN) {
		printk("vdso: the built image is not a shared object; the "
		       "clocks take the syscalls\n");
		return;
	}
	vdso_len = ALIGN_UP(size, PAGE_SIZE);
	pages = pmm_alloc_zeroed(1 + vdso_len / PAGE_SIZE);
	if (!pages) {
		printk("vdso: no memory for it; the clocks take the "
		       "syscalls\n");
		return;
	}
	memcpy(phys_to_virt(pages + VVAR_SIZE), vdso_image, size);
	time_publish(phys_to_virt(pages));
}

uintptr_t vdso_map(uintptr_t above)
{
	const struct vm_pages parts[] = {
		{ pages, VVAR_SIZE, PROT_READ, "[vvar]" },
		{ pages + VVAR_SIZE, vdso_len, PROT_READ | PROT_EXEC,
		  "[vdso]" },
	};
	long at;

	if (!pages)
		return 0;
	at =
	    vm_map_kernel_pages(parts, ARRAY_SIZE(parts), VM_PAGES_FORK, above);
	if (at < 0) {
		WARN_ONCE("vdso: no room to map it (%ld); the program's "
			  "clocks take the syscalls\n",
			  at);
		return 0;
	}
	return (uintptr_t)at + VVAR_SIZE;
}

/*
 * exec.c - starting the program (linux/): map its ELF (lib/elf.c checks
 * it) and, for a dynamic executable, its interpreter (ld-linux) into the
 * address space (kernel/vm.c), build the initial stack the System V
 * x86-64 psABI describes (argc, argv, envp, auxv, the strings, 16 random
 * bytes) and enter user mode. ld-linux loads the libraries itself.
 */
#include <keel/arch.h>
#include <keel/elf.h>
#include <keel/errno.h>
#include <keel/exec.h>
#include <keel/file.h>
#include <keel/heap.h>
#include <keel/page.h>
#include <keel/printk.h>
#include <keel/random.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <keel/vm.h>

#define STACK_TOP 0x00007ffffffde000UL
#define STACK_SIZE (8UL << 20)
#define PIE_BASE 0x0000555555554000UL

/* auxv tags (System V ABI, Linux's additions). */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_MINSIGSTKSZ 51

struct loaded {
	uintptr_t bias; /* added to the ELF's addresses */
	uintptr_t entry; /* biased */
	uintptr_t phdr; /* biased address of the program headers */
	unsigned phnum;
	uintptr_t end; /* highest biased address mapped */
};

/* The whole file in a kernel buffer, parsed: the image stays valid while
 * buf lives. */
static int read_elf(struct file *f, void **buf, struct elf_image *img,
		    const char **why)
{
	uint64_t size = file_size(f);
	long n;

	if (size < sizeof(struct elf64_ehdr) || size > (256UL << 20)) {
		*why = size ? "the file is too large to be a program"
			    : "an empty file";
		return -ENOEXEC;
	}
	*buf = kmalloc(size);
	if (!*buf) {
		*why = "out of memory reading it";
		return -ENOMEM;
	}
	n = file_pread(f, *buf, size, 0);
	if (n != (long)size) {
		kfree(*buf);
		*why = "it could not be read";
		return n < 0 ? (int)n : -EIO;
	}
	return elf_parse(img, *buf, size, why);
}

static unsigned seg_prot(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) |
	       (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

/* Map one PT_LOAD: file pages, the zeroed tail of the last one, bss. */
static int map_segment(struct file *f, const struct elf64_phdr *p,
		       uintptr_t bias, const char **why)
{
	uintptr_t start = bias + p->p_vaddr, file_end = start + p->p_filesz;
	uintptr_t page = ALIGN_DOWN(start, PAGE_SIZE);
	uintptr_t mem_end = ALIGN_UP(start + p->p_memsz, PAGE_SIZE);
	uintptr_t file_pages_end = ALIGN_UP(file_end, PAGE_SIZE);
	unsigned prot = seg_prot(p->p_flags);
	long r;

	if ((p->p_vaddr - p->p_offset) % PAGE_SIZE) {
		*why = "a segment's address and file offset disagree modulo "
		       "the page size";
		return -ENOEXEC;
	}
	if (!user_range_ok(page, mem_end - page)) {
		*why = "a segment lies outside the user address space";
		return -ENOEXEC;
	}
	if (p->p_filesz) {
		r = vm_mmap(page, file_pages_end - page, prot | PROT_WRITE,
			    MAP_PRIVATE | MAP_FIXED, f,
			    p->p_offset - (start - page));
		if (r < 0)
			goto nomem;
		/* The rest of the last file page is bss, not file bytes. */
		if (file_end < file_pages_end && (p->p_memsz > p->p_filesz) &&
		    clear_user((void *)file_end, file_pages_end - file_end)) {
			*why = "its bss could not be cleared";
			return -EFAULT;
		}
		if (!(prot & PROT_WRITE))
			vm_mprotect(page, file_pages_end - page, prot);
	} else {
		file_pages_end = page;
	}
	if (mem_end > file_pages_end) {
		r = vm_mmap(file_pages_end, mem_end - file_pages_end, prot,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
		if (r < 0)
			goto nomem;
	}
	return 0;
nomem:
	*why = "out of memory mapping it";
	return (int)r;
}

/* Map all PT_LOADs of img; a PIE or an interpreter goes where there is
 * room (near `hint`), an ET_EXEC where it says. */
static int load_image(struct file *f, const struct elf_image *img,
		      uintptr_t hint, struct loaded *out, const char **why)
{
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	long r;

	for (unsigned i = 0; i < img->eh->e_phnum; i++) {
		const struct elf64_phdr *p = &img->ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_vaddr + p->p_memsz < p->p_vaddr) {
			*why = "a segment wraps around";
			return -ENOEXEC;
		}
		lo = MIN(lo, (uintptr_t)ALIGN_DOWN(p->p_vaddr, PAGE_SIZE));
		hi = MAX(hi, (uintptr_t)(p->p_vaddr + p->p_memsz));
	}
	if (hi == 0 || hi - lo > (1UL << 36)) {
		*why = hi ? "its segments span too much" : "nothing to load";
		return -ENOEXEC;
	}
	out->bias = 0;
	if (img->eh->e_type == ET_DYN) {
		/* Reserve the whole span, then place segments inside it. */
		r = vm_mmap(hint, ALIGN_UP(hi - lo, PAGE_SIZE), PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		if (r < 0) {
			*why = "no room for it in the address space";
			return (int)r;
		}
		out->bias = (uintptr_t)r - lo;
	}
	out->phdr = 0;
	for (unsigned i = 0; i < img->eh->e_phnum; i++) {
		const struct elf64_phdr *p = &img->ph[i];
		int err;

		if (p->p_type == PT_PHDR)
			out->phdr = out->bias + p->p_vaddr;
		if (p->p_type != PT_LOAD)
			continue;
		err = map_segment(f, p, out->bias, why);
		if (err)
			return err;
		if (!out->phdr && p->p_offset == 0)
			out->phdr = out->bias + p->p_vaddr + img->eh->e_phoff;
	}
	out->entry = out->bias + img->eh->e_entry;
	out->phnum = img->eh->e_phnum;
	out->end = out->bias + hi;
	return 0;
}

/* Everything the initial stack holds, built in a kernel buffer. */
struct stack_builder {
	char *buf; /* mirrors [base, STACK_TOP) */
	uintptr_t base; /* user address of buf[0] */
	uintptr_t cursor; /* strings grow down from STACK_TOP */
};

static uintptr_t push_bytes(struct stack_builder *sb, const void *p, size_t n)
{
	sb->cursor -= n;
	memcpy(sb->buf + (sb->cursor - sb->base), p, n);
	return sb->cursor;
}

static int build_stack(const char *path, const char *const *argv,
		       const char *const *envp, const struct loaded *prog,
		       uintptr_t interp_base, uintptr_t *sp_out,
		       const char **why)
{
	size_t argc = 0, envc = 0, strings = 0, words, size;
	struct stack_builder sb;
	uintptr_t *vec, execfn, platform, rnd, sp;
	uint8_t random[16];
	int err;

	for (; argv[argc]; argc++)
		strings += strlen(argv[argc]) + 1;
	for (; envp[envc]; envc++)
		strings += strlen(envp[envc]) + 1;
	strings += strlen(path) + 1 + strlen(arch_platform()) + 1 + 16;
	words = 1 + argc + 1 + envc + 1 + 2 * 24;
	size = ALIGN_UP(strings + words * 8 + 64, PAGE_SIZE);
	if (size > STACK_SIZE / 4) {
		*why = "its arguments and environment are too large";
		return -E2BIG;
	}
	sb.buf = kmalloc(size);
	if (!sb.buf) {
		*why = "out of memory building its stack";
		return -ENOMEM;
	}
	sb.base = STACK_TOP - size;
	sb.cursor = STACK_TOP;
	vec = kmalloc(words * sizeof(*vec));
	if (!vec) {
		kfree(sb.buf);
		*why = "out of memory building its stack";
		return -ENOMEM;
	}
	execfn = push_bytes(&sb, path, strlen(path) + 1);
	platform =
	    push_bytes(&sb, arch_platform(), strlen(arch_platform()) + 1);
	random_bytes(random, sizeof(random));
	rnd = push_bytes(&sb, random, sizeof(random));

	size_t w = 0;
	vec[w++] = argc;
	for (size_t i = 0; i < argc; i++)
		vec[w++] = push_bytes(&sb, argv[i], strlen(argv[i]) + 1);
	vec[w++] = 0;
	for (size_t i = 0; i < envc; i++)
		vec[w++] = push_bytes(&sb, envp[i], strlen(envp[i]) + 1);
	vec[w++] = 0;
#define AUX(tag, val)             \
	do {                      \
		vec[w++] = (tag); \
		vec[w++] = (val); \
	} while (0)
	AUX(AT_PHDR, prog->phdr);
	AUX(AT_PHENT, sizeof(struct elf64_phdr));
	AUX(AT_PHNUM, prog->phnum);
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_BASE, interp_base);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, prog->entry);
	AUX(AT_UID, 0);
	AUX(AT_EUID, 0);
	AUX(AT_GID, 0);
	AUX(AT_EGID, 0);
	AUX(AT_SECURE, 0);
	AUX(AT_HWCAP, arch_hwcap());
	AUX(AT_HWCAP2, arch_hwcap2());
	AUX(AT_CLKTCK, 100);
	AUX(AT_PLATFORM, platform);
	AUX(AT_RANDOM, rnd);
	AUX(AT_EXECFN, execfn);
	AUX(AT_MINSIGSTKSZ, 2048);
	AUX(AT_NULL, 0);
#undef AUX
	/* argc sits at a 16-byte aligned sp (psABI 3.4.1). */
	sp = ALIGN_DOWN(sb.cursor - w * sizeof(*vec), 16);
	memcpy(sb.buf + (sp - sb.base), vec, w * sizeof(*vec));
	err = copy_to_user((void *)sp, sb.buf + (sp - sb.base), STACK_TOP - sp);
	kfree(vec);
	kfree(sb.buf);
	if (err) {
		*why = "its stack could not be written";
		return err;
	}
	*sp_out = sp;
	return 0;
}

int exec_start(const char *path, const char *const *argv,
	       const char *const *envp, const char **why)
{
	struct file *f = NULL, *fi = NULL;
	struct elf_image img, iimg;
	struct loaded prog, interp = { 0 };
	void *buf = NULL, *ibuf = NULL;
	const char *ipath;
	uintptr_t sp, pie;
	uint64_t r;
	int err;

	err = vfs_open_kernel(path, &f);
	if (err) {
		*why = err == -ENOENT ? "no such file in the guest"
				      : "it cannot be opened";
		return err;
	}
	if (!file_is_executable(f)) {
		*why = "not an executable file (no x permission)";
		err = -EACCES;
		goto out;
	}
	err = read_elf(f, &buf, &img, why);
	if (err)
		goto out;
	err = elf_interp(&img, &ipath, why);
	if (err)
		goto out;
	/* A PIE goes at a page-aligned random offset from the usual base. */
	random_bytes(&r, sizeof(r));
	pie = PIE_BASE + (r & 0xffffUL) * PAGE_SIZE;
	err = load_image(f, &img, pie, &prog, why);
	if (err)
		goto out;
	if (ipath) {
		err = vfs_open_kernel(ipath, &fi);
		if (err) {
			*why =
			    "its interpreter (PT_INTERP) is not in the guest";
			goto out;
		}
		err = read_elf(fi, &ibuf, &iimg, why);
		if (!err && iimg.eh->e_type != ET_DYN) {
			*why = "its interpreter is not a shared object";
			err = -ENOEXEC;
		}
		if (!err)
			err = load_image(fi, &iimg, 0, &interp, why);
		if (err)
			goto out;
	}
	if (vm_mmap(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN |
			MAP_STACK,
		    NULL, 0) < 0) {
		*why = "out of memory for its stack";
		err = -ENOMEM;
		goto out;
	}
	err = build_stack(path, argv, envp, &prog, ipath ? interp.bias : 0, &sp,
			  why);
	if (err)
		goto out;
	vm_brk_init(ALIGN_UP(prog.end, PAGE_SIZE));
	kfree(buf);
	kfree(ibuf);
	if (fi)
		file_put(fi);
	file_put(f); /* the mappings hold their own references */
	printk_unmute(false); /* from here on, the program speaks */
	sched_start_preemption(); /* a spinning program cannot starve the kernel's threads */
	arch_enter_user(ipath ? interp.entry : prog.entry, sp);
out:
	kfree(buf);
	kfree(ibuf);
	if (fi)
		file_put(fi);
	file_put(f);
	return err;
}

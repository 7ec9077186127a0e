/*
 * exec.c - starting the program (linux/): map its ELF (lib/elf.c checks
 * it) and, for a dynamic executable, its interpreter (ld-linux) into the
 * address space (kernel/vm.c), build the initial stack the System V
 * x86-64 psABI describes (argc, argv, envp, auxv, the strings, 16 random
 * bytes) and enter user mode. ld-linux loads the libraries itself.
 */
#include <keel/arch.h>
#include <keel/cmdline.h>
#include <keel/elf.h>
#include <keel/errno.h>
#include <keel/exec.h>
#include <keel/file.h>
#include <keel/heap.h>
#include <keel/page.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/signal.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include <uapi/fs.h>
#include <keel/random.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <keel/vm.h>
#include <keel/wait.h>

#include "linux.h"

#define STACK_TOP 0x00007ffffffde000UL
#define STACK_SIZE (8UL << 20)
#define PIE_BASE 0x0000555555554000UL
/* Linux's limits: all strings of argv and envp (a quarter of the 8 MiB
 * stack), one string, and how deep #! interpreters may nest. */
#define ARG_MAX (STACK_SIZE / 4)
#define MAX_ARG_STRLEN (32 * PAGE_SIZE)
#define MAX_INTERP_DEPTH 4
#define BINPRM_BUF 256

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
#define AT_SYSINFO_EHDR 33
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
		*buf = NULL;
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
	/* The rest of the last file page is bss, not file bytes: cleared
	 * through a writable mapping. Only then is a read-only segment
	 * mapped writable first (and charged to the commit, docs/vm.md). */
	bool clear_tail = file_end < ALIGN_UP(file_end, PAGE_SIZE) &&
			  p->p_memsz > p->p_filesz;
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
		r = vm_mmap(page, file_pages_end - page,
			    clear_tail ? prot | PROT_WRITE : prot,
			    MAP_PRIVATE | MAP_FIXED, f,
			    p->p_offset - (start - page));
		if (r < 0)
			goto nomem;
		if (clear_tail &&
		    clear_user((void *)file_end, file_pages_end - file_end)) {
			*why = "its bss could not be cleared";
			return -EFAULT;
		}
		if (clear_tail && !(prot & PROT_WRITE))
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
		       uintptr_t interp_base, uintptr_t vdso, uintptr_t *sp_out,
		       const char **why)
{
	size_t argc = 0, envc = 0, strings = 0, words, size;
	struct stack_builder sb;
	uintptr_t *vec, execfn, platform, rnd, sp;
	uint8_t random[16];
	const struct cred *cred = &current_process()->cred;
	int err;

	for (; argv[argc]; argc++)
		strings += strlen(argv[argc]) + 1;
	for (; envp[envc]; envc++)
		strings += strlen(envp[envc]) + 1;
	strings += strlen(path) + 1 + strlen(arch_platform()) + 1 + 16;
	words = 1 + argc + 1 + envc + 1 + 2 * 24;
	size = ALIGN_UP(strings + words * 8 + 64, PAGE_SIZE);
	if (size > ARG_MAX + PAGE_SIZE) {
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
	AUX(AT_UID, cred->ruid);
	AUX(AT_EUID, cred->euid);
	AUX(AT_GID, cred->rgid);
	AUX(AT_EGID, cred->egid);
	AUX(AT_SECURE, 0);
	AUX(AT_HWCAP, arch_hwcap());
	AUX(AT_HWCAP2, arch_hwcap2());
	AUX(AT_CLKTCK, 100);
	AUX(AT_PLATFORM, platform);
	AUX(AT_RANDOM, rnd);
	AUX(AT_EXECFN, execfn);
	AUX(AT_MINSIGSTKSZ, 2048);
	if (vdso)
		AUX(AT_SYSINFO_EHDR, vdso);
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

/* A program opened and checked, ready to replace the image. */
struct prog {
	struct file *f, *fi; /* the ELF and its interpreter */
	void *buf, *ibuf;
	struct elf_image img, iimg;
	const char *ipath;
};

static void prog_free(struct prog *pr)
{
	kfree(pr->buf);
	kfree(pr->ibuf);
	if (pr->fi)
		file_put(pr->fi);
	if (pr->f)
		file_put(pr->f);
	memset(pr, 0, sizeof(*pr));
}

/* Read and check f's ELF and open its interpreter; f is pr's now. */
static int prog_open(struct prog *pr, struct file *f, const char **why)
{
	int err;

	pr->f = f;
	err = read_elf(f, &pr->buf, &pr->img, why);
	if (err)
		return err;
	err = elf_interp(&pr->img, &pr->ipath, why);
	if (err || !pr->ipath)
		return err;
	err = vfs_open_kernel(pr->ipath, &pr->fi);
	if (err) {
		*why = "its interpreter (PT_INTERP) is not in the guest";
		return err;
	}
	err = read_elf(pr->fi, &pr->ibuf, &pr->iimg, why);
	if (!err && pr->iimg.eh->e_type != ET_DYN) {
		*why = "its interpreter is not a shared object";
		err = -ENOEXEC;
	}
	return err;
}

/*
 * Map the checked program into the (empty) address space of the caller
 * and build its stack: the entry point and stack pointer, or -errno.
 */
static int prog_load(struct prog *pr, const char *execfn,
		     const char *const *argv, const char *const *envp,
		     uintptr_t *entry, uintptr_t *sp, const char **why)
{
	struct loaded prog, interp = { 0 };
	uintptr_t pie;
	uint64_t r;
	int err;

	/*
	 * A PIE goes at a page-aligned random offset from the usual base;
	 * with norandmaps on the command line (Linux's word, which keel run
	 * --gdb passes) at the base itself, where a debugger expects it.
	 */
	random_bytes(&r, sizeof(r));
	pie = PIE_BASE;
	if (!cmdline_get("norandmaps"))
		pie += (r & 0xffffUL) * PAGE_SIZE;
	err = load_image(pr->f, &pr->img, pie, &prog, why);
	if (err)
		return err;
	if (pr->ipath) {
		err = load_image(pr->fi, &pr->iimg, 0, &interp, why);
		if (err)
			return err;
	}
	if (vm_mmap(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN |
			MAP_STACK,
		    NULL, 0) < 0) {
		*why = "out of memory for its stack";
		return -ENOMEM;
	}
	/* The vDSO above the stack, as Linux places it (none: the clocks
	 * take the syscalls). */
	err =
	    build_stack(execfn, argv, envp, &prog, pr->ipath ? interp.bias : 0,
			vdso_map(STACK_TOP), sp, why);
	if (err)
		return err;
	vm_brk_init(ALIGN_UP(prog.end, PAGE_SIZE));
	*entry = pr->ipath ? interp.entry : prog.entry;
	return 0;
}

int exec_start(const char *path, const char *const *argv,
	       const char *const *envp, const char **why)
{
	struct prog pr = { 0 };
	struct file *f;
	uintptr_t entry, sp;
	int err;

	err = vfs_open_kernel(path, &f);
	if (err) {
		*why = err == -ENOENT ? "no such file in the guest"
				      : "it cannot be opened";
		return err;
	}
	if (!file_is_executable(f)) {
		file_put(f);
		*why = "not an executable file (no x permission)";
		return -EACCES;
	}
	err = prog_open(&pr, f, why);
	if (!err)
		err = prog_load(&pr, path, argv, envp, &entry, &sp, why);
	prog_free(&pr); /* the mappings hold their own references */
	if (err)
		return err;
	/* The boot budget (bench/boot-time.sh): read before the line is
	 * written, so its own output is not in it. */
	printk("keel: program starts %lu us after the PVH entry\n",
	       (unsigned long)(arch_since_entry_ns() / 1000));
	printk_unmute(false); /* from here on, the program speaks */
	sched_start_preemption(); /* a spinning program cannot starve the kernel's threads */
	arch_enter_user(entry, sp);
}

/* ---- execve(2) ---- */

/* The new program's argv and envp, copied from the caller. */
struct strv {
	char **v;
	size_t n, cap;
	size_t bytes; /* strings and pointers, against ARG_MAX */
};

static void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		kfree(sv->v[i]);
	kfree(sv->v);
	memset(sv, 0, sizeof(*sv));
}

static int strv_add(struct strv *sv, const char *s, size_t len, size_t at)
{
	char *c;

	sv->bytes += len + 1 + sizeof(char *);
	if (len + 1 > MAX_ARG_STRLEN || sv->bytes > ARG_MAX)
		return -E2BIG;
	if (sv->n + 2 > sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 16;
		char **v = kmalloc(cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		if (sv->n)
			memcpy(v, sv->v, sv->n * sizeof(*v));
		kfree(sv->v);
		sv->v = v;
		sv->cap = cap;
	}
	c = kmalloc(len + 1);
	if (!c)
		return -ENOMEM;
	memcpy(c, s, len);
	c[len] = 0;
	memmove(sv->v + at + 1, sv->v + at, (sv->n - at) * sizeof(*sv->v));
	sv->v[at] = c;
	sv->n++;
	sv->v[sv->n] = NULL;
	return 0;
}

/* Copy a user vector (NULL: empty, as Linux accepts). */
static int strv_copy(struct strv *sv, uintptr_t uvec, size_t *total)
{
	char *tmp = kmalloc(MAX_ARG_STRLEN);
	int err = 0;

	if (!tmp)
		return -ENOMEM;
	for (size_t i = 0; uvec; i++) {
		uintptr_t up;
		long len;

		if (copy_from_user(&up, (const void *)(uvec + i * sizeof(up)),
				   sizeof(up))) {
			err = -EFAULT;
			break;
		}
		if (!up)
			break;
		len = strncpy_from_user(tmp, (const char *)up, MAX_ARG_STRLEN);
		if (len < 0) {
			err = len == -ENAMETOOLONG ? -E2BIG : (int)len;
			break;
		}
		*total += (size_t)len + 1 + sizeof(char *);
		if (*total > ARG_MAX) {
			err = -E2BIG;
			break;
		}
		err = strv_add(sv, tmp, (size_t)len, sv->n);
		if (err)
			break;
	}
	kfree(tmp);
	if (!err && !sv->v) { /* an empty vector still ends in NULL */
		sv->v = kzalloc(16 * sizeof(*sv->v));
		sv->cap = 16;
		if (!sv->v)
			err = -ENOMEM;
	}
	return err;
}

/*
 * A "#!" line: the interpreter and its one optional argument, as Linux
 * splits it (the rest of the line after the interpreter, trimmed, is one
 * argument). 1 when hdr is a script (filled), 0 when not, -ENOEXEC.
 */
static int parse_shebang(char *hdr, size_t n, char **interp, char **arg)
{
	char *p, *end;

	if (n < 2 || hdr[0] != '#' || hdr[1] != '!')
		return 0;
	end = memchr(hdr, '\n', n);
	if (!end)
		end = hdr + n;
	*end = 0;
	for (p = hdr + 2; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p)
		return -ENOEXEC;
	*interp = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	*arg = NULL;
	if (*p) {
		*p++ = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p) {
			char *e = p + strlen(p);
			while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*e = 0;
			*arg = p;
		}
	}
	return 1;
}

static int open_exec(int dirfd, const char *path, int flags, struct file **f)
{
	int err;

	if ((flags & AT_EMPTY_PATH) && !*path) {
		*f = fd_get(dirfd);
		if (!*f)
			return -EBADF;
	} else {
		err = vfs_openat(
		    dirfd, path,
		    O_RDONLY | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0),
		    0, f);
		if (err == -ELOOP && (flags & AT_SYMLINK_NOFOLLOW))
			return -ELOOP;
		if (err)
			return err;
	}
	if (!file_is_executable(*f)) {
		file_put(*f);
		*f = NULL;
		return -EACCES;
	}
	return 0;
}

/* Another thread of the process, or the whole process, is ending us. */
static void end_other_threads(struct process *p)
{
	unsigned long irq = spin_lock_irqsave(&process_table_lock);

	p->exec_thread = current_thread();
	spin_unlock_irqrestore(&process_table_lock, irq);
	process_kick_threads(p);
	irq = spin_lock_irqsave(&process_table_lock);
	while (p->nthreads > 1)
		waitq_wait_locked(&p->vfork_wq, &process_table_lock, 0);
	p->exec_thread = NULL;
	spin_unlock_irqrestore(&process_table_lock, irq);
}

static long do_execve(int dirfd, uintptr_t upath, uintptr_t uargv,
		      uintptr_t uenvp, int flags)
{
	struct process *p = current_process();
	struct strv argv = { 0 }, envp = { 0 };
	struct prog pr = { 0 };
	char *path = NULL, *hdr = NULL, *execfn = NULL;
	struct file *f = NULL;
	const char *why = NULL;
	char comm[16];
	struct mm *old, *mm;
	uintptr_t entry, sp;
	size_t total = 0;
	long err;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	path = kmalloc(PATH_MAX);
	hdr = kmalloc(BINPRM_BUF + 1);
	if (!path || !hdr) {
		err = -ENOMEM;
		goto out;
	}
	err = strncpy_from_user(path, (const char *)upath, PATH_MAX);
	if (err < 0)
		goto out;
	if (!*path && !(flags & AT_EMPTY_PATH)) {
		err = -ENOENT;
		goto out;
	}
	/* The process's name: the file's as given (a script's, not its
	 * interpreter's), as Linux takes it. */
	{
		const char *b = path;

		for (const char *c = path; *c; c++)
			if (*c == '/' && c[1])
				b = c + 1;
		strlcpy(comm, b, sizeof(comm));
	}
	err = strv_copy(&argv, uargv, &total);
	if (!err)
		err = strv_copy(&envp, uenvp, &total);
	if (err)
		goto out;
	err = open_exec(dirfd, path, flags, &f);
	if (err)
		goto out;
	/* What the program sees as its name (AT_EXECFN, a script's path). */
	execfn = kmalloc(PATH_MAX + 16);
	if (!execfn) {
		err = -ENOMEM;
		goto out;
	}
	if (*path)
		strlcpy(execfn, path, PATH_MAX + 16);
	else
		snprintf(execfn, PATH_MAX + 16, "/dev/fd/%d", dirfd);

	for (int depth = 0;; depth++) {
		char *interp, *arg;
		long n = file_pread(f, hdr, BINPRM_BUF, 0);
		int r;

		if (n < 0) {
			err = n;
			goto out;
		}
		hdr[n] = 0;
		r = parse_shebang(hdr, (size_t)n, &interp, &arg);
		if (r < 0) {
			err = r;
			goto out;
		}
		if (!r)
			break;
		if (depth >= MAX_INTERP_DEPTH) {
			err = -ELOOP;
			goto out;
		}
		/* argv[0] is replaced by: interp [arg] script-path. */
		if (argv.n) {
			kfree(argv.v[0]);
			memmove(argv.v, argv.v + 1, argv.n * sizeof(*argv.v));
			argv.n--;
		}
		err = strv_add(&argv, execfn, strlen(execfn), 0);
		if (!err && arg)
			err = strv_add(&argv, arg, strlen(arg), 0);
		if (!err)
			err = strv_add(&argv, interp, strlen(interp), 0);
		if (err)
			goto out;
		file_put(f);
		f = NULL;
		err = open_exec(AT_FDCWD, interp, 0, &f);
		if (err)
			goto out;
		strlcpy(execfn, interp, PATH_MAX + 16);
		strlcpy(path, interp, PATH_MAX);
	}
	err = prog_open(&pr, f, &why);
	f = NULL; /* pr's now */
	if (err)
		goto out;

	/* The point of no return: the old image goes. */
	mm = vm_mm_new();
	if (!mm) {
		err = -ENOMEM;
		goto out;
	}
	end_other_threads(p);
	aio_exit(p); /* their rings are in the old address space */
	timers_exec(p);
	old = p->mm;
	p->mm = mm;
	vm_mm_activate(mm);
	arch_thread_set_space(&current_thread()->arch, vm_mm_root(mm));
	if (p->mm_borrowed) {
		p->mm_borrowed = false;
		process_vfork_done(p);
	} else if (old) {
		vm_mm_free(old);
	}
	p->did_exec = true;
	fs_unshare_files();
	fd_close_on_exec();
	signal_exec_reset();
	arch_exec_reset();
	exec_thread_reset();
	{
		const char *exe = file_path(pr.f);

		/* /proc/PID/exe: where the file is now, else the path given. */
		(void)process_set_image(p, exe && *exe == '/' ? exe : path,
					(const char *const *)argv.v);
		strlcpy(current_thread()->name, comm,
			sizeof(current_thread()->name));
		strlcpy(p->comm, comm, sizeof(p->comm));
	}
	err = prog_load(&pr, execfn, (const char *const *)argv.v,
			(const char *const *)envp.v, &entry, &sp, &why);
	prog_free(&pr);
	strv_free(&argv);
	strv_free(&envp);
	kfree(path);
	kfree(hdr);
	kfree(execfn);
	if (err) {
		printk("keel: exec: %s\n", why ? why : "cannot load");
		process_exit_signal(SIGSEGV, false);
	}
	arch_enter_user(entry, sp);

out:
	if (err == -ENOEXEC && why)
		WARN_ONCE("keel: execve: %s: %s\n", path ? path : "?", why);
	prog_free(&pr);
	if (f)
		file_put(f);
	strv_free(&argv);
	strv_free(&envp);
	kfree(path);
	kfree(hdr);
	kfree(execfn);
	return err;
}

SYSCALL_DEFINE(execve)
{
	return do_execve(AT_FDCWD, (uintptr_t)a[0], (uintptr_t)a[1],
			 (uintptr_t)a[2], 0);
}

SYSCALL_DEFINE(execveat)
{
	return do_execve((int)a[0], (uintptr_t)a[1], (uintptr_t)a[2],
			 (uintptr_t)a[3], (int)a[4]);
}

/*
 * initrd.h - the initrd, keel's root file system archive (a newc cpio,
 * include/keel/cpio.h), and the job it describes (kernel/initrd.c,
 * kernel/job.c). The archive comes from the first boot module (QEMU
 * -initrd, Xen ramdisk =) or else from inside keel.elf itself: the host
 * tool appends it to a copy of the kernel as an extra PT_LOAD segment and
 * fills in the descriptor below (docs/boot.md, "Embedded initrd").
 */
#ifndef KEEL_INITRD_H
#define KEEL_INITRD_H

#include <keel/compiler.h>
#include <keel/cpio.h>

/*
 * The embedded-initrd descriptor, in its own allocated, writable ELF
 * section KEEL_EMBED_SECTION. As built: magic "KEELEMB1" (8 bytes, no NUL),
 * paddr 0, size 0. The host tool writes the physical address and size of
 * the archive segment it adds (little-endian, at offsets 8 and 16).
 */
struct keel_embed {
	char magic[8];
	uint64_t paddr;
	uint64_t size;
};
_Static_assert(sizeof(struct keel_embed) == 24, "the host tool's layout");
#define KEEL_EMBED_MAGIC "KEELEMB1"
#define KEEL_EMBED_SECTION ".keel.initrd"

/*
 * The physical range of an embedded initrd that will be used (there is no
 * boot module and the descriptor passes its checks), for the page
 * allocator to leave alone. Prints nothing: it runs before the console.
 */
bool initrd_embedded_range(uint64_t *base, uint64_t *size);

/*
 * Find the initrd, walk it once and print one line: its size, entry count
 * and source, "initrd: none", or why it was rejected. After memory setup.
 */
void initrd_init(void);

/*
 * The archive: 0 with *data, *size and *source ("module" or "embedded");
 * -ENOENT when there is none; -ENOEXEC when there was one but initrd_init
 * rejected it (*source is still set; initrd_error() says why).
 */
int initrd_find(const void **data, size_t *size, const char **source);
/* Why the initrd was rejected, or NULL. */
const char *initrd_error(void);

/*
 * Look up a path in the archive ("/a/b", "a/b" and names stored as
 * "./a/b" all match); the last entry of that name wins, as when extracted.
 * 0 with *e filled, or -ENOENT.
 */
int initrd_lookup(const char *path, struct cpio_entry *e);

/* Guest status when the program cannot be run (docs/boot.md). */
#define KEEL_STATUS_NOEXEC 126

/*
 * What to run: /.keel/run from the initrd (include/keel/runconf.h), with
 * argv replaced by the words after a lone "--" on the command line when
 * there are any. Strings point into buf or the command line.
 */
struct job {
	const char **argv; /* argc entries and a NULL */
	const char **envp; /* envc entries and a NULL */
	unsigned argc, envc;
	const char *cwd; /* "/" unless the run file says otherwise */
	char *buf; /* the run file's text, parsed in place */
};

/*
 * Fill *job: 0 when there is a program to run, -ENOENT when there is
 * nothing (no initrd program and no "--" words), another negative errno
 * with *why when the initrd or the run file cannot be used.
 */
int job_load(struct job *job, const char **why);
void job_free(struct job *job);
/* Print "keel: program: ARGV..." (quoted where needed) and the env line. */
void job_print(const struct job *job);

#endif

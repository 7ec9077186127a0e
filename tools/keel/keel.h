/*
 * keel.h - the host tool's internal interfaces (tools/keel/). main.c parses
 * the command line; resolve.c finds a program's interpreter and libraries
 * from its ELF; image.c collects files into a guest tree and writes the
 * cpio initrd; embed.c puts that initrd inside a copy of the kernel ELF;
 * run.c boots under QEMU; xl.c writes a Xen domain config. The ELF and
 * cpio formats come from lib/ (the kernel's own readers).
 */
#ifndef KEEL_TOOL_H
#define KEEL_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Statuses of the keel command itself (docs/keel.1). */
#define KEEL_EXIT_TIMEOUT 124
#define KEEL_EXIT_FAILED 125

/* util.c */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Where the input err_msg speaks of came from ("FILE:LINE: "), or NULL. */
extern const char *err_context;
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool quiet;
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct mapped {
	void *data;
	size_t size;
};
int map_file(const char *path, struct mapped *m); /* 0 or -errno */
void unmap_file(struct mapped *m);
char *path_join(const char *dir, const char *name);
char *path_normalize(const char *path); /* lexical: //, ., .. */
char *self_dir(void);
char *cache_dir(void);
/* $XDG_CACHE_HOME/keel or ~/.cache/keel */ /* directory of the keel binary */
char *find_kernel(const char *given); /* or NULL with a message */
int mkdir_p(const char *path);
unsigned long parse_mib(const char *s); /* "64M", "1G" -> MiB; 0: bad */

/*
 * An output file that appears whole or not at all: written to
 * PATH.tmp.PID, renamed over PATH by out_commit; out_abort, or a commit
 * that fails, removes it. Each prints its own error.
 */
struct out_file {
	FILE *f;
	char *tmp;
	const char *path;
};
int out_open(struct out_file *o, const char *path);
int out_commit(struct out_file *o);
void out_abort(struct out_file *o);

/* A string list. */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_push(struct strv *s, const char *str);
void strv_pushf(struct strv *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool strv_has(const struct strv *s, const char *str);
void strv_free(struct strv *s);
char *strv_join(const struct strv *s, const char *sep);

/* resolve.c: what ld.so would load for an executable, found statically. */
struct object {
	char *path; /* where it was found (as ld.so would name it) */
	char *needed; /* the DT_NEEDED name it answers, or NULL */
	bool interp; /* the PT_INTERP program */
};
struct objects {
	struct object *v;
	size_t n, cap;
};
char *find_program(const char *name); /* PATH search; NULL + message */
int resolve_objects(const char *program, struct objects *out);
/* The same; with missing given, a library not found is recorded there
 * ("NAME (needed by PATH)") and the walk goes on instead of failing. */
int resolve_objects_opt(const char *program, struct objects *out,
			struct strv *missing);
void objects_free(struct objects *o);

/* image.c: the guest's file tree, written as a newc cpio. */
struct image;
struct image *image_new(void);
int image_add_path(struct image *im, const char *host_path);
/* The host path as it is, at the same guest path: a symlink stays a
 * symlink (not followed), a directory is added without its contents; the
 * symlinks on the way are mirrored as image_add_path does. */
int image_add_entry(struct image *im, const char *host_path);
/* The host file behind entry i (0 <= i < image_count), or NULL when it
 * is not a regular file from the host; its size in *size. */
const char *image_host_file(const struct image *im, size_t i, size_t *size);
bool image_has(struct image *im, const char *guest); /* exactly there */
bool image_is_dir(struct image *im, const char *guest);
int image_add_tree(struct image *im, const char *host, const char *guest);
int image_add_data(struct image *im, const char *guest, const void *data,
		   size_t size, unsigned mode);
int image_add_dir(struct image *im, const char *guest);
int image_write_cpio(struct image *im, const char *out_path);
size_t image_count(const struct image *im);

/* deb.c: Debian's package database (/var/lib/dpkg, or
 * $KEEL_DPKG_ADMINDIR). Each prints its own error. */
struct debdb;
struct debdb *debdb_open(void);
void debdb_close(struct debdb *db);
int deb_closure(struct debdb *db, const struct strv *want, bool same_source,
		struct strv *out, struct strv *missing);
int deb_files(struct debdb *db, const char *name, struct strv *out);
int deb_owners(struct debdb *db, const char *path, struct strv *out);
/* info/NAME.EXT (or NAME:ARCH.EXT) in the admin directory: "postinst". */
char *deb_info_path(struct debdb *db, const char *name, const char *ext);
/* The words a package's account-making scripts and sysusers.d files
 * hold: the names it may create accounts under. */
int deb_account_names(struct debdb *db, const char *name, struct strv *out);
bool deb_is_doc(const char *path);
bool deb_is_program_dir(const char *path);

/* embed.c: a copy of the kernel ELF with the initrd inside it. */
int embed_initrd(const char *kernel, const char *cpio, const char *out);

/* Options shared by build, run and xl (main.c). */
struct build_opts {
	const char *outdir;
	struct strv files; /* HOST[:GUEST] */
	struct strv env; /* K=V */
	const char *cwd;
	const char *kernel;
	bool single;
	bool root_disk; /* --root disk: the files on DIR/root.img */
	struct strv debs; /* --deb PACKAGE */
	bool bare; /* --bare: not the program's package data */
	bool verbose; /* --verbose: say what was packed */
	char **argv; /* PROGRAM ARGS..., NULL-terminated */
	int argc;
};
struct build_result {
	char *kernel; /* the ELF to boot (embedded initrd with --single) */
	char *base_kernel; /* the build's keel.elf that kernel was made from */
	char *initrd; /* NULL with --single */
	char *program; /* guest path of the program */
	char *first; /* what the kernel executes: the program, or (for a
			script) its #! interpreter; host path = guest path */
	char *root_image; /* --root disk: the root's ext2 image, else NULL */
	unsigned long long image_bytes; /* what the initrd puts in guest RAM */
};
int build_image(const struct build_opts *o, struct build_result *r);

/* The guest's PATH unless --env sets one. */
#define GUEST_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* accounts.c: /etc/passwd and /etc/group (base-passwd's accounts and
 * the system accounts the packed packages make), unless packed already. */
int pack_accounts(struct image *im, const struct build_opts *o,
		  const struct strv *pkgs);

/* pack.c: scripts, packages and every ELF's libraries (build.c's helpers),
 * and the guest memory an image needs. 0, or -1 and a message. */
int pack_follow_scripts(const struct build_opts *o, const char *argv0,
			const char *program, struct strv *chain,
			struct strv *start);
/* The packages whose files went in are added to packed. */
int pack_packages(struct image *im, const struct build_opts *o,
		  const struct strv *chain, struct strv *packed);
int pack_libraries(struct image *im, const struct build_opts *o,
		   struct strv *done);
unsigned long pack_default_mib(unsigned long long image_bytes);
int pack_memory_check(unsigned long long image_bytes, unsigned long mib_given,
		      const char *flag);
/* After a guest ran out of memory: what the image took, which -m to try. */
void pack_memory_hint(const char *mem, unsigned long long image_bytes);

/* run.c */
struct run_opts {
	const char *mem; /* "64M" */
	struct strv ports; /* HOST:GUEST */
	const char *accel; /* auto, kvm, tcg */
	unsigned timeout; /* seconds, 0 = none */
	struct strv kargs; /* extra kernel command line words */
	const char *net; /* none, user, tap:IFNAME; NULL: user with -p */
	const char *machine; /* microvm, pc, q35 */
	struct strv disks; /* --disk IMAGE:/GUEST[:ro] */
	struct strv volumes; /* --volume HOSTDIR:/GUEST[:ro] */
	unsigned gdb_port; /* --gdb: QEMU's gdb stub's port, 0 = none */
};
int run_guest(const struct build_result *b, const struct run_opts *o);

/* kvm.c: QEMU's -cpu for KVM; does a probe boot of kernel work here
 * (cached in cache; why says so either way)? */
const char *kvm_cpu_model(void);
bool kvm_works(const char *kernel, const char *cache, char *why, size_t whylen);
/* A run under KVM was stopped by it: cache no, with what as the reason. */
void kvm_record_failure(const char *kernel, const char *cache,
			const char *what);
bool port_spec_ok(const char *spec); /* HOST:GUEST, or a message */
bool net_spec_ok(const char *spec); /* none|user|tap:IFNAME, or a message */
bool ifname_ok(const char *s); /* a name Linux takes for an interface */
/* The network, ports and machine agree (-p needs user); or a message. */
bool net_opts_ok(const struct run_opts *o);

/* storage.c: --disk and --volume (checked: false and a message), the
 * QEMU devices and keel.mount= words for them, keel mkimage. */
bool disk_spec_ok(const char *spec);
/* --disk's IMAGE[:/GUEST][:ro] into its parts (allocated; guest NULL
 * without one), or false and a message. */
bool split_disk(const char *spec, char **host, char **guest, bool *ro);
bool volume_spec_ok(const char *spec);
void storage_args(struct strv *a, struct strv *kargs, const struct run_opts *o,
		  const char *root_image);
int cmd_mkimage(int argc, char **argv);
/* An ext2 image of dir at out, mib MiB (0: what dir needs and room):
 * 0, or -1 and a message. */
int make_ext2_image(const char *dir, const char *out, unsigned long long mib);

/* manifest.c: keel COMMAND -c FILE. The manifest's option words go into
 * argv before the command line's (which win), its PROGRAM ARGS after them
 * when the command line has none: 0, or -1 and a message. */
struct option;
int manifest_apply(int *argc, char ***argv, const char *optstring,
		   const struct option *opts);
bool manifest_word(int i); /* is argv[i] one of the manifest's words? */
void manifest_at(int i); /* err_msg names argv[i]'s line (i < 0: none) */

/* gdb.c: keel run --gdb[=PORT]. */
#define GDB_DEFAULT_PORT 1234
/* --gdb's optional PORT (NULL: the default), or false and a message. */
bool gdb_port_parse(const char *arg, unsigned *port);
/* The gdb script that loads the kernel's and the program's symbols (a
 * PIE at the base norandmaps gives it), attaches to 127.0.0.1:port and,
 * for a dynamically linked program, follows its libraries (tdesc: the
 * file it writes QEMU's CPU description to for that). */
char *gdb_script(const char *kernel, const char *program, unsigned port,
		 const char *tdesc);
/* QEMU's -S -gdb, the kernel's norandmaps, the script written next to
 * kernel and the gdb command that runs it on stderr: 0, or -1 and a
 * message (the port is taken, the script cannot be written). */
int gdb_args(struct strv *a, struct strv *kargs, const char *kernel,
	     const char *program, unsigned port);

/* xl.c */
struct xl_opts {
	const char *name;
	unsigned mem_mib;
	const char *guest_dir; /* where the files are on the Xen host */
	struct strv kargs;
	struct strv vifs; /* xl vif specs: bridge=NAME[,mac=MAC] */
	struct strv disks; /* --disk IMAGE[:/GUEST][:ro], copied into DIR */
};
/* --net of keel xl: bridge=NAME[,mac=MAC] as an xl vif spec (bridge first,
 * the MAC in lower case), or NULL and a message. */
char *vif_spec(const char *spec);
int write_xl_config(const char *outdir, const struct build_result *b,
		    const struct xl_opts *o);

/* virsh.c: DIR/keel-qemu.xml and DIR/keel-xen.xml, libvirt domains of
 * the image (r: the QEMU side's machine, accel, network, ports, volumes;
 * x: name, memory, guest_dir, kernel words, disks, bridges): 0, or -1
 * and a message. */
int write_virsh_xml(const char *outdir, const struct build_result *b,
		    const struct run_opts *r, const struct xl_opts *x);

#endif

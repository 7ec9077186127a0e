/*
 * gdb.c - keel run --gdb[=PORT] (tools/keel/): QEMU waits at the first
 * instruction (-S) with its gdb stub on 127.0.0.1:PORT, the kernel puts
 * a PIE at its fixed base (norandmaps), and keel writes a gdb script
 * next to the image and prints the one command that runs it. The script
 * loads keel.elf's symbols and the program's at the address the program
 * will have, then attaches; for a dynamically linked program it also
 * hands the libraries to gdb's own shared-library support (push_dynamic
 * says how). Breakpoints in the program work before it is loaded because
 * under TCG QEMU's stub checks them by virtual address (with KVM they are
 * int3 bytes written into guest memory, which does not hold the program
 * yet; the watchpoint the script uses would be a debug register there).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <keel/elf.h>

#include "keel.h"

/* linux/exec.c's PIE_BASE: where a PIE goes under norandmaps (as on Linux
 * with randomisation off, and so where gdb on the host puts it too). */
#define GDB_PIE_BASE 0x555555554000ULL

bool gdb_port_parse(const char *arg, unsigned *port)
{
	char *end;
	unsigned long v;

	if (!arg) {
		*port = GDB_DEFAULT_PORT;
		return true;
	}
	v = strtoul(arg, &end, 10);
	if (!*arg || *end || v < 1 || v > 65535) {
		err_msg("--gdb=%s: want a TCP port (1-65535)", arg);
		return false;
	}
	*port = (unsigned)v;
	return true;
}

/* What gdb is told of the program (from lib/elf.c, as the kernel reads it). */
struct gdb_prog {
	int type; /* ET_EXEC or ET_DYN; 0: not an ELF keel loads (a script) */
	uint64_t base; /* what its addresses are moved by: a PIE's base */
	uint64_t debug_slot; /* run-time address of DT_DEBUG's value; 0: no
				dynamic loader to follow */
};

static void prog_read(const char *path, struct gdb_prog *gp)
{
	struct elf_image img;
	struct elf_dynamic dyn;
	struct mapped m;
	const char *why, *interp = NULL;

	memset(gp, 0, sizeof(*gp));
	if (map_file(path, &m))
		return;
	if (!elf_parse(&img, m.data, m.size, &why)) {
		gp->type = img.eh->e_type;
		gp->base = gp->type == ET_DYN ? GDB_PIE_BASE : 0;
		if (!elf_interp(&img, &interp, &why) && interp &&
		    !elf_read_dynamic(&img, &dyn, &why) && dyn.debug_slot)
			gp->debug_slot = gp->base + dyn.debug_slot;
	}
	unmap_file(&m);
}

/* s in single quotes for a POSIX shell ('\'' for each quote inside). */
static char *shell_quote(const char *s)
{
	size_t n = 3;
	char *q, *o;

	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	q = o = xmalloc(n);
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

/* A file name as a gdb command argument: in double quotes if it has a
 * space (gdb's argument splitting honours them). */
static char *gdb_file(const char *path)
{
	return strpbrk(path, " \t") ? xasprintf("\"%s\"", path) : xstrdup(path);
}

/* "add-symbol-file" or "symbol-file" for the program, at its base. */
static void push_prog_symbols(struct strv *s, const char *cmd, const char *p,
			      const struct gdb_prog *gp)
{
	if (gp->type == ET_DYN)
		strv_pushf(s, "%s %s -o %#llx", cmd, p,
			   (unsigned long long)gp->base);
	else if (gp->type == ET_EXEC)
		strv_pushf(s, "%s %s", cmd, p);
}

/*
 * The dynamically linked program: gdb's own shared-library support
 * (SVR4: r_debug's list of link_maps, and a breakpoint in the dynamic
 * loader for each change) finds the libraries once two things hold.
 * gdb uses it only for a CPU described with the Linux register orig_rax,
 * which QEMU's description lacks: the same description with it added
 * goes in a file, used from the second connection on. And gdb must
 * attach with ld.so already in the list, since it places its loader
 * breakpoint at connection (QEMU's stub has no auxiliary vector to say
 * where ld.so is): a watchpoint on the program's DT_DEBUG slot stops
 * where ld.so publishes r_debug, before it loads any library, and gdb
 * reconnects there with the program as its executable.
 */
static void push_dynamic(struct strv *s, const char *k, const char *p,
			 const struct gdb_prog *gp, unsigned port,
			 const char *tdesc)
{
	char *q = shell_quote(tdesc);

	strv_push(s, "# QEMU's CPU description with Linux's orig_rax added: "
		     "gdb's Linux");
	strv_push(s, "# shared-library support needs it.");
	strv_pushf(s,
		   "pipe maint print xml-tdesc | sed 's|</target>|<feature "
		   "name=\"org.gnu.gdb.i386.linux\"><reg name=\"orig_rax\" "
		   "bitsize=\"64\" type=\"int\"/></feature></target>|' > %s",
		   q);
	strv_push(s, "# Run to where ld.so stores &r_debug in the program's "
		     "DT_DEBUG, before");
	strv_push(s, "# it loads any library.");
	strv_pushf(s, "watch *(long *)%#llx",
		   (unsigned long long)gp->debug_slot);
	strv_push(s, "commands\nsilent\nend");
	strv_push(s, "continue");
	strv_push(s, "delete $bpnum");
	strv_push(s, "# Attach again as to a Linux process: gdb finds ld.so "
		     "in r_debug's list,");
	strv_push(s, "# breaks in it at each library change and reads "
		     "every library's symbols.");
	strv_push(s, "disconnect");
	strv_pushf(s, "set tdesc filename %s", tdesc);
	strv_pushf(s, "exec-file %s", p);
	push_prog_symbols(s, "symbol-file", p, gp);
	strv_pushf(s, "add-symbol-file %s", k);
	strv_pushf(s, "target remote 127.0.0.1:%u", port);
	strv_push(s, "echo keel: stopped in ld.so before the program's "
		     "libraries are loaded; breakpoints in them resolve as "
		     "they load\\n");
	free(q);
}

char *gdb_script(const char *kernel, const char *program, unsigned port,
		 const char *tdesc)
{
	struct strv s = { 0 };
	struct gdb_prog gp;
	char *k = gdb_file(kernel), *p = gdb_file(program), *text;

	prog_read(program, &gp);
	strv_pushf(&s,
		   "# keel run --gdb=%u: %s under QEMU's gdb stub "
		   "(docs/keel.1)",
		   port, program);
	strv_push(&s, "set confirm off");
	strv_pushf(&s, "file %s", k);
	if (gp.debug_slot) {
		strv_push(&s, "set breakpoint pending on");
		/* The guest's libraries are the host's, packed at their
		 * paths (the stub cannot send files). */
		strv_push(&s, "set sysroot /");
	} else {
		push_prog_symbols(&s, "add-symbol-file", p, &gp);
	}
	strv_pushf(&s, "target remote 127.0.0.1:%u", port);
	if (gp.debug_slot)
		push_dynamic(&s, k, p, &gp, port, tdesc);
	text = strv_join(&s, "\n");
	strv_free(&s);
	free(k);
	free(p);
	return text;
}

/* Can QEMU listen on 127.0.0.1:port? Else a message (before it starts,
 * rather than QEMU's own error after the gdb line). */
static bool port_free(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	bool ok;

	if (fd < 0)
		return true; /* no way to tell: QEMU will say */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = !bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (!ok)
		err_msg("--gdb=%u: cannot listen on 127.0.0.1:%u: %s (choose "
			"another port)",
			port, port, strerror(errno));
	close(fd);
	return ok;
}

/* gdb's commands take a file name up to the line's end, or in double
 * quotes: neither holds a name with these. */
static bool names_ok(const char *kernel, const char *program)
{
	const char *bad = strpbrk(kernel, "\"\n") ? kernel : NULL;

	if (!bad && strpbrk(program, "\"\n"))
		bad = program;
	if (bad)
		err_msg("--gdb: gdb cannot be given a file name with a double "
			"quote or a newline in it: %s",
			bad);
	return !bad;
}

/* Write the script next to the kernel; the command that runs it, or NULL
 * and a message. */
static char *write_script(const char *kernel, const char *program,
			  unsigned port)
{
	const char *slash = strrchr(kernel, '/');
	char *dir, *path, *xml, *text, *q, *line = NULL;
	struct out_file o;

	dir = slash ? xasprintf("%.*s", (int)(slash - kernel), kernel)
		    : xstrdup(".");
	path = xasprintf("%s/gdb-%u.gdb", *dir ? dir : "", port);
	xml = xasprintf("%s/gdb-%u.xml", *dir ? dir : "", port);
	unlink(xml); /* the script makes it afresh */
	text = gdb_script(kernel, program, port, xml);
	if (!out_open(&o, path)) {
		fprintf(o.f, "%s\n", text);
		if (!out_commit(&o)) {
			q = shell_quote(path);
			line = xasprintf("gdb -q -x %s", q);
			free(q);
		}
	}
	free(text);
	free(xml);
	free(path);
	free(dir);
	return line;
}

int gdb_args(struct strv *a, struct strv *kargs, const char *kernel,
	     const char *program, unsigned port)
{
	char *line;

	if (!names_ok(kernel, program) || !port_free(port) ||
	    !(line = write_script(kernel, program, port)))
		return -1;
	strv_push(a, "-S");
	strv_push(a, "-gdb");
	strv_pushf(a, "tcp:127.0.0.1:%u", port);
	strv_push(kargs, "norandmaps");
	/* Always shown, even with -q: it is what the user asked for. */
	fprintf(stderr,
		"keel: the guest waits for gdb on 127.0.0.1:%u; attach with:\n"
		"keel: gdb: %s\n",
		port, line);
	fflush(stderr);
	free(line);
	return 0;
}

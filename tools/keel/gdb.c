/*
 * gdb.c - keel run --gdb[=PORT] (tools/keel/): QEMU waits at the first
 * instruction (-S) with its gdb stub on 127.0.0.1:PORT, the kernel puts
 * a PIE at its fixed base (norandmaps), and keel prints the one gdb
 * command line that loads keel.elf's symbols and the program's at the
 * address the program will have, then attaches. Breakpoints in the
 * program work before it is loaded because under TCG QEMU's stub checks
 * them by virtual address (with KVM they are int3 bytes written into
 * guest memory, which does not hold the program yet).
 */
#include <elf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/*
 * The ELF type of path: ET_EXEC, ET_DYN, or 0 when it cannot be read as
 * an x86-64 ELF (a script: no offset is printed then).
 */
static int elf_type(const char *path)
{
	Elf64_Ehdr eh;
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return 0;
	n = fread(&eh, 1, sizeof(eh), f);
	fclose(f);
	if (n != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		return 0;
	return eh.e_type;
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

char *gdb_command(const char *kernel, const char *program, unsigned port)
{
	struct strv ex = { 0 }, words = { 0 };
	char *k = gdb_file(kernel), *p = gdb_file(program), *line;

	strv_push(&ex, "set confirm off");
	strv_pushf(&ex, "file %s", k);
	if (elf_type(program) == ET_DYN)
		strv_pushf(&ex, "add-symbol-file %s -o %#llx", p, GDB_PIE_BASE);
	else if (elf_type(program) == ET_EXEC)
		strv_pushf(&ex, "add-symbol-file %s", p);
	strv_pushf(&ex, "target remote 127.0.0.1:%u", port);
	strv_push(&words, "gdb -q");
	for (size_t i = 0; i < ex.n; i++) {
		char *q = shell_quote(ex.v[i]);

		strv_pushf(&words, "-ex %s", q);
		free(q);
	}
	line = strv_join(&words, " ");
	strv_free(&ex);
	strv_free(&words);
	free(k);
	free(p);
	return line;
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

int gdb_args(struct strv *a, struct strv *kargs, const char *kernel,
	     const char *program, unsigned port)
{
	char *line;

	if (!port_free(port))
		return -1;
	line = gdb_command(kernel, program, port);
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

/*
 * util.c - small helpers of the host tool: messages, allocation that
 * cannot fail silently, mapping files, lexical path handling and finding
 * the kernel image that goes with this keel binary.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keel.h"

bool quiet;

const char *err_context;

void err_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "keel: error: %s", err_context ? err_context : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void progress(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	fputs("keel: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void oom(void)
{
	fputs("keel: error: out of memory\n", stderr);
	exit(KEEL_EXIT_FAILED);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return s;
}

int map_file(const char *path, struct mapped *m)
{
	struct stat st;
	int fd, e;

	m->data = NULL;
	m->size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		e = -errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	m->size = (size_t)st.st_size;
	if (m->size) {
		m->data = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m->data == MAP_FAILED) {
			e = -errno;
			close(fd);
			m->data = NULL;
			return e;
		}
	}
	close(fd);
	return 0;
}

void unmap_file(struct mapped *m)
{
	if (m->data)
		munmap(m->data, m->size);
	m->data = NULL;
}

char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

/*
 * "/a//b/./c/../d" -> "/a/b/d", lexically (symlinks are not consulted);
 * ".." at the root stays at the root, leading ".." of a relative path
 * is kept.
 */
char *path_normalize(const char *path)
{
	size_t len = strlen(path), n = 0, *starts;
	char *out = xmalloc(len + 2);
	bool abs = path[0] == '/';
	const char *p = path;

	starts = xmalloc((len / 2 + 2) * sizeof(*starts));
	size_t depth = 0, keep = 0; /* components, of which ".." kept */
	if (abs)
		out[n++] = '/';
	while (*p) {
		const char *e = strchr(p, '/');
		size_t c = e ? (size_t)(e - p) : strlen(p);

		if (c == 2 && p[0] == '.' && p[1] == '.' && depth > keep) {
			n = starts[--depth];
			if (n > (size_t)abs)
				n--; /* the '/' before it */
		} else if (c == 2 && p[0] == '.' && p[1] == '.' && abs) {
			/* at the root */
		} else if (c && !(c == 1 && p[0] == '.')) {
			if (n > (size_t)abs)
				out[n++] = '/';
			starts[depth++] = n;
			if (c == 2 && p[0] == '.' && p[1] == '.')
				keep = depth;
			memcpy(out + n, p, c);
			n += c;
		}
		p += c;
		while (*p == '/')
			p++;
	}
	if (n == 0)
		out[n++] = '.';
	out[n] = '\0';
	free(starts);
	return out;
}

char *self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return xstrdup(".");
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return xstrdup(buf);
}

/* $XDG_CACHE_HOME/keel, else ~/.cache/keel (keel run's images, the probe). */
char *cache_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (x && *x)
		return path_join(x, "keel");
	return xasprintf("%s/.cache/keel", home && *home ? home : "/tmp");
}

/*
 * The kernel: --kernel, else $KEEL_KERNEL, else keel.elf next to this
 * binary (the build tree), else ../lib/keel/keel.elf (make install).
 */
char *find_kernel(const char *given)
{
	char *dir, *cands[2];
	const char *env = getenv("KEEL_KERNEL");

	if (given || (env && *env)) {
		const char *k = given ? given : env;

		if (access(k, R_OK)) {
			err_msg("cannot read the kernel %s: %s", k,
				strerror(errno));
			return NULL;
		}
		return xstrdup(k);
	}
	dir = self_dir();
	cands[0] = path_join(dir, "keel.elf");
	cands[1] = path_join(dir, "../lib/keel/keel.elf");
	free(dir);
	for (int i = 0; i < 2; i++) {
		if (!access(cands[i], R_OK)) {
			free(cands[1 - i]);
			return cands[i];
		}
	}
	err_msg("no kernel image: looked for %s and %s (build it with "
		"'make', or give --kernel FILE)",
		cands[0], cands[1]);
	free(cands[0]);
	free(cands[1]);
	return NULL;
}

int out_open(struct out_file *o, const char *path)
{
	o->path = path;
	o->tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	o->f = fopen(o->tmp, "wb");
	if (o->f)
		return 0;
	err_msg("cannot create %s: %s", o->tmp, strerror(errno));
	free(o->tmp);
	o->tmp = NULL;
	return -1;
}

void out_abort(struct out_file *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	o->f = NULL;
	o->tmp = NULL;
}

int out_commit(struct out_file *o)
{
	int err = ferror(o->f) ? EIO : 0;

	if (fclose(o->f) && !err)
		err = errno;
	o->f = NULL;
	if (err) {
		err_msg("cannot write %s: %s", o->tmp, strerror(err));
	} else if (rename(o->tmp, o->path)) {
		err = errno;
		err_msg("cannot create %s: %s", o->path, strerror(err));
	}
	if (err) {
		out_abort(o);
		return -1;
	}
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

int mkdir_p(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST) {
			free(p);
			return -errno;
		}
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST) {
		free(p);
		return -errno;
	}
	free(p);
	return 0;
}

void strv_push(struct strv *s, const char *str)
{
	if (s->n + 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = xstrdup(str);
	s->v[s->n] = NULL;
}

void strv_pushf(struct strv *s, const char *fmt, ...)
{
	va_list ap;
	char *str;

	va_start(ap, fmt);
	if (vasprintf(&str, fmt, ap) < 0) {
		fprintf(stderr, "keel: out of memory\n");
		exit(KEEL_EXIT_FAILED);
	}
	va_end(ap);
	strv_push(s, str);
	free(str);
}

/* "64M", "1G", "512" (MiB) -> MiB, or 0 when malformed. */
unsigned long parse_mib(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || v == 0)
		return 0;
	if (*end == 'G' || *end == 'g')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		end++;
	if (*end == 'i' && end[-1] != *s)
		end++; /* MiB-style "Mi" is fine too */
	if (*end == 'B')
		end++;
	return *end || v > 1024 * 1024 ? 0 : v;
}

char *strv_join(const struct strv *s, const char *sep)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->v[i]) + strlen(sep);
	out = xmalloc(len);
	out[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			strcat(out, sep);
		strcat(out, s->v[i]);
	}
	return out;
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

bool strv_has(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return true;
	return false;
}

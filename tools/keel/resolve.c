/*
 * resolve.c - the objects a dynamic executable loads, found the way
 * glibc's ld.so finds them but without running anything: PT_INTERP, then
 * DT_NEEDED breadth first, each name searched in DT_RPATH (of the object
 * and its loaders, when it has no DT_RUNPATH), LD_LIBRARY_PATH,
 * DT_RUNPATH, the directories of /etc/ld.so.conf (what ld.so.cache
 * holds) and the system directories. $ORIGIN, $LIB and $PLATFORM are
 * expanded. A candidate that is not an x86-64 ELF is skipped, as ld.so
 * skips it. A shared library (DT_NEEDED without PT_INTERP) is walked as
 * the system's ld.so would load it, which is what ldd(1) lists. The ELF
 * is read with lib/elf.c, the kernel's own reader.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <keel/elf.h>

#include "keel.h"

/* Debian's glibc 2.36 on x86-64 (ld.so --help, "system search path"). */
static const char *const system_dirs[] = { "/lib/x86_64-linux-gnu",
					   "/usr/lib/x86_64-linux-gnu", "/lib",
					   "/usr/lib" };
#define DOLLAR_LIB "lib/x86_64-linux-gnu"
#define DOLLAR_PLATFORM "x86_64"

char *find_program(const char *name)
{
	const char *path = getenv("PATH");
	struct stat st;
	char *p;

	if (!*name) {
		err_msg("no program given");
		return NULL;
	}
	if (strchr(name, '/')) {
		char cwd[4096];

		if (stat(name, &st)) {
			err_msg("program not found: %s: %s", name,
				strerror(errno));
			return NULL;
		}
		if (name[0] == '/')
			return path_normalize(name);
		if (!getcwd(cwd, sizeof(cwd))) {
			err_msg("cannot get the current directory: %s",
				strerror(errno));
			return NULL;
		}
		p = path_join(cwd, name);
		char *n = path_normalize(p);
		free(p);
		return n;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *s = path;;) {
		const char *e = strchr(s, ':');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *dir = n ? strndup(s, n) : xstrdup(".");

		p = path_join(dir, name);
		free(dir);
		if (!stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK)) {
			char *abs = p[0] == '/' ? path_normalize(p) : NULL;

			if (abs) {
				free(p);
				return abs;
			}
			return p;
		}
		free(p);
		if (!e)
			break;
		s = e + 1;
	}
	err_msg("program not found: %s is not in PATH (%s)", name, path);
	return NULL;
}

/* One object being scanned: what ld.so keeps in its link map. */
struct node {
	char *path;
	char *needed; /* NULL for the executable and the interpreter */
	char *soname;
	char *rpath, *runpath;
	struct strv needs; /* its DT_NEEDED names, read once by add_node */
	int loader; /* index of the object that needed it, -1 */
	dev_t dev;
	ino_t ino;
};

struct walk {
	struct node *v;
	size_t n, cap;
	struct strv conf_dirs;
	const char *origin_exe;
};

/* ld.so.conf: directory lines, "include GLOB", comments, "hwcap" ignored. */
static void read_ld_conf(struct strv *dirs, const char *file, int depth)
{
	char line[4096];
	FILE *f;

	if (depth > 8 || !(f = fopen(file, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *e;

		if ((e = strchr(s, '#')))
			*e = '\0';
		s += strspn(s, " \t");
		e = s + strlen(s);
		while (e > s && strchr(" \t\r\n", e[-1]))
			*--e = '\0';
		if (!*s || !strncmp(s, "hwcap ", 6))
			continue;
		if (!strncmp(s, "include", 7) &&
		    (s[7] == ' ' || s[7] == '\t')) {
			char *pat = s + 8 + strspn(s + 8, " \t"), *full;
			glob_t g;

			if (pat[0] == '/') {
				full = xstrdup(pat);
			} else {
				char *d = xstrdup(file),
				     *slash = strrchr(d, '/');

				if (slash)
					*slash = '\0';
				full = path_join(slash ? d : ".", pat);
				free(d);
			}
			if (!glob(full, 0, NULL, &g))
				for (size_t i = 0; i < g.gl_pathc; i++)
					read_ld_conf(dirs, g.gl_pathv[i],
						     depth + 1);
			globfree(&g);
			free(full);
			continue;
		}
		if (s[0] == '/' && !strv_has(dirs, s)) {
			char *n = path_normalize(s);

			strv_push(dirs, n);
			free(n);
		}
	}
	fclose(f);
}

/* Expand $ORIGIN, ${ORIGIN}, $LIB, $PLATFORM in one path-list entry. */
static char *expand(const char *s, const char *origin)
{
	static const struct {
		const char *name;
		const char *val;
	} vars[] = { { "ORIGIN", NULL },
		     { "LIB", DOLLAR_LIB },
		     { "PLATFORM", DOLLAR_PLATFORM } };
	size_t cap = strlen(s) * 4 + strlen(origin) * 4 + 64, n = 0;
	char *out = xmalloc(cap);

	while (*s) {
		bool done = false;

		if (*s == '$') {
			for (size_t i = 0; i < 3 && !done; i++) {
				const char *v =
				    vars[i].val ? vars[i].val : origin;
				size_t l = strlen(vars[i].name);

				if (!strncmp(s + 1, vars[i].name, l) &&
				    !(s[1 + l] == '_' ||
				      (s[1 + l] >= 'A' && s[1 + l] <= 'Z'))) {
					s += 1 + l;
				} else if (s[1] == '{' &&
					   !strncmp(s + 2, vars[i].name, l) &&
					   s[2 + l] == '}') {
					s += 3 + l;
				} else {
					continue;
				}
				if (n + strlen(v) + 1 > cap) {
					cap = (n + strlen(v) + 1) * 2;
					out = xrealloc(out, cap);
				}
				memcpy(out + n, v, strlen(v));
				n += strlen(v);
				done = true;
			}
		}
		if (!done) {
			if (n + 2 > cap)
				out = xrealloc(out, cap *= 2);
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	return out;
}

static char *dir_of(const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');

	if (!slash) {
		free(d);
		return xstrdup(".");
	}
	if (slash == d)
		slash[1] = '\0';
	else
		*slash = '\0';
	return d;
}

/* Is path a readable x86-64 ELF? 0, or -errno / -ENOEXEC with *why. */
static int check_elf(const char *path, const char **why)
{
	struct elf_image img;
	struct mapped m;
	int e = map_file(path, &m);

	if (e) {
		*why = strerror(-e);
		return e;
	}
	e = elf_parse(&img, m.data, m.size, why);
	unmap_file(&m);
	return e;
}

/*
 * Try name in each ':'-separated dir of list (expanded for origin).
 * Returns the path found, or NULL; records searched dirs in tried.
 */
static char *search_list(const char *list, const char *name, const char *origin,
			 struct strv *tried, char **skipped)
{
	char *copy = xstrdup(list), *save = NULL;

	for (char *d = strtok_r(copy, ":;", &save); d;
	     d = strtok_r(NULL, ":;", &save)) {
		char *dir = expand(d, origin), *p = path_join(dir, name);
		const char *why;

		if (!strv_has(tried, dir))
			strv_push(tried, dir);
		free(dir);
		if (!access(p, F_OK)) {
			if (!check_elf(p, &why)) {
				free(copy);
				return p;
			}
			/* ld.so skips it too; say why if nothing else fits */
			if (!*skipped)
				*skipped = xasprintf("%s: %s", p, why);
		} else if (errno == ELOOP && !*skipped) {
			*skipped = xasprintf("%s: a symlink loop", p);
		}
		free(p);
	}
	free(copy);
	return NULL;
}

static char *search(struct walk *w, int who, const char *name,
		    struct strv *tried, char **skipped)
{
	const struct node *obj = &w->v[who];
	char *origin = dir_of(obj->path), *p = NULL;
	const char *ld_path = getenv("LD_LIBRARY_PATH");

	if (!obj->runpath) {
		/* DT_RPATH of the object, then of each loader up the chain. */
		for (int i = who; i >= 0 && !p; i = w->v[i].loader) {
			char *o = dir_of(w->v[i].path);

			if (!w->v[i].runpath && w->v[i].rpath)
				p = search_list(w->v[i].rpath, name, o, tried,
						skipped);
			free(o);
		}
	}
	if (!p && ld_path && *ld_path)
		p = search_list(ld_path, name, origin, tried, skipped);
	if (!p && obj->runpath)
		p = search_list(obj->runpath, name, origin, tried, skipped);
	for (size_t i = 0; !p && i < w->conf_dirs.n; i++)
		p = search_list(w->conf_dirs.v[i], name, origin, tried,
				skipped);
	for (size_t i = 0; !p && i < sizeof(system_dirs) / sizeof(*system_dirs);
	     i++)
		p = search_list(system_dirs[i], name, origin, tried, skipped);
	free(origin);
	return p;
}

static bool already_loaded(const struct walk *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if ((w->v[i].needed && !strcmp(w->v[i].needed, name)) ||
		    (w->v[i].soname && !strcmp(w->v[i].soname, name)))
			return true;
	return false;
}

/* Read path's ELF and add it as a node; 0, 1 if the same file is loaded. */
static int add_node(struct walk *w, const char *path, const char *needed,
		    int loader, const char **interp_out)
{
	struct elf_dynamic dyn;
	struct elf_image img;
	struct mapped m;
	struct node *n;
	struct stat st;
	const char *why, *interp;
	int e;

	if (stat(path, &st)) {
		err_msg("%s: %s%s", path, strerror(errno),
			errno == ELOOP ? " (a symlink loop)" : "");
		return -1;
	}
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].dev == st.st_dev && w->v[i].ino == st.st_ino)
			return 1;
	e = map_file(path, &m);
	if (e) {
		err_msg("cannot read %s: %s", path, strerror(-e));
		return -1;
	}
	if (elf_parse(&img, m.data, m.size, &why) ||
	    elf_read_dynamic(&img, &dyn, &why) ||
	    elf_interp(&img, &interp, &why)) {
		err_msg("%s: %s", path, why);
		unmap_file(&m);
		return -1;
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	n = &w->v[w->n++];
	memset(n, 0, sizeof(*n));
	n->path = xstrdup(path);
	n->needed = needed ? xstrdup(needed) : NULL;
	n->soname = dyn.soname ? xstrdup(dyn.soname) : NULL;
	n->rpath = dyn.rpath ? xstrdup(dyn.rpath) : NULL;
	n->runpath = dyn.runpath ? xstrdup(dyn.runpath) : NULL;
	for (unsigned i = 0; i < dyn.n_needed; i++)
		strv_push(&n->needs, dyn.needed[i]);
	n->loader = loader;
	n->dev = st.st_dev;
	n->ino = st.st_ino;
	if (interp_out)
		*interp_out = interp ? xstrdup(interp) : NULL;
	unmap_file(&m);
	return 0;
}

static int scan_needed(struct walk *w, size_t idx, struct strv *missing)
{
	int rc = 0;

	/* w->v moves as add_node grows it: index it afresh each time. */
	for (size_t i = 0; i < w->v[idx].needs.n && !rc; i++) {
		const char *name = w->v[idx].needs.v[i];
		char *skipped = NULL;
		struct strv tried = { 0 };
		char *p;

		if (already_loaded(w, name))
			continue;
		if (strchr(name, '/')) {
			p = xstrdup(name);
		} else {
			p = search(w, (int)idx, name, &tried, &skipped);
		}
		if (!p && missing) {
			strv_pushf(missing, "%s (needed by %s)", name,
				   w->v[idx].path);
		} else if (!p) {
			err_msg("library %s not found (needed by %s)%s%s", name,
				w->v[idx].path, skipped ? "; skipped " : "",
				skipped ? skipped : "");
			rc = -1;
		} else if (add_node(w, p, name, (int)idx, NULL) < 0) {
			rc = -1;
		}
		free(p);
		free(skipped);
		strv_free(&tried);
	}
	return rc;
}

/* What ldd(1) loads a shared library with: the system's ld.so. */
#define SYSTEM_INTERP "/lib64/ld-linux-x86-64.so.2"

int resolve_objects_opt(const char *program, struct objects *out,
			struct strv *missing)
{
	struct walk w = { 0 };
	const char *interp = NULL;
	int rc = -1;

	read_ld_conf(&w.conf_dirs, "/etc/ld.so.conf", 0);
	if (add_node(&w, program, NULL, -1, &interp))
		goto out;
	/* A shared library (no PT_INTERP, but DT_NEEDED names) is loaded by
	 * the system's ld.so, as ldd(1) lists it. */
	if (!interp && w.v[0].needs.n && !access(SYSTEM_INTERP, F_OK))
		interp = xstrdup(SYSTEM_INTERP);
	if (interp) {
		/* The interpreter is loaded first and answers to its soname
		 * (libc.so.6 names ld-linux-x86-64.so.2 in DT_NEEDED). */
		if (add_node(&w, interp, NULL, 0, NULL) < 0) {
			err_msg("the program interpreter %s of %s cannot be "
				"used",
				interp, program);
			goto out;
		}
		if (scan_needed(&w, 0, missing))
			goto out;
		for (size_t i = 2; i < w.n; i++)
			if (scan_needed(&w, i, missing))
				goto out;
	} else if (w.v[0].needs.n) {
		/* No ld.so to load it with: still, what it names. */
		for (size_t i = 0; i < w.n; i++)
			if (scan_needed(&w, i, missing))
				goto out;
	}
	memset(out, 0, sizeof(*out));
	out->cap = w.n;
	out->v = xmalloc(w.n * sizeof(*out->v));
	for (size_t i = 0; i < w.n; i++) {
		out->v[out->n++] = (struct object){
			.path = xstrdup(w.v[i].path),
			.needed = w.v[i].needed ? xstrdup(w.v[i].needed) : NULL,
			.interp = interp && i == 1,
		};
	}
	rc = 0;
out:
	for (size_t i = 0; i < w.n; i++) {
		free(w.v[i].path);
		free(w.v[i].needed);
		free(w.v[i].soname);
		free(w.v[i].rpath);
		free(w.v[i].runpath);
		strv_free(&w.v[i].needs);
	}
	free(w.v);
	strv_free(&w.conf_dirs);
	free((char *)interp);
	return rc;
}

int resolve_objects(const char *program, struct objects *out)
{
	return resolve_objects_opt(program, out, NULL);
}

void objects_free(struct objects *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].path);
		free(o->v[i].needed);
	}
	free(o->v);
	memset(o, 0, sizeof(*o));
}

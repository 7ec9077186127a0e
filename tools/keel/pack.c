/*
 * pack.c - what keel build packs besides the program's own libraries and
 * the user's -f trees (docs/keel.1, "What keel packs"):
 *  - scripts: a program that begins with "#!" is packed with its
 *    interpreter, followed as execve(2) follows it (at most 4 levels);
 *    "#!/usr/bin/env NAME" finds NAME on the guest's PATH, as env will
 *    in the guest. A PATH entry that is a script standing in front of a
 *    program of the same name (a version manager's shim) gives way to
 *    the program of that name on the guest's PATH (unshim).
 *  - packages: the files Debian's database (deb.c) lists for the
 *    packages that own the program and, built from the same source,
 *    what they depend on (a runtime's data and modules: luajit's jit.*,
 *    python's minimal library), unless that is more than PACK_DEFAULT_MAX;
 *    and for --deb PACKAGE the package and its whole dependency closure.
 *    Documentation is left out; so, by default, are other programs.
 *  - libraries: every ELF object that ended up in the image has what its
 *    DT_NEEDED names resolved (resolve.c) and packed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <keel/elf.h>

#include "keel.h"

/* What the owner's packages may add unasked: more is --deb's to pack. */
#define PACK_DEFAULT_MAX (32ull << 20)
#define SCRIPT_DEPTH 4 /* #! levels, as Linux's execve follows */
#define SHEBANG_MAX 256 /* bytes of the #! line Linux reads */

static bool verbose;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	char *line = NULL;

	va_start(ap, fmt);
	if (verbose && vasprintf(&line, fmt, ap) >= 0)
		fprintf(stderr, "keel: %s\n", line);
	va_end(ap);
	free(line);
}

static double mib(unsigned long long bytes)
{
	return (double)bytes / (1 << 20);
}

/* ---- scripts ---- */

/* The #! line of path (interpreter and its one optional argument), 1;
 * 0 when path is no script; -1 with a message when it cannot be read. */
static int read_shebang(const char *path, char **interp, char **arg)
{
	char buf[SHEBANG_MAX + 1], *s, *e;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		err_msg("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, SHEBANG_MAX);
	close(fd);
	if (n < 0) {
		err_msg("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	s = buf + 2 + strspn(buf + 2, " \t");
	e = s + strcspn(s, " \t");
	*interp = strndup(s, (size_t)(e - s));
	e += strspn(e, " \t");
	s = e + strlen(e);
	while (s > e && (s[-1] == ' ' || s[-1] == '\t' || s[-1] == '\r'))
		s--;
	*arg = s > e ? strndup(e, (size_t)(s - e)) : NULL;
	return 1;
}

static bool is_script(const char *path)
{
	char *i = NULL, *a = NULL;
	bool yes = read_shebang(path, &i, &a) == 1;

	free(i);
	free(a);
	return yes;
}

/* Every executable file called name in the ':'-separated list path. */
static void path_all(const char *name, const char *path, struct strv *out)
{
	char *copy = xstrdup(path), *save = NULL;
	struct stat st;

	for (char *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = path_join(d, name);

		if (d[0] == '/' && !stat(p, &st) && S_ISREG(st.st_mode) &&
		    !access(p, X_OK) && !strv_has(out, p))
			strv_push(out, p);
		free(p);
	}
	free(copy);
}

/*
 * name looked up on path found found. A script standing in front of a
 * program of the same name that is no script is a shim (a version
 * manager's, choosing the program when it runs), which keel cannot
 * follow: the program of that name on the guest's PATH (what a shell in
 * the guest would run) is taken instead, said in a note; without one,
 * an error names the program the shim hides. Returns the path to pack
 * (allocated), or NULL.
 */
static char *unshim(const char *name, const char *path, const char *found,
		    const char *gpath)
{
	struct strv all = { 0 }, guest = { 0 };
	const char *hidden = NULL;
	char *use = NULL;

	if (strchr(name, '/') || !is_script(found))
		return xstrdup(found);
	path_all(name, path, &all);
	for (size_t i = 0; i < all.n && !hidden; i++)
		if (strcmp(all.v[i], found) && !is_script(all.v[i]))
			hidden = all.v[i];
	if (!hidden) {
		strv_free(&all);
		return xstrdup(found); /* a script of its own: followed */
	}
	path_all(name, gpath, &guest);
	for (size_t i = 0; i < guest.n && !use; i++)
		if (!is_script(guest.v[i]))
			use = xstrdup(guest.v[i]);
	if (use)
		fprintf(stderr,
			"keel: note: %s on PATH is %s, a script that picks the "
			"program when it runs (a shim); packing %s, the %s on "
			"the guest's PATH (give a path to choose another)\n",
			name, found, use, name);
	else
		err_msg("%s on PATH is %s, a script standing in front of the "
			"program %s (a shim that picks the program when it "
			"runs, which keel cannot follow): name the "
			"interpreter, e.g. keel run -- %s ...",
			name, found, hidden, hidden);
	strv_free(&all);
	strv_free(&guest);
	return use;
}

static const char *guest_path(const struct build_opts *o)
{
	for (size_t i = o->env.n; i-- > 0;)
		if (!strncmp(o->env.v[i], "PATH=", 5))
			return o->env.v[i] + 5;
	return GUEST_DEFAULT_PATH;
}

/* The word env(1) runs from its #! argument ("-S python3 -u", "python3"),
 * or NULL. */
static char *env_command(const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL, *w, *name = NULL;

	for (w = strtok_r(copy, " \t", &save); w && !name;
	     w = strtok_r(NULL, " \t", &save))
		if (w[0] != '-' && !strchr(w, '='))
			name = xstrdup(w);
	free(copy);
	return name;
}

/* start becomes interp [arg] start... as execve(2) rewrites a script's
 * argv (the kernel starts the first program from its ELF only). */
static void prepend(struct strv *start, const char *interp, const char *arg)
{
	struct strv n = { 0 };

	strv_push(&n, interp);
	if (arg)
		strv_push(&n, arg);
	for (size_t i = 0; i < start->n; i++)
		strv_push(&n, start->v[i]);
	strv_free(start);
	*start = n;
}

/*
 * Follow program's #! lines: every script and interpreter on the way goes
 * into chain (program first), the ELF that runs last at the end; start
 * gets the words the guest starts with, before the program's arguments
 * (the program, or its interpreters and the script). The host PATH found
 * the program when argv0 has no '/'.
 */
int pack_follow_scripts(const struct build_opts *o, const char *argv0,
			const char *program, struct strv *chain,
			struct strv *start)
{
	const char *cur, *host_path = getenv("PATH");
	bool direct = true; /* the kernel starts cur itself */
	int depth = 0;
	char *first;

	verbose = o->verbose;
	if (!(first = unshim(argv0, host_path ? host_path : "", program,
			     guest_path(o))))
		return -1;
	strv_push(chain, first);
	strv_push(start, first);
	free(first);
	for (cur = chain->v[0];; cur = chain->v[chain->n - 1]) {
		char *interp = NULL, *arg = NULL, *name;
		int r = read_shebang(cur, &interp, &arg);

		if (r <= 0)
			return r;
		if (++depth > SCRIPT_DEPTH) {
			err_msg("%s: more than %d levels of #! interpreters",
				chain->v[0], SCRIPT_DEPTH);
			free(interp), free(arg);
			return -1;
		}
		if (interp[0] != '/') {
			err_msg(
			    "%s: its #! interpreter '%s' is not an absolute "
			    "path",
			    cur, interp);
			free(interp), free(arg);
			return -1;
		}
		if (access(interp, X_OK)) {
			err_msg("%s: its #! interpreter %s: %s", cur, interp,
				strerror(errno));
			free(interp), free(arg);
			return -1;
		}
		if (direct)
			prepend(start, interp, arg);
		note("%s is a script for %s%s%s", cur, interp, arg ? " " : "",
		     arg ? arg : "");
		strv_push(chain, interp);
		name = arg && !strcmp(strrchr(interp, '/'), "/env")
			   ? env_command(arg)
			   : NULL;
		if (name) {
			struct strv all = { 0 };
			const char *path = guest_path(o);

			if (strchr(name, '/'))
				strv_push(&all, name);
			else
				path_all(name, path, &all);
			if (!all.n) {
				err_msg("%s: #!%s %s: %s is not on the guest's "
					"PATH (%s)",
					cur, interp, arg, name, path);
				free(interp), free(arg), free(name);
				strv_free(&all);
				return -1;
			}
			note("env finds %s on the guest's PATH: %s", name,
			     all.v[0]);
			char *use = unshim(name, path, all.v[0], path);

			if (use)
				strv_push(chain, use);
			free(use);
			direct = false; /* env runs it in the guest */
			strv_free(&all);
			if (!use) {
				free(interp), free(arg), free(name);
				return -1;
			}
		}
		free(interp), free(arg), free(name);
	}
}

/* ---- packages ---- */

/*
 * Python modules come with what py3compile made of them when the package
 * was installed (DIR/__pycache__/NAME.cpython-*.pyc, in no package's
 * list): without it python compiles each module again at every start
 * (about twice the start time of python3 under TCG).
 */
static int add_bytecode(struct image *im, const char *py)
{
	size_t n = strlen(py);
	const char *slash = strrchr(py, '/');
	char *pat;
	glob_t g;
	int rc = 0;

	if (n < 4 || strcmp(py + n - 3, ".py") || !slash)
		return 0;
	pat =
	    xasprintf("%.*s/__pycache__/%.*s.cpython-*.pyc", (int)(slash - py),
		      py, (int)(py + n - 3 - slash - 1), slash + 1);
	if (!glob(pat, 0, NULL, &g))
		for (size_t i = 0; i < g.gl_pathc && !rc; i++)
			rc = image_add_entry(im, g.gl_pathv[i]);
	globfree(&g);
	free(pat);
	return rc;
}

/*
 * The symbolic links a package's maintainer scripts make in its /etc
 * directories to enable what it ships (nginx's postinst links
 * sites-enabled/default to ../sites-available/default): in no package's
 * list, but without them the configuration does nothing. Each link in
 * one of the directories etc_dirs holds goes in when what it resolves to
 * on the host is in the image; the rest (a module whose package is not
 * packed) stay out, as a dangling link would break an include.
 */
static int add_enabling_links(struct image *im, const struct strv *etc_dirs)
{
	for (size_t i = 0; i < etc_dirs->n; i++) {
		DIR *d = opendir(etc_dirs->v[i]);
		struct dirent *de;
		int rc = 0;

		while (d && !rc && (de = readdir(d))) {
			char *p = path_join(etc_dirs->v[i], de->d_name);
			char *real = NULL;
			struct stat st;

			if (!lstat(p, &st) && S_ISLNK(st.st_mode) &&
			    !image_has(im, p) && (real = realpath(p, NULL)) &&
			    image_has(im, real)) {
				note("%s: the link to %s", p, real);
				rc = image_add_entry(im, p);
			}
			free(real);
			free(p);
		}
		if (d)
			closedir(d);
		if (rc)
			return -1;
	}
	return 0;
}

/* Do the host files a and b hold the same bytes? */
static bool same_bytes(const char *a, const char *b)
{
	struct mapped ma, mb;
	bool same = false;

	if (map_file(a, &ma))
		return false;
	if (!map_file(b, &mb)) {
		same = ma.size == mb.size &&
		       (!ma.size || !memcmp(ma.data, mb.data, ma.size));
		unmap_file(&mb);
	}
	unmap_file(&ma);
	return same;
}

/*
 * The copies a package's postinst makes of its own files (nginx-common's
 * "cp /usr/share/nginx/html/index.html
 * /var/www/html/index.nginx-debian.html", the page its default site
 * serves): of the absolute paths the script names, each regular host file
 * not in the image that holds the same bytes as another named path that
 * is in the image goes in. Only the package's own bytes can so come in,
 * never what the host keeps of its own. A named path that is a host
 * directory goes in empty (redis-tools' postinst makes /var/lib/redis,
 * where redis.conf's "dir" points).
 */
static int add_script_copies(struct image *im, struct debdb *db,
			     const char *pkg)
{
	char *f = deb_info_path(db, pkg, "postinst");
	struct strv paths = { 0 };
	struct mapped m;
	int rc = 0;

	if (map_file(f, &m)) {
		free(f);
		return 0;
	}
	free(f);
	for (const char *s = m.data, *end = s + m.size; s < end;) {
		size_t n = 0;

		if (*s == '/' && (s == m.data || strchr(" \t\"'=", s[-1])))
			while (s + n < end &&
			       strchr("abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789_./-+",
				      s[n]) &&
			       s[n])
				n++;
		if (n > 1) {
			char *p = strndup(s, n);

			if (!strv_has(&paths, p))
				strv_push(&paths, p);
			free(p);
		}
		s += n ? n : 1;
	}
	unmap_file(&m);
	for (size_t i = 0; !rc && i < paths.n; i++) {
		struct stat st;

		if (lstat(paths.v[i], &st) || image_has(im, paths.v[i]))
			continue;
		if (S_ISDIR(st.st_mode)) {
			note("%s: a directory %s's postinst names", paths.v[i],
			     pkg);
			rc = image_add_dir(im, paths.v[i]);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		for (size_t j = 0; j < paths.n; j++) {
			if (j == i || !image_has(im, paths.v[j]) ||
			    !same_bytes(paths.v[i], paths.v[j]))
				continue;
			note("%s: %s's copy of %s", paths.v[i], pkg,
			     paths.v[j]);
			rc = image_add_entry(im, paths.v[i]);
			break;
		}
	}
	strv_free(&paths);
	return rc;
}

/* Add the listed paths of the packages in pkgs; the documentation left
 * out, and with only_data the programs but those in keep. */
static int add_packages(struct image *im, struct debdb *db,
			const struct strv *pkgs, bool only_data,
			const struct strv *keep)
{
	struct strv etc_dirs = { 0 };

	for (size_t i = 0; i < pkgs->n; i++) {
		struct strv files = { 0 };
		unsigned long long bytes = 0;
		size_t added = 0, gone = 0;

		if (deb_files(db, pkgs->v[i], &files))
			return -1;
		for (size_t j = 0; j < files.n; j++) {
			const char *f = files.v[j];
			struct stat st;

			if (deb_is_doc(f) ||
			    (only_data && deb_is_program_dir(f) &&
			     !strv_has(keep, f)))
				continue;
			if (lstat(f, &st)) {
				gone++; /* removed, or excluded by dpkg */
				continue;
			}
			if (!S_ISDIR(st.st_mode) && image_has(im, f))
				continue; /* given with -f, or packed already */
			if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) &&
			    !S_ISLNK(st.st_mode))
				continue;
			if (image_add_entry(im, f) || add_bytecode(im, f)) {
				strv_free(&files);
				strv_free(&etc_dirs);
				return -1;
			}
			added++;
			if (S_ISDIR(st.st_mode) && !strncmp(f, "/etc/", 5))
				strv_push(&etc_dirs, f);
			if (S_ISREG(st.st_mode))
				bytes += (unsigned long long)st.st_size;
		}
		note("package %s: %zu paths, %.1f MiB%s", pkgs->v[i], added,
		     mib(bytes), gone ? " (some listed paths are gone)" : "");
		strv_free(&files);
		if (add_script_copies(im, db, pkgs->v[i])) {
			strv_free(&etc_dirs);
			return -1;
		}
	}
	if (add_enabling_links(im, &etc_dirs)) {
		strv_free(&etc_dirs);
		return -1;
	}
	strv_free(&etc_dirs);
	return 0;
}

/* The bytes of regular files the packages' paths would add. */
static unsigned long long packages_size(struct debdb *db,
					const struct strv *pkgs, bool only_data)
{
	unsigned long long bytes = 0;

	for (size_t i = 0; i < pkgs->n; i++) {
		struct strv files = { 0 };

		if (deb_files(db, pkgs->v[i], &files))
			continue;
		for (size_t j = 0; j < files.n; j++) {
			struct stat st;

			if (!deb_is_doc(files.v[j]) &&
			    !(only_data && deb_is_program_dir(files.v[j])) &&
			    !lstat(files.v[j], &st) && S_ISREG(st.st_mode))
				bytes += (unsigned long long)st.st_size;
		}
		strv_free(&files);
	}
	return bytes;
}

int pack_packages(struct image *im, const struct build_opts *o,
		  const struct strv *chain, struct strv *packed)
{
	struct strv owners = { 0 }, pkgs = { 0 }, missing = { 0 };
	struct debdb *db;
	int rc = 0;

	verbose = o->verbose;
	if (o->bare && !o->debs.n)
		return 0;
	if (!o->debs.n && access("/var/lib/dpkg/status", R_OK) &&
	    !getenv("KEEL_DPKG_ADMINDIR")) {
		note("no Debian package database here: packing no package "
		     "data");
		return 0;
	}
	if (!(db = debdb_open()))
		return -1;
	if (o->debs.n) {
		rc = deb_closure(db, &o->debs, false, &pkgs, &missing);
		for (size_t i = 0; !rc && i < missing.n; i++)
			note("--deb: %s is not installed; left out",
			     missing.v[i]);
		if (!rc) {
			note("--deb %s: %zu packages", o->debs.v[0], pkgs.n);
			rc = add_packages(im, db, &pkgs, false, chain);
		}
		for (size_t i = 0; i < pkgs.n; i++)
			strv_push(packed, pkgs.v[i]);
		strv_free(&pkgs);
	}
	if (!rc && !o->bare) {
		for (size_t i = 0; !rc && i < chain->n; i++)
			rc = deb_owners(db, chain->v[i], &owners);
		if (!rc && owners.n) {
			char *names;
			unsigned long long size;

			rc = deb_closure(db, &owners, true, &pkgs, &missing);
			names = strv_join(&pkgs, ", ");
			size = rc ? 0 : packages_size(db, &pkgs, true);
			if (rc) {
			} else if (size > PACK_DEFAULT_MAX) {
				fprintf(stderr,
					"keel: note: the data of %s (%.0f MiB) "
					"is more than keel packs unasked; "
					"--deb %s packs it\n",
					names, mib(size), owners.v[0]);
			} else {
				note("the program's packages: %s", names);
				rc = add_packages(im, db, &pkgs, true, chain);
				for (size_t i = 0; i < pkgs.n; i++)
					if (!strv_has(packed, pkgs.v[i]))
						strv_push(packed, pkgs.v[i]);
			}
			free(names);
		} else if (!rc) {
			note("no Debian package owns %s", chain->v[0]);
		}
	}
	strv_free(&owners);
	strv_free(&pkgs);
	strv_free(&missing);
	debdb_close(db);
	return rc;
}

/* ---- every ELF's libraries ---- */

/* Is path an x86-64 ELF with something for ld.so to do? */
static bool dynamic_elf(const char *path)
{
	struct elf_dynamic dyn;
	struct elf_image img;
	struct mapped m;
	const char *why, *interp = NULL;
	bool yes;

	{
		unsigned char h[20];
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, h, sizeof(h));

		if (fd >= 0)
			close(fd);
		if (n != (ssize_t)sizeof(h) || memcmp(h, ELF_MAGIC, 4) ||
		    h[4] != ELFCLASS64 || h[18] != EM_X86_64)
			return false;
	}
	if (map_file(path, &m))
		return false;
	yes = !elf_parse(&img, m.data, m.size, &why) &&
	      !elf_read_dynamic(&img, &dyn, &why) &&
	      !elf_interp(&img, &interp, &why) && (interp || dyn.n_needed);
	unmap_file(&m);
	return yes;
}

/*
 * A library at the path ld.so names it by. Something the options put at
 * that very path stays; where they made a directory of a path that is a
 * symlink on the host (--file HOST:/lib/x86_64-linux-gnu/...), the file
 * goes at the path as --file would put it, not mirrored.
 */
static int add_library(struct image *im, const char *path)
{
	char *p = xstrdup(path);
	int rc = 1;

	if (image_has(im, path)) {
		free(p);
		return 0;
	}
	for (char *s = strchr(p + 1, '/'); s && rc > 0;
	     s = strchr(s + 1, '/')) {
		struct stat st;

		*s = '\0';
		if (!lstat(p, &st) && S_ISLNK(st.st_mode) &&
		    image_is_dir(im, p)) {
			char *real = realpath(path, NULL);

			rc = real ? image_add_tree(im, real, path) : -1;
			if (!real)
				err_msg("cannot read %s: %s", path,
					strerror(errno));
			free(real);
		}
		*s = '/';
	}
	free(p);
	return rc > 0 ? image_add_path(im, path) : rc;
}

int pack_libraries(struct image *im, const struct build_opts *o,
		   struct strv *done)
{
	struct strv missing = { 0 };
	size_t before = image_count(im), scanned = 0;
	int rc = 0;

	verbose = o->verbose;
	for (size_t i = 0; i < image_count(im) && !rc; i++) {
		struct objects objs = { 0 };
		size_t size;
		const char *host = image_host_file(im, i, &size);
		char *h;

		if (!host || size < 64 || strv_has(done, host) ||
		    !dynamic_elf(host))
			continue;
		h = xstrdup(host); /* the image may move as it grows */
		strv_push(done, h);
		scanned++;
		if (!resolve_objects_opt(h, &objs, &missing)) {
			for (size_t k = 1; k < objs.n && !rc; k++) {
				rc = add_library(im, objs.v[k].path);
				if (!strv_has(done, objs.v[k].path))
					strv_push(done, objs.v[k].path);
			}
			objects_free(&objs);
		}
		free(h);
	}
	note("%zu ELF objects resolved; %zu paths added for their libraries",
	     scanned, image_count(im) - before);
	for (size_t i = 0; i < missing.n; i++)
		fprintf(stderr,
			"keel: warning: library %s is not installed: not "
			"packed\n",
			missing.v[i]);
	strv_free(&missing);
	return rc;
}

/* ---- memory ---- */

/* The initrd stays in guest RAM (its files are read in place); the
 * kernel, the program's memory and page tables want room besides. */
#define MEM_FLOOR_MIB 64 /* keel run's memory for a small image */
#define MEM_MARGIN_MIB 48 /* what the program gets beyond its files */
#define MEM_LEAST_MIB 8 /* below the image plus this, nothing runs */

unsigned long pack_default_mib(unsigned long long image_bytes)
{
	unsigned long need =
	    (unsigned long)((image_bytes + (1 << 20) - 1) >> 20) +
	    MEM_MARGIN_MIB;

	need = (need + 31) / 32 * 32; /* rounded up to 32 MiB */
	return need < MEM_FLOOR_MIB ? MEM_FLOOR_MIB : need;
}

int pack_memory_check(unsigned long long image_bytes, unsigned long mib_given,
		      const char *flag)
{
	unsigned long image_mib =
	    (unsigned long)((image_bytes + (1 << 20) - 1) >> 20);

	if (mib_given >= image_mib + MEM_LEAST_MIB)
		return 0;
	err_msg("%s %luM is too small: the image's files take %lu MiB of "
		"the guest's memory, and the kernel and program need room "
		"besides; use %s %luM (keel's default for this image) or "
		"more",
		flag, mib_given, image_mib, flag,
		pack_default_mib(image_bytes));
	return -1;
}

void pack_memory_hint(const char *mem, unsigned long long image_bytes)
{
	unsigned long given = parse_mib(mem), more = given * 2;

	if (more < pack_default_mib(image_bytes))
		more = pack_default_mib(image_bytes);
	fprintf(stderr,
		"keel: the guest ran out of memory: it had -m %s, of which the "
		"image's files take %.0f MiB; try -m %luM\n",
		mem, mib(image_bytes), more);
}

/*
 * deb.c - Debian's package database, read the way dpkg keeps it (the
 * admin directory, /var/lib/dpkg, or $KEEL_DPKG_ADMINDIR): "status" holds
 * one stanza per package (Package, Status, Architecture, Source,
 * Provides, Depends, Pre-Depends; continuation lines begin with a blank),
 * and "info/PKG.list" (or "info/PKG:ARCH.list") one path a line for each
 * file, directory and symlink the package installed. keel uses it for
 * two things (docs/keel.1, "Packages"): which packages own a program
 * (dpkg -S, with Debian 12's merged /usr aliases), and the files of a
 * package and what it depends on, with the documentation left out.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keel.h"

struct deb_pkg {
	char *name, *arch, *source;
	char *depends; /* Pre-Depends and Depends, joined by ',' */
	char *provides;
};

struct debdb {
	char *admin;
	struct deb_pkg *v;
	size_t n, cap;
};

static const char *admin_dir(void)
{
	const char *d = getenv("KEEL_DPKG_ADMINDIR");

	return d && *d ? d : "/var/lib/dpkg";
}

/* Trimmed copy of [s, e). */
static char *trim_dup(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && strchr(" \t\r\n", e[-1]))
		e--;
	return strndup(s, (size_t)(e - s));
}

static bool installed(const char *status)
{
	const char *last = strrchr(status, ' ');

	return last && !strcmp(last + 1, "installed");
}

/* One stanza's fields (the text between blank lines) into p; false when
 * it is not an installed package. */
static bool parse_stanza(char *text, struct deb_pkg *p)
{
	char *status = NULL, *pre = NULL, *dep = NULL, **cur = NULL;

	memset(p, 0, sizeof(*p));
	for (char *line = text, *next; line && *line; line = next) {
		char *colon, *val;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((*line == ' ' || *line == '\t') && cur && *cur) {
			/* a continuation: the field goes on */
			char *j = xasprintf("%s %s", *cur, line);

			free(*cur);
			*cur = j;
			continue;
		}
		cur = NULL;
		if (!(colon = strchr(line, ':')))
			continue;
		val = trim_dup(colon + 1, colon + strlen(colon));
		*colon = '\0';
		if (!strcmp(line, "Package"))
			cur = &p->name;
		else if (!strcmp(line, "Status"))
			cur = &status;
		else if (!strcmp(line, "Architecture"))
			cur = &p->arch;
		else if (!strcmp(line, "Source"))
			cur = &p->source;
		else if (!strcmp(line, "Provides"))
			cur = &p->provides;
		else if (!strcmp(line, "Depends"))
			cur = &dep;
		else if (!strcmp(line, "Pre-Depends"))
			cur = &pre;
		if (cur) {
			free(*cur);
			*cur = val;
		} else {
			free(val);
		}
	}
	bool ok = p->name && status && installed(status);

	free(status);
	if (ok) {
		/* "Source: glibc (2.36-9)" names the source; none: the same */
		if (p->source)
			p->source[strcspn(p->source, " (")] = '\0';
		else
			p->source = xstrdup(p->name);
		p->depends = xasprintf("%s%s%s", pre ? pre : "",
				       pre && dep ? "," : "", dep ? dep : "");
		if (!p->arch)
			p->arch = xstrdup("all");
	} else {
		free(p->name), free(p->arch), free(p->source);
		free(p->provides);
	}
	free(pre);
	free(dep);
	return ok;
}

struct debdb *debdb_open(void)
{
	struct debdb *db;
	char *path = path_join(admin_dir(), "status"), *text;
	struct mapped m;
	int e = map_file(path, &m);

	if (e) {
		err_msg("cannot read Debian's package database %s: %s", path,
			strerror(-e));
		free(path);
		return NULL;
	}
	free(path);
	db = xmalloc(sizeof(*db));
	memset(db, 0, sizeof(*db));
	db->admin = xstrdup(admin_dir());
	text = strndup(m.data, m.size);
	unmap_file(&m);
	if (!text) {
		err_msg("out of memory");
		exit(KEEL_EXIT_FAILED);
	}
	for (char *s = text; *s;) {
		char *end = strstr(s, "\n\n"), *next;
		struct deb_pkg p;

		next = end ? end + 2 : s + strlen(s);
		if (end)
			*end = '\0';
		if (parse_stanza(s, &p)) {
			if (db->n == db->cap) {
				db->cap = db->cap ? db->cap * 2 : 256;
				db->v =
				    xrealloc(db->v, db->cap * sizeof(*db->v));
			}
			db->v[db->n++] = p;
		}
		s = next;
	}
	free(text);
	return db;
}

void debdb_close(struct debdb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++) {
		free(db->v[i].name), free(db->v[i].arch);
		free(db->v[i].source), free(db->v[i].depends);
		free(db->v[i].provides);
	}
	free(db->v);
	free(db->admin);
	free(db);
}

/* "NAME" or "NAME:ARCH" (":any", ":native"): the installed package,
 * the host's architecture (or "all") before a foreign one. */
static struct deb_pkg *find_pkg(struct debdb *db, const char *spec)
{
	size_t n = strcspn(spec, ":");
	const char *arch = spec[n] ? spec + n + 1 : NULL;
	struct deb_pkg *best = NULL;

	if (arch && (!strcmp(arch, "any") || !strcmp(arch, "native")))
		arch = NULL;
	for (size_t i = 0; i < db->n; i++) {
		struct deb_pkg *p = &db->v[i];

		if (strlen(p->name) != n || strncmp(p->name, spec, n))
			continue;
		if (arch && strcmp(p->arch, arch))
			continue;
		if (!best || !strcmp(p->arch, "amd64") ||
		    !strcmp(p->arch, "all"))
			best = p;
	}
	return best;
}

/* Does p provide the virtual package name (Provides: a, b (= 1), ...)? */
static bool provides(const struct deb_pkg *p, const char *name, size_t n)
{
	for (const char *s = p->provides; s && *s;) {
		s += strspn(s, " \t,");
		size_t l = strcspn(s, " \t,(:");

		if (l == n && !strncmp(s, name, n))
			return true;
		s += strcspn(s, ",");
	}
	return false;
}

/* One alternative of a dependency ("name:arch (>= 1)"): the installed
 * package answering it, directly or by Provides. */
static struct deb_pkg *answer(struct debdb *db, const char *alt)
{
	char *name = trim_dup(alt, alt + strcspn(alt, "(["));
	struct deb_pkg *p = find_pkg(db, name);
	size_t n = strcspn(name, ":");

	for (size_t i = 0; !p && i < db->n; i++)
		if (provides(&db->v[i], name, n))
			p = &db->v[i];
	free(name);
	return p;
}

static bool in_list(const struct strv *l, const char *s)
{
	return strv_has(l, s);
}

/*
 * The installed packages named in want and all they depend on
 * (Pre-Depends and Depends; of alternatives, the first installed one);
 * with same_source, only dependencies built from the same source package
 * as the package that needs them (a program's data, modules and standard
 * library, split into packages of their own). Names into out; a name
 * nothing installed answers into missing. -1 with a message when a
 * package of want is not installed (with same_source it is passed over:
 * dpkg keeps the list of a removed package's configuration files).
 */
int deb_closure(struct debdb *db, const struct strv *want, bool same_source,
		struct strv *out, struct strv *missing)
{
	size_t done = out->n;

	for (size_t i = 0; i < want->n; i++) {
		struct deb_pkg *p = find_pkg(db, want->v[i]);

		if (!p && same_source)
			continue; /* an owner removed, its conffiles kept */
		if (!p) {
			err_msg("--deb %s: no such package is installed "
				"(dpkg -l %s)",
				want->v[i], want->v[i]);
			return -1;
		}
		if (!in_list(out, p->name))
			strv_push(out, p->name);
	}
	for (; done < out->n; done++) {
		struct deb_pkg *p = find_pkg(db, out->v[done]);
		char *deps = xstrdup(p->depends), *save = NULL;
		char *src = xstrdup(p->source);

		for (char *d = strtok_r(deps, ",", &save); d;
		     d = strtok_r(NULL, ",", &save)) {
			struct deb_pkg *q = NULL;
			char *alt_save = NULL, *first = NULL;

			for (char *a = strtok_r(d, "|", &alt_save); a && !q;
			     a = strtok_r(NULL, "|", &alt_save)) {
				if (!first)
					first = a;
				q = answer(db, a);
			}
			if (!q) {
				char *m =
				    first
					? trim_dup(first, first + strlen(first))
					: xstrdup("?");

				if (!same_source && !in_list(missing, m))
					strv_push(missing, m);
				free(m);
				continue;
			}
			if (same_source && strcmp(q->source, src))
				continue;
			if (!in_list(out, q->name))
				strv_push(out, q->name);
		}
		free(deps);
		free(src);
	}
	return 0;
}

/* The file info/NAME.EXT of a package (or info/NAME:ARCH.EXT, as dpkg
 * names those of packages of one architecture), readable or not. */
char *deb_info_path(struct debdb *db, const char *name, const char *ext)
{
	struct deb_pkg *p = find_pkg(db, name);
	char *f = xasprintf("%s/info/%s.%s", db->admin, name, ext);

	if (!access(f, R_OK) || !p)
		return f;
	free(f);
	f = xasprintf("%s/info/%s:%s.%s", db->admin, name, p->arch, ext);
	return f;
}

static char *list_path(struct debdb *db, const char *name)
{
	return deb_info_path(db, name, "list");
}

/* Paths of the documentation (and what only desktops and shells use),
 * left out of what keel packs from packages. */
static const char *const doc_dirs[] = {
	"/usr/share/doc",
	"/usr/share/man",
	"/usr/share/info",
	"/usr/share/locale",
	"/usr/share/lintian",
	"/usr/share/doc-base",
	"/usr/share/bug",
	"/usr/share/bash-completion",
	"/usr/share/zsh",
	"/usr/share/fish",
	"/usr/share/menu",
	"/usr/share/applications",
	"/usr/share/icons",
	"/usr/share/pixmaps",
	"/usr/share/metainfo",
	"/usr/share/gtk-doc",
	"/usr/share/help",
	"/usr/share/gnome",
	"/usr/share/appdata",
	"/usr/lib/systemd",
	"/lib/systemd",
	"/etc/init.d",
	"/etc/systemd",
	"/etc/logrotate.d",
	"/etc/cron.daily",
	"/etc/cron.d",
	"/etc/cron.weekly",
	"/etc/cron.monthly",
	"/usr/share/debhelper",
	"/usr/share/lintian/overrides",
	"/usr/share/python3/debian_defaults",
};

/* Directories of programs: what the default packing leaves out. */
static const char *const bin_dirs[] = { "/bin", "/sbin", "/usr/bin",
					"/usr/sbin", "/usr/games" };

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

bool deb_is_doc(const char *path)
{
	for (size_t i = 0; i < sizeof(doc_dirs) / sizeof(*doc_dirs); i++)
		if (under(path, doc_dirs[i]))
			return true;
	return false;
}

bool deb_is_program_dir(const char *path)
{
	for (size_t i = 0; i < sizeof(bin_dirs) / sizeof(*bin_dirs); i++) {
		size_t n = strlen(bin_dirs[i]);

		/* a file directly in it, not the directory itself */
		if (!strncmp(path, bin_dirs[i], n) && path[n] == '/')
			return true;
	}
	return false;
}

/* The paths package name lists (every line of its .list but "/."). */
int deb_files(struct debdb *db, const char *name, struct strv *out)
{
	char *f = list_path(db, name);
	char line[4096];
	FILE *in = fopen(f, "re");

	if (!in) {
		err_msg("cannot read the file list of package %s (%s): %s",
			name, f, strerror(errno));
		free(f);
		return -1;
	}
	free(f);
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '/' && line[1])
			strv_push(out, line);
	}
	fclose(in);
	return 0;
}

/* The spellings of path dpkg may have recorded: as given, and with or
 * without /usr for the directories Debian 12 merged into /usr. */
static void aliases(const char *path, struct strv *out)
{
	static const char *const merged[] = {
		"/bin/", "/sbin/", "/lib/", "/lib64/", "/lib32/", "/libx32/"
	};

	if (!strv_has(out, path))
		strv_push(out, path);
	for (size_t i = 0; i < sizeof(merged) / sizeof(*merged); i++) {
		size_t n = strlen(merged[i]);

		if (!strncmp(path, merged[i], n))
			strv_pushf(out, "/usr%s", path);
		else if (!strncmp(path, "/usr", 4) &&
			 !strncmp(path + 4, merged[i], n))
			strv_push(out, path + 4);
	}
}

/*
 * The packages whose .list names path or the file it resolves to (dpkg
 * -S, exact paths), into out; 0 (none found is not an error).
 */
int deb_owners(struct debdb *db, const char *path, struct strv *out)
{
	struct strv names = { 0 };
	char *real = realpath(path, NULL), *info = path_join(db->admin, "info");
	DIR *d = opendir(info);
	struct dirent *de;

	aliases(path, &names);
	if (real) {
		aliases(real, &names);
		free(real);
	}
	if (!d) {
		err_msg("cannot read %s: %s", info, strerror(errno));
		free(info);
		strv_free(&names);
		return -1;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char *f, *pkg;
		struct mapped m;

		if (n < 6 || strcmp(de->d_name + n - 5, ".list"))
			continue;
		f = path_join(info, de->d_name);
		if (map_file(f, &m)) {
			free(f);
			continue;
		}
		free(f);
		for (size_t i = 0; i < names.n; i++) {
			const char *s = m.data, *end = s + m.size;
			size_t l = strlen(names.v[i]);
			bool hit = false;

			while (s < end && !hit) {
				const char *nl = memchr(s, '\n', end - s);
				const char *le = nl ? nl : end;

				hit = (size_t)(le - s) == l &&
				      !memcmp(s, names.v[i], l);
				s = le + 1;
			}
			if (!hit)
				continue;
			pkg = strndup(de->d_name, strcspn(de->d_name, ":"));
			if (strlen(pkg) > n - 5)
				pkg[n - 5] = '\0';
			if (!strv_has(out, pkg))
				strv_push(out, pkg);
			free(pkg);
			break;
		}
		unmap_file(&m);
	}
	closedir(d);
	free(info);
	strv_free(&names);
	return 0;
}

/* Each word of [s, end) (letters, digits, '_', '.', '-') into out once. */
static void push_words(const char *s, const char *end, struct strv *out)
{
	static const char word[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

	while (s < end) {
		const char *w = s;
		char *dup;

		while (s < end && *s && strchr(word, *s))
			s++;
		if (s > w) {
			dup = strndup(w, (size_t)(s - w));
			if (!strv_has(out, dup))
				strv_push(out, dup);
			free(dup);
		}
		if (s < end)
			s++;
	}
}

static bool has_text(const struct mapped *m, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; m->size >= n && i <= m->size - n; i++)
		if (!memcmp((const char *)m->data + i, text, n))
			return true;
	return false;
}

/* The names of a sysusers.d file's lines (u NAME, g NAME, m USER GROUP). */
static void sysusers_names(const struct mapped *m, struct strv *out)
{
	const char *s = m->data, *end = s + m->size;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;

		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		if (s + 1 < le && strchr("ugm", *s) &&
		    (s[1] == ' ' || s[1] == '\t'))
			push_words(s + 2, le, out);
		s = le + 1;
	}
}

/*
 * The account names a package may create (docs/keel.1, "Accounts"):
 * every word of its preinst and postinst when they run adduser, useradd,
 * addgroup or groupadd (the name is often in a variable, so all of the
 * script's words), and the user, group and member names of the
 * sysusers.d files it ships. The caller keeps those that are accounts.
 */
int deb_account_names(struct debdb *db, const char *name, struct strv *out)
{
	static const char *const scripts[] = { "preinst", "postinst" };
	static const char *const tools[] = { "adduser", "useradd", "addgroup",
					     "groupadd" };
	struct strv files = { 0 };
	struct mapped m;

	for (size_t i = 0; i < sizeof(scripts) / sizeof(*scripts); i++) {
		char *f = deb_info_path(db, name, scripts[i]);
		bool creates = false;

		if (map_file(f, &m)) {
			free(f);
			continue;
		}
		free(f);
		for (size_t t = 0; t < sizeof(tools) / sizeof(*tools); t++)
			creates = creates || has_text(&m, tools[t]);
		if (creates)
			push_words(m.data, (const char *)m.data + m.size, out);
		unmap_file(&m);
	}
	if (deb_files(db, name, &files))
		return -1;
	for (size_t i = 0; i < files.n; i++) {
		const char *f = files.v[i], *dot = strrchr(f, '.');

		if ((strstr(f, "/lib/sysusers.d/") != NULL) && dot &&
		    !strcmp(dot, ".conf") && !map_file(f, &m)) {
			sysusers_names(&m, out);
			unmap_file(&m);
		}
	}
	strv_free(&files);
	return 0;
}

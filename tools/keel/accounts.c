/*
 * accounts.c - the guest's /etc/passwd and /etc/group (docs/keel.1,
 * "Accounts"). A Debian system always has the accounts of base-passwd
 * (an essential package): root, daemon, bin, ..., www-data (33), nobody
 * (65534), whose master copies are /usr/share/base-passwd/passwd.master
 * and group.master. To those keel adds the system accounts that the
 * packed packages create when they are installed (adduser --system in a
 * postinst, a sysusers.d file), as the host has them: a host account goes
 * in only when a packed package names it and its id is below 1000, so no
 * person's account of the host reaches an image. No password goes in:
 * every password field is "*" (no login), and there is no /etc/shadow.
 * A file the user packed at either path (-f) is left as it is.
 *
 * $KEEL_ACCOUNTS_ROOT (default "/") is where the host's etc/passwd,
 * etc/group and usr/share/base-passwd are read: tests point it at files
 * of their own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keel.h"

/* What the guest gets when the host has no base-passwd (not Debian). */
static const char fallback_passwd[] =
    "root:*:0:0:root:/root:/bin/sh\n"
    "nobody:*:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char fallback_group[] = "root:*:0:\nnogroup:*:65534:\n";

/* One line of passwd (7 fields) or group (4 fields), split at ':'. */
struct acct {
	char *f[7];
	size_t n;
	char *buf;
};

static bool acct_parse(struct acct *a, const char *line, size_t len,
		       size_t want)
{
	size_t colons = 0;
	char *s, *end;

	for (size_t i = 0; i < len; i++)
		colons += line[i] == ':';
	if (colons + 1 != want)
		return false;
	a->buf = strndup(line, len);
	a->n = 0;
	for (s = a->buf; s; s = s ? s + 1 : NULL) {
		a->f[a->n++] = s;
		if ((s = strchr(s, ':')))
			*s = '\0';
	}
	/* a name, and numeric ids (passwd's uid and gid, group's gid) */
	errno = 0;
	(void)strtoul(a->f[2], &end, 10);
	if (!*a->f[0] || !*a->f[2] || *end || errno ||
	    (want == 7 &&
	     (!*a->f[3] || a->f[3][strspn(a->f[3], "0123456789")]))) {
		free(a->buf);
		return false;
	}
	return true;
}

static unsigned long acct_id(const struct acct *a)
{
	return strtoul(a->f[2], NULL, 10);
}

/* The lines of a text file, NUL-terminated copy; NULL when unreadable. */
static char *read_text(const char *root, const char *rel)
{
	char *path = path_join(root, rel), *text = NULL;
	struct mapped m;

	if (!map_file(path, &m)) {
		text = strndup(m.data ? m.data : "", m.size);
		unmap_file(&m);
	}
	free(path);
	return text;
}

/* An accounts file being made: its text, the names and ids in it. */
struct table {
	char *text;
	size_t len;
	struct strv names;
	unsigned long *ids;
	size_t n;
};

static bool table_has(const struct table *t, const char *name, unsigned long id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ids[i] == id)
			return true;
	return strv_has(&t->names, name);
}

static void table_add(struct table *t, const char *line, const char *name,
		      unsigned long id)
{
	size_t n = strlen(line);

	t->text = xrealloc(t->text, t->len + n + 2);
	memcpy(t->text + t->len, line, n);
	t->len += n;
	t->text[t->len++] = '\n';
	t->text[t->len] = '\0';
	strv_push(&t->names, name);
	t->ids = xrealloc(t->ids, (t->n + 1) * sizeof(*t->ids));
	t->ids[t->n++] = id;
}

static void table_free(struct table *t)
{
	free(t->text);
	free(t->ids);
	strv_free(&t->names);
}

/*
 * Call fn for each well-formed line of text with `fields` fields. The
 * text is the file's; a line that is not an account (a comment, a NIS
 * "+" line) is skipped.
 */
static void each_acct(const char *text, size_t fields,
		      void (*fn)(struct acct *, void *), void *arg)
{
	for (const char *s = text; s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		struct acct a;

		if (len && *s != '#' && *s != '+' && *s != '-' &&
		    acct_parse(&a, s, len, fields)) {
			fn(&a, arg);
			free(a.buf);
		}
		s = nl ? nl + 1 : NULL;
	}
}

struct merge {
	struct table pw, gr;
	const struct strv *names; /* what the packages name */
	const char *host_group; /* the host's /etc/group text */
	bool master; /* adding base-passwd's own lines */
	unsigned long *gids; /* the primary groups of the users added */
	size_t n_gids;
};

static void add_user(struct acct *a, void *arg)
{
	struct merge *m = arg;
	unsigned long uid = acct_id(a);
	char *line;

	if (!m->master &&
	    (uid == 0 || uid >= 1000 || !strv_has(m->names, a->f[0])))
		return;
	if (table_has(&m->pw, a->f[0], uid))
		return;
	line = xasprintf("%s:*:%s:%s:%s:%s:%s", a->f[0], a->f[2], a->f[3],
			 a->f[4], a->f[5], a->f[6]);
	table_add(&m->pw, line, a->f[0], uid);
	free(line);
	m->gids = xrealloc(m->gids, (m->n_gids + 1) * sizeof(*m->gids));
	m->gids[m->n_gids++] = strtoul(a->f[3], NULL, 10);
}

struct member_walk {
	const char *group;
	const struct strv *users; /* the image's */
	struct strv keep;
};

static void keep_members(struct acct *a, void *arg)
{
	struct member_walk *w = arg;
	char *save, *u;

	if (strcmp(a->f[0], w->group))
		return;
	for (u = strtok_r(a->f[3], ",", &save); u;
	     u = strtok_r(NULL, ",", &save))
		if (strv_has(w->users, u) && !strv_has(&w->keep, u))
			strv_push(&w->keep, u);
}

/* The host's members of group name that are users of the image. */
static char *members(struct merge *m, const char *name)
{
	struct member_walk w = { .group = name, .users = &m->pw.names };
	char *out;

	each_acct(m->host_group, 4, keep_members, &w);
	out = strv_join(&w.keep, ",");
	strv_free(&w.keep);
	return out;
}

/* A group of the host or of base-passwd: base-passwd's all go in, a
 * host's when a package names it or it is an added user's own group. */
static void add_group(struct acct *a, void *arg)
{
	struct merge *m = arg;
	unsigned long gid = acct_id(a);
	bool primary = false;
	char *line, *who;

	for (size_t i = 0; !m->master && i < m->n_gids && !primary; i++)
		primary = m->gids[i] == gid && gid != 0;
	if (!m->master && (gid == 0 || gid >= 1000 ||
			   !(primary || strv_has(m->names, a->f[0]))))
		return;
	if (table_has(&m->gr, a->f[0], gid))
		return;
	who = members(m, a->f[0]);
	line = xasprintf("%s:*:%s:%s", a->f[0], a->f[2], who);
	table_add(&m->gr, line, a->f[0], gid);
	free(line);
	free(who);
}

/* The names the packages in pkgs may create accounts under. */
static int package_names(const struct strv *pkgs, struct strv *names)
{
	struct debdb *db;
	int rc = 0;

	if (!pkgs->n)
		return 0;
	if (!(db = debdb_open()))
		return -1;
	for (size_t i = 0; !rc && i < pkgs->n; i++)
		rc = deb_account_names(db, pkgs->v[i], names);
	debdb_close(db);
	return rc;
}

int pack_accounts(struct image *im, const struct build_opts *o,
		  const struct strv *pkgs)
{
	const char *root = getenv("KEEL_ACCOUNTS_ROOT");
	bool want_pw = !image_has(im, "/etc/passwd");
	bool want_gr = !image_has(im, "/etc/group");
	struct strv names = { 0 };
	struct merge m = { .names = &names };
	char *master_pw, *master_gr, *host_pw, *host_gr;
	int rc = 0;

	if (!want_pw && !want_gr)
		return 0;
	if (!root || !*root)
		root = "/";
	if (package_names(pkgs, &names)) {
		strv_free(&names);
		return -1;
	}
	master_pw = read_text(root, "usr/share/base-passwd/passwd.master");
	master_gr = read_text(root, "usr/share/base-passwd/group.master");
	host_pw = read_text(root, "etc/passwd");
	host_gr = read_text(root, "etc/group");
	if ((!master_pw || !master_gr) && o->verbose)
		fprintf(stderr,
			"keel: no base-passwd master files under %s: "
			"root and nobody only\n",
			root);
	m.host_group = host_gr;
	/* the users first: a group's members are the image's users */
	m.master = true;
	each_acct(master_pw ? master_pw : fallback_passwd, 7, add_user, &m);
	m.master = false;
	each_acct(host_pw, 7, add_user, &m);
	m.master = true;
	each_acct(master_gr ? master_gr : fallback_group, 4, add_group, &m);
	m.master = false;
	each_acct(host_gr, 4, add_group, &m);
	if (o->verbose)
		fprintf(stderr, "keel: accounts: %zu users, %zu groups\n",
			m.pw.n, m.gr.n);
	if (want_pw)
		rc = image_add_data(im, "/etc/passwd", m.pw.text, m.pw.len,
				    0644);
	if (!rc && want_gr)
		rc =
		    image_add_data(im, "/etc/group", m.gr.text, m.gr.len, 0644);
	table_free(&m.pw);
	table_free(&m.gr);
	free(m.gids);
	strv_free(&names);
	free(master_pw);
	free(master_gr);
	free(host_pw);
	free(host_gr);
	return rc;
}

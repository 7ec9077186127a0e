/*
 * manifest.c - keel's manifest (keel run|build|xl|virsh -c FILE): the
 * command line in a YAML file, read with libyaml (Debian's libyaml-dev).
 * Each key stands for one long option (the table below; tests/tool/
 * manifest.sh checks it against main.c's option table and docs/keel.1),
 * "program" and "args" for PROGRAM ARGS. The file becomes option words
 * placed before the command line's own, so the command line's options
 * win: a later scalar replaces an earlier one, lists add up (an -e NAME
 * replaces the manifest's NAME), and PROGRAM ARGS given after -- replace
 * the manifest's. Errors name the file and the line. docs/keel.1,
 * "MANIFEST".
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "keel.h"

/* How a key's value becomes option words. */
enum kind {
	K_STRING, /* a scalar: --OPTION=VALUE */
	K_BOOL, /* true or false: --OPTION, or nothing */
	K_OPTARG, /* an optional argument: true (--OPTION), false, or a value
		     (--OPTION=VALUE) */
	K_LIST, /* a list of scalars (or one scalar): --OPTION=ITEM each */
	K_ENV, /* a mapping NAME: VALUE, or a list of NAME=VALUE */
	K_PROGRAM, /* a scalar: the program, after -- */
	K_ARGS, /* a list of scalars: its arguments */
};

/* How a host path in a value is taken: relative to the manifest's
 * directory (where it names a file of the host). */
enum path {
	P_NONE,
	P_WHOLE, /* the value is a host path */
	P_SPEC, /* HOST:... (disks, volumes) */
	P_FILE, /* --file HOST[:GUEST]: GUEST kept relative to the cwd */
	P_PROGRAM, /* a program path with a '/' */
	P_GUEST, /* an absolute path in the guest */
};

/*
 * The manifest's keys and the long options they stand for. Every option
 * of main.c's table but --config and --help has one (tests/tool/
 * manifest.sh reads both tables).
 */
static const struct mkey {
	const char *key;
	const char *option;
	enum kind kind;
	enum path path;
} mkeys[] = {
	{ "program", NULL, K_PROGRAM, P_PROGRAM },
	{ "args", NULL, K_ARGS, P_NONE },
	{ "output", "output", K_STRING, P_WHOLE },
	{ "files", "file", K_LIST, P_FILE },
	{ "env", "env", K_ENV, P_NONE },
	{ "cwd", "cwd", K_STRING, P_GUEST },
	{ "single", "single", K_BOOL, P_NONE },
	{ "kernel", "kernel", K_STRING, P_WHOLE },
	{ "quiet", "quiet", K_BOOL, P_NONE },
	{ "memory", "memory", K_STRING, P_NONE },
	{ "ports", "port", K_LIST, P_NONE },
	{ "accel", "accel", K_STRING, P_NONE },
	{ "timeout", "timeout", K_STRING, P_NONE },
	{ "kernel-args", "kernel-arg", K_LIST, P_NONE },
	{ "name", "name", K_STRING, P_NONE },
	{ "guest-dir", "guest-dir", K_STRING, P_NONE },
	{ "verbose", "verbose", K_BOOL, P_NONE },
	{ "volumes", "volume", K_LIST, P_SPEC },
	{ "disks", "disk", K_LIST, P_SPEC },
	{ "root", "root", K_STRING, P_NONE },
	{ "net", "net", K_LIST, P_NONE },
	{ "machine", "machine", K_STRING, P_NONE },
	{ "debs", "deb", K_LIST, P_NONE },
	{ "bare", "bare", K_BOOL, P_NONE },
	{ "gdb", "gdb", K_OPTARG, P_NONE },
};

/* The YAML document as a small tree. */
enum node_type { N_SCALAR, N_LIST, N_MAP };
struct node {
	enum node_type type;
	unsigned line; /* 1-based */
	char *value; /* N_SCALAR; NULL for YAML's null */
	struct node **kids; /* N_LIST items; N_MAP key, value, key, ... */
	size_t n;
};

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->value);
	free(n);
}

static void node_add(struct node *parent, struct node *kid)
{
	parent->kids = xrealloc(parent->kids, (parent->n + 1) * sizeof(kid));
	parent->kids[parent->n++] = kid;
}

/* What one manifest gave: its words and the line of each. */
struct manifest {
	const char *path; /* as given */
	char *dir; /* its directory, NULL when "." */
	struct strv words; /* --OPTION=VALUE ... */
	unsigned *lines; /* lines[i]: the line of words.v[i] */
	char *program; /* PROGRAM, or NULL */
	struct strv args; /* ARGS... */
};

static void where_msg(const struct manifest *m, unsigned line, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));
static void where_msg(const struct manifest *m, unsigned line, const char *fmt,
		      ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_msg("%s:%u: %s", m->path, line, msg);
}

/* YAML 1.1's plain nulls: an empty value, ~, null. */
static bool plain_null(const yaml_event_t *e)
{
	const char *v = (const char *)e->data.scalar.value;

	return e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || !strcmp(v, "~") || !strcmp(v, "null") ||
		!strcmp(v, "Null") || !strcmp(v, "NULL"));
}

/*
 * Read one node (its first event given) and what it holds: the node, or
 * NULL and a message.
 */
static struct node *parse_node(const struct manifest *m, yaml_parser_t *p,
			       yaml_event_t *e)
{
	struct node *n = calloc(1, sizeof(*n));
	yaml_event_type_t end;

	if (!n)
		return NULL;
	n->line = (unsigned)e->start_mark.line + 1;
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		n->type = N_SCALAR;
		if (!plain_null(e))
			n->value = xstrdup((const char *)e->data.scalar.value);
		if (n->value && strlen(n->value) != e->data.scalar.length) {
			where_msg(m, n->line, "a NUL byte in a value");
			node_free(n);
			return NULL;
		}
		return n;
	case YAML_SEQUENCE_START_EVENT:
		n->type = N_LIST;
		end = YAML_SEQUENCE_END_EVENT;
		break;
	case YAML_MAPPING_START_EVENT:
		n->type = N_MAP;
		end = YAML_MAPPING_END_EVENT;
		break;
	case YAML_ALIAS_EVENT:
		where_msg(m, n->line,
			  "an alias (*%s): keel's manifest takes none",
			  (const char *)e->data.alias.anchor);
		free(n);
		return NULL;
	default:
		where_msg(m, n->line, "unexpected YAML (event %d)", e->type);
		free(n);
		return NULL;
	}
	for (;;) {
		yaml_event_t k;
		struct node *kid;

		if (!yaml_parser_parse(p, &k)) {
			where_msg(m, (unsigned)p->problem_mark.line + 1,
				  "YAML: %s%s%s", p->problem,
				  p->context ? " " : "",
				  p->context ? p->context : "");
			node_free(n);
			return NULL;
		}
		if (k.type == end) {
			yaml_event_delete(&k);
			return n;
		}
		kid = parse_node(m, p, &k);
		yaml_event_delete(&k);
		if (!kid) {
			node_free(n);
			return NULL;
		}
		node_add(n, kid);
	}
}

/* The file's one document, a mapping: its node, or NULL and a message. */
static struct node *parse_file(const struct manifest *m, FILE *f)
{
	yaml_parser_t p;
	yaml_event_t e;
	struct node *root = NULL;
	int depth = 0; /* stream, document */
	bool failed = false;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	while (!failed) {
		if (!yaml_parser_parse(&p, &e)) {
			where_msg(m, (unsigned)p.problem_mark.line + 1,
				  "YAML: %s%s%s", p.problem,
				  p.context ? ", " : "",
				  p.context ? p.context : "");
			failed = true;
			break;
		}
		if (e.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&e);
			break;
		}
		if (e.type == YAML_STREAM_START_EVENT ||
		    e.type == YAML_DOCUMENT_START_EVENT) {
			if (e.type == YAML_DOCUMENT_START_EVENT &&
			    ++depth > 1) {
				where_msg(m, (unsigned)e.start_mark.line + 1,
					  "a second YAML document: a manifest "
					  "is one");
				failed = true;
			}
		} else if (e.type != YAML_DOCUMENT_END_EVENT) {
			root = parse_node(m, &p, &e);
			failed = !root;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	if (!failed && (!root || root->type != N_MAP)) {
		where_msg(m, root ? root->line : 1,
			  "want a mapping of keys (program:, args:, files:, "
			  "...; docs/keel.1, MANIFEST)");
		failed = true;
	}
	if (failed) {
		node_free(root);
		return NULL;
	}
	return root;
}

static const struct mkey *find_key(const char *key)
{
	for (size_t i = 0; i < sizeof(mkeys) / sizeof(*mkeys); i++)
		if (!strcmp(mkeys[i].key, key))
			return &mkeys[i];
	return NULL;
}

/* A host path in the manifest, relative to its directory. */
static char *host_path(const struct manifest *m, const char *p)
{
	if (!m->dir || p[0] == '/' || !*p)
		return xstrdup(p);
	return path_join(m->dir, p);
}

/* A files: entry, HOST[:GUEST] (GUEST when absolute, as build.c reads
 * it): a relative HOST is the manifest directory's, and without GUEST
 * the guest path stays HOST under the working directory cwd. */
static char *file_spec(const struct manifest *m, const char *spec,
		       const char *cwd)
{
	const char *colon = strrchr(spec, ':');
	char *guest, *host, *out;

	if (!m->dir || spec[0] == '/')
		return xstrdup(spec);
	if (colon && colon[1] == '/') {
		host = strndup(spec, (size_t)(colon - spec));
		out = xasprintf("%s/%s%s", m->dir, host, colon);
		free(host);
		return out;
	}
	guest = path_join(cwd, spec);
	host = path_normalize(guest);
	out = xasprintf("%s/%s:%s", m->dir, spec, host);
	free(guest);
	free(host);
	return out;
}

/* A files: entry's host part (before a ":/GUEST") exists, or false and
 * a message with the line. */
static bool host_exists(const struct manifest *m, unsigned line,
			const char *spec)
{
	const char *colon = strrchr(spec, ':');
	char *host = colon && colon[1] == '/'
			 ? strndup(spec, (size_t)(colon - spec))
			 : xstrdup(spec);
	struct stat st;
	bool ok = host && !lstat(host, &st);

	if (!ok)
		where_msg(m, line, "files: cannot read %s: %s", host,
			  strerror(errno));
	free(host);
	return ok;
}

static void add_word(struct manifest *m, unsigned line, const char *word)
{
	strv_push(&m->words, word);
	m->lines = xrealloc(m->lines, m->words.n * sizeof(*m->lines));
	m->lines[m->words.n - 1] = line;
}

/* A scalar value, or NULL and a message naming the key. */
static const char *scalar(const struct manifest *m, const char *key,
			  const struct node *v, const char *want)
{
	if (v->type != N_SCALAR) {
		where_msg(m, v->line, "%s: want %s, not a %s", key, want,
			  v->type == N_LIST ? "list" : "mapping");
		return NULL;
	}
	if (!v->value) {
		where_msg(m, v->line,
			  "%s: no value (want %s; '' for an empty one)", key,
			  want);
		return NULL;
	}
	return v->value;
}

/* The context the values are taken in: the command line's own -e names
 * and working directory. */
struct cli {
	struct strv env; /* NAME=VALUE of -e */
	const char *cwd; /* -C, or NULL */
};

static bool cli_sets_env(const struct cli *c, const char *kv)
{
	size_t k = strcspn(kv, "=");

	for (size_t i = 0; i < c->env.n; i++)
		if (!strncmp(c->env.v[i], kv, k) && c->env.v[i][k] == '=')
			return true;
	return false;
}

/* One list item (or a lone scalar) of key k as its option word. */
static int list_word(struct manifest *m, const struct mkey *k,
		     const struct node *v, const char *cwd)
{
	const char *s = scalar(m, k->key, v, "a string");
	char *val, *w;

	if (!s)
		return -1;
	if (k->path == P_GUEST && s[0] != '/') {
		where_msg(m, v->line, "%s: %s: want an absolute guest path",
			  k->key, s);
		return -1;
	}
	if (k->path == P_FILE)
		val = file_spec(m, s, cwd);
	else if (k->path == P_SPEC || k->path == P_WHOLE)
		val = host_path(m, s);
	else
		val = xstrdup(s);
	if (k->path == P_FILE && !host_exists(m, v->line, val)) {
		free(val);
		return -1;
	}
	w = xasprintf("--%s=%s", k->option, val);
	add_word(m, v->line, w);
	free(w);
	free(val);
	return 0;
}

/* env: as a mapping NAME: VALUE or a list of NAME=VALUE; names the
 * command line sets (-e) are left to it. */
static int env_words(struct manifest *m, const struct node *v,
		     const struct cli *c)
{
	for (size_t i = 0; i < v->n; i += v->type == N_MAP ? 2 : 1) {
		const struct node *kn = v->kids[i];
		const char *name, *val;
		char *kv;

		if (v->type == N_LIST) {
			if (!(name = scalar(m, "env", kn, "NAME=VALUE")))
				return -1;
			kv = xstrdup(name);
			if (!strchr(kv, '=') || kv[0] == '=') {
				where_msg(m, kn->line,
					  "env: %s: want NAME=VALUE", kv);
				free(kv);
				return -1;
			}
		} else {
			if (!(name = scalar(m, "env", kn, "a variable name")) ||
			    !(val =
				  scalar(m, name, v->kids[i + 1], "a string")))
				return -1;
			if (!*name || strchr(name, '=')) {
				where_msg(m, kn->line,
					  "env: '%s' is not a variable name",
					  name);
				return -1;
			}
			kv = xasprintf("%s=%s", name, val);
		}
		if (!cli_sets_env(c, kv)) {
			char *w = xasprintf("--env=%s", kv);

			add_word(m, kn->line, w);
			free(w);
		}
		free(kv);
	}
	return 0;
}

/* true or false (YAML 1.1's yes and no too): 0, 1, or -1 with the
 * message when complain, else -1 quietly. */
static int bool_word(const struct manifest *m, const char *key,
		     const struct node *v, bool complain)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes" },
				 *const no[] = { "false", "False", "FALSE",
						 "no" };
	const char *s = scalar(m, key, v, "true or false");

	if (!s)
		return -1;
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i]))
			return !strcmp(s, yes[i]);
	if (complain)
		where_msg(m, v->line, "%s: %s: want true or false", key, s);
	return -1;
}

/* The value v of key k as option words (or the program). */
static int key_words(struct manifest *m, const struct mkey *k,
		     const struct node *v, const struct cli *c, const char *cwd)
{
	const char *s;
	int b;

	switch (k->kind) {
	case K_BOOL:
	case K_OPTARG:
		if (v->type == N_SCALAR && v->value && k->kind == K_OPTARG &&
		    (b = bool_word(m, k->key, v, false)) < 0)
			return list_word(m, k, v, cwd);
		if ((b = bool_word(m, k->key, v, true)) < 0)
			return -1;
		if (b) {
			char *w = xasprintf("--%s", k->option);

			add_word(m, v->line, w);
			free(w);
		}
		return 0;
	case K_STRING: /* a list is refused by scalar() */
		return list_word(m, k, v, cwd);
	case K_LIST:
		if (v->type != N_LIST)
			return list_word(m, k, v, cwd);
		for (size_t i = 0; i < v->n; i++)
			if (list_word(m, k, v->kids[i], cwd))
				return -1;
		return 0;
	case K_ENV:
		if (v->type == N_SCALAR) {
			where_msg(m, v->line,
				  "env: want a mapping (NAME: VALUE) or a "
				  "list of NAME=VALUE");
			return -1;
		}
		return env_words(m, v, c);
	case K_PROGRAM:
		if (!(s = scalar(m, k->key, v, "a program")))
			return -1;
		m->program = strchr(s, '/') ? host_path(m, s) : xstrdup(s);
		return 0;
	case K_ARGS:
		if (v->type != N_LIST) {
			where_msg(m, v->line,
				  "args: want a list of words, e.g. [-v, "
				  "'two words']");
			return -1;
		}
		for (size_t i = 0; i < v->n; i++) {
			if (!(s = scalar(m, "args", v->kids[i], "a string")))
				return -1;
			strv_push(&m->args, s);
		}
		return 0;
	}
	return -1;
}

/* The manifest's cwd: value, for files: entries' guest paths. */
static const char *manifest_cwd(const struct node *root)
{
	for (size_t i = 0; i + 1 < root->n; i += 2)
		if (root->kids[i]->value &&
		    !strcmp(root->kids[i]->value, "cwd") &&
		    root->kids[i + 1]->type == N_SCALAR &&
		    root->kids[i + 1]->value)
			return root->kids[i + 1]->value;
	return NULL;
}

/* Every key of the mapping into words: 0, or -1 and a message. */
static int root_words(struct manifest *m, const struct node *root,
		      const struct cli *c)
{
	const char *cwd = c->cwd ? c->cwd : manifest_cwd(root);
	bool have_args = false;

	if (!cwd)
		cwd = "/";
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const struct node *kn = root->kids[i];
		const struct mkey *k;

		if (kn->type != N_SCALAR || !kn->value) {
			where_msg(m, kn->line, "a key must be a name");
			return -1;
		}
		if (!(k = find_key(kn->value))) {
			where_msg(m, kn->line,
				  "unknown key '%s' (docs/keel.1, MANIFEST, "
				  "lists the keys)",
				  kn->value);
			return -1;
		}
		for (size_t j = 0; j < i; j += 2)
			if (!strcmp(root->kids[j]->value, kn->value)) {
				where_msg(m, kn->line,
					  "%s given twice (first on line %u)",
					  kn->value, root->kids[j]->line);
				return -1;
			}
		have_args |= k->kind == K_ARGS;
		if (key_words(m, k, root->kids[i + 1], c, cwd))
			return -1;
	}
	if (have_args && !m->program) {
		where_msg(m, root->line, "args without a program: key");
		return -1;
	}
	return 0;
}

/* The manifest given with -c, and what has been read of it. */
static struct manifest *cur;
static int first_cli; /* argv index of the command line's first word */

/*
 * The command line's -c FILE (the last one), -C and -e, read with the
 * command's own option table; *prog_at: where PROGRAM is (argc: none).
 */
static const char *scan_cli(int argc, char **argv, const char *optstring,
			    const struct option *opts, struct cli *c,
			    int *prog_at)
{
	const char *config = NULL;
	int o;

	opterr = 0;
	optind = 0;
	while ((o = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		if (o == 'c')
			config = optarg;
		else if (o == 'C')
			c->cwd = optarg;
		else if (o == 'e')
			strv_push(&c->env, optarg);
	}
	*prog_at = optind;
	optind = 0;
	return config;
}

int manifest_apply(int *argc, char ***argv, const char *optstring,
		   const struct option *opts)
{
	struct cli c = { .env = { 0 }, .cwd = NULL };
	struct manifest *m;
	struct node *root;
	struct strv out = { 0 };
	const char *path, *slash;
	int prog_at;
	FILE *f;

	path = scan_cli(*argc, *argv, optstring, opts, &c, &prog_at);
	if (!path) {
		strv_free(&c.env);
		return 0;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	m->path = path;
	slash = strrchr(path, '/');
	if (slash)
		m->dir = slash == path ? xstrdup("/")
				       : strndup(path, (size_t)(slash - path));
	f = fopen(path, "r");
	if (!f) {
		err_msg("-c %s: %s", path, strerror(errno));
		return -1;
	}
	root = parse_file(m, f);
	fclose(f);
	if (!root || root_words(m, root, &c)) {
		node_free(root);
		return -1;
	}
	node_free(root);
	strv_free(&c.env);

	/* COMMAND, the manifest's words, the command line's, and the
	 * manifest's PROGRAM ARGS when the command line has none. */
	strv_push(&out, (*argv)[0]);
	for (size_t i = 0; i < m->words.n; i++)
		strv_push(&out, m->words.v[i]);
	first_cli = (int)out.n;
	for (int i = 1; i < prog_at; i++)
		strv_push(&out, (*argv)[i]);
	if (prog_at < *argc) {
		for (int i = prog_at; i < *argc; i++)
			strv_push(&out, (*argv)[i]);
	} else if (m->program) {
		if (prog_at < 2 || strcmp((*argv)[prog_at - 1], "--"))
			strv_push(&out, "--");
		strv_push(&out, m->program);
		for (size_t i = 0; i < m->args.n; i++)
			strv_push(&out, m->args.v[i]);
	}
	*argc = (int)out.n;
	*argv = out.v;
	cur = m;
	return 0;
}

bool manifest_word(int i)
{
	return cur && i >= 1 && i < first_cli;
}

void manifest_at(int i)
{
	static char where[1100];

	if (!manifest_word(i)) {
		err_context = NULL;
		return;
	}
	snprintf(where, sizeof(where), "%s:%u: ", cur->path, cur->lines[i - 1]);
	err_context = where;
}

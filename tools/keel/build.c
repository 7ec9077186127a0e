/*
 * build.c - keel build: the program, its interpreter and libraries (found
 * by resolve.c), what pack.c adds (#! interpreters, the program's package
 * data, --deb packages, every ELF's libraries), the user's files and the
 * run configuration (/.keel/run,
 * lib/runconf.c's format) packed into an initrd next to a copy of the
 * kernel, or inside it with --single. Everything is checked before the
 * first byte is written; outputs appear under their final names only
 * when complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <keel/runconf.h>

#include "keel.h"

static const char *const default_env[] = {
	"PATH=" GUEST_DEFAULT_PATH,
	"HOME=/",
};

static void add_line(char **buf, size_t *len, enum runconf_kind kind,
		     const char *value)
{
	size_t n = runconf_format(NULL, 0, kind, value);

	*buf = xrealloc(*buf, *len + n + 1);
	runconf_format(*buf + *len, n + 1, kind, value);
	*len += n;
}

static bool env_key_given(const struct strv *env, const char *kv)
{
	size_t k = strcspn(kv, "=");

	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], kv, k) && env->v[i][k] == '=')
			return true;
	return false;
}

static char *run_config(const struct build_opts *o, const struct strv *start,
			size_t *len)
{
	char *buf = xstrdup("# what keel runs (docs/keel.1): written by keel "
			    "build\n");

	*len = strlen(buf);
	for (size_t i = 0; i < start->n; i++)
		add_line(&buf, len, RUNCONF_ARG, start->v[i]);
	for (int i = 1; i < o->argc; i++)
		add_line(&buf, len, RUNCONF_ARG, o->argv[i]);
	for (size_t i = 0; i < sizeof(default_env) / sizeof(*default_env); i++)
		if (!env_key_given(&o->env, default_env[i]))
			add_line(&buf, len, RUNCONF_ENV, default_env[i]);
	for (size_t i = 0; i < o->env.n; i++)
		add_line(&buf, len, RUNCONF_ENV, o->env.v[i]);
	add_line(&buf, len, RUNCONF_CWD, o->cwd ? o->cwd : "/");
	return buf;
}

/* --file HOST[:GUEST]: GUEST when the part after the last ':' is absolute. */
static int add_file_opt(struct image *im, const char *spec, const char *cwd)
{
	const char *colon = strrchr(spec, ':');
	char *host, *guest;
	int rc;

	if (colon && colon[1] == '/') {
		host = strndup(spec, (size_t)(colon - spec));
		guest = path_normalize(colon + 1);
	} else {
		host = xstrdup(spec);
		if (host[0] == '/') {
			guest = path_normalize(host);
		} else {
			char *j = path_join(cwd, host);

			guest = path_normalize(j);
			free(j);
		}
	}
	if (!*host) {
		err_msg("--file %s: no host path", spec);
		rc = -1;
	} else if (!strcmp(guest, "/")) {
		err_msg("--file %s: cannot replace the guest's root", spec);
		rc = -1;
	} else {
		rc = image_add_tree(im, host, guest);
	}
	free(host);
	free(guest);
	return rc;
}

/* Does path begin with the ELF magic? */
static bool is_elf_file(const char *path)
{
	char h[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes = fd >= 0 && read(fd, h, 4) == 4 && !memcmp(h, "\177ELF", 4);

	if (fd >= 0)
		close(fd);
	return yes;
}

/*
 * The program's arguments that are relative paths of host files (app.py,
 * data/in.csv) go in as --file would put them, beside the guest's working
 * directory, unless something is at that guest path already: so "keel run
 * -- python3 app.py" finds app.py. Absolute paths (/etc/hosts) are the
 * guest's own, as on Linux: --file packs them.
 */
static int add_argument_files(struct image *im, const struct build_opts *o,
			      const char *cwd)
{
	for (int i = 1; i < o->argc; i++) {
		const char *a = o->argv[i];
		char *guest, *j;
		struct stat st;
		int rc = 0;

		if (!*a || a[0] == '-' || a[0] == '/' || stat(a, &st) ||
		    !S_ISREG(st.st_mode) || access(a, R_OK))
			continue;
		j = path_join(cwd, a);
		guest = path_normalize(j);
		free(j);
		if (!image_has(im, guest)) {
			if (o->verbose)
				fprintf(stderr,
					"keel: argument %s: packed at %s\n", a,
					guest);
			rc = image_add_tree(im, a, guest);
		}
		free(guest);
		if (rc)
			return -1;
	}
	return 0;
}

static int copy_to(const char *src, const char *dst)
{
	struct out_file o;
	struct mapped m;
	int e = map_file(src, &m);

	if (e) {
		err_msg("cannot read %s: %s", src, strerror(-e));
		return -1;
	}
	if (out_open(&o, dst)) {
		unmap_file(&m);
		return -1;
	}
	fwrite(m.data, 1, m.size, o.f); /* out_commit sees a failed write */
	unmap_file(&m);
	return out_commit(&o);
}

/* Run a command (argv), stdin from in_path when given: 0 when it ran
 * and exited 0. */
static int run_cmd(char *const argv[], const char *in_path)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (in_path) {
			int fd = open(in_path, O_RDONLY);

			if (fd < 0 || dup2(fd, 0) < 0)
				_exit(127);
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "keel: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/*
 * --root disk: the image's files (the same tree the initrd would hold,
 * unpacked from it by cpio into OUTDIR/root.d) made into the ext2 image
 * img by mke2fs -d.
 */
static const struct {
	const char *name;
	mode_t mode;
} root_dirs[] = {
	{ "dev", 0755 },  { "proc", 0555 }, { "sys", 0555 },
	{ "tmp", 01777 }, { "run", 0755 },
};

static int write_root_disk(struct image *im, const char *outdir,
			   const char *img)
{
	char *tmp = xasprintf("%s/root.cpio.%d", outdir, (int)getpid());
	char *stage = path_join(outdir, "root.d");
	char *rm[] = { "rm", "-rf", "--", stage, NULL };
	char *unpack[] = { "cpio", "-idm", "--quiet", "--no-absolute-filenames",
			   "-D",   stage,  NULL };
	int rc = run_cmd(rm, NULL);

	if (!rc)
		rc = mkdir_p(stage);
	if (!rc)
		rc = image_write_cpio(im, tmp);
	if (!rc && (rc = run_cmd(unpack, tmp)))
		err_msg("cpio could not unpack the files into %s", stage);
	/* What every Linux root has: the kernel's mount points, and /tmp
	 * (a tmpfs goes there) and /run for programs' files. */
	for (size_t i = 0; !rc && i < sizeof(root_dirs) / sizeof(*root_dirs);
	     i++) {
		char *d = path_join(stage, root_dirs[i].name);

		if (mkdir(d, root_dirs[i].mode) && errno != EEXIST)
			rc = -1;
		else
			chmod(d, root_dirs[i].mode);
		free(d);
	}
	if (!rc)
		rc = make_ext2_image(stage, img, 0);
	unlink(tmp);
	run_cmd(rm, NULL);
	free(tmp);
	free(stage);
	return rc;
}

int build_image(const struct build_opts *o, struct build_result *r)
{
	const char *cwd = o->cwd ? o->cwd : "/";
	struct strv chain = { 0 }, done = { 0 }, start = { 0 }, pkgs = { 0 };
	size_t n_objs = 0;
	struct image *im;
	char *program, *kernel, *conf, *cpio, *out_kernel;
	size_t conf_len;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (cwd[0] != '/') {
		err_msg("--cwd %s: the guest directory must be absolute", cwd);
		return -1;
	}
	for (size_t i = 0; i < o->env.n; i++) {
		const char *eq = strchr(o->env.v[i], '=');

		if (!eq || eq == o->env.v[i]) {
			err_msg("--env %s: want NAME=VALUE", o->env.v[i]);
			return -1;
		}
	}
	if (!(kernel = find_kernel(o->kernel)))
		return -1;
	if (!(program = find_program(o->argv[0]))) {
		free(kernel);
		return -1;
	}
	if (pack_follow_scripts(o, o->argv[0], program, &chain, &start))
		goto out_prog;
	free(program); /* a shim gives way to the program it hides */
	program = xstrdup(chain.v[0]);
	progress("resolving the libraries of %s", program);
	im = image_new();
	for (size_t c = 0; c < chain.n; c++) {
		struct objects objs = { 0 };

		if (image_add_path(im, chain.v[c]))
			goto out_prog;
		/* scripts are followed; the ELFs on the way are resolved */
		if (c + 1 < chain.n && !is_elf_file(chain.v[c]))
			continue;
		if (resolve_objects(chain.v[c], &objs))
			goto out_prog;
		for (size_t i = 0; i < objs.n; i++) {
			if (image_add_path(im, objs.v[i].path)) {
				objects_free(&objs);
				goto out_prog;
			}
			strv_push(&done, objs.v[i].path);
		}
		n_objs += objs.n;
		objects_free(&objs);
	}
	/* -f before the packages: a path both name is the user's file
	 * (-f my.conf:/etc/nginx/nginx.conf), and so are passwd and group */
	for (size_t i = 0; i < o->files.n; i++)
		if (add_file_opt(im, o->files.v[i], cwd))
			goto out_prog;
	if (pack_packages(im, o, &chain, &pkgs))
		goto out_prog;
	if (add_argument_files(im, o, cwd) || pack_accounts(im, o, &pkgs) ||
	    pack_libraries(im, o, &done))
		goto out_prog;
	/* The working directory exists in the guest even if nothing is in it. */
	if (image_add_dir(im, cwd))
		goto out_prog;
	conf = run_config(o, &start, &conf_len);
	if (image_add_data(im, RUNCONF_PATH, conf, conf_len, 0644)) {
		free(conf);
		goto out_prog;
	}

	if (mkdir_p(o->outdir)) {
		err_msg("cannot create the directory %s: %s", o->outdir,
			strerror(errno));
		free(conf);
		goto out_prog;
	}
	if (o->root_disk) {
		/* The files go on a disk; the initrd keeps only the run
		 * file, which says what to run. */
		r->root_image = path_join(o->outdir, "root.img");
		if (write_root_disk(im, o->outdir, r->root_image) ||
		    !(im = image_new()) ||
		    image_add_data(im, RUNCONF_PATH, conf, conf_len, 0644)) {
			free(conf);
			goto out_prog;
		}
	}
	free(conf);
	cpio = path_join(o->outdir, "initrd.cpio");
	out_kernel = path_join(o->outdir, "keel.elf");
	progress("packing %zu objects and %zu files into %s", n_objs,
		 image_count(im), o->single ? out_kernel : cpio);
	if (o->single) {
		char *tmp = xasprintf("%s.part.%d", cpio, (int)getpid());

		rc = image_write_cpio(im, tmp);
		if (!rc)
			rc = embed_initrd(kernel, tmp, out_kernel);
		unlink(tmp);
		free(tmp);
		if (!rc)
			unlink(cpio); /* a stale one from an earlier build */
	} else {
		rc = image_write_cpio(im, cpio);
		if (!rc)
			rc = copy_to(kernel, out_kernel);
	}
	if (rc) {
		free(cpio);
		free(out_kernel);
		goto out_prog;
	}
	{
		struct stat st;
		char *rd = o->single ? out_kernel : cpio;

		if (!stat(rd, &st))
			r->image_bytes = (unsigned long long)st.st_size;
	}
	r->kernel = out_kernel;
	r->base_kernel = kernel;
	kernel = NULL;
	r->initrd = o->single ? NULL : xstrdup(cpio);
	r->program = xstrdup(program);
	r->first = xstrdup(start.v[0]);
	free(cpio);
out_prog:
	strv_free(&chain);
	strv_free(&done);
	strv_free(&start);
	strv_free(&pkgs);
	free(program);
	free(kernel);
	return rc;
}

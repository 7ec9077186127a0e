/*
 * job.c - what the kernel is asked to run (kernel/): the program, its
 * environment and directory from /.keel/run in the initrd
 * (include/keel/runconf.h), with argv replaced by the words after a lone
 * "--" on the command line. The program loader (kernel/exec.c) takes the
 * struct job this fills.
 */
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/initrd.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/runconf.h>
#include <keel/string.h>

#define RUN_MAX_BYTES MiB(1)
#define RUN_MAX_ITEMS 65536

/* Append s to a NULL-terminated array of n entries. */
static int push(const char ***arr, unsigned *n, const char *s)
{
	const char **a;

	if (*n >= RUN_MAX_ITEMS)
		return -E2BIG;
	a = krealloc(*arr, (*n + 2) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	a[(*n)++] = s;
	a[*n] = NULL;
	*arr = a;
	return 0;
}

static int take(void *ctx, enum runconf_kind kind, const char *value)
{
	struct job *job = ctx;

	switch (kind) {
	case RUNCONF_ARG:
		return push(&job->argv, &job->argc, value);
	case RUNCONF_ENV:
		return push(&job->envp, &job->envc, value);
	case RUNCONF_CWD:
		job->cwd = value;
		return 0;
	}
	return -EINVAL;
}

static int load_runfile(struct job *job, const struct cpio_entry *e,
			const char **why)
{
	static char msg[160];
	const char *rwhy = NULL;
	unsigned line = 0;
	int err;

	if ((e->mode & CPIO_S_IFMT) != CPIO_S_IFREG) {
		*why = RUNCONF_PATH " in the initrd is not a regular file";
		return -EINVAL;
	}
	if (e->size > RUN_MAX_BYTES) {
		*why = RUNCONF_PATH " is larger than 1 MiB";
		return -E2BIG;
	}
	job->buf = kmalloc(e->size + 1);
	if (!job->buf) {
		*why = "no memory to read " RUNCONF_PATH;
		return -ENOMEM;
	}
	memcpy(job->buf, e->data, e->size);
	job->buf[e->size] = '\0';
	err = runconf_parse(job->buf, e->size, take, job, &line, &rwhy);
	if (err == -E2BIG) {
		*why = RUNCONF_PATH " has too many arg or env lines";
	} else if (err == -ENOMEM) {
		*why = "no memory for the program's arguments";
	} else if (err) {
		snprintf(msg, sizeof(msg), RUNCONF_PATH " line %u: %s", line,
			 rwhy ? rwhy : "malformed");
		*why = msg;
	}
	return err;
}

int job_load(struct job *job, const char **why)
{
	const char *const *args;
	unsigned nargs = cmdline_app_args(&args);
	const void *data;
	const char *source;
	struct cpio_entry e;
	bool runfile = false;
	size_t size;
	int err;

	memset(job, 0, sizeof(*job));
	job->cwd = "/";
	job->argv = kzalloc(sizeof(*job->argv));
	job->envp = kzalloc(sizeof(*job->envp));
	if (!job->argv || !job->envp) {
		*why = "no memory";
		err = -ENOMEM;
		goto fail;
	}
	err = initrd_find(&data, &size, &source);
	if (err == -ENOEXEC) {
		*why = "the initrd is unusable (see the initrd: line above)";
		goto fail;
	}
	if (err == 0 && initrd_lookup(RUNCONF_PATH, &e) == 0) {
		runfile = true;
		err = load_runfile(job, &e, why);
		if (err)
			goto fail;
	}
	if (nargs) { /* the command line's words replace the run file's */
		job->argv[0] = NULL;
		job->argc = 0;
		for (unsigned i = 0; i < nargs; i++) {
			err = push(&job->argv, &job->argc, args[i]);
			if (err) {
				*why = "too many arguments after --";
				goto fail;
			}
		}
	}
	if (job->argc == 0) {
		err = -ENOENT;
		if (runfile) {
			*why = RUNCONF_PATH " names no program (no arg line)";
			err = -EINVAL;
		}
		goto fail;
	}
	return 0;
fail:
	job_free(job);
	return err;
}

void job_free(struct job *job)
{
	kfree(job->argv);
	kfree(job->envp);
	kfree(job->buf);
	memset(job, 0, sizeof(*job));
}

/* Console rendering of one word: bare when plain, else "quoted\x01". */
#define WORD_MAX 120
static size_t quote(char *out, const char *s)
{
	static const char digits[] = "0123456789abcdef";
	bool plain = *s != '\0';
	size_t n = 0;

	for (const char *p = s; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || strchr("_@%+=:,./-", *p);
	if (!plain)
		out[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (n > WORD_MAX - 10) { /* room for an escape and the end */
			memcpy(out + n, "...", 3);
			n += 3;
			break;
		}
		if (plain) {
			out[n++] = (char)*p;
		} else if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p == '\n' || *p == '\t') {
			out[n++] = '\\';
			out[n++] = *p == '\n' ? 'n' : 't';
		} else if (*p < 0x20 || *p >= 0x7f) {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = digits[*p >> 4];
			out[n++] = digits[*p & 15];
		} else {
			out[n++] = (char)*p;
		}
	}
	if (!plain)
		out[n++] = '"';
	out[n] = '\0';
	return n;
}

void job_print(const struct job *job)
{
	char line[400], word[WORD_MAX + 1];
	size_t len = 0;
	unsigned i;

	for (i = 0; i < job->argc; i++) {
		size_t n = quote(word, job->argv[i]);

		if (len + n + 1 >= sizeof(line) - 32)
			break;
		line[len++] = ' ';
		memcpy(line + len, word, n);
		len += n;
	}
	if (i < job->argc)
		snprintf(line + len, sizeof(line) - len,
			 " ... (%u more arguments)", job->argc - i);
	else
		line[len] = '\0';
	printk("keel: program:%s\n", line);
	quote(word, job->cwd);
	printk("keel: env: %u variables, cwd: %s\n", job->envc, word);
}

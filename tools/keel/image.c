/*
 * image.c - the guest's root file system as the host tool assembles it: a
 * set of entries (directories, files with a host source or bytes in
 * memory, symlinks) keyed by guest path, written out as a newc cpio with
 * lib/cpio.c's header writer. Host paths are mirrored faithfully: a
 * symlink met on the way to a file (Debian's /lib -> usr/lib) becomes a
 * symlink in the guest too, so the paths ld.so and the program use work
 * unchanged inside the guest.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <keel/cpio.h>

#include "keel.h"

#define MAX_HOPS 40 /* symlinks followed in one lookup, as Linux's ELOOP */

enum kind { K_DIR, K_FILE, K_LINK };

struct entry {
	char *guest; /* absolute, normalised */
	enum kind kind;
	unsigned mode; /* permission bits */
	char *host; /* K_FILE: the source file, or NULL for data */
	void *data; /* K_FILE from memory, or K_LINK's target */
	size_t size;
	uint32_t mtime;
};

struct image {
	struct entry *v;
	size_t n, cap;
	size_t *hash; /* open addressing, index + 1, 0 = empty */
	size_t hcap;
};

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct entry *lookup(struct image *im, const char *guest)
{
	if (!im->hcap)
		return NULL;
	for (size_t i = hash_str(guest) & (im->hcap - 1);;
	     i = (i + 1) & (im->hcap - 1)) {
		if (!im->hash[i])
			return NULL;
		if (!strcmp(im->v[im->hash[i] - 1].guest, guest))
			return &im->v[im->hash[i] - 1];
	}
}

static void rehash(struct image *im)
{
	free(im->hash);
	im->hcap = im->hcap ? im->hcap * 2 : 256;
	im->hash = calloc(im->hcap, sizeof(*im->hash));
	if (!im->hash) {
		err_msg("out of memory");
		exit(KEEL_EXIT_FAILED);
	}
	for (size_t k = 0; k < im->n; k++) {
		size_t i = hash_str(im->v[k].guest) & (im->hcap - 1);

		while (im->hash[i])
			i = (i + 1) & (im->hcap - 1);
		im->hash[i] = k + 1;
	}
}

static struct entry *insert(struct image *im, const char *guest)
{
	struct entry *e;

	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 64;
		im->v = xrealloc(im->v, im->cap * sizeof(*im->v));
	}
	e = &im->v[im->n++];
	memset(e, 0, sizeof(*e));
	e->guest = xstrdup(guest);
	if (im->n * 2 > im->hcap) {
		rehash(im);
	} else {
		size_t i = hash_str(guest) & (im->hcap - 1);

		while (im->hash[i])
			i = (i + 1) & (im->hcap - 1);
		im->hash[i] = im->n;
	}
	return e;
}

struct image *image_new(void)
{
	struct image *im = xmalloc(sizeof(*im));

	memset(im, 0, sizeof(*im));
	insert(im, "/")->kind = K_DIR;
	im->v[0].mode = 0755;
	return im;
}

size_t image_count(const struct image *im)
{
	return im->n;
}

/*
 * Resolve guest path p inside the image (following the image's own
 * symlinks in every component but the last) and make every directory on
 * the way; returns the resolved, normalised path or NULL with a message.
 */
static char *guest_parent_walk(struct image *im, const char *p, int hops)
{
	char *path = path_normalize(p), *res = xstrdup("/");
	const char *s = path + 1;

	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *comp = strndup(s, n), *next = path_join(res, comp);
		struct entry *ent;

		free(comp);
		if (!e) { /* the last component: not followed */
			free(res);
			free(path);
			return next;
		}
		ent = lookup(im, next);
		if (ent && ent->kind == K_LINK) {
			char *target = ent->data, *joined, *rest;

			if (++hops > MAX_HOPS) {
				err_msg("guest path %s: too many levels of "
					"symbolic links (a symlink loop)",
					p);
				free(next), free(res), free(path);
				return NULL;
			}
			joined = target[0] == '/' ? xstrdup(target)
						  : path_join(res, target);
			rest = path_join(joined, e + 1);
			free(joined), free(next), free(res);
			res = guest_parent_walk(im, rest, hops);
			free(rest);
			free(path);
			return res;
		}
		if (ent && ent->kind != K_DIR) {
			err_msg("guest path %s: %s is a file, not a directory",
				p, next);
			free(next), free(res), free(path);
			return NULL;
		}
		if (!ent) {
			ent = insert(im, next);
			ent->kind = K_DIR;
			ent->mode = 0755;
		}
		free(res);
		res = next;
		s = e + 1;
	}
	free(path);
	return res; /* p was "/" */
}

static int add_entry(struct image *im, const char *guest, enum kind kind,
		     unsigned mode, const char *host, const void *data,
		     size_t size, uint32_t mtime)
{
	char *g = guest_parent_walk(im, guest, 0);
	struct entry *e;

	if (!g)
		return -1;
	e = lookup(im, g);
	if (e) {
		/* The same thing twice (a library reached by two routes)
		 * is fine; a different one is a conflict. */
		bool same =
		    e->kind == kind && (kind == K_DIR ||
					(kind == K_LINK && e->size == size &&
					 !memcmp(e->data, data, size)) ||
					(kind == K_FILE && host && e->host &&
					 !strcmp(e->host, host)));

		if (kind == K_DIR && e->kind == K_DIR)
			e->mode = mode;
		if (!same && !(kind == K_DIR && e->kind == K_DIR)) {
			err_msg("guest path %s is given twice (from %s and %s)",
				g, e->host ? e->host : "keel",
				host ? host : "keel");
			free(g);
			return -1;
		}
		free(g);
		return 0;
	}
	if (strlen(g) >= CPIO_NAME_MAX - 1) {
		err_msg("guest path %.64s... is longer than a cpio name may be "
			"(%d bytes)",
			g, CPIO_NAME_MAX - 2);
		free(g);
		return -1;
	}
	if (size > UINT32_MAX) {
		err_msg("%s is larger than 4 GiB, the limit of a newc cpio",
			host ? host : g);
		free(g);
		return -1;
	}
	e = insert(im, g);
	free(g);
	e->kind = kind;
	e->mode = mode & 07777;
	e->host = host ? xstrdup(host) : NULL;
	e->size = size;
	e->mtime = mtime;
	if (data) {
		e->data = xmalloc(size + 1);
		memcpy(e->data, data, size);
		((char *)e->data)[size] = '\0';
	}
	return 0;
}

/* An empty directory (and its parents), e.g. the program's --cwd. */
int image_add_dir(struct image *im, const char *guest)
{
	if (!strcmp(guest, "/"))
		return 0;
	return add_entry(im, guest, K_DIR, 0755, NULL, NULL, 0, 0);
}

int image_add_data(struct image *im, const char *guest, const void *data,
		   size_t size, unsigned mode)
{
	return add_entry(im, guest, K_FILE, mode, NULL, data, size, 0);
}

/*
 * Add the host file at an absolute path under the same guest path,
 * mirroring every symlink met on the way (in directories and at the
 * end), so the guest resolves the path exactly as the host does.
 */
static int add_mirrored(struct image *im, const char *host_path, int hops,
			bool follow_last)
{
	char *path = path_normalize(host_path), *cur = xstrdup("/");
	const char *s = path + 1;
	int rc = -1;

	if (path[0] != '/') {
		err_msg("%s: not an absolute path", host_path);
		goto out;
	}
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *comp = strndup(s, n), *next = path_join(cur, comp);
		struct stat st;

		free(comp);
		if (lstat(next, &st)) {
			err_msg("cannot read %s: %s", next, strerror(errno));
			free(next);
			goto out;
		}
		if (S_ISLNK(st.st_mode) && !e && !follow_last) {
			char target[PATH_MAX];
			ssize_t len =
			    readlink(next, target, sizeof(target) - 1);

			if (len < 0) {
				err_msg("cannot read %s: %s", next,
					strerror(errno));
			} else {
				target[len] = '\0';
				rc = add_entry(im, next, K_LINK, 0777, NULL,
					       target, (size_t)len,
					       (uint32_t)st.st_mtime);
			}
			free(next);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX], *joined, *rest;
			ssize_t len =
			    readlink(next, target, sizeof(target) - 1);

			if (len < 0 || ++hops > MAX_HOPS) {
				err_msg("%s: %s", next,
					len < 0 ? strerror(errno)
						: "too many levels of symbolic "
						  "links (a symlink loop)");
				free(next);
				goto out;
			}
			target[len] = '\0';
			if (add_entry(im, next, K_LINK, 0777, NULL, target,
				      (size_t)len, (uint32_t)st.st_mtime)) {
				free(next);
				goto out;
			}
			joined = target[0] == '/' ? xstrdup(target)
						  : path_join(cur, target);
			rest = e ? path_join(joined, e + 1) : xstrdup(joined);
			free(joined);
			free(next);
			rc = add_mirrored(im, rest, hops, follow_last);
			free(rest);
			goto out;
		}
		if (e && !S_ISDIR(st.st_mode)) {
			err_msg("%s: not a directory", next);
			free(next);
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			if (add_entry(im, next, K_DIR, st.st_mode, NULL, NULL,
				      0, (uint32_t)st.st_mtime)) {
				free(next);
				goto out;
			}
		} else if (S_ISREG(st.st_mode)) {
			if (access(next, R_OK)) {
				err_msg("cannot read %s: %s", next,
					strerror(errno));
				free(next);
				goto out;
			}
			if (add_entry(im, next, K_FILE, st.st_mode, next, NULL,
				      (size_t)st.st_size,
				      (uint32_t)st.st_mtime)) {
				free(next);
				goto out;
			}
		} else {
			err_msg("%s: not a regular file, directory or symlink",
				next);
			free(next);
			goto out;
		}
		free(cur);
		cur = next;
		s = e ? e + 1 : s + n;
	}
	rc = 0;
out:
	free(cur);
	free(path);
	return rc;
}

int image_add_path(struct image *im, const char *host_path)
{
	return add_mirrored(im, host_path, 0, true);
}

int image_add_entry(struct image *im, const char *host_path)
{
	return add_mirrored(im, host_path, 0, false);
}

const char *image_host_file(const struct image *im, size_t i, size_t *size)
{
	const struct entry *e = &im->v[i];

	if (e->kind != K_FILE || !e->host)
		return NULL;
	*size = e->size;
	return e->host;
}

bool image_is_dir(struct image *im, const char *guest)
{
	char *g = path_normalize(guest);
	struct entry *e = lookup(im, g);

	free(g);
	return e && e->kind == K_DIR;
}

bool image_has(struct image *im, const char *guest)
{
	char *g = path_normalize(guest);
	bool has = lookup(im, g) != NULL;

	free(g);
	return has;
}

/*
 * Copy a host file or directory tree to guest path guest. The top is
 * followed if it is a symlink; inside a tree, symlinks are kept as they
 * are. Devices, sockets and FIFOs are refused.
 */
static int add_tree(struct image *im, const char *host, const char *guest,
		    bool top, int depth)
{
	struct stat st;
	int rc = 0;

	if ((top ? stat(host, &st) : lstat(host, &st))) {
		err_msg("cannot read %s: %s%s", host, strerror(errno),
			errno == ELOOP ? " (a symlink loop)" : "");
		return -1;
	}
	if (depth > 64) {
		err_msg("%s: directories nested too deeply", host);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t len = readlink(host, target, sizeof(target) - 1);

		if (len < 0) {
			err_msg("cannot read %s: %s", host, strerror(errno));
			return -1;
		}
		return add_entry(im, guest, K_LINK, 0777, NULL, target,
				 (size_t)len, (uint32_t)st.st_mtime);
	}
	if (S_ISREG(st.st_mode)) {
		if (access(host, R_OK)) {
			err_msg("cannot read %s: %s", host, strerror(errno));
			return -1;
		}
		return add_entry(im, guest, K_FILE, st.st_mode, host, NULL,
				 (size_t)st.st_size, (uint32_t)st.st_mtime);
	}
	if (!S_ISDIR(st.st_mode)) {
		err_msg("%s: not a regular file, directory or symlink", host);
		return -1;
	}
	DIR *d = opendir(host);
	struct dirent *de;

	if (!d) {
		err_msg("cannot read %s: %s", host, strerror(errno));
		return -1;
	}
	if (add_entry(im, guest, K_DIR, st.st_mode, NULL, NULL, 0,
		      (uint32_t)st.st_mtime)) {
		closedir(d);
		return -1;
	}
	while (!rc && (de = readdir(d))) {
		char *h, *g;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		h = path_join(host, de->d_name);
		g = path_join(guest, de->d_name);
		rc = add_tree(im, h, g, false, depth + 1);
		free(h);
		free(g);
	}
	closedir(d);
	return rc;
}

int image_add_tree(struct image *im, const char *host, const char *guest)
{
	if (guest[0] != '/') {
		err_msg("guest path %s must be absolute", guest);
		return -1;
	}
	return add_tree(im, host, guest, true, 0);
}

static int write_all(FILE *f, const void *p, size_t n)
{
	if (fwrite(p, 1, n, f) == n)
		return 0;
	err_msg("cannot write the archive: %s", strerror(errno));
	return -1;
}

static int copy_file(FILE *out, const struct entry *e)
{
	char buf[65536];
	size_t left = e->size;
	FILE *in = fopen(e->host, "rb");

	if (!in) {
		err_msg("cannot read %s: %s", e->host, strerror(errno));
		return -1;
	}
	while (left) {
		size_t n =
		    fread(buf, 1, left < sizeof(buf) ? left : sizeof(buf), in);

		if (n == 0) {
			err_msg("%s changed size while it was being packed",
				e->host);
			fclose(in);
			return -1;
		}
		if (write_all(out, buf, n)) {
			fclose(in);
			return -1;
		}
		left -= n;
	}
	fclose(in);
	return 0;
}

static int write_entry(FILE *f, const struct entry *e, uint32_t ino)
{
	static const char zeros[4];
	static const unsigned type[] = { [K_DIR] = CPIO_S_IFDIR,
					 [K_FILE] = CPIO_S_IFREG,
					 [K_LINK] = CPIO_S_IFLNK };
	const char *name = e->guest[1] ? e->guest + 1 : ".";
	struct cpio_entry c = {
		.name = name,
		.size = e->kind == K_DIR ? 0 : e->size,
		.mode = type[e->kind] | e->mode,
		.nlink = e->kind == K_DIR ? 2 : 1,
		.mtime = e->mtime,
		.ino = ino,
	};
	char *hdr = xmalloc(cpio_header_size(name));
	size_t n = cpio_write_header(hdr, &c);
	int rc = write_all(f, hdr, n);

	free(hdr);
	if (rc || e->kind == K_DIR)
		return rc;
	if (e->host)
		rc = copy_file(f, e);
	else
		rc = write_all(f, e->data, e->size);
	return rc ? rc : write_all(f, zeros, cpio_pad(e->size));
}

/* Write the archive to out_path through a temporary file and rename. */
int image_write_cpio(struct image *im, const char *out_path)
{
	struct entry trailer = { .guest = "/" CPIO_TRAILER, .kind = K_FILE };
	struct out_file o;
	int rc = 0;

	if (out_open(&o, out_path))
		return -1;
	for (size_t i = 0; i < im->n && !rc; i++)
		rc = write_entry(o.f, &im->v[i], (uint32_t)(i + 1));
	if (!rc)
		rc = write_entry(o.f, &trailer, 0);
	if (rc) {
		out_abort(&o);
		return -1;
	}
	return out_commit(&o);
}

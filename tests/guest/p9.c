/*
 * p9.c - a host directory in the guest over virtio-9p (tests/storage/9p.sh).
 *   p9 sum FILE          the file's FNV-1a 64 checksum and size (on the host)
 *   p9 TAG DIR TOKEN NEWTOKEN [ROTAG [XTAG]]
 *                        in the guest: mount TAG (9p) on DIR; read hello.txt
 *                        (it must hold TOKEN), big.bin (its sum printed),
 *                        list the directory and sub/; make new.txt (NEWTOKEN)
 *                        and rename it to renamed.txt; unlink gone.txt; rmdir
 *                        emptydir; mkdir newdir with inner.txt; a symlink,
 *                        a hard link, chmod, truncate, a written pattern
 *                        file, "..", statfs, fsync, and with P9_MANY set 1100
 *                        files made, listed, stat'd and removed (more than 9p
 *                        keeps); with ROTAG
 *                        a read-only
 *                        mount that refuses writes with EROFS; with XTAG (a
 *                        share with security_model=mapped-xattr) a FIFO made,
 *                        used and removed there. The host then checks the
 *                        directory, so nothing passes by accident.
 * One line per check (check.h), "p9: N failed" last; the status is N != 0.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "check.h"

#define V9FS_MAGIC 0x01021997
#define PATTERN_LEN (300 * 1024 + 17) /* more than one message's worth */

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* "sum SIZE HEX" of a file, or -errno. */
static int sum_file(const char *path, uint64_t *h, long *size)
{
	static unsigned char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	*h = 0xcbf29ce484222325ULL;
	*size = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		*h = fnv(*h, buf, (size_t)n);
		*size += n;
	}
	close(fd);
	return n < 0 ? -errno : 0;
}

static unsigned char pattern_byte(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

static char *slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text) || fsync(fd)) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "list NAME: a b c" in name order, "." and ".." included. */
static void list(const char *label, const char *path)
{
	char *names[256];
	int n = 0;
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d) {
		check_err(label, -errno, 0);
		return;
	}
	while ((e = readdir(d)) && n < 256)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("list %s:", label);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void write_pattern(const char *path)
{
	unsigned char *buf = malloc(PATTERN_LEN);
	uint64_t h;
	long size;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	for (size_t i = 0; i < PATTERN_LEN; i++)
		buf[i] = pattern_byte(i);
	check("pattern: open", fd >= 0);
	/* Two writes, the second at an offset past a gap filled later. */
	check_val("pattern: write tail",
		  pwrite(fd, buf + 5000, PATTERN_LEN - 5000, 5000),
		  PATTERN_LEN - 5000);
	check_val("pattern: write head", pwrite(fd, buf, 5000, 0), 5000);
	check_val("pattern: fdatasync", raw(fdatasync(fd)), 0);
	close(fd);
	check_val("pattern: sum", sum_file(path, &h, &size), 0);
	check_val("pattern: size", size, PATTERN_LEN);
	check("pattern: content",
	      h == fnv(0xcbf29ce484222325ULL, buf, PATTERN_LEN));
	printf("sum pattern.bin %ld %016llx\n", size, (unsigned long long)h);
	free(buf);
}

static void p(char *out, const char *dir, const char *name)
{
	snprintf(out, 4200, "%s/%s", dir, name);
}

/* More files than the inodes 9p keeps unheld (1024): made, listed, each
 * stat'd (their inodes evicted and made again), removed. */
#define MANY 1100
static void many(const char *dir)
{
	char d[4200], f[4300];
	int made = 0, seen = 0, statted = 0, gone = 0;
	struct dirent *e;
	struct stat st;
	DIR *dp;

	p(d, dir, "many");
	check_val("many: mkdir", raw(mkdir(d, 0755)), 0);
	for (int i = 0; i < MANY; i++) {
		snprintf(f, sizeof(f), "%s/f%04d", d, i);
		int fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0644);

		made += fd >= 0 && write(fd, f + strlen(d), 6) == 6;
		close(fd);
	}
	check_val("many: created", made, MANY);
	dp = opendir(d);
	while (dp && (e = readdir(dp)))
		seen++;
	if (dp)
		closedir(dp);
	check_val("many: listed", seen, MANY + 2);
	for (int i = 0; i < MANY; i++) {
		snprintf(f, sizeof(f), "%s/f%04d", d, i);
		statted += !stat(f, &st) && st.st_size == 6 && st.st_nlink == 1;
	}
	check_val("many: stat", statted, MANY);
	for (int i = 0; i < MANY; i++) {
		snprintf(f, sizeof(f), "%s/f%04d", d, i);
		gone += !unlink(f);
	}
	check_val("many: unlinked", gone, MANY);
	check_val("many: rmdir", raw(rmdir(d)), 0);
}

static void guest(const char *tag, const char *dir, const char *token,
		  const char *newtoken, const char *rotag, const char *xtag)
{
	char a[4200], b[4200], buf[4096], cwd[4200];
	struct stat st, st2;
	struct statfs sf;
	uint64_t h;
	long size;

	snprintf(a, sizeof(a), "%s", dir); /* mkdir -p */
	for (char *q = strchr(a + 1, '/'); q; q = strchr(q + 1, '/')) {
		*q = '\0';
		mkdir(a, 0755);
		*q = '/';
	}
	mkdir(dir, 0755);
	check_err("mount: unknown tag",
		  raw(mount("nosuchtag", dir, "9p", 0, "trans=virtio")),
		  ENOENT);
	check_err("mount: bad version",
		  raw(mount(tag, dir, "9p", 0, "version=9p2000.u")), EINVAL);
	check_val(
	    "mount",
	    raw(mount(tag, dir, "9p", 0,
		      "trans=virtio,version=9p2000.L,msize=131072,cache=none")),
	    0);
	check_err("mount: the tag again (busy)",
		  raw(mount(tag, "/tmp", "9p", 0, "")), EBUSY);
	check_val("statfs: 9p", statfs(dir, &sf) ? -errno : (long)sf.f_type,
		  V9FS_MAGIC);

	p(a, dir, "hello.txt");
	check("read hello.txt",
	      slurp(a, buf, sizeof(buf)) && !strcmp(buf, token));
	check_val("stat hello.txt size", stat(a, &st) ? -errno : st.st_size,
		  (long)strlen(token));
	p(a, dir, "big.bin");
	check_val("sum big.bin", sum_file(a, &h, &size), 0);
	printf("sum big.bin %ld %016llx\n", size, (unsigned long long)h);
	list("top", dir);
	p(a, dir, "sub");
	list("sub", a);

	/* ".." of a directory of the mount, and out of its root. */
	check_val("chdir sub", raw(chdir(a)), 0);
	check("getcwd in sub", getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, a));
	check("'..' of sub is the root", !stat("..", &st) && !stat(dir, &st2) &&
					     st.st_ino == st2.st_ino &&
					     st.st_dev == st2.st_dev);
	check_val("chdir /", raw(chdir("/")), 0);

	/* Create, rename, unlink, rmdir, mkdir. */
	p(a, dir, "new.txt");
	check_val("create new.txt", write_file(a, newtoken), 0);
	check_err("create new.txt again (O_EXCL)", write_file(a, "x"), EEXIST);
	p(b, dir, "renamed.txt");
	check_val("rename new.txt renamed.txt", raw(rename(a, b)), 0);
	check_err("new.txt is gone", raw(stat(a, &st)), ENOENT);
	check("renamed.txt reads back",
	      slurp(b, buf, sizeof(buf)) && !strcmp(buf, newtoken));
	p(a, dir, "gone.txt");
	check_val("unlink gone.txt", raw(unlink(a)), 0);
	check_err("gone.txt is gone", raw(stat(a, &st)), ENOENT);
	p(a, dir, "emptydir");
	check_val("rmdir emptydir", raw(rmdir(a)), 0);
	p(a, dir, "sub");
	check_err("rmdir sub (not empty)", raw(rmdir(a)), ENOTEMPTY);
	p(a, dir, "newdir");
	check_val("mkdir newdir", raw(mkdir(a, 0755)), 0);
	check_err("mkdir newdir again", raw(mkdir(a, 0755)), EEXIST);
	p(a, dir, "newdir/inner.txt");
	check_val("create newdir/inner.txt", write_file(a, "inner\n"), 0);

	/* Links, modes, sizes. */
	p(a, dir, "link");
	check_val("symlink link -> renamed.txt", raw(symlink("renamed.txt", a)),
		  0);
	check("readlink link", readlink(a, buf, sizeof(buf)) == 11 &&
				   !memcmp(buf, "renamed.txt", 11));
	check("read through link",
	      slurp(a, buf, sizeof(buf)) && !strcmp(buf, newtoken));
	p(a, dir, "renamed.txt");
	p(b, dir, "hard.txt");
	check_val("link hard.txt", raw(link(a, b)), 0);
	check("hard.txt is renamed.txt", !stat(a, &st) && !stat(b, &st2) &&
					     st.st_ino == st2.st_ino &&
					     st2.st_nlink == 2);
	check_val("chmod renamed.txt 0600", raw(chmod(a, 0600)), 0);
	check_val("stat mode",
		  stat(a, &st) ? -errno : (long)(st.st_mode & 07777), 0600);
	p(a, dir, "trunc.bin");
	check_val("truncate trunc.bin", raw(truncate(a, 1000)), 0);
	check_val("stat trunc.bin", stat(a, &st) ? -errno : st.st_size, 1000);
	p(a, dir, "pattern.bin");
	write_pattern(a);
	if (getenv("P9_MANY")) /* slow when polled: not every run */
		many(dir);
	list("after", dir);

	if (rotag) {
		p(a, dir, "ro");
		check_val("mkdir ro", raw(mkdir(a, 0755)), 0);
		check_val("mount ro",
			  raw(mount(rotag, a, "9p", MS_RDONLY, "trans=virtio")),
			  0);
		p(a, dir, "ro/hello.txt");
		check("ro: read",
		      slurp(a, buf, sizeof(buf)) && !strcmp(buf, token));
		check_err("ro: open for writing", raw(open(a, O_WRONLY)),
			  EROFS);
		p(a, dir, "ro/rofile");
		check_err("ro: create", write_file(a, "x"), EROFS);
		p(a, dir, "ro/hello.txt");
		check_err("ro: unlink", raw(unlink(a)), EROFS);
		check_err("ro: chmod", raw(chmod(a, 0600)), EROFS);
		p(a, dir, "ro/rodir");
		check_err("ro: mkdir", raw(mkdir(a, 0755)), EROFS);
		p(a, dir, "ro");
		check_val("umount ro", raw(umount(a)), 0);
	}
	if (xtag) { /* security_model=mapped-xattr: FIFOs can be made */
		int fd;

		p(a, dir, "x");
		check_val("mkdir x", raw(mkdir(a, 0755)), 0);
		check_val("mount x", raw(mount(xtag, a, "9p", 0, "")), 0);
		p(a, dir, "x/fifo");
		check_val("x: mkfifo", raw(mkfifo(a, 0600)), 0);
		check("x: a fifo", !stat(a, &st) && S_ISFIFO(st.st_mode));
		fd = open(a, O_RDWR);
		check("x: open the fifo", fd >= 0);
		check_val("x: write the fifo", write(fd, "hi", 2), 2);
		check("x: read the fifo",
		      read(fd, buf, 8) == 2 && !memcmp(buf, "hi", 2));
		close(fd);
		check_val("x: unlink the fifo", raw(unlink(a)), 0);
		p(a, dir, "x");
		check_val("umount x", raw(umount(a)), 0);
	}
	check_val("umount", raw(umount(dir)), 0);
	check_val("mount again", raw(mount(tag, dir, "9p", 0, "")), 0);
	p(a, dir, "renamed.txt");
	check("renamed.txt after a new mount",
	      slurp(a, buf, sizeof(buf)) && !strcmp(buf, newtoken));
	check_val("umount again", raw(umount(dir)), 0);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "sum")) {
		uint64_t h;
		long size;
		int err = sum_file(argv[2], &h, &size);

		if (err)
			return 1;
		printf("%ld %016llx\n", size, (unsigned long long)h);
		return 0;
	}
	if (argc < 5) {
		fprintf(
		    stderr,
		    "usage: p9 TAG DIR TOKEN NEWTOKEN [ROTAG] | p9 sum FILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	guest(argv[1], argv[2], argv[3], argv[4], argc > 5 ? argv[5] : NULL,
	      argc > 6 ? argv[6] : NULL);
	printf("p9: %d failed\n", fails);
	return fails != 0;
}

/*
 * t_fsdisk.c - a file system on a disk, as programs use it (tests/storage):
 * writes at offsets leaving holes, truncate both ways, rename over files
 * and directories, hard links, fast and slow symlinks, a directory of
 * 10,000 names, statfs, fsync/fdatasync/syncfs, a file past 4 GiB,
 * modes and times, a named pipe. "t_fsdisk DIR" does it all in DIR (which must be
 * empty) and leaves a known tree behind; "t_fsdisk DIR verify" (the next
 * boot) checks that tree is still there. One line per check as the other
 * t_*.c; run on the host too (on Linux's ext2 when the test can mount
 * one), the outputs must match.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define MANY 10000
#define MIB (1024 * 1024)

static char longtarget[201];

static long fsize(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -errno : st.st_size;
}

/* The file's bytes [off, off + n) equal want (a NUL want: all zero). */
static int bytes_are(const char *path, off_t off, size_t n, const char *want)
{
	char buf[4096];
	int fd = open(path, O_RDONLY), ok = fd >= 0;

	while (ok && n) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		ok = pread(fd, buf, k, off) == (ssize_t)k;
		for (size_t i = 0; ok && i < k; i++)
			ok = buf[i] == (want ? want[i] : 0);
		if (want)
			want += k;
		off += (off_t)k, n -= k;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static int put(const char *path, off_t off, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	ssize_t n = fd < 0 ? -1 : pwrite(fd, data, strlen(data), off);

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

static void test_holes(void)
{
	struct stat st;

	check("holes-write", !put("sparse", 0, "A") &&
				 !put("sparse", MIB + 3, "B") &&
				 !put("sparse", 5 * MIB - 1, "C"));
	check("holes-size", fsize("sparse") == 5 * MIB);
	check("holes-data", bytes_are("sparse", 0, 1, "A") &&
				bytes_are("sparse", MIB + 3, 1, "B") &&
				bytes_are("sparse", 5 * MIB - 1, 1, "C"));
	check("holes-zero",
	      bytes_are("sparse", 1, MIB + 2, NULL) &&
		  bytes_are("sparse", MIB + 4, 4 * MIB - 5, NULL));
	check("holes-sparse",
	      !stat("sparse", &st) && st.st_blocks * 512 < 1 * MIB);
	check("truncate-shrink", !truncate("sparse", MIB + 4) &&
				     fsize("sparse") == MIB + 4 &&
				     bytes_are("sparse", MIB + 3, 1, "B"));
	check("truncate-grow",
	      !truncate("sparse", 3 * MIB) && fsize("sparse") == 3 * MIB &&
		  bytes_are("sparse", MIB + 4, 2 * MIB - 4, NULL));
	/* Rewriting past a shrink sees zeros, not the old bytes. */
	check("truncate-old-gone", !truncate("sparse", 10) &&
				       !truncate("sparse", MIB + 4) &&
				       bytes_are("sparse", MIB + 3, 1, "\0"));
}

static void test_names(void)
{
	struct stat a, b;
	char buf[300];
	ssize_t n;

	check("rename-over-file",
	      !put("x", 0, "xx") && !put("y", 0, "y") && !rename("x", "y") &&
		  fsize("x") == -ENOENT && bytes_are("y", 0, 2, "xx"));
	check("rename-dir-over-empty",
	      !mkdir("d1", 0755) && !mkdir("d2", 0755) &&
		  !put("d1/f", 0, "f") && !rename("d1", "d2") &&
		  bytes_are("d2/f", 0, 1, "f") && fsize("d1") == -ENOENT);
	check("mkdir", !mkdir("d3", 0755));
	check_err("rename-dir-over-full", raw(rename("d3", "d2")), ENOTEMPTY);
	check("rename-dir-moves-dotdot",
	      !mkdir("p", 0755) && !rename("d3", "p/d3") && !stat("p", &a) &&
		  !stat("p/d3/..", &b) && a.st_ino == b.st_ino);
	check("dir-links", !stat("p", &a) && a.st_nlink == 3 &&
			       !stat(".", &b) && b.st_nlink >= 4);
	check("link", !link("y", "z") && !stat("z", &a) && a.st_nlink == 2 &&
			  !unlink("y") && !stat("z", &a) && a.st_nlink == 1 &&
			  bytes_are("z", 0, 2, "xx"));
	n = symlink("z", "fast") ? -1 : readlink("fast", buf, sizeof(buf));
	check("symlink-fast", n == 1 && buf[0] == 'z');
	memset(longtarget, 'L', 200);
	n = symlink(longtarget, "slow") ? -1
					: readlink("slow", buf, sizeof(buf));
	check("symlink-slow", n == 200 && !memcmp(buf, longtarget, 200));
	check_err("rmdir-notempty", raw(rmdir("p")), ENOTEMPTY);
	check_err("mkdir-exists", raw(mkdir("p", 0755)), EEXIST);
	check_err("unlink-dir", raw(unlink("p")), EISDIR);
}

static int count_dir(const char *path, long *sum)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	*sum = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		n++;
		if (e->d_name[0] == 'f')
			*sum += atol(e->d_name + 1);
	}
	closedir(d);
	return n;
}

static void test_many(void)
{
	char name[32];
	int ok = !mkdir("many", 0755);
	long sum;

	for (int i = 0; ok && i < MANY; i++) {
		int fd;

		snprintf(name, sizeof(name), "many/f%05d", i);
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ok = fd >= 0 && !close(fd);
	}
	check("many-create", ok);
	check("many-readdir", count_dir("many", &sum) == MANY + 2 &&
				  sum == (long)MANY * (MANY - 1) / 2);
	for (int i = 0; ok && i < MANY; i += 2) {
		snprintf(name, sizeof(name), "many/f%05d", i);
		ok = !unlink(name);
	}
	check("many-unlink-half", ok);
	check("many-readdir-half", count_dir("many", &sum) == MANY / 2 + 2 &&
				       sum == (long)MANY * (MANY - 1) / 2 -
						  (long)MANY * MANY / 4 +
						  MANY / 2);
	check("many-lookup",
	      fsize("many/f09999") == 0 && fsize("many/f09998") == -ENOENT);
}

static void test_sync_statfs(void)
{
	struct statfs before, after;
	static char block[MIB];
	int fd;

	memset(block, 'S', sizeof(block));
	check("statfs", !statfs(".", &before) && before.f_bsize > 0 &&
			    before.f_blocks > before.f_bfree &&
			    before.f_namelen == 255);
	fd = open("synced", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	check("fsync", fd >= 0 && write(fd, block, MIB) == MIB && !fsync(fd));
	check("fdatasync", fd >= 0 && !fdatasync(fd));
	check("syncfs", fd >= 0 && !syncfs(fd));
	if (fd >= 0)
		close(fd);
	sync();
	check("statfs-after-write",
	      !statfs(".", &after) &&
		  (before.f_bfree - after.f_bfree) * after.f_bsize >= MIB);
}

static void test_big_and_attrs(void)
{
	struct timespec ts[2] = { { 1000000000, 123456789 },
				  { 1200000000, 987654321 } };
	struct stat st;
	off_t big = 5LL * 1024 * MIB;

	check("big-write", !put("big", big, "E"));
	check("big-size", fsize("big") == big + 1 &&
			      bytes_are("big", big, 1, "E") &&
			      bytes_are("big", big - 4096, 4096, NULL));
	check("big-truncate", !truncate("big", 4096) && fsize("big") == 4096);
	check("chmod", !chmod("z", 0640) && !stat("z", &st) &&
			   (st.st_mode & 07777) == 0640);
	check("chown", !chown("z", 1234, 5678) && !stat("z", &st) &&
			   st.st_uid == 1234 && st.st_gid == 5678);
	check("utimensat", !utimensat(AT_FDCWD, "z", ts, 0) &&
			       !stat("z", &st) &&
			       st.st_atim.tv_sec == ts[0].tv_sec &&
			       st.st_mtim.tv_sec == ts[1].tv_sec &&
			       st.st_mtim.tv_nsec == ts[1].tv_nsec);
}

/* A named pipe on the disk: opened by a writer child and a reader; the
 * node stays (verify sees it), its data never reaches the disk. */
static void test_fifo(void)
{
	char buf[16] = "";
	struct stat st;
	int fd, st_child;
	pid_t pid;

	check("mkfifo", !mkfifo("fifo", 0644) && !stat("fifo", &st) &&
			    S_ISFIFO(st.st_mode) && st.st_size == 0);
	check_err("fifo-nonblock-no-reader",
		  raw(open("fifo", O_WRONLY | O_NONBLOCK)), ENXIO);
	pid = fork();
	if (pid == 0) {
		fd = open("fifo", O_WRONLY); /* waits for the reader */
		_exit(fd < 0 || write(fd, "through", 7) != 7);
	}
	fd = open("fifo", O_RDONLY);
	check("fifo-open-read", fd >= 0);
	check("fifo-read",
	      read(fd, buf, sizeof(buf)) == 7 && !memcmp(buf, "through", 7));
	check("fifo-writer", waitpid(pid, &st_child, 0) == pid &&
				 WIFEXITED(st_child) &&
				 WEXITSTATUS(st_child) == 0);
	check_val("fifo-eof", read(fd, buf, sizeof(buf)), 0);
	close(fd);
	fd = open("fifo", O_RDWR);
	check("fifo-rdwr", fd >= 0 && write(fd, "ab", 2) == 2 &&
			       read(fd, buf, 2) == 2 && !memcmp(buf, "ab", 2));
	close(fd);
	check("fifo-size-still-0", !stat("fifo", &st) && st.st_size == 0);
}

/* What the first run left behind, seen by the next boot. */
static void verify(void)
{
	struct stat st;
	char buf[300];
	long sum;

	memset(longtarget, 'L', 200);
	check("kept-sparse", fsize("sparse") == MIB + 4 &&
				 bytes_are("sparse", 0, 1, "A") &&
				 bytes_are("sparse", 1, MIB + 3, NULL));
	check("kept-renamed", fsize("y") == -ENOENT &&
				  bytes_are("z", 0, 2, "xx") &&
				  bytes_are("d2/f", 0, 1, "f"));
	check("kept-attrs", !stat("z", &st) && (st.st_mode & 07777) == 0640 &&
				st.st_uid == 1234 && st.st_gid == 5678 &&
				st.st_mtim.tv_sec == 1200000000 &&
				st.st_mtim.tv_nsec == 987654321);
	check("kept-symlinks", readlink("fast", buf, sizeof(buf)) == 1 &&
				   readlink("slow", buf, sizeof(buf)) == 200 &&
				   !memcmp(buf, longtarget, 200));
	check("kept-many", count_dir("many", &sum) == MANY / 2 + 2);
	check("kept-synced", fsize("synced") == MIB);
	check("kept-big", fsize("big") == 4096);
	check("kept-dotdot", !stat("p/d3/..", &st) && st.st_nlink == 3);
	check("kept-fifo", !stat("fifo", &st) && S_ISFIFO(st.st_mode) &&
			       (st.st_mode & 0777) == 0644);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || chdir(argv[1])) {
		printf("usage: t_fsdisk DIR [verify]\n");
		return 2;
	}
	if (argc > 2 && !strcmp(argv[2], "verify")) {
		verify();
	} else {
		test_holes();
		test_names();
		test_many();
		test_sync_statfs();
		test_big_and_attrs();
		test_fifo();
	}
	printf("t_fsdisk: %d failed\n", fails);
	return fails != 0;
}

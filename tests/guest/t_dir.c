/*
 * t_dir.c - directories and names (tests/guest): mkdir/rmdir/unlink,
 * rename/renameat2, link/symlink/readlink, getdents64 (listed sorted),
 * getcwd/chdir/fchdir, access/faccessat and chmod, with their error
 * paths. Run in the guest and on the host, in an empty working directory;
 * one line per check, the output must match.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static void touch(const char *name)
{
	close(open(name, O_CREAT | O_WRONLY, 0644));
}

static int is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static long nlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -errno : (long)st.st_nlink;
}

static void test_mkdir_rmdir(void)
{
	check_val("mkdir", raw(mkdir("d", 0755)), 0);
	check("mkdir-is-dir", is_dir("d"));
	check_err("mkdir-eexist", raw(mkdir("d", 0755)), EEXIST);
	check_err("mkdir-missing-parent", raw(mkdir("no/d", 0755)), ENOENT);
	touch("f");
	check_err("mkdir-under-file", raw(mkdir("f/d", 0755)), ENOTDIR);
	check_err("mkdir-over-file", raw(mkdir("f", 0755)), EEXIST);
	check_val("mkdir-trailing-slash", raw(mkdir("e/", 0755)), 0);
	check_val("mkdirat", raw(mkdirat(AT_FDCWD, "d/sub", 0755)), 0);
	check_err("mkdir-efault", raw(syscall(SYS_mkdir, BADPTR, 0755)),
		  EFAULT);
	check_err("mkdirat-bad-dirfd", raw(mkdirat(99, "x", 0755)), EBADF);
	touch("d/sub/file");
	check_err("rmdir-enotempty", raw(rmdir("d")), ENOTEMPTY);
	check_err("rmdir-file-enotdir", raw(rmdir("f")), ENOTDIR);
	check_err("rmdir-enoent", raw(rmdir("nope")), ENOENT);
	check_err("rmdir-dot-einval", raw(rmdir(".")), EINVAL);
	check_err("rmdir-dot-slash-einval", raw(rmdir("d/sub/.")), EINVAL);
	check_err("rmdir-dotdot-enotempty", raw(rmdir("d/sub/..")), ENOTEMPTY);
	check_err("unlink-dir-eisdir", raw(unlink("d")), EISDIR);
	check_err("unlink-enoent", raw(unlink("nope")), ENOENT);
	check_err("unlink-enotdir", raw(unlink("f/x")), ENOTDIR);
	check_err("unlink-efault", raw(syscall(SYS_unlink, KPTR)), EFAULT);
	check_val("unlinkat-file", raw(unlinkat(AT_FDCWD, "d/sub/file", 0)), 0);
	check_err("unlinkat-bad-flags", raw(unlinkat(AT_FDCWD, "d/sub", 0x1)),
		  EINVAL);
	check_err("unlinkat-removedir-file",
		  raw(unlinkat(AT_FDCWD, "f", AT_REMOVEDIR)), ENOTDIR);
	check_val("unlinkat-removedir",
		  raw(unlinkat(AT_FDCWD, "d/sub", AT_REMOVEDIR)), 0);
	check("rmdir-gone", !exists("d/sub"));
	check_val("rmdir", raw(rmdir("e")), 0);
	check_val("unlink", raw(unlink("f")), 0);
	check("unlink-gone", !exists("f"));
}

static void test_rename(void)
{
	char buf[8] = { 0 };
	int fd;

	fd = open("r1", O_CREAT | O_WRONLY, 0644);
	write(fd, "one", 3);
	close(fd);
	touch("r2");
	check_val("rename-over-file", raw(rename("r1", "r2")), 0);
	check("rename-old-gone", !exists("r1"));
	fd = open("r2", O_RDONLY);
	check("rename-content", read(fd, buf, 8) == 3 && !strcmp(buf, "one"));
	close(fd);
	check_err("rename-enoent", raw(rename("r1", "r3")), ENOENT);
	mkdir("rd", 0755);
	mkdir("rd2", 0755);
	touch("rd2/x");
	check_err("rename-file-over-dir", raw(rename("r2", "rd")), EISDIR);
	check_err("rename-dir-over-file", raw(rename("rd", "r2")), ENOTDIR);
	check_err("rename-dir-over-nonempty", raw(rename("rd", "rd2")),
		  ENOTEMPTY);
	check_err("rename-into-itself", raw(rename("rd", "rd/sub")), EINVAL);
	check_val("rename-dir-over-empty", raw(rename("rd2", "rd")), 0);
	check("rename-dir-moved", exists("rd/x") && !exists("rd2"));
	check_val("rename-same", raw(rename("r2", "r2")), 0);
	check_val("rename-into-dir", raw(rename("r2", "rd/r2")), 0);
	check_err("rename-efault", raw(syscall(SYS_rename, "rd", BADPTR)),
		  EFAULT);
	touch("n1");
	touch("n2");
	check_err(
	    "renameat2-noreplace-eexist",
	    raw(renameat2(AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_NOREPLACE)),
	    EEXIST);
	check_val(
	    "renameat2-noreplace-new",
	    raw(renameat2(AT_FDCWD, "n1", AT_FDCWD, "n3", RENAME_NOREPLACE)),
	    0);
	check_err("renameat2-bad-flags",
		  raw(renameat2(AT_FDCWD, "n3", AT_FDCWD, "n4", 0x100)),
		  EINVAL);
	check_err("renameat2-noreplace-exchange",
		  raw(renameat2(AT_FDCWD, "n3", AT_FDCWD, "n2",
				RENAME_NOREPLACE | RENAME_EXCHANGE)),
		  EINVAL);
	check_err("renameat-bad-dirfd", raw(renameat(99, "n3", AT_FDCWD, "n4")),
		  EBADF);
	unlink("n2");
	unlink("n3");
}

static void test_links(void)
{
	char buf[64];
	struct stat st;

	touch("t");
	check_val("link", raw(link("t", "t2")), 0);
	check_val("link-nlink-2", nlink("t"), 2);
	check_err("link-eexist", raw(link("t", "t2")), EEXIST);
	check_err("link-enoent", raw(link("nope", "t3")), ENOENT);
	mkdir("ld", 0755);
	check_err("link-dir-eperm", raw(link("ld", "ld2")), EPERM);
	check_err("linkat-bad-flags",
		  raw(linkat(AT_FDCWD, "t", AT_FDCWD, "t3", 0x1)), EINVAL);
	check_val("unlink-link", raw(unlink("t2")), 0);
	check_val("link-nlink-1", nlink("t"), 1);
	check_val("symlink", raw(symlink("t", "s")), 0);
	check_err("symlink-eexist", raw(symlink("x", "s")), EEXIST);
	check_err("symlink-empty-target", raw(symlink("", "s0")), ENOENT);
	memset(buf, 0, sizeof(buf));
	check("readlink",
	      readlink("s", buf, sizeof(buf)) == 1 && !strcmp(buf, "t"));
	symlink("a-longer-target", "s2");
	check("readlink-truncates",
	      readlink("s2", buf, 3) == 3 && !memcmp(buf, "a-l", 3));
	check_err("readlink-not-link", raw(readlink("t", buf, sizeof(buf))),
		  EINVAL);
	check_err("readlink-size-0", raw(readlink("s", buf, 0)), EINVAL);
	check_err("readlink-enoent", raw(readlink("nope", buf, sizeof(buf))),
		  ENOENT);
	check_err("readlink-efault",
		  raw(syscall(SYS_readlink, "s", BADPTR, 10)), EFAULT);
	check_val("readlinkat",
		  raw(readlinkat(AT_FDCWD, "s2", buf, sizeof(buf))), 15);
	symlink("dangling-target", "dl");
	check_err("stat-dangling", raw(stat("dl", &st)), ENOENT);
	check("lstat-dangling", lstat("dl", &st) == 0 && S_ISLNK(st.st_mode));
	symlink("l1", "l2");
	symlink("l2", "l1");
	check_err("stat-loop-eloop", raw(stat("l1", &st)), ELOOP);
	check_err("path-through-loop-eloop", raw(stat("l1/x", &st)), ELOOP);
	symlink("ld", "sd");
	touch("ld/in");
	check("path-through-dir-link", exists("sd/in"));
	check_err("stat-link-slash-to-file", raw(stat("s/", &st)), ENOTDIR);
	check("lstat-link-slash-follows",
	      lstat("sd/", &st) == 0 && S_ISDIR(st.st_mode));
	check_val("unlink-symlink", raw(unlink("s")), 0);
	check("unlink-symlink-keeps-target", exists("t"));
	check("path-dotdot", exists("ld/../t") && exists("./ld/./in"));
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_getdents(void)
{
	char buf[1024], *names[32], line[512] = "";
	int fd, n = 0;
	long len;

	mkdir("g", 0755);
	mkdir("g/sub", 0755);
	touch("g/b");
	touch("g/a");
	symlink("a", "g/lnk");
	fd = open("g", O_RDONLY | O_DIRECTORY);
	while ((len = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < len && n < 32;) {
			struct {
				unsigned long ino;
				long off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			char *s = malloc(300);

			snprintf(s, 300, "%s:%c", d->name,
				 d->type == DT_DIR   ? 'd'
				 : d->type == DT_REG ? 'f'
				 : d->type == DT_LNK ? 'l'
						     : '?');
			names[n++] = s;
			off += d->reclen;
		}
	}
	qsort(names, (size_t)n, sizeof(*names), cmp);
	for (int i = 0; i < n; i++) {
		strcat(line, " ");
		strcat(line, names[i]);
		free(names[i]);
	}
	printf("getdents64 listing:%s\n", line);
	check_val("getdents64-end", len, 0);
	lseek(fd, 0, SEEK_SET);
	check_err("getdents64-small-buf",
		  raw(syscall(SYS_getdents64, fd, buf, 4)), EINVAL);
	lseek(fd, 0, SEEK_SET);
	check_err("getdents64-efault",
		  raw(syscall(SYS_getdents64, fd, BADPTR, sizeof(buf))),
		  EFAULT);
	close(fd);
	fd = open("g/a", O_RDONLY);
	check_err("getdents64-file-enotdir",
		  raw(syscall(SYS_getdents64, fd, buf, sizeof(buf))), ENOTDIR);
	close(fd);
	check_err("getdents64-bad-fd",
		  raw(syscall(SYS_getdents64, 99, buf, sizeof(buf))), EBADF);
}

static void test_cwd(void)
{
	char top[4096], buf[4096];
	const char *p;
	int fd;

	check("getcwd", getcwd(top, sizeof(top)) != NULL);
	p = strrchr(top, '/');
	printf("getcwd last component: %s\n", p ? p : "(none)");
	check_val("chdir", raw(chdir("ld")), 0);
	check("getcwd-after-chdir", getcwd(buf, sizeof(buf)) &&
					!strncmp(buf, top, strlen(top)) &&
					!strcmp(buf + strlen(top), "/ld"));
	check_val("chdir-dotdot", raw(chdir("..")), 0);
	check("getcwd-back", getcwd(buf, sizeof(buf)) && !strcmp(buf, top));
	check_err("getcwd-erange", raw(syscall(SYS_getcwd, buf, strlen(top))),
		  ERANGE);
	check_val("getcwd-returns-len",
		  raw(syscall(SYS_getcwd, buf, sizeof(buf))),
		  (long)strlen(top) + 1);
	check_err("getcwd-efault",
		  raw(syscall(SYS_getcwd, BADPTR, sizeof(buf))), EFAULT);
	check_err("chdir-enoent", raw(chdir("nope")), ENOENT);
	check_err("chdir-enotdir", raw(chdir("t")), ENOTDIR);
	check_err("chdir-efault", raw(syscall(SYS_chdir, KPTR)), EFAULT);
	fd = open("ld", O_RDONLY | O_DIRECTORY);
	check_val("fchdir", raw(fchdir(fd)), 0);
	check("fchdir-cwd", exists("in"));
	close(fd);
	chdir(top);
	fd = open("t", O_RDONLY);
	check_err("fchdir-file-enotdir", raw(fchdir(fd)), ENOTDIR);
	close(fd);
	check_err("fchdir-bad-fd", raw(fchdir(99)), EBADF);
	check("cwd-still-top", getcwd(buf, sizeof(buf)) && !strcmp(buf, top));
}

static void test_access_chmod(void)
{
	struct stat st;

	check_val("access-f-ok", raw(access("t", F_OK)), 0);
	check_val("access-rw-ok", raw(access("t", R_OK | W_OK)), 0);
	check_err("access-x-eacces", raw(access("t", X_OK)), EACCES);
	check_val("access-dir-x", raw(access("ld", X_OK)), 0);
	check_err("access-enoent", raw(access("nope", F_OK)), ENOENT);
	check_err("access-bad-mode", raw(access("t", 0x10)), EINVAL);
	check_err("access-efault", raw(syscall(SYS_access, BADPTR, F_OK)),
		  EFAULT);
	check_val("faccessat", raw(faccessat(AT_FDCWD, "t", R_OK, 0)), 0);
	check_val("faccessat-eaccess",
		  raw(syscall(SYS_faccessat2, AT_FDCWD, "t", R_OK, AT_EACCESS)),
		  0);
	check_err("faccessat2-bad-flags",
		  raw(syscall(SYS_faccessat2, AT_FDCWD, "t", R_OK, 0x1)),
		  EINVAL);
	check_err("faccessat-bad-dirfd", raw(faccessat(99, "t", R_OK, 0)),
		  EBADF);
	check_val("chmod", raw(chmod("t", 0751)), 0);
	check("chmod-mode",
	      stat("t", &st) == 0 && (st.st_mode & 07777) == 0751);
	check_val("access-x-after-chmod", raw(access("t", X_OK)), 0);
	check_val("chmod-through-link", raw(chmod("sd", 0700)), 0);
	check("chmod-through-link-mode", stat("ld", &st) == 0 &&
					     (st.st_mode & 07777) == 0700 &&
					     S_ISDIR(st.st_mode));
	check_err("chmod-enoent", raw(chmod("nope", 0644)), ENOENT);
	check_err("chmod-efault", raw(syscall(SYS_chmod, BADPTR, 0644)),
		  EFAULT);
	check_val("fchmodat", raw(fchmodat(AT_FDCWD, "t", 0600, 0)), 0);
	check("fchmodat-mode",
	      stat("t", &st) == 0 && (st.st_mode & 07777) == 0600);
	check_err("fchmod-bad-fd", raw(fchmod(99, 0644)), EBADF);
}

static void test_names(void)
{
	char name[300], *path = malloc(5000);
	struct stat st;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	check_err("mkdir-name-too-long", raw(mkdir(name, 0755)), ENAMETOOLONG);
	memset(path, 'a', 4999);
	for (int i = 100; i < 4999; i += 100)
		path[i] = '/';
	path[4999] = 0;
	check_err("stat-path-too-long", raw(stat(path, &st)), ENAMETOOLONG);
	name[255] = 0;
	check_val("create-name-255", raw(mkdir(name, 0755)), 0);
	check_val("rmdir-name-255", raw(rmdir(name)), 0);
	free(path);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	umask(022);
	if (mkdir("t_dir.d", 0755) || chdir("t_dir.d")) {
		printf("FAIL setup: cannot make t_dir.d: %s\n",
		       strerrorname_np(errno));
		return 1;
	}
	test_mkdir_rmdir();
	test_rename();
	test_links();
	test_getdents();
	test_cwd();
	test_access_chmod();
	test_names();
	printf("t_dir: %d failed\n", fails);
	return fails != 0;
}

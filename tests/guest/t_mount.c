/*
 * t_mount.c - mounts in the guest (tests/guest): tmpfs, ramfs and proc on
 * directories of the working directory, files on them, statfs types and
 * flags, st_dev across mounts, ".." out of a mount, stacked, bound and
 * read-only mounts, umount2's errors (EBUSY with an open file or the cwd
 * inside, EINVAL, ENOENT, EFAULT, EPERM) and MNT_DETACH, and the lines of
 * /proc/self/mounts and mountinfo. On the host it needs root and a mount
 * namespace of its own (unshare), made first; without them it stops at
 * once (never mounting in the host's namespace) and run.sh judges the
 * guest by its own checks alone.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "check.h"

#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define DEVPTS_SUPER_MAGIC 0x1cd1

static char cwd[4096], m[4200], m2[4200];

static long fs_type(const char *path)
{
	struct statfs st;

	return statfs(path, &st) ? -errno : (long)st.f_type;
}

static long fs_flags(const char *path)
{
	struct statfs st;

	return statfs(path, &st) ? -errno : (long)st.f_flags;
}

static dev_t dev_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? (dev_t)-1 : st.st_dev;
}

static int same_file(const char *a, const char *b)
{
	struct stat x, y;

	return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* The line of file (mounts or mountinfo) whose mount point is path,
 * the last one (the top of a stack), into line; 0 when there is none. */
static int find_line(const char *file, const char *path, int field, char *line,
		     size_t len)
{
	FILE *f = fopen(file, "r");
	char buf[1024];
	int found = 0;

	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f)) {
		char copy[1024], *save, *tok = NULL;

		strcpy(copy, buf);
		tok = strtok_r(copy, " ", &save);
		for (int i = 1; tok && i < field; i++)
			tok = strtok_r(NULL, " ", &save);
		if (tok && !strcmp(tok, path)) {
			snprintf(line, len, "%s", buf);
			found = 1;
		}
	}
	fclose(f);
	line[found ? strcspn(line, "\n") : 0] = '\0';
	return found;
}

/* A mountinfo line without its IDs and device (they differ from the
 * host's), the working directory as CWD, and only the first super
 * option (the host's tmpfs may add inode64). */
static void print_info(const char *what, const char *path)
{
	char line[1024], *p, *dash, *sup;
	int n = 0;

	if (!find_line("/proc/self/mountinfo", path, 5, line, sizeof(line))) {
		printf("%s: no mountinfo line\n", what);
		return;
	}
	for (p = line; *p && n < 3; p++)
		n += *p == ' ';
	dash = strstr(p, " - ");
	sup = dash ? strrchr(dash + 3, ' ') : NULL;
	if (sup)
		sup[strcspn(sup, ",")] = '\0';
	if (!strncmp(strchr(p, ' ') + 1, cwd, strlen(cwd)))
		printf("%s: %.*s CWD%s\n", what, (int)(strchr(p, ' ') - p), p,
		       strchr(p, ' ') + 1 + strlen(cwd));
	else
		printf("%s: %s\n", what, p);
}

/* A /proc/self/mounts line, the working directory as CWD, options up to
 * the fs's own (size=...: the host may add inode64 there). */
static const char *const fs_opts[] = { ",size", ",inode", ",nr_inodes", ",mode",
				       NULL };
static void print_mounts(const char *what, const char *path)
{
	char line[1024], *opts, *end;

	if (!find_line("/proc/self/mounts", path, 2, line, sizeof(line))) {
		printf("%s: no mounts line\n", what);
		return;
	}
	opts = strchr(strchr(strchr(line, ' ') + 1, ' ') + 1, ' ') + 1;
	end = strchr(opts, ' ');
	*end = '\0';
	for (const char *const *o = fs_opts; *o; o++)
		if ((end = strstr(opts, *o)))
			*end = '\0';
	printf("%s: %.*s CWD%s\n", what, (int)(strchr(line, ' ') - line), line,
	       strchr(line, ' ') + 1 + strlen(cwd));
}

static long xmount(const char *src, const char *dst, const char *type,
		   unsigned long flags, const char *data)
{
	return raw(mount(src, dst, type, flags, data));
}

static void test_tmpfs(void)
{
	struct statfs st;
	char buf[16] = { 0 };
	int fd;

	check_val("mkdir", raw(mkdir("m", 0755)), 0);
	check_val("mount-tmpfs", xmount("none", m, "tmpfs", 0, "size=1m"), 0);
	check("st_dev-differs", dev_of("m") != dev_of("."));
	check_val("statfs-tmpfs", fs_type("m"), TMPFS_MAGIC);
	check_val("statfs-size", statfs("m", &st) ? -errno : (long)st.f_blocks,
		  256);
	check("statfs-flags-relatime", (fs_flags("m") & ST_RELATIME) != 0);
	fd = open("m/f", O_CREAT | O_RDWR, 0644);
	check("create-on-tmpfs", fd >= 0);
	check_val("write", raw(write(fd, "hello", 5)), 5);
	check_val("pread", raw(pread(fd, buf, sizeof(buf), 0)), 5);
	check("content", !strcmp(buf, "hello"));
	check("file-st_dev", dev_of("m/f") == dev_of("m"));
	check_val("fstatfs", raw(fstatfs(fd, &st)) ? -1 : (long)st.f_type,
		  TMPFS_MAGIC);
	check("dotdot-out", same_file("m/..", "."));
	check_err("umount-busy-file", raw(umount(m)), EBUSY);
	check_err("rmdir-mountpoint", raw(rmdir("m")), EBUSY);
	check_err("rename-mountpoint", raw(rename("m", "m9")), EBUSY);
	check_err("link-across", raw(link("m/f", "f2")), EXDEV);
	check_err("rename-across", raw(rename("m/f", "f2")), EXDEV);
	close(fd);
	check_val("chdir-in", raw(chdir("m")), 0);
	check_err("umount-busy-cwd", raw(umount(m)), EBUSY);
	check_val("chdir-dotdot", raw(chdir("..")), 0);
	{
		char here[4096];

		check("cwd-after-dotdot",
		      getcwd(here, sizeof(here)) && !strcmp(here, cwd));
	}
	print_mounts("mounts", m);
	print_info("mountinfo", m);
}

static void test_readonly(void)
{
	int fd = open("m/f", O_WRONLY);

	check_err("remount-ro-busy",
		  xmount(NULL, m, NULL, MS_REMOUNT | MS_RDONLY, NULL), EBUSY);
	close(fd);
	check_val("remount-ro",
		  xmount(NULL, m, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	check_err("ro-create", raw(open("m/g", O_CREAT | O_WRONLY, 0644)),
		  EROFS);
	check_err("ro-write-open", raw(open("m/f", O_WRONLY)), EROFS);
	check_err("ro-mkdir", raw(mkdir("m/d", 0755)), EROFS);
	check_err("ro-unlink", raw(unlink("m/f")), EROFS);
	check_err("ro-chmod", raw(chmod("m/f", 0600)), EROFS);
	check_err("ro-truncate", raw(truncate("m/f", 0)), EROFS);
	check_err("ro-mkdir-exists", raw(mkdir("m/f", 0755)), EEXIST);
	fd = open("m/f", O_RDONLY);
	check("ro-read-open", fd >= 0);
	close(fd);
	check("statfs-rdonly", (fs_flags("m") & ST_RDONLY) != 0);
	print_info("mountinfo-ro", m);
	check_val("remount-rw", xmount(NULL, m, NULL, MS_REMOUNT, NULL), 0);
	check("statfs-rw", (fs_flags("m") & ST_RDONLY) == 0);
	check_err("remount-not-root",
		  xmount(NULL, "m/..", NULL, MS_REMOUNT, NULL), EINVAL);
}

static void test_flags_and_kinds(void)
{
	check_val("mkdir2", raw(mkdir("m2", 0755)), 0);
	check_val("mount-flags",
		  xmount("keelfs", m2, "tmpfs",
			 MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME, NULL),
		  0);
	check_val("statfs-flags",
		  fs_flags("m2") &
		      (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME),
		  ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME);
	print_mounts("mounts-flags", m2);
	check_val("umount-flags", raw(umount(m2)), 0);
	check_val("mount-ramfs", xmount("r", m2, "ramfs", 0, NULL), 0);
	check_val("statfs-ramfs", fs_type("m2"), RAMFS_MAGIC);
	check_val("umount-ramfs", raw(umount2(m2, 0)), 0);
	check_val("mount-proc", xmount("proc", m2, "proc", 0, NULL), 0);
	check_val("statfs-proc2", fs_type("m2"), PROC_SUPER_MAGIC);
	check("proc2-self", access("m2/self/mounts", R_OK) == 0);
	check_val("umount-proc", raw(umount(m2)), 0);
	check_val("mount-bind", xmount(m, m2, NULL, MS_BIND, NULL), 0);
	check("bind-same-file", same_file("m/f", "m2/f"));
	check("bind-dotdot", same_file("m2/..", "."));
	check_val("umount-bind", raw(umount(m2)), 0);
	check_err("gone-after-umount", raw(access("m2/f", F_OK)), ENOENT);
}

static void test_stack_and_detach(void)
{
	char buf[8] = { 0 };
	int fd;

	check_val("mount-stacked", xmount("top", m, "tmpfs", 0, NULL), 0);
	check_err("stacked-empty", raw(access("m/f", F_OK)), ENOENT);
	check("stacked-dotdot", same_file("m/..", "."));
	check_val("umount-top", raw(umount(m)), 0);
	check_val("under-again", raw(access("m/f", F_OK)), 0);
	fd = open("m/f", O_RDONLY);
	check_val("umount-detach", raw(umount2(m, MNT_DETACH)), 0);
	check_val("detached-fd-reads", raw(read(fd, buf, 5)), 5);
	check("detached-content", !strcmp(buf, "hello"));
	check_err("detached-path-gone", raw(access("m/f", F_OK)), ENOENT);
	check("no-mounts-line", !find_line("/proc/self/mounts", m, 2, buf, 1));
	close(fd);
}

static void test_errors(void)
{
	check_err("umount-badflags", raw(umount2(m, 0x100)), EINVAL);
	check_err("umount-not-mount", raw(umount(m)), EINVAL);
	check_err("umount-enoent", raw(umount("nonexistent")), ENOENT);
	check_err("umount-efault", raw(umount2(BADPTR, 0)), EFAULT);
	check_err("mount-enodev", xmount("x", m, "nosuchfs", 0, NULL), ENODEV);
	check_err("mount-no-type", xmount("x", m, NULL, 0, NULL), EINVAL);
	check_err("mount-enoent", xmount("x", "nonexistent", "tmpfs", 0, NULL),
		  ENOENT);
	close(open("file", O_CREAT | O_WRONLY, 0644));
	check_err("mount-enotdir", xmount("x", "file", "tmpfs", 0, NULL),
		  ENOTDIR);
	check_err("mount-efault-type", xmount("x", m, BADPTR, 0, NULL), EFAULT);
	check_err("mount-efault-target", xmount("x", BADPTR, "tmpfs", 0, NULL),
		  EFAULT);
	check_err("mount-bad-option",
		  xmount("x", m, "tmpfs", 0, "nosuchoption=1"), EINVAL);
	check_err("mount-sysfs-again",
		  xmount("sysfs", "/sys", "sysfs", 0, NULL), EBUSY);
}

/* Without CAP_SYS_ADMIN in the effective set: EPERM. */
static void test_eperm(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2], off[2];

	if (syscall(SYS_capget, &h, d)) {
		check("capget", 0);
		return;
	}
	memcpy(off, d, sizeof(d));
	off[0].effective &= ~(1u << CAP_SYS_ADMIN);
	check_val("drop-cap", raw(syscall(SYS_capset, &h, off)), 0);
	check_err("mount-eperm", xmount("x", m, "tmpfs", 0, NULL), EPERM);
	check_err("umount-eperm", raw(umount("/proc")), EPERM);
	check_val("restore-cap", raw(syscall(SYS_capset, &h, d)), 0);
}

/* The mounts every system has: different devices and types. */
static void test_boot_mounts(void)
{
	check("proc-st_dev", dev_of("/proc") != dev_of("/"));
	check("pts-st_dev", dev_of("/dev/pts") != dev_of("/dev"));
	check_val("statfs-proc", fs_type("/proc"), PROC_SUPER_MAGIC);
	check_val("statfs-sys", fs_type("/sys"), SYSFS_MAGIC);
	check_val("statfs-devpts", fs_type("/dev/pts"), DEVPTS_SUPER_MAGIC);
	check("proc-mounts-link",
	      same_file("/proc/mounts", "/proc/self/mounts"));
	check("proc-dotdot", same_file("/proc/..", "/"));
	check("mountinfo-readable", access("/proc/self/mountinfo", R_OK) == 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	/* The host: mounts of our own (root needed). keel has no namespaces
	 * (EINVAL): the VM's mounts are the program's alone already. Never
	 * go on in the host's own namespace. */
	if (unshare(CLONE_NEWNS) && errno != EINVAL) {
		printf("FAIL unshare: %s (the host's run needs root)\n",
		       strerrorname_np(errno));
		return 1;
	}
	check_val("make-private",
		  xmount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	if (!getcwd(cwd, sizeof(cwd)))
		return 1;
	snprintf(m, sizeof(m), "%s/m", cwd);
	snprintf(m2, sizeof(m2), "%s/m2", cwd);
	test_boot_mounts();
	test_tmpfs();
	test_readonly();
	test_flags_and_kinds();
	test_stack_and_detach();
	test_errors();
	test_eperm();
	printf("t_mount: %d failed\n", fails);
	return fails != 0;
}

/*
 * t_inotify.c - inotify (tests/guest): the calls' error paths in Linux's
 * order, then the exact event sequences the file operations produce on
 * the files this program makes in its (empty) cwd: names padded to 16
 * bytes, the parent's event before the file's own, IN_ISDIR, move
 * cookies, IN_DELETE_SELF and IN_IGNORED when a watched file goes,
 * merging of equal events, IN_ONESHOT, IN_MASK_ADD, IN_MASK_CREATE,
 * IN_EXCL_UNLINK, IN_Q_OVERFLOW, FIONREAD, poll and epoll, and blocking
 * reads ended or restarted by a signal. Run in the guest and on the host;
 * one line per check, the output must match.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "check.h"

#define EV_HDR ((int)sizeof(struct inotify_event))

static char evbuf[1 << 20] __attribute__((aligned(8)));

static const char *const names[] = {
	"ACCESS",      "MODIFY",     "ATTRIB",	 "CLOSE_WRITE", "CLOSE_NOWRITE",
	"OPEN",	       "MOVED_FROM", "MOVED_TO", "CREATE",	"DELETE",
	"DELETE_SELF", "MOVE_SELF",  "?",	 "UNMOUNT",	"Q_OVERFLOW",
	"IGNORED",
};

/*
 * Everything queued on fd, one "wd:EVENT[|ISDIR][:name][:cN]" per event:
 * cN numbers the move cookies in order of appearance (0: none), and a
 * name's padding is checked (zeros up to a multiple of 16).
 */
static const char *drain(int fd)
{
	static char out[4096];
	uint32_t cookies[16];
	int ncookies = 0, n = (int)read(fd, evbuf, 65536);
	size_t used = 0;

	out[0] = '\0';
	if (n < 0) {
		snprintf(out, sizeof(out), "%s", strerrorname_np(errno));
		return out;
	}
	for (int off = 0; off < n;) {
		struct inotify_event *e = (void *)(evbuf + off);
		char ev[512] = "";
		int c = 0;

		for (int i = 0; i < 16; i++)
			if (e->mask & (1u << i))
				snprintf(ev + strlen(ev),
					 sizeof(ev) - strlen(ev), "%s%s",
					 ev[0] ? "+" : "", names[i]);
		if (e->mask & IN_ISDIR)
			strcat(ev, "|ISDIR");
		if (e->cookie) {
			while (c < ncookies && cookies[c] != e->cookie)
				c++;
			if (c == ncookies && ncookies < 16)
				cookies[ncookies++] = e->cookie;
			c++;
		}
		used += (size_t)snprintf(out + used, sizeof(out) - used,
					 "%s%d:%s", used ? " " : "", e->wd, ev);
		if (e->len) {
			size_t l = strlen(e->name);

			used += (size_t)snprintf(out + used, sizeof(out) - used,
						 ":%s", e->name);
			if (e->len % 16 || l >= e->len || e->len > l + 16)
				used += (size_t)snprintf(out + used,
							 sizeof(out) - used,
							 "(len %u)", e->len);
			for (size_t i = l; i < e->len; i++)
				if (e->name[i])
					strcat(out, "(dirty padding)");
		}
		if (c)
			used += (size_t)snprintf(out + used, sizeof(out) - used,
						 ":c%d", c);
		off += EV_HDR + (int)e->len;
	}
	return out;
}

static void expect(const char *what, int fd, const char *want)
{
	const char *got = drain(fd);

	if (!strcmp(got, want)) {
		printf("ok %s\n", what);
		return;
	}
	printf("FAIL %s: got \"%s\", want \"%s\"\n", what, got, want);
	fails++;
}

static void touch(const char *name)
{
	int fd = open(name, O_CREAT | O_WRONLY, 0644);

	if (fd >= 0)
		close(fd);
}

static void test_errors(void)
{
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), p[2], fl;
	char buf[64];

	check("init1", in >= 0);
	check_err("init1-bad-flags", raw(inotify_init1(1)), EINVAL);
	check_val("init1-cloexec", fcntl(in, F_GETFD), FD_CLOEXEC);
	fl = fcntl(in, F_GETFL);
	check_val("init1-flags", fl & (O_ACCMODE | O_NONBLOCK), O_NONBLOCK);
	fl = inotify_init();
	check_val("init-flags", fcntl(fl, F_GETFL) & (O_ACCMODE | O_NONBLOCK),
		  O_RDONLY);
	check_val("init-no-cloexec", fcntl(fl, F_GETFD), 0);
	close(fl);
	check_val("pipe", raw(pipe(p)), 0);
	touch("file");
	check_val("symlink", raw(symlink("file", "link")), 0);
	check_val("symlink-dangling", raw(symlink("nothing", "dangling")), 0);
	check_val("mkdir", raw(mkdir("dir", 0755)), 0);
	check_val("symlink-dir", raw(symlink("dir", "dirlink")), 0);

	check_err("add-mask-0", raw(inotify_add_watch(in, ".", 0)), EINVAL);
	check_err("add-mask-bad-bit", raw(inotify_add_watch(in, ".", 0x1000)),
		  EINVAL);
	check_err("add-mask-checked-before-fd",
		  raw(inotify_add_watch(-1, ".", 0x10000)), EINVAL);
	check_err("add-bad-fd", raw(inotify_add_watch(-1, ".", IN_CREATE)),
		  EBADF);
	check_err("add-closed-fd", raw(inotify_add_watch(999, ".", IN_CREATE)),
		  EBADF);
	check_err("add-mask-add-create-after-fd",
		  raw(inotify_add_watch(
		      999, ".", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE)),
		  EBADF);
	check_err("add-mask-add-create",
		  raw(inotify_add_watch(
		      in, ".", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE)),
		  EINVAL);
	check_err("add-not-inotify", raw(inotify_add_watch(p[0], ".", IN_OPEN)),
		  EINVAL);
	check_err("add-not-inotify-before-path",
		  raw(inotify_add_watch(p[0], "nothing", IN_OPEN)), EINVAL);
	check_err("add-missing", raw(inotify_add_watch(in, "nothing", IN_OPEN)),
		  ENOENT);
	check_err("add-empty-path", raw(inotify_add_watch(in, "", IN_OPEN)),
		  ENOENT);
	check_err("add-bad-path", raw(inotify_add_watch(in, BADPTR, IN_OPEN)),
		  EFAULT);
	check_err("add-dangling",
		  raw(inotify_add_watch(in, "dangling", IN_OPEN)), ENOENT);
	check_val(
	    "add-dangling-dont-follow",
	    raw(inotify_add_watch(in, "dangling", IN_OPEN | IN_DONT_FOLLOW)),
	    1);
	check_err("add-onlydir-file",
		  raw(inotify_add_watch(in, "file", IN_OPEN | IN_ONLYDIR)),
		  ENOTDIR);
	check_err("add-onlydir-link-dont-follow",
		  raw(inotify_add_watch(in, "dirlink",
					IN_OPEN | IN_ONLYDIR | IN_DONT_FOLLOW)),
		  ENOTDIR);
	check_val("add-onlydir-dir-via-link",
		  raw(inotify_add_watch(in, "dirlink", IN_OPEN | IN_ONLYDIR)),
		  2);
	check_val("add-same-inode-same-wd",
		  raw(inotify_add_watch(in, "dir", IN_CREATE)), 2);
	check_val("add-file-via-link",
		  raw(inotify_add_watch(in, "link", IN_OPEN)), 3);
	check_err("add-mask-create-exists",
		  raw(inotify_add_watch(in, "file", IN_OPEN | IN_MASK_CREATE)),
		  EEXIST);
	check_val("add-flags-only",
		  raw(inotify_add_watch(in, "file", IN_DONT_FOLLOW)), 3);
	check_val("add-mask-create-new",
		  raw(inotify_add_watch(in, ".", IN_CREATE | IN_MASK_CREATE)),
		  4);

	check_err("rm-bad-fd", raw(inotify_rm_watch(-1, 1)), EBADF);
	check_err("rm-not-inotify", raw(inotify_rm_watch(p[0], 1)), EINVAL);
	check_err("rm-unknown-wd", raw(inotify_rm_watch(in, 99)), EINVAL);
	check_err("rm-wd-0", raw(inotify_rm_watch(in, 0)), EINVAL);
	check_err("rm-wd-negative", raw(inotify_rm_watch(in, -1)), EINVAL);
	check_val("rm", raw(inotify_rm_watch(in, 1)), 0);
	check_err("rm-again", raw(inotify_rm_watch(in, 1)), EINVAL);
	expect("rm-ignored", in, "1:IGNORED");
	check_val(
	    "wd-not-reused",
	    raw(inotify_add_watch(in, "dangling", IN_OPEN | IN_DONT_FOLLOW)),
	    5);
	/* "file" (wd 3) has a mask of flags only: nothing reported. */
	close(open("file", O_RDONLY));
	expect("flags-only-mask-reports-nothing", in, "EAGAIN");

	check_err("read-empty-nonblock", raw(read(in, buf, sizeof(buf))),
		  EAGAIN);
	check_err("write", raw(write(in, "x", 1)), EBADF);
	check_err("pread", raw(pread(in, buf, sizeof(buf), 0)), ESPIPE);
	check_err("ioctl-unknown", raw(ioctl(in, 0x5401, buf)), ENOTTY);
	check_err("fionread-fault", raw(ioctl(in, FIONREAD, BADPTR)), EFAULT);
	touch("dir/x");
	check_err("read-0", raw(read(in, buf, 0)), EINVAL);
	check_err("read-too-small", raw(read(in, buf, EV_HDR + 15)), EINVAL);
	check_err("read-fault", raw(syscall(SYS_read, in, BADPTR, 64)), EFAULT);
	check_err("read-fault-event-lost", raw(read(in, buf, sizeof(buf))),
		  EAGAIN);
	close(p[0]);
	close(p[1]);
	close(in);
	unlink("dir/x");
	unlink("file");
	unlink("link");
	unlink("dangling");
	unlink("dirlink");
	rmdir("dir");
}

/* A file's life in a watched directory, the file watched too. */
static void test_file_events(void)
{
	int in = inotify_init1(IN_NONBLOCK), fd, wf;
	struct timespec ts[2];
	struct iovec iov[2];
	char buf[8];

	check_val("watch-dir", raw(inotify_add_watch(in, ".", IN_ALL_EVENTS)),
		  1);
	fd = open("f", O_CREAT | O_WRONLY, 0644);
	expect("creat", in, "1:CREATE:f 1:OPEN:f");
	wf = inotify_add_watch(in, "f", IN_ALL_EVENTS);
	check_val("watch-file", wf, 2);
	check_val("write", raw(write(fd, "ab", 2)), 2);
	check_val("write-0", raw(write(fd, "", 0)), 0);
	check_val("write-again", raw(write(fd, "cd", 2)), 2);
	expect("writes", in, "1:MODIFY:f 2:MODIFY 1:MODIFY:f 2:MODIFY");
	close(fd);
	expect("close-write", in, "1:CLOSE_WRITE:f 2:CLOSE_WRITE");
	fd = open("f", O_RDONLY);
	iov[0] = (struct iovec){ buf, 1 };
	iov[1] = (struct iovec){ buf + 1, 2 };
	check_val("readv", raw(readv(fd, iov, 2)), 3);
	check_val("read-eof", raw(pread(fd, buf, 8, 100)), 0);
	close(fd);
	expect("open-readv-close", in,
	       "1:OPEN:f 2:OPEN 1:ACCESS:f 2:ACCESS 1:CLOSE_NOWRITE:f "
	       "2:CLOSE_NOWRITE");
	check_val("chmod", raw(chmod("f", 0600)), 0);
	expect("chmod-attrib", in, "1:ATTRIB:f 2:ATTRIB");
	check_val("chown-nothing", raw(chown("f", -1, -1)), 0);
	expect("chown-nothing-no-event", in, "EAGAIN");
	check_val("chown", raw(chown("f", getuid(), -1)), 0);
	expect("chown-attrib", in, "1:ATTRIB:f 2:ATTRIB");
	ts[0] = (struct timespec){ 0, UTIME_NOW };
	ts[1] = (struct timespec){ 0, UTIME_OMIT };
	check_val("utimens-atime", raw(utimensat(AT_FDCWD, "f", ts, 0)), 0);
	expect("utimens-atime-access", in, "1:ACCESS:f 2:ACCESS");
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	check_val("utimens-mtime", raw(utimensat(AT_FDCWD, "f", ts, 0)), 0);
	expect("utimens-mtime-modify", in, "1:MODIFY:f 2:MODIFY");
	check_val("utimens-both", raw(utimensat(AT_FDCWD, "f", NULL, 0)), 0);
	expect("utimens-both-attrib", in, "1:ATTRIB:f 2:ATTRIB");
	check_val("truncate", raw(truncate("f", 1)), 0);
	expect("truncate-modify", in, "1:MODIFY:f 2:MODIFY");
	check_val("setxattr", raw(setxattr("f", "user.a", "1", 1, 0)), 0);
	check_val("getxattr", raw(getxattr("f", "user.a", buf, 8)), 1);
	check_val("removexattr", raw(removexattr("f", "user.a")), 0);
	expect("xattr-attrib", in, "1:ATTRIB:f 2:ATTRIB 1:ATTRIB:f 2:ATTRIB");
	fd = open("f", O_WRONLY);
	check_val("ftruncate", raw(ftruncate(fd, 0)), 0);
	check_val("fchmod", raw(fchmod(fd, 0644)), 0);
	check_val("fsetxattr", raw(fsetxattr(fd, "user.b", "1", 1, 0)), 0);
	close(fd);
	expect("by-fd", in,
	       "1:OPEN:f 2:OPEN 1:MODIFY:f 2:MODIFY 1:ATTRIB:f 2:ATTRIB "
	       "1:ATTRIB:f 2:ATTRIB 1:CLOSE_WRITE:f 2:CLOSE_WRITE");
	fd = open("f", O_PATH);
	close(fd);
	expect("o-path-no-events", in, "EAGAIN");
	fd = open("f", O_RDONLY);
	wf = dup(fd);
	close(fd);
	expect("close-of-a-dup-no-event", in, "1:OPEN:f 2:OPEN");
	close(wf);
	expect("last-close", in, "1:CLOSE_NOWRITE:f 2:CLOSE_NOWRITE");
	wf = 2;
	check_val("link", raw(link("f", "g")), 0);
	expect("link", in, "2:ATTRIB 1:CREATE:g");
	check_val("unlink-link", raw(unlink("g")), 0);
	expect("unlink-link", in, "2:ATTRIB 1:DELETE:g");
	check_val("rename", raw(rename("f", "h")), 0);
	expect("rename", in, "1:MOVED_FROM:f:c1 1:MOVED_TO:h:c1 2:MOVE_SELF");
	fd = open("h", O_RDONLY);
	check_val("unlink-open", raw(unlink("h")), 0);
	expect("unlink-open", in, "1:OPEN:h 2:OPEN 2:ATTRIB 1:DELETE:h");
	close(fd);
	expect("close-unlinked", in,
	       "1:CLOSE_NOWRITE:h 2:CLOSE_NOWRITE 2:DELETE_SELF 2:IGNORED");
	check_err("rm-gone-watch", raw(inotify_rm_watch(in, wf)), EINVAL);
	touch("u");
	check_val("watch-u", raw(inotify_add_watch(in, "u", IN_ALL_EVENTS)), 3);
	drain(in);
	check_val("unlink", raw(unlink("u")), 0);
	expect("unlink-closed", in,
	       "3:ATTRIB 3:DELETE_SELF 3:IGNORED 1:DELETE:u");
	close(in);
}

/* Directories: IN_ISDIR, a directory's own name in its parent. */
static void test_dir_events(void)
{
	int in = inotify_init1(IN_NONBLOCK), fd;
	char buf[4096];
	DIR *d;

	check_val("watch-dot", raw(inotify_add_watch(in, ".", IN_ALL_EVENTS)),
		  1);
	check_val("mkdir", raw(mkdir("sub", 0755)), 0);
	expect("mkdir", in, "1:CREATE|ISDIR:sub");
	check_val("watch-sub", raw(inotify_add_watch(in, "sub", IN_ALL_EVENTS)),
		  2);
	d = opendir("sub");
	check("readdir", d && readdir(d));
	closedir(d);
	expect(
	    "opendir-readdir", in,
	    "1:OPEN|ISDIR:sub 2:OPEN|ISDIR 1:ACCESS|ISDIR:sub 2:ACCESS|ISDIR "
	    "1:CLOSE_NOWRITE|ISDIR:sub 2:CLOSE_NOWRITE|ISDIR");
	fd = open("sub", O_RDONLY | O_DIRECTORY);
	check("getdents", syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0);
	check_val("getdents-eof", syscall(SYS_getdents64, fd, buf, sizeof(buf)),
		  0);
	check_val("rewind", raw(lseek(fd, 0, SEEK_SET)), 0);
	check_err("getdents-small", raw(syscall(SYS_getdents64, fd, buf, 1)),
		  EINVAL);
	close(fd);
	/* Every listing is an event, even an empty or a failed one. */
	expect("getdents-each", in,
	       "1:OPEN|ISDIR:sub 2:OPEN|ISDIR 1:ACCESS|ISDIR:sub "
	       "2:ACCESS|ISDIR 1:ACCESS|ISDIR:sub 2:ACCESS|ISDIR "
	       "1:ACCESS|ISDIR:sub 2:ACCESS|ISDIR "
	       "1:CLOSE_NOWRITE|ISDIR:sub 2:CLOSE_NOWRITE|ISDIR");
	check_val("chmod-dot", raw(chmod("sub/.", 0700)), 0);
	expect("chmod-dir-by-dot", in, "1:ATTRIB|ISDIR:sub 2:ATTRIB|ISDIR");
	touch("sub/x");
	expect("create-in-sub", in, "2:CREATE:x 2:OPEN:x 2:CLOSE_WRITE:x");
	check_val("rename-out", raw(rename("sub/x", "y")), 0);
	expect("rename-across", in, "2:MOVED_FROM:x:c1 1:MOVED_TO:y:c1");
	check_val("rename-dir", raw(rename("sub", "sub2")), 0);
	expect(
	    "rename-dir", in,
	    "1:MOVED_FROM|ISDIR:sub:c1 1:MOVED_TO|ISDIR:sub2:c1 2:MOVE_SELF");
	check_val("rmdir", raw(rmdir("sub2")), 0);
	expect("rmdir", in, "2:DELETE_SELF 2:IGNORED 1:DELETE|ISDIR:sub2");
	check_val("symlink", raw(symlink("y", "l")), 0);
	check_val("mkfifo", raw(mkfifo("p", 0644)), 0);
	expect("symlink-mkfifo", in, "1:CREATE:l 1:CREATE:p");
	touch("a");
	touch("b");
	check_val("watch-a", raw(inotify_add_watch(in, "a", IN_ALL_EVENTS)), 3);
	check_val("watch-b", raw(inotify_add_watch(in, "b", IN_ALL_EVENTS)), 4);
	drain(in);
	check_val("rename-over", raw(rename("a", "b")), 0);
	expect("rename-over", in,
	       "1:MOVED_FROM:a:c1 1:MOVED_TO:b:c1 4:ATTRIB 3:MOVE_SELF "
	       "4:DELETE_SELF 4:IGNORED");
	check_val("mkdir-s", raw(mkdir("s", 0755)), 0);
	drain(in);
	check_val("exchange",
		  raw(syscall(SYS_renameat2, AT_FDCWD, "s", AT_FDCWD, "l",
			      RENAME_EXCHANGE)),
		  0);
	expect("exchange", in,
	       "1:MOVED_FROM|ISDIR:s:c1 1:MOVED_TO|ISDIR:l:c1 "
	       "1:MOVED_FROM:l:c2 1:MOVED_TO:s:c2");
	unlink("s");
	rmdir("l");
	unlink("b");
	unlink("y");
	unlink("p");
	close(in);
}

/* The watch flags, and events that merge. */
static void test_flags(void)
{
	int in = inotify_init1(IN_NONBLOCK), fd;

	touch("f");
	check_val("watch", raw(inotify_add_watch(in, ".", IN_MODIFY)), 1);
	fd = open("f", O_WRONLY);
	write(fd, "a", 1);
	write(fd, "a", 1);
	write(fd, "a", 1);
	expect("merged", in, "1:MODIFY:f");
	write(fd, "a", 1);
	expect("not-merged-after-read", in, "1:MODIFY:f");
	check_val("excl-unlink",
		  raw(inotify_add_watch(
		      in, ".", IN_MODIFY | IN_DELETE | IN_EXCL_UNLINK)),
		  1);
	unlink("f");
	write(fd, "a", 1);
	expect("excl-unlink-no-event", in, "1:DELETE:f");
	check_val("no-excl-unlink",
		  raw(inotify_add_watch(in, ".", IN_MODIFY | IN_DELETE)), 1);
	write(fd, "a", 1);
	expect("unlinked-still-reported", in, "1:MODIFY:f");
	close(fd);
	check_val("mask-add",
		  raw(inotify_add_watch(in, ".", IN_CREATE | IN_MASK_ADD)), 1);
	touch("g");
	unlink("g");
	expect("mask-add-events", in, "1:CREATE:g 1:DELETE:g");
	check_val("replace", raw(inotify_add_watch(in, ".", IN_OPEN)), 1);
	touch("g");
	unlink("g");
	expect("replaced-events", in, "1:OPEN:g");
	check_val("oneshot",
		  raw(inotify_add_watch(in, ".", IN_CREATE | IN_ONESHOT)), 1);
	touch("g");
	touch("h");
	expect("oneshot-events", in, "1:CREATE:g 1:IGNORED");
	check_val("after-oneshot", raw(inotify_add_watch(in, ".", IN_CREATE)),
		  2);
	check_val("oneshot-file",
		  raw(inotify_add_watch(in, "g", IN_ATTRIB | IN_ONESHOT)), 3);
	close(open("g", O_RDONLY));
	chmod("g", 0600);
	chmod("g", 0644);
	expect("oneshot-waits-for-its-event", in, "3:ATTRIB 3:IGNORED");
	unlink("g");
	unlink("h");
	close(in);
}

/* Two instances on one file; closing one leaves the other working. */
static void test_two_instances(void)
{
	int a = inotify_init1(IN_NONBLOCK), b = inotify_init1(IN_NONBLOCK);

	touch("f");
	check_val("a-watch", raw(inotify_add_watch(a, "f", IN_ATTRIB)), 1);
	check_val("b-watch", raw(inotify_add_watch(b, "f", IN_ATTRIB)), 1);
	check_val("a-watch-dir", raw(inotify_add_watch(a, ".", IN_ATTRIB)), 2);
	chmod("f", 0600);
	expect("a-events", a, "2:ATTRIB:f 1:ATTRIB");
	expect("b-events", b, "1:ATTRIB");
	close(a);
	chmod("f", 0644);
	expect("b-after-a-closed", b, "1:ATTRIB");
	unlink("f");
	/* IN_DELETE_SELF is not in b's mask: IN_IGNORED comes anyway. */
	expect("b-file-gone", b, "1:ATTRIB 1:IGNORED");
	close(b);
}

/* Records: lengths padded to 16, whole events only, FIONREAD. */
static void test_records(void)
{
	int in = inotify_init1(IN_NONBLOCK), n = -1;
	char buf[256];

	check_val("watch", raw(inotify_add_watch(in, ".", IN_CREATE)), 1);
	touch("abcdefghijklmno"); /* 15: one 16-byte block with its NUL */
	touch("abcdefghijklmnop"); /* 16: two blocks */
	touch("z");
	check_val("fionread", raw(ioctl(in, FIONREAD, &n)), 0);
	check_val("fionread-bytes", n, 3 * EV_HDR + 16 + 32 + 16);
	check_val("read-one-exactly", raw(read(in, buf, EV_HDR + 16)),
		  EV_HDR + 16);
	check_val("read-second-too-big", raw(read(in, buf, EV_HDR + 31)),
		  -EINVAL);
	check_val("read-not-split", raw(read(in, buf, EV_HDR + 32 + EV_HDR)),
		  EV_HDR + 32);
	check_val("fionread-left", raw(ioctl(in, FIONREAD, &n)), 0);
	check_val("fionread-left-bytes", n, EV_HDR + 16);
	expect("last", in, "1:CREATE:z");
	check_val("fionread-empty", raw(ioctl(in, FIONREAD, &n)), 0);
	check_val("fionread-empty-bytes", n, 0);
	unlink("abcdefghijklmno");
	unlink("abcdefghijklmnop");
	unlink("z");
	close(in);
}

static void test_poll(void)
{
	int in = inotify_init1(IN_NONBLOCK), ep = epoll_create1(0);
	struct epoll_event ev = { EPOLLIN | EPOLLET, { .u64 = 7 } };
	struct pollfd pf = { in, POLLIN | POLLOUT, 0 };

	check_val("watch", raw(inotify_add_watch(in, ".", IN_CREATE)), 1);
	check_val("epoll-add", raw(epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev)), 0);
	check_val("poll-empty", raw(poll(&pf, 1, 0)), 0);
	check_val("epoll-empty", raw(epoll_wait(ep, &ev, 1, 0)), 0);
	touch("f");
	check_val("poll-ready", raw(poll(&pf, 1, 0)), 1);
	check_val("poll-revents", pf.revents, POLLIN);
	check_val("epoll-ready", raw(epoll_wait(ep, &ev, 1, 0)), 1);
	check("epoll-event", ev.events == EPOLLIN && ev.data.u64 == 7);
	check_val("epoll-et-once", raw(epoll_wait(ep, &ev, 1, 0)), 0);
	touch("g");
	check_val("epoll-et-new-event", raw(epoll_wait(ep, &ev, 1, 0)), 1);
	unlink("f");
	unlink("g");
	drain(in);
	check_val("poll-drained", raw(poll(&pf, 1, 0)), 0);
	close(ep);
	close(in);
}

static void on_alarm(int sig)
{
	(void)sig;
	touch("from-handler"); /* the event a restarted read gets */
}

/* A blocking read ends with EINTR, or is restarted with SA_RESTART. */
static void test_blocking(void)
{
	struct sigaction sa = { 0 };
	int in = inotify_init(), n;

	check_val("watch", raw(inotify_add_watch(in, ".", IN_CREATE)), 1);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm_every(50);
	n = (int)read(in, evbuf, 4096);
	alarm_stop();
	check_err("blocking-read-eintr", raw(n), EINTR);
	expect("event-after-eintr", in, "1:CREATE:from-handler");
	unlink("from-handler");
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	alarm_every(50);
	n = (int)read(in, evbuf, 4096);
	alarm_stop();
	check_val("blocking-read-restarted", n, EV_HDR + 16);
	check("restarted-read-event",
	      n > 0 && !strcmp(((struct inotify_event *)evbuf)->name,
			       "from-handler"));
	signal(SIGALRM, SIG_DFL);
	unlink("from-handler");
	close(in);
}

static long sysctl(const char *name)
{
	char path[128], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/fs/inotify/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return atol(buf);
}

/* A full queue ends with one IN_Q_OVERFLOW (wd -1), counted by FIONREAD. */
static void test_overflow(void)
{
	long max = sysctl("max_queued_events");
	int in = inotify_init1(IN_NONBLOCK), n = -1, count = 0;
	struct inotify_event *last = NULL;

	check("max_user_watches", sysctl("max_user_watches") > 0);
	check("max_user_instances", sysctl("max_user_instances") > 0);
	check("max_queued_events", max > 0);
	if (max <= 0 || (max + 1) * 32 > (long)sizeof(evbuf))
		max = 0; /* not this host: the checks below then fail */
	touch("f");
	check_val("watch", raw(inotify_add_watch(in, ".", IN_OPEN | IN_CLOSE)),
		  1);
	for (long i = 0; i < max / 2 + 1; i++) /* two events each */
		close(open("f", O_RDONLY));
	check_val("fionread", raw(ioctl(in, FIONREAD, &n)), 0);
	check_val("fionread-full", n, max * (EV_HDR + 16) + EV_HDR);
	n = (int)read(in, evbuf, sizeof(evbuf));
	check_val("read-full", n, max * (EV_HDR + 16) + EV_HDR);
	for (int off = 0; off < n; count++) {
		last = (void *)(evbuf + off);
		off += EV_HDR + (int)last->len;
	}
	check_val("events", count, max + 1);
	check("overflow-event", last && last->wd == -1 &&
				    last->mask == IN_Q_OVERFLOW &&
				    last->len == 0 && last->cookie == 0);
	close(open("f", O_RDONLY));
	expect("queue-again", in, "1:OPEN:f 1:CLOSE_NOWRITE:f");
	unlink("f");
	close(in);
}

/* Closing an instance drops its watches; the files stay usable. */
static void test_close_with_watches(void)
{
	int in = inotify_init1(IN_NONBLOCK);

	touch("f");
	check_val("mkdir", raw(mkdir("d", 0755)), 0);
	check_val("watch-f", raw(inotify_add_watch(in, "f", IN_ALL_EVENTS)), 1);
	check_val("watch-d", raw(inotify_add_watch(in, "d", IN_ALL_EVENTS)), 2);
	touch("d/x");
	close(in);
	check_val("unlink-after-close", raw(unlink("f")), 0);
	check_val("unlink-x", raw(unlink("d/x")), 0);
	check_val("rmdir-after-close", raw(rmdir("d")), 0);
}

int main(void)
{
	test_errors();
	test_file_events();
	test_dir_events();
	test_flags();
	test_two_instances();
	test_records();
	test_poll();
	test_blocking();
	test_overflow();
	test_close_with_watches();
	printf("t_inotify: %d failed\n", fails);
	return fails != 0;
}

/*
 * storage.c - what keel run attaches for storage, and keel mkimage:
 *   --disk IMAGE[:/GUEST][:ro] a raw disk image (ext2/3/4) on virtio-blk,
 *                              mounted at /GUEST (keel.mount=ext2:...);
 *                              IMAGE alone: attached, not mounted
 *   -v HOSTDIR:/GUEST[:ro]     a host directory on virtio-9p (QEMU's
 *                              local fsdev), mounted at /GUEST
 *   keel mkimage DIR -o IMAGE [--size N]   an ext2 image of DIR, made by
 *                              Debian's mke2fs -d (e2fsprogs)
 * The guest names its disks vda, vdb, ... in the order given; the 9p mount
 * tags are keelvol0, keelvol1, ... docs/keel.1, docs/boot.md "Storage".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keel.h"

/* SPEC = HOST:/GUEST[:ro|:rw] into its parts (host and guest allocated),
 * or false and a message naming opt. */
static bool split_spec(const char *opt, const char *spec, char **host,
		       char **guest, bool *ro)
{
	size_t n = strlen(spec);
	const char *colon;

	*ro = false;
	if (n > 3 &&
	    (!strcmp(spec + n - 3, ":ro") || !strcmp(spec + n - 3, ":rw"))) {
		*ro = spec[n - 1] == 'o';
		n -= 3;
	}
	colon = memrchr(spec, ':', n);
	if (!colon || colon == spec || colon[1] != '/' ||
	    memchr(colon + 1, ':', n - (size_t)(colon + 1 - spec))) {
		err_msg("%s %s: want HOST:/GUEST[:ro] (an absolute guest "
			"path, no colon in it)",
			opt, spec);
		return false;
	}
	*host = xasprintf("%.*s", (int)(colon - spec), spec);
	*guest =
	    xasprintf("%.*s", (int)(n - (size_t)(colon + 1 - spec)), colon + 1);
	return true;
}

/* --disk's IMAGE[:/GUEST][:ro]: without /GUEST the disk is attached, not
 * mounted (guest NULL). */
bool split_disk(const char *spec, char **host, char **guest, bool *ro)
{
	size_t n = strlen(spec);

	struct stat st;

	if (!strstr(spec, ":/")) {
		*ro = n > 3 && !strcmp(spec + n - 3, ":ro");
		/* "disk.img:data": a guest path that is not absolute. */
		if (memchr(spec, ':', *ro ? n - 3 : n) && stat(spec, &st))
			return split_spec("--disk", spec, host, guest, ro);
		*host = xasprintf("%.*s", (int)(*ro ? n - 3 : n), spec);
		*guest = NULL;
		return true;
	}
	return split_spec("--disk", spec, host, guest, ro);
}

bool disk_spec_ok(const char *spec)
{
	char *host, *guest;
	struct stat st;
	bool ro, ok;

	if (!split_disk(spec, &host, &guest, &ro))
		return false;
	if (stat(host, &st)) {
		err_msg("--disk %s: %s is not a disk image (%s)", spec, host,
			strerror(errno));
		ok = false;
	} else if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		err_msg("--disk %s: %s is not a disk image (not a file)", spec,
			host);
		ok = false;
	} else if (access(host, ro ? R_OK : R_OK | W_OK)) {
		err_msg("--disk %s: cannot %s %s: %s", spec,
			ro ? "read" : "write", host, strerror(errno));
		ok = false;
	} else {
		ok = true;
	}
	free(host);
	free(guest);
	return ok;
}

bool volume_spec_ok(const char *spec)
{
	char *host, *guest;
	struct stat st;
	bool ro, ok;

	if (!split_spec("--volume", spec, &host, &guest, &ro))
		return false;
	ok = stat(host, &st) == 0 && S_ISDIR(st.st_mode);
	if (!ok)
		err_msg("--volume %s: %s is not a directory", spec, host);
	free(host);
	free(guest);
	return ok;
}

/* QEMU's option values: a comma in a path is written twice. */
static char *qemu_escape(const char *s)
{
	char *out = xmalloc(2 * strlen(s) + 1), *d = out;

	for (; *s; s++) {
		*d++ = *s;
		if (*s == ',')
			*d++ = ',';
	}
	*d = '\0';
	return out;
}

/* A disk image as the guest's next virtio-blk device, disk N. */
static void drive(struct strv *a, const char *image, bool ro, size_t n,
		  bool mmio)
{
	char *path = qemu_escape(image);

	strv_push(a, "-drive");
	strv_pushf(a, "file=%s,if=none,id=disk%zu,format=raw%s", path, n,
		   ro ? ",readonly=on" : "");
	strv_push(a, "-device");
	strv_pushf(a, "%s,drive=disk%zu%s",
		   mmio ? "virtio-blk-device" : "virtio-blk-pci", n,
		   mmio ? "" : ",romfile=");
	free(path);
}

void storage_args(struct strv *a, struct strv *kargs, const struct run_opts *o,
		  const char *root_image)
{
	bool mmio = !strcmp(o->machine, "microvm");
	size_t n = 0;

	if (root_image) {
		drive(a, root_image, false, n++, mmio);
		strv_push(kargs, "root=/dev/vda");
	}
	for (size_t i = 0; i < o->disks.n; i++, n++) {
		char *host, *guest;
		bool ro;

		if (!split_disk(o->disks.v[i], &host, &guest, &ro))
			continue; /* checked when parsed */
		drive(a, host, ro, n, mmio);
		if (guest)
			strv_pushf(kargs, "keel.mount=ext2:/dev/vd%c:%s%s",
				   (char)('a' + n), guest, ro ? ":ro" : "");
		free(host);
		free(guest);
	}
	for (size_t i = 0; i < o->volumes.n; i++) {
		char *host, *guest, *path;
		bool ro;

		if (!split_spec("--volume", o->volumes.v[i], &host, &guest,
				&ro))
			continue;
		path = qemu_escape(host);
		strv_push(a, "-fsdev");
		strv_pushf(a, "local,id=vol%zu,path=%s,security_model=none%s",
			   i, path, ro ? ",readonly=on" : "");
		strv_push(a, "-device");
		strv_pushf(a, "%s,fsdev=vol%zu,mount_tag=keelvol%zu",
			   mmio ? "virtio-9p-device" : "virtio-9p-pci", i, i);
		strv_pushf(kargs, "keel.mount=9p:keelvol%zu:%s%s", i, guest,
			   ro ? ":ro" : "");
		free(path);
		free(host);
		free(guest);
	}
}

/* ---- keel mkimage ---- */

static const char usage_mkimage[] =
    "usage: keel mkimage [-q] DIR -o IMAGE [--size SIZE]\n"
    "\n"
    "Write IMAGE, a raw ext2 disk image holding the files of DIR (owners,\n"
    "modes and links kept), for keel run --disk IMAGE:/PATH. SIZE (e.g.\n"
    "64M, 2G) defaults to what DIR needs plus a quarter and 8 MiB of room.\n"
    "Made by mke2fs -d from Debian's e2fsprogs.\n";

/* Bytes the files under dir take (du's apparent sizes rounded to 4 KiB
 * blocks, and a block per name): 0 when it cannot be read. */
static unsigned long long tree_bytes(const char *dir)
{
	char *cmd = xasprintf("du -s -B1 --apparent-size '%s' 2>/dev/null; "
			      "find '%s' 2>/dev/null | wc -l",
			      dir, dir);
	unsigned long long bytes = 0, names = 0;
	FILE *p = strchr(dir, '\'') ? NULL : popen(cmd, "r");

	free(cmd);
	if (!p)
		return 0;
	if (fscanf(p, "%llu%*[^\n]%llu", &bytes, &names) != 2)
		bytes = 0;
	pclose(p);
	return bytes + names * 4096;
}

/* path as an empty file of size bytes: 0 or -1 and errno. */
static int truncate_new(const char *path, unsigned long long size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), err = 0;

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size))
		err = errno;
	close(fd);
	errno = err;
	return err ? -1 : 0;
}

int make_ext2_image(const char *dir, const char *out, unsigned long long mib)
{
	unsigned long long need = tree_bytes(dir);
	char size[32];
	pid_t pid;
	int status;

	if (!need) {
		err_msg("cannot measure %s (du and find)", dir);
		return -1;
	}
	if (!mib)
		mib = (need + need / 4) / (1 << 20) + 8;
	else if (mib << 20 < need)
		progress("warning: %s holds about %llu MiB, more than --size",
			 dir, need >> 20);
	snprintf(size, sizeof(size), "%lluM", mib);
	/* Made here at its size, so that mke2fs fills it without a word. */
	if (truncate_new(out, mib << 20)) {
		err_msg("cannot write %s: %s", out, strerror(errno));
		return -1;
	}
	progress("making %s (%s, ext2) from %s", out, size, dir);
	pid = fork();
	if (pid == 0) {
		execlp("mke2fs", "mke2fs", "-q", "-F", "-t", "ext2", "-b",
		       "4096", "-d", dir, out, size, (char *)NULL);
		execl("/sbin/mke2fs", "mke2fs", "-q", "-F", "-t", "ext2", "-b",
		      "4096", "-d", dir, out, size, (char *)NULL);
		fprintf(stderr,
			"keel: cannot run mke2fs: %s (apt-get install "
			"e2fsprogs)\n",
			strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		err_msg("mke2fs failed to make %s from %s", out, dir);
		unlink(out);
		return -1;
	}
	return 0;
}

int cmd_mkimage(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL, *dir;
	unsigned long long mib = 0;
	struct stat st;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:s:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			mib = parse_mib(optarg);
			if (!mib) {
				err_msg("--size %s: want a size like 64M or "
					"2G",
					optarg);
				return 2;
			}
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage_mkimage, stdout);
			return 0;
		default:
			err_msg("unknown option %s (keel mkimage --help)",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1 || !out) {
		fputs(usage_mkimage, stderr);
		return 2;
	}
	dir = argv[optind];
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		err_msg("%s is not a directory", dir);
		return 2;
	}
	if (!stat(out, &st) && !S_ISREG(st.st_mode)) {
		err_msg("%s exists and is not a regular file: not overwritten",
			out);
		return 2;
	}
	if (make_ext2_image(dir, out, mib))
		return KEEL_EXIT_FAILED;
	progress("wrote %s", out);
	return 0;
}

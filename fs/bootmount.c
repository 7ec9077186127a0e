/*
 * bootmount.c - what the command line mounts at boot (fs/), the way a
 * Linux user writes it:
 *   root=SOURCE [rootfstype=TYPE] [rootflags=OPTS] [ro|rw]
 *       the root is that file system instead of a ramfs filled from the
 *       initrd (TYPE ext2 unless given; writable unless "ro");
 *   keel.mount=TYPE:SOURCE:TARGET[:OPTS]   (may repeat, mounted in order)
 *       mount(2) of SOURCE on TARGET, made as a directory when missing;
 *       OPTS as mount(8)'s -o: ro, rw, nosuid, nodev, noexec, noatime,
 *       nodiratime, relatime, strictatime, and the rest handed to the
 *       file system as its data.
 * A file system that cannot be written (a write-protected disk, ext4's
 * features) is mounted read-only, as mount(8) does, and the boot says so.
 * With the root on a disk, a tmpfs is mounted on its /tmp, with the
 * limits systemd's tmp.mount gives (half of RAM). A mount that
 * fails stops the boot with a line saying which and why: a program must
 * not run without the files it was promised. docs/boot.md, "Storage".
 */
#include <keel/blkdev.h>
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/mount.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/vfs.h>

#define OPTS_MAX 256
#define PATH_MAX_BOOT 256

static const struct {
	const char *name;
	unsigned long set, clear;
} flag_words[] = {
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },
	{ "nodev", MS_NODEV, 0 },
	{ "noexec", MS_NOEXEC, 0 },
	{ "noatime", MS_NOATIME, 0 },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "relatime", MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, 0 },
};

/* What a failed mount says, in words. */
static const char *why(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such file or directory";
	case -ENXIO:
		return "no such device";
	case -ENODEV:
		return "unknown file system type";
	case -EINVAL:
		return "not that file system, or a bad option";
	case -EROFS:
		return "read-only";
	case -EIO:
		return "I/O error";
	case -EUCLEAN:
		return "the file system is corrupt";
	case -ENOTDIR:
		return "not a directory";
	case -EBUSY:
		return "busy";
	case -ENOMEM:
		return "out of memory";
	default:
		return "failed";
	}
}

/* mount(8)-style options: the flag words into *flags, the others (comma
 * separated) into data. -EINVAL when data would not fit. */
static int parse_options(const char *opts, unsigned long *flags, char *data,
			 size_t size)
{
	size_t used = 0;

	data[0] = '\0';
	while (opts && *opts) {
		const char *end = strchr(opts, ',');
		size_t len = end ? (size_t)(end - opts) : strlen(opts);
		bool known = false;

		for (size_t i = 0; i < ARRAY_SIZE(flag_words) && !known; i++)
			if (strlen(flag_words[i].name) == len &&
			    !memcmp(flag_words[i].name, opts, len)) {
				*flags |= flag_words[i].set;
				*flags &= ~flag_words[i].clear;
				known = true;
			}
		if (!known && len) {
			if (used + !!used + len + 1 > size)
				return -EINVAL;
			if (used)
				data[used++] = ',';
			memcpy(data + used, opts, len);
			used += len;
			data[used] = '\0';
		}
		opts = end ? end + 1 : NULL;
	}
	return 0;
}

/* mkdir -p path (absolute). */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX_BOOT];
	size_t n = strlen(path);
	int err = 0;

	if (path[0] != '/' || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n && !err; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		err = vfs_mkdirat(AT_FDCWD, buf, 0755);
		if (err == -EEXIST)
			err = 0;
		buf[i] = path[i];
	}
	return err;
}

/* A disk a driver finds after boot (Xen's blkfront): up to 5 s for it. */
static void wait_source(const char *source)
{
	if (!strncmp(source, "/dev/", 5) && !blkdev_find(source + 5))
		blkdev_wait(source + 5, 5000000000ull);
}

/* One keel.mount= value. */
static int mount_one(const char *spec)
{
	char buf[PATH_MAX_BOOT + OPTS_MAX], data[OPTS_MAX];
	char *type = buf, *source, *target, *opts;
	unsigned long flags = 0;
	int err;

	if (strlcpy(buf, spec, sizeof(buf)) >= sizeof(buf))
		goto bad;
	source = strchr(type, ':');
	if (!source)
		goto bad;
	*source++ = '\0';
	target = strchr(source, ':');
	if (!target)
		goto bad;
	*target++ = '\0';
	opts = strchr(target, ':');
	if (opts)
		*opts++ = '\0';
	if (!*type || !*source || target[0] != '/')
		goto bad;
	err = parse_options(opts, &flags, data, sizeof(data));
	if (!err)
		err = make_dirs(target);
	if (!err) {
		wait_source(source);
		err = vfs_mount(source, target, type, flags, data);
	}
	/* As mount(8) does with a write-protected device: read-only, then. */
	if (err == -EROFS && !(flags & MS_RDONLY)) {
		flags |= MS_RDONLY;
		err = vfs_mount(source, target, type, flags, data);
	}
	if (err)
		printk("keel: cannot mount %s %s on %s: %s (error %d)\n", type,
		       source, target, why(err), err);
	else
		printk("mount: %s %s on %s%s\n", type, source, target,
		       flags & MS_RDONLY ? " (read-only)" : "");
	return err;
bad:
	printk("keel: keel.mount=%s: not TYPE:SOURCE:/TARGET[:OPTIONS]\n",
	       spec);
	return -EINVAL;
}

int boot_root_sb(struct super_block **out)
{
	const char *source = cmdline_get("root");
	const char *type = cmdline_get("rootfstype");
	const struct fs_type *t;
	unsigned long flags = cmdline_get("ro") ? MS_RDONLY : 0;
	char data[OPTS_MAX];
	int err;

	*out = NULL;
	if (!source)
		return 0;
	if (!type || !*type)
		type = "ext2";
	t = fs_type_find(type);
	err = !*source ? -EINVAL : !t || !t->mount ? -ENODEV : 0;
	if (!err)
		err = parse_options(cmdline_get("rootflags"), &flags, data,
				    sizeof(data));
	if (cmdline_get("rw"))
		flags &= ~MS_RDONLY;
	if (!err) {
		wait_source(source);
		err = t->mount(source, flags, data, out);
	}
	if (err == -EROFS && !(flags & MS_RDONLY))
		err = t->mount(source, flags | MS_RDONLY, data, out);
	if (err)
		printk("keel: cannot mount the root, %s %s: %s (error %d)\n",
		       type, source, why(err), err);
	else
		printk("root: %s %s%s\n", type, source,
		       (*out)->flags & SB_RDONLY ? " (read-only)" : "");
	return err;
}

int boot_mounts(bool disk_root)
{
	const char *spec;
	char data[64];
	int err = 0;

	if (disk_root) {
		tmpfs_boot_data(data, sizeof(data), 0);
		err = vfs_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
				data);
		if (err == -ENOENT || err == -ENOTDIR) {
			printk("root: no /tmp directory, no tmpfs there\n");
			err = 0;
		} else if (err) {
			printk("keel: cannot mount tmpfs on /tmp: %s (error "
			       "%d)\n",
			       why(err), err);
		}
	}
	for (unsigned i = 0; !err && (spec = cmdline_get_nth("keel.mount", i));
	     i++)
		err = mount_one(spec);
	return err;
}

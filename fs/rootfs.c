/*
 * rootfs.c - the root file system at boot (fs/): vfs_init makes a ramfs
 * root, unpacks the initrd's cpio entries into it through the ramfs's
 * inode_ops (directories, regular files read in place, symlinks), and
 * mounts devtmpfs on /dev (devfs.c, with devpts on /dev/pts), proc on
 * /proc and sysfs on /sys (procfs.c): the mounts at boot, fs/mount.c.
 * The root is a tmpfs (limits: fs/tmpfs.c), and so is /tmp, mounted
 * there with the initrd's files under tmp/. /tmp and /run are made when
 * the initrd has none, as programs expect them on any Linux (nginx writes /run/nginx.pid); so are /etc/hosts
 * (localhost and keel's own name, as Debian writes it) and
 * /etc/resolv.conf, a symlink to /proc/net/pnp, where net/ shows the DNS
 * servers DHCP or the command line gave (Linux's ip=dhcp file), so that
 * glibc's resolver works unmodified. What the initrd has is kept.
 * With root= on the command line the root is that file system instead
 * (the initrd's files are not used; /dev, /proc and /sys are mounted on
 * it); then the command line's other mounts (bootmount.c).
 */
#include <keel/cmdline.h>
#include <keel/cpio.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mount.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/time.h>
#include <keel/version.h>
#include <keel/vfs.h>

/* The child name of dir, made as a directory of mode when missing;
 * referenced. */
static int subdir(struct inode *dir, const char *name, size_t len,
		  unsigned mode, struct inode **out)
{
	int err = dir->ops->lookup(dir, name, len, out);

	if (err == -ENOENT)
		err = dir->ops->create(dir, name, len, S_IFDIR | mode, out);
	if (!err && (!S_ISDIR((*out)->mode) || !(*out)->ops->create)) {
		inode_put(*out);
		err = -ENOTDIR;
	}
	return err;
}

/* The directory for name's last component (referenced), and *base. */
static int parent_of(struct inode *root, const char *name, const char **base,
		     struct inode **out)
{
	struct inode *dir = root, *next;

	inode_get(dir);
	for (;;) {
		const char *slash = strchr(name, '/');
		size_t len = slash ? (size_t)(slash - name) : strlen(name);
		bool dot = len == 0 || (len == 1 && name[0] == '.');
		int err = 0;

		if ((len == 2 && !memcmp(name, "..", 2)) || len > NAME_MAX ||
		    (!slash && dot))
			err = -EINVAL;
		else if (!slash)
			break;
		else if (!dot)
			err = subdir(dir, name, len, 0755, &next);
		if (err) {
			inode_put(dir);
			return err;
		}
		if (!dot) {
			inode_put(dir);
			dir = next;
		}
		name = slash + 1;
	}
	*base = name;
	*out = dir;
	return 0;
}

/* Make entry ce as base in dir; a later entry replaces an earlier one. */
static int make(struct inode *dir, const char *base,
		const struct cpio_entry *ce, struct inode **out)
{
	unsigned type = ce->mode & S_IFMT;
	size_t len = strlen(base);
	char *target;
	int err = dir->ops->lookup(dir, base, len, out);

	if (!err && type == S_IFDIR && S_ISDIR((*out)->mode))
		return 0;
	if (!err) {
		inode_put(*out);
		err = dir->ops->unlink(dir, base, len);
		if (err)
			return err;
	}
	if (type != S_IFLNK) {
		err = dir->ops->create(dir, base, len, ce->mode, out);
		if (!err && type == S_IFREG)
			err = ramfs_set_initrd_data(*out, ce->data, ce->size);
		return err;
	}
	if (ce->size == 0 || ce->size >= PATH_MAX)
		return -EINVAL;
	target = kmalloc(ce->size + 1);
	if (!target)
		return -ENOMEM;
	memcpy(target, ce->data, ce->size);
	target[ce->size] = '\0';
	err = dir->ops->symlink(dir, base, len, target);
	kfree(target);
	return err ? err : dir->ops->lookup(dir, base, len, out);
}

/*
 * Which of the initrd's entries go where: the root takes all but those
 * under tmp/, which go to /tmp's tmpfs (tmp itself: its root). NULL:
 * not this part.
 */
static const char *in_part(const char *name, bool tmp)
{
	bool is_tmp = !strcmp(name, "tmp"), under = !strncmp(name, "tmp/", 4);

	if (!tmp)
		return under ? NULL : name;
	return is_tmp ? "" : under ? name + 4 : NULL;
}

static int unpack_one(struct inode *root, const struct cpio_entry *ce, bool tmp)
{
	unsigned type = ce->mode & S_IFMT;
	const char *name = in_part(cpio_path_strip(ce->name), tmp), *base;
	struct inode *dir, *ino = root;
	int err = 0;

	if (!name)
		return 0;
	if (*name) {
		if (type != S_IFDIR && type != S_IFREG && type != S_IFLNK)
			return -EOPNOTSUPP;
		err = parent_of(root, name, &base, &dir);
		if (err)
			return err;
		err = make(dir, base, ce, &ino);
		inode_put(dir);
		if (err)
			return err;
	} else {
		if (type != S_IFDIR)
			return -EINVAL;
		inode_get(ino);
	}
	ino->mode = type | (ce->mode & S_IALLUGO);
	ino->mtime_ns = ino->ctime_ns = ino->atime_ns =
	    (int64_t)ce->mtime * (int64_t)NSEC_PER_SEC;
	inode_put(ino);
	return 0;
}

int ramfs_unpack(struct inode *root, const void *cpio, size_t size, bool tmp)
{
	struct cpio_reader r;
	struct cpio_entry ce;
	unsigned skipped = 0;
	const char *why = NULL;
	int err;

	cpio_reader_init(&r, cpio, size);
	while ((err = cpio_next(&r, &ce, &why)) > 0) {
		int e = unpack_one(root, &ce, tmp);

		if (e == -ENOMEM)
			return e;
		if (e && skipped++ < 5)
			printk("fs: initrd entry \"%s\" skipped (error %d)\n",
			       ce.name, e);
	}
	if (err < 0)
		printk("fs: initrd: %s\n", why);
	return err;
}

/* A directory of the root for a mount point, made when missing (a
 * non-directory of the initrd there is replaced). */
static int mount_dir(struct inode *root, const char *name)
{
	size_t len = strlen(name);
	struct inode *dir;
	int err = subdir(root, name, len, 0755, &dir);

	if (err == -ENOTDIR && !root->ops->unlink(root, name, len))
		err = subdir(root, name, len, 0755, &dir);
	if (!err)
		inode_put(dir);
	return err;
}

/* A directory every Linux has, made with mode when the initrd has nothing
 * of that name (what it has, a directory or not, is left alone). */
static int std_dir(struct inode *root, const char *name, unsigned mode)
{
	struct inode *dir;
	int err = subdir(root, name, strlen(name), mode, &dir);

	if (!err)
		inode_put(dir);
	return err == -ENOTDIR ? 0 : err;
}

static const char etc_hosts[] = "127.0.0.1\tlocalhost\n"
				"127.0.1.1\t" KEEL_UTS_NODENAME "\n"
				"::1\tlocalhost ip6-localhost ip6-loopback\n"
				"ff02::1\tip6-allnodes\n"
				"ff02::2\tip6-allrouters\n";

/* /etc/hosts and /etc/resolv.conf when the initrd has nothing of those
 * names (and /etc is a directory). */
static int etc_files(struct inode *root)
{
	struct inode *etc, *ino;
	int err = subdir(root, "etc", 3, 0755, &etc);

	if (err)
		return err == -ENOTDIR ? 0 : err;
	err = etc->ops->lookup(etc, "hosts", 5, &ino);
	if (!err) {
		inode_put(ino);
	} else if (err == -ENOENT) {
		err = etc->ops->create(etc, "hosts", 5, S_IFREG | 0644, &ino);
		if (!err) {
			err = ramfs_set_initrd_data(ino, etc_hosts,
						    sizeof(etc_hosts) - 1);
			inode_put(ino);
		}
	}
	if (!err)
		err = etc->ops->lookup(etc, "resolv.conf", 11, &ino);
	if (!err)
		inode_put(ino);
	else if (err == -ENOENT)
		err =
		    etc->ops->symlink(etc, "resolv.conf", 11, "/proc/net/pnp");
	inode_put(etc);
	return err;
}

/*
 * /tmp: a tmpfs of its own (nosuid, nodev, half of RAM), holding the
 * initrd's files under tmp/ (read in place, as the root's), so a program
 * packed from the host's /tmp still runs. None when the root's tmp is not
 * a directory.
 */
static int mount_tmp(struct inode *root, const void *initrd, size_t size)
{
	struct super_block *sb;
	struct inode *tmp;
	int err = root->ops->lookup(root, "tmp", 3, &tmp);

	if (err)
		return err;
	err = S_ISDIR(tmp->mode) ? 0 : -ENOTDIR;
	inode_put(tmp);
	if (err)
		return 0;
	sb = ramfs_new_sb("tmpfs", TMPFS_MAGIC, 0);
	if (!sb)
		return -ENOMEM;
	sb->root->mode = S_IFDIR | 01777;
	if (initrd && size)
		err = ramfs_unpack(sb->root, initrd, size, true);
	err = err < 0 ? err : tmpfs_root_limits(sb);
	/* On failure the boot stops: sb is not worth freeing. */
	return err ? err
		   : mount_kernel("/tmp", sb, "tmpfs",
				  MNT_NOSUID | MNT_NODEV | MNT_RELATIME);
}

int vfs_init(const void *initrd, size_t size)
{
	struct super_block *sb;
	struct inode *root;
	bool disk;
	int err = boot_root_sb(&sb);

	if (err)
		return err;
	disk = sb != NULL;
	/* "none / tmpfs": Linux's "rootfs" name makes tools (busybox df)
	 * skip the line. Its limits come after the initrd's files. */
	if (!disk)
		sb = ramfs_new_sb("tmpfs", TMPFS_MAGIC, 1);
	if (!sb)
		return -ENOMEM;
	err = mount_set_root(sb, disk ? cmdline_get("root") : NULL);
	if (err)
		return err;
	root = sb->root;
	if (!disk && initrd && size) {
		err = ramfs_unpack(root, initrd, size, false);
		if (err < 0)
			return err;
	}
	if (!disk)
		err = tmpfs_root_limits(sb);
	if (err)
		return err;
	err = mount_dir(root, "dev");
	if (!err)
		err = devfs_init();
	if (!err)
		err = mount_dir(root, "proc");
	if (!err)
		err = mount_kernel("/proc", procfs_sb(), "proc", MNT_RELATIME);
	if (!err)
		err = mount_dir(root, "sys");
	if (!err)
		err = mount_kernel("/sys", sysfs_sb(), "sysfs", MNT_RELATIME);
	/* A disk's root is the user's: nothing is added to it. */
	if (!err && !disk)
		err = std_dir(root, "tmp", 01777);
	if (!err && !disk)
		err = mount_tmp(root, initrd, size);
	if (!err && !disk)
		err = std_dir(root, "run", 0755);
	if (!err && !disk)
		err = etc_files(root);
	if (!err)
		err = boot_mounts(disk);
	return err;
}

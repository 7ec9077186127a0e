/*
 * devfs.c - the character devices of /dev (fs/): null, zero, full,
 * random, urandom, console (the platform's console as a terminal), tty
 * (the controlling terminal) and ptmx with the directory pts; fs/pty.c
 * has the terminals' ops. They are inodes with their own file ops, placed
 * in a ramfs instance of type devtmpfs mounted on /dev (writable, as
 * Linux's devtmpfs); fd, stdin, stdout and stderr are symlinks into
 * /proc/self/fd; /dev/shm is a directory of it, and devpts is mounted on
 * /dev/pts. A device node made by mknod opens as the device of its
 * number, if it is one of these (devfs_fops). The block devices' nodes
 * (vda, xvda...) are fs/blkfile.c's. The console's input is
 * fs/console.c's.
 */
#include <keel/errno.h>
#include <keel/mount.h>
#include <keel/random.h>
#include <keel/string.h>
#include <keel/tty.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>

#define MKDEV(ma, mi) ((uint32_t)(ma) << 8 | (mi))
#define DEVTMPFS_DEV 5 /* st_dev 0:5, Linux's devtmpfs on a small system */
#define CHUNK 256

static long noop_llseek(struct file *f, int64_t off, int whence)
{
	(void)f;
	(void)off;
	(void)whence;
	return 0;
}

static long eof_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	(void)f;
	(void)b;
	(void)len;
	(void)pos;
	return 0;
}

static long zero_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	(void)f;
	(void)pos;
	return iobuf_zero(b, 0, len) ? -EFAULT : (long)len;
}

static long sink_write(struct file *f, struct iobuf b, size_t len,
		       uint64_t *pos)
{
	(void)f;
	(void)b;
	(void)pos;
	return (long)len;
}

static long full_write(struct file *f, struct iobuf b, size_t len,
		       uint64_t *pos)
{
	(void)f;
	(void)b;
	(void)pos;
	return len ? -ENOSPC : 0;
}

static long random_read(struct file *f, struct iobuf b, size_t len,
			uint64_t *pos)
{
	uint8_t buf[CHUNK];
	size_t done = 0;

	(void)f;
	(void)pos;
	while (done < len) {
		size_t n = MIN(len - done, sizeof(buf));

		random_bytes(buf, n);
		if (iobuf_put(b, done, buf, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}

static const struct file_ops null_fops = {
	.read = eof_read,
	.write = sink_write,
	.llseek = noop_llseek,
};
static const struct file_ops zero_fops = {
	.read = zero_read,
	.write = sink_write,
	.llseek = noop_llseek,
};
static const struct file_ops full_fops = {
	.read = zero_read,
	.write = full_write,
	.llseek = noop_llseek,
};
static const struct file_ops random_fops = {
	.read = random_read,
	.write = sink_write,
	.llseek = noop_llseek,
};
/* A pty slave's number outside /dev/pts opens as on Linux: EIO. */
static int pts_elsewhere_open(struct file *f)
{
	(void)f;
	return -EIO;
}

static const struct file_ops pts_elsewhere_fops = {
	.open = pts_elsewhere_open,
};

static const struct {
	const char *name;
	const struct file_ops *fops;
	uint32_t rdev;
	unsigned mode;
} devices[] = {
	{ "null", &null_fops, MKDEV(1, 3), 0666 },
	{ "zero", &zero_fops, MKDEV(1, 5), 0666 },
	{ "full", &full_fops, MKDEV(1, 7), 0666 },
	{ "random", &random_fops, MKDEV(1, 8), 0666 },
	{ "urandom", &random_fops, MKDEV(1, 9), 0666 },
	{ "tty", &devtty_fops, MKDEV(5, 0), 0666 },
	{ "console", &console_fops, MKDEV(5, 1), 0600 },
	{ "ptmx", &ptmx_fops, MKDEV(5, 2), 0666 },
};

static const char *const links[][2] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

const struct file_ops *devfs_fops(uint32_t rdev)
{
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
		if (devices[i].rdev == rdev)
			return devices[i].fops;
	return (rdev >> 8 & 0xfff) == 136 ? &pts_elsewhere_fops : NULL;
}

static struct super_block *dev_sb;

/* The devtmpfs instance: one (mount -t devtmpfs shows the same). */
struct super_block *devtmpfs_sb(void)
{
	return dev_sb;
}

static int add_devices(struct inode *dev)
{
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		int err = dev->ops->symlink(dev, links[i][0],
					    strlen(links[i][0]), links[i][1]);

		if (err)
			return err;
	}
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		struct inode *ino = inode_alloc(NULL, devices[i].fops,
						S_IFCHR | devices[i].mode);
		int err;

		if (!ino)
			return -ENOMEM;
		ino->rdev = devices[i].rdev;
		ino->dev = DEVTMPFS_DEV;
		ino->sb = dev->sb;
		err = ramfs_add(dev, devices[i].name, ino);
		if (err)
			ino->nlink = 0;
		inode_put(ino);
		if (err)
			return err;
	}
	return 0;
}

/* A directory of dev (/dev/shm, /dev/pts). */
static int add_dir(struct inode *dev, const char *name, unsigned mode)
{
	struct inode *dir;
	int err =
	    dev->ops->create(dev, name, strlen(name), S_IFDIR | mode, &dir);

	if (!err)
		inode_put(dir);
	return err;
}

int devfs_init(void)
{
	struct super_block *sb =
	    ramfs_new_sb("devtmpfs", TMPFS_MAGIC, DEVTMPFS_DEV);
	struct super_block *pts = devpts_sb();
	int err;

	if (!sb || !pts)
		return -ENOMEM;
	sb->singleton = true;
	dev_sb = sb; /* a second vfs_init (tests) leaves the old one */
	console_input_init();
	err = tmpfs_init(sb, "mode=755");
	if (!err)
		err = add_devices(sb->root);
	if (!err)
		err = blkfile_add_nodes(sb->root);
	/* /dev/shm: where shm_open(3) makes its files, writable by all. */
	if (!err)
		err = add_dir(sb->root, "shm", 01777);
	if (!err)
		err = add_dir(sb->root, "pts", 0755);
	if (!err)
		err = mount_kernel("/dev", sb, "devtmpfs", MNT_RELATIME);
	if (!err)
		err = mount_kernel("/dev/pts", pts, "devpts", MNT_RELATIME);
	return err;
}

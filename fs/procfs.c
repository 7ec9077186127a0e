/*
 * procfs.c - /proc and /sys (fs/): small trees of fixed nodes whose files
 * are generated text, made when opened (meminfo, cpuinfo, maps, mounts,
 * mountinfo, cmdline, comm, status, net/dev, sys/kernel/ostype...,
 * sys/fs/inotify/..., sys/fs/aio-nr..., cpu/online), plus symlinks:
 * /proc/self -> 1, /proc/net -> self/net, /proc/mounts -> self/mounts,
 * 1/exe, 1/cwd, 1/root, and the directory 1/fd whose entries are "magic"
 * links to the open files. Each tree is one superblock (procfs_sb,
 * sysfs_sb) that fs/mount.c mounts; inodes are made on lookup and freed
 * with their last reference.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/mount.h>
#include <keel/pmm.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/procfs.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/tty.h>
#include <keel/vfs.h>
#include <keel/version.h>
#include <keel/vm.h>

#define PROC_DEV 3 /* st_dev 0:3 */
#define SYS_DEV 20
/* Above ramfs's numbers, so a name found by inode number is ours. */
#define PROC_INO_BASE (1ULL << 32)
#define FD_INO_BASE (PROC_INO_BASE + 0x10000)
#define GEN_MAX (1UL << 20)

struct pnode {
	const char *name;
	unsigned mode;
	uint32_t ino;
	const struct pnode *children; /* static directories */
	size_t nchildren;
	const struct inode_ops *iops; /* NULL: the default of the type */
	/* Files: write the text into buf, return its full length. */
	size_t (*gen)(char *buf, size_t len);
	int provided; /* 1 + enum procfs_text: a higher layer's gen */
	const char *link; /* fixed symlink target */
};

static const struct inode_ops dir_iops, link_iops, fd_dir_iops;
static const struct file_ops gen_fops;

/* ---- generated files ---- */

static size_t gen_meminfo(char *buf, size_t len)
{
	struct pmm_stats st;
	size_t kb = PAGE_SIZE / 1024;

	pmm_stats(&st);
	return (size_t)snprintf(
	    buf, len,
	    "%-16s%8zu kB\n%-16s%8zu kB\n%-16s%8zu kB\n"
	    "%-16s%8u kB\n%-16s%8u kB\n%-16s%8u kB\n"
	    "%-16s%8u kB\n",
	    "MemTotal:", st.total_pages * kb, "MemFree:", st.free_pages * kb,
	    "MemAvailable:", st.free_pages * kb, "Buffers:", 0, "Cached:", 0,
	    "SwapTotal:", 0, "SwapFree:", 0);
}

static size_t gen_cpuinfo(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len,
				"processor\t: 0\n"
				"vendor_id\t: unknown\n"
				"model name\t: virtual x86-64 CPU (keel)\n"
				"physical id\t: 0\n"
				"siblings\t: 1\n"
				"core id\t\t: 0\n"
				"cpu cores\t: 1\n"
				"\n");
}

static size_t gen_maps(char *buf, size_t len)
{
	size_t n = vm_format_maps(buf, len);

	/* Only whole lines fit: near the end, ask for a bigger buffer. */
	return n + 512 > len ? len + 1 : n;
}

/* The mount table (fs/mount.c), as /proc/self/mounts and mountinfo. */
static size_t gen_mounts(char *buf, size_t len)
{
	return mount_format(buf, len, false);
}

static size_t gen_mountinfo(char *buf, size_t len)
{
	return mount_format(buf, len, true);
}

static size_t gen_cpu0(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "0\n");
}

static size_t gen_cmdline(char *buf, size_t len)
{
	const char **argv = current_process()->argv;
	size_t n = 0;

	for (; argv && *argv; argv++) {
		size_t l = strlen(*argv) + 1;

		if (n + l <= len)
			memcpy(buf + n, *argv, l);
		n += l;
	}
	return n;
}

static size_t gen_comm(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s\n", current_thread()->name);
}

static size_t gen_status(char *buf, size_t len)
{
	const struct process *p = current_process();
	const struct cred *c = &p->cred;
	size_t n = (size_t)snprintf(
	    buf, len,
	    "Name:\t%s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%d\n"
	    "Pid:\t%d\nPPid:\t0\nUid:\t%u\t%u\t%u\t%u\n"
	    "Gid:\t%u\t%u\t%u\t%u\nGroups:\t",
	    current_thread()->name, vfs_get_umask(), p->pid, p->pid, c->ruid,
	    c->euid, c->suid, c->fsuid, c->rgid, c->egid, c->sgid, c->fsgid);

	for (unsigned i = 0; i < c->ngroups; i++)
		n += (size_t)snprintf(buf + MIN(n, len), len - MIN(n, len),
				      "%u ", c->groups[i]);
	return n + (size_t)snprintf(buf + MIN(n, len), len - MIN(n, len), "\n");
}

/* /proc/sys/kernel: what uname(2) says. */
static size_t gen_ostype(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "Linux\n");
}

static size_t gen_osrelease(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, KEEL_UTS_RELEASE "\n");
}

static size_t gen_hostname(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, KEEL_UTS_NODENAME "\n");
}

static size_t gen_domainname(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, KEEL_UTS_DOMAINNAME "\n");
}

static size_t gen_version(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "#1 keel " KEEL_VERSION "\n");
}

/* /proc/sys/fs/inotify: its limits (fixed). */
static size_t gen_in_instances(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", INOTIFY_MAX_USER_INSTANCES);
}

static size_t gen_in_watches(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", INOTIFY_MAX_USER_WATCHES);
}

static size_t gen_in_queued(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", INOTIFY_MAX_QUEUED_EVENTS);
}

/* /proc/sys/kernel/pty: the pseudo-terminal pairs (fs/pty.c). */
static size_t gen_pty_max(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", PTY_MAX);
}

static size_t gen_pty_nr(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%u\n", pty_count());
}

static size_t gen_pty_reserve(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "1024\n");
}

/* Generators handed over by net/ and linux/ (include/keel/procfs.h). */
static procfs_gen provided[PROCFS_NTEXTS];

void procfs_provide(enum procfs_text which, procfs_gen gen)
{
	if ((unsigned)which < PROCFS_NTEXTS)
		provided[which] = gen;
}

static size_t gen_text(const struct pnode *n, char *buf, size_t len)
{
	procfs_gen gen = n->provided ? provided[n->provided - 1] : n->gen;

	if (gen)
		return gen(buf, len);
	if (len)
		buf[0] = '\0';
	return 0;
}

/* The text of a generated file, made at open. */
struct gen_text {
	size_t len;
	char data[];
};

static int gen_open(struct file *f)
{
	const struct pnode *n = f->inode->priv;
	size_t cap = 4096, len;
	struct gen_text *t;

	if ((f->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	for (;;) {
		t = kmalloc(sizeof(*t) + cap);
		if (!t)
			return -ENOMEM;
		len = gen_text(n, t->data, cap);
		if (len < cap)
			break;
		kfree(t);
		if (cap >= GEN_MAX)
			return -ENOMEM;
		cap *= 2;
	}
	t->len = len;
	f->priv = t;
	return 0;
}

static long gen_read(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	struct gen_text *t = f->priv;

	if (*pos >= t->len)
		return 0;
	len = MIN(len, t->len - *pos);
	if (iobuf_put(b, 0, t->data + *pos, len))
		return -EFAULT;
	*pos += len;
	return (long)len;
}

static void gen_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops gen_fops = {
	.open = gen_open,
	.read = gen_read,
	.release = gen_release,
	.llseek = generic_llseek,
};

/* ---- the trees ---- */

#define PDIR(nm, i, kids)                                       \
	{                                                       \
		.name = nm, .mode = S_IFDIR | 0555, .ino = i,   \
		.children = kids, .nchildren = ARRAY_SIZE(kids) \
	}
#define PFILE(nm, i, fn)                                                \
	{                                                               \
		.name = nm, .mode = S_IFREG | 0444, .ino = i, .gen = fn \
	}
#define PPROVIDED(nm, i, which)                               \
	{                                                     \
		.name = nm, .mode = S_IFREG | 0444, .ino = i, \
		.provided = 1 + (which)                       \
	}
#define PLINK(nm, i, target, ops)                                             \
	{                                                                     \
		.name = nm, .mode = S_IFLNK | 0777, .ino = i, .link = target, \
		.iops = ops                                                   \
	}

static const struct inode_ops exe_iops, cwd_iops;

static const struct pnode net_dir[] = {
	PPROVIDED("dev", 67, PROCFS_NET_DEV),
	PPROVIDED("pnp", 68, PROCFS_NET_PNP),
};

static const struct pnode pid_dir[] = {
	PLINK("cwd", 20, NULL, &cwd_iops),
	PLINK("exe", 21, NULL, &exe_iops),
	{ .name = "fd",
	  .mode = S_IFDIR | 0500,
	  .ino = 22,
	  .iops = &fd_dir_iops },
	PFILE("maps", 23, gen_maps),
	PFILE("mounts", 24, gen_mounts),
	PFILE("mountinfo", 29, gen_mountinfo),
	PLINK("root", 25, "/", NULL),
	PFILE("cmdline", 26, gen_cmdline),
	PFILE("comm", 27, gen_comm),
	PFILE("status", 28, gen_status),
	PDIR("net", 66, net_dir),
};

static const struct pnode pty_dir[] = {
	PFILE("max", 60, gen_pty_max),
	PFILE("nr", 61, gen_pty_nr),
	PFILE("reserve", 62, gen_pty_reserve),
};

static const struct pnode kernel_dir[] = {
	PFILE("ostype", 50, gen_ostype),
	PFILE("osrelease", 51, gen_osrelease),
	PFILE("hostname", 52, gen_hostname),
	PFILE("domainname", 53, gen_domainname),
	PFILE("version", 54, gen_version),
	PDIR("pty", 63, pty_dir),
};
static const struct pnode inotify_dir[] = {
	PFILE("max_queued_events", 57, gen_in_queued),
	PFILE("max_user_instances", 58, gen_in_instances),
	PFILE("max_user_watches", 59, gen_in_watches),
};
static const struct pnode fs_dir[] = {
	PPROVIDED("aio-max-nr", 65, PROCFS_AIO_MAX_NR),
	PPROVIDED("aio-nr", 64, PROCFS_AIO_NR),
	PDIR("inotify", 56, inotify_dir),
};
static const struct pnode procsys_dir[] = {
	PDIR("fs", 55, fs_dir),
	PDIR("kernel", 49, kernel_dir),
};

static const struct pnode proc_dir[] = {
	PDIR("1", 10, pid_dir),
	PLINK("self", 11, "1", NULL),
	PFILE("cpuinfo", 12, gen_cpuinfo),
	PFILE("meminfo", 13, gen_meminfo),
	PLINK("mounts", 14, "self/mounts", NULL),
	PDIR("sys", 15, procsys_dir),
	PLINK("net", 16, "self/net", NULL),
};

static const struct pnode cpu_dir[] = {
	PFILE("online", 40, gen_cpu0),
	PFILE("possible", 41, gen_cpu0),
	PFILE("present", 42, gen_cpu0),
};
static const struct pnode system_dir[] = { PDIR("cpu", 32, cpu_dir) };
static const struct pnode devices_dir[] = { PDIR("system", 31, system_dir) };
static const struct pnode sys_dir[] = { PDIR("devices", 30, devices_dir) };

static const struct pnode proc_root = PDIR("proc", 1, proc_dir);
static const struct pnode sys_root = PDIR("sys", 2, sys_dir);

/* The inode of node n, a child of dir (NULL for the roots). */
static struct inode *node_inode(const struct pnode *n, struct inode *dir)
{
	const struct inode_ops *iops = n->iops;
	const struct file_ops *fops = NULL;
	struct inode *ino;

	if (!iops)
		iops = S_ISDIR(n->mode)	  ? &dir_iops
		       : S_ISLNK(n->mode) ? &link_iops
					  : NULL;
	if (S_ISDIR(n->mode))
		fops = &dir_fops;
	else if (S_ISREG(n->mode))
		fops = &gen_fops;
	ino = inode_alloc(iops, fops, n->mode);
	if (!ino)
		return NULL;
	ino->ino = PROC_INO_BASE + n->ino;
	ino->priv = (void *)n;
	if (dir) {
		ino->dev = dir->dev;
		ino->sb = dir->sb;
		ino->flags |= I_TRANSIENT;
		if (S_ISDIR(n->mode)) {
			inode_get(dir);
			ino->parent = dir;
		}
	}
	return ino;
}

static int dir_lookup(struct inode *dir, const char *name, size_t len,
		      struct inode **out)
{
	const struct pnode *d = dir->priv;

	for (size_t i = 0; i < d->nchildren; i++) {
		const struct pnode *n = &d->children[i];

		if (strlen(n->name) == len && !memcmp(n->name, name, len)) {
			*out = node_inode(n, dir);
			return *out ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

static int dir_readdir(struct inode *dir, uint64_t *pos, struct dir_ctx *ctx)
{
	const struct pnode *d = dir->priv;

	for (; *pos - 2 < d->nchildren; (*pos)++) {
		const struct pnode *n = &d->children[*pos - 2];

		if (!ctx->emit(ctx, n->name, strlen(n->name),
			       PROC_INO_BASE + n->ino, (n->mode & S_IFMT) >> 12,
			       *pos + 1))
			break;
	}
	return 0;
}

static long copy_text(const char *s, char *buf, size_t len)
{
	size_t n = MIN(strlen(s), len);

	memcpy(buf, s, n);
	return (long)n;
}

static long link_readlink(struct inode *ino, char *buf, size_t len)
{
	const struct pnode *n = ino->priv;

	return copy_text(n->link, buf, len);
}

static long exe_readlink(struct inode *ino, char *buf, size_t len)
{
	struct process *p = current_process();

	(void)ino;
	if (!p || !p->exe)
		return -ENOENT;
	return copy_text(p->exe, buf, len);
}

static long cwd_readlink(struct inode *ino, char *buf, size_t len)
{
	char *path = kmalloc(PATH_MAX);
	long n;

	(void)ino;
	if (!path)
		return -ENOMEM;
	n = vfs_getcwd(path, PATH_MAX);
	if (n > 0)
		n = copy_text(path, buf, len);
	kfree(path);
	return n;
}

static int cwd_follow(struct inode *ino, struct inode **out)
{
	(void)ino;
	*out = fs_cwd();
	inode_get(*out);
	return 0;
}

/* ---- /proc/self/fd ---- */

static long fdlink_readlink(struct inode *ino, char *buf, size_t len)
{
	struct file *f = fd_get((int)(ino->ino - FD_INO_BASE));
	long n;

	if (!f)
		return -ENOENT;
	n = copy_text(file_path(f), buf, len);
	file_put(f);
	return n;
}

static int fdlink_follow(struct inode *ino, struct inode **out)
{
	struct file *f = fd_get((int)(ino->ino - FD_INO_BASE));

	if (!f)
		return -ENOENT;
	*out = f->inode;
	inode_get(*out);
	file_put(f);
	return 0;
}

static const struct inode_ops fdlink_iops = {
	.readlink = fdlink_readlink,
	.follow = fdlink_follow,
};

static int fd_lookup(struct inode *dir, const char *name, size_t len,
		     struct inode **out)
{
	struct inode *ino;
	struct file *f;
	int fd = 0;

	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9' || fd >= FD_MAX ||
		    (i == 0 && name[0] == '0' && len > 1))
			return -ENOENT;
		fd = fd * 10 + (name[i] - '0');
	}
	f = fd_get(fd);
	if (!f)
		return -ENOENT;
	file_put(f);
	ino = inode_alloc(&fdlink_iops, NULL, S_IFLNK | 0700);
	if (!ino)
		return -ENOMEM;
	ino->ino = FD_INO_BASE + (uint64_t)fd;
	ino->dev = dir->dev;
	ino->sb = dir->sb;
	ino->flags |= I_TRANSIENT;
	*out = ino;
	return 0;
}

static int fd_readdir(struct inode *dir, uint64_t *pos, struct dir_ctx *ctx)
{
	(void)dir;
	for (; *pos - 2 < FD_MAX; (*pos)++) {
		int fd = (int)(*pos - 2);
		struct file *f = fd_get(fd);
		char name[8];
		int n;

		if (!f)
			continue;
		file_put(f);
		n = snprintf(name, sizeof(name), "%d", fd);
		if (!ctx->emit(ctx, name, (size_t)n, FD_INO_BASE + (uint64_t)fd,
			       DT_LNK, *pos + 1))
			break;
	}
	return 0;
}

static const struct inode_ops dir_iops = {
	.lookup = dir_lookup,
	.readdir = dir_readdir,
};
static const struct inode_ops fd_dir_iops = {
	.lookup = fd_lookup,
	.readdir = fd_readdir,
};
static const struct inode_ops link_iops = { .readlink = link_readlink };
static const struct inode_ops exe_iops = { .readlink = exe_readlink };
static const struct inode_ops cwd_iops = {
	.readlink = cwd_readlink,
	.follow = cwd_follow,
};

/* The superblock of a tree: made once, never freed. */
static struct super_block *tree_sb(struct super_block **sbp,
				   const struct pnode *root, const char *type,
				   uint32_t magic, uint32_t dev)
{
	struct super_block *sb = *sbp;

	if (sb)
		return sb;
	sb = sb_alloc(type, magic, NULL);
	if (!sb)
		return NULL;
	sb->root = node_inode(root, NULL);
	if (!sb->root) {
		kfree(sb);
		return NULL;
	}
	sb->dev = sb->root->dev = dev;
	sb->root->sb = sb;
	sb->root->flags |= I_MOUNT;
	sb->singleton = true;
	*sbp = sb;
	return sb;
}

struct super_block *procfs_sb(void)
{
	static struct super_block *sb;

	return tree_sb(&sb, &proc_root, "proc", PROC_SUPER_MAGIC, PROC_DEV);
}

struct super_block *sysfs_sb(void)
{
	static struct super_block *sb;

	return tree_sb(&sb, &sys_root, "sysfs", SYSFS_MAGIC, SYS_DEV);
}

/*
 * procfs.c - /proc (fs/) and the machinery of its trees and /sys's: fixed
 * nodes (fs/procfs_node.h) whose files are generated text, made when
 * opened (meminfo, cpuinfo, stat, uptime, loadavg, mounts, mountinfo,
 * net/dev, sysvipc/shm: fs/shm.c), written as one integer when writable
 * (/proc/sys: fs/procfs_sys.c; /proc/PID/oom_score_adj), plus symlinks:
 * /proc/self -> the caller's pid, /proc/net -> self/net, /proc/mounts ->
 * self/mounts. /proc lists a directory PID for every process, alive or
 * zombie (process_for_each), whose files are that process's (stat,
 * statm, status, cmdline, comm, maps: fs/procfs_pid.c), with the links
 * exe, cwd, root and the directory fd whose entries are "magic" links to
 * its open files. A node under PID carries the pid in its inode number
 * (PID_INO); each file finds its process again at open (process_get), so
 * a process reaped meanwhile gives ESRCH. Each tree is one superblock
 * (procfs_sb; sysfs_sb in fs/sysfs.c) that fs/mount.c mounts; inodes are
 * made on lookup and freed with their last reference.
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mmu.h>
#include <keel/mount.h>
#include <keel/oom.h>
#include <keel/pmm.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/procfs.h>
#include <keel/sched.h>
#include <keel/shm.h>
#include <keel/string.h>
#include <keel/vfs.h>
#include <keel/vm.h>
#include "procfs_node.h"
#include "procfs_pid.h"

#define PROC_DEV 3 /* st_dev 0:3 */
/* Above ramfs's numbers, so a name found by inode number is ours. */
#define PROC_INO_BASE (1ULL << 32)
/* The nodes under /proc/PID: node n (a pnode's ino, or FD_INO + fd). */
#define PID_INO_BASE (PROC_INO_BASE << 1)
#define PID_INO(pid, n) (PID_INO_BASE + ((uint64_t)(pid) << 32) + (n))
#define FD_INO 0x80000000ULL /* descriptors are below NR_OPEN_MAX < 2^31 */
#define PID_NODE_INO 10 /* /proc/PID itself */
#define GEN_MAX (1UL << 20)

static const struct inode_ops dir_iops, link_iops, fd_dir_iops, root_iops,
    file_iops;
static const struct file_ops gen_fops;

/* ---- generated files ---- */

/*
 * Linux's names. CommitLimit and Committed_AS: kernel/vm_commit.c's
 * (mode 2's limit, and the pages charged by every process).
 * Slab: every page the kernel heap holds (its slabs and
 * its large objects); KernelStack: the threads' kernel stacks;
 * PageTables: every space's tables. So a child's cost can be split the
 * same way in keel and in Linux (bench/forkmem.c).
 */
static size_t gen_meminfo(char *buf, size_t len)
{
	struct pmm_stats st;
	struct heap_stats hs;
	size_t kb = PAGE_SIZE / 1024;

	pmm_stats(&st);
	heap_stats(&hs);
	return (size_t)snprintf(
	    buf, len,
	    "%-16s%8zu kB\n%-16s%8zu kB\n%-16s%8zu kB\n"
	    "%-16s%8u kB\n%-16s%8u kB\n%-16s%8u kB\n"
	    "%-16s%8u kB\n%-16s%8zu kB\n%-16s%8zu kB\n%-16s%8zu kB\n"
	    "%-16s%8zu kB\n%-16s%8zu kB\n",
	    "MemTotal:", st.total_pages * kb, "MemFree:", st.free_pages * kb,
	    "MemAvailable:", st.free_pages * kb, "Buffers:", 0, "Cached:", 0,
	    "SwapTotal:", 0, "SwapFree:", 0, "Slab:", hs.pages * kb,
	    "KernelStack:", sched_stack_bytes() / 1024,
	    "PageTables:", mmu_table_pages() * kb,
	    "CommitLimit:", vm_commit_limit() * kb,
	    "Committed_AS:", vm_committed() * kb);
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

/* The mount table (fs/mount.c), as /proc/self/mounts and mountinfo. */
static size_t gen_mounts(char *buf, size_t len)
{
	return mount_format(buf, len, false);
}

static size_t gen_mountinfo(char *buf, size_t len)
{
	return mount_format(buf, len, true);
}

/* Generators (and setters) handed over by net/ and linux/
 * (include/keel/procfs.h). */
static procfs_gen provided[PROCFS_NTEXTS];
static procfs_set provided_set[PROCFS_NTEXTS];

void procfs_provide(enum procfs_text which, procfs_gen gen)
{
	if ((unsigned)which < PROCFS_NTEXTS)
		provided[which] = gen;
}

void procfs_provide_sysctl(enum procfs_text which, procfs_gen gen,
			   procfs_set set)
{
	if ((unsigned)which < PROCFS_NTEXTS) {
		provided[which] = gen;
		provided_set[which] = set;
	}
}

/* The setter of a writable integer: its own, or a higher layer's. */
static procfs_set node_set(const struct pnode *n)
{
	if (n->set)
		return n->set;
	return n->provided ? provided_set[n->provided - 1] : NULL;
}

/* Whether root (or, for pset, the owner) may write the file at all. */
static bool node_writable(const struct pnode *n)
{
	return node_set(n) || n->pset || n->set_text;
}

/* The pid a node under /proc/PID belongs to, or 0. */
static int ino_pid(const struct inode *ino)
{
	if (ino->ino < PID_INO_BASE)
		return 0;
	return (int)((ino->ino - PID_INO_BASE) >> 32);
}

/* The process of a node under /proc/PID (a reference), or NULL. */
static struct process *ino_process(const struct inode *ino)
{
	int pid = ino_pid(ino);

	return pid ? process_get(pid) : NULL;
}

static size_t gen_text(const struct pnode *n, struct process *p, char *buf,
		       size_t len)
{
	procfs_gen gen = n->provided ? provided[n->provided - 1] : n->gen;

	if (n->pgen)
		return n->pgen(p, buf, len);
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

/*
 * Writable sysctls are root's (Linux's sysctl_perm: by euid); a
 * process's own files (oom_score_adj) also its owner's.
 */
static bool may_write(const struct pnode *n, const struct process *p)
{
	unsigned euid = cred_current()->euid;

	if (node_set(n) || n->set_text)
		return euid == 0;
	return n->pset && p && (euid == 0 || euid == p->cred.euid);
}

static int gen_open(struct file *f)
{
	const struct pnode *n = f->inode->priv;
	struct process *p = NULL;
	size_t cap = 4096, len;
	struct gen_text *t;
	int err = 0;

	if ((n->pgen || n->pset) && !(p = ino_process(f->inode)))
		return -ESRCH; /* reaped since the lookup */
	if ((f->flags & O_ACCMODE) != O_RDONLY && !may_write(n, p)) {
		if (p)
			process_put(p);
		return -EACCES;
	}
	for (;;) {
		t = kmalloc(sizeof(*t) + cap);
		if (!t) {
			err = -ENOMEM;
			break;
		}
		len = gen_text(n, p, t->data, cap);
		if (len < cap)
			break;
		kfree(t);
		t = NULL;
		if (cap >= GEN_MAX) {
			err = -ENOMEM;
			break;
		}
		cap *= 2;
	}
	if (p)
		process_put(p);
	if (err)
		return err;
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

#define SYSCTL_WRITE_MAX 4095

/* A per-process integer: to the process the file is of (-ESRCH: gone). */
static int set_of_process(struct file *f, const struct pnode *n, long v)
{
	struct process *p = ino_process(f->inode);
	int err;

	if (!p)
		return -ESRCH;
	err = n->pset(p, v);
	process_put(p);
	return err;
}

/* Store the text of a write to node n (file f): the bytes taken, or
 * -errno (an integer's, then the setter's; a text's setter takes all). */
static long store(struct file *f, const struct pnode *n, const char *text,
		  size_t len)
{
	long used, v = 0;
	int err;

	if (n->set_text) {
		err = n->set_text(text, len);
		return err ? err : (long)len;
	}
	used = procfs_parse_int(text, len, n->min, n->max, &v);
	if (used < 0)
		return used;
	err = n->pset ? set_of_process(f, n, v) : node_set(n)((unsigned long)v);
	return err ? err : used;
}

/*
 * A write to a writable file: the whole value in one write at offset 0
 * (Linux's sysctl_writes_strict; a write further on is ignored,
 * returning 0); what follows an integer is not consumed.
 */
static long gen_write(struct file *f, struct iobuf b, size_t len, uint64_t *pos)
{
	const struct pnode *n = f->inode->priv;
	char buf[64], *text;
	long used;

	if (!node_writable(n))
		return -EINVAL;
	if (*pos || !len)
		return 0;
	if (len > SYSCTL_WRITE_MAX)
		return -EINVAL;
	text = len < sizeof(buf) ? buf : kmalloc(len + 1);
	if (!text)
		return -ENOMEM;
	used = iobuf_get(text, b, 0, len) ? -EFAULT : store(f, n, text, len);
	if (text != buf)
		kfree(text);
	if (used > 0)
		*pos += (uint64_t)used;
	return used;
}

static void gen_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops gen_fops = {
	.open = gen_open,
	.read = gen_read,
	.write = gen_write,
	.release = gen_release,
	.llseek = generic_llseek,
};

/* ---- the trees ---- */

static const struct inode_ops exe_iops, cwd_iops, self_iops;

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
	PPFILE("maps", 23, procpid_maps),
	PFILE("mounts", 24, gen_mounts),
	PFILE("mountinfo", 29, gen_mountinfo),
	PLINK("root", 25, "/", NULL),
	PPFILE("cmdline", 26, procpid_cmdline),
	PPFILE("comm", 27, procpid_comm),
	PPFILE("status", 28, procpid_status),
	PPFILE("stat", 69, procpid_stat),
	PPFILE("statm", 70, procpid_statm),
	PPSET("oom_score_adj", 75, procpid_oom_score_adj, oom_set_score_adj,
	      OOM_SCORE_ADJ_MIN, OOM_SCORE_ADJ_MAX),
	PPFILE("oom_score", 76, procpid_oom_score),
	PDIR("net", 66, net_dir),
};

/* /proc/sysvipc: SysV IPC objects (fs/shm.c; no messages or semaphores). */
static const struct pnode sysvipc_dir[] = { PFILE("shm", 84, shm_gen_sysvipc) };

/* /proc/PID (its name is the pid, its inode number PID_INO's). */
static const struct pnode pid_node = PDIR("", PID_NODE_INO, pid_dir);

static const struct pnode proc_dir[] = {
	PLINK("self", 11, NULL, &self_iops),
	PFILE("cpuinfo", 12, gen_cpuinfo),
	PFILE("meminfo", 13, gen_meminfo),
	PFILE("stat", 73, proc_gen_stat),
	PFILE("uptime", 71, proc_gen_uptime),
	PFILE("loadavg", 72, proc_gen_loadavg),
	PLINK("mounts", 14, "self/mounts", NULL),
	{ .name = "sys",
	  .mode = S_IFDIR | 0555,
	  .ino = 15,
	  .children = procsys_dir,
	  .nchildren = PROCSYS_NDIRS },
	PDIR("sysvipc", 80, sysvipc_dir),
	PLINK("net", 16, "self/net", NULL),
};

static const struct pnode proc_root = {
	.name = "proc",
	.mode = S_IFDIR | 0555,
	.ino = 1,
	.children = proc_dir,
	.nchildren = ARRAY_SIZE(proc_dir),
	.iops = &root_iops,
};

/* The inode number of node n, under /proc/PID when pid is not 0. */
static uint64_t node_ino(const struct pnode *n, int pid)
{
	return pid ? PID_INO(pid, n->ino) : PROC_INO_BASE + n->ino;
}

/* The inode of node n, a child of dir (NULL for the roots), belonging to
 * /proc/PID when pid is not 0. */
static struct inode *node_inode(const struct pnode *n, struct inode *dir,
				int pid)
{
	const struct inode_ops *iops = n->iops;
	const struct file_ops *fops = NULL;
	struct inode *ino;

	if (!iops)
		iops = S_ISDIR(n->mode)	  ? &dir_iops
		       : S_ISLNK(n->mode) ? &link_iops
		       : S_ISREG(n->mode) ? &file_iops
					  : NULL;
	if (S_ISDIR(n->mode))
		fops = &dir_fops;
	else if (S_ISREG(n->mode))
		fops = &gen_fops;
	ino = inode_alloc(iops, fops, n->mode);
	if (!ino)
		return NULL;
	ino->ino = node_ino(n, pid);
	ino->priv = (void *)n;
	if (dir) {
		ino->dev = dir->dev;
		ino->sb = dir->sb;
		ino->uid = dir->uid; /* a process's files are its owner's */
		ino->gid = dir->gid;
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
			*out = node_inode(n, dir, ino_pid(dir));
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
			       node_ino(n, ino_pid(dir)),
			       (n->mode & S_IFMT) >> 12, *pos + 1))
			break;
	}
	return 0;
}

/* A decimal name without leading zeros below max: its value, or -1. */
static int name_number(const char *name, size_t len, int max)
{
	long v = 0;

	if (!len || len > 10 || (name[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
		if (v >= max)
			return -1;
	}
	return (int)v;
}

/* ---- /proc itself: the fixed entries, then a directory per pid ---- */

#define PID_MAX_NAME (1 << 22) /* Linux's pid_max limit */
#define PID_POS 0x10000 /* readdir cookies: PID_POS + the next pid */
#define PID_BATCH 64

static int root_lookup(struct inode *dir, const char *name, size_t len,
		       struct inode **out)
{
	int pid = name_number(name, len, PID_MAX_NAME), err;
	struct process *p;

	err = dir_lookup(dir, name, len, out);
	if (err != -ENOENT || pid <= 0)
		return err;
	p = process_get(pid);
	if (!p)
		return -ENOENT;
	*out = node_inode(&pid_node, dir, pid);
	if (*out) {
		(*out)->uid = p->cred.euid;
		(*out)->gid = p->cred.egid;
	}
	process_put(p);
	return *out ? 0 : -ENOMEM;
}

/* The smallest pids from a floor, in order (process_for_each's fn may
 * not sleep, so they are gathered in batches of PID_BATCH). */
struct pid_batch {
	int from, n;
	int pids[PID_BATCH];
};

static int gather_pid(struct process *p, void *arg)
{
	struct pid_batch *b = arg;
	int i;

	if (p->pid < b->from ||
	    (b->n == PID_BATCH && p->pid > b->pids[PID_BATCH - 1]))
		return 0;
	if (b->n < PID_BATCH)
		b->n++;
	for (i = b->n - 1; i > 0 && b->pids[i - 1] > p->pid; i--)
		b->pids[i] = b->pids[i - 1];
	b->pids[i] = p->pid;
	return 0;
}

static int root_readdir(struct inode *dir, uint64_t *pos, struct dir_ctx *ctx)
{
	const struct pnode *d = dir->priv;
	struct pid_batch b;

	if (*pos - 2 < d->nchildren) {
		dir_readdir(dir, pos, ctx);
		if (*pos - 2 < d->nchildren)
			return 0; /* the buffer is full */
		*pos = PID_POS;
	}
	do {
		b.from = (int)(*pos - PID_POS);
		b.n = 0;
		process_for_each(gather_pid, &b);
		for (int i = 0; i < b.n; i++) {
			char name[12];
			int n = snprintf(name, sizeof(name), "%d", b.pids[i]);

			if (!ctx->emit(ctx, name, (size_t)n,
				       PID_INO(b.pids[i], PID_NODE_INO), DT_DIR,
				       PID_POS + (uint64_t)b.pids[i] + 1))
				return 0;
			*pos = PID_POS + (uint64_t)b.pids[i] + 1;
		}
	} while (b.n == PID_BATCH);
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

/* /proc/self: the caller's pid, as on Linux. */
static long self_readlink(struct inode *ino, char *buf, size_t len)
{
	char pid[12];

	(void)ino;
	snprintf(pid, sizeof(pid), "%d", current_process()->pid);
	return copy_text(pid, buf, len);
}

static long exe_readlink(struct inode *ino, char *buf, size_t len)
{
	struct process *p = ino_process(ino);
	long n = -ENOENT;

	if (!p)
		return -ENOENT;
	if (p->exe && p->state == PROCESS_ALIVE)
		n = copy_text(p->exe, buf, len);
	process_put(p);
	return n;
}

/* The process's cwd (a reference), or -ENOENT (reaped, or a zombie). */
static int cwd_follow(struct inode *ino, struct inode **out)
{
	struct process *p = ino_process(ino);

	*out = p ? fs_cwd_of(p) : NULL;
	if (p)
		process_put(p);
	return *out ? 0 : -ENOENT;
}

static long cwd_readlink(struct inode *ino, char *buf, size_t len)
{
	char *path;
	struct inode *dir;
	long n = cwd_follow(ino, &dir);

	if (n)
		return n;
	path = kmalloc(PATH_MAX);
	n = path ? inode_dir_path(dir, path, PATH_MAX) : -ENOMEM;
	if (n >= 0)
		n = copy_text(path, buf, len);
	kfree(path);
	inode_put(dir);
	return n;
}

/* ---- /proc/PID/fd ---- */

/* The open file a /proc/PID/fd/N link names (a reference), or NULL. */
static struct file *fdlink_file(struct inode *ino)
{
	struct process *p = ino_process(ino);
	struct file *f;

	if (!p)
		return NULL;
	f = fd_get_of(p, (int)(ino->ino - PID_INO(ino_pid(ino), FD_INO)));
	process_put(p);
	return f;
}

static long fdlink_readlink(struct inode *ino, char *buf, size_t len)
{
	struct file *f = fdlink_file(ino);
	long n;

	if (!f)
		return -ENOENT;
	n = copy_text(file_path(f), buf, len);
	file_put(f);
	return n;
}

static int fdlink_follow(struct inode *ino, struct inode **out)
{
	struct file *f = fdlink_file(ino);

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
	int fd = name_number(name, len, NR_OPEN_MAX), pid = ino_pid(dir);
	struct process *p = ino_process(dir);
	struct inode *ino;
	struct file *f;

	if (!p)
		return -ENOENT;
	f = fd < 0 ? NULL : fd_get_of(p, fd);
	process_put(p);
	if (!f)
		return -ENOENT;
	file_put(f);
	ino = inode_alloc(&fdlink_iops, NULL, S_IFLNK | 0700);
	if (!ino)
		return -ENOMEM;
	ino->ino = PID_INO(pid, FD_INO + (uint64_t)fd);
	ino->dev = dir->dev;
	ino->sb = dir->sb;
	ino->uid = dir->uid;
	ino->gid = dir->gid;
	ino->flags |= I_TRANSIENT;
	*out = ino;
	return 0;
}

static int fd_readdir(struct inode *dir, uint64_t *pos, struct dir_ctx *ctx)
{
	struct process *p = ino_process(dir);
	int pid = ino_pid(dir), fd;

	if (!p)
		return 0;
	while (*pos - 2 < NR_OPEN_MAX &&
	       (fd = fd_next_of(p, (int)(*pos - 2))) >= 0) {
		char name[8];
		int n = snprintf(name, sizeof(name), "%d", fd);

		*pos = 2 + (uint64_t)fd;
		if (!ctx->emit(ctx, name, (size_t)n,
			       PID_INO(pid, FD_INO + (uint64_t)fd), DT_LNK,
			       *pos + 1))
			break;
		(*pos)++;
	}
	process_put(p);
	return 0;
}

static const struct inode_ops dir_iops = {
	.lookup = dir_lookup,
	.readdir = dir_readdir,
};
static const struct inode_ops root_iops = {
	.lookup = root_lookup,
	.readdir = root_readdir,
};
static const struct inode_ops fd_dir_iops = {
	.lookup = fd_lookup,
	.readdir = fd_readdir,
};
static const struct inode_ops link_iops = { .readlink = link_readlink };

/* O_TRUNC on a file (echo N > /proc/...) truncates nothing, as Linux's
 * proc_setattr; the open after it says whether the file may be written
 * (a read-only one: EACCES, root's too, as on Linux). */
static int file_truncate(struct inode *ino, uint64_t size)
{
	(void)ino;
	(void)size;
	return 0;
}

static const struct inode_ops file_iops = { .truncate = file_truncate };
static const struct inode_ops self_iops = { .readlink = self_readlink };
static const struct inode_ops exe_iops = { .readlink = exe_readlink };
static const struct inode_ops cwd_iops = {
	.readlink = cwd_readlink,
	.follow = cwd_follow,
};

/* The superblock of a tree: made once, never freed. */
struct super_block *procfs_tree_sb(struct super_block **sbp,
				   const struct pnode *root, const char *type,
				   uint32_t magic, uint32_t dev)
{
	struct super_block *sb = *sbp;

	if (sb)
		return sb;
	sb = sb_alloc(type, magic, NULL);
	if (!sb)
		return NULL;
	sb->root = node_inode(root, NULL, 0);
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

	return procfs_tree_sb(&sb, &proc_root, "proc", PROC_SUPER_MAGIC,
			      PROC_DEV);
}

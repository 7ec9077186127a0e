/*
 * mount.h - superblocks and the mount table (fs/mount.c): a mounted file
 * system is a superblock (its type, root inode, st_dev, flags, statfs),
 * a mount places a superblock's directory on a directory of another
 * mount. Path lookup (fs/vfs.c) crosses mounts; mount(2), umount2(2) and
 * statfs(2) (linux/sys_mount.c) call the functions here. docs/fs.md.
 */
#ifndef KEEL_MOUNT_H
#define KEEL_MOUNT_H

#include <keel/compiler.h>
#include <keel/list.h>

struct inode;
struct super_block;

/* Linux's statfs f_type values for keel's file systems. */
#define RAMFS_MAGIC 0x858458f6
#define TMPFS_MAGIC 0x01021994
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define DEVPTS_SUPER_MAGIC 0x1cd1
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534f434b
#define ANON_INODE_FS_MAGIC 0x09041934

/* mount(2)'s flags (MS_*) and umount2(2)'s (MNT_*, UMOUNT_NOFOLLOW). */
#define MS_RDONLY 0x1
#define MS_NOSUID 0x2
#define MS_NODEV 0x4
#define MS_NOEXEC 0x8
#define MS_SYNCHRONOUS 0x10
#define MS_REMOUNT 0x20
#define MS_MANDLOCK 0x40
#define MS_DIRSYNC 0x80
#define MS_NOSYMFOLLOW 0x100
#define MS_NOATIME 0x400
#define MS_NODIRATIME 0x800
#define MS_BIND 0x1000
#define MS_MOVE 0x2000
#define MS_REC 0x4000
#define MS_SILENT 0x8000
#define MS_UNBINDABLE 0x20000
#define MS_PRIVATE 0x40000
#define MS_SLAVE 0x80000
#define MS_SHARED 0x100000
#define MS_RELATIME 0x200000
#define MS_STRICTATIME 0x1000000
#define MS_LAZYTIME 0x2000000
#define MS_MGC_VAL 0xc0ed0000
#define MS_MGC_MSK 0xffff0000
#define MNT_FORCE 0x1
#define MNT_DETACH 0x2
#define MNT_EXPIRE 0x4
#define UMOUNT_NOFOLLOW 0x8

/* A mount's own flags (what /proc/self/mountinfo's 6th field shows). */
#define MNT_RDONLY 0x1
#define MNT_NOSUID 0x2
#define MNT_NODEV 0x4
#define MNT_NOEXEC 0x8
#define MNT_NOATIME 0x10
#define MNT_NODIRATIME 0x20
#define MNT_RELATIME 0x40

/* A superblock's flags. */
#define SB_RDONLY 0x1

/* What statfs(2) reports, before the syscall layer lays it out. */
struct kstatfs {
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen,
	    frsize, flags;
	uint32_t fsid[2];
};

/*
 * A kind of file system mount(2) can name: a new ramfs instance for each
 * mount (ramfs, tmpfs), the one instance (proc, sysfs, devpts, devtmpfs),
 * or one made from its source by the file system's mount (ext2 on a block
 * device, 9p on a channel): 0 and *out (SB_RDONLY set when MS_RDONLY is
 * in flags or the file system can only be read), or -errno (-ENODEV,
 * -ENXIO: no such device; -EINVAL: not this file system; -EROFS).
 */
struct fs_type {
	const char *name;
	struct super_block *(*instance)(void);
	int (*mount)(const char *source, unsigned long flags, const char *data,
		     struct super_block **out);
};

struct super_ops {
	void (*statfs)(struct super_block *sb, struct kstatfs *st);
	/* The superblock's options after "rw"/"ro" in mountinfo. */
	void (*show_options)(struct super_block *sb, char *buf, size_t len);
	/* Its last mount went: drop the contents (open files keep theirs). */
	void (*kill)(struct super_block *sb);
	/* syncfs(2): write back what the file system holds (NULL: in
	 * memory, nothing to do). */
	int (*sync)(struct super_block *sb);
	/* MS_REMOUNT's option string: 0 or -EINVAL. */
	int (*reconfigure)(struct super_block *sb, const char *data);
};

struct super_block {
	const char *type; /* the name /proc/self/mounts shows */
	uint32_t magic; /* statfs f_type */
	uint32_t dev; /* st_dev of its inodes (Linux's 32-bit form) */
	unsigned flags; /* SB_* */
	unsigned mounts; /* mounts of it in the table */
	bool singleton; /* one per kernel (proc, sysfs, devpts): never killed */
	struct inode *root; /* a reference */
	const struct super_ops *ops;
	void *priv;
};

struct mount {
	struct list_node node; /* in the table, in mount order */
	unsigned id; /* mountinfo's mount ID */
	struct mount *parent; /* the root mount: itself */
	struct inode *mountpoint; /* a reference; in parent's file system */
	struct inode *root; /* a reference: sb's root or a bound directory */
	struct super_block *sb;
	unsigned flags; /* MNT_* */
	bool expired; /* MNT_EXPIRE asked once */
	char *source; /* mount(2)'s source, as given */
};

/* fs/mount.c: superblocks. */
struct super_block *sb_alloc(const char *type, uint32_t magic,
			     const struct super_ops *ops);
uint32_t sb_anon_dev(void); /* a new st_dev 0:N for a new instance */
bool sb_readonly(const struct super_block *sb);
void vfs_statfs_inode(struct inode *ino, struct kstatfs *st);
int vfs_syncfs(struct inode *ino); /* syncfs(2) on ino's file system */
/* sync(2): every mounted file system's sync, then the block cache. */
void vfs_sync_all(void);

/* fs/mount.c: the table. */
extern struct mount *root_mount;
struct list_node *mount_list(void);
#define for_each_mount(m)                                            \
	for (struct mount *m =                                       \
		 list_entry(mount_list()->next, struct mount, node); \
	     &m->node != mount_list();                               \
	     m = list_entry(m->node.next, struct mount, node))
/* fs/vfs.c: look path up (from the cwd), and the mount it is in. */
int vfs_lookup_mount(const char *path, bool follow, struct inode **out,
		     struct mount **mnt);
int mount_set_root(struct super_block *sb, const char *source);
/* The mount over (parent, ino), or NULL; the mount whose root is ino. */
struct mount *mount_over(struct mount *parent, struct inode *ino);
struct mount *mount_of(struct inode *ino);
bool mount_readonly(const struct mount *m, const struct inode *ino);
/* Mount sb (or a directory of it, root) on path at boot: 0 or -errno. */
int mount_kernel(const char *path, struct super_block *sb, const char *source,
		 unsigned mntflags);
/* mount(2) and umount2(2) once their strings are copied in. */
int vfs_mount(const char *source, const char *target, const char *type,
	      unsigned long flags, const char *data);
int vfs_umount(const char *target, int flags);
/* The text of /proc/self/mounts and mountinfo: their full length. */
size_t mount_format(char *buf, size_t len, bool info);
/* The fs types mount(2) knows (ramfs, tmpfs, proc, sysfs, devpts...). */
const struct fs_type *fs_type_find(const char *name);

/* fs/bootmount.c: the command line's mounts. The root's superblock for
 * root= (NULL without it); then tmpfs on /tmp for a disk root and the
 * keel.mount= entries, in order. 0 or -errno, after a line saying why. */
int boot_root_sb(struct super_block **out);
int boot_mounts(bool disk_root);

/* File systems' superblocks. */
/* A new ramfs instance (dev 0: a new anonymous number). */
struct super_block *ramfs_new_sb(const char *type, uint32_t magic,
				 uint32_t dev);
/* tmpfs: limits of half the RAM, root mode 1777, then the options. */
int tmpfs_init(struct super_block *sb, const char *data);
/* The options the boot gives its tmpfs instances (the root, /tmp), as
 * systemd gives /tmp's: "size=<half of RAM>k,nr_inodes=<half of RAM's
 * pages + more_inodes>", so /proc/self/mounts shows them; its length. */
size_t tmpfs_boot_data(char *buf, size_t len, uint64_t more_inodes);
/* A root tmpfs filled from the initrd: those limits on top of what the
 * initrd's files use (its inodes), the root's mode kept. 0 or -errno. */
int tmpfs_root_limits(struct super_block *sb);
/* tmpfs options (size=, nr_inodes=, mode=, uid=, gid=): 0 or -EINVAL. */
int ramfs_set_options(struct super_block *sb, const char *data);
struct super_block *procfs_sb(void);
struct super_block *sysfs_sb(void);
struct super_block *devpts_sb(void);
struct super_block *devtmpfs_sb(void);
/* fs/ext2: ext2 (and ext3/ext4, read-only or refused per their features)
 * on the block device source ("vda" or "/dev/vda"). */
int ext2_mount(const char *source, unsigned long flags, const char *data,
	       struct super_block **out);
/* fs/9p: a 9P2000.L server's files; source is a channel's mount tag
 * (include/keel/p9chan.h), data Linux's options (trans=, version=,
 * msize=). */
int v9fs_mount(const char *source, unsigned long flags, const char *data,
	       struct super_block **out);

#endif

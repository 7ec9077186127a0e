/*
 * mount.c - superblocks and the mount table (fs/): the kinds of file
 * system mount(2) can make, the table of mounts in mount order (each a
 * superblock's directory placed on a directory of its parent mount),
 * mount(2) and umount2(2) with Linux's flags and errors. Lookup crosses
 * mounts in fs/vfs.c (mount_over); paths, statfs and the text of
 * /proc/self/mounts are fs/mount_show.c's. Rules in docs/fs.md, "Mounts".
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mount.h>
#include <keel/page.h>
#include <keel/printf.h>
#include <keel/process.h>
#include <keel/string.h>
#include <keel/vfs.h>

#define ANON_DEV_FIRST 32 /* above the fixed numbers (1, 3, 5, 12, 20, 22) */

static struct list_node mounts = LIST_INIT(mounts);
struct mount *root_mount;
static unsigned next_id = 1;
static unsigned next_anon = ANON_DEV_FIRST;

/* ---- superblocks ---- */

struct super_block *sb_alloc(const char *type, uint32_t magic,
			     const struct super_ops *ops)
{
	struct super_block *sb = kzalloc(sizeof(*sb));

	if (sb) {
		sb->type = type;
		sb->magic = magic;
		sb->ops = ops;
	}
	return sb;
}

/* Linux's 32-bit device number 0:N (minor bits above 8 from bit 20). */
uint32_t sb_anon_dev(void)
{
	unsigned minor = next_anon++;

	return (minor & 0xff) | (minor >> 8) << 20;
}

bool sb_readonly(const struct super_block *sb)
{
	return sb && sb->flags & SB_RDONLY;
}

/* A superblock no mount uses any more: its contents go. */
static void sb_unused(struct super_block *sb)
{
	if (sb->mounts == 0 && !sb->singleton && sb->ops && sb->ops->kill)
		sb->ops->kill(sb);
}

/* ---- the table ---- */

struct list_node *mount_list(void)
{
	return &mounts;
}

static struct mount *mount_new(struct super_block *sb, struct inode *root,
			       const char *source, unsigned flags)
{
	struct mount *m = kzalloc(sizeof(*m));

	if (!m)
		return NULL;
	if (source) {
		size_t n = strlen(source) + 1;

		m->source = kmalloc(n);
		if (!m->source) {
			kfree(m);
			return NULL;
		}
		memcpy(m->source, source, n);
	}
	m->id = next_id++;
	m->sb = sb;
	m->root = root;
	inode_get(root);
	m->flags = flags;
	sb->mounts++;
	return m;
}

static void attach(struct mount *m, struct mount *parent, struct inode *mp)
{
	m->parent = parent;
	m->mountpoint = mp;
	inode_get(mp);
	mp->flags |= I_MOUNTED;
	list_push_back(&mounts, &m->node);
}

static bool still_mountpoint(struct inode *ino)
{
	for_each_mount(m) if (m->mountpoint == ino) return true;
	return false;
}

/* Take m out of the table and free it; its superblock may go too. */
static void detach_one(struct mount *m)
{
	struct super_block *sb = m->sb;

	list_remove(&m->node);
	if (m->mountpoint) {
		if (!still_mountpoint(m->mountpoint))
			m->mountpoint->flags &= ~I_MOUNTED;
		inode_put(m->mountpoint);
	}
	inode_put(m->root);
	sb->mounts--;
	sb_unused(sb);
	if (m == root_mount)
		root_mount = NULL;
	kfree(m->source);
	kfree(m);
}

static bool has_children(struct mount *m)
{
	for_each_mount(o) if (o != m && o->parent == m) return true;
	return false;
}

static bool descends(struct mount *o, struct mount *m)
{
	for (; o != o->parent; o = o->parent)
		if (o->parent == m)
			return true;
	return false;
}

/* Unmount m and every mount below it, the deepest first. */
static void umount_tree(struct mount *m)
{
	for (;;) {
		struct mount *leaf = NULL;

		for_each_mount(o) if (o != m && descends(o, m) &&
				      !has_children(o))
		{
			leaf = o;
			break;
		}
		if (!leaf)
			break;
		detach_one(leaf);
	}
	detach_one(m);
}

int mount_set_root(struct super_block *sb, const char *source)
{
	struct mount *m;

	if (root_mount) { /* a second vfs_init (tests): a fresh table */
		umount_tree(root_mount);
		next_id = 1;
	}
	m = mount_new(sb, sb->root, source, MNT_RELATIME);
	if (!m)
		return -ENOMEM;
	m->parent = m;
	list_push_back(&mounts, &m->node);
	root_mount = m;
	inode_get(sb->root);
	inode_put(vfs_root);
	vfs_root = sb->root;
	return 0;
}

struct mount *mount_over(struct mount *parent, struct inode *ino)
{
	if (!(ino->flags & I_MOUNTED))
		return NULL;
	for_each_mount(m) if (m->mountpoint == ino &&
			      m->parent == parent) return m;
	return NULL;
}

/* Is ino (a directory) dir or below it? */
static bool below(struct inode *ino, struct inode *dir)
{
	for (; ino; ino = ino->parent)
		if (ino == dir)
			return true;
	return false;
}

/*
 * The mount an inode found without a walk (the cwd, a descriptor) is in:
 * the first mount of its whole file system, else the last bind mount
 * holding it. NULL when its file system is not mounted.
 */
struct mount *mount_of(struct inode *ino)
{
	struct mount *bound = NULL;

	if (!ino || !ino->sb)
		return NULL;
	for_each_mount(m)
	{
		if (m->sb != ino->sb)
			continue;
		if (m->root == m->sb->root)
			return m;
		if (below(ino, m->root))
			bound = m;
	}
	return bound;
}

bool mount_readonly(const struct mount *m, const struct inode *ino)
{
	return (m && m->flags & MNT_RDONLY) || sb_readonly(ino->sb);
}

/* ---- mount(2) ---- */

/* One line per type; neither instance nor mount: a new ramfs. */
static const struct fs_type fs_types[] = {
	{ "ramfs", .instance = NULL },
	{ "tmpfs", .instance = NULL },
	{ "proc", .instance = procfs_sb },
	{ "sysfs", .instance = sysfs_sb },
	{ "devpts", .instance = devpts_sb },
	{ "devtmpfs", .instance = devtmpfs_sb },
	{ "ext2", .mount = ext2_mount },
	{ "ext3", .mount = ext2_mount },
	{ "ext4", .mount = ext2_mount },
	{ "9p", .mount = v9fs_mount },
};

const struct fs_type *fs_type_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_types); i++)
		if (!strcmp(fs_types[i].name, name))
			return &fs_types[i];
	return NULL;
}

/* A superblock of type t for a new mount: a new ramfs or tmpfs, the
 * one instance of a kernel file system, or the type's own from source. */
static int get_sb(const struct fs_type *t, const char *source,
		  unsigned long flags, const char *data,
		  struct super_block **out)
{
	struct super_block *sb;
	bool ro = flags & MS_RDONLY;
	int err = 0;

	if (t->mount)
		return t->mount(source, flags, data, out);
	if (t->instance) {
		*out = t->instance();
		return *out ? 0 : -ENOMEM;
	}
	sb = ramfs_new_sb(t->name,
			  t->name[0] == 't' ? TMPFS_MAGIC : RAMFS_MAGIC, 0);
	if (!sb)
		return -ENOMEM;
	if (t->name[0] == 't')
		err = tmpfs_init(sb, data);
	if (err) {
		sb_unused(sb);
		return err;
	}
	if (ro)
		sb->flags |= SB_RDONLY;
	*out = sb;
	return 0;
}

/* mount(2)'s MS_* flags as a mount's MNT_* flags (relatime by default). */
static unsigned mnt_flags(unsigned long flags)
{
	unsigned f = flags & MS_NOATIME ? 0 : MNT_RELATIME;

	f |= flags & MS_NOSUID ? MNT_NOSUID : 0;
	f |= flags & MS_NODEV ? MNT_NODEV : 0;
	f |= flags & MS_NOEXEC ? MNT_NOEXEC : 0;
	f |= flags & MS_NOATIME ? MNT_NOATIME : 0;
	f |= flags & MS_NODIRATIME ? MNT_NODIRATIME : 0;
	if (flags & MS_STRICTATIME)
		f &= ~(MNT_RELATIME | MNT_NOATIME);
	f |= flags & MS_RDONLY ? MNT_RDONLY : 0;
	return f;
}

static int new_mount(const char *source, struct mount *mnt, struct inode *ino,
		     const char *type, unsigned long flags, const char *data)
{
	const struct fs_type *t;
	struct super_block *sb;
	struct mount *m;
	int err;

	if (!type)
		return -EINVAL;
	t = fs_type_find(type);
	if (!t)
		return -ENODEV;
	if (!S_ISDIR(ino->mode))
		return -ENOTDIR;
	if (ino == vfs_root)
		return -EBUSY;
	err = get_sb(t, source, flags, data, &sb);
	if (err)
		return err;
	if (mnt && sb == mnt->sb &&
	    ino == mnt->root) { /* same fs, same place */
		sb_unused(sb);
		return -EBUSY;
	}
	m = mount_new(sb, sb->root, source, mnt_flags(flags));
	if (!m) {
		sb_unused(sb);
		return -ENOMEM;
	}
	attach(m, mnt, ino);
	return 0;
}

int mount_kernel(const char *path, struct super_block *sb, const char *source,
		 unsigned mntflags)
{
	struct inode *ino;
	struct mount *mnt, *m;
	int err = vfs_lookup_mount(path, true, &ino, &mnt);

	if (err)
		return err;
	m = mount_new(sb, sb->root, source, mntflags);
	if (m)
		attach(m, mnt, ino);
	inode_put(ino);
	return m ? 0 : -ENOMEM;
}

/* A regular file open for writing on sb (remounting read-only: EBUSY). */
static bool has_writers(struct super_block *sb)
{
	bool found = false;

	for (int fd = 0; fd < fd_table_size() && !found; fd++) {
		struct file *f = fd_get(fd);

		if (f && f->inode->sb == sb && S_ISREG(f->inode->mode) &&
		    file_writable(f))
			found = true;
		file_put(f);
	}
	return found;
}

#define MS_ATIME_MASK \
	(MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
#define MNT_ATIME_MASK (MNT_NOATIME | MNT_NODIRATIME | MNT_RELATIME)

/* MS_REMOUNT: new mount flags; without MS_BIND the superblock's too. */
static int remount(struct mount *mnt, struct inode *ino, unsigned long flags,
		   const char *data)
{
	struct super_block *sb = mnt ? mnt->sb : NULL;
	unsigned f = mnt_flags(flags);
	bool ro = flags & MS_RDONLY;
	int err;

	if (!mnt || ino != mnt->root)
		return -EINVAL;
	if (!(flags & MS_ATIME_MASK)) /* atime flags not given: kept */
		f = (f & ~MNT_ATIME_MASK) | (mnt->flags & MNT_ATIME_MASK);
	if (!(flags & MS_BIND)) {
		if (ro && !sb_readonly(sb) && has_writers(sb))
			return -EBUSY;
		if (data && sb->ops && sb->ops->reconfigure) {
			err = sb->ops->reconfigure(sb, data);
			if (err)
				return err;
		}
		sb->flags = ro ? sb->flags | SB_RDONLY : sb->flags & ~SB_RDONLY;
	}
	mnt->flags = f;
	return 0;
}

/* MS_BIND: source's directory (or file) also on the target; submounts
 * are not copied (MS_REC changes nothing). */
static int bind(const char *source, struct mount *mnt, struct inode *ino)
{
	struct inode *src;
	struct mount *smnt, *m;
	int err;

	if (!source || !*source)
		return -EINVAL;
	err = vfs_lookup_mount(source, true, &src, &smnt);
	if (err)
		return err;
	if (!src->sb || !smnt)
		err = -EINVAL;
	else if (S_ISDIR(src->mode) != S_ISDIR(ino->mode))
		err = -ENOTDIR;
	else if (ino == vfs_root)
		err = -EBUSY;
	if (!err) {
		/* Linux names a bind by the source of the mount it copies. */
		m = mount_new(src->sb, src, smnt->source, smnt->flags);
		if (m)
			attach(m, mnt, ino);
		else
			err = -ENOMEM;
	}
	inode_put(src);
	return err;
}

/* Propagation: every keel mount is private, so MS_PRIVATE and MS_SLAVE
 * change nothing; MS_SHARED and MS_UNBINDABLE are not supported. */
static int change_type(struct mount *mnt, struct inode *ino,
		       unsigned long flags)
{
	unsigned long type = flags & ~(MS_REC | MS_SILENT);

	if (type != MS_SHARED && type != MS_PRIVATE && type != MS_SLAVE &&
	    type != MS_UNBINDABLE)
		return -EINVAL;
	if (!mnt || ino != mnt->root)
		return -EINVAL;
	return type == MS_PRIVATE || type == MS_SLAVE ? 0 : -EINVAL;
}

int vfs_mount(const char *source, const char *target, const char *type,
	      unsigned long flags, const char *data)
{
	struct inode *ino;
	struct mount *mnt;
	int err;

	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~(unsigned long)MS_MGC_MSK;
	err = vfs_lookup_mount(target, true, &ino, &mnt);
	if (err)
		return err;
	if (!cred_capable(CAP_SYS_ADMIN))
		err = -EPERM;
	else if (flags & MS_REMOUNT)
		err = remount(mnt, ino, flags, data);
	else if (flags & MS_BIND)
		err = bind(source, mnt, ino);
	else if (flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))
		err = change_type(mnt, ino, flags);
	else if (flags & MS_MOVE)
		err = -EINVAL; /* not supported */
	else
		err = new_mount(source, mnt, ino, type, flags, data);
	inode_put(ino);
	return err;
}

/* ---- umount2(2) ---- */

/* Is ino inside mount m? (A file of a bound file system: assumed so.) */
static bool in_mount(struct mount *m, struct inode *ino)
{
	if (!ino || ino->sb != m->sb)
		return false;
	return m->root == m->sb->root || !S_ISDIR(ino->mode) ||
	       below(ino, m->root);
}

/* Mounts on it, the cwd or an open file inside it. */
static bool busy(struct mount *m)
{
	bool found = has_children(m) || in_mount(m, fs_cwd());

	for (int fd = 0; fd < fd_table_size() && !found; fd++) {
		struct file *f = fd_get(fd);

		found = f && in_mount(m, f->inode);
		file_put(f);
	}
	return found;
}

int vfs_umount(const char *target, int flags)
{
	struct inode *ino;
	struct mount *m;
	int err;

	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	err = vfs_lookup_mount(target, !(flags & UMOUNT_NOFOLLOW), &ino, &m);
	if (err)
		return err;
	if (!cred_capable(CAP_SYS_ADMIN))
		err = -EPERM;
	else if (!m || ino != m->root)
		err = -EINVAL;
	else if (m == root_mount)
		err = -EBUSY;
	else if (flags & MNT_EXPIRE && flags & (MNT_FORCE | MNT_DETACH))
		err = -EINVAL;
	else if (flags & MNT_EXPIRE && !m->expired)
		err = -EAGAIN, m->expired = true;
	else if (!(flags & MNT_DETACH) && busy(m))
		err = -EBUSY;
	inode_put(ino);
	if (!err)
		umount_tree(m);
	return err;
}

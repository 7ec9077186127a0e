/*
 * mount_show.c - what the mount table says (fs/): the absolute path of a
 * directory across mounts (getcwd, /proc/self/fd), the text of
 * /proc/self/mounts and mountinfo in Linux's formats (man 5 proc), and
 * statfs's answer for an inode's file system. The table is fs/mount.c's.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mount.h>
#include <keel/page.h>
#include <keel/printf.h>
#include <keel/string.h>
#include <keel/vfs.h>

/* statfs f_flags (ST_*). */
#define ST_RDONLY 0x1
#define ST_NOSUID 0x2
#define ST_NODEV 0x4
#define ST_NOEXEC 0x8
#define ST_VALID 0x20
#define ST_NOATIME 0x400
#define ST_NODIRATIME 0x800
#define ST_RELATIME 0x1000

/* ---- paths, written backwards from the end of a buffer ---- */

struct pbuf {
	char *buf;
	size_t pos;
	char name[NAME_MAX + 1];
};

/* Prepend "/name of dir" and step to its parent. */
static int prepend_dir(struct pbuf *b, struct inode **dir)
{
	long n = inode_dir_name(*dir, b->name);

	if (n < 0)
		return (int)n;
	if ((size_t)n + 1 > b->pos)
		return -ERANGE;
	b->pos -= (size_t)n;
	memcpy(b->buf + b->pos, b->name, (size_t)n);
	b->buf[--b->pos] = '/';
	*dir = (*dir)->parent;
	return 0;
}

/* Move the path to the front ("/" when empty): its length. */
static long pbuf_finish(struct pbuf *b, size_t len)
{
	if (b->pos == len - 1) {
		if (b->pos == 0)
			return -ERANGE;
		b->buf[--b->pos] = '/';
	}
	memmove(b->buf, b->buf + b->pos, len - b->pos);
	return (long)(len - 1 - b->pos);
}

static struct pbuf *pbuf_new(char *buf, size_t len)
{
	struct pbuf *b;

	if (len < 2)
		return NULL;
	b = kmalloc(sizeof(*b));
	if (b) {
		b->buf = buf;
		b->pos = len - 1;
		buf[b->pos] = '\0';
	}
	return b;
}

/*
 * The path of dir up to stop, crossing from a mount's root to its mount
 * point when m is the mount dir was reached in (NULL: no crossing). A dir
 * not under stop ends at the VM's root; *met (when given) says which.
 */
static long path_up_met(struct mount *m, struct inode *dir, struct inode *stop,
			char *buf, size_t len, bool *met)
{
	struct pbuf *b = pbuf_new(buf, len);
	long err = 0;

	if (!b)
		return len < 2 ? -ERANGE : -ENOMEM;
	if (met)
		*met = true;
	while (dir != stop && !err) {
		if (m && dir == m->root) {
			if (m == root_mount) {
				if (met)
					*met = false;
				break;
			}
			dir = m->mountpoint;
			m = m->parent;
			continue;
		}
		err = prepend_dir(b, &dir);
	}
	if (!err)
		err = pbuf_finish(b, len);
	kfree(b);
	return err;
}

static long path_up(struct mount *m, struct inode *dir, struct inode *stop,
		    char *buf, size_t len)
{
	return path_up_met(m, dir, stop, buf, len, NULL);
}

/* The absolute path of dir, in the mount it was reached in, as the
 * process sees it (from its root, or from the VM's when outside it). */
long inode_dir_path(struct inode *dir, char *buf, size_t len)
{
	return path_up(mount_of(dir), dir, fs_root(), buf, len);
}

long inode_cwd_path(struct inode *dir, char *buf, size_t len)
{
	static const char unreachable[] = "(unreachable)";
	const size_t ulen = sizeof(unreachable) - 1;
	bool met;
	long n = path_up_met(mount_of(dir), dir, fs_root(), buf, len, &met);

	if (n < 0 || met)
		return n;
	if ((size_t)n + ulen + 1 > len)
		return -ERANGE;
	memmove(buf + ulen, buf, (size_t)n + 1);
	memcpy(buf, unreachable, ulen);
	return n + (long)ulen;
}

/* The path of a mount's root inside its file system (mountinfo's 4th). */
static long root_path(struct mount *m, char *buf, size_t len)
{
	return path_up(NULL, m->root, m->sb->root, buf, len);
}

/* ---- /proc/self/mounts and mountinfo ---- */

struct out {
	char *buf;
	size_t len, n;
};

static void put(struct out *o, const char *s)
{
	for (; *s; s++, o->n++)
		if (o->n < o->len)
			o->buf[o->n] = *s;
}

/* A name as Linux shows it: space, tab, newline, backslash (and '#'
 * with hash) as \ooo. */
static void put_escaped(struct out *o, const char *s, bool hash)
{
	char esc[5];

	for (; *s; s++) {
		bool bad = *s == ' ' || *s == '\t' || *s == '\n' ||
			   *s == '\\' || (hash && *s == '#');

		if (bad) {
			snprintf(esc, sizeof(esc), "\\%03o", (unsigned char)*s);
			put(o, esc);
		} else {
			esc[0] = *s;
			esc[1] = '\0';
			put(o, esc);
		}
	}
}

static void put_mnt_opts(struct out *o, unsigned f)
{
	static const struct {
		unsigned flag;
		const char *name;
	} opts[] = {
		{ MNT_NOSUID, ",nosuid" },
		{ MNT_NODEV, ",nodev" },
		{ MNT_NOEXEC, ",noexec" },
		{ MNT_NOATIME, ",noatime" },
		{ MNT_NODIRATIME, ",nodiratime" },
		{ MNT_RELATIME, ",relatime" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (f & opts[i].flag)
			put(o, opts[i].name);
}

static void put_sb_opts(struct out *o, struct super_block *sb)
{
	char buf[128];

	if (!sb->ops || !sb->ops->show_options)
		return;
	buf[0] = '\0';
	sb->ops->show_options(sb, buf, sizeof(buf));
	put(o, buf);
}

static void put_path(struct out *o, struct mount *m, bool root, char *tmp)
{
	long n = 1;

	if (root)
		n = root_path(m, tmp, PATH_MAX);
	else if (m != root_mount)
		n = path_up(m->parent, m->mountpoint, vfs_root, tmp, PATH_MAX);
	else
		memcpy(tmp, "/", 2);

	put_escaped(o, n < 0 ? "?" : tmp, false);
}

/* "none /tmp/x tmpfs rw,relatime 0 0" */
static void put_mount(struct out *o, struct mount *m, char *tmp)
{
	bool ro = mount_readonly(m, m->root);

	put_escaped(o, m->source ? m->source : "none", true);
	put(o, " ");
	put_path(o, m, false, tmp);
	put(o, " ");
	put_escaped(o, m->sb->type, true);
	put(o, ro ? " ro" : " rw");
	put_mnt_opts(o, m->flags);
	put_sb_opts(o, m->sb);
	put(o, " 0 0\n");
}

/* "36 35 0:32 / /tmp/x rw,relatime - tmpfs none rw" */
static void put_info(struct out *o, struct mount *m, char *tmp)
{
	uint32_t dev = m->sb->dev;
	char num[48];

	snprintf(num, sizeof(num), "%u %u %u:%u ", m->id, m->parent->id,
		 dev >> 8 & 0xfff, (dev & 0xff) | (dev >> 12 & 0xfff00));
	put(o, num);
	put_path(o, m, true, tmp);
	put(o, " ");
	put_path(o, m, false, tmp);
	put(o, m->flags & MNT_RDONLY ? " ro" : " rw");
	put_mnt_opts(o, m->flags);
	put(o, " - ");
	put_escaped(o, m->sb->type, true);
	put(o, " ");
	put_escaped(o, m->source ? m->source : "none", true);
	put(o, sb_readonly(m->sb) ? " ro" : " rw");
	put_sb_opts(o, m->sb);
	put(o, "\n");
}

size_t mount_format(char *buf, size_t len, bool info)
{
	struct out o = { buf, len, 0 };
	char *tmp = kmalloc(PATH_MAX);

	if (!tmp)
		return 0;
	for_each_mount(m)
	{
		if (info)
			put_info(&o, m, tmp);
		else
			put_mount(&o, m, tmp);
	}
	if (o.n < len)
		buf[o.n] = '\0';
	kfree(tmp);
	return o.n;
}

/* ---- statfs ---- */

static uint64_t st_flags(struct mount *m, struct inode *ino)
{
	unsigned f = m ? m->flags : 0;
	uint64_t st = ST_VALID;

	if (mount_readonly(m, ino))
		st |= ST_RDONLY;
	st |= f & MNT_NOSUID ? ST_NOSUID : 0;
	st |= f & MNT_NODEV ? ST_NODEV : 0;
	st |= f & MNT_NOEXEC ? ST_NOEXEC : 0;
	st |= f & MNT_NOATIME ? ST_NOATIME : 0;
	st |= f & MNT_NODIRATIME ? ST_NODIRATIME : 0;
	st |= f & MNT_RELATIME ? ST_RELATIME : 0;
	return st;
}

/* Inodes of no mounted file system: Linux's internal ones. */
static uint32_t anon_magic(struct inode *ino)
{
	if (S_ISFIFO(ino->mode))
		return PIPEFS_MAGIC;
	if ((ino->mode & S_IFMT) == S_IFSOCK)
		return SOCKFS_MAGIC;
	if (S_ISREG(ino->mode))
		return TMPFS_MAGIC; /* memfd_create's files */
	return ANON_INODE_FS_MAGIC;
}

void vfs_statfs_inode(struct inode *ino, struct kstatfs *st)
{
	struct super_block *sb = ino->sb;

	memset(st, 0, sizeof(*st));
	st->bsize = st->frsize = PAGE_SIZE;
	st->namelen = NAME_MAX;
	st->fsid[0] = sb ? sb->dev : ino->dev;
	if (!sb) {
		st->type = anon_magic(ino);
		st->flags = ST_VALID;
		return;
	}
	st->type = sb->magic;
	if (sb->ops && sb->ops->statfs)
		sb->ops->statfs(sb, st);
	st->flags = st_flags(mount_of(ino), ino);
}

int vfs_syncfs(struct inode *ino)
{
	struct super_block *sb = ino->sb;

	return sb && sb->ops && sb->ops->sync ? sb->ops->sync(sb) : 0;
}

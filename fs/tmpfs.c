/*
 * tmpfs.c - a ramfs instance's limits and numbers (fs/): tmpfs's mount
 * options (size=, nr_inodes=, mode=, uid=, gid=), what statfs says of an
 * instance, and the options /proc/self/mounts shows. The instances
 * themselves are fs/ramfs.c's; the counters are in fs/ramfs.h.
 */
#include <keel/errno.h>
#include <keel/mount.h>
#include <keel/page.h>
#include <keel/pmm.h>
#include <keel/printf.h>
#include <keel/string.h>
#include <keel/vfs.h>

#include "ramfs.h"

bool ramfs_full(struct super_block *sb, unsigned pages)
{
	struct ramfs_sb *rs = sb ? sb->priv : NULL;

	if (!rs)
		return false;
	if (!pages)
		return rs->max_inodes && rs->inodes >= rs->max_inodes;
	return rs->max_pages && rs->pages + pages > rs->max_pages;
}

void ramfs_statfs(struct super_block *sb, struct kstatfs *st)
{
	struct ramfs_sb *rs = sb->priv;
	struct pmm_stats p;

	pmm_stats(&p);
	if (!rs->max_pages) { /* the root: all of RAM, as before mounts */
		st->blocks = p.total_pages;
		st->bfree = st->bavail = p.free_pages;
		return;
	}
	st->blocks = rs->max_pages;
	st->bfree = st->bavail =
	    rs->pages < rs->max_pages ? rs->max_pages - rs->pages : 0;
	st->files = rs->max_inodes;
	st->ffree =
	    rs->inodes < rs->max_inodes ? rs->max_inodes - rs->inodes : 0;
}

void ramfs_show_options(struct super_block *sb, char *buf, size_t len)
{
	struct ramfs_sb *rs = sb->priv;
	size_t n = 0;

	if (sb->magic != TMPFS_MAGIC)
		return;
	if (rs->size_set)
		n += (size_t)snprintf(buf + n, len - n, ",size=%luk",
				      (unsigned long)rs->max_pages *
					  (PAGE_SIZE / 1024));
	if (rs->inodes_set && n < len)
		n += (size_t)snprintf(buf + n, len - n, ",nr_inodes=%lu",
				      (unsigned long)rs->max_inodes);
	if (rs->mode != 01777 && n < len)
		n += (size_t)snprintf(buf + n, len - n, ",mode=%03o", rs->mode);
	if (rs->uid && n < len)
		n += (size_t)snprintf(buf + n, len - n, ",uid=%u", rs->uid);
	if (rs->gid && n < len)
		snprintf(buf + n, len - n, ",gid=%u", rs->gid);
}

/* A number of n characters in base, with k/m/g (and % of RAM for size). */
static int parse_num(const char *v, size_t n, unsigned base, bool suffix,
		     uint64_t *out)
{
	uint64_t x = 0, mul = 1;
	size_t i = 0;

	if (suffix && n > 1) {
		char c = v[n - 1];

		mul = c == 'k' || c == 'K'   ? 1024ULL
		      : c == 'm' || c == 'M' ? 1ULL << 20
		      : c == 'g' || c == 'G' ? 1ULL << 30
		      : c == '%'	     ? 0
					     : 1;
		n -= mul != 1;
	}
	if (!n)
		return -EINVAL;
	for (; i < n; i++) {
		unsigned d = (unsigned)(v[i] - '0');

		if (d >= base || x > (UINT64_MAX - d) / base / 1024)
			return -EINVAL;
		x = x * base + d;
	}
	if (!mul) { /* a percentage of RAM, in bytes */
		struct pmm_stats p;

		pmm_stats(&p);
		mul = 1;
		x = p.total_pages * PAGE_SIZE / 100 * x;
	}
	*out = x * mul;
	return 0;
}

struct tmpfs_opts {
	uint64_t pages, inodes;
	unsigned mode;
	uint32_t uid, gid;
	bool size, nr, has_mode, has_uid, has_gid;
};

static int parse_opt(struct tmpfs_opts *o, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	size_t k = eq ? (size_t)(eq - s) : n, vn = eq ? n - k - 1 : 0;
	uint64_t v;
	int err;

	if (!eq)
		return -EINVAL;
#define KEY(name) (k == sizeof(name) - 1 && !memcmp(s, name, k))
	if (KEY("size") || KEY("nr_inodes")) {
		bool size = KEY("size");

		if (!size && eq[vn] == '%')
			return -EINVAL;
		err = parse_num(eq + 1, vn, 10, true, &v);
		if (size)
			o->pages = ALIGN_UP(v, PAGE_SIZE) / PAGE_SIZE,
			o->size = true;
		else
			o->inodes = v, o->nr = true;
	} else if (KEY("mode")) {
		err = parse_num(eq + 1, vn, 8, false, &v);
		err = err ? err : v > 07777 ? -EINVAL : 0;
		o->mode = (unsigned)v, o->has_mode = true;
	} else if (KEY("uid") || KEY("gid")) {
		err = parse_num(eq + 1, vn, 10, false, &v);
		err = err ? err : v >= 0xffffffffULL ? -EINVAL : 0;
		if (KEY("uid"))
			o->uid = (uint32_t)v, o->has_uid = true;
		else
			o->gid = (uint32_t)v, o->has_gid = true;
	} else {
		err = -EINVAL; /* Linux: "tmpfs: Unknown parameter" */
	}
#undef KEY
	return err;
}

/* The options of data applied to sb (all or none): 0 or -EINVAL. */
int ramfs_set_options(struct super_block *sb, const char *data)
{
	struct ramfs_sb *rs = sb->priv;
	struct tmpfs_opts o = { 0 };
	struct inode *root = sb->root;

	if (sb->magic != TMPFS_MAGIC)
		return 0; /* ramfs ignores its options, as Linux's */
	while (data && *data) {
		const char *end = strchr(data, ',');
		size_t n = end ? (size_t)(end - data) : strlen(data);
		int err = n ? parse_opt(&o, data, n) : 0;

		if (err)
			return err;
		data += n + (end ? 1 : 0);
	}
	if ((o.size && o.pages && o.pages < rs->pages) ||
	    (o.nr && o.inodes && o.inodes < rs->inodes))
		return -EINVAL; /* less than is in use */
	if (o.size)
		rs->max_pages = o.pages, rs->size_set = true;
	if (o.nr)
		rs->max_inodes = o.inodes, rs->inodes_set = true;
	if (o.has_mode)
		rs->mode = o.mode;
	if (o.has_uid)
		rs->uid = o.uid;
	if (o.has_gid)
		rs->gid = o.gid;
	root->mode = S_IFDIR | rs->mode;
	root->uid = rs->uid;
	root->gid = rs->gid;
	return 0;
}

/* Half of RAM's pages: tmpfs's default size and number of inodes. */
static uint64_t half_ram(void)
{
	struct pmm_stats p;

	pmm_stats(&p);
	return MAX(p.total_pages / 2, (size_t)1);
}

int tmpfs_init(struct super_block *sb, const char *data)
{
	struct ramfs_sb *rs = sb->priv;

	rs->max_pages = rs->max_inodes = half_ram();
	rs->mode = 01777;
	return ramfs_set_options(sb, data);
}

size_t tmpfs_boot_data(char *buf, size_t len, uint64_t more_inodes)
{
	uint64_t half = half_ram();

	return (size_t)snprintf(buf, len, "size=%luk,nr_inodes=%lu",
				(unsigned long)(half * (PAGE_SIZE / 1024)),
				(unsigned long)(half + more_inodes));
}

int tmpfs_root_limits(struct super_block *sb)
{
	struct ramfs_sb *rs = sb->priv;
	char data[64];

	rs->max_pages = rs->max_inodes = 0; /* checked below, against use */
	rs->mode = sb->root->mode & 07777;
	rs->uid = sb->root->uid;
	rs->gid = sb->root->gid;
	/* The root inode is one of the default's, the others on top. */
	tmpfs_boot_data(data, sizeof(data), rs->inodes - 1);
	return ramfs_set_options(sb, data);
}

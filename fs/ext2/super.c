/*
 * super.c - mounting an ext2 file system (fs/ext2/): the superblock and
 * the group descriptors read and checked (every count and location
 * against the device and each other: a hostile image gives -EUCLEAN or
 * -EINVAL with one log line), the features decided (refused, read-only,
 * or written), statfs, write-back of the whole file system (syncfs,
 * fsync, sync(2)), unmount and the kernel's shutdown, which leave the
 * superblock marked clean.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/time.h>

#include "ext2.h"

_Static_assert(sizeof(struct ext2_super) == 1024, "superblock layout");
_Static_assert(sizeof(struct ext2_group) == 64, "descriptor layout");
_Static_assert(sizeof(struct ext2_dinode) == 152, "inode layout");

static struct ext2_fs *mounted; /* every live one, for the shutdown */

int ext2_corrupt(struct ext2_fs *fs, const char *what, uint64_t n)
{
	printk("keel: ext2 %s: corrupt: %s (%llu)\n", fs->name, what,
	       (unsigned long long)n);
	return -EUCLEAN;
}

int ext2_bread(struct ext2_fs *fs, uint64_t block, struct buf **out)
{
	if (block >= fs->blocks || block == 0)
		return ext2_corrupt(fs, "block number out of range", block);
	return bcache_read(fs->dev, block, out);
}

/* A block the caller fills: zeroed, dirty, referenced. */
int ext2_bzero(struct ext2_fs *fs, uint64_t block, struct buf **out)
{
	int err;

	if (block >= fs->blocks || block == 0)
		return ext2_corrupt(fs, "block number out of range", block);
	err = bcache_get(fs->dev, block, out);
	if (err)
		return err;
	memset((*out)->data, 0, fs->bsize);
	bcache_dirty(*out);
	return 0;
}

struct ext2_group *ext2_group(struct ext2_fs *fs, uint32_t g)
{
	return (struct ext2_group *)(fs->gdt + (size_t)g * fs->desc_size);
}

static bool is64(const struct ext2_fs *fs)
{
	return fs->s.s_feature_incompat & INCOMPAT_64BIT;
}

uint64_t ext2_group_bitmap(struct ext2_fs *fs, uint32_t g, bool inodes)
{
	struct ext2_group *gd = ext2_group(fs, g);
	uint64_t lo = inodes ? gd->bg_inode_bitmap : gd->bg_block_bitmap;
	uint64_t hi = inodes ? gd->bg_inode_bitmap_hi : gd->bg_block_bitmap_hi;

	return lo | (is64(fs) ? hi << 32 : 0);
}

uint64_t ext2_group_itable(struct ext2_fs *fs, uint32_t g)
{
	struct ext2_group *gd = ext2_group(fs, g);

	return gd->bg_inode_table |
	       (is64(fs) ? (uint64_t)gd->bg_inode_table_hi << 32 : 0);
}

uint32_t ext2_group_free(struct ext2_fs *fs, struct ext2_group *gd, bool inodes)
{
	uint32_t lo =
	    inodes ? gd->bg_free_inodes_count : gd->bg_free_blocks_count;
	uint32_t hi =
	    inodes ? gd->bg_free_inodes_count_hi : gd->bg_free_blocks_count_hi;

	return lo | (is64(fs) ? hi << 16 : 0);
}

static void add16(uint16_t *lo, uint16_t *hi, bool wide, int d)
{
	uint32_t v = *lo | (wide ? (uint32_t)*hi << 16 : 0);

	v += (uint32_t)d;
	*lo = (uint16_t)v;
	if (wide)
		*hi = (uint16_t)(v >> 16);
}

/* Change a group's and the superblock's free counts (and used dirs). */
void ext2_group_add(struct ext2_fs *fs, struct ext2_group *gd, int dblocks,
		    int dinodes, int ddirs)
{
	bool w = is64(fs);

	add16(&gd->bg_free_blocks_count, &gd->bg_free_blocks_count_hi, w,
	      dblocks);
	add16(&gd->bg_free_inodes_count, &gd->bg_free_inodes_count_hi, w,
	      dinodes);
	add16(&gd->bg_used_dirs_count, &gd->bg_used_dirs_count_hi, w, ddirs);
	fs->s.s_free_blocks_count += (uint32_t)dblocks;
	fs->s.s_free_inodes_count += (uint32_t)dinodes;
	fs->gdt_dirty = fs->sb_dirty = true;
}

/* Writing is allowed (features and device): the first write marks the
 * file system not clean until it is unmounted. */
int ext2_need_rw(struct ext2_fs *fs)
{
	if (fs->rdonly || fs->killed)
		return -EROFS;
	if (fs->s.s_state & EXT2_VALID_FS) {
		fs->s.s_state &= (uint16_t)~EXT2_VALID_FS;
		fs->sb_dirty = true;
	}
	return 0;
}

/* ---- write-back ---- */

static int write_super(struct ext2_fs *fs)
{
	struct buf *b;
	int err = bcache_read(fs->dev, fs->sb_block, &b);

	if (err)
		return err;
	fs->s.s_wtime = (uint32_t)(time_wall_ns() / 1000000000);
	memcpy(b->data + (fs->bsize == 1024 ? 0 : EXT2_SB_OFFSET), &fs->s,
	       sizeof(fs->s));
	bcache_dirty(b);
	bcache_put(b);
	fs->sb_dirty = false;
	return 0;
}

static int write_gdt(struct ext2_fs *fs)
{
	for (uint32_t i = 0; i < fs->desc_blocks; i++) {
		uint8_t *src = fs->gdt + (size_t)i * fs->bsize;
		struct buf *b;
		int err = bcache_read(fs->dev, fs->gdt_block[i], &b);

		if (err)
			return err;
		if (memcmp(b->data, src, fs->bsize)) {
			memcpy(b->data, src, fs->bsize);
			bcache_dirty(b);
		}
		bcache_put(b);
	}
	fs->gdt_dirty = false;
	return 0;
}

/* Everything the file system holds in memory into the cache, then the
 * cache to the device and the device's cache flushed. */
int ext2_sync_fs(struct ext2_fs *fs)
{
	int err = 0;

	if (fs->rdonly)
		return 0;
	ext2_writeback_all(fs);
	if (fs->gdt_dirty)
		err = write_gdt(fs);
	if (!err && fs->sb_dirty)
		err = write_super(fs);
	return bcache_sync(fs->dev) ?: err;
}

int ext2_super_sync(struct super_block *sb)
{
	return ext2_sync_fs(sb->priv);
}

/* The file system is going away (unmount, shutdown): clean again. */
static void finish(struct ext2_fs *fs)
{
	int err;

	if (fs->rdonly)
		return;
	if (fs->s.s_state != fs->saved_state) {
		fs->s.s_state = fs->saved_state;
		fs->sb_dirty = true;
	}
	err = ext2_sync_fs(fs);
	if (err)
		printk("keel: ext2 %s: write-back failed (error %d)\n",
		       fs->name, err);
}

static void shutdown_all(void)
{
	for (struct ext2_fs *fs = mounted; fs; fs = fs->next)
		finish(fs);
}

static struct shutdown_hook shutdown_hook = { shutdown_all, NULL };

static void fs_free(struct ext2_fs *fs)
{
	for (struct ext2_fs **p = &mounted; *p; p = &(*p)->next)
		if (*p == fs) {
			*p = fs->next;
			break;
		}
	kfree(fs->gdt);
	kfree(fs->gdt_block);
	kfree(fs->sb);
	kfree(fs);
}

/* An inode of fs went: the last one after the unmount frees fs. */
void ext2_fs_inode_gone(struct ext2_fs *fs)
{
	fs->live--;
	if (fs->killed && !fs->live) {
		fs->killed = false;
		finish(fs);
		fs_free(fs);
	}
}

static void ext2_kill(struct super_block *sb)
{
	struct ext2_fs *fs = sb->priv;
	struct inode *root = sb->root;

	finish(fs);
	sb->root = NULL;
	fs->killed = true; /* open files keep it; writes are refused */
	fs->live++; /* held across the put below */
	inode_put(root);
	ext2_fs_inode_gone(fs);
}

/* ---- statfs ---- */

static bool is_power(uint32_t n, uint32_t base)
{
	while (n > 1 && n % base == 0)
		n /= base;
	return n == 1;
}

/* Does group g hold a copy of the superblock (sparse_super: 0, 1 and
 * powers of 3, 5 and 7)? */
static bool has_super(struct ext2_fs *fs, uint32_t g)
{
	if (!(fs->s.s_feature_ro_compat & RO_COMPAT_SPARSE_SUPER) || g <= 1)
		return true;
	return is_power(g, 3) || is_power(g, 5) || is_power(g, 7);
}

/* Linux's ext2 statfs: blocks less the overhead of the metadata. */
static void ext2_statfs(struct super_block *sb, struct kstatfs *st)
{
	struct ext2_fs *fs = sb->priv;
	uint64_t itb =
	    ((uint64_t)fs->ipg * fs->isize + fs->bsize - 1) / fs->bsize;
	uint64_t over = fs->s.s_first_data_block,
		 freeb = fs->s.s_free_blocks_count,
		 resv = fs->s.s_r_blocks_count;

	for (uint32_t g = 0; g < fs->groups; g++)
		if (has_super(fs, g))
			over += 1 + fs->desc_blocks;
	over += (uint64_t)fs->groups * (2 + itb);
	if (is64(fs)) {
		freeb |= (uint64_t)fs->s.s_free_blocks_hi << 32;
		resv |= (uint64_t)fs->s.s_r_blocks_count_hi << 32;
	}
	st->bsize = st->frsize = fs->bsize;
	st->blocks = fs->blocks > over ? fs->blocks - over : 0;
	st->bfree = freeb;
	st->bavail = freeb > resv ? freeb - resv : 0;
	st->files = fs->s.s_inodes_count;
	st->ffree = fs->s.s_free_inodes_count;
	st->namelen = 255;
}

static const struct super_ops ext2_sops = {
	.statfs = ext2_statfs,
	.kill = ext2_kill,
	.sync = ext2_super_sync,
};

/* ---- mount ---- */

struct feature {
	uint32_t bit;
	const char *name;
};

static const struct feature compat_names[] = {
	{ 0x4, "has_journal" },	    { 0x40, "lazy_bg" },
	{ 0x80, "exclude_inode" },  { 0x100, "exclude_bitmap" },
	{ 0x200, "sparse_super2" }, { 0x400, "fast_commit" },
	{ 0x800, "stable_inodes" }, { 0x1000, "orphan_file" },
};
static const struct feature ro_names[] = {
	{ 0x4, "btree_dir" },  { 0x10, "uninit_bg" },
	{ 0x80, "snapshot" },  { 0x100, "quota" },
	{ 0x200, "bigalloc" }, { 0x400, "metadata_csum" },
	{ 0x800, "replica" },  { 0x1000, "read-only" },
	{ 0x2000, "project" }, { 0x4000, "shared_blocks" },
	{ 0x8000, "verity" },  { 0x10000, "orphan_present" },
};
static const struct feature incompat_names[] = {
	{ 0x1, "compression" },	 { 0x4, "needs_recovery" },
	{ 0x8, "journal_dev" },	 { 0x10, "meta_bg" },
	{ 0x40, "extent" },	 { 0x80, "64bit" },
	{ 0x100, "mmp" },	 { 0x400, "ea_inode" },
	{ 0x1000, "dirdata" },	 { 0x2000, "metadata_csum_seed" },
	{ 0x4000, "large_dir" }, { 0x8000, "inline_data" },
	{ 0x10000, "encrypt" },	 { 0x20000, "casefold" },
};

/* The names of the bits of mask into buf ("extent 64bit 0x40000000"). */
static void name_features(char *buf, size_t len, uint32_t mask,
			  const struct feature *t, size_t n)
{
	size_t at = strlen(buf);

	for (uint32_t bit = 1; bit && mask; bit <<= 1) {
		const char *name = NULL;

		if (!(mask & bit))
			continue;
		mask &= ~bit;
		for (size_t i = 0; i < n; i++)
			if (t[i].bit == bit)
				name = t[i].name;
		if (name)
			snprintf(buf + at, len - at, "%s%s", at ? " " : "",
				 name);
		else
			snprintf(buf + at, len - at, "%s0x%x", at ? " " : "",
				 bit);
		at = strlen(buf);
	}
}

/* The superblock from bytes 1024..2047 of the device. */
static int read_super(struct ext2_fs *fs)
{
	uint32_t ss = blkdev_sector_size(fs->dev);
	uint32_t count = ss >= 2048 ? 1 : 2048 / ss;
	uint8_t *tmp;
	int err;

	if (blkdev_sectors(fs->dev) < count)
		return -EINVAL;
	tmp = kmalloc((size_t)count * ss);
	if (!tmp)
		return -ENOMEM;
	err = blkdev_read(fs->dev, 0, count, tmp);
	if (!err)
		memcpy(&fs->s, tmp + EXT2_SB_OFFSET, sizeof(fs->s));
	kfree(tmp);
	return err;
}

/* Counts and sizes of the superblock, each against the others. */
static int check_super(struct ext2_fs *fs)
{
	struct ext2_super *s = &fs->s;
	uint64_t dev_bytes =
	    blkdev_sectors(fs->dev) * blkdev_sector_size(fs->dev);
	uint64_t groups;

	if (s->s_magic != EXT2_SUPER_MAGIC) {
		printk("keel: ext2 %s: no ext2 file system (magic 0x%x)\n",
		       fs->name, s->s_magic);
		return -EINVAL;
	}
	if (s->s_rev_level > 1 || s->s_log_block_size > 2)
		return ext2_corrupt(fs, "revision or block size",
				    s->s_rev_level << 8 | s->s_log_block_size);
	fs->bsize = 1024u << s->s_log_block_size;
	fs->bshift = 10 + s->s_log_block_size;
	fs->ptrs = fs->bsize / 4;
	if (fs->bsize < blkdev_sector_size(fs->dev)) {
		printk("keel: ext2 %s: block size %u below the sector size\n",
		       fs->name, fs->bsize);
		return -EINVAL;
	}
	fs->blocks = s->s_blocks_count;
	if (s->s_feature_incompat & INCOMPAT_64BIT)
		fs->blocks |= (uint64_t)s->s_blocks_count_hi << 32;
	fs->bpg = s->s_blocks_per_group;
	fs->ipg = s->s_inodes_per_group;
	if (s->s_first_data_block != (fs->bsize == 1024 ? 1u : 0u))
		return ext2_corrupt(fs, "first data block",
				    s->s_first_data_block);
	if (fs->blocks <= s->s_first_data_block + 2u ||
	    fs->blocks > dev_bytes / fs->bsize)
		return ext2_corrupt(fs, "block count beyond the device",
				    fs->blocks);
	if (fs->bpg < 8 || fs->bpg > 8 * fs->bsize || fs->bpg % 8)
		return ext2_corrupt(fs, "blocks per group", fs->bpg);
	fs->isize = s->s_rev_level ? s->s_inode_size : EXT2_GOOD_OLD_INODE_SIZE;
	if (fs->isize < 128 || fs->isize > fs->bsize ||
	    (fs->isize & (fs->isize - 1)))
		return ext2_corrupt(fs, "inode size", fs->isize);
	fs->ipb = fs->bsize / fs->isize;
	if (fs->ipg == 0 || fs->ipg > 8 * fs->bsize || fs->ipg % fs->ipb)
		return ext2_corrupt(fs, "inodes per group", fs->ipg);
	groups = (fs->blocks - s->s_first_data_block + fs->bpg - 1) / fs->bpg;
	if (groups * fs->ipg != s->s_inodes_count)
		return ext2_corrupt(fs, "inode count", s->s_inodes_count);
	fs->groups = (uint32_t)groups;
	fs->first_ino =
	    s->s_rev_level ? s->s_first_ino : EXT2_GOOD_OLD_FIRST_INO;
	if (fs->first_ino < EXT2_GOOD_OLD_FIRST_INO ||
	    fs->first_ino >= s->s_inodes_count)
		return ext2_corrupt(fs, "first inode", fs->first_ino);
	fs->desc_size = 32;
	if (s->s_feature_incompat & INCOMPAT_64BIT) {
		fs->desc_size = s->s_desc_size;
		if (fs->desc_size < 64 || fs->desc_size > fs->bsize ||
		    (fs->desc_size & (fs->desc_size - 1)))
			return ext2_corrupt(fs, "descriptor size",
					    fs->desc_size);
	}
	fs->desc_blocks =
	    (uint32_t)(((uint64_t)fs->groups * fs->desc_size + fs->bsize - 1) /
		       fs->bsize);
	if (s->s_free_blocks_count > fs->blocks ||
	    s->s_free_inodes_count > s->s_inodes_count ||
	    s->s_r_blocks_count > fs->blocks)
		return ext2_corrupt(fs, "free counts", s->s_free_blocks_count);
	return 0;
}

/* Where descriptor block i lives (meta_bg: in the groups it describes). */
static uint64_t desc_location(struct ext2_fs *fs, uint32_t i)
{
	uint32_t per = fs->bsize / fs->desc_size, g;

	if (!(fs->s.s_feature_incompat & INCOMPAT_META_BG) ||
	    i < fs->s.s_first_meta_bg)
		return fs->s.s_first_data_block + 1 + (uint64_t)i;
	g = i * per;
	return fs->s.s_first_data_block + (uint64_t)g * fs->bpg +
	       (has_super(fs, g) ? 1 : 0);
}

static int check_range(struct ext2_fs *fs, uint64_t start, uint64_t n,
		       const char *what, uint32_t g)
{
	if (start <= fs->s.s_first_data_block || start >= fs->blocks ||
	    n > fs->blocks - start)
		return ext2_corrupt(fs, what, g);
	return 0;
}

static int read_gdt(struct ext2_fs *fs)
{
	uint64_t itb = ((uint64_t)fs->ipg * fs->isize) / fs->bsize;
	int err = 0;

	/* (+ one descriptor: the 64-bit fields of the last 32-byte one
	 * are read, not used) */
	fs->gdt = kzalloc((size_t)fs->desc_blocks * fs->bsize +
			  sizeof(struct ext2_group));
	fs->gdt_block = kzalloc(fs->desc_blocks * sizeof(uint64_t));
	if (!fs->gdt || !fs->gdt_block)
		return -ENOMEM;
	for (uint32_t i = 0; i < fs->desc_blocks && !err; i++) {
		struct buf *b;

		fs->gdt_block[i] = desc_location(fs, i);
		err = ext2_bread(fs, fs->gdt_block[i], &b);
		if (err)
			break;
		memcpy(fs->gdt + (size_t)i * fs->bsize, b->data, fs->bsize);
		bcache_put(b);
	}
	for (uint32_t g = 0; g < fs->groups && !err; g++) {
		struct ext2_group *gd = ext2_group(fs, g);

		err = check_range(fs, ext2_group_bitmap(fs, g, false), 1,
				  "block bitmap of group", g) ?:
		      check_range(fs, ext2_group_bitmap(fs, g, true), 1,
				  "inode bitmap of group", g) ?:
		      check_range(fs, ext2_group_itable(fs, g), itb,
				  "inode table of group", g);
		if (!err && (ext2_group_free(fs, gd, false) > fs->bpg ||
			     ext2_group_free(fs, gd, true) > fs->ipg))
			err = ext2_corrupt(fs, "free counts of group", g);
	}
	return err;
}

/* Refused, read-only or writable: 0, or -EINVAL naming what cannot be
 * read; fs->rdonly and why into buf. */
static int decide_features(struct ext2_fs *fs, char *why, size_t len)
{
	struct ext2_super *s = &fs->s;
	uint32_t bad = s->s_feature_incompat & ~(uint32_t)EXT2_INCOMPAT_READ;

	why[0] = '\0';
	if (s->s_rev_level == 0)
		return 0; /* no feature fields */
	if (bad) {
		name_features(why, len, bad, incompat_names,
			      ARRAY_SIZE(incompat_names));
		printk("keel: ext2 %s: cannot read feature(s): %s\n", fs->name,
		       why);
		return -EINVAL;
	}
	name_features(why, len,
		      s->s_feature_compat & ~(uint32_t)EXT2_COMPAT_WRITE,
		      compat_names, ARRAY_SIZE(compat_names));
	name_features(why, len,
		      s->s_feature_ro_compat & ~(uint32_t)EXT2_RO_COMPAT_WRITE,
		      ro_names, ARRAY_SIZE(ro_names));
	name_features(why, len,
		      s->s_feature_incompat & ~(uint32_t)EXT2_INCOMPAT_WRITE,
		      incompat_names, ARRAY_SIZE(incompat_names));
	fs->rdonly = why[0] != '\0';
	return 0;
}

static int fill(struct ext2_fs *fs, unsigned long flags)
{
	char why[192];
	struct inode *root;
	int err = read_super(fs) ?: check_super(fs) ?: decide_features(fs, why, sizeof(why));

	if (err)
		return err;
	if (fs->rdonly && !(flags & MS_RDONLY)) {
		printk("keel: ext2 %s: not writable (feature(s): %s): mount "
		       "it read-only\n",
		       fs->name, why);
		return -EROFS;
	}
	if (fs->rdonly)
		printk("keel: ext2 %s: read-only: feature(s) %s\n", fs->name,
		       why);
	if (flags & MS_RDONLY)
		fs->rdonly = true;
	err = bcache_set_block_size(fs->dev, fs->bsize) ?: read_gdt(fs);
	if (err)
		return err;
	fs->sb_block = fs->bsize == 1024 ? 1 : 0;
	fs->saved_state = fs->s.s_state;
	if (!fs->rdonly && !(fs->s.s_state & EXT2_VALID_FS))
		printk("keel: ext2 %s: not cleanly unmounted: run e2fsck\n",
		       fs->name);
	err = ext2_iget(fs, EXT2_ROOT_INO, NULL, &root);
	if (err)
		return err;
	if (!S_ISDIR(root->mode)) {
		inode_put(root);
		return ext2_corrupt(fs, "root is not a directory", 2);
	}
	root->flags |= I_MOUNT;
	fs->sb->root = root;
	if (!fs->rdonly) {
		fs->s.s_mnt_count++;
		fs->s.s_mtime = (uint32_t)(time_wall_ns() / 1000000000);
		fs->sb_dirty = true;
		err = ext2_need_rw(fs) ?: ext2_sync_fs(fs);
	}
	return err;
}

int ext2_mount(const char *source, unsigned long flags, const char *data,
	       struct super_block **out)
{
	static bool hooked;
	struct ext2_fs *fs;
	struct blkdev *dev;
	int err;

	(void)data;
	if (!source)
		return -ENOTBLK;
	if (!strncmp(source, "/dev/", 5))
		source += 5;
	dev = blkdev_find(source);
	if (!dev)
		return -ENXIO;
	for (fs = mounted; fs; fs = fs->next)
		if (fs->dev == dev && !fs->killed) { /* mounted already */
			if (!(flags & MS_RDONLY) && fs->rdonly)
				return -EBUSY;
			*out = fs->sb;
			return 0;
		}
	if (!hooked) { /* before the block cache's: ours writes into it */
		kernel_on_shutdown(&shutdown_hook);
		hooked = true;
	}
	fs = kzalloc(sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->dev = dev;
	strlcpy(fs->name, source, sizeof(fs->name));
	fs->sb = sb_alloc("ext2", EXT2_SUPER_MAGIC, &ext2_sops);
	if (!fs->sb) {
		kfree(fs);
		return -ENOMEM;
	}
	fs->sb->priv = fs;
	fs->sb->dev = sb_anon_dev();
	fs->next = mounted;
	mounted = fs;
	err = fill(fs, flags);
	if (err) {
		fs->rdonly = true; /* nothing written */
		if (fs->sb->root)
			ext2_kill(fs->sb);
		else
			fs_free(fs);
		return err;
	}
	if (fs->rdonly)
		fs->sb->flags |= SB_RDONLY;
	*out = fs->sb;
	return 0;
}

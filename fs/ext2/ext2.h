/*
 * ext2.h - the ext2 file system (fs/ext2/): the on-disk structures (as
 * kernel.org's "ext4 Data Structures and Algorithms" lays them out, all
 * little-endian, which is also keel's byte order), the in-memory state of
 * a mounted file system and of its inodes, and what the files of fs/ext2
 * call in each other. docs/fs.md, "ext2".
 */
#ifndef KEEL_FS_EXT2_H
#define KEEL_FS_EXT2_H

#include <keel/blkdev.h>
#include <keel/compiler.h>
#include <keel/mount.h>
#include <keel/vfs.h>

#ifndef S_ISBLK
#define S_ISBLK(m) (((m)&S_IFMT) == S_IFBLK)
#endif

#define EXT2_SUPER_MAGIC 0xef53
#define EXT2_SB_OFFSET 1024 /* the superblock's byte offset */
#define EXT2_ROOT_INO 2
#define EXT2_GOOD_OLD_FIRST_INO 11
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_NDIR 12 /* direct block pointers in i_block */
#define EXT2_IND 12
#define EXT2_DIND 13
#define EXT2_TIND 14
#define EXT2_N_BLOCKS 15
#define EXT2_LINK_MAX 65000
#define EXT2_FAST_LINK 60 /* i_block's bytes */

/* s_state */
#define EXT2_VALID_FS 0x1
#define EXT2_ERROR_FS 0x2

/* Features: compatible (a reader may ignore them; a writer may not). */
#define COMPAT_DIR_PREALLOC 0x1
#define COMPAT_IMAGIC_INODES 0x2
#define COMPAT_HAS_JOURNAL 0x4
#define COMPAT_EXT_ATTR 0x8
#define COMPAT_RESIZE_INODE 0x10
#define COMPAT_DIR_INDEX 0x20
/* Read-only compatible: readable; writable only when known. */
#define RO_COMPAT_SPARSE_SUPER 0x1
#define RO_COMPAT_LARGE_FILE 0x2
#define RO_COMPAT_HUGE_FILE 0x8
#define RO_COMPAT_DIR_NLINK 0x20
#define RO_COMPAT_EXTRA_ISIZE 0x40
/* Incompatible: unreadable unless known. */
#define INCOMPAT_FILETYPE 0x2
#define INCOMPAT_RECOVER 0x4
#define INCOMPAT_META_BG 0x10
#define INCOMPAT_EXTENTS 0x40
#define INCOMPAT_64BIT 0x80
#define INCOMPAT_MMP 0x100
#define INCOMPAT_FLEX_BG 0x200
#define INCOMPAT_EA_INODE 0x400
#define INCOMPAT_CSUM_SEED 0x2000
#define INCOMPAT_LARGEDIR 0x4000

/* What keel writes (anything else: read-only) and reads (else refused). */
#define EXT2_COMPAT_WRITE                                               \
	(COMPAT_DIR_PREALLOC | COMPAT_IMAGIC_INODES | COMPAT_EXT_ATTR | \
	 COMPAT_RESIZE_INODE | COMPAT_DIR_INDEX)
#define EXT2_RO_COMPAT_WRITE                                                   \
	(RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_HUGE_FILE | \
	 RO_COMPAT_DIR_NLINK | RO_COMPAT_EXTRA_ISIZE)
#define EXT2_INCOMPAT_WRITE (INCOMPAT_FILETYPE | INCOMPAT_FLEX_BG)
#define EXT2_INCOMPAT_READ                                            \
	(INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_EXTENTS |    \
	 INCOMPAT_64BIT | INCOMPAT_MMP | INCOMPAT_FLEX_BG |           \
	 INCOMPAT_EA_INODE | INCOMPAT_CSUM_SEED | INCOMPAT_LARGEDIR | \
	 INCOMPAT_META_BG)

/* i_flags */
#define EXT2_INDEX_FL 0x1000 /* a hashed (htree) directory */
#define EXT4_HUGE_FILE_FL 0x40000 /* i_blocks in file system blocks */
#define EXT4_EXTENTS_FL 0x80000
#define EXT4_INLINE_DATA_FL 0x10000000

/* Directory entries' file types. */
#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_REG 1
#define EXT2_FT_DIR 2
#define EXT2_FT_CHR 3
#define EXT2_FT_BLK 4
#define EXT2_FT_FIFO 5
#define EXT2_FT_SOCK 6
#define EXT2_FT_SYMLINK 7

struct ext2_super {
	uint32_t s_inodes_count, s_blocks_count, s_r_blocks_count,
	    s_free_blocks_count, s_free_inodes_count, s_first_data_block,
	    s_log_block_size, s_log_cluster_size, s_blocks_per_group,
	    s_clusters_per_group, s_inodes_per_group, s_mtime, s_wtime;
	uint16_t s_mnt_count, s_max_mnt_count, s_magic, s_state, s_errors,
	    s_minor_rev_level;
	uint32_t s_lastcheck, s_checkinterval, s_creator_os, s_rev_level;
	uint16_t s_def_resuid, s_def_resgid;
	/* rev 1 */
	uint32_t s_first_ino;
	uint16_t s_inode_size, s_block_group_nr;
	uint32_t s_feature_compat, s_feature_incompat, s_feature_ro_compat;
	uint8_t s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	uint32_t s_algorithm_usage_bitmap;
	uint8_t s_prealloc_blocks, s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks;
	uint8_t s_journal_uuid[16];
	uint32_t s_journal_inum, s_journal_dev, s_last_orphan, s_hash_seed[4];
	uint8_t s_def_hash_version, s_jnl_backup_type;
	uint16_t s_desc_size;
	uint32_t s_default_mount_opts, s_first_meta_bg, s_mkfs_time,
	    s_jnl_blocks[17];
	/* 64bit */
	uint32_t s_blocks_count_hi, s_r_blocks_count_hi, s_free_blocks_hi;
	uint16_t s_min_extra_isize, s_want_extra_isize;
	uint8_t s_rest[1024 - 0x160];
} __packed;

/* A group descriptor: 32 bytes, or s_desc_size (64) with 64bit. */
struct ext2_group {
	uint32_t bg_block_bitmap, bg_inode_bitmap, bg_inode_table;
	uint16_t bg_free_blocks_count, bg_free_inodes_count, bg_used_dirs_count,
	    bg_flags;
	uint32_t bg_exclude_bitmap_lo;
	uint16_t bg_block_bitmap_csum_lo, bg_inode_bitmap_csum_lo,
	    bg_itable_unused, bg_checksum;
	/* 64bit */
	uint32_t bg_block_bitmap_hi, bg_inode_bitmap_hi, bg_inode_table_hi;
	uint16_t bg_free_blocks_count_hi, bg_free_inodes_count_hi,
	    bg_used_dirs_count_hi, bg_itable_unused_hi;
	uint32_t bg_exclude_bitmap_hi;
	uint16_t bg_block_bitmap_csum_hi, bg_inode_bitmap_csum_hi;
	uint32_t bg_reserved;
};
#define EXT4_BG_INODE_UNINIT 0x1
#define EXT4_BG_BLOCK_UNINIT 0x2

struct ext2_dinode {
	uint16_t i_mode, i_uid;
	uint32_t i_size, i_atime, i_ctime, i_mtime, i_dtime;
	uint16_t i_gid, i_links_count;
	uint32_t i_blocks, i_flags, i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS];
	uint32_t i_generation, i_file_acl, i_size_high, i_faddr;
	uint16_t l_i_blocks_high, l_i_file_acl_high, l_i_uid_high, l_i_gid_high,
	    l_i_checksum_lo, l_i_reserved;
	/* large inodes: i_extra_isize bytes from here are valid */
	uint16_t i_extra_isize, i_checksum_hi;
	uint32_t i_ctime_extra, i_mtime_extra, i_atime_extra, i_crtime,
	    i_crtime_extra;
};
#define EXT2_EXTRA_OFF 128 /* offsetof i_extra_isize */
#define EXT2_EXTRA_TIMES 24 /* i_extra_isize that holds the *_extra times */

struct ext2_dirent {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len, file_type;
	char name[];
} __packed;
#define DIRENT_LEN(n) ALIGN_UP(8u + (n), 4u)

struct ext4_extent_header {
	uint16_t eh_magic, eh_entries, eh_max, eh_depth;
	uint32_t eh_generation;
} __packed;
#define EXT4_EXT_MAGIC 0xf30a
#define EXT4_EXT_MAX_DEPTH 5

struct ext4_extent {
	uint32_t ee_block;
	uint16_t ee_len, ee_start_hi;
	uint32_t ee_start_lo;
} __packed;
#define EXT4_EXT_INIT_MAX 32768 /* longer: an unwritten extent */

struct ext4_extent_idx {
	uint32_t ei_block, ei_leaf_lo;
	uint16_t ei_leaf_hi, ei_unused;
} __packed;

/* The in-memory state of a mounted file system. */
#define EXT2_HASH 256
struct ext2_fs {
	struct super_block *sb;
	struct blkdev *dev;
	char name[24]; /* for log lines: "vda" */
	struct ext2_super s; /* the superblock, kept here, written at sync */
	uint32_t bsize, bshift, ptrs; /* block size, log2, pointers per block */
	uint64_t blocks; /* s_blocks_count (and _hi) */
	uint32_t groups, bpg, ipg, isize, ipb; /* inodes per block */
	uint32_t first_ino, desc_size, desc_blocks;
	uint64_t sb_block; /* the block holding the superblock */
	uint8_t *gdt; /* the group descriptors, desc_blocks blocks */
	uint64_t *gdt_block; /* where each descriptor block lives */
	bool rdonly; /* features or the mount forbid writing */
	bool sb_dirty, gdt_dirty, killed;
	uint16_t saved_state; /* s_state at mount, restored at unmount */
	unsigned live; /* struct inodes of this fs alive (with the root) */
	uint32_t next_gen;
	struct ext2_inode *hash[EXT2_HASH];
	struct ext2_fs *next; /* every mounted one, for the shutdown */
};

/* An inode's file-system data (struct inode's priv). */
struct ext2_inode {
	struct inode *vfs;
	struct ext2_fs *fs;
	uint32_t ino;
	uint32_t flags; /* i_flags */
	uint32_t block[EXT2_N_BLOCKS];
	uint64_t blocks; /* i_blocks, in 512-byte units */
	uint32_t file_acl; /* an extended attribute block */
	uint32_t dtime;
	int64_t crtime_ns;
	struct ext2_inode *hnext;
};

static inline struct ext2_inode *EI(struct inode *ino)
{
	return ino->priv;
}

/* super.c: errors, blocks, descriptors. */
int ext2_corrupt(struct ext2_fs *fs, const char *what, uint64_t n);
int ext2_bread(struct ext2_fs *fs, uint64_t block, struct buf **out);
int ext2_bzero(struct ext2_fs *fs, uint64_t block, struct buf **out);
struct ext2_group *ext2_group(struct ext2_fs *fs, uint32_t g);
uint64_t ext2_group_bitmap(struct ext2_fs *fs, uint32_t g, bool inodes);
uint64_t ext2_group_itable(struct ext2_fs *fs, uint32_t g);
uint32_t ext2_group_free(struct ext2_fs *fs, struct ext2_group *gd,
			 bool inodes);
void ext2_group_add(struct ext2_fs *fs, struct ext2_group *gd, int dblocks,
		    int dinodes, int ddirs);
int ext2_sync_fs(struct ext2_fs *fs);
int ext2_super_sync(struct super_block *sb);
void ext2_fs_inode_gone(struct ext2_fs *fs);
int ext2_need_rw(struct ext2_fs *fs);

/* inode.c: the inode cache, decoding and writing back. */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct inode *parent,
	      struct inode **out);
int ext2_write_inode(struct inode *ino);
int ext2_new_inode(struct inode *dir, unsigned mode, struct inode **out);
void ext2_writeback_all(struct ext2_fs *fs);
long ext2_readlink(struct inode *ino, char *buf, size_t len);
int ext2_fsync(struct file *f, bool datasync);
void ext2_set_ops(struct inode *ino);
void ext2_release(struct inode *ino);
void ext2_getattr(struct inode *ino, struct kstat *st);

/* bmap.c: logical to physical blocks (indirect maps, extents). */
int ext2_bmap(struct inode *ino, uint64_t lblk, bool alloc, uint64_t *out,
	      bool *fresh);
int ext2_free_from(struct inode *ino, uint64_t first);
uint64_t ext2_max_blocks(struct ext2_fs *fs);

/* alloc.c: the bitmaps. */
int ext2_alloc_block(struct ext2_fs *fs, uint64_t goal, uint64_t *out);
int ext2_free_block(struct ext2_fs *fs, uint64_t block);
int ext2_alloc_inode(struct ext2_fs *fs, uint32_t near, bool dir,
		     uint32_t *out);
int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool dir);

/* dir.c and file.c: the operations. */
extern const struct inode_ops ext2_dir_ops, ext2_file_ops, ext2_link_ops,
    ext2_special_ops;
extern const struct file_ops ext2_file_fops;
int ext2_dir_init(struct inode *dir, struct inode *parent);
int ext2_truncate(struct inode *ino, uint64_t size);
uint64_t ext2_max_size(struct ext2_fs *fs);

#endif

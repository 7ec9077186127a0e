/*
 * ramfs.h - what fs/ramfs.c and fs/tmpfs.c share (fs/, private): the
 * counters and limits of one ramfs instance (a superblock's priv).
 */
#ifndef KEEL_FS_RAMFS_H
#define KEEL_FS_RAMFS_H

#include <keel/compiler.h>

struct super_block;
struct kstatfs;

struct ramfs_sb {
	uint64_t pages, inodes; /* in use */
	uint64_t max_pages, max_inodes; /* 0: no limit (ramfs) */
	unsigned mode; /* tmpfs's mode= for the root (01777) */
	uint32_t uid, gid;
	bool size_set, inodes_set; /* given as options: shown */
	bool killed; /* unmounted: freed with its last inode */
};

/* Would n more pages (0: one more inode) pass sb's limit? */
bool ramfs_full(struct super_block *sb, unsigned pages);
void ramfs_statfs(struct super_block *sb, struct kstatfs *st);
void ramfs_show_options(struct super_block *sb, char *buf, size_t len);

#endif

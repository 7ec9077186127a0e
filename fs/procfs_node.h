/*
 * procfs_node.h - what the files of /proc and /sys share (fs/, private):
 * the fixed nodes their trees are made of (fs/procfs.c holds /proc and
 * the machinery, fs/procfs_sys.c /proc/sys, fs/sysfs.c /sys), the
 * macros that spell them, and the superblock of a tree.
 */
#ifndef KEEL_FS_PROCFS_NODE_H
#define KEEL_FS_PROCFS_NODE_H

#include <keel/compiler.h>
#include <uapi/fs.h>

struct inode_ops;
struct process;
struct super_block;

struct pnode {
	const char *name;
	unsigned mode;
	uint32_t ino;
	const struct pnode *children; /* static directories */
	size_t nchildren;
	const struct inode_ops *iops; /* NULL: the default of the type */
	/* Files: write the text into buf, return its full length. */
	size_t (*gen)(char *buf, size_t len);
	/* ... of the process /proc/PID is (files under it). */
	size_t (*pgen)(struct process *p, char *buf, size_t len);
	int provided; /* 1 + enum procfs_text: a higher layer's gen */
	const char *link; /* fixed symlink target */
	/* Writable /proc/sys integers: the value and its bounds. */
	int (*set)(unsigned long v);
	long min, max;
	/* Writable per-process integers (oom_score_adj): p's new value. */
	int (*pset)(struct process *p, long v);
	/* Writable words (sysfs): the text written, whole; 0 or -errno. */
	int (*set_text)(const char *s, size_t len);
};

#define PDIR(nm, i, kids)                                       \
	{                                                       \
		.name = nm, .mode = S_IFDIR | 0555, .ino = i,   \
		.children = kids, .nchildren = ARRAY_SIZE(kids) \
	}
#define PFILE(nm, i, fn)                                                \
	{                                                               \
		.name = nm, .mode = S_IFREG | 0444, .ino = i, .gen = fn \
	}
#define PPFILE(nm, i, fn)                                                \
	{                                                                \
		.name = nm, .mode = S_IFREG | 0444, .ino = i, .pgen = fn \
	}
#define PSYSCTL(nm, i, fn, setter, lo, hi)                               \
	{                                                                \
		.name = nm, .mode = S_IFREG | 0644, .ino = i, .gen = fn, \
		.set = setter, .min = lo, .max = hi,                     \
	}
#define PPSET(nm, i, fn, setter, lo, hi)                                  \
	{                                                                 \
		.name = nm, .mode = S_IFREG | 0644, .ino = i, .pgen = fn, \
		.pset = setter, .min = lo, .max = hi,                     \
	}
#define PPROVIDED(nm, i, which)                               \
	{                                                     \
		.name = nm, .mode = S_IFREG | 0444, .ino = i, \
		.provided = 1 + (which)                       \
	}
#define PSYSCTL_PROVIDED(nm, i, which, lo, hi)                 \
	{                                                      \
		.name = nm, .mode = S_IFREG | 0644, .ino = i,  \
		.provided = 1 + (which), .min = lo, .max = hi, \
	}
#define PSYSFS_TEXT(nm, i, fn, setter)                                   \
	{                                                                \
		.name = nm, .mode = S_IFREG | 0644, .ino = i, .gen = fn, \
		.set_text = setter,                                      \
	}
#define PLINK(nm, i, target, ops)                                             \
	{                                                                     \
		.name = nm, .mode = S_IFLNK | 0777, .ino = i, .link = target, \
		.iops = ops                                                   \
	}

/* fs/procfs_sys.c: the directories of /proc/sys. */
#define PROCSYS_NDIRS 4
extern const struct pnode procsys_dir[PROCSYS_NDIRS];

/* The superblock of the tree under root, made at the first call. */
struct super_block *procfs_tree_sb(struct super_block **sbp,
				   const struct pnode *root, const char *type,
				   uint32_t magic, uint32_t dev);

#endif

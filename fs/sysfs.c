/*
 * sysfs.c - /sys (fs/): a small tree of fixed nodes (fs/procfs.c's
 * machinery, fs/procfs_node.h): the CPUs under devices/system/cpu, and
 * /sys/kernel, one superblock that fs/mount.c mounts.
 */
#include <keel/mount.h>
#include <keel/printf.h>
#include <keel/vfs.h>
#include "procfs_node.h"

#define SYS_DEV 20

static size_t gen_cpu0(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "0\n");
}

static const struct pnode cpu_dir[] = {
	PFILE("online", 40, gen_cpu0),
	PFILE("possible", 41, gen_cpu0),
	PFILE("present", 42, gen_cpu0),
};
static const struct pnode system_dir[] = { PDIR("cpu", 32, cpu_dir) };
static const struct pnode devices_dir[] = { PDIR("system", 31, system_dir) };
/* /sys/kernel is there, empty: programs look for it to tell whether
 * sysfs is mounted (ljsyscall's suite statfs()s it). */
static const struct pnode sys_dir[] = {
	PDIR("devices", 30, devices_dir),
	{ .name = "kernel", .mode = S_IFDIR | 0555, .ino = 33 },
};

static const struct pnode sys_root = PDIR("sys", 2, sys_dir);

struct super_block *sysfs_sb(void)
{
	static struct super_block *sb;

	return procfs_tree_sb(&sb, &sys_root, "sysfs", SYSFS_MAGIC, SYS_DEV);
}

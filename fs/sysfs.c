/*
 * sysfs.c - /sys (fs/): a small tree of fixed nodes (fs/procfs.c's
 * machinery, fs/procfs_node.h): the CPUs under devices/system/cpu, and
 * transparent huge pages' state under kernel/mm; one superblock that
 * fs/mount.c mounts.
 */
#include <keel/errno.h>
#include <keel/mount.h>
#include <keel/printf.h>
#include <keel/string.h>
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
/*
 * /sys/kernel/mm/transparent_hugepage: keel maps programs' memory with
 * 4 KiB pages only, so THP is "never" (redis and the JVM read this and
 * warn or adapt). Root may write "never" (Linux's sysfs_streq: a
 * trailing newline allowed); the modes keel cannot do, and any other
 * word, are EINVAL.
 */
static size_t gen_thp_enabled(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "always madvise [never]\n");
}

static size_t gen_thp_defrag(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len,
				"always defer defer+madvise madvise [never]\n");
}

/* The size a huge page would have: the x86-64 PMD's, 2 MiB. */
static size_t gen_thp_pmd_size(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%lu\n", 2UL << 20);
}

static int set_thp_never(const char *s, size_t len)
{
	if (len && s[len - 1] == '\n')
		len--;
	return len == 5 && !memcmp(s, "never", 5) ? 0 : -EINVAL;
}

static const struct pnode thp_dir[] = {
	PSYSFS_TEXT("defrag", 35, gen_thp_defrag, set_thp_never),
	PSYSFS_TEXT("enabled", 36, gen_thp_enabled, set_thp_never),
	PFILE("hpage_pmd_size", 37, gen_thp_pmd_size),
};
static const struct pnode mm_dir[] = {
	PDIR("transparent_hugepage", 34, thp_dir),
};
/* Programs also look for /sys/kernel to tell whether sysfs is mounted
 * (ljsyscall's suite statfs()s it). */
static const struct pnode kernel_dir[] = { PDIR("mm", 38, mm_dir) };
static const struct pnode sys_dir[] = {
	PDIR("devices", 30, devices_dir),
	PDIR("kernel", 33, kernel_dir),
};

static const struct pnode sys_root = PDIR("sys", 2, sys_dir);

struct super_block *sysfs_sb(void)
{
	static struct super_block *sb;

	return procfs_tree_sb(&sb, &sys_root, "sysfs", SYSFS_MAGIC, SYS_DEV);
}

/*
 * procfs_sys.c - /proc/sys (fs/): the sysctls, each a file of one value
 * made when opened (fs/procfs.c's machinery): what uname(2) says, the
 * limits of inotify, ptys, descriptors, pids, areas, listen's backlog
 * and SysV shared memory, the page allocator's reserve, the overcommit
 * policy; those root may write are integers within Linux's bounds,
 * parsed as its proc_dointvec_minmax does (procfs_parse_int). Each reads
 * and sets the variable its mechanism uses; none is a constant.
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/inotify.h>
#include <keel/printf.h>
#include <keel/pmm.h>
#include <keel/process.h>
#include <keel/procfs.h>
#include <keel/random.h>
#include <keel/sched.h>
#include <keel/shm.h>
#include <keel/tty.h>
#include <keel/uts.h>
#include <keel/vfs.h>
#include <keel/version.h>
#include <keel/vm.h>
#include "procfs_node.h"

/* /proc/sys/kernel: what uname(2) says. */
static size_t gen_ostype(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "Linux\n");
}

static size_t gen_osrelease(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, KEEL_UTS_RELEASE "\n");
}

static size_t gen_hostname(char *buf, size_t len)
{
	char name[UTS_NAME_LEN + 1];

	uts_hostname(name);
	return (size_t)snprintf(buf, len, "%s\n", name);
}

static size_t gen_domainname(char *buf, size_t len)
{
	char name[UTS_NAME_LEN + 1];

	uts_domainname(name);
	return (size_t)snprintf(buf, len, "%s\n", name);
}

static size_t gen_version(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "#1 keel " KEEL_VERSION "\n");
}

/* /proc/sys/fs/inotify: its limits (fixed). */
static size_t gen_in_instances(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", INOTIFY_MAX_USER_INSTANCES);
}

static size_t gen_in_watches(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", INOTIFY_MAX_USER_WATCHES);
}

static size_t gen_in_queued(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", INOTIFY_MAX_QUEUED_EVENTS);
}

/* /proc/sys/fs/nr_open: the most descriptors a process may have. */
static size_t gen_nr_open(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%u\n", fd_nr_open());
}

static int set_nr_open(unsigned long v)
{
	return fd_set_nr_open(v);
}

/* /proc/sys/kernel/pty: the pseudo-terminal pairs (fs/pty.c). */
static size_t gen_pty_max(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", PTY_MAX);
}

static size_t gen_pty_nr(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%u\n", pty_count());
}

static size_t gen_pty_reserve(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "1024\n");
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * One integer of a /proc/sys write, as Linux's proc_dointvec_minmax
 * reads it: blanks, an optional '-', a number in C's notation (0x hex,
 * 0 octal), then a blank or the end; the blanks after it are taken too.
 * The bytes consumed, with *v; -EINVAL for anything else or a value
 * outside [min, max].
 */
long procfs_parse_int(const char *s, size_t len, long min, long max, long *v)
{
	size_t i = 0;
	unsigned base = 10, digits = 0;
	unsigned long u = 0;
	bool neg;

	while (i < len && is_space(s[i]))
		i++;
	if ((neg = i < len && s[i] == '-'))
		i++;
	if (i + 1 < len && s[i] == '0' && (s[i + 1] | 0x20) == 'x')
		base = 16, i += 2;
	else if (i < len && s[i] == '0')
		base = 8;
	for (; i < len; i++, digits++) {
		char c = s[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : (c | 0x20) >= 'a' && (c | 0x20) <= 'f'
				 ? (unsigned)((c | 0x20) - 'a' + 10)
				 : 99;
		if (d >= base)
			break;
		if (u > (~0UL - d) / base)
			return -EINVAL;
		u = u * base + d;
	}
	if (!digits || (i < len && !is_space(s[i])) || u > ~0UL >> 1)
		return -EINVAL;
	*v = neg ? -(long)u : (long)u;
	if (*v < min || *v > max)
		return -EINVAL;
	while (i < len && is_space(s[i]))
		i++;
	return (long)i;
}

/* /proc/sys/kernel/pid_max: where process ids wrap (kernel/process.c). */
static size_t gen_pid_max(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", process_pid_max());
}

/* kernel/threads-max: what clone checks (kernel/sched.c). */
static size_t gen_threads_max(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%lu\n", sched_threads_max());
}

/* kernel/ngroups_max and cap_last_cap: setgroups' limit and the last
 * capability the credentials know (include/keel/cred.h). */
static size_t gen_ngroups_max(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", NGROUPS_MAX);
}

static size_t gen_cap_last_cap(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", CAP_LAST_CAP);
}

/*
 * /proc/sys/kernel/random: uuid is a new random (version 4) UUID at
 * every open, boot_id one made at the first read and kept for the boot
 * (kernel/random.c's bytes, as Linux's).
 */
static size_t format_uuid(const uint8_t u[16], char *buf, size_t len)
{
	return (size_t)snprintf(buf, len,
				"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
				"%02x%02x%02x%02x%02x%02x\n",
				u[0], u[1], u[2], u[3], u[4], u[5],
				(u[6] & 0x0f) | 0x40, u[7],
				(u[8] & 0x3f) | 0x80, u[9], u[10], u[11], u[12],
				u[13], u[14], u[15]);
}

static size_t gen_uuid(char *buf, size_t len)
{
	uint8_t u[16];

	random_bytes(u, sizeof(u));
	return format_uuid(u, buf, len);
}

static size_t gen_boot_id(char *buf, size_t len)
{
	static uint8_t id[16];
	static bool made;

	if (!made) {
		random_bytes(id, sizeof(id));
		made = true;
	}
	return format_uuid(id, buf, len);
}

static const struct pnode random_dir[] = {
	PFILE("boot_id", 94, gen_boot_id),
	PFILE("uuid", 95, gen_uuid),
};

static const struct pnode pty_dir[] = {
	PFILE("max", 60, gen_pty_max),
	PFILE("nr", 61, gen_pty_nr),
	PFILE("reserve", 62, gen_pty_reserve),
};

static const struct pnode kernel_dir[] = {
	PFILE("cap_last_cap", 91, gen_cap_last_cap),
	PFILE("ngroups_max", 92, gen_ngroups_max),
	PFILE("ostype", 50, gen_ostype),
	PFILE("osrelease", 51, gen_osrelease),
	PFILE("hostname", 52, gen_hostname),
	PFILE("domainname", 53, gen_domainname),
	PFILE("version", 54, gen_version),
	PSYSCTL("pid_max", 87, gen_pid_max, process_set_pid_max, PID_MAX_MIN,
		PID_MAX_LIMIT),
	PDIR("pty", 63, pty_dir),
	PDIR("random", 96, random_dir),
	PSYSCTL("threads-max", 93, gen_threads_max, sched_set_threads_max,
		THREADS_MAX_MIN, THREADS_MAX_LIMIT),
	PSYSCTL("shmall", 81, shm_gen_shmall, shm_set_shmall, 0,
		0x7fffffffffffffffL),
	PSYSCTL("shmmax", 82, shm_gen_shmmax, shm_set_shmmax, 0,
		0x7fffffffffffffffL),
	PSYSCTL("shmmni", 83, shm_gen_shmmni, shm_set_shmmni, 0, IPCMNI),
};
static const struct pnode inotify_dir[] = {
	PFILE("max_queued_events", 57, gen_in_queued),
	PFILE("max_user_instances", 58, gen_in_instances),
	PFILE("max_user_watches", 59, gen_in_watches),
};
static const struct pnode fs_dir[] = {
	PPROVIDED("aio-max-nr", 65, PROCFS_AIO_MAX_NR),
	PPROVIDED("aio-nr", 64, PROCFS_AIO_NR),
	PDIR("inotify", 56, inotify_dir),
	PSYSCTL("nr_open", 74, gen_nr_open, set_nr_open, NR_OPEN_MIN,
		NR_OPEN_MAX),
};
/* /proc/sys/net/core/somaxconn: listen's cap (net/socket.c). */
static const struct pnode netcore_dir[] = {
	PSYSCTL_PROVIDED("somaxconn", 89, PROCFS_SOMAXCONN, 0, 0x7fffffff),
};
static const struct pnode net_dir[] = { PDIR("core", 88, netcore_dir) };

/*
 * /proc/sys/vm: the most areas a space may hold (kernel/vm.c), the page
 * allocator's reserve (kernel/pmm.c), the overcommit policy
 * (kernel/vm_commit.c).
 */
static size_t gen_max_map_count(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", vm_max_map_count());
}

static size_t gen_min_free_kbytes(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%lu\n", pmm_min_free_kbytes());
}

static size_t gen_overcommit_memory(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%d\n", vm_overcommit_mode());
}

static size_t gen_overcommit_ratio(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%u\n", vm_overcommit_ratio());
}

static const struct pnode vm_dir[] = {
	PSYSCTL("max_map_count", 85, gen_max_map_count, vm_set_max_map_count, 0,
		0x7fffffff),
	PSYSCTL("min_free_kbytes", 86, gen_min_free_kbytes,
		pmm_set_min_free_kbytes, 0, 0x7fffffff),
	PSYSCTL("overcommit_memory", 78, gen_overcommit_memory,
		vm_set_overcommit_mode, VM_OVERCOMMIT_GUESS,
		VM_OVERCOMMIT_NEVER),
	PSYSCTL("overcommit_ratio", 79, gen_overcommit_ratio,
		vm_set_overcommit_ratio, 0, 0x7fffffff),
};
const struct pnode procsys_dir[PROCSYS_NDIRS] = {
	PDIR("fs", 55, fs_dir),
	PDIR("kernel", 49, kernel_dir),
	PDIR("net", 90, net_dir),
	PDIR("vm", 77, vm_dir),
};

/*
 * strace.c - keel.strace's lines as strace(1) writes them (linux/): each
 * system call has a string of argument kinds (a path, open flags, an fd,
 * a signal ...), so "openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC)
 * = -1 ENOENT (No such file or directory)" is what the log shows. Calls
 * without an entry show six hex words. User memory (paths, write's data,
 * execve's argv) is read only with the user-copy helpers, a bounded
 * number of bytes: a bad pointer is printed, never followed.
 */
#include <stdarg.h>
#include <keel/errno.h>
#include <keel/printf.h>
#include <keel/signal.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <keel/vm.h>
#include <uapi/fs.h>
#include <uapi/socket.h>

#include "strace.h"
#include "sysnr.h"

/* How much of user memory a line shows (strace's -s is 32 too). */
#define PATH_SHOW 96
#define DATA_SHOW 32
#define ARGV_SHOW 6

/*
 * The argument kinds, one character per argument (the string's length is
 * the number shown):
 *   d int   u unsigned   x hex   p pointer   f fd   D dirfd (AT_FDCWD)
 *   s path  b buffer, its length the next argument   v argv array
 *   o open flags   n mode, shown only when the open flags create
 *   m mode (octal)   P mmap prot   M mmap flags   A AT_* flags
 *   R unlinkat's flags   a access mode   w lseek whence   g signal
 *   h sigprocmask how   i ioctl request   c fcntl command (it decides
 *   how its argument shows)   F address family   T socket type
 * and what the call wrote, shown once it has returned (a pointer when it
 * failed): r a buffer of as many bytes as it returned (read's data),
 *   z a string (getcwd's).
 */
static const char *const kinds[] = {
	[NR_read] = "fru",
	[NR_write] = "fbu",
	[NR_open] = "son",
	[NR_openat] = "Dson",
	[NR_creat] = "sm",
	[NR_close] = "f",
	[NR_stat] = "sp",
	[NR_lstat] = "sp",
	[NR_fstat] = "fp",
	[NR_newfstatat] = "DspA",
	[NR_statx] = "DsAxp",
	[NR_lseek] = "fdw",
	[NR_pread64] = "frud",
	[NR_pwrite64] = "fbud",
	[NR_readv] = "fpd",
	[NR_writev] = "fpd",
	[NR_access] = "sa",
	[NR_faccessat] = "Dsa",
	[NR_faccessat2] = "DsaA",
	[NR_pipe] = "p",
	[NR_pipe2] = "po",
	[NR_dup] = "f",
	[NR_dup2] = "ff",
	[NR_dup3] = "ffo",
	[NR_fcntl] = "fc",
	[NR_ioctl] = "fip",
	[NR_getdents64] = "fpu",
	[NR_getcwd] = "zu",
	[NR_chdir] = "s",
	[NR_fchdir] = "f",
	[NR_chroot] = "s",
	[NR_rename] = "ss",
	[NR_renameat] = "DsDs",
	[NR_renameat2] = "DsDsx",
	[NR_mkdir] = "sm",
	[NR_mkdirat] = "Dsm",
	[NR_rmdir] = "s",
	[NR_unlink] = "s",
	[NR_unlinkat] = "DsR",
	[NR_link] = "ss",
	[NR_linkat] = "DsDsA",
	[NR_symlink] = "ss",
	[NR_symlinkat] = "sDs",
	[NR_readlink] = "sru",
	[NR_readlinkat] = "Dsru",
	[NR_chmod] = "sm",
	[NR_fchmod] = "fm",
	[NR_fchmodat] = "Dsm",
	[NR_chown] = "sdd",
	[NR_fchown] = "fdd",
	[NR_lchown] = "sdd",
	[NR_fchownat] = "DsddA",
	[NR_umask] = "m",
	[NR_truncate] = "sd",
	[NR_ftruncate] = "fd",
	[NR_fsync] = "f",
	[NR_fdatasync] = "f",
	[NR_utimensat] = "DspA",
	[NR_statfs] = "sp",
	[NR_fstatfs] = "fp",
	[NR_mmap] = "puPMfx",
	[NR_mprotect] = "puP",
	[NR_munmap] = "pu",
	[NR_brk] = "p",
	[NR_execve] = "svp",
	[NR_execveat] = "DsvpA",
	[NR_exit] = "d",
	[NR_exit_group] = "d",
	[NR_kill] = "dg",
	[NR_tkill] = "dg",
	[NR_tgkill] = "ddg",
	[NR_rt_sigaction] = "gppu",
	[NR_rt_sigprocmask] = "hppu",
	[NR_wait4] = "dpdp",
	[NR_socket] = "FTd",
	[NR_socketpair] = "FTdp",
	[NR_connect] = "fpd",
	[NR_bind] = "fpd",
	[NR_listen] = "fd",
	[NR_accept] = "fpp",
	[NR_accept4] = "fppT",
	[NR_sendto] = "fbudpd",
	[NR_recvfrom] = "frudpp",
	[NR_shutdown] = "fd",
	[NR_mount] = "sssxp",
	[NR_umount2] = "sx",
	[NR_inotify_add_watch] = "fsx",
	[NR_memfd_create] = "sx",
	[NR_arch_prctl] = "xp",
	[NR_set_tid_address] = "p",
	[NR_set_robust_list] = "pu",
	[NR_rseq] = "pudx",
	[NR_prlimit64] = "ddpp",
	[NR_getrandom] = "pux",
	[NR_clock_gettime] = "dp",
	[NR_gettimeofday] = "pp",
	[NR_nanosleep] = "pp",
	[NR_uname] = "p",
	[NR_sysinfo] = "p",
	[NR_sigaltstack] = "pp",
	[NR_madvise] = "pud",
	[NR_poll] = "pud",
	[NR_epoll_wait] = "fpdd",
	[NR_epoll_ctl] = "fdfp",
	[NR_getpid] = "",
	[NR_getppid] = "",
	[NR_gettid] = "",
	[NR_getuid] = "",
	[NR_geteuid] = "",
	[NR_getgid] = "",
	[NR_getegid] = "",
	[NR_sched_yield] = "",
};

/* A growing line: what does not fit is cut and marked at the end. */
struct line {
	char *buf;
	size_t size, len;
	bool cut;
};

static void put(struct line *l, const char *fmt, ...) __printf(2, 3);
static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->cut)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= l->size - l->len) {
		l->cut = true;
		l->len = l->size - 1;
	} else {
		l->len += (size_t)n;
	}
}

/* A name for value from a table of exact values, else decimal. */
struct named {
	unsigned long v;
	const char *name;
};

static void put_enum(struct line *l, const struct named *t, size_t n,
		     unsigned long v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v) {
			put(l, "%s", t[i].name);
			return;
		}
	put(l, "%ld", (long)v);
}

/* Flags: each name whose bits are all set (a table lists a flag before
 * the flags its bits contain), then what is left in hex. */
static void put_flags(struct line *l, const struct named *t, size_t n,
		      unsigned long v, bool any)
{
	for (size_t i = 0; i < n && v; i++)
		if ((v & t[i].v) == t[i].v) {
			put(l, "%s%s", any ? "|" : "", t[i].name);
			v &= ~t[i].v;
			any = true;
		}
	if (v || !any)
		put(l, "%s%#lx", any ? "|" : "", v);
}

/* Flags, or the name of none of them when v is 0. */
static void put_flags_or(struct line *l, const struct named *t, size_t n,
			 unsigned long v, const char *zero)
{
	if (v)
		put_flags(l, t, n, v, false);
	else
		put(l, "%s", zero);
}

#define FLAG(x)       \
	{             \
		x, #x \
	}

static const struct named open_flags[] = {
	FLAG(O_CREAT),	   FLAG(O_EXCL),     FLAG(O_NOCTTY),	FLAG(O_TRUNC),
	FLAG(O_APPEND),	   FLAG(O_NONBLOCK), FLAG(O_SYNC),	FLAG(O_DSYNC),
	FLAG(O_ASYNC),	   FLAG(O_DIRECT),   FLAG(O_LARGEFILE), FLAG(O_TMPFILE),
	FLAG(O_DIRECTORY), FLAG(O_NOFOLLOW), FLAG(O_NOATIME),	FLAG(O_CLOEXEC),
	FLAG(O_PATH),
};

static void put_open_flags(struct line *l, unsigned long v)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR",
					   "O_ACCMODE" };

	put(l, "%s", acc[v & O_ACCMODE]);
	put_flags(l, open_flags, ARRAY_SIZE(open_flags), v & ~O_ACCMODE, true);
}

static const struct named prot_flags[] = {
	FLAG(PROT_READ), FLAG(PROT_WRITE),     FLAG(PROT_EXEC),
	FLAG(PROT_SEM),	 FLAG(PROT_GROWSDOWN), FLAG(PROT_GROWSUP),
};

static const struct named map_types[] = {
	FLAG(MAP_SHARED),
	FLAG(MAP_PRIVATE),
	FLAG(MAP_SHARED_VALIDATE),
};

static const struct named map_flags[] = {
	FLAG(MAP_FIXED),	  FLAG(MAP_ANONYMOUS),
	{ 0x40, "MAP_32BIT" },	  FLAG(MAP_GROWSDOWN),
	FLAG(MAP_DENYWRITE),	  FLAG(MAP_EXECUTABLE),
	{ 0x2000, "MAP_LOCKED" }, FLAG(MAP_NORESERVE),
	FLAG(MAP_POPULATE),	  { 0x10000, "MAP_NONBLOCK" },
	FLAG(MAP_STACK),	  { 0x40000, "MAP_HUGETLB" },
	{ 0x80000, "MAP_SYNC" },  FLAG(MAP_FIXED_NOREPLACE),
};

static void put_map_flags(struct line *l, unsigned long v)
{
	put_enum(l, map_types, ARRAY_SIZE(map_types), v & MAP_TYPE);
	put_flags(l, map_flags, ARRAY_SIZE(map_flags), v & ~MAP_TYPE, true);
}

static const struct named at_flags[] = {
	FLAG(AT_SYMLINK_NOFOLLOW),
	FLAG(AT_EACCESS),
	FLAG(AT_SYMLINK_FOLLOW),
	FLAG(AT_NO_AUTOMOUNT),
	FLAG(AT_EMPTY_PATH),
	{ 0x2000, "AT_STATX_FORCE_SYNC" },
	{ 0x4000, "AT_STATX_DONT_SYNC" },
};

static const struct named access_modes[] = {
	FLAG(R_OK),
	FLAG(W_OK),
	FLAG(X_OK),
};

static const struct named whences[] = {
	FLAG(SEEK_SET),	 FLAG(SEEK_CUR),  FLAG(SEEK_END),
	FLAG(SEEK_DATA), FLAG(SEEK_HOLE),
};

static const struct named hows[] = {
	FLAG(SIG_BLOCK),
	FLAG(SIG_UNBLOCK),
	FLAG(SIG_SETMASK),
};

static const struct named families[] = {
	FLAG(AF_UNSPEC), FLAG(AF_UNIX),	   FLAG(AF_INET),
	FLAG(AF_INET6),	 FLAG(AF_NETLINK), { 17, "AF_PACKET" },
};

static const struct named sock_types[] = {
	FLAG(SOCK_STREAM), FLAG(SOCK_DGRAM),	 FLAG(SOCK_RAW),
	{ 4, "SOCK_RDM" }, FLAG(SOCK_SEQPACKET), { 10, "SOCK_PACKET" },
};

static const struct named sock_flags[] = {
	FLAG(SOCK_CLOEXEC),
	FLAG(SOCK_NONBLOCK),
};

static const struct named ioctls[] = {
	FLAG(TCGETS),
	FLAG(TCSETS),
	FLAG(TCSETSW),
	FLAG(TCSETSF),
	{ 0x5409, "TCSBRK" },
	{ 0x540b, "TCFLSH" },
	{ 0x540e, "TIOCSCTTY" },
	FLAG(TIOCGPGRP),
	FLAG(TIOCSPGRP),
	{ 0x5411, "TIOCOUTQ" },
	FLAG(TIOCGWINSZ),
	FLAG(TIOCSWINSZ),
	FLAG(FIONREAD),
	FLAG(FIONBIO),
	{ 0x5422, "TIOCNOTTY" },
	FLAG(FIONCLEX),
	FLAG(FIOCLEX),
	FLAG(FIOASYNC),
	{ 0x80045430, "TIOCGPTN" },
	{ 0x40045431, "TIOCSPTLCK" },
	{ 0x8912, "SIOCGIFCONF" },
	{ 0x8913, "SIOCGIFFLAGS" },
	{ 0x8915, "SIOCGIFADDR" },
	{ 0x8921, "SIOCGIFMTU" },
	{ 0x8927, "SIOCGIFHWADDR" },
	{ 0x8933, "SIOCGIFINDEX" },
};

static const struct named fcntls[] = {
	FLAG(F_DUPFD),		 FLAG(F_GETFD),		  FLAG(F_SETFD),
	FLAG(F_GETFL),		 FLAG(F_SETFL),		  FLAG(F_GETLK),
	FLAG(F_SETLK),		 FLAG(F_SETLKW),	  FLAG(F_SETOWN),
	FLAG(F_GETOWN),		 { 10, "F_SETSIG" },	  { 11, "F_GETSIG" },
	FLAG(F_OFD_GETLK),	 FLAG(F_OFD_SETLK),	  FLAG(F_OFD_SETLKW),
	{ 1024, "F_SETLEASE" },	 { 1025, "F_GETLEASE" },  { 1026, "F_NOTIFY" },
	FLAG(F_DUPFD_CLOEXEC),	 FLAG(F_SETPIPE_SZ),	  FLAG(F_GETPIPE_SZ),
	{ 1033, "F_ADD_SEALS" }, { 1034, "F_GET_SEALS" },
};

static void put_signal(struct line *l, long v)
{
	if (v > 0 && v < 32 && signal_name((int)v))
		put(l, "%s", signal_name((int)v));
	else if (v == 32)
		put(l, "SIGRTMIN");
	else if (v > 32 && v <= 64)
		put(l, "SIGRT_%ld", v - 32);
	else
		put(l, "%ld", v);
}

/* n bytes of s as a C string literal, with strace's escapes; "..." after
 * it when more was there. */
static void put_quoted(struct line *l, const char *s, size_t n, bool more)
{
	put(l, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool digit_next =
		    i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7';

		if (c == '"' || c == '\\')
			put(l, "\\%c", c);
		else if (c == '\n')
			put(l, "\\n");
		else if (c == '\t')
			put(l, "\\t");
		else if (c == '\r')
			put(l, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			put(l, digit_next ? "\\%03o" : "\\%o", c);
		else
			put(l, "%c", c);
	}
	put(l, more ? "\"..." : "\"");
}

static void put_ptr(struct line *l, unsigned long v)
{
	if (v)
		put(l, "%#lx", v);
	else
		put(l, "NULL");
}

/* A NUL-terminated string of user memory, at most max bytes shown. */
static void put_ustring(struct line *l, unsigned long p, size_t max)
{
	char s[PATH_SHOW + 1];
	long n;

	if (max > PATH_SHOW)
		max = PATH_SHOW;
	n = p ? strncpy_from_user(s, (const char *)p, max + 1) : -EFAULT;
	if (n >= 0)
		put_quoted(l, s, (size_t)n, false);
	else if (n == -ENAMETOOLONG)
		put_quoted(l, s, max, true);
	else
		put_ptr(l, p);
}

/* write's data: len bytes at p, the first DATA_SHOW of them shown. */
static void put_ubuf(struct line *l, unsigned long p, unsigned long len)
{
	char s[DATA_SHOW];
	size_t n = len < DATA_SHOW ? len : DATA_SHOW;

	if (p && !copy_from_user(s, (const void *)p, n))
		put_quoted(l, s, n, n < len);
	else
		put_ptr(l, p);
}

/* execve's argv: ["prog", "arg", ...]. */
static void put_argv(struct line *l, unsigned long p)
{
	unsigned long s;
	size_t i;

	if (!p || copy_from_user(&s, (const void *)p, sizeof(s))) {
		put_ptr(l, p);
		return;
	}
	put(l, "[");
	for (i = 0; i < ARGV_SHOW; i++) {
		if (copy_from_user(&s, (const void *)(p + i * sizeof(s)),
				   sizeof(s)) ||
		    !s)
			break;
		put(l, "%s", i ? ", " : "");
		put_ustring(l, s, DATA_SHOW);
	}
	if (i == ARGV_SHOW)
		put(l, ", ...");
	put(l, "]");
}

/* Does fcntl's command cmd take a third argument? */
static bool fcntl_has_arg(long cmd)
{
	switch (cmd) {
	case F_GETFD:
	case F_GETFL:
	case F_GETOWN:
	case 11: /* F_GETSIG */
	case 1025: /* F_GETLEASE */
	case F_GETPIPE_SZ:
	case 1034: /* F_GET_SEALS */
		return false;
	default:
		return true;
	}
}

/* fcntl's third argument, shown as its command cmd reads it. */
static void put_fcntl_arg(struct line *l, long cmd, long v)
{
	switch (cmd) {
	case F_SETFD:
		put(l, v == FD_CLOEXEC ? "FD_CLOEXEC" : "%ld", v);
		break;
	case F_SETFL:
		put_open_flags(l, (unsigned long)v);
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		put_ptr(l, (unsigned long)v);
		break;
	default:
		put(l, "%ld", v);
		break;
	}
}

static void put_socktype(struct line *l, unsigned long v)
{
	put_enum(l, sock_types, ARRAY_SIZE(sock_types), v & SOCK_TYPE_MASK);
	put_flags(l, sock_flags, ARRAY_SIZE(sock_flags), v & ~SOCK_TYPE_MASK,
		  true);
}

/* Argument i of kind k (a: all the arguments; ret: the call's result,
 * or NO_RESULT before it has run). */
#define NO_RESULT (-4096L - 1)

static void put_arg(struct line *l, char k, const long *a, size_t i, long ret)
{
	unsigned long v = (unsigned long)a[i];

	switch (k) {
	case 'r':
		if (ret >= 0)
			put_ubuf(l, v, (unsigned long)ret);
		else
			put_ptr(l, v);
		break;
	case 'z':
		if (ret >= 0)
			put_ustring(l, v, PATH_SHOW);
		else
			put_ptr(l, v);
		break;
	case 'd':
	case 'f':
		put(l, "%d", (int)v);
		break;
	case 'D':
		if ((int)v == AT_FDCWD)
			put(l, "AT_FDCWD");
		else
			put(l, "%d", (int)v);
		break;
	case 'u':
		put(l, "%lu", v);
		break;
	case 'p':
		put_ptr(l, v);
		break;
	case 's':
		put_ustring(l, v, PATH_SHOW);
		break;
	case 'b':
		put_ubuf(l, v, (unsigned long)a[i + 1]);
		break;
	case 'v':
		put_argv(l, v);
		break;
	case 'o':
		put_open_flags(l, v);
		break;
	case 'm':
	case 'n':
		put(l, "%#lo", v & 07777);
		break;
	case 'P':
		put_flags_or(l, prot_flags, ARRAY_SIZE(prot_flags), v,
			     "PROT_NONE");
		break;
	case 'M':
		put_map_flags(l, v);
		break;
	case 'A':
		put_flags(l, at_flags, ARRAY_SIZE(at_flags), v, false);
		break;
	case 'R':
		put(l, v == AT_REMOVEDIR ? "AT_REMOVEDIR" : "%#lx", v);
		break;
	case 'a':
		put_flags_or(l, access_modes, ARRAY_SIZE(access_modes), v,
			     "F_OK");
		break;
	case 'w':
		put_enum(l, whences, ARRAY_SIZE(whences), v);
		break;
	case 'g':
		put_signal(l, (long)v);
		break;
	case 'h':
		put_enum(l, hows, ARRAY_SIZE(hows), v);
		break;
	case 'i':
		for (size_t j = 0; j < ARRAY_SIZE(ioctls); j++)
			if (ioctls[j].v == (v & 0xffffffffUL)) {
				put(l, "%s", ioctls[j].name);
				return;
			}
		put(l, "%#lx", v);
		break;
	case 'c':
		put_enum(l, fcntls, ARRAY_SIZE(fcntls), v);
		break;
	case 'F':
		put_enum(l, families, ARRAY_SIZE(families), v);
		break;
	case 'T':
		put_socktype(l, v);
		break;
	default: /* 'x' */
		put(l, v ? "%#lx" : "%lu", v);
		break;
	}
}

/* The call's line; its output arguments shown when ret is a result. */
static void format_call(char *buf, size_t size, unsigned long nr,
			const char *name, const long *a, long ret)
{
	struct line l = { buf, size, 0, false };
	const char *k = nr < ARRAY_SIZE(kinds) ? kinds[nr] : NULL;

	if (size < 4) {
		if (size)
			buf[0] = '\0';
		return;
	}
	buf[0] = '\0';
	if (name)
		put(&l, "%s(", name);
	else
		put(&l, "syscall_%lu(", nr);
	if (!k) {
		put(&l, "%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)", a[0], a[1], a[2],
		    a[3], a[4], a[5]);
	} else {
		for (size_t i = 0; k[i]; i++) {
			/* open's mode only when the flags create a file. */
			if (k[i] == 'n' && !(a[i - 1] & O_CREAT) &&
			    (a[i - 1] & O_TMPFILE) != O_TMPFILE)
				break;
			put(&l, "%s", i ? ", " : "");
			put_arg(&l, k[i], a, i, ret);
			if (k[i] == 'c') { /* the command says what follows */
				if (fcntl_has_arg(a[i])) {
					put(&l, ", ");
					put_fcntl_arg(&l, a[i], a[i + 1]);
				}
				break;
			}
		}
		put(&l, ")");
	}
	if (l.cut)
		memcpy(buf + size - 4, "...", 4);
}

bool strace_after(unsigned long nr)
{
	const char *k = nr < ARRAY_SIZE(kinds) ? kinds[nr] : NULL;

	return k && (strchr(k, 'r') || strchr(k, 'z'));
}

void strace_call(char *buf, size_t size, unsigned long nr, const char *name,
		 const long *a)
{
	format_call(buf, size, nr, name, a, NO_RESULT);
}

void strace_call_done(char *buf, size_t size, unsigned long nr,
		      const char *name, const long *a, long ret)
{
	format_call(buf, size, nr, name, a, ret);
}

void strace_ret(char *buf, size_t size, unsigned long nr, long ret)
{
	struct line l = { buf, size, 0, false };

	if (!size)
		return;
	buf[0] = '\0';
	if (ret < 0 && ret >= -4095) {
		int e = (int)-ret;
		const char *name = strace_errno_name(e);

		if (!name)
			put(&l, "-1 E??? (errno %d)", e);
		else
			put(&l, "%s %s (%s)", e >= 512 ? "?" : "-1", name,
			    strace_errno_msg(e));
	} else if (nr == NR_mmap || nr == NR_mremap || nr == NR_brk ||
		   nr == NR_shmat) {
		put(&l, "%#lx", (unsigned long)ret);
	} else {
		put(&l, "%ld", ret);
	}
	if (l.cut && size >= 4)
		memcpy(buf + size - 4, "...", 4);
}

/*
 * t_shm.c - System V shared memory (tests/guest, issue 14): shmget with
 * private and named keys (IPC_CREAT, IPC_EXCL, sizes, permissions),
 * shmat at a chosen or a free address (SHM_RND, SHM_REMAP, SHM_RDONLY),
 * shmdt, shmctl (IPC_STAT, IPC_SET, IPC_RMID, IPC_INFO, SHM_INFO,
 * SHM_STAT), attachments shared across fork and gone at exit and exec, a
 * futex in a segment waking another process, a removed segment living
 * until its last detach, /proc/sysvipc/shm and /proc/self/maps, and the
 * errors Linux gives to hostile arguments.
 * Children report by exit status; no id, address or pid is printed, so
 * the output must match the host's line by line. Run as root (the
 * permission checks drop to uid 65534 in a child).
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"

#define PG 4096
#define SZ 10000 /* three pages, the last one partly */

static char *self;

static long stat_of(int id, struct shmid_ds *ds)
{
	return raw(syscall(SYS_shmctl, id, IPC_STAT, ds));
}

static long nattch(int id)
{
	struct shmid_ds ds;
	long r = stat_of(id, &ds);

	return r < 0 ? r : (long)ds.shm_nattch;
}

static void *at(int id, const void *addr, int flags)
{
	return (void *)syscall(SYS_shmat, id, addr, flags);
}

/* A free range of n pages (mapped, then unmapped). */
static char *free_range(size_t n)
{
	char *p =
	    mmap(NULL, n * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	munmap(p, n * PG);
	return p;
}

/* Whether /proc/self/maps has a line for addr that contains what. */
static int maps_has(const void *addr, const char *what)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)) && strstr(line, what))
			found = 1;
	if (f)
		fclose(f);
	return found;
}

static void test_private(void)
{
	struct shmid_ds ds;
	int id = shmget(IPC_PRIVATE, SZ, IPC_CREAT | 0600);
	char *p, *q;

	check("get-private", id >= 0);
	check_val("stat-fresh", stat_of(id, &ds), 0);
	check_val("stat-size", (long)ds.shm_segsz, SZ);
	check_val("stat-mode", ds.shm_perm.mode, 0600);
	check_val("stat-key", ds.shm_perm.__key, IPC_PRIVATE);
	check_val("stat-nattch-0", (long)ds.shm_nattch, 0);
	check("stat-cpid", ds.shm_cpid == getpid());
	check("stat-uid",
	      ds.shm_perm.uid == geteuid() && ds.shm_perm.cuid == geteuid());
	check("stat-ctime",
	      ds.shm_ctime > 0 && ds.shm_atime == 0 && ds.shm_dtime == 0);

	p = at(id, NULL, 0);
	check("attach", p != (void *)-1 && ((uintptr_t)p & (PG - 1)) == 0);
	check("zero-filled", p[0] == 0 && p[SZ - 1] == 0 && p[3 * PG - 1] == 0);
	memset(p, 'a', SZ);
	check_val("nattch-1", nattch(id), 1);
	stat_of(id, &ds);
	check("stat-atime-lpid", ds.shm_atime > 0 && ds.shm_lpid == getpid());
	check("maps-name",
	      maps_has(p, "rw-s") && maps_has(p, "/SYSV00000000 (deleted)"));

	q = at(id, NULL, SHM_RDONLY);
	check("attach-twice", q != (void *)-1 && q != p);
	check("same-memory", q[0] == 'a' && q[SZ - 1] == 'a');
	p[100] = 'b';
	check("write-seen", q[100] == 'b');
	check_val("nattch-2", nattch(id), 2);
	check("maps-rdonly", maps_has(q, "r--s"));
	check_err("mprotect-rdonly-write", raw(mprotect(q, PG, PROT_WRITE)),
		  EACCES);

	check_val("detach", raw(shmdt(q)), 0);
	check_val("nattch-after-detach", nattch(id), 1);
	check_err("detach-again", raw(shmdt(q)), EINVAL);
	check_err("detach-unaligned", raw(shmdt(p + 1)), EINVAL);
	check_err("detach-inside", raw(shmdt(p + PG)), EINVAL);
	check_err("detach-not-shm", raw(shmdt(&ds)), EINVAL);
	stat_of(id, &ds);
	check("stat-dtime", ds.shm_dtime > 0);
	check_val("detach-last", raw(shmdt(p)), 0);
	check_val("nattch-0-again", nattch(id), 0);
	check_val("rmid", raw(shmctl(id, IPC_RMID, NULL)), 0);
	check_err("stat-removed", stat_of(id, &ds), EINVAL);
	check_err("attach-removed", (long)at(id, NULL, 0) == -1 ? -errno : 0,
		  EINVAL);
}

/* Removed while attached: alive until the last detach, as Linux. */
static void test_rmid_attached(void)
{
	struct shmid_ds ds;
	int id = shmget(IPC_PRIVATE, SZ, 0600);
	char *p = at(id, NULL, 0), *q;

	memset(p, 'r', SZ);
	check_val("rmid-attached", raw(shmctl(id, IPC_RMID, NULL)), 0);
	check_val("rmid-stat", stat_of(id, &ds), 0);
	check("rmid-dest", (ds.shm_perm.mode & SHM_DEST) &&
			       ds.shm_perm.__key == IPC_PRIVATE);
	check_val("rmid-nattch", (long)ds.shm_nattch, 1);
	check("rmid-memory", p[0] == 'r' && p[SZ - 1] == 'r');
	p[0] = 's';
	check_val("rmid-twice", raw(shmctl(id, IPC_RMID, NULL)), 0);
	q = at(id, NULL, 0); /* Linux lets a removed segment be attached */
	check("rmid-attach", q != (void *)-1 && q[0] == 's');
	check_val("rmid-nattch-2", nattch(id), 2);
	check("rmid-maps", maps_has(p, "/SYSV00000000 (deleted)"));
	shmdt(q);
	check_val("rmid-still", nattch(id), 1);
	check_val("rmid-last-detach", raw(shmdt(p)), 0);
	check_err("rmid-gone", stat_of(id, &ds), EINVAL);
}

static void test_keys(void)
{
	key_t key = 0x4b450000 | (getpid() & 0xffff);
	int id = shmget(key, 2 * PG, IPC_CREAT | IPC_EXCL | 0640), id2;
	struct shmid_ds ds;
	char name[32];

	check("key-create", id >= 0);
	check_val("key-again", shmget(key, 2 * PG, 0), id);
	check_val("key-again-creat", shmget(key, PG, IPC_CREAT | 0600), id);
	check_val("key-size-0", shmget(key, 0, 0), id);
	check_err("key-excl", raw(shmget(key, PG, IPC_CREAT | IPC_EXCL | 0600)),
		  EEXIST);
	check_err("key-bigger", raw(shmget(key, 2 * PG + 1, 0)), EINVAL);
	check_err("key-excl-before-size",
		  raw(shmget(key, 3 * PG, IPC_CREAT | IPC_EXCL)), EEXIST);
	check_err("key-missing", raw(shmget(key ^ 0x10000, PG, 0600)), ENOENT);
	stat_of(id, &ds);
	check("key-stat", ds.shm_perm.__key == key && ds.shm_segsz == 2 * PG &&
			      ds.shm_perm.mode == 0640);
	char *p = at(id, NULL, 0);

	snprintf(name, sizeof(name), "/SYSV%08x (deleted)", key);
	check("key-maps-name", maps_has(p, name));
	shmdt(p);

	/* IPC_SET: owner, group and the permission bits only. */
	ds.shm_perm.mode = 0604 | SHM_DEST;
	ds.shm_perm.gid = 100;
	check_val("set", raw(shmctl(id, IPC_SET, &ds)), 0);
	stat_of(id, &ds);
	check_val("set-mode", ds.shm_perm.mode, 0604);
	check_val("set-gid", ds.shm_perm.gid, 100);
	check_val("set-cgid", ds.shm_perm.cgid, getegid());
	ds.shm_perm.uid = (uid_t)-1;
	check_err("set-bad-uid", raw(shmctl(id, IPC_SET, &ds)), EINVAL);
	check_err("set-efault", raw(shmctl(id, IPC_SET, BADPTR)), EFAULT);

	/* SHM_STAT: by index, the id back; IPC_INFO and SHM_INFO. */
	check_val("shm-stat", raw(shmctl(id % 32768, SHM_STAT, &ds)), id);
	check_val("shm-stat-any", raw(shmctl(id % 32768, SHM_STAT_ANY, &ds)),
		  id);
	struct shminfo info;
	long r = raw(shmctl(0, IPC_INFO, (struct shmid_ds *)&info));

	check("ipc-info", r >= id % 32768 && info.shmmin == 1 &&
			      info.shmmni == 4096 && info.shmseg == 4096);
	struct shm_info usage;

	r = raw(shmctl(0, SHM_INFO, (struct shmid_ds *)&usage));
	check("shm-info",
	      r >= id % 32768 && usage.used_ids >= 1 && usage.shm_tot >= 2);

	/* /proc/sysvipc/shm: Linux's header, and a line for the segment. */
	FILE *f = fopen("/proc/sysvipc/shm", "r");
	char line[256], want[64];
	int seen = 0, header = 0;

	snprintf(want, sizeof(want), "%10d %10d  %4o %21d ", key, id, 0604,
		 2 * PG);
	while (f && fgets(line, sizeof(line), f)) {
		header |=
		    !strcmp(line, "       key      shmid perms         "
				  "         size  cpid  lpid nattch   uid  "
				  " gid  cuid  cgid      atime      dtime "
				  "     ctime                   rss       "
				  "           swap\n");
		seen |= !strncmp(line, want, strlen(want));
	}
	if (f)
		fclose(f);
	check("proc-sysvipc-header", header);
	check("proc-sysvipc-line", seen);

	check_val("key-rmid", raw(shmctl(id, IPC_RMID, NULL)), 0);
	check_err("key-gone", raw(shmget(key, 0, 0)), ENOENT);
	id2 = shmget(key, PG, IPC_CREAT | 0600);
	check("key-new-id", id2 >= 0 && id2 != id);
	shmctl(id2, IPC_RMID, NULL);
}

static void test_sizes_and_ids(void)
{
	int id;

	check_err("size-0", raw(shmget(IPC_PRIVATE, 0, 0600)), EINVAL);
	check_err("size-max", raw(shmget(IPC_PRIVATE, (size_t)-1, 0600)),
		  EINVAL);
	/* Below shmmax, past what a file may hold (MAX_LFS_FILESIZE). */
	check_err("size-past-lfs",
		  raw(shmget(IPC_PRIVATE, (1UL << 63) + PG, SHM_NORESERVE)),
		  EINVAL);
	/* 1 PiB: no room in the commit (there is no such RAM). */
	check_err("size-huge", raw(shmget(IPC_PRIVATE, 1UL << 50, 0600)),
		  ENOMEM);
	id = shmget(IPC_PRIVATE, 1UL << 50, SHM_NORESERVE | 0600);
	check("size-huge-noreserve", id >= 0);
	check_err("attach-huge", (long)at(id, NULL, 0) == -1 ? -errno : 0,
		  ENOMEM);
	shmctl(id, IPC_RMID, NULL);

	check_err("attach-negative", (long)at(-1, NULL, 0) == -1 ? -errno : 0,
		  EINVAL);
	check_err("attach-bad-id",
		  (long)at(0x7fff0000, NULL, 0) == -1 ? -errno : 0, EINVAL);
	check_err("ctl-negative-id", raw(shmctl(-1, IPC_STAT, NULL)), EINVAL);
	check_err("ctl-negative-cmd", raw(syscall(SYS_shmctl, 0, -1, NULL)),
		  EINVAL);
	check_err("ctl-bad-cmd", raw(syscall(SYS_shmctl, 0, 99, NULL)), EINVAL);
	check_err("ctl-ipc64",
		  raw(syscall(SYS_shmctl, 0, IPC_STAT | 0x100, NULL)), EINVAL);
	check_err("ctl-bad-id", raw(shmctl(0x7fff0000, IPC_RMID, NULL)),
		  EINVAL);
	id = shmget(IPC_PRIVATE, PG, 0600);
	check_err("attach-kernel-addr",
		  (long)at(id, KPTR, 0) == -1 ? -errno : 0, ENOMEM);
	check_err("attach-kernel-addr-remap",
		  (long)at(id, KPTR, SHM_REMAP) == -1 ? -errno : 0, ENOMEM);
	check_err("attach-top",
		  (long)at(id, (void *)0x7ffffffff000, 0) == -1 ? -errno : 0,
		  ENOMEM);
	check_err("stat-efault", raw(shmctl(id, IPC_STAT, BADPTR)), EFAULT);
	check_err("stat-kernel-ptr", raw(shmctl(id, IPC_STAT, KPTR)), EFAULT);
	shmctl(id, IPC_RMID, NULL);
}

static void test_addresses(void)
{
	int id = shmget(IPC_PRIVATE, 3 * PG, 0600);
	char *r = free_range(3), *p, *m;

	p = at(id, r + 123, 0);
	check_err("attach-unaligned", p == (void *)-1 ? -errno : 0, EINVAL);
	p = at(id, r + 123, SHM_RND);
	check("attach-rnd", p == r);
	p[0] = 'x';
	check_err("attach-overlap", (long)at(id, r, 0) == -1 ? -errno : 0,
		  EINVAL);
	check_err("remap-null",
		  (long)at(id, NULL, SHM_REMAP) == -1 ? -errno : 0, EINVAL);
	m = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check_err("attach-over-mmap", (long)at(id, m, 0) == -1 ? -errno : 0,
		  EINVAL);
	munmap(m, PG);
	check("attach-remap", at(id, r, SHM_REMAP) == r && r[0] == 'x');
	check_val("remap-nattch", nattch(id), 1);

	/* What munmap leaves of an attachment, shmdt takes all of. */
	p = at(id, NULL, 0);
	check_val("munmap-middle", raw(munmap(p + PG, PG)), 0);
	check_val("munmap-split-nattch", nattch(id), 3);
	check_val("detach-pieces", raw(shmdt(p)), 0);
	check_val("detach-pieces-nattch", nattch(id), 1);
	check("detach-pieces-gone", !maps_has(p + 2 * PG, "SYSV"));
	check_val("munmap-attachment", raw(munmap(r, 3 * PG)), 0);
	check_val("munmap-nattch", nattch(id), 0);
	shmctl(id, IPC_RMID, NULL);
}

/* A child writes; the parent sees it, and the other way round. */
static void test_fork(void)
{
	int id = shmget(IPC_PRIVATE, SZ, 0600), go[2];
	char *p = at(id, NULL, 0);
	pid_t pid;

	pipe(go);
	p[0] = 'p';
	pid = xfork();
	if (pid == 0) {
		char c;
		int bad = 0;

		bad |= nattch(id) != 2; /* the parent's and this copy */
		bad |= (p[0] != 'p') << 1;
		p[1] = 'c';
		p[SZ - 1] = 'z';
		read(go[0], &c, 1); /* the parent wrote p[2] */
		bad |= (p[2] != 'P') << 2;
		_exit(bad);
	}
	while (*(volatile char *)&p[1] != 'c')
		usleep(1000);
	p[2] = 'P';
	write(go[1], "x", 1);
	check_val("fork-child", reap(pid), 0);
	check("fork-child-wrote", p[1] == 'c' && p[SZ - 1] == 'z');
	check_val("fork-exit-detaches", nattch(id), 1);

	/* A child attaches, writes and exits without shmdt. */
	pid = xfork();
	if (pid == 0) {
		char *q = at(id, NULL, 0);

		q[3] = 'q';
		_exit(nattch(id) == 3 ? 0 : 1);
	}
	check_val("child-attach", reap(pid), 0);
	check("child-attach-wrote", p[3] == 'q');
	check_val("child-exit-detaches", nattch(id), 1);

	/* exec detaches: the new program sees only the parent's. */
	pid = xfork();
	if (pid == 0) {
		char arg[16];

		at(id, NULL, 0);
		snprintf(arg, sizeof(arg), "%d", id);
		execl(self, self, "nattch", arg, NULL);
		_exit(99);
	}
	check_val("exec-detaches", reap(pid), 1);

	/* The last process to detach a removed segment frees it. */
	shmctl(id, IPC_RMID, NULL);
	pid = xfork();
	if (pid == 0) {
		shmdt(p);
		_exit(nattch(id) == 1 ? 0 : 1);
	}
	check_val("rmid-fork", reap(pid), 0);
	check_val("rmid-fork-parent", nattch(id), 1);
	shmdt(p);
	check_err("rmid-fork-gone", nattch(id), EINVAL);
}

/*
 * A futex in a segment wakes a waiter in another process (glibc's
 * process-shared mutexes, which fio keeps in its segment, rely on it):
 * the parent waits at one address, the child wakes it from its own
 * attachment at another.
 */
static void test_futex(void)
{
	int id = shmget(IPC_PRIVATE, PG, 0600), woke = 0;
	struct timespec tick = { 0, 100000000 };
	int *w = at(id, NULL, 0);
	pid_t pid;

	*w = 0;
	pid = xfork();
	if (pid == 0) {
		int *c = at(id, NULL, 0), n = 0;

		/* Until the parent sleeps there (at most 5 s), then done. */
		for (int i = 0; i < 2500 && n != 1; i++) {
			n = (int)syscall(SYS_futex, c, FUTEX_WAKE, 1, NULL,
					 NULL, 0);
			if (n != 1)
				usleep(2000);
		}
		__atomic_store_n(c, 1, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, c, FUTEX_WAKE, 1, NULL, NULL, 0);
		_exit(n == 1 ? 0 : 1);
	}
	while (!__atomic_load_n(w, __ATOMIC_SEQ_CST))
		if (!syscall(SYS_futex, w, FUTEX_WAIT, 0, &tick, NULL, 0))
			woke = 1;
	check_val("futex-child-woke-one", reap(pid), 0);
	check("futex-parent-woken", woke);
	shmdt(w);
	shmctl(id, IPC_RMID, NULL);
}

/* Read-only attachment: a write is SIGSEGV. Another user: EACCES. */
static void test_rights(void)
{
	int id = shmget(IPC_PRIVATE, PG, 0600), key_id;
	key_t key = 0x4b460000 | (getpid() & 0xffff);
	pid_t pid;

	pid = xfork();
	if (pid == 0) {
		volatile char *q = at(id, NULL, SHM_RDONLY);

		q[0] = 1;
		_exit(0);
	}
	check_val("rdonly-write-segv", reap(pid), 1000 + SIGSEGV);

	key_id = shmget(key, PG, IPC_CREAT | 0600);
	pid = xfork();
	if (pid == 0) {
		struct shmid_ds ds;
		int bad = 0;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		bad |= ((long)at(id, NULL, 0) != -1 || errno != EACCES);
		bad |= ((long)at(id, NULL, SHM_RDONLY) != -1 || errno != EACCES)
		       << 1;
		bad |= (stat_of(id, &ds) != -EACCES) << 2;
		bad |= (raw(shmctl(id, IPC_RMID, NULL)) != -EPERM) << 3;
		bad |= (raw(shmctl(id, IPC_SET, &ds)) != -EPERM) << 4;
		bad |= (raw(shmget(key, 0, 0600)) != -EACCES) << 5;
		bad |= (raw(shmget(key, 0, 0)) != key_id) << 6;
		bad |= (raw(shmctl(id % 32768, SHM_STAT_ANY, &ds)) != id) << 7;
		_exit(bad);
	}
	check_val("other-user", reap(pid), 0);
	shmctl(key_id, IPC_SET,
	       &(struct shmid_ds){
		   .shm_perm = { .uid = 0, .gid = 0, .mode = 0604 } });
	pid = xfork();
	if (pid == 0) {
		char *q;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		q = at(key_id, NULL, SHM_RDONLY);
		_exit(q == (void *)-1			? 1
		      : (long)at(key_id, NULL, 0) != -1 ? 2
							: 0);
	}
	check_val("other-read-only", reap(pid), 0);
	shmctl(id, IPC_RMID, NULL);
	shmctl(key_id, IPC_RMID, NULL);
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc == 3 && !strcmp(argv[1], "nattch"))
		return (int)nattch(atoi(argv[2]));
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_private();
	test_rmid_attached();
	test_keys();
	test_sizes_and_ids();
	test_addresses();
	test_fork();
	test_futex();
	test_rights();
	printf("t_shm: %d failed\n", fails);
	return fails != 0;
}

/*
 * fdtable.c - the process's file descriptors and fs context (fs/):
 * descriptors are the lowest free slot below FD_MAX (EMFILE beyond) with
 * an FD_CLOEXEC bit each; the fs context holds the cwd and the umask.
 * fs_process_init gives the program 0, 1 and 2 on /dev/console.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/process.h>
#include <keel/string.h>
#include <keel/vfs.h>

struct fdtable {
	struct file *files[FD_MAX];
	uint64_t cloexec[FD_MAX / 64];
};

struct fs_context {
	struct inode *cwd; /* a reference */
	unsigned umask;
};

static struct fdtable *table(void)
{
	struct process *p = current_process();

	return p ? p->fds : NULL;
}

static struct fs_context *context(void)
{
	struct process *p = current_process();

	return p ? p->fs : NULL;
}

static void set_cloexec(struct fdtable *t, int fd, bool on)
{
	uint64_t bit = 1ULL << (fd % 64);

	if (on)
		t->cloexec[fd / 64] |= bit;
	else
		t->cloexec[fd / 64] &= ~bit;
}

struct file *fd_get(int fd)
{
	struct fdtable *t = table();
	struct file *f;

	if (!t || fd < 0 || fd >= FD_MAX || !(f = t->files[fd]))
		return NULL;
	file_get(f);
	return f;
}

/* Descriptors the process may have: RLIMIT_NOFILE, at most FD_MAX. */
static int fd_limit(void)
{
	uint64_t cur = current_process()->rlim[RLIMIT_NOFILE].cur;

	return cur < FD_MAX ? (int)cur : FD_MAX;
}

/* The lowest free descriptor from min, or -EMFILE. */
static int free_slot(struct fdtable *t, int min)
{
	int limit = fd_limit();

	for (int fd = min; fd < limit; fd++)
		if (!t->files[fd])
			return fd;
	return -EMFILE;
}

static void install(struct fdtable *t, int fd, struct file *f, bool cloexec)
{
	struct file *old = t->files[fd];

	t->files[fd] = f;
	set_cloexec(t, fd, cloexec);
	file_put(old);
}

int fd_install(struct file *f, bool cloexec)
{
	struct fdtable *t = table();
	int fd = t ? free_slot(t, 0) : -EMFILE;

	if (fd < 0) {
		file_put(f);
		return fd;
	}
	install(t, fd, f, cloexec);
	return fd;
}

int fd_close(int fd)
{
	struct fdtable *t = table();
	struct file *f;

	if (!t || fd < 0 || fd >= FD_MAX || !(f = t->files[fd]))
		return -EBADF;
	t->files[fd] = NULL;
	set_cloexec(t, fd, false);
	file_put(f);
	return 0;
}

int fd_dup(int oldfd, int minfd, bool cloexec)
{
	struct fdtable *t = table();
	struct file *f = fd_get(oldfd);
	int fd;

	if (!f)
		return -EBADF;
	/* F_DUPFD from the limit on is EINVAL; dup at the limit EMFILE. */
	if (minfd < 0 || minfd >= FD_MAX || (minfd && minfd >= fd_limit())) {
		file_put(f);
		return -EINVAL;
	}
	fd = free_slot(t, minfd);
	if (fd < 0) {
		file_put(f);
		return fd;
	}
	install(t, fd, f, cloexec);
	return fd;
}

int fd_dup3(int oldfd, int newfd, bool cloexec)
{
	struct fdtable *t = table();
	struct file *f = fd_get(oldfd);

	if (!f)
		return -EBADF;
	if (newfd < 0 || newfd >= fd_limit()) {
		file_put(f);
		return -EBADF;
	}
	install(t, newfd, f, cloexec);
	return newfd;
}

int fd_get_cloexec(int fd)
{
	struct fdtable *t = table();

	if (!t || fd < 0 || fd >= FD_MAX || !t->files[fd])
		return -EBADF;
	return (int)(t->cloexec[fd / 64] >> (fd % 64)) & 1;
}

int fd_set_cloexec(int fd, bool on)
{
	struct fdtable *t = table();

	if (!t || fd < 0 || fd >= FD_MAX || !t->files[fd])
		return -EBADF;
	set_cloexec(t, fd, on);
	return 0;
}

void fd_close_on_exec(void)
{
	struct fdtable *t = table();

	for (int fd = 0; t && fd < FD_MAX; fd++)
		if (t->files[fd] && fd_get_cloexec(fd) == 1)
			fd_close(fd);
}

unsigned vfs_umask(unsigned mask)
{
	struct fs_context *c = context();
	unsigned old;

	if (!c)
		return 022;
	old = c->umask;
	c->umask = mask & 0777;
	return old;
}

unsigned vfs_get_umask(void)
{
	struct fs_context *c = context();

	return c ? c->umask : 022;
}

struct inode *fs_cwd(void)
{
	struct fs_context *c = context();

	return c && c->cwd ? c->cwd : vfs_root;
}

void fs_set_cwd(struct inode *dir)
{
	struct fs_context *c = context();
	struct inode *old;

	if (!c) {
		inode_put(dir);
		return;
	}
	old = c->cwd;
	c->cwd = dir;
	inode_put(old);
}

int fs_process_init(struct process *p, const char *cwd)
{
	struct inode *dir;
	struct file *con;
	int err;

	if (!vfs_root)
		return -ENOENT;
	p->fds = kzalloc(sizeof(*p->fds));
	p->fs = kzalloc(sizeof(*p->fs));
	if (!p->fds || !p->fs) {
		kfree(p->fds);
		kfree(p->fs);
		p->fds = NULL;
		p->fs = NULL;
		return -ENOMEM;
	}
	p->fs->umask = 022;
	err = vfs_lookup_at(AT_FDCWD, cwd && *cwd ? cwd : "/", 0, &dir);
	if (err)
		return err;
	if (!S_ISDIR(dir->mode)) {
		inode_put(dir);
		return -ENOTDIR;
	}
	p->fs->cwd = dir;
	err = vfs_openat(AT_FDCWD, "/dev/console", O_RDWR, 0, &con);
	if (err)
		return err;
	for (int fd = 0; fd < 3; fd++) {
		file_get(con);
		install(p->fds, fd, con, false);
	}
	file_put(con);
	if (console_input_is_stream()) {
		struct file *in;

		err = console_stream_open(&in);
		if (err)
			return err;
		install(p->fds, 0, in, false); /* puts the console's ref */
	}
	return 0;
}

/*
 * fdtable.c - each process's file descriptors and fs context (fs/):
 * descriptors are the lowest free slot below RLIMIT_NOFILE and nr_open
 * (/proc/sys/fs/nr_open; EMFILE beyond) with an FD_CLOEXEC bit each; the
 * fs context holds the cwd, the root (chroot) and the umask. Both are
 * reference-counted: clone with CLONE_FILES or CLONE_FS shares them, fork
 * copies them (every open file gains a reference, close-on-exec bits
 * kept). A table holds FD_INLINE slots inside itself (one 1 KiB heap
 * object) and grows by doubling only when a descriptor beyond them is
 * used, so a process with few descriptors costs no more however high its
 * limit.
 * fs_process_init gives the first program 0, 1 and 2 on /dev/console.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/process.h>
#include <keel/string.h>
#include <keel/vfs.h>

#define FD_INLINE 64

/* Linux's sysctl fs.nr_open: the most descriptors a process may have. */
static unsigned nr_open = NR_OPEN_DEFAULT;

struct fdtable {
	int refs; /* processes using it (CLONE_FILES) */
	int size; /* slots: FD_INLINE, doubled as descriptors need */
	int next; /* no free slot below it (Linux's next_fd) */
	struct file **files; /* inline_files or a bigger array */
	uint64_t *cloexec; /* size / 64 words */
	uint64_t inline_cloexec[FD_INLINE / 64];
	struct file *inline_files[FD_INLINE];
};

struct fs_context {
	int refs; /* processes using it (CLONE_FS) */
	unsigned umask;
	struct inode *cwd; /* a reference */
	struct inode *root; /* chroot's, a reference; NULL: the VM's root */
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

static struct fdtable *table_new(void)
{
	struct fdtable *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	t->refs = 1;
	t->size = FD_INLINE;
	t->files = t->inline_files;
	t->cloexec = t->inline_cloexec;
	return t;
}

/* Make room for descriptor fd: 0, or -ENOMEM (the table is unchanged). */
static int table_grow(struct fdtable *t, int fd)
{
	int size = t->size;
	struct file **files;
	uint64_t *cloexec;

	if (fd < size)
		return 0;
	while (size <= fd && size <= NR_OPEN_MAX / 2)
		size *= 2;
	if (size <= fd)
		size = NR_OPEN_MAX;
	files = kzalloc((size_t)size * sizeof(*files));
	cloexec = kzalloc((size_t)size / 64 * sizeof(*cloexec));
	if (!files || !cloexec) {
		kfree(files);
		kfree(cloexec);
		return -ENOMEM;
	}
	memcpy(files, t->files, (size_t)t->size * sizeof(*files));
	memcpy(cloexec, t->cloexec, (size_t)t->size / 64 * sizeof(*cloexec));
	if (t->files != t->inline_files) {
		kfree(t->files);
		kfree(t->cloexec);
	}
	t->files = files;
	t->cloexec = cloexec;
	t->size = size;
	return 0;
}

static void table_free(struct fdtable *t)
{
	if (t->files != t->inline_files) {
		kfree(t->files);
		kfree(t->cloexec);
	}
	kfree(t);
}

static struct file *slot(const struct fdtable *t, int fd)
{
	return t && fd >= 0 && fd < t->size ? t->files[fd] : NULL;
}

static void set_cloexec(struct fdtable *t, int fd, bool on)
{
	uint64_t bit = 1ULL << (fd % 64);

	if (on)
		t->cloexec[fd / 64] |= bit;
	else
		t->cloexec[fd / 64] &= ~bit;
}

static bool get_cloexec(const struct fdtable *t, int fd)
{
	return (t->cloexec[fd / 64] >> (fd % 64)) & 1;
}

struct file *fd_get(int fd)
{
	struct file *f = slot(table(), fd);

	if (f)
		file_get(f);
	return f;
}

unsigned fd_nr_open(void)
{
	return READ_ONCE(nr_open);
}

int fd_set_nr_open(unsigned long n)
{
	if (n < NR_OPEN_MIN || n > NR_OPEN_MAX)
		return -EINVAL;
	WRITE_ONCE(nr_open, (unsigned)n);
	return 0;
}

int fd_table_size(void)
{
	struct fdtable *t = table();

	return t ? t->size : 0;
}

/* Descriptors the process may have: RLIMIT_NOFILE, at most nr_open. */
static int fd_limit(void)
{
	uint64_t cur = current_process()->rlim[RLIMIT_NOFILE].cur;
	unsigned max = fd_nr_open();

	return cur < max ? (int)cur : (int)max;
}

/* The lowest free descriptor from min (maybe past the table's slots:
 * install grows it), or -EMFILE. */
static int free_slot(struct fdtable *t, int min)
{
	int limit = fd_limit(), fd;

	for (fd = MAX(min, t->next); fd < limit && fd < t->size; fd++)
		if (!t->files[fd])
			break;
	if (!min)
		t->next = fd;
	return fd < limit ? fd : -EMFILE;
}

/* Put f (its reference) in slot fd, closing what was there: 0, or
 * -ENOMEM when the table cannot grow to fd (f is put). */
static int install(struct fdtable *t, int fd, struct file *f, bool cloexec)
{
	struct file *old;
	int err = table_grow(t, fd);

	if (err) {
		file_put(f);
		return err;
	}
	old = t->files[fd];
	t->files[fd] = f;
	set_cloexec(t, fd, cloexec);
	file_put(old);
	return 0;
}

int fd_install(struct file *f, bool cloexec)
{
	struct fdtable *t = table();
	int fd = t ? free_slot(t, 0) : -EMFILE;

	if (fd < 0) {
		file_put(f);
		return fd;
	}
	return install(t, fd, f, cloexec) ?: fd;
}

int fd_close(int fd)
{
	struct fdtable *t = table();
	struct file *f = slot(t, fd);

	if (!f)
		return -EBADF;
	t->files[fd] = NULL;
	set_cloexec(t, fd, false);
	if (fd < t->next)
		t->next = fd;
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
	if (minfd < 0 || (minfd && minfd >= fd_limit())) {
		file_put(f);
		return -EINVAL;
	}
	fd = free_slot(t, minfd);
	if (fd < 0) {
		file_put(f);
		return fd;
	}
	return install(t, fd, f, cloexec) ?: fd;
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
	return install(t, newfd, f, cloexec) ?: newfd;
}

int fd_get_cloexec(int fd)
{
	struct fdtable *t = table();

	if (!slot(t, fd))
		return -EBADF;
	return get_cloexec(t, fd);
}

int fd_set_cloexec(int fd, bool on)
{
	struct fdtable *t = table();

	if (!slot(t, fd))
		return -EBADF;
	set_cloexec(t, fd, on);
	return 0;
}

/*
 * At execve, after fs_unshare_files: the table is the caller's alone, so
 * closing its O_CLOEXEC descriptors touches no other process.
 */
void fd_close_on_exec(void)
{
	struct fdtable *t = table();

	for (int w = 0; t && w < t->size / 64; w++)
		while (t->cloexec[w]) {
			int bit = __builtin_ctzll(t->cloexec[w]);

			fd_close(w * 64 + bit);
		}
}

/* ---- processes: fork, unshare, release ---- */

/* A private copy of t: the same files (a reference each), the same
 * close-on-exec bits, as many slots as its highest open descriptor needs. */
static struct fdtable *table_copy(const struct fdtable *t)
{
	struct fdtable *c = table_new();
	int top = -1;

	if (!c)
		return NULL;
	for (int fd = 0; fd < t->size; fd++)
		if (t->files[fd])
			top = fd;
	if (table_grow(c, top)) {
		table_free(c);
		return NULL;
	}
	for (int fd = 0; fd <= top; fd++) {
		c->files[fd] = t->files[fd];
		if (c->files[fd]) {
			file_get(c->files[fd]);
			set_cloexec(c, fd, get_cloexec(t, fd));
		}
	}
	return c;
}

/*
 * Drop a reference to t; the last closes every descriptor as close(2)
 * does (a pipe's reader sees its writers go, flock locks held only
 * through them are released), lowest first, and frees it.
 */
static void table_put(struct fdtable *t)
{
	if (!t || --t->refs)
		return;
	for (int fd = 0; fd < t->size; fd++) {
		struct file *f = t->files[fd];

		t->files[fd] = NULL;
		file_put(f);
	}
	table_free(t);
}

static void context_put(struct fs_context *c)
{
	if (!c || --c->refs)
		return;
	inode_put(c->cwd);
	inode_put(c->root);
	kfree(c);
}

int fs_process_fork(struct process *child, bool share_files, bool share_fs)
{
	struct process *p = current_process();
	struct fdtable *t = p->fds;
	struct fs_context *c = p->fs;

	child->fds = NULL;
	child->fs = NULL;
	if (share_files && t) {
		t->refs++;
	} else if (t && !(t = table_copy(t))) {
		return -ENOMEM;
	}
	if (share_fs && c) {
		c->refs++;
	} else if (c) {
		struct fs_context *n = kzalloc(sizeof(*n));

		if (!n) {
			table_put(t);
			return -ENOMEM;
		}
		n->refs = 1;
		n->umask = c->umask;
		n->cwd = c->cwd;
		if (n->cwd)
			inode_get(n->cwd);
		n->root = c->root;
		if (n->root)
			inode_get(n->root);
		c = n;
	}
	child->fds = t;
	child->fs = c;
	return 0;
}

int fs_unshare_files(void)
{
	struct process *p = current_process();
	struct fdtable *t = p->fds, *c;

	if (!t || t->refs == 1)
		return 0;
	c = table_copy(t);
	if (!c)
		return -ENOMEM;
	p->fds = c;
	table_put(t);
	return 0;
}

void fs_process_release(struct process *p)
{
	struct fdtable *t = p->fds;
	struct fs_context *c = p->fs;

	/* Detached first: /proc/PID/fd, looking meanwhile, finds none. */
	p->fds = NULL;
	p->fs = NULL;
	table_put(t);
	context_put(c);
}

/* ---- another process's, for /proc/PID ---- */

struct file *fd_get_of(struct process *p, int fd)
{
	struct file *f = slot(p->fds, fd);

	if (f)
		file_get(f);
	return f;
}

int fd_next_of(struct process *p, int fd)
{
	const struct fdtable *t = p->fds;

	for (fd = fd < 0 ? 0 : fd; t && fd < t->size; fd++)
		if (t->files[fd])
			return fd;
	return -1;
}

struct inode *fs_cwd_of(struct process *p)
{
	struct inode *dir = p->fs ? p->fs->cwd : NULL;

	if (dir)
		inode_get(dir);
	return dir;
}

unsigned fs_umask_of(struct process *p)
{
	return p->fs ? p->fs->umask : 022;
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

/* Put dir (a reference, taken over) in *slot of the process's context;
 * the old one is put. Without a context dir is put. */
static void set_ref(struct inode **slot, struct inode *dir)
{
	struct inode *old = *slot;

	*slot = dir;
	inode_put(old);
}

void fs_set_cwd(struct inode *dir)
{
	struct fs_context *c = context();

	if (c)
		set_ref(&c->cwd, dir);
	else
		inode_put(dir);
}

struct inode *fs_root(void)
{
	struct fs_context *c = context();

	return c && c->root ? c->root : vfs_root;
}

/* The VM's root is kept as NULL: a chroot("/") undoes the others. */
void fs_set_root(struct inode *dir)
{
	struct fs_context *c = context();

	if (c && dir != vfs_root) {
		set_ref(&c->root, dir);
		return;
	}
	if (c)
		set_ref(&c->root, NULL);
	inode_put(dir);
}

int fs_process_init(struct process *p, const char *cwd)
{
	struct inode *dir;
	struct file *con;
	int err;

	if (!vfs_root)
		return -ENOENT;
	p->fds = table_new();
	p->fs = kzalloc(sizeof(*p->fs));
	if (!p->fds || !p->fs) {
		kfree(p->fds);
		kfree(p->fs);
		p->fds = NULL;
		p->fs = NULL;
		return -ENOMEM;
	}
	p->fs->refs = 1;
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
	if (console_output_is_stream()) {
		struct file *out;

		err = console_output_open(&out);
		if (err)
			return err;
		file_get(out);
		install(p->fds, 1, out, false);
		install(p->fds, 2, out, false);
	}
	return 0;
}

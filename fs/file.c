/*
 * file.c - open files (fs/): a file is an inode, an offset, open flags and
 * the ops table of its kind; this file holds what is common to every
 * kind (access modes, offsets, O_APPEND, getdents64 records) and the
 * kernel's own interface of include/keel/file.h (exec reads the program).
 */
#include <keel/blkdev.h>
#include <keel/errno.h>
#include <keel/file.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/mount.h>
#include <keel/poll.h>
#include <keel/printf.h>
#include <keel/string.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <keel/vm.h>

int iobuf_put(struct iobuf b, size_t off, const void *src, size_t n)
{
	if (b.user)
		return copy_to_user(b.p + off, src, n);
	memcpy(b.p + off, src, n);
	return 0;
}

int iobuf_get(void *dst, struct iobuf b, size_t off, size_t n)
{
	if (b.user)
		return copy_from_user(dst, b.p + off, n);
	memcpy(dst, b.p + off, n);
	return 0;
}

int iobuf_zero(struct iobuf b, size_t off, size_t n)
{
	if (b.user)
		return clear_user(b.p + off, n);
	memset(b.p + off, 0, n);
	return 0;
}

size_t iobuf_put_upto(struct iobuf b, size_t off, const void *src, size_t n)
{
	if (b.user)
		return copy_to_user_upto(b.p + off, src, n);
	memcpy(b.p + off, src, n);
	return n;
}

size_t iobuf_get_upto(void *dst, struct iobuf b, size_t off, size_t n)
{
	if (b.user)
		return copy_from_user_upto(dst, b.p + off, n);
	memcpy(dst, b.p + off, n);
	return n;
}

size_t iobuf_zero_upto(struct iobuf b, size_t off, size_t n)
{
	if (b.user)
		return clear_user_upto(b.p + off, n);
	memset(b.p + off, 0, n);
	return n;
}

struct file *file_alloc(struct inode *ino, unsigned flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	f->inode = ino;
	inode_get(ino);
	f->ops = ino->fops;
	return f;
}

int file_open_inode(struct inode *ino, unsigned flags, struct inode *dir,
		    const char *name, size_t len, struct file **out)
{
	struct file *f;
	int err;

	/* Anonymous files (eventfd, epoll, inotify...) reached again through
	 * /proc/self/fd: Linux does not open them a second time either. */
	if (!(flags & O_PATH) && (!ino->fops || ino->dev == ANON_INODE_DEV))
		return -ENXIO;
	f = file_alloc(ino, flags);
	if (!f)
		return -ENOMEM;
	if (dir && name && !(len == 1 && name[0] == '.') &&
	    !(len == 2 && name[0] == '.' && name[1] == '.')) {
		f->name = kmalloc(len + 1);
		if (!f->name) {
			f->ops = NULL; /* never opened: no release */
			file_put(f);
			return -ENOMEM;
		}
		memcpy(f->name, name, len);
		f->name[len] = '\0';
		f->dir = dir;
		inode_get(dir);
	}
	if (flags & O_PATH) {
		static const struct file_ops path_fops = { 0 };

		f->ops = &path_fops;
	} else if (f->ops->open) {
		f->flags |= flags & O_NOCTTY; /* for a terminal's open only */
		err = f->ops->open(f);
		f->flags &= ~O_NOCTTY;
		if (err) {
			f->ops = NULL; /* never opened: no release */
			file_put(f);
			return err;
		}
	}
	fsnotify_file(f, IN_OPEN);
	*out = f;
	return 0;
}

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	if (!f || --f->refs)
		return;
	if (f->ops) /* it was opened */
		fsnotify_file(f, file_writable(f) ? IN_CLOSE_WRITE
						  : IN_CLOSE_NOWRITE);
	if (f->epitems)
		eventpoll_release_file(f);
	flock_release(f);
	if (f->ops && f->ops->release)
		f->ops->release(f);
	inode_put(f->inode);
	inode_put(f->dir);
	kfree(f->name);
	kfree(f->path);
	kfree(f);
}

bool file_readable(const struct file *f)
{
	return !(f->flags & O_PATH) && (f->flags & O_ACCMODE) != O_WRONLY;
}

bool file_writable(const struct file *f)
{
	return !(f->flags & O_PATH) && (f->flags & O_ACCMODE) != O_RDONLY;
}

long vfs_read(struct file *f, struct iobuf b, size_t len)
{
	if (!file_readable(f))
		return -EBADF;
	if (!f->ops->read)
		return S_ISDIR(f->inode->mode) ? -EISDIR : -EINVAL;
	return f->ops->read(f, b, MIN(len, MAX_RW_COUNT), &f->pos);
}

long vfs_write(struct file *f, struct iobuf b, size_t len)
{
	if (!file_writable(f))
		return -EBADF;
	if (!f->ops->write)
		return -EINVAL;
	return f->ops->write(f, b, MIN(len, MAX_RW_COUNT), &f->pos);
}

long vfs_pread(struct file *f, struct iobuf b, size_t len, int64_t off)
{
	uint64_t pos = (uint64_t)off;

	if (!file_readable(f))
		return -EBADF;
	if (!f->ops->llseek)
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	if (!f->ops->read)
		return S_ISDIR(f->inode->mode) ? -EISDIR : -EINVAL;
	return f->ops->read(f, b, MIN(len, MAX_RW_COUNT), &pos);
}

long vfs_pwrite(struct file *f, struct iobuf b, size_t len, int64_t off)
{
	uint64_t pos = (uint64_t)off;

	if (!file_writable(f))
		return -EBADF;
	if (!f->ops->llseek)
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	if (!f->ops->write)
		return -EINVAL;
	return f->ops->write(f, b, MIN(len, MAX_RW_COUNT), &pos);
}

long generic_llseek(struct file *f, int64_t off, int whence)
{
	int64_t size = (int64_t)f->inode->size, base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		base = size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		return f->pos = (uint64_t)(whence == SEEK_DATA ? off : size);
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, off, &base))
		return -EOVERFLOW;
	if (base < 0)
		return -EINVAL;
	f->pos = (uint64_t)base;
	return base;
}

long vfs_lseek(struct file *f, int64_t off, int whence)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (!f->ops->llseek)
		return -ESPIPE;
	return f->ops->llseek(f, off, whence);
}

/* getdents64: records into the caller's buffer until it is full. */
struct dents {
	struct dir_ctx ctx;
	struct iobuf b;
	size_t len, used;
	int err;
};

static bool put_dirent(struct dir_ctx *ctx, const char *name, size_t len,
		       uint64_t ino, unsigned dtype, uint64_t next)
{
	struct dents *d = container_of(ctx, struct dents, ctx);
	size_t reclen =
	    ALIGN_UP(offsetof(struct linux_dirent64, d_name) + len + 1, 8);
	union {
		struct linux_dirent64 de;
		char bytes[ALIGN_UP(
		    sizeof(struct linux_dirent64) + NAME_MAX + 1, 8)];
	} rec;

	if (len > NAME_MAX)
		return true; /* cannot be represented; skip it */
	if (reclen > d->len - d->used) {
		if (!d->used)
			d->err = -EINVAL;
		return false;
	}
	memset(&rec, 0, reclen);
	rec.de.d_ino = ino;
	rec.de.d_off = (int64_t)next;
	rec.de.d_reclen = (uint16_t)reclen;
	rec.de.d_type = (uint8_t)dtype;
	memcpy(rec.de.d_name, name, len);
	if (iobuf_put(d->b, d->used, &rec, reclen)) {
		d->err = -EFAULT;
		return false;
	}
	d->used += reclen;
	return true;
}

long vfs_getdents64(struct file *f, struct iobuf b, size_t len)
{
	struct inode *dir = f->inode, *up;
	struct dents d = { { put_dirent }, b, len, 0, 0 };

	if (f->flags & O_PATH)
		return -EBADF;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->nlink == 0)
		return -ENOENT;
	up = dir == vfs_root || !dir->parent ? dir : dir->parent;
	fsnotify_file(f, IN_ACCESS); /* Linux reports every listing */
	if (f->pos == 0 && put_dirent(&d.ctx, ".", 1, dir->ino, DT_DIR, 1))
		f->pos = 1;
	if (f->pos == 1 && put_dirent(&d.ctx, "..", 2, up->ino, DT_DIR, 2))
		f->pos = 2;
	if (f->pos >= 2 && !d.err && dir->ops && dir->ops->readdir) {
		int err = dir->ops->readdir(dir, &f->pos, &d.ctx);

		if (err && !d.used)
			return err;
	}
	if (d.err && !d.used)
		return d.err;
	return (long)d.used;
}

long vfs_ioctl(struct file *f, unsigned cmd, unsigned long arg)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (!f->ops->ioctl)
		return -ENOTTY;
	return f->ops->ioctl(f, cmd, arg);
}

int vfs_ftruncate(struct file *f, int64_t len)
{
	int err;

	if (f->flags & O_PATH)
		return -EBADF;
	if (!file_writable(f) || !S_ISREG(f->inode->mode) || len < 0)
		return -EINVAL;
	if (!f->inode->ops || !f->inode->ops->truncate)
		return -EINVAL;
	err = f->inode->ops->truncate(f->inode, (uint64_t)len);
	if (!err) /* not an event of the open file: IN_EXCL_UNLINK aside */
		fsnotify_child(f->dir, f->name, f->name ? strlen(f->name) : 0,
			       f->inode, IN_MODIFY);
	return err;
}

/* fsync(2), fdatasync(2): the file's own fsync, else its file system's
 * (a directory, a device node on a disk); in memory, nothing to do. */
int vfs_fsync(struct file *f, bool datasync)
{
	if (f->ops && f->ops->fsync)
		return f->ops->fsync(f, datasync);
	return vfs_syncfs(f->inode);
}

/* sync(2): each mounted file system writes back what it holds (a bind
 * mount asks its file system again: harmless), then every device. */
void vfs_sync_all(void)
{
	for_each_mount(m) if (m->sb && m->sb->ops && m->sb->ops->sync)
	    m->sb->ops->sync(m->sb);
	bcache_sync(NULL);
}

/* Directories: getdents64 only; read(2) gives EISDIR. */
const struct file_ops dir_fops = {
	.llseek = generic_llseek,
};

/* ---- include/keel/file.h: the kernel's own use of files ---- */

/*
 * exec's open: the file becomes the running program's text, which cannot
 * be opened for writing or truncated (ETXTBSY) as on Linux: its pages are
 * read on first touch. One program per boot, so the mark stays.
 */
int vfs_open_kernel(const char *path, struct file **out)
{
	int err = vfs_openat(AT_FDCWD, path, O_RDONLY, 0, out);

	if (!err && S_ISREG((*out)->inode->mode))
		(*out)->inode->flags |= I_TEXT;
	return err;
}

long file_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
	struct iobuf b = { buf, false };

	if (off > INT64_MAX)
		return -EINVAL;
	return vfs_pread(f, b, len, (int64_t)off);
}

uint64_t file_size(struct file *f)
{
	return S_ISREG(f->inode->mode) ? f->inode->size : 0;
}

bool file_is_executable(struct file *f)
{
	return S_ISREG(f->inode->mode) && (f->inode->mode & 0111);
}

/*
 * Where the file is now: its directory's path and its name, " (deleted)"
 * after the last unlink; "pipe:[ino]" and the like for unnamed files.
 */
const char *file_path(struct file *f)
{
	char *buf = kmalloc(PATH_MAX + 16);
	long n;

	if (!buf)
		return f->path ? f->path : "";
	if (f->name && !f->dir) { /* a name without a directory: memfd */
		n = snprintf(buf, PATH_MAX, "/%s", f->name);
	} else if (!f->name) {
		if (S_ISDIR(f->inode->mode))
			n = inode_dir_path(f->inode, buf, PATH_MAX);
		else
			n = snprintf(buf, PATH_MAX, "%s:[%lu]",
				     S_ISFIFO(f->inode->mode)	? "pipe"
				     : S_ISSOCK(f->inode->mode) ? "socket"
								: "anon_inode",
				     (unsigned long)f->inode->ino);
	} else {
		n = inode_dir_path(f->dir, buf, PATH_MAX);
		if (n >= 0 && (size_t)n + strlen(f->name) + 2 < PATH_MAX)
			n += snprintf(buf + n, PATH_MAX - (size_t)n, "%s%s",
				      n > 1 ? "/" : "", f->name);
		else
			n = -ENAMETOOLONG;
	}
	if (n < 0)
		snprintf(buf, PATH_MAX, "%s", f->name ? f->name : "?");
	if (f->name && f->inode->nlink == 0)
		strlcpy(buf + strlen(buf), " (deleted)", 16);
	kfree(f->path);
	f->path = buf;
	return buf;
}

static paddr_t file_share_page(struct file *f, uint64_t off)
{
	const struct inode_ops *ops = f->inode->ops;

	return ops && ops->share_page ? ops->share_page(f->inode, off) : 0;
}

static bool file_can_share(struct file *f)
{
	const struct inode_ops *ops = f->inode->ops;

	return S_ISREG(f->inode->mode) && ops && ops->share_page;
}

/* What kernel/vm.c's file mappings call (installed by init/main.c). */
const struct vm_file_ops file_vm_ops = {
	.can_share = file_can_share,
	.share_page = file_share_page,
	.get = file_get,
	.put = file_put,
	.pread = file_pread,
	.size = file_size,
	.path = file_path,
};

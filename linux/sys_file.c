/*
 * sys_file.c - the system calls on file descriptors (linux/): read and
 * write in all their forms, lseek, close, the dup family, fcntl, ioctl,
 * pipes, fstat, getdents64, ftruncate and fsync. Each checks its fd,
 * flags and user pointers, then calls one fs/ function (include/keel/vfs.h).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/signal.h>
#include <keel/socket.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include "linux.h"

/* Defined in sys_path.c: struct kstat to the x86-64 struct stat. */
int stat_to_user(const struct kstat *st, void *ubuf);

/* read, write, pread64, pwrite64 after the fd and buffer checks. */
static long rw(long fd, long ubuf, size_t len, bool write, bool at, int64_t off)
{
	struct file *f = fd_get((int)fd);
	struct iobuf b = { (char *)ubuf, true };
	long ret;

	if (!f)
		return -EBADF;
	if (write ? !file_writable(f) : !file_readable(f))
		ret = -EBADF;
	else if (!access_ok((uintptr_t)ubuf, len))
		ret = -EFAULT;
	else if (!at)
		ret = write ? vfs_write(f, b, len) : vfs_read(f, b, len);
	else
		ret = write ? vfs_pwrite(f, b, len, off)
			    : vfs_pread(f, b, len, off);
	if (ret > 0)
		fsnotify_file(f, write ? IN_MODIFY : IN_ACCESS);
	file_put(f);
	return ret;
}

SYSCALL_DEFINE(read)
{
	return rw(a[0], a[1], (size_t)a[2], false, false, 0);
}

/* A write to a pipe (or socket) nobody reads: SIGPIPE, as well as EPIPE. */
long sigpipe(long ret)
{
	if (ret == -EPIPE)
		signal_send_self(SIGPIPE);
	return ret;
}

SYSCALL_DEFINE(write)
{
	return sigpipe(rw(a[0], a[1], (size_t)a[2], true, false, 0));
}

SYSCALL_DEFINE(pread64)
{
	return rw(a[0], a[1], (size_t)a[2], false, true, a[3]);
}

SYSCALL_DEFINE(pwrite64)
{
	return sigpipe(rw(a[0], a[1], (size_t)a[2], true, true, a[3]));
}

long iovec_from_user(long uiov, long cnt, struct linux_iovec **out)
{
	struct linux_iovec *iov;
	uint64_t total = 0;
	long ret;

	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	iov = kmalloc((size_t)cnt * sizeof(*iov) + 1);
	if (!iov)
		return -ENOMEM;
	ret = copy_from_user(iov, (void *)uiov, (size_t)cnt * sizeof(*iov));
	for (long i = 0; !ret && i < cnt; i++) {
		if (iov[i].iov_len > INT64_MAX - total)
			ret = -EINVAL;
		else if (!access_ok(iov[i].iov_base, iov[i].iov_len))
			ret = -EFAULT;
		total += iov[i].iov_len;
	}
	if (ret) {
		kfree(iov);
		return ret;
	}
	*out = iov;
	return 0;
}

long file_rw_iov(struct file *f, struct linux_iovec *iov, size_t cnt,
		 bool write, bool at, int64_t off)
{
	long done = 0;

	if (file_socket(f)) /* one message, not one per iovec */
		return sock_rw_iov(f, iov, cnt, write);
	for (size_t i = 0; i < cnt; i++) {
		struct iobuf b = { (char *)iov[i].iov_base, true };
		size_t len = iov[i].iov_len;
		long n = at	 ? (write ? vfs_pwrite(f, b, len, off + done)
					  : vfs_pread(f, b, len, off + done))
			 : write ? vfs_write(f, b, len)
				 : vfs_read(f, b, len);

		if (n < 0) {
			if (!done)
				return n;
			break;
		}
		done += n;
		if ((size_t)n < len)
			break;
	}
	if (done > 0) /* one event for the whole call */
		fsnotify_file(f, write ? IN_MODIFY : IN_ACCESS);
	return done;
}

/*
 * readv, writev and (at) the preadv family at offset off: the vector is
 * copied in and checked whole first.
 */
static long rwv(long fd, long uiov, long cnt, bool write, bool at, long off)
{
	struct file *f = fd_get((int)fd);
	struct linux_iovec *iov;
	long ret;

	if (!f)
		return -EBADF;
	if (write ? !file_writable(f) : !file_readable(f))
		ret = -EBADF;
	else if (at && off < 0)
		ret = -EINVAL;
	else if (!(ret = iovec_from_user(uiov, cnt, &iov))) {
		ret = file_rw_iov(f, iov, (size_t)cnt, write, at, off);
		kfree(iov);
	}
	file_put(f);
	return ret;
}

SYSCALL_DEFINE(readv)
{
	return rwv(a[0], a[1], a[2], false, false, 0);
}

SYSCALL_DEFINE(writev)
{
	return sigpipe(rwv(a[0], a[1], a[2], true, false, 0));
}

SYSCALL_DEFINE(preadv)
{
	return rwv(a[0], a[1], a[2], false, true, a[3]);
}

SYSCALL_DEFINE(pwritev)
{
	return sigpipe(rwv(a[0], a[1], a[2], true, true, a[3]));
}

/* RWF_HIPRI, DSYNC, SYNC, NOWAIT, APPEND: hints keel's memory files meet. */
#define RWF_KNOWN 0x1f

/* The *v2 calls: offset -1 is the file position; flags are hints. */
static long rwv2(const long *a, bool write)
{
	if (a[5] & ~(long)RWF_KNOWN)
		return -EOPNOTSUPP;
	return rwv(a[0], a[1], a[2], write, a[3] != -1, a[3]);
}

SYSCALL_DEFINE(preadv2)
{
	return rwv2(a, false);
}

SYSCALL_DEFINE(pwritev2)
{
	return sigpipe(rwv2(a, true));
}

SYSCALL_DEFINE(lseek)
{
	struct file *f = fd_get((int)a[0]);
	long ret;

	if (!f)
		return -EBADF;
	ret = vfs_lseek(f, a[1], (int)a[2]);
	file_put(f);
	return ret;
}

SYSCALL_DEFINE(close)
{
	return fd_close((int)a[0]);
}

SYSCALL_DEFINE(dup)
{
	return fd_dup((int)a[0], 0, false);
}

SYSCALL_DEFINE(dup2)
{
	struct file *f;

	if (a[0] != a[1])
		return fd_dup3((int)a[0], (int)a[1], false);
	f = fd_get((int)a[0]);
	if (!f)
		return -EBADF;
	file_put(f);
	return a[1];
}

SYSCALL_DEFINE(dup3)
{
	if (a[2] & ~(long)O_CLOEXEC)
		return -EINVAL;
	if (a[0] == a[1])
		return -EINVAL;
	return fd_dup3((int)a[0], (int)a[1], a[2] & O_CLOEXEC);
}

/* Record locks: one process, so every lock is granted at once. */
static long lock(int cmd, long uflock)
{
	struct linux_flock fl;

	if (copy_from_user(&fl, (void *)uflock, sizeof(fl)))
		return -EFAULT;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK &&
	    fl.l_type != F_UNLCK)
		return -EINVAL;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		fl.l_type = F_UNLCK;
		return copy_to_user((void *)uflock, &fl, sizeof(fl));
	}
	return 0;
}

#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

SYSCALL_DEFINE(fcntl)
{
	int fd = (int)a[0], cmd = (int)a[1];
	struct file *f = fd_get(fd);
	long ret;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		ret = fd_dup(fd, (int)a[2], cmd == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		ret = fd_get_cloexec(fd);
		break;
	case F_SETFD:
		ret = fd_set_cloexec(fd, a[2] & FD_CLOEXEC);
		break;
	case F_GETFL:
		ret = f->flags;
		break;
	case F_SETFL:
		f->flags =
		    (f->flags & ~SETFL_MASK) | ((unsigned)a[2] & SETFL_MASK);
		ret = 0;
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		ret = f->flags & O_PATH ? -EBADF : lock(cmd, a[2]);
		break;
	case F_GETOWN:
	case F_SETOWN:
		ret = 0;
		break;
	case F_GETPIPE_SZ:
		ret = S_ISFIFO(f->inode->mode) ? 65536 : -EBADF;
		break;
	default:
		ret = -EINVAL;
	}
	file_put(f);
	return ret;
}

SYSCALL_DEFINE(ioctl)
{
	int fd = (int)a[0];
	unsigned cmd = (unsigned)a[1];
	struct file *f = fd_get(fd);
	int on;
	long ret;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		ret = fd_set_cloexec(fd, cmd == FIOCLEX);
		break;
	case FIONBIO:
	case FIOASYNC: /* O_ASYNC is kept as F_SETFL keeps it: no SIGIO yet */
		ret = copy_from_user(&on, (void *)a[2], sizeof(on));
		if (!ret) {
			unsigned bit = cmd == FIONBIO ? O_NONBLOCK : O_ASYNC;

			f->flags = on ? f->flags | bit : f->flags & ~bit;
		}
		break;
	default:
		ret = vfs_ioctl(f, cmd, (unsigned long)a[2]);
	}
	file_put(f);
	return ret;
}

SYSCALL_DEFINE(getdents64)
{
	struct file *f = fd_get((int)a[0]);
	struct iobuf b = { (char *)a[1], true };
	size_t len = (unsigned)a[2];
	long ret;

	if (!f)
		return -EBADF;
	if (!user_range_ok((uintptr_t)a[1], len))
		ret = -EFAULT;
	else
		ret = vfs_getdents64(f, b, len);
	file_put(f);
	return ret;
}

long fd_install_pair(struct file *f[2], bool cloexec, long ufds)
{
	int fds[2];
	long err;

	fds[0] = fd_install(f[0], cloexec);
	if (fds[0] < 0) {
		file_put(f[1]);
		return fds[0];
	}
	fds[1] = fd_install(f[1], cloexec);
	if (fds[1] < 0) {
		fd_close(fds[0]);
		return fds[1];
	}
	err = copy_to_user((void *)ufds, fds, sizeof(fds));
	if (err) {
		fd_close(fds[0]);
		fd_close(fds[1]);
	}
	return err;
}

static long do_pipe(long ufds, long flags)
{
	struct file *ends[2];
	int fds[2];
	long err;

	if (flags & ~(long)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (!user_range_ok((uintptr_t)ufds, sizeof(fds)))
		return -EFAULT;
	err = vfs_pipe(ends, (unsigned)flags);
	if (err)
		return err;
	return fd_install_pair(ends, flags & O_CLOEXEC, ufds);
}

SYSCALL_DEFINE(pipe)
{
	return do_pipe(a[0], 0);
}

SYSCALL_DEFINE(pipe2)
{
	return do_pipe(a[0], a[1]);
}

SYSCALL_DEFINE(fstat)
{
	struct file *f = fd_get((int)a[0]);
	struct kstat st;

	if (!f)
		return -EBADF;
	vfs_getattr(f->inode, &st);
	file_put(f);
	return stat_to_user(&st, (void *)a[1]);
}

SYSCALL_DEFINE(ftruncate)
{
	struct file *f = fd_get((int)a[0]);
	long ret;

	if (!f)
		return -EBADF;
	ret = vfs_ftruncate(f, a[1]);
	file_put(f);
	return ret;
}

/* The file's data and inode to the device (vfs_fsync). */
static long sync_fd(long fd, bool datasync)
{
	struct file *f = fd_get((int)fd);
	long err;

	if (!f)
		return -EBADF;
	err = vfs_fsync(f, datasync);
	file_put(f);
	return err;
}

SYSCALL_DEFINE(fsync)
{
	return sync_fd(a[0], false);
}

SYSCALL_DEFINE(fdatasync)
{
	return sync_fd(a[0], true);
}

SYSCALL_DEFINE(fchdir)
{
	return vfs_fchdir((int)a[0]);
}

SYSCALL_DEFINE(fchmod)
{
	struct file *f = fd_get((int)a[0]);

	if (!f || f->flags & O_PATH) {
		file_put(f);
		return -EBADF;
	}
	file_put(f);
	return vfs_fchmodat((int)a[0], "", (unsigned)a[1], AT_EMPTY_PATH);
}

SYSCALL_DEFINE(fchown)
{
	struct file *f = fd_get((int)a[0]);

	if (!f || f->flags & O_PATH) {
		file_put(f);
		return -EBADF;
	}
	file_put(f);
	return vfs_fchownat((int)a[0], "", (uint32_t)a[1], (uint32_t)a[2],
			    AT_EMPTY_PATH);
}

/*
 * sys_splice.c - splice(2), tee(2) and vmsplice(2) (linux/): data into,
 * out of and between pipes without a trip through the program. Linux
 * moves page references; keel copies, through a kernel buffer or, for
 * vmsplice, straight between the pipe and the program's memory, so
 * SPLICE_F_MOVE, SPLICE_F_MORE and SPLICE_F_GIFT change nothing and the
 * memory given to vmsplice may be reused at once. Like Linux, one call
 * moves at most what the pipe holds or has room for then, waits only
 * when there is nothing to move (SPLICE_F_NONBLOCK or an end opened
 * O_NONBLOCK: EAGAIN), and a signal ends a wait as it ends a pipe read.
 * sendfile to a pipe is a splice too (sys_sendfile.c).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/signal.h>
#include <keel/socket.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include "linux.h"

#define SPLICE_F_NONBLOCK 0x2
#define SPLICE_F_ALL 0xf /* MOVE, NONBLOCK, MORE, GIFT */

/* A descriptor for these calls: O_PATH ones count as bad, as on Linux. */
static struct file *get_file(long fd)
{
	struct file *f = fd_get((int)fd);

	if (f && (f->flags & O_PATH)) {
		file_put(f);
		return NULL;
	}
	return f;
}

/*
 * Besides pipes, what Linux can splice from and to: regular files,
 * devices and sockets (directories, eventfd, epoll... have no splice
 * methods there: EINVAL).
 */
static bool spliceable(const struct file *f)
{
	unsigned m = f->inode->mode;

	return S_ISREG(m) || S_ISCHR(m) || S_ISSOCK(m);
}

/* Read from in at *off, or at its position; a socket can be told not to
 * wait (a stream socket spliced with SPLICE_F_NONBLOCK, as Linux's unix
 * sockets do). */
static long read_in(struct file *in, struct iobuf kb, size_t n, int64_t *off,
		    bool nonblock)
{
	struct linux_iovec iov = { (uint64_t)(uintptr_t)kb.p, n };
	struct kmsg m = {
		.iov = &iov, .iovlen = 1, .total = n, .kernel = true
	};

	if (off)
		return vfs_pread(in, kb, n, *off);
	if (nonblock && file_socket(in))
		return sock_recvmsg(in, &m, MSG_DONTWAIT);
	return vfs_read(in, kb, n);
}

long splice_file_to_pipe(struct file *in, int64_t *off, struct file *out,
			 size_t len, bool nonblock)
{
	long room = pipe_wait_room(out, nonblock), r;
	struct iobuf kb = { NULL, false };
	size_t n;

	if (room < 0)
		return room;
	if (off && *off < 0)
		return -EINVAL;
	n = MIN(len, (size_t)room);
	kb.p = kmalloc(n);
	if (!kb.p)
		return -ENOMEM;
	r = read_in(in, kb, n, off, nonblock);
	/* All of it fits: the room only grows while this end's one writer
	 * (pipe.c's rule) is here. */
	if (r > 0)
		r = pipe_put(out, kb, (size_t)r);
	if (r > 0 && off)
		*off += r;
	kfree(kb.p);
	return r;
}

/* From pipe in to the file out at *off or at its position: what the pipe
 * holds, up to len bytes; what out does not take stays in the pipe. */
static long pipe_to_file(struct file *in, struct file *out, int64_t *off,
			 size_t len, bool nonblock)
{
	long avail = pipe_wait_data(in, nonblock), done = 0;
	struct iobuf kb = { NULL, false };

	if (avail <= 0)
		return avail;
	kb.p = kmalloc(MIN(len, (size_t)PIPE_SIZE));
	if (!kb.p)
		return -ENOMEM;
	while (avail > 0 && (size_t)done < len) {
		size_t n = MIN(MIN(len - (size_t)done, (size_t)avail),
			       (size_t)PIPE_SIZE);
		long r = pipe_peek(in, 0, kb, n), w;

		if (r <= 0)
			break;
		w = off ? vfs_pwrite(out, kb, (size_t)r, *off)
			: vfs_write(out, kb, (size_t)r);
		if (w <= 0) {
			if (!done)
				done = w;
			break;
		}
		pipe_consume(in, (size_t)w);
		if (off)
			*off += w;
		done += w;
		if (w < r)
			break;
		avail = pipe_wait_data(in, true); /* more came meanwhile? */
	}
	kfree(kb.p);
	return done;
}

/* Pipe to pipe: as much as in holds and out has room for, up to len;
 * tee (keep) leaves it in in too. */
static long pipe_to_pipe(struct file *in, struct file *out, size_t len,
			 bool nonblock, bool keep)
{
	long avail = pipe_wait_data(in, nonblock), room, r;
	struct iobuf kb = { NULL, false };
	size_t n;

	if (avail < 0)
		return avail;
	room = pipe_wait_room(out, nonblock);
	if (room < 0)
		return room;
	n = MIN(len, MIN((size_t)avail, (size_t)room));
	if (!n)
		return 0; /* in is empty and has no writers */
	kb.p = kmalloc(n);
	if (!kb.p)
		return -ENOMEM;
	r = pipe_peek(in, 0, kb, n);
	if (r > 0)
		r = pipe_put(out, kb, (size_t)r);
	if (r > 0 && !keep)
		pipe_consume(in, (size_t)r);
	kfree(kb.p);
	return r;
}

/* After the offsets are in: Linux's checks of the two ends, then the move. */
static long do_splice(struct file *in, int64_t *off_in, struct file *out,
		      int64_t *off_out, size_t len, bool nonblock)
{
	bool ipipe = file_is_pipe(in), opipe = file_is_pipe(out);

	if (!file_readable(in) || !file_writable(out))
		return -EBADF;
	nonblock |= (in->flags | out->flags) & O_NONBLOCK;
	if (ipipe && opipe) {
		if (in->inode == out->inode)
			return -EINVAL;
		return pipe_to_pipe(in, out, len, nonblock, false);
	}
	if (ipipe) {
		if (off_out && !out->ops->llseek)
			return -EINVAL; /* an offset for a stream */
		if ((out->flags & O_APPEND) || !spliceable(out))
			return -EINVAL;
		if (off_out && *off_out < 0)
			return -EINVAL;
		return pipe_to_file(in, out, off_out, len, nonblock);
	}
	if (opipe) {
		if (off_in && !in->ops->llseek)
			return -EINVAL;
		if (!spliceable(in))
			return -EINVAL;
		return splice_file_to_pipe(in, off_in, out, len, nonblock);
	}
	return -EINVAL; /* neither end is a pipe */
}

/* The files of both ends: 0, or -EBADF holding neither. */
static int get_ends(long fd_in, long fd_out, struct file *f[2])
{
	f[0] = get_file(fd_in);
	f[1] = f[0] ? get_file(fd_out) : NULL;
	if (f[1])
		return 0;
	if (f[0])
		file_put(f[0]);
	return -EBADF;
}

/* Done with both ends: ret, and SIGPIPE with -EPIPE (a write nobody reads). */
static long put_ends(struct file *f[2], long ret)
{
	file_put(f[0]);
	file_put(f[1]);
	return sigpipe(ret);
}

SYSCALL_DEFINE(splice)
{
	long uoff[2] = { a[1], a[3] };
	int64_t off[2] = { 0, 0 };
	size_t len = (size_t)a[4];
	unsigned flags = (unsigned)a[5];
	struct file *f[2];
	long ret;

	if (!len)
		return 0;
	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	if (get_ends(a[0], a[2], f))
		return -EBADF;
	ret = -ESPIPE; /* a pipe has no offsets */
	for (int i = 0; i < 2; i++)
		if (uoff[i] && file_is_pipe(f[i]))
			return put_ends(f, ret);
	ret = -EFAULT;
	for (int i = 0; i < 2; i++)
		if (uoff[i] &&
		    copy_from_user(&off[i], (void *)uoff[i], sizeof(off[i])))
			return put_ends(f, ret);
	ret =
	    do_splice(f[0], uoff[0] ? &off[0] : NULL, f[1],
		      uoff[1] ? &off[1] : NULL, len, flags & SPLICE_F_NONBLOCK);
	for (int i = 0; i < 2; i++)
		if (uoff[i] &&
		    copy_to_user((void *)uoff[i], &off[i], sizeof(off[i])))
			ret = -EFAULT;
	return put_ends(f, ret);
}

SYSCALL_DEFINE(tee)
{
	size_t len = (size_t)a[2];
	unsigned flags = (unsigned)a[3];
	struct file *f[2];
	bool nonblock = flags & SPLICE_F_NONBLOCK;

	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	if (!len)
		return 0;
	if (get_ends(a[0], a[1], f))
		return -EBADF;
	if (!file_readable(f[0]) || !file_writable(f[1]))
		return put_ends(f, -EBADF);
	if (!file_is_pipe(f[0]) || !file_is_pipe(f[1]) ||
	    f[0]->inode == f[1]->inode)
		return put_ends(f, -EINVAL);
	nonblock |= (f[0]->flags | f[1]->flags) & O_NONBLOCK;
	return put_ends(f, pipe_to_pipe(f[0], f[1], len, nonblock, true));
}

/* The program's memory into the pipe f: as much as there is room for. */
static long vmsplice_to_pipe(struct file *f, const struct kmsg *m,
			     bool nonblock)
{
	long room = pipe_wait_room(f, nonblock), done = 0;

	if (room < 0)
		return room;
	for (size_t i = 0; i < m->iovlen; i++) {
		struct iobuf b = { (char *)(uintptr_t)m->iov[i].iov_base,
				   true };
		long r = pipe_put(f, b, m->iov[i].iov_len);

		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < m->iov[i].iov_len)
			break;
	}
	return done;
}

/* What the pipe f holds into the program's memory (a read, in fact). */
static long vmsplice_from_pipe(struct file *f, const struct kmsg *m,
			       bool nonblock)
{
	long avail = pipe_wait_data(f, nonblock), done = 0;

	if (avail <= 0)
		return avail;
	for (size_t i = 0; i < m->iovlen && done < avail; i++) {
		struct iobuf b = { (char *)(uintptr_t)m->iov[i].iov_base,
				   true };
		size_t want = MIN(m->iov[i].iov_len, (size_t)(avail - done));
		long r = pipe_peek(f, (size_t)done, b, want);

		if (r < 0) {
			if (!done)
				done = r;
			break;
		}
		done += r;
		if ((size_t)r < want)
			break;
	}
	if (done > 0)
		pipe_consume(f, (size_t)done);
	return done;
}

/*
 * vmsplice: to the pipe when f is open for writing, else from it. Only
 * SPLICE_F_NONBLOCK makes it not wait: Linux ignores the pipe's own
 * O_NONBLOCK here.
 */
SYSCALL_DEFINE(vmsplice)
{
	unsigned flags = (unsigned)a[3];
	struct kmsg m = { 0 };
	struct file *f;
	bool nonblock = flags & SPLICE_F_NONBLOCK;
	long ret;

	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	f = get_file(a[0]);
	if (!f)
		return -EBADF;
	ret = -EBADF;
	if (!file_writable(f) && !file_readable(f))
		goto out;
	ret = -EINVAL;
	if ((unsigned long)a[2] > IOV_MAX)
		goto out;
	ret = iov_in(&m, (uint64_t)a[1], (uint64_t)a[2]);
	if (ret || !m.total)
		goto out;
	if (!file_is_pipe(f))
		ret = -EBADF;
	else if (file_writable(f))
		ret = sigpipe(vmsplice_to_pipe(f, &m, nonblock));
	else
		ret = vmsplice_from_pipe(f, &m, nonblock);
out:
	kfree(m.iov);
	file_put(f);
	return ret;
}

/*
 * sys_sendfile.c - sendfile(2) (linux/): copying between two descriptors
 * inside the kernel (to a pipe: one splice, as Linux does it,
 * sys_splice.c). statfs(2) and fstatfs(2) are in sys_mount.c.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/inotify.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include <keel/vfs.h>
#include <uapi/fs.h>
#include "linux.h"

#define CHUNK 65536

/*
 * Copy up to count bytes from in at *off to out; bytes copied or -errno.
 * The bounce buffer is no larger than the copy: a small file (nginx's
 * 1 KiB page) must not need 64 KiB of heap, which a small guest may not
 * have (ENOMEM made nginx drop the response's body).
 */
static long copy_fds(struct file *out, struct file *in, int64_t *off,
		     size_t count)
{
	char *buf;
	struct iobuf kb;
	long done = 0, r, w;

	if (!count)
		return 0;
	buf = kmalloc(MIN(count, (size_t)CHUNK));
	kb = (struct iobuf){ buf, false };
	if (!buf)
		return -ENOMEM;
	while ((size_t)done < count) {
		size_t n = MIN(count - (size_t)done, (size_t)CHUNK);

		r = vfs_pread(in, kb, n, *off);
		if (r <= 0) {
			if (r < 0 && !done)
				done = r;
			break;
		}
		w = vfs_write(out, kb, (size_t)r);
		if (w <= 0) {
			if (w < 0 && !done)
				done = w;
			break;
		}
		done += w;
		*off += w;
		if (w < r)
			break;
	}
	kfree(buf);
	return done;
}

SYSCALL_DEFINE(sendfile)
{
	struct file *out = fd_get((int)a[0]), *in = fd_get((int)a[1]);
	size_t count = (size_t)a[3];
	int64_t off = 0;
	long ret;

	if (!out || !in) {
		ret = -EBADF;
		goto out;
	}
	ret = -EBADF;
	if (!file_readable(in) || !file_writable(out))
		goto out;
	if (a[2]) {
		ret = -EFAULT;
		if (copy_from_user(&off, (void *)a[2], sizeof(off)))
			goto out;
		ret = -EINVAL;
		if (off < 0)
			goto out;
	} else {
		/* The input's own position: it must be seekable. */
		ret = vfs_lseek(in, 0, SEEK_CUR);
		if (ret < 0)
			goto out;
		off = ret;
	}
	count = MIN(count, (size_t)0x7ffff000); /* Linux's per-call limit */
	if (file_is_pipe(out)) /* one splice, as Linux */
		ret = splice_file_to_pipe(in, &off, out, count,
					  out->flags & O_NONBLOCK);
	else
		ret = copy_fds(out, in, &off, count);
	if (ret > 0) {
		fsnotify_file(in, IN_ACCESS);
		fsnotify_file(out, IN_MODIFY);
	}
	if (a[2]) {
		if (copy_to_user((void *)a[2], &off, sizeof(off)))
			ret = -EFAULT;
	} else if (ret > 0) {
		vfs_lseek(in, off, SEEK_SET);
	}
out:
	if (out)
		file_put(out);
	if (in)
		file_put(in);
	return ret;
}

/*
 * sys_mm.c - the address-space system calls (linux/): mmap, munmap,
 * mprotect, mremap, madvise, brk and remap_file_pages. Arguments are
 * checked here in Linux's order (man-pages 2, strace on the host as the
 * reference), the descriptor turned into a file, then kernel/vm.c does
 * the work.
 */
#include <keel/errno.h>
#include <keel/page.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include <keel/vm.h>

#define MAP_KNOWN                                                         \
	(MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN |           \
	 MAP_DENYWRITE | MAP_EXECUTABLE | 0x2000 /* MAP_LOCKED */ |       \
	 MAP_NORESERVE | MAP_POPULATE | 0x10000 /* MAP_NONBLOCK */ |      \
	 MAP_STACK | 0x40000 /* MAP_HUGETLB */ | 0x80000 /* MAP_SYNC */ | \
	 MAP_FIXED_NOREPLACE)

/* /dev/zero (1, 5): mapping it gives anonymous memory, as on Linux. */
#define DEV_ZERO ((1u << 8) | 5)

/*
 * May f back a mapping of this kind? 1 for a file mapping, 0 when it is
 * anonymous memory after all (/dev/zero), or -errno.
 */
static int check_file(const struct file *f, unsigned long prot,
		      unsigned long flags)
{
	unsigned acc = f->flags & O_ACCMODE;

	if (f->flags & O_PATH)
		return -EBADF;
	if (S_ISCHR(f->inode->mode) && f->inode->rdev == DEV_ZERO)
		return 0;
	if (!S_ISREG(f->inode->mode))
		return -ENODEV;
	if (acc == O_WRONLY)
		return -EACCES;
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE) &&
	    acc != O_RDWR)
		return -EACCES;
	return 1;
}

SYSCALL_DEFINE(mmap)
{
	unsigned long prot = a[2], flags = a[3], type = flags & MAP_TYPE;
	uint64_t off = (uint64_t)a[5];
	struct file *f = NULL;
	long r;

	if (off & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		f = fd_get((int)a[4]);
		if (!f)
			return -EBADF;
	}
	r = -EINVAL;
	if (!a[1])
		goto out;
	if (type == MAP_SHARED_VALIDATE) {
		if (!f) /* Linux validates only file mappings */
			goto out;
		r = -EOPNOTSUPP;
		if (flags & ~MAP_KNOWN)
			goto out;
		flags = (flags & ~MAP_TYPE) | MAP_SHARED;
	} else if (type != MAP_SHARED && type != MAP_PRIVATE) {
		goto out;
	}
	if (f) {
		r = check_file(f, prot, flags);
		if (r < 0)
			goto out;
		if (r == 0) {
			file_put(f);
			f = NULL;
			off = 0;
		}
	}
	flags &= MAP_KNOWN;
	/* A shared mapping of a file not open for writing never may be. */
	if (f && (flags & MAP_TYPE) == MAP_SHARED &&
	    (f->flags & O_ACCMODE) != O_RDWR)
		flags |= MAP_NOWRITE;
	r = vm_mmap((uintptr_t)a[0], (size_t)a[1], (unsigned)prot,
		    (unsigned)flags, f, off);
out:
	if (f)
		file_put(f);
	return r;
}

SYSCALL_DEFINE(munmap)
{
	return vm_munmap((uintptr_t)a[0], (size_t)a[1]);
}

SYSCALL_DEFINE(mprotect)
{
	if ((unsigned long)a[2] > 0xffffffffUL)
		return -EINVAL;
	return vm_mprotect((uintptr_t)a[0], (size_t)a[1], (unsigned)a[2]);
}

SYSCALL_DEFINE(mremap)
{
	if ((unsigned long)a[3] > 0xffffffffUL)
		return -EINVAL;
	return vm_mremap((uintptr_t)a[0], (size_t)a[1], (size_t)a[2],
			 (unsigned)a[3], (uintptr_t)a[4]);
}

SYSCALL_DEFINE(madvise)
{
	return vm_madvise((uintptr_t)a[0], (size_t)a[1], (int)a[2]);
}

SYSCALL_DEFINE(brk)
{
	return (long)vm_brk((uintptr_t)a[0]);
}

/*
 * remap_file_pages: deprecated; as Linux >= 4.0 it only rebuilds a shared
 * file mapping at another file offset (kernel/vm_remap.c). prot must be 0;
 * of the flags only MAP_NONBLOCK means anything, and keel ignores it.
 */
SYSCALL_DEFINE(remap_file_pages)
{
	if (a[2])
		return -EINVAL;
	return vm_remap_file_pages((uintptr_t)a[0], (size_t)a[1],
				   (uint64_t)a[3]);
}

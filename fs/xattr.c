/*
 * xattr.c - extended attributes (fs/): a list of name/value pairs on
 * inodes of file systems that keep them (I_XATTR: ramfs). The "user.",
 * "trusted." and "security." namespaces exist (no security module
 * interprets the last: file capabilities are not applied); user
 * attributes only on regular files and
 * directories, as on Linux. Limits as Linux: names of at most 255 bytes,
 * values of at most 64 KiB. The syscall layer checks and copies first.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <keel/vfs.h>

#define XATTR_CREATE 1
#define XATTR_REPLACE 2
#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536

struct xattr {
	struct xattr *next;
	size_t size;
	char *value;
	char name[];
};

static bool has_prefix(const char *name, const char *prefix)
{
	return !strncmp(name, prefix, strlen(prefix));
}

/*
 * May this attribute be used on ino? 0, -EOPNOTSUPP for a namespace or
 * file system without attributes, or for user attributes on other than
 * files and directories -EPERM (writing) or -ENODATA (reading).
 */
static int check(struct inode *ino, const char *name, bool write)
{
	bool user = has_prefix(name, "user.");
	size_t prefix = user				? 5
			: has_prefix(name, "trusted.")	? 8
			: has_prefix(name, "security.") ? 9
							: 0;

	if (!prefix)
		return -EOPNOTSUPP;
	if (!name[prefix])
		return -EINVAL;
	if (!(ino->flags & I_XATTR))
		return -EOPNOTSUPP;
	if (user && !S_ISREG(ino->mode) && !S_ISDIR(ino->mode))
		return write ? -EPERM : -ENODATA;
	return 0;
}

static struct xattr **find(struct inode *ino, const char *name)
{
	struct xattr **p = &ino->xattrs;

	while (*p && strcmp((*p)->name, name))
		p = &(*p)->next;
	return p;
}

int vfs_setxattr(struct inode *ino, const char *name, const void *val,
		 size_t size, int flags)
{
	struct xattr **p, *x;
	char *copy;
	int err;

	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	if ((err = check(ino, name, true)))
		return err;
	p = find(ino, name);
	if (*p && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!*p && (flags & XATTR_REPLACE))
		return -ENODATA;
	copy = kmalloc(size + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, val, size);
	if (!*p) {
		x = kzalloc(sizeof(*x) + strlen(name) + 1);
		if (!x) {
			kfree(copy);
			return -ENOMEM;
		}
		memcpy(x->name, name, strlen(name) + 1);
		*p = x;
	}
	kfree((*p)->value);
	(*p)->value = copy;
	(*p)->size = size;
	inode_touch(ino, false);
	return 0;
}

long vfs_getxattr(struct inode *ino, const char *name, void *buf, size_t size)
{
	struct xattr *x;
	int err = check(ino, name, false);

	if (err)
		return err;
	x = *find(ino, name);
	if (!x)
		return -ENODATA;
	if (size && size < x->size)
		return -ERANGE;
	if (size)
		memcpy(buf, x->value, x->size);
	return (long)x->size;
}

/* The names, each with its NUL; size 0 asks for the length. */
long vfs_listxattr(struct inode *ino, char *buf, size_t size)
{
	size_t total = 0;

	for (struct xattr *x = ino->xattrs; x; x = x->next) {
		size_t n = strlen(x->name) + 1;

		if (size && total + n > size)
			return -ERANGE;
		if (size)
			memcpy(buf + total, x->name, n);
		total += n;
	}
	return (long)total;
}

int vfs_removexattr(struct inode *ino, const char *name)
{
	struct xattr **p, *x;
	int err = check(ino, name, true);

	if (err)
		return err;
	p = find(ino, name);
	if (!(x = *p))
		return -ENODATA;
	*p = x->next;
	kfree(x->value);
	kfree(x);
	inode_touch(ino, false);
	return 0;
}

void xattr_free(struct inode *ino)
{
	while (ino->xattrs) {
		struct xattr *x = ino->xattrs;

		ino->xattrs = x->next;
		kfree(x->value);
		kfree(x);
	}
}

/*
 * socket_unix.c - the AF_UNIX family's addresses (net/). A name is a path,
 * where bind makes a socket inode in the file system (EADDRINUSE when the
 * path exists) and connect finds the socket bound to that inode, or an
 * abstract name (sun_path[0] == 0: the bytes up to addrlen, nothing in the
 * file system), or none (socketpair, unbound sockets). autobind takes an
 * abstract name of five hex digits, as Linux does.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/socket.h>
#include <keel/string.h>

#define SUN_OFF 2 /* offsetof(struct sockaddr_un, sun_path) */

struct list_node unix_bound = LIST_INIT(unix_bound);

static int unix_create(struct socket *s, int type, int *protocol)
{
	if (*protocol != 0 && *protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		s->type = SOCK_DGRAM; /* as Linux does */
	else if (type != SOCK_STREAM && type != SOCK_DGRAM &&
		 type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	*protocol = 0;
	s->local.len = SUN_OFF;
	s->local.family = AF_UNIX;
	return 0;
}

static int check(const struct sockname *a)
{
	if (a->len < SUN_OFF || a->len > sizeof(struct linux_sockaddr_un) ||
	    a->family != AF_UNIX)
		return -EINVAL;
	return 0;
}

static bool is_abstract(const struct sockname *a)
{
	return a->len > SUN_OFF && a->un.sun_path[0] == 0;
}

/* The path of a (NUL-terminated in path, PATH room). */
static void get_path(const struct sockname *a, char *path)
{
	size_t n = a->len - SUN_OFF;

	memcpy(path, a->un.sun_path, n);
	path[n] = 0;
}

static struct socket *find_abstract(const struct sockname *a)
{
	list_for_each (n, &unix_bound) {
		struct socket *s = list_entry(n, struct socket, bound);

		if (!s->ino && s->local.len == a->len &&
		    !memcmp(s->local.un.sun_path, a->un.sun_path,
			    a->len - SUN_OFF))
			return s;
	}
	return NULL;
}

static struct socket *find_inode(struct inode *ino)
{
	list_for_each (n, &unix_bound) {
		struct socket *s = list_entry(n, struct socket, bound);

		if (s->ino == ino)
			return s;
	}
	return NULL;
}

static int bind_path(struct socket *s, const struct sockname *a)
{
	char path[UNIX_PATH_MAX + 1];
	struct inode *ino;
	int err;

	get_path(a, path);
	if (!path[0])
		return -EINVAL;
	err = vfs_mknod_inode(AT_FDCWD, path,
			      S_IFSOCK | (0777 & ~vfs_get_umask()), &ino);
	if (err)
		return err == -EEXIST ? -EADDRINUSE : err;
	s->ino = ino;
	s->local.len = (uint32_t)(SUN_OFF + strlen(path) + 1);
	memset(s->local.un.sun_path, 0, sizeof(s->local.un.sun_path));
	memcpy(s->local.un.sun_path, path, strlen(path));
	return 0;
}

static int unix_autobind(struct socket *s)
{
	static unsigned next;
	struct sockname a = { .len = SUN_OFF + 6 };

	a.family = AF_UNIX;
	for (unsigned tries = 0; tries < 0x100000; tries++) {
		unsigned v = next++ & 0xfffff;

		a.un.sun_path[0] = 0;
		for (int i = 0; i < 5; i++)
			a.un.sun_path[1 + i] =
			    "0123456789abcdef"[(v >> (16 - 4 * i)) & 0xf];
		if (!find_abstract(&a)) {
			s->local = a;
			list_push_back(&unix_bound, &s->bound);
			return 0;
		}
	}
	return -EADDRINUSE;
}

static int unix_bind(struct socket *s, const struct sockname *a)
{
	int err = check(a);

	if (err)
		return err;
	if (!list_empty(&s->bound))
		return -EINVAL;
	if (a->len == SUN_OFF)
		return unix_autobind(s);
	if (is_abstract(a)) {
		if (find_abstract(a))
			return -EADDRINUSE;
		s->local = *a;
	} else {
		err = bind_path(s, a);
		if (err)
			return err;
	}
	list_push_back(&unix_bound, &s->bound);
	return 0;
}

static int unix_lookup(struct socket *s, const struct sockname *a,
		       struct socket **out)
{
	struct socket *to;
	int err = check(a);

	if (!err && a->len == SUN_OFF)
		err = -EINVAL;
	if (err)
		return err;
	if (is_abstract(a)) {
		to = find_abstract(a);
	} else {
		char path[UNIX_PATH_MAX + 1];
		struct inode *ino;

		get_path(a, path);
		err = vfs_lookup_at(AT_FDCWD, path, 0, &ino);
		if (err)
			return err;
		to = S_ISSOCK(ino->mode) ? find_inode(ino) : NULL;
		inode_put(ino);
	}
	if (!to || to->closed)
		return -ECONNREFUSED;
	if (to->type != s->type)
		return -EPROTOTYPE;
	sock_get(to);
	*out = to;
	return 0;
}

static void unix_connected(struct socket *client, struct socket *child,
			   struct socket *listener, const struct sockname *to)
{
	(void)to;
	client->remote = listener->local;
	if (child) {
		child->local = listener->local;
		child->remote = client->local;
	}
}

/* Linux gives no name (length 0) for a sender without one. */
static void unix_source(struct socket *from, struct socket *to,
			struct sockname *out)
{
	(void)to;
	*out = from->local;
	if (out->len <= SUN_OFF)
		out->len = 0;
}

static void unix_unbind(struct socket *s)
{
	list_remove(&s->bound);
	inode_put(s->ino); /* the name stays in the file system */
	s->ino = NULL;
}

static int unix_setopt(struct socket *s, int level, int name, int val)
{
	(void)s, (void)level, (void)name, (void)val;
	return -EOPNOTSUPP;
}

static int unix_getopt(struct socket *s, int level, int name, int *val)
{
	(void)s, (void)level, (void)name, (void)val;
	return -EOPNOTSUPP;
}

const struct sock_family unix_family = {
	.create = unix_create,
	.bind = unix_bind,
	.autobind = unix_autobind,
	.lookup = unix_lookup,
	.connected = unix_connected,
	.source = unix_source,
	.unbind = unix_unbind,
	.setopt = unix_setopt,
	.getopt = unix_getopt,
};

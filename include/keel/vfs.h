/*
 * vfs.h - the virtual file system (fs/): inodes with one ops table per
 * kind (ramfs, device, pipe, proc), open files, the descriptor table, path
 * lookup, and the operations the syscall layer (linux/sys_file.c,
 * linux/sys_path.c) calls once it has copied and checked its arguments.
 * docs/fs.md describes the layers and the lookup rules.
 */
#ifndef KEEL_VFS_H
#define KEEL_VFS_H

#include <keel/compiler.h>
#include <keel/file.h>
#include <keel/page.h>
#include <uapi/fs.h>

#define PATH_MAX 4096
#define NAME_MAX 255
#define FD_MAX 1024 /* the first process's soft RLIMIT_NOFILE (INR_OPEN_CUR) */
#define FD_HARD_MAX 4096 /* and its hard one (INR_OPEN_MAX) */
/* fs.nr_open: its default, and the bounds Linux takes (BITS_PER_LONG and
 * INT_MAX rounded down to it). */
#define NR_OPEN_DEFAULT 1048576
#define NR_OPEN_MIN 64
#define NR_OPEN_MAX 2147483584
#define SYMLOOP_MAX 40 /* symlinks followed in one lookup */
#define MAX_RW_COUNT 0x7ffff000UL /* Linux's cap on one read or write */

struct inode;
struct file;
struct dir_ctx;
struct poll_table;
struct epitem;
struct inotify_watch;
struct pipe;
struct super_block;
struct kstat;

/* A caller's buffer: application memory (checked copies) or the kernel's. */
struct iobuf {
	char *p;
	bool user;
};
int iobuf_put(struct iobuf b, size_t off, const void *src, size_t n);
int iobuf_get(void *dst, struct iobuf b, size_t off, size_t n);
int iobuf_zero(struct iobuf b, size_t off, size_t n);
/* The same, returning the bytes moved before a fault (n when none). */
size_t iobuf_put_upto(struct iobuf b, size_t off, const void *src, size_t n);
size_t iobuf_get_upto(void *dst, struct iobuf b, size_t off, size_t n);
size_t iobuf_zero_upto(struct iobuf b, size_t off, size_t n);

/* What chmod, chown and utimensat set (inode_ops.setattr). */
#define IATTR_MODE 0x1
#define IATTR_UID 0x2
#define IATTR_GID 0x4
#define IATTR_ATIME 0x8
#define IATTR_MTIME 0x10
struct iattr {
	unsigned valid; /* IATTR_* */
	uint32_t mode, uid, gid; /* mode: the permission bits */
	int64_t atime_ns, mtime_ns;
};

/*
 * What a file system does with its inodes. The VFS checks types, names and
 * flags first; an fs only edits its own structures. Missing directory
 * operations give -EPERM, a missing truncate -EINVAL.
 */
struct inode_ops {
	/* A referenced child, or -ENOENT. name is not "." or "..". */
	int (*lookup)(struct inode *dir, const char *name, size_t len,
		      struct inode **out);
	/* Emit entries from *pos on (2 and up: the fs's cookies). */
	int (*readdir)(struct inode *dir, uint64_t *pos, struct dir_ctx *ctx);
	/* New regular file or directory (mode has the type), referenced. */
	int (*create)(struct inode *dir, const char *name, size_t len,
		      unsigned mode, struct inode **out);
	int (*symlink)(struct inode *dir, const char *name, size_t len,
		       const char *target);
	int (*link)(struct inode *dir, const char *name, size_t len,
		    struct inode *target);
	/* Remove an entry (-ENOTEMPTY for a non-empty directory). */
	int (*unlink)(struct inode *dir, const char *name, size_t len);
	int (*rename)(struct inode *odir, const char *oname, size_t olen,
		      struct inode *ndir, const char *nname, size_t nlen,
		      unsigned flags);
	/* The target into buf (kernel memory, not NUL-ended): length. */
	long (*readlink)(struct inode *lnk, char *buf, size_t len);
	/* A "magic" link (/proc/self/fd/N): the inode itself, referenced. */
	int (*follow)(struct inode *lnk, struct inode **out);
	int (*truncate)(struct inode *ino, uint64_t size);
	/* stat's fields the file system knows better (st_blocks, st_blksize)
	 * after the generic ones are filled (NULL: from the size). */
	void (*getattr)(struct inode *ino, struct kstat *st);
	/* Store what chmod, chown or utimensat set, before the VFS puts it
	 * in the inode's fields (an error leaves them as they were). NULL:
	 * the fields are all there is (ramfs). */
	int (*setattr)(struct inode *ino, const struct iattr *ia);
	/* Free fs data: the last reference and the last link are gone. */
	void (*release)(struct inode *ino);
	/* The page holding byte off of a regular file's own data, for a
	 * writable shared mapping (a reference taken for the mapping), or
	 * 0 (no memory, no room). NULL: the file system keeps no pages a
	 * mapping could share (ext2, 9p: such mappings are -ENODEV). */
	paddr_t (*share_page)(struct inode *ino, uint64_t off);
};

/* What an open file of one kind does; NULL llseek means not seekable. */
struct file_ops {
	int (*open)(struct file *f);
	long (*read)(struct file *f, struct iobuf b, size_t len, uint64_t *pos);
	long (*write)(struct file *f, struct iobuf b, size_t len,
		      uint64_t *pos);
	long (*llseek)(struct file *f, int64_t off, int whence);
	long (*ioctl)(struct file *f, unsigned cmd, unsigned long arg);
	/*
	 * The ready mask (EPOLL*, include/keel/poll.h), registering on the
	 * object's poll queue through pt first. NULL: always ready, and not
	 * watchable by epoll (EPERM), as regular files on Linux.
	 */
	unsigned (*poll)(struct file *f, struct poll_table *pt);
	/* fsync(2), fdatasync(2): make the file's data (and, without
	 * datasync, its metadata) durable (a 9p file: Tfsync). NULL: its
	 * file system's sync (ext2 writes back and flushes the device). */
	int (*fsync)(struct file *f, bool datasync);
	void (*release)(struct file *f);
};

#define I_TRANSIENT 0x1 /* freed with its last reference (proc, pipes) */
#define I_MOUNT 0x2 /* a file system's root: not removed or renamed */
#define I_TEXT 0x4 /* a program exec loaded: writing it is ETXTBSY */
#define I_XATTR 0x8 /* keeps user. and trusted. extended attributes */
#define I_MOUNTED 0x10 /* a mount point: a mount covers it (fs/mount.c) */

struct inode {
	uint64_t ino;
	uint32_t mode, nlink, uid, gid;
	uint32_t dev, rdev; /* Linux's 32-bit form: major << 8 | minor & 0xff,
			    minor >> 8 from bit 20 */
	uint64_t size;
	int64_t atime_ns, mtime_ns, ctime_ns;
	unsigned refs, flags;
	const struct inode_ops *ops;
	const struct file_ops *fops;
	struct inode *parent; /* directories: a reference to "..", or NULL */
	struct super_block *sb; /* its file system; NULL: none (pipes ...) */
	struct xattr *xattrs; /* extended attributes (fs/xattr.c) */
	struct inotify_watch *watches; /* inotify's (fs/inotify.c) */
	/* A pipe's or a FIFO's buffer and ends (fs/pipe.c; a FIFO's from
	 * its first open): apart from priv, which a disk inode's fs keeps. */
	struct pipe *pipe;
	void *priv;
};

struct file {
	unsigned refs;
	unsigned flags; /* O_ACCMODE, O_APPEND, O_NONBLOCK, O_PATH ... */
	uint64_t pos;
	const struct file_ops *ops;
	struct inode *inode; /* a reference */
	struct inode *dir; /* where it was opened by name (a reference) */
	char *name; /* ... and under which name; NULL when not by name */
	char *path; /* file_path's answer, made when asked */
	struct epitem *epitems; /* the epoll watches on it (fs/eventpoll.c) */
	void *priv;
	/* Read-ahead, the file system's (fs/ext2): where the last read
	 * ended, the block read ahead up to, the window in bytes. */
	uint64_t ra_pos, ra_end;
	uint32_t ra_window;
};

/* Directory entries go to emit until it returns false (buffer full). */
struct dir_ctx {
	bool (*emit)(struct dir_ctx *ctx, const char *name, size_t len,
		     uint64_t ino, unsigned dtype, uint64_t next_pos);
};

/* fs/vfs.c: inodes. */
struct inode *inode_alloc(const struct inode_ops *ops,
			  const struct file_ops *fops, unsigned mode);
void inode_get(struct inode *ino);
void inode_put(struct inode *ino);
void inode_touch(struct inode *ino, bool mtime); /* ctime (and mtime) now */
unsigned inode_dtype(const struct inode *ino);
extern struct inode *vfs_root;

/* The file status the syscall layer turns into struct stat or statx. */
struct kstat {
	uint64_t dev, ino, nlink, size, blocks;
	uint32_t mode, uid, gid, rdev, blksize;
	int64_t atime_ns, mtime_ns, ctime_ns;
};

/* fs/file.c: open files and their generic operations. */
struct file *file_alloc(struct inode *ino, unsigned flags);
/* Open ino found as name in dir (both may be NULL). */
int file_open_inode(struct inode *ino, unsigned flags, struct inode *dir,
		    const char *name, size_t len, struct file **out);
/* The absolute path of a directory into buf: its length, or -errno. */
long inode_dir_path(struct inode *dir, char *buf, size_t len);
/* The same for getcwd: "(unreachable)/..." when dir is outside the
 * process's root (chroot), as Linux's getcwd says. */
long inode_cwd_path(struct inode *dir, char *buf, size_t len);
/* A directory's name in its parent into name (NAME_MAX + 1 bytes): its
 * length, or -ENOENT (removed, or a file system's root). */
long inode_dir_name(struct inode *dir, char *name);
bool file_readable(const struct file *f);
bool file_writable(const struct file *f);
long vfs_read(struct file *f, struct iobuf b, size_t len);
long vfs_write(struct file *f, struct iobuf b, size_t len);
long vfs_pread(struct file *f, struct iobuf b, size_t len, int64_t off);
long vfs_pwrite(struct file *f, struct iobuf b, size_t len, int64_t off);
long vfs_lseek(struct file *f, int64_t off, int whence);
long vfs_getdents64(struct file *f, struct iobuf b, size_t len);
long vfs_ioctl(struct file *f, unsigned cmd, unsigned long arg);
int vfs_ftruncate(struct file *f, int64_t len);
int vfs_fsync(struct file *f, bool datasync);
void vfs_getattr(struct inode *ino, struct kstat *st);
long generic_llseek(struct file *f, int64_t off, int whence);
extern const struct file_ops dir_fops;

/* fs/fdtable.c: the process's descriptors (lowest free first). */
struct file *fd_get(int fd); /* a reference, or NULL (EBADF) */
int fd_install(struct file *f, bool cloexec); /* takes f's reference */
int fd_close(int fd);
int fd_dup(int oldfd, int minfd, bool cloexec); /* F_DUPFD */
int fd_dup3(int oldfd, int newfd, bool cloexec);
int fd_get_cloexec(int fd); /* 0/1 or -EBADF */
int fd_set_cloexec(int fd, bool on);
void fd_close_on_exec(void);
/* The most descriptors a process may have (/proc/sys/fs/nr_open), and
 * setting it: -EINVAL outside [NR_OPEN_MIN, NR_OPEN_MAX]. */
unsigned fd_nr_open(void);
int fd_set_nr_open(unsigned long n);
/* Slots in the caller's table now (select's bound, as Linux's max_fds). */
int fd_table_size(void);
unsigned vfs_umask(unsigned mask); /* set, return the old one */
unsigned vfs_get_umask(void);
struct inode *fs_cwd(void); /* not referenced */
void fs_set_cwd(struct inode *dir); /* takes the reference */
/* The process's root (chroot; the VM's root unless moved), not referenced;
 * fs_set_root takes the reference. */
struct inode *fs_root(void);
void fs_set_root(struct inode *dir);
/* Another process's, for /proc/PID (NULL tables after its release): its
 * descriptor fd (a reference) or NULL; its lowest open descriptor from fd
 * on, or -1; its cwd (a reference) or NULL; its umask. */
struct process;
struct file *fd_get_of(struct process *p, int fd);
int fd_next_of(struct process *p, int fd);
struct inode *fs_cwd_of(struct process *p);
unsigned fs_umask_of(struct process *p);

/* fs/vfs.c: names; fs/vfs_open.c: open, stat, attributes and the cwd.
 * dirfd is AT_FDCWD or a descriptor. */
int vfs_lookup_at(int dirfd, const char *path, unsigned atflags,
		  struct inode **out);
/* Where a lookup found its inode, for inotify's events on the directory:
 * dir (a reference) and a copy of the name, or nothing when the directory
 * is not watched; vfs_loc_done drops it. */
struct vfs_loc {
	struct inode *dir;
	const char *name;
	size_t len;
	char *buf;
};
int vfs_lookup_loc(int dirfd, const char *path, unsigned atflags,
		   struct inode **out, struct vfs_loc *loc);
void vfs_loc_done(struct vfs_loc *loc);
int vfs_openat(int dirfd, const char *path, unsigned flags, unsigned mode,
	       struct file **out);
int vfs_statat(int dirfd, const char *path, unsigned atflags, struct kstat *st);
int vfs_mkdirat(int dirfd, const char *path, unsigned mode);
/* A node without data (a socket): mode as given, *out referenced. */
int vfs_mknod_inode(int dirfd, const char *path, unsigned mode,
		    struct inode **out);
int vfs_unlinkat(int dirfd, const char *path, unsigned atflags);
int vfs_renameat2(int odirfd, const char *opath, int ndirfd, const char *npath,
		  unsigned flags);
int vfs_linkat(int odirfd, const char *opath, int ndirfd, const char *npath,
	       unsigned atflags);
int vfs_symlinkat(const char *target, int dirfd, const char *path);
long vfs_readlinkat(int dirfd, const char *path, char *buf, size_t len);
int vfs_faccessat(int dirfd, const char *path, unsigned mode, unsigned atflags);
int vfs_fchmodat(int dirfd, const char *path, unsigned mode, unsigned atflags);
int vfs_fchownat(int dirfd, const char *path, uint32_t uid, uint32_t gid,
		 unsigned atflags);
/* times[2]: ns since 1970, or VFS_UTIME_NOW / VFS_UTIME_OMIT. */
#define VFS_UTIME_NOW INT64_MIN
#define VFS_UTIME_OMIT (INT64_MIN + 1)
int vfs_utimensat(int dirfd, const char *path, const int64_t times[2],
		  unsigned atflags);
int vfs_truncate(const char *path, int64_t len);
int vfs_chdir(const char *path);
int vfs_fchdir(int fd);
int vfs_chroot(const char *path);
/* The cwd's absolute path into buf: its length with the NUL, or -errno. */
long vfs_getcwd(char *buf, size_t len);
int vfs_pipe(struct file *ends[2], unsigned flags);
/* mknod(2): a FIFO, regular file, socket or device node (dev: major<<8|minor). */
int vfs_mknodat(int dirfd, const char *path, unsigned mode, uint32_t dev);

/* fs/pipe.c: named pipes (FIFOs) open as pipes, meeting as fifo(7) says. */
extern const struct file_ops fifo_fops;
void fifo_inode_release(struct inode *ino);

#define PIPE_SIZE 65536 /* a pipe's capacity, as Linux's default */
/*
 * fs/pipe.c: what splice, tee and vmsplice (linux/sys_splice.c) do with a
 * pipe or FIFO end f, one thread per end as for read and write. The waits
 * end with a signal (-ERESTARTSYS) or, nonblock, -EAGAIN.
 */
bool file_is_pipe(const struct file *f);
/* Wait for data: the bytes held, or 0 when empty without writers. */
long pipe_wait_data(struct file *f, bool nonblock);
/* Wait for room: the free bytes, or -EPIPE without readers. */
long pipe_wait_room(struct file *f, bool nonblock);
/* Copy up to len bytes from off bytes into the data, leaving them there. */
long pipe_peek(struct file *f, size_t off, struct iobuf b, size_t len);
/* Drop n bytes from the front (after a peek). */
void pipe_consume(struct file *f, size_t n);
/* Append up to len bytes as the room allows now: bytes, or -EPIPE. */
long pipe_put(struct file *f, struct iobuf b, size_t len);

/* fs/flock.c: flock(2) locks, held by open files; dropped at their end. */
int vfs_flock(struct file *f, int op);
void flock_release(struct file *f);

/* fs/xattr.c: extended attributes (kernel buffers; names checked). */
int vfs_setxattr(struct inode *ino, const char *name, const void *val,
		 size_t size, int flags);
long vfs_getxattr(struct inode *ino, const char *name, void *buf, size_t size);
long vfs_listxattr(struct inode *ino, char *buf, size_t size);
int vfs_removexattr(struct inode *ino, const char *name);
void xattr_free(struct inode *ino);

/* memfd_create(2): an unlinked ramfs file named "memfd:name". */
int vfs_memfd(const char *name, struct file **out);

/* The file systems: the initrd's ramfs, devices, /proc and /sys
 * (superblocks and mounts: include/keel/mount.h). */
int ramfs_add(struct inode *dir, const char *name, struct inode *ino);
int ramfs_set_initrd_data(struct inode *ino, const void *data, size_t len);
/* The initrd's entries into root: all but those under tmp/, or (tmp)
 * only those, as /tmp's. */
int ramfs_unpack(struct inode *root, const void *cpio, size_t size, bool tmp);
/* Fill the devtmpfs mounted on /dev, and mount /dev/pts. */
int devfs_init(void);
/* fs/console.c: console input: its timer, and the stdin stream. */
struct poll_table;
void console_input_init(void);
bool console_input_is_stream(void);
long console_input_read(struct file *f, struct iobuf b, size_t len,
			uint64_t *pos);
unsigned console_input_poll(struct file *f, struct poll_table *pt);
/* keel.stdin=stream: fd 0, a read-only stream of the host's stdin. */
int console_stream_open(struct file **out);
/* keel.stdout=stream: fds 1 and 2, a write-only stream to the host's
 * stdout (not a terminal). */
bool console_output_is_stream(void);
int console_output_open(struct file **out);
/* The file ops of the device rdev (major<<8|minor) devfs has, or NULL. */
const struct file_ops *devfs_fops(uint32_t rdev);
/* fs/blkfile.c: block device nodes; a node in dir for each block device. */
extern const struct file_ops blkfile_fops;
int blkfile_add_nodes(struct inode *dir);
/* A new unlinked ramfs regular file (referenced). */
struct inode *ramfs_new_file(unsigned mode);
/* The pages of RAM a ramfs regular file holds (SysV shm's rss). */
size_t ramfs_file_pages(struct inode *ino);
/* fs/pty.c: /dev/ptmx's ops (devpts: devpts_sb in keel/mount.h). */
extern const struct file_ops ptmx_fops;

#endif

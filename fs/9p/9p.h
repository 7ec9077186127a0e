/*
 * 9p.h - inside fs/9p: the 9P2000.L client (client.c: messages built and
 * parsed with a bounds check on every field of a reply) and what the
 * file system (vfs.c) calls. The unit test (tests/unit/test_9p.c)
 * includes it too.
 */
#ifndef KEEL_FS_9P_H
#define KEEL_FS_9P_H

#include <keel/compiler.h>

struct p9chan;

#define P9_NOFID 0xffffffffu
#define P9_NOTAG 0xffff
#define P9_VERSION "9P2000.L"
#define P9_MSIZE_DEFAULT (128 * 1024 + 4096)
#define P9_MSIZE_MIN 4096

/* Message types (9P2000.L and the 9P2000 ones it keeps). */
enum {
	P9_RLERROR = 7,
	P9_TSTATFS = 8,
	P9_TLOPEN = 12,
	P9_TLCREATE = 14,
	P9_TSYMLINK = 16,
	P9_TMKNOD = 18,
	P9_TREADLINK = 22,
	P9_TGETATTR = 24,
	P9_TSETATTR = 26,
	P9_TREADDIR = 40,
	P9_TFSYNC = 50,
	P9_TLINK = 70,
	P9_TMKDIR = 72,
	P9_TRENAMEAT = 74,
	P9_TUNLINKAT = 76,
	P9_TVERSION = 100,
	P9_TATTACH = 104,
	P9_TWALK = 110,
	P9_TREAD = 116,
	P9_TWRITE = 118,
	P9_TCLUNK = 120,
};

/* Tgetattr's request mask: the basic fields. */
#define P9_GETATTR_BASIC 0x7ffULL
/* Tsetattr's valid bits. */
#define P9_ATTR_MODE 0x1
#define P9_ATTR_UID 0x2
#define P9_ATTR_GID 0x4
#define P9_ATTR_SIZE 0x8
#define P9_ATTR_ATIME 0x10
#define P9_ATTR_MTIME 0x20
#define P9_ATTR_CTIME 0x40
#define P9_ATTR_ATIME_SET 0x80
#define P9_ATTR_MTIME_SET 0x100
/* Tunlinkat's flag. */
#define P9_AT_REMOVEDIR 0x200
/* Qid types. */
#define P9_QTDIR 0x80
#define P9_QTSYMLINK 0x02

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

struct p9_attr {
	uint64_t valid;
	struct p9_qid qid;
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	int64_t atime_ns, mtime_ns, ctime_ns;
};

struct p9_setattr {
	uint32_t valid; /* P9_ATTR_* */
	uint32_t mode, uid, gid;
	uint64_t size;
	int64_t atime_ns, mtime_ns;
};

struct p9_statfs {
	uint32_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree, fsid;
	uint32_t namelen;
};

/* One session with a server. */
struct p9_client {
	struct p9chan *ch;
	uint32_t msize; /* negotiated */
	uint32_t next_fid;
	uint16_t next_tag;
	uint64_t bad_replies; /* malformed: counted, logged once */
	bool warned;
};

/* A directory entry of Rreaddir, to fn until it returns false. */
typedef bool (*p9_dirent_fn)(void *arg, const struct p9_qid *qid, uint64_t next,
			     uint8_t type, const char *name, size_t len);

/* Each: 0 (or a count) or -errno: the server's Rlerror, -EIO for a reply
 * that is malformed or of the wrong type, -ENOMEM. */
uint32_t p9_fid_alloc(struct p9_client *c);
int p9_version(struct p9_client *c, uint32_t msize);
int p9_attach(struct p9_client *c, uint32_t fid, const char *uname,
	      const char *aname, uint32_t n_uname, struct p9_qid *qid);
/* Walk zero names (a clone) or one: *qid is the name's. */
int p9_walk(struct p9_client *c, uint32_t fid, uint32_t newfid,
	    const char *name, size_t len, struct p9_qid *qid);
int p9_getattr(struct p9_client *c, uint32_t fid, struct p9_attr *a);
int p9_setattr(struct p9_client *c, uint32_t fid, const struct p9_setattr *s);
int p9_lopen(struct p9_client *c, uint32_t fid, uint32_t flags,
	     uint32_t *iounit);
int p9_lcreate(struct p9_client *c, uint32_t fid, const char *name, size_t len,
	       uint32_t flags, uint32_t mode, uint32_t gid, struct p9_qid *qid);
/* Bytes read into buf (at most count and what one message carries). */
long p9_read(struct p9_client *c, uint32_t fid, uint64_t off, uint32_t count,
	     void *buf);
long p9_write(struct p9_client *c, uint32_t fid, uint64_t off, uint32_t count,
	      const void *buf);
/* Entries from offset on, at most count bytes of them: 0 at the end of
 * the directory, 1 when there may be more, -errno. */
int p9_readdir(struct p9_client *c, uint32_t fid, uint64_t off, uint32_t count,
	       p9_dirent_fn fn, void *arg);
int p9_mkdir(struct p9_client *c, uint32_t dfid, const char *name, size_t len,
	     uint32_t mode, uint32_t gid, struct p9_qid *qid);
int p9_unlinkat(struct p9_client *c, uint32_t dfid, const char *name,
		size_t len, uint32_t flags);
int p9_renameat(struct p9_client *c, uint32_t ofid, const char *oname,
		size_t olen, uint32_t nfid, const char *nname, size_t nlen);
int p9_symlink(struct p9_client *c, uint32_t dfid, const char *name, size_t len,
	       const char *target, uint32_t gid, struct p9_qid *qid);
int p9_mknod(struct p9_client *c, uint32_t dfid, const char *name, size_t len,
	     uint32_t mode, uint32_t major, uint32_t minor, uint32_t gid,
	     struct p9_qid *qid);
/* The target's length, copied into buf (len bytes at most). */
long p9_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t len);
int p9_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name,
	    size_t len);
int p9_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *st);
int p9_fsync(struct p9_client *c, uint32_t fid, bool datasync);
int p9_clunk(struct p9_client *c, uint32_t fid);
/* Tclunk without waiting for Rclunk (releases, which must not sleep). */
void p9_clunk_nowait(struct p9_client *c, uint32_t fid);
/* The most data one Tread or Twrite carries. */
uint32_t p9_io_max(const struct p9_client *c);

#endif

/*
 * cpio.h - the "newc" cpio format (magic 070701) of keel's initrd, read by
 * the kernel and written by the host tool (lib/cpio.c). A header is 110
 * ASCII bytes: the magic and thirteen 8-digit hex fields; then the name
 * with its NUL, padded to 4 bytes; then the data, padded to 4 bytes. The
 * archive ends with an entry named "TRAILER!!!".
 */
#ifndef KEEL_CPIO_H
#define KEEL_CPIO_H

#include <keel/compiler.h>

#define CPIO_MAGIC "070701"
#define CPIO_HEADER_SIZE 110
#define CPIO_TRAILER "TRAILER!!!"
#define CPIO_NAME_MAX 4096

/* File type bits of c_mode, as in stat(2). */
#define CPIO_S_IFMT 0170000
#define CPIO_S_IFDIR 0040000
#define CPIO_S_IFREG 0100000
#define CPIO_S_IFLNK 0120000

struct cpio_entry {
	const char *name; /* NUL-terminated, inside the archive */
	const void *data; /* file contents or symlink target (not NUL-ended) */
	uint64_t size;
	uint32_t mode, uid, gid, nlink, mtime, ino;
};

struct cpio_reader {
	const uint8_t *base;
	size_t size, pos;
	bool done;
};

void cpio_reader_init(struct cpio_reader *r, const void *data, size_t size);
/*
 * The next entry: 1 with *e filled, 0 at the trailer, or -ENOEXEC with
 * *why set when the archive is malformed or truncated.
 */
int cpio_next(struct cpio_reader *r, struct cpio_entry *e, const char **why);

/*
 * Format the header and padded name of e (e->data is not copied) into
 * buf, which must hold cpio_header_size(name) bytes; returns that size.
 * The caller writes e->size bytes of data and cpio_pad(e->size) zeros.
 */
/* An entry name without leading "/" and "./"; "." and "/" give "" (the
 * root), so "/a", "a" and "./a" compare equal. */
const char *cpio_path_strip(const char *s);

size_t cpio_header_size(const char *name);
size_t cpio_write_header(char *buf, const struct cpio_entry *e);
static inline size_t cpio_pad(uint64_t n)
{
	return (4 - (n & 3)) & 3;
}

#endif

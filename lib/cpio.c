/*
 * cpio.c - reading and writing "newc" cpio archives (include/keel/cpio.h):
 * the kernel unpacks its initrd with cpio_next, the host tool packs one
 * with cpio_write_header. The reader trusts nothing in the archive: every
 * field is parsed as hex and every length checked against what is left.
 */
#include <keel/cpio.h>
#include <keel/errno.h>
#include <keel/string.h>

/* Field order after the magic, as they appear in the header. */
enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	F_COUNT
};

void cpio_reader_init(struct cpio_reader *r, const void *data, size_t size)
{
	r->base = data;
	r->size = size;
	r->pos = 0;
	r->done = false;
}

static int hex8(const uint8_t *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t c = s[i];

		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		v = v << 4 | c;
	}
	*out = v;
	return 0;
}

static int bad(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -ENOEXEC;
}

int cpio_next(struct cpio_reader *r, struct cpio_entry *e, const char **why)
{
	uint32_t f[F_COUNT];
	const uint8_t *h;
	size_t left, name_end;

	if (r->done)
		return 0;
	left = r->size - r->pos;
	if (left < CPIO_HEADER_SIZE)
		return bad(why, "the archive ends inside a header "
				"(truncated, or no TRAILER!!! entry)");
	h = r->base + r->pos;
	if (memcmp(h, CPIO_MAGIC, 6))
		return bad(why, "not a newc cpio header (bad magic)");
	for (int i = 0; i < F_COUNT; i++)
		if (hex8(h + 6 + 8 * i, &f[i]))
			return bad(why, "a header field is not hexadecimal");
	if (f[F_NAMESIZE] < 2 || f[F_NAMESIZE] > CPIO_NAME_MAX)
		return bad(why, "an entry name is empty or too long");
	name_end = CPIO_HEADER_SIZE + f[F_NAMESIZE];
	if (name_end > left)
		return bad(why, "the archive ends inside an entry name");
	if (h[name_end - 1] != '\0' ||
	    memchr(h + CPIO_HEADER_SIZE, '\0', f[F_NAMESIZE] - 1))
		return bad(why, "an entry name is not one NUL-ended string");
	name_end += cpio_pad(name_end);
	if (name_end > left)
		return bad(why, "the archive ends inside an entry name");
	if (f[F_FILESIZE] > left - name_end)
		return bad(why, "the archive ends inside an entry's data");
	e->name = (const char *)h + CPIO_HEADER_SIZE;
	e->data = h + name_end;
	e->size = f[F_FILESIZE];
	e->mode = f[F_MODE];
	e->uid = f[F_UID];
	e->gid = f[F_GID];
	e->nlink = f[F_NLINK];
	e->mtime = f[F_MTIME];
	e->ino = f[F_INO];
	if (!strcmp(e->name, CPIO_TRAILER)) {
		r->done = true;
		return 0;
	}
	/* The last entry's data padding may be cut off; accept that. */
	r->pos += MIN(left, name_end + e->size + cpio_pad(e->size));
	return 1;
}

const char *cpio_path_strip(const char *s)
{
	for (;;) {
		if (s[0] == '/')
			s++;
		else if (s[0] == '.' && s[1] == '/')
			s += 2;
		else if (s[0] == '.' && s[1] == '\0')
			return s + 1;
		else
			return s;
	}
}

size_t cpio_header_size(const char *name)
{
	size_t n = CPIO_HEADER_SIZE + strlen(name) + 1;

	return n + cpio_pad(n);
}

static void put_hex8(char *s, uint32_t v)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 7; i >= 0; i--, v >>= 4)
		s[i] = digits[v & 15];
}

size_t cpio_write_header(char *buf, const struct cpio_entry *e)
{
	size_t namesize = strlen(e->name) + 1,
	       total = cpio_header_size(e->name);
	uint32_t f[F_COUNT] = { 0 };

	f[F_INO] = e->ino;
	f[F_MODE] = e->mode;
	f[F_UID] = e->uid;
	f[F_GID] = e->gid;
	f[F_NLINK] = e->nlink;
	f[F_MTIME] = e->mtime;
	f[F_FILESIZE] = (uint32_t)e->size;
	f[F_NAMESIZE] = (uint32_t)namesize;
	memcpy(buf, CPIO_MAGIC, 6);
	for (int i = 0; i < F_COUNT; i++)
		put_hex8(buf + 6 + 8 * i, f[i]);
	memcpy(buf + CPIO_HEADER_SIZE, e->name, namesize);
	memset(buf + CPIO_HEADER_SIZE + namesize, 0,
	       total - CPIO_HEADER_SIZE - namesize);
	return total;
}

/*
 * test_cpio.c - lib/cpio.c: archives written with cpio_write_header read
 * back by cpio_next (names of every padding length, empty files, dirs,
 * symlinks), every truncation, every kind of bad header, and both ways
 * with GNU cpio (an archive of ours listed and unpacked by `cpio -i`, one
 * made by `cpio -o -H newc` read by cpio_next). Archives are copied into
 * buffers of their exact size so ASan sees any read past the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <keel/cpio.h>
#include "unit.h"

/* ------------------------------------------------------------ helpers --- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (!n)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void add(struct buf *b, const char *name, uint32_t mode,
		const void *data, size_t size)
{
	static const uint8_t zeros[4];
	struct cpio_entry e = { .name = name,
				.data = data,
				.size = size,
				.mode = mode,
				.uid = 1000,
				.gid = 100,
				.nlink = (mode & CPIO_S_IFMT) == CPIO_S_IFDIR
					     ? 2
					     : 1,
				.mtime = 1700000000,
				.ino = (uint32_t)b->len + 1 };
	char *hdr = malloc(cpio_header_size(name));
	size_t n;

	assert_non_null(hdr);
	n = cpio_write_header(hdr, &e);
	assert_int_equal(n, cpio_header_size(name));
	assert_int_equal(n % 4, 0);
	put(b, hdr, n);
	put(b, data, size);
	put(b, zeros, cpio_pad(size));
	free(hdr);
}

static void add_trailer(struct buf *b)
{
	add(b, CPIO_TRAILER, 0, NULL, 0);
}

struct want {
	const char *name;
	uint32_t mode;
	const char *data;
};

static const struct want sample[] = {
	{ "d", CPIO_S_IFDIR | 0755, "" },
	{ "d/a", CPIO_S_IFREG | 0644, "x" },
	{ "ab", CPIO_S_IFREG | 0600, "hello" },
	{ "abc", CPIO_S_IFREG | 0644, "" }, /* empty */
	{ "abcd", CPIO_S_IFREG | 0755, "four" },
	{ "e", CPIO_S_IFREG | 0644, "" },
	{ "l", CPIO_S_IFLNK | 0777, "d/a" }, /* symlink to d/a */
	{ "d/ef", CPIO_S_IFREG | 0644, "sixsix" },
	{ "d/lnk", CPIO_S_IFLNK | 0777, "../abcd" },
	{ "seven", CPIO_S_IFREG | 0644, "1234567" },
};

static struct buf sample_archive(void)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(sample); i++)
		add(&b, sample[i].name, sample[i].mode, sample[i].data,
		    strlen(sample[i].data));
	add_trailer(&b);
	return b;
}

static uint8_t *copy_exact(const void *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);

	assert_non_null(p);
	memcpy(p, data, size);
	return p;
}

/* Read all entries; returns the last cpio_next result (0 or -ENOEXEC). */
static int read_all(const void *data, size_t size, int *entries,
		    const char **why)
{
	struct cpio_reader r;
	struct cpio_entry e;
	int rc;

	*entries = 0;
	cpio_reader_init(&r, data, size);
	while ((rc = cpio_next(&r, &e, why)) == 1) {
		assert_true(strlen(e.name) > 0);
		assert_true(e.size <= size);
		if (e.size) /* touch the last byte, for ASan */
			(void)((const volatile uint8_t *)e.data)[e.size - 1];
		++*entries;
	}
	return rc;
}

/* The first header of an archive, to break one field at a time. */
static void expect_error(const void *data, size_t size, const char *why_want)
{
	uint8_t *p = copy_exact(data, size);
	struct cpio_reader r;
	struct cpio_entry e;
	const char *why = NULL;

	cpio_reader_init(&r, p, size);
	assert_int_equal(cpio_next(&r, &e, &why), -ENOEXEC);
	assert_non_null(why);
	assert_string_equal(why, why_want);
	free(p);
}

/* Write an 8-digit hex field (0 = c_ino ... 12 = c_check) of a header. */
static void set_field(uint8_t *h, int field, uint32_t v)
{
	char s[9];

	snprintf(s, sizeof(s), "%08x", v);
	memcpy(h + 6 + 8 * field, s, 8);
}
#define F_FILESIZE 6
#define F_NAMESIZE 11

/* --------------------------------------------------------------- tests --- */

static void test_header_sizes_and_padding(void **state)
{
	(void)state;
	/* 110 + name + NUL, rounded up to 4. */
	assert_int_equal(cpio_header_size("a"), 112);
	assert_int_equal(cpio_header_size("ab"), 116);
	assert_int_equal(cpio_header_size("abc"), 116);
	assert_int_equal(cpio_header_size("abcd"), 116);
	assert_int_equal(cpio_header_size("abcde"), 116);
	assert_int_equal(cpio_header_size("abcdef"), 120);
	assert_int_equal(cpio_pad(0), 0);
	assert_int_equal(cpio_pad(1), 3);
	assert_int_equal(cpio_pad(2), 2);
	assert_int_equal(cpio_pad(3), 1);
	assert_int_equal(cpio_pad(4), 0);
	assert_int_equal(cpio_pad(UINT64_MAX), 1);
}

static void test_header_text(void **state)
{
	struct cpio_entry e = { .name = "ab",
				.size = 0x1234,
				.mode = CPIO_S_IFREG | 0644,
				.uid = 0xdeadbeef,
				.gid = 7,
				.nlink = 1,
				.mtime = 0x65000000,
				.ino = 42 };
	char h[116];

	(void)state;
	memset(h, 'Z', sizeof(h));
	assert_int_equal(cpio_write_header(h, &e), 116);
	assert_memory_equal(h,
			    "070701"
			    "0000002a"
			    "000081a4"
			    "deadbeef"
			    "00000007"
			    "00000001"
			    "65000000"
			    "00001234"
			    "00000000"
			    "00000000"
			    "00000000"
			    "00000000"
			    "00000003"
			    "00000000"
			    "ab\0\0\0\0",
			    116);
}

static void test_round_trip(void **state)
{
	struct buf b = sample_archive();
	uint8_t *p = copy_exact(b.p, b.len);
	struct cpio_reader r;
	struct cpio_entry e;
	const char *why = NULL;

	(void)state;
	cpio_reader_init(&r, p, b.len);
	for (size_t i = 0; i < ARRAY_SIZE(sample); i++) {
		assert_int_equal(cpio_next(&r, &e, &why), 1);
		assert_string_equal(e.name, sample[i].name);
		assert_int_equal(e.mode, sample[i].mode);
		assert_int_equal(e.size, strlen(sample[i].data));
		assert_memory_equal(e.data, sample[i].data, e.size);
		assert_int_equal(e.uid, 1000);
		assert_int_equal(e.gid, 100);
		assert_int_equal(e.mtime, 1700000000);
		assert_int_equal(e.nlink, i == 0 ? 2 : 1);
		/* Every header starts 4-aligned. */
		assert_int_equal(((const uint8_t *)e.name - p) % 4, 110 % 4);
	}
	assert_int_equal(cpio_next(&r, &e, &why), 0);
	assert_string_equal(e.name, CPIO_TRAILER);
	/* Done stays done. */
	assert_int_equal(cpio_next(&r, &e, &why), 0);
	free(p);
	free(b.p);
}

static void test_long_names(void **state)
{
	char name[CPIO_NAME_MAX + 1];
	struct buf b = { 0 };
	uint8_t *p;
	int n;
	const char *why = NULL;

	(void)state;
	memset(name, 'n', sizeof(name));
	name[CPIO_NAME_MAX - 1] = '\0'; /* the longest: 4095 + NUL */
	add(&b, name, CPIO_S_IFREG | 0644, "data", 4);
	add_trailer(&b);
	p = copy_exact(b.p, b.len);
	assert_int_equal(read_all(p, b.len, &n, &why), 0);
	assert_int_equal(n, 1);
	free(p);
	free(b.p);

	b = (struct buf){ 0 };
	name[CPIO_NAME_MAX - 1] = 'n';
	name[CPIO_NAME_MAX] = '\0'; /* one too long */
	add(&b, name, CPIO_S_IFREG | 0644, "data", 4);
	add_trailer(&b);
	expect_error(b.p, b.len, "an entry name is empty or too long");
	free(b.p);
}

/* Every proper prefix of an archive is malformed, and never crashes. */
static void test_every_truncation(void **state)
{
	struct buf b = sample_archive();
	int n;

	(void)state;
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *p = copy_exact(b.p, len);
		const char *why = NULL;

		assert_int_equal(read_all(p, len, &n, &why), -ENOEXEC);
		assert_non_null(why);
		assert_true(n <= (int)ARRAY_SIZE(sample));
		free(p);
	}
	assert_int_equal(read_all(b.p, b.len, &n, NULL), 0);
	assert_int_equal(n, ARRAY_SIZE(sample));
	free(b.p);
}

static void test_missing_trailer(void **state)
{
	struct buf b = { 0 };
	int n;
	const char *why = NULL;
	uint8_t *p;

	(void)state;
	add(&b, "a", CPIO_S_IFREG | 0644, "x", 1);
	add(&b, "b", CPIO_S_IFREG | 0644, "yy", 2);
	p = copy_exact(b.p, b.len);
	assert_int_equal(read_all(p, b.len, &n, &why), -ENOEXEC);
	assert_int_equal(n, 2);
	assert_string_equal(why, "the archive ends inside a header "
				 "(truncated, or no TRAILER!!! entry)");
	free(p);
	/* Zeros after the last entry are not a trailer either. */
	put(&b, "\0\0\0\0\0\0\0\0", 8);
	for (int i = 0; i < 20; i++)
		put(&b, "\0\0\0\0\0\0\0\0", 8);
	p = copy_exact(b.p, b.len);
	assert_int_equal(read_all(p, b.len, &n, &why), -ENOEXEC);
	assert_string_equal(why, "not a newc cpio header (bad magic)");
	free(p);
	/* An empty archive. */
	assert_int_equal(read_all("", 0, &n, &why), -ENOEXEC);
	free(b.p);
}

static void test_bad_magic(void **state)
{
	static const char *const magics[] = { "070707", "070702", "07070",
					      "170701", "\0\0\0\0\0\0" };
	struct buf b = sample_archive();

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++) {
		memcpy(b.p, magics[i], 6);
		expect_error(b.p, b.len, "not a newc cpio header (bad magic)");
	}
	free(b.p);
}

static void test_non_hex_fields(void **state)
{
	static const char bad[] = "gG xX-+\xff\0";
	struct buf b = sample_archive();

	(void)state;
	for (int field = 0; field < 13; field++) {
		for (int pos = 0; pos < 8; pos += 7) {
			for (size_t k = 0; k < sizeof(bad); k++) {
				uint8_t *at = b.p + 6 + 8 * field + pos;
				uint8_t old = *at;

				*at = (uint8_t)bad[k];
				expect_error(b.p, b.len,
					     "a header field is not "
					     "hexadecimal");
				*at = old;
			}
		}
	}
	/* Upper-case hex is hex. */
	memcpy(b.p + 6, "0000ABCD", 8);
	assert_int_equal(read_all(b.p, b.len, &(int){ 0 }, NULL), 0);
	free(b.p);
}

static void test_bad_name_sizes(void **state)
{
	static const char bad_size[] = "an entry name is empty or too long";
	static const char not_string[] = "an entry name is not one NUL-ended "
					 "string";
	struct buf b = { 0 };

	(void)state;
	add(&b, "abcd", CPIO_S_IFREG | 0644, "data", 4);
	add_trailer(&b);
	set_field(b.p, F_NAMESIZE, 0);
	expect_error(b.p, b.len, bad_size);
	set_field(b.p, F_NAMESIZE, 1); /* just the NUL */
	expect_error(b.p, b.len, bad_size);
	set_field(b.p, F_NAMESIZE, CPIO_NAME_MAX + 1);
	expect_error(b.p, b.len, bad_size);
	set_field(b.p, F_NAMESIZE, 0xffffffff);
	expect_error(b.p, b.len, bad_size);
	set_field(b.p, F_NAMESIZE, CPIO_NAME_MAX); /* past the end */
	expect_error(b.p, b.len, "the archive ends inside an entry name");
	set_field(b.p, F_NAMESIZE, 4); /* "abcd": no NUL */
	expect_error(b.p, b.len, not_string);
	set_field(b.p, F_NAMESIZE, 6); /* "abcd\0\0": a NUL inside */
	expect_error(b.p, b.len, not_string);
	set_field(b.p, F_NAMESIZE, 5);
	b.p[110 + 1] = '\0'; /* "a\0cd\0" */
	expect_error(b.p, b.len, not_string);
	free(b.p);

	/* A name that ends exactly at the end of the data, unpadded. */
	b = (struct buf){ 0 };
	add(&b, "ab", CPIO_S_IFREG | 0644, NULL, 0);
	expect_error(b.p, 113, "the archive ends inside an entry name");
	expect_error(b.p, 112, "the archive ends inside an entry name");
	free(b.p);
}

static void test_bad_file_sizes(void **state)
{
	static const char msg[] = "the archive ends inside an entry's data";
	struct buf b = { 0 };

	(void)state;
	add(&b, "abcd", CPIO_S_IFREG | 0644, "data", 4);
	add_trailer(&b);
	set_field(b.p, F_FILESIZE, 0xffffffff);
	expect_error(b.p, b.len, msg);
	set_field(b.p, F_FILESIZE, (uint32_t)(b.len - 116 + 1));
	expect_error(b.p, b.len, msg);
	/* Exactly the rest of the buffer: an entry, then the end. */
	set_field(b.p, F_FILESIZE, (uint32_t)(b.len - 116));
	{
		uint8_t *p = copy_exact(b.p, b.len);
		struct cpio_reader r;
		struct cpio_entry e;
		const char *why = NULL;

		cpio_reader_init(&r, p, b.len);
		assert_int_equal(cpio_next(&r, &e, &why), 1);
		assert_int_equal(e.size, b.len - 116);
		assert_int_equal(cpio_next(&r, &e, &why), -ENOEXEC);
		free(p);
	}
	free(b.p);
}

/* Random corruption of header bytes: no crash, no read outside. */
static void test_random_corruption(void **state)
{
	struct buf b = sample_archive();
	uint64_t seed = 0x63706930;
	int n;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		uint8_t *p = copy_exact(b.p, b.len);
		size_t len = b.len;
		static const char pick[] = "0123456789abcdef0f\0 x";

		for (int i = 0, k = 1 + (int)(unit_rand(&seed) % 4); i < k;
		     i++) {
			uint64_t r = unit_rand(&seed);

			p[r % b.len] = (uint8_t)pick[(r >> 32) % sizeof(pick)];
		}
		if (unit_rand(&seed) % 4 == 0)
			len = unit_rand(&seed) % b.len;
		(void)read_all(p, len, &n, NULL);
		free(p);
	}
	free(b.p);
}

/* ------------------------------------------------------------ GNU cpio --- */

static bool have_gnu_cpio(void)
{
	return system("cpio --version >/dev/null 2>&1") == 0;
}

static void test_gnu_cpio_reads_ours(void **state)
{
	char dir[] = "/tmp/keel-cpio-XXXXXX", cmd[512], path[256], line[256];
	struct buf b = sample_archive();
	size_t i = 0;
	FILE *f;

	(void)state;
	if (!have_gnu_cpio())
		fail_msg("GNU cpio is missing (make deps installs it)");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.cpio", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b.p, 1, b.len, f), b.len);
	fclose(f);

	/* The listing names every entry, in order. */
	snprintf(cmd, sizeof(cmd), "cpio -it --quiet < %s", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		assert_true(i < ARRAY_SIZE(sample));
		assert_string_equal(line, sample[i].name);
		i++;
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(i, ARRAY_SIZE(sample));

	/* Unpacked, the files, modes and links are what we wrote. */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir x && cd x && cpio -idm --quiet < ../a.cpio",
		 dir);
	assert_int_equal(system(cmd), 0);
	for (i = 0; i < ARRAY_SIZE(sample); i++) {
		struct stat st;
		char got[64] = "";
		ssize_t n;

		snprintf(path, sizeof(path), "%s/x/%s", dir, sample[i].name);
		assert_int_equal(lstat(path, &st), 0);
		assert_int_equal(st.st_mode & CPIO_S_IFMT,
				 sample[i].mode & CPIO_S_IFMT);
		if (S_ISLNK(st.st_mode)) {
			n = readlink(path, got, sizeof(got) - 1);
			assert_true(n >= 0);
			got[n] = '\0';
			assert_string_equal(got, sample[i].data);
		} else if (S_ISREG(st.st_mode)) {
			assert_int_equal(st.st_mode & 07777,
					 sample[i].mode & 07777);
			assert_int_equal(st.st_mtime, 1700000000);
			f = fopen(path, "rb");
			assert_non_null(f);
			n = (ssize_t)fread(got, 1, sizeof(got) - 1, f);
			fclose(f);
			got[n] = '\0';
			assert_string_equal(got, sample[i].data);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(b.p);
}

static void test_we_read_gnu_cpio(void **state)
{
	char dir[] = "/tmp/keel-cpio-XXXXXX", cmd[512];
	struct buf b = { 0 };
	struct cpio_reader r;
	struct cpio_entry e;
	const char *why = NULL;
	uint8_t chunk[4096], *p;
	unsigned seen = 0;
	size_t n;
	FILE *f;
	int rc;

	(void)state;
	if (!have_gnu_cpio())
		fail_msg("GNU cpio is missing (make deps installs it)");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p d/sub && printf 'hello' > d/f && "
		 ": > empty && printf 'abc' > abc && ln -s d/f link && "
		 "find . -mindepth 1 | LC_ALL=C sort | "
		 "cpio -o -H newc --quiet",
		 dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		put(&b, chunk, n);
	assert_int_equal(pclose(f), 0);
	assert_int_equal(b.len % 512, 0); /* GNU pads to 512-byte blocks */

	p = copy_exact(b.p, b.len);
	cpio_reader_init(&r, p, b.len);
	/* GNU cpio drops the leading "./" of the names find prints. */
	while ((rc = cpio_next(&r, &e, &why)) == 1) {
		if (!strcmp(e.name, "d/f")) {
			assert_int_equal(e.mode & CPIO_S_IFMT, CPIO_S_IFREG);
			assert_int_equal(e.size, 5);
			assert_memory_equal(e.data, "hello", 5);
			seen |= 1;
		} else if (!strcmp(e.name, "empty")) {
			assert_int_equal(e.size, 0);
			seen |= 2;
		} else if (!strcmp(e.name, "abc")) {
			assert_memory_equal(e.data, "abc", 3);
			seen |= 4;
		} else if (!strcmp(e.name, "link")) {
			assert_int_equal(e.mode & CPIO_S_IFMT, CPIO_S_IFLNK);
			assert_int_equal(e.size, 3);
			assert_memory_equal(e.data, "d/f", 3);
			seen |= 8;
		} else if (!strcmp(e.name, "d/sub")) {
			assert_int_equal(e.mode & CPIO_S_IFMT, CPIO_S_IFDIR);
			seen |= 16;
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(seen, 31);
	free(p);
	free(b.p);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_sizes_and_padding),
		cmocka_unit_test(test_header_text),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_missing_trailer),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_non_hex_fields),
		cmocka_unit_test(test_bad_name_sizes),
		cmocka_unit_test(test_bad_file_sizes),
		cmocka_unit_test(test_random_corruption),
		cmocka_unit_test(test_gnu_cpio_reads_ours),
		cmocka_unit_test(test_we_read_gnu_cpio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * vfs_fixture.c - the fs/ unit tests' process, signals, archive and
 * helpers (vfs_fixture.h): the process is kernel/process.c's, root with
 * every capability (kernel/cred.c); /proc/self/maps shows one line of its
 * own (vm_stubs.h stands in for the rest of the address space).
 */
#include "vfs_fixture.h"

/*
 * Signals are kernel/signal.c's: the tests block them all (nothing here
 * returns to user mode to take them), then look at what is pending. Was
 * sig sent since the last look? Taking it answers once.
 */
bool sent(int sig)
{
	struct ksiginfo info;

	return signal_dequeue(SIGBIT(sig), &info) == sig;
}

void block_signals(void)
{
	uint64_t all = ~0ULL;
	struct ksiginfo info;

	signal_procmask(SIG_SETMASK, &all);
	while (signal_dequeue(all, &info))
		;
}

#define VM_STUBS_OWN_MAPS
#include "vm_stubs.h"

size_t vm_format_maps(char *buf, size_t len)
{
	static const char line[] =
	    "00400000-00401000 r-xp 00000000 00:01 2 /bin/prog\n";

	if (len < sizeof(line))
		return 0;
	memcpy(buf, line, sizeof(line) - 1);
	return sizeof(line) - 1;
}

/* ---------------------------------------------------- the archive --- */

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void add(struct buf *b, const char *name, uint32_t mode,
		const char *data)
{
	static const uint8_t zeros[4];
	size_t size = data ? strlen(data) : 0;
	struct cpio_entry e = { .name = name,
				.size = size,
				.mode = mode,
				.nlink = 1,
				.mtime = 1700000000 };
	char *hdr = malloc(cpio_header_size(name));

	assert_non_null(hdr);
	put(b, hdr, cpio_write_header(hdr, &e));
	put(b, data, size);
	put(b, zeros, cpio_pad(size));
	free(hdr);
}

struct buf archive;
char big[3 * 4096 + 100]; /* spans pages: copy-on-write tests */

const uint8_t *find_in_archive(const void *what, size_t n)
{
	for (size_t i = 0; i + n <= archive.len; i++)
		if (!memcmp(archive.p + i, what, n))
			return archive.p + i;
	fail();
	return NULL;
}

static void make_archive(void)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof(big) - 1] = '\0';
	add(&b, ".", CPIO_S_IFDIR | 0755, NULL);
	add(&b, "bin", CPIO_S_IFDIR | 0755, NULL);
	add(&b, "./bin/prog", CPIO_S_IFREG | 0755, "\177ELF...");
	add(&b, "/etc/hostname", CPIO_S_IFREG | 0644, "keel\n");
	add(&b, "etc/big", CPIO_S_IFREG | 0644, big);
	add(&b, "lib", CPIO_S_IFLNK | 0777, "usr/lib");
	add(&b, "usr/lib/libc.so.6", CPIO_S_IFREG | 0755, "libc");
	add(&b, "usr/lib/rel", CPIO_S_IFLNK | 0777, "../../etc/hostname");
	add(&b, "loop1", CPIO_S_IFLNK | 0777, "loop2");
	add(&b, "loop2", CPIO_S_IFLNK | 0777, "loop1");
	add(&b, "dangling", CPIO_S_IFLNK | 0777, "/tmp/created");
	add(&b, "tmp", CPIO_S_IFDIR | 01777, NULL);
	add(&b, "../evil", CPIO_S_IFREG | 0644, "no");
	add(&b, "a/../evil2", CPIO_S_IFREG | 0644, "no");
	add(&b, CPIO_TRAILER, 0, NULL);
	archive = b;
}

/* A fresh tree and process for every test. */
int setup(void **state)
{
	(void)state;
	assert_int_equal(vfs_init(archive.p, archive.len), 0);
	block_signals();
	fixture_process_start();
	return 0;
}

int teardown(void **state)
{
	(void)state;
	fixture_process_end();
	return 0;
}

int group_setup(void **state)
{
	(void)state;
	make_archive();
	if (hosted_mem_init(MiB(64)))
		return -1;
	sched_init(); /* a current thread, for its signal state */
	return 0;
}

long xopen(const char *path, long flags, long mode)
{
	return SC(openat, AT_FDCWD, P(path), flags, mode);
}

void read_all(const char *path, char *out, size_t cap)
{
	long fd = xopen(path, O_RDONLY, 0), n;

	if (fd < 0)
		print_message("open %s: %ld\n", path, fd);
	assert_true(fd >= 0);
	n = SC(read, fd, P(out), (long)cap - 1);
	assert_true(n >= 0);
	out[n] = '\0';
	assert_int_equal(SC(close, fd), 0);
}

void write_file(const char *path, const char *text)
{
	long fd = xopen(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(SC(write, fd, P(text), (long)strlen(text)),
			 (long)strlen(text));
	assert_int_equal(SC(close, fd), 0);
}

struct linux_stat xstat(const char *path, long flags)
{
	struct linux_stat st;

	assert_int_equal(SC(newfstatat, AT_FDCWD, P(path), P(&st), flags), 0);
	return st;
}

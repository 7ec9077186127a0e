/*
 * test_ext2.c - the ext2 file system (fs/ext2/) through the syscall
 * handlers on plat/hosted, over a RAM disk registered as "vda" that holds
 * an image Debian's mke2fs made at test time (-d: from a tree this test
 * writes with python3). Read: every file, directory, symlink and hard
 * link against the tree (a manifest python3 writes: types, modes,
 * owners, sizes, link counts, times), at 1 and 4 KiB blocks, 128- and
 * 256-byte inodes, and an ext4 image (extents, read-only; a writable
 * mount refused with EROFS, the image untouched). Write: create, write
 * at offsets, holes, truncate, rename (over a file, directories moved),
 * link, symlink, chmod/chown/utimes, 10,000 entries, a file past 4 GiB;
 * each image saved after unmount must pass Debian's e2fsck -fn. statfs
 * against dumpe2fs; fsync reaches the disk; corrupt superblock, inode
 * and directory give errors, not crashes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/blkdev_driver.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/mount.h>
#include <keel/printk.h>
#include <keel/process.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include "unit.h"

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "../../linux/syscalls.h"
#undef SYSCALL
#include "fs_fixture.h"

void *memmem(const void *h, size_t hl, const void *n, size_t nl); /* GNU */

#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

#include "vm_stubs.h"

struct lstatfs {
	int64_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	int64_t namelen, frsize, flags, spare[4];
};

/* ---------------------------------------------------------- the disk --- */

static char work[256]; /* a temporary directory: tree/, img */

struct ramdisk {
	struct blkdev dev;
	uint8_t *data;
	size_t size;
	unsigned flushes;
	unsigned requests[2]; /* reads and writes (a run counts once) */
	uint8_t *readmap; /* when set: the 4 KiB blocks read, one a byte */
};
static struct ramdisk disk;

static int ram_submit(struct blkdev *dev, struct blk_request *rq)
{
	struct ramdisk *r = dev->priv;

	assert_int_equal(blk_request_check(dev, rq), 0);
	if (rq->op == BLK_FLUSH)
		r->flushes++;
	else
		r->requests[rq->op]++;
	while (rq) { /* each part of a run */
		struct blk_request *next = rq->next;
		size_t off = rq->sector * 512, len = (size_t)rq->count * 512;

		assert_true(off + len <= r->size);
		if (rq->op == BLK_READ)
			memcpy(rq->buf, r->data + off, len);
		else if (rq->op == BLK_WRITE)
			memcpy(r->data + off, rq->buf, len);
		if (rq->op == BLK_READ && r->readmap)
			memset(r->readmap + off / 4096, 1, (len + 4095) / 4096);
		rq->done(rq, 0);
		rq = next;
	}
	return 0;
}

static const struct blkdev_ops ram_ops = { .submit = ram_submit };

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 ? -1 : (rc >> 8) & 0xff;
}

/* The image file into the RAM disk, registered as vda. */
static void load(void)
{
	char path[300];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/img", work);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	disk.data = malloc((size_t)n);
	disk.size = (size_t)n;
	assert_int_equal(fread(disk.data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	memset(&disk.dev, 0, sizeof(disk.dev));
	strcpy(disk.dev.name, "vda");
	disk.dev.sector_size = 512;
	disk.dev.sectors = (uint64_t)n / 512;
	disk.dev.ops = &ram_ops;
	disk.dev.priv = &disk;
	assert_int_equal(blkdev_register(&disk.dev), 0);
}

/* The RAM disk as it is into the image file. */
static void write_image(void)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/img", work);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(disk.data, 1, disk.size, f), disk.size);
	fclose(f);
}

/* The RAM disk back into the image file, unregistered. */
static void save(void)
{
	blkdev_unregister(&disk.dev);
	write_image();
	free(disk.data);
	disk.data = NULL;
}

static void fsck_clean(void)
{
	int rc = sh("e2fsck -fn %s/img > %s/fsck.log 2>&1", work, work);

	if (rc)
		sh("cat %s/fsck.log", work);
	assert_int_equal(rc, 0);
}

/* --------------------------------------------------------- the tree --- */

/* tree/: files, a sparse one, 10 MiB, symlinks fast and slow, hard
 * links, owners and times; manifest: one line per name. */
static const char *tree_py =
    "import os, sys, random\n"
    "d = sys.argv[1] + '/tree'\n"
    "os.makedirs(d + '/sub/deep'); os.makedirs(d + '/empty')\n"
    "open(d + '/hello.txt', 'w').write('hello, ext2\\n')\n"
    "open(d + '/empty.txt', 'w').close()\n"
    "r = random.Random(7)\n"
    "open(d + '/big', 'wb').write(r.randbytes(10 << 20))\n"
    "with open(d + '/holes', 'wb') as f:\n"
    "    f.seek(1 << 20); f.write(b'A' * 5000); f.seek(3000000); f.write(b'B')\n"
    "with open(d + '/manyholes', 'wb') as f:\n"
    "    for i in range(24): f.seek(i << 20); f.write(bytes([65 + i]) * 6000)\n"
    "os.symlink('hello.txt', d + '/fast')\n"
    "os.symlink('x' * 100 + '/target', d + '/slow')\n"
    "os.link(d + '/hello.txt', d + '/sub/hardlink')\n"
    "for i in range(50): open(d + '/sub/deep/f%02d' % i, 'w').write(str(i) * i)\n"
    "p = d + '/sub/owned'; open(p, 'w').write('x')\n"
    "os.chown(p, 1234, 70000); os.chmod(p, 0o4751)\n"
    "os.utime(p, ns=(981173106123456789, 981173106987654321))\n"
    "with open(sys.argv[1] + '/manifest', 'w') as m:\n"
    "    for root, dirs, files in os.walk(d):\n"
    "        for n in sorted(dirs + files) + ['.']:\n"
    "            p = os.path.join(root, n); s = os.lstat(p)\n"
    "            t = os.readlink(p) if os.path.islink(p) else '-'\n"
    "            k = len(os.listdir(p)) if os.path.isdir(p) and not os.path.islink(p) else 0\n"
    "            m.write('%s %o %d %d %d %d %d %d %s\\n' % (os.path.relpath(p, d), s.st_mode, s.st_uid, s.st_gid, s.st_size, s.st_nlink, s.st_mtime_ns, k, t))\n";

static void make_tree(void)
{
	FILE *f;
	char path[300];

	snprintf(path, sizeof(path), "%s/tree.py", work);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(tree_py, f);
	fclose(f);
	assert_int_equal(sh("python3 %s %s", path, work), 0);
}

static void mkfs(const char *opts, const char *size, bool tree)
{
	assert_int_equal(sh("mke2fs -q -F %s %s %s/img %s >/dev/null", opts,
			    tree ? "-d" : "", work, size),
			 0);
}

static void mkfs_tree(const char *opts, const char *size)
{
	char o[512];

	snprintf(o, sizeof(o), "%s -d %s/tree", opts, work);
	assert_int_equal(
	    sh("mke2fs -q -F %s %s/img %s >/dev/null", o, work, size), 0);
}

static long mnt(unsigned long flags, const char *type)
{
	return SC(mount, P("/dev/vda"), P("/mnt"), P(type), (long)flags, 0);
}

static void umnt(void)
{
	assert_int_equal(SC(umount2, P("/mnt"), 0), 0);
}

static int setup(void **state)
{
	(void)state;
	cred_current()->cap_eff |= 1ULL << CAP_SYS_ADMIN;
	assert_int_equal(vfs_init(NULL, 0), 0);
	fixture_process_start();
	assert_int_equal(SC(mkdir, P("/mnt"), 0755), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	SC(umount2, P("/mnt"), MNT_DETACH); /* after a failure */
	fixture_process_end();
	if (disk.data) {
		blkdev_unregister(&disk.dev);
		free(disk.data);
		disk.data = NULL;
	}
	return 0;
}

/* ---------------------------------------------------------- helpers --- */

static long open_at(const char *path, long flags)
{
	return SC(openat, AT_FDCWD, P(path), flags, 0644);
}

/* The whole file at path (in keel) into a new buffer: its length. */
static long slurp(const char *path, char **out)
{
	long fd = open_at(path, O_RDONLY), n, got = 0;
	size_t cap = 1 << 16;
	char *buf = malloc(cap);

	if (fd < 0) {
		free(buf);
		return fd;
	}
	for (;;) {
		if (cap - (size_t)got < 65536)
			buf = realloc(buf, cap *= 2);
		n = SC(read, fd, P(buf + got), 65536);
		if (n <= 0)
			break;
		got += n;
	}
	SC(close, fd);
	if (n < 0) {
		free(buf);
		return n;
	}
	*out = buf;
	return got;
}

static long host_slurp(const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*out = malloc((size_t)n + 1);
	assert_int_equal(fread(*out, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return n;
}

/* Names in a directory (getdents64, without . and ..). */
static long count_entries(const char *path)
{
	char buf[8192];
	long fd = open_at(path, O_RDONLY | O_DIRECTORY), n, count = 0;

	if (fd < 0)
		return fd;
	while ((n = SC(getdents64, fd, P(buf), sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			const char *name = buf + off + 19;
			uint16_t reclen;

			memcpy(&reclen, buf + off + 16, 2);
			if (strcmp(name, ".") && strcmp(name, ".."))
				count++;
			off += reclen;
		}
	SC(close, fd);
	return n < 0 ? n : count;
}

/* Every line of the manifest against the mounted image at /mnt. */
static void compare_tree(void)
{
	char path[300], line[1024], kpath[600];
	FILE *m;
	int lines = 0;

	snprintf(path, sizeof(path), "%s/manifest", work);
	m = fopen(path, "r");
	assert_non_null(m);
	while (fgets(line, sizeof(line), m)) {
		char name[300], target[300];
		unsigned mode, uid, gid, nlink, entries;
		unsigned long long size;
		long long mtime;
		struct kstat st;

		assert_int_equal(sscanf(line,
					"%299s %o %u %u %llu %u %lld %u %299s",
					name, &mode, &uid, &gid, &size, &nlink,
					&mtime, &entries, target),
				 9);
		snprintf(kpath, sizeof(kpath), "/mnt/%s", name);
		if (!strcmp(name, ".")) { /* mke2fs adds lost+found */
			nlink++;
			entries++;
		}
		assert_int_equal(
		    vfs_statat(AT_FDCWD, kpath, AT_SYMLINK_NOFOLLOW, &st), 0);
		assert_int_equal(st.mode, mode);
		assert_int_equal(st.uid, uid);
		assert_int_equal(st.gid, gid);
		assert_int_equal(st.nlink, nlink);
		if (!S_ISDIR(mode))
			assert_int_equal(st.size, size);
		/* mke2fs -d keeps seconds only (test_write: nanoseconds),
		 * and gives the root its own time */
		if (strcmp(name, "."))
			assert_int_equal(st.mtime_ns / 1000000000,
					 mtime / 1000000000);
		if (S_ISDIR(mode)) {
			assert_int_equal(count_entries(kpath), entries);
		} else if (S_ISLNK(mode)) {
			char buf[400];
			long n = SC(readlinkat, AT_FDCWD, P(kpath), P(buf),
				    sizeof(buf));

			assert_int_equal(n, strlen(target));
			assert_memory_equal(buf, target, (size_t)n);
		} else {
			char *a, *b, hpath[600];
			long na = slurp(kpath, &a), nb;

			snprintf(hpath, sizeof(hpath), "%s/tree/%s", work,
				 name);
			nb = host_slurp(hpath, &b);
			assert_int_equal(na, nb);
			assert_memory_equal(a, b, (size_t)na);
			free(a);
			free(b);
		}
		lines++;
	}
	fclose(m);
	assert_true(lines > 60);
}

static void write_file(const char *path, const void *data, size_t len, long off)
{
	long fd = open_at(path, O_WRONLY | O_CREAT);

	assert_true(fd >= 0);
	assert_int_equal(SC(pwrite64, fd, P(data), (long)len, off), (long)len);
	assert_int_equal(SC(close, fd), 0);
}

static void assert_content(const char *path, const void *data, long len)
{
	char *buf;

	assert_int_equal(slurp(path, &buf), len);
	assert_memory_equal(buf, data, (size_t)len);
	free(buf);
}

/* ------------------------------------------------------------ tests --- */

/* 1 KiB blocks, 128-byte inodes: the 10 MiB file needs the double
 * indirect map; mounted read-write and unmounted, still clean. */
static void test_read_1k(void **state)
{
	uint8_t *before;

	(void)state;
	mkfs_tree("-t ext2 -b 1024 -I 128", "32M");
	load();
	before = malloc(disk.size);
	memcpy(before, disk.data, disk.size);
	assert_int_equal(mnt(0, "ext2"), 0);
	compare_tree();
	umnt();
	/* Reading changed nothing but the superblock (mount count, times) */
	assert_memory_equal(before, disk.data, 1024);
	assert_memory_equal(before + 2048, disk.data + 2048, disk.size - 2048);
	assert_memory_not_equal(before + 1024, disk.data + 1024, 1024);
	free(before);
	save();
	fsck_clean();
}

/* A directory e2fsck -D indexed (htree): read by a linear scan, then
 * written (its index flag cleared), still clean. */
static void test_hashed_dir(void **state)
{
	char name[64];
	struct kstat st;

	(void)state;
	assert_int_equal(sh("mkdir -p %s/h/many && cd %s/h/many && "
			    "for i in $(seq 2000); do : > entry-$i; done",
			    work, work),
			 0);
	assert_int_equal(sh("mke2fs -q -F -t ext2 -b 1024 -d %s/h %s/img 16M "
			    ">/dev/null && e2fsck -fyD %s/img >/dev/null 2>&1; "
			    "debugfs -R 'htree /many' %s/img 2>/dev/null | "
			    "grep -q 'Number of entries'",
			    work, work, work, work),
			 0);
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	assert_int_equal(count_entries("/mnt/many"), 2000);
	for (int i = 1; i <= 2000; i += 97) {
		snprintf(name, sizeof(name), "/mnt/many/entry-%d", i);
		assert_int_equal(vfs_statat(AT_FDCWD, name, 0, &st), 0);
	}
	for (int i = 1; i <= 2000; i += 3) {
		snprintf(name, sizeof(name), "/mnt/many/entry-%d", i);
		assert_int_equal(SC(unlink, P(name)), 0);
	}
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/mnt/many/new-%d", i);
		write_file(name, "n", 1, 0);
	}
	assert_int_equal(count_entries("/mnt/many"), 2000 - 667 + 300);
	umnt();
	save();
	fsck_clean();
}

/* A read-only mount writes nothing; remounted read-write, it does. */
static void test_remount(void **state)
{
	uint8_t *before;
	struct kstat st;

	(void)state;
	mkfs_tree("-t ext2 -b 4096", "32M");
	load();
	before = malloc(disk.size);
	memcpy(before, disk.data, disk.size);
	assert_int_equal(mnt(MS_RDONLY, "ext2"), 0);
	compare_tree();
	assert_int_equal(SC(sync), 0);
	assert_memory_equal(before, disk.data, disk.size);
	assert_int_equal(SC(mount, 0, P("/mnt"), 0, MS_REMOUNT, 0), 0);
	write_file("/mnt/after", "rw", 2, 0);
	assert_int_equal(
	    SC(mknodat, AT_FDCWD, P("/mnt/null"), S_IFCHR | 0666, (1 << 8) | 3),
	    0);
	assert_int_equal(SC(mknodat, AT_FDCWD, P("/mnt/wide"), S_IFBLK | 0600,
			    (259 << 8) | (300 & 0xff) | (300 >> 8) << 20),
			 0);
	umnt();
	free(before);
	save();
	fsck_clean();
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	assert_content("/mnt/after", "rw", 2);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/null", 0, &st), 0);
	assert_int_equal(st.mode, S_IFCHR | 0644); /* umask 022 */
	assert_int_equal(st.rdev, (1 << 8) | 3);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/wide", 0, &st), 0);
	assert_int_equal(st.rdev, (259 << 8) | (300 & 0xff) | (300 >> 8) << 20);
	umnt();
	save();
	assert_int_equal(sh("debugfs -R 'stat /wide' %s/img 2>/dev/null | "
			    "grep -q 'Device major/minor number: 259:300'",
			    work),
			 0);
}

/* Random names for test_random: 4 directories x 6 names. */
static const char *const rdirs[] = { "/mnt", "/mnt/d0", "/mnt/d1",
				     "/mnt/d0/d2" };

static void rpath(uint64_t *seed, char *buf, size_t len)
{
	snprintf(buf, len, "%s/f%d", rdirs[unit_rand(seed) % 4],
		 (int)(unit_rand(seed) % 6));
}

/* 3,000 random operations of every kind (errors allowed), then e2fsck
 * -fn, and every name as keel reads it against what debugfs rdump
 * extracts from the image. */
static void test_random(void **state)
{
	static char data[65536], got[400];
	uint64_t seed = 0x5eed;
	char a[64], b[64];
	int files, links;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 31 + i / 251);
	mkfs("-t ext2 -b 1024 -N 256", "16M", false);
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	SC(mkdir, P("/mnt/d0"), 0755);
	SC(mkdir, P("/mnt/d1"), 0755);
	SC(mkdir, P("/mnt/d0/d2"), 0755);
	for (int i = 0; i < 3000; i++) {
		unsigned op;
		long fd, off, len;

		if (i && i % 500 == 0) { /* judged by e2fsck every 500 */
			umnt();
			save();
			fsck_clean();
			load();
			assert_int_equal(mnt(0, "ext2"), 0);
		}
		op = (unsigned)(unit_rand(&seed) % 10);
		off = (long)(unit_rand(&seed) % 300000);
		len = (long)(unit_rand(&seed) % 20000);

		rpath(&seed, a, sizeof(a));
		rpath(&seed, b, sizeof(b));
		switch (op) {
		case 0:
		case 1:
			fd = open_at(a, O_WRONLY | O_CREAT);
			if (fd >= 0) {
				SC(pwrite64, fd, P(data + off % 40000), len,
				   off);
				SC(close, fd);
			}
			break;
		case 2:
			SC(truncate, P(a), off);
			break;
		case 3:
			SC(unlink, P(a));
			break;
		case 4:
			SC(rename, P(a), P(b));
			break;
		case 5:
			SC(link, P(a), P(b));
			break;
		case 6:
			memset(got, 'a' + (int)(len % 26), sizeof(got));
			got[len % 200 + 1] = '\0';
			SC(symlink, P(got), P(a));
			break;
		case 7:
			SC(mkdir, P(a), 0755);
			break;
		case 8:
			SC(rmdir, P(a));
			break;
		default: /* directories of f names move (op 7 makes them) */
			SC(rename, P(a), P(b));
			break;
		}
	}
	umnt();
	save();
	fsck_clean();
	assert_int_equal(sh("rm -rf %s/dump && mkdir %s/dump && debugfs -R "
			    "'rdump / %s/dump' %s/img >/dev/null 2>&1",
			    work, work, work, work),
			 0);
	load();
	assert_int_equal(mnt(MS_RDONLY, "ext2"), 0);
	files = links = 0;
	for (int d = 0; d < 4; d++)
		for (int n = 0; n < 6; n++) {
			char kpath[64], hpath[400], *x, *y;
			struct kstat st;
			long nx, ny;

			snprintf(kpath, sizeof(kpath), "%s/f%d", rdirs[d], n);
			snprintf(hpath, sizeof(hpath), "%s/dump/%s", work,
				 kpath + 5);
			if (vfs_statat(AT_FDCWD, kpath, AT_SYMLINK_NOFOLLOW,
				       &st))
				continue;
			if (S_ISREG(st.mode)) {
				nx = slurp(kpath, &x);
				ny = host_slurp(hpath, &y);
				assert_int_equal(nx, ny);
				assert_memory_equal(x, y, (size_t)nx);
				free(x);
				free(y);
				files++;
			} else if (S_ISLNK(st.mode)) {
				links++;
				nx = SC(readlinkat, AT_FDCWD, P(kpath), P(got),
					sizeof(got));
				assert_int_equal(sh("test \"$(readlink %s)\" = "
						    "\"%.*s\"",
						    hpath, (int)nx, got),
						 0);
			}
		}
	print_message("test_random: %d files, %d symlinks compared\n", files,
		      links);
	assert_true(files >= 4 && links >= 1);
	umnt();
	save();
}

/* The kernel's shutdown (last: its hooks run once) leaves the image
 * clean while still mounted, a file unlinked but open freed too. */
static void test_shutdown(void **state)
{
	long fd;

	(void)state;
	mkfs("-t ext2 -b 1024", "8M", false);
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	write_file("/mnt/kept", "data", 4, 0);
	fd = open_at("/mnt/gone", O_RDWR | O_CREAT);
	assert_int_equal(SC(write, fd, P("x"), 1), 1);
	assert_int_equal(SC(unlink, P("/mnt/gone")), 0);
	kernel_run_shutdown_hooks(0);
	write_image();
	fsck_clean();
	assert_int_equal(sh("dumpe2fs -h %s/img 2>/dev/null | grep -q "
			    "'^Filesystem state: *clean$' && debugfs -R "
			    "'cat /kept' %s/img 2>/dev/null | grep -q data",
			    work, work),
			 0);
	SC(close, fd);
}

/* 4 KiB blocks, 256-byte inodes (nanoseconds), mounted read-only. */
static void test_read_4k(void **state)
{
	(void)state;
	mkfs_tree("-t ext2 -b 4096 -I 256", "64M");
	load();
	assert_int_equal(mnt(MS_RDONLY, "ext2"), 0);
	compare_tree();
	assert_int_equal(open_at("/mnt/new", O_CREAT | O_WRONLY), -EROFS);
	umnt();
	save();
	fsck_clean();
}

/* 2 KiB blocks. */
static void test_read_2k(void **state)
{
	(void)state;
	mkfs_tree("-t ext2 -b 2048", "32M");
	load();
	assert_int_equal(mnt(MS_RDONLY, "ext2"), 0);
	compare_tree();
	umnt();
	save();
}

/* Debian's default ext4 (journal, extents, 64bit, metadata_csum ...):
 * read-only only, never written. */
static void test_ext4_readonly(void **state)
{
	uint8_t *before;

	(void)state;
	mkfs_tree("-t ext4", "64M");
	load();
	before = malloc(disk.size);
	memcpy(before, disk.data, disk.size);
	hosted_console_clear();
	/* manyholes has 24 extents: more than the inode holds, so its tree
	 * has an index level */
	assert_int_equal(sh("debugfs -R 'ex /manyholes' %s/img 2>/dev/null | "
			    "grep -q '^ 1/ 1'",
			    work),
			 0);
	assert_int_equal(mnt(0, "ext4"), -EROFS);
	assert_non_null(strstr(hosted_console_text(),
			       "keel: ext2 vda: not writable (feature(s): "
			       "has_journal "));
	assert_int_equal(mnt(MS_RDONLY, "ext4"), 0);
	assert_non_null(strstr(hosted_console_text(),
			       "keel: ext2 vda: read-only: feature(s) "
			       "has_journal "));
	assert_non_null(strstr(hosted_console_text(), " extent 64bit"));
	compare_tree();
	assert_int_equal(SC(mkdir, P("/mnt/x"), 0755), -EROFS);
	/* A remount read-write flips the superblock flag, never writing. */
	SC(mount, 0, P("/mnt"), 0, MS_REMOUNT, 0);
	assert_int_equal(SC(mkdir, P("/mnt/x"), 0755), -EROFS);
	assert_true(open_at("/mnt/hello.txt", O_WRONLY) < 0 ||
		    SC(write, 3, P("x"), 1) < 0);
	SC(close, 3);
	SC(sync);
	umnt();
	assert_memory_equal(before, disk.data, disk.size);
	free(before);
	save();
	fsck_clean();
}

static void test_write(void **state)
{
	static char big[300000];
	char buf[64], target[200];
	struct kstat st;
	int64_t times[2] = { 1000000000123456789LL, 1500000000987654321LL };
	long fd;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 1000);
	mkfs("-t ext2 -b 1024 -I 256", "16M", false);
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	assert_int_equal(SC(mkdir, P("/mnt/a"), 0755), 0);
	assert_int_equal(SC(mkdir, P("/mnt/a/b"), 0700), 0);
	assert_int_equal(SC(mkdir, P("/mnt/c"), 0755), 0);
	write_file("/mnt/a/f", "hello", 5, 0);
	write_file("/mnt/a/f", "world", 5, 10); /* a gap of zeros */
	assert_content("/mnt/a/f", "hello\0\0\0\0\0world", 15);
	write_file("/mnt/big", big, sizeof(big), 0); /* indirect blocks */
	assert_content("/mnt/big", big, sizeof(big));
	write_file("/mnt/sparse", "end", 3, 20 << 20); /* double indirect */
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/sparse", 0, &st), 0);
	assert_int_equal(st.size, (20 << 20) + 3);
	assert_true(st.blocks <= 8 * 2); /* data + 2 map blocks, 1 KiB each */
	/* truncate: shrink frees, grow reads zeros */
	assert_int_equal(SC(truncate, P("/mnt/big"), 1500), 0);
	assert_int_equal(SC(truncate, P("/mnt/big"), 5000), 0);
	memset(big + 1500, 0, 3500);
	assert_content("/mnt/big", big, 5000);
	assert_int_equal(SC(truncate, P("/mnt/sparse"), 0), 0);
	/* links, symlinks */
	assert_int_equal(SC(link, P("/mnt/a/f"), P("/mnt/c/f2")), 0);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/a/f", 0, &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(SC(symlink, P("a/f"), P("/mnt/fast")), 0);
	memset(target, 'y', 150);
	target[150] = '\0';
	assert_int_equal(SC(symlink, P(target), P("/mnt/slow")), 0);
	assert_int_equal(SC(readlinkat, AT_FDCWD, P("/mnt/slow"), P(buf), 64),
			 64);
	assert_content("/mnt/fast", "hello\0\0\0\0\0world", 15);
	/* rename: over a file, a directory moved (its ".." follows) */
	write_file("/mnt/c/victim", "v", 1, 0);
	assert_int_equal(SC(rename, P("/mnt/a/f"), P("/mnt/c/victim")), 0);
	assert_content("/mnt/c/victim", "hello\0\0\0\0\0world", 15);
	assert_int_equal(SC(rename, P("/mnt/a/b"), P("/mnt/c/b")), 0);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/c/b/..", 0, &st), 0);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/a", 0, &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/c", 0, &st), 0);
	assert_int_equal(st.nlink, 3);
	assert_int_equal(SC(mkdir, P("/mnt/a/d"), 0755), 0);
	assert_int_equal(SC(rename, P("/mnt/c/b"), P("/mnt/a/d")), 0);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/c", 0, &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(SC(rmdir, P("/mnt/c")), -ENOTEMPTY);
	assert_int_equal(SC(renameat2, AT_FDCWD, P("/mnt/fast"), AT_FDCWD,
			    P("/mnt/c/f2"), RENAME_EXCHANGE),
			 0);
	/* attributes, written back */
	assert_int_equal(SC(chmod, P("/mnt/a/d"), 0710), 0);
	assert_int_equal(SC(chown, P("/mnt/c/victim"), 100000, 70000), 0);
	assert_int_equal(vfs_utimensat(AT_FDCWD, "/mnt/c/victim", times, 0), 0);
	/* an open unlinked file lives until closed */
	fd = open_at("/mnt/a/d/tmp", O_RDWR | O_CREAT);
	assert_true(fd >= 0);
	assert_int_equal(SC(write, fd, P(big), 4000), 4000);
	assert_int_equal(SC(unlink, P("/mnt/a/d/tmp")), 0);
	assert_int_equal(SC(pread64, fd, P(buf), 10, 0), 10);
	assert_int_equal(SC(close, fd), 0);
	assert_int_equal(SC(unlink, P("/mnt/c/fast")), -ENOENT);
	umnt();
	save();
	fsck_clean();
	/* again: everything is still there */
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	assert_content("/mnt/c/victim", "hello\0\0\0\0\0world", 15);
	assert_content("/mnt/big", big, 5000);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/c/victim", 0, &st), 0);
	assert_int_equal(st.uid, 100000);
	assert_int_equal(st.gid, 70000);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(st.atime_ns, times[0]);
	assert_int_equal(st.mtime_ns, times[1]);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/a/d", 0, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0710);
	{
		struct kstat up;

		assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/a/d/..", 0, &up),
				 0);
		assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/a", 0, &st), 0);
		assert_int_equal(up.ino, st.ino);
		assert_int_equal(st.nlink, 3);
	}
	assert_int_equal(SC(readlinkat, AT_FDCWD, P("/mnt/c/f2"), P(buf), 64),
			 3);
	assert_int_equal(count_entries("/mnt/a/d"), 0);
	assert_int_equal(SC(unlink, P("/mnt/a/d/tmp")), -ENOENT);
	assert_int_equal(SC(rmdir, P("/mnt/a/d")), 0);
	assert_int_equal(SC(unlink, P("/mnt/slow")), 0);
	umnt();
	save();
	fsck_clean();
}

/* 10,000 names in one directory: readdir sees each once. */
static void test_many_entries(void **state)
{
	char name[64];

	(void)state;
	mkfs("-t ext2 -b 4096 -N 12000", "64M", false);
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	assert_int_equal(SC(mkdir, P("/mnt/d"), 0755), 0);
	for (int i = 0; i < 10000; i++) {
		long fd;

		snprintf(name, sizeof(name),
			 "/mnt/d/file-with-a-long-name-%05d", i);
		fd = open_at(name, O_WRONLY | O_CREAT | O_EXCL);
		assert_true(fd >= 0);
		SC(close, fd);
	}
	assert_int_equal(count_entries("/mnt/d"), 10000);
	for (int i = 0; i < 10000; i += 2) {
		snprintf(name, sizeof(name),
			 "/mnt/d/file-with-a-long-name-%05d", i);
		assert_int_equal(SC(unlink, P(name)), 0);
	}
	assert_int_equal(count_entries("/mnt/d"), 5000);
	umnt();
	save();
	fsck_clean();
}

/* A file past 4 GiB on a file system made without large_file. */
static void test_large_file(void **state)
{
	struct kstat st;

	(void)state;
	mkfs("-t ext2 -b 4096 -O ^large_file", "32M", false);
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	write_file("/mnt/huge", "tail", 4, 5LL << 30);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/huge", 0, &st), 0);
	assert_int_equal(st.size, (5LL << 30) + 4);
	umnt();
	save();
	fsck_clean();
	assert_int_equal(sh("dumpe2fs -h %s/img 2>/dev/null | grep -q "
			    "'features:.*large_file'",
			    work),
			 0);
	load();
	assert_int_equal(mnt(MS_RDONLY, "ext2"), 0);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/huge", 0, &st), 0);
	assert_int_equal(st.size, (5LL << 30) + 4);
	umnt();
	save();
}

/* The physical block of the file's logical block lblk, by debugfs. */
static long host_bmap(const char *file, long lblk)
{
	char cmd[400];
	long pblk = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "debugfs -R 'bmap %s %ld' %s/img 2>/dev/null", file, lblk,
		 work);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%ld", &pblk), 1);
	pclose(p);
	return pblk;
}

/* Sequential reads read ahead: a 27-block file read 4 KiB at a time in
 * a few requests, nothing past its end read. Its blocks were allocated
 * in a row, though another file freed blocks before them meanwhile. */
static void test_read_ahead(void **state)
{
	static char data[26 * 4096 + 100], in[4096];
	unsigned reads;
	long fd, last;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 11 + i / 4096);
	mkfs("-t ext2 -b 4096", "16M", false);
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	/* Appending goes on after the file's last block, not into the
	 * blocks another file freed before it. */
	write_file("/mnt/h", data, 3 * 4096, 0);
	write_file("/mnt/f", data, 6 * 4096, 0);
	assert_int_equal(SC(unlink, P("/mnt/h")), 0);
	for (long off = 6 * 4096; off < (long)sizeof(data); off += 1000)
		write_file("/mnt/f", data + off,
			   MIN((size_t)1000, sizeof(data) - (size_t)off), off);
	umnt();
	save();
	last = host_bmap("/f", 26);
	for (long i = 1; i < 12; i++) /* the direct blocks: in a row */
		assert_int_equal(host_bmap("/f", i), host_bmap("/f", 0) + i);
	/* The map block between 11 and 12, then in a row again. */
	for (long i = 12; i <= 26; i++)
		assert_int_equal(host_bmap("/f", i),
				 host_bmap("/f", 0) + i + 1);
	load();
	disk.readmap = calloc(disk.size / 4096, 1);
	assert_int_equal(mnt(MS_RDONLY, "ext2"), 0);
	fd = open_at("/mnt/f", O_RDONLY);
	assert_true(fd >= 0);
	reads = disk.requests[BLK_READ];
	for (size_t off = 0; off < sizeof(data); off += sizeof(in)) {
		long n = MIN((long)sizeof(in), (long)(sizeof(data) - off));

		assert_int_equal(SC(read, fd, P(in), (long)sizeof(in)), n);
		assert_memory_equal(in, data + off, (size_t)n);
	}
	assert_int_equal(SC(read, fd, P(in), (long)sizeof(in)), 0);
	reads = disk.requests[BLK_READ] - reads;
	assert_true(reads >= 2 && reads <= 6); /* 27 blocks, a map block */
	assert_true(disk.readmap[last]);
	assert_false(disk.readmap[last + 1]); /* nothing past the end */
	assert_int_equal(SC(close, fd), 0);
	umnt();
	free(disk.readmap);
	disk.readmap = NULL;
	save();
}

/* A full file system: writes stop with ENOSPC (a short write first),
 * names too once the inodes are gone; still clean, and the space comes
 * back. */
static void test_full(void **state)
{
	static char data[4096];
	struct lstatfs s;
	char name[64];
	long fd, n, total = 0;
	int files = 0;

	(void)state;
	mkfs("-t ext2 -b 1024 -N 64 -m 0", "1M", false);
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	fd = open_at("/mnt/big", O_WRONLY | O_CREAT);
	while ((n = SC(write, fd, P(data), sizeof(data))) > 0)
		total += n;
	assert_int_equal(n, -ENOSPC);
	assert_true(total > 800 * 1024 && total < 1024 * 1024);
	SC(close, fd);
	assert_int_equal(SC(statfs, P("/mnt"), P(&s)), 0);
	assert_true(s.bfree < 4);
	for (;;) {
		snprintf(name, sizeof(name), "/mnt/f%d", files);
		fd = open_at(name, O_WRONLY | O_CREAT);
		if (fd < 0)
			break;
		SC(close, fd);
		files++;
	}
	assert_int_equal(fd, -ENOSPC);
	assert_int_equal(SC(mkdir, P("/mnt/d"), 0755), -ENOSPC);
	umnt();
	save();
	fsck_clean();
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	assert_int_equal(SC(unlink, P("/mnt/big")), 0);
	assert_int_equal(SC(statfs, P("/mnt"), P(&s)), 0);
	assert_true(s.bfree > 800);
	assert_int_equal(SC(mkdir, P("/mnt/f0"), 0755), -EEXIST);
	assert_int_equal(SC(unlink, P("/mnt/f0")), 0);
	assert_int_equal(SC(mkdir, P("/mnt/d"), 0755), 0);
	umnt();
	save();
	fsck_clean();
}

/* A number dumpe2fs -h prints after label. */
static unsigned long dumpe2fs(const char *label)
{
	char cmd[512], line[256];
	unsigned long v = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "dumpe2fs -h %s/img 2>/dev/null", work);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (!strncmp(line, label, strlen(label)))
			v = strtoul(strchr(line, ':') + 1, NULL, 10);
	pclose(p);
	return v;
}

static void test_statfs(void **state)
{
	struct lstatfs s;

	(void)state;
	mkfs_tree("-t ext2 -b 1024", "32M");
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	assert_int_equal(SC(statfs, P("/mnt"), P(&s)), 0);
	assert_int_equal(s.type, 0xef53);
	assert_int_equal(s.bsize, 1024);
	assert_int_equal(s.bfree, dumpe2fs("Free blocks:"));
	assert_int_equal(s.files, dumpe2fs("Inode count:"));
	assert_int_equal(s.ffree, dumpe2fs("Free inodes:"));
	assert_int_equal(s.bavail, dumpe2fs("Free blocks:") -
				       dumpe2fs("Reserved block count:"));
	assert_true(s.blocks < dumpe2fs("Block count:") &&
		    s.blocks > dumpe2fs("Block count:") * 9 / 10);
	assert_int_equal(s.namelen, 255);
	/* a 100 KiB file takes 100 blocks and one indirect */
	{
		static char data[100 * 1024];
		struct lstatfs t;

		write_file("/mnt/new", data, sizeof(data), 0);
		assert_int_equal(SC(statfs, P("/mnt"), P(&t)), 0);
		assert_int_equal(s.bfree - t.bfree, 101);
		assert_int_equal(s.ffree - t.ffree, 1);
	}
	umnt();
	save();
	fsck_clean();
}

/* fsync puts the data on the disk (and flushes it); before, the cache
 * holds it. */
static void test_fsync(void **state)
{
	static const char pat[] = "a pattern no image holds 9f8e7d";
	unsigned flushes;
	long fd;

	(void)state;
	mkfs("-t ext2 -b 1024", "8M", false);
	load();
	assert_int_equal(mnt(0, "ext2"), 0);
	fd = open_at("/mnt/f", O_WRONLY | O_CREAT);
	assert_int_equal(SC(write, fd, P(pat), sizeof(pat)), sizeof(pat));
	assert_null(memmem(disk.data, disk.size, pat, sizeof(pat)));
	flushes = disk.flushes;
	assert_int_equal(SC(fsync, fd), 0);
	assert_non_null(memmem(disk.data, disk.size, pat, sizeof(pat)));
	assert_true(disk.flushes > flushes);
	SC(close, fd);
	/* syncfs and sync write back the inode fields the VFS changed */
	assert_int_equal(SC(chmod, P("/mnt/f"), 0600), 0);
	fd = open_at("/mnt", O_RDONLY | O_DIRECTORY);
	assert_int_equal(SC(syncfs, fd), 0);
	assert_int_equal(SC(fsync, fd), 0);
	SC(close, fd);
	assert_int_equal(SC(sync), 0);
	/* the image as it is now, mounted, is consistent */
	write_image();
	fsck_clean();
	assert_int_equal(sh("debugfs -R 'stat /f' %s/img 2>/dev/null | "
			    "grep -q 'Mode:  0600'",
			    work),
			 0);
	umnt();
	save();
	fsck_clean();
}

/* Where debugfs says something is (a number after word in its output). */
static unsigned long debugfs_num(const char *req, const char *word)
{
	char cmd[512], line[512];
	unsigned long v = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "debugfs -R '%s' %s/img 2>/dev/null", req,
		 work);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char *at = word ? strstr(line, word) : line;

		if (at)
			v = strtoul(at + (word ? strlen(word) : 0), NULL, 0);
	}
	pclose(p);
	return v;
}

static void test_corrupt(void **state)
{
	unsigned long blk, off;
	struct kstat st;
	uint8_t ipg;
	char *buf;

	(void)state;
	/* the superblock: magic, block size */
	mkfs_tree("-t ext2 -b 1024 -I 128", "32M");
	load();
	disk.data[1024 + 0x38] ^= 0xff;
	assert_int_equal(mnt(0, "ext2"), -EINVAL);
	disk.data[1024 + 0x38] ^= 0xff;
	/* incompatible features keel cannot read: refused, named */
	hosted_console_clear();
	disk.data[1024 + 0x61] |= 0x80; /* inline_data (0x8000) */
	disk.data[1024 + 0x63] |= 0x40; /* an unknown bit */
	assert_int_equal(mnt(MS_RDONLY, "ext2"), -EINVAL);
	assert_non_null(strstr(hosted_console_text(),
			       "cannot read feature(s): inline_data "
			       "0x40000000\n"));
	disk.data[1024 + 0x61] &= 0x7f;
	disk.data[1024 + 0x63] &= 0xbf;
	disk.data[1024 + 0x18] = 9;
	assert_int_equal(mnt(0, "ext2"), -EUCLEAN);
	disk.data[1024 + 0x18] = 0;
	ipg = disk.data[1024 + 0x28];
	disk.data[1024 + 0x28] = 0x7; /* inodes per group */
	assert_int_equal(mnt(0, "ext2"), -EUCLEAN);
	disk.data[1024 + 0x28] = ipg;
	save();
	/* an inode: the big file's block map points past the end */
	blk = debugfs_num("imap /big", "located at block ");
	off = debugfs_num("imap /big", "offset ");
	assert_true(blk > 0);
	load();
	memset(disk.data + blk * 1024 + off + 0x28 + 13 * 4, 0xff, 4);
	disk.data[blk * 1024 + off + 0x20 + 2] = 0x08; /* EXTENTS_FL */
	assert_int_equal(mnt(0, "ext2"), 0);
	assert_int_equal(open_at("/mnt/big", O_RDONLY), -EUCLEAN);
	assert_int_equal(SC(unlink, P("/mnt/big")), -EUCLEAN);
	disk.data[blk * 1024 + off + 0x20 + 2] = 0;
	umnt(); /* nothing was cached of it: read again */
	assert_int_equal(mnt(MS_RDONLY, "ext2"), 0);
	assert_int_equal(slurp("/mnt/big", &buf) < 0 ? 0 : -1, 0);
	umnt();
	save();
	/* a directory: a record length of 0, then one past the block */
	blk = debugfs_num("bmap /sub 0", NULL);
	assert_true(blk > 0);
	load();
	disk.data[blk * 1024 + 12 + 4] = 0;
	disk.data[blk * 1024 + 12 + 5] = 0;
	assert_int_equal(mnt(0, "ext2"), 0);
	assert_int_equal(count_entries("/mnt/sub"), -EUCLEAN);
	assert_int_equal(vfs_statat(AT_FDCWD, "/mnt/sub/owned", 0, &st),
			 -EUCLEAN);
	assert_int_equal(open_at("/mnt/sub/new", O_CREAT | O_WRONLY), -EUCLEAN);
	umnt();
	disk.data[blk * 1024 + 12 + 5] = 0x10;
	assert_int_equal(mnt(0, "ext2"), 0);
	assert_int_equal(count_entries("/mnt/sub"), -EUCLEAN);
	assert_int_equal(count_entries("/mnt"), 10);
	umnt();
	save();
	/* no device, not ext2 */
	assert_int_equal(mnt(0, "ext2"), -ENXIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_read_1k),       T(test_read_2k),	   T(test_read_4k),
		T(test_ext4_readonly), T(test_write),	   T(test_many_entries),
		T(test_large_file),    T(test_statfs),	   T(test_fsync),
		T(test_corrupt),       T(test_read_ahead), T(test_hashed_dir),
		T(test_full),	       T(test_random),	   T(test_remount),
		T(test_shutdown), /* last: the hooks run once */
#undef T
	};
	char tmpl[] = "/tmp/keel-ext2-XXXXXX";
	int rc;

	if (sh("command -v mke2fs e2fsck debugfs dumpe2fs >/dev/null") ||
	    sh("PATH=$PATH:/sbin:/usr/sbin command -v mke2fs >/dev/null")) {
		fprintf(stderr, "test_ext2: e2fsprogs (mke2fs) missing: "
				"scripts/deps.sh installs it\n");
		return 1;
	}
	if (hosted_mem_init(MiB(128)))
		return 1;
	assert_non_null(mkdtemp(tmpl));
	snprintf(work, sizeof(work), "%s", tmpl);
	make_tree();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (!rc)
		sh("rm -rf %s", work);
	return rc;
}

/*
 * test_ext2_write.c - writing ext2 images (fs/ext2/) that Debian's mke2fs
 * made (ext2_fixture.c): create, write at offsets, holes, truncate,
 * rename (over a file, directories moved), link, symlink,
 * chmod/chown/utimes, 10,000 entries, a file past 4 GiB, fsync reaching
 * the disk, a full file system, 3,000 random operations, remounts and the
 * kernel's shutdown; each image saved after unmount must pass Debian's
 * e2fsck -fn.
 */
#include "ext2_fixture.h"

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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	/* test_shutdown last: the kernel's hooks run once */
	const struct CMUnitTest tests[] = {
		T(test_write),	 T(test_many_entries), T(test_large_file),
		T(test_fsync),	 T(test_full),	       T(test_random),
		T(test_remount), T(test_shutdown),
	};

	return ext2_run_tests("test_ext2_write", tests, ARRAY_SIZE(tests));
}

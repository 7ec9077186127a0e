/*
 * test_ext2_read.c - reading ext2 images (fs/ext2/) that Debian's mke2fs
 * made (ext2_fixture.c): every file, directory, symlink and hard link
 * against the tree's manifest (types, modes, owners, sizes, link counts,
 * times) at 1, 2 and 4 KiB blocks, 128- and 256-byte inodes; an ext4
 * image (extents, read-only; a writable mount refused with EROFS, the
 * image untouched); statfs against dumpe2fs; read-ahead; an htree
 * directory read by a linear scan.
 */
#include "ext2_fixture.h"

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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_read_1k),       T(test_read_2k), T(test_read_4k),
		T(test_ext4_readonly), T(test_statfs),	T(test_read_ahead),
		T(test_hashed_dir),
	};

	return ext2_run_tests("test_ext2_read", tests, ARRAY_SIZE(tests));
}

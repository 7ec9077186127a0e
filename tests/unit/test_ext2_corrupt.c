/*
 * test_ext2_corrupt.c - corrupt ext2 images (fs/ext2/, over
 * ext2_fixture.c's RAM disk): a damaged superblock, inode and directory,
 * edited in place where debugfs says they are, give errors (EUCLEAN,
 * EINVAL, ENXIO ...), never a crash.
 */
#include "ext2_fixture.h"

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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_corrupt),
	};

	return ext2_run_tests("test_ext2_corrupt", tests, ARRAY_SIZE(tests));
}

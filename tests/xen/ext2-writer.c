/*
 * ext2-writer.c - the program of tests/xen/blk.sh's ext2 case, run by keel
 * on Xen with an ext2 image on blkfront mounted at /data: writes
 * /data/a.txt (one line), makes /data/d with /data/d/nums (the numbers 1
 * to 20000, one a line: 108893 bytes, past ext2's direct blocks) and a
 * symlink /data/d/link, removes /data/lost, syncs, and says so. dom0 then
 * runs e2fsck -fn on the image and reads the files back with debugfs.
 * Exit status 0, or the number of the step that failed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int put(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, s, n) != (ssize_t)n || fsync(fd))
		return -1;
	return close(fd);
}

int main(void)
{
	static char nums[200000];
	const char *a = "hello from keel on xen\n";
	size_t n = 0;

	for (int i = 1; i <= 20000; i++)
		n += (size_t)snprintf(nums + n, sizeof(nums) - n, "%d\n", i);
	if (put("/data/a.txt", a, strlen(a)))
		return perror("/data/a.txt"), 1;
	if (mkdir("/data/d", 0755))
		return perror("mkdir /data/d"), 2;
	if (put("/data/d/nums", nums, n))
		return perror("/data/d/nums"), 3;
	if (symlink("../a.txt", "/data/d/link"))
		return perror("symlink"), 4;
	if (unlink("/data/lost"))
		return perror("unlink /data/lost"), 5;
	sync();
	printf("ext2: files written (%zu bytes of numbers)\n", n);
	return 0;
}

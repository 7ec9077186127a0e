/*
 * t_append.c - records that must survive a power cut (tests/storage):
 * "t_append FILE COUNT" appends COUNT numbered 64-byte records to FILE
 * (made anew), fsyncing after each and then printing "synced N", so every
 * record whose line reached the console was on the disk when fsync
 * returned. "t_append FILE check N" says whether records 1..N are there,
 * intact and in order (what a host that pulled the plug checks; it may
 * also read the file itself: record N is record(N) below).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC 64

/* Record n: "%08d " then letters that depend on n, then a newline. */
static void record(long n, char *r)
{
	snprintf(r, REC, "%08ld ", n);
	for (int i = 9; i < REC - 1; i++)
		r[i] = (char)('a' + (n * 7 + i * 13) % 26);
	r[REC - 1] = '\n';
}

static int append(const char *path, long count)
{
	char r[REC];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);

	if (fd < 0 || fsync(fd)) {
		perror(path);
		return 1;
	}
	for (long n = 1; n <= count; n++) {
		record(n, r);
		if (write(fd, r, REC) != REC || fsync(fd)) {
			perror("append");
			return 1;
		}
		printf("synced %ld\n", n);
	}
	close(fd);
	printf("t_append: done\n");
	return 0;
}

static int check(const char *path, long upto)
{
	char want[REC], got[REC];
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (long n = 1; n <= upto; n++) {
		record(n, want);
		if (pread(fd, got, REC, (n - 1) * REC) != REC ||
		    memcmp(got, want, REC)) {
			printf("t_append: record %ld of %ld is not intact\n", n,
			       upto);
			return 1;
		}
	}
	printf("t_append: records 1..%ld intact\n", upto);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3)
		return append(argv[1], atol(argv[2]));
	if (argc == 4 && !strcmp(argv[2], "check"))
		return check(argv[1], atol(argv[3]));
	fprintf(stderr, "usage: t_append FILE COUNT | FILE check N\n");
	return 2;
}

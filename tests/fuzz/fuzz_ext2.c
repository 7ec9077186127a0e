/*
 * fuzz_ext2.c - libFuzzer target: the input is an ext2/ext4 image (up to
 * 64 KiB, zeros after it) on a RAM disk "vda", mounted by fs/ext2 through
 * mount(2) on plat/hosted (read-write, else read-only), walked (every
 * directory read, every file read, every symlink read, stat of each
 * name, statfs), written a little when writable (create, write at an
 * offset, mkdir, rename, link, symlink, truncate, unlink, rmdir), synced
 * and unmounted. The seeds are small images mke2fs makes (tests/fuzz/
 * run.sh, seed_ext2). Any crash or sanitizer report is a finding; errors
 * are expected and fine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <keel/blkdev_driver.h>
#include <keel/cred.h>
#include <keel/heap.h>
#include <keel/mount.h>
#include <keel/process.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include <hosted.h>

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "../../linux/syscalls.h"
#undef SYSCALL

#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

#define DISK (64 * 1024)
#define MAX_NAMES 256 /* names walked per input */
#define MAX_DEPTH 8

#define FUZZ_OWN_INIT
#include "fuzz_hosted.h"

/* The address-space calls fs/ and kernel/process.c reach, as a
 * process without pages. */
#include "../unit/vm_stubs.h"

static uint8_t image[DISK];
static struct blkdev dev;

static int ram_submit(struct blkdev *d, struct blk_request *rq)
{
	if (blk_request_check(d, rq))
		abort(); /* blkdev and the cache check ranges: never here */
	while (rq) { /* each part of a run */
		struct blk_request *next = rq->next;
		size_t off = rq->sector * 512, len = (size_t)rq->count * 512;

		if (rq->op == BLK_READ)
			memcpy(rq->buf, image + off, len);
		else if (rq->op == BLK_WRITE)
			memcpy(image + off, rq->buf, len);
		rq->done(rq, 0);
		rq = next;
	}
	return 0;
}

static const struct blkdev_ops ram_ops = { .submit = ram_submit };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_no_watchdog();
	if (hosted_mem_init(64UL << 20))
		abort();
	if (vfs_init(NULL, 0))
		abort();
	fuzz_process_start();
	cred_current()->cap_eff |= 1ULL << CAP_SYS_ADMIN;
	SC(mkdir, P("/mnt"), 0755);
	strcpy(dev.name, "vda");
	dev.sector_size = 512;
	dev.sectors = DISK / 512;
	dev.ops = &ram_ops;
	if (blkdev_register(&dev))
		abort();
	return 0;
}

static char buf[65536];

static void visit(const char *path, int depth, int *names);

/* Every name of the directory at path, visited. */
static void walk_dir(const char *path, int depth, int *names)
{
	static char dents[4096];
	long fd = SC(openat, AT_FDCWD, P(path), O_RDONLY | O_DIRECTORY, 0), n;

	if (fd < 0)
		return;
	while (*names < MAX_NAMES &&
	       (n = SC(getdents64, fd, P(dents), sizeof(dents))) > 0) {
		for (long off = 0; off + 19 < n && *names < MAX_NAMES;) {
			uint16_t reclen;
			char child[512];
			const char *name = dents + off + 19;

			memcpy(&reclen, dents + off + 16, 2);
			if (reclen == 0)
				break;
			off += reclen;
			if (!strcmp(name, ".") || !strcmp(name, ".."))
				continue;
			snprintf(child, sizeof(child), "%s/%s", path, name);
			(*names)++;
			visit(child, depth + 1, names);
		}
	}
	SC(close, fd);
}

static void visit(const char *path, int depth, int *names)
{
	struct kstat st;
	long fd;

	if (depth > MAX_DEPTH ||
	    vfs_statat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, &st))
		return;
	if (S_ISDIR(st.mode)) {
		walk_dir(path, depth, names);
	} else if (S_ISLNK(st.mode)) {
		SC(readlinkat, AT_FDCWD, P(path), P(buf), sizeof(buf));
	} else if (S_ISREG(st.mode)) {
		fd = SC(openat, AT_FDCWD, P(path), O_RDONLY, 0);
		if (fd >= 0) {
			SC(read, fd, P(buf), sizeof(buf));
			SC(pread64, fd, P(buf), 4096, (long)(st.size / 2));
			SC(close, fd);
		}
	}
}

/* A few changes of every kind, on what the image holds. */
static void scribble(void)
{
	long fd = SC(openat, AT_FDCWD, P("/mnt/fz"), O_RDWR | O_CREAT, 0644);

	if (fd >= 0) {
		memset(buf, 'z', 5000);
		SC(pwrite64, fd, P(buf), 5000, 3000);
		SC(ftruncate, fd, 1000);
		SC(fsync, fd);
		SC(close, fd);
	}
	SC(mkdir, P("/mnt/fzd"), 0755);
	SC(rename, P("/mnt/fz"), P("/mnt/fzd/moved"));
	SC(link, P("/mnt/fzd/moved"), P("/mnt/fzl"));
	SC(symlink, P("fzd/moved"), P("/mnt/fzs"));
	SC(rename, P("/mnt/fzd"), P("/mnt/lost+found/fzd"));
	SC(unlink, P("/mnt/a"));
	SC(truncate, P("/mnt/sub/b"), 0);
	SC(rename, P("/mnt/sub"), P("/mnt/sub2"));
	SC(unlink, P("/mnt/sub2/b"));
	SC(unlink, P("/mnt/sub2/hard"));
	SC(rmdir, P("/mnt/sub2"));
	SC(chmod, P("/mnt/l"), 0600);
	SC(chown, P("/mnt/fzl"), 1000, 1000);
	SC(sync);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int names = 0;
	long rw;
	struct {
		int64_t a[16];
	} sfs;

	hosted_console_clear(); /* the last input's log lines */
	bcache_set_block_size(&dev, 512); /* the last input's blocks go */
	memset(image, 0, sizeof(image));
	memcpy(image, data, size < DISK ? size : DISK);
	rw = SC(mount, P("/dev/vda"), P("/mnt"), P("ext2"), 0, 0);
	if (rw && SC(mount, P("vda"), P("/mnt"), P("ext4"), MS_RDONLY, 0))
		return 0;
	SC(statfs, P("/mnt"), P(&sfs));
	visit("/mnt", 0, &names);
	if (!rw) {
		scribble();
		names = 0;
		visit("/mnt", 0, &names);
	}
	SC(umount2, P("/mnt"), MNT_DETACH);
	return 0;
}

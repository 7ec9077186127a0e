/*
 * blk.c - self-test of the first block device, vda, through the registry
 * (kernel/selftests): it reads what the host wrote into the image before
 * the boot (a signature in sector 0, a pattern in sectors 1-63), then
 * four threads at once each write their own 64 sectors in requests of 8
 * (from the heap: not page-aligned, a grant-based driver bounces them)
 * while this one writes 512 sectors (256 KiB) in one request (from whole
 * pages: granted as they are, Xen's indirect requests); a flush,
 * and everything is read back and compared. The host checks the image's
 * bytes after the guest exits (tests/boot/blk.sh), so a driver that only
 * pretends cannot pass. On a read-only device the writes must fail with
 * EROFS and nothing else changes. Run by name (keel.test=blk): only the
 * boot tests give the machine a disk. keel.test.blk=NAME tests another
 * disk than vda, waiting up to 10 s for it (Xen's xvda: blkfront
 * registers it once its backend connects; tests/xen/blk.sh).
 */
#include <keel/blkdev.h>
#include <keel/cmdline.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/page.h>
#include <keel/pmm.h>
#include <keel/printk.h>
#include <keel/sched.h>
#include <keel/selftest.h>
#include <keel/string.h>

#define SS 512
#define SIGNATURE "keel blk selftest image v1\n"
#define HOST_SECTORS 64 /* 0: the signature, 1..63: host_byte */
#define THREADS 4
#define T_BASE 2048 /* thread t writes T_BASE + 64 t .. + 63 */
#define T_SECTORS 64
#define T_CHUNK 8
#define BIG_BASE 4096 /* one request of BIG_SECTORS */
#define BIG_SECTORS 512

/* What the host put in sector s (1..63), byte i (tests/boot/blk.sh). */
static uint8_t host_byte(uint64_t s, unsigned i)
{
	return (uint8_t)(s * 31 + i);
}

/* What the guest writes in sector s, byte i (the host checks it). */
static uint8_t guest_byte(uint64_t s, unsigned i)
{
	return (uint8_t)((s * 13 + i * 7 + (i >> 8)) ^ 0xa5);
}

static void fill(uint8_t *buf, uint64_t first, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		for (unsigned i = 0; i < SS; i++)
			buf[k * SS + i] = guest_byte(first + k, i);
}

/* The first sector of n at first that does not hold guest_byte, or -1. */
static int64_t mismatch(const uint8_t *buf, uint64_t first, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		for (unsigned i = 0; i < SS; i++)
			if (buf[k * SS + i] != guest_byte(first + k, i))
				return (int64_t)(first + k);
	return -1;
}

static int check_host_sectors(struct blkdev *dev)
{
	uint8_t *buf = kmalloc(HOST_SECTORS * SS);
	int err, bad = -1;

	ST_CHECK(buf != NULL);
	err = blkdev_read(dev, 0, HOST_SECTORS, buf);
	if (!err && memcmp(buf, SIGNATURE, sizeof(SIGNATURE) - 1))
		bad = 0;
	for (uint64_t s = 1; !err && bad < 0 && s < HOST_SECTORS; s++)
		for (unsigned i = 0; i < SS; i++)
			if (buf[s * SS + i] != host_byte(s, i))
				bad = (int)s;
	kfree(buf);
	if (err || bad >= 0)
		printk("  blk: reading the host's sectors: error %d, sector %d "
		       "differs\n",
		       err, bad);
	ST_CHECK(!err && bad < 0);
	return 0;
}

struct writer {
	struct blkdev *dev;
	uint64_t first;
	int err;
	int64_t bad;
};

/* Write its sectors in chunks, then read them back in one request. */
static void writer_run(void *arg)
{
	struct writer *w = arg;
	uint8_t *buf = kmalloc(T_SECTORS * SS);

	w->bad = -1;
	if (!buf) {
		w->err = -ENOMEM;
		return;
	}
	fill(buf, w->first, T_SECTORS);
	for (uint32_t k = 0; !w->err && k < T_SECTORS; k += T_CHUNK)
		w->err =
		    blkdev_write(w->dev, w->first + k, T_CHUNK, buf + k * SS);
	memset(buf, 0, T_SECTORS * SS);
	if (!w->err)
		w->err = blkdev_read(w->dev, w->first, T_SECTORS, buf);
	if (!w->err)
		w->bad = mismatch(buf, w->first, T_SECTORS);
	kfree(buf);
}

static int write_and_read_back(struct blkdev *dev)
{
	struct writer w[THREADS];
	struct thread *t[THREADS];
	size_t big_pages = BIG_SECTORS * SS / PAGE_SIZE;
	paddr_t big_pa = pmm_alloc(big_pages);
	uint8_t *big = big_pa ? phys_to_virt(big_pa) : NULL;
	int err;
	int64_t bad;

	ST_CHECK(big != NULL);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct writer){ dev, T_BASE + (uint64_t)i * T_SECTORS,
					0, -1 };
		t[i] = thread_create("blk-writer", writer_run, &w[i]);
		ST_CHECK(t[i] != NULL);
	}
	/* Meanwhile, one large request of this thread's own. */
	fill(big, BIG_BASE, BIG_SECTORS);
	err = blkdev_write(dev, BIG_BASE, BIG_SECTORS, big);
	for (int i = 0; i < THREADS; i++)
		thread_join(t[i]);
	for (int i = 0; i < THREADS; i++) {
		if (w[i].err || w[i].bad >= 0)
			printk("  blk: writer %d: error %d, sector %ld "
			       "differs\n",
			       i, w[i].err, (long)w[i].bad);
		ST_CHECK(!w[i].err && w[i].bad < 0);
	}
	ST_CHECK(err == 0);
	ST_CHECK(blkdev_flush(dev) == 0);
	memset(big, 0, BIG_SECTORS * SS);
	err = blkdev_read(dev, BIG_BASE, BIG_SECTORS, big);
	bad = err ? -1 : mismatch(big, BIG_BASE, BIG_SECTORS);
	pmm_free(big_pa, big_pages);
	if (err || bad >= 0)
		printk("  blk: the large request read back: error %d, sector "
		       "%ld differs\n",
		       err, (long)bad);
	ST_CHECK(!err && bad < 0);
	printk("  blk: %s: %u threads wrote %u sectors in requests of %u, "
	       "one wrote %u in one request; flushed; all read back\n",
	       blkdev_name(dev), THREADS, THREADS * T_SECTORS, T_CHUNK,
	       BIG_SECTORS);
	return 0;
}

/* A read-only device refuses every write and keeps what it had. */
static int readonly_refuses(struct blkdev *dev)
{
	uint8_t *buf = kzalloc(SS);
	int err;

	ST_CHECK(buf != NULL);
	err = blkdev_write(dev, T_BASE, 1, buf);
	kfree(buf);
	ST_CHECK(err == -EROFS);
	ST_CHECK(blkdev_flush(dev) == 0);
	printk("  blk: %s: read-only, a write gave EROFS\n", blkdev_name(dev));
	return 0;
}

static int test_blk(void)
{
	const char *name = cmdline_get("keel.test.blk");
	struct blkdev *dev = name && *name ? blkdev_wait(name, 10000000000ull)
					   : blkdev_find("vda");
	uint8_t probe[SS];
	int err;

	if (!dev) {
		printk("  blk: no block device %s\n",
		       name && *name ? name : "vda");
		return SELFTEST_SKIPPED;
	}
	printk("  blk: %s: %lu sectors of %u bytes\n", blkdev_name(dev),
	       (unsigned long)blkdev_sectors(dev), blkdev_sector_size(dev));
	ST_CHECK(blkdev_sector_size(dev) == SS);
	ST_CHECK(blkdev_sectors(dev) >= BIG_BASE + BIG_SECTORS);
	/* Out of range: refused, not sent. */
	ST_CHECK(blkdev_read(dev, blkdev_sectors(dev), 1, probe) == -EINVAL);
	err = check_host_sectors(dev);
	if (err)
		return err;
	printk("  blk: %s: the host's signature and pattern read\n",
	       blkdev_name(dev));
	/* Writable or not: a one-sector write of what is there decides. */
	ST_CHECK(blkdev_read(dev, 1, 1, probe) == 0);
	err = blkdev_write(dev, 1, 1, probe);
	if (err == -EROFS)
		return readonly_refuses(dev);
	ST_CHECK(err == 0);
	return write_and_read_back(dev);
}
SELFTEST_BY_NAME("blk", test_blk);

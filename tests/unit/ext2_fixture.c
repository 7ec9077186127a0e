/*
 * ext2_fixture.c - the ext2 unit tests' RAM disk, images and helpers
 * (ext2_fixture.h says what they share). The tests' main calls
 * ext2_run_tests with its list.
 */
#include "ext2_fixture.h"

#include "vm_stubs.h"

/* ---------------------------------------------------------- the disk --- */

char work[256]; /* a temporary directory: tree/, img */

struct ramdisk disk;

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
int sh(const char *fmt, ...)
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
void load(void)
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
void write_image(void)
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
void save(void)
{
	blkdev_unregister(&disk.dev);
	write_image();
	free(disk.data);
	disk.data = NULL;
}

void fsck_clean(void)
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

void mkfs(const char *opts, const char *size, bool tree)
{
	assert_int_equal(sh("mke2fs -q -F %s %s %s/img %s >/dev/null", opts,
			    tree ? "-d" : "", work, size),
			 0);
}

void mkfs_tree(const char *opts, const char *size)
{
	char o[512];

	snprintf(o, sizeof(o), "%s -d %s/tree", opts, work);
	assert_int_equal(
	    sh("mke2fs -q -F %s %s/img %s >/dev/null", o, work, size), 0);
}

long mnt(unsigned long flags, const char *type)
{
	return SC(mount, P("/dev/vda"), P("/mnt"), P(type), (long)flags, 0);
}

void umnt(void)
{
	assert_int_equal(SC(umount2, P("/mnt"), 0), 0);
}

int setup(void **state)
{
	(void)state;
	cred_current()->cap_eff |= 1ULL << CAP_SYS_ADMIN;
	assert_int_equal(vfs_init(NULL, 0), 0);
	fixture_process_start();
	assert_int_equal(SC(mkdir, P("/mnt"), 0755), 0);
	return 0;
}

int teardown(void **state)
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

long open_at(const char *path, long flags)
{
	return SC(openat, AT_FDCWD, P(path), flags, 0644);
}

/* The whole file at path (in keel) into a new buffer: its length. */
long slurp(const char *path, char **out)
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

long host_slurp(const char *path, char **out)
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
long count_entries(const char *path)
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
void compare_tree(void)
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

void write_file(const char *path, const void *data, size_t len, long off)
{
	long fd = open_at(path, O_WRONLY | O_CREAT);

	assert_true(fd >= 0);
	assert_int_equal(SC(pwrite64, fd, P(data), (long)len, off), (long)len);
	assert_int_equal(SC(close, fd), 0);
}

void assert_content(const char *path, const void *data, long len)
{
	char *buf;

	assert_int_equal(slurp(path, &buf), len);
	assert_memory_equal(buf, data, (size_t)len);
	free(buf);
}

int ext2_run_tests(const char *name, const struct CMUnitTest *tests,
		   size_t count)
{
	char tmpl[] = "/tmp/keel-ext2-XXXXXX";
	int rc;

	if (sh("command -v mke2fs e2fsck debugfs dumpe2fs >/dev/null") ||
	    sh("PATH=$PATH:/sbin:/usr/sbin command -v mke2fs >/dev/null")) {
		fprintf(stderr,
			"%s: e2fsprogs (mke2fs) missing: "
			"scripts/deps.sh installs it\n",
			name);
		return 1;
	}
	if (hosted_mem_init(MiB(128)))
		return 1;
	assert_non_null(mkdtemp(tmpl));
	snprintf(work, sizeof(work), "%s", tmpl);
	make_tree();
	rc = _cmocka_run_group_tests(name, tests, count, NULL, NULL);
	if (!rc)
		sh("rm -rf %s", work);
	return rc;
}

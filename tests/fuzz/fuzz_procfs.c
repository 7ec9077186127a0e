/*
 * fuzz_procfs.c - libFuzzer target for the writable /proc/sys files
 * (fs/procfs.c: /proc/sys/fs/nr_open) through the file calls on plat/
 * hosted: the input is a run of writes, each an offset byte, a length
 * byte and that many bytes, made by root or (top bit of the offset) by
 * user nobody. After each the value must lie within its bounds, a
 * successful write must have set exactly what procfs_parse_int reads
 * from its bytes, a refused one (and nobody's) must have changed
 * nothing, and the file must read back the value. make fuzz;
 * tests/fuzz/run.sh.
 */
#include <stdlib.h>
#include <string.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/printf.h>
#include <keel/process.h>
#include <keel/procfs.h>
#include <keel/syscall.h>
#include <keel/vfs.h>
#include <hosted.h>

#define SYSCALL(name) SYSCALL_DEFINE(name);
#include "../../linux/syscalls.h"
#undef SYSCALL

#define SC(name, ...) sys_##name((const long[6]){ __VA_ARGS__ })
#define P(x) ((long)(uintptr_t)(x))

#define FUZZ_OWN_INIT
#include "fuzz_hosted.h"

/* The address-space calls fs/ and kernel/process.c reach, as a
 * process without pages. */
#include "../unit/vm_stubs.h"

#define PATH "/proc/sys/fs/nr_open"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_no_watchdog();
	if (hosted_mem_init(64UL << 20) || vfs_init(NULL, 0))
		abort();
	fuzz_process_start();
	return 0;
}

/* The value the file reads back must be the kernel's. */
static void read_back(void)
{
	char buf[32], want[32];
	long fd = SC(openat, AT_FDCWD, P(PATH), O_RDONLY, 0), n;

	if (fd < 0)
		abort();
	n = SC(read, fd, P(buf), sizeof(buf) - 1);
	SC(close, fd);
	snprintf(want, sizeof(want), "%u\n", fd_nr_open());
	if (n != (long)strlen(want) || memcmp(buf, want, (size_t)n))
		abort();
}

static void one_write(uint8_t off, const uint8_t *text, size_t len)
{
	unsigned before = fd_nr_open();
	bool nobody = off & 0x80;
	long fd, n, v = 0, want;

	cred_current()->euid = nobody ? 65534 : 0;
	fd = SC(openat, AT_FDCWD, P(PATH), O_WRONLY, 0);
	cred_current()->euid = 0;
	if (nobody) {
		if (fd != -EACCES)
			abort();
		return;
	}
	if (fd < 0)
		abort();
	n = SC(pwrite64, fd, P(text), len, off & 0x7f);
	SC(close, fd);
	want = procfs_parse_int((const char *)text, len, NR_OPEN_MIN,
				NR_OPEN_MAX, &v);
	if (fd_nr_open() < NR_OPEN_MIN || fd_nr_open() > NR_OPEN_MAX)
		abort();
	if ((off & 0x7f) || !len) {
		if (n != 0 || fd_nr_open() != before)
			abort();
	} else if (n != want || (n > 0 && fd_nr_open() != (unsigned long)v) ||
		   (n < 0 && fd_nr_open() != before) || n > (long)len) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;

	hosted_console_clear();
	fd_set_nr_open(NR_OPEN_DEFAULT);
	while (end - data >= 2) {
		uint8_t off = data[0];
		size_t len = data[1];

		data += 2;
		if (len > (size_t)(end - data))
			len = (size_t)(end - data);
		one_write(off, data, len);
		data += len;
		read_back();
	}
	return 0;
}

/*
 * fs_fixture.h - the process the fs/ unit tests (test_vfs_*, test_mount) run
 * as: kernel/process.c's own, given an executable name, its file limit, a
 * descriptor table and / as its directory; and its end, every descriptor
 * closed. Include after the syscall declarations (linux/syscalls.h).
 */
#ifndef KEEL_FS_FIXTURE_H
#define KEEL_FS_FIXTURE_H

static inline void fixture_process_start(void)
{
	struct process *p = current_process();

	p->exe = "/bin/prog";
	p->rlim[RLIMIT_NOFILE] = (struct rlimit_k){ FD_MAX, FD_MAX };
	assert_int_equal(fs_process_init(p, "/"), 0);
}

static inline void fixture_process_end(void)
{
	struct process *p = current_process();

	for (long fd = 0; fd < fd_table_size(); fd++)
		sys_close((const long[6]){ fd });
	fs_process_release(p);
}

#endif

/*
 * test_shm.c - fs/shm.c, System V shared memory's table, on plat/hosted
 * with the real ramfs files and vm_stubs.h's list of mappings standing in
 * for the address space: ids and their sequence numbers, keys, the
 * limits (SHMMAX, SHMALL, SHMMNI) set as /proc/sys/kernel would, the
 * commit charge and SHM_NORESERVE, attachments counted by the file's
 * references, a removed segment living until its last detach or the
 * end of its process, permissions of another user, and
 * /proc/sysvipc/shm's text. Every test must leave no segment, no charge
 * and no heap object behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/shm.h>
#include <keel/vfs.h>
#include <keel/vm.h>
#include "unit.h"
#include "vm_stubs.h"

#define PG 4096UL
#define SHM_MAX_DEFAULT (~0UL - (1UL << 24))

static size_t baseline;

static size_t live_objects(void)
{
	struct heap_stats st;

	heap_stats(&st);
	return st.live_objects;
}

static long used_ids(void)
{
	struct linux_shm_info u;

	shm_info(NULL, &u);
	return u.used_ids;
}

static uint64_t nattch(int id)
{
	struct linux_shmid64_ds ds;

	assert_int_equal(shm_stat(id, IPC_STAT, &ds), 0);
	return ds.shm_nattch;
}

static int setup(void **state)
{
	(void)state;
	baseline = live_objects();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stub_unmap_all();
	shm_set_shmmax(SHM_MAX_DEFAULT);
	shm_set_shmall(SHM_MAX_DEFAULT);
	shm_set_shmmni(4096);
	vm_set_overcommit_mode(VM_OVERCOMMIT_GUESS);
	assert_int_equal(used_ids(), 0);
	assert_int_equal(stub_committed, 0);
	assert_int_equal(live_objects(), baseline);
	return 0;
}

/* Ids: the lowest free index, the sequence moving on at a reuse. */
static void test_ids_and_keys(void **state)
{
	long a, b, c;
	struct linux_shmid64_ds ds;

	(void)state;
	a = shm_get(IPC_PRIVATE, 100, 0600);
	b = shm_get(IPC_PRIVATE, 100, 0600);
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(b % IPCMNI, a % IPCMNI + 1);
	assert_int_equal(shm_remove((int)a), 0);
	c = shm_get(1234, 100, IPC_CREAT | 0640);
	assert_int_equal(c % IPCMNI, a % IPCMNI);
	assert_true(c != a);
	assert_int_equal(shm_stat((int)a, IPC_STAT, &ds), -EINVAL);
	assert_int_equal(shm_stat((int)a, SHM_STAT, &ds), c); /* an index */
	assert_int_equal(ds.shm_perm.key, 1234);
	assert_int_equal(ds.shm_perm.mode, 0640);
	assert_int_equal(ds.shm_perm.seq, c / IPCMNI);
	assert_int_equal(shm_get(1234, 100, 0), c);
	assert_int_equal(shm_get(1234, 0, 0), c);
	assert_int_equal(shm_get(1234, 101, 0), -EINVAL);
	assert_int_equal(shm_get(1234, 101, IPC_CREAT | IPC_EXCL), -EEXIST);
	assert_int_equal(shm_get(1235, 100, 0), -ENOENT);
	assert_int_equal(shm_get(IPC_PRIVATE, 0, 0), -EINVAL);
	assert_int_equal(shm_get(IPC_PRIVATE, ~0UL, 0), -EINVAL);
	assert_int_equal(shm_get(IPC_PRIVATE, PG, SHM_HUGETLB), -ENOMEM);
	assert_int_equal(shm_remove((int)b), 0);
	assert_int_equal(shm_remove((int)c), 0);
	assert_int_equal(shm_get(1234, 0, 0), -ENOENT);
	assert_int_equal(shm_remove(-1), -EINVAL);
	assert_int_equal(shm_remove((int)c), -EINVAL);
}

/* The limits, as root sets them through /proc/sys/kernel. */
static void test_limits(void **state)
{
	long a, b;

	(void)state;
	assert_int_equal(shm_set_shmmax(2 * PG), 0);
	assert_int_equal(shm_get(IPC_PRIVATE, 2 * PG + 1, 0), -EINVAL);
	a = shm_get(IPC_PRIVATE, 2 * PG, 0);
	assert_true(a >= 0);
	assert_int_equal(shm_set_shmall(3), 0); /* pages */
	assert_int_equal(shm_get(IPC_PRIVATE, 2 * PG, 0), -ENOSPC);
	b = shm_get(IPC_PRIVATE, PG, 0);
	assert_true(b >= 0);
	assert_int_equal(shm_get(IPC_PRIVATE, 1, 0), -ENOSPC);
	assert_int_equal(shm_set_shmall(SHM_MAX_DEFAULT), 0);
	assert_int_equal(shm_set_shmmni(2), 0);
	assert_int_equal(shm_get(IPC_PRIVATE, 1, 0), -ENOSPC);
	assert_int_equal(shm_set_shmmni(IPCMNI + 1), -EINVAL);

	struct linux_shminfo64 info;

	assert_int_equal(shm_info(&info, NULL), b % IPCMNI);
	assert_int_equal(info.shmmax, 2 * PG);
	assert_int_equal(info.shmmni, 2);
	assert_int_equal(info.shmmin, 1);
	shm_remove((int)a);
	shm_remove((int)b);
	assert_int_equal(shm_info(&info, NULL), 0);
}

/* The commit: charged at shmget, given back when the segment goes. */
static void test_commit(void **state)
{
	long a, b, c;

	(void)state;
	a = shm_get(IPC_PRIVATE, 10000, 0);
	assert_int_equal(stub_committed, 3);
	b = shm_get(IPC_PRIVATE, 1UL << 40, SHM_NORESERVE);
	assert_int_equal(stub_committed, 3);
	vm_set_overcommit_mode(VM_OVERCOMMIT_NEVER);
	/* Mode 2 charges SHM_NORESERVE too; the stub refuses > 4 GiB. */
	assert_int_equal(shm_get(IPC_PRIVATE, 8UL << 30, SHM_NORESERVE),
			 -ENOMEM);
	c = shm_get(IPC_PRIVATE, PG, SHM_NORESERVE);
	assert_int_equal(stub_committed, 4);
	assert_int_equal(shm_remove((int)a), 0);
	assert_int_equal(stub_committed, 1);
	shm_remove((int)b);
	shm_remove((int)c);
}

/* Attachments are the file's references; IPC_RMID waits for the last. */
static void test_rmid_attached(void **state)
{
	struct linux_shmid64_ds ds;
	long id = shm_get(IPC_PRIVATE, 3 * PG, 0600), p, q;

	(void)state;
	p = shm_attach((int)id, 0, 0);
	q = shm_attach((int)id, 0, SHM_RDONLY);
	assert_true(p > 0 && q > 0 && p != q);
	assert_int_equal(nattch((int)id), 2);
	assert_int_equal(shm_stat((int)id, IPC_STAT, &ds), 0);
	assert_true(ds.shm_atime > 0 && ds.shm_lpid == current_process()->pid);
	assert_int_equal(shm_attach((int)id, (uintptr_t)p, 0), -EINVAL);
	assert_int_equal(shm_attach((int)id, (uintptr_t)p + 1, 0), -EINVAL);
	assert_int_equal(shm_attach((int)id, 0, SHM_REMAP), -EINVAL);
	assert_int_equal(shm_attach((int)id, 0x10000001, SHM_RND), 0x10000000);
	assert_int_equal(shm_detach(0x10000000), 0);
	assert_int_equal(shm_remove((int)id), 0);
	assert_int_equal(shm_stat((int)id, IPC_STAT, &ds), 0);
	assert_true(ds.shm_perm.mode & SHM_DEST);
	assert_int_equal(ds.shm_perm.key, IPC_PRIVATE);
	assert_int_equal(ds.shm_nattch, 2);
	assert_int_equal(stub_committed, 3); /* still there */
	assert_int_equal(shm_detach((uintptr_t)q), 0);
	assert_int_equal(shm_detach((uintptr_t)q), -EINVAL);
	assert_int_equal(shm_detach((uintptr_t)p + 1), -EINVAL);
	assert_int_equal(nattch((int)id), 1);
	assert_int_equal(used_ids(), 1);
	assert_int_equal(shm_detach((uintptr_t)p), 0);
	assert_int_equal(used_ids(), 0);
	assert_int_equal(shm_stat((int)id, IPC_STAT, &ds), -EINVAL);
	assert_int_equal(stub_committed, 0);

	/* The end of the process (its mappings going) frees one too. */
	id = shm_get(IPC_PRIVATE, PG, 0600);
	assert_true(shm_attach((int)id, 0, 0) > 0);
	assert_int_equal(shm_remove((int)id), 0);
	assert_int_equal(used_ids(), 1);
	stub_unmap_all();
	assert_int_equal(used_ids(), 0);
}

/* Another user: read and write as the mode says; owners only may change. */
static void test_rights(void **state)
{
	struct cred *c = cred_current(), saved = *c;
	struct linux_shmid64_ds ds;
	long id = shm_get(77, PG, IPC_CREAT | 0640);

	(void)state;
	c->euid = 1000;
	c->egid = 1000;
	c->cap_eff = 0;
	assert_int_equal(shm_attach((int)id, 0, 0), -EACCES);
	assert_int_equal(shm_stat((int)id, IPC_STAT, &ds), -EACCES);
	assert_int_equal(shm_stat((int)id, SHM_STAT_ANY, &ds), id);
	assert_int_equal(shm_get(77, 0, 0), id);
	assert_int_equal(shm_get(77, 0, 0400), -EACCES);
	assert_int_equal(shm_remove((int)id), -EPERM);
	assert_int_equal(shm_set((int)id, &ds), -EPERM);
	assert_int_equal(shm_lock((int)id, true), -EPERM);
	c->egid = 0; /* the group: read only */
	assert_int_equal(shm_attach((int)id, 0, 0), -EACCES);
	assert_true(shm_attach((int)id, 0, SHM_RDONLY) > 0);
	*c = saved;
	ds.shm_perm.uid = 1000;
	ds.shm_perm.mode = 0600 | SHM_LOCKED;
	assert_int_equal(shm_set((int)id, &ds), 0);
	c->euid = 1000;
	c->cap_eff = 0;
	assert_int_equal(shm_stat((int)id, IPC_STAT, &ds), 0);
	assert_int_equal(ds.shm_perm.mode, 0600); /* the bits only */
	assert_int_equal(ds.shm_perm.cuid, 0);
	assert_true(shm_attach((int)id, 0, 0) > 0); /* the owner now */
	assert_int_equal(shm_remove((int)id), 0);
	*c = saved;
}

/* /proc/sysvipc/shm: Linux's columns; a short buffer, the full length. */
static void test_proc_text(void **state)
{
	char buf[1024], small[8], want[80];
	long id = shm_get(0x2a, 5000, IPC_CREAT | 0644);
	size_t n;

	(void)state;
	assert_true(shm_attach((int)id, 0, 0) > 0);
	n = shm_gen_sysvipc(buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_int_equal(strncmp(buf, "       key      shmid perms     ", 32),
			 0);
	snprintf(want, sizeof(want), "%10d %10ld   644                  5000 ",
		 0x2a, id);
	assert_non_null(strstr(buf, want));
	assert_int_equal(shm_gen_sysvipc(small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	shm_gen_shmmni(small, sizeof(small));
	assert_string_equal(small, "4096\n");
	shm_remove((int)id);
}

int main(void)
{
	if (hosted_mem_init(MiB(64)))
		return 1;
	sched_init();
	/* The table's own array stays once made: make it before counting. */
	shm_remove((int)shm_get(IPC_PRIVATE, 1, 0));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ids_and_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rmid_attached, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_text, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

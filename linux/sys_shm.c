/*
 * sys_shm.c - System V shared memory's system calls (linux/): shmget,
 * shmat, shmdt and shmctl. The arguments are checked and copied here,
 * in Linux's order; the segments are fs/shm.c's.
 */
#include <keel/errno.h>
#include <keel/shm.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>
#include "linux.h"

SYSCALL_DEFINE(shmget)
{
	return shm_get((int32_t)a[0], (uint64_t)a[1], (int)a[2]);
}

SYSCALL_DEFINE(shmat)
{
	return shm_attach((int)a[0], (uintptr_t)a[1], (int)a[2]);
}

SYSCALL_DEFINE(shmdt)
{
	return shm_detach((uintptr_t)a[0]);
}

/* What IPC_STAT and friends copy out: its size, or -EFAULT. */
static long put_out(void *buf, const void *src, size_t len, long ret)
{
	if (ret < 0)
		return ret;
	return copy_to_user(buf, src, len) ? -EFAULT : ret;
}

SYSCALL_DEFINE(shmctl)
{
	int id = (int)a[0], cmd = (int)a[1];
	void *buf = (void *)a[2];
	struct linux_shmid64_ds ds;
	struct linux_shminfo64 info;
	struct linux_shm_info usage;

	/* x86-64 has only the IPC_64 layouts: IPC_64 itself is no command. */
	if (cmd < 0 || id < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
		return put_out(buf, &info, sizeof(info), shm_info(&info, NULL));
	case SHM_INFO:
		return put_out(buf, &usage, sizeof(usage),
			       shm_info(NULL, &usage));
	case IPC_STAT:
	case SHM_STAT:
	case SHM_STAT_ANY:
		return put_out(buf, &ds, sizeof(ds), shm_stat(id, cmd, &ds));
	case IPC_SET:
		if (copy_from_user(&ds, buf, sizeof(ds)))
			return -EFAULT;
		return shm_set(id, &ds);
	case IPC_RMID:
		return shm_remove(id);
	case SHM_LOCK:
	case SHM_UNLOCK:
		return shm_lock(id, cmd == SHM_LOCK);
	default:
		return -EINVAL;
	}
}

/*
 * uapi/ipc.h - System V IPC structures of the Linux x86-64 ABI that keel
 * copies in and out (<asm-generic/ipcbuf.h>, <asm-generic/shmbuf.h>,
 * <linux/shm.h>): on x86-64 the IPC_64 layouts are the only ones.
 */
#ifndef UAPI_IPC_H
#define UAPI_IPC_H

#include <keel/compiler.h>

struct linux_ipc64_perm {
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode;
	uint16_t seq, pad2;
	uint64_t unused1, unused2;
};

struct linux_shmid64_ds {
	struct linux_ipc64_perm shm_perm;
	uint64_t shm_segsz;
	int64_t shm_atime, shm_dtime, shm_ctime;
	int32_t shm_cpid, shm_lpid;
	uint64_t shm_nattch;
	uint64_t unused4, unused5;
};

/* shmctl(IPC_INFO) */
struct linux_shminfo64 {
	uint64_t shmmax, shmmin, shmmni, shmseg, shmall;
	uint64_t unused1, unused2, unused3, unused4;
};

/* shmctl(SHM_INFO) */
struct linux_shm_info {
	int32_t used_ids;
	uint64_t shm_tot, shm_rss, shm_swp;
	uint64_t swap_attempts, swap_successes;
};

_Static_assert(sizeof(struct linux_ipc64_perm) == 48, "ipc64_perm");
_Static_assert(sizeof(struct linux_shmid64_ds) == 112, "shmid64_ds");
_Static_assert(sizeof(struct linux_shminfo64) == 72, "shminfo64");
_Static_assert(sizeof(struct linux_shm_info) == 48, "shm_info");

#endif

/*
 * shm.h - System V shared memory (fs/shm.c): segments named by an id
 * and, unless private, a key; each is an unlinked ramfs file that shmat
 * maps shared. linux/sys_shm.c copies the arguments and calls these;
 * procfs shows /proc/sysvipc/shm and /proc/sys/kernel/shm{max,all,mni}.
 * docs/vm.md, "SysV shared memory", says how it is built.
 */
#ifndef KEEL_SHM_H
#define KEEL_SHM_H

#include <keel/compiler.h>
#include <uapi/ipc.h>

/* <linux/ipc.h>, <linux/shm.h> */
#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define SHM_HUGETLB 04000
#define SHM_NORESERVE 010000
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_DEST 01000 /* in shm_perm.mode: removed, alive while attached */
#define SHM_LOCKED 02000
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHMMIN 1
#define SHMLBA 4096
#define IPCMNI 32768 /* ids: index + sequence * IPCMNI */

/* shmget(2): the id, or -errno (Linux's checks and order). */
long shm_get(int32_t key, uint64_t size, int flags);
/* shmat(2): the address of the new attachment, or -errno. */
long shm_attach(int id, uintptr_t addr, int flags);
/* shmdt(2): 0 or -EINVAL. */
int shm_detach(uintptr_t addr);
/* shmctl(2)'s IPC_STAT (0), SHM_STAT and SHM_STAT_ANY (the id) with id
 * an index, or -errno. */
long shm_stat(int id, int cmd, struct linux_shmid64_ds *out);
/* IPC_SET (owner, group, permission bits) and IPC_RMID: 0 or -errno. */
int shm_set(int id, const struct linux_shmid64_ds *in);
int shm_remove(int id);
/* SHM_LOCK, SHM_UNLOCK: a flag only (nothing is ever swapped out). */
int shm_lock(int id, bool lock);
/* IPC_INFO (limits) and SHM_INFO (usage; either may be NULL): the
 * highest index in use (0 with none). */
long shm_info(struct linux_shminfo64 *limits, struct linux_shm_info *usage);

/* /proc/sysvipc/shm, /proc/sys/kernel/shm*: text and setters. */
size_t shm_gen_sysvipc(char *buf, size_t len);
size_t shm_gen_shmmax(char *buf, size_t len);
size_t shm_gen_shmall(char *buf, size_t len);
size_t shm_gen_shmmni(char *buf, size_t len);
int shm_set_shmmax(unsigned long v);
int shm_set_shmall(unsigned long v);
int shm_set_shmmni(unsigned long v);

#endif

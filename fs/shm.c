/*
 * shm.c - System V shared memory (fs/): shmget, shmat, shmdt and shmctl
 * behind linux/sys_shm.c. A segment is an unlinked ramfs file, the same
 * object memfd and MAP_SHARED of tmpfs use, in one table by id and key.
 * shmat maps that file MAP_SHARED, so fork shares an attachment and exec
 * and exit take it away as they do any mapping. Every mapping holds a
 * reference to the file: those references are the attachments, and a
 * segment removed while attached lives until the last one goes (the
 * file's release takes it out of the table). docs/vm.md has the design.
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/printf.h>
#include <keel/process.h>
#include <keel/shm.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/time.h>
#include <keel/vfs.h>
#include <keel/vm.h>

#define CAP_IPC_OWNER 15
#define RLIMIT_MEMLOCK 8
#define SHM_MAX_DEFAULT (~0UL - (1UL << 24)) /* Linux's SHMMAX and SHMALL */
#define SHM_MNI_DEFAULT 4096
#define SEQ_MAX 65535 /* INT_MAX >> 15: ids stay positive */

struct shm_seg {
	int id;
	int32_t key; /* IPC_PRIVATE once removed */
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode; /* permission bits, SHM_DEST, SHM_LOCKED */
	uint64_t size;
	size_t pages, charged; /* pages it spans; of them charged */
	int64_t atime, dtime, ctime; /* seconds */
	int cpid, lpid;
	struct file *file; /* the table's reference until removed */
};

static struct spinlock table_lock;
static struct shm_seg **slots; /* by index (id % IPCMNI) */
static unsigned nslots, used, seq;
static int last_idx = -1;
static size_t total_pages;
static unsigned long shmmax = SHM_MAX_DEFAULT, shmall = SHM_MAX_DEFAULT;
static unsigned shmmni = SHM_MNI_DEFAULT;

static int64_t now_s(void)
{
	return time_wall_ns() / 1000000000;
}

static int my_pid(void)
{
	struct process *p = current_process();

	return p ? p->pid : 0;
}

/* Attachments: the file's references less the table's own. */
static uint64_t nattch(const struct shm_seg *s)
{
	return s->file->refs - (s->mode & SHM_DEST ? 0 : 1);
}

static bool in_group(const struct cred *c, uint32_t gid)
{
	if (c->egid == gid)
		return true;
	for (unsigned i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

/* Linux's ipcperms: acc holds the rwx bits asked for (0444, 0666 ...). */
static bool may(const struct shm_seg *s, unsigned acc)
{
	const struct cred *c = cred_current();
	unsigned want = (acc >> 6 | acc >> 3 | acc) & 7, granted = s->mode;

	if (c->euid == s->uid || c->euid == s->cuid)
		granted >>= 6;
	else if (in_group(c, s->gid) || in_group(c, s->cgid))
		granted >>= 3;
	return !(want & ~granted & 7) || cred_capable(CAP_IPC_OWNER);
}

/* May the caller change or remove s (IPC_SET, IPC_RMID)? */
static bool owns(const struct shm_seg *s)
{
	const struct cred *c = cred_current();

	return c->euid == s->uid || c->euid == s->cuid ||
	       cred_capable(CAP_SYS_ADMIN);
}

/* Under the lock: the segment with this id (index and sequence). */
static struct shm_seg *by_id(int id)
{
	unsigned idx = (unsigned)id % IPCMNI;

	if (id < 0 || idx >= nslots || !slots[idx] || slots[idx]->id != id)
		return NULL;
	return slots[idx];
}

static struct shm_seg *by_index(int id)
{
	unsigned idx = (unsigned)id % IPCMNI;

	return id >= 0 && idx < nslots ? slots[idx] : NULL;
}

static struct shm_seg *by_key(int32_t key)
{
	for (unsigned i = 0; i < nslots; i++)
		if (slots[i] && slots[i]->key == key)
			return slots[i];
	return NULL;
}

static long max_index(void)
{
	for (unsigned i = nslots; i > 0; i--)
		if (slots[i - 1])
			return i - 1;
	return 0;
}

/* The file's last reference went: the segment leaves the table. */
static void seg_release(struct file *f)
{
	struct shm_seg *s = f->priv;
	unsigned long irq;

	if (!s)
		return;
	irq = spin_lock_irqsave(&table_lock);
	slots[s->id % IPCMNI] = NULL;
	used--;
	total_pages -= s->pages;
	spin_unlock_irqrestore(&table_lock, irq);
	vm_commit_uncharge(s->charged);
	kfree(s);
}

static const struct file_ops shm_fops = {
	.release = seg_release,
};

/* Under the lock: a free index (the lowest), growing the table. */
static long free_index(void)
{
	unsigned i = 0, n;
	struct shm_seg **grown;

	while (i < nslots && slots[i])
		i++;
	if (i < nslots)
		return i;
	n = MIN(MAX(nslots * 2, 16u), (unsigned)IPCMNI);
	if (n <= nslots)
		return -ENOSPC;
	grown = krealloc(slots, n * sizeof(*slots));
	if (!grown)
		return -ENOMEM;
	memset(grown + nslots, 0, (n - nslots) * sizeof(*slots));
	slots = grown;
	nslots = n;
	return i;
}

/* Under the lock: give s an id and a place, as Linux numbers them (the
 * sequence moves on when an index at or below the last one is reused). */
static long seg_insert(struct shm_seg *s)
{
	long idx;

	if (used >= MIN(shmmni, (unsigned)IPCMNI))
		return -ENOSPC;
	if (total_pages + s->pages < total_pages ||
	    total_pages + s->pages > shmall)
		return -ENOSPC;
	idx = free_index();
	if (idx < 0)
		return idx;
	if (idx <= last_idx && ++seq > SEQ_MAX)
		seq = 0;
	last_idx = (int)idx;
	s->id = (int)(seq * IPCMNI + (unsigned)idx);
	slots[idx] = s;
	used++;
	total_pages += s->pages;
	return s->id;
}

/* The segment's file: an unlinked ramfs file of size bytes, named as
 * Linux shows it in /proc/PID/maps ("/SYSV0000002a (deleted)"). */
static struct file *seg_file(int32_t key, uint64_t size, unsigned mode)
{
	struct inode *ino = ramfs_new_file(mode & 0777);
	struct file *f = ino ? file_alloc(ino, O_RDWR | O_LARGEFILE) : NULL;

	inode_put(ino);
	if (f)
		f->name = kmalloc(16);
	if (!f || !f->name) {
		file_put(f);
		return NULL;
	}
	/* Set, not truncated to: ramfs files stop at 1 TiB, segments may
	 * be larger (their pages past it cannot be had). */
	f->inode->size = size;
	snprintf(f->name, 16, "SYSV%08x", (uint32_t)key);
	f->ops = &shm_fops;
	return f;
}

/* Make a segment and enter it; -EAGAIN when another one took the key. */
static long seg_new(int32_t key, uint64_t size, int flags)
{
	size_t pages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
	const struct cred *c = cred_current();
	struct shm_seg *s;
	unsigned long irq;
	long id;

	if (size < SHMMIN || size > READ_ONCE(shmmax))
		return -EINVAL;
	if (pages * PAGE_SIZE < size)
		return -ENOSPC; /* the rounding wrapped */
	if (READ_ONCE(total_pages) + pages > READ_ONCE(shmall))
		return -ENOSPC;
	if (flags & SHM_HUGETLB)
		return -ENOMEM; /* as a Linux with no huge pages reserved */
	if (size > INT64_MAX)
		return -EINVAL; /* Linux's MAX_LFS_FILESIZE for its file */
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->pages = pages;
	if (!(flags & SHM_NORESERVE) ||
	    vm_overcommit_mode() == VM_OVERCOMMIT_NEVER)
		s->charged = pages;
	if (vm_commit_charge(s->charged)) {
		kfree(s);
		return -ENOMEM;
	}
	s->file = seg_file(key, size, (unsigned)flags);
	if (!s->file) {
		id = -ENOMEM;
		goto undo;
	}
	s->key = key;
	s->uid = s->cuid = c->euid;
	s->gid = s->cgid = c->egid;
	s->mode = (unsigned)flags & 0777;
	s->size = size;
	s->ctime = now_s();
	s->cpid = my_pid();
	s->file->priv = s; /* its release frees s once s is in the table */
	irq = spin_lock_irqsave(&table_lock);
	id = key != IPC_PRIVATE && by_key(key) ? -EAGAIN : seg_insert(s);
	spin_unlock_irqrestore(&table_lock, irq);
	if (id >= 0)
		return id;
	s->file->priv = NULL;
	file_put(s->file);
undo:
	vm_commit_uncharge(s->charged);
	kfree(s);
	return id;
}

long shm_get(int32_t key, uint64_t size, int flags)
{
	struct shm_seg *s;
	unsigned long irq;
	long err;

	do {
		if (key == IPC_PRIVATE)
			return seg_new(key, size, flags);
		irq = spin_lock_irqsave(&table_lock);
		s = by_key(key);
		if (!s)
			err = flags & IPC_CREAT ? -EAGAIN : -ENOENT;
		else if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
			err = -EEXIST;
		else if (s->size < size)
			err = -EINVAL;
		else if (!may(s, (unsigned)flags & 0777))
			err = -EACCES;
		else
			err = s->id;
		spin_unlock_irqrestore(&table_lock, irq);
		if (err == -EAGAIN)
			err = seg_new(key, size, flags);
	} while (err == -EAGAIN);
	return err;
}

long shm_attach(int id, uintptr_t addr, int flags)
{
	unsigned prot = PROT_READ, acc = 0444, mflags = MAP_SHARED;
	struct shm_seg *s;
	struct file *f = NULL;
	unsigned long irq;
	uint64_t size = 0;
	long at;

	if (id < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (SHMLBA - 1)) {
			if (!(flags & SHM_RND))
				return -EINVAL;
			addr &= ~(uintptr_t)(SHMLBA - 1);
			if (!addr && (flags & SHM_REMAP))
				return -EINVAL;
		}
		/* Over another mapping only with SHM_REMAP, else EINVAL. */
		mflags |= flags & SHM_REMAP ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	} else if (flags & SHM_REMAP) {
		return -EINVAL;
	}
	if (flags & SHM_RDONLY) {
		mflags |= MAP_NOWRITE; /* mprotect may not add PROT_WRITE */
	} else {
		prot |= PROT_WRITE;
		acc |= 0222;
	}
	if (flags & SHM_EXEC) {
		prot |= PROT_EXEC;
		acc |= 0111;
	}
	irq = spin_lock_irqsave(&table_lock);
	s = by_id(id);
	at = !s ? -EINVAL : !may(s, acc) ? -EACCES : 0;
	if (!at) {
		f = s->file;
		file_get(f); /* s lives while we map it */
		size = s->size;
	}
	spin_unlock_irqrestore(&table_lock, irq);
	if (at)
		return at;
	if (addr && !(flags & SHM_REMAP) && addr + size < addr)
		at = -EINVAL;
	else
		at = vm_mmap(addr, size, prot, mflags, f, 0);
	if (at == -EEXIST)
		at = -EINVAL;
	if (at >= 0) {
		irq = spin_lock_irqsave(&table_lock);
		s->atime = now_s();
		s->lpid = my_pid();
		spin_unlock_irqrestore(&table_lock, irq);
	}
	file_put(f);
	return at;
}

/* vm_detach's question, asked once for the attachment it will remove:
 * whether f is a segment's file, noting the detach if so. */
static bool detaching(struct file *f)
{
	struct shm_seg *s = f->priv;
	unsigned long irq;

	if (f->ops != &shm_fops || !s)
		return false;
	irq = spin_lock_irqsave(&table_lock);
	s->dtime = now_s();
	s->lpid = my_pid();
	spin_unlock_irqrestore(&table_lock, irq);
	return true;
}

int shm_detach(uintptr_t addr)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	return vm_detach(addr, detaching);
}

static void fill_stat(const struct shm_seg *s, struct linux_shmid64_ds *o)
{
	memset(o, 0, sizeof(*o));
	o->shm_perm.key = s->key;
	o->shm_perm.uid = s->uid;
	o->shm_perm.gid = s->gid;
	o->shm_perm.cuid = s->cuid;
	o->shm_perm.cgid = s->cgid;
	o->shm_perm.mode = s->mode;
	o->shm_perm.seq = (uint16_t)(s->id / IPCMNI);
	o->shm_segsz = s->size;
	o->shm_atime = s->atime;
	o->shm_dtime = s->dtime;
	o->shm_ctime = s->ctime;
	o->shm_cpid = s->cpid;
	o->shm_lpid = s->lpid;
	o->shm_nattch = nattch(s);
}

long shm_stat(int id, int cmd, struct linux_shmid64_ds *out)
{
	unsigned long irq = spin_lock_irqsave(&table_lock);
	struct shm_seg *s = cmd == IPC_STAT ? by_id(id) : by_index(id);
	long err;

	if (!s) {
		err = -EINVAL;
	} else if (cmd != SHM_STAT_ANY && !may(s, 0444)) {
		err = -EACCES;
	} else {
		fill_stat(s, out);
		err = cmd == IPC_STAT ? 0 : s->id;
	}
	spin_unlock_irqrestore(&table_lock, irq);
	return err;
}

int shm_set(int id, const struct linux_shmid64_ds *in)
{
	unsigned long irq = spin_lock_irqsave(&table_lock);
	struct shm_seg *s = by_id(id);
	int err = 0;

	if (!s)
		err = -EINVAL;
	else if (!owns(s))
		err = -EPERM;
	else if (in->shm_perm.uid == CRED_NO_ID ||
		 in->shm_perm.gid == CRED_NO_ID)
		err = -EINVAL;
	if (!err) {
		s->uid = in->shm_perm.uid;
		s->gid = in->shm_perm.gid;
		s->mode = (s->mode & ~0777u) | (in->shm_perm.mode & 0777);
		s->ctime = now_s();
	}
	spin_unlock_irqrestore(&table_lock, irq);
	return err;
}

int shm_remove(int id)
{
	unsigned long irq = spin_lock_irqsave(&table_lock);
	struct shm_seg *s = by_id(id);
	struct file *drop = NULL;
	int err = 0;

	if (!s) {
		err = -EINVAL;
	} else if (!owns(s)) {
		err = -EPERM;
	} else if (!(s->mode & SHM_DEST)) {
		/* Private from now on; the attachments keep it alive. */
		s->mode |= SHM_DEST;
		s->key = IPC_PRIVATE;
		drop = s->file;
	}
	spin_unlock_irqrestore(&table_lock, irq);
	file_put(drop); /* the table's: with no attachment, it goes now */
	return err;
}

int shm_lock(int id, bool lock)
{
	unsigned long irq = spin_lock_irqsave(&table_lock);
	struct shm_seg *s = by_id(id);
	const struct cred *c = cred_current();
	struct process *p = current_process();
	int err = 0;

	if (!s) {
		err = -EINVAL;
	} else if (!cred_capable(CAP_IPC_LOCK)) {
		if (c->euid != s->uid && c->euid != s->cuid)
			err = -EPERM;
		else if (lock && p && !p->rlim[RLIMIT_MEMLOCK].cur)
			err = -EPERM;
	}
	if (!err && lock)
		s->mode |= SHM_LOCKED;
	else if (!err)
		s->mode &= ~(uint32_t)SHM_LOCKED;
	spin_unlock_irqrestore(&table_lock, irq);
	return err;
}

long shm_info(struct linux_shminfo64 *limits, struct linux_shm_info *usage)
{
	unsigned long irq = spin_lock_irqsave(&table_lock);
	long idx = max_index();

	if (limits) {
		memset(limits, 0, sizeof(*limits));
		limits->shmmax = shmmax;
		limits->shmmin = SHMMIN;
		limits->shmmni = limits->shmseg = shmmni;
		limits->shmall = shmall;
	}
	if (usage) {
		memset(usage, 0, sizeof(*usage));
		usage->used_ids = (int32_t)used;
		usage->shm_tot = total_pages;
		for (unsigned i = 0; i < nslots; i++)
			if (slots[i])
				usage->shm_rss +=
				    ramfs_file_pages(slots[i]->file->inode);
	}
	spin_unlock_irqrestore(&table_lock, irq);
	return idx;
}

/* ---- /proc ---- */

size_t shm_gen_sysvipc(char *buf, size_t len)
{
	unsigned long irq = spin_lock_irqsave(&table_lock);
	size_t n = (size_t)snprintf(
	    buf, len,
	    "%10s %10s %5s %21s %5s %5s %6s %5s %5s %5s %5s %10s %10s %10s "
	    "%21s %21s\n",
	    "key", "shmid", "perms", "size", "cpid", "lpid", "nattch", "uid",
	    "gid", "cuid", "cgid", "atime", "dtime", "ctime", "rss", "swap");

	for (unsigned i = 0; i < nslots; i++) {
		const struct shm_seg *s = slots[i];

		if (!s)
			continue;
		n += (size_t)snprintf(
		    buf + MIN(n, len), len - MIN(n, len),
		    "%10d %10d  %4o %21llu %5d %5d  %5llu %5u %5u %5u %5u "
		    "%10lld %10lld %10lld %21llu %21d\n",
		    s->key, s->id, s->mode, (unsigned long long)s->size,
		    s->cpid, s->lpid, (unsigned long long)nattch(s), s->uid,
		    s->gid, s->cuid, s->cgid, (long long)s->atime,
		    (long long)s->dtime, (long long)s->ctime,
		    (unsigned long long)ramfs_file_pages(s->file->inode) *
			PAGE_SIZE,
		    0);
	}
	spin_unlock_irqrestore(&table_lock, irq);
	return n;
}

size_t shm_gen_shmmax(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%lu\n", READ_ONCE(shmmax));
}

size_t shm_gen_shmall(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%lu\n", READ_ONCE(shmall));
}

size_t shm_gen_shmmni(char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%u\n", READ_ONCE(shmmni));
}

int shm_set_shmmax(unsigned long v)
{
	WRITE_ONCE(shmmax, v);
	return 0;
}

int shm_set_shmall(unsigned long v)
{
	WRITE_ONCE(shmall, v);
	return 0;
}

int shm_set_shmmni(unsigned long v)
{
	if (v > IPCMNI)
		return -EINVAL;
	WRITE_ONCE(shmmni, (unsigned)v);
	return 0;
}

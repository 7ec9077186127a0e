/*
 * sys_cred.c - who the process is (linux/): real, effective, saved and
 * file-system user and group ids with setuid(2)'s rules, supplementary
 * groups, capabilities (root's full set, dropped and regained with the
 * effective uid as capabilities(7) describes), the process group and
 * session (one process: both are its pid), and prctl. The ids are
 * recorded and reported; file permission checks still treat the program
 * as root (docs/linux.md).
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>

#include "linux.h"

#define NO_ID 0xffffffffu /* -1: leave this id alone */
#define NGROUPS_MAX 65536

#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_LAST_CAP 40
#define CAP_ALL ((1ULL << (CAP_LAST_CAP + 1)) - 1)

/* The capability sets; the process starts as root with all of them. */
static uint64_t cap_eff = CAP_ALL, cap_prm = CAP_ALL, cap_inh,
		cap_bnd = CAP_ALL;
static bool keepcaps;
static int pdeathsig, dumpable = 1; /* prctl */
static bool no_new_privs;

static struct cred *cred(void)
{
	return &current_process()->cred;
}

bool cred_capable(int cap)
{
	return cap_eff >> cap & 1;
}

/*
 * After a uid change, as capabilities(7): leaving euid 0 clears the
 * effective set, reaching it restores the permitted one, and when no id
 * is 0 any more the permitted set goes too (unless PR_SET_KEEPCAPS).
 */
static void uid_changed(const struct cred *old)
{
	const struct cred *c = cred();
	bool had_root = !old->ruid || !old->euid || !old->suid;
	bool has_root = !c->ruid || !c->euid || !c->suid;

	if (had_root && !has_root && !keepcaps)
		cap_prm = 0;
	if (old->euid == 0 && c->euid != 0)
		cap_eff = 0;
	else if (old->euid != 0 && c->euid == 0)
		cap_eff = cap_prm;
	cap_eff &= cap_prm;
}

/* May an unprivileged caller take id? One of the three it holds. */
static bool holds(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
	return id == r || id == e || id == s;
}

/*
 * setresuid and setresgid: ids[0..2] are the real, effective and saved
 * ids (uids or gids), NO_ID leaves one alone. Without the capability each
 * new id must be one the caller holds already.
 */
static long set_res(uint32_t *ids, uint32_t *fsid, const long *a, int cap)
{
	uint32_t n[3];

	for (int i = 0; i < 3; i++) {
		n[i] = (uint32_t)a[i];
		if (n[i] != NO_ID && !cred_capable(cap) &&
		    !holds(n[i], ids[0], ids[1], ids[2]))
			return -EPERM;
	}
	for (int i = 0; i < 3; i++)
		if (n[i] != NO_ID)
			ids[i] = n[i];
	*fsid = ids[1];
	return 0;
}

/*
 * setreuid and setregid: a new real id must be the old real or effective
 * one, a new effective id one of the three; the saved id follows the
 * effective one when the real id is set or the effective one leaves it.
 */
static long set_re(uint32_t *ids, uint32_t *fsid, const long *a, int cap)
{
	uint32_t r = (uint32_t)a[0], e = (uint32_t)a[1];
	bool priv = cred_capable(cap);

	if (r != NO_ID && !priv && r != ids[0] && r != ids[1])
		return -EPERM;
	if (e != NO_ID && !priv && !holds(e, ids[0], ids[1], ids[2]))
		return -EPERM;
	if (r != NO_ID || (e != NO_ID && e != ids[0]))
		ids[2] = e != NO_ID ? e : ids[1];
	if (r != NO_ID)
		ids[0] = r;
	if (e != NO_ID)
		ids[1] = e;
	*fsid = ids[1];
	return 0;
}

/* setuid and setgid: all ids with the capability, else the effective one. */
static long set_one(uint32_t *ids, uint32_t *fsid, uint32_t id, int cap)
{
	if (id == NO_ID)
		return -EINVAL;
	if (cred_capable(cap)) {
		ids[0] = ids[1] = ids[2] = id;
	} else if (id == ids[0] || id == ids[2]) {
		ids[1] = id;
	} else {
		return -EPERM;
	}
	*fsid = id;
	return 0;
}

/* setfsuid and setfsgid: always the old value; set when allowed. */
static long set_fs(uint32_t *ids, uint32_t *fsid, uint32_t id, int cap)
{
	uint32_t old = *fsid;

	if (id != NO_ID && (cred_capable(cap) ||
			    holds(id, ids[0], ids[1], ids[2]) || id == old))
		*fsid = id;
	return old;
}

/* The uid calls keep ruid, euid, suid in that order: an array view. */
#define UIDS(c) (&(c)->ruid)
#define GIDS(c) (&(c)->rgid)

/*
 * After a successful change, as Linux's commit_creds: a new uid set
 * updates the capabilities, and a new effective or fs id makes the
 * process not dumpable and clears its parent-death signal.
 */
static long committed(long ret, const struct cred *old)
{
	const struct cred *c = cred();

	if (ret < 0)
		return ret;
	if (old->ruid != c->ruid || old->euid != c->euid ||
	    old->suid != c->suid)
		uid_changed(old);
	if (old->euid != c->euid || old->egid != c->egid ||
	    old->fsuid != c->fsuid || old->fsgid != c->fsgid) {
		dumpable = 0;
		pdeathsig = 0;
	}
	return ret;
}

/* Run one of the setters above on the uids (u) or gids, then commit. */
#define SET_IDS(u, call, ...)                                             \
	({                                                                \
		struct cred old_ = *cred();                               \
		committed(call(u ? UIDS(cred()) : GIDS(cred()),           \
			       u ? &cred()->fsuid : &cred()->fsgid,       \
			       __VA_ARGS__, u ? CAP_SETUID : CAP_SETGID), \
			  &old_);                                         \
	})

SYSCALL_DEFINE(setuid)
{
	return SET_IDS(true, set_one, (uint32_t)a[0]);
}

SYSCALL_DEFINE(setreuid)
{
	return SET_IDS(true, set_re, a);
}

SYSCALL_DEFINE(setresuid)
{
	return SET_IDS(true, set_res, a);
}

SYSCALL_DEFINE(setfsuid)
{
	return SET_IDS(true, set_fs, (uint32_t)a[0]);
}

SYSCALL_DEFINE(setgid)
{
	return SET_IDS(false, set_one, (uint32_t)a[0]);
}

SYSCALL_DEFINE(setregid)
{
	return SET_IDS(false, set_re, a);
}

SYSCALL_DEFINE(setresgid)
{
	return SET_IDS(false, set_res, a);
}

SYSCALL_DEFINE(setfsgid)
{
	return SET_IDS(false, set_fs, (uint32_t)a[0]);
}

SYSCALL_DEFINE(getuid)
{
	(void)a;
	return cred()->ruid;
}

SYSCALL_DEFINE(geteuid)
{
	(void)a;
	return cred()->euid;
}

SYSCALL_DEFINE(getgid)
{
	(void)a;
	return cred()->rgid;
}

SYSCALL_DEFINE(getegid)
{
	(void)a;
	return cred()->egid;
}

static long put_ids(const long *a, const uint32_t *ids)
{
	for (int i = 0; i < 3; i++)
		if (copy_to_user((void *)a[i], &ids[i], sizeof(ids[i])))
			return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(getresuid)
{
	return put_ids(a, UIDS(cred()));
}

SYSCALL_DEFINE(getresgid)
{
	return put_ids(a, GIDS(cred()));
}

SYSCALL_DEFINE(getgroups)
{
	struct cred *c = cred();
	long size = (int)a[0];

	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c->ngroups;
	if ((unsigned long)size < c->ngroups)
		return -EINVAL;
	if (copy_to_user((void *)a[1], c->groups,
			 c->ngroups * sizeof(uint32_t)))
		return -EFAULT;
	return c->ngroups;
}

SYSCALL_DEFINE(setgroups)
{
	struct cred *c = cred();
	long size = (int)a[0];
	uint32_t *g = NULL;

	if (size < 0 || size > NGROUPS_MAX)
		return -EINVAL;
	if (!cred_capable(CAP_SETGID))
		return -EPERM;
	if (size) {
		g = kmalloc((size_t)size * sizeof(*g));
		if (!g)
			return -ENOMEM;
		if (copy_from_user(g, (void *)a[1],
				   (size_t)size * sizeof(*g))) {
			kfree(g);
			return -EFAULT;
		}
	}
	/* Linux keeps the list sorted (getgroups shows it so). */
	for (long i = 1; i < size; i++)
		for (long j = i; j > 0 && g[j - 1] > g[j]; j--) {
			uint32_t t = g[j];

			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	kfree(c->groups);
	c->groups = g;
	c->ngroups = (unsigned)size;
	return 0;
}

/* ---- capabilities ---- */

#define CAP_V1 0x19980330
#define CAP_V2 0x20071026
#define CAP_V3 0x20080522

struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/* Check the header: how many data words its version has, or -errno. */
static int cap_header(long uhdr, int *words)
{
	struct cap_header h;
	uint32_t v3 = CAP_V3;

	if (copy_from_user(&h, (void *)uhdr, sizeof(h)))
		return -EFAULT;
	if (h.version != CAP_V1 && h.version != CAP_V2 && h.version != CAP_V3) {
		/* Tell the caller the version this kernel speaks. */
		if (copy_to_user((void *)uhdr, &v3, sizeof(v3)))
			return -EFAULT;
		return -EINVAL;
	}
	*words = h.version == CAP_V1 ? 1 : 2;
	if (h.pid < 0)
		return -EINVAL;
	if (h.pid != 0 && h.pid != current_process()->pid)
		return -ESRCH;
	return 0;
}

SYSCALL_DEFINE(capget)
{
	struct cap_data d[2];
	int words, err = cap_header(a[0], &words);

	if (!a[1])
		return err == -EINVAL ? 0 : err;
	if (err)
		return err;
	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(cap_eff >> (32 * i));
		d[i].permitted = (uint32_t)(cap_prm >> (32 * i));
		d[i].inheritable = (uint32_t)(cap_inh >> (32 * i));
	}
	return copy_to_user((void *)a[1], d, (size_t)words * sizeof(d[0]));
}

SYSCALL_DEFINE(capset)
{
	struct cap_data d[2] = { 0 };
	uint64_t eff = 0, prm = 0, inh = 0;
	int words, err = cap_header(a[0], &words);

	if (err)
		return err;
	if (copy_from_user(d, (void *)a[1], (size_t)words * sizeof(d[0])))
		return -EFAULT;
	for (int i = 0; i < words; i++) {
		eff |= (uint64_t)d[i].effective << (32 * i);
		prm |= (uint64_t)d[i].permitted << (32 * i);
		inh |= (uint64_t)d[i].inheritable << (32 * i);
	}
	if ((prm & ~cap_prm) || (eff & ~prm) || (inh & ~(cap_inh | cap_prm)) ||
	    (inh & ~(cap_inh | cap_bnd)))
		return -EPERM;
	cap_eff = eff & CAP_ALL;
	cap_prm = prm & CAP_ALL;
	cap_inh = inh & CAP_ALL;
	return 0;
}

/* ---- process group and session: one process leads both ---- */

static long only_self(long pid)
{
	int me = current_process()->pid;

	return pid == 0 || pid == me ? me : -ESRCH;
}

SYSCALL_DEFINE(getpgid)
{
	return only_self((int)a[0]);
}

SYSCALL_DEFINE(getsid)
{
	return only_self((int)a[0]);
}

SYSCALL_DEFINE(getpgrp)
{
	(void)a;
	return current_process()->pid;
}

SYSCALL_DEFINE(setpgid)
{
	long pid =
	    (int)a[0] < 0 || (int)a[1] < 0 ? -EINVAL : only_self((int)a[0]);

	/* The process leads its session: Linux refuses to move it. */
	return pid < 0 ? pid : -EPERM;
}

/* Already the leader of its group, so setsid fails as on Linux. */
SYSCALL_DEFINE(setsid)
{
	(void)a;
	return -EPERM;
}

/* ---- prctl ---- */

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_GET_KEEPCAPS 7
#define PR_SET_KEEPCAPS 8
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_GET_SECCOMP 21
#define PR_SET_SECCOMP 22
#define PR_CAPBSET_READ 23
#define PR_CAPBSET_DROP 24
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define NSIG 64

static long prctl_name(long op, long uname)
{
	struct thread *t = current_thread();
	char name[16];
	long n;

	if (op == PR_GET_NAME)
		return copy_to_user((void *)uname, t->name, sizeof(t->name));
	memset(name, 0, sizeof(name));
	/* A longer name is cut to 15 bytes. */
	n = strncpy_from_user(name, (const char *)uname, sizeof(name));
	if (n == -ENAMETOOLONG)
		n = copy_from_user(name, (const void *)uname, sizeof(name) - 1);
	if (n < 0)
		return -EFAULT;
	name[sizeof(name) - 1] = '\0';
	memcpy(t->name, name, sizeof(name));
	return 0;
}

static long flag_value(long v, int *dst)
{
	if (v != 0 && v != 1)
		return -EINVAL;
	*dst = (int)v;
	return 0;
}

SYSCALL_DEFINE(prctl)
{
	int keep = keepcaps;
	long err;

	switch ((int)a[0]) {
	case PR_SET_PDEATHSIG:
		if ((unsigned long)a[1] > NSIG)
			return -EINVAL;
		pdeathsig = (int)a[1];
		return 0;
	case PR_GET_PDEATHSIG:
		return copy_to_user((void *)a[1], &pdeathsig, sizeof(int));
	case PR_GET_DUMPABLE:
		return dumpable;
	case PR_SET_DUMPABLE:
		return flag_value(a[1], &dumpable);
	case PR_GET_KEEPCAPS:
		return keepcaps;
	case PR_SET_KEEPCAPS:
		err = flag_value(a[1], &keep);
		keepcaps = keep;
		return err;
	case PR_SET_NAME:
	case PR_GET_NAME:
		return prctl_name(a[0], a[1]);
	case PR_GET_SECCOMP:
		return 0;
	case PR_CAPBSET_READ:
		if (a[1] < 0 || a[1] > CAP_LAST_CAP)
			return -EINVAL;
		return cap_bnd >> a[1] & 1;
	case PR_CAPBSET_DROP:
		if (a[1] < 0 || a[1] > CAP_LAST_CAP)
			return -EINVAL;
		if (!cred_capable(8)) /* CAP_SETPCAP */
			return -EPERM;
		cap_bnd &= ~(1ULL << a[1]);
		return 0;
	case PR_SET_NO_NEW_PRIVS:
		if (a[1] != 1 || a[2] || a[3] || a[4])
			return -EINVAL;
		no_new_privs = true;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a[1] || a[2] || a[3] || a[4])
			return -EINVAL;
		return no_new_privs;
	case PR_SET_SECCOMP: /* seccomp filters are not implemented */
	default:
		return -EINVAL;
	}
}

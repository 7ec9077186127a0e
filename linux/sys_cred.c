/*
 * sys_cred.c - who the process is, as system calls (linux/): user and
 * group ids, supplementary groups, capget/capset, the process group and
 * session (one process: both are its pid), and prctl. The credentials and
 * their rules (setuid(2), capabilities(7)) are kernel/cred.c's; this file
 * checks and copies the arguments.
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/process.h>
#include <keel/sched.h>
#include <keel/string.h>
#include <keel/syscall.h>
#include <keel/uaccess.h>

#include "linux.h"

static struct cred *cred(void)
{
	return cred_current();
}

/* The uid calls keep ruid, euid, suid in that order: an array view. */
#define UIDS(c) (&(c)->ruid)
#define GIDS(c) (&(c)->rgid)

/* The ids as the system calls pass them (a 32-bit -1 is CRED_NO_ID). */
#define ID(x) ((uint32_t)(x))

SYSCALL_DEFINE(setuid)
{
	return cred_setid(true, ID(a[0]));
}

SYSCALL_DEFINE(setreuid)
{
	return cred_setre(true, ID(a[0]), ID(a[1]));
}

SYSCALL_DEFINE(setresuid)
{
	return cred_setres(true, ID(a[0]), ID(a[1]), ID(a[2]));
}

SYSCALL_DEFINE(setfsuid)
{
	return cred_setfsid(true, ID(a[0]));
}

SYSCALL_DEFINE(setgid)
{
	return cred_setid(false, ID(a[0]));
}

SYSCALL_DEFINE(setregid)
{
	return cred_setre(false, ID(a[0]), ID(a[1]));
}

SYSCALL_DEFINE(setresgid)
{
	return cred_setres(false, ID(a[0]), ID(a[1]), ID(a[2]));
}

SYSCALL_DEFINE(setfsgid)
{
	return cred_setfsid(false, ID(a[0]));
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
	return cred_set_groups(g, (unsigned)size);
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
	if (h.pid != 0 && !id_exists(h.pid))
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
		d[i].effective = (uint32_t)(cred()->cap_eff >> (32 * i));
		d[i].permitted = (uint32_t)(cred()->cap_prm >> (32 * i));
		d[i].inheritable = (uint32_t)(cred()->cap_inh >> (32 * i));
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
	return cred_set_caps(eff, prm, inh);
}

/* ---- prctl ---- */

#define PR_SET_PDEATHSIG 1
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
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
	/* The first thread's name is the process's (/proc/PID/comm, ps). */
	if (uthread_self()->tid == current_process()->pid)
		memcpy(current_process()->comm, name, sizeof(name));
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
	struct cred *c = cred();
	int keep = c->keepcaps;
	long err;

	switch ((int)a[0]) {
	case PR_SET_PDEATHSIG:
		if ((unsigned long)a[1] > NSIG)
			return -EINVAL;
		c->pdeathsig = (int)a[1];
		return 0;
	case PR_GET_PDEATHSIG:
		return copy_to_user((void *)a[1], &c->pdeathsig, sizeof(int));
	case PR_SET_CHILD_SUBREAPER:
		current_process()->subreaper = a[1] != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER: {
		int v = current_process()->subreaper;

		return copy_to_user((void *)a[1], &v, sizeof(v)) ? -EFAULT : 0;
	}
	case PR_GET_DUMPABLE:
		return c->dumpable;
	case PR_SET_DUMPABLE:
		return flag_value(a[1], &c->dumpable);
	case PR_GET_KEEPCAPS:
		return c->keepcaps;
	case PR_SET_KEEPCAPS:
		err = flag_value(a[1], &keep);
		c->keepcaps = keep;
		return err;
	case PR_SET_NAME:
	case PR_GET_NAME:
		return prctl_name(a[0], a[1]);
	case PR_CAPBSET_READ:
		if (a[1] < 0 || a[1] > CAP_LAST_CAP)
			return -EINVAL;
		return c->cap_bnd >> a[1] & 1;
	case PR_CAPBSET_DROP:
		if (a[1] < 0 || a[1] > CAP_LAST_CAP)
			return -EINVAL;
		return cred_drop_bounding((int)a[1]);
	case PR_GET_SECCOMP:
	case PR_SET_SECCOMP:
	case PR_SET_NO_NEW_PRIVS:
	case PR_GET_NO_NEW_PRIVS:
		return seccomp_prctl(a); /* linux/sys_seccomp.c */
	default:
		return -EINVAL;
	}
}

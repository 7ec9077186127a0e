/*
 * cred.c - who the process is (kernel/, a service for fs/, net/ and
 * linux/): cred_capable, and the rules of setuid(2), setgroups(2) and
 * capabilities(7) for changing ids and capability sets. linux/sys_cred.c
 * checks and copies the system calls' arguments and calls these. The ids
 * are recorded and reported; file permission checks still treat the
 * program as root (docs/linux.md).
 */
#include <keel/cred.h>
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/process.h>

struct cred *cred_current(void)
{
	return &current_process()->cred;
}

bool cred_capable(int cap)
{
	return cap >= 0 && cap <= CAP_LAST_CAP &&
	       (cred_current()->cap_eff >> cap & 1);
}

/*
 * After a uid change, as capabilities(7): leaving euid 0 clears the
 * effective set, reaching it restores the permitted one, and when no id
 * is 0 any more the permitted set goes too (unless PR_SET_KEEPCAPS).
 */
static void uid_changed(struct cred *c, const struct cred *old)
{
	bool had_root = !old->ruid || !old->euid || !old->suid;
	bool has_root = !c->ruid || !c->euid || !c->suid;

	if (had_root && !has_root && !c->keepcaps)
		c->cap_prm = 0;
	if (old->euid == 0 && c->euid != 0)
		c->cap_eff = 0;
	else if (old->euid != 0 && c->euid == 0)
		c->cap_eff = c->cap_prm;
	c->cap_eff &= c->cap_prm;
}

/*
 * After a successful change, as Linux's commit_creds: a new uid set
 * updates the capabilities, and a new effective or fs id makes the
 * process not dumpable and clears its parent-death signal.
 */
static long committed(long ret, const struct cred *old)
{
	struct cred *c = cred_current();

	if (ret < 0)
		return ret;
	if (old->ruid != c->ruid || old->euid != c->euid ||
	    old->suid != c->suid)
		uid_changed(c, old);
	if (old->euid != c->euid || old->egid != c->egid ||
	    old->fsuid != c->fsuid || old->fsgid != c->fsgid) {
		c->dumpable = 0;
		c->pdeathsig = 0;
	}
	return ret;
}

/* May an unprivileged caller take id? One of the three it holds. */
static bool holds(uint32_t id, const uint32_t *ids)
{
	return id == ids[0] || id == ids[1] || id == ids[2];
}

/* The real, effective and saved ids as an array, the fs id, the cap. */
struct idset {
	uint32_t *ids, *fsid;
	int cap;
};

static struct idset idset(bool uid)
{
	struct cred *c = cred_current();

	if (uid)
		return (struct idset){ &c->ruid, &c->fsuid, CAP_SETUID };
	return (struct idset){ &c->rgid, &c->fsgid, CAP_SETGID };
}

/* Without the capability each new id must be one the caller holds. */
static long set_res(struct idset s, const uint32_t *n)
{
	for (int i = 0; i < 3; i++)
		if (n[i] != CRED_NO_ID && !cred_capable(s.cap) &&
		    !holds(n[i], s.ids))
			return -EPERM;
	for (int i = 0; i < 3; i++)
		if (n[i] != CRED_NO_ID)
			s.ids[i] = n[i];
	*s.fsid = s.ids[1];
	return 0;
}

long cred_setres(bool uid, uint32_t r, uint32_t e, uint32_t s)
{
	struct cred old = *cred_current();
	const uint32_t n[3] = { r, e, s };

	return committed(set_res(idset(uid), n), &old);
}

/*
 * A new real id must be the old real or effective one, a new effective
 * id one of the three; the saved id follows the effective one when the
 * real id is set or the effective one leaves it.
 */
static long set_re(struct idset s, uint32_t r, uint32_t e)
{
	bool priv = cred_capable(s.cap);
	uint32_t *ids = s.ids;

	if (r != CRED_NO_ID && !priv && r != ids[0] && r != ids[1])
		return -EPERM;
	if (e != CRED_NO_ID && !priv && !holds(e, ids))
		return -EPERM;
	if (r != CRED_NO_ID || (e != CRED_NO_ID && e != ids[0]))
		ids[2] = e != CRED_NO_ID ? e : ids[1];
	if (r != CRED_NO_ID)
		ids[0] = r;
	if (e != CRED_NO_ID)
		ids[1] = e;
	*s.fsid = ids[1];
	return 0;
}

long cred_setre(bool uid, uint32_t r, uint32_t e)
{
	struct cred old = *cred_current();

	return committed(set_re(idset(uid), r, e), &old);
}

/* All ids with the capability, else the effective one. */
static long set_one(struct idset s, uint32_t id)
{
	if (id == CRED_NO_ID)
		return -EINVAL;
	if (cred_capable(s.cap))
		s.ids[0] = s.ids[1] = s.ids[2] = id;
	else if (id == s.ids[0] || id == s.ids[2])
		s.ids[1] = id;
	else
		return -EPERM;
	*s.fsid = id;
	return 0;
}

long cred_setid(bool uid, uint32_t id)
{
	struct cred old = *cred_current();

	return committed(set_one(idset(uid), id), &old);
}

long cred_setfsid(bool uid, uint32_t id)
{
	struct cred old = *cred_current();
	struct idset s = idset(uid);
	uint32_t was = *s.fsid;

	if (id != CRED_NO_ID &&
	    (cred_capable(s.cap) || holds(id, s.ids) || id == was))
		*s.fsid = id;
	return committed(was, &old);
}

int cred_set_groups(uint32_t *g, unsigned n)
{
	struct cred *c = cred_current();

	if (!cred_capable(CAP_SETGID)) {
		kfree(g);
		return -EPERM;
	}
	/* Linux keeps the list sorted (getgroups shows it so). */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && g[j - 1] > g[j]; j--) {
			uint32_t t = g[j];

			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	kfree(c->groups);
	c->groups = n ? g : NULL;
	if (!n)
		kfree(g);
	c->ngroups = n;
	return 0;
}

int cred_set_caps(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct cred *c = cred_current();

	if ((prm & ~c->cap_prm) || (eff & ~prm) ||
	    (inh & ~(c->cap_inh | c->cap_prm)) ||
	    (inh & ~(c->cap_inh | c->cap_bnd)))
		return -EPERM;
	c->cap_eff = eff & CAP_ALL;
	c->cap_prm = prm & CAP_ALL;
	c->cap_inh = inh & CAP_ALL;
	return 0;
}

int cred_drop_bounding(int cap)
{
	if (cap < 0 || cap > CAP_LAST_CAP)
		return -EINVAL;
	if (!cred_capable(CAP_SETPCAP))
		return -EPERM;
	cred_current()->cap_bnd &= ~(1ULL << cap);
	return 0;
}

/*
 * cred.h - who the process is (kernel/cred.c, a kernel/ service): its
 * user and group ids with setuid(2)'s rules, supplementary groups and
 * capabilities (capabilities(7)). fs/ and net/ ask cred_capable();
 * linux/sys_cred.c turns the calls below into system calls.
 */
#ifndef KEEL_CRED_H
#define KEEL_CRED_H

#include <keel/compiler.h>

#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
#define CAP_NET_BROADCAST 11
#define CAP_NET_ADMIN 12
#define CAP_NET_RAW 13
#define CAP_IPC_LOCK 14
#define CAP_SYS_CHROOT 18
#define CAP_SYS_ADMIN 21
#define CAP_SYS_NICE 23
#define CAP_SYS_RESOURCE 24
#define CAP_SYS_TIME 25
#define CAP_SYSLOG 34
#define CAP_LAST_CAP 40
#define CAP_ALL ((1ULL << (CAP_LAST_CAP + 1)) - 1)

#define CRED_NO_ID 0xffffffffu /* -1 in a set*id call: leave it alone */
/* The most supplementary groups setgroups takes (kernel.ngroups_max). */
#define NGROUPS_MAX 65536

struct cred {
	/* Real, effective, saved and file-system ids, in that order. */
	uint32_t ruid, euid, suid, fsuid;
	uint32_t rgid, egid, sgid, fsgid;
	uint32_t *groups; /* supplementary groups (kmalloc), ngroups of them */
	unsigned ngroups;
	/* Capability sets: effective, permitted, inheritable, bounding. */
	uint64_t cap_eff, cap_prm, cap_inh, cap_bnd;
	bool keepcaps; /* PR_SET_KEEPCAPS */
	int dumpable; /* PR_GET_DUMPABLE: cleared by an id change */
	int pdeathsig; /* PR_SET_PDEATHSIG: cleared by an id change */
};

/* The initial credentials: root with every capability. */
#define CRED_ROOT                                                           \
	{                                                                   \
		.cap_eff = CAP_ALL, .cap_prm = CAP_ALL, .cap_bnd = CAP_ALL, \
		.dumpable = 1,                                              \
	}

/* The calling process's credentials. */
struct cred *cred_current(void);
/* Does the process hold capability cap in its effective set? */
bool cred_capable(int cap);

/*
 * Change the uids (uid true) or gids; CRED_NO_ID leaves one alone. Each
 * checks as Linux does, then commits as commit_creds: the capability
 * sets follow the uids, dumpable and pdeathsig are cleared. setres: the
 * three ids; setre: real and effective; setid: setuid/setgid's rule;
 * 0 or -EPERM/-EINVAL. setfsid returns the old fs id, set if allowed.
 */
long cred_setres(bool uid, uint32_t r, uint32_t e, uint32_t s);
long cred_setre(bool uid, uint32_t r, uint32_t e);
long cred_setid(bool uid, uint32_t id);
long cred_setfsid(bool uid, uint32_t id);
/* Replace the supplementary groups by the n ids of g (kmalloc'd, taken
 * over and sorted): 0, or -EPERM without CAP_SETGID (g is freed). */
int cred_set_groups(uint32_t *g, unsigned n);
/* capset(2)'s rule: the new sets must not grow beyond what is allowed:
 * 0 or -EPERM. */
int cred_set_caps(uint64_t eff, uint64_t prm, uint64_t inh);
/* PR_CAPBSET_DROP: 0, -EINVAL for an unknown capability, -EPERM. */
int cred_drop_bounding(int cap);

#endif

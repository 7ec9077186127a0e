/*
 * seccomp.h - system-call filtering as Linux's seccomp(2) defines it, a
 * kernel/ service (kernel/seccomp.c): the classic BPF programs a thread
 * installs (checked at load as Linux checks them, then run on every
 * system call of the thread), the refcounted chains of installed filters,
 * and which action a stack of filters decides on. linux/sys_seccomp.c is
 * the system-call face (seccomp(2), prctl) and carries out the action.
 */
#ifndef KEEL_SECCOMP_H
#define KEEL_SECCOMP_H

#include <keel/compiler.h>

/* What a filter sees: Linux's struct seccomp_data (64 bytes). */
struct seccomp_data {
	int32_t nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};
#define AUDIT_ARCH_X86_64 0xc000003eu

/* A classic BPF instruction and program (struct sock_filter/sock_fprog). */
struct sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
struct sock_fprog {
	uint16_t len;
	uint64_t filter; /* the user address of len instructions */
};
#define BPF_MAXINSNS 4096
#define BPF_MEMWORDS 16

/* Classic BPF opcodes (linux/filter.h, linux/bpf_common.h). */
#define BPF_CLASS(c) ((c)&0x07)
#define BPF_LD 0x00
#define BPF_LDX 0x01
#define BPF_ST 0x02
#define BPF_STX 0x03
#define BPF_ALU 0x04
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_MISC 0x07
#define BPF_W 0x00
#define BPF_H 0x08
#define BPF_B 0x10
#define BPF_IMM 0x00
#define BPF_ABS 0x20
#define BPF_IND 0x40
#define BPF_MEM 0x60
#define BPF_LEN 0x80
#define BPF_MSH 0xa0
#define BPF_ADD 0x00
#define BPF_SUB 0x10
#define BPF_MUL 0x20
#define BPF_DIV 0x30
#define BPF_OR 0x40
#define BPF_AND 0x50
#define BPF_LSH 0x60
#define BPF_RSH 0x70
#define BPF_NEG 0x80
#define BPF_MOD 0x90
#define BPF_XOR 0xa0
#define BPF_JA 0x00
#define BPF_JEQ 0x10
#define BPF_JGT 0x20
#define BPF_JGE 0x30
#define BPF_JSET 0x40
#define BPF_K 0x00
#define BPF_X 0x08
#define BPF_A 0x10
#define BPF_TAX 0x00
#define BPF_TXA 0x80

/* Modes (PR_GET_SECCOMP) and seccomp(2)'s operations and flags. */
#define SECCOMP_MODE_DISABLED 0
#define SECCOMP_MODE_STRICT 1
#define SECCOMP_MODE_FILTER 2
#define SECCOMP_SET_MODE_STRICT 0
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_GET_ACTION_AVAIL 2
#define SECCOMP_GET_NOTIF_SIZES 3
#define SECCOMP_FILTER_FLAG_TSYNC (1u << 0)
#define SECCOMP_FILTER_FLAG_LOG (1u << 1)
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1u << 2)
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1u << 3)
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1u << 4)
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1u << 5)

/* A filter's return value: an action in the high 16 bits, data below. */
#define SECCOMP_RET_KILL_PROCESS 0x80000000u
#define SECCOMP_RET_KILL_THREAD 0x00000000u
#define SECCOMP_RET_TRAP 0x00030000u
#define SECCOMP_RET_ERRNO 0x00050000u
#define SECCOMP_RET_USER_NOTIF 0x7fc00000u
#define SECCOMP_RET_TRACE 0x7ff00000u
#define SECCOMP_RET_LOG 0x7ffc0000u
#define SECCOMP_RET_ALLOW 0x7fff0000u
#define SECCOMP_RET_ACTION_FULL 0xffff0000u
#define SECCOMP_RET_DATA 0x0000ffffu

/* Instructions in all of a thread's filters, 4 more for each filter. */
#define SECCOMP_MAX_INSNS_PER_PATH 32768

/*
 * An installed filter: immutable once made, shared by the threads that
 * inherited it, freed with its last reference; prev is the filter
 * installed before it (a reference held), so a chain runs newest first.
 */
struct seccomp_filter {
	int refs;
	bool log; /* SECCOMP_FILTER_FLAG_LOG */
	struct seccomp_filter *prev;
	unsigned len;
	struct sock_filter insns[];
};

/* One thread's seccomp state (kept in linux/'s struct uthread). */
struct seccomp {
	int mode; /* SECCOMP_MODE_*: 0 means no check at all */
	struct seccomp_filter *filter; /* the newest; NULL in strict mode */
};

/*
 * Check a program as Linux does at load (bpf_check_classic and
 * seccomp_check_filter): 1..4096 instructions, only the opcodes seccomp
 * allows, jumps forward and inside the program, no constant division by
 * zero nor shift by 32 or more, loads only of aligned 32-bit words of
 * struct seccomp_data, scratch memory written before it is read on every
 * path, a return as the last instruction: 0, -EINVAL or -ENOMEM.
 */
int seccomp_check_prog(const struct sock_filter *insns, unsigned len);
/* Run a checked program on d: its return value. */
uint32_t seccomp_run_prog(const struct sock_filter *insns, unsigned len,
			  const struct seccomp_data *d);

/*
 * A new filter of a program, checked and copied: the filter (one
 * reference, no prev yet), or ERR_PTR(-EINVAL/-ENOMEM).
 */
struct seccomp_filter *seccomp_filter_new(const struct sock_filter *insns,
					  unsigned len);
void seccomp_filter_get(struct seccomp_filter *f);
/* Drop a reference: the filter goes with its last, and so, link by
 * link, do the filters before it that nobody else holds. */
void seccomp_filter_put(struct seccomp_filter *f);
/* Whether a is f or one of the filters before it (TSYNC's rule). */
bool seccomp_filter_is_ancestor(const struct seccomp_filter *a,
				const struct seccomp_filter *f);

/*
 * Install f (a new filter: its reference moves to s) on top of s's
 * filters and put s in filter mode: 0, -EINVAL (s is in strict mode) or
 * -ENOMEM (more than SECCOMP_MAX_INSNS_PER_PATH). On failure f is
 * untouched and still the caller's.
 */
int seccomp_attach(struct seccomp *s, struct seccomp_filter *f);
/* Put s in strict mode: 0, or -EINVAL when it has filters. */
int seccomp_set_strict(struct seccomp *s);
/* Give s (a thread's state, empty or not) the filters of from: TSYNC. */
void seccomp_sync(struct seccomp *s, const struct seccomp *from);
/*
 * seccomp_fork: a new thread or process; child gets parent's mode and
 * filters (a reference to the same chain). seccomp_release: the thread
 * ends; its reference goes. execve changes nothing: filters survive it.
 */
void seccomp_fork(struct seccomp *child, const struct seccomp *parent);
void seccomp_release(struct seccomp *s);

/*
 * Run every filter of s on d, newest first: the return value of the
 * strictest action (KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, USER_NOTIF,
 * TRACE, LOG, ALLOW, in that order: the action as a signed number, the
 * lowest wins, so an unknown action ranks by its value as in Linux; the
 * caller treats it as a kill). The newest filter returning the winning
 * action wins ties; *match (unless NULL) is that filter.
 */
uint32_t seccomp_run_filters(const struct seccomp *s,
			     const struct seccomp_data *d,
			     const struct seccomp_filter **match);
/* Strict mode's rule: read, write, exit and rt_sigreturn only. */
bool seccomp_strict_allowed(long nr);
/* Whether action (the high 16 bits of a return value) is one Linux
 * knows (SECCOMP_GET_ACTION_AVAIL). */
bool seccomp_action_known(uint32_t action);

#endif

/*
 * seccomp.c - seccomp's filters, a kernel/ service (include/keel/seccomp.h):
 * the load-time check of a classic BPF program (the rules of Linux's
 * bpf_check_classic and seccomp_check_filter, written afresh), the
 * interpreter that runs one on a struct seccomp_data, refcounted chains of
 * installed filters, and the precedence of actions over a stack of them.
 * What an action does to the thread (an errno, a signal, death) is the
 * system-call layer's (linux/sys_seccomp.c).
 *
 * Filters are immutable once installed and shared between the threads
 * that inherited them; the kernel is not preemptible and a filter runs
 * without sleeping, so a reference is needed only to keep a filter
 * installed, not to run it.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/seccomp.h>
#include <keel/string.h>

/* ---- the load-time check ---- */

/* The opcodes a seccomp program may use (seccomp_check_filter's list). */
static bool opcode_allowed(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	default:
		return false;
	}
}

static bool is_cond_jump(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && (code & 0xf0) != BPF_JA;
}

/* One instruction at pc, on its own: its operands are in range. */
static bool insn_ok(const struct sock_filter *in, unsigned pc, unsigned len)
{
	if (!opcode_allowed(in->code))
		return false;
	switch (in->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		/* An aligned word inside struct seccomp_data. */
		return in->k < sizeof(struct seccomp_data) && !(in->k & 3);
	case BPF_ALU | BPF_DIV | BPF_K:
		return in->k != 0;
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
		return in->k < 32;
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		return in->k < BPF_MEMWORDS;
	case BPF_JMP | BPF_JA:
		/* Forward, and landing on an instruction. */
		return in->k < len - pc - 1;
	default:
		if (is_cond_jump(in->code))
			return pc + 1 + in->jt < len && pc + 1 + in->jf < len;
		return true;
	}
}

/*
 * Every path reads a scratch word only after writing it. Jumps go only
 * forward, so one pass suffices: valid[pc] is what every way into pc has
 * written (all ones until a jump reaches it), and falling through carries
 * what was written so far.
 */
static int memory_ok(const struct sock_filter *p, unsigned len)
{
	uint16_t *valid = kmalloc(len * sizeof(*valid));
	uint16_t have = 0; /* written on the way here */
	int err = 0;

	if (!valid)
		return -ENOMEM;
	memset(valid, 0xff, len * sizeof(*valid));
	for (unsigned pc = 0; pc < len && !err; pc++) {
		const struct sock_filter *in = &p[pc];

		have &= valid[pc];
		switch (in->code) {
		case BPF_ST:
		case BPF_STX:
			have |= (uint16_t)(1u << in->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(have & (1u << in->k)))
				err = -EINVAL;
			break;
		case BPF_JMP | BPF_JA:
			valid[pc + 1 + in->k] &= have;
			have = 0xffff; /* nothing falls through */
			break;
		default:
			if (is_cond_jump(in->code)) {
				valid[pc + 1 + in->jt] &= have;
				valid[pc + 1 + in->jf] &= have;
				have = 0xffff;
			}
			break;
		}
	}
	kfree(valid);
	return err;
}

int seccomp_check_prog(const struct sock_filter *insns, unsigned len)
{
	uint16_t last;

	if (len == 0 || len > BPF_MAXINSNS)
		return -EINVAL;
	for (unsigned pc = 0; pc < len; pc++)
		if (!insn_ok(&insns[pc], pc, len))
			return -EINVAL;
	last = insns[len - 1].code;
	if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A))
		return -EINVAL;
	return memory_ok(insns, len);
}

/* ---- the interpreter ---- */

static uint32_t alu(uint16_t op, uint32_t a, uint32_t v, bool *div0)
{
	switch (op) {
	case BPF_ADD:
		return a + v;
	case BPF_SUB:
		return a - v;
	case BPF_MUL:
		return a * v;
	case BPF_DIV:
		if (!v) { /* only X can be 0: the program returns 0 */
			*div0 = true;
			return 0;
		}
		return a / v;
	case BPF_AND:
		return a & v;
	case BPF_OR:
		return a | v;
	case BPF_XOR:
		return a ^ v;
	case BPF_LSH:
		return a << (v & 31);
	case BPF_RSH:
		return a >> (v & 31);
	case BPF_NEG:
		return -a;
	default:
		return a;
	}
}

static bool jump_taken(uint16_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case BPF_JEQ:
		return a == v;
	case BPF_JGT:
		return a > v;
	case BPF_JGE:
		return a >= v;
	default: /* BPF_JSET */
		return (a & v) != 0;
	}
}

uint32_t seccomp_run_prog(const struct sock_filter *insns, unsigned len,
			  const struct seccomp_data *d)
{
	const uint8_t *data = (const uint8_t *)d;
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	bool div0 = false;
	unsigned pc = 0;

	while (pc < len) { /* checked: jumps go forward, the last returns */
		const struct sock_filter *in = &insns[pc++];
		uint32_t word;

		switch (BPF_CLASS(in->code)) {
		case BPF_LD:
			if (in->code == (BPF_LD | BPF_W | BPF_ABS)) {
				memcpy(&word, data + in->k, sizeof(word));
				a = word;
			} else if (in->code == (BPF_LD | BPF_W | BPF_LEN)) {
				a = sizeof(*d);
			} else if (in->code == (BPF_LD | BPF_MEM)) {
				a = mem[in->k];
			} else {
				a = in->k;
			}
			break;
		case BPF_LDX:
			if (in->code == (BPF_LDX | BPF_W | BPF_LEN))
				x = sizeof(*d);
			else if (in->code == (BPF_LDX | BPF_MEM))
				x = mem[in->k];
			else
				x = in->k;
			break;
		case BPF_ST:
			mem[in->k] = a;
			break;
		case BPF_STX:
			mem[in->k] = x;
			break;
		case BPF_ALU:
			a = alu(in->code & 0xf0, a,
				in->code & BPF_X ? x : in->k, &div0);
			if (div0)
				return 0;
			break;
		case BPF_JMP:
			if ((in->code & 0xf0) == BPF_JA)
				pc += in->k;
			else
				pc += jump_taken(in->code & 0xf0, a,
						 in->code & BPF_X ? x : in->k)
					  ? in->jt
					  : in->jf;
			break;
		case BPF_RET:
			return in->code & BPF_A ? a : in->k;
		default: /* BPF_MISC */
			if (in->code & BPF_TXA)
				a = x;
			else
				x = a;
			break;
		}
	}
	return SECCOMP_RET_KILL_PROCESS; /* unreachable for a checked one */
}

/* ---- filters ---- */

struct seccomp_filter *seccomp_filter_new(const struct sock_filter *insns,
					  unsigned len)
{
	struct seccomp_filter *f;
	int err = seccomp_check_prog(insns, len);

	if (err)
		return ERR_PTR(err);
	f = kzalloc(sizeof(*f) + len * sizeof(*insns));
	if (!f)
		return ERR_PTR(-ENOMEM);
	f->refs = 1;
	f->len = len;
	memcpy(f->insns, insns, len * sizeof(*insns));
	return f;
}

void seccomp_filter_get(struct seccomp_filter *f)
{
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

void seccomp_filter_put(struct seccomp_filter *f)
{
	while (f && __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct seccomp_filter *prev = f->prev;

		kfree(f);
		f = prev;
	}
}

bool seccomp_filter_is_ancestor(const struct seccomp_filter *a,
				const struct seccomp_filter *f)
{
	if (!a) /* every chain starts from no filter */
		return true;
	for (; f; f = f->prev)
		if (f == a)
			return true;
	return false;
}

int seccomp_attach(struct seccomp *s, struct seccomp_filter *f)
{
	unsigned total = f->len;

	if (s->mode != SECCOMP_MODE_DISABLED && s->mode != SECCOMP_MODE_FILTER)
		return -EINVAL;
	for (const struct seccomp_filter *w = s->filter; w; w = w->prev)
		total += w->len + 4;
	if (total > SECCOMP_MAX_INSNS_PER_PATH)
		return -ENOMEM;
	f->prev = s->filter; /* s's reference moves to f */
	s->filter = f;
	s->mode = SECCOMP_MODE_FILTER;
	return 0;
}

int seccomp_set_strict(struct seccomp *s)
{
	if (s->mode != SECCOMP_MODE_DISABLED && s->mode != SECCOMP_MODE_STRICT)
		return -EINVAL;
	s->mode = SECCOMP_MODE_STRICT;
	return 0;
}

void seccomp_sync(struct seccomp *s, const struct seccomp *from)
{
	struct seccomp_filter *old = s->filter;

	seccomp_filter_get(from->filter);
	s->filter = from->filter;
	s->mode = SECCOMP_MODE_FILTER;
	seccomp_filter_put(old);
}

void seccomp_fork(struct seccomp *child, const struct seccomp *parent)
{
	seccomp_filter_get(parent->filter);
	child->filter = parent->filter;
	child->mode = parent->mode;
}

void seccomp_release(struct seccomp *s)
{
	seccomp_filter_put(s->filter);
	s->filter = NULL;
	s->mode = SECCOMP_MODE_DISABLED;
}

/* ---- running the stack ---- */

static int32_t rank(uint32_t ret)
{
	return (int32_t)(ret & SECCOMP_RET_ACTION_FULL);
}

uint32_t seccomp_run_filters(const struct seccomp *s,
			     const struct seccomp_data *d,
			     const struct seccomp_filter **match)
{
	uint32_t ret = SECCOMP_RET_ALLOW;
	const struct seccomp_filter *won = NULL;

	if (!s->filter) /* filter mode without a filter cannot be */
		ret = SECCOMP_RET_KILL_PROCESS;
	for (const struct seccomp_filter *f = s->filter; f; f = f->prev) {
		uint32_t cur = seccomp_run_prog(f->insns, f->len, d);

		if (rank(cur) < rank(ret)) {
			ret = cur;
			won = f;
		}
	}
	if (match)
		*match = won;
	return ret;
}

bool seccomp_strict_allowed(long nr)
{
	/* x86-64 numbers: read, write, rt_sigreturn, exit. */
	return nr == 0 || nr == 1 || nr == 15 || nr == 60;
}

bool seccomp_action_known(uint32_t action)
{
	switch (action) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
	case SECCOMP_RET_TRAP:
	case SECCOMP_RET_ERRNO:
	case SECCOMP_RET_USER_NOTIF:
	case SECCOMP_RET_TRACE:
	case SECCOMP_RET_LOG:
	case SECCOMP_RET_ALLOW:
		return true;
	default:
		return false;
	}
}

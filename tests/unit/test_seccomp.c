/*
 * test_seccomp.c - kernel/seccomp.c: the load-time check of classic BPF
 * programs against hostile ones (lengths 0 and 4097, jumps past the end,
 * a JA whose offset wraps, loads outside struct seccomp_data or
 * misaligned, division by a zero constant, shifts by 32, opcodes seccomp
 * refuses, a missing return, scratch memory read before it is written on
 * some path); the interpreter on every instruction kind; stacks of
 * filters and the precedence of their actions; references (no heap
 * object left behind); and random programs: whatever the check accepts
 * runs to a return.
 */
#include <keel/errno.h>
#include <keel/heap.h>
#include <keel/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#define STMT(c, kk) ((struct sock_filter){ .code = (c), .k = (kk) })
#define JUMP(c, kk, t, f) \
	((struct sock_filter){ .code = (c), .jt = (t), .jf = (f), .k = (kk) })
#define RET(v) STMT(BPF_RET | BPF_K, v)
#define LD(off) STMT(BPF_LD | BPF_W | BPF_ABS, off)
#define OFF_NR 0
#define OFF_ARCH 4
#define OFF_ARG(i) (16 + 8 * (i))

static int setup(void **state)
{
	(void)state;
	return hosted_mem_init(MiB(64));
}

static size_t live(void)
{
	struct heap_stats st;

	heap_stats(&st);
	return st.live_objects;
}

#define CHECK(prog) seccomp_check_prog((prog), sizeof(prog) / sizeof((prog)[0]))
#define RUN(prog, d) \
	seccomp_run_prog((prog), sizeof(prog) / sizeof((prog)[0]), (d))

static struct seccomp_data data_for(int nr)
{
	struct seccomp_data d = { .nr = nr, .arch = AUDIT_ARCH_X86_64 };

	return d;
}

/* The usual shape: check the arch, then ERRNO(5) for one call. */
static const struct sock_filter usual[] = {
	LD(OFF_ARCH),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	RET(SECCOMP_RET_KILL_PROCESS),
	LD(OFF_NR),
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 1),
	RET(SECCOMP_RET_ERRNO | 5),
	RET(SECCOMP_RET_ALLOW),
};

static void test_usual_filter(void **state)
{
	struct seccomp_data d = data_for(39);

	(void)state;
	assert_int_equal(CHECK(usual), 0);
	assert_int_equal(RUN(usual, &d), SECCOMP_RET_ERRNO | 5);
	d.nr = 40;
	assert_int_equal(RUN(usual, &d), SECCOMP_RET_ALLOW);
	d.arch = 0x40000003; /* i386 */
	assert_int_equal(RUN(usual, &d), SECCOMP_RET_KILL_PROCESS);
}

static void test_lengths(void **state)
{
	static struct sock_filter big[BPF_MAXINSNS + 1];
	size_t before = live();

	(void)state;
	assert_int_equal(seccomp_check_prog(big, 0), -EINVAL);
	for (int i = 0; i < BPF_MAXINSNS + 1; i++)
		big[i] = STMT(BPF_LD | BPF_IMM, i);
	big[BPF_MAXINSNS - 1] = RET(SECCOMP_RET_ALLOW);
	assert_int_equal(seccomp_check_prog(big, BPF_MAXINSNS), 0);
	big[BPF_MAXINSNS] = RET(SECCOMP_RET_ALLOW);
	assert_int_equal(seccomp_check_prog(big, BPF_MAXINSNS + 1), -EINVAL);
	assert_int_equal(live(), before);
}

static void test_jumps(void **state)
{
	struct sock_filter jt_out[] = {
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),
		RET(0),
		RET(0),
	};
	struct sock_filter jf_out[] = {
		JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 255),
		RET(0),
	};
	struct sock_filter ja_end[] = {
		STMT(BPF_JMP | BPF_JA, 1),
		RET(0),
	};
	struct sock_filter ja_wrap[] = {
		STMT(BPF_JMP | BPF_JA, 0xffffffff), /* pc + 1 + k wraps to pc */
		RET(0),
	};
	struct sock_filter ja_ok[] = {
		STMT(BPF_JMP | BPF_JA, 1),
		RET(SECCOMP_RET_KILL_PROCESS),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_filter last_jump[] = {
		RET(0),
		JUMP(BPF_JMP | BPF_JSET | BPF_K, 0, 0, 0),
	};
	struct seccomp_data d = data_for(0);

	(void)state;
	assert_int_equal(CHECK(jt_out), -EINVAL);
	assert_int_equal(CHECK(jf_out), -EINVAL);
	assert_int_equal(CHECK(ja_end), -EINVAL);
	assert_int_equal(CHECK(ja_wrap), -EINVAL);
	assert_int_equal(CHECK(last_jump), -EINVAL);
	assert_int_equal(CHECK(ja_ok), 0);
	assert_int_equal(RUN(ja_ok, &d), SECCOMP_RET_ALLOW);
}

static void test_loads(void **state)
{
	static const uint32_t bad_offsets[] = { 64, 68,		2,	   1,
						63, 0xfffffffc, 0x80000000 };
	struct sock_filter p[] = { LD(0), RET(SECCOMP_RET_ALLOW) };
	struct sock_filter other[] = {
		STMT(BPF_LD | BPF_H | BPF_ABS, 0),
		RET(0),
	};
	static const uint16_t refused[] = {
		BPF_LD | BPF_H | BPF_ABS,
		BPF_LD | BPF_B | BPF_ABS,
		BPF_LD | BPF_W | BPF_IND,
		BPF_LDX | BPF_B | BPF_MSH,
		BPF_ALU | BPF_MOD | BPF_K,
		BPF_ALU | BPF_MOD | BPF_X,
		BPF_RET | BPF_X,
		0xff,
		BPF_LD | BPF_W | BPF_MEM | BPF_X, /* no such opcode */
	};

	(void)state;
	for (uint32_t k = 0; k < sizeof(struct seccomp_data); k += 4) {
		p[0].k = k;
		assert_int_equal(CHECK(p), 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_offsets); i++) {
		p[0].k = bad_offsets[i];
		assert_int_equal(CHECK(p), -EINVAL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		other[0] = STMT(refused[i], 1);
		assert_int_equal(CHECK(other), -EINVAL);
	}
}

static void test_arithmetic_checks(void **state)
{
	struct sock_filter div0[] = {
		STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
		RET(0),
	};
	struct sock_filter divx[] = {
		STMT(BPF_LD | BPF_IMM, 10),
		STMT(BPF_ALU | BPF_DIV | BPF_X, 0), /* X is 0 at run time */
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_filter shift[] = {
		STMT(BPF_ALU | BPF_LSH | BPF_K, 32),
		RET(0),
	};
	struct seccomp_data d = data_for(0);

	(void)state;
	assert_int_equal(CHECK(div0), -EINVAL);
	assert_int_equal(CHECK(shift), -EINVAL);
	shift[0] = STMT(BPF_ALU | BPF_RSH | BPF_K, 33);
	assert_int_equal(CHECK(shift), -EINVAL);
	shift[0] = STMT(BPF_ALU | BPF_RSH | BPF_K, 31);
	assert_int_equal(CHECK(shift), 0);
	/* A division by X == 0 ends the program with 0: KILL_THREAD. */
	assert_int_equal(CHECK(divx), 0);
	assert_int_equal(RUN(divx, &d), 0);
}

static void test_missing_ret(void **state)
{
	struct sock_filter p[] = {
		LD(OFF_NR),
		STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
	};
	struct sock_filter retx[] = { STMT(BPF_MISC | BPF_TAX, 0),
				      STMT(BPF_RET | BPF_X, 0) };

	(void)state;
	assert_int_equal(CHECK(p), -EINVAL);
	assert_int_equal(CHECK(retx), -EINVAL);
}

static void test_scratch_memory(void **state)
{
	struct sock_filter unwritten[] = {
		STMT(BPF_LD | BPF_MEM, 3),
		RET(0),
	};
	struct sock_filter written[] = {
		STMT(BPF_LD | BPF_IMM, 7),  STMT(BPF_ST, 3),
		STMT(BPF_LDX | BPF_MEM, 3), STMT(BPF_MISC | BPF_TXA, 0),
		STMT(BPF_RET | BPF_A, 0),
	};
	/* Written on one branch only, read where both meet. */
	struct sock_filter one_branch[] = {
		LD(OFF_NR),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
		STMT(BPF_ST, 5),
		STMT(BPF_LD | BPF_MEM, 5),
		STMT(BPF_RET | BPF_A, 0),
	};
	/* Written on both. */
	struct sock_filter both[] = {
		LD(OFF_NR),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2),
		STMT(BPF_ST, 5),
		STMT(BPF_JMP | BPF_JA, 1),
		STMT(BPF_STX, 5),
		STMT(BPF_LD | BPF_MEM, 5),
		STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_filter slot16[] = {
		STMT(BPF_ST, 16),
		RET(0),
	};
	struct seccomp_data d = data_for(1);

	(void)state;
	assert_int_equal(CHECK(unwritten), -EINVAL);
	assert_int_equal(CHECK(written), 0);
	assert_int_equal(RUN(written, &d), 7);
	assert_int_equal(CHECK(one_branch), -EINVAL);
	assert_int_equal(CHECK(both), 0);
	assert_int_equal(RUN(both, &d), 1); /* A (nr) stored */
	d.nr = 2;
	assert_int_equal(RUN(both, &d), 0); /* X (0) stored */
	assert_int_equal(CHECK(slot16), -EINVAL);
}

/* One instruction (code, k) run with A = a: what the program returns. */
struct op_case {
	uint16_t code;
	uint32_t k, a, want;
};

/* Each ALU operation and jump on values where it matters. */
static void test_interpreter(void **state)
{
	struct sock_filter alu[] = {
		LD(OFF_ARG(0)), /* low word of args[0] */
		STMT(BPF_LDX | BPF_IMM, 3),
		STMT(0, 0), /* the operation under test */
		STMT(BPF_RET | BPF_A, 0),
	};
	static const struct op_case ops[] = {
		{ BPF_ALU | BPF_ADD | BPF_K, 5, 0xffffffff, 4 },
		{ BPF_ALU | BPF_ADD | BPF_X, 0, 1, 4 },
		{ BPF_ALU | BPF_SUB | BPF_K, 5, 3, 0xfffffffe },
		{ BPF_ALU | BPF_SUB | BPF_X, 0, 10, 7 },
		{ BPF_ALU | BPF_MUL | BPF_K, 0x10000, 0x10001, 0x10000 },
		{ BPF_ALU | BPF_MUL | BPF_X, 0, 7, 21 },
		{ BPF_ALU | BPF_DIV | BPF_K, 7, 50, 7 },
		{ BPF_ALU | BPF_DIV | BPF_X, 0, 50, 16 },
		{ BPF_ALU | BPF_AND | BPF_K, 0xf0, 0x3c, 0x30 },
		{ BPF_ALU | BPF_AND | BPF_X, 0, 6, 2 },
		{ BPF_ALU | BPF_OR | BPF_K, 0xf0, 0x0f, 0xff },
		{ BPF_ALU | BPF_OR | BPF_X, 0, 4, 7 },
		{ BPF_ALU | BPF_XOR | BPF_K, 0xff, 0x0f, 0xf0 },
		{ BPF_ALU | BPF_XOR | BPF_X, 0, 1, 2 },
		{ BPF_ALU | BPF_LSH | BPF_K, 31, 3, 0x80000000 },
		{ BPF_ALU | BPF_LSH | BPF_X, 0, 1, 8 },
		{ BPF_ALU | BPF_RSH | BPF_K, 4, 0x80000000, 0x08000000 },
		{ BPF_ALU | BPF_RSH | BPF_X, 0, 64, 8 },
		{ BPF_ALU | BPF_NEG, 0, 1, 0xffffffff },
		{ BPF_MISC | BPF_TXA, 0, 99, 3 },
		{ BPF_LD | BPF_W | BPF_LEN, 0, 1, 64 },
		{ BPF_LD | BPF_IMM, 1234, 1, 1234 },
	};
	struct sock_filter jumps[] = {
		LD(OFF_ARG(1)),	  STMT(BPF_LDX | BPF_IMM, 100),
		JUMP(0, 0, 0, 1), /* the jump under test */
		RET(1),		  RET(2),
	};
	static const struct op_case js[] = {
		{ BPF_JMP | BPF_JEQ | BPF_K, 5, 5, 1 },
		{ BPF_JMP | BPF_JEQ | BPF_K, 5, 6, 2 },
		{ BPF_JMP | BPF_JEQ | BPF_X, 0, 100, 1 },
		{ BPF_JMP | BPF_JGT | BPF_K, 5, 6, 1 },
		{ BPF_JMP | BPF_JGT | BPF_K, 5, 5, 2 },
		/* unsigned: 0xffffffff is greater than 5 */
		{ BPF_JMP | BPF_JGT | BPF_K, 5, 0xffffffff, 1 },
		{ BPF_JMP | BPF_JGE | BPF_K, 5, 5, 1 },
		{ BPF_JMP | BPF_JGE | BPF_X, 0, 99, 2 },
		{ BPF_JMP | BPF_JGT | BPF_X, 0, 101, 1 },
		{ BPF_JMP | BPF_JSET | BPF_K, 0x10, 0x30, 1 },
		{ BPF_JMP | BPF_JSET | BPF_K, 0x10, 0x20, 2 },
		{ BPF_JMP | BPF_JSET | BPF_X, 0, 4, 1 }, /* 100 has bit 2 */
	};
	struct seccomp_data d = data_for(0);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		alu[2] = STMT(ops[i].code, ops[i].k);
		d.args[0] = 0x1234567800000000ULL | ops[i].a;
		assert_int_equal(CHECK(alu), 0);
		if (RUN(alu, &d) != ops[i].want)
			fail_msg("op %#x k %u a %#x: got %#x, want %#x",
				 ops[i].code, ops[i].k, ops[i].a, RUN(alu, &d),
				 ops[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(js); i++) {
		jumps[2] = JUMP(js[i].code, js[i].k, 0, 1);
		d.args[1] = js[i].a;
		assert_int_equal(CHECK(jumps), 0);
		if (RUN(jumps, &d) != js[i].want)
			fail_msg("jump %#x k %u a %#x: got %u, want %u",
				 js[i].code, js[i].k, js[i].a, RUN(jumps, &d),
				 js[i].want);
	}
}

/* Every field of struct seccomp_data at its Linux offset. */
static void test_data_layout(void **state)
{
	struct sock_filter p[] = { LD(0), STMT(BPF_RET | BPF_A, 0) };
	struct seccomp_data d = {
		.nr = 231,
		.arch = AUDIT_ARCH_X86_64,
		.instruction_pointer = 0x00007f0011223344ULL,
		.args = { 0x100000001ULL, 2, 3, 4, 5, 0xdeadbeefcafef00dULL },
	};

	(void)state;
	assert_int_equal(sizeof(d), 64);
	assert_int_equal(RUN(p, &d), 231);
	p[0].k = 4;
	assert_int_equal(RUN(p, &d), AUDIT_ARCH_X86_64);
	p[0].k = 8;
	assert_int_equal(RUN(p, &d), 0x11223344);
	p[0].k = 12;
	assert_int_equal(RUN(p, &d), 0x7f00);
	p[0].k = 20; /* high word of args[0] */
	assert_int_equal(RUN(p, &d), 1);
	p[0].k = 56;
	assert_int_equal(RUN(p, &d), 0xcafef00d);
	p[0].k = 60;
	assert_int_equal(RUN(p, &d), 0xdeadbeef);
}

static struct seccomp_filter *ret_filter(uint32_t v)
{
	struct sock_filter p[] = { RET(v) };
	struct seccomp_filter *f = seccomp_filter_new(p, 1);

	assert_false(IS_ERR(f));
	return f;
}

/* Installed in order, each over the last: the strictest action wins. */
static uint32_t stack_result(const uint32_t *rets, size_t n,
			     const struct seccomp_filter **match,
			     struct seccomp *s)
{
	struct seccomp_data d = data_for(39);

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seccomp_attach(s, ret_filter(rets[i])), 0);
	return seccomp_run_filters(s, &d, match);
}

static void test_precedence(void **state)
{
	static const uint32_t order[] = {
		SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD,
		SECCOMP_RET_TRAP,	  SECCOMP_RET_ERRNO,
		SECCOMP_RET_USER_NOTIF,	  SECCOMP_RET_TRACE,
		SECCOMP_RET_LOG,	  SECCOMP_RET_ALLOW,
	};
	const struct seccomp_filter *match;
	struct seccomp s;
	size_t before = live();

	(void)state;
	/* Each pair, in both installation orders: the stricter wins. */
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		for (size_t j = i; j < ARRAY_SIZE(order); j++) {
			uint32_t a[2] = { order[i] | 1, order[j] | 2 };
			uint32_t b[2] = { order[j] | 2, order[i] | 1 };
			uint32_t want =
			    i == j ? (order[i] | 2) : (order[i] | 1);

			bool allow = order[i] == SECCOMP_RET_ALLOW;

			/* ALLOW never replaces the ALLOW a run starts from:
			 * its data is 0 and no filter matched. */
			if (allow)
				want = SECCOMP_RET_ALLOW;
			assert_int_equal(stack_result(a, 2, &match, &s), want);
			assert_ptr_equal(match, allow	 ? NULL
						: i == j ? s.filter
							 : s.filter->prev);
			seccomp_release(&s);
			/* Equal actions: the newest filter's data. */
			want = allow ? SECCOMP_RET_ALLOW : (order[i] | 1);
			assert_int_equal(stack_result(b, 2, &match, &s), want);
			seccomp_release(&s);
		}
	/* ALLOW only: no filter matched. */
	{
		uint32_t a[3] = { SECCOMP_RET_ALLOW, SECCOMP_RET_ALLOW | 9,
				  SECCOMP_RET_ALLOW };

		assert_int_equal(stack_result(a, 3, &match, &s),
				 SECCOMP_RET_ALLOW);
		assert_null(match);
		seccomp_release(&s);
	}
	/* An unknown action (0x00010000) ranks by its value. */
	{
		uint32_t a[3] = { SECCOMP_RET_ERRNO | 1, 0x00010000,
				  SECCOMP_RET_TRAP };

		assert_int_equal(stack_result(a, 3, &match, &s), 0x00010000);
		seccomp_release(&s);
	}
	/* Filter mode with no filter cannot happen; if it did: kill. */
	s = (struct seccomp){ .mode = SECCOMP_MODE_FILTER };
	{
		struct seccomp_data d = data_for(0);

		assert_int_equal(seccomp_run_filters(&s, &d, NULL),
				 SECCOMP_RET_KILL_PROCESS);
	}
	assert_int_equal(live(), before);
}

static void test_references(void **state)
{
	struct seccomp parent = { 0 }, child = { 0 }, other = { 0 };
	struct seccomp_filter *f1, *f2, *f3;
	size_t before = live();

	(void)state;
	f1 = ret_filter(SECCOMP_RET_ALLOW);
	assert_int_equal(seccomp_attach(&parent, f1), 0);
	assert_int_equal(parent.mode, SECCOMP_MODE_FILTER);
	seccomp_fork(&child, &parent);
	assert_ptr_equal(child.filter, f1);
	assert_int_equal(f1->refs, 2);
	/* The child adds its own: the parent's chain is unchanged. */
	f2 = ret_filter(SECCOMP_RET_ERRNO | 1);
	assert_int_equal(seccomp_attach(&child, f2), 0);
	assert_ptr_equal(child.filter->prev, f1);
	assert_ptr_equal(parent.filter, f1);
	assert_true(seccomp_filter_is_ancestor(f1, child.filter));
	assert_true(seccomp_filter_is_ancestor(NULL, child.filter));
	assert_false(seccomp_filter_is_ancestor(f2, parent.filter));
	/* TSYNC: other, with nothing yet, gets the child's chain. */
	seccomp_sync(&other, &child);
	assert_int_equal(other.mode, SECCOMP_MODE_FILTER);
	assert_int_equal(f2->refs, 2);
	/* A thread with a foreign filter is no descendant. */
	f3 = ret_filter(SECCOMP_RET_ALLOW);
	assert_false(seccomp_filter_is_ancestor(f3, child.filter));
	seccomp_filter_put(f3);
	seccomp_release(&parent);
	assert_int_equal(f1->refs, 1); /* held by f2 */
	seccomp_release(&child);
	seccomp_release(&other); /* f2 goes, and f1 with it */
	assert_null(other.filter);
	assert_int_equal(other.mode, SECCOMP_MODE_DISABLED);
	assert_int_equal(live(), before);
}

static void test_modes_and_limits(void **state)
{
	static struct sock_filter big[BPF_MAXINSNS];
	struct seccomp s = { 0 };
	struct seccomp_filter *f;
	size_t before = live();
	int n = 0, err;

	(void)state;
	assert_int_equal(seccomp_set_strict(&s), 0);
	assert_int_equal(seccomp_set_strict(&s), 0);
	f = ret_filter(SECCOMP_RET_ALLOW);
	assert_int_equal(seccomp_attach(&s, f), -EINVAL);
	seccomp_filter_put(f);
	s.mode = 0;
	f = ret_filter(SECCOMP_RET_ALLOW);
	assert_int_equal(seccomp_attach(&s, f), 0);
	assert_int_equal(seccomp_set_strict(&s), -EINVAL);
	seccomp_release(&s);
	/* 32768 instructions per path, 4 more per filter: seven filters of
	 * 4096 (7 * 4100 = 28700) fit, the eighth (+ 4096 > 32768) not. */
	for (int i = 0; i < BPF_MAXINSNS; i++)
		big[i] = RET(SECCOMP_RET_ALLOW);
	for (;;) {
		f = seccomp_filter_new(big, BPF_MAXINSNS);
		assert_false(IS_ERR(f));
		err = seccomp_attach(&s, f);
		if (err) {
			seccomp_filter_put(f);
			break;
		}
		n++;
	}
	assert_int_equal(err, -ENOMEM);
	assert_int_equal(n, 7);
	seccomp_release(&s);
	assert_int_equal(live(), before);
}

static void test_strict_and_actions(void **state)
{
	(void)state;
	assert_true(seccomp_strict_allowed(0));
	assert_true(seccomp_strict_allowed(1));
	assert_true(seccomp_strict_allowed(15));
	assert_true(seccomp_strict_allowed(60));
	assert_false(seccomp_strict_allowed(39));
	assert_false(seccomp_strict_allowed(231)); /* exit_group */
	assert_false(seccomp_strict_allowed(-1));
	assert_true(seccomp_action_known(SECCOMP_RET_USER_NOTIF));
	assert_true(seccomp_action_known(SECCOMP_RET_KILL_PROCESS));
	assert_false(seccomp_action_known(0x00010000));
	assert_false(seccomp_action_known(0x7fff0001));
}

/* Random programs: what the check accepts runs, and to a return. */
static void test_random_programs(void **state)
{
	static const uint16_t codes[] = {
		BPF_LD | BPF_W | BPF_ABS,
		BPF_LD | BPF_IMM,
		BPF_LDX | BPF_IMM,
		BPF_LD | BPF_MEM,
		BPF_LDX | BPF_MEM,
		BPF_ST,
		BPF_STX,
		BPF_ALU | BPF_ADD | BPF_X,
		BPF_ALU | BPF_DIV | BPF_X,
		BPF_ALU | BPF_DIV | BPF_K,
		BPF_ALU | BPF_LSH | BPF_X,
		BPF_ALU | BPF_RSH | BPF_K,
		BPF_JMP | BPF_JA,
		BPF_JMP | BPF_JEQ | BPF_K,
		BPF_JMP | BPF_JGT | BPF_X,
		BPF_JMP | BPF_JSET | BPF_K,
		BPF_MISC | BPF_TAX,
		BPF_MISC | BPF_TXA,
		BPF_RET | BPF_K,
		BPF_RET | BPF_A,
		BPF_LD | BPF_H | BPF_ABS,
		BPF_ALU | BPF_MOD | BPF_K,
	};
	uint64_t seed = 0x5ecc0;
	size_t before = live();
	int accepted = 0;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		unsigned len = 1 + unit_rand(&seed) % 12;
		struct sock_filter *p = malloc(len * sizeof(*p));
		struct seccomp_data d;

		for (unsigned i = 0; i < len; i++) {
			uint64_t r = unit_rand(&seed);

			p[i].code = codes[r % ARRAY_SIZE(codes)];
			p[i].jt = (r >> 8) % 4;
			p[i].jf = (r >> 16) % 4;
			p[i].k = (r >> 24) % 3 ? (uint32_t)(r >> 32) % 70
					       : (uint32_t)(r >> 32);
		}
		if (unit_rand(&seed) % 2)
			p[len - 1] = RET((uint32_t)unit_rand(&seed));
		for (unsigned i = 0; i < sizeof(d) / 8; i++)
			((uint64_t *)&d)[i] = unit_rand(&seed);
		if (seccomp_check_prog(p, len) == 0) {
			accepted++;
			(void)seccomp_run_prog(p, len, &d);
		}
		free(p);
	}
	assert_true(accepted > 1000);
	assert_int_equal(live(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usual_filter),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_jumps),
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_arithmetic_checks),
		cmocka_unit_test(test_missing_ret),
		cmocka_unit_test(test_scratch_memory),
		cmocka_unit_test(test_interpreter),
		cmocka_unit_test(test_data_layout),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_modes_and_limits),
		cmocka_unit_test(test_strict_and_actions),
		cmocka_unit_test(test_random_programs),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

/*
 * hostcheck.c - the report of the KVM host check (tests/kvm/hostcheck.S
 * has the machine set-up; tests/kvm/hostcheck.sh runs it). Three facts,
 * each a line on COM1 that the script reads:
 *   - what a turn of a two-instruction loop costs in ring 0 (the fastest
 *     of REPS loops) and in ring 3
 *     (about equal on hardware virtualization or TCG; a host that runs
 *     ring 0 through an instruction emulator is thousands of times slower
 *     there),
 *   - the ring SYSCALL from ring 3 delivers its target in (0, always, on
 *     hardware),
 *   - whether ldmxcsr runs in ring 0 (an emulator without SSE stops the
 *     guest here: QEMU prints "KVM internal error").
 * Exit through isa-debug-exit (QEMU status 1 = all three reported).
 */
#include <stdint.h>

uint64_t hc_spin(uint64_t n);
void hc_ring3(uint64_t n);
void hc_ldmxcsr(void);
void hc_main(void);
extern uint64_t hc_trap_vec, hc_trap_err, hc_trap_rip, hc_trap_cs;
extern uint64_t hc_user_cycles, hc_syscall_cs;

/* Turns per timed loop; ring 0 takes the fastest of REPS loops, so a
 * host preempting the guest (likely under TCG on a loaded machine) does
 * not count. */
#define TURNS 5000
#define REPS 10

static void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void put(const char *s)
{
	while (*s)
		outb(0x3f8, (uint8_t)*s++);
}

static void put_dec(uint64_t v)
{
	char b[21];
	int i = 20;

	b[i] = '\0';
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(b + i);
}

static void put_hex(uint64_t v)
{
	char b[19] = "0x";
	int n = 0;

	for (uint64_t t = v; t; t >>= 4)
		n++;
	if (!n)
		n = 1;
	for (int i = 0; i < n; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (4 * (n - 1 - i))) & 15];
	b[2 + n] = '\0';
	put(b);
}

/* "X.Y TSC cycles per turn" for a total over TURNS turns */
static void put_per_turn(uint64_t total)
{
	uint64_t tenths = total * 10 / TURNS;

	put_dec(tenths / 10);
	put(".");
	put_dec(tenths % 10);
	put(" TSC cycles per turn\n");
}

void hc_main(void)
{
	put("hostcheck: up\n");
	put("hostcheck: ring 0 loop: ");
	uint64_t best = hc_spin(TURNS);
	for (int i = 1; i < REPS; i++) {
		uint64_t t = hc_spin(TURNS);
		best = t < best ? t : best;
	}
	put_per_turn(best);
	hc_ring3(TURNS);
	put("hostcheck: ring 3 loop: ");
	put_per_turn(hc_user_cycles);
	if (hc_trap_vec != 6 || !hc_syscall_cs) {
		put("hostcheck: syscall from ring 3: no #UD from its target (exception ");
		put_dec(hc_trap_vec);
		put(" error ");
		put_hex(hc_trap_err);
		put(" at ");
		put_hex(hc_trap_rip);
		put(" cs ");
		put_hex(hc_trap_cs);
		put(")\n");
	} else {
		put("hostcheck: syscall from ring 3 ran its target in ring ");
		put_dec(hc_syscall_cs & 3);
		put(" (cs ");
		put_hex(hc_syscall_cs);
		put(")\n");
	}
	put("hostcheck: ldmxcsr in ring 0: ");
	hc_ldmxcsr();
	put("ok\n");
	outb(0xf4, 0);
}

/*
 * fault.c - self-tests that crash on purpose (kernel/selftests), run only
 * when named. Each must end in a panic naming its function in the
 * backtrace and a failure status; tests/boot checks both.
 */
#include <keel/selftest.h>

/* noinline: the function names must appear in the backtrace. */
__attribute__((noinline)) static int fault_null_target(volatile int *p)
{
	return *p;
}

/* Kept in a variable so the compiler cannot see the NULL dereference. */
static volatile uintptr_t near_null = 8;

static int test_fault_null(void)
{
	fault_null_target((volatile int *)near_null);
	return -1;
}
SELFTEST_CRASH("fault-null", test_fault_null);

static const int some_constant = 42;

__attribute__((noinline)) static void fault_rodata_target(volatile int *p)
{
	*p = 1;
}

static int test_fault_rodata(void)
{
	fault_rodata_target((volatile int *)&some_constant);
	return -1;
}
SELFTEST_CRASH("fault-rodata", test_fault_rodata);

static int test_fault_nx(void)
{
	/* A stack buffer is never executable. */
	volatile uint8_t code[16] = { 0xc3 }; /* ret */
	((void (*)(void))(uintptr_t)code)();
	return -1;
}
SELFTEST_CRASH("fault-nx", test_fault_nx);

static int test_panic(void)
{
	panic("self-test panic %d", 42);
}
SELFTEST_CRASH("panic", test_panic);

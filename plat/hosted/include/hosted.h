/*
 * hosted.h - the controls plat/hosted gives host unit tests: the
 * "physical memory" arena, the captured console, the fake clock and timer,
 * boot information, and how hyper_shutdown ends up in a test. Tests include
 * it next to the kernel headers; the kernel itself never does.
 */
#ifndef PLAT_HOSTED_H
#define PLAT_HOSTED_H

#include <stdarg.h>
#include <keel/compiler.h>
#include <keel/hyper.h>

/*
 * Physical memory: an mmap'd arena (2 MiB aligned) that direct_map_base
 * points at, so physical address pa lives at arena + pa. Creating a new
 * arena drops the old one. hosted_mem_init also hands all of it to
 * pmm_init (no reserved ranges) and returns pmm_init's result.
 */
void *hosted_arena_create(size_t bytes);
size_t hosted_arena_size(void);
int hosted_mem_init(size_t bytes);

/* Console output captured since the last clear, NUL-terminated. */
const char *hosted_console_text(void);
size_t hosted_console_len(void);
void hosted_console_clear(void);
/* Queue bytes for hyper_console_read, as if typed at the console. */
void hosted_console_input(const char *buf, size_t n);
/* Make the console announce its input (hyper_console_input_irq): the
 * test then calls hosted_console_announce itself, as an interrupt would. */
void hosted_console_set_input_irq(bool on);
void hosted_console_announce(void);

/*
 * The fake monotonic clock. It moves only when a test sets or advances it,
 * or when hyper_halt jumps it to the armed timer deadline. Moving it past
 * the armed deadline delivers the timer interrupt at once if interrupts are
 * enabled, else when they are next enabled.
 */
void hosted_clock_set(uint64_t ns);
void hosted_clock_advance(uint64_t ns);
void hosted_wallclock_set(int64_t ns_at_boot); /* wall = this + monotonic */
/* Whether hyper_user_clock says user mode can read the clock (the
 * simulated clock as its counter, scale 1); off at start. */
void hosted_user_clock(bool on);
uint64_t hosted_timer_deadline(void); /* armed deadline, 0 when none */
unsigned long hosted_halt_count(void);
unsigned long hosted_timer_irq_count(void);

/* Boot information returned by hyper_cmdline/_memory_map/_boot_module. */
void hosted_set_cmdline(const char *s);
/* n == 0 restores the default: one region covering the arena. */
void hosted_set_memory_map(const struct hyper_mem_region *r, unsigned n);
#define HOSTED_MAX_MODULES 8
void hosted_set_boot_module(unsigned i, uint64_t base, uint64_t size);
void hosted_clear_boot_modules(void);
void hosted_set_random_seed(uint64_t seed);

/*
 * hyper_shutdown records its status and calls the hook, which must not
 * return (a test longjmps out of it). Without a hook, or if it returns, the
 * program prints the console and aborts. The status is -1 until a shutdown.
 */
typedef void (*hosted_shutdown_hook)(int status);
void hosted_set_shutdown_hook(hosted_shutdown_hook hook);
int hosted_shutdown_status(void);
void hosted_shutdown_reset(void);

/* Print a message and the captured console to stderr, then abort(). */
__noreturn void hosted_fatal(const char *fmt, ...) __printf(1, 2);

/* lib/printf.c, renamed for the host build so it does not clash with libc. */
int keel_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int keel_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif

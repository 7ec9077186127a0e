/*
 * printk.h - kernel logging to the console, and panic. Lines go through
 * hyper_console_write; panic prints a backtrace and shuts the machine down
 * with KEEL_STATUS_PANIC.
 */
#ifndef KEEL_PRINTK_H
#define KEEL_PRINTK_H

#include <stdarg.h>
#include <keel/compiler.h>

/* Status given to hyper_shutdown by a kernel panic (see docs/boot.md). */
#define KEEL_STATUS_PANIC 127

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);
__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* keel.quiet: hold the kernel's lines back, then drop or replay them. */
void printk_mute(void);
void printk_unmute(bool replay);
/*
 * The kernel log (syslog(2)): the last LOG_SIZE bytes printed. Copy up to
 * len bytes from position from (clamped to what is kept) into buf; *next
 * is the position after them. printk_log_end is the position of the end.
 */
#define LOG_SIZE 16384
size_t printk_log_read(char *buf, size_t len, size_t from, size_t *next);
size_t printk_log_end(void);
/* Print "keel: shutdown status N" (the line hosts read) and stop; the
 * shutdown hooks run first (not after a panic). */
__noreturn void kernel_shutdown(int status);
/* Work that must be done before the machine stops (writing back the
 * block cache): registered once, run in registration order. */
struct shutdown_hook {
	void (*fn)(void);
	struct shutdown_hook *next;
};
void kernel_on_shutdown(struct shutdown_hook *h);
/* Run them now (kernel_shutdown does; once, and never after a panic). */
void kernel_run_shutdown_hooks(int status);

/* Once-only warning: prints the first time the call site is reached. */
#define WARN_ONCE(...)                       \
	do {                                 \
		static bool warned_;         \
		if (!warned_) {              \
			warned_ = true;      \
			printk(__VA_ARGS__); \
		}                            \
	} while (0)

#define BUG_ON(cond)                                                  \
	do {                                                          \
		if (unlikely(cond))                                   \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, \
			      __LINE__);                              \
	} while (0)

#endif

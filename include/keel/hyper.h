/*
 * hyper.h - the hypercall interface: everything the portable kernel (kernel/,
 * fs/, net/, linux/) may ask of the machine. Each platform (plat/kvm,
 * plat/xen, plat/hosted) implements these functions and nothing else is
 * visible to the portable kernel; devices reach it through generic device
 * interfaces, not through here.
 */
#ifndef KEEL_HYPER_H
#define KEEL_HYPER_H

#include <keel/compiler.h>

/*
 * Platform set-up that needs the kernel's memory: clocks, the timer
 * interrupt, devices. Before it, only the console and boot information work.
 */
void hyper_init(void);
/* Platform services that need kernel threads; after sched_init. */
void hyper_init_late(void);

/*
 * Console: write text; returns when it is queued for output. Lines end
 * in "\n" (a platform whose line wants "\r\n", the 16550, adds the \r):
 * the kernel's own messages.
 */
void hyper_console_write(const char *buf, size_t len);
/*
 * Console: write bytes exactly as given: the console terminal's output,
 * which its own output processing (OPOST, ONLCR; fs/pty.c) has made.
 */
void hyper_console_output(const char *buf, size_t len);
/*
 * Console input: take up to max bytes that have arrived; never waits
 * (returns 0 when there are none).
 */
size_t hyper_console_read(char *buf, size_t max);
/*
 * Does the console announce its input? Then this returns true and the
 * platform calls notify (from interrupt context) whenever bytes arrive;
 * otherwise the kernel asks again while a reader waits (fs/console.c).
 * A later call replaces the notify of an earlier one.
 */
bool hyper_console_input_irq(void (*notify)(void));
/*
 * The program's standard streams when they are not a terminal: a bulk
 * channel (QEMU's virtio-console, keel run's stdio) where there is one
 * (hyper_stdio_bulk), else the console. read as hyper_console_read;
 * send takes what fits now (the console: everything, as
 * hyper_console_output) and returns 0 when the channel is full. A bulk
 * channel calls the notify hyper_console_input_irq was given when input
 * arrives and when room comes.
 */
bool hyper_stdio_bulk(void);
size_t hyper_stdio_read(char *buf, size_t max);
size_t hyper_stdio_send(const char *buf, size_t len);

/* Clocks. Monotonic nanoseconds since boot; wall clock in ns since 1970. */
uint64_t hyper_monotonic_ns(void);
int64_t hyper_wallclock_ns(void);
/*
 * Whether user mode may compute the same clocks itself (the vDSO): then
 * hyper_monotonic_ns() is exactly ((tsc - tsc_base) * mult) >> shift
 * (0 before tsc_base; the product is 128-bit) for the CPU's time-stamp
 * counter, and hyper_wallclock_ns() that plus wall_ns. False when the
 * clock is something else (Xen's pvclock) or the counter is not trusted.
 */
struct hyper_user_clock {
	uint64_t tsc_base, mult;
	uint32_t shift;
	int64_t wall_ns;
};
bool hyper_user_clock(struct hyper_user_clock *uc);

/*
 * One-shot timer: call kernel_timer_interrupt() (from interrupt context) at or
 * after monotonic time deadline_ns. A new call replaces the old deadline;
 * 0 cancels it.
 */
void hyper_timer_arm(uint64_t deadline_ns);
void kernel_timer_interrupt(void);

/*
 * Wait until an interrupt or event arrives. Called with interrupts disabled;
 * enables them atomically with the wait and returns with them disabled after
 * the handler has run.
 */
void hyper_halt(void);

/* Boot information, valid for the life of the kernel. */
struct hyper_mem_region {
	uint64_t base, size;
};
const char *hyper_cmdline(void);
/* Usable RAM regions; returns their number and fills at most max. */
unsigned hyper_memory_map(struct hyper_mem_region *out, unsigned max);
/* Boot module i (the initrd is module 0): physical base and size, or -ENOENT. */
int hyper_boot_module(unsigned i, uint64_t *base, uint64_t *size);
/* Best-effort entropy for seeding (hardware RNG where present, else timing). */
uint64_t hyper_random_seed(void);
/* Name of the platform, for the banner ("kvm", "xen", "hosted"). */
const char *hyper_name(void);

/* Stop the machine; status 0 is success. Flushes the console first. */
__noreturn void hyper_shutdown(int status);

#endif

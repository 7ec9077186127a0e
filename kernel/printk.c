/*
 * printk.c - kernel logging and panic (kernel/). Formats with lib/printf
 * into a bounded buffer and hands the bytes to the platform console.
 */
#include <keel/arch.h>
#include <keel/hyper.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/time.h>

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	unsigned long flags = arch_irq_save();

	hyper_console_write(buf, len);
	arch_irq_restore(flags);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	static bool in_panic;
	va_list ap;

	arch_irq_disable();
	if (in_panic) /* a panic while panicking: don't recurse */
		hyper_shutdown(KEEL_STATUS_PANIC);
	in_panic = true;
	printk("\nkeel: panic: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	arch_backtrace();
	kernel_shutdown(KEEL_STATUS_PANIC);
}

void kernel_shutdown(int status)
{
	printk("keel: stopping at %lu ms\n", time_now_ns() / 1000000);
	printk("keel: shutdown status %d\n", status);
	hyper_shutdown(status);
}

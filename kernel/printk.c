/*
 * printk.c - kernel logging and panic (kernel/). Formats with lib/printf
 * into a bounded buffer and hands the bytes to the platform console.
 */
#include <keel/arch.h>
#include <keel/hyper.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/time.h>

/*
 * Quiet boot (keel.quiet): the kernel's own lines are held back in a
 * buffer while the program starts, so its output stands alone; a panic or
 * a failed start replays them (printk_unmute) so nothing is lost.
 */
static bool muted;
static char held[4096];
static size_t nheld;
static bool held_overflow;

void printk_mute(void)
{
	muted = true;
}

void printk_unmute(bool replay)
{
	unsigned long flags = arch_irq_save();

	if (muted && replay) {
		hyper_console_write(held, nheld);
		if (held_overflow)
			hyper_console_write("[... kernel lines dropped]\n", 27);
	}
	muted = false;
	nheld = 0;
	arch_irq_restore(flags);
}

/* The kernel log syslog(2) reads: the last LOG_SIZE bytes printed. */
static char log_ring[LOG_SIZE];
static size_t log_total; /* bytes ever logged */

static void log_append(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		log_ring[(log_total + i) % LOG_SIZE] = s[i];
	log_total += len;
}

size_t printk_log_read(char *buf, size_t len, size_t from, size_t *next)
{
	unsigned long flags = arch_irq_save();
	size_t first = log_total > LOG_SIZE ? log_total - LOG_SIZE : 0, n = 0;

	if (from < first)
		from = first;
	for (; from < log_total && n < len; from++)
		buf[n++] = log_ring[from % LOG_SIZE];
	*next = from;
	arch_irq_restore(flags);
	return n;
}

size_t printk_log_end(void)
{
	return log_total;
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	unsigned long flags = arch_irq_save();

	log_append(buf, len);
	if (!muted) {
		hyper_console_write(buf, len);
	} else if (nheld + len <= sizeof(held)) {
		memcpy(held + nheld, buf, len);
		nheld += len;
	} else {
		held_overflow = true;
	}
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
	printk_unmute(true);
	printk("\nkeel: panic: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	arch_backtrace();
	kernel_shutdown(KEEL_STATUS_PANIC);
}

static struct shutdown_hook *hooks;

void kernel_on_shutdown(struct shutdown_hook *h)
{
	struct shutdown_hook **p = &hooks;

	while (*p)
		p = &(*p)->next;
	h->next = NULL;
	*p = h;
}

/* The hooks, once (a hook that ends in a shutdown does not rerun them). */
void kernel_run_shutdown_hooks(int status)
{
	static bool ran;

	if (ran || status == KEEL_STATUS_PANIC)
		return;
	ran = true;
	for (struct shutdown_hook *h = hooks; h; h = h->next)
		h->fn();
}

void kernel_shutdown(int status)
{
	kernel_run_shutdown_hooks(status);
	printk_unmute(false); /* the held lines only matter on failure */
	printk("keel: stopping at %lu ms\n", time_now_ns() / 1000000);
	printk("keel: shutdown status %d\n", status);
	hyper_shutdown(status);
}

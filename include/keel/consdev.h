/*
 * consdev.h - the console device interface, driver side: what a console
 * driver (drivers/serial/ns16550.c, drivers/xen/console.c) provides and
 * registers. The caller side is hyper.h's hyper_console_* calls, which
 * plat/console.c routes to the registered console. Registering needs no
 * memory allocation, so a driver registers in early boot and the kernel's
 * first lines already reach it.
 */
#ifndef KEEL_CONSDEV_H
#define KEEL_CONSDEV_H

#include <keel/compiler.h>

struct consdev;

struct consdev_ops {
	/* Text whose lines end in "\n"; a UART sends "\r\n". */
	void (*write)(struct consdev *c, const char *buf, size_t len);
	/* Bytes exactly as given (the console terminal's own output). */
	void (*output)(struct consdev *c, const char *buf, size_t len);
	/* Take up to max received bytes; never waits. NULL: no input. */
	size_t (*read)(struct consdev *c, char *buf, size_t max);
	/* Wait until written bytes have left (before shutdown). Optional. */
	void (*flush)(struct consdev *c);
	/*
	 * A stdio channel's output: take what fits now, never waiting; 0 when
	 * full (the driver calls consdev_input when room comes). NULL on a
	 * console.
	 */
	size_t (*send)(struct consdev *c, const char *buf, size_t len);
};

struct consdev {
	const char *name; /* "ttyS0", "hvc0" */
	const struct consdev_ops *ops;
	/*
	 * Input is announced: the driver calls consdev_input whenever bytes
	 * arrive, so the kernel need not poll. Set with
	 * consdev_set_input_irq once the interrupt is bound.
	 */
	bool input_irq;
	void *priv; /* the driver's */
};

/*
 * Register a console device. The first one registered becomes the
 * console (hyper_console_*); -ENOSPC when the table is full.
 */
int consdev_register(struct consdev *c);
/*
 * Register c (with ops->send) as the bulk channel for the program's
 * standard streams (hyper_stdio_*): the first one only; -EBUSY after it.
 */
int consdev_register_stdio(struct consdev *c);
/* The stdio channel, or NULL (plat/stdio.c). */
struct consdev *consdev_stdio(void);
/* The console, or NULL before any driver registered. */
struct consdev *consdev_console(void);
/* Input arrived on c, or room for output on a stdio channel (interrupt
 * context): the kernel takes it now. */
void consdev_input(struct consdev *c);
/* From now on c does (or does not) announce its input. */
void consdev_set_input_irq(struct consdev *c, bool on);
/* Wait until the stdio channel's and the console's output has left. */
void consdev_flush(void);

#endif

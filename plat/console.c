/*
 * console.c - the console device registry (plat/): console drivers
 * register here (include/keel/consdev.h) and the hyper_console_* calls of
 * the portable kernel go to the first one registered. Input a driver
 * announces by interrupt is passed on to the notify that
 * hyper_console_input_irq was given (fs/console.c's), and so is what the
 * bulk stdio channel (plat/stdio.c) announces.
 */
#include <keel/consdev.h>
#include <keel/errno.h>
#include <keel/hyper.h>

#define CONSDEV_MAX 4

static struct consdev *devs[CONSDEV_MAX];
static unsigned ndevs;

int consdev_register(struct consdev *c)
{
	if (ndevs == CONSDEV_MAX)
		return -ENOSPC;
	devs[ndevs++] = c;
	return 0;
}

struct consdev *consdev_console(void)
{
	return ndevs ? devs[0] : NULL;
}

static void (*input_notify)(void); /* hyper_console_input_irq's */

void consdev_input(struct consdev *c)
{
	bool ours =
	    c == consdev_stdio() || (c == consdev_console() && c->input_irq);

	if (ours && input_notify)
		input_notify();
}

void consdev_set_input_irq(struct consdev *c, bool on)
{
	c->input_irq = on;
}

void consdev_flush(void)
{
	struct consdev *c = consdev_console();

	struct consdev *s = consdev_stdio();

	if (s && s->ops->flush)
		s->ops->flush(s);
	if (c && c->ops->flush)
		c->ops->flush(c);
}

void hyper_console_write(const char *buf, size_t len)
{
	struct consdev *c = consdev_console();

	if (c)
		c->ops->write(c, buf, len);
}

void hyper_console_output(const char *buf, size_t len)
{
	struct consdev *c = consdev_console();

	if (c)
		c->ops->output(c, buf, len);
}

size_t hyper_console_read(char *buf, size_t max)
{
	struct consdev *c = consdev_console();

	return c && c->ops->read ? c->ops->read(c, buf, max) : 0;
}

bool hyper_console_input_irq(void (*notify)(void))
{
	struct consdev *c = consdev_console();

	input_notify = notify;
	return c && c->input_irq;
}

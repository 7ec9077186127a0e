/*
 * stdio.c - the bulk stdio channel's registry (plat/; the hosted platform
 * builds it too): the driver of a channel for the program's standard
 * streams (drivers/virtio/console.c) registers here, and hyper_stdio_*
 * go to it, or to the console when there is none.
 */
#include <keel/consdev.h>
#include <keel/errno.h>
#include <keel/hyper.h>

static struct consdev *stdio_dev;

int consdev_register_stdio(struct consdev *c)
{
	if (stdio_dev)
		return -EBUSY;
	stdio_dev = c;
	return 0;
}

struct consdev *consdev_stdio(void)
{
	return stdio_dev;
}

bool hyper_stdio_bulk(void)
{
	return stdio_dev != NULL;
}

size_t hyper_stdio_read(char *buf, size_t max)
{
	if (stdio_dev)
		return stdio_dev->ops->read(stdio_dev, buf, max);
	return hyper_console_read(buf, max);
}

size_t hyper_stdio_send(const char *buf, size_t len)
{
	if (stdio_dev)
		return stdio_dev->ops->send(stdio_dev, buf, len);
	hyper_console_output(buf, len);
	return len;
}

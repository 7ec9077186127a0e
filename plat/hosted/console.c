/*
 * console.c - the hosted console (plat/hosted): hyper_console_write appends
 * to a growing buffer that tests read and clear, and echoes to stderr when
 * KEEL_HOSTED_ECHO is set in the environment. hosted_fatal prints it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hosted.h>
#include <keel/consdev.h>

static char *text;
static size_t len, cap;
static int echo = -1; /* -1: not yet read from the environment */

void hyper_console_write(const char *buf, size_t n)
{
	if (echo < 0)
		echo = getenv("KEEL_HOSTED_ECHO") != NULL;
	if (echo)
		fwrite(buf, 1, n, stderr);
	if (len + n + 1 > cap) {
		size_t ncap = cap ? cap : 4096;
		while (len + n + 1 > ncap)
			ncap *= 2;
		char *t = realloc(text, ncap);
		if (!t)
			abort();
		text = t;
		cap = ncap;
	}
	memcpy(text + len, buf, n);
	len += n;
	text[len] = '\0';
}

/* The console terminal's bytes: the same buffer, no translation either. */
void hyper_console_output(const char *buf, size_t n)
{
	hyper_console_write(buf, n);
}

const char *hosted_console_text(void)
{
	return text ? text : "";
}

size_t hosted_console_len(void)
{
	return len;
}

void hosted_console_clear(void)
{
	len = 0;
	if (text)
		text[0] = '\0';
}

/* Console input queued by a test, handed out by hyper_console_read. */
static char input[4096];
static size_t in_head, in_len;

void hosted_console_input(const char *buf, size_t n)
{
	if (in_len + n > sizeof(input))
		hosted_fatal("hosted_console_input: more than %zu bytes queued",
			     sizeof(input));
	if (in_head + in_len + n > sizeof(input)) {
		memmove(input, input + in_head, in_len);
		in_head = 0;
	}
	memcpy(input + in_head + in_len, buf, n);
	in_len += n;
}

/* Whether the console announces input (tests call hosted_console_announce). */
static bool input_irq;
static void (*input_notify)(void);

void hosted_console_set_input_irq(bool on)
{
	input_irq = on;
}

bool hyper_console_input_irq(void (*notify)(void))
{
	input_notify = notify;
	return input_irq;
}

void hosted_console_announce(void)
{
	if (input_irq && input_notify)
		input_notify();
}

size_t hyper_console_read(char *buf, size_t max)
{
	size_t n = in_len < max ? in_len : max;

	memcpy(buf, input + in_head, n);
	in_head += n;
	in_len -= n;
	return n;
}

/* What a test's bulk stdio channel (plat/stdio.c) announces. */
void consdev_input(struct consdev *c)
{
	if (c == consdev_stdio() && input_notify)
		input_notify();
}

void hosted_fatal(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (len && echo <= 0)
		fprintf(stderr,
			"--- keel console ---\n%s%s--- end of console ---\n",
			text, text[len - 1] == '\n' ? "" : "\n");
	fprintf(stderr, "hosted: fatal: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/*
 * serial.c - the 16550 UART at COM1 as the console (plat/kvm). Polled
 * output, 115200 8N1: the kernel's text with "\n" as "\r\n" for
 * terminals (serial_write), the console terminal's bytes as they are
 * (serial_output: its ONLCR made the \r). Polled input (serial_read),
 * through the 16-byte receive FIFO.
 */
#include <plat/kvm.h>
#include <arch/x86.h>

#define COM1 0x3f8
#define THR 0
#define IER 1
#define DLL 0
#define DLM 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define RBR 0
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

static bool present;
/* A byte that came before the FIFOs were on (turning them on clears them). */
static int early = -1;

void serial_init(void)
{
	outb(COM1 + IER, 0x00);
	outb(COM1 + LCR, 0x80); /* divisor latch */
	outb(COM1 + DLL, 0x01); /* 115200 baud */
	outb(COM1 + DLM, 0x00);
	outb(COM1 + LCR, 0x03); /* 8N1 */
	if ((inb(COM1 + LSR) & (LSR_DR | 0x80)) == LSR_DR)
		early = inb(COM1 + RBR);
	outb(COM1 + FCR, 0xc7); /* FIFOs on, cleared */
	outb(COM1 + MCR, 0x03);
	/* No UART answers with all ones; don't spin on a missing one. */
	present = inb(COM1 + LSR) != 0xff;
}

static void put(char c)
{
	for (unsigned spin = 0; spin < 1000000; spin++)
		if (inb(COM1 + LSR) & LSR_THRE)
			break;
	outb(COM1 + THR, (uint8_t)c);
}

void serial_write(const char *buf, size_t len)
{
	if (!present)
		return;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			put('\r');
		put(buf[i]);
	}
}

void serial_output(const char *buf, size_t len)
{
	if (!present)
		return;
	for (size_t i = 0; i < len; i++)
		put(buf[i]);
}

size_t serial_read(char *buf, size_t max)
{
	size_t n = 0;

	if (early >= 0 && max) {
		buf[n++] = (char)early;
		early = -1;
	}
	while (present && n < max && (inb(COM1 + LSR) & LSR_DR))
		buf[n++] = (char)inb(COM1 + RBR);
	return n;
}

void serial_flush(void)
{
	for (unsigned spin = 0; present && spin < 1000000; spin++)
		if (inb(COM1 + LSR) & LSR_TEMT)
			break;
}

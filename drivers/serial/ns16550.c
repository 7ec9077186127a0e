/*
 * ns16550.c - the 16550 UART at COM1 as a console device (drivers/serial),
 * registered with plat/console.c. Output is polled, 115200 8N1: the
 * kernel's text with "\n" sent as "\r\n" (write), the console terminal's
 * bytes as they are (output: its ONLCR made the \r). Input comes from the
 * receive-data interrupt (ISA IRQ 4 through the IOAPIC) where the machine
 * has one: the handler empties the 16-byte FIFO into a ring and tells the
 * kernel (consdev_input). Without an IOAPIC the kernel polls read, which
 * takes from the FIFO directly.
 */
#include <keel/arch.h>
#include <keel/consdev.h>
#include <keel/errno.h>
#include <keel/irq.h>
#include <keel/printk.h>
#include <keel/selftest.h>
#include <keel/string.h>
#include <keel/sync.h>
#include <keel/time.h>
#include <drivers/serial.h>
#include <arch/x86.h>

#define COM1 0x3f8
#define COM1_IRQ 4
#define THR 0
#define RBR 0
#define IER 1
#define DLL 0
#define DLM 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define IER_RDI 0x01 /* interrupt when received data is available */
#define MCR_DTR_RTS 0x03
#define MCR_OUT2 0x08 /* gates the IRQ line on a PC */
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define RING 4096

/* Polls of the line status register before a UART counts as stuck. */
#define STUCK_POLLS 1000000

static struct {
	bool present;
	bool stuck; /* its transmitter never emptied once: write blind */
	int early; /* a byte that came before the FIFOs were on, or -1 */
	int vector; /* of the receive interrupt, or -1: polled */
	bool rx_off; /* receive interrupt off while the ring is full */
	struct spinlock lock;
	char ring[RING];
	unsigned head, len;
} u = { .early = -1, .vector = -1 };

static struct consdev dev;

/*
 * Wait for room, then send. A transmitter that stays full for STUCK_POLLS
 * polls is stuck: from then on bytes are sent without waiting, so a broken
 * UART costs one bounded wait, not one per byte.
 */
static void put(char c)
{
	for (unsigned spin = 0; !u.stuck; spin++) {
		if (inb(COM1 + LSR) & LSR_THRE)
			break;
		if (spin == STUCK_POLLS)
			u.stuck = true;
	}
	outb(COM1 + THR, (uint8_t)c);
}

static void ns_write(struct consdev *c, const char *buf, size_t len)
{
	(void)c;
	if (!u.present)
		return;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			put('\r');
		put(buf[i]);
	}
}

static void ns_output(struct consdev *c, const char *buf, size_t len)
{
	(void)c;
	if (!u.present)
		return;
	for (size_t i = 0; i < len; i++)
		put(buf[i]);
}

/* Move the FIFO into the ring while it has room. Lock held. */
static void fifo_to_ring(void)
{
	while (u.len < RING && (inb(COM1 + LSR) & LSR_DR)) {
		u.ring[(u.head + u.len) % RING] = (char)inb(COM1 + RBR);
		u.len++;
	}
}

/*
 * The receive interrupt: empty the FIFO (which lowers the line, so the
 * next byte makes a new edge). With the ring full, turn the interrupt
 * off instead; the next read turns it on again, and QEMU holds back
 * what the FIFO cannot take, so nothing is lost.
 */
static void rx_irq(void *arg)
{
	unsigned long flags = spin_lock_irqsave(&u.lock);

	(void)arg;
	fifo_to_ring();
	if (u.len == RING && (inb(COM1 + LSR) & LSR_DR)) {
		outb(COM1 + IER, 0);
		u.rx_off = true;
	}
	spin_unlock_irqrestore(&u.lock, flags);
	consdev_input(&dev);
}

static size_t ns_read(struct consdev *c, char *buf, size_t max)
{
	unsigned long flags = spin_lock_irqsave(&u.lock);
	size_t n = 0;

	(void)c;
	if (u.early >= 0 && max) {
		buf[n++] = (char)u.early;
		u.early = -1;
	}
	for (; n < max && u.len; u.len--, u.head = (u.head + 1) % RING)
		buf[n++] = u.ring[u.head];
	while (u.present && n < max && (inb(COM1 + LSR) & LSR_DR))
		buf[n++] = (char)inb(COM1 + RBR);
	if (u.rx_off && u.len < RING) {
		u.rx_off = false;
		outb(COM1 + IER, IER_RDI);
	}
	spin_unlock_irqrestore(&u.lock, flags);
	return n;
}

static void ns_flush(struct consdev *c)
{
	(void)c;
	for (unsigned spin = 0; u.present && !u.stuck && spin < STUCK_POLLS;
	     spin++)
		if (inb(COM1 + LSR) & LSR_TEMT)
			break;
}

static const struct consdev_ops ops = {
	.write = ns_write,
	.output = ns_output,
	.read = ns_read,
	.flush = ns_flush,
};

static struct consdev dev = { .name = "ttyS0", .ops = &ops };

void ns16550_probe(void)
{
	outb(COM1 + IER, 0x00);
	outb(COM1 + LCR, 0x80); /* divisor latch */
	outb(COM1 + DLL, 0x01); /* 115200 baud */
	outb(COM1 + DLM, 0x00);
	outb(COM1 + LCR, 0x03); /* 8N1 */
	if ((inb(COM1 + LSR) & (LSR_DR | 0x80)) == LSR_DR)
		u.early = inb(COM1 + RBR);
	outb(COM1 + FCR, 0xc7); /* FIFOs on, cleared, interrupt at 14 bytes */
	outb(COM1 + MCR, MCR_DTR_RTS);
	/* No UART answers with all ones; don't spin on a missing one. */
	u.present = inb(COM1 + LSR) != 0xff;
	consdev_register(&dev);
}

void ns16550_irq_init(void)
{
	int v;

	if (!u.present)
		return;
	v = irq_bind_isa(COM1_IRQ, rx_irq, NULL);
	if (v < 0) {
		printk("console: input by polling (irq %d: %s, error %d)\n",
		       COM1_IRQ, v == -ENODEV ? "no IOAPIC" : "not bound", v);
		return;
	}
	u.vector = v;
	outb(COM1 + MCR, MCR_DTR_RTS | MCR_OUT2);
	consdev_set_input_irq(&dev, true);
	outb(COM1 + IER, IER_RDI);
	printk("console: input by interrupt, irq %d -> vector %d\n", COM1_IRQ,
	       v);
}

/*
 * Self-test: input really arrives by the receive interrupt. In loopback
 * mode the UART receives what it sends: eight bytes must reach the ring
 * through rx_irq, counted on its vector. Where input is polled (no
 * IOAPIC, or no UART: Xen) there is nothing to test; the boot tests
 * check the "input by interrupt" line on each QEMU machine.
 */
static int test_serial_irq(void)
{
	static const char msg[8] = "keel-irq";
	char got[sizeof(msg)];
	unsigned long flags;
	uint64_t before, t0;
	unsigned ringed;
	size_t n;

	if (u.vector < 0) {
		printk("  serial-irq: input is polled here\n");
		return SELFTEST_SKIPPED;
	}
	ns_flush(&dev); /* what printk sent must leave before the loop */
	flags = spin_lock_irqsave(&u.lock);
	u.len = 0;
	before = irq_count(u.vector);
	outb(COM1 + MCR, MCR_DTR_RTS | MCR_OUT2 | MCR_LOOP);
	for (size_t i = 0; i < sizeof(msg); i++)
		put(msg[i]);
	spin_unlock_irqrestore(&u.lock, flags);
	t0 = time_now_ns();
	while (READ_ONCE(u.len) < sizeof(msg) &&
	       time_now_ns() - t0 < 200 * NSEC_PER_MSEC)
		arch_cpu_relax();
	outb(COM1 + MCR, MCR_DTR_RTS | MCR_OUT2);
	ringed = u.len;
	n = ns_read(&dev, got, sizeof(got));
	ST_CHECK(irq_count(u.vector) > before);
	ST_CHECK(ringed == sizeof(msg));
	ST_CHECK(n == sizeof(msg) && !memcmp(got, msg, n));
	printk("  serial-irq: %zu bytes by %lu interrupt(s) on vector %d\n", n,
	       irq_count(u.vector) - before, u.vector);
	return 0;
}
SELFTEST("serial-irq", test_serial_irq);

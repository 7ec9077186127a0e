/*
 * drivers/serial.h - the serial console driver's entry points, for the
 * platform that has one (plat/kvm): probe in early boot (output works
 * from then on), interrupt-driven input once the interrupt controllers
 * are known.
 */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

/* The 16550 at COM1: set up 115200 8N1 and register it as a console. */
void ns16550_probe(void);
/* Bind its receive interrupt (ISA IRQ 4); polled input stays otherwise. */
void ns16550_irq_init(void);

#endif

/*
 * irq.h - interrupts for drivers: bind a legacy (ISA) interrupt or a
 * global system interrupt through the IOAPIC, or allocate an MSI/MSI-X
 * vector and get the message a PCI device writes to raise it. Implemented
 * by the architecture (arch/x86_64/irq.c, ioapic.c) from what the platform
 * found (the ACPI MADT on QEMU/KVM). On Xen a driver binds an event
 * channel instead (evtchn_bind, <plat/xen.h>).
 *
 * Handlers run in interrupt context, interrupts off, on whatever stack
 * was current: they must not sleep, take a mutex, allocate with a wait,
 * or touch user memory. They take spinlocks with spin_lock_irqsave, do
 * the device's minimum (acknowledge it, move bytes or descriptors), and
 * hand the rest to a thread or a waitq. The end of interrupt is sent for
 * them after they return. docs/drivers.md has the rules in full.
 */
#ifndef KEEL_IRQ_H
#define KEEL_IRQ_H

#include <keel/compiler.h>

typedef void (*irq_fn_t)(void *arg);

/*
 * Route ISA interrupt irq (0-15: 4 is COM1) to fn, following the
 * firmware's interrupt source overrides (edge, active high otherwise).
 * Returns the CPU vector it arrives on, or -ENODEV when the machine has
 * no IOAPIC the kernel found (no ACPI MADT, or Xen: poll instead),
 * -EINVAL for a bad irq, -EBUSY if it is bound already, -ENOSPC when no
 * vector is free.
 */
int irq_bind_isa(unsigned irq, irq_fn_t fn, void *arg);
/* The same for a global system interrupt with its own trigger and
 * polarity (PCI INTx: level, active low). */
int irq_bind_gsi(unsigned gsi, bool level, bool active_low, irq_fn_t fn,
		 void *arg);
/* Mask the interrupt and forget its handler. */
void irq_unbind_isa(unsigned irq);
void irq_unbind_gsi(unsigned gsi);

/*
 * A message-signalled interrupt: the driver writes address and data into
 * the device's MSI capability or MSI-X table entry; a write of data to
 * address by the device calls fn. irq_alloc_msi returns the vector, or
 * -ENODEV (no local APIC), -ENOSPC (no vector free).
 */
struct irq_msi_msg {
	uint64_t address;
	uint32_t data;
};
int irq_alloc_msi(irq_fn_t fn, void *arg, struct irq_msi_msg *msg);
void irq_free_msi(int vector);

/* How often a vector's handler has run (for tests and /proc later). */
uint64_t irq_count(int vector);

#endif

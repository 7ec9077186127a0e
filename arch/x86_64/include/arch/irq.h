/*
 * arch/irq.h (x86-64) - device vectors and the IOAPICs behind
 * include/keel/irq.h. The platform registers the IOAPICs and interrupt
 * source overrides it finds (plat/kvm/acpi.c reads them from the MADT).
 */
#ifndef ARCH_X86_64_IRQ_H
#define ARCH_X86_64_IRQ_H

#include <keel/irq.h>

/* Device vectors are handed out from this range (below Xen's 0xf0). */
#define VEC_DEVICE_FIRST 0x30
#define VEC_DEVICE_LAST 0xef

/* Take a free device vector for fn (EOI sent after it); -ENOSPC. */
int irq_vector_alloc(irq_fn_t fn, void *arg);
void irq_vector_free(int vector);

/* An IOAPIC at physical address pa whose first input is gsi_base. */
int ioapic_add(uint8_t id, uint64_t pa, unsigned gsi_base);
/* ISA irq arrives on gsi; flags as the MADT's MPS INTI flags. */
void ioapic_isa_override(unsigned irq, unsigned gsi, uint16_t flags);
/* How many IOAPICs were added. */
unsigned ioapic_count(void);

#endif

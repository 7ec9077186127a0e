/*
 * arch/lapic.h (x86-64) - the local APIC as a one-shot timer, and the TSC
 * as the clock. Both are CPU parts that every platform here has (QEMU,
 * KVM, Xen HVM/PVH); the platform supplies the TSC frequency.
 */
#ifndef ARCH_X86_64_LAPIC_H
#define ARCH_X86_64_LAPIC_H

#include <keel/compiler.h>

/* TSC clock: set the frequency once (Hz); then read nanoseconds since. */
void tsc_clock_init(uint64_t hz);
uint64_t tsc_clock_ns(void);
uint64_t tsc_clock_hz(void);
void tsc_clock_scale(uint64_t *base, uint64_t *mult, uint32_t *shift);

/* LAPIC: map, enable, mask LINT0/1, calibrate, pick TSC-deadline or one-shot. */
void lapic_init(void);
void lapic_timer_arm(uint64_t deadline_ns);
const char *lapic_timer_mode(void);
uint64_t lapic_timer_irqs(void);
/* After lapic_init (QEMU/KVM; Xen uses its own timer and no LAPIC). */
bool lapic_present(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_self(unsigned vector);

#endif

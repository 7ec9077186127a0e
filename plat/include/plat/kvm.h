/*
 * plat/kvm.h - the parts of the QEMU/KVM platform (plat/kvm/). Its console
 * is a driver (drivers/serial/ns16550.c).
 */
#ifndef PLAT_KVM_H
#define PLAT_KVM_H

#include <keel/compiler.h>

/* TSC frequency from KVM's pvclock, or 0 when not under KVM. */
uint64_t kvmclock_tsc_hz(void);
/* TSC frequency measured against the PIT, or 0 if there is no PIT. */
uint64_t pit_calibrate_tsc(void);
/* Seconds since 1970 from the CMOS clock. */
int64_t rtc_read_epoch(void);
/* ACPI S5 through the FADT; returns only if that is impossible. */
void acpi_poweroff(void);
/* The MADT's IOAPICs and overrides to arch/x86_64/ioapic.c; -ENODEV. */
int acpi_irq_init(void);

/* The virtio-mmio transports the DSDT lists (microvm), up to max. */
struct virtio_mmio_res;
unsigned acpi_virtio_mmio(struct virtio_mmio_res *out, unsigned max);

#endif

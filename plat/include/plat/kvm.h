/*
 * plat/kvm.h - the parts of the QEMU/KVM platform (plat/kvm/).
 */
#ifndef PLAT_KVM_H
#define PLAT_KVM_H

#include <keel/compiler.h>

void serial_init(void);
void serial_write(const char *buf, size_t len);
void serial_output(const char *buf, size_t len);
size_t serial_read(char *buf, size_t max);
void serial_flush(void);

/* TSC frequency measured against the PIT, or 0 if there is no PIT. */
uint64_t pit_calibrate_tsc(void);
/* Seconds since 1970 from the CMOS clock. */
int64_t rtc_read_epoch(void);
/* ACPI S5 through the FADT; returns only if that is impossible. */
void acpi_poweroff(void);

#endif

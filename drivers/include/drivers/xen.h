/*
 * drivers/xen.h - entry points of the Xen drivers (drivers/xen/) that the
 * Xen platform calls at boot.
 */
#ifndef DRIVERS_XEN_H
#define DRIVERS_XEN_H

/* The PV console: register it (port 0xe9 until the ring is known). */
void xen_console_probe(void);
/* Remap the ring once the final page tables exist. */
void xen_console_init(void);

#endif

/*
 * xen_priv.h - what stays inside plat/xen: hypercalls, the shared info
 * page, the set-up steps xen.c runs at boot, the clock and timer.
 * Drivers include <plat/xen.h> only, so they never make hypercalls.
 */
#ifndef PLAT_XEN_PRIV_H
#define PLAT_XEN_PRIV_H

#include <plat/xen.h>

/* Hypercalls through the page Xen fills in at boot (hypercall.c). */
long xen_hypercall(unsigned nr, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, unsigned long a5);
#define HYPERCALL2(nr, a, b)                                 \
	xen_hypercall(__HYPERVISOR_##nr, (unsigned long)(a), \
		      (unsigned long)(b), 0, 0, 0)
int xen_hypercall_init(void);
int xen_set_param(unsigned idx, uint64_t value);

extern struct shared_info *xen_shared_info;

int evtchn_init(void);
/* Poll for events with interrupts disabled (early boot, shutdown). */
void evtchn_poll(void);
int gnttab_init(void);
int xenstore_init(void);
void xenstore_start_threads(void);

/* The paravirtual clock (clock.c). */
void xen_clock_init(void);
uint64_t xen_system_time_ns(void);
int64_t xen_wallclock_ns(void);
uint64_t xen_tsc_hz(void);
int xen_timer_init(void);
void xen_timer_arm(uint64_t deadline_ns);

#endif

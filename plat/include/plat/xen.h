/*
 * plat/xen.h - the Xen platform's services for drivers (netfront, blkfront
 * later) and for plat/xen itself: hypercalls, event channels, grant tables
 * and the xenstore client. Xen's own ABI structures come from libxen-dev's
 * public headers.
 */
#ifndef PLAT_XEN_H
#define PLAT_XEN_H

#define __XEN_INTERFACE_VERSION__ 0x00040d00
#include <keel/compiler.h>
#include <xen/xen.h>

/* Hypercalls through the page Xen fills in at boot (hypercall.c). */
long xen_hypercall(unsigned nr, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, unsigned long a5);
#define HYPERCALL2(nr, a, b)                                 \
	xen_hypercall(__HYPERVISOR_##nr, (unsigned long)(a), \
		      (unsigned long)(b), 0, 0, 0)
int xen_hypercall_init(void);
int xen_get_param(unsigned idx, uint64_t *value);
int xen_set_param(unsigned idx, uint64_t value);

extern struct shared_info *xen_shared_info;

/* Event channels (evtchn.c). Handlers run in interrupt context. */
typedef void (*evtchn_handler_t)(unsigned port, void *arg);
int evtchn_init(void);
int evtchn_bind(unsigned port, evtchn_handler_t fn, void *arg);
void evtchn_unbind(unsigned port);
int evtchn_alloc_unbound(domid_t remote, unsigned *port);
int evtchn_bind_virq(unsigned virq, unsigned *port);
void evtchn_mask(unsigned port);
void evtchn_unmask(unsigned port);
int evtchn_send(unsigned port);
bool evtchn_wait(unsigned port, uint64_t timeout_ns);
/* Poll for events with interrupts disabled (early boot, shutdown). */
void evtchn_poll(void);

/* Grant tables, version 1 (gnttab.c). */
int gnttab_init(void);
/* Let domain `domid` map frame `gfn`; returns the grant reference or -errno. */
int gnttab_grant(domid_t domid, uint64_t gfn, bool readonly);
/* Revoke a grant; -EBUSY while the other side still has it mapped. */
int gnttab_end(int ref);

/* Xenstore (xenstore.c). Paths are relative to the domain's home unless
 * they start with '/'. Results are kmalloc'd strings the caller frees. */
int xenstore_init(void);
void xenstore_start_threads(void);
char *xenstore_read(const char *path, int *err);
int xenstore_write(const char *path, const char *value);
/* Directory listing: NUL-separated names, total length in *len. */
char *xenstore_directory(const char *path, size_t *len, int *err);
int xenstore_rm(const char *path);
int xenstore_transaction_start(uint32_t *tx);
int xenstore_transaction_end(uint32_t tx, bool commit);
int xenstore_write_tx(uint32_t tx, const char *path, const char *value);
/* Watches: fn(path, arg) runs in the xenstore watch thread. */
int xenstore_watch(const char *path, void (*fn)(const char *path, void *arg),
		   void *arg);
bool xenstore_ready(void);

/* The PV console ring (console.c). */
void xen_console_early(void);
void xen_console_init(void);
void xen_console_write(const char *buf, size_t len);
size_t xen_console_read(char *buf, size_t max);
void xen_console_flush(void);

/* The paravirtual clock (clock.c). */
void xen_clock_init(void);
uint64_t xen_monotonic_ns(void);
uint64_t xen_system_time_ns(void);
int64_t xen_wallclock_ns(void);
uint64_t xen_tsc_hz(void);
int xen_timer_init(void);
void xen_timer_arm(uint64_t deadline_ns);

#endif

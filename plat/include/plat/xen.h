/*
 * plat/xen.h - the Xen platform's services for drivers (drivers/xen: the
 * PV console now, netfront and blkfront later): event channels, grant
 * tables, xenstore, HVM parameters and Xen's clock. Drivers reach Xen only
 * through these; the hypercalls themselves are private to plat/xen
 * (plat/xen/xen_priv.h). Xen's ABI structures come from libxen-dev.
 */
#ifndef PLAT_XEN_H
#define PLAT_XEN_H

#define __XEN_INTERFACE_VERSION__ 0x00040d00
#include <keel/compiler.h>
#include <xen/xen.h>

/* An HVM parameter (HVM_PARAM_*: a ring's frame, its event channel). */
int xen_get_param(unsigned idx, uint64_t *value);

/*
 * Event channels (evtchn.c). evtchn_bind routes a port to a handler and
 * unmasks it; the handler runs in interrupt context (docs/drivers.md).
 */
typedef void (*evtchn_handler_t)(unsigned port, void *arg);
int evtchn_bind(unsigned port, evtchn_handler_t fn, void *arg);
void evtchn_unbind(unsigned port);
int evtchn_alloc_unbound(domid_t remote, unsigned *port);
int evtchn_bind_virq(unsigned virq, unsigned *port);
void evtchn_mask(unsigned port);
void evtchn_unmask(unsigned port);
int evtchn_send(unsigned port);
/*
 * Block (interrupts may be off) until port is pending or timeout_ns has
 * passed; true if it was pending. Before the event channels are ready
 * (xen_events_ready), it yields to Xen once and returns false.
 */
bool evtchn_wait(unsigned port, uint64_t timeout_ns);
/* Shared info is mapped: Xen's clock and evtchn_wait work. */
bool xen_events_ready(void);

/* Grant tables, version 1 (gnttab.c). */
/* Let domain `domid` map frame `gfn` (dma_frame(), include/keel/dma.h);
 * returns the grant reference or -errno. */
int gnttab_grant(domid_t domid, uint64_t gfn, bool readonly);
/* Revoke a grant; -EBUSY while the other side still has it mapped. */
int gnttab_end(int ref);

/* Xenstore (xenstore.c). Paths are relative to the domain's home unless
 * they start with '/'. Results are kmalloc'd strings the caller frees. */
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

/* Xen's monotonic clock in ns since boot (0 before xen_events_ready). */
uint64_t xen_monotonic_ns(void);

#endif

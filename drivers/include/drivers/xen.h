/*
 * drivers/xen.h - entry points of the Xen drivers (drivers/xen/) that the
 * Xen platform calls at boot.
 */
#ifndef DRIVERS_XEN_H
#define DRIVERS_XEN_H

#include <keel/compiler.h>

/*
 * The PV console: register it, writing to port 0xe9 until the ring is
 * known (and for good when hypercalls do not work: its HVM parameters
 * cannot be read then).
 */
void xen_console_probe(bool hypercalls);
/* Remap the ring once the final page tables exist. */
void xen_console_init(void);
/*
 * Netfront: register a network device for each device/vif/N in xenstore
 * (how many); the handshake with each backend then runs in the xenstore
 * watch thread, which xenstore_start_threads must have started.
 */
unsigned xen_netfront_probe(void);
/*
 * Blkfront: a block device (xvda, xvdb ...) for each device/vbd/N in
 * xenstore, registered once its backend is connected, which happens in
 * the xenstore watch thread (a disk may appear after the program
 * starts: boot mounts wait for it, blkdev_wait). How many vbds it found.
 */
unsigned xen_blkfront_probe(void);

#endif

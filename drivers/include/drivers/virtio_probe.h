/*
 * drivers/virtio_probe.h - where the platform (plat/kvm) starts the
 * virtio drivers (drivers/virtio/): on the PCI functions pci_scan found,
 * and on the MMIO transports the firmware or the command line names.
 */
#ifndef DRIVERS_VIRTIO_PROBE_H
#define DRIVERS_VIRTIO_PROBE_H

#include <keel/compiler.h>

/* Drive every virtio 1.x PCI function that has a driver; how many. */
unsigned virtio_pci_probe(void);

/* A virtio-mmio transport: its registers and interrupt (a GSI). */
struct virtio_mmio_res {
	uint64_t base, size;
	unsigned gsi;
	bool level, active_low;
};
/* Drive the transport at res if a device with a driver sits there:
 * 0, -ENODEV (empty, legacy, or no driver), -ENOMEM. */
int virtio_mmio_probe(const struct virtio_mmio_res *res);
/*
 * The transports named on the command line as Linux takes them,
 * virtio_mmio.device=SIZE@BASE:IRQ (SIZE with K or M), up to max;
 * returns how many.
 */
unsigned virtio_mmio_cmdline(const char *cmdline, struct virtio_mmio_res *out,
			     unsigned max);

#endif

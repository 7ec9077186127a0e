/*
 * drivers/pci.h - the PCI bus (drivers/pci/pci.c) for the platform that
 * has one (plat/kvm on pc and q35) and for the drivers of PCI devices
 * (drivers/virtio/pci.c): configuration space through the legacy ports,
 * the functions found on bus 0 and behind bridges, their memory BARs
 * mapped into the kernel's I/O window, capabilities, and MSI-X.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <keel/compiler.h>
#include <keel/irq.h>

#define PCI_BARS 6

struct pci_bar {
	uint64_t addr; /* bus address (0: not assigned) */
	uint64_t size; /* 0: no BAR here */
	bool io, is64;
	void *va; /* mapped (memory BARs, by pci_map_bar) */
};

struct pci_dev {
	struct pci_dev *next;
	uint8_t bus, dev, fn;
	uint16_t vendor, device, subsys_vendor, subsys_id;
	uint32_t class; /* class, subclass, prog-if: 0x020000 Ethernet */
	uint8_t header_type, irq_pin, irq_line;
	struct pci_bar bar[PCI_BARS];
	/* MSI-X, once pci_msix_enable succeeded */
	volatile uint32_t *msix_table;
	unsigned msix_size;
	uint8_t msix_cap;
	bool claimed; /* a driver took it */
};

/* Configuration space of a found function. */
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);

/*
 * Find every function (bus 0, and the buses behind PCI-to-PCI bridges the
 * firmware numbered): 0 and how many in *found, -ENODEV when the machine
 * has no configuration ports (microvm). One line says which.
 */
int pci_scan(unsigned *found);
/* The functions found, in order (prev NULL: the first). */
struct pci_dev *pci_next(const struct pci_dev *prev);

/* Turn on memory decoding and bus mastering (DMA). */
void pci_enable(struct pci_dev *d);
/*
 * The kernel's address of bytes [off, off + len) of memory BAR bar,
 * mapped uncached (the whole BAR, once); NULL if the BAR is absent, not
 * memory, unassigned, or the range falls outside it.
 */
void *pci_map_bar(struct pci_dev *d, unsigned bar, uint64_t off, uint64_t len);
/*
 * The offset of the first capability with this id after start (0: from
 * the list's head), or 0. The walk is bounded: a looping list ends it.
 */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned start);

#define PCI_CAP_MSIX 0x11
#define PCI_CAP_VENDOR 0x09

/*
 * MSI-X: map the table, mask every entry, turn MSI-X on (INTx off).
 * Returns the table's size, -ENODEV (no MSI-X capability), -EINVAL (the
 * table lies outside its BAR).
 */
int pci_msix_enable(struct pci_dev *d);
/*
 * Point entry at a new vector calling fn(arg), unmasked: the vector, or
 * irq_alloc_msi's error (-ENODEV without a local APIC), -EINVAL.
 */
int pci_msix_bind(struct pci_dev *d, unsigned entry, irq_fn_t fn, void *arg);

#endif

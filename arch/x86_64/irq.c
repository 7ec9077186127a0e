/*
 * irq.c - device interrupt vectors (arch/x86_64): a vector per bound
 * interrupt, taken from VEC_DEVICE_FIRST..VEC_DEVICE_LAST, dispatched to
 * the driver's handler with its argument and acknowledged at the local
 * APIC afterwards; MSI messages that name such a vector. The IOAPIC side
 * is ioapic.c. Interface: include/keel/irq.h.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <arch/irq.h>
#include <arch/lapic.h>
#include <arch/trap.h>

/* MSI address: the LAPIC window, destination APIC id in bits 12-19. */
#define MSI_ADDR_BASE 0xfee00000u
#define MSI_ADDR_DEST_SHIFT 12

struct vec {
	irq_fn_t fn;
	void *arg;
	uint64_t count;
};
static struct vec vecs[256];

static void device_irq(struct trap_frame *tf)
{
	struct vec *v = &vecs[tf->vector & 0xff];

	v->count++;
	if (v->fn)
		v->fn(v->arg);
	lapic_eoi();
}

int irq_vector_alloc(irq_fn_t fn, void *arg)
{
	unsigned long flags = arch_irq_save();
	int found = -ENOSPC;

	for (int v = VEC_DEVICE_FIRST; v <= VEC_DEVICE_LAST; v++) {
		if (vecs[v].fn)
			continue;
		vecs[v] = (struct vec){ fn, arg, 0 };
		irq_set_handler((unsigned)v, device_irq);
		found = v;
		break;
	}
	arch_irq_restore(flags);
	return found;
}

void irq_vector_free(int vector)
{
	unsigned long flags;

	if (vector < VEC_DEVICE_FIRST || vector > VEC_DEVICE_LAST)
		return;
	flags = arch_irq_save();
	irq_set_handler((unsigned)vector, NULL);
	vecs[vector].fn = NULL;
	vecs[vector].arg = NULL;
	arch_irq_restore(flags);
}

uint64_t irq_count(int vector)
{
	return vector >= 0 && vector < 256 ? vecs[vector].count : 0;
}

/*
 * An MSI to this CPU: physical destination, fixed delivery, edge
 * triggered (data is the vector alone). Without a local APIC (Xen PVH
 * here) there is nothing to deliver to.
 */
int irq_alloc_msi(irq_fn_t fn, void *arg, struct irq_msi_msg *msg)
{
	int v;

	if (!fn || !msg)
		return -EINVAL;
	if (!lapic_present())
		return -ENODEV;
	v = irq_vector_alloc(fn, arg);
	if (v < 0)
		return v;
	msg->address = MSI_ADDR_BASE | (lapic_id() << MSI_ADDR_DEST_SHIFT);
	msg->data = (uint32_t)v;
	return v;
}

void irq_free_msi(int vector)
{
	irq_vector_free(vector);
}

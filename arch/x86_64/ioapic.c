/*
 * ioapic.c - the I/O APICs (arch/x86_64): global system interrupts routed
 * to device vectors on this CPU. The platform adds the IOAPICs and the
 * ISA interrupt source overrides it found (plat/kvm/acpi.c, from the
 * MADT); without any, binding fails with -ENODEV and drivers poll.
 * Interface: include/keel/irq.h.
 */
#include <keel/arch.h>
#include <keel/errno.h>
#include <keel/printk.h>
#include <arch/irq.h>
#include <arch/lapic.h>
#include <arch/mm.h>

#define IOAPIC_MAX 4
#define ISA_IRQS 16
#define REG_SEL 0x00 /* byte offsets of the two windows */
#define REG_WIN 0x10
#define REG_VER 0x01
#define REG_REDIR 0x10 /* + 2 * input: low word, then high word */

#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)

/* MPS INTI flags of an interrupt source override. */
#define INTI_POLARITY(f) ((f)&3u) /* 1 active high, 3 active low */
#define INTI_TRIGGER(f) (((f) >> 2) & 3u) /* 1 edge, 3 level */

struct ioapic {
	volatile uint32_t *regs;
	unsigned gsi_base, inputs;
};
static struct ioapic ioapics[IOAPIC_MAX];
static unsigned nioapics;

/* ISA irq -> gsi and flags; identity, edge, active high by default. */
static struct {
	unsigned gsi;
	uint16_t flags;
	bool set;
} isa[ISA_IRQS];

/* Which vector each bound GSI uses (0: none), for unbinding. */
#define GSI_MAX 256
static uint8_t gsi_vector[GSI_MAX];

static uint32_t rd(struct ioapic *io, unsigned reg)
{
	io->regs[REG_SEL / 4] = reg;
	return io->regs[REG_WIN / 4];
}

static void wr(struct ioapic *io, unsigned reg, uint32_t v)
{
	io->regs[REG_SEL / 4] = reg;
	io->regs[REG_WIN / 4] = v;
}

int ioapic_add(uint8_t id, uint64_t pa, unsigned gsi_base)
{
	struct ioapic *io;

	(void)id;
	if (nioapics == IOAPIC_MAX)
		return -ENOSPC;
	io = &ioapics[nioapics];
	io->regs = ioremap(pa, 0x20);
	if (!io->regs)
		return -ENOMEM;
	io->gsi_base = gsi_base;
	io->inputs = ((rd(io, REG_VER) >> 16) & 0xff) + 1;
	/* Nothing arrives until a driver binds it. */
	for (unsigned i = 0; i < io->inputs; i++) {
		wr(io, REG_REDIR + 2 * i, RTE_MASKED);
		wr(io, REG_REDIR + 2 * i + 1, 0);
	}
	nioapics++;
	return 0;
}

void ioapic_isa_override(unsigned irq, unsigned gsi, uint16_t flags)
{
	if (irq >= ISA_IRQS)
		return;
	isa[irq].gsi = gsi;
	isa[irq].flags = flags;
	isa[irq].set = true;
}

unsigned ioapic_count(void)
{
	return nioapics;
}

/* The IOAPIC and input that carry gsi, or NULL. */
static struct ioapic *find(unsigned gsi, unsigned *input)
{
	for (unsigned i = 0; i < nioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi < io->gsi_base + io->inputs) {
			*input = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

int irq_bind_gsi(unsigned gsi, bool level, bool active_low, irq_fn_t fn,
		 void *arg)
{
	unsigned input;
	struct ioapic *io;
	unsigned long flags;
	int v;

	if (!nioapics || !lapic_present())
		return -ENODEV;
	if (!fn || gsi >= GSI_MAX || !(io = find(gsi, &input)))
		return -EINVAL;
	if (gsi_vector[gsi])
		return -EBUSY;
	v = irq_vector_alloc(fn, arg);
	if (v < 0)
		return v;
	flags = arch_irq_save();
	gsi_vector[gsi] = (uint8_t)v;
	wr(io, REG_REDIR + 2 * input + 1, lapic_id() << 24);
	wr(io, REG_REDIR + 2 * input,
	   (uint32_t)v | (level ? RTE_LEVEL : 0) |
	       (active_low ? RTE_ACTIVE_LOW : 0));
	arch_irq_restore(flags);
	return v;
}

void irq_unbind_gsi(unsigned gsi)
{
	unsigned input;
	struct ioapic *io;
	unsigned long flags;

	if (gsi >= GSI_MAX || !gsi_vector[gsi] || !(io = find(gsi, &input)))
		return;
	flags = arch_irq_save();
	wr(io, REG_REDIR + 2 * input, RTE_MASKED);
	irq_vector_free(gsi_vector[gsi]);
	gsi_vector[gsi] = 0;
	arch_irq_restore(flags);
}

static unsigned isa_gsi(unsigned irq)
{
	return isa[irq].set ? isa[irq].gsi : irq;
}

int irq_bind_isa(unsigned irq, irq_fn_t fn, void *arg)
{
	uint16_t f;

	if (irq >= ISA_IRQS)
		return -EINVAL;
	if (!nioapics)
		return -ENODEV;
	f = isa[irq].set ? isa[irq].flags : 0;
	/* ISA's own convention is edge, active high; the MADT may differ. */
	return irq_bind_gsi(isa_gsi(irq), INTI_TRIGGER(f) == 3,
			    INTI_POLARITY(f) == 3, fn, arg);
}

void irq_unbind_isa(unsigned irq)
{
	if (irq < ISA_IRQS)
		irq_unbind_gsi(isa_gsi(irq));
}

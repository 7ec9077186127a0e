/*
 * kvm.c - the QEMU/KVM platform (plat/kvm): a PC with a 16550 console
 * (drivers/serial), IOAPICs from the ACPI MADT, the TSC as clock
 * (calibrated against the PIT), the CMOS RTC for wall time, the LAPIC
 * timer, and shutdown through isa-debug-exit or ACPI.
 */
#include <keel/consdev.h>
#include <keel/printk.h>
#include <keel/time.h>
#include <plat/kvm.h>
#include <plat/platform.h>
#include <drivers/pci.h>
#include <drivers/serial.h>
#include <drivers/virtio_probe.h>
#include <arch/lapic.h>
#include <arch/x86.h>

#define DEBUG_EXIT_PORT 0xf4

static int64_t wall_base_ns;

static void kvm_early_init(void)
{
	ns16550_probe();
}

/* The 8259 PICs stay masked: all interrupts come through the APICs. */
static void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/* The buses that find their devices: PCI (pc, q35), virtio-mmio. */
static void kvm_devices(void)
{
	struct virtio_mmio_res res[16];
	unsigned n;

	if (pci_scan(&n) == 0)
		virtio_pci_probe();
	n = acpi_virtio_mmio(res, ARRAY_SIZE(res));
	if (!n)
		n = virtio_mmio_cmdline(boot_info.cmdline, res,
					ARRAY_SIZE(res));
	for (unsigned i = 0; i < n; i++)
		virtio_mmio_probe(&res[i]);
}

static void kvm_init(void)
{
	uint64_t hz = kvmclock_tsc_hz();
	const char *from = "kvmclock";

	if (!hz) {
		hz = pit_calibrate_tsc();
		from = "PIT";
	}
	pvh_report(&boot_info);
	if (!hz)
		panic("kvm: no kvmclock and no PIT to measure the TSC with");
	tsc_clock_init(hz);
	wall_base_ns =
	    rtc_read_epoch() * (int64_t)NSEC_PER_SEC - (int64_t)tsc_clock_ns();
	pic_mask_all();
	lapic_init();
	printk("clock: tsc %lu.%03lu MHz (%s), timer %s\n", hz / 1000000,
	       hz / 1000 % 1000, from, lapic_timer_mode());
	acpi_irq_init();
	ns16550_irq_init();
	kvm_devices();
}

static int64_t kvm_wallclock_ns(void)
{
	return wall_base_ns + (int64_t)tsc_clock_ns();
}

/*
 * The clock is the TSC alone, so user mode can read it: one vCPU, and
 * the kernel itself trusts the counter (its frequency from kvmclock or
 * the PIT, docs/design.md "Time").
 */
static bool kvm_user_clock(struct hyper_user_clock *uc)
{
	if (!tsc_clock_hz())
		return false;
	tsc_clock_scale(&uc->tsc_base, &uc->mult, &uc->shift);
	uc->wall_ns = wall_base_ns;
	return true;
}

static void kvm_halt(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static __noreturn void kvm_shutdown(int status)
{
	consdev_flush();
	/* With -device isa-debug-exit QEMU exits here with (status << 1) | 1. */
	outb(DEBUG_EXIT_PORT, (uint8_t)status);
	acpi_poweroff();
	printk("keel: could not power off; halted\n");
	consdev_flush();
	for (;;)
		__asm__ volatile("cli; hlt");
}

const struct platform platform_kvm = {
	.name = "kvm",
	.early_init = kvm_early_init,
	.init = kvm_init,
	.monotonic_ns = tsc_clock_ns,
	.wallclock_ns = kvm_wallclock_ns,
	.user_clock = kvm_user_clock,
	.timer_arm = lapic_timer_arm,
	.halt = kvm_halt,
	.shutdown = kvm_shutdown,
};

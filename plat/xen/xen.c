/*
 * xen.c - the Xen PVH platform (plat/xen): hypercall page, shared info,
 * the PV console driver (drivers/xen/console.c), paravirtual clock, event
 * channels, grant tables, xenstore, the single-shot timer, and shutdown
 * with SCHEDOP_shutdown. The
 * exit status reaches the host twice: in xenstore under the domain's
 * data/keel/status, and as the last console line.
 */
#include <keel/consdev.h>
#include <keel/errno.h>
#include <keel/pmm.h>
#include <keel/printf.h>
#include <keel/printk.h>
#include <plat/platform.h>
#include "xen_priv.h"
#include <drivers/xen.h>
#include <keel/heap.h>
#include <keel/string.h>
#include <arch/lapic.h>
#include <xen/memory.h>
#include <xen/sched.h>

struct shared_info *xen_shared_info;

static void xen_early_init(void)
{
	/* Without hypercalls the console stays on port 0xe9. */
	xen_console_probe(xen_hypercall_init() == 0);
}

static void map_shared_info(void)
{
	paddr_t pa = pmm_alloc(1);
	struct xen_add_to_physmap x = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = pa >> PAGE_SHIFT,
	};

	if (!pa || HYPERCALL2(memory_op, XENMEM_add_to_physmap, &x))
		panic("xen: cannot map shared_info");
	xen_shared_info = phys_to_virt(pa);
}

static void on_control_shutdown(const char *path, void *arg)
{
	int err;
	char *req = xenstore_read(path, &err);

	(void)arg;
	if (!req)
		return;
	if (*req) {
		printk("keel: the host asked to %s at %lu ms\n", req,
		       xen_monotonic_ns() / 1000000);
		xenstore_write(path, ""); /* acknowledge */
		if (!strcmp(req, "poweroff") || !strcmp(req, "halt") ||
		    !strcmp(req, "reboot"))
			kernel_shutdown(0);
	}
	kfree(req);
}

static void xen_init(void)
{
	int err;

	xen_console_init();
	map_shared_info();
	xen_clock_init();
	tsc_clock_init(xen_tsc_hz());
	if ((err = evtchn_init()))
		panic("xen: event channel upcall not available (%d)", err);
	if ((err = gnttab_init()))
		printk("xen: grant tables unavailable (%d)\n", err);
	if ((err = xenstore_init()))
		printk("xen: xenstore unavailable (%d)\n", err);
	if ((err = xen_timer_init()))
		panic("xen: cannot bind the timer interrupt (%d)", err);
	pvh_report(&boot_info);
	printk("clock: xen pvclock, tsc %lu.%03lu MHz, timer xen single-shot\n",
	       tsc_clock_hz() / 1000000, tsc_clock_hz() / 1000 % 1000);
}

static void xen_init_late(void)
{
	if (!xenstore_ready())
		return;
	/* Without these, xl refuses "xl shutdown" for a PVH guest. */
	xenstore_write("control/feature-poweroff", "1");
	xenstore_write("control/feature-reboot", "1");
	xenstore_start_threads();
	if (xenstore_watch("control/shutdown", on_control_shutdown, NULL))
		printk("xen: cannot watch control/shutdown\n");
	xen_netfront_probe();
	xen_blkfront_probe();
}

static void xen_halt(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static __noreturn void xen_shutdown(int status)
{
	struct sched_shutdown op = {
		.reason = status == KEEL_STATUS_PANIC ? SHUTDOWN_crash
						      : SHUTDOWN_poweroff,
	};
	char buf[16];

	if (xenstore_ready()) {
		snprintf(buf, sizeof(buf), "%d", status);
		xenstore_write("data/keel/status", buf);
	}
	consdev_flush();
	HYPERCALL2(sched_op, SCHEDOP_shutdown, &op);
	/* Not reached; `cli; hlt` alone would look like a clean poweroff. */
	for (;;)
		__asm__ volatile("cli; hlt");
}

const struct platform platform_xen = {
	.name = "xen",
	.early_init = xen_early_init,
	.init = xen_init,
	.init_late = xen_init_late,
	.monotonic_ns = xen_monotonic_ns,
	.wallclock_ns = xen_wallclock_ns,
	.timer_arm = xen_timer_arm,
	.halt = xen_halt,
	.shutdown = xen_shutdown,
};

/*
 * pvh.c - PVH boot information and platform selection (plat/). Reads
 * struct hvm_start_info (Xen's public ABI, also used by QEMU) before the
 * boot page tables go away, detects the hypervisor from CPUID, and routes
 * the hyper.h calls to the chosen platform (the console calls go to the
 * registered console driver, plat/console.c). The only place that asks
 * "which hypervisor is this?".
 */
#include <keel/errno.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <plat/platform.h>
#include <arch/x86.h>

#define BOOT_IDENTITY_LIMIT (1ULL << 32)

struct boot_info boot_info;
static const struct platform *plat;

/* CPUID leaves 0x40000000 + n*0x100 carry hypervisor signatures. */
static bool hypervisor_is(const char *sig)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		struct cpuid_regs r = cpuid(base, 0);
		char s[13];
		memcpy(s, &r.ebx, 4);
		memcpy(s + 4, &r.ecx, 4);
		memcpy(s + 8, &r.edx, 4);
		s[12] = '\0';
		if (strcmp(s, sig) == 0)
			return true;
	}
	return false;
}

/* The boot identity map covers the low 4 GiB. */
static const void *boot_map(uint64_t pa, size_t len)
{
	if (pa >= BOOT_IDENTITY_LIMIT || len > BOOT_IDENTITY_LIMIT - pa)
		return NULL;
	return (const void *)(uintptr_t)pa;
}

void plat_early_init(uint32_t start_info_pa)
{
	pvh_read_start_info(&boot_info, boot_map, start_info_pa);
	plat = hypervisor_is("XenVMMXenVMM") ? &platform_xen : &platform_kvm;
	plat->early_init();
}

void hyper_init(void)
{
	plat->init();
}

void hyper_init_late(void)
{
	if (plat->init_late)
		plat->init_late();
}

uint64_t hyper_monotonic_ns(void)
{
	return plat->monotonic_ns();
}

int64_t hyper_wallclock_ns(void)
{
	return plat->wallclock_ns();
}

bool hyper_user_clock(struct hyper_user_clock *uc)
{
	return plat->user_clock && plat->user_clock(uc);
}

void hyper_timer_arm(uint64_t deadline_ns)
{
	plat->timer_arm(deadline_ns);
}

void hyper_halt(void)
{
	plat->halt();
}

const char *hyper_name(void)
{
	return plat->name;
}

const char *hyper_cmdline(void)
{
	return boot_info.cmdline;
}

unsigned hyper_memory_map(struct hyper_mem_region *out, unsigned max)
{
	for (unsigned i = 0; i < boot_info.nram && i < max; i++)
		out[i] = boot_info.ram[i];
	return boot_info.nram;
}

int hyper_boot_module(unsigned i, uint64_t *base, uint64_t *size)
{
	if (i >= boot_info.nmodules)
		return -ENOENT;
	*base = boot_info.modules[i].base;
	*size = boot_info.modules[i].size;
	return 0;
}

uint64_t hyper_random_seed(void)
{
	struct cpuid_regs r = cpuid(1, 0);
	uint64_t v = rdtsc();

	if (r.ecx & (1u << 30)) { /* RDRAND */
		uint64_t x;
		unsigned char ok;
		for (int i = 0; i < 10; i++) {
			__asm__ volatile("rdrand %0; setc %1"
					 : "=r"(x), "=qm"(ok));
			if (ok)
				return x ^ v;
		}
	}
	return v * 0x9e3779b97f4a7c15ULL;
}

void hyper_shutdown(int status)
{
	plat->shutdown(status);
}

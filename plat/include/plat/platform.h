/*
 * plat/platform.h - what a platform (kvm, xen) provides to plat/pvh.c,
 * which picks one at boot and routes the hyper.h calls to it. Boot
 * information from the PVH start info is common to all and lives here too.
 */
#ifndef PLAT_PLATFORM_H
#define PLAT_PLATFORM_H

#include <keel/hyper.h>

struct platform {
	const char *name;
	/* Registers the console driver (plat/console.c), usable right
	 * after this; no memory allocation yet. */
	void (*early_init)(void);
	/* Clocks, timer interrupt, devices; the kernel's memory works. */
	void (*init)(void);
	/* Services that need threads (xenstore watches). */
	void (*init_late)(void);
	uint64_t (*monotonic_ns)(void);
	int64_t (*wallclock_ns)(void);
	/* hyper_user_clock; NULL: user mode cannot read the clock. */
	bool (*user_clock)(struct hyper_user_clock *uc);
	void (*timer_arm)(uint64_t deadline_ns);
	void (*halt)(void);
	__noreturn void (*shutdown)(int status);
};

extern const struct platform platform_kvm, platform_xen;

/* Boot information copied out of struct hvm_start_info at entry. */
#define BOOT_MAX_REGIONS 64
#define BOOT_MAX_MODULES 8
struct boot_info {
	struct hyper_mem_region ram[BOOT_MAX_REGIONS];
	unsigned nram;
	struct hyper_mem_region modules[BOOT_MAX_MODULES];
	unsigned nmodules;
	uint64_t rsdp; /* ACPI root pointer, 0 if none */
	uint32_t version; /* of the start info */
	char cmdline[4096];
	unsigned nrefused; /* values the start info gave that were refused */
	const char *refused; /* why, for the first */
};
extern struct boot_info boot_info;

/*
 * plat/pvh_info.c: read the start info at physical address pa into bi;
 * map(pa, len) gives [pa, pa + len) readable or NULL. -EINVAL when there
 * is no start info. pvh_report prints what was found and refused.
 */
typedef const void *(*pvh_map_fn)(uint64_t pa, size_t len);
int pvh_read_start_info(struct boot_info *bi, pvh_map_fn map, uint64_t pa);
void pvh_report(const struct boot_info *bi);

#endif

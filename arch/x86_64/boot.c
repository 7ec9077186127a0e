/*
 * boot.c - the first C code (arch/x86_64), called by boot.S on the boot
 * stack in the upper half. Sets up the CPU tables, reads the boot
 * information through the platform layer, then runs the portable kernel.
 */
#include <keel/compiler.h>

void arch_cpu_early(void);
void tsc_note_entry(void);
void plat_early_init(uint32_t start_info_pa);
__noreturn void kernel_main(void);

__noreturn void arch_boot_main(uint32_t start_info_pa)
{
	tsc_note_entry(); /* while boot.S's low half is still mapped */
	arch_cpu_early();
	plat_early_init(start_info_pa);
	kernel_main();
}

/*
 * elf_sample.c - a tiny program the Makefile links several ways (static,
 * with DT_RPATH, with DT_RUNPATH, as a shared object with a DT_SONAME) so
 * test_elf can read real ELF files made by the host's toolchain.
 */
#include <stdio.h>

int keel_sample(void)
{
	return puts("keel");
}

int main(void)
{
	return keel_sample() < 0;
}

/*
 * backtrace.c - call chains and symbol names (arch/x86_64). The kernel is
 * built with frame pointers; the chain of saved %rbp values is followed,
 * each read probed so a corrupt chain cannot fault. Names come from the
 * kernel's own symbol table (.ksyms), generated from the first link pass by
 * scripts/ksyms.sh and linked into the second.
 */
#include <keel/arch.h>
#include <keel/printk.h>
#include <arch/trap.h>

struct ksym {
	uint64_t addr;
	uint32_t name;
	uint32_t reserved;
};

extern const uint64_t ksyms_count;
extern const struct ksym ksyms[];
extern const char ksyms_names[];
extern const char _text[], _etext[];

const char *arch_symbolize(uintptr_t addr, uintptr_t *offset)
{
	uint64_t lo = 0, hi = ksyms_count;

	*offset = 0;
	if (addr < (uintptr_t)_text || addr >= (uintptr_t)_etext || !hi)
		return NULL;
	while (hi - lo > 1) { /* largest entry with .addr <= addr */
		uint64_t mid = (lo + hi) / 2;
		if (ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms[lo].addr > addr)
		return NULL;
	*offset = addr - ksyms[lo].addr;
	return ksyms_names + ksyms[lo].name;
}

static bool read_word(uintptr_t addr, uint64_t *out)
{
	uint64_t v = 0;

	if (addr & 7)
		return false;
	for (int i = 0; i < 8; i++) {
		uint8_t b;
		if (arch_probe_read(addr + i, &b))
			return false;
		v |= (uint64_t)b << (8 * i);
	}
	*out = v;
	return true;
}

void arch_backtrace(void)
{
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);

	printk("backtrace:\n");
	for (int depth = 0; depth < 32 && fp; depth++) {
		uint64_t next, ret;
		uintptr_t off;
		const char *name;

		if (!read_word(fp, &next) || !read_word(fp + 8, &ret) || !ret)
			break;
		name = arch_symbolize(ret, &off);
		printk("  #%d %016lx %s+0x%lx\n", depth, ret, name ? name : "?",
		       off);
		if (next <= fp) /* stacks grow down: a chain must go up */
			break;
		fp = next;
	}
}

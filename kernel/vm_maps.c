/*
 * vm_maps.c - /proc/PID/maps (kernel/): one line per area, in Linux's
 * format "start-end perms offset dev inode path": a file mapping's path
 * (vm_file->path), "[heap]" and "[stack]" for those areas.
 * Device and inode numbers are not tracked and print as 00:00 0.
 */
#include <keel/printf.h>
#include <keel/string.h>
#include "vm_area.h"

/* Linux pads the path to start in column 74. */
#define MAPS_NAME_COL 73

static const char *area_name(const struct vm_area *a)
{
	if (a->file)
		return vm_file->path(a->file);
	if (a->flags & VMA_PINNED)
		return a->name;
	if (a->flags & VMA_HEAP)
		return "[heap]";
	if (a->flags & VMA_STACK)
		return "[stack]";
	return NULL;
}

/* One line into buf (size len): its length, or 0 if it does not fit. */
static size_t format_area(const struct vm_area *a, char *buf, size_t len)
{
	const char *name = area_name(a);
	int n = snprintf(
	    buf, len, "%08lx-%08lx %c%c%c%c %08llx 00:00 0 ",
	    (unsigned long)a->start, (unsigned long)a->end,
	    a->prot & PROT_READ ? 'r' : '-', a->prot & PROT_WRITE ? 'w' : '-',
	    a->prot & PROT_EXEC ? 'x' : '-', a->flags & VMA_SHARED ? 's' : 'p',
	    (unsigned long long)(a->flags & VMA_PINNED ? 0 : a->off));

	if (n < 0 || (size_t)n >= len)
		return 0;
	if (name)
		n += snprintf(buf + n, len - n, "%*s%s",
			      n < MAPS_NAME_COL ? MAPS_NAME_COL - n : 0, "",
			      name);
	if ((size_t)n + 1 >= len)
		return 0;
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

size_t vm_mm_format_maps(struct mm *mm, char *buf, size_t len)
{
	unsigned long irq = spin_lock_irqsave(&mm->lock);
	size_t done = 0;

	list_for_each (n, &mm->areas) {
		size_t k = format_area(vma_of(n), buf + done, len - done);
		if (!k)
			break; /* only whole lines */
		done += k;
	}
	spin_unlock_irqrestore(&mm->lock, irq);
	return done;
}

size_t vm_format_maps(char *buf, size_t len)
{
	return vm_mm_format_maps(vm_cur(), buf, len);
}

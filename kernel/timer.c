/*
 * timer.c - software timers (kernel/): a deadline-sorted list, with the
 * platform's one-shot timer armed for the earliest. kernel_timer_interrupt
 * is the platform's entry point when that deadline passes.
 */
#include <keel/arch.h>
#include <keel/hyper.h>
#include <keel/timer.h>

static struct list_node timers = LIST_INIT(timers);

void timer_init(struct timer *t, void (*fn)(struct timer *t))
{
	list_init(&t->node);
	t->fn = fn;
	t->armed = false;
	t->deadline_ns = 0;
}

static void program_first(void)
{
	if (list_empty(&timers))
		hyper_timer_arm(0);
	else
		hyper_timer_arm(
		    list_entry(timers.next, struct timer, node)->deadline_ns);
}

void timer_arm(struct timer *t, uint64_t deadline_ns)
{
	unsigned long flags = arch_irq_save();
	struct list_node *pos = &timers;

	if (t->armed)
		list_remove(&t->node);
	t->deadline_ns = deadline_ns;
	t->armed = true;
	list_for_each (n, &timers) {
		if (list_entry(n, struct timer, node)->deadline_ns >
		    deadline_ns) {
			pos = n;
			break;
		}
	}
	list_insert_before(pos, &t->node);
	if (timers.next == &t->node)
		program_first();
	arch_irq_restore(flags);
}

bool timer_cancel(struct timer *t)
{
	unsigned long flags = arch_irq_save();
	bool was = t->armed;

	if (was) {
		bool first = timers.next == &t->node;
		list_remove(&t->node);
		t->armed = false;
		if (first)
			program_first();
	}
	arch_irq_restore(flags);
	return was;
}

void kernel_timer_interrupt(void)
{
	unsigned long flags = arch_irq_save();
	uint64_t now = hyper_monotonic_ns();

	while (!list_empty(&timers)) {
		struct timer *t = list_entry(timers.next, struct timer, node);

		if (t->deadline_ns > now) {
			now = hyper_monotonic_ns();
			if (t->deadline_ns > now)
				break;
		}
		list_remove(&t->node);
		t->armed = false;
		t->fn(t);
	}
	program_first();
	arch_irq_restore(flags);
}

/*
 * timer.h - software timers (kernel/timer.c) multiplexed onto the
 * platform's single one-shot timer. Callbacks run in interrupt context with
 * interrupts disabled: they may wake threads, never sleep.
 */
#ifndef KEEL_TIMER_H
#define KEEL_TIMER_H

#include <keel/list.h>

struct timer {
	struct list_node node;
	uint64_t deadline_ns;
	void (*fn)(struct timer *t);
	bool armed;
};

void timer_init(struct timer *t, void (*fn)(struct timer *t));
/* Arm (or re-arm) to fire at monotonic time deadline_ns. */
void timer_arm(struct timer *t, uint64_t deadline_ns);
/* Disarm; returns true if it was armed. */
bool timer_cancel(struct timer *t);

#endif

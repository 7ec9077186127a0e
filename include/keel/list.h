/*
 * list.h - intrusive circular doubly linked lists (lib/, header only).
 * A list head is a node that links to itself when empty.
 */
#ifndef KEEL_LIST_H
#define KEEL_LIST_H

#include <keel/compiler.h>

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_INIT(name)          \
	{                        \
		&(name), &(name) \
	}

static inline void list_init(struct list_node *h)
{
	h->next = h->prev = h;
}

static inline bool list_empty(const struct list_node *h)
{
	return h->next == h;
}

static inline void list_insert_between(struct list_node *n,
				       struct list_node *prev,
				       struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* Insert n before pos (at the tail when pos is the head). */
static inline void list_insert_before(struct list_node *pos,
				      struct list_node *n)
{
	list_insert_between(n, pos->prev, pos);
}

static inline void list_push_back(struct list_node *h, struct list_node *n)
{
	list_insert_between(n, h->prev, h);
}

static inline void list_push_front(struct list_node *h, struct list_node *n)
{
	list_insert_between(n, h, h->next);
}

static inline void list_remove(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

static inline struct list_node *list_pop_front(struct list_node *h)
{
	struct list_node *n = h->next;

	if (n == h)
		return NULL;
	list_remove(n);
	return n;
}

#define list_entry(node, type, member) container_of(node, type, member)

#define list_for_each(pos, head)                                  \
	for (struct list_node *pos = (head)->next; pos != (head); \
	     pos = pos->next)

#define list_for_each_safe(pos, tmp, head)                           \
	for (struct list_node *pos = (head)->next, *tmp = pos->next; \
	     pos != (head); pos = tmp, tmp = pos->next)

#endif

/* inotab.c - open addressing with linear probing, at most half full; removal shifts the
 * entries after the hole back (no tombstones), so lookups stay short after many
 * removals. */
#include "inotab.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct slot_head {
	uint64_t k[3];
	uint64_t used;
};

static size_t slot_size(const struct inotab *t)
{
	return sizeof(struct slot_head) + ((t->vsize + 7) & ~(size_t)7);
}

static struct slot_head *slot(const struct inotab *t, size_t i)
{
	return (struct slot_head *)(void *)(t->slots + i * slot_size(t));
}

static size_t home_of(const struct inotab *t, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h =
	    (a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full) ^ (c * 0x165667b19e3779f9ull);
	h ^= h >> 29;
	return (size_t)h & (t->cap - 1);
}

/* The slot of the key, or of the empty slot where it would go. */
static size_t find(const struct inotab *t, uint64_t a, uint64_t b, uint64_t c)
{
	size_t i = home_of(t, a, b, c);
	for (;; i = (i + 1) & (t->cap - 1)) {
		struct slot_head *s = slot(t, i);
		if (!s->used || (s->k[0] == a && s->k[1] == b && s->k[2] == c))
			return i;
	}
}

void inotab_init(struct inotab *t, size_t vsize)
{
	memset(t, 0, sizeof *t);
	t->vsize = vsize;
}

void *inotab_get(const struct inotab *t, uint64_t a, uint64_t b, uint64_t c)
{
	if (!t->cap)
		return NULL;
	struct slot_head *s = slot(t, find(t, a, b, c));
	return s->used ? s + 1 : NULL;
}

static bool grow(struct inotab *t)
{
	struct inotab g = *t;
	g.cap = t->cap ? t->cap * 2 : 64;
	g.n = 0;
	g.slots = calloc(g.cap, slot_size(t));
	if (!g.slots)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		struct slot_head *s = slot(t, i);
		if (s->used) {
			memcpy(slot(&g, find(&g, s->k[0], s->k[1], s->k[2])), s, slot_size(t));
			g.n++;
		}
	}
	free(t->slots);
	*t = g;
	return true;
}

void *inotab_put(struct inotab *t, uint64_t a, uint64_t b, uint64_t c)
{
	if ((t->n + 1) * 2 > t->cap && !grow(t))
		return NULL;
	struct slot_head *s = slot(t, find(t, a, b, c));
	if (!s->used) {
		memset(s, 0, slot_size(t));
		s->k[0] = a;
		s->k[1] = b;
		s->k[2] = c;
		s->used = 1;
		t->n++;
	}
	return s + 1;
}

void inotab_del(struct inotab *t, uint64_t a, uint64_t b, uint64_t c)
{
	if (!t->cap)
		return;
	size_t hole = find(t, a, b, c), m = t->cap - 1;
	if (!slot(t, hole)->used)
		return;
	slot(t, hole)->used = 0;
	t->n--;
	/* move back every later entry of the run that the hole would hide from its home */
	for (size_t i = (hole + 1) & m; slot(t, i)->used; i = (i + 1) & m) {
		struct slot_head *s = slot(t, i);
		size_t h = home_of(t, s->k[0], s->k[1], s->k[2]);
		/* it stays unless the hole lies between its home and it (cyclically) */
		if (((i - h) & m) < ((i - hole) & m))
			continue;
		memcpy(slot(t, hole), s, slot_size(t));
		s->used = 0;
		hole = i;
	}
}

void inotab_each(struct inotab *t, void (*fn)(void *val))
{
	for (size_t i = 0; i < t->cap; i++)
		if (slot(t, i)->used)
			fn(slot(t, i) + 1);
}

void inotab_clear(struct inotab *t)
{
	if (t->slots)
		memset(t->slots, 0, t->cap * slot_size(t));
	t->n = 0;
}

void inotab_free(struct inotab *t)
{
	free(t->slots);
	inotab_init(t, t->vsize);
}

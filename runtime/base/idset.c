/* idset.c - a set of ids (see idset.h). */
#include "idset.h"

#include <stdlib.h>
#include <string.h>

static size_t slot_of(uint32_t id, size_t cap)
{
	return (size_t)((id * 2654435761u) & (uint32_t)(cap - 1));
}

static void put(uint32_t *slot, size_t cap, uint32_t id)
{
	size_t i = slot_of(id, cap);
	while (slot[i] != UINT32_MAX && slot[i] != id)
		i = (i + 1) & (cap - 1);
	slot[i] = id;
}

int idset_add(struct idset *s, uint32_t id)
{
	if (id == UINT32_MAX)
		return 0;
	if (s->cap) {
		size_t i = slot_of(id, s->cap);
		while (s->slot[i] != UINT32_MAX) {
			if (s->slot[i] == id)
				return 0;
			i = (i + 1) & (s->cap - 1);
		}
	}
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		uint32_t *v = malloc(cap * sizeof *v);
		if (!v)
			return -1;
		memset(v, 0xff, cap * sizeof *v);
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i] != UINT32_MAX)
				put(v, cap, s->slot[i]);
		free(s->slot);
		s->slot = v;
		s->cap = cap;
	}
	put(s->slot, s->cap, id);
	s->n++;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

uint32_t *idset_sorted(const struct idset *s, size_t *n)
{
	*n = 0;
	if (!s->n)
		return NULL;
	uint32_t *v = malloc(s->n * sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i] != UINT32_MAX)
			v[(*n)++] = s->slot[i];
	qsort(v, *n, sizeof *v, cmp_u32);
	return v;
}

void idset_free(struct idset *s)
{
	free(s->slot);
	memset(s, 0, sizeof *s);
}

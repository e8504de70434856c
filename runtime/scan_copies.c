/* scan_copies.c - copies already made, by inode: later names of a copied inode become
 * links to its first copy. */
#include "scan_int.h"

#include <stdlib.h>

static size_t ih_slot(const struct ihash *h, uint64_t dev, uint64_t ino)
{
	uint64_t k = (dev * 0x9e3779b97f4a7c15ull) ^ (ino * 0xc2b2ae3d27d4eb4full);
	return (size_t)(k ^ (k >> 29)) & (h->cap - 1);
}

bool ih_find(const struct ihash *h, uint64_t dev, uint64_t ino, size_t *idx, uint32_t *vol)
{
	if (!h->cap)
		return false;
	for (size_t i = ih_slot(h, dev, ino);; i = (i + 1) & (h->cap - 1)) {
		if (h->idx[i] == SIZE_MAX)
			return false;
		if (h->dev[i] == dev && h->ino[i] == ino) {
			*idx = h->idx[i];
			*vol = h->vol[i];
			return true;
		}
	}
}

void ih_free(struct ihash *h)
{
	free(h->dev);
	free(h->ino);
	free(h->idx);
	free(h->vol);
}

void ih_put(struct ihash *h, uint64_t dev, uint64_t ino, size_t idx, uint32_t vol)
{
	if ((h->n + 1) * 2 > h->cap) {
		struct ihash g = {0};
		g.cap = h->cap ? h->cap * 2 : 256;
		g.dev = malloc(g.cap * sizeof *g.dev);
		g.ino = malloc(g.cap * sizeof *g.ino);
		g.idx = malloc(g.cap * sizeof *g.idx);
		g.vol = malloc(g.cap * sizeof *g.vol);
		if (!g.dev || !g.ino || !g.idx || !g.vol) {
			ih_free(&g);
			return; /* no dedup under memory pressure: copies stay correct */
		}
		for (size_t i = 0; i < g.cap; i++)
			g.idx[i] = SIZE_MAX;
		for (size_t i = 0; i < h->cap; i++)
			if (h->idx[i] != SIZE_MAX)
				ih_put(&g, h->dev[i], h->ino[i], h->idx[i], h->vol[i]);
		ih_free(h);
		*h = g;
	}
	size_t i = ih_slot(h, dev, ino);
	while (h->idx[i] != SIZE_MAX)
		i = (i + 1) & (h->cap - 1);
	h->dev[i] = dev;
	h->ino[i] = ino;
	h->idx[i] = idx;
	h->vol[i] = vol;
	h->n++;
}

/* dirmeta.c - load's directory table (see dirmeta.h). */
#include "dirmeta.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t hash_path(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static const char *key_of(const struct dirmeta *d, const struct dm_slot *sl)
{
	return d->arena + sl->key - 1;
}

/* The slot of PATH, or the empty slot where it would go. */
static size_t slot_of(const struct dirmeta *d, const char *path, uint32_t h)
{
	size_t j = h & (d->cap - 1);
	while (d->slot[j].key && (d->slot[j].hash != h || strcmp(key_of(d, &d->slot[j]), path) != 0))
		j = (j + 1) & (d->cap - 1);
	return j;
}

static int grow(struct dirmeta *d)
{
	size_t cap = d->cap ? d->cap * 2 : 1024;
	struct dm_slot *ns = calloc(cap, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < d->cap; i++) {
		if (!d->slot[i].key)
			continue;
		size_t j = d->slot[i].hash & (cap - 1);
		while (ns[j].key)
			j = (j + 1) & (cap - 1);
		ns[j] = d->slot[i];
	}
	free(d->slot);
	d->slot = ns;
	d->cap = cap;
	return 0;
}

uint32_t dm_add_meta(struct dirmeta *d, const struct dir_meta *m)
{
	if (d->nmetas == d->capmetas) {
		size_t cap = d->capmetas ? d->capmetas * 2 : 1024;
		struct dir_meta *q = cap < DM_NONE ? realloc(d->metas, cap * sizeof *q) : NULL;
		if (!q)
			return DM_NONE;
		d->metas = q;
		d->capmetas = cap;
	}
	d->metas[d->nmetas] = *m;
	return (uint32_t)d->nmetas++;
}

int dm_put(struct dirmeta *d, const char *path, uint32_t meta, bool overwrite)
{
	if ((d->n + 1) * 2 > d->cap && grow(d) != 0)
		return -1;
	uint32_t h = hash_path(path);
	size_t j = slot_of(d, path, h);
	if (d->slot[j].key) {
		if (overwrite)
			d->slot[j].meta = meta;
		return 0;
	}
	size_t len = strlen(path) + 1;
	if (d->alen + len > d->acap) {
		size_t cap = d->acap ? d->acap * 2 : 64u << 10;
		while (cap < d->alen + len)
			cap *= 2;
		char *q = cap < UINT32_MAX ? realloc(d->arena, cap) : NULL;
		if (!q)
			return -1;
		d->arena = q;
		d->acap = cap;
	}
	memcpy(d->arena + d->alen, path, len);
	d->slot[j] = (struct dm_slot){.key = (uint32_t)(d->alen + 1), .hash = h, .meta = meta};
	d->alen += len;
	d->n++;
	return 1;
}

uint32_t dm_find(const struct dirmeta *d, const char *path)
{
	if (!d->cap)
		return DM_NONE;
	size_t j = slot_of(d, path, hash_path(path));
	return d->slot[j].key ? d->slot[j].meta : DM_NONE;
}

int dm_touch(struct dirmeta *d, const char *path)
{
	if (!d->cap)
		return -1;
	size_t j = slot_of(d, path, hash_path(path));
	if (!d->slot[j].key)
		return -1;
	if (d->slot[j].touched)
		return 0;
	d->slot[j].touched = true;
	return 1;
}

static int cmp_key(const void *a, const void *b)
{
	uint32_t x = ((const struct dm_slot *)a)->key, y = ((const struct dm_slot *)b)->key;
	return x < y ? -1 : x > y;
}

void dm_each_touched(const struct dirmeta *d,
		     int (*fn)(const char *path, const struct dir_meta *m, void *ctx), void *ctx)
{
	/* in the order the paths were added (the catalog's: walk order), so that opening
	 * them one after the other costs an open per directory at any depth (fdstack.h);
	 * in table order when there is no memory for the sort */
	size_t n = 0;
	for (size_t i = 0; i < d->cap; i++)
		n += d->slot[i].key && d->slot[i].touched;
	struct dm_slot *v = n ? malloc(n * sizeof *v) : NULL;
	if (n && !v) {
		for (size_t i = 0; i < d->cap; i++)
			if (d->slot[i].key && d->slot[i].touched &&
			    fn(key_of(d, &d->slot[i]), &d->metas[d->slot[i].meta], ctx) != 0)
				return;
		return;
	}
	size_t k = 0;
	for (size_t i = 0; i < d->cap; i++)
		if (d->slot[i].key && d->slot[i].touched)
			v[k++] = d->slot[i];
	qsort(v, n, sizeof *v, cmp_key);
	for (size_t i = 0; i < n; i++)
		if (fn(key_of(d, &v[i]), &d->metas[v[i].meta], ctx) != 0)
			break;
	free(v);
}

void dm_free(struct dirmeta *d)
{
	free(d->slot);
	free(d->arena);
	free(d->metas);
	memset(d, 0, sizeof *d);
}

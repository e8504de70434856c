/* load_smap.c - a small string map (path -> index): the directories --dry-run would make,
 * the start directories of destinationCleanup. */
#include "load_int.h"

#include <stdlib.h>
#include <string.h>

static uint64_t shash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static size_t smap_slot(const struct smap *m, const char *k)
{
	size_t j = (size_t)shash(k) & (m->cap - 1);
	while (m->key[j] && strcmp(m->key[j], k) != 0)
		j = (j + 1) & (m->cap - 1);
	return j;
}

const uint32_t *smap_get(const struct smap *m, const char *k)
{
	if (!m->cap)
		return NULL;
	size_t j = smap_slot(m, k);
	return m->key[j] ? &m->val[j] : NULL;
}

/* Insert K -> V unless K is there already. 1 inserted, 0 present, -1 no memory. */
int smap_put(struct smap *m, const char *k, uint32_t v)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct smap nm = {calloc(cap, sizeof(char *)), calloc(cap, sizeof(uint32_t)), cap,
				  0};
		if (!nm.key || !nm.val) {
			free(nm.key);
			free(nm.val);
			return -1;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->key[i])
				continue;
			size_t j = smap_slot(&nm, m->key[i]);
			nm.key[j] = m->key[i];
			nm.val[j] = m->val[i];
			nm.n++;
		}
		free(m->key);
		free(m->val);
		*m = nm;
	}
	size_t j = smap_slot(m, k);
	if (m->key[j])
		return 0;
	if (!(m->key[j] = strdup(k)))
		return -1;
	m->val[j] = v;
	m->n++;
	return 1;
}

void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->key[i]);
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof *m);
}

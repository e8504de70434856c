/* idset.h - a set of uids or gids (open addressing), for the owners of what a scan
 * captured: a user's own image can hold files of any number of ids, so no linear list. */
#ifndef MIGRT_IDSET_H
#define MIGRT_IDSET_H

#include <stddef.h>
#include <stdint.h>

struct idset {
	uint32_t *slot; /* UINT32_MAX: empty (never a valid id: acctdb.h) */
	size_t cap, n;
};

/* Add ID (UINT32_MAX is ignored). 0, or -1 when out of memory (the set is unchanged). */
int idset_add(struct idset *s, uint32_t id);
/* The ids in ascending order (malloc'd, *N of them), or NULL when empty or no memory. */
uint32_t *idset_sorted(const struct idset *s, size_t *n);
void idset_free(struct idset *s);

#endif

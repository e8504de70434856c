/* scan_copies.c - copies already made, by inode: later names of a copied inode become
 * links to its copy (a fresh copy takes over when the last one has as many links as its
 * filesystem allows). */
#include "scan_int.h"

struct copy_ref {
	size_t idx;
	uint32_t vol;
};

bool ih_find(const struct inotab *h, uint64_t dev, uint64_t ino, size_t *idx, uint32_t *vol)
{
	const struct copy_ref *c = inotab_get(h, dev, ino, 0);
	if (!c)
		return false;
	*idx = c->idx;
	*vol = c->vol;
	return true;
}

void ih_put(struct inotab *h, uint64_t dev, uint64_t ino, size_t idx, uint32_t vol)
{
	if (!h->vsize)
		inotab_init(h, sizeof(struct copy_ref));
	struct copy_ref *c = inotab_put(h, dev, ino, 0);
	if (c) /* no memory: no sharing, copies stay correct */
		*c = (struct copy_ref){idx, vol};
}

/* aclmap.c - a captured ACL through the id map (aclmap.h). */
#include "aclmap.h"

#include <stdlib.h>

#include "diracl.h"

/* Captured id ID of a named entry (GROUP: a gid) here, in *OUT; NULL, or the map entry
 * of an owner with no account here (the entry goes). */
static const struct idmap_ent *map_id(const struct idmap *m, bool group, uint32_t id,
				      uint32_t *out)
{
	*out = id;
	if (m->keep)
		return NULL;
	const struct idmap_ent *e = group ? idmap_group(m, id) : idmap_user(m, id);
	if (!e) /* not in the records: kept, as for owners */
		return NULL;
	if (e->kind == IDM_ABSENT || e->kind == IDM_TAKEN)
		return e;
	*out = e->to;
	return NULL;
}

unsigned char *aclmap_target(const struct idmap *m, const struct aclrec_ent *a, size_t *n,
			     size_t *ndropped, aclmap_drop_fn *on_drop, void *ctx)
{
	struct diracl_ent *e;
	size_t ne, k = 0, dropped = 0;
	if (diracl_decode(a->val, a->len, &e, &ne) != 0)
		return NULL;
	unsigned mask = 7u, grp = 0, *maskp = NULL;
	for (size_t i = 0; i < ne; i++) {
		struct diracl_ent x = e[i];
		bool named = x.tag == DA_USER || x.tag == DA_GROUP;
		const struct idmap_ent *gone = named ? map_id(m, x.tag == DA_GROUP, x.id, &x.id)
						     : NULL;
		if (gone) {
			dropped++;
			if (on_drop)
				on_drop(ctx, a->path, x.tag == DA_GROUP, x.id, gone);
			continue;
		}
		size_t j = 0; /* two names mapped to one account (--mu): one entry, both rights */
		while (j < k && !(named && e[j].tag == x.tag && e[j].id == x.id))
			j++;
		if (j < k) {
			e[j].perm |= x.perm;
			continue;
		}
		e[k++] = x;
	}
	for (size_t i = 0; i < k; i++) {
		if (e[i].tag == DA_MASK) {
			mask = e[i].perm;
			maskp = &e[i].perm;
		} else if (e[i].tag != DA_USER_OBJ && e[i].tag != DA_OTHER) {
			grp |= e[i].perm;
		}
	}
	bool named_left = false;
	for (size_t i = 0; i < k; i++)
		named_left |= e[i].tag == DA_USER || e[i].tag == DA_GROUP;
	if (dropped && maskp) {
		if (named_left) {
			*maskp = mask & grp; /* what remains needs no more */
		} else { /* base entries only: the owning group keeps what it had */
			size_t j = 0;
			for (size_t i = 0; i < k; i++) {
				if (e[i].tag == DA_MASK)
					continue;
				if (e[i].tag == DA_GROUP_OBJ)
					e[i].perm &= mask;
				e[j++] = e[i];
			}
			k = j;
		}
	}
	unsigned char *out = diracl_encode(e, k, n);
	free(e);
	*ndropped = dropped;
	return out;
}


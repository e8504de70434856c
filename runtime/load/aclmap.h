/* aclmap.h - the ACL a captured object gets on the target: its recorded ACL (aclrec.h)
 * with each named entry's id mapped by name (idmap.h: after --mu; --keep-ids keeps
 * numbers; an id not in the identity records is kept, as for owners). An entry whose
 * name has no account here (absent, or its old id someone else's now) is removed, never
 * left naming whoever holds the number now; the mask is then recomputed from what
 * remains, never wider than captured (no named entry left: the base entries, the owning
 * group with what it effectively had). Two names mapped to one account (--mu) make one
 * entry with both rights. Computed from the record alone, so applying it again gives
 * the same ACL. Shared by load (load_acls.c) and verify. */
#ifndef MIGRT_ACLMAP_H
#define MIGRT_ACLMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aclrec.h"
#include "idmap.h"

/* Told about each entry removed: captured id ID (GROUP: a gid), its map entry GONE. */
typedef void aclmap_drop_fn(void *ctx, const char *path, bool group, uint32_t id,
			    const struct idmap_ent *gone);

/* The target ACL of record A through M, malloc'd (*N bytes), *NDROPPED entries removed
 * (each told to ON_DROP when not NULL). NULL: no memory, or a malformed record. */
unsigned char *aclmap_target(const struct idmap *m, const struct aclrec_ent *a, size_t *n,
			     size_t *ndropped, aclmap_drop_fn *on_drop, void *ctx);

#endif

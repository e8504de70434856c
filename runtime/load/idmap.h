/* idmap.h - who a captured owner is on the target system: captured uids and gids mapped
 * to the target's accounts of the same name (issue 16).
 *
 * The store's identity records (identity.h) name every captured owner; the target's
 * account files (acctdb.h) say what id each name has now. An owner is then
 *   SAME       the same name with the same id;
 *   RENUMBERED the same name with another id (a reinstall made accounts in another
 *              order): restored objects are re-owned to the new id;
 *   NAMELESS   the id had no name at capture: kept as a number (warned);
 *   KEPT       --keep-ids, or a store made before identity records: numbers kept;
 *   ABSENT     no account of that name here and the old id is free: nothing of theirs
 *              is restored (a user) or the owner's own primary group is used (a group);
 *   TAKEN      no account of that name here, and the old id names another account now:
 *              restoring by number would hand the object to that person, so load stops
 *              before placing anything (exit 14, USMT_ERROR_USE_LAC) unless -c, and
 *              then skips their objects.
 * --mu OLD:NEW maps captured user OLD to target user NEW (by name). */
#ifndef MIGRT_IDMAP_H
#define MIGRT_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acctdb.h"
#include "identity.h"

enum idmap_kind { IDM_SAME, IDM_RENUMBERED, IDM_NAMELESS, IDM_KEPT, IDM_ABSENT, IDM_TAKEN };
extern const char *const idmap_kind_names[];

struct idmap_ent {
	uint32_t from, to;    /* captured id, id here (to == from unless RENUMBERED) */
	char *name;	      /* captured name (NULL: NAMELESS) */
	char *now;	      /* TAKEN: the account holding FROM here */
	char *target;	      /* the name it is restored as (NEW of --mu, else NAME) */
	uint32_t primary_gid; /* users: their primary group here (ABSENT groups fall back) */
	enum idmap_kind kind;
	uint64_t objects; /* objects to restore with this owner (idmap_need) */
};

struct idmap {
	struct idmap_ent *u, *g;
	size_t nu, ng;
	bool keep; /* numbers kept: every lookup is the identity */
};

struct idmap_mu { /* --mu OLD:NEW */
	const char *from, *to;
};

/* The name captured user NAME is restored as: NEW of a --mu NAME:NEW pair, else NAME. */
const char *idmap_mu_target(const struct idmap_mu *mu, size_t nmu, const char *name);

/* Build the map. IDS NULL (a store made before identity records) or KEEP: numbers are
 * kept. 0, or -1 (ENOMEM). */
int idmap_build(struct idmap *m, const struct identities *ids, const struct acct_db *target,
		const struct idmap_mu *mu, size_t nmu, bool keep);
void idmap_free(struct idmap *m);

/* The owner an object captured as UID:GID gets here, in *OUID and *OGID. 0 mapped;
 * -1 when its user (or group) is ABSENT or TAKEN: it is not restored. An ABSENT group
 * falls back to the mapped user's primary group here. An id not in the records is
 * kept as it is. */
int idmap_owner(const struct idmap *m, uint32_t uid, uint32_t gid, uint32_t *ouid,
		uint32_t *ogid);
/* Count one object of UID:GID to restore (the checks and the report use it). */
void idmap_need(struct idmap *m, uint32_t uid, uint32_t gid);

const struct idmap_ent *idmap_user(const struct idmap *m, uint32_t uid);
const struct idmap_ent *idmap_group(const struct idmap *m, uint32_t gid);

#endif

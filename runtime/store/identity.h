/* identity.h - who owned what, by name: the identity records of a store.
 *
 * uids and gids change across a reinstall (a live-session user takes 1000, accounts are
 * made in another order); names do not. scan therefore records, in MIGSTATE/identities,
 * the accounts of the system it captured: every selected user, every user and group
 * owning a captured object, and each selected user's groups, with their passwd fields,
 * shadow entry (hash and aging; the store is root's alone) and memberships. load maps
 * each captured id to the target's account of the same name. Format: store-format.md
 * ("Identity records"): escaped tab-separated lines (lineesc.h), ending in a SHA-256 of
 * everything before it, written atomically. */
#ifndef MIGRT_IDENTITY_H
#define MIGRT_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acctdb.h"

#define IDENT_FILE "identities"
#define IDENT_MAGIC "migstate-identities 1"

struct ident_user {
	char *name;
	uint32_t uid, gid;
	char *gecos, *home, *shell;
	bool selected;	  /* a user the scan migrated (else: only owns captured objects) */
	char *hash, *aging; /* the shadow entry (NULL: none) */
};

struct ident_group {
	char *name;
	uint32_t gid;
};

struct ident_member { /* a selected user's supplementary group; or (gmembers) a member
			of a group a changeGroup mapping names, migrated or not */
	char *user, *group;
};

struct identities {
	struct ident_user *users;
	size_t nusers;
	struct ident_group *groups;
	size_t ngroups;
	struct ident_member *members;
	size_t nmembers;
	struct ident_member *gmembers; /* every member of the groups the plan's changeGroup
					  mappings name as FROM (primary or listed) */
	size_t ngmembers;
	uint32_t *anon_uids, *anon_gids; /* owned captured objects, had no name */
	size_t nanon_uids, nanon_gids;
};

/* Build the records from the captured system's accounts DB: the users named in
 * SELECTED, and the owners UIDS/GIDS (ids of captured objects). 0 or -1 (ENOMEM). */
int ident_collect(const struct acct_db *db, const char *const *selected, size_t nselected,
		  const uint32_t *uids, size_t nuids, const uint32_t *gids, size_t ngids,
		  struct identities *out);
/* Add the members of each group of GROUPS (names; those the plan's changeGroup
 * mappings name as FROM) on the captured system, migrated or not: its group entry and
 * one gmember per user whose primary group it is or whom it lists. 0 or -1 (ENOMEM). */
int ident_collect_groups(const struct acct_db *db, const char *const *groups, size_t ngroups,
			 struct identities *id);
/* Write them to META_FD/identities atomically (temp file, fsync, rename). 0 or -1. */
int ident_write(int meta_fd, const struct identities *id);
/* Read them back. 0; -1 with ERR (errno ENOENT: a store made before identity records;
 * EINVAL: damaged, the checksum or a line is wrong). */
int ident_read(int meta_fd, struct identities *id, char *err, size_t errsz);
void ident_free(struct identities *id);

const struct ident_user *ident_user_uid(const struct identities *id, uint32_t uid);
/* Is UID (GID) recorded: a user (group) entry, or an id that had no name? */
bool ident_knows_uid(const struct identities *id, uint32_t uid);
bool ident_knows_gid(const struct identities *id, uint32_t gid);
const struct ident_group *ident_group_gid(const struct identities *id, uint32_t gid);

#endif

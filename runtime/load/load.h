/* load.h - the restore engine behind `migstate load` (LoadState, spec 4.3).
 *
 * 1. The plan given to load is bound again with detection skipped and phase LOAD, to
 *    the users of the catalog that exist on this system (matched by name) and were
 *    selected; every catalog path is decided again (rt_decide, as `migc explain`
 *    does), so NeverRestore filters and a restore-time Config.xml drop objects, and
 *    locationModify rules give the destinations.
 * 2. destinationCleanup rules delete, file by file, what they name on the destination.
 * 3. Objects are applied in catalog order (parents first): a hard link from the store
 *    when the destination is on the same mount, else a copy (copyfile.h) under a
 *    temporary name renamed into place. Missing directories are made with the owner,
 *    group and mode the catalog recorded; their times are set last. Existing ones lose
 *    the group/other permissions the captured directory did not grant (dirsafe.h).
 * 4. An existing destination is a collision (merge.h), except at the object's original
 *    path, where a different file means the user saved it again after the scan
 *    (diverged): both versions are kept, the newer under the original name unless a
 *    merge rule says otherwise.
 * Everything is idempotent: an object whose destination (or renamed destination)
 * already is the store's inode, or holds the same bytes, is "present" and left alone,
 * so a load interrupted at any point is finished by running it again. */
#ifndef MIGRT_LOAD_H
#define MIGRT_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "idmap.h"

#include "logging.h"
#include "rtopts.h"

struct load_opts {
	const struct rt_opts *ro;
	bool dry_run;	     /* print what would be done, touch nothing */
	bool copy_only;	     /* --nocompress without --hardlink: copies, never links */
	bool keep_dir_modes; /* --keep-dir-modes: report wider existing dirs (dirsafe.h) */
	bool keep_ids;	     /* --keep-ids: owners keep their captured numbers */
	bool lac, lae;	     /* --lac: create missing migrated accounts; --lae: usable */
	const struct idmap_mu *mu; /* --mu OLD:NEW pairs */
	size_t nmu;
};

struct load_stats {
	size_t objects;	       /* catalog records considered */
	size_t linked;	       /* placed as a hard link of the store entry */
	size_t copied;	       /* placed as a copy (other mount, or copy_only) */
	size_t reflinked;      /* of those copies, clones sharing the payload's extents */
	size_t special;	       /* symlinks, fifos, devices recreated */
	size_t dirs;	       /* directories created */
	size_t renamed;	       /* placed under another name after a collision */
	size_t replaced;       /* replaced an existing file (SourcePriority, NewestVersion) */
	size_t kept;	       /* an existing file was kept, the stored one not applied */
	size_t diverged;       /* original path holds a later save: both versions kept */
	size_t present;	       /* already in place (earlier run, or identical content) */
	size_t excluded;       /* not applied by the rules (NeverRestore, Config.xml, users) */
	size_t cleaned;	       /* destinationCleanup removals */
	size_t skipped;	       /* errors skipped (ErrorControl nonFatal or --continue) */
	size_t users_missing;  /* catalog users absent here: their objects are skipped */
	size_t dirs_tightened; /* existing directories whose extra group/other bits went */
	size_t dirs_wide;      /* ... left wider than captured (--keep-dir-modes, chmod failed) */
	size_t dirs_owner;     /* existing directories owned by another uid than captured */
	size_t dirs_acl;       /* existing directories whose ACL granting beyond capture went */
	size_t dirs_acl_kept;  /* ... left so (--keep-dir-modes, the change failed) */
	size_t setid_stripped; /* files restored without the set-id bits or capabilities
				  their store entry has (nosuid mount, owner not as captured) */
	size_t devices_skipped; /* device nodes captured on a nodev mount: not restored */
	size_t reowned;	       /* objects given their owner's id here (renumbered accounts) */
	size_t owner_skipped;  /* objects whose owner has no account here: not restored */
	size_t acls_remapped;  /* objects given their captured ACL by name (load_acls.c) */
	size_t acl_entries_dropped; /* ... entries removed: their name has no account here */
	size_t accounts_created, groups_created; /* --lac */
	size_t memberships_added;      /* --lac and changeGroup (below) together */
	size_t group_mappings_applied; /* memberships added by Config.xml <changeGroup> */
	char *id_map_json;     /* the owners mapped, a JSON array (malloc'd; NULL: none) */
	bool ruleset_differs;
	bool stopped; /* an error stopped the run */
};

/* Run a load. Returns the exit code (exitcodes.h). */
int load_run(const struct load_opts *o, struct rlog *log, struct load_stats *st);

#endif

/* load_int.h - shared by the restore engine's files (load.c and load_*.c); not part of
 * its interface (load.h).
 *
 * load.c runs the restore: set-up, the users (load_users.c), every record decided into
 * the action list (load_decide.c), destinationCleanup (load_cleanup.c), each action
 * applied (load_place.c; a destination already taken: load_conflict.c) in directories
 * made or checked by load_dirs.c, times set last (load_times.c). load_smap.c is a small
 * string map. */
#ifndef MIGRT_LOAD_INT_H
#define MIGRT_LOAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "acctdb.h"
#include "aclrec.h"
#include "bind.h"
#include "decide.h"
#include "dirmeta.h"
#include "dirsafe.h"
#include "inotab.h"
#include "fdstack.h"
#include "load.h"
#include "merge.h"
#include "plan.h"
#include "sameobj.h"
#include "spill.h"
#include "storewalk.h"

/* A small string map (path -> index), load_smap.c. */
struct smap {
	char **key;
	uint32_t *val;
	size_t cap, n;
};

/* One object to restore: the catalog record and its destinations. */
struct action {
	uint32_t rec;	/* the record's number in the catalog */
	uint32_t merge; /* merge rule, PLAN_NONE: default */
	unsigned ctx;
	size_t ndest;
	char *dest[DECIDE_MAX_DEST + 1];
};

struct loader {
	const struct load_opts *o;
	struct rlog *log;
	struct load_stats *st;
	struct plan plan;
	bool plan_open;
	struct sw_store s;
	bool store_open;
	struct rt_user *users; /* captured users selected and present: contexts 1..n */
	size_t nusers;
	char **target_home; /* their home on this system (may differ) */
	int *user_ctx;	    /* catalog user index -> context; USER_UNSELECTED, USER_MISSING */
	const char **fixed;
	struct rt_env env;
	struct rt_bound b;
	bool bound;
	struct rt_dirctx dc; /* decide(): the directory of the last record decided */
	char *dcdir;
	struct spill acts; /* the objects to restore, decided in catalog order */
	size_t nacts;
	char *pathbuf, *tgtbuf;	    /* the catalog record being applied: path, symlink target */
	struct dirmeta dirs;	    /* directory path -> metadata to make it with; restored into */
	char *lasttouch;	    /* the directory touch_dirs marked last */
	struct smap simulated;	    /* --dry-run: directories that would be made */
	struct dirsafe safe;	    /* existing directories no wider than captured */
	struct dirsafe_id *refused; /* made by another user while load made them: unused */
	size_t nrefused;
	bool in_refused; /* the last open_dest_dir failed on one of them */
	FILE *journal;
	struct fdstack dest; /* destination directories (open_dest_dir) */
	bool dest_ready;
	const char *dest_want; /* the directory open_dest_dir is opening */
	bool dest_dry_new;     /* --dry-run: it would be made */
	char *scache; /* last payload parent opened (volume + path), its fd */
	uint32_t scache_vol;
	int scache_fd;
	struct spill fix; /* copies whose times are checked at the end (struct fixup) */
	struct same_ctx same; /* "is this the captured file?" (sameobj.h) */
	struct inotab restored; /* captured inodes with several names -> the copy restored */
	struct idmap map;	/* captured owners -> accounts here (load_owners.c) */
	struct acct_db lac_plan; /* --lac --dry-run: the accounts it would create */
	struct aclrec acls;	/* captured ACLs with named entries (load_acls.c) */
	struct made_dir {
		dev_t dev;
		ino_t ino;
	} *made_dirs; /* directories load made (their captured ACLs at the end) */
	size_t nmade_dirs;
	struct linker *lk; /* the second thread linking plain files (load_ahead.c), or NULL */
	bool stop;
	int exit;
};

#define USER_UNSELECTED (-1)
#define USER_MISSING (-2)
#define DRY_NEW (-2) /* --dry-run: the directory does not exist yet */

/* One object being applied (load_place.c). */
struct obj {
	struct loader *L;
	const struct sw_rec *r;
	int sfd; /* payload's directory (files) */
	const char *sleaf;
	struct stat pst; /* the payload (files) */
	bool has_payload;
	uint32_t ouid, ogid; /* its owner here (idmap.h) */
};

enum placed { P_LINKED, P_COPIED, P_SPECIAL };

/* --- load_util.c: small helpers --------------------------------------------------- */

/* One --dry-run line: WHAT <TAB> A [<TAB> B]. On stderr when stdout carries --json. */
void load_out_line(struct loader *L, const char *what, const char *a, const char *b);
/* Nanoseconds of a timespec, and back. */
int64_t load_ns_of(const struct timespec *t);
struct timespec load_ts_of(int64_t ns);
/* Ignorable when a filesystem cannot keep an attribute (FAT through FUSE says ENOSYS). */
bool load_unsupported(int err);
/* Split logical PATH at its last '/': a malloc'd parent and a pointer to the leaf. */
char *load_parent_of(const char *path, const char **leaf);
/* DIR/NAME, malloc'd. */
char *load_join(const char *dir, const char *name);

/* --- load_smap.c ----------------------------------------------------------------- */

const uint32_t *smap_get(const struct smap *m, const char *k);
/* Insert K -> V unless K is there already. 1 inserted, 0 present, -1 no memory. */
int smap_put(struct smap *m, const char *k, uint32_t v);
void smap_free(struct smap *m);

/* --- load_owners.c: owners by name (idmap.h) ---------------------------------------- */

/* Build the map from the store's identity records and the target's accounts (after
 * --lac made the missing ones and the plan's group mappings were applied). */
int owners_setup(struct loader *L);
/* The name captured user OLD is restored as here (--mu), else OLD. */
const char *owners_restored_as(const struct loader *L, const char *old);
/* --lac --dry-run: NAME is an account it would create: its fields in OUT (free with
 * users_free_one). */
bool owners_planned_user(const struct loader *L, const char *name, struct rt_user *out);

/* --- load_groupmap.c: Config.xml <changeGroup> (the plan's grpm section) ------------ */

struct identities;
struct acct_db;
/* Add the users each mapping applies to to its TO group (--dry-run: say so). An exit. */
int groupmap_apply(struct loader *L, const struct identities *ids, const struct acct_db *here);
/* After the decisions: report the map, and stop (exit 14) before anything is placed when
 * an owner's old id names another account here (unless -c). 0 go on, else the exit. */
int owners_check(struct loader *L);
/* OB's owner here in ob->ouid/ogid. false: its owner has no account here (reported,
 * counted as skipped): not restored. */
bool owners_of(struct loader *L, struct obj *ob);
/* Log why record R is not restored: its owner has no account here (naming who holds
 * the old id now, when someone does). */
void owners_note_skipped(struct loader *L, const struct sw_rec *r);
/* The payload inode (linked into place, or found already in place) owned by ob->ouid:
 * chowned through the store (root's alone), its set-id bits and capabilities kept. */
void owners_reown_payload(struct obj *ob);
/* Would owners_reown_payload give the payload PST another owner (OUID/OGID here)? */
bool owners_payload_differs(const struct loader *L, const struct stat *pst, uint32_t ouid,
			    uint32_t ogid);
/* A symlink, FIFO or device already in place at DFD/NAME (found to be the object) and
 * still owned by the captured numbers: given the owner's account here, through an
 * O_PATH descriptor of that very entry. */
void owners_reown_special(struct obj *ob, int dfd, const char *name);
/* The existing directory FD, the captured one itself (same inode; the installer kept
 * it), owned by M's owner here. */
void owners_reown_dir(struct loader *L, int fd, const struct stat *st, const char *logical,
		      const struct dir_meta *m);
void owners_free(struct loader *L);

/* --- load_acls.c: named ACL entries by name (aclrec.h) ------------------------------ */

/* Read the store's ACL records (a store without them: warned, ACLs left as they are).
 * An exit code. */
int acls_setup(struct loader *L);
void acls_free(struct loader *L);
/* The ACL (WHICH: ACLREC_ACCESS or _DEFAULT) captured object PATH gets here, computed
 * from the record through the id map, malloc'd (*N bytes; *NDROPPED entries removed,
 * logged), or NULL: none recorded. */
unsigned char *acls_target(struct loader *L, const char *path, int which, size_t *n,
			   size_t *ndropped);
/* Give the inode open at FD (a file, or a directory: its default ACL too) the ACLs
 * captured PATH gets here, unless it has them already (counted). */
void acls_apply_fd(struct loader *L, const char *path, int fd, bool is_dir);
/* --dry-run: say and count what the ACLs of PATH would become. */
void acls_dry_run(struct loader *L, const char *path, bool is_dir);
/* Load made the directory ST: it gets its captured ACLs at the end. 0, or -1 (ENOMEM). */
int acls_made_dir(struct loader *L, const struct stat *st);
/* The record key of directory PATH's ACLs (kept in its dir_meta), or NULL: none. */
const char *acls_dir_key(struct loader *L, const char *path);
/* Every directory made, or the captured one kept in place: its captured ACLs (after
 * everything is in place, so nothing load makes inherits a default ACL meanwhile). */
void acls_fix_dirs(struct loader *L);

/* --- load_users.c ---------------------------------------------------------------- */

/* Bind the catalog's users that exist here (by name) and are selected. */
int load_setup_users(struct loader *L);
/* DEST below a captured home whose user lives elsewhere here: moved there. NULL (DEST
 * freed) out of memory. */
char *load_rebase_home(struct loader *L, char *dest);

/* --- load_decide.c --------------------------------------------------------------- */

/* The catalog's next record into R (path and target in the loader's buffers): 1, 0 at
 * the end, -1 malformed. */
int load_next_record(struct loader *L, struct sw_rec *r);
/* Decode action list record B (N bytes) into A. -1 when it is not one of ours. */
int load_pop_action(unsigned char *b, size_t n, char *path, struct action *a);
/* Decide every record, in catalog order, into the action list; build the directory
 * table. A record that cannot be decided is its object's error (on_error); -1 when the
 * list cannot be kept, or with L->stop set when such an error stopped the run. */
int load_plan_actions(struct loader *L);

/* --- load_dirs.c ----------------------------------------------------------------- */

/* Mark DIR and every directory above it as holding restored objects. */
void touch_dirs(struct loader *L, const char *dir);
/* Open directory LOGICAL beneath the root, making what is missing (the fd belongs to a
 * bounded stack of open directories: do not close it; valid until the next call).
 * DRY_NEW under --dry-run when it would be made; -1 with errno. */
int open_dest_dir(struct loader *L, const char *logical);
/* The logical path of DFD when it is what open_dest_dir returned last, else NULL. */
const char *load_dest_dir_path(struct loader *L, int dfd);
/* The payload's directory for record R (cached: do not close). */
int open_payload_dir(struct loader *L, const struct sw_rec *r, const char **leaf);

/* --- load_place.c ---------------------------------------------------------------- */

/* Is the entry NAME in DIRFD already this object (CTX: a struct obj)? */
bool load_is_ours(int dirfd, const char *name, void *ctx);
/* What a link or copy of the payload PST of record R (its owner here OUID/OGID) must not
 * pass on: copy_file() flags (COPY_NOSUID, COPY_DROP_*), 0 for nothing. */
unsigned load_setid_drops(const struct cat_record *r, const struct stat *pst, uint32_t ouid,
			  uint32_t ogid);
/* Put the object at DFD/NAME (REPLACE: over what is there, atomically). */
int load_place_object(struct obj *ob, int dfd, const char *name, bool replace, enum placed *how);
void count_placed(struct loader *L, enum placed how);
/* Record a placement: journal, log, directory times later. */
void load_placed(struct loader *L, const struct obj *ob, const char *dir, const char *name,
		 const char *note);
/* Apply one action: the object at each of its destinations. */
void apply_action(struct loader *L, const struct sw_rec *r, const struct action *a);
/* An error ERR on object DEST (WHAT failed): ErrorControl, then -c. True: skipped (counted,
 * logged); false: the run stops (L->stop, L->exit). */
bool on_error(struct loader *L, const char *dest, int err, const char *what);

/* --- load_ahead.c: plain file links on a second thread (#19) ----------------------- */

/* Start the linker when the run is large enough (else, or without memory: one thread). */
void lk_start(struct loader *L);
/* Hand action A of record R to the linker: true when taken (accounted for later, in
 * order), false when it is not the plain case: lk_drain(), then apply it as usual. */
bool lk_offer(struct loader *L, const struct sw_rec *r, const struct action *a);
/* Account for everything handed over (in catalog order). */
void lk_drain(struct loader *L);
/* Before the main thread makes or opens directory DIR itself: accounted for first when
 * a handed-over action's path is DIR or above it. */
void lk_before_dir(struct loader *L, const char *dir);
/* The main thread's own action (a directory) stopped the run: everything handed over
 * before it is finished as usual (left actions too), as one thread would have. */
void lk_stopped_after(struct loader *L);
/* Account for everything, stop the thread. */
void lk_stop(struct loader *L);

/* --- load_links.c ---------------------------------------------------------------- */

void links_init(struct loader *L);
void links_free(struct loader *L);
/* Before copying OB to DFD/TARGET: link the copy already restored for another name of
 * the same captured inode there instead. 1 linked, 0 none to link (copy it), -1 errno
 * (EEXIST: something appeared at TARGET). */
int links_restore(struct loader *L, const struct obj *ob, int dfd, const char *target);
/* After OB was copied to DFD/NAME (the cached destination directory), as MADE: later
 * names of its captured inode link to it. */
void links_remember(struct loader *L, const struct obj *ob, int dfd, const char *name,
		    const struct stat *made);

/* --- load_conflict.c ------------------------------------------------------------- */

/* The original path holds another file than the captured one: keep both. */
int load_resolve_diverged(struct obj *ob, int dfd, const char *dir, const char *name,
			  const struct stat *dst, enum merge_mode mm, const char *pattern);
/* Something that is not this object is at DFD/NAME: the merge rule decides. */
int load_resolve_collision(struct obj *ob, int dfd, const char *dir, const char *name,
			   const struct stat *dst, enum merge_mode mm, const char *pattern);
/* Report an original that differs from the captured file when the object goes elsewhere. */
void load_note_moved_original(struct obj *ob);
/* Is DFD the very directory the scan saw at LOGICAL? */
bool load_same_dir_as_captured(struct loader *L, int dfd, const char *logical);

/* --- load_times.c ---------------------------------------------------------------- */

/* Remember to check the times of the copy DFD/NAME at the end of the run. */
void load_add_fixup(struct loader *L, int dfd, const char *name, const struct stat *pst);
/* Copies whose mtime is not the captured one (stamped late by their filesystem). */
void fix_copy_times(struct loader *L);
/* Directory times last: creating entries changed them. */
void fix_dir_times(struct loader *L);

/* --- load_cleanup.c -------------------------------------------------------------- */

/* Delete, before anything is applied, the destination files destinationCleanup rules
 * name. */
void load_run_cleanup(struct loader *L);

#endif

/* store.h - the migration store on disk.
 *
 *   STORE/                    0700, owned by the caller
 *     MIGSTATE/               what makes a directory "a store of ours"
 *       store.id              "migstate-store 1\n" + state line (see below)
 *       catalog               committed catalog (catalog.h); absent = incomplete
 *       catalog.partial       catalog of a scan in progress or interrupted
 *       File/<logical path>   payload: hard links (or copies) of the captured files
 *   <mount>/<same relative path>/MIGSTATE/File/...   per-volume stores for every other
 *                             volume holding captured data (hard links on that volume)
 *
 * store.id's second line is "state: scanning|complete|removing" and is rewritten
 * atomically at each transition, so every command can tell what a previous run left.
 * A third line "role: master" or "role: volume" tells the master store (the one named
 * on the command line, holding the catalog) from a per-volume store. Readers ignore
 * lines they do not know. A fourth line "id: <32 hex digits>" is the store's instance id
 * (store_get_instance). A store is complete only when its state says so AND (master)
 * MIGSTATE/catalog exists; "scanning" with catalog.partial is an interrupted scan.
 * docs/store-format.md has the whole format and the recovery rules. */
#ifndef MIGRT_STORE_H
#define MIGRT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define STORE_META "MIGSTATE"
#define STORE_ID_FILE "store.id"
#define STORE_PAYLOAD "File"
#define STORE_ID_MAGIC "migstate-store 1\n"

enum store_state { SS_NONE, SS_SCANNING, SS_COMPLETE, SS_REMOVING, SS_FOREIGN };
extern const char *const store_state_names[];

/* What is at PATH: SS_NONE (absent or empty dir), a state of ours, or SS_FOREIGN
 * (something else: never touched). */
enum store_state store_probe(const char *path);

/* Create (or, with OVERWRITE, reset a store of ours) the master store at PATH: mode
 * 0700, owned by the caller, with a fresh instance id. Returns an fd of STORE/MIGSTATE
 * and, when TOPFD is given, an fd of STORE in *TOPFD; or -1 with ERR. Nothing another
 * user made is adopted (see create_at in store.c): errno EEXIST then. */
int store_create(const char *path, bool overwrite, int *topfd, char *err, size_t errsz);
/* Open an existing store's MIGSTATE directory (no state check). */
int store_open_meta(const char *path, char *err, size_t errsz);
/* Atomically rewrite store.id with STATE. */
int store_set_state(int meta_fd, enum store_state st);
enum store_state store_get_state(int meta_fd);

/* The instance id of a store: 32 hex digits drawn when scan made (or reset) it, kept
 * across state changes ("id: ..." in store.id). It tells one store from a later one
 * at the same path (pending records). -1 (errno ENODATA) for a store made before ids. */
#define STORE_INSTANCE_HEX 32
int store_get_instance(int meta_fd, char id[STORE_INSTANCE_HEX + 1]);

/* --- additions (scan) ------------------------------------------------------------ */

#define STORE_CATALOG "catalog"
#define STORE_CATALOG_PARTIAL "catalog.partial"

enum store_role { SR_MASTER, SR_VOLUME, SR_UNKNOWN };
extern const char *const store_role_names[]; /* "master", "volume", "?" */

/* store_probe for the entry NAME of directory DIRFD (never follows a symlink: a symlink
 * is SS_FOREIGN). */
enum store_state store_probe_at(int dirfd, const char *name);
/* The role line of an open store (SR_MASTER when absent: stores before the line). */
enum store_role store_get_role(int meta_fd);
/* True when META_FD is a master store whose state is complete and whose catalog exists. */
bool store_is_complete(int meta_fd);

/* Create (or with OVERWRITE reset) the per-volume store REL (relative, '/'-separated)
 * beneath the directory MNTFD: missing parents are made 0755 without following
 * symlinks, the store top 0700 owned by the caller, state "scanning", role "volume".
 * Returns an fd of its MIGSTATE and sets *TOPFD to an fd of the store top (caller
 * closes both), or -1 with ERR (errno: EEXIST a store of ours without OVERWRITE,
 * ENOTEMPTY something foreign, else the system error). store_create sets errno alike. */
int store_create_volume(int mntfd, const char *rel, bool overwrite, int *topfd, char *err,
			size_t errsz);

/* Remove the entry NAME of DIRFD and everything below it, bottom-up, never following a
 * symlink and never leaving filesystem DEV (entries on another device are left, and
 * counted). Returns the number of entries that could not be removed (0 = all gone). */
size_t store_rmtree_at(int dirfd, const char *name, dev_t dev);

#endif

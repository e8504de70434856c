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
 * atomically at each transition, so every command can tell what a previous run left. */
#ifndef MIGRT_STORE_H
#define MIGRT_STORE_H

#include <stdbool.h>
#include <stddef.h>

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
 * 0700, owned by the caller. Returns an fd of STORE/MIGSTATE or -1 with ERR. */
int store_create(const char *path, bool overwrite, char *err, size_t errsz);
/* Open an existing store's MIGSTATE directory (no state check). */
int store_open_meta(const char *path, char *err, size_t errsz);
/* Atomically rewrite store.id with STATE. */
int store_set_state(int meta_fd, enum store_state st);
enum store_state store_get_state(int meta_fd);

#endif

/* volparent.h - the store path check (storeparent.h) for the per-volume stores.
 *
 * A per-volume store (<mount>/<REL>, store-format.md section 4) is as much a store as
 * the master: a user who can rename a directory on its path could put crafted payload
 * there, which load would restore and rd would remove. So load, rd and verify (once
 * the catalog names the volumes) check each per-volume store's path exactly as the
 * master's: same rules, same exit code (27), same override
 * (--allow-insecure-store-parent), and a message naming the volume and the offending
 * directory. scan (before it creates any store) makes no store where the path is not
 * safe and copies that volume's files into the master instead (scan_stores.c). */
#ifndef MIGRT_VOLPARENT_H
#define MIGRT_VOLPARENT_H

#include <stdbool.h>
#include <stddef.h>

#include "logging.h"
#include "storewalk.h"

/* Is PATH, the store of a volume, on a path another user could change? True with WHY
 * (the offending directory and why); false when safe or when there is no verdict. */
bool volparent_unsafe(const char *path, char *why, size_t whysz);

/* Check the store of the volume mounted at MOUNT, real path PATH. Unsafe: one line
 * ("migstate VERB: ..." on stderr, or through LOG when given) and EXIT_BAD_STORE, or
 * with ALLOW a warning and 0. A walk that fails is no verdict (0): opening the store
 * reports it. */
int volparent_enforce(const char *verb, const char *mount, const char *path, bool allow,
		      struct rlog *log);

/* The same for every per-volume store S opened (the master's path is the caller's,
 * checked before it was opened). All are reported; EXIT_BAD_STORE if one is unsafe. */
int volparent_enforce_store(const char *verb, const struct sw_store *s, bool allow,
			    struct rlog *log);

#endif

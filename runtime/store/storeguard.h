/* storeguard.h - is an opened store really ours, and is anyone else using it?
 *
 * The store path check (storeparent.h) keeps other users from swapping a directory on
 * the way to the store. This guards the store itself, through the descriptors a verb
 * holds (so it is the object that will be used that is checked, not a name):
 *
 *  - trust: STORE/MIGSTATE and every entry directly in it (store.id, the catalog,
 *    catalog.partial, File/, the restore journal, ...) must be owned by the user
 *    running migstate and writable by nobody else; a symlink or a special file there is
 *    refused too. A user who planted MIGSTATE before the store was made (a sticky
 *    /tmp), or who can write to its catalog, would otherwise decide what root restores
 *    or removes. Every verb checks this (exit 27), with no override. STORE itself is
 *    the store path check's (storeparent.h: owned by root or the running user, not
 *    writable by others, or allowed by --allow-insecure-store-parent); scan never
 *    adopts a STORE another user made (store.c).
 *  - lock: every verb holds an exclusive flock(2) on the store's top directory for its
 *    whole run (scan from the moment the store exists, or from its start with -o). A
 *    second verb on the same store fails at once (exit 29, EXIT_STORE_BUSY: USMT's "one migration tool at a time") instead of
 *    racing the first: an rd during a scan would delete entries as they are written.
 *    The lock goes with the descriptor, so a crash never leaves a stale lock. */
#ifndef MIGRT_STOREGUARD_H
#define MIGRT_STOREGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Check a store's MIGSTATE directory META and its entries for the effective uid. 0 when
 * trusted; -1 with WHY ("MIGSTATE/catalog is owned by uid 1000, ..."). A MIGSTATE that
 * cannot be opened or listed is untrusted too (errno says why). */
int storeguard_check(int meta, char *why, size_t whysz);

/* Take the exclusive lock on the store top TOP, without waiting. 0, or -1 with WHY
 * and errno (EWOULDBLOCK: another migstate command holds it). */
int storeguard_lock(int top, char *why, size_t whysz);

/* Is the mode/owner in ST acceptable for a store object of the effective uid? NULL when
 * it is, else a reason written into WHY. */
const char *storeguard_unsafe_stat(const struct stat *st, char *why, size_t whysz);

#endif

/* storeparent.h - is the store's path safe from other local users?
 *
 * Whoever can write to a directory on the way to the store can rename the store away
 * and put a crafted one in its place (load would restore what that catalog says, as
 * root; rd would remove what it names). scan, load and rd therefore check, like ssh's
 * StrictModes, every directory from / down to the store, and the store itself when it
 * exists: each must be owned by root or by the user running migstate, and writable by
 * nobody else, except a sticky directory owned by root (/tmp): there only an entry's
 * owner can rename it, and the next component's owner is checked in turn.
 *
 * The path is resolved by hand, one component at a time, through directory fds opened
 * O_PATH|O_NOFOLLOW from "/" (or the current directory's path): a symlink on the way
 * is itself an entry of the checked directory, must be owned by root or the running
 * user, and its target is then walked the same way (at most 40 symlinks). The first
 * component that does not exist ends the walk: scan makes the rest (0755, then the
 * store 0700, owned by the running user). */
#ifndef MIGRT_STOREPARENT_H
#define MIGRT_STOREPARENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define STOREPARENT_OVERRIDE "--allow-insecure-store-parent"

/* Why directory ST (or a symlink ST) cannot be trusted by a process running as ME, or
 * NULL when it can. WHY receives the reason ("owned by uid 1000", "writable by group
 * and others (mode 0777)"). IS_LINK: ST is a symlink (only its owner matters). */
const char *storeparent_unsafe(const struct stat *st, bool is_link, uid_t me, char *why,
			       size_t whysz);

/* Check the path of store PATH as described above, for a process running as ME.
 * Returns 0 when safe; 1 unsafe, with ERR naming the offending directory or symlink
 * and why; -1 when the walk itself failed (ERR and errno say why: no verdict). */
int storeparent_check(const char *path, uid_t me, char *err, size_t errsz);

/* The check as scan, load and rd run it, for the effective uid: an unsafe path is one
 * line on stderr ("migstate VERB: ...") and EXIT_BAD_STORE, or with ALLOW (the
 * override) a warning and 0. A walk that fails is left to the command's own open of
 * the store (0). */
int storeparent_enforce(const char *verb, const char *path, bool allow);

#endif

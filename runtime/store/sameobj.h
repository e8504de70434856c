/* sameobj.h - is a file found on the system the captured object? One rule, shared by
 * load ("already in place", and the free name(N) after a collision), verify (the
 * original and load's destinations) and rd (the last-link test before it removes a
 * store entry):
 *
 *   the captured inode (the store's payload itself), or a regular file with the same
 *   bytes, the captured owner and the captured mode (permission bits).
 *
 * Same bytes alone are not enough: in a shared or sticky folder another user can write
 * bob's bytes at bob's name; taking her file for his would count his file in place,
 * and let rd drop the store's last link to his data. The owner is compared by name
 * where both sides have one (the catalog's user table at capture, the target root's
 * etc/passwd now: a uid given to someone else after the reinstall is not bob), else by
 * number. On a filesystem that keeps no owners or modes (FAT, exFAT, NTFS, FUSE: the
 * mount or its daemon decides them for every file), bytes are all there is to compare.
 * The captured owner and mode are the payload's: what load gives the files it makes. */
#ifndef MIGRT_SAMEOBJ_H
#define MIGRT_SAMEOBJ_H

#include <stdbool.h>
#include <sys/stat.h>

#include "catalog.h"
#include "users.h"

struct same_ctx {
	int rootfd;		      /* the target root: its etc/passwd names owners now */
	const struct cat_reader *cat; /* the captured users' names (NULL: none) */
	struct user_list here;	      /* etc/passwd beneath the root, read when first needed */
	bool loaded;
};

/* A file named beneath a directory fd. */
struct same_file {
	int dirfd;
	const char *name;
};

void same_init(struct same_ctx *c, int rootfd, const struct cat_reader *cat);
void same_free(struct same_ctx *c);

/* Is FOUND the CAPTURED object (the payload in the store), by the rule above? CAP_UID is
 * the owner the catalog records (SAME_PAYLOAD_OWNER: the payload's own): load re-owns a
 * linked payload to its owner's account here, so the payload's uid may be a number of
 * the new system, which names someone else in the catalog. Nothing is followed; a
 * FOUND that is not a regular file is not. */
#define SAME_PAYLOAD_OWNER ((uid_t)-1)
bool same_object(struct same_ctx *c, const struct same_file *captured,
		 const struct same_file *found, uid_t cap_uid);

#endif

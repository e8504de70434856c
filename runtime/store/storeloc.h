/* storeloc.h - will the store survive the reinstall?
 *
 * A hard-link store only helps if the installer keeps the filesystem it is on. scan
 * (and --estimate) check where the store lies and warn when an installer deletes or
 * formats that place. The rule, precisely (docs/operations.md, "Where the store must
 * live for a reinstall"):
 *
 *  1. system-directory: the store's logical path (beneath --root; a store outside the
 *     root is not judged by this rule) lies under /bin /boot /dev /etc /sbin /usr /var
 *     /tmp /run or any top-level /lib* (lib, lib32, lib64, libx32): installers replace
 *     or empty these trees even when they keep the filesystem.
 *  2. other-subvolume: the store is on btrfs, some selected user's home is on the same
 *     btrfs filesystem (same fsid) and in another subvolume: installers recreate the
 *     system subvolume (@, root) and keep only the one holding the homes (@home).
 *  3. root-filesystem: the store is on the filesystem of the root (same device as
 *     --root's directory) while some selected user's home is on a filesystem of its
 *     own: installers format the root filesystem and keep the separate /home.
 *
 * The store need not exist yet: its deepest existing ancestor decides the filesystem. */
#ifndef MIGRT_STORELOC_H
#define MIGRT_STORELOC_H

#include <stddef.h>

#include "bind.h"

enum storeloc_rule { SL_SYSTEM_DIR, SL_OTHER_SUBVOLUME, SL_ROOT_FS, SL__N };
extern const char *const storeloc_rule_names[SL__N]; /* "system-directory", ... */

struct storeloc {
	unsigned mask;		  /* 1u << enum storeloc_rule for each rule that applies */
	char detail[SL__N][320]; /* why, one sentence per rule that applies */
};

/* Judge the store at STORE_REAL (real path; STORE_LOGICAL its path beneath the root
 * ROOTFD, NULL when outside it) against the homes of USERS (logical paths). */
void storeloc_assess(int rootfd, const char *store_logical, const char *store_real,
		     const struct rt_user *users, size_t nusers, struct storeloc *out);

#endif

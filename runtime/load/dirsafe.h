/* dirsafe.h - load never lets an existing directory widen access to what it restores.
 *
 * A directory load makes gets the captured owner and mode. One that already exists
 * (the new system made /home/alice 0755 where the captured one was 0700) would let
 * other users read alice's 0644 files once they are restored in it. So before anything
 * is placed in an existing destination directory that stands for a captured one, the
 * group and other permission bits it grants and the captured mode did not are removed
 * (bits are only ever removed; the owner's bits, set-gid and sticky are left), through
 * the fd load walked it with (O_DIRECTORY|O_NOFOLLOW: never through a symlink), and
 * one line is logged per directory. With --keep-dir-modes it is only reported. A
 * different owner is reported too, never changed: load does not chown directories it
 * did not make. Directories without a catalog record (load would make them like their
 * parent) are not looked at, nor is any directory load does not restore into.
 * ACLs granting access beyond the captured mode (named entries, a default ACL with
 * named entries: diracl.h) are removed first, or reported under --keep-dir-modes. */
#ifndef MIGRT_DIRSAFE_H
#define MIGRT_DIRSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "logging.h"

struct dirsafe_id {
	dev_t dev;
	ino_t ino;
};

struct dirsafe {
	struct rlog *log;
	bool keep;		 /* --keep-dir-modes: report, never chmod */
	bool dry_run;		 /* print a "tighten" line, change nothing */
	FILE *out;		 /* where --dry-run lines go */
	struct dirsafe_id *seen; /* directories looked at already (open addressing) */
	size_t cap, n;
	size_t tightened;     /* bits removed (or, dry run, would be) */
	size_t left_wide;     /* wider than captured, left so (--keep-dir-modes, chmod failed) */
	size_t owner_differs; /* owned by another uid than the captured directory */
	size_t acl_narrowed;  /* ACL entries granting beyond the captured mode removed
				 (diracl.h; dry run: would be) */
	size_t acl_kept;      /* ... left (--keep-dir-modes, the change failed) */
};

void dirsafe_init(struct dirsafe *d, struct rlog *log, bool keep, bool dry_run, FILE *out);
void dirsafe_free(struct dirsafe *d);

/* The permission bits of NOW (a directory's mode) that CAPTURED did not grant to group
 * or others: the bits to remove. */
mode_t dirsafe_extra(mode_t now, mode_t captured);

/* fstat FD into *ST; true when this directory (device and inode) was not seen before
 * (it is marked seen). False on a failed fstat. */
bool dirsafe_first(struct dirsafe *d, int fd, struct stat *st);

/* FD (ST its fstat) is an existing directory at logical path LOGICAL that load is about
 * to restore into; the captured directory it stands for had owner UID and mode MODE.
 * Tighten it (or report it) as described above. */
void dirsafe_apply(struct dirsafe *d, int fd, const struct stat *st, const char *logical, uid_t uid,
		   mode_t mode);

#endif

/* copyfile.h - the one way migstate copies a regular file.
 *
 * The data goes, in order of preference, by FICLONE (shared extents: no data copied,
 * same filesystem only), by copy_file_range(2), or by read/write; holes are kept
 * (SEEK_DATA/SEEK_HOLE), so a sparse file stays sparse. Mode, owner, xattrs (ACLs
 * included) and times follow the data. The copy is written under a temporary name in
 * the destination directory and renamed into place last (never over an existing
 * entry), so a crash leaves no half-written file under the real name. The source is
 * opened with O_NOFOLLOW and must still be the file the caller examined (same inode),
 * and its atime is left alone (O_NOATIME where permitted). */
#ifndef MIGRT_COPYFILE_H
#define MIGRT_COPYFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum copy_how { COPY_CLONE, COPY_RANGE, COPY_RW };

struct copy_result {
	enum copy_how how;
	uint64_t bytes;	 /* data bytes written (0 for a clone) */
	bool store_side; /* the failure was writing the destination (ENOSPC ...) */
};

#define COPY_NO_CLONE 1u /* never FICLONE (the caller wants real copies) */

/* Copy SRCDIR/SRCNAME to DSTDIR/DSTNAME. When EXPECT_INO is non-zero the opened source
 * must have that inode (and EXPECT_DEV that device). Returns 0, or -1 with errno and
 * RES->store_side telling whose side failed. */
int copy_file(int srcdir, const char *srcname, int dstdir, const char *dstname, dev_t expect_dev,
	      ino_t expect_ino, unsigned flags, struct copy_result *res);

#endif

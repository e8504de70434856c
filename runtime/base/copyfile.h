/* copyfile.h - the one way migstate copies a regular file (scan into a store, load
 * back out of one).
 *
 * The data goes, in order of preference, by FICLONE (shared extents: no data copied,
 * same filesystem and mount only: a btrfs subvolume to its parent, an immutable xfs
 * file into the store beside it), by copy_file_range(2), or by read/write; holes are
 * kept (SEEK_DATA/SEEK_HOLE), so a sparse file stays sparse. Mode, owner, xattrs (ACLs
 * included) and times follow the data, as far as the destination keeps them: a
 * filesystem without owners, modes or hard links (FAT through fusefat answers ENOSYS,
 * EPERM or EINVAL) still gets the data. The copy is written under a temporary name in
 * the destination directory and renamed into place last (never over an existing entry;
 * where the filesystem has neither RENAME_NOREPLACE nor link(), the name is checked
 * free just before a plain rename), so a crash leaves no half-written file under the
 * real name. The source is opened with O_NOFOLLOW and must still be the file the
 * caller examined (same inode), and its atime is left alone (O_NOATIME where
 * permitted). */
#ifndef MIGRT_COPYFILE_H
#define MIGRT_COPYFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

enum copy_how { COPY_CLONE, COPY_RANGE, COPY_RW };

struct copy_result {
	enum copy_how how;
	uint64_t bytes;	 /* data bytes written (0 for a clone) */
	bool store_side; /* the failure was writing the destination (ENOSPC ...) */
	bool dropped;	 /* the source had a set-id bit or a capability the copy has not */
	struct stat made; /* on success: the copy's inode as made (owner, mode set) */
};

#define COPY_NO_CLONE 1u   /* never FICLONE (the caller wants real copies) */
#define COPY_CLONE_ONLY 2u /* FICLONE or nothing: fails (errno from the kernel, EXDEV,
			      EOPNOTSUPP, EINVAL ...) rather than copy any data */
#define COPY_DROP_SUID 4u  /* the copy gets no set-uid bit */
#define COPY_DROP_SGID 8u  /* ... no set-gid bit */
#define COPY_DROP_CAPS 16u /* ... no security.capability (file capabilities) */
#define COPY_NOSUID (COPY_DROP_SUID | COPY_DROP_SGID | COPY_DROP_CAPS) /* all three */

/* Copy SRCDIR/SRCNAME to DSTDIR/DSTNAME. When EXPECT_INO is non-zero the opened source
 * must have that inode (and EXPECT_DEV that device). The mode is given masked, never a
 * set-id bit the flags drop, nor one whose owner (set-uid) or group (set-gid) the copy
 * did not get (a destination refusing the chown). Returns 0, or -1 with errno and
 * RES->store_side telling whose side failed. */
int copy_file(int srcdir, const char *srcname, int dstdir, const char *dstname, dev_t expect_dev,
	      ino_t expect_ino, unsigned flags, struct copy_result *res);
/* copy_file, the copy owned by UID:GID instead of the source's owner (load: the captured
 * owner's account here, idmap.h). Set-id bits only when the copy got that owner. ACL
 * (ACL_LEN bytes, the xattr format), when not NULL, is the copy's access ACL instead of
 * the source's, set after the mode (which sets the mask) and before the copy is named. */
int copy_file_as(int srcdir, const char *srcname, int dstdir, const char *dstname,
		 dev_t expect_dev, ino_t expect_ino, unsigned flags, uid_t uid, gid_t gid,
		 const void *acl, size_t acl_len, struct copy_result *res);

/* Could SRCDIR/SRCNAME be cloned (FICLONE) into a file created in DSTDIR? Tried for
 * real on an unnamed O_TMPFILE inode that vanishes when closed: nothing appears in
 * DSTDIR, its times do not change, no data is written. 1 yes, 0 no (errno says why),
 * -1 the source cannot be opened (errno). */
int copy_can_clone(int srcdir, const char *srcname, int dstdir);

#endif

/* fsutil.h - resolve logical paths beneath a root directory fd, never following a
 * symbolic link an unprivileged user could have planted. */
#ifndef MIGRT_FSUTIL_H
#define MIGRT_FSUTIL_H

#include <stdbool.h>
#include <errno.h>
#include <stddef.h>
#include <sys/types.h>

/* Open directory LOGICAL ("/home/alice", absolute, '/'-separated) beneath ROOTFD.
 * No component may be a symlink; ".." cannot leave the root. Returns an fd
 * (O_DIRECTORY|O_CLOEXEC) or -1 with errno (ELOOP when a component is a symlink). */
int fs_open_dir(int rootfd, const char *logical);
/* Open the parent directory of LOGICAL the same way; *LEAF points at the last
 * component inside LOGICAL. */
int fs_open_parent(int rootfd, const char *logical, const char **leaf);

/* Does the symlink DIRFD/NAME (logical path LOGICAL) resolve to nothing beneath the
 * root? Absolute targets are resolved against ROOTFD, never against the host's "/". */
bool fs_link_dangles(int rootfd, const char *logical, int dirfd, const char *name);

/* linkat, mkdirat, renameat and renameat2, called again while they fail with EINTR (a
 * signal handler ran: scan's handlers only set a stop flag, and a FUSE or network
 * filesystem may be interrupted). EINTR means the call did nothing, so a retry is the
 * same call. If a FUSE server finished it anyway, the retry sees EEXIST (or ENOENT for
 * a rename): mkdir callers take that as made, load's link looks at what is there, and
 * elsewhere it is a reported error a rerun finishes. Bounded: after FS_EINTR_TRIES
 * interrupted calls in a row the EINTR is returned. */
#define FS_EINTR_TRIES 64
/* An unlinked temporary file (O_TMPFILE, read-write, 0600) in DIRFD when it is >= 0
 * (the store's own filesystem), else in $TMPDIR, else in /tmp. -1 with errno. */
int fs_tmpfile(int dirfd);
/* pwrite all N bytes of B at OFF (EINTR retried; a short write of 0 is EIO). 0 or -1. */
int fs_pwrite_all(int fd, const void *b, size_t n, off_t off);
/* EMFILE or ENFILE: the process (or the system) has too many open files. A failure of
 * the run, never a property of the object it happened on. */
static inline bool fs_out_of_fds(int err)
{
	return err == EMFILE || err == ENFILE;
}
int fs_linkat(int olddirfd, const char *oldname, int newdirfd, const char *newname, int flags);
/* Link the very inode behind OFD (an O_PATH fd) as DFD/NAME: nothing swapped in under
 * a name after the caller checked OFD can be linked instead. 0, or -1 with errno. */
int fs_link_fd(int ofd, int dfd, const char *name);
int fs_mkdirat(int dirfd, const char *name, mode_t mode);
int fs_renameat(int olddirfd, const char *oldname, int newdirfd, const char *newname);
int fs_renameat2(int olddirfd, const char *oldname, int newdirfd, const char *newname,
		 unsigned flags);

#endif

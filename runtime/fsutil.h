/* fsutil.h - resolve logical paths beneath a root directory fd, never following a
 * symbolic link an unprivileged user could have planted. */
#ifndef MIGRT_FSUTIL_H
#define MIGRT_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

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

#endif

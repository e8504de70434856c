/* smallfile.h - read a small configuration file (passwd, group, login.defs, ...) that
 * lives beneath the migrated system's root, without following a symlink on the way. */
#ifndef MIGRT_SMALLFILE_H
#define MIGRT_SMALLFILE_H

#include <stddef.h>

#define SMALL_FILE_MAX (4u << 20)

/* The whole of LOGICAL ("/etc/passwd") beneath ROOTFD, NUL-terminated (malloc'd), its
 * length in *LEN when given. NULL with errno: ENOENT absent, EFBIG over SMALL_FILE_MAX
 * (never half a file: entries would be dropped), ELOOP a symlink, or the read's error. */
char *small_file_read(int rootfd, const char *logical, size_t *len);

#endif

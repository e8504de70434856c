/* outfile.h - opening the files migstate and migc write where their user says: the log
 * (--log, default ./migstate-VERB.log), --progress, --listfiles, --estimate, and migc's
 * plan (-o). These often land in a directory other users can write to (/tmp, the
 * current directory), and the log and the file list name files inside other users'
 * private folders. So, whatever the kernel's fs.protected_symlinks and
 * fs.protected_hardlinks say:
 *   - the directory part is walked one component at a time with O_NOFOLLOW from "/" or
 *     the current directory: a symlink anywhere on the path is refused, not followed;
 *   - a new file is made with O_CREAT|O_EXCL|O_NOFOLLOW; what is already at the name
 *     is looked at through an O_PATH|O_NOFOLLOW fd and written to only when it is a
 *     regular file (then truncated), a FIFO or a character device (a terminal,
 *     /dev/null) of the running user with a single link, and then that very inode is
 *     opened; a symlink, another user's file, a hard link (which may be any file's
 *     other name), a block device or a directory is left untouched and refused;
 *   - a new file is made 0600 (the plan: 0644, it holds no names), and group and other
 *     bits an existing one has beyond that are removed. */
#ifndef MIGRT_OUTFILE_H
#define MIGRT_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The directory that holds output file PATH (an O_PATH fd) and in *LEAF its name inside
 * PATH. -1 with errno, and in WHY a reason for a message ("a directory on its path is a
 * symbolic link (not followed)"); an empty PATH, or one naming a directory ("", "dir/",
 * "."), is EINVAL/EISDIR. */
int outfile_dir(const char *path, const char **leaf, char *why, size_t whysz);

/* Whether the existing file ST may be overwritten by the running user: 0, or -1 with
 * errno (EPERM) and WHY. */
int outfile_reusable(const struct stat *st, char *why, size_t whysz);

/* Open output file PATH for writing from its start, as described above, created with
 * MODE. An fd (O_WRONLY|O_CLOEXEC), or -1 with errno and WHY. */
int outfile_open(const char *path, mode_t mode, char *why, size_t whysz);

/* outfile_open with mode 0600, as a stdio stream ("w"). NULL with errno and WHY. */
FILE *outfile_fopen(const char *path, char *why, size_t whysz);

#endif

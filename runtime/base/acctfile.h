/* acctfile.h - read and replace a system's account files (etc/passwd, group, shadow,
 * gshadow) in its etc directory fd, the way shadow-utils' commonio (4.13) does, so the
 * files are never seen half written:
 *   - each file is read through a name that is no symbolic link and must be a regular
 *     file (shadow-utils would rename onto a link's target: we refuse);
 *   - NAME- gets a copy of the old content, with its owner, mode and times, written to
 *     NAME+, fsynced and renamed (commonio's backup);
 *   - the new content is written to NAME+ with the old file's owner and mode (0600 root
 *     while it is written), fsynced; only when every file is ready are the NAME+ renamed
 *     over their NAME, and the directory fsynced.
 * A failure before the renames leaves every NAME as it was; a rename failing after
 * others succeeded puts the renamed ones back from their backups, so the files change
 * together or not at all (short of a crash between two renames). The caller holds the
 * locks (acctlock.h): NAME+ left by a writer that died is removed. */
#ifndef MIGRT_ACCTFILE_H
#define MIGRT_ACCTFILE_H

#include <stddef.h>
#include <sys/stat.h>

struct acct_file {
	const char *name;  /* "passwd" */
	char *old;	   /* its content, NUL-terminated (NULL: absent) */
	size_t oldlen;
	struct stat st;	   /* its owner, mode and times, when present */
	char *new;	   /* the content to write (NULL: left alone); the caller's */
	size_t newlen;
	mode_t create_mode; /* root-owned with this mode when absent */
};

/* Read F->name in ETCFD into F->old (NULL when absent). 0, or -1 with errno (ELOOP a
 * symbolic link, EINVAL not a regular file, EFBIG over SMALL_FILE_MAX). */
int acctfile_read(int etcfd, struct acct_file *f);
/* Write every file with new != NULL as above. 0, or -1 with errno and ERR. */
int acctfile_commit(int etcfd, struct acct_file *f, size_t n, char *err, size_t errsz);
void acctfile_free(struct acct_file *f);

/* For tests: called before each step ("open", "write", "fsync", "rename") of a file
 * ("passwd+", "passwd-", "passwd"); a nonzero return is the errno that step fails with. */
extern int (*acctfile_fault)(const char *step, const char *name);

#endif

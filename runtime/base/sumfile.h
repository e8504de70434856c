/* sumfile.h - the store's small checksummed text files (MIGSTATE/identities,
 * MIGSTATE/acls: docs/store-format.md): a magic first line, the body, and a last line
 * "sha256<TAB>HEX" of every byte before it. Written atomically (temporary file, fsync,
 * rename), mode 0600 (they may hold password hashes); read back whole and refused when
 * the magic or the checksum is wrong. One writer and one reader for both. */
#ifndef MIGRT_SUMFILE_H
#define MIGRT_SUMFILE_H

#include <stddef.h>

/* Write BODY (LEN bytes, starting with the magic line) and its checksum line to
 * META_FD/NAME atomically. 0, or -1 with errno. */
int sumfile_write(int meta_fd, const char *name, const char *body, size_t len);
/* Read META_FD/NAME (at most MAX bytes): the body without its checksum line, NUL-ended
 * (malloc'd), its first line MAGIC. NULL with errno ENOENT (absent) or EINVAL (damaged,
 * too large, not a regular file) and a message in ERR. */
char *sumfile_read(int meta_fd, const char *name, const char *magic, size_t max, char *err,
		   size_t errsz);
/* Read META_FD/NAME as sumfile_read does and hand each line after the magic to EACH
 * (NUL-ended, writable). EACH returns < 0 for a malformed line: then "line N is
 * malformed" in ERR, errno EINVAL. 0, or -1 (EACH's partial work is the caller's to
 * free). */
int sumfile_lines(int meta_fd, const char *name, const char *magic, size_t max,
		  int (*each)(void *ctx, char *line), void *ctx, char *err, size_t errsz);

#endif

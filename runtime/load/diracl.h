/* diracl.h - POSIX ACLs of an existing destination directory, read and narrowed through
 * its fd (libc only: the kernel's xattr format, system.posix_acl_access/_default,
 * parsed here).
 *
 * The catalog keeps a directory's owner and mode, not its ACLs, so the captured
 * directory counts as its mode alone. An existing directory's ACL can still grant more:
 *   - a named user or group entry (user:bob:rwx) gives bob PERM & MASK; once dirsafe has
 *     narrowed the group class (the mask) to the captured group bits, that is still more
 *     than the captured mode gave bob when the captured group bits exceed the other
 *     bits (a 0750 home: bob was "other", ---). Such an entry is "beyond".
 *   - a default ACL with named entries is inherited by everything load creates in the
 *     directory (copies, FIFOs, subdirectories): they would carry entries their
 *     captured originals did not have. Its base entries only stand in for the umask,
 *     and load sets every mode itself, so they are left.
 * Narrowing removes, never adds: the access ACL becomes its base entries (owner, owning
 * group with the permissions it effectively had, PERM & MASK, other), which the kernel
 * stores as the mode alone; the default ACL is removed. */
#ifndef MIGRT_DIRACL_H
#define MIGRT_DIRACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define DIRACL_ACCESS 1u  /* the access ACL grants beyond the captured mode */
#define DIRACL_DEFAULT 2u /* the default ACL has named entries */

/* The xattr value BUF (N bytes) of an access ACL: does a named entry grant beyond
 * CAPTURED (see above)? A malformed value counts as beyond. */
bool diracl_access_beyond(const unsigned char *buf, size_t n, mode_t captured);
/* The xattr value of a default ACL: does it have a named user or group entry? */
bool diracl_default_named(const unsigned char *buf, size_t n);
/* The base entries of access ACL IN (N bytes) into OUT (28 bytes): USER_OBJ, GROUP_OBJ
 * with PERM & MASK, OTHER. Returns the size written, or 0 when IN is malformed. */
size_t diracl_base(const unsigned char *in, size_t n, unsigned char out[28]);

/* Which of directory FD's ACLs grant beyond CAPTURED (DIRACL_* bits; 0 without ACLs or
 * on a filesystem without them). */
unsigned diracl_check(int fd, mode_t captured);
/* Narrow the ACLs WHICH (DIRACL_* bits) of FD as above. 0, or -1 with errno. */
int diracl_narrow(int fd, unsigned which);

#endif

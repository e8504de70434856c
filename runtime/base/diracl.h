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
#include <stdint.h>
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

/* --- entries: the same format, for ACLs captured and restored by name (aclrec.h) --- */

#define DIRACL_XA_ACCESS "system.posix_acl_access"
#define DIRACL_XA_DEFAULT "system.posix_acl_default"
#define DIRACL_MAX (64u << 10) /* larger than any ACL a filesystem keeps */

enum { DA_USER_OBJ = 0x01, DA_USER = 0x02, DA_GROUP_OBJ = 0x04, DA_GROUP = 0x08,
       DA_MASK = 0x10, DA_OTHER = 0x20 };

struct diracl_ent {
	unsigned tag, perm; /* DA_*, rwx bits */
	uint32_t id;	    /* DA_USER, DA_GROUP: the uid or gid */
};

/* Decode the xattr value BUF (N bytes) into *ENTS (malloc'd, *NENTS). Strict: the
 * version, known tags, perm within rwx, exactly one USER_OBJ, GROUP_OBJ and OTHER, at
 * most one MASK, and a MASK whenever there is a named entry. 0, or -1 (EINVAL, ENOMEM). */
int diracl_decode(const unsigned char *buf, size_t n, struct diracl_ent **ents, size_t *nents);
/* Encode ENTS (any order; the kernel's: by tag, then id) into a malloc'd value of *N
 * bytes. NULL: no memory. */
unsigned char *diracl_encode(const struct diracl_ent *ents, size_t nents, size_t *n);
/* Do the values A and B hold the same entries (in any order)? False when either is
 * malformed. */
bool diracl_same(const unsigned char *a, size_t an, const unsigned char *b, size_t bn);
/* Does the value have a named user or group entry? (A malformed one: true.) */
bool diracl_has_named(const unsigned char *buf, size_t n);
/* The ACL NAME (DIRACL_XA_*) of FD into a new buffer (*N bytes). NULL with *N 0: there
 * is none (or the filesystem has no ACLs); NULL with *N SIZE_MAX: there is one that
 * cannot be read (larger than any valid one, or it kept changing size). */
unsigned char *diracl_get(int fd, const char *name, size_t *n);
/* The same for entry AT of directory DIRFD, not followed if a symlink, without opening
 * it (getxattrat(2)), when diracl_at_ok() says the kernel has that call (Linux 6.13). */
unsigned char *diracl_get_at(int dirfd, const char *at, const char *name, size_t *n);
bool diracl_at_ok(void);

/* Which of directory FD's ACLs grant beyond CAPTURED (DIRACL_* bits; 0 without ACLs or
 * on a filesystem without them). */
unsigned diracl_check(int fd, mode_t captured);
/* Narrow the ACLs WHICH (DIRACL_* bits) of FD as above. 0, or -1 with errno. */
int diracl_narrow(int fd, unsigned which);

#endif

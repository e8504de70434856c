/* aclrec.h - the POSIX ACLs captured with named entries: MIGSTATE/acls.
 *
 * A named entry (user:1001:r--) holds a number, and numbers change across a reinstall.
 * The inode of a linked restore is the store's own: once load gave its ACL the ids of
 * the target, that ACL no longer says what was captured, and mapping it again (a rerun)
 * would be wrong whenever two accounts swapped ids. So scan records the captured ACL of
 * every captured file and directory that has named entries (the access ACL, and a
 * directory's default ACL), and load always computes the target's ACL from this record
 * through the id map (idmap.h): applying it twice gives the same result. Format:
 * store-format.md ("ACL records"): escaped tab-separated lines (lineesc.h), the value
 * in the kernel's xattr format (diracl.h) in hex, ending in a SHA-256 (sumfile.h). */
#ifndef MIGRT_ACLREC_H
#define MIGRT_ACLREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACLREC_FILE "acls"
#define ACLREC_MAGIC "migstate-acls 1"

enum aclrec_which { ACLREC_ACCESS, ACLREC_DEFAULT };

struct aclrec_ent {
	char *path; /* the catalog's logical path */
	enum aclrec_which which;
	unsigned char *val; /* the captured xattr value (diracl.h format) */
	size_t len;
};

struct aclrec {
	struct aclrec_ent *e;
	size_t n, cap;
	bool sorted;
};

/* Keep PATH's captured ACL (a copy of VAL). 0, or -1 (ENOMEM). */
int aclrec_add(struct aclrec *a, const char *path, enum aclrec_which which,
	       const unsigned char *val, size_t len);
/* The access (and, for a directory, default) ACL of the object open at FD (AT NULL), or
 * of entry AT of directory FD (diracl_get_at): recorded under PATH when it has named
 * entries; each named id is passed to ADD_ID (scan records their identities, as for
 * owners). 0, or -1 (ENOMEM). */
int aclrec_capture(struct aclrec *a, int fd, const char *at, bool is_dir, const char *path,
		   int (*add_id)(void *ctx, bool group, uint32_t id), void *ctx);
/* The same for one ACL value V (N bytes) already read (WHICH of PATH). 0, or -1 (ENOMEM). */
int aclrec_capture_value(struct aclrec *a, enum aclrec_which which, const unsigned char *v,
			 size_t n, const char *path,
			 int (*add_id)(void *ctx, bool group, uint32_t id), void *ctx);
/* Write them to META_FD/acls atomically (sumfile.h). 0, or -1 with errno. */
int aclrec_write(int meta_fd, struct aclrec *a);
/* Read them back. 0; -1 with ERR (errno ENOENT: a store made before ACL records;
 * EINVAL: damaged: the checksum, a line, an ACL value, or a path twice). */
int aclrec_read(int meta_fd, struct aclrec *a, char *err, size_t errsz);
/* The captured ACL of PATH (after aclrec_read), or NULL. */
const struct aclrec_ent *aclrec_find(const struct aclrec *a, const char *path,
				     enum aclrec_which which);
void aclrec_free(struct aclrec *a);

#endif

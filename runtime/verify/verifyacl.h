/* verifyacl.h - verify's look at the store's ACL records (aclrec.h): readable and
 * whole, every id they name has an identity record (load maps it by name), and each
 * linked store entry's ACL is the captured one: as captured (no load yet), or as load
 * makes it from the record by name on the root's accounts (aclmap.h). */
#ifndef MIGRT_VERIFYACL_H
#define MIGRT_VERIFYACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aclrec.h"
#include "identity.h"
#include "idmap.h"

struct vacl {
	struct aclrec rec;
	struct idmap map; /* captured ids -> the root's accounts, by name */
	bool have, mapped;
	const struct identities *ids;
};

/* Read the records of META_FD; map them through IDS (NULL: none) to the accounts under
 * ROOTFD. 0 read; 1 absent (an older store); -1 damaged, with ERR. */
int vacl_open(struct vacl *v, int meta_fd, int rootfd, const struct identities *ids, char *err,
	      size_t errsz);
/* PATH's recorded ACLs: a named id without an identity record (written to WHY), or
 * false: fine. */
bool vacl_unknown_id(const struct vacl *v, const char *path, char *why, size_t whysz);
/* The store entry LEAF in PFD of file PATH: is its access ACL what the record says
 * (see above)? A store entry with named entries and no record is not. */
bool vacl_entry_ok(const struct vacl *v, const char *path, int pfd, const char *leaf);
void vacl_close(struct vacl *v);

#endif

/* verifyacl.c - verify and the ACL records (verifyacl.h). */
#include "verifyacl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acctdb.h"
#include "aclmap.h"
#include "diracl.h"

int vacl_open(struct vacl *v, int meta_fd, int rootfd, const struct identities *ids, char *err,
	      size_t errsz)
{
	memset(v, 0, sizeof *v);
	v->ids = ids;
	if (aclrec_read(meta_fd, &v->rec, err, errsz) != 0)
		return errno == ENOENT ? 1 : -1;
	v->have = true;
	struct acct_db here;
	char aerr[200];
	/* the root's accounts unreadable: entries are compared as captured only */
	if (ids && acctdb_read(rootfd, &here, aerr, sizeof aerr) == 0) {
		v->mapped = idmap_build(&v->map, ids, &here, NULL, 0, false) == 0;
		acctdb_free(&here);
	}
	return 0;
}

bool vacl_unknown_id(const struct vacl *v, const char *path, char *why, size_t whysz)
{
	for (int w = ACLREC_ACCESS; v->have && v->ids && w <= ACLREC_DEFAULT; w++) {
		const struct aclrec_ent *a = aclrec_find(&v->rec, path, (enum aclrec_which)w);
		struct diracl_ent *e;
		size_t ne;
		if (!a || diracl_decode(a->val, a->len, &e, &ne) != 0)
			continue;
		bool bad = false;
		for (size_t i = 0; i < ne && !bad; i++) {
			bool g = e[i].tag == DA_GROUP;
			if ((e[i].tag == DA_USER && !ident_knows_uid(v->ids, e[i].id)) ||
			    (g && !ident_knows_gid(v->ids, e[i].id))) {
				snprintf(why, whysz, "its ACL names %s %u, which has no identity record",
					 g ? "gid" : "uid", e[i].id);
				bad = true;
			}
		}
		free(e);
		if (bad)
			return true;
	}
	return false;
}

bool vacl_entry_ok(const struct vacl *v, const char *path, int pfd, const char *leaf)
{
	if (!v->have)
		return true;
	int fd = openat(pfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return true; /* the caller's checks say why */
	size_t n;
	unsigned char *cur = diracl_get(fd, DIRACL_XA_ACCESS, &n);
	close(fd);
	const struct aclrec_ent *a = aclrec_find(&v->rec, path, ACLREC_ACCESS);
	bool ok;
	if (!a) {
		ok = !cur ? n != SIZE_MAX : !diracl_has_named(cur, n);
	} else if (!cur) {
		ok = false;
	} else if (diracl_same(cur, n, a->val, a->len)) {
		ok = true;
	} else {
		size_t tn, dropped;
		unsigned char *t =
		    v->mapped ? aclmap_target(&v->map, a, &tn, &dropped, NULL, NULL) : NULL;
		ok = t && diracl_same(cur, n, t, tn);
		free(t);
	}
	free(cur);
	return ok;
}

void vacl_close(struct vacl *v)
{
	aclrec_free(&v->rec);
	if (v->mapped)
		idmap_free(&v->map);
	memset(v, 0, sizeof *v);
}

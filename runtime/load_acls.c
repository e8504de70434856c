/* load_acls.c - named entries of POSIX ACLs restored by name (aclrec.h has why).
 *
 * The ACL an object gets here is always computed from the one scan recorded, through
 * the id map (idmap.h: by name, after --mu; --keep-ids keeps numbers), never from the
 * ACL it has now: a linked inode is the store's, and after one load its ACL holds ids
 * of this system already. An entry whose name has no account here (absent, or its old
 * id someone else's now) is removed, never left naming whoever holds the number now,
 * and the mask is recomputed from what remains (never wider than captured). Set through
 * an fd of the inode restored, never by path. */
#include "load_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "aclrec.h"
#include "diracl.h"
#include "exitcodes.h"

int acls_setup(struct loader *L)
{
	char err[300];
	if (aclrec_read(L->s.meta_fd, &L->acls, err, sizeof err) == 0)
		return EXIT_OK;
	if (errno == ENOENT) {
		rlog_msg(L->log, RL_WARN, "the store has no ACL records (made by an older "
					  "migstate): restored objects keep their ACLs as they are");
		return EXIT_OK;
	}
	rlog_msg(L->log, RL_ERROR, "%s", err);
	return EXIT_BAD_STORE;
}

void acls_free(struct loader *L)
{
	aclrec_free(&L->acls);
	free(L->made_dirs);
	L->made_dirs = NULL;
}

/* Captured id ID of a named entry (GROUP: a gid) here, in *OUT; NULL, or the map entry
 * of an owner with no account here (the entry goes). */
static const struct idmap_ent *map_id(const struct idmap *m, bool group, uint32_t id,
				      uint32_t *out)
{
	*out = id;
	if (m->keep)
		return NULL;
	const struct idmap_ent *e = group ? idmap_group(m, id) : idmap_user(m, id);
	if (!e) /* not in the records: kept, as for owners */
		return NULL;
	if (e->kind == IDM_ABSENT || e->kind == IDM_TAKEN)
		return e;
	*out = e->to;
	return NULL;
}

/* acls_target; SAY: log each entry dropped. */
static unsigned char *target(struct loader *L, const char *path, int which, size_t *n,
			     size_t *ndropped, bool say)
{
	const struct aclrec_ent *a = aclrec_find(&L->acls, path, (enum aclrec_which)which);
	struct diracl_ent *e;
	size_t ne, k = 0, dropped = 0;
	if (!a || diracl_decode(a->val, a->len, &e, &ne) != 0)
		return NULL;
	unsigned mask = 7u, grp = 0, *maskp = NULL;
	for (size_t i = 0; i < ne; i++) {
		struct diracl_ent x = e[i];
		bool named = x.tag == DA_USER || x.tag == DA_GROUP;
		const struct idmap_ent *gone = named ? map_id(&L->map, x.tag == DA_GROUP, x.id, &x.id)
						     : NULL;
		if (gone) {
			dropped++;
			if (say)
				rlog_msg(L->log, RL_WARN,
				 "%s: ACL entry %s %u (%s) %sdropped: no account here%s%s%s",
				 rlog_esc(L->log, path), x.tag == DA_GROUP ? "group" : "user", x.id,
				 rlog_esc(L->log, gone->name ? gone->name : "?"),
				 L->o->dry_run ? "would be " : "", gone->now ? " (" : "",
				 gone->now ? rlog_esc(L->log, gone->now) : "",
				 gone->now ? " has that id now)" : "");
			continue;
		}
		size_t j = 0; /* two names mapped to one account (--mu): one entry, both rights */
		while (j < k && !(named && e[j].tag == x.tag && e[j].id == x.id))
			j++;
		if (j < k) {
			e[j].perm |= x.perm;
			continue;
		}
		e[k++] = x;
	}
	for (size_t i = 0; i < k; i++) {
		if (e[i].tag == DA_MASK) {
			mask = e[i].perm;
			maskp = &e[i].perm;
		} else if (e[i].tag != DA_USER_OBJ && e[i].tag != DA_OTHER) {
			grp |= e[i].perm;
		}
	}
	bool named_left = false;
	for (size_t i = 0; i < k; i++)
		named_left |= e[i].tag == DA_USER || e[i].tag == DA_GROUP;
	if (dropped && maskp) {
		if (named_left) {
			*maskp = mask & grp; /* what remains needs no more */
		} else { /* base entries only: the owning group keeps what it had */
			size_t j = 0;
			for (size_t i = 0; i < k; i++) {
				if (e[i].tag == DA_MASK)
					continue;
				if (e[i].tag == DA_GROUP_OBJ)
					e[i].perm &= mask;
				e[j++] = e[i];
			}
			k = j;
		}
	}
	unsigned char *out = diracl_encode(e, k, n);
	free(e);
	*ndropped = dropped;
	return out;
}

unsigned char *acls_target(struct loader *L, const char *path, int which, size_t *n,
			   size_t *ndropped)
{
	return target(L, path, which, n, ndropped, true);
}

/* Are two ACL values the same entries (in any order)? */
static bool same_acl(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	struct diracl_ent *x, *y;
	size_t nx, ny;
	if (!a || diracl_decode(a, an, &x, &nx) != 0)
		return false;
	if (diracl_decode(b, bn, &y, &ny) != 0) {
		free(x);
		return false;
	}
	size_t xn, yn;
	unsigned char *ex = diracl_encode(x, nx, &xn), *ey = diracl_encode(y, ny, &yn);
	bool same = ex && ey && xn == yn && !memcmp(ex, ey, xn);
	free(ex);
	free(ey);
	free(x);
	free(y);
	return same;
}

void acls_apply_fd(struct loader *L, const char *path, int fd, bool is_dir)
{
	bool changed = false;
	for (int w = ACLREC_ACCESS; w <= (is_dir ? ACLREC_DEFAULT : ACLREC_ACCESS); w++) {
		const char *xa = w == ACLREC_ACCESS ? DIRACL_XA_ACCESS : DIRACL_XA_DEFAULT;
		size_t n, cn, dropped;
		unsigned char *want = target(L, path, w, &n, &dropped, false);
		if (!want)
			continue;
		unsigned char *cur = diracl_get(fd, xa, &cn);
		if (!same_acl(cur, cn, want, n)) {
			if (fsetxattr(fd, xa, want, n, 0) == 0) {
				L->st->acls_remapped += !changed;
				L->st->acl_entries_dropped += dropped;
				if (dropped) /* said once, when it is done */
					free(target(L, path, w, &n, &dropped, true));
				changed = true;
			} else if (!load_unsupported(errno)) {
				rlog_msg(L->log, RL_WARN, "%s: cannot set its %s ACL: %s",
					 rlog_esc(L->log, path), w == ACLREC_ACCESS ? "access" : "default",
					 strerror(errno));
			}
		}
		free(cur);
		free(want);
	}
}

void acls_dry_run(struct loader *L, const char *path, bool is_dir)
{
	bool any = false;
	for (int w = ACLREC_ACCESS; w <= (is_dir ? ACLREC_DEFAULT : ACLREC_ACCESS); w++) {
		size_t n, dropped;
		unsigned char *want = acls_target(L, path, w, &n, &dropped);
		if (!want)
			continue;
		L->st->acls_remapped += !any;
		L->st->acl_entries_dropped += dropped;
		any = true;
		free(want);
	}
	if (any)
		load_out_line(L, "acl", path, NULL);
}

int acls_made_dir(struct loader *L, const struct stat *st)
{
	if (!L->acls.n)
		return 0;
	struct made_dir *q = realloc(L->made_dirs, (L->nmade_dirs + 1) * sizeof *q);
	if (!q)
		return -1;
	L->made_dirs = q;
	q[L->nmade_dirs++] = (struct made_dir){st->st_dev, st->st_ino};
	return 0;
}

/* One directory of the table: its captured ACLs, when load made it or it is the
 * captured directory itself (kept by the installer). */
static int fix_dir(const char *p, const struct dir_meta *m, void *ctx)
{
	struct loader *L = ctx;
	if (!m->acl_path)
		return 0;
	int fd = sw_open_dir(&L->s, p);
	if (fd < 0)
		return 0;
	struct stat st;
	bool ours = fstat(fd, &st) == 0 && st.st_ino == m->ino && st.st_uid == m->uid;
	for (size_t i = 0; !ours && i < L->nmade_dirs; i++)
		ours = L->made_dirs[i].dev == st.st_dev && L->made_dirs[i].ino == st.st_ino;
	if (ours)
		acls_apply_fd(L, m->acl_path, fd, true);
	close(fd);
	return 0;
}

void acls_fix_dirs(struct loader *L)
{
	if (L->acls.n && !L->o->dry_run)
		dm_each_touched(&L->dirs, fix_dir, L);
}

const char *acls_dir_key(struct loader *L, const char *path)
{
	const struct aclrec_ent *a = aclrec_find(&L->acls, path, ACLREC_ACCESS);
	if (!a)
		a = aclrec_find(&L->acls, path, ACLREC_DEFAULT);
	return a ? a->path : NULL;
}

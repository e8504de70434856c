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

#include "aclmap.h"
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

/* A dropped entry, said in the log. */
static void say_dropped(void *ctx, const char *path, bool group, uint32_t id,
			const struct idmap_ent *gone)
{
	struct loader *L = ctx;
	rlog_msg(L->log, RL_WARN, "%s: ACL entry %s %u (%s) %sdropped: no account here%s%s%s",
		 rlog_esc(L->log, path), group ? "group" : "user", id,
		 rlog_esc(L->log, gone->name ? gone->name : "?"), L->o->dry_run ? "would be " : "",
		 gone->now ? " (" : "", gone->now ? rlog_esc(L->log, gone->now) : "",
		 gone->now ? " has that id now)" : "");
}

/* acls_target; SAY: log each entry dropped. */
static unsigned char *target(struct loader *L, const char *path, int which, size_t *n,
			     size_t *ndropped, bool say)
{
	const struct aclrec_ent *a = aclrec_find(&L->acls, path, (enum aclrec_which)which);
	if (!a)
		return NULL;
	return aclmap_target(&L->map, a, n, ndropped, say ? say_dropped : NULL, L);
}

unsigned char *acls_target(struct loader *L, const char *path, int which, size_t *n,
			   size_t *ndropped)
{
	return target(L, path, which, n, ndropped, true);
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
		if (!(cur && diracl_same(cur, cn, want, n))) {
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
	if (L->o->dry_run) {
		acls_dry_run(L, m->acl_path, true);
		return 0;
	}
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
	if (L->acls.n)
		dm_each_touched(&L->dirs, fix_dir, L);
}

const char *acls_dir_key(struct loader *L, const char *path)
{
	const struct aclrec_ent *a = aclrec_find(&L->acls, path, ACLREC_ACCESS);
	if (!a)
		a = aclrec_find(&L->acls, path, ACLREC_DEFAULT);
	return a ? a->path : NULL;
}

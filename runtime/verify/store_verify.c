/* store_verify.c - check a store against its catalog and the system (store_verify.h),
 * as UsmtUtils /verify does, re-purposed as spec 1.4 suggests for a hard-link store.
 *
 * Per file entry: the payload is present; a linked payload is still the captured inode
 * (same inode number), and its size and mtime are the captured ones; the original path,
 * when it exists, is that same file (else an application replaced it after the scan:
 * diverged), unless load already put the captured version somewhere (its journal). A
 * copy is "that same file" by sameobj.h's rule: the same bytes with the captured owner
 * and mode, never the same bytes another user wrote there.
 * Files in the store the catalog does not name are orphaned. */
#include "store_verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "identity.h"
#include "journal.h"
#include "sameobj.h"
#include "treewalk.h"
#include "verifyacl.h"

const char *const sv_kind_names[SV__N] = {"missing", "diverged", "orphaned"};

struct vstate {
	struct sw_store *s;
	struct sw_journal journal;
	struct sw_cursor cur; /* the catalog, read in order */
	struct same_ctx same; /* "is this the captured file?" */
	const struct sv_report *rep;
	struct sv_result *res;
	size_t vol;		      /* volume being walked for orphans */
	const struct identities *ids; /* the store's identity records, NULL: none */
	struct vacl acls;	      /* its ACL records (verifyacl.h) */
};

static void add(struct vstate *st, enum sv_kind k, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(struct vstate *st, enum sv_kind k, const char *path, const char *fmt, ...)
{
	st->res->count[k]++;
	st->res->problems++;
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	st->rep->problem(st->rep->ctx, k, path, reason);
}

static double secs(int64_t ns)
{
	return (double)ns / 1e9;
}

static int64_t st_mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Did load put the captured payload (open as PFD/LEAF) at one of its journal
 * destinations, and is it still there? The same inode (a link), or the same bytes with
 * the captured owner and mode (a copy). */
static bool restored_somewhere(struct vstate *st, const struct sw_rec *r, int pfd, const char *leaf)
{
	const char *const *dests;
	size_t n = sw_journal_find(&st->journal, r->r.volume, r->path, strlen(r->path), &dests);
	for (size_t i = 0; i < n; i++) {
		const char *dl;
		int dfd = sw_open_parent(st->s, dests[i], &dl);
		if (dfd < 0)
			continue;
		bool same = same_object(&st->same, &(struct same_file){pfd, leaf},
					&(struct same_file){dfd, dl}, (uid_t)r->r.uid);
		close(dfd);
		if (same)
			return true;
	}
	return false;
}

/* Compare the original place of a file entry with its payload. */
static void check_original(struct vstate *st, const struct sw_rec *r, const struct stat *pst,
			   int pfd, const char *leaf)
{
	const char *ol;
	int ofd = sw_open_parent(st->s, r->path, &ol);
	struct stat o;
	bool exists = ofd >= 0 && fstatat(ofd, ol, &o, AT_SYMLINK_NOFOLLOW) == 0;
	bool same = false;
	if (exists && S_ISREG(o.st_mode)) {
		if (r->r.action == CA_LINKED)
			same = o.st_dev == pst->st_dev && o.st_ino == pst->st_ino;
		else
			same = same_object(&st->same, &(struct same_file){pfd, leaf},
					   &(struct same_file){ofd, ol}, (uid_t)r->r.uid);
	}
	if (exists && !same && !restored_somewhere(st, r, pfd, leaf)) {
		add(st, SV_DIVERGED, r->path,
		    "the original was replaced after the scan: captured %lld bytes, mtime %.3f; "
		    "now %lld bytes, mtime %.3f",
		    (long long)pst->st_size, secs(st_mtime_ns(pst)), (long long)o.st_size,
		    secs(st_mtime_ns(&o)));
	} else {
		st->res->ok++;
		if (!exists && r->r.action == CA_LINKED && pst->st_nlink == 1 &&
		    !restored_somewhere(st, r, pfd, leaf))
			st->res->store_only++;
	}
	if (ofd >= 0)
		close(ofd);
}

static void check_file(struct vstate *st, const struct sw_rec *r)
{
	const char *leaf;
	int pfd = sw_payload_dir(st->s, r, &leaf);
	struct stat p;
	if (pfd < 0 || fstatat(pfd, leaf, &p, AT_SYMLINK_NOFOLLOW) != 0) {
		if (fs_out_of_fds(errno) && !st->res->walk_err)
			st->res->walk_err = errno; /* not missing: not looked at */
		add(st, SV_MISSING, r->path, "%s", strerror(errno));
		if (pfd >= 0)
			close(pfd);
		return;
	}
	if (!S_ISREG(p.st_mode)) {
		add(st, SV_DIVERGED, r->path, "the store entry is not a regular file");
	} else if (r->r.action == CA_LINKED && p.st_ino != r->r.ino) {
		add(st, SV_DIVERGED, r->path,
		    "the store entry is inode %llu, the catalog says %llu",
		    (unsigned long long)p.st_ino, (unsigned long long)r->r.ino);
	} else if ((uint64_t)p.st_size != r->r.size || st_mtime_ns(&p) != r->r.mtime_ns) {
		add(st, SV_DIVERGED, r->path,
		    "changed since the scan: captured %llu bytes, mtime %.3f; store entry %lld "
		    "bytes, mtime %.3f",
		    (unsigned long long)r->r.size, secs(r->r.mtime_ns), (long long)p.st_size,
		    secs(st_mtime_ns(&p)));
	} else if (r->r.action == CA_LINKED && !vacl_entry_ok(&st->acls, r->path, pfd, leaf)) {
		add(st, SV_DIVERGED, r->path,
		    "the store entry's ACL is not the captured one, as captured nor by name here");
	} else {
		check_original(st, r, &p, pfd, leaf);
	}
	close(pfd);
}

static void check_record(struct vstate *st, const struct sw_rec *r)
{
	st->res->checked++;
	/* load maps owners by name: an owner without a record could not be restored */
	if (st->ids && !ident_knows_uid(st->ids, r->r.uid))
		add(st, SV_DIVERGED, r->path, "its owner, uid %u, has no identity record",
		    r->r.uid);
	if (st->ids && !ident_knows_gid(st->ids, r->r.gid))
		add(st, SV_DIVERGED, r->path, "its group, gid %u, has no identity record",
		    r->r.gid);
	char why[120];
	if (vacl_unknown_id(&st->acls, r->path, why, sizeof why))
		add(st, SV_DIVERGED, r->path, "%s", why);
	if (r->r.type == CT_FILE && r->r.action != CA_RECORDED) {
		check_file(st, r);
		return;
	}
	/* directories and special files are catalog records: a payload, if any, must at
	 * least have the right type */
	struct stat p;
	if (sw_payload_stat(st->s, r, &p) == 0 && r->r.type == CT_DIR && !S_ISDIR(p.st_mode))
		add(st, SV_DIVERGED, r->path, "the store entry is not a directory");
	else
		st->res->ok++;
}

static int orphan_visit(const struct sw_visit *v, void *ctx)
{
	struct vstate *st = ctx;
	if (v->error && v->error != ENOENT && !st->res->walk_err)
		st->res->walk_err = v->error; /* its orphans would go unseen */
	if (v->error || S_ISDIR(v->st->st_mode))
		return 0;
	size_t len = strlen(v->rel);
	char *logical = malloc(len + 2);
	if (!logical)
		return -1;
	logical[0] = '/';
	memcpy(logical + 1, v->rel, len + 1);
	if (!sw_cursor_find(&st->cur, logical, len + 1)) {
		size_t n = strlen(st->s->vol_real[st->vol]) + len + 32;
		char *full = malloc(n);
		if (full) {
			snprintf(full, n, "%s/" STORE_META "/" STORE_PAYLOAD "/%s",
				 st->s->vol_real[st->vol], v->rel);
			add(st, SV_ORPHANED, full, "in the store but not in the catalog");
			free(full);
		}
	}
	free(logical);
	return 0;
}

/* Identity and ACL records: read, or noted absent, or a problem. */
static void open_records(struct vstate *st, struct identities *ids)
{
	struct sw_store *s = st->s;
	char ierr[300];
	if (ident_read(s->meta_fd, ids, ierr, sizeof ierr) == 0)
		st->ids = ids;
	else if (errno == ENOENT)
		st->rep->note(st->rep->ctx, SV_NOTE_NO_IDENTITIES);
	else
		add(st, SV_DIVERGED, STORE_META "/" IDENT_FILE, "%s", ierr);
	int ar = vacl_open(&st->acls, s->meta_fd, s->rootfd, st->ids, ierr, sizeof ierr);
	if (ar == 1)
		st->rep->note(st->rep->ctx, SV_NOTE_NO_ACLS);
	else if (ar < 0)
		add(st, SV_DIVERGED, STORE_META "/" ACLREC_FILE, "%s", ierr);
}

/* The catalog in order (the journal alongside), then each volume's payload in walk
 * order with that volume's records alongside: nothing per file is held. */
static enum sv_fail check_all(struct vstate *st, int *jerr)
{
	struct sw_store *s = st->s;
	sw_journal_open(s->meta_fd, -1, &st->journal); /* unreadable: as if empty */
	if (sw_journal_load(&st->journal) == 0) {
		if (sw_cursor_open(&st->cur, s, SW_ALL_VOLS) != 0)
			return SV_FAIL_NOMEM;
		for (const struct sw_rec *r; (r = sw_cursor_next(&st->cur));)
			check_record(st, r);
		sw_cursor_close(&st->cur);
	}
	if (st->journal.err) {
		/* without it a restored original would be called diverged */
		*jerr = st->journal.err;
		return SV_FAIL_JOURNAL;
	}
	for (size_t v = 0; v < s->nvols; v++) {
		if (s->file_fd[v] < 0) {
			if (s->vol_unmounted[v])
				add(st, SV_MISSING, s->vol_real[v], "volume not mounted");
			continue;
		}
		st->vol = v;
		if (sw_cursor_open(&st->cur, s, (uint32_t)v) != 0)
			return SV_FAIL_NOMEM;
		if (sw_walk(s->file_fd[v], orphan_visit, st) != 0 && !st->res->walk_err)
			st->res->walk_err = errno ? errno : EIO;
		sw_cursor_close(&st->cur);
	}
	st->res->incomplete = s->state != SS_COMPLETE || strcmp(s->cat_name, "catalog") != 0;
	return SV_DONE;
}

enum sv_fail sv_check(struct sw_store *s, const struct sv_report *rep, struct sv_result *res,
		      int *jerr)
{
	memset(res, 0, sizeof *res);
	*jerr = 0;
	struct vstate st = {.s = s, .rep = rep, .res = res};
	same_init(&st.same, s->rootfd, &s->cat);
	struct identities ids;
	open_records(&st, &ids);
	enum sv_fail f = check_all(&st, jerr);
	sw_cursor_close(&st.cur);
	sw_journal_close(&st.journal);
	same_free(&st.same);
	vacl_close(&st.acls);
	if (st.ids)
		ident_free(&ids);
	return f;
}

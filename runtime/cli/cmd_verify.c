/* cmd_verify.c - `migstate verify STORE [--json] [--root DIR]`: check every catalog
 * entry against the store and the system (UsmtUtils /verify, re-purposed as spec 1.4
 * suggests for a hard-link store).
 *
 * Per file entry: the payload is present; a linked payload is still the captured inode
 * (same inode number), and its size and mtime are the captured ones; the original path,
 * when it exists, is that same file (else an application replaced it after the scan:
 * diverged), unless load already put the captured version somewhere (its journal). A
 * copy is "that same file" by sameobj.h's rule: the same bytes with the captured owner
 * and mode, never the same bytes another user wrote there.
 * Files in the store the catalog does not name are orphaned. Exit 0 only when all is
 * well, 42 otherwise (27: not a store of ours). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "disasm.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "identity.h"
#include "sameobj.h"
#include "spill.h"
#include "storeopen.h"
#include "storeparent.h"
#include "storewalk.h"
#include "verifyacl.h"

enum vkind { VK_MISSING, VK_DIVERGED, VK_ORPHANED, VK__N };
static const char *const vkind_names[VK__N] = {"missing", "diverged", "orphaned"};

/* Problems are printed as they are found (text), or kept per kind for the JSON arrays
 * that follow the counts: records "path\0reason\0", beyond a budget in a temporary
 * file (spill.h), so a store where everything is wrong costs no more memory. */
struct vstate {
	struct sw_store *s;
	struct sw_journal journal;
	struct sw_cursor cur; /* the catalog, read in order */
	struct same_ctx same; /* "is this the captured file?" */
	struct spill kept[VK__N];
	size_t n;
	size_t count[VK__N];
	size_t ok, store_only, checked;
	size_t vol; /* volume being walked for orphans */
	bool json;
	int err; /* a problem could not be kept for the JSON lists (errno) */
	int walk_err; /* part of the store could not be read (errno): no verdict */
	const struct identities *ids; /* the store's identity records, NULL: none */
	struct vacl acls;	      /* its ACL records (verifyacl.h) */
};

static void add(struct vstate *st, enum vkind k, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(struct vstate *st, enum vkind k, const char *path, const char *fmt, ...)
{
	st->count[k]++;
	st->n++;
	char reason[512] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(reason, sizeof reason, fmt, ap);
		va_end(ap);
	}
	if (!st->json) {
		printf("%s\t", vkind_names[k]);
		text_str(stdout, path);
		if (*reason)
			printf("\t%s", reason);
		putchar('\n');
		return;
	}
	size_t pl = strlen(path), rl = strlen(reason);
	char *rec = malloc(pl + rl + 2);
	if (!rec) {
		if (!st->err)
			st->err = ENOMEM;
		return;
	}
	memcpy(rec, path, pl + 1);
	memcpy(rec + pl + 1, reason, rl + 1);
	if (spill_put(&st->kept[k], rec, pl + rl + 2) != 0 && !st->err)
		st->err = errno ? errno : EIO;
	free(rec);
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
static bool restored_somewhere(struct vstate *st, const struct sw_rec *r, int pfd,
			       const char *leaf)
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
		add(st, VK_DIVERGED, r->path,
		    "the original was replaced after the scan: captured %lld bytes, mtime %.3f; "
		    "now %lld bytes, mtime %.3f",
		    (long long)pst->st_size, secs(st_mtime_ns(pst)), (long long)o.st_size,
		    secs(st_mtime_ns(&o)));
	} else {
		st->ok++;
		if (!exists && r->r.action == CA_LINKED && pst->st_nlink == 1 &&
		    !restored_somewhere(st, r, pfd, leaf))
			st->store_only++;
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
		if (fs_out_of_fds(errno) && !st->walk_err)
			st->walk_err = errno; /* not missing: not looked at */
		add(st, VK_MISSING, r->path, "%s", strerror(errno));
		if (pfd >= 0)
			close(pfd);
		return;
	}
	if (!S_ISREG(p.st_mode)) {
		add(st, VK_DIVERGED, r->path, "the store entry is not a regular file");
	} else if (r->r.action == CA_LINKED && p.st_ino != r->r.ino) {
		add(st, VK_DIVERGED, r->path,
		    "the store entry is inode %llu, the catalog says %llu",
		    (unsigned long long)p.st_ino, (unsigned long long)r->r.ino);
	} else if ((uint64_t)p.st_size != r->r.size || st_mtime_ns(&p) != r->r.mtime_ns) {
		add(st, VK_DIVERGED, r->path,
		    "changed since the scan: captured %llu bytes, mtime %.3f; store entry %lld "
		    "bytes, mtime %.3f",
		    (unsigned long long)r->r.size, secs(r->r.mtime_ns), (long long)p.st_size,
		    secs(st_mtime_ns(&p)));
	} else if (r->r.action == CA_LINKED && !vacl_entry_ok(&st->acls, r->path, pfd, leaf)) {
		add(st, VK_DIVERGED, r->path,
		    "the store entry's ACL is not the captured one, as captured nor by name here");
	} else {
		check_original(st, r, &p, pfd, leaf);
	}
	close(pfd);
}

static void check_record(struct vstate *st, const struct sw_rec *r)
{
	st->checked++;
	/* load maps owners by name: an owner without a record could not be restored */
	if (st->ids && !ident_knows_uid(st->ids, r->r.uid))
		add(st, VK_DIVERGED, r->path, "its owner, uid %u, has no identity record",
		    r->r.uid);
	if (st->ids && !ident_knows_gid(st->ids, r->r.gid))
		add(st, VK_DIVERGED, r->path, "its group, gid %u, has no identity record",
		    r->r.gid);
	char why[120];
	if (vacl_unknown_id(&st->acls, r->path, why, sizeof why))
		add(st, VK_DIVERGED, r->path, "%s", why);
	if (r->r.type == CT_FILE && r->r.action != CA_RECORDED) {
		check_file(st, r);
		return;
	}
	/* directories and special files are catalog records: a payload, if any, must at
	 * least have the right type */
	struct stat p;
	if (sw_payload_stat(st->s, r, &p) == 0 && r->r.type == CT_DIR && !S_ISDIR(p.st_mode))
		add(st, VK_DIVERGED, r->path, "the store entry is not a directory");
	else
		st->ok++;
}

static int orphan_visit(const struct sw_visit *v, void *ctx)
{
	struct vstate *st = ctx;
	if (v->error && v->error != ENOENT && !st->walk_err)
		st->walk_err = v->error; /* its orphans would go unseen */
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
			add(st, VK_ORPHANED, full, "in the store but not in the catalog");
			free(full);
		}
	}
	free(logical);
	return 0;
}

static void print_text(const struct vstate *st, bool incomplete)
{
	/* the problems were printed as they were found */
	printf("verify: %zu entries: %zu ok, %zu missing, %zu diverged, %zu orphaned%s\n",
	       st->checked, st->ok, st->count[VK_MISSING], st->count[VK_DIVERGED],
	       st->count[VK_ORPHANED],
	       incomplete ? "; the store is incomplete (interrupted scan)" : "");
	if (st->store_only)
		printf(
		    "verify: %zu linked entr%s the only name of %s data (nothing restored yet)\n",
		    st->store_only, st->store_only == 1 ? "y is" : "ies are",
		    st->store_only == 1 ? "its" : "their");
}

static void print_json(struct vstate *st, const struct sw_store *s, bool incomplete)
{
	char hex[65];
	sw_hex(s->cat.ruleset, hex);
	fputs("{\"store\":", stdout);
	json_str(stdout, s->real);
	printf(",\"state\":\"%s\",\"complete\":%s,\"ruleset\":\"%s\",\"entries\":%zu,\"ok\":%zu,"
	       "\"store_only\":%zu",
	       store_state_names[s->state], incomplete ? "false" : "true", hex, st->checked, st->ok,
	       st->store_only);
	for (int k = 0; k < VK__N; k++) {
		printf(",\"%s\":[", vkind_names[k]);
		bool first = true;
		size_t n;
		const unsigned char *p;
		if (spill_rewind(&st->kept[k]) != 0 && !st->err)
			st->err = errno ? errno : EIO;
		while ((p = spill_get(&st->kept[k], &n))) {
			const char *path = (const char *)p, *reason = path + strlen(path) + 1;
			if (!first)
				putchar(',');
			first = false;
			fputs("{\"path\":", stdout);
			json_str(stdout, path);
			fputs(",\"reason\":", stdout);
			json_str(stdout, reason);
			putchar('}');
		}
		if (st->kept[k].err && !st->err)
			st->err = st->kept[k].err;
		putchar(']');
	}
	printf(",\"status\":\"%s\"}\n", st->n || incomplete ? "problems" : "ok");
}

int cmd_verify(int argc, char **argv)
{
	const char *store = NULL, *root = NULL;
	bool json = false, allow = false;
	/* the override is verify's own; the rest is the command line verify shares with du */
	int n = 0;
	for (int i = 0; i < argc; i++) {
		if (i > 0 && !strcmp(argv[i], STOREPARENT_OVERRIDE))
			allow = true;
		else
			argv[n++] = argv[i];
	}
	argc = n;
	int rc = cli_store_args(
	    argc, argv, "verify",
	    "usage: migstate verify STORE [--json] [--root DIR] "
	    "[" STOREPARENT_OVERRIDE "]\n"
	    "Check every catalog entry: present, still the captured inode, same size\n"
	    "and mtime, the original not replaced since; list files in the store the\n"
	    "catalog does not name. Exit 0 all well, 42 problems, 27 not a store or\n"
	    "a store another user could replace (its path, or a volume's, is not safe)\n"
	    "or owns or can write, 29 another migstate command is using the store.\n",
	    &store, &root, &json);
	if (rc >= 0)
		return rc;
	/* a verdict on a store another user could have swapped says nothing */
	struct sw_store s;
	char err[512];
	enum store_open_step step;
	if ((rc = store_open_checked(&s, "verify", store, root, SW_ALLOW_PARTIAL | SW_ORDERED,
				     allow, NULL, err, sizeof err, &step)) != EXIT_OK) {
		if (step == SO_STEP_OPEN)
			fprintf(stderr, "migstate verify: %s\n", err);
		return rc;
	}
	if (s.root_guessed)
		fprintf(stderr,
			"migstate verify: warning: cannot tell the root from the store path; "
			"assuming / (pass --root)\n");
	struct vstate st = {.s = &s, .json = json};
	same_init(&st.same, s.rootfd, &s.cat);
	for (int k = 0; k < VK__N; k++)
		spill_init(&st.kept[k], -1, (size_t)256 << 10);
	struct identities ids;
	char ierr[300];
	if (ident_read(s.meta_fd, &ids, ierr, sizeof ierr) == 0)
		st.ids = &ids;
	else if (errno == ENOENT)
		fprintf(stderr, "migstate verify: note: the store has no identity records (made "
				"by an older migstate): load keeps its owners' numbers\n");
	else
		add(&st, VK_DIVERGED, STORE_META "/" IDENT_FILE, "%s", ierr);
	int ar = vacl_open(&st.acls, s.meta_fd, s.rootfd, st.ids, ierr, sizeof ierr);
	if (ar == 1)
		fprintf(stderr, "migstate verify: note: the store has no ACL records (made by an "
				"older migstate): load leaves ACLs as they are\n");
	else if (ar < 0)
		add(&st, VK_DIVERGED, STORE_META "/" ACLREC_FILE, "%s", ierr);
	sw_journal_open(s.meta_fd, -1, &st.journal); /* unreadable: as if empty */
	/* the catalog in order (the journal alongside), then each volume's payload in walk
	 * order with that volume's records alongside: nothing per file is held */
	if (sw_journal_load(&st.journal) == 0) {
		if (sw_cursor_open(&st.cur, &s, SW_ALL_VOLS) != 0) {
			fprintf(stderr, "migstate verify: out of memory\n");
			rc = EXIT_FAILED;
			goto out;
		}
		for (const struct sw_rec *r; (r = sw_cursor_next(&st.cur));)
			check_record(&st, r);
		sw_cursor_close(&st.cur);
	}
	if (st.journal.err) {
		/* without it a restored original would be called diverged */
		fprintf(stderr, "migstate verify: the restore journal (%s/%s) could not be read: %s\n",
			STORE_META, SW_JOURNAL, strerror(st.journal.err));
		rc = EXIT_FAILED;
		goto out;
	}
	for (size_t v = 0; v < s.nvols; v++) {
		if (s.file_fd[v] < 0) {
			if (s.vol_unmounted[v])
				add(&st, VK_MISSING, s.vol_real[v], "volume not mounted");
			continue;
		}
		st.vol = v;
		if (sw_cursor_open(&st.cur, &s, (uint32_t)v) != 0) {
			fprintf(stderr, "migstate verify: out of memory\n");
			rc = EXIT_FAILED;
			goto out;
		}
		if (sw_walk(s.file_fd[v], orphan_visit, &st) != 0 && !st.walk_err)
			st.walk_err = errno ? errno : EIO;
		sw_cursor_close(&st.cur);
	}
	bool incomplete = s.state != SS_COMPLETE || strcmp(s.cat_name, "catalog") != 0;
	if (!st.err) {
		if (json)
			print_json(&st, &s, incomplete);
		else
			print_text(&st, incomplete);
	}
	rc = st.n || incomplete ? EXIT_STORE_CORRUPT : EXIT_OK;
	if (st.walk_err) {
		/* a verdict on a store that was not all read says nothing */
		fprintf(stderr, "migstate verify: cannot read all of the store: %s%s\n",
			strerror(st.walk_err),
			fs_out_of_fds(st.walk_err) ? " (too many open files)" : "");
		rc = EXIT_FAILED;
	}
	if (st.err) {
		/* a JSON report that lists fewer problems than it counts is no report */
		fprintf(stderr, "migstate verify: cannot keep the problems found: %s\n",
			strerror(st.err));
		rc = EXIT_FAILED;
	}
out:
	sw_cursor_close(&st.cur);
	for (int k = 0; k < VK__N; k++)
		spill_free(&st.kept[k]);
	sw_journal_close(&st.journal);
	same_free(&st.same);
	vacl_close(&st.acls);
	if (st.ids)
		ident_free(&ids);
	sw_close(&s);
	return rc;
}

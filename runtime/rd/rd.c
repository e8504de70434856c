/* rd.c - store removal (see rd.h); the pending records are pendrec.c, `rd --pending`
 * rd_pending.c. */
#include "rd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "exitcodes.h"
#include "dirnames.h"
#include "fsutil.h"
#include "logging.h"
#include "sameobj.h"
#include "pendrec.h"
#include "rd_unlink.h"
#include "spill.h"
#include "testhooks.h"

struct rd_ctx {
	struct sw_store *s;
	const struct rd_opts *o;
	struct rd_result *r;
	struct sw_journal journal;
	size_t vol;
	bool in_file;	      /* walking a volume's MIGSTATE/File (catalog-indexed) */
	struct sw_cursor cur; /* its records, found in walk order */
	const char *prefix;   /* real path of the tree being walked, for messages */
	size_t left;	      /* entries of this volume still there after the walk */
	struct spill pending; /* real paths refused now (NUL-terminated records) */
	size_t npending;
	bool pending_lost; /* one could not be kept: the record would be incomplete */
	bool checking;	      /* rd_check: find what would be kept, remove nothing */
	struct same_ctx same; /* the last-link test: "is this the captured file?" */
	struct rdu pool;      /* the unlink workers (rd_unlink.h) */
	bool par;	      /* they are running: reporting takes the pool's lock */
};

static void lock(struct rd_ctx *c)
{
	if (c->par)
		rdu_lock(&c->pool);
}

static void unlock(struct rd_ctx *c)
{
	if (c->par)
		rdu_unlock(&c->pool);
}


static void say(struct rd_ctx *c, const char *what, const char *rel, const char *why)
{
	FILE *out = c->o->out ? c->o->out : stdout;
	fprintf(out, "%s\t", what);
	text_str(out, c->prefix);
	if (rel && *rel) {
		fputc('/', out);
		text_str(out, rel);
	}
	if (why)
		fprintf(out, "\t%s", why);
	fputc('\n', out);
}

static void add_pending(struct rd_ctx *c, const char *rel)
{
	size_t n = strlen(c->prefix) + strlen(rel) + 2;
	char *p = malloc(n);
	if (!p) {
		c->pending_lost = true;
		return;
	}
	snprintf(p, n, "%s%s%s", c->prefix, *rel ? "/" : "", rel);
	if (spill_put(&c->pending, p, strlen(p) + 1) == 0)
		c->npending++;
	else
		c->pending_lost = true; /* reported when the record is written */
	free(p);
}

/* Account for an entry that could not be removed because of ERR. */
static void refused(struct rd_ctx *c, const char *rel, int err)
{
	c->left++;
	if (err == EBUSY || err == EROFS || err == ETXTBSY) {
		c->r->pending++;
		add_pending(c, rel);
		say(c, "pending", rel, strerror(err));
	} else if (err == EPERM || err == EACCES) {
		c->r->denied++;
		say(c, "denied", rel, strerror(err));
	} else {
		c->r->errors++;
		if (fs_out_of_fds(err))
			c->r->no_fds++;
		say(c, "error", rel, strerror(err));
	}
}

/* Is the file beneath the root at logical DEST the captured object whose payload is
 * DIRFD/NAME (sameobj.h: the same bytes are not enough, owner and mode must be the
 * captured ones: another user's copy of the bytes is not this user's file)? */
static bool captured_at(struct rd_ctx *c, const char *dest, int dirfd, const char *name,
			uid_t cap_uid)
{
	const char *leaf;
	int pfd = sw_open_parent(c->s, dest, &leaf);
	if (pfd < 0)
		return false;
	bool same = same_object(&c->same, &(struct same_file){dirfd, name},
				&(struct same_file){pfd, leaf}, cap_uid);
	close(pfd);
	return same;
}

/* Is the captured file still somewhere: where load put it (its journal), or at its
 * original place? Only then is removing the last link of an entry safe. */
static bool copy_restored(struct rd_ctx *c, const struct sw_rec *rec, int dirfd, const char *name)
{
	const char *const *dests;
	size_t n =
	    sw_journal_find(&c->journal, rec->r.volume, rec->path, strlen(rec->path), &dests);
	for (size_t i = 0; i < n; i++)
		if (captured_at(c, dests[i], dirfd, name, (uid_t)rec->r.uid))
			return true;
	return captured_at(c, rec->path, dirfd, name, (uid_t)rec->r.uid);
}

/* Why a regular payload file must stay (NULL: it may go). */
static const char *keep_reason(struct rd_ctx *c, const struct sw_visit *v)
{
	const struct sw_rec *rec = NULL;
	char *logical = NULL;
	if (c->in_file) {
		size_t len = strlen(v->rel);
		if (!(logical = malloc(len + 2)))
			return "out of memory";
		logical[0] = '/';
		memcpy(logical + 1, v->rel, len + 1);
		rec = sw_cursor_find(&c->cur, logical, len + 1);
	}
	bool copied = rec && (rec->r.action == CA_COPIED || rec->r.action == CA_REFLINKED);
	const char *why = NULL;
	if (!copied && v->st->st_nlink >= 2) {
		why = NULL;
	} else if (rec) {
		/* a copy, or a linked entry whose other names are gone: safe only if load put
		 * the same bytes somewhere (a copy across volumes, a restore by --nocompress) */
		if (!copy_restored(c, rec, v->dirfd, v->name))
			why = copied
				  ? "copied data not found restored (no file with the same content, "
				    "owner and mode at its original place or where load put it)"
				  : "last link to this data (link count 1): nothing was restored "
				    "from it";
	} else if (!strncmp(v->name, ".migtmp.", 8)) {
		why = NULL; /* a copy a killed scan never finished (docs/store-format.md) */
	} else if (!logical || !captured_at(c, logical, v->dirfd, v->name, SAME_PAYLOAD_OWNER)) {
		why = "not in the catalog, and the last link to this data";
	}
	free(logical);
	return why;
}

/* The outcome ERR (0: removed) of removing entry REL, a directory when ISDIR, not
 * entered when FOREIGN (another mount). Under the pool's lock while it runs. */
static void unlinked(struct rd_ctx *c, const char *rel, bool isdir, bool foreign, int err)
{
	if (err == 0) {
		if (isdir)
			c->r->dirs++;
		else
			c->r->files++;
		return;
	}
	if (err == ENOENT)
		return;
	if (isdir && (err == ENOTEMPTY || err == EEXIST))
		return; /* something below was kept: already counted */
	if (foreign && err != EBUSY && err != EROFS) {
		c->left++;
		c->r->errors++;
		say(c, "kept", rel, "another filesystem is mounted here: not entered");
		return;
	}
	refused(c, rel, err);
}

static void pool_done(void *ctx, const char *rel, bool isdir, int err)
{
	struct rd_ctx *c = ctx;
	unlinked(c, rel, isdir, false, err);
}

/* The workers are not available any more (no memory): what they have is finished and
 * the walk goes on alone. */
static void pool_stop(struct rd_ctx *c)
{
	if (c->par)
		rdu_finish(&c->pool);
	c->par = false;
}

/* A regular file another name of which is on its way out: its link count is read again
 * once that name is gone (the last-link test must see it). 1 when it is gone now. */
static int settle_inode(struct rd_ctx *c, const struct sw_visit *v, struct stat *st)
{
	if (!c->par || !rdu_busy_inode(&c->pool, v->st->st_dev, v->st->st_ino))
		return 0;
	rdu_wait_inode(&c->pool, v->st->st_dev, v->st->st_ino);
	if (fstatat(v->dirfd, v->name, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	int err = errno;
	if (err == ENOENT)
		return 1;
	lock(c);
	refused(c, v->rel, err);
	unlock(c);
	return 1;
}

static int visit(const struct sw_visit *v0, void *ctx)
{
	struct rd_ctx *c = ctx;
	bool isdir = S_ISDIR(v0->st->st_mode);
	if (v0->error) {
		lock(c);
		refused(c, v0->rel, v0->error);
		unlock(c);
		if (c->par && isdir && v0->post)
			rdu_leave(&c->pool, v0->dirfd, v0->name, v0->rel, false);
		return 0;
	}
	if (isdir && !v0->post && !v0->foreign) {
		if (c->par && rdu_enter(&c->pool, v0->rel) != 0)
			pool_stop(c);
		return 0;
	}
	if (isdir && !v0->foreign && c->par &&
	    rdu_leave(&c->pool, v0->dirfd, v0->name, v0->rel, true) == 0)
		return 0;
	struct stat st = *v0->st;
	struct sw_visit vv = *v0;
	const struct sw_visit *v = &vv;
	vv.st = &st;
	if (!isdir && S_ISREG(st.st_mode)) {
		if (settle_inode(c, v0, &st))
			return 0;
		const char *why = keep_reason(c, v);
		if (why && !c->o->force) {
			lock(c);
			c->left++;
			c->r->kept++;
			say(c, "kept", v->rel, why);
			unlock(c);
			return 0;
		}
	}
	if (c->checking)
		return 0; /* rd_check: nothing is removed */
	if (!isdir && c->par &&
	    rdu_unlink(&c->pool, v->dirfd, v->name, v->rel, S_ISREG(st.st_mode), st.st_dev,
		       st.st_ino) == 0)
		return 0;
	int err = unlinkat(v->dirfd, v->name, isdir ? AT_REMOVEDIR : 0) == 0 ? 0 : errno;
	if (!err)
		test_crash_point();
	lock(c);
	unlinked(c, v->rel, isdir, v->foreign, err);
	unlock(c);
	return 0;
}

/* Walk the tree at DFD (named PREFIX in messages) removing what may go. */
static void walk_tree(struct rd_ctx *c, int dfd, const char *prefix, bool in_file)
{
	c->prefix = prefix;
	c->in_file = in_file;
	/* the payload comes in walk order: its records (and the journal's entries) are read
	 * alongside, never held */
	if (in_file && sw_cursor_open(&c->cur, c->s, (uint32_t)c->vol) != 0) {
		c->left++;
		c->r->errors++;
		say(c, "error", "", "out of memory");
		c->in_file = false;
		return;
	}
	if (in_file)
		sw_journal_rewind(&c->journal);
	c->par = !c->checking && rdu_start(&c->pool, rdu_workers(), pool_done, c) == 0;
	errno = 0;
	int rc = sw_walk(dfd, visit, c);
	int err = errno;
	pool_stop(c); /* everything handed over is done */
	if (rc != 0)
		refused(c, "", err ? err : EIO); /* the walk itself failed: says why */
	if (in_file)
		sw_cursor_close(&c->cur);
	c->in_file = false;
}

/* Remove directory NAME in DFD once its contents are gone (counted as a store dir). */
static void remove_dir(struct rd_ctx *c, int dfd, const char *name, const char *prefix)
{
	c->prefix = prefix;
	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0) {
		c->r->dirs++;
		return;
	}
	if (errno == ENOENT)
		return;
	if (errno == ENOTEMPTY || errno == EEXIST) {
		c->left++;
		c->r->errors++;
		say(c, "kept", name, "directory not empty (something that is not ours is inside)");
		return;
	}
	refused(c, name, errno);
}

static void remove_file(struct rd_ctx *c, int dfd, const char *name, const char *prefix)
{
	c->prefix = prefix;
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT) {
		test_crash_point();
		return;
	}
	refused(c, name, errno);
}

/* Remove everything in a volume's MIGSTATE directory except the names in KEEP. */
static void clear_meta(struct rd_ctx *c, int meta, const char *prefix, const char *const *keep)
{
	size_t n = 0;
	char **names = NULL;
	if (dirnames_read(meta, &names, &n) != 0) {
		refused(c, "", errno);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool kept = false;
		for (size_t k = 0; keep && keep[k]; k++)
			kept |= !strcmp(names[i], keep[k]);
		if (kept)
			continue;
		struct stat st;
		if (fstatat(meta, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
			int sub =
			    openat(meta, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				refused(c, names[i], errno); /* never "not ours": not looked at */
				continue;
			}
			if (sub >= 0) {
				size_t pl = strlen(prefix) + strlen(names[i]) + 2;
				char *p = malloc(pl);
				if (p) {
					snprintf(p, pl, "%s/%s", prefix, names[i]);
					walk_tree(c, sub, p, false);
					c->prefix = prefix;
					free(p);
				}
				close(sub);
			}
			remove_dir(c, meta, names[i], prefix);
		} else {
			remove_file(c, meta, names[i], prefix);
		}
	}
	dirnames_free(names, n);
}

static char *path2(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *r = malloc(n);
	if (r)
		snprintf(r, n, "%s/%s", a, b);
	return r;
}

/* Remove volume I's store directory if it is empty now (from its parent). */
static void remove_vol_top(struct rd_ctx *c, size_t i)
{
	struct sw_store *s = c->s;
	const char *leaf;
	int pfd = fs_open_parent(s->rootfd, s->cat.vols[i].store_dir, &leaf);
	if (pfd < 0)
		return;
	if (unlinkat(pfd, leaf, AT_REMOVEDIR) == 0) {
		c->r->dirs++;
	} else if (errno != ENOENT) {
		c->prefix = s->vol_real[i];
		say(c, "note", "",
		    errno == ENOTEMPTY || errno == EEXIST
			? "store directory left in place: it holds files that are not the store's"
			: strerror(errno));
	}
	close(pfd);
}

/* Is directory FD empty? */
/* Remove volume I's payload, and its MIGSTATE when that is all that is left (the
 * master's catalog and store.id are handled by the caller). A secondary volume's
 * store.id goes last, so an interrupted rd still finds a store of ours there. */
static void remove_volume(struct rd_ctx *c, size_t i)
{
	static const char *const keep_id[] = {STORE_ID_FILE, NULL};
	struct sw_store *s = c->s;
	c->vol = i;
	c->left = 0;
	if (s->vol_fd[i] < 0) {
		if (s->vol_unmounted[i]) {
			c->r->unmounted++;
			c->prefix = s->vol_real[i];
			c->left++;
			say(c, "kept", "", "volume not mounted: its store cannot be removed now");
		}
		return;
	}
	char *meta_p = path2(s->vol_real[i], STORE_META);
	char *file_p = meta_p ? path2(meta_p, STORE_PAYLOAD) : NULL;
	int meta = i == s->master ? dup(s->meta_fd) : fs_open_dir(s->vol_fd[i], "/" STORE_META);
	if (meta < 0 && fs_out_of_fds(errno)) {
		c->prefix = s->vol_real[i];
		refused(c, "", errno);
	}
	if (!meta_p || !file_p || meta < 0) {
		if (meta >= 0)
			close(meta);
		else if (i != s->master)
			remove_vol_top(c, i); /* only an empty directory may be left of it */
		free(meta_p);
		free(file_p);
		return;
	}
	if (i != s->master && store_get_state(meta) == SS_FOREIGN) {
		c->prefix = meta_p;
		if (dirnames_empty(meta) == 1) {
			/* an earlier rd removed everything but this directory */
			remove_dir(c, s->vol_fd[i], STORE_META, s->vol_real[i]);
			if (c->left == 0)
				remove_vol_top(c, i);
		} else {
			c->left++;
			c->r->errors++;
			say(c, "kept", "",
			    "no store.id of ours in this volume's store: not touched");
		}
		close(meta);
		free(meta_p);
		free(file_p);
		return;
	}
	if (s->file_fd[i] >= 0) {
		walk_tree(c, s->file_fd[i], file_p, true);
		close(s->file_fd[i]);
		s->file_fd[i] = -1;
		if (c->left == 0)
			remove_dir(c, meta, STORE_PAYLOAD, meta_p);
	}
	if (c->left == 0 && i != s->master) {
		clear_meta(c, meta, meta_p, keep_id);
		if (c->left == 0)
			remove_file(c, meta, STORE_ID_FILE, meta_p);
		if (c->left == 0)
			remove_dir(c, s->vol_fd[i], STORE_META, s->vol_real[i]);
		if (c->left == 0)
			remove_vol_top(c, i);
	}
	close(meta);
	free(meta_p);
	free(file_p);
}

int rd_check(struct sw_store *s, const struct rd_opts *o, struct rd_result *r)
{
	struct rd_ctx c = {.s = s, .o = o, .r = r, .checking = true};
	memset(r, 0, sizeof *r);
	same_init(&c.same, s->rootfd, s->have_cat ? &s->cat : NULL);
	spill_init(&c.pending, -1, (size_t)256 << 10);
	sw_journal_open(s->meta_fd, s->meta_fd, &c.journal); /* unreadable: as if empty */
	for (size_t i = 0; i < s->nvols; i++) {
		if (s->file_fd[i] < 0)
			continue;
		char *file_p = path2(s->vol_real[i], STORE_META "/" STORE_PAYLOAD);
		if (!file_p) {
			r->errors++;
			continue;
		}
		c.vol = i;
		walk_tree(&c, s->file_fd[i], file_p, true);
		free(file_p);
	}
	if (c.journal.err)
		r->errors++; /* entries it would have shown restored were counted as kept */
	same_free(&c.same);
	spill_free(&c.pending);
	sw_journal_close(&c.journal);
	return r->kept || r->errors ? EXIT_STORE_KEPT : EXIT_OK;
}


int rd_run(struct sw_store *s, const struct rd_opts *o, struct rd_result *r)
{
	struct rd_ctx c = {.s = s, .o = o, .r = r};
	memset(r, 0, sizeof *r);
	same_init(&c.same, s->rootfd, s->have_cat ? &s->cat : NULL);
	spill_init(&c.pending, -1, (size_t)256 << 10);
	sw_journal_open(s->meta_fd, s->meta_fd, &c.journal); /* unreadable: as if empty */
	size_t left = 0;
	c.prefix = s->real;
	if (store_set_state(s->meta_fd, SS_REMOVING) != 0) {
		int err = errno;
		if (err == EPERM || err == EACCES) {
			r->denied++;
			say(&c, "denied", "", "cannot mark the store as being removed");
			sw_journal_close(&c.journal);
			spill_free(&c.pending);
			same_free(&c.same);
			return EXIT_NOT_PERMITTED;
		}
		if (err != EROFS) {
			say(&c, "error", "", "cannot mark the store as being removed");
			r->errors++;
			sw_journal_close(&c.journal);
			spill_free(&c.pending);
			same_free(&c.same);
			return EXIT_STORE_KEPT;
		}
		/* a read-only master: everything waits for the pending run */
	}
	for (size_t i = 0; i < s->nvols; i++) {
		if (i == s->master)
			continue;
		remove_volume(&c, i);
		left += c.left;
	}
	remove_volume(&c, s->master);
	left += c.left;
	if (left == 0) {
		static const char *const keep[] = {"catalog", STORE_ID_FILE, NULL};
		char *meta_p = path2(s->real, STORE_META);
		if (meta_p) {
			c.left = 0;
			clear_meta(&c, s->meta_fd, meta_p, keep);
			if (c.left == 0) {
				remove_file(&c, s->meta_fd, "catalog", meta_p);
				if (c.left == 0)
					remove_file(&c, s->meta_fd, STORE_ID_FILE, meta_p);
				if (c.left == 0)
					remove_dir(&c, s->store_fd, STORE_META, s->real);
			}
			left += c.left;
			free(meta_p);
		}
		if (left == 0) {
			char *parent = strdup(s->real),
			     *slash = parent ? strrchr(parent, '/') : NULL;
			if (slash && slash != parent) {
				*slash = 0;
				int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				if (pfd >= 0) {
					if (unlinkat(pfd, slash + 1, AT_REMOVEDIR) == 0)
						r->dirs++;
					else if (errno != ENOENT) {
						c.prefix = s->real;
						say(&c, "note", "",
						    "store directory left in place: it holds files "
						    "that are not the store's");
					}
					close(pfd);
				}
			}
			free(parent);
		}
	}
	if (c.journal.err) {
		/* entries it would have shown restored were kept, as the last link */
		c.prefix = s->real;
		char why[160];
		snprintf(why, sizeof why,
			 "the restore journal (" STORE_META "/" SW_JOURNAL ") could not be read: %s",
			 strerror(c.journal.err));
		say(&c, "error", "", why);
		r->errors++;
	}
	r->complete = left == 0;
	int rc = EXIT_OK;
	if (pendrec_write(rd_pending_dir(o), s, &c.pending, c.npending, c.pending_lost) != 0) {
		c.prefix = rd_pending_dir(o);
		say(&c, "error", "", "cannot record pending deletions");
		r->errors++;
	}
	if (r->no_fds)
		rc = EXIT_FAILED; /* rd itself could not go on: not a verdict on the store */
	else if (r->denied)
		rc = EXIT_NOT_PERMITTED;
	else if (!r->complete)
		rc = EXIT_STORE_KEPT;
	spill_free(&c.pending);
	sw_journal_close(&c.journal);
	same_free(&c.same);
	return rc;
}

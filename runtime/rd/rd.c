/* rd.c - store removal (see rd.h). */
#include "rd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disasm.h"
#include "exitcodes.h"
#include "dirnames.h"
#include "fsutil.h"
#include "lineesc.h"
#include "logging.h"
#include "sameobj.h"
#include "sha256.h"
#include "spill.h"
#include "storeguard.h"
#include "storeparent.h"
#include "volparent.h"
#include "testhooks.h"

#define PENDING_MAGIC "migstate-pending 1"

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
};

const char *rd_pending_dir(const struct rd_opts *o)
{
	if (o->pending_dir)
		return o->pending_dir;
	const char *e = getenv(RD_PENDING_ENV);
	return e && *e ? e : RD_PENDING_DEFAULT;
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

static int visit(const struct sw_visit *v, void *ctx)
{
	struct rd_ctx *c = ctx;
	if (v->error) {
		refused(c, v->rel, v->error);
		return 0;
	}
	bool isdir = S_ISDIR(v->st->st_mode);
	if (isdir && !v->post && !v->foreign)
		return 0;
	if (!isdir && S_ISREG(v->st->st_mode)) {
		const char *why = keep_reason(c, v);
		if (why && !c->o->force) {
			c->left++;
			c->r->kept++;
			say(c, "kept", v->rel, why);
			return 0;
		}
	}
	if (c->checking)
		return 0; /* rd_check: nothing is removed */
	if (unlinkat(v->dirfd, v->name, isdir ? AT_REMOVEDIR : 0) == 0) {
		if (isdir)
			c->r->dirs++;
		else
			c->r->files++;
		test_crash_point();
		return 0;
	}
	int err = errno;
	if (err == ENOENT)
		return 0;
	if (isdir && (err == ENOTEMPTY || err == EEXIST))
		return 0; /* something below was kept: already counted */
	if (v->foreign && err != EBUSY && err != EROFS) {
		c->left++;
		c->r->errors++;
		say(c, "kept", v->rel, "another filesystem is mounted here: not entered");
		return 0;
	}
	refused(c, v->rel, err);
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
	errno = 0;
	if (sw_walk(dfd, visit, c) != 0)
		refused(c, "", errno ? errno : EIO); /* the walk itself failed: says why */
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

/* --- pending records --------------------------------------------------------------- */

static void pending_name(const char *store_real, char out[80])
{
	unsigned char h[32];
	char hex[65];
	sha256(store_real, strlen(store_real), h);
	sha256_hex(h, hex);
	snprintf(out, 80, "%.32s.pending", hex);
}

static int mkdir_p(const char *path);

/* Open the pending directory, made (root's, 0700) when CREATE and missing. Records
 * there tell the boot-time rd what to remove, so the directory is checked like a store:
 * its path by storeparent_check, itself owned by us and writable by nobody else.
 * -1 with errno (ENOENT: absent) and WHY; *UNTRUSTED when it is not safe. */
static int pending_dir_open(const char *dir, bool create, bool *untrusted, char *why,
			    size_t whysz)
{
	*untrusted = false;
	int rc = storeparent_check(dir, geteuid(), why, whysz);
	if (rc > 0) {
		*untrusted = true;
		errno = EPERM;
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT && create) {
		if (mkdir_p(dir) != 0)
			return -1;
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (dfd < 0) {
		snprintf(why, whysz, "%s", strerror(errno));
		return -1;
	}
	struct stat st;
	char r[160];
	if (fstat(dfd, &st) != 0 || storeguard_unsafe_stat(&st, r, sizeof r)) {
		snprintf(why, whysz, "%s", r);
		close(dfd);
		*untrusted = true;
		errno = EPERM;
		return -1;
	}
	return dfd;
}

static int mkdir_p(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return -1;
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*q = '/';
	}
	int rc = mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

/* Write (or, with no pending entries, remove) the store's pending record. */
static int pending_write(struct rd_ctx *c)
{
	const char *dir = rd_pending_dir(c->o);
	char name[80];
	pending_name(c->s->real, name);
	if (c->pending_lost) {
		/* a shorter record would let `rd --pending` forget entries; keep what it had */
		errno = c->pending.err ? c->pending.err : ENOMEM;
		return -1;
	}
	char why[400];
	bool untrusted;
	int dfd = pending_dir_open(dir, c->npending > 0, &untrusted, why, sizeof why);
	if (dfd < 0 && errno == ENOENT && c->npending == 0)
		return 0;
	if (dfd < 0) {
		fprintf(stderr, "migstate rd: the pending directory %s: %s\n", dir, why);
		return -1;
	}
	if (c->npending == 0) {
		unlinkat(dfd, name, 0);
		close(dfd);
		return 0;
	}
	char tmp[96];
	snprintf(tmp, sizeof tmp, "%s.tmp", name);
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		close(dfd);
		return -1;
	}
	fprintf(f, "%s\nstore\t", PENDING_MAGIC);
	lineesc_put(f, c->s->real);
	fputs("\nroot\t", f);
	lineesc_put(f, c->s->root);
	fputc('\n', f);
	/* the one store instance this record is about: a later store at the same path is
	 * another store, never removed by `rd --pending` */
	char id[STORE_INSTANCE_HEX + 1];
	struct stat top;
	if (store_get_instance(c->s->meta_fd, id) == 0)
		fprintf(f, "id\t%s\n", id);
	if (fstat(c->s->store_fd, &top) == 0)
		fprintf(f, "dev\t%llu\nino\t%llu\n", (unsigned long long)top.st_dev,
			(unsigned long long)top.st_ino);
	int rc = spill_rewind(&c->pending);
	size_t n;
	for (const unsigned char *p; rc == 0 && (p = spill_get(&c->pending, &n));) {
		fputs("entry\t", f);
		lineesc_put(f, (const char *)p);
		fputc('\n', f);
	}
	if (c->pending.err)
		rc = -1;
	if (fflush(f) || fsync(fileno(f)))
		rc = -1;
	if (fclose(f))
		rc = -1;
	if (rc == 0)
		rc = fs_renameat(dfd, tmp, dfd, name);
	if (rc == 0)
		fsync(dfd);
	close(dfd);
	return rc;
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
	if (pending_write(&c) != 0) {
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

/* --- rd --pending ------------------------------------------------------------------ */

/* A pending record: the store's path and root, and which store instance it is about. */
struct pending_rec {
	char *store, *root;
	char id[STORE_INSTANCE_HEX + 1]; /* "" in records written before ids */
	bool have_top;
	unsigned long long dev, ino; /* the store top's identity when the record was made */
};

static void pending_rec_free(struct pending_rec *p)
{
	free(p->store);
	free(p->root);
	memset(p, 0, sizeof *p);
}

/* Read a pending record (never through a symlink, only a regular file of ours). */
static int pending_read(int dfd, const char *name, struct pending_rec *p)
{
	memset(p, 0, sizeof *p);
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char r[160];
	if (fd >= 0 && (fstat(fd, &st) != 0 || storeguard_unsafe_stat(&st, r, sizeof r) ||
			!S_ISREG(st.st_mode))) {
		close(fd);
		return -1;
	}
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool magic = false, have_dev = false, have_ino = false;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = 0;
		if (!magic) {
			magic = !strcmp(line, PENDING_MAGIC);
			if (!magic)
				break;
			continue;
		}
		char *tab = strchr(line, '\t');
		if (!tab || !lineesc_decode(tab + 1))
			continue;
		*tab = 0;
		const char *v = tab + 1;
		char *end;
		if (!strcmp(line, "store") && !p->store)
			p->store = strdup(v);
		else if (!strcmp(line, "root") && !p->root)
			p->root = strdup(v);
		else if (!strcmp(line, "id") && strlen(v) == STORE_INSTANCE_HEX)
			memcpy(p->id, v, STORE_INSTANCE_HEX + 1);
		else if (!strcmp(line, "dev") && *v) {
			p->dev = strtoull(v, &end, 10);
			have_dev = !*end;
		} else if (!strcmp(line, "ino") && *v) {
			p->ino = strtoull(v, &end, 10);
			have_ino = !*end;
		}
	}
	p->have_top = have_dev && have_ino;
	free(line);
	fclose(f);
	if (!magic || !p->store || !p->root) {
		pending_rec_free(p);
		return -1;
	}
	return 0;
}

/* Is the opened store S the very store record P was written for, still being removed?
 * NULL when it is, else why not. */
static const char *pending_mismatch(const struct sw_store *s, const struct pending_rec *p)
{
	char id[STORE_INSTANCE_HEX + 1];
	struct stat top;
	if (s->state != SS_REMOVING)
		return "the store there is not being removed (a newer store at the same path?)";
	if (p->id[0] && (store_get_instance(s->meta_fd, id) != 0 || strcmp(id, p->id) != 0))
		return "the store there is another store than the record's (its id differs)";
	if (p->have_top && (fstat(s->store_fd, &top) != 0 || top.st_dev != p->dev ||
			    top.st_ino != p->ino))
		return "the store there is another directory than the record's";
	return NULL;
}

/* Set record NAME aside as NAME.retired (replacing an older one): it is about a store
 * that no longer exists at its path. Kept for the administrator, never run again. */
static int pending_retire_at(int dfd, const char *name)
{
	char ret[128];
	snprintf(ret, sizeof ret, "%s.retired", name);
	return fs_renameat(dfd, name, dfd, ret);
}

void rd_pending_retire(const char *store_real, struct rlog *log)
{
	const char *dir = rd_pending_dir(&(struct rd_opts){0});
	char name[80], why[400];
	bool untrusted;
	pending_name(store_real, name);
	int dfd = pending_dir_open(dir, false, &untrusted, why, sizeof why);
	if (dfd < 0)
		return; /* none (or untrusted: rd --pending refuses it too) */
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (pending_retire_at(dfd, name) == 0)
			rlog_msg(log, RL_WARN,
				 "the pending deletions recorded for an earlier store at this path "
				 "(%s/%s) belong to the store this scan replaced: set aside as %s.retired, "
				 "never run; remove what it lists by hand if it is still there",
				 rlog_esc(log, dir), name, name);
		else
			rlog_msg(log, RL_ERROR,
				 "cannot set aside the pending record %s/%s of an earlier store at "
				 "this path: %s ('rd --pending' will refuse this store anyway)",
				 rlog_esc(log, dir), name, strerror(errno));
	}
	close(dfd);
}

int rd_pending(const struct rd_opts *o, const char *only)
{
	const char *dir = rd_pending_dir(o);
	FILE *out = o->out ? o->out : stdout;
	char why[400];
	bool untrusted;
	int dfd = pending_dir_open(dir, false, &untrusted, why, sizeof why);
	if (dfd < 0) {
		if (errno == ENOENT && !untrusted) {
			fprintf(out, "no pending deletions (%s does not exist)\n", dir);
			return EXIT_OK;
		}
		int err = errno;
		fprintf(stderr, "migstate rd: the pending directory %s %s: %s\n", dir,
			untrusted ? "cannot be trusted" : "cannot be opened", why);
		return untrusted			 ? EXIT_BAD_STORE
		       : err == EACCES || err == EPERM ? EXIT_NOT_PERMITTED
						       : EXIT_FAILED;
	}
	char *only_real = only ? realpath(only, NULL) : NULL;
	if (only && !only_real)
		only_real = strdup(only); /* gone already: match the record's path as given */
	int rc = EXIT_OK;
	size_t done = 0, n = 0;
	char **names = NULL;
	/* names first: rd_run rewrites records in this directory while we work */
	if (dirnames_read(dfd, &names, &n) != 0) {
		int err = errno;
		fprintf(stderr, "migstate rd: the pending directory %s: %s\n", dir, strerror(err));
		close(dfd);
		free(only_real);
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		size_t nl = strlen(name);
		if (nl < 9 || strcmp(name + nl - 8, ".pending") != 0)
			continue;
		struct pending_rec p;
		if (pending_read(dfd, name, &p) != 0) {
			fprintf(stderr, "migstate rd: %s/%s: not a pending record of ours: left alone\n",
				dir, name);
			continue;
		}
		if (only && (!only_real || strcmp(only_real, p.store) != 0)) {
			pending_rec_free(&p);
			continue;
		}
		done++;
		fputs("pending store ", out);
		text_str(out, p.store);
		fputc('\n', out);
		enum store_state st = store_probe(p.store);
		int ec;
		if (st == SS_NONE || st == SS_FOREIGN) {
			/* nothing of ours is left there */
			unlinkat(dfd, name, 0);
			fputs("  already gone\n", out);
		} else if ((ec = storeparent_enforce("rd", p.store, o->insecure_parent)) != EXIT_OK) {
			fputs("  left alone: its path is not safe (the record stays)\n", out);
			if (rc == EXIT_OK)
				rc = ec;
		} else {
			struct sw_store s;
			char err[512];
			const char *other;
			if (sw_open(&s, p.store, p.root, SW_ALLOW_PARTIAL | SW_NO_CATALOG | SW_ORDERED,
				    err, sizeof err, &ec)) {
				fprintf(stderr, "migstate rd: %s\n", err);
				if (rc == EXIT_OK)
					rc = ec;
			} else if ((ec = volparent_enforce_store("rd", &s, o->insecure_parent,
								 NULL))) {
				fputs("  left alone: a volume's store path is not safe (the record "
				      "stays)\n",
				      out);
				if (rc == EXIT_OK)
					rc = ec;
			} else if ((other = pending_mismatch(&s, &p))) {
				fprintf(out, "  left alone: %s; the record is set aside as %s.retired\n",
					other, name);
				pending_retire_at(dfd, name);
				if (rc == EXIT_OK)
					rc = EXIT_BAD_STORE;
			} else {
				struct rd_result r;
				int x = rd_run(&s, o, &r);
				fprintf(
				    out,
				    "  removed %zu files, %zu directories; kept %zu, pending %zu\n",
				    r.files, r.dirs, r.kept, r.pending);
				if (x != EXIT_OK && (rc == EXIT_OK || x == EXIT_NOT_PERMITTED))
					rc = x;
				if (r.pending == 0)
					unlinkat(dfd, name, 0); /* rd_run cleared it too */
			}
			sw_close(&s);
		}
		pending_rec_free(&p);
	}
	dirnames_free(names, n);
	close(dfd);
	free(only_real);
	if (done == 0)
		fprintf(out, "no pending deletions%s\n", only ? " for this store" : "");
	return rc;
}

/* scan.c - the capture engine (see scan.h): set-up, pass 1 (walk, decide, classify),
 * space check and store creation, pass 2 (link / copy / record, catalog), commit. */
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bind.h"
#include "catalog.h"
#include "copyfile.h"
#include "disasm.h"
#include "errpolicy.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "locks.h"
#include "logging.h"
#include "plan.h"
#include "store.h"
#include "version.h"
#include "volumes.h"
#include "walk.h"

const char *const efs_mode_names[5] = {"abort", "skip", "hardlink", "decryptcopy", "copyraw"};

enum item_act { A_RECORD, A_LINK, A_COPY };

#define FLUSH_EVERY 1024 /* catalog records between two writes to catalog.partial */

/* One object found by pass 1, captured by pass 2. */
struct item {
	char *path;	 /* logical */
	uint32_t dirlen; /* path[0..dirlen) is its directory */
	uint32_t vol;	 /* svol of the original */
	uint32_t rule, ctx;
	uint64_t dev, ino;
	uint64_t est;	/* bytes a copy would take */
	uint16_t flags; /* CF_* */
	uint8_t type;	/* enum cat_type */
	uint8_t act;	/* enum item_act */
	bool parent_only;
	bool lock_copy; /* errorHardLink: a copy that fails is the in-use error */
};

/* A cached open directory (consecutive objects mostly share one). */
struct pdir {
	char *path;
	int fd;
};

/* A volume (mount) the scan reads from or writes to. */
struct svol {
	uint32_t mnt_id;
	dev_t dev;
	uint64_t fs_magic;
	char *mnt_real;	   /* mount point in our namespace */
	char *mnt_logical; /* as seen beneath the root ("/" when at or above it) */
	char *fstype;
	bool no_links;	  /* cannot hold hard links: copy into the master */
	bool master;	  /* holds the master store */
	bool has_store;	  /* a store of its own (master, or a per-volume store) */
	bool used;	  /* holds included objects */
	char *store_real; /* its store directory (NULL: none) */
	char *store_logical;
	int meta_fd, file_fd;
	uint32_t cat;			     /* index in the catalog's volume table */
	uint64_t n_link, n_copy, copy_bytes; /* plan */
	uint64_t did_link;		     /* captured */
	struct pdir pd;			     /* last payload directory */
};

/* (dev, ino) -> item index of the first copy of an inode, so later names link to it. */
struct ihash {
	uint64_t *dev, *ino;
	size_t *idx;
	size_t cap, n;
};

struct counters {
	uint64_t linked, copied, reflinked, recorded, bytes_copied;
	uint64_t skipped_continue, skipped_rule, efs_skipped, parents, vanished;
};

struct scan {
	const struct scan_opts *so;
	const struct rt_opts *o;
	volatile sig_atomic_t *stop;
	struct rlog log;
	bool log_open;
	struct plan plan;
	bool plan_open;
	int rootfd;
	char *root_real;
	struct vol_table vt;
	struct user_list users;
	struct user_choice *choices;
	size_t nchoices;
	struct rt_bound b;
	bool bound;
	struct lock_set locks;
	char **fixed;
	size_t nfixed;
	char *store_real, *store_logical, *store_rel;
	struct svol *sv;
	size_t nsv;
	struct item *it;
	size_t nit, capit;
	struct cat_writer *cw;
	struct pdir src;
	struct ihash copies;
	struct counters c;
	int exit;     /* set when something decided to stop the run */
	bool started; /* the walk began: a summary means something */
};

/* --- small helpers -------------------------------------------------------------- */

static bool within(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return p[0] == '/';
	return !strncmp(p, dir, n) && (p[n] == 0 || p[n] == '/');
}

/* Absolute path of P with every existing leading part resolved (realpath) and the rest
 * appended lexically ("." dropped, ".." refused). NULL on failure. */
static char *abs_path(const char *p)
{
	char *full;
	if (p[0] == '/') {
		full = strdup(p);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return NULL;
		if (asprintf(&full, "%s/%s", cwd, p) < 0)
			full = NULL;
	}
	if (!full)
		return NULL;
	size_t len = strlen(full);
	while (len > 1 && full[len - 1] == '/')
		full[--len] = 0;
	/* find the longest existing prefix */
	char *cut = full + len;
	char *res = NULL;
	for (;;) {
		char save = *cut;
		*cut = 0;
		res = realpath(*full ? full : "/", NULL);
		*cut = save;
		if (res || cut == full)
			break;
		do
			cut--;
		while (cut > full && *cut != '/');
	}
	if (!res) {
		free(full);
		return NULL;
	}
	/* append the missing components */
	for (char *q = cut; *q;) {
		while (*q == '/')
			q++;
		char *e = q;
		while (*e && *e != '/')
			e++;
		size_t n = (size_t)(e - q);
		if (n == 0)
			break;
		if ((n == 2 && !strncmp(q, "..", 2))) {
			free(res);
			free(full);
			return NULL;
		}
		if (!(n == 1 && *q == '.')) {
			char *r2;
			if (asprintf(&r2, "%s%s%.*s", res, strcmp(res, "/") ? "/" : "", (int)n, q) <
			    0) {
				free(res);
				free(full);
				return NULL;
			}
			free(res);
			res = r2;
		}
		q = e;
	}
	free(full);
	return res;
}

/* Logical path of the real path REAL ("/" for the root), NULL when outside it. */
static char *logical_of(const struct scan *s, const char *real)
{
	if (!within(real, s->root_real))
		return NULL;
	if (!strcmp(s->root_real, "/"))
		return strdup(real);
	const char *rest = real + strlen(s->root_real);
	return strdup(*rest ? rest : "/");
}

/* statvfs free bytes at PATH or its deepest existing ancestor. */
static uint64_t free_at(const char *path, uint64_t *total)
{
	char *p = strdup(path);
	struct statvfs v;
	uint64_t r = 0;
	if (!p)
		return 0;
	for (;;) {
		if (statvfs(p, &v) == 0) {
			r = (uint64_t)v.f_bavail * v.f_frsize;
			if (total)
				*total = (uint64_t)v.f_blocks * v.f_frsize;
			break;
		}
		char *sl = strrchr(p, '/');
		if (!sl || sl == p) {
			if (statvfs("/", &v) == 0)
				r = (uint64_t)v.f_bavail * v.f_frsize;
			break;
		}
		*sl = 0;
	}
	free(p);
	return r;
}

static const char *mb(uint64_t bytes, char *buf, size_t n)
{
	snprintf(buf, n, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
	return buf;
}

static uint8_t cat_type_of(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return CT_DIR;
	case S_IFLNK:
		return CT_SYMLINK;
	case S_IFIFO:
		return CT_FIFO;
	case S_IFSOCK:
		return CT_SOCKET;
	case S_IFCHR:
		return CT_CHR;
	case S_IFBLK:
		return CT_BLK;
	}
	return CT_FILE;
}

/* What a copy of a file of SIZE bytes with BLOCKS 512-byte blocks costs (sparse copies
 * keep holes), rounded up to 4 KiB. */
static uint64_t copy_cost(uint64_t size, uint64_t blocks)
{
	uint64_t b = size;
	if (blocks && blocks * 512 < size)
		b = blocks * 512;
	return (b + 4095) & ~(uint64_t)4095;
}

static const char *item_name(const struct item *it)
{
	return it->path + it->dirlen + (it->dirlen > 1 ? 1 : 0);
}

static const char *rule_where(const struct scan *s, uint32_t rule, char *buf, size_t n)
{
	if (rule == PLAN_NONE || rule >= s->plan.nrules) {
		snprintf(buf, n, "-");
		return buf;
	}
	const struct plan_rule *r = &s->plan.rules[rule];
	snprintf(buf, n, "%s:%u", plan_str(&s->plan, s->plan.srcs[r->src].path), r->line);
	return buf;
}

/* --- copies already made, by inode --------------------------------------------- */

static size_t ih_slot(const struct ihash *h, uint64_t dev, uint64_t ino)
{
	uint64_t k = (dev * 0x9e3779b97f4a7c15ull) ^ (ino * 0xc2b2ae3d27d4eb4full);
	return (size_t)(k ^ (k >> 29)) & (h->cap - 1);
}

static bool ih_find(const struct ihash *h, uint64_t dev, uint64_t ino, size_t *idx)
{
	if (!h->cap)
		return false;
	for (size_t i = ih_slot(h, dev, ino);; i = (i + 1) & (h->cap - 1)) {
		if (h->idx[i] == SIZE_MAX)
			return false;
		if (h->dev[i] == dev && h->ino[i] == ino) {
			*idx = h->idx[i];
			return true;
		}
	}
}

static void ih_put(struct ihash *h, uint64_t dev, uint64_t ino, size_t idx)
{
	if ((h->n + 1) * 2 > h->cap) {
		struct ihash g = {0};
		g.cap = h->cap ? h->cap * 2 : 256;
		g.dev = malloc(g.cap * sizeof *g.dev);
		g.ino = malloc(g.cap * sizeof *g.ino);
		g.idx = malloc(g.cap * sizeof *g.idx);
		if (!g.dev || !g.ino || !g.idx) {
			free(g.dev);
			free(g.ino);
			free(g.idx);
			return; /* no dedup under memory pressure: copies stay correct */
		}
		for (size_t i = 0; i < g.cap; i++)
			g.idx[i] = SIZE_MAX;
		for (size_t i = 0; i < h->cap; i++)
			if (h->idx[i] != SIZE_MAX)
				ih_put(&g, h->dev[i], h->ino[i], h->idx[i]);
		free(h->dev);
		free(h->ino);
		free(h->idx);
		*h = g;
	}
	size_t i = ih_slot(h, dev, ino);
	while (h->idx[i] != SIZE_MAX)
		i = (i + 1) & (h->cap - 1);
	h->dev[i] = dev;
	h->ino[i] = ino;
	h->idx[i] = idx;
	h->n++;
}

/* --- errors --------------------------------------------------------------------- */

/* An error on DIR/NAME (NAME NULL: the directory itself): ErrorControl first, then
 * --continue. Returns 0 to skip the object and go on, -1 to stop (s->exit set). */
static int scan_error(struct scan *s, const char *dir, const char *name, int err, const char *what)
{
	uint32_t rule = PLAN_NONE;
	enum errp_action a = s->bound ? errp_decide(&s->b, dir, name, err, &rule) : ERRP_NONE;
	char obj[8192], where[512] = "";
	snprintf(obj, sizeof obj, "%s%s%s", dir, name && *name && strcmp(dir, "/") ? "/" : "",
		 name ? name : "");
	if (rule != PLAN_NONE) {
		const struct plan_errc *e = &s->plan.errcs[rule];
		snprintf(where, sizeof where, " (ErrorControl %s rule at %s:%u)",
			 e->fatal ? "fatal" : "nonFatal",
			 plan_str(&s->plan, s->plan.srcs[e->src].path), e->line);
	}
	char code[16];
	snprintf(code, sizeof code, "%d", err);
	bool skip = a == ERRP_NONFATAL || (a == ERRP_NONE && s->o->cont);
	rlog_msg(&s->log, skip ? RL_WARN : RL_ERROR, "%s %s: %s%s: %s", what,
		 rlog_esc(&s->log, obj), strerror(err), where,
		 skip ? (a == ERRP_NONFATAL ? "skipped" : "skipped (--continue)")
		      : (a == ERRP_FATAL ? "stopping"
					 : "stopping (no ErrorControl rule, no --continue)"));
	rlog_progress(&s->log, "error", "UnableToCopy", "objectName", obj, "action",
		      skip ? "Ignore" : "Abort", "errorCode", code, NULL);
	if (skip) {
		if (a == ERRP_NONFATAL)
			s->c.skipped_rule++;
		else
			s->c.skipped_continue++;
		return 0;
	}
	if (!s->exit)
		s->exit = EXIT_STOPPED;
	return -1;
}

/* A store-side failure: the store cannot be written. */
static int store_failure(struct scan *s, const char *what, const char *path, int err)
{
	rlog_msg(&s->log, RL_ERROR, "%s %s: %s: the capture failed", what, rlog_esc(&s->log, path),
		 strerror(err));
	if (!s->exit)
		s->exit = EXIT_FAILED;
	return -1;
}

/* --- volumes -------------------------------------------------------------------- */

static void svol_free(struct svol *v)
{
	free(v->mnt_real);
	free(v->mnt_logical);
	free(v->fstype);
	free(v->store_real);
	free(v->store_logical);
	if (v->meta_fd >= 0)
		close(v->meta_fd);
	if (v->file_fd >= 0)
		close(v->file_fd);
	if (v->pd.fd >= 0)
		close(v->pd.fd);
	free(v->pd.path);
}

/* The svol of mount MNT_ID (added on first sight). -1 when out of memory. */
static int svol_of(struct scan *s, uint32_t mnt_id)
{
	for (size_t i = 0; i < s->nsv; i++)
		if (s->sv[i].mnt_id == mnt_id)
			return (int)i;
	const struct vol *v = vol_by_id(&s->vt, mnt_id);
	if (!v) {
		char err[256];
		vol_free(&s->vt);
		if (vol_load(&s->vt, err, sizeof err) == 0)
			v = vol_by_id(&s->vt, mnt_id); /* mounted since start-up */
	}
	struct svol *q = realloc(s->sv, (s->nsv + 1) * sizeof *q);
	if (!q)
		return -1;
	s->sv = q;
	struct svol *n = &s->sv[s->nsv];
	memset(n, 0, sizeof *n);
	n->meta_fd = n->file_fd = n->pd.fd = -1;
	n->mnt_id = mnt_id;
	if (v) {
		n->dev = v->dev;
		n->mnt_real = strdup(v->mnt);
		n->fstype = strdup(v->fstype);
		n->no_links = v->no_links;
	} else {
		n->mnt_real = strdup("?");
		n->fstype = strdup("?");
		n->no_links = true; /* unknown mount: never link, copy */
	}
	n->mnt_logical = n->mnt_real ? logical_of(s, n->mnt_real) : NULL;
	if (!n->mnt_logical && n->mnt_real && within(s->root_real, n->mnt_real))
		n->mnt_logical = strdup("/"); /* the root lies inside this mount */
	if (!n->mnt_real || !n->fstype)
		return -1;
	struct statfs sf;
	if (v && statfs(v->mnt, &sf) == 0)
		n->fs_magic = (uint64_t)sf.f_type;
	return (int)s->nsv++;
}

/* Mount points of every walkable (non-pseudo) mount at or beneath the root, logical. */
static int fixed_roots(struct scan *s)
{
	s->fixed = calloc(s->vt.n + 1, sizeof *s->fixed);
	if (!s->fixed)
		return -1;
	s->fixed[s->nfixed++] = strdup("/");
	for (size_t i = 0; i < s->vt.n; i++) {
		const struct vol *v = &s->vt.v[i];
		if (v->pseudo || !within(v->mnt, s->root_real) || !strcmp(v->mnt, s->root_real))
			continue;
		char *l = logical_of(s, v->mnt);
		bool dup = false;
		for (size_t k = 0; l && k < s->nfixed; k++)
			dup |= !strcmp(s->fixed[k], l);
		if (l && !dup)
			s->fixed[s->nfixed++] = l;
		else
			free(l);
	}
	return 0;
}

/* Where a volume mounted at MNT gets its store re-rooted: its mount point, or the root
 * itself when the root lies inside that mount (the volume starts there, logically). */
static const char *store_base(const struct scan *s, const char *mnt)
{
	return within(s->root_real, mnt) ? s->root_real : mnt;
}

/* Real path of the store of the volume mounted at MNT: base + the store's relative path. */
static char *volume_store_path(const struct scan *s, const char *mnt)
{
	char *p;
	const char *base = store_base(s, mnt);
	if (asprintf(&p, "%s%s%s", base, strcmp(base, "/") ? "/" : "", s->store_rel) < 0)
		return NULL;
	return p;
}

/* Directories the walk must never enter: the master store and whatever would be a
 * per-volume store of this store path on any walkable mount (an earlier run's). */
static int skip_lists(struct scan *s, struct walk_skip **skip, size_t *nskip, char ***paths,
		      size_t *npaths)
{
	*skip = calloc(s->vt.n + 2, sizeof **skip);
	*paths = calloc(s->vt.n + 2, sizeof **paths);
	*nskip = *npaths = 0;
	if (!*skip || !*paths)
		return -1;
	struct stat st;
	if (stat(s->store_real, &st) == 0)
		(*skip)[(*nskip)++] = (struct walk_skip){st.st_dev, st.st_ino};
	if (s->store_logical)
		(*paths)[(*npaths)++] = strdup(s->store_logical);
	for (size_t i = 0; i < s->vt.n; i++) {
		const struct vol *v = &s->vt.v[i];
		if (v->pseudo)
			continue;
		if (!within(v->mnt, s->root_real) && !within(s->root_real, v->mnt))
			continue;
		char *p = volume_store_path(s, v->mnt);
		if (p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			(*skip)[(*nskip)++] = (struct walk_skip){st.st_dev, st.st_ino};
		char *l = p ? logical_of(s, p) : NULL;
		if (l)
			(*paths)[(*npaths)++] = l;
		free(p);
	}
	return 0;
}

/* --- pass 1: walk, decide, classify ------------------------------------------------ */

static bool stx_encrypted(const struct statx *x)
{
	return (x->stx_attributes_mask & STATX_ATTR_ENCRYPTED) &&
	       (x->stx_attributes & STATX_ATTR_ENCRYPTED);
}

static bool stx_os_locked(const struct statx *x)
{
	return x->stx_attributes & (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND);
}

/* How to capture the regular file IT (statx X). 1 = capture, 0 = leave it out (skipped
 * by policy or by an error rule), -1 = stop. RAISE: report lock errors (pass 1 only). */
static int classify(struct scan *s, struct item *it, const struct statx *x)
{
	const struct scan_opts *so = s->so;
	char *dir = strndup(it->path, it->dirlen);
	const char *name = item_name(it);
	int rc = 1;
	if (!dir)
		return -1;
	it->flags = 0;
	it->lock_copy = false;
	it->act = so->o.hardlink ? A_LINK : A_COPY;
	if (stx_encrypted(x)) {
		it->flags |= CF_ENCRYPTED;
		switch (so->efs) {
		case EFS_ABORT:
			rlog_msg(
			    &s->log, RL_ERROR,
			    "encrypted file %s: the scan stops (--efs abort, the default; --efs "
			    "skip, hardlink or decryptcopy say what to do with such files)",
			    rlog_esc(&s->log, it->path));
			s->exit = EXIT_CANCELED;
			rc = -1;
			goto out;
		case EFS_SKIP:
			rlog_msg(&s->log, RL_INFO, "encrypted file %s: left out (--efs skip)",
				 rlog_esc(&s->log, it->path));
			s->c.efs_skipped++;
			rc = 0;
			goto out;
		case EFS_DECRYPTCOPY:
			it->act = A_COPY;
			break;
		case EFS_HARDLINK:
		case EFS_COPYRAW:
			break;
		}
	}
	if (stx_os_locked(x)) {
		it->flags |= CF_IMMUTABLE; /* "locked by the OS": cannot be linked, is copied */
		it->act = A_COPY;
	}
	const struct lock_key *lk =
	    locks_find(&s->locks, makedev(x->stx_dev_major, x->stx_dev_minor), (ino_t)x->stx_ino);
	if (lk) {
		it->flags |= CF_LOCKED;
		uint32_t r = PLAN_NONE;
		enum hlnk_action h = so->o.hardlink ? hlnk_decide(&s->b, dir, name, &r) : HLNK_NONE;
		if (h == HLNK_CREATE) {
			rlog_msg(&s->log, RL_INFO,
				 "%s is in use (pid %d): linked anyway (createHardLink)",
				 rlog_esc(&s->log, it->path), lk->pid);
		} else if (h == HLNK_ERROR) {
			it->act = A_COPY;
			it->lock_copy = true;
			rlog_msg(&s->log, RL_INFO, "%s is in use (pid %d): copied (errorHardLink)",
				 rlog_esc(&s->log, it->path), lk->pid);
		} else {
			rc = scan_error(s, dir, name, EBUSY,
					lk->writer ? "in use (open for writing by another process)"
						   : "in use (locked by another process)") == 0
				 ? 0
				 : -1;
			goto out;
		}
	}
	if (it->act == A_LINK && s->sv[it->vol].no_links)
		it->act = A_COPY;
	it->est = copy_cost(x->stx_size, x->stx_blocks);
out:
	free(dir);
	return rc;
}

static int push_item(struct scan *s, const struct item *it)
{
	if (s->nit == s->capit) {
		size_t cap = s->capit ? s->capit * 2 : 1024;
		struct item *q = realloc(s->it, cap * sizeof *q);
		if (!q)
			return -1;
		s->it = q;
		s->capit = cap;
	}
	s->it[s->nit++] = *it;
	return 0;
}

static int p1_object(void *ctx, const struct walk_obj *o)
{
	struct scan *s = ctx;
	struct item it = {0};
	if (s->stop && *s->stop)
		return WALK_STOPPED;
	int v = svol_of(s, o->mnt_id);
	it.path = strndup(o->path, o->pathlen);
	if (v < 0 || !it.path) {
		free(it.path);
		s->exit = EXIT_FAILED;
		rlog_msg(&s->log, RL_ERROR, "out of memory");
		return -1;
	}
	it.dirlen = (uint32_t)o->dirlen;
	it.vol = (uint32_t)v;
	it.type = cat_type_of(o->stx->stx_mode);
	it.parent_only = o->parent_only;
	it.rule = o->d ? o->d->rule : PLAN_NONE;
	it.ctx = o->d ? o->d->ctx : 0;
	it.dev = makedev(o->stx->stx_dev_major, o->stx->stx_dev_minor);
	it.ino = o->stx->stx_ino;
	it.act = A_RECORD;
	if (it.type == CT_FILE) {
		int c = classify(s, &it, o->stx);
		if (c <= 0) {
			free(it.path);
			return c;
		}
	}
	s->sv[v].used = true;
	if ((s->nit + 1) % 1024 == 0)
		rlog_count(&s->log, "scanning", s->nit + 1);
	if (push_item(s, &it)) {
		free(it.path);
		s->exit = EXIT_FAILED;
		rlog_msg(&s->log, RL_ERROR, "out of memory");
		return -1;
	}
	return 0;
}

static int p1_error(void *ctx, const char *dir, const char *name, int err, const char *what)
{
	return scan_error(ctx, dir, name, err, what);
}

static void p1_skipped(void *ctx, const char *path, const char *why)
{
	struct scan *s = ctx;
	rlog_msg(&s->log, RL_DEBUG, "not entered: %s (%s)", rlog_esc(&s->log, path), why);
}

/* --- stores ----------------------------------------------------------------------- */

/* Which store each item's payload goes to, and what that costs per volume. */
static void plan_payloads(struct scan *s)
{
	for (size_t i = 0; i < s->nsv; i++)
		s->sv[i].n_link = s->sv[i].n_copy = s->sv[i].copy_bytes = 0;
	for (size_t i = 0; i < s->nit; i++) {
		struct item *it = &s->it[i];
		if (it->type != CT_FILE)
			continue;
		struct svol *v = &s->sv[it->vol];
		if (it->act == A_LINK &&
		    (v->no_links || (!v->master && !v->has_store && v->store_real == NULL)))
			it->act = A_COPY;
		if (it->act == A_LINK) {
			v->n_link++;
		} else {
			v->n_copy++;
			s->sv[0].copy_bytes += it->est;
		}
	}
}

/* Decide which volumes get a store of their own (before anything is created). */
static int choose_stores(struct scan *s)
{
	for (size_t i = 1; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		free(v->store_real);
		v->store_real = NULL;
		if (!v->used || v->no_links || !s->so->o.hardlink)
			continue;
		bool wants = false;
		for (size_t k = 0; k < s->nit && !wants; k++)
			wants =
			    s->it[k].vol == i && s->it[k].type == CT_FILE && s->it[k].act == A_LINK;
		if (!wants)
			continue;
		v->store_real = volume_store_path(s, v->mnt_real);
		if (!v->store_real)
			return -1;
		v->store_logical = logical_of(s, v->store_real);
	}
	plan_payloads(s);
	return 0;
}

/* Space: min_free on every store volume, plus every copied byte on the master's. */
static int check_space(struct scan *s, bool quiet)
{
	char a[32], b2[32], c[32], d[32];
	for (size_t i = 0; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (!v->master && !v->store_real)
			continue;
		uint64_t need = s->so->min_free + (v->master ? v->copy_bytes : 0);
		uint64_t have = free_at(v->master ? s->store_real : v->store_real, NULL);
		if (have >= need)
			continue;
		if (!quiet)
			rlog_msg(&s->log, RL_ERROR,
				 "not enough free space on the volume mounted at %s (store %s): "
				 "%s free, %s needed (%s to copy + %s to keep free)",
				 rlog_esc(&s->log, v->mnt_real),
				 rlog_esc(&s->log, v->master ? s->store_real : v->store_real),
				 mb(have, a, sizeof a), mb(need, b2, sizeof b2),
				 mb(v->master ? v->copy_bytes : 0, c, sizeof c),
				 mb(s->so->min_free, d, sizeof d));
		return -1;
	}
	return 0;
}

/* Remove per-volume stores an earlier scan of this store made that this one will not
 * reuse (read from the old catalog's volume table before the master is reset). */
static void drop_old_volume_stores(struct scan *s)
{
	char err[256];
	int meta = store_open_meta(s->store_real, err, sizeof err);
	if (meta < 0)
		return;
	struct cat_reader r;
	if (catr_open(meta, STORE_CATALOG, &r, err, sizeof err) != 0 &&
	    catr_open_partial(meta, &r, err, sizeof err) != 0) {
		close(meta);
		return;
	}
	for (size_t i = 0; i < r.nvols; i++) {
		const struct cat_vol_info *v = &r.vols[i];
		if ((v->v.flags & (CV_MASTER | CV_NO_STORE)) || !*v->store_dir)
			continue;
		char *real;
		if (asprintf(&real, "%s%s", strcmp(s->root_real, "/") ? s->root_real : "",
			     v->store_dir) < 0)
			continue;
		bool reused = false;
		for (size_t k = 0; k < s->nsv; k++)
			reused |= s->sv[k].store_real && !strcmp(s->sv[k].store_real, real);
		struct stat st;
		if (!reused && store_probe(real) != SS_NONE && store_probe(real) != SS_FOREIGN &&
		    lstat(real, &st) == 0) {
			int m2 = store_open_meta(real, err, sizeof err);
			bool vol = m2 >= 0 && store_get_role(m2) == SR_VOLUME;
			if (m2 >= 0)
				close(m2);
			if (vol) {
				size_t left = store_rmtree_at(AT_FDCWD, real, st.st_dev);
				rlog_msg(&s->log, left ? RL_WARN : RL_INFO,
					 "old per-volume store %s removed%s",
					 rlog_esc(&s->log, real), left ? " in part" : "");
			}
		}
		free(real);
	}
	catr_close(&r);
	close(meta);
}

static int open_file_dir(struct svol *v)
{
	v->file_fd =
	    openat(v->meta_fd, STORE_PAYLOAD, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return v->file_fd < 0 ? -1 : 0;
}

/* Create the master store and the per-volume ones; a volume whose store cannot be made
 * (read-only, the path leads onto another mount, ...) is copied into the master. */
static int create_stores(struct scan *s)
{
	char err[512];
	struct svol *m = &s->sv[0];
	if (s->so->overwrite)
		drop_old_volume_stores(s);
	m->meta_fd = store_create(s->store_real, s->so->overwrite, err, sizeof err);
	if (m->meta_fd < 0 || open_file_dir(m)) {
		rlog_msg(&s->log, RL_ERROR, "store %s: %s", rlog_esc(&s->log, s->store_real), err);
		s->exit = EXIT_BAD_STORE;
		return -1;
	}
	m->has_store = true;
	rlog_msg(&s->log, RL_INFO, "master store %s created", rlog_esc(&s->log, s->store_real));
	for (size_t i = 1; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (!v->store_real)
			continue;
		int mfd = open(store_base(s, v->mnt_real), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int top = -1;
		uint32_t got = 0;
		const char *why = NULL;
		if (mfd < 0) {
			why = strerror(errno);
		} else {
			v->meta_fd = store_create_volume(mfd, s->store_rel, s->so->overwrite, &top,
							 err, sizeof err);
			int e = errno;
			close(mfd);
			if (v->meta_fd < 0 && (e == EEXIST || e == ENOTEMPTY)) {
				rlog_msg(&s->log, RL_ERROR, "store %s: %s",
					 rlog_esc(&s->log, v->store_real), err);
				s->exit = EXIT_BAD_STORE;
				return -1;
			}
			if (v->meta_fd < 0)
				why = err;
			else if (vol_fd_mnt_id(top, &got) != 0 || got != v->mnt_id)
				why = "its path leads onto another mount";
		}
		if (!why && open_file_dir(v))
			why = strerror(errno);
		if (why) {
			rlog_msg(
			    &s->log, RL_WARN,
			    "no store on the volume mounted at %s (%s): its files are copied into "
			    "the master store",
			    rlog_esc(&s->log, v->mnt_real), why);
			if (top >= 0 && v->meta_fd >= 0) {
				struct stat st;
				if (fstat(top, &st) == 0)
					store_rmtree_at(top, STORE_META, st.st_dev);
				/* the top itself may have existed before: left empty */
			}
			if (v->meta_fd >= 0)
				close(v->meta_fd);
			v->meta_fd = -1;
			free(v->store_real);
			free(v->store_logical);
			v->store_real = v->store_logical = NULL;
		} else {
			v->has_store = true;
			rlog_msg(&s->log, RL_INFO, "store %s created for the volume mounted at %s",
				 rlog_esc(&s->log, v->store_real), rlog_esc(&s->log, v->mnt_real));
		}
		if (top >= 0)
			close(top);
	}
	plan_payloads(s);
	if (check_space(s, false)) {
		s->exit = EXIT_STARTUP;
		return -1;
	}
	return 0;
}

static int open_catalog(struct scan *s)
{
	struct cat_vol_info *vi = calloc(s->nsv, sizeof *vi);
	struct cat_user_info *ui = calloc(s->users.n ? s->users.n : 1, sizeof *ui);
	size_t n = 0;
	if (!vi || !ui) {
		free(vi);
		free(ui);
		return -1;
	}
	for (size_t i = 0; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (!v->master && !v->used)
			continue;
		v->cat = (uint32_t)n;
		struct cat_vol_info *c = &vi[n++];
		c->v.dev = (uint64_t)v->dev;
		c->v.mnt_id = v->mnt_id;
		c->v.fs_magic = v->fs_magic;
		c->v.flags = (v->master ? CV_MASTER : 0) | (v->has_store ? 0 : CV_NO_STORE);
		c->mount = v->mnt_logical ? v->mnt_logical : v->mnt_real;
		if (v->master) {
			c->store_dir = s->store_logical ? s->store_logical : s->store_real;
			if (!s->store_logical)
				c->v.flags |= CV_OUTSIDE_ROOT;
		} else {
			c->store_dir = v->has_store && v->store_logical ? v->store_logical : "";
		}
	}
	for (size_t i = 0; i < s->users.n; i++) {
		const struct rt_user *u = &s->users.v[i];
		ui[i].uid = u->uid;
		ui[i].gid = u->gid;
		ui[i].name = u->name;
		ui[i].home = u->home;
		for (int x = 0; x < CAT_XDG_N && x < XDG__N; x++)
			ui[i].xdg[x] = u->xdg[x];
	}
	s->cw = catw_open_ex(s->sv[0].meta_fd, s->plan.ruleset, vi, n, ui, s->users.n);
	int e = errno;
	free(vi);
	free(ui);
	errno = e;
	return s->cw ? 0 : -1;
}

/* --- pass 2: capture --------------------------------------------------------------- */

/* An fd of directory DIR (logical) beneath the root, cached. */
static int source_dir(struct scan *s, const char *dir)
{
	if (s->src.fd >= 0 && !strcmp(s->src.path, dir))
		return s->src.fd;
	if (s->src.fd >= 0)
		close(s->src.fd);
	free(s->src.path);
	s->src.path = strdup(dir);
	s->src.fd = s->src.path ? fs_open_dir(s->rootfd, dir) : -1;
	return s->src.fd;
}

/* An fd of File/<DIR> in the store of V, made as needed (0700), cached. */
static int payload_dir(struct scan *s, struct svol *v, const char *dir)
{
	(void)s;
	if (v->pd.fd >= 0 && !strcmp(v->pd.path, dir))
		return v->pd.fd;
	if (v->pd.fd >= 0)
		close(v->pd.fd);
	free(v->pd.path);
	v->pd.fd = -1;
	v->pd.path = strdup(dir);
	if (!v->pd.path)
		return -1;
	int fd = dup(v->file_fd);
	for (const char *p = dir; fd >= 0 && *p;) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		if (e == p)
			break;
		char seg[NAME_MAX + 1];
		size_t n = (size_t)(e - p);
		if (n > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(seg, p, n);
		seg[n] = 0;
		if (mkdirat(fd, seg, 0700) != 0 && errno != EEXIST) {
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		int nfd = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int saved = errno;
		close(fd);
		errno = saved;
		fd = nfd;
		p = e;
	}
	v->pd.fd = fd;
	return fd;
}

static void fill_record(struct cat_record *r, const struct item *it, const struct statx *x)
{
	memset(r, 0, sizeof *r);
	r->type = cat_type_of(x->stx_mode);
	r->user = it->ctx;
	r->ino = x->stx_ino;
	r->size = x->stx_size;
	r->mtime_ns = (int64_t)x->stx_mtime.tv_sec * 1000000000 + x->stx_mtime.tv_nsec;
	r->atime_ns = (int64_t)x->stx_atime.tv_sec * 1000000000 + x->stx_atime.tv_nsec;
	r->ctime_ns = (int64_t)x->stx_ctime.tv_sec * 1000000000 + x->stx_ctime.tv_nsec;
	r->mode = x->stx_mode;
	r->uid = x->stx_uid;
	r->gid = x->stx_gid;
	r->nlink = x->stx_nlink;
	r->rule = it->rule;
	r->rdev = makedev(x->stx_rdev_major, x->stx_rdev_minor);
	r->flags = it->flags;
	if (it->parent_only)
		r->flags |= CF_PARENT;
}

/* Copy IT into the master store. 0 done, -1 failed (errno; *STORE_SIDE). */
static int do_copy(struct scan *s, struct item *it, int sfd, const struct statx *x,
		   struct cat_record *r, bool *store_side)
{
	struct svol *m = &s->sv[0];
	const char *name = item_name(it);
	char *dir = strndup(it->path, it->dirlen);
	*store_side = false;
	if (!dir)
		return -1;
	int dfd = payload_dir(s, m, dir);
	free(dir);
	if (dfd < 0) {
		*store_side = true;
		return -1;
	}
	size_t first;
	uint64_t dev = makedev(x->stx_dev_major, x->stx_dev_minor), ino = x->stx_ino;
	if (ih_find(&s->copies, dev, ino, &first)) {
		/* another name of an inode already copied: one more link to that copy */
		const char *fp = s->it[first].path + 1;
		if (linkat(m->file_fd, fp, dfd, name, 0) == 0) {
			r->action = CA_COPIED;
			r->flags |= CF_SHARED;
			r->volume = m->cat;
			s->c.copied++;
			return 0;
		}
	}
	struct copy_result cr;
	if (copy_file(sfd, name, dfd, name, (dev_t)dev, (ino_t)ino, 0, &cr) != 0) {
		*store_side = cr.store_side;
		return -1;
	}
	r->action = cr.how == COPY_CLONE ? CA_REFLINKED : CA_COPIED;
	r->volume = m->cat;
	if (cr.how == COPY_CLONE)
		s->c.reflinked++;
	else
		s->c.copied++;
	s->c.bytes_copied += cr.bytes;
	ih_put(&s->copies, dev, ino, (size_t)(it - s->it));
	return 0;
}

/* Link IT into the store of its volume. 0 linked; 1 cannot link here (copy it);
 * -1 failed (errno). */
static int do_link(struct scan *s, struct item *it, int sfd, const struct statx *x,
		   struct cat_record *r)
{
	struct svol *v = &s->sv[it->vol];
	struct svol *st = v->has_store ? v : NULL;
	const char *name = item_name(it);
	if (!st)
		return 1;
	char *dir = strndup(it->path, it->dirlen);
	if (!dir)
		return -1;
	int dfd = payload_dir(s, st, dir);
	free(dir);
	if (dfd < 0)
		return store_failure(s, "creating the payload directory for", it->path, errno);
	if (linkat(sfd, name, dfd, name, 0) != 0) {
		int e = errno;
		if (e == ENOSPC || e == EDQUOT || e == EIO)
			return store_failure(s, "linking into the store", it->path, e);
		if (e == EXDEV || e == EPERM || e == EMLINK || e == EROFS || e == EOPNOTSUPP) {
			if (e == EPERM && stx_os_locked(x))
				r->flags |= CF_IMMUTABLE;
			rlog_msg(&s->log, RL_DEBUG, "%s cannot be linked (%s): copied",
				 rlog_esc(&s->log, it->path), strerror(e));
			return 1;
		}
		errno = e;
		return -1;
	}
	/* what was linked must be what was examined (a rename in between swaps names) */
	struct stat chk;
	if (fstatat(dfd, name, &chk, AT_SYMLINK_NOFOLLOW) != 0 || chk.st_ino != (ino_t)x->stx_ino ||
	    !S_ISREG(chk.st_mode)) {
		unlinkat(dfd, name, 0);
		errno = ESTALE;
		return -1;
	}
	r->action = CA_LINKED;
	r->volume = st->cat;
	st->did_link++;
	s->c.linked++;
	return 0;
}

static int capture_file(struct scan *s, struct item *it, int sfd, const struct statx *x,
			struct cat_record *r)
{
	char *dir = NULL;
	int rc;
	/* re-classify on the fresh metadata: the file may have changed since pass 1 */
	enum item_act planned = (enum item_act)it->act;
	uint16_t keep = it->flags & CF_LOCKED;
	bool lock_copy = it->lock_copy;
	if (!(it->flags & CF_LOCKED) && (rc = classify(s, it, x)) <= 0)
		return rc < 0 ? -1 : 0;
	it->flags |= keep;
	it->lock_copy |= lock_copy;
	if (planned == A_COPY)
		it->act = A_COPY;
	if (stx_os_locked(x))
		it->act = A_COPY;
	r->flags = it->flags;
	if (it->act == A_LINK) {
		rc = do_link(s, it, sfd, x, r);
		if (rc == 0)
			return 1;
		if (rc < 0) {
			if (s->exit)
				return -1;
			int e = errno;
			dir = strndup(it->path, it->dirlen);
			rc = scan_error(s, dir ? dir : "?", item_name(it), e, "linking");
			free(dir);
			return rc < 0 ? -1 : 0;
		}
	}
	bool store_side;
	if (do_copy(s, it, sfd, x, r, &store_side) == 0)
		return 1;
	int e = errno;
	if (store_side && (e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS))
		return store_failure(s, "copying", it->path, e);
	dir = strndup(it->path, it->dirlen);
	if (it->lock_copy)
		e = EBUSY; /* errorHardLink: a locked file that cannot be copied is "in use" */
	rc = scan_error(s, dir ? dir : "?", item_name(it), e, "copying");
	free(dir);
	return rc < 0 ? -1 : 0;
}

static const char *action_name(uint8_t a)
{
	static const char *const n[] = {"linked", "copied", "reflinked", "recorded"};
	return a < 4 ? n[a] : "?";
}

/* Capture one item. 0 go on, -1 stop. */
static int capture(struct scan *s, struct item *it)
{
	char *dir = strndup(it->path, it->dirlen);
	const char *name = item_name(it);
	int rc = 0;
	if (!dir)
		return store_failure(s, "capturing", it->path, ENOMEM);
	int sfd = source_dir(s, dir);
	if (sfd < 0) {
		if (errno == ENOENT) {
			rlog_msg(&s->log, RL_WARN, "%s vanished during the scan: not captured",
				 rlog_esc(&s->log, it->path));
			s->c.vanished++;
			goto out;
		}
		rc = scan_error(s, dir, NULL, errno, "opening the directory");
		goto out;
	}
	struct statx x;
	uint32_t mnt;
	if (vol_statx(sfd, name, &x, &mnt) != 0) {
		if (errno == ENOENT) {
			/* deleted since pass 1: nothing left to migrate, not an error */
			rlog_msg(&s->log, RL_WARN, "%s vanished during the scan: not captured",
				 rlog_esc(&s->log, it->path));
			s->c.vanished++;
			goto out;
		}
		rc = scan_error(s, dir, name, errno, "examining");
		goto out;
	}
	if (cat_type_of(x.stx_mode) != it->type) {
		rc = scan_error(s, dir, name, ESTALE,
				"examining (its type changed during the scan)");
		goto out;
	}
	struct cat_record r;
	fill_record(&r, it, &x);
	r.src_volume = s->sv[it->vol].cat;
	r.volume = r.src_volume;
	r.action = CA_RECORDED;
	char *target = NULL;
	if (it->type == CT_FILE) {
		int c = capture_file(s, it, sfd, &x, &r);
		if (c <= 0) {
			rc = c;
			goto out;
		}
	} else if (it->type == CT_SYMLINK) {
		size_t cap = x.stx_size ? x.stx_size + 1 : PATH_MAX;
		target = malloc(cap + 1);
		ssize_t n = target ? readlinkat(sfd, name, target, cap) : -1;
		if (n < 0) {
			free(target);
			rc = scan_error(s, dir, name, target ? errno : ENOMEM,
					"reading the symlink");
			goto out;
		}
		target[n] = 0;
		s->c.recorded++;
	} else if (it->parent_only) {
		s->c.parents++;
	} else {
		s->c.recorded++;
	}
	if (catw_add_ex(s->cw, &r, it->path, target) != 0) {
		free(target);
		rc = store_failure(s, "writing the catalog entry of", it->path, errno);
		goto out;
	}
	free(target);
	if (it->type != CT_DIR)
		rlog_listfile(&s->log, it->path);
	if (s->o->verbose & RTV_OBJECTS) {
		char where[512];
		rlog_msg(&s->log, RL_INFO, "%s %s (%s)", action_name(r.action),
			 rlog_esc(&s->log, it->path), rule_where(s, it->rule, where, sizeof where));
	}
out:
	free(dir);
	return rc;
}

static int pass2(struct scan *s)
{
	unsigned last_pct = 0;
	rlog_progress(&s->log, "PHASE", "Collecting", NULL);
	for (size_t i = 0; i < s->nit; i++) {
		if (s->stop && *s->stop) {
			s->exit = EXIT_CANCELED;
			rlog_msg(&s->log, RL_ERROR, "interrupted: the store is left incomplete");
			return -1;
		}
		if (capture(s, &s->it[i]) < 0)
			return -1;
		/* stream: what an interruption leaves in catalog.partial stays close to the
		 * payload already in the store */
		if ((i + 1) % FLUSH_EVERY == 0 && catw_flush(s->cw) != 0)
			return store_failure(s, "writing the catalog of", s->store_real, errno);
		rlog_bar(&s->log, i + 1, s->nit);
		unsigned pct = (unsigned)((i + 1) * 100 / s->nit);
		if (pct / 10 != last_pct / 10) {
			char p[16];
			snprintf(p, sizeof p, "%u", pct);
			rlog_progress(&s->log, "totalPercentageCompleted", p, NULL);
			last_pct = pct;
		}
	}
	rlog_bar_end(&s->log);
	return 0;
}

/* Flush every store, commit the catalog, then mark the stores complete (master last). */
static int commit(struct scan *s)
{
	rlog_progress(&s->log, "PHASE", "Saving", NULL);
	for (size_t i = 0; i < s->nsv; i++)
		if (s->sv[i].meta_fd >= 0)
			syncfs(s->sv[i].meta_fd);
	struct cat_writer *w = s->cw;
	s->cw = NULL;
	if (catw_commit(w) != 0)
		return store_failure(s, "committing the catalog of", s->store_real, errno);
	for (size_t i = s->nsv; i-- > 0;)
		if (s->sv[i].meta_fd >= 0 && store_set_state(s->sv[i].meta_fd, SS_COMPLETE) != 0)
			return store_failure(
			    s, "marking complete",
			    s->sv[i].store_real ? s->sv[i].store_real : s->store_real, errno);
	return 0;
}

/* --- reports ----------------------------------------------------------------------- */

static void xml_attr(FILE *f, const char *name, const char *v)
{
	fprintf(f, " %s=\"", name);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "&#x%x;", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* --estimate FILE: USMT /p's shape, plus one element per store volume. */
static int write_estimate(struct scan *s)
{
	FILE *f = fopen(s->so->estimate, "we");
	if (!f) {
		rlog_msg(&s->log, RL_ERROR, "cannot write the estimate %s: %s",
			 rlog_esc(&s->log, s->so->estimate), strerror(errno));
		return -1;
	}
	uint64_t files = 0;
	for (size_t i = 0; i < s->nit; i++)
		files += s->it[i].type == CT_FILE;
	bool fits = check_space(s, true) == 0;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PreMigration>\n");
	fprintf(f, "  <storeSize><size clusterSize=\"4096\">%" PRIu64 "</size></storeSize>\n",
		s->sv[0].copy_bytes);
	fprintf(f, "  <temporarySpace><size>0</size></temporarySpace>\n");
	fprintf(f,
		"  <migstate objects=\"%zu\" files=\"%" PRIu64 "\" minFree=\"%" PRIu64
		"\" fits=\"%s\">\n",
		s->nit, files, s->so->min_free, fits ? "yes" : "no");
	for (size_t i = 0; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (!v->master && !v->used)
			continue;
		uint64_t total = 0, fr = free_at(v->master	 ? s->store_real
						 : v->store_real ? v->store_real
								 : v->mnt_real,
						 &total);
		fprintf(f, "    <volume");
		xml_attr(f, "mount", v->mnt_real);
		xml_attr(f, "fstype", v->fstype);
		xml_attr(f, "store",
			 v->master	 ? s->store_real
			 : v->store_real ? v->store_real
					 : "");
		fprintf(f,
			" master=\"%s\" filesToLink=\"%" PRIu64 "\" filesToCopy=\"%" PRIu64
			"\" bytesToCopy=\"%" PRIu64 "\" freeBytes=\"%" PRIu64 "\"/>\n",
			v->master ? "yes" : "no", v->n_link, v->n_copy,
			v->master ? v->copy_bytes : 0, fr);
	}
	fprintf(f, "  </migstate>\n</PreMigration>\n");
	if (fclose(f) != 0)
		return -1;
	rlog_msg(&s->log, RL_INFO, "estimate written to %s: %s to copy into the master store",
		 rlog_esc(&s->log, s->so->estimate), mb(s->sv[0].copy_bytes, (char[32]){0}, 32));
	return 0;
}

static void summary(struct scan *s, int rc, bool estimate)
{
	double secs = rlog_elapsed(&s->log);
	const struct counters *c = &s->c;
	char buf[32];
	rlog_msg(
	    &s->log, RL_INFO,
	    "summary: %zu users, %" PRIu64 " files linked, %" PRIu64 " copied, %" PRIu64
	    " reflinked, %s copied, %" PRIu64 " other objects recorded, %" PRIu64
	    " errors skipped (--continue), %" PRIu64 " skipped by ErrorControl, %.1f s, exit %d",
	    s->users.n, c->linked, c->copied, c->reflinked, mb(c->bytes_copied, buf, sizeof buf),
	    c->recorded, c->skipped_continue, c->skipped_rule, secs, rc);
	if (s->o->json) {
		FILE *o = stdout;
		fputs("{\"command\":\"scan\",\"store\":", o);
		json_str(o, s->store_real ? s->store_real : s->o->store);
		fprintf(o, ",\"exit_code\":%d,\"estimate\":%s,\"state\":\"%s\",\"users\":[", rc,
			estimate ? "true" : "false",
			estimate			      ? "none"
			: rc == EXIT_OK || rc == EXIT_SKIPPED ? "complete"
							      : "incomplete");
		for (size_t i = 0; i < s->users.n; i++) {
			if (i)
				fputc(',', o);
			json_str(o, s->users.v[i].name);
		}
		fprintf(o,
			"],\"objects\":%zu,\"files_linked\":%" PRIu64 ",\"files_copied\":%" PRIu64
			",\"files_reflinked\":%" PRIu64 ",\"bytes_copied\":%" PRIu64
			",\"objects_recorded\":%" PRIu64 ",\"parent_directories\":%" PRIu64
			",\"errors_skipped\":%" PRIu64 ",\"errors_ignored_by_rule\":%" PRIu64
			",\"encrypted_skipped\":%" PRIu64 ",\"vanished\":%" PRIu64
			",\"seconds\":%.3f,\"volumes\":[",
			s->nit, c->linked, c->copied, c->reflinked, c->bytes_copied, c->recorded,
			c->parents, c->skipped_continue, c->skipped_rule, c->efs_skipped,
			c->vanished, secs);
		bool first = true;
		for (size_t i = 0; i < s->nsv; i++) {
			struct svol *v = &s->sv[i];
			if (!v->master && !v->used)
				continue;
			fputs(first ? "{\"mount\":" : ",{\"mount\":", o);
			first = false;
			json_str(o, v->mnt_real);
			fputs(",\"store\":", o);
			if (v->master || v->store_real)
				json_str(o, v->master ? s->store_real : v->store_real);
			else
				fputs("null", o);
			fprintf(o, ",\"fstype\":");
			json_str(o, v->fstype);
			fprintf(o,
				",\"master\":%s,\"files_to_link\":%" PRIu64
				",\"files_to_copy\":%" PRIu64 ",\"bytes_to_copy\":%" PRIu64 "}",
				v->master ? "true" : "false", v->n_link, v->n_copy,
				v->master ? v->copy_bytes : 0);
		}
		fputs("]}\n", o);
	} else if (!estimate && s->started) {
		printf("migstate scan: %zu users, %" PRIu64 " files linked, %" PRIu64
		       " copied (%s), "
		       "%" PRIu64 " errors skipped, %.1f s%s\n",
		       s->users.n, c->linked, c->copied + c->reflinked,
		       mb(c->bytes_copied, buf, sizeof buf), c->skipped_continue + c->skipped_rule,
		       secs,
		       rc == EXIT_OK	    ? ""
		       : rc == EXIT_SKIPPED ? ": errors were skipped, read the log"
					    : ": the store is incomplete");
	}
}

/* --- set-up ------------------------------------------------------------------------ */

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Output files named on the command line must not be inside the store. */
static int outside_store(struct scan *s, const char *what, const char *path)
{
	if (!path)
		return 0;
	char *a = abs_path(path);
	bool in = a && within(a, s->store_real);
	free(a);
	if (in) {
		fprintf(stderr,
			"migstate scan: the %s %s is inside the store %s: it would be "
			"overwritten; put it elsewhere\n",
			what, path, s->store_real);
		return -1;
	}
	return 0;
}

static int setup_paths(struct scan *s)
{
	const struct rt_opts *o = s->o;
	s->rootfd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->root_real = realpath(o->root, NULL);
	if (s->rootfd < 0 || !s->root_real) {
		fprintf(stderr, "migstate scan: --root %s: %s\n", o->root, strerror(errno));
		return EXIT_USAGE;
	}
	s->store_real = abs_path(o->store);
	if (!s->store_real) {
		fprintf(stderr, "migstate scan: the store path %s cannot be used: %s\n", o->store,
			strerror(errno));
		return EXIT_BAD_STORE;
	}
	s->store_logical = logical_of(s, s->store_real);
	if (outside_store(s, "log", o->log ? o->log : "migstate-scan.log") ||
	    outside_store(s, "progress log", o->progress) ||
	    outside_store(s, "file list", s->so->listfiles) ||
	    outside_store(s, "estimate", s->so->estimate))
		return EXIT_USAGE;
	return 0;
}

/* The master volume and the store's path relative to it. */
static int setup_master(struct scan *s)
{
	char *p = strdup(s->store_real);
	struct statx x;
	uint32_t mnt = 0;
	int rc = -1;
	if (!p)
		return -1;
	/* the deepest existing ancestor is on the mount the store will be on */
	for (;;) {
		int fd = open(*p ? p : "/", O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			rc = vol_statx(fd, "", &x, &mnt);
			close(fd);
			break;
		}
		char *sl = strrchr(p, '/');
		if (!sl)
			break;
		*sl = 0;
	}
	free(p);
	if (rc != 0)
		return -1;
	int v = svol_of(s, mnt);
	if (v != 0)
		return -1; /* the master is always the first volume */
	struct svol *m = &s->sv[0];
	m->master = true;
	/* relative path: from the logical mount point when both are beneath the root */
	const char *base = m->mnt_real, *full = s->store_real;
	if (s->store_logical && m->mnt_logical) {
		base = m->mnt_logical;
		full = s->store_logical;
	}
	size_t bl = strcmp(base, "/") ? strlen(base) : 0;
	if (!within(full, base) || !full[bl] || !full[bl + 1]) {
		fprintf(stderr,
			"migstate scan: the store %s is the root of a filesystem: give a "
			"directory inside it\n",
			s->store_real);
		return -2;
	}
	s->store_rel = strdup(full + bl + 1);
	return s->store_rel ? 0 : -1;
}

static int setup_bind(struct scan *s)
{
	struct plan_error pe;
	char err[512];
	if (plan_open(s->o->plan, &s->plan, &pe) != PLAN_OK) {
		rlog_msg(&s->log, RL_ERROR, "plan %s: %s: %s", rlog_esc(&s->log, s->o->plan),
			 plan_status_name(pe.status), pe.msg);
		return EXIT_BAD_PLAN;
	}
	s->plan_open = true;
	if (rtopts_select_users(s->o, s->rootfd, &s->users, &s->choices, &s->nchoices, err,
				sizeof err)) {
		rlog_msg(&s->log, RL_ERROR, "users: %s", err);
		return EXIT_ENVIRONMENT;
	}
	for (size_t i = 0; i < s->nchoices; i++) {
		rlog_msg(&s->log, RL_INFO, "user %s (uid %u): %s",
			 rlog_esc(&s->log, s->choices[i].name), s->choices[i].uid,
			 s->choices[i].reason);
		rlog_progress(&s->log, "detectedUser", s->choices[i].name, "includedInMigration",
			      s->choices[i].selected ? "Yes" : "No", NULL);
	}
	if (fixed_roots(s))
		return EXIT_FAILED;
	static struct utsname un;
	uname(&un);
	static struct rt_env env;
	env = (struct rt_env){
	    .rootfd = s->rootfd,
	    .users = s->users.v,
	    .nusers = s->users.n,
	    .defines = s->o->defines,
	    .ndefines = s->o->ndefines,
	    .drives = s->o->drives,
	    .ndrives = s->o->ndrives,
	    .fixed_roots = (const char *const *)s->fixed,
	    .nfixed = s->nfixed,
	    .phase = PHASE_SCAN,
	    .os_release = un.release,
	};
	if (rt_bind(&s->plan, &env, &s->b, err, sizeof err) != 0) {
		rlog_msg(&s->log, RL_ERROR, "cannot bind the plan to this system: %s", err);
		return EXIT_BAD_PLAN;
	}
	s->bound = true;
	if (locks_load(&s->locks, s->so->in_use_writers ? LOCKS_WRITERS : 0) != 0)
		rlog_msg(&s->log, RL_WARN,
			 "cannot read /proc/locks: locked files are not detected");
	return 0;
}

static int pass1(struct scan *s)
{
	struct walk_skip *skip;
	char **paths;
	size_t nskip, npaths;
	if (skip_lists(s, &skip, &nskip, &paths, &npaths)) {
		free(skip);
		free(paths);
		return store_failure(s, "preparing", "the walk", ENOMEM);
	}
	struct walk_config wc = {&s->b,	 s->rootfd,
				 &s->vt, skip,
				 nskip,	 (const char *const *)paths,
				 npaths, s->so->trace ? stderr : NULL,
				 s->stop};
	struct walk_ops ops = {p1_object, p1_error, p1_skipped};
	struct walk_stats ws;
	rlog_progress(&s->log, "PHASE", "Scanning", NULL);
	s->started = true;
	int rc = walk_run(&wc, &ops, s, &ws);
	free(skip);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	rlog_msg(&s->log, RL_INFO,
		 "walk: %" PRIu64 " directories entered, %" PRIu64 " objects decided, %" PRIu64
		 " included",
		 ws.dirs, ws.decided, ws.included);
	if (rc == WALK_STOPPED) {
		s->exit = EXIT_CANCELED;
		rlog_msg(&s->log, RL_ERROR, "interrupted");
	}
	return rc < 0 ? -1 : 0;
}

static void cleanup(struct scan *s)
{
	if (s->cw)
		catw_abort(s->cw);
	for (size_t i = 0; i < s->nit; i++)
		free(s->it[i].path);
	free(s->it);
	for (size_t i = 0; i < s->nsv; i++)
		svol_free(&s->sv[i]);
	free(s->sv);
	if (s->src.fd >= 0)
		close(s->src.fd);
	free(s->src.path);
	free(s->copies.dev);
	free(s->copies.ino);
	free(s->copies.idx);
	locks_free(&s->locks);
	if (s->bound)
		rt_unbind(&s->b);
	for (size_t i = 0; i < s->nfixed; i++)
		free(s->fixed[i]);
	free(s->fixed);
	users_free(&s->users);
	rtopts_choices_free(s->choices, s->nchoices);
	if (s->plan_open)
		plan_close(&s->plan);
	vol_free(&s->vt);
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->root_real);
	free(s->store_real);
	free(s->store_logical);
	free(s->store_rel);
}

int scan_run(const struct scan_opts *so, volatile sig_atomic_t *stop)
{
	struct scan s = {0};
	char err[512];
	int rc;
	s.so = so;
	s.o = &so->o;
	s.stop = stop;
	s.rootfd = -1;
	s.src.fd = -1;
	raise_nofile();
	if ((rc = setup_paths(&s)))
		goto out;
	if (rlog_open(&s.log, so->o.log ? so->o.log : "migstate-scan.log", so->o.progress,
		      so->estimate ? NULL : so->listfiles, so->o.verbose, err, sizeof err)) {
		fprintf(stderr, "migstate scan: %s\n", err);
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	s.log_open = true;
	rlog_progress(&s.log, "program", "migstate scan", "productVersion", MIGSTATE_VERSION, NULL);
	rlog_progress(&s.log, "PHASE", "Initializing", NULL);
	rlog_msg(&s.log, RL_INFO, "migstate %s scan: store %s, root %s, plan %s, %s store",
		 MIGSTATE_VERSION, rlog_esc(&s.log, s.store_real), rlog_esc(&s.log, s.root_real),
		 rlog_esc(&s.log, so->o.plan), so->o.hardlink ? "hard-link" : "copy");
	if (vol_load(&s.vt, err, sizeof err)) {
		rlog_msg(&s.log, RL_ERROR, "%s", err);
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	int m = setup_master(&s);
	if (m) {
		if (m == -1)
			rlog_msg(&s.log, RL_ERROR, "cannot find the volume of the store %s",
				 rlog_esc(&s.log, s.store_real));
		rc = EXIT_BAD_STORE;
		goto out;
	}
	/* an existing store is refused before any work (27), unless -o and ours */
	enum store_state st = store_probe(s.store_real);
	if (!so->estimate && (st == SS_FOREIGN || (st != SS_NONE && !so->overwrite))) {
		if (st == SS_FOREIGN)
			rlog_msg(&s.log, RL_ERROR,
				 "store %s: exists and is not a migstate store: left "
				 "untouched",
				 rlog_esc(&s.log, s.store_real));
		else
			rlog_msg(&s.log, RL_ERROR,
				 "store %s: a store (state %s%s) already exists there: "
				 "-o overwrites it",
				 rlog_esc(&s.log, s.store_real), store_state_names[st],
				 st == SS_COMPLETE ? "" : ", incomplete");
		rc = EXIT_BAD_STORE;
		goto out;
	}
	if ((rc = setup_bind(&s)))
		goto out;
	if (pass1(&s)) {
		rc = s.exit ? s.exit : EXIT_FAILED;
		goto out;
	}
	if (choose_stores(&s)) {
		rc = EXIT_FAILED;
		goto out;
	}
	char a[32];
	rlog_progress(&s.log, "totalSizeInMBToTransfer", mb(s.sv[0].copy_bytes, a, sizeof a), NULL);
	if (so->estimate) {
		rc = write_estimate(&s) ? EXIT_FAILED : EXIT_OK;
		summary(&s, rc, true);
		if (rc == EXIT_OK && !so->o.json)
			printf("migstate scan: estimate written to %s: %s to copy into the master "
			       "store\n",
			       so->estimate, mb(s.sv[0].copy_bytes, a, sizeof a));
		goto out;
	}
	if (check_space(&s, false)) {
		rc = EXIT_STARTUP;
		goto out;
	}
	if (create_stores(&s) || open_catalog(&s)) {
		if (!s.exit)
			store_failure(&s, "opening the catalog of", s.store_real, errno);
		rc = s.exit;
		goto out;
	}
	if (pass2(&s) || commit(&s)) {
		rc = s.exit ? s.exit : EXIT_FAILED;
		goto out;
	}
	rc = s.c.skipped_continue ? EXIT_SKIPPED : EXIT_OK;
	rlog_msg(&s.log, RL_INFO, "store %s complete", rlog_esc(&s.log, s.store_real));
out:
	if (s.log_open) {
		if (!so->estimate || rc != EXIT_OK)
			summary(&s, rc, false);
		snprintf(err, sizeof err, "%" PRIu64, s.c.skipped_continue + s.c.skipped_rule);
		rlog_progress(&s.log, "numberOfIgnoredErrors", err, "message",
			      rc == EXIT_OK	   ? "successful run"
			      : rc == EXIT_SKIPPED ? "completed with skipped errors"
						   : "stopped",
			      NULL);
		if (rlog_close(&s.log) && rc == EXIT_OK)
			rc = EXIT_ENVIRONMENT;
	}
	cleanup(&s);
	return rc;
}

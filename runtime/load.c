/* load.c - the restore engine (see load.h). */
#include "load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bind.h"
#include "copyfile.h"
#include "decide.h"
#include "dirsafe.h"
#include "dirmeta.h"
#include "disasm.h"
#include "errpolicy.h"
#include "exitcodes.h"
#include "fsutil.h"
#include "merge.h"
#include "plan.h"
#include "relocate.h"
#include "sha256.h"
#include "spill.h"
#include "storewalk.h"
#include "users.h"
#include "vm.h"

/* --- a small string map (path -> index) --------------------------------------------- */

struct smap {
	char **key;
	uint32_t *val;
	size_t cap, n;
};

static uint64_t shash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static size_t smap_slot(const struct smap *m, const char *k)
{
	size_t j = (size_t)shash(k) & (m->cap - 1);
	while (m->key[j] && strcmp(m->key[j], k) != 0)
		j = (j + 1) & (m->cap - 1);
	return j;
}

static const uint32_t *smap_get(const struct smap *m, const char *k)
{
	if (!m->cap)
		return NULL;
	size_t j = smap_slot(m, k);
	return m->key[j] ? &m->val[j] : NULL;
}

/* Insert K -> V unless K is there already. 1 inserted, 0 present, -1 no memory. */
static int smap_put(struct smap *m, const char *k, uint32_t v)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct smap nm = {calloc(cap, sizeof(char *)), calloc(cap, sizeof(uint32_t)), cap, 0};
		if (!nm.key || !nm.val) {
			free(nm.key);
			free(nm.val);
			return -1;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->key[i])
				continue;
			size_t j = smap_slot(&nm, m->key[i]);
			nm.key[j] = m->key[i];
			nm.val[j] = m->val[i];
			nm.n++;
		}
		free(m->key);
		free(m->val);
		*m = nm;
	}
	size_t j = smap_slot(m, k);
	if (m->key[j])
		return 0;
	if (!(m->key[j] = strdup(k)))
		return -1;
	m->val[j] = v;
	m->n++;
	return 1;
}

static void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->key[i]);
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof *m);
}

/* --- the loader ------------------------------------------------------------------- */

struct action {
	uint32_t rec;              /* the record's number in the catalog */
	uint32_t merge;            /* merge rule, PLAN_NONE: default */
	unsigned ctx;
	size_t ndest;
	char *dest[DECIDE_MAX_DEST + 1];
};

struct loader {
	const struct load_opts *o;
	struct rlog *log;
	struct load_stats *st;
	struct plan plan;
	bool plan_open;
	struct sw_store s;
	bool store_open;
	struct rt_user *users;     /* captured users selected and present: contexts 1..n */
	size_t nusers;
	char **target_home;        /* their home on this system (may differ) */
	int *user_ctx;             /* catalog user index -> context; USER_UNSELECTED, USER_MISSING */
	const char **fixed;
	struct rt_env env;
	struct rt_bound b;
	bool bound;
	struct rt_dirctx dc;       /* decide(): the directory of the last record decided */
	char *dcdir;
	struct spill acts;         /* the objects to restore, decided in catalog order */
	size_t nacts;
	char *pathbuf, *tgtbuf;    /* the catalog record being applied: path, symlink target */
	struct dirmeta dirs;       /* directory path -> metadata to make it with; restored into */
	char *lasttouch;           /* the directory touch_dirs marked last */
	struct smap simulated;     /* --dry-run: directories that would be made */
	struct dirsafe safe;       /* existing directories no wider than captured */
	FILE *journal;
	char *pcache;              /* last destination parent opened, and its fd */
	int pcache_fd;
	char *scache;              /* last payload parent opened (volume + path), its fd */
	uint32_t scache_vol;
	int scache_fd;
	struct spill fix;          /* copies whose times are checked at the end (struct fixup) */
	bool stop;
	int exit;
};

/* A copy's times, set again at the end of the run: a FUSE driver may stamp the file
 * when it is released, after our futimens. Spilled as this, then the path and a NUL. */
struct fixup {
	struct timespec t[2];
};

/* Per-object lists kept in memory up to these sizes, then in a temporary file on the
 * store's filesystem (spill.h): load's memory does not grow with the number of files. */
#define ACTS_MEM (1u << 20)
#define FIX_MEM (256u << 10)

#define USER_UNSELECTED (-1)
#define USER_MISSING (-2)
#define DRY_NEW (-2)           /* --dry-run: the directory does not exist yet */

/* One --dry-run line: WHAT <TAB> A [<TAB> B]. On stderr when stdout carries --json. */
static void out_line(struct loader *L, const char *what, const char *a, const char *b)
{
	FILE *out = L->o->ro->json ? stderr : stdout;
	fputs(what, out);
	fputc('\t', out);
	text_str(out, a);
	if (b) {
		fputc('\t', out);
		text_str(out, b);
	}
	fputc('\n', out);
}

/* Test hook: MIGSTATE_TEST_CRASH_AFTER=N kills the process after N objects are
 * placed, so the tests can prove a rerun finishes an interrupted load. */
static void crash_point(void)
{
	static long left = -2;
	if (left == -2) {
		const char *e = getenv("MIGSTATE_TEST_CRASH_AFTER");
		left = e && *e ? strtol(e, NULL, 10) : -1;
	}
	if (left > 0 && --left == 0)
		kill(getpid(), SIGKILL);
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec t;
	t.tv_sec = (time_t)(ns / 1000000000);
	t.tv_nsec = (long)(ns % 1000000000);
	if (t.tv_nsec < 0) {
		t.tv_nsec += 1000000000;
		t.tv_sec--;
	}
	return t;
}

/* Ignorable when a filesystem cannot keep an attribute (FAT through FUSE says ENOSYS). */
static bool unsupported(int err)
{
	return err == EPERM || err == ENOSYS || err == EOPNOTSUPP || err == ENOTSUP;
}

/* Split logical PATH at its last '/': a malloc'd parent and a pointer to the leaf. */
static char *parent_of(const char *path, const char **leaf)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		*leaf = path;
		return strdup("/");
	}
	*leaf = slash + 1;
	return slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *r = malloc(n);
	if (r)
		snprintf(r, n, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
	return r;
}

/* An error on the object at DEST: ErrorControl, then --continue, decide whether the
 * run goes on. */
static bool on_error(struct loader *L, const char *dest, int err, const char *what)
{
	const char *leaf;
	char *dir = parent_of(dest, &leaf);
	uint32_t rule = PLAN_NONE;
	enum errp_action a = L->bound && dir ? errp_decide(&L->b, dir, leaf, err, &rule) : ERRP_NONE;
	free(dir);
	char code[16];
	snprintf(code, sizeof code, "%d", err);
	if (a == ERRP_FATAL || (a == ERRP_NONE && !L->o->ro->cont)) {
		rlog_msg(L->log, RL_ERROR, "%s: %s: %s (stopping%s)", rlog_esc(L->log, dest), what,
			 strerror(err), a == ERRP_FATAL ? ": ErrorControl says fatal" : "; -c would skip it");
		rlog_progress(L->log, "error", "UnableToApply", "objectName", dest, "action", "Abort",
			      "errorCode", code, (char *)NULL);
		L->stop = true;
		L->exit = EXIT_STOPPED;
		L->st->stopped = true;
		return false;
	}
	L->st->skipped++;
	rlog_msg(L->log, RL_ERROR, "%s: %s: %s (skipped%s)", rlog_esc(L->log, dest), what, strerror(err),
		 a == ERRP_NONFATAL ? " by ErrorControl" : " by --continue");
	rlog_progress(L->log, "error", "UnableToApply", "objectName", dest, "action", "Ignore",
		      "errorCode", code, (char *)NULL);
	return true;
}

/* --- users -------------------------------------------------------------------------- */

/* Bind the catalog's users that exist here (by name) and are selected. Decisions use
 * the captured home and XDG dirs, so catalog paths match as they did at the scan;
 * destinations below a captured home are moved to the user's home here if it differs. */
static int setup_users(struct loader *L)
{
	const struct cat_reader *c = &L->s.cat;
	const struct rt_opts *ro = L->o->ro;
	size_t n = c->nusers;
	L->users = calloc(n ? n : 1, sizeof *L->users);
	L->target_home = calloc(n ? n : 1, sizeof *L->target_home);
	L->user_ctx = malloc((n ? n : 1) * sizeof *L->user_ctx);
	if (!L->users || !L->target_home || !L->user_ctx)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct cat_user_info *cu = &c->users[i];
		struct rt_user here;
		L->user_ctx[i] = USER_MISSING;
		if (!cu->name || !cu->home || users_lookup(L->s.rootfd, cu->name, &here) != 0) {
			L->st->users_missing++;
			rlog_msg(L->log, RL_WARN,
				 "user %s (uid %u) is in the store but not on this system: their objects "
				 "are not restored (create the account and run load again)",
				 rlog_esc(L->log, cu->name), cu->uid);
			continue;
		}
		bool active = rtopts_user_active(ro, L->s.rootfd, &here);
		L->user_ctx[i] = USER_UNSELECTED;
		if (!rtopts_user_wanted(ro, cu->name, active)) {
			rlog_msg(L->log, RL_INFO, "user %s: not selected (--ui/--ue/--uel)",
				 rlog_esc(L->log, cu->name));
			users_free_one(&here);
			continue;
		}
		if (here.uid != cu->uid)
			rlog_msg(L->log, RL_WARN,
				 "user %s has uid %u here but %u in the store: linked files keep uid %u "
				 "(they share the captured inode); chown them after rd if needed",
				 rlog_esc(L->log, cu->name), here.uid, cu->uid, cu->uid);
		struct rt_user *u = &L->users[L->nusers];
		u->name = strdup(cu->name);
		u->uid = cu->uid;
		u->gid = cu->gid;
		u->home = strdup(cu->home);
		for (int x = 0; x < CAT_XDG_N && x < XDG__N; x++)
			if (cu->xdg[x] && *cu->xdg[x])
				u->xdg[x] = strdup(cu->xdg[x]);
		L->target_home[L->nusers] = here.home;
		here.home = NULL;
		users_free_one(&here);
		if (!u->name || !u->home)
			return -1;
		L->nusers++;
		L->user_ctx[i] = (int)L->nusers;
		rlog_msg(L->log, RL_INFO, "user %s: restored (context %zu)", rlog_esc(L->log, cu->name),
			 L->nusers);
	}
	return 0;
}

/* DEST below a captured home whose user lives elsewhere here: moved there. */
static char *rebase_home(struct loader *L, char *dest)
{
	for (size_t i = 0; i < L->nusers; i++) {
		const char *from = L->users[i].home, *to = L->target_home[i];
		size_t fl = strlen(from);
		if (!to || !strcmp(from, to) || strncmp(dest, from, fl) != 0 ||
		    (dest[fl] != 0 && dest[fl] != '/'))
			continue;
		size_t n = strlen(to) + strlen(dest + fl) + 1;
		char *r = malloc(n);
		if (!r)
			return dest;
		snprintf(r, n, "%s%s", to, dest + fl);
		free(dest);
		return r;
	}
	return dest;
}

/* --- deciding ----------------------------------------------------------------------- */

/* The decision for record R, as `migc explain` makes it. Returns 1 with A filled when
 * the object is restored, 0 when the rules drop it, -1 out of memory. */
static int decide(struct loader *L, const struct sw_rec *r, struct action *a)
{
	bool is_dir = r->r.type == CT_DIR;
	const char *leaf;
	memset(a, 0, sizeof *a);
	char *dir = is_dir ? strdup(r->path) : parent_of(r->path, &leaf);
	if (!dir)
		return -1;
	const char *name = is_dir ? "" : leaf;
	struct vm_obj o = {
		.dir = dir, .dirlen = strlen(dir), .name = name, .namelen = strlen(name),
		.is_dir = is_dir, .is_link = r->r.type == CT_SYMLINK, .size = r->r.size,
		.mtime = r->r.mtime_ns / 1000000000, .ctime = r->r.ctime_ns / 1000000000,
		.atime = r->r.atime_ns / 1000000000,
	};
	struct decision d;
	/* records come in walk order: consecutive ones mostly share their directory, looked
	 * up in the path index once (the fast path of decide.h; same verdicts) */
	if (!L->dcdir || strcmp(L->dcdir, dir) != 0) {
		free(L->dcdir);
		L->dcdir = strdup(dir);
		rt_dir_begin(&L->dc, &L->b, dir, o.dirlen);
	}
	if (!L->dcdir || rt_decide_in(&L->dc, &o, &d) != 0) {
		struct rt_cands c = {0};
		rt_candidates(&L->b, dir, o.dirlen, &c);
		rt_decide(&L->b, &c, &o, NULL, &d);
		rt_cands_free(&c);
	}
	a->merge = d.merge;
	a->ctx = d.ctx;
	if (d.verdict != V_INCLUDE) {
		free(dir);
		return 0;
	}
	if (d.keep_original || d.nlocmod == 0)
		a->dest[a->ndest++] = strdup(r->path);
	for (size_t i = 0; i < d.nlocmod; i++) {
		char *dst = rt_relocate(&L->b, d.locmod_ctx[i], d.locmod[i], dir, name);
		if (dst && is_dir && !*name) {
			/* a directory object: the helper appended an empty name */
			size_t dl = strlen(dst);
			while (dl > 1 && dst[dl - 1] == '/')
				dst[--dl] = 0;
		}
		if (dst)
			a->dest[a->ndest++] = dst;
		else if (a->ndest == 0)
			a->dest[a->ndest++] = strdup(r->path); /* the rule does not apply: stays */
	}
	free(dir);
	for (size_t i = 0; i < a->ndest; i++) {
		if (!a->dest[i])
			return -1;
		a->dest[i] = rebase_home(L, a->dest[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(a->dest[i], a->dest[j])) {
				free(a->dest[i]);
				a->dest[i--] = a->dest[--a->ndest];
				break;
			}
	}
	return 1;
}

/* A relocated object's new parent directories take the metadata of the directories they
 * stand for: going up from SRC and DEST together while the names agree
 * (Old/sub/f -> New/sub/f: New/sub is made like Old/sub). */
static int map_moved_parents(struct loader *L, const char *src, const char *dest)
{
	char *a = strdup(src), *b = strdup(dest);
	int rc = a && b ? 0 : -1;
	while (rc == 0) {
		char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
		if (!sa || !sb || sa == a || sb == b || strcmp(sa, sb) != 0)
			break;
		*sa = *sb = 0; /* now the parents */
		uint32_t mi = dm_find(&L->dirs, a);
		if (mi == DM_NONE || dm_put(&L->dirs, b, mi, false) < 0)
			break;
	}
	free(a);
	free(b);
	return rc;
}

/* The catalog's next record into R (path and target in the loader's buffers): 1, 0 at
 * the end, -1 malformed (catr_open checked every record: not expected). */
static int next_record(struct loader *L, struct sw_rec *r)
{
	int k = catr_next(&L->s.cat, &r->r, L->pathbuf, CAT_MAX_PATH + 1);
	if (k != 1)
		return k;
	r->path = L->pathbuf;
	r->target = NULL;
	if (r->r.type == CT_SYMLINK && catr_target(&L->s.cat, L->tgtbuf, CAT_MAX_PATH + 1))
		r->target = L->tgtbuf;
	return 1;
}

static struct dir_meta meta_of(const struct cat_record *r)
{
	return (struct dir_meta){.ino = r->ino, .atime_ns = r->atime_ns, .mtime_ns = r->mtime_ns,
				 .uid = r->uid, .gid = r->gid, .mode = r->mode};
}

/* An action as a list record: u32 rec, u32 merge, u8 flags, u8 ndest, then the
 * destinations, each NUL-terminated; flag 1: the first one is the record's own path
 * (the common case, not repeated). */
static int push_action(struct loader *L, const struct sw_rec *r, const struct action *a)
{
	size_t n = 10;
	bool own = a->ndest && !strcmp(a->dest[0], r->path);
	for (size_t i = own ? 1 : 0; i < a->ndest; i++)
		n += strlen(a->dest[i]) + 1;
	unsigned char stackbuf[512];
	unsigned char *b = n <= sizeof stackbuf ? stackbuf : malloc(n);
	if (!b)
		return -1;
	memcpy(b, &a->rec, 4);
	memcpy(b + 4, &a->merge, 4);
	b[8] = own ? 1 : 0;
	b[9] = (unsigned char)a->ndest;
	size_t off = 10;
	for (size_t i = own ? 1 : 0; i < a->ndest; i++) {
		size_t l = strlen(a->dest[i]) + 1;
		memcpy(b + off, a->dest[i], l);
		off += l;
	}
	int rc = spill_put(&L->acts, b, n);
	if (b != stackbuf)
		free(b);
	return rc;
}

/* Decode list record B (N bytes) into A; its destinations point into B, and the first
 * one at PATH when flagged. -1 when it is not one of ours. */
static int pop_action(unsigned char *b, size_t n, char *path, struct action *a)
{
	memset(a, 0, sizeof *a);
	if (n < 10 || b[9] > DECIDE_MAX_DEST + 1)
		return -1;
	memcpy(&a->rec, b, 4);
	memcpy(&a->merge, b + 4, 4);
	size_t nd = b[9], off = 10;
	if ((b[8] & 1) && nd)
		a->dest[a->ndest++] = path;
	while (a->ndest < nd) {
		char *e = off < n ? memchr(b + off, 0, n - off) : NULL;
		if (!e)
			return -1;
		a->dest[a->ndest++] = (char *)b + off;
		off = (size_t)((unsigned char *)e - b) + 1;
	}
	return 0;
}

/* Decide every record, in catalog order, into the action list; build the directory
 * table. Two reads of the catalog: the directories first, so a directory's own record
 * always wins over what a relocation makes of another one. */
static int plan_actions(struct loader *L)
{
	struct sw_rec rb, *r = &rb;
	int k;
	catr_rewind(&L->s.cat);
	while ((k = next_record(L, r)) == 1) {
		if (r->r.type != CT_DIR)
			continue;
		struct dir_meta m = meta_of(&r->r);
		if (dm_find(&L->dirs, r->path) != DM_NONE)
			continue;
		uint32_t mi = dm_add_meta(&L->dirs, &m);
		if (mi == DM_NONE || dm_put(&L->dirs, r->path, mi, false) < 0)
			return -1;
	}
	if (k < 0)
		return -1;
	catr_rewind(&L->s.cat);
	for (uint32_t i = 0; (k = next_record(L, r)) == 1; i++) {
		L->st->objects++;
		if (r->r.user > 0 && (r->r.user > L->s.cat.nusers || L->user_ctx[r->r.user - 1] < 0)) {
			bool missing = r->r.user > L->s.cat.nusers || L->user_ctx[r->r.user - 1] == USER_MISSING;
			if (missing && r->r.type != CT_DIR) {
				L->st->skipped++;
				rlog_msg(L->log, RL_DEBUG, "%s: its user is not on this system: not restored",
					 rlog_esc(L->log, r->path));
			} else {
				L->st->excluded++;
			}
			continue;
		}
		struct action a;
		int rc = decide(L, r, &a);
		a.rec = i;
		if (rc == 0 || (rc > 0 && r->r.type == CT_DIR && (r->r.flags & CF_PARENT))) {
			if (rc == 0 && !(r->r.flags & CF_PARENT)) {
				L->st->excluded++;
				if (L->log->verbose & RTV_OBJECTS)
					rlog_msg(L->log, RL_INFO, "not restored (rules): %s",
						 rlog_esc(L->log, r->path));
			}
			rc = 0;
		}
		uint32_t own = DM_NONE; /* this directory's metadata, kept when first needed */
		for (size_t d = 0; rc > 0 && d < a.ndest; d++) {
			if (r->r.type == CT_DIR && dm_find(&L->dirs, a.dest[d]) == DM_NONE) {
				struct dir_meta m = meta_of(&r->r);
				if (own == DM_NONE)
					own = dm_add_meta(&L->dirs, &m);
				if (own == DM_NONE || dm_put(&L->dirs, a.dest[d], own, false) < 0)
					rc = -1;
			}
			if (rc > 0 && strcmp(a.dest[d], r->path) != 0 &&
			    map_moved_parents(L, r->path, a.dest[d]) < 0)
				rc = -1;
		}
		if (rc > 0 && push_action(L, r, &a) != 0)
			rc = -1;
		else if (rc > 0)
			L->nacts++;
		for (size_t d = 0; d < a.ndest; d++)
			free(a.dest[d]);
		if (rc < 0)
			return -1;
	}
	return k < 0 ? -1 : 0;
}

/* --- destination directories -------------------------------------------------------- */

/* Mark DIR and every directory above it as holding restored objects (only those of the
 * directory table count: the others get no times set). */
static void touch_dirs(struct loader *L, const char *dir)
{
	if (L->lasttouch && !strcmp(L->lasttouch, dir))
		return; /* consecutive objects share their directory */
	free(L->lasttouch);
	L->lasttouch = strdup(dir);
	char *p = strdup(dir);
	while (p && strcmp(p, "/") != 0) {
		if (dm_touch(&L->dirs, p) == 0)
			break; /* its parents are marked already */
		char *slash = strrchr(p, '/');
		if (!slash)
			break;
		if (slash == p)
			slash[1] = 0;
		else
			*slash = 0;
	}
	free(p);
}

/* Owner, group and mode for a directory we must make at LOGICAL: the catalog's record
 * of it, else inherited from the directory it is made in. */
static void dir_meta(struct loader *L, const char *logical, int parentfd, uid_t *uid, gid_t *gid,
		     mode_t *mode)
{
	const struct dir_meta *r = dm_meta(&L->dirs, dm_find(&L->dirs, logical));
	if (r) {
		*uid = r->uid;
		*gid = r->gid;
		*mode = (mode_t)(r->mode & 07777);
		return;
	}
	struct stat st;
	if (fstat(parentfd, &st) == 0) {
		*uid = st.st_uid;
		*gid = st.st_gid;
		*mode = st.st_mode & 03777; /* no set-uid on a directory we invent */
	} else {
		*uid = 0;
		*gid = 0;
		*mode = 0755;
	}
}

/* Is directory FD empty? */
static bool dir_empty(int fd)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	struct dirent *de;
	bool empty = true;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/* Make directory NAME in FD (logical path LOGICAL) with its owner and mode: it is made
 * under a temporary name, given owner and mode there and renamed into place, so neither
 * a failure nor a kill can leave NAME with the wrong owner or mode (a rerun takes a
 * directory that exists as it is: a half-made one would lock its user out for good).
 * Returns an fd of it, or -1 with errno. */
static int make_dest_dir(struct loader *L, int fd, const char *name, const char *logical)
{
	uid_t uid;
	gid_t gid;
	mode_t mode;
	dir_meta(L, logical, fd, &uid, &gid, &mode);
	unsigned char h[32];
	char hex[65], tmp[64];
	sha256(name, strlen(name), h);
	sha256_hex(h, hex);
	snprintf(tmp, sizeof tmp, ".migstate-d%.24s.tmp", hex);
	/* a killed run may have left it: still empty, as nothing goes in before the rename */
	if (fs_mkdirat(fd, tmp, 0700) != 0 && errno != EEXIST)
		return -1;
	int tfd = openat(fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0)
		return -1;
	struct stat st;
	int rc = -1;
	/* closed to everyone else first; owner before mode: chown clears set-id bits; FAT
	 * refuses both (unsupported: the directory stays as the filesystem makes it) */
	if ((fchmod(tfd, 0700) == 0 || unsupported(errno)) &&
	    (fchown(tfd, uid, gid) == 0 || unsupported(errno)) && fstat(tfd, &st) == 0) {
		if (!dir_empty(tfd))
			errno = ENOTEMPTY; /* not ours: someone else's directory by that name */
		else if ((fchmod(tfd, mode) == 0 || unsupported(errno)))
			rc = 0;
	}
	if (rc == 0 && fs_renameat2(fd, tmp, fd, name, RENAME_NOREPLACE) != 0) {
		struct stat ex;
		rc = -1;
		/* no RENAME_NOREPLACE (FUSE FAT): a plain rename once the name is seen free */
		if ((errno == EINVAL || errno == ENOSYS) &&
		    fstatat(fd, name, &ex, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT &&
		    fs_renameat(fd, tmp, fd, name) == 0)
			rc = 0;
	}
	if (rc != 0) {
		int saved = errno;
		close(tfd);
		unlinkat(fd, tmp, AT_REMOVEDIR);
		errno = saved;
		if (saved == EEXIST) /* made by someone else meanwhile: taken as it is */
			return openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return -1;
	}
	/* what is at NAME now must be the directory made here */
	struct stat now;
	if (fstatat(fd, name, &now, AT_SYMLINK_NOFOLLOW) != 0 || now.st_ino != st.st_ino ||
	    now.st_dev != st.st_dev) {
		close(tfd);
		errno = ESTALE;
		return -1;
	}
	L->st->dirs++;
	rlog_msg(L->log, RL_DEBUG, "mkdir %s", rlog_esc(L->log, logical));
	return tfd;
}

/* The directory FD at the first LEN bytes of LOGICAL is on the way to a destination:
 * if it existed and stands for a captured directory, it grants no group/other
 * permission that one did not (dirsafe.h). MADE: load made it just now (as captured). */
static void check_dest_dir(struct loader *L, int fd, const char *logical, size_t len, bool made)
{
	struct stat st;
	if (!dirsafe_first(&L->safe, fd, &st) || made)
		return;
	char *p = strndup(logical, len);
	const struct dir_meta *m = p ? dm_meta(&L->dirs, dm_find(&L->dirs, p)) : NULL;
	if (m)
		dirsafe_apply(&L->safe, fd, &st, p, m->uid, (mode_t)m->mode);
	free(p);
	L->st->dirs_tightened = L->safe.tightened;
	L->st->dirs_wide = L->safe.left_wide;
	L->st->dirs_owner = L->safe.owner_differs;
}

/* Open directory LOGICAL beneath the root, making what is missing (never following a
 * symlink). The fd is cached: do not close it. DRY_NEW under --dry-run when it would be
 * made; -1 with errno on failure (ELOOP/ENOTDIR: something else is in the way). */
static int open_dest_dir(struct loader *L, const char *logical)
{
	if (L->pcache && !strcmp(L->pcache, logical))
		return L->pcache_fd;
	if (L->o->dry_run && smap_get(&L->simulated, logical))
		return DRY_NEW;
	int fd = openat(L->s.rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t len = strlen(logical), i = 0;
	while (fd >= 0 && i < len) {
		while (i < len && logical[i] == '/')
			i++;
		size_t s = i;
		while (i < len && logical[i] != '/')
			i++;
		if (i == s)
			break;
		char name[256];
		if (i - s >= sizeof name) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, logical + s, i - s);
		name[i - s] = 0;
		if (!strcmp(name, ".") || !strcmp(name, "..")) {
			close(fd);
			errno = EINVAL; /* logical paths have no dot segments: never climb out */
			return -1;
		}
		int nfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd >= 0)
			check_dest_dir(L, nfd, logical, i, false);
		if (nfd < 0 && errno == ENOENT) {
			char *prefix = strndup(logical, i);
			if (!prefix) {
				close(fd);
				errno = ENOMEM;
				return -1;
			}
			if (L->o->dry_run) {
				/* this one and everything below it would be made */
				for (size_t k = i;; k++) {
					if (k == len || logical[k] == '/') {
						char *p = strndup(logical, k);
						if (p && smap_put(&L->simulated, p, 0) == 1) {
							out_line(L, "mkdir", p, NULL);
							L->st->dirs++;
						}
						free(p);
						if (k == len)
							break;
					}
				}
				free(prefix);
				close(fd);
				return DRY_NEW;
			}
			nfd = make_dest_dir(L, fd, name, prefix);
			free(prefix);
			if (nfd >= 0)
				check_dest_dir(L, nfd, logical, i, true);
		}
		int saved = errno;
		close(fd);
		errno = saved;
		fd = nfd;
	}
	if (fd < 0)
		return -1;
	if (L->pcache_fd >= 0)
		close(L->pcache_fd);
	free(L->pcache);
	L->pcache = strdup(logical);
	L->pcache_fd = L->pcache ? fd : -1;
	if (!L->pcache) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	return fd;
}

/* The payload's directory for record R (cached: do not close). */
static int open_payload_dir(struct loader *L, const struct sw_rec *r, const char **leaf)
{
	const char *lf;
	char *dir = parent_of(r->path, &lf);
	if (!dir)
		return -1;
	*leaf = lf;
	if (L->scache && L->scache_vol == r->r.volume && !strcmp(L->scache, dir)) {
		free(dir);
		return L->scache_fd;
	}
	int fd = sw_payload_dir(&L->s, r, &lf);
	if (fd < 0) {
		free(dir);
		return -1;
	}
	if (L->scache_fd >= 0)
		close(L->scache_fd);
	free(L->scache);
	L->scache = dir;
	L->scache_vol = r->r.volume;
	L->scache_fd = fd;
	return fd;
}

/* --- placing one object ------------------------------------------------------------- */

struct obj {
	struct loader *L;
	const struct sw_rec *r;
	int sfd;                   /* payload's directory (files) */
	const char *sleaf;
	struct stat pst;           /* the payload (files) */
	bool has_payload;
};

/* Is the entry NAME in DIRFD already this object? The store's inode, the same bytes, or
 * for special files the same kind (and symlink target). */
static bool is_ours(int dirfd, const char *name, void *ctx)
{
	const struct obj *ob = ctx;
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return false;
	switch ((enum cat_type)ob->r->r.type) {
	case CT_FILE:
		if (!ob->has_payload || !S_ISREG(st.st_mode))
			return false;
		if (st.st_dev == ob->pst.st_dev && st.st_ino == ob->pst.st_ino)
			return true;
		return st.st_size == ob->pst.st_size &&
		       sw_same_file_content(ob->sfd, ob->sleaf, dirfd, name);
	case CT_SYMLINK: {
		if (!S_ISLNK(st.st_mode) || !ob->r->target)
			return false;
		char buf[4096];
		ssize_t n = readlinkat(dirfd, name, buf, sizeof buf - 1);
		if (n < 0)
			return false;
		buf[n] = 0;
		return !strcmp(buf, ob->r->target);
	}
	case CT_FIFO: return S_ISFIFO(st.st_mode);
	case CT_CHR: return S_ISCHR(st.st_mode) && st.st_rdev == ob->r->r.rdev;
	case CT_BLK: return S_ISBLK(st.st_mode) && st.st_rdev == ob->r->r.rdev;
	default: return false;
	}
}

/* A temporary name next to NAME, ours by its shape (an earlier crash may have left it:
 * it is removed first). */
static void tmp_name(const char *name, char *out, size_t outsz)
{
	unsigned char h[32];
	char hex[65];
	sha256(name, strlen(name), h);
	sha256_hex(h, hex);
	snprintf(out, outsz, ".migstate-%.24s.tmp", hex);
}

/* Recreate a symlink or special file under the temporary TMP in DFD. */
static int make_special(struct obj *ob, int dfd, const char *tmp)
{
	const struct cat_record *r = &ob->r->r;
	int rc;
	if (r->type == CT_SYMLINK) {
		if (!ob->r->target) {
			errno = ENODATA;
			return -1;
		}
		rc = symlinkat(ob->r->target, dfd, tmp);
	} else {
		mode_t fmt = r->type == CT_FIFO ? S_IFIFO : r->type == CT_CHR ? S_IFCHR : S_IFBLK;
		rc = mknodat(dfd, tmp, fmt | (r->mode & 07777), (dev_t)r->rdev);
	}
	if (rc != 0)
		return -1;
	if (fchownat(dfd, tmp, r->uid, r->gid, AT_SYMLINK_NOFOLLOW) != 0 && !unsupported(errno)) {
		int saved = errno;
		unlinkat(dfd, tmp, 0);
		errno = saved;
		return -1;
	}
	/* never through a symlink: TMP's directory may be writable by the user, who could
	 * swap the node for a link to /etc/shadow in between */
	if (r->type != CT_SYMLINK)
		fchmodat(dfd, tmp, r->mode & 07777, AT_SYMLINK_NOFOLLOW);
	struct timespec t[2] = {ts_of(r->atime_ns), ts_of(r->mtime_ns)};
	utimensat(dfd, tmp, t, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* Remember to check the times of the copy DFD/NAME (the logical path of DFD is the
 * cached destination parent) at the end of the run. */
static void add_fixup(struct loader *L, int dfd, const char *name, const struct stat *pst)
{
	if (dfd != L->pcache_fd || !L->pcache)
		return;
	char *p = join(L->pcache, name);
	size_t pl = p ? strlen(p) + 1 : 0;
	unsigned char *b = p ? malloc(sizeof(struct fixup) + pl) : NULL;
	if (b) {
		struct fixup f = {{pst->st_atim, pst->st_mtim}};
		memcpy(b, &f, sizeof f);
		memcpy(b + sizeof f, p, pl);
		spill_put(&L->fix, b, sizeof f + pl); /* best effort, as the check itself */
	}
	free(b);
	free(p);
}

/* Copies whose mtime is not the captured one (stamped late by their filesystem). */
static void fix_copy_times(struct loader *L)
{
	unsigned char *b;
	size_t n;
	if (!L->fix.count)
		return;
	if (spill_rewind(&L->fix) != 0) {
		rlog_msg(L->log, RL_WARN, "cannot check the times of the copies: %s", strerror(errno));
		return;
	}
	while ((b = spill_get(&L->fix, &n))) {
		struct fixup f;
		if (n <= sizeof f || b[n - 1])
			break;
		memcpy(&f, b, sizeof f);
		const char *leaf, *path = (const char *)b + sizeof f;
		int pfd = fs_open_parent(L->s.rootfd, path, &leaf);
		if (pfd < 0)
			continue;
		struct stat st;
		if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtim.tv_sec != f.t[1].tv_sec)
			utimensat(pfd, leaf, f.t, AT_SYMLINK_NOFOLLOW);
		close(pfd);
	}
}

enum placed { P_LINKED, P_COPIED, P_SPECIAL };

/* Put the object at DFD/NAME. With REPLACE an existing entry there is replaced
 * atomically (rename over it); without, EEXIST says something appeared there. */
static int place(struct obj *ob, int dfd, const char *name, bool replace, enum placed *how)
{
	struct loader *L = ob->L;
	char tmp[64];
	if (ob->r->r.type != CT_FILE || replace)
		tmp_name(name, tmp, sizeof tmp);
	if (ob->r->r.type != CT_FILE) {
		unlinkat(dfd, tmp, 0);
		if (make_special(ob, dfd, tmp) != 0)
			return -1;
		*how = P_SPECIAL;
	} else {
		bool linked = false;
		if (!L->o->copy_only) {
			if (!replace && fs_linkat(ob->sfd, ob->sleaf, dfd, name, 0) == 0) {
				*how = P_LINKED;
				return 0;
			}
			if (!replace && errno == EEXIST)
				return -1;
			if (replace) {
				unlinkat(dfd, tmp, 0);
				linked = fs_linkat(ob->sfd, ob->sleaf, dfd, tmp, 0) == 0;
			}
			if (!linked && errno != EXDEV && errno != EPERM && errno != EMLINK &&
			    errno != ENOTSUP && errno != EOPNOTSUPP && !(replace && errno == EEXIST))
				return -1;
		}
		if (!linked) {
			struct copy_result cr;
			const char *target = replace ? tmp : name;
			if (replace)
				unlinkat(dfd, tmp, 0);
			/* a clone where the filesystem shares extents (the payload of a reflinked
			 * entry back into its btrfs subvolume: free), else a copy; FAT and other
			 * filesystems without owners or modes get the data (copyfile.h) */
			if (copy_file(ob->sfd, ob->sleaf, dfd, target, ob->pst.st_dev, ob->pst.st_ino, 0,
				      &cr) != 0)
				return -1;
			*how = P_COPIED;
			if (cr.how == COPY_CLONE)
				L->st->reflinked++;
			add_fixup(L, dfd, name, &ob->pst);
			if (!replace)
				return 0;
		} else {
			*how = P_LINKED;
		}
	}
	int rc = replace ? fs_renameat(dfd, tmp, dfd, name)
			 : fs_renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE);
	if (rc != 0) {
		int saved = errno;
		unlinkat(dfd, tmp, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

static void count_placed(struct loader *L, enum placed how)
{
	if (how == P_LINKED)
		L->st->linked++;
	else if (how == P_COPIED)
		L->st->copied++;
	else
		L->st->special++;
}

static const char *how_name(const struct loader *L, const struct obj *ob)
{
	if (ob->r->r.type != CT_FILE)
		return "create";
	return L->o->copy_only ? "copy" : "link";
}

/* Record a placement: journal, log, directory times later. */
static void placed(struct loader *L, const struct obj *ob, const char *dir, const char *name,
		   const char *note)
{
	char *full = join(dir, name);
	if (!full)
		return;
	if (L->journal)
		sw_journal_add(L->journal, ob->r->r.volume, ob->r->path, full);
	touch_dirs(L, dir);
	if (L->log->verbose & RTV_OBJECTS)
		rlog_msg(L->log, RL_INFO, "%s -> %s%s%s", rlog_esc(L->log, ob->r->path),
			 rlog_esc(L->log, full), note ? " " : "", note ? note : "");
	free(full);
	crash_point();
}

/* The original path holds another file than the captured one: keep both. */
static int resolve_diverged(struct obj *ob, int dfd, const char *dir, const char *name,
			    const struct stat *dst, enum merge_mode mm, const char *pattern)
{
	struct loader *L = ob->L;
	bool captured_newer = ns_of(&ob->pst.st_mtim) > ns_of(&dst->st_mtim);
	bool captured_wins = mm == MM_SOURCE || ((mm == MM_RENAME || mm == MM_NEWEST) && captured_newer);
	char side[512];
	bool already = false;
	enum placed how;
	char msg[256];
	snprintf(msg, sizeof msg, "captured %lld bytes mtime %lld.%09ld, on disk %lld bytes mtime "
		 "%lld.%09ld",
		 (long long)ob->pst.st_size, (long long)ob->pst.st_mtim.tv_sec, ob->pst.st_mtim.tv_nsec,
		 (long long)dst->st_size, (long long)dst->st_mtim.tv_sec, dst->st_mtim.tv_nsec);
	if (!captured_wins) {
		int rc;
		if (mm == MM_PATTERN) {
			rc = merge_find_place(dfd, name, false, pattern, is_ours, ob, side, sizeof side,
					      &already);
		} else {
			char tagged[512];
			rc = merge_tagged(name, "captured", tagged, sizeof tagged);
			if (rc == 0)
				rc = merge_find_place(dfd, tagged, true, NULL, is_ours, ob, side,
						      sizeof side, &already);
		}
		if (rc != 0)
			return -1;
		if (!already && L->o->dry_run) {
			char *p = join(dir, side);
			out_line(L, "diverged", p ? p : side, msg);
			free(p);
			L->st->diverged++;
			return 0;
		}
		if (!already && place(ob, dfd, side, false, &how) != 0)
			return -1;
		if (already) {
			L->st->present++;
		} else {
			count_placed(L, how);
			L->st->diverged++;
			rlog_msg(L->log, RL_WARN, "diverged %s: %s; the file on disk keeps the name, the "
				 "captured version is kept as %s", rlog_esc(L->log, ob->r->path), msg,
				 rlog_esc(L->log, side));
		}
		placed(L, ob, dir, side, "(captured version)");
		return 0;
	}
	/* the captured version takes the name: the one on disk moves aside first */
	char tagged[512];
	if (merge_tagged(name, "diverged", tagged, sizeof tagged) != 0 ||
	    merge_find_place(dfd, tagged, true, NULL, NULL, NULL, side, sizeof side, &already) != 0)
		return -1;
	L->st->diverged++;
	if (L->o->dry_run) {
		char *p = join(dir, side);
		out_line(L, "diverged", p ? p : side, msg);
		free(p);
		return 0;
	}
	if (fs_renameat2(dfd, name, dfd, side, RENAME_NOREPLACE) != 0)
		return -1;
	rlog_msg(L->log, RL_WARN, "diverged %s: %s; the captured version keeps the name, the file on "
		 "disk is kept as %s", rlog_esc(L->log, ob->r->path), msg, rlog_esc(L->log, side));
	if (place(ob, dfd, name, false, &how) != 0)
		return -1;
	count_placed(L, how);
	placed(L, ob, dir, name, NULL);
	return 0;
}

/* Something that is not this object is at DFD/NAME: the merge rule decides. */
static int resolve_collision(struct obj *ob, int dfd, const char *dir, const char *name,
			     const struct stat *dst, enum merge_mode mm, const char *pattern)
{
	struct loader *L = ob->L;
	bool same_kind = (S_ISREG(dst->st_mode) && ob->r->r.type == CT_FILE) ||
			 (S_ISLNK(dst->st_mode) && ob->r->r.type == CT_SYMLINK);
	bool newer = ob->has_payload && ns_of(&ob->pst.st_mtim) > ns_of(&dst->st_mtim);
	if (!ob->has_payload)
		newer = ob->r->r.mtime_ns > ns_of(&dst->st_mtim);
	if (same_kind && (mm == MM_DEST || (mm == MM_NEWEST && !newer))) {
		L->st->kept++;
		if (L->o->dry_run) {
			char *p = join(dir, name);
			out_line(L, "keep", p ? p : name, "the existing file stays (merge rule)");
			free(p);
		} else {
			rlog_msg(L->log, RL_INFO, "kept the existing %s/%s (%s): %s not applied",
				 rlog_esc(L->log, dir), rlog_esc(L->log, name), merge_mode_names[mm],
				 rlog_esc(L->log, ob->r->path));
		}
		return 0;
	}
	enum placed how;
	if (same_kind && (mm == MM_SOURCE || mm == MM_NEWEST)) {
		L->st->replaced++;
		if (L->o->dry_run) {
			char *p = join(dir, name);
			out_line(L, "replace", p ? p : name, ob->r->path);
			free(p);
			return 0;
		}
		if (place(ob, dfd, name, true, &how) != 0)
			return -1;
		count_placed(L, how);
		rlog_msg(L->log, RL_INFO, "replaced %s/%s with %s (%s)", rlog_esc(L->log, dir),
			 rlog_esc(L->log, name), rlog_esc(L->log, ob->r->path), merge_mode_names[mm]);
		placed(L, ob, dir, name, "(replaced)");
		return 0;
	}
	char alt[512];
	bool already;
	if (merge_find_place(dfd, name, false, mm == MM_PATTERN ? pattern : NULL, is_ours, ob, alt,
			     sizeof alt, &already) != 0)
		return -1;
	if (already) {
		L->st->present++;
		placed(L, ob, dir, alt, "(present)");
		return 0;
	}
	L->st->renamed++;
	if (L->o->dry_run) {
		char *p = join(dir, alt);
		out_line(L, "rename", ob->r->path, p ? p : alt);
		free(p);
		return 0;
	}
	if (place(ob, dfd, alt, false, &how) != 0)
		return -1;
	count_placed(L, how);
	rlog_msg(L->log, RL_INFO, "collision at %s/%s: %s restored as %s", rlog_esc(L->log, dir),
		 rlog_esc(L->log, name), rlog_esc(L->log, ob->r->path), rlog_esc(L->log, alt));
	placed(L, ob, dir, alt, "(renamed)");
	return 0;
}

/* Report an original that differs from the captured file when the object goes
 * elsewhere (nothing to resolve: both stay where they are). */
static void note_moved_original(struct obj *ob)
{
	struct loader *L = ob->L;
	if (ob->r->r.type != CT_FILE || !ob->has_payload)
		return;
	const char *leaf;
	int ofd = fs_open_parent(L->s.rootfd, ob->r->path, &leaf);
	if (ofd < 0)
		return;
	struct stat o;
	if (fstatat(ofd, leaf, &o, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(o.st_mode) && !is_ours(ofd, leaf, ob)) {
		L->st->diverged++;
		rlog_msg(L->log, RL_WARN, "diverged %s: the original was saved again after the scan "
			 "(captured %lld bytes, on disk %lld bytes); it stays, the captured version "
			 "goes to its new place", rlog_esc(L->log, ob->r->path),
			 (long long)ob->pst.st_size, (long long)o.st_size);
	}
	close(ofd);
}

/* Is DFD the very directory the scan saw at LOGICAL: the recorded inode, born before the
 * scan? Then a different file at the object's original path in it was saved again after
 * the scan (diverged). A directory made anew (the system was reinstalled, a tool
 * recreated it) makes it a collision with a file of the new system instead. */
static bool same_dir_as_captured(struct loader *L, int dfd, const char *logical)
{
	const struct dir_meta *r = dm_meta(&L->dirs, dm_find(&L->dirs, logical));
	if (!r)
		return false;
	struct statx sx;
	if (statx(dfd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_BTIME, &sx) != 0 ||
	    sx.stx_ino != r->ino)
		return false;
	/* an inode number can be reused by a directory made after the scan */
	if ((sx.stx_mask & STATX_BTIME) && sx.stx_btime.tv_sec > 0 && sx.stx_btime.tv_sec > L->s.cat.created)
		return false;
	return true;
}

/* Apply object OB at DEST. */
static int apply_at(struct obj *ob, const char *dest, uint32_t merge_rule, bool is_original)
{
	struct loader *L = ob->L;
	const char *name;
	char *dir = parent_of(dest, &name);
	if (!dir) {
		errno = ENOMEM;
		return -1;
	}
	int rc = -1;
	int dfd = open_dest_dir(L, dir);
	if (dfd == DRY_NEW) {
		out_line(L, how_name(L, ob), ob->r->path, dest);
		if (ob->r->r.type == CT_FILE && !L->o->copy_only)
			L->st->linked++;
		else
			count_placed(L, ob->r->r.type == CT_FILE ? P_COPIED : P_SPECIAL);
		free(dir);
		return 0;
	}
	if (dfd < 0)
		goto out;
	const char *pattern;
	enum merge_mode mm = merge_mode_of(&L->plan, merge_rule, &pattern);
	for (int attempt = 0; attempt < 3; attempt++) {
		struct stat dst;
		if (fstatat(dfd, name, &dst, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT)
				goto out;
			if (L->o->dry_run) {
				out_line(L, how_name(L, ob), ob->r->path, dest);
				if (ob->r->r.type == CT_FILE && !L->o->copy_only && ob->has_payload)
					L->st->linked++;
				else
					count_placed(L, ob->r->r.type == CT_FILE ? P_COPIED : P_SPECIAL);
				rc = 0;
				goto out;
			}
			enum placed how;
			if (place(ob, dfd, name, false, &how) == 0) {
				count_placed(L, how);
				placed(L, ob, dir, name, NULL);
				rc = 0;
				goto out;
			}
			if (errno == EEXIST)
				continue; /* something appeared there: look again */
			goto out;
		}
		if (is_ours(dfd, name, ob)) {
			L->st->present++;
			if (!L->o->dry_run)
				placed(L, ob, dir, name, "(present)");
			rc = 0;
			goto out;
		}
		if (is_original && ob->r->r.type == CT_FILE && S_ISREG(dst.st_mode) &&
		    same_dir_as_captured(L, dfd, dir))
			rc = resolve_diverged(ob, dfd, dir, name, &dst, mm, pattern);
		else
			rc = resolve_collision(ob, dfd, dir, name, &dst, mm, pattern);
		goto out;
	}
	errno = EEXIST;
out:
	free(dir);
	return rc;
}

/* A directory object: made (with its recorded metadata) if missing. */
static int apply_dir(struct loader *L, const char *dest)
{
	int fd = open_dest_dir(L, dest);
	if (fd == DRY_NEW)
		return 0;
	if (fd < 0)
		return -1;
	touch_dirs(L, dest);
	return 0;
}

static void apply_action(struct loader *L, const struct sw_rec *r, const struct action *a)
{
	struct obj ob = {.L = L, .r = r, .sfd = -1};
	if (r->r.type == CT_DIR) {
		for (size_t i = 0; i < a->ndest && !L->stop; i++)
			if (apply_dir(L, a->dest[i]) != 0)
				on_error(L, a->dest[i], errno, "cannot make the directory");
		return;
	}
	if (r->r.type == CT_SOCKET) {
		L->st->excluded++;
		rlog_msg(L->log, RL_DEBUG, "%s: a socket is not restored (its program makes it again)",
			 rlog_esc(L->log, r->path));
		return;
	}
	if (r->r.type == CT_FILE) {
		errno = 0;
		ob.sfd = open_payload_dir(L, r, &ob.sleaf);
		int err = ob.sfd < 0 ? errno : fstatat(ob.sfd, ob.sleaf, &ob.pst, AT_SYMLINK_NOFOLLOW) != 0
			? errno : !S_ISREG(ob.pst.st_mode) ? EINVAL : 0;
		if (err) {
			on_error(L, r->path, err, "the store entry is missing or damaged");
			return;
		}
		ob.has_payload = true;
	}
	bool stays = false;
	for (size_t i = 0; i < a->ndest; i++)
		stays |= !strcmp(a->dest[i], r->path);
	if (!stays)
		note_moved_original(&ob);
	for (size_t i = 0; i < a->ndest && !L->stop; i++) {
		errno = 0;
		if (apply_at(&ob, a->dest[i], a->merge, !strcmp(a->dest[i], r->path)) != 0) {
			int err = errno ? errno : EIO;
			on_error(L, a->dest[i], err, err == ENOTDIR || err == ELOOP
				 ? "cannot restore: a symlink or a file is in the way (never followed)"
				 : "cannot restore");
		}
	}
}

/* Is the directory FD (logical path P) the root of a mount? Its times belong to that
 * filesystem, not to what we restored (and a FUSE FAT driver dies on epoch times). */
static bool is_mount_root(struct loader *L, int fd, const char *p)
{
	if (!strcmp(p, "/"))
		return true;
	const char *leaf;
	int pfd = fs_open_parent(L->s.rootfd, p, &leaf);
	if (pfd < 0)
		return true;
	uint64_t a = sw_mnt_id(fd), b = sw_mnt_id(pfd);
	struct stat sa, sb;
	bool root = a && b ? a != b : (fstat(fd, &sa) || fstat(pfd, &sb) || sa.st_dev != sb.st_dev);
	close(pfd);
	return root;
}

/* Directory times last: creating entries changed them. Only directories that hold
 * something restored and still have the recorded owner and mode (ours, not a directory
 * the new system made differently) get the recorded times. */
static int fix_dir_time(const char *p, const struct dir_meta *r, void *ctx)
{
	struct loader *L = ctx;
	int fd = fs_open_dir(L->s.rootfd, p);
	if (fd < 0)
		return 0;
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_uid == r->uid && st.st_gid == r->gid &&
	    (st.st_mode & 07777) == (r->mode & 07777) && ns_of(&st.st_mtim) != r->mtime_ns &&
	    !is_mount_root(L, fd, p)) {
		struct timespec t[2] = {ts_of(r->atime_ns), ts_of(r->mtime_ns)};
		futimens(fd, t);
	}
	close(fd);
	return 0;
}

static void fix_dir_times(struct loader *L)
{
	dm_each_touched(&L->dirs, fix_dir_time, L);
}

/* --- destinationCleanup --------------------------------------------------------------- */

struct cleanup {
	struct loader *L;
	char *start;               /* logical directory the walk started at */
	char *cdir;                /* directory whose candidates are cached */
	struct rt_cands c;
};

/* Is LOGICAL (a directory) one of the store's directories? Never cleaned. */
static bool is_store_dir(struct loader *L, const char *logical)
{
	for (size_t i = 0; i < L->s.nvols; i++) {
		const char *sd = L->s.cat.vols[i].store_dir;
		if (sd && *sd && !(L->s.cat.vols[i].v.flags & CV_OUTSIDE_ROOT) && !strcmp(sd, logical))
			return true;
	}
	return false;
}

static int cleanup_visit(const struct sw_visit *v, void *ctx)
{
	struct cleanup *cu = ctx;
	struct loader *L = cu->L;
	if (v->error || v->foreign || v->post)
		return 0;
	char *logical = join(cu->start, v->rel);
	if (!logical)
		return -1;
	if (S_ISDIR(v->st->st_mode)) {
		int skip = is_store_dir(L, logical) || !rt_reachable(&L->b, logical, strlen(logical));
		free(logical);
		return skip;
	}
	const char *name;
	char *dir = parent_of(logical, &name);
	if (!dir) {
		free(logical);
		return -1;
	}
	if (!cu->cdir || strcmp(cu->cdir, dir) != 0) {
		free(cu->cdir);
		cu->cdir = strdup(dir);
		rt_candidates(&L->b, dir, strlen(dir), &cu->c);
	}
	struct vm_obj o = {
		.dir = dir, .dirlen = strlen(dir), .name = name, .namelen = strlen(name),
		.is_link = S_ISLNK(v->st->st_mode), .size = (uint64_t)v->st->st_size,
		.mtime = v->st->st_mtime, .ctime = v->st->st_ctime, .atime = v->st->st_atime,
	};
	const struct plan *p = &L->plan;
	for (size_t i = 0; i < cu->c.n; i++) {
		const struct rt_binding *bd = cu->c.v[i];
		const struct plan_ent *en = &p->ents[bd->ent];
		const struct plan_rule *ru = &p->rules[en->rule];
		if (ru->kind != PRK_DEST_CLEANUP)
			continue;
		struct vm_env ve = {.plan = p, .bound = &L->b, .ctx = bd->ctx, .obj = &o,
				    .ent_pat = en->pat, .trace = NULL};
		if (!vm_run(&ve, en->prog))
			continue;
		if (L->o->dry_run) {
			out_line(L, "cleanup", logical, NULL);
			L->st->cleaned++;
		} else if (unlinkat(v->dirfd, v->name, 0) == 0) {
			L->st->cleaned++;
			rlog_msg(L->log, RL_INFO, "destinationCleanup removed %s (%s:%u)",
				 rlog_esc(L->log, logical), rlog_esc(L->log, plan_str(p, p->srcs[ru->src].path)),
				 ru->line);
		} else {
			rlog_msg(L->log, RL_WARN, "destinationCleanup could not remove %s: %s",
				 rlog_esc(L->log, logical), strerror(errno));
		}
		break;
	}
	free(dir);
	free(logical);
	return 0;
}

/* Delete, before anything is applied, the destination files destinationCleanup rules
 * name. The walks start at the literal part of each cleanup pattern. */
static void run_cleanup(struct loader *L)
{
	const struct plan *p = &L->plan;
	struct smap starts = {0};
	for (unsigned ctx = 0; ctx < L->b.nctx; ctx++) {
		for (uint32_t e = 0; e < p->nents; e++) {
			const struct plan_ent *en = &p->ents[e];
			if (p->rules[en->rule].kind != PRK_DEST_CLEANUP ||
			    !L->b.rule_on[ctx * p->nrules + en->rule])
				continue;
			size_t n;
			const struct rt_glob *g = rt_pattern_globs(&L->b, ctx, en->pat, &n);
			for (size_t i = 0; i < n; i++) {
				char *lit = strndup(g[i].node, g[i].nodelen);
				if (!lit)
					continue;
				/* the literal leading segments of the glob */
				char *star = strchr(lit, '*');
				if (star) {
					*star = 0;
					char *slash = strrchr(lit, '/');
					if (slash)
						slash[slash == lit ? 1 : 0] = 0;
				}
				char *o = lit, *w = lit;
				for (; *o; o++) { /* unescape */
					if (*o == '\\' && o[1])
						o++;
					*w++ = *o;
				}
				*w = 0;
				if (*lit)
					smap_put(&starts, lit, 0);
				free(lit);
			}
		}
	}
	for (size_t i = 0; i < starts.cap; i++) {
		const char *s = starts.key[i];
		if (!s)
			continue;
		/* a start below another start is walked by that one */
		bool covered = false;
		for (size_t j = 0; j < starts.cap && !covered; j++) {
			const char *t = starts.key[j];
			size_t tl = t ? strlen(t) : 0;
			covered = t && j != i && tl < strlen(s) && !strncmp(s, t, tl) &&
				  (s[tl] == '/' || !strcmp(t, "/"));
		}
		if (covered)
			continue;
		int fd = fs_open_dir(L->s.rootfd, s);
		if (fd < 0)
			continue;
		struct cleanup cu = {.L = L, .start = (char *)s};
		sw_walk(fd, cleanup_visit, &cu);
		free(cu.cdir);
		rt_cands_free(&cu.c);
		close(fd);
	}
	smap_free(&starts);
}

/* --- setup and the run ------------------------------------------------------------- */

static int open_inputs(struct loader *L)
{
	const struct rt_opts *ro = L->o->ro;
	struct plan_error pe;
	char err[512];
	int ec;
	if (plan_open(ro->plan, &L->plan, &pe) != PLAN_OK) {
		rlog_msg(L->log, RL_ERROR, "%s: %s: %s", rlog_esc(L->log, ro->plan),
			 plan_status_name(pe.status), pe.msg);
		return EXIT_BAD_PLAN;
	}
	L->plan_open = true;
	if (sw_open(&L->s, ro->store, ro->root, SW_STREAM, err, sizeof err, &ec) != 0) {
		rlog_msg(L->log, RL_ERROR, "%s", err);
		L->store_open = true;
		return ec;
	}
	L->store_open = true;
	if (L->s.state != SS_COMPLETE || !store_is_complete(L->s.meta_fd)) {
		rlog_msg(L->log, RL_ERROR, "%s: the store is not complete (state %s): %s",
			 rlog_esc(L->log, ro->store), store_state_names[L->s.state],
			 L->s.state == SS_REMOVING ? "rd was removing it" : "its scan did not finish");
		return EXIT_BAD_STORE;
	}
	if (memcmp(L->plan.ruleset, L->s.cat.ruleset, 32) != 0) {
		char a[65], b[65];
		sw_hex(L->plan.ruleset, a);
		sw_hex(L->s.cat.ruleset, b);
		L->st->ruleset_differs = true;
		rlog_msg(L->log, RL_WARN,
			 "the plan's rule set (%s) is not the one the store was captured with (%s): "
			 "rules missing now (reroutes, exclusions) no longer apply", a, b);
	}
	return EXIT_OK;
}

static int bind_plan(struct loader *L)
{
	const struct rt_opts *ro = L->o->ro;
	static struct utsname un;
	uname(&un);
	L->fixed = calloc(L->s.nvols ? L->s.nvols : 1, sizeof *L->fixed);
	if (!L->fixed)
		return -1;
	size_t nfixed = 0;
	for (size_t i = 0; i < L->s.nvols && L->s.have_cat; i++)
		if (L->s.cat.vols[i].mount && *L->s.cat.vols[i].mount &&
		    !(L->s.cat.vols[i].v.flags & CV_SUBVOLUME)) /* its mount is listed already */
			L->fixed[nfixed++] = L->s.cat.vols[i].mount;
	L->env = (struct rt_env){
		.rootfd = L->s.rootfd, .users = L->users, .nusers = L->nusers,
		.defines = ro->defines, .ndefines = ro->ndefines, .drives = ro->drives,
		.ndrives = ro->ndrives, .fixed_roots = L->fixed, .nfixed = nfixed,
		.phase = PHASE_LOAD, .skip_detection = true, .os_release = un.release,
	};
	char err[256];
	if (rt_bind(&L->plan, &L->env, &L->b, err, sizeof err) != 0) {
		rlog_msg(L->log, RL_ERROR, "cannot bind the plan: %s", err);
		return -1;
	}
	L->bound = true;
	return 0;
}

static void cleanup_loader(struct loader *L)
{
	spill_free(&L->acts);
	spill_free(&L->fix);
	free(L->pathbuf);
	free(L->tgtbuf);
	dm_free(&L->dirs);
	free(L->lasttouch);
	smap_free(&L->simulated);
	dirsafe_free(&L->safe);
	rt_dirctx_free(&L->dc);
	free(L->dcdir);
	if (L->bound)
		rt_unbind(&L->b);
	for (size_t i = 0; i < L->nusers; i++) {
		users_free_one(&L->users[i]);
		free(L->target_home[i]);
	}
	free(L->users);
	free(L->target_home);
	free(L->user_ctx);
	free(L->fixed);
	if (L->journal)
		fclose(L->journal);
	if (L->pcache_fd >= 0)
		close(L->pcache_fd);
	free(L->pcache);
	if (L->scache_fd >= 0)
		close(L->scache_fd);
	free(L->scache);
	if (L->store_open)
		sw_close(&L->s);
	if (L->plan_open)
		plan_close(&L->plan);
}

/* Apply the action list, reading the catalog alongside it (both in catalog order). */
static int apply_actions(struct loader *L)
{
	struct sw_rec r;
	uint32_t next = 0; /* number of the catalog record next_record returns next */
	unsigned char *b;
	size_t n, i = 0;
	if (spill_rewind(&L->acts) != 0)
		return -1;
	catr_rewind(&L->s.cat);
	while (!L->stop && (b = spill_get(&L->acts, &n))) {
		struct action a;
		if (pop_action(b, n, L->pathbuf, &a) != 0 || a.rec < next) {
			errno = EINVAL;
			return -1;
		}
		while (next <= a.rec) {
			if (next_record(L, &r) != 1) {
				errno = EINVAL;
				return -1;
			}
			next++;
		}
		apply_action(L, &r, &a);
		rlog_bar(L->log, ++i, L->nacts);
	}
	if (L->acts.err) {
		errno = L->acts.err;
		return -1;
	}
	return 0;
}

int load_run(const struct load_opts *o, struct rlog *log, struct load_stats *st)
{
	struct loader L = {.o = o, .log = log, .st = st, .pcache_fd = -1, .scache_fd = -1};
	memset(st, 0, sizeof *st);
	spill_init(&L.acts, -1, ACTS_MEM);
	spill_init(&L.fix, -1, FIX_MEM);
	dirsafe_init(&L.safe, log, o->keep_dir_modes, o->dry_run, o->ro->json ? stderr : stdout);
	rlog_progress(log, "PHASE", "Initializing", (char *)NULL);
	int rc = open_inputs(&L);
	if (rc != EXIT_OK)
		goto out;
	rc = EXIT_FAILED;
	/* the lists go to the store's filesystem first: it has the room */
	L.acts.dirfd = L.fix.dirfd = L.s.meta_fd;
	L.pathbuf = malloc(CAT_MAX_PATH + 1);
	L.tgtbuf = malloc(CAT_MAX_PATH + 1);
	if (!L.pathbuf || !L.tgtbuf || setup_users(&L) != 0 || bind_plan(&L) != 0)
		goto out;
	rlog_progress(log, "PHASE", "Scanning", (char *)NULL);
	if (plan_actions(&L) != 0) {
		rlog_msg(log, RL_ERROR, "cannot keep the list of objects to restore: %s",
			 strerror(L.acts.err ? L.acts.err : ENOMEM));
		goto out;
	}
	rlog_msg(log, RL_INFO, "%zu catalog records, %zu to restore, %zu not restored by the rules%s",
		 (size_t)L.s.cat.nrecords, L.nacts, st->excluded,
		 spill_in_file(&L.acts) ? " (the list is in a temporary file)" : "");
	if (!o->dry_run) {
		L.journal = sw_journal_append(L.s.meta_fd);
		if (!L.journal)
			rlog_msg(log, RL_WARN, "cannot write the restore journal in the store: %s "
				 "(rd will then keep copied entries it cannot match)", strerror(errno));
	}
	run_cleanup(&L);
	rlog_progress(log, "PHASE", "Applying", (char *)NULL);
	if (apply_actions(&L) != 0) {
		rlog_bar_end(log);
		rlog_msg(log, RL_ERROR, "cannot read back the list of objects to restore: %s",
			 strerror(errno));
		goto out;
	}
	rlog_bar_end(log);
	if (!o->dry_run) {
		fix_copy_times(&L);
		fix_dir_times(&L);
	}
	if (L.journal && fsync(fileno(L.journal)) != 0)
		rlog_msg(log, RL_WARN, "restore journal: %s", strerror(errno));
	if (L.stop)
		rc = L.exit;
	else if (st->skipped || st->users_missing)
		rc = EXIT_SKIPPED;
	else
		rc = EXIT_OK;
out:
	cleanup_loader(&L);
	return rc;
}

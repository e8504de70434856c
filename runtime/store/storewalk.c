/* storewalk.c - open a store, index its catalog, walk its trees (see storewalk.h). */
#include "storewalk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exitcodes.h"
#include "dent64.h"
#include "dirnames.h"
#include "fdstack.h"
#include "fsutil.h"
#include "lineesc.h"
#include "storeguard.h"

void sw_hex(const unsigned char h[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[64] = 0;
}

uint64_t sw_mnt_id(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) != 0 ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

/* --- the (volume, path) index ------------------------------------------------------ */

static uint64_t hash_key(uint32_t vol, const char *path, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ vol;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)path[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int index_build(struct sw_store *s)
{
	size_t cap = 16;
	while (cap < s->nrecs * 2 + 1)
		cap *= 2;
	s->index = malloc(cap * sizeof *s->index);
	if (!s->index)
		return -1;
	memset(s->index, 0xff, cap * sizeof *s->index);
	s->index_cap = cap;
	for (size_t i = 0; i < s->nrecs; i++) {
		const struct sw_rec *r = &s->recs[i];
		size_t len = strlen(r->path);
		size_t j = (size_t)hash_key(r->r.volume, r->path, len) & (cap - 1);
		while (s->index[j] != UINT32_MAX)
			j = (j + 1) & (cap - 1);
		s->index[j] = (uint32_t)i;
	}
	return 0;
}

const struct sw_rec *sw_find(const struct sw_store *s, uint32_t vol, const char *path, size_t len)
{
	if (!s->index_cap)
		return NULL;
	size_t j = (size_t)hash_key(vol, path, len) & (s->index_cap - 1);
	while (s->index[j] != UINT32_MAX) {
		const struct sw_rec *r = &s->recs[s->index[j]];
		if (r->r.volume == vol && strlen(r->path) == len && !memcmp(r->path, path, len))
			return r;
		j = (j + 1) & (s->index_cap - 1);
	}
	return NULL;
}

int sw_path_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++) {
		unsigned ca = (unsigned char)a[i], cb = (unsigned char)b[i];
		if (ca == cb)
			continue;
		/* '/' ends a name: below every byte a name may hold */
		ca = ca == '/' ? 0 : ca;
		cb = cb == '/' ? 0 : cb;
		return ca < cb ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

size_t sw_nrecords(const struct sw_store *s)
{
	if (s->recs || !s->have_cat)
		return s->nrecs;
	return (size_t)s->cat.nrecords;
}

int sw_cursor_open(struct sw_cursor *c, struct sw_store *s, uint32_t vol)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	c->vol = vol;
	if (!s->ordered)
		return 0;
	c->rec.path = malloc(CAT_MAX_PATH + 1);
	c->tbuf = malloc(CAT_MAX_PATH + 1);
	if (!c->rec.path || !c->tbuf) {
		sw_cursor_close(c);
		return -1;
	}
	catr_rewind(&s->cat);
	return 0;
}

/* Streaming: the next record of the cursor's volume into c->rec. */
static bool cursor_fetch(struct sw_cursor *c)
{
	while (!c->end) {
		int k = catr_next(&c->s->cat, &c->rec.r, c->rec.path, CAT_MAX_PATH + 1);
		if (k != 1) {
			c->end = true; /* the catalog was checked when opened: the end */
			break;
		}
		if (c->vol != SW_ALL_VOLS && c->rec.r.volume != c->vol)
			continue;
		c->rec.target = NULL;
		if (c->rec.r.type == CT_SYMLINK &&
		    catr_target(&c->s->cat, c->tbuf, CAT_MAX_PATH + 1))
			c->rec.target = c->tbuf;
		c->len = strlen(c->rec.path);
		return c->have = true;
	}
	return c->have = false;
}

const struct sw_rec *sw_cursor_next(struct sw_cursor *c)
{
	if (!c->s->ordered) {
		while (c->i < c->s->nrecs) {
			const struct sw_rec *r = &c->s->recs[c->i++];
			if (c->vol == SW_ALL_VOLS || r->r.volume == c->vol)
				return r;
		}
		return NULL;
	}
	if (!c->have && !cursor_fetch(c))
		return NULL;
	c->have = false;
	return &c->rec;
}

const struct sw_rec *sw_cursor_find(struct sw_cursor *c, const char *path, size_t len)
{
	if (!c->s->ordered)
		return sw_find(c->s, c->vol, path, len);
	for (;;) {
		if (!c->have && !cursor_fetch(c))
			return NULL;
		int k = sw_path_cmp(c->rec.path, c->len, path, len);
		if (k == 0)
			return &c->rec;
		if (k > 0)
			return NULL;
		c->have = false;
	}
}

void sw_cursor_close(struct sw_cursor *c)
{
	free(c->rec.path);
	free(c->tbuf);
	memset(c, 0, sizeof *c);
}

/* --- opening ----------------------------------------------------------------------- */

static char *join_root(const char *root, const char *logical)
{
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl == 1 && root[0] == '/')
		rl = 0;
	size_t n = rl + strlen(logical) + 2;
	char *r = malloc(n);
	if (r)
		snprintf(r, n, "%.*s%s%s", (int)rl, root, logical[0] == '/' ? "" : "/", logical);
	return r;
}

/* The root is what precedes the master's logical store_dir in STORE's real path. */
static char *derive_root(const char *real, const char *store_dir)
{
	size_t rl = strlen(real), sl = strlen(store_dir);
	while (sl > 1 && store_dir[sl - 1] == '/')
		sl--;
	if (sl == 1 && store_dir[0] == '/')
		return strdup(real);
	if (sl <= rl && !memcmp(real + rl - sl, store_dir, sl) && store_dir[0] == '/') {
		if (rl == sl)
			return strdup("/");
		return strndup(real, rl - sl);
	}
	return NULL;
}

/* Is the logical mount point MP mounted beneath the root? */
static bool is_mounted(int rootfd, const char *mp)
{
	if (!strcmp(mp, "/") || !*mp)
		return true;
	int fd = fs_open_dir(rootfd, mp);
	if (fd < 0)
		return false;
	char *parent = strdup(mp);
	bool mounted = true;
	if (parent) {
		char *slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = 0;
		else if (slash)
			*slash = 0;
		int pfd = fs_open_dir(rootfd, parent);
		if (pfd >= 0) {
			struct stat a, b;
			uint64_t ma = sw_mnt_id(fd), mb = sw_mnt_id(pfd);
			if (ma && mb)
				mounted = ma != mb;
			else if (!fstat(fd, &a) && !fstat(pfd, &b))
				mounted = a.st_dev != b.st_dev;
			close(pfd);
		}
		free(parent);
	}
	close(fd);
	return mounted;
}

static int read_records(struct sw_store *s, char *err, size_t errsz)
{
	char *buf = malloc(CAT_MAX_PATH + 1);
	size_t cap = 0;
	int rc = 0;
	if (!buf)
		return -1;
	for (;;) {
		struct cat_record rec;
		int n = catr_next(&s->cat, &rec, buf, CAT_MAX_PATH + 1);
		if (n == 0)
			break;
		if (n < 0) {
			snprintf(err, errsz, "%s: malformed record %zu", s->cat_name, s->nrecs);
			rc = -1;
			break;
		}
		if (s->nrecs == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct sw_rec *v = realloc(s->recs, nc * sizeof *v);
			if (!v) {
				rc = -1;
				snprintf(err, errsz, "out of memory");
				break;
			}
			s->recs = v;
			cap = nc;
		}
		s->recs[s->nrecs].r = rec;
		s->recs[s->nrecs].path = strdup(buf);
		s->recs[s->nrecs].target = NULL;
		if (s->recs[s->nrecs].path && rec.type == CT_SYMLINK &&
		    catr_target(&s->cat, buf, CAT_MAX_PATH + 1))
			s->recs[s->nrecs].target = strdup(buf);
		if (!s->recs[s->nrecs].path) {
			rc = -1;
			snprintf(err, errsz, "out of memory");
			break;
		}
		s->nrecs++;
	}
	free(buf);
	return rc;
}

/* Are the catalog's records in walk order (sw_path_cmp, never going backwards)? One
 * pass over the file, two path buffers. */
static int check_order(struct sw_store *s, bool *ordered)
{
	char *a = malloc(CAT_MAX_PATH + 1), *b = malloc(CAT_MAX_PATH + 1);
	size_t alen = 0;
	bool first = true;
	*ordered = true;
	if (!a || !b) {
		free(a);
		free(b);
		return -1;
	}
	catr_rewind(&s->cat);
	struct cat_record rec;
	int k;
	while (*ordered && (k = catr_next(&s->cat, &rec, b, CAT_MAX_PATH + 1)) == 1) {
		size_t blen = strlen(b);
		if (!first && sw_path_cmp(a, alen, b, blen) > 0)
			*ordered = false;
		char *t = a;
		a = b;
		b = t;
		alen = blen;
		first = false;
	}
	catr_rewind(&s->cat);
	free(a);
	free(b);
	return 0;
}

/* Every per-volume store opened must be as trustworthy as the master (storeguard.h).
 * One whose MIGSTATE is gone (an rd finished all but its directory) holds nothing. */
static int check_volume_stores(struct sw_store *s, char *err, size_t errsz)
{
	for (size_t i = 0; i < s->nvols; i++) {
		if (i == s->master || s->vol_fd[i] < 0)
			continue;
		int meta = openat(s->vol_fd[i], STORE_META,
				  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (meta < 0 && errno == ENOENT)
			continue;
		char why[400];
		int bad = storeguard_check(meta, why, sizeof why);
		if (meta >= 0)
			close(meta);
		if (bad) {
			snprintf(err, errsz,
				 "the store of the volume mounted at %s (%s) cannot be trusted: %s "
				 "(another user could have written what it holds): nothing touched",
				 s->cat.vols[i].mount, s->vol_real[i], why);
			return -1;
		}
	}
	return 0;
}

static int open_volumes(struct sw_store *s)
{
	s->nvols = s->have_cat ? s->cat.nvols : 0;
	size_t n = s->nvols ? s->nvols : 1;
	s->vol_fd = malloc(n * sizeof *s->vol_fd);
	s->file_fd = malloc(n * sizeof *s->file_fd);
	s->vol_real = calloc(n, sizeof *s->vol_real);
	s->vol_unmounted = calloc(n, sizeof *s->vol_unmounted);
	if (!s->vol_fd || !s->file_fd || !s->vol_real || !s->vol_unmounted)
		return -1;
	for (size_t i = 0; i < n; i++)
		s->vol_fd[i] = s->file_fd[i] = -1;
	if (!s->nvols) {
		/* no catalog: only the master store is known */
		s->nvols = 1;
		s->vol_fd[0] = dup(s->store_fd);
		s->vol_real[0] = strdup(s->real);
		s->file_fd[0] = fs_open_dir(s->store_fd, "/" STORE_META "/" STORE_PAYLOAD);
		s->master = 0;
		return s->vol_real[0] ? 0 : -1;
	}
	for (size_t i = 0; i < s->nvols; i++) {
		const struct cat_vol_info *v = &s->cat.vols[i];
		if (i == s->master) {
			s->vol_fd[i] = dup(s->store_fd);
			s->vol_real[i] = strdup(s->real);
		} else if ((v->v.flags & CV_NO_STORE) || !v->store_dir || !*v->store_dir) {
			s->vol_real[i] = strdup("");
			continue; /* its files were copied into the master */
		} else {
			s->vol_fd[i] = fs_open_dir(s->rootfd, v->store_dir);
			s->vol_real[i] = join_root(s->root, v->store_dir);
			if (s->vol_fd[i] < 0 && !is_mounted(s->rootfd, v->mount))
				s->vol_unmounted[i] = true;
		}
		if (!s->vol_real[i])
			return -1;
		if (s->vol_fd[i] >= 0)
			s->file_fd[i] = fs_open_dir(s->vol_fd[i], "/" STORE_META "/" STORE_PAYLOAD);
	}
	return 0;
}

int sw_open(struct sw_store *s, const char *path, const char *root, unsigned flags, char *err,
	    size_t errsz, int *exit_code)
{
	char cerr[256];
	memset(s, 0, sizeof *s);
	s->store_fd = s->meta_fd = s->rootfd = -1;
	*exit_code = EXIT_BAD_STORE;
	s->arg = strdup(path);
	s->real = realpath(path, NULL);
	if (!s->arg || !s->real) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		if (errno == EACCES || errno == EPERM)
			*exit_code = EXIT_NOT_PERMITTED;
		return -1;
	}
	/* a store we may not enter is "not permitted", not "not a store" */
	int perr = 0, probe = open(s->real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (probe < 0) {
		perr = errno;
	} else {
		int m = openat(probe, STORE_META, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (m < 0)
			perr = errno;
		else
			close(m);
		close(probe);
	}
	if (perr == EACCES || perr == EPERM) {
		snprintf(err, errsz, "%s: %s", path, strerror(perr));
		*exit_code = EXIT_NOT_PERMITTED;
		return -1;
	}
	s->state = store_probe(s->real);
	if (s->state == SS_NONE || s->state == SS_FOREIGN) {
		snprintf(err, errsz,
			 "%s is not a migstate store (no %s/%s of ours): nothing touched", path,
			 STORE_META, STORE_ID_FILE);
		return -1;
	}
	s->store_fd = open(s->real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->store_fd >= 0)
		s->meta_fd = openat(s->store_fd, STORE_META,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->meta_fd < 0) {
		snprintf(err, errsz, "%s/%s: %s", path, STORE_META, strerror(errno));
		if (errno == EACCES || errno == EPERM)
			*exit_code = EXIT_NOT_PERMITTED;
		return -1;
	}
	/* from here on the store is used through these descriptors: lock and check them */
	char why[400];
	if (!(flags & SW_NO_LOCK) && storeguard_lock(s->store_fd, why, sizeof why) != 0) {
		snprintf(err, errsz, "%s: %s", path, why);
		if (errno == EWOULDBLOCK)
			*exit_code = EXIT_STORE_BUSY;
		return -1;
	}
	if (storeguard_check(s->meta_fd, why, sizeof why) != 0) {
		snprintf(err, errsz, "%s cannot be trusted: %s (another user could have written "
			 "what it holds): nothing touched", path, why);
		return -1;
	}
	enum store_state held = store_get_state(s->meta_fd);
	if (held != SS_FOREIGN)
		s->state = held; /* what the opened store says (the probe went by name) */
	s->cat_name = "catalog";
	if (catr_open(s->meta_fd, "catalog", &s->cat, cerr, sizeof cerr) == 0) {
		s->have_cat = true;
	} else if ((flags & SW_ALLOW_PARTIAL) &&
		   catr_open_partial(s->meta_fd, &s->cat, err, errsz) == 0) {
		s->have_cat = true;
		s->cat_name = "catalog.partial";
	} else if (!(flags & SW_NO_CATALOG)) {
		snprintf(err, errsz, "%s: the store has no usable catalog (%s)", path, cerr);
		return -1;
	}
	if (s->have_cat) {
		if ((flags & SW_ORDERED) && !(flags & SW_STREAM) && check_order(s, &s->ordered)) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		/* test hook: the tests compare the streamed lookups with the index */
		const char *ix = getenv("MIGSTATE_TEST_CATALOG_INDEX");
		if (ix && *ix && *ix != '0')
			s->ordered = false;
		if (!(flags & SW_STREAM) && !s->ordered &&
		    (read_records(s, err, errsz) || index_build(s)))
			return -1;
		for (size_t i = 0; i < s->cat.nvols; i++)
			if (s->cat.vols[i].v.flags & CV_MASTER)
				s->master = i;
	}
	if (root)
		s->root = realpath(root, NULL);
	else if (s->have_cat && s->cat.nvols > 0 &&
		 !(s->cat.vols[s->master].v.flags & CV_OUTSIDE_ROOT))
		s->root = derive_root(s->real, s->cat.vols[s->master].store_dir);
	if (!s->root && !root) {
		s->root = strdup("/");
		s->root_guessed = s->have_cat && s->cat.nvols > 1;
	}
	if (!s->root || (s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errsz, "root %s: %s", s->root ? s->root : "?", strerror(errno));
		return -1;
	}
	if (open_volumes(s) || !(s->dirs = calloc(s->nvols + 1, sizeof *s->dirs))) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (size_t i = 0; i <= s->nvols; i++)
		fds_init(&s->dirs[i], i < s->nvols ? s->file_fd[i] : s->rootfd, 0);
	if (check_volume_stores(s, err, errsz))
		return -1;
	*exit_code = EXIT_OK;
	return 0;
}

void sw_close(struct sw_store *s)
{
	for (size_t i = 0; s->dirs && i <= s->nvols; i++)
		fds_free(&s->dirs[i]);
	free(s->dirs);
	for (size_t i = 0; i < s->nvols; i++) {
		if (s->vol_fd && s->vol_fd[i] >= 0)
			close(s->vol_fd[i]);
		if (s->file_fd && s->file_fd[i] >= 0)
			close(s->file_fd[i]);
		if (s->vol_real)
			free(s->vol_real[i]);
	}
	free(s->vol_fd);
	free(s->file_fd);
	free(s->vol_real);
	free(s->vol_unmounted);
	for (size_t i = 0; i < s->nrecs; i++) {
		free(s->recs[i].path);
		free(s->recs[i].target);
	}
	free(s->recs);
	free(s->index);
	if (s->have_cat)
		catr_close(&s->cat);
	if (s->meta_fd >= 0)
		close(s->meta_fd);
	if (s->store_fd >= 0)
		close(s->store_fd);
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->root);
	free(s->real);
	free(s->arg);
	memset(s, 0, sizeof *s);
	s->store_fd = s->meta_fd = s->rootfd = -1;
}

/* A new fd of the parent of LOGICAL through directory stack K (based on BASE): records
 * come in walk order, so an open per new directory at any depth, instead of a
 * resolution of the whole path per record (one component at a time beyond PATH_MAX). */
static int stack_parent(const struct sw_store *s, size_t k, int base, const char *logical,
			const char **leaf)
{
	const char *slash = strrchr(logical, '/');
	if (!slash || !slash[1] || logical[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	*leaf = slash + 1;
	struct fdstack *st = &s->dirs[k];
	if (st->base != base) { /* the volume's directory was closed (rd) and opened anew */
		fds_free(st);
		fds_init(st, base, 0);
	}
	size_t len = slash > logical ? (size_t)(slash - logical) : 1;
	int fd = fds_goto(st, logical, len, NULL, NULL);
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

int sw_payload_dir(const struct sw_store *s, const struct sw_rec *r, const char **leaf)
{
	if (r->r.volume >= s->nvols || s->file_fd[r->r.volume] < 0) {
		errno = ENOENT;
		return -1;
	}
	return stack_parent(s, r->r.volume, s->file_fd[r->r.volume], r->path, leaf);
}

int sw_open_parent(const struct sw_store *s, const char *logical, const char **leaf)
{
	return stack_parent(s, s->nvols, s->rootfd, logical, leaf);
}

int sw_open_dir(const struct sw_store *s, const char *logical)
{
	if (logical[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	int fd = fds_goto(&s->dirs[s->nvols], logical, strlen(logical), NULL, NULL);
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

int sw_payload_stat(const struct sw_store *s, const struct sw_rec *r, struct stat *st)
{
	const char *leaf;
	int dfd = sw_payload_dir(s, r, &leaf);
	if (dfd < 0)
		return -1;
	int rc = fstatat(dfd, leaf, st, AT_SYMLINK_NOFOLLOW);
	int saved = errno;
	close(dfd);
	errno = saved;
	return rc;
}

/* --- walking ----------------------------------------------------------------------- */

/* The directories on the way down are held by an fdstack (fdstack.h): a bounded number
 * of descriptors at any depth; a directory closed on the way is opened again (as the
 * same directory, or not at all) when the walk comes back to it. */
struct walker {
	sw_visit_fn fn;
	void *ctx;
	dev_t dev;
	uint64_t mnt;
	char *rel;
	size_t relcap;
	struct fdstack fds;
};

static int rel_set(struct walker *w, size_t base, const char *name)
{
	size_t nl = strlen(name);
	if (base + nl + 2 > w->relcap) {
		size_t cap = w->relcap ? w->relcap : 256;
		while (cap < base + nl + 2)
			cap *= 2;
		char *q = realloc(w->rel, cap);
		if (!q)
			return -1;
		w->rel = q;
		w->relcap = cap;
	}
	if (base)
		w->rel[base++] = '/';
	memcpy(w->rel + base, name, nl + 1);
	return 0;
}

/* Walk the directory on top of the stack (REL: its path, RELLEN bytes). A directory
 * that cannot be read is reported (error set) after its pre-visit, instead of its
 * post-visit: it is never taken for empty. */
/* One directory of the walk: its sorted names, the next one to visit, and for the
 * subdirectory being walked below it what its visit after the walk needs. The walk is
 * a loop over these frames, not a recursion: a user's tree 30,000 levels deep must not
 * exhaust the stack. */
struct sw_frame {
	char **names;
	size_t n, i;
	size_t rellen; /* length of this directory's relative path */
	int rc;	       /* nonzero: this directory's walk stops, its parent gets an error */
	int err;       /* errno that goes with rc */
	/* the subdirectory names[i - 1] being walked */
	struct stat st;
	int pre;
	bool foreign;
};

static int push_frame(struct sw_frame **fr, size_t *nfr, size_t *cap, int dfd, size_t rellen)
{
	if (*nfr == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct sw_frame *q = realloc(*fr, c * sizeof *q);
		if (!q)
			return -1;
		*fr = q;
		*cap = c;
	}
	struct sw_frame *f = &(*fr)[*nfr];
	memset(f, 0, sizeof *f);
	f->rellen = rellen;
	if (dfd < 0 || dirnames_read(dfd, &f->names, &f->n) != 0)
		return -1;
	(*nfr)++;
	return 0;
}

/* The subdirectory F->names[F->i - 1] has been walked (ERR: how that went): leave it
 * and visit it once more, after its contents. */
static void after_subdir(struct walker *w, struct sw_frame *f, int err)
{
	const char *name = f->names[f->i - 1];
	int dfd;
	if (fds_pop(&w->fds) != 0 || (dfd = fds_top(&w->fds)) < 0) {
		f->rc = -1; /* where we came from is not the directory it was: stop */
		f->err = errno;
		return;
	}
	if (f->pre == 1)
		return;
	if (f->pre) {
		f->rc = f->pre;
		f->err = errno;
		return;
	}
	if (rel_set(w, f->rellen, name)) {
		f->rc = -1;
		f->err = ENOMEM;
		return;
	}
	struct sw_visit v = {dfd, name, w->rel, &f->st, !f->foreign, f->foreign, err};
	if ((f->rc = w->fn(&v, w->ctx)) != 0)
		f->err = errno;
}

/* Visit the entry F->names[F->i++]. 1 when a subdirectory frame was pushed. */
static int visit_entry(struct walker *w, struct sw_frame **fr, size_t *nfr, size_t *cap)
{
	struct sw_frame *f = &(*fr)[*nfr - 1];
	const char *name = f->names[f->i++];
	if (rel_set(w, f->rellen, name)) {
		f->rc = -1;
		f->err = ENOMEM;
		return 0;
	}
	size_t sublen = f->rellen ? f->rellen + 1 + strlen(name) : strlen(name);
	int dfd = fds_top(&w->fds);
	struct stat st;
	struct sw_visit v = {dfd, name, w->rel, &st, false, false, 0};
	if (dfd < 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		memset(&st, 0, sizeof st);
		v.error = errno;
		if ((f->rc = w->fn(&v, w->ctx)) != 0)
			f->err = errno;
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		if ((f->rc = w->fn(&v, w->ctx)) != 0)
			f->err = errno;
		return 0;
	}
	/* the directory examined, or an error: swapped in between, it is not entered */
	struct fds_id id = {st.st_dev, st.st_ino};
	int sub = fds_push(&w->fds, name, strlen(name), NULL, NULL, &id);
	if (sub < 0) {
		v.error = errno;
		if ((f->rc = w->fn(&v, w->ctx)) != 0)
			f->err = errno;
		return 0;
	}
	uint64_t m = sw_mnt_id(sub);
	f->st = st;
	f->foreign = st.st_dev != w->dev || (m && w->mnt && m != w->mnt);
	f->pre = f->foreign ? 0 : w->fn(&v, w->ctx);
	if (f->foreign || f->pre != 0) {
		after_subdir(w, f, 0);
		return 0;
	}
	if (push_frame(fr, nfr, cap, sub, sublen) != 0) {
		int e = errno ? errno : EIO;
		after_subdir(w, &(*fr)[*nfr - 1], e);
		return 0;
	}
	return 1;
}

int sw_walk(int top, sw_visit_fn fn, void *ctx)
{
	struct stat st;
	if (fstat(top, &st) != 0)
		return -1;
	struct walker w = {fn, ctx, st.st_dev, sw_mnt_id(top), NULL, 0, {0}};
	fds_init(&w.fds, top, 0);
	struct sw_frame *fr = NULL;
	size_t nfr = 0, cap = 0;
	int rc = 0, e = 0;
	errno = 0;
	if (push_frame(&fr, &nfr, &cap, top, 0) != 0) {
		rc = -1;
		e = errno;
	}
	while (nfr > 0) {
		struct sw_frame *f = &fr[nfr - 1];
		if (f->rc == 0 && f->i < f->n) {
			visit_entry(&w, &fr, &nfr, &cap);
			continue;
		}
		/* this directory is done: its parent visits it once more */
		int frc = f->rc, ferr = f->err;
		dirnames_free(f->names, f->n);
		nfr--;
		if (nfr == 0) {
			rc = frc;
			e = ferr;
			break;
		}
		after_subdir(&w, &fr[nfr - 1], frc ? (ferr ? ferr : EIO) : 0);
	}
	free(fr);
	fds_free(&w.fds);
	free(w.rel);
	errno = e;
	return rc;
}

/* --- the restore journal ----------------------------------------------------------- */

/* A sorted entry: u32 volume, u32 path length, the path, the destination (no NULs). */
#define JREC_HEAD 8u

static int jrec_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	uint32_t av, bv, al, bl;
	(void)an;
	(void)bn;
	memcpy(&av, a, 4);
	memcpy(&al, a + 4, 4);
	memcpy(&bv, b, 4);
	memcpy(&bl, b + 4, 4);
	int c = sw_path_cmp((const char *)a + JREC_HEAD, al, (const char *)b + JREC_HEAD, bl);
	if (c)
		return c;
	return av < bv ? -1 : av > bv;
}

int sw_journal_open(int meta_fd, int tmpdir, struct sw_journal *j)
{
	memset(j, 0, sizeof *j);
	j->tmpdir = tmpdir;
	j->fd = openat(meta_fd, SW_JOURNAL, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (j->fd < 0)
		return errno == ENOENT ? 0 : -1;
	return 0;
}

/* Read the journal into the sorter: lines as load writes them; a torn last line (a
 * crash while appending) ends it, a malformed line is skipped. */
static void journal_load(struct sw_journal *j)
{
	/* budget: the sorter's memory for a journal of any length */
	xs_init(&j->xs, j->tmpdir, (size_t)2 << 20, jrec_cmp);
	j->loaded = true;
	FILE *f = j->fd >= 0 ? fdopen(j->fd, "r") : NULL;
	if (!f) {
		if (j->fd >= 0)
			close(j->fd);
		j->fd = -1;
		xs_rewind(&j->xs);
		return;
	}
	j->fd = -1; /* f owns it */
	char *line = NULL, *rec = NULL;
	size_t lcap = 0, rcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] != '\n')
			break;
		line[len - 1] = 0;
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2)
			continue;
		*t1 = *t2 = 0;
		char *end;
		unsigned long vol = strtoul(line, &end, 10);
		if (*end || !lineesc_decode(t1 + 1) || !lineesc_decode(t2 + 1))
			continue;
		size_t pl = strlen(t1 + 1), dl = strlen(t2 + 1);
		if (pl > UINT32_MAX || JREC_HEAD + pl + dl > rcap) {
			size_t nc = JREC_HEAD + pl + dl + 64;
			char *q = pl > UINT32_MAX ? NULL : realloc(rec, nc);
			if (!q) {
				j->err = ENOMEM;
				break;
			}
			rec = q;
			rcap = nc;
		}
		uint32_t v32 = (uint32_t)vol, p32 = (uint32_t)pl;
		memcpy(rec, &v32, 4);
		memcpy(rec + 4, &p32, 4);
		memcpy(rec + JREC_HEAD, t1 + 1, pl);
		memcpy(rec + JREC_HEAD + pl, t2 + 1, dl);
		if (xs_put(&j->xs, rec, JREC_HEAD + pl + dl) != 0) {
			j->err = errno ? errno : EIO;
			break;
		}
	}
	if (!j->err && ferror(f))
		j->err = errno ? errno : EIO;
	free(rec);
	free(line);
	fclose(f);
	if (xs_rewind(&j->xs) != 0 && !j->err)
		j->err = errno ? errno : EIO;
}

int sw_journal_load(struct sw_journal *j)
{
	if (!j->loaded)
		journal_load(j);
	return j->err ? -1 : 0;
}

void sw_journal_rewind(struct sw_journal *j)
{
	if (j->loaded && xs_rewind(&j->xs) != 0 && !j->err)
		j->err = errno ? errno : EIO;
	j->have = j->eof = j->have_la = false;
	j->gn = 0;
}

/* Append the entry REC to the group at hand. */
static int group_add(struct sw_journal *j, const unsigned char *rec, size_t n)
{
	uint32_t vol, pl;
	memcpy(&vol, rec, 4);
	memcpy(&pl, rec + 4, 4);
	size_t dl = n - JREC_HEAD - pl;
	if (j->gn == j->gcap) {
		size_t nc = j->gcap ? j->gcap * 2 : 8;
		uint32_t *v = realloc(j->gvol, nc * sizeof *v);
		if (v)
			j->gvol = v;
		size_t *d = v ? realloc(j->gdest, nc * sizeof *d) : NULL;
		if (!d)
			return -1;
		j->gdest = d;
		j->gcap = nc;
	}
	if (j->gdlen + dl + 1 > j->gdcap) {
		size_t nc = j->gdcap ? j->gdcap : 256;
		while (nc < j->gdlen + dl + 1)
			nc *= 2;
		char *q = realloc(j->gdests, nc);
		if (!q)
			return -1;
		j->gdests = q;
		j->gdcap = nc;
	}
	if (!j->gn) {
		if (pl + 1 > j->gpcap) {
			char *q = realloc(j->gpath, pl + 1);
			if (!q)
				return -1;
			j->gpath = q;
			j->gpcap = pl + 1;
		}
		memcpy(j->gpath, rec + JREC_HEAD, pl);
		j->gpath[pl] = 0;
		j->glen = pl;
	}
	j->gvol[j->gn] = vol;
	j->gdest[j->gn++] = j->gdlen;
	memcpy(j->gdests + j->gdlen, rec + JREC_HEAD + pl, dl);
	j->gdests[j->gdlen + dl] = 0;
	j->gdlen += dl + 1;
	return 0;
}

/* Read the next sorted entry into la (a copy: the sorter's is gone at the next get). */
static bool fetch_ahead(struct sw_journal *j)
{
	size_t n;
	const unsigned char *r = j->eof ? NULL : xs_get(&j->xs, &n);
	if (!r) {
		if (!j->eof && j->xs.err && !j->err)
			j->err = j->xs.err;
		j->eof = true;
		return false;
	}
	if (n > j->lacap) {
		unsigned char *q = realloc(j->la, n);
		if (!q) {
			j->err = ENOMEM;
			j->eof = true;
			return false;
		}
		j->la = q;
		j->lacap = n;
	}
	memcpy(j->la, r, n);
	j->lan = n;
	return j->have_la = true;
}

/* The next group: every entry of the next payload path. The entry after it stays read
 * ahead in la and starts the following group. */
static bool group_next(struct sw_journal *j)
{
	j->gn = 0;
	j->gdlen = 0;
	j->have = false;
	if (!j->have_la && !fetch_ahead(j))
		return false;
	do {
		uint32_t pl;
		memcpy(&pl, j->la + 4, 4);
		if (j->gn &&
		    sw_path_cmp(j->gpath, j->glen, (const char *)j->la + JREC_HEAD, pl) != 0)
			break;
		if (group_add(j, j->la, j->lan) != 0) {
			j->err = ENOMEM;
			j->eof = true;
			break;
		}
		j->have_la = false;
	} while (fetch_ahead(j));
	return j->have = j->gn > 0;
}

size_t sw_journal_find(struct sw_journal *j, uint32_t vol, const char *path, size_t len,
		       const char *const **dests)
{
	if (!j->loaded)
		journal_load(j);
	for (;;) {
		if (!j->have && !group_next(j))
			return 0;
		int c = sw_path_cmp(j->gpath, j->glen, path, len);
		if (c > 0)
			return 0;
		if (c == 0)
			break;
		j->have = false;
	}
	if (j->gn > j->outcap) {
		const char **q = realloc(j->out, j->gn * sizeof *q);
		if (!q) {
			j->err = ENOMEM;
			return 0;
		}
		j->out = q;
		j->outcap = j->gn;
	}
	size_t n = 0;
	for (size_t i = 0; i < j->gn; i++)
		if (j->gvol[i] == vol)
			j->out[n++] = j->gdests + j->gdest[i];
	*dests = j->out;
	return n;
}

void sw_journal_close(struct sw_journal *j)
{
	if (j->loaded)
		xs_free(&j->xs);
	if (j->fd >= 0)
		close(j->fd);
	free(j->gpath);
	free(j->gvol);
	free(j->gdest);
	free(j->gdests);
	free(j->la);
	free(j->out);
	memset(j, 0, sizeof *j);
	j->fd = -1;
}

FILE *sw_journal_append(int meta_fd)
{
	int fd = openat(meta_fd, SW_JOURNAL, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			0600);
	if (fd < 0)
		return NULL;
	/* a run killed mid-line left a torn last line: end it with a bare backslash (an
	 * escape the reader refuses, so it skips that line) rather than glue this run's
	 * first entry onto it */
	struct stat st;
	char last;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 &&
	    last != '\n' && write(fd, "\\\n", 2) != 2) {
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "a");
	if (!f)
		close(fd);
	return f;
}

int sw_journal_add(FILE *f, uint32_t vol, const char *path, const char *dest)
{
	if (!f)
		return 0;
	fprintf(f, "%u\t", vol);
	lineesc_put(f, path);
	fputc('\t', f);
	lineesc_put(f, dest);
	fputc('\n', f);
	/* a crash loses at most the line being written */
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

bool sw_same_content(int a, int b)
{
	struct stat sa, sb;
	if (fstat(a, &sa) || fstat(b, &sb) || !S_ISREG(sa.st_mode) || !S_ISREG(sb.st_mode) ||
	    sa.st_size != sb.st_size)
		return false;
	if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
		return true;
	static char ba[65536], bb[65536];
	off_t off = 0;
	for (;;) {
		ssize_t na = pread(a, ba, sizeof ba, off);
		if (na < 0 && errno == EINTR)
			continue;
		if (na < 0)
			return false;
		if (na == 0)
			return off == sa.st_size;
		ssize_t got = 0;
		while (got < na) {
			ssize_t nb = pread(b, bb + got, (size_t)(na - got), off + got);
			if (nb < 0 && errno == EINTR)
				continue;
			if (nb <= 0)
				return false;
			got += nb;
		}
		if (memcmp(ba, bb, (size_t)na))
			return false;
		off += na;
	}
}

bool sw_same_file_content(int adir, const char *a, int bdir, const char *b)
{
	int fa = openat(adir, a, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fa < 0)
		return false;
	int fb = openat(bdir, b, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	bool same = fb >= 0 && sw_same_content(fa, fb);
	if (fb >= 0)
		close(fb);
	close(fa);
	return same;
}

int sw_parse_args(int argc, char **argv, const char *verb, const char *help, const char **store,
		  const char **root, bool *json)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			*json = true;
		} else if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			*root = argv[++i];
		} else if (!strncmp(argv[i], "--root=", 7)) {
			*root = argv[i] + 7;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (argv[i][0] == '-' || *store) {
			fprintf(stderr, "migstate %s: unexpected argument '%s'\n", verb, argv[i]);
			return EXIT_USAGE;
		} else {
			*store = argv[i];
		}
	}
	if (!*store) {
		fprintf(stderr, "migstate %s: the STORE argument is required\n", verb);
		return EXIT_USAGE;
	}
	/* "" would be the current directory to every open */
	if (!**store || (*root && !**root)) {
		fprintf(stderr, "migstate %s: the %s argument is empty\n", verb,
			!**store ? "STORE" : "--root");
		return EXIT_USAGE;
	}
	return -1;
}

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
#include <unistd.h>

#include "exitcodes.h"
#include "fsutil.h"

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
		if (s->recs[s->nrecs].path && rec.type == CT_SYMLINK && catr_target(&s->cat, buf, CAT_MAX_PATH + 1))
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

int sw_open(struct sw_store *s, const char *path, const char *root, unsigned flags,
	    char *err, size_t errsz, int *exit_code)
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
		snprintf(err, errsz, "%s is not a migstate store (no %s/%s of ours): nothing touched",
			 path, STORE_META, STORE_ID_FILE);
		return -1;
	}
	s->store_fd = open(s->real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->store_fd >= 0)
		s->meta_fd = openat(s->store_fd, STORE_META, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->meta_fd < 0) {
		snprintf(err, errsz, "%s/%s: %s", path, STORE_META, strerror(errno));
		if (errno == EACCES || errno == EPERM)
			*exit_code = EXIT_NOT_PERMITTED;
		return -1;
	}
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
		if (!(flags & SW_STREAM) && (read_records(s, err, errsz) || index_build(s)))
			return -1;
		for (size_t i = 0; i < s->cat.nvols; i++)
			if (s->cat.vols[i].v.flags & CV_MASTER)
				s->master = i;
	}
	if (root)
		s->root = realpath(root, NULL);
	else if (s->have_cat && s->cat.nvols > 0 && !(s->cat.vols[s->master].v.flags & CV_OUTSIDE_ROOT))
		s->root = derive_root(s->real, s->cat.vols[s->master].store_dir);
	if (!s->root && !root) {
		s->root = strdup("/");
		s->root_guessed = s->have_cat && s->cat.nvols > 1;
	}
	if (!s->root || (s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errsz, "root %s: %s", s->root ? s->root : "?", strerror(errno));
		return -1;
	}
	if (open_volumes(s)) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	*exit_code = EXIT_OK;
	return 0;
}

void sw_close(struct sw_store *s)
{
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

int sw_payload_dir(const struct sw_store *s, const struct sw_rec *r, const char **leaf)
{
	if (r->r.volume >= s->nvols || s->file_fd[r->r.volume] < 0) {
		errno = ENOENT;
		return -1;
	}
	return fs_open_parent(s->file_fd[r->r.volume], r->path, leaf);
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

struct walker {
	sw_visit_fn fn;
	void *ctx;
	dev_t dev;
	uint64_t mnt;
	char *rel;
	size_t relcap;
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

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in DFD, sorted (so walks and their reports are reproducible). */
static char **read_names(int dfd, size_t *n)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	rewinddir(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			char **q = realloc(v, cap * sizeof *q);
			if (!q)
				break;
			v = q;
		}
		if (!(v[*n] = strdup(de->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_names);
	return v;
}

static int walk_dir(struct walker *w, int dfd, size_t rellen)
{
	size_t n;
	char **names = read_names(dfd, &n);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc)
			break;
		if (rel_set(w, rellen, names[i])) {
			rc = -1;
			break;
		}
		size_t sublen = rellen ? rellen + 1 + strlen(names[i]) : strlen(names[i]);
		struct stat st;
		struct sw_visit v = {dfd, names[i], w->rel, &st, false, false, 0};
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue;
			memset(&st, 0, sizeof st);
			v.error = errno;
			rc = w->fn(&v, w->ctx);
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			rc = w->fn(&v, w->ctx);
			continue;
		}
		int sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			v.error = errno;
			rc = w->fn(&v, w->ctx);
			continue;
		}
		struct stat sst;
		uint64_t m = sw_mnt_id(sub);
		if (fstat(sub, &sst) != 0 || sst.st_dev != w->dev || (m && w->mnt && m != w->mnt)) {
			close(sub);
			v.foreign = true;
			rc = w->fn(&v, w->ctx);
			continue;
		}
		int pre = w->fn(&v, w->ctx);
		if (pre == 1) {
			close(sub);
			continue;
		}
		if (pre) {
			close(sub);
			rc = pre;
			break;
		}
		rc = walk_dir(w, sub, sublen);
		close(sub);
		if (rc)
			break;
		if (rel_set(w, rellen, names[i])) {
			rc = -1;
			break;
		}
		v.post = true;
		v.rel = w->rel;
		rc = w->fn(&v, w->ctx);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int sw_walk(int top, sw_visit_fn fn, void *ctx)
{
	struct stat st;
	if (fstat(top, &st) != 0)
		return -1;
	struct walker w = {fn, ctx, st.st_dev, sw_mnt_id(top), NULL, 0};
	int rc = walk_dir(&w, top, 0);
	free(w.rel);
	return rc;
}

/* --- the restore journal ----------------------------------------------------------- */

static void put_escaped(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\') {
			fwrite(run, 1, (size_t)(p - run), f); /* the plain bytes before it at once */
			fprintf(f, "\\x%02x", *p);
			run = p + 1;
		}
	}
	fwrite(run, 1, (size_t)(p - run), f);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescape S in place; false on a malformed escape. */
static bool unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		int h, l;
		if (p[1] != 'x' || (h = hexval(p[2])) < 0 || (l = hexval(p[3])) < 0 || (h == 0 && l == 0))
			return false;
		*o++ = (char)(h << 4 | l);
		p += 3;
	}
	*o = 0;
	return true;
}

static int jent_cmp(const void *a, const void *b)
{
	const struct sw_jent *x = a, *y = b;
	if (x->vol != y->vol)
		return x->vol < y->vol ? -1 : 1;
	return strcmp(x->path, y->path);
}

int sw_journal_read(int meta_fd, struct sw_journal *j)
{
	j->v = NULL;
	j->n = 0;
	int fd = openat(meta_fd, SW_JOURNAL, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -1;
	}
	char *line = NULL;
	size_t lcap = 0, cap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] != '\n')
			break; /* a torn last line (crash while appending) */
		line[len - 1] = 0;
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2)
			continue;
		*t1 = *t2 = 0;
		char *end;
		unsigned long vol = strtoul(line, &end, 10);
		if (*end || !unescape(t1 + 1) || !unescape(t2 + 1))
			continue;
		if (j->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct sw_jent *q = realloc(j->v, cap * sizeof *q);
			if (!q)
				break;
			j->v = q;
		}
		j->v[j->n].vol = (uint32_t)vol;
		j->v[j->n].path = strdup(t1 + 1);
		j->v[j->n].dest = strdup(t2 + 1);
		if (!j->v[j->n].path || !j->v[j->n].dest) {
			free(j->v[j->n].path);
			free(j->v[j->n].dest);
			break;
		}
		j->n++;
	}
	free(line);
	fclose(f);
	if (j->n)
		qsort(j->v, j->n, sizeof *j->v, jent_cmp);
	return 0;
}

void sw_journal_free(struct sw_journal *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->v[i].path);
		free(j->v[i].dest);
	}
	free(j->v);
	j->v = NULL;
	j->n = 0;
}

size_t sw_journal_find(const struct sw_journal *j, uint32_t vol, const char *path, size_t *first)
{
	size_t lo = 0, hi = j->n;
	struct sw_jent key = {vol, (char *)path, NULL};
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (jent_cmp(&j->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	size_t n = 0;
	while (lo + n < j->n && !jent_cmp(&j->v[lo + n], &key))
		n++;
	return n;
}

FILE *sw_journal_append(int meta_fd)
{
	int fd = openat(meta_fd, SW_JOURNAL, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "a");
	if (!f)
		close(fd);
	return f;
}

void sw_journal_add(FILE *f, uint32_t vol, const char *path, const char *dest)
{
	if (!f)
		return;
	fprintf(f, "%u\t", vol);
	put_escaped(f, path);
	fputc('\t', f);
	put_escaped(f, dest);
	fputc('\n', f);
	fflush(f); /* a crash loses at most the line being written */
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
	return -1;
}

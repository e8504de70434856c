/* walk.c - pre-order, fd-based, index-pruned directory walk (see walk.h). */
#include "walk.h"
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "catalog.h"

struct frame {
	int fd;
	size_t pathlen; /* length of this directory's path */
	size_t namepos; /* where its name starts in the path */
	struct statx stx;
	uint32_t mnt_id;
	bool reported;
	struct rt_cands cands;
};

struct ent {
	char *name;
	unsigned char type;
};

struct walker {
	const struct walk_config *c;
	const struct walk_ops *ops;
	void *ctx;
	struct walk_stats *st;
	char *path;
	size_t cap;
	struct frame *fr;
	size_t nfr, capfr;
};

static int grow_path(struct walker *w, size_t need)
{
	if (need <= w->cap)
		return 0;
	size_t cap = w->cap ? w->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(w->path, cap);
	if (!p)
		return -1;
	w->path = p;
	w->cap = cap;
	return 0;
}

/* Append "/NAME" (or "NAME" after the root) to the path; returns the old length. */
static size_t push_name(struct walker *w, size_t len, const char *name, size_t nl)
{
	size_t at = len > 1 ? len + 1 : len;
	if (len > 1)
		w->path[len] = '/';
	memcpy(w->path + at, name, nl);
	w->path[at + nl] = 0;
	return at + nl;
}

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

/* All names of directory FD (without . and ..), sorted. */
static int read_entries(int fd, struct ent **out, size_t *n)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (!d) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		errno = e;
		return -1;
	}
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			struct ent *q = realloc(*out, cap * sizeof *q);
			if (!q)
				goto oom;
			*out = q;
		}
		if (!((*out)[*n].name = strdup(de->d_name)))
			goto oom;
		(*out)[*n].type = de->d_type;
		(*n)++;
		errno = 0;
	}
	int e = errno;
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof **out, cmp_ent);
	errno = e;
	return e ? -1 : 0;
oom:
	closedir(d);
	errno = ENOMEM;
	return -1;
}

static void free_entries(struct ent *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* Report the parent directories (frames 1..upto-1) not reported yet. */
static int report_parents(struct walker *w, size_t upto)
{
	for (size_t i = 1; i < upto; i++) {
		struct frame *f = &w->fr[i];
		if (f->reported)
			continue;
		f->reported = true;
		char save = w->path[f->pathlen];
		w->path[f->pathlen] = 0;
		struct walk_obj o = {w->path,
				     f->pathlen,
				     f->namepos > 1 ? f->namepos - 1 : 1,
				     w->path + f->namepos,
				     w->fr[i - 1].fd,
				     &f->stx,
				     f->mnt_id,
				     true,
				     true,
				     NULL};
		int rc = w->ops->object(w->ctx, &o);
		w->path[f->pathlen] = save;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void fill_obj(struct vm_obj *o, const struct statx *s)
{
	o->size = s->stx_size;
	o->mtime = s->stx_mtime.tv_sec;
	o->ctime = s->stx_ctime.tv_sec;
	o->atime = s->stx_atime.tv_sec;
}

/* Decide the directory on top of the stack itself. */
static int decide_dir(struct walker *w)
{
	struct frame *f = &w->fr[w->nfr - 1];
	if (w->nfr == 1)
		return 0; /* the root itself is never an object */
	struct vm_obj o = {.dir = w->path, .dirlen = f->pathlen, .name = "", .is_dir = true};
	fill_obj(&o, &f->stx);
	struct decision d;
	rt_decide(w->c->b, &f->cands, &o, w->c->trace, &d);
	w->st->decided++;
	if (d.verdict != V_INCLUDE)
		return 0;
	w->st->included++;
	int rc = report_parents(w, w->nfr - 1);
	if (rc < 0)
		return rc;
	f->reported = true;
	struct walk_obj wo = {w->path,
			      f->pathlen,
			      f->namepos > 1 ? f->namepos - 1 : 1,
			      w->path + f->namepos,
			      w->fr[w->nfr - 2].fd,
			      &f->stx,
			      f->mnt_id,
			      true,
			      false,
			      &d};
	return w->ops->object(w->ctx, &wo);
}

static int decide_file(struct walker *w, int dirfd, size_t dirlen, const char *name, size_t len,
		       const struct statx *s, uint32_t mnt)
{
	struct frame *f = &w->fr[w->nfr - 1];
	bool is_link = S_ISLNK(s->stx_mode);
	struct vm_obj o = {.dir = w->path,
			   .dirlen = dirlen,
			   .name = w->path + len - strlen(name),
			   .namelen = strlen(name),
			   .is_link = is_link};
	fill_obj(&o, s);
	if (is_link)
		o.dangling = fs_link_dangles(w->c->rootfd, w->path, dirfd, name);
	struct decision d;
	rt_decide(w->c->b, &f->cands, &o, w->c->trace, &d);
	w->st->decided++;
	if (d.verdict != V_INCLUDE)
		return 0;
	w->st->included++;
	int rc = report_parents(w, w->nfr);
	if (rc < 0)
		return rc;
	struct walk_obj wo = {w->path, len, dirlen, o.name, dirfd, s, mnt, false, false, &d};
	return w->ops->object(w->ctx, &wo);
}

static bool skip_identity(const struct walk_config *c, const struct statx *s)
{
	for (size_t i = 0; i < c->nskip; i++)
		if (c->skip[i].dev == makedev(s->stx_dev_major, s->stx_dev_minor) &&
		    c->skip[i].ino == (ino_t)s->stx_ino)
			return true;
	return false;
}

static bool skip_path(const struct walk_config *c, const char *p)
{
	for (size_t i = 0; i < c->nskip_paths; i++)
		if (!strcmp(c->skip_paths[i], p))
			return true;
	return false;
}

static int walk_dir(struct walker *w);

/* Enter subdirectory NAME of the top frame (its path is already in w->path, LEN). */
static int enter(struct walker *w, const char *name, size_t len, const struct statx *s,
		 uint32_t mnt)
{
	struct frame *top = &w->fr[w->nfr - 1];
	const struct walk_config *c = w->c;
	if (skip_path(c, w->path) || skip_identity(c, s)) {
		if (w->ops->skipped)
			w->ops->skipped(w->ctx, w->path, "the store");
		return 0;
	}
	if (mnt != top->mnt_id) {
		const struct vol *v = vol_by_id(c->vols, mnt);
		if (v && v->pseudo) {
			if (w->ops->skipped)
				w->ops->skipped(w->ctx, w->path, "pseudo filesystem");
			return 0;
		}
	}
	int fd = openat(top->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0; /* gone since readdir */
		size_t dl = top->pathlen;
		char save = w->path[dl];
		w->path[dl] = 0;
		int rc = w->ops->error(w->ctx, w->path, name, errno, "opening the directory");
		w->path[dl] = save;
		return rc;
	}
	struct stat chk;
	if (fstat(fd, &chk) != 0 || chk.st_ino != (ino_t)s->stx_ino ||
	    chk.st_dev != makedev(s->stx_dev_major, s->stx_dev_minor)) {
		close(fd);
		return 0; /* replaced between statx and open: not what was examined */
	}
	if (w->nfr == w->capfr) {
		size_t cap = w->capfr * 2;
		struct frame *q = realloc(w->fr, cap * sizeof *q);
		if (!q) {
			close(fd);
			return w->ops->error(w->ctx, w->path, NULL, ENOMEM, "walking");
		}
		w->fr = q;
		w->capfr = cap;
		memset(w->fr + w->nfr, 0, (cap - w->nfr) * sizeof *q);
	}
	struct frame *f = &w->fr[w->nfr++];
	struct rt_cands keep = f->cands; /* reuse the allocation of an earlier sibling */
	*f = (struct frame){fd, len, len - strlen(name), *s, mnt, false, keep};
	int rc = walk_dir(w);
	close(fd);
	w->nfr--;
	return rc;
}

static int walk_dir(struct walker *w)
{
	struct frame *f = &w->fr[w->nfr - 1];
	const struct walk_config *c = w->c;
	size_t len = f->pathlen;
	w->st->dirs++;
	rt_candidates(c->b, w->path, len, &f->cands);
	int rc = decide_dir(w);
	if (rc < 0)
		return rc;
	struct ent *ents;
	size_t n;
	if (read_entries(f->fd, &ents, &n) != 0) {
		int e = errno;
		rc = w->ops->error(w->ctx, w->path, NULL, e, "reading the directory");
		free_entries(ents, n);
		return rc;
	}
	for (size_t i = 0; i < n && rc >= 0; i++) {
		if (c->stop && *c->stop) {
			rc = WALK_STOPPED;
			break;
		}
		f = &w->fr[w->nfr - 1]; /* enter() may move the stack */
		size_t nl = strlen(ents[i].name);
		if (len + 1 + nl > CAT_MAX_PATH || grow_path(w, len + nl + 2)) {
			rc = w->ops->error(w->ctx, w->path, ents[i].name, ENAMETOOLONG, "walking");
			continue;
		}
		unsigned char t = ents[i].type;
		if (t != DT_DIR && t != DT_UNKNOWN && f->cands.n == 0)
			continue; /* nothing can match a file here: no stat needed */
		size_t plen = push_name(w, len, ents[i].name, nl);
		if (t == DT_DIR && !rt_reachable(c->b, w->path, plen)) {
			w->path[len] = 0;
			continue;
		}
		struct statx s;
		uint32_t mnt = f->mnt_id;
		if (vol_statx(f->fd, ents[i].name, &s, &mnt) != 0) {
			int e = errno;
			w->path[len] = 0;
			if (e != ENOENT)
				rc = w->ops->error(w->ctx, w->path, ents[i].name, e, "examining");
			continue;
		}
		if (S_ISDIR(s.stx_mode)) {
			if (t == DT_DIR || rt_reachable(c->b, w->path, plen))
				rc = enter(w, ents[i].name, plen, &s, mnt);
		} else if (f->cands.n) {
			rc = decide_file(w, f->fd, len, ents[i].name, plen, &s, mnt);
		}
		w->path[len] = 0;
	}
	free_entries(ents, n);
	return rc;
}

int walk_run(const struct walk_config *c, const struct walk_ops *ops, void *ctx,
	     struct walk_stats *stats)
{
	struct walker w = {c, ops, ctx, stats, NULL, 0, NULL, 0, 16};
	int rc;
	memset(stats, 0, sizeof *stats);
	w.fr = calloc(w.capfr, sizeof *w.fr);
	if (!w.fr || grow_path(&w, 4096)) {
		free(w.fr);
		return ops->error(ctx, "/", NULL, ENOMEM, "walking");
	}
	int fd = openat(c->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct statx s;
	uint32_t mnt = 0;
	if (fd < 0 || vol_statx(fd, "", &s, &mnt) != 0) {
		rc = ops->error(ctx, "/", NULL, errno, "opening the root");
		if (fd >= 0)
			close(fd);
	} else {
		strcpy(w.path, "/");
		w.fr[0] = (struct frame){fd, 1, 1, s, mnt, true, {0}};
		w.nfr = 1;
		rc = walk_dir(&w);
		close(fd);
	}
	for (size_t i = 0; i < w.capfr; i++)
		rt_cands_free(&w.fr[i].cands);
	free(w.fr);
	free(w.path);
	return rc;
}

/* treewalk.c - the bottom-up walk of a store's tree that never follows a symlink and
 * never leaves a volume (treewalk.h). */
#include "treewalk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "dirnames.h"
#include "fdstack.h"

uint64_t sw_mnt_id(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) != 0 ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

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

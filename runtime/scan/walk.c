/* walk.c - pre-order, fd-based, index-pruned directory walk (see walk.h).
 *
 * Cost model: per directory one openat, one statx (before entering: mount, identity),
 * one fstat (the opened directory is the one examined) and getdents64 into a buffer
 * the frame keeps; the path index is looked up once per directory (rt_dir_begin).
 * Per entry: nothing when no binding reaches the directory; otherwise the decision is
 * made from the name and the d_type (rt_decide_in) and the entry is statx'ed only when
 * it is included, when a filter needs its size or times, or when the file system does
 * not report its type. No allocation per entry. The directories on the way down are held
 * by an fdstack (fdstack.h): a bounded number of descriptors at any depth. */
#include "walk.h"
#include "dent64.h"
#include "fdstack.h"
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "catalog.h"
#include "firstboot.h"
#include "store.h"
#include "storeguard.h"

#define DENTS_CHUNK (32u << 10) /* getdents64 asks for at least this much each time */

struct frame {
	size_t pathlen; /* length of this directory's path */
	size_t namepos; /* where its name starts in the path */
	struct statx stx;
	uint32_t mnt_id;
	bool reported;
	/* kept from sibling to sibling (allocations reused) */
	struct rt_dirctx dc;
	struct rt_cands cands; /* --trace only: the plain candidate list */
	char *dbuf;	       /* getdents64 records */
	size_t dcap;
	const char **names; /* sorted, into dbuf */
	unsigned char *types;
	size_t capnames;
	size_t i, n;   /* the next entry to visit, how many there are */
	size_t ncands; /* rules that may decide a file here (0: files need no look) */
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
	struct fdstack fds; /* level i: frame i's directory (0: the root) */
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

/* Append "/NAME" (or "NAME" after the root) to the path; returns the new length. */
static size_t push_name(struct walker *w, size_t len, const char *name, size_t nl)
{
	size_t at = len > 1 ? len + 1 : len;
	if (len > 1)
		w->path[len] = '/';
	memcpy(w->path + at, name, nl);
	w->path[at + nl] = 0;
	return at + nl;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* All names of the frame's directory (without . and ..), sorted by bytes, into the
 * frame's buffers. Returns the number of names, or -1 with errno. */
static long read_entries(struct frame *f, int fd)
{
	size_t used = 0;
	for (;;) {
		if (f->dcap - used < DENTS_CHUNK) {
			size_t cap = f->dcap ? f->dcap * 2 : 4 * DENTS_CHUNK;
			char *q = realloc(f->dbuf, cap);
			if (!q) {
				errno = ENOMEM;
				return -1;
			}
			f->dbuf = q;
			f->dcap = cap;
		}
		long n = syscall(SYS_getdents64, fd, f->dbuf + used, f->dcap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	size_t k = 0;
	for (size_t off = 0; off < used;) {
		const struct dent64 *d = (const struct dent64 *)(f->dbuf + off);
		off += d->reclen;
		if (d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2])))
			continue;
		if (k == f->capnames) {
			size_t cap = f->capnames ? f->capnames * 2 : 256;
			const char **q = realloc(f->names, cap * sizeof *q);
			unsigned char *t = q ? realloc(f->types, cap) : NULL;
			if (q)
				f->names = q;
			if (!t) {
				errno = ENOMEM;
				return -1;
			}
			f->types = t;
			f->capnames = cap;
		}
		f->names[k++] = d->name;
	}
	if (k > 1)
		qsort(f->names, k, sizeof *f->names, cmp_name);
	/* d_type sits just before the name in every record */
	for (size_t i = 0; i < k; i++)
		f->types[i] = ((const unsigned char *)f->names[i])[-1];
	return (long)k;
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
		int pfd = fds_at(&w->fds, i - 1); /* may be opened again: a deep tree */
		if (pfd < 0) {
			int rc = w->ops->error(w->ctx, w->path, NULL, errno,
					       "opening its parent directory again");
			w->path[f->pathlen] = save;
			if (rc < 0)
				return rc;
			f->reported = false;
			continue;
		}
		struct walk_obj o = {w->path,
				     f->pathlen,
				     f->namepos > 1 ? f->namepos - 1 : 1,
				     w->path + f->namepos,
				     pfd,
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
	o->nometa = false;
}

/* An error on entry NAME of the top frame's directory, whose path w->path holds with
 * the name pushed: the callback gets the directory and the name, never the path twice. */
static int entry_error(struct walker *w, const char *name, int err, const char *what)
{
	size_t dl = w->fr[w->nfr - 1].pathlen;
	char save = w->path[dl];
	w->path[dl] = 0;
	int rc = w->ops->error(w->ctx, w->path, name, err, what);
	w->path[dl] = save;
	return rc;
}

/* The verdict for O in the top frame's directory: the fast path, or with --trace the
 * plain candidate list (so the trace shows every program that runs). */
static int decide(struct walker *w, const struct vm_obj *o, struct decision *d)
{
	struct frame *f = &w->fr[w->nfr - 1];
	if (w->c->trace)
		return rt_decide(w->c->b, &f->cands, o, w->c->trace, d);
	return rt_decide_in(&f->dc, o, d);
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
	if (decide(w, &o, &d) < 0)
		return w->ops->error(w->ctx, w->path, NULL, errno, "deciding");
	w->st->decided++;
	if (d.verdict != V_INCLUDE)
		return 0;
	w->st->included++;
	int rc = report_parents(w, w->nfr - 1);
	if (rc < 0)
		return rc;
	int pfd = fds_at(&w->fds, w->nfr - 2);
	if (pfd < 0)
		return w->ops->error(w->ctx, w->path, NULL, errno,
				     "opening its parent directory again");
	f->reported = true;
	struct walk_obj wo = {w->path,
			      f->pathlen,
			      f->namepos > 1 ? f->namepos - 1 : 1,
			      w->path + f->namepos,
			      pfd,
			      &f->stx,
			      f->mnt_id,
			      true,
			      false,
			      &d};
	return w->ops->object(w->ctx, &wo);
}

/* Report the included non-directory NAME (path length LEN, statx S). */
static int report_file(struct walker *w, size_t dirlen, const char *name, size_t len,
		       const struct statx *s, uint32_t mnt, const struct decision *d)
{
	w->st->included++;
	int rc = report_parents(w, w->nfr);
	if (rc < 0)
		return rc;
	int dfd = fds_top(&w->fds); /* open: only pushes and pops close the top */
	struct walk_obj wo = {w->path, len,   dirlen, w->path + len - strlen(name), dfd, s, mnt,
			      false,   false, d};
	return w->ops->object(w->ctx, &wo);
}

/* Decide a non-directory whose statx is known. */
static int decide_file(struct walker *w, size_t dirlen, const char *name, size_t len,
		       const struct statx *s, uint32_t mnt)
{
	bool is_link = S_ISLNK(s->stx_mode);
	size_t nl = strlen(name);
	struct vm_obj o = {.dir = w->path,
			   .dirlen = dirlen,
			   .name = w->path + len - nl,
			   .namelen = nl,
			   .is_link = is_link};
	fill_obj(&o, s);
	if (is_link)
		o.dangling = fs_link_dangles(w->c->rootfd, w->path, fds_top(&w->fds), name);
	struct decision d;
	if (decide(w, &o, &d) < 0)
		return entry_error(w, name, errno, "deciding");
	w->st->decided++;
	if (d.verdict != V_INCLUDE)
		return 0;
	return report_file(w, dirlen, name, len, s, mnt, &d);
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

/* NAME (path in w->path) could not be examined or opened (ERR): a mount root that
 * refuses us is reported as such (1), anything else is for the caller (0). */
static int mount_denied(struct walker *w, const char *name, int err)
{
	if (!w->ops->mount_denied ||
	    !vol_mount_refuses(fds_top(&w->fds), name, w->fr[w->nfr - 1].mnt_id, err))
		return 0;
	w->ops->mount_denied(w->ctx, w->path, err);
	return 1;
}

/* Is directory FD the top of a migstate store: a MIGSTATE with our store.id (or an
 * interrupted creation of one) that the running user owns and nobody else can write
 * (storeguard.h)? A marker any user can plant would hide other users' files in a shared
 * folder from the capture. One fstatat per directory entered when it is not. */
static bool is_store_top(int fd)
{
	struct stat st;
	char why[128];
	if (fstatat(fd, STORE_META, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
		return false;
	enum store_state ss = store_probe_at(fd, ".");
	if (ss != SS_SCANNING && ss != SS_COMPLETE && ss != SS_REMOVING)
		return false;
	int meta = openat(fd, STORE_META, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool ours = meta >= 0 && storeguard_check(meta, why, sizeof why) == 0;
	if (meta >= 0)
		close(meta);
	return ours;
}

/* scan --first-boot's manifest directory (root's plan copy and manifest) is migstate's
 * own state, like a store: never captured. Only one this user owns and nobody else can
 * write counts, so nobody can hide her files from capture by naming a directory so. */
static bool is_firstboot_dir(const char *name, const struct statx *s)
{
	return strcmp(name, FB_DIR) == 0 && s->stx_uid == geteuid() && !(s->stx_mode & 022);
}

/* Enter subdirectory NAME of the top frame (its path is already in w->path, LEN): push
 * its frame. 1 entered (dir_begin comes next), 0 not entered, or the error's value. */
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
		for (size_t i = 0; i < c->nnonlocal; i++)
			if (c->nonlocal[i] == mnt) {
				if (w->ops->nonlocal)
					w->ops->nonlocal(w->ctx, w->path);
				return 0;
			}
	}
	if (w->nfr == w->capfr) {
		size_t cap = w->capfr * 2;
		struct frame *q = realloc(w->fr, cap * sizeof *q);
		if (!q)
			return w->ops->error(w->ctx, w->path, NULL, ENOMEM, "walking");
		w->fr = q;
		w->capfr = cap;
		memset(w->fr + w->nfr, 0, (cap - w->nfr) * sizeof *q);
		top = &w->fr[w->nfr - 1];
	}
	if (is_firstboot_dir(name, s)) {
		if (w->ops->skipped)
			w->ops->skipped(w->ctx, w->path, "the first-boot manifest");
		return 0;
	}
	/* the directory examined, or nothing: replaced between statx and open, it is not */
	struct fds_id id = {makedev(s->stx_dev_major, s->stx_dev_minor), (ino_t)s->stx_ino};
	int nfd = fds_push(&w->fds, name, strlen(name), NULL, NULL, &id);
	if (nfd >= 0 && is_store_top(nfd)) {
		if (w->ops->store_found)
			w->ops->store_found(w->ctx, w->path);
		if (fds_pop(&w->fds) != 0)
			return w->ops->error(w->ctx, w->path, NULL, errno,
					     "opening the directory again");
		return 0;
	}
	if (nfd < 0) {
		if (errno == ENOENT || errno == ESTALE)
			return 0; /* gone since readdir, or replaced */
		if (mount_denied(w, name, errno))
			return 0;
		size_t dl = top->pathlen;
		char save = w->path[dl];
		w->path[dl] = 0;
		int rc = w->ops->error(w->ctx, w->path, name, errno, "opening the directory");
		w->path[dl] = save;
		return rc;
	}
	struct frame *f = &w->fr[w->nfr++];
	f->pathlen = len;
	f->namepos = len - strlen(name);
	f->stx = *s;
	f->mnt_id = mnt;
	f->reported = false;
	return 1;
}

/* Leave the directory on top (walked, or given up): back in its parent, which must
 * still be the directory it was. RC: the walk's value so far, returned possibly
 * replaced by the error's. */
static int leave(struct walker *w, int rc)
{
	w->nfr--;
	struct frame *p = &w->fr[w->nfr - 1];
	if (fds_pop(&w->fds) != 0) {
		/* the directory we came from, closed to stay within the bound, is not the
		 * one it was any more (or cannot be opened): the rest of it is not walked */
		int e = errno;
		size_t dl = p->pathlen;
		w->path[dl] = 0;
		int erc = w->ops->error(w->ctx, w->path, NULL, e, "opening the directory again");
		p->i = p->n;
		if (rc >= 0)
			rc = erc;
	}
	w->path[p->pathlen] = 0;
	return rc;
}

/* The d_type of a directory entry as a file type (S_IF*), 0 when unknown. */
static unsigned dtype_mode(unsigned char t)
{
	switch (t) {
	case DT_REG:
		return S_IFREG;
	case DT_LNK:
		return S_IFLNK;
	case DT_FIFO:
		return S_IFIFO;
	case DT_SOCK:
		return S_IFSOCK;
	case DT_CHR:
		return S_IFCHR;
	case DT_BLK:
		return S_IFBLK;
	}
	return 0;
}

/* A non-directory NAME of type MODE (from d_type): decided before any statx. Returns
 * 1 when the entry must take the general path (its type changed under us), else the
 * usual 0 / negative. */
static int fast_entry(struct walker *w, size_t dirlen, const char *name, size_t nl, size_t plen,
		      unsigned mode)
{
	struct frame *f = &w->fr[w->nfr - 1];
	struct vm_obj o = {.dir = w->path,
			   .dirlen = dirlen,
			   .name = w->path + plen - nl,
			   .namelen = nl,
			   .is_link = mode == S_IFLNK,
			   .nometa = true};
	struct decision d;
	struct statx s;
	uint32_t mnt = f->mnt_id;
	bool have = false;
	int dfd = fds_top(&w->fds);
	int r = rt_decide_in(&f->dc, &o, &d);
	if (r == RT_NEED_META) {
		if (vol_statx(dfd, name, &s, &mnt) != 0)
			goto stat_failed;
		have = true;
		if ((s.stx_mode & S_IFMT) != mode)
			return 1;
		fill_obj(&o, &s);
		if (o.is_link)
			o.dangling = fs_link_dangles(w->c->rootfd, w->path, dfd, name);
		r = rt_decide_in(&f->dc, &o, &d);
	}
	if (r < 0)
		return entry_error(w, name, errno, "deciding");
	w->st->decided++;
	if (d.verdict != V_INCLUDE)
		return 0;
	if (!have) {
		if (vol_statx(dfd, name, &s, &mnt) != 0)
			goto stat_failed;
		if ((s.stx_mode & S_IFMT) != mode) {
			w->st->decided--;
			return 1; /* replaced by another kind of object: decide it afresh */
		}
	}
	return report_file(w, dirlen, name, plen, &s, mnt, &d);
stat_failed:;
	int e = errno;
	if (e == ENOENT || mount_denied(w, name, e))
		return 0; /* gone, or a mount on a file that refuses us */
	return entry_error(w, name, e, "examining");
}

/* The directory on top of the stack was just entered: decide it, read its entries. */
static int dir_begin(struct walker *w)
{
	struct frame *f = &w->fr[w->nfr - 1];
	const struct walk_config *c = w->c;
	size_t len = f->pathlen;
	w->st->dirs++;
	f->i = f->n = 0;
	int lrc = c->trace ? rt_candidates(c->b, w->path, len, &f->cands)
			   : rt_dir_begin(&f->dc, c->b, w->path, len);
	f->ncands = c->trace ? f->cands.n : f->dc.ncands;
	if (lrc < 0) /* out of memory: nothing here can be decided, the directory is the error */
		return w->ops->error(w->ctx, w->path, NULL, errno, "deciding");
	int rc = decide_dir(w);
	if (rc < 0)
		return rc;
	int dfd = fds_top(&w->fds);
	long nents = dfd < 0 ? -1 : read_entries(f, dfd);
	if (nents < 0)
		return w->ops->error(w->ctx, w->path, NULL, errno, "reading the directory");
	f->n = (size_t)nents;
	return rc;
}

/* Visit the next entry of the directory on top. Its value (negative: stop); *ENTERED
 * when it was a directory now on top of the stack. */
static int dir_step(struct walker *w, bool *entered)
{
	struct frame *f = &w->fr[w->nfr - 1];
	const struct walk_config *c = w->c;
	size_t len = f->pathlen;
	const char *name = f->names[f->i];
	unsigned char t = f->types[f->i];
	f->i++;
	*entered = false;
	size_t nl = strlen(name);
	if (len + 1 + nl > CAT_MAX_PATH || grow_path(w, len + nl + 2))
		return w->ops->error(w->ctx, w->path, name, ENAMETOOLONG, "walking");
	if (t != DT_DIR && t != DT_UNKNOWN && f->ncands == 0)
		return 0; /* nothing can match a file here: no stat needed */
	size_t plen = push_name(w, len, name, nl);
	int rc = 0;
	if (t == DT_DIR && !rt_reachable(c->b, w->path, plen))
		goto out;
	unsigned mode = dtype_mode(t);
	if (mode && !c->trace) {
		rc = fast_entry(w, len, name, nl, plen, mode);
		if (rc != 1)
			goto out;
		rc = 0; /* its type changed: the general path below */
	}
	struct statx s;
	uint32_t mnt = f->mnt_id;
	if (vol_statx(fds_top(&w->fds), name, &s, &mnt) != 0) {
		int e = errno;
		bool denied = mount_denied(w, name, e);
		w->path[len] = 0;
		if (e != ENOENT && !denied)
			rc = w->ops->error(w->ctx, w->path, name, e, "examining");
		return rc;
	}
	if (S_ISDIR(s.stx_mode)) {
		if (t == DT_DIR || rt_reachable(c->b, w->path, plen)) {
			rc = enter(w, name, plen, &s, mnt);
			if (rc == 1) {
				*entered = true;
				return dir_begin(w);
			}
		}
	} else if (f->ncands) {
		rc = decide_file(w, len, name, plen, &s, mnt);
	}
out:
	w->path[len] = 0;
	return rc;
}

/* The walk from the directory on top of the stack (the root): a loop over the frames,
 * not a recursion, so a tree as deep as a path may be costs no stack. */
static int walk_loop(struct walker *w)
{
	const struct walk_config *c = w->c;
	int rc = dir_begin(w);
	while (rc >= 0) {
		struct frame *f = &w->fr[w->nfr - 1];
		if (f->i >= f->n) {
			if (w->nfr == 1)
				break;
			rc = leave(w, rc);
			continue;
		}
		if (c->stop && *c->stop) {
			rc = WALK_STOPPED;
			break;
		}
		bool entered;
		rc = dir_step(w, &entered);
	}
	return rc;
}

int walk_run(const struct walk_config *c, const struct walk_ops *ops, void *ctx,
	     struct walk_stats *stats)
{
	struct walker w = {.c = c, .ops = ops, .ctx = ctx, .st = stats, .capfr = 16};
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
		fds_init(&w.fds, fd, 0);
		struct frame *f = &w.fr[0];
		f->pathlen = 1;
		f->namepos = 1;
		f->stx = s;
		f->mnt_id = mnt;
		f->reported = true;
		w.nfr = 1;
		rc = walk_loop(&w);
		fds_free(&w.fds);
		close(fd);
	}
	for (size_t i = 0; i < w.capfr; i++) {
		rt_cands_free(&w.fr[i].cands);
		rt_dirctx_free(&w.fr[i].dc);
		free(w.fr[i].dbuf);
		free(w.fr[i].names);
		free(w.fr[i].types);
	}
	free(w.fr);
	free(w.path);
	return rc;
}

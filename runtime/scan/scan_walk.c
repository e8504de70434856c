/* scan_walk.c - pass 1: walk and decide (walk.c), classify every included object (link,
 * clone, copy, record or an error at once) and append it to the item list. */
#include "scan_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "errpolicy.h"
#include "exitcodes.h"

/* What a copy of a file of SIZE bytes with BLOCKS 512-byte blocks costs (sparse copies
 * keep holes), rounded up to 4 KiB. */
static uint64_t copy_cost(uint64_t size, uint64_t blocks)
{
	uint64_t b = size;
	if (blocks && blocks * 512 < size)
		b = blocks * 512;
	return (b + 4095) & ~(uint64_t)4095;
}

static bool stx_encrypted(const struct statx *x)
{
	return (x->stx_attributes_mask & STATX_ATTR_ENCRYPTED) &&
	       (x->stx_attributes & STATX_ATTR_ENCRYPTED);
}

bool stx_os_locked(const struct statx *x)
{
	return x->stx_attributes & (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND);
}

/* Is the data of IT, on an overlayfs volume, in a lower layer (so that linking it makes
 * the kernel copy it up first)? It is unless the upper layer holds the file itself with
 * its data (not a metacopy). Without a visible upper layer: assumed lower. */
static bool ovl_lower(const struct scan *s, const struct item *it)
{
	const struct svol *v = &s->sv[it->vol];
	if (!v->upper)
		return true;
	char *real = NULL;
	if (asprintf(&real, "%s%s", strcmp(s->root_real, "/") ? s->root_real : "", it->path) < 0)
		return true;
	const char *rel = real;
	if (strcmp(v->mnt_real, "/")) {
		if (!scan_within(real, v->mnt_real)) {
			free(real);
			return true;
		}
		rel = real + strlen(v->mnt_real);
	}
	char *up = NULL;
	bool lower = true;
	struct stat st;
	if (asprintf(&up, "%s%s", v->upper, rel) >= 0 && lstat(up, &st) == 0 && S_ISREG(st.st_mode))
		lower = lgetxattr(up, "trusted.overlay.metacopy", NULL, 0) >= 0 ||
			lgetxattr(up, "user.overlay.metacopy", NULL, 0) >= 0;
	free(up);
	free(real);
	return lower;
}

/* How to capture the regular file IT (statx X). 1 = capture, 0 = leave it out (skipped
 * by policy or by an error rule), -1 = stop. RAISE: report lock errors (pass 1 only). */
int scan_classify(struct scan *s, struct item *it, const struct statx *x)
{
	const struct scan_opts *so = s->so;
	char *dir = NULL; /* made when a lock needs it */
	const char *name = item_name(it);
	int rc = 1;
	it->flags = 0;
	it->lock_copy = it->copyup = it->plain = false;
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
			it->plain = true; /* the plaintext, never a clone of the ciphertext */
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
	if (lk && !(dir = strndup(it->path, it->dirlen)))
		return -1;
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
	const struct svol *v = &s->sv[it->vol];
	if (it->act == A_LINK && v->no_links)
		it->act = A_COPY;
	if (v->overlay)
		it->copyup = ovl_lower(s, it);
	/* one more link would be refused (EMLINK): cloned or copied instead (a lower-layer
	 * file gets a fresh upper inode when linking copies it up) */
	if (it->act == A_LINK && !it->copyup && (uint64_t)x->stx_nlink >= v->link_max) {
		rlog_msg(&s->log, RL_DEBUG, "%s has %u links, the most its filesystem allows",
			 rlog_esc(&s->log, it->path), x->stx_nlink);
		it->act = A_COPY;
	}
	it->est = copy_cost(x->stx_size, x->stx_blocks);
	it->nlink = x->stx_nlink;
out:
	free(dir);
	return rc;
}

static int push_item(struct scan *s, const struct item *it, size_t plen)
{
	if (items_push(&s->items, it, plen) != 0)
		return -1;
	s->nit++;
	return 0;
}

static int p1_object(void *ctx, const struct walk_obj *o)
{
	struct scan *s = ctx;
	struct item it = {0};
	if (s->stop && *s->stop)
		return WALK_STOPPED;
	int v = svol_of(s, o->mnt_id, makedev(o->stx->stx_dev_major, o->stx->stx_dev_minor));
	it.path = (char *)o->path; /* borrowed: the list keeps its own copy */
	if (v < 0) {
		s->exit = EXIT_FAILED;
		rlog_msg(&s->log, RL_ERROR, "out of memory");
		return -1;
	}
	it.dirlen = (uint32_t)o->dirlen;
	it.vol = (uint32_t)v;
	it.type = scan_cat_type_of(o->stx->stx_mode);
	it.parent_only = o->parent_only;
	it.rule = o->d ? o->d->rule : PLAN_NONE;
	it.ctx = o->d ? o->d->ctx : 0;
	it.dev = makedev(o->stx->stx_dev_major, o->stx->stx_dev_minor);
	it.ino = o->stx->stx_ino;
	it.act = A_RECORD;
	if (it.type == CT_FILE) {
		int c = scan_classify(s, &it, o->stx);
		if (c <= 0)
			return c;
	}
	s->sv[v].used = true;
	if ((s->nit + 1) % 1024 == 0)
		rlog_count(&s->log, "scanning", s->nit + 1);
	if (push_item(s, &it, o->pathlen)) {
		s->exit = EXIT_FAILED;
		rlog_msg(&s->log, RL_ERROR, "cannot keep the list of objects found: %s",
			 strerror(errno));
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

static void p1_mount_denied(void *ctx, const char *path, int err)
{
	scan_mount_refused(ctx, path, strlen(path), err);
}

static void p1_nonlocal(void *ctx, const char *path)
{
	struct scan *s = ctx;
	s->c.nonlocal_skipped++;
	rlog_msg(&s->log, RL_INFO,
		 "%s: a removable, network or optical volume: not captured (--localonly)",
		 rlog_esc(&s->log, path));
}

static void p1_store_found(void *ctx, const char *path)
{
	struct scan *s = ctx;
	s->c.stores_skipped++;
	rlog_msg(&s->log, RL_WARN,
		 "%s is a migstate store (an earlier scan's, or one made elsewhere): not "
		 "captured, not entered",
		 rlog_esc(&s->log, path));
}

int scan_pass1(struct scan *s)
{
	struct walk_skip *skip;
	char **paths;
	size_t nskip, npaths;
	if (scan_skip_lists(s, &skip, &nskip, &paths, &npaths)) {
		free(skip);
		free(paths);
		return store_failure(s, "preparing", "the walk", ENOMEM);
	}
	struct walk_config wc = {&s->b,
				 s->rootfd,
				 &s->vt,
				 skip,
				 nskip,
				 (const char *const *)paths,
				 npaths,
				 s->so->trace ? stderr : NULL,
				 s->stop,
				 s->so->localonly ? s->nonlocal : NULL,
				 s->so->localonly ? s->nnonlocal : 0};
	struct walk_ops ops = {p1_object,	p1_error,	    p1_skipped,
			       p1_mount_denied, p1_store_found, p1_nonlocal};
	struct walk_stats ws;
	rlog_progress(&s->log, "PHASE", "Scanning", NULL);
	s->started = true;
	if (s->items.tmpfd < 0)
		items_set_tmpdir(&s->items,
				 scan_open_deepest(s->store_real, s->sv[0].mnt_id, NULL));
	int rc = walk_run(&wc, &ops, s, &ws);
	free(skip);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	char kept[64];
	scan_mb(s->items.sp.flen + s->items.sp.len, kept, sizeof kept);
	rlog_msg(&s->log, RL_INFO,
		 "walk: %" PRIu64 " directories entered, %" PRIu64 " objects decided, %" PRIu64
		 " included (their list: %s, %s)",
		 ws.dirs, ws.decided, ws.included, kept,
		 spill_in_file(&s->items.sp) ? "in a temporary file" : "in memory");
	if (rc == WALK_STOPPED) {
		s->exit = EXIT_CANCELED;
		rlog_msg(&s->log, RL_ERROR, "interrupted");
	}
	return rc < 0 ? -1 : 0;
}

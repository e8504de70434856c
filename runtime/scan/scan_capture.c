/* scan_capture.c - pass 2: each item of the list captured in walk order (a link, a clone,
 * a copy or a record) and streamed into the catalog. */
#include "scan_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "copyfile.h"
#include "diracl.h"
#include "exitcodes.h"
#include "fsutil.h"

#define FLUSH_EVERY 1024 /* catalog records between two writes to catalog.partial */

/* An fd of directory DIR (logical) beneath the root (directory stack). */
static int source_dir(struct scan *s, const char *dir)
{
	return ds_open(&s->src, s->rootfd, dir, strlen(dir), false);
}

/* The payload directory stack of volume V. */
static struct dstack *payload_stack(struct scan *s, const struct svol *v)
{
	size_t i = (size_t)(v - s->sv);
	if (i >= s->npstk) {
		struct dstack *q = realloc(s->pstk, s->nsv * sizeof *q);
		if (!q)
			return NULL;
		memset(q + s->npstk, 0, (s->nsv - s->npstk) * sizeof *q);
		s->pstk = q;
		s->npstk = s->nsv;
	}
	return &s->pstk[i];
}

/* An fd of File/<DIR> in the store of V, made as needed (0700), kept open. */
static int payload_dir(struct scan *s, struct svol *v, const char *dir)
{
	struct dstack *d = payload_stack(s, v);
	if (!d) {
		errno = ENOMEM;
		return -1;
	}
	return ds_open(d, v->file_fd, dir, strlen(dir), true);
}

static void fill_record(struct cat_record *r, const struct item *it, const struct statx *x)
{
	memset(r, 0, sizeof *r);
	r->type = scan_cat_type_of(x->stx_mode);
	r->user = it->ctx;
	r->ino = x->stx_ino;
	r->size = x->stx_size;
	r->mtime_ns = (int64_t)x->stx_mtime.tv_sec * 1000000000 + x->stx_mtime.tv_nsec;
	r->atime_ns = (int64_t)x->stx_atime.tv_sec * 1000000000 + x->stx_atime.tv_nsec;
	r->ctime_ns = (int64_t)x->stx_ctime.tv_sec * 1000000000 + x->stx_ctime.tv_nsec;
	r->mode = x->stx_mode;
	r->uid = x->stx_uid;
	r->gid = x->stx_gid;
	/* a file's names as pass 1 counted them, before the store added its own: the same
	 * whichever name of it is linked first, and by which thread (scan_helper.c) */
	r->nlink = it->type == CT_FILE && it->nlink ? it->nlink : x->stx_nlink;
	r->rule = it->rule;
	r->rdev = makedev(x->stx_rdev_major, x->stx_rdev_minor);
	r->flags = it->flags;
	if (it->parent_only)
		r->flags |= CF_PARENT;
}

/* Copy IT into the store of volume D (the master, or by COPY_CLONE_ONLY a clone into its
 * home store). 0 done, -1 failed (errno; *STORE_SIDE). */
static int do_copy(struct scan *s, struct item *it, int sfd, const struct statx *x,
		   struct cat_record *r, bool *store_side, size_t d, unsigned flags)
{
	struct svol *m = &s->sv[d];
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
	uint32_t fvol;
	uint64_t dev = makedev(x->stx_dev_major, x->stx_dev_minor), ino = x->stx_ino;
	if (ih_find(&s->copies, dev, ino, &first, &fvol) && fvol == d) {
		/* another name of an inode already copied: one more link to that copy */
		const char *fp = s->firsts[first].path + 1;
		if (fs_linkat(m->file_fd, fp, dfd, name, 0) == 0) {
			r->action = s->firsts[first].act == A_REFLINK ? CA_REFLINKED : CA_COPIED;
			r->flags |= CF_SHARED;
			r->volume = m->cat;
			if (r->action == CA_REFLINKED)
				s->c.reflinked++;
			else
				s->c.copied++;
			return 0;
		}
	}
	struct copy_result cr;
	if (copy_file(sfd, name, dfd, name, (dev_t)dev, (ino_t)ino, flags, &cr) != 0) {
		*store_side = cr.store_side;
		return -1;
	}
	r->action = cr.how == COPY_CLONE ? CA_REFLINKED : CA_COPIED;
	r->volume = m->cat;
	it->act = cr.how == COPY_CLONE ? A_REFLINK : A_COPY; /* what later names share */
	if (cr.how == COPY_CLONE)
		s->c.reflinked++;
	else
		s->c.copied++;
	s->c.bytes_copied += cr.bytes;
	if (x->stx_nlink > 1) { /* only an inode with other names can come again */
		struct first_copy *q = realloc(s->firsts, (s->nfirsts + 1) * sizeof *q);
		char *fp = q ? strdup(it->path) : NULL;
		if (q)
			s->firsts = q;
		if (fp) {
			q[s->nfirsts] = (struct first_copy){fp, it->act};
			ih_put(&s->copies, dev, ino, s->nfirsts++, (uint32_t)d);
		}
	}
	return 0;
}

/* Link IT into the store of its volume. 0 linked; 1 cannot link here (clone or copy it);
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
	/* Link the file examined, by fd: a name swapped in between (for a symlink, or for a
	 * hard link of someone else's file) is never linked into the store, not even for
	 * the moment a check after the link would need (a crash there would keep it). */
	int ofd = openat(sfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat pre;
	if (ofd < 0 || fstat(ofd, &pre) != 0 || !S_ISREG(pre.st_mode) ||
	    pre.st_ino != (ino_t)x->stx_ino ||
	    pre.st_dev != makedev(x->stx_dev_major, x->stx_dev_minor)) {
		int e = ofd < 0 ? errno : ESTALE;
		if (ofd >= 0)
			close(ofd);
		errno = e;
		return -1;
	}
	int lrc = pre.st_nlink > 0 ? fs_link_fd(ofd, dfd, name) : (errno = ENOENT, -1);
	int le = errno;
	close(ofd);
	errno = le;
	if (lrc != 0) {
		int e = errno;
		if (e == ENOSPC || e == EDQUOT || e == EIO)
			return store_failure(s, "linking into the store", it->path, e);
		if (e == EXDEV || e == EPERM || e == EMLINK || e == EROFS || e == EOPNOTSUPP) {
			if (e == EPERM && stx_os_locked(x))
				r->flags |= CF_IMMUTABLE;
			rlog_msg(&s->log, RL_DEBUG, "%s cannot be linked (%s): cloned or copied",
				 rlog_esc(&s->log, it->path), strerror(e));
			return 1;
		}
		errno = e;
		return -1;
	}
	/* what was linked must be what was examined (a rename in between swaps names); on
	 * overlayfs the copy-up may give the file a new inode number: then the source name
	 * must show the same new inode */
	struct stat chk, now;
	bool ok = fstatat(dfd, name, &chk, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(chk.st_mode);
	if (ok && chk.st_ino != (ino_t)x->stx_ino)
		ok = v->overlay && fstatat(sfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		     now.st_ino == chk.st_ino && now.st_dev == chk.st_dev;
	if (!ok) {
		unlinkat(dfd, name, 0);
		errno = ESTALE;
		return -1;
	}
	r->ino = chk.st_ino;
	r->action = CA_LINKED;
	r->volume = st->cat;
	st->did_link++;
	s->c.linked++;
	if (it->copyup) { /* it was in a lower layer: overlayfs copied it up to link it */
		r->flags |= CF_COPIED_UP;
		s->c.copied_up++;
		s->c.bytes_copied_up += it->est;
	}
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
	if (!(it->flags & CF_LOCKED) && (rc = scan_classify(s, it, x)) <= 0)
		return rc < 0 ? -1 : 0;
	it->flags |= keep;
	it->lock_copy |= lock_copy;
	if (planned != A_LINK)
		it->act = (uint8_t)planned; /* the plan moved it to a clone or a copy */
	else if (it->act != A_LINK || stx_os_locked(x))
		it->act = it->plain ? A_COPY : A_REFLINK; /* cannot be linked any more */
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
		it->act = A_REFLINK; /* refused after all (EMLINK, EPERM ...) */
	}
	bool store_side;
	int e, h = s->sv[it->vol].home;
	if (it->act == A_REFLINK && h > 0 && s->sv[h].has_store) {
		if (do_copy(s, it, sfd, x, r, &store_side, (size_t)h,
			    COPY_CLONE_ONLY | scan_copy_flags(s, it)) == 0)
			return 1;
		e = errno;
		if (store_side && (e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS))
			return store_failure(s, "cloning", it->path, e);
		rlog_msg(&s->log, RL_DEBUG, "%s cannot be cloned into %s (%s): copied",
			 rlog_esc(&s->log, it->path), rlog_esc(&s->log, s->sv[h].store_real),
			 strerror(e));
	}
	if (do_copy(s, it, sfd, x, r, &store_side, 0,
		    (it->plain ? COPY_NO_CLONE : 0) | scan_copy_flags(s, it)) == 0)
		return 1;
	e = errno;
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

static int note_acl_id(void *ctx, bool group, uint32_t id)
{
	struct scan *s = ctx;
	return idset_add(group ? &s->own_gids : &s->own_uids, id);
}

/* The quick way to capture a file planned as a link: open it as a path (O_PATH: no
 * permission check, no open file), check by that fd that it is still the inode pass 1
 * examined, and link that fd. Nothing swapped in under the name after the check can be
 * linked, not even for a moment (the identity check comes before the link, on the very
 * inode linked). PD: the payload directory stack of IT's volume (each thread has its
 * own); *DFD: the payload directory linked into. 1 linked (X: what was linked), 0 take
 * the general path (which examines the file afresh and handles every refusal of the
 * link), -1 the payload directory cannot be made (errno). Touches nothing of S but its
 * volumes (read only): pass 2's helper thread calls it too (scan_helper.c). */
int scan_link_fast(const struct scan *s, struct dstack *pd, const struct item *it, int sfd,
		   struct statx *x, int *dfd)
{
	const struct svol *v = &s->sv[it->vol];
	if (it->act != A_LINK || it->copyup || (it->flags & CF_LOCKED) || !v->has_store ||
	    v->overlay || v->file_fd < 0)
		return 0;
	const char *name = item_name(it);
	int ofd = openat(sfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (ofd < 0)
		return 0;
	if (statx(ofd, "", AT_EMPTY_PATH | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, x) != 0 ||
	    !S_ISREG(x->stx_mode) || x->stx_ino != it->ino ||
	    makedev(x->stx_dev_major, x->stx_dev_minor) != it->dev || x->stx_nlink == 0) {
		close(ofd); /* replaced or removed since pass 1: examined afresh */
		return 0;
	}
	*dfd = ds_open(pd, v->file_fd, it->path, it->dirlen, true);
	if (*dfd < 0) {
		int e = errno;
		close(ofd);
		errno = e;
		return -1;
	}
	int lrc = fs_link_fd(ofd, *dfd, name);
	close(ofd);
	return lrc == 0 ? 1 : 0;
}

/* The catalog record of IT, linked by scan_link_fast (X), and the counts. */
void scan_linked_record(struct scan *s, const struct item *it, const struct statx *x,
			struct cat_record *r)
{
	struct svol *v = &s->sv[it->vol];
	fill_record(r, it, x);
	r->src_volume = v->cat;
	r->action = CA_LINKED;
	r->volume = v->cat;
	v->did_link++;
	s->c.linked++;
}

/* scan_link_fast by this thread, then the file's ACLs, read from the name just linked
 * in the store (only migstate writes there, so that name is the inode linked) without
 * opening the file, when the kernel can (*ACLS set). 1 captured (R filled), 0 take the
 * general path, -1 stop. */
static int link_first(struct scan *s, struct item *it, int sfd, struct cat_record *r,
		      bool *acls)
{
	struct dstack *d = payload_stack(s, &s->sv[it->vol]);
	struct statx x;
	int dfd;
	int rc = d ? scan_link_fast(s, d, it, sfd, &x, &dfd) : (errno = ENOMEM, -1);
	if (rc < 0)
		return store_failure(s, "creating the payload directory for", it->path, errno);
	if (rc == 0)
		return 0;
	if (diracl_at_ok()) {
		*acls = true;
		if (aclrec_capture(&s->acls, dfd, item_name(it), false, it->path, note_acl_id, s) != 0)
			return store_failure(s, "recording the owner of", it->path, ENOMEM);
	}
	scan_linked_record(s, it, &x, r);
	return 1;
}

/* The ACLs of the file or directory just recorded as R (DIR/NAME), when they have named
 * entries, with their ids among the identities to record (aclrec.h). Read through an
 * fd of that very inode; one that changed meanwhile is left out. 0, or -1 (ENOMEM). */
static int capture_acls(struct scan *s, int sfd, const char *name, const struct cat_record *r,
			const char *path)
{
	if (r->type != CT_FILE && r->type != CT_DIR)
		return 0;
	int fl = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
		 (r->type == CT_DIR ? O_DIRECTORY : 0);
	int fd = openat(sfd, name, fl | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(sfd, name, fl);
	if (fd < 0)
		return 0;
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_ino == r->ino)
		rc = aclrec_capture(&s->acls, fd, NULL, r->type == CT_DIR, path, note_acl_id, s);
	close(fd);
	return rc;
}

/* Capture one item; PRE: what pass 2's helper did with it (NULL: nothing, or no helper).
 * 0 go on, -1 stop. */
static int capture(struct scan *s, struct item *it, const struct prelinked *pre)
{
	const char *dir = item_dir(s, it);
	const char *name = item_name(it);
	char *target = NULL;
	struct cat_record r;
	bool acls = false; /* its ACLs are recorded already */
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
		int e = errno;
		size_t at = e == EACCES || e == EPERM ? vol_refusing_mount_on(s->rootfd, dir) : 0;
		if (at) { /* mounted there since pass 1 by a user who keeps us out */
			scan_mount_refused(s, dir, at, e);
			goto out;
		}
		rc = scan_error(s, dir, NULL, e, "opening the directory");
		goto out;
	}
	if (pre && pre->linked) { /* the helper linked it: its record, and its ACL */
		scan_linked_record(s, it, &pre->x, &r);
		acls = pre->acl_read;
		if (pre->acl && aclrec_capture_value(&s->acls, ACLREC_ACCESS, pre->acl, pre->acllen,
						     it->path, note_acl_id, s) != 0) {
			rc = store_failure(s, "recording the owner of", it->path, ENOMEM);
			goto out;
		}
		goto record;
	}
	if (it->type == CT_FILE && (rc = link_first(s, it, sfd, &r, &acls)) != 0) {
		if (rc < 0)
			goto out;
		rc = 0;
		goto record;
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
		int e = errno;
		uint32_t dmnt;
		if (vol_fd_mnt_id(sfd, &dmnt) == 0 && vol_mount_refuses(sfd, name, dmnt, e)) {
			scan_mount_refused(s, it->path, strlen(it->path), e); /* mounted since */
			goto out;
		}
		rc = scan_error(s, dir, name, e, "examining");
		goto out;
	}
	if (scan_cat_type_of(x.stx_mode) != it->type) {
		rc = scan_error(s, dir, name, ESTALE,
				"examining (its type changed during the scan)");
		goto out;
	}
	fill_record(&r, it, &x);
	r.src_volume = s->sv[it->vol].cat;
	r.volume = r.src_volume;
	r.action = CA_RECORDED;
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
record:
	scan_mount_flags(s, it, sfd, &r);
	if (catw_add_ex(s->cw, &r, it->path, target) != 0) {
		free(target);
		rc = store_failure(s, "writing the catalog entry of", it->path, errno);
		goto out;
	}
	free(target);
	if (idset_add(&s->own_uids, r.uid) != 0 || idset_add(&s->own_gids, r.gid) != 0 ||
	    (!acls && capture_acls(s, sfd, name, &r, it->path) != 0)) {
		rc = store_failure(s, "recording the owner of", it->path, ENOMEM);
		goto out;
	}
	if (it->type != CT_DIR)
		rlog_listfile(&s->log, it->path);
	if (s->o->verbose & RTV_OBJECTS) {
		char where[512];
		rlog_msg(&s->log, RL_INFO, "%s %s (%s)", action_name(r.action),
			 rlog_esc(&s->log, it->path), rule_where(s, it->rule, where, sizeof where));
	}
out:
	return rc;
}

int scan_pass2(struct scan *s)
{
	unsigned last_pct = 0;
	int rc = 0;
	rlog_progress(&s->log, "PHASE", "Collecting", NULL);
	struct icur cur;
	struct helper *h = scan_helper_start(s);
	size_t i = 0;
	for (struct item *it = ic_first(&s->items, &cur, false); it; it = ic_next(&cur), i++) {
		if (s->stop && *s->stop) {
			s->exit = EXIT_CANCELED;
			rlog_msg(&s->log, RL_ERROR, "interrupted: the store is left incomplete");
			rc = -1;
			break;
		}
		if (capture(s, it, scan_helper_at(h, i)) < 0) {
			rc = -1;
			break;
		}
		/* stream: what an interruption leaves in catalog.partial stays close to the
		 * payload already in the store */
		if ((i + 1) % FLUSH_EVERY == 0 && catw_flush(s->cw) != 0) {
			rc = store_failure(s, "writing the catalog of", s->store_real, errno);
			break;
		}
		rlog_bar(&s->log, i + 1, s->nit);
		unsigned pct = (unsigned)((i + 1) * 100 / s->nit);
		if (pct / 10 != last_pct / 10) {
			char p[16];
			snprintf(p, sizeof p, "%u", pct);
			rlog_progress(&s->log, "totalPercentageCompleted", p, NULL);
			last_pct = pct;
		}
	}
	scan_helper_stop(h);
	ic_end(&cur);
	if (rc < 0)
		return rc;
	rlog_bar_end(&s->log);
	if (s->items.err)
		return store_failure(s, "reading back the list of objects found for", s->store_real,
				     s->items.err);
	return 0;
}

/* scan_stores.c - the stores on disk: the master and the per-volume ones made (old ones
 * removed), the catalog opened, and at the end everything committed. */
#include "scan_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "store.h"
#include "volparent.h"

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
int create_stores(struct scan *s)
{
	char err[512];
	struct svol *m = &s->sv[0];
	/* every per-volume store's path as safe as the master's, before any store is made */
	int unsafe = 0;
	for (size_t i = 1; i < s->nsv; i++)
		if (s->sv[i].store_real &&
		    volparent_enforce("scan", s->sv[i].mnt_real, s->sv[i].store_real,
				      s->so->o.insecure_parent, &s->log) != 0)
			unsafe = EXIT_BAD_STORE;
	if (unsafe) {
		s->exit = unsafe;
		return -1;
	}
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
		int mfd = open(scan_store_base(s, v->mnt_real), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
	if (scan_check_space(s, false)) {
		s->exit = EXIT_STARTUP;
		return -1;
	}
	return 0;
}

int open_catalog(struct scan *s)
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
		if (!v->master && !v->used && !v->has_store)
			continue;
		v->cat = (uint32_t)n;
		struct cat_vol_info *c = &vi[n++];
		c->v.dev = (uint64_t)v->dev;
		c->v.mnt_id = v->mnt_id;
		c->v.fs_magic = v->fs_magic;
		c->v.flags = (v->master ? CV_MASTER : 0) | (v->has_store ? 0 : CV_NO_STORE) |
			     (v->subvol ? CV_SUBVOLUME : 0);
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

/* Flush every store, commit the catalog, then mark the stores complete (master last). */
int scan_commit(struct scan *s)
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

/* scan_stores.c - the stores on disk: the master and the per-volume ones made (old ones
 * removed), the catalog opened, and at the end everything committed. */
#include "scan_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acctdb.h"
#include "exitcodes.h"
#include "identity.h"
#include "rd.h"
#include "store.h"
#include "storeguard.h"
#include "storewalk.h"
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

/* Is FD the store directory this scan holds the lock of (the same inode)? */
static bool is_locked_store(const struct scan *s, int fd)
{
	struct stat a, b;
	return s->lock_fd >= 0 && fstat(fd, &a) == 0 && fstat(s->lock_fd, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* scan -o: rd's guard before the old store is replaced. What rd would keep as the last
 * link to user data (nothing restored from it yet) makes the scan stop with 35, as rd
 * itself would, unless --force. Reads only: the reset comes after. */
static int guard_old_store(struct scan *s)
{
	struct sw_store old;
	char err[512];
	int ec;
	if (sw_open(&old, s->store_real, s->root_real,
		    SW_ALLOW_PARTIAL | SW_NO_CATALOG | SW_ORDERED | SW_NO_LOCK, err, sizeof err,
		    &ec) != 0) {
		rlog_msg(&s->log, RL_ERROR, "store %s: %s", rlog_esc(&s->log, s->store_real), err);
		sw_close(&old);
		s->exit = ec;
		return -1;
	}
	if (!is_locked_store(s, old.store_fd)) {
		rlog_msg(&s->log, RL_ERROR, "store %s was replaced while the scan ran: refused",
			 rlog_esc(&s->log, s->store_real));
		sw_close(&old);
		s->exit = EXIT_BAD_STORE;
		return -1;
	}
	char *lines = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&lines, &len);
	struct rd_opts ro = {.force = s->so->force, .out = out};
	struct rd_result r;
	int rc = out ? rd_check(&old, &ro, &r) : EXIT_STORE_KEPT;
	sw_close(&old);
	if (out)
		fclose(out);
	for (char *save = NULL, *l = lines ? strtok_r(lines, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save))
		rlog_msg(&s->log, RL_ERROR, "old store: %s", l); /* rd's lines are escaped */
	free(lines);
	if (rc == EXIT_OK)
		return 0;
	rlog_msg(&s->log, RL_ERROR,
		 "store %s: not overwritten: %zu entr%s of it %s the only copy of user data "
		 "(nothing was restored from %s)%s; restore it (migstate load) or pass --force "
		 "with -o once you are sure it is not needed",
		 rlog_esc(&s->log, s->store_real), r.kept, r.kept == 1 ? "y" : "ies",
		 r.kept == 1 ? "is" : "are", r.kept == 1 ? "it" : "them",
		 r.errors ? ", or could not be checked" : "");
	s->exit = EXIT_STORE_KEPT;
	return -1;
}

/* Hold the master store's lock from its creation to the end of the scan: rd, load or
 * another scan of this store fail at once instead of racing the capture. With -o the
 * lock was taken on the old store, which the reset kept in place. */
static int lock_master(struct scan *s, int top)
{
	char why[400];
	if (s->lock_fd >= 0) {
		if (is_locked_store(s, top)) {
			close(top);
			return 0;
		}
		snprintf(why, sizeof why, "it was replaced while the scan ran");
		errno = EEXIST;
	} else if (storeguard_lock(top, why, sizeof why) == 0) {
		s->lock_fd = top;
		return 0;
	}
	rlog_msg(&s->log, RL_ERROR, "store %s: %s", rlog_esc(&s->log, s->store_real), why);
	s->exit = errno == EWOULDBLOCK ? EXIT_STORE_BUSY : EXIT_BAD_STORE;
	close(top);
	return -1;
}

static int open_file_dir(struct svol *v)
{
	v->file_fd =
	    openat(v->meta_fd, STORE_PAYLOAD, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return v->file_fd < 0 ? -1 : 0;
}

/* Create the master store and the per-volume ones; a volume whose store cannot be made
 * (read-only, the path leads onto another mount, ...) is copied into the master. */
int scan_create_stores(struct scan *s)
{
	char err[512];
	struct svol *m = &s->sv[0];
	/* every per-volume store's path as safe as the master's, before any store is made:
	 * a volume whose store path another user could change (her own mount in her home)
	 * gets no store, its files are copied into the master instead; refusing the scan
	 * would let any user stop every scan */
	for (size_t i = 1; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		char why[PATH_MAX + 256];
		if (!v->store_real)
			continue;
		for (size_t k = 0; k < s->nnonlocal; k++)
			if (s->nonlocal[k] == v->mnt_id)
				rlog_msg(&s->log, RL_WARN,
					 "a store is made on the volume mounted at %s, a removable, "
					 "network or optical one: unplugged or unreachable at load, "
					 "its files are missing (--localonly leaves such volumes out)",
					 rlog_esc(&s->log, v->mnt_real));
		if (s->so->o.insecure_parent) {
			volparent_enforce("scan", v->mnt_real, v->store_real, true, &s->log);
			continue;
		}
		if (!volparent_unsafe(v->store_real, why, sizeof why))
			continue;
		rlog_msg(&s->log, RL_WARN,
			 "no store on the volume mounted at %s (%s): %s; its files are copied into "
			 "the master store",
			 rlog_esc(&s->log, v->mnt_real), rlog_esc(&s->log, v->store_real),
			 rlog_esc(&s->log, why));
		free(v->store_real);
		free(v->store_logical);
		v->store_real = v->store_logical = NULL;
	}
	if (s->so->overwrite && s->lock_fd >= 0 && guard_old_store(s))
		return -1;
	if (s->so->overwrite)
		drop_old_volume_stores(s);
	int mtop = -1;
	m->meta_fd = store_create(s->store_real, s->so->overwrite, &mtop, err, sizeof err);
	if (m->meta_fd < 0 && (errno == ENOSPC || errno == EDQUOT))
		s->exit = EXIT_STARTUP; /* the space check passed, then the room went */
	if (m->meta_fd < 0 || lock_master(s, mtop) || open_file_dir(m)) {
		if (!s->exit || s->exit == EXIT_STARTUP)
			rlog_msg(&s->log, RL_ERROR, "store %s: %s",
				 rlog_esc(&s->log, s->store_real),
				 m->meta_fd < 0 ? err : strerror(errno));
		if (!s->exit)
			s->exit = EXIT_BAD_STORE;
		return -1;
	}
	rd_pending_retire(s->store_real, &s->log);
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
	scan_plan_payloads(s);
	if (scan_check_space(s, false)) {
		s->exit = EXIT_STARTUP;
		return -1;
	}
	return 0;
}

int scan_open_catalog(struct scan *s)
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

/* Before the store is called complete: does it hold exactly the payload this scan put
 * there? The store lock keeps other migstate commands out; this catches anything else
 * that removed or added entries meanwhile (a store is never "complete" short). */
static int recount_payload(struct scan *s)
{
	struct payload_tally n = {0, 0};
	for (size_t i = 0; i < s->nsv; i++)
		if (s->sv[i].file_fd >= 0 && scan_count_payload(s->sv[i].file_fd, &n) != 0)
			return store_failure(s, "counting the payload of", s->store_real, errno);
	uint64_t want = s->c.linked + s->c.copied + s->c.reflinked;
	if (n.files == want && n.other == 0)
		return 0;
	rlog_msg(&s->log, RL_ERROR,
		 "store %s: it holds %llu payload files (and %llu other entries) where this "
		 "scan put %llu: something changed the store while the scan ran; it is not "
		 "marked complete (run the scan again)",
		 rlog_esc(&s->log, s->store_real), (unsigned long long)n.files,
		 (unsigned long long)n.other, (unsigned long long)want);
	s->exit = EXIT_FAILED;
	return -1;
}

/* Record who owned what, by name (identity.h), in the master store: the selected
 * users and every user and group owning a captured object, read from the captured
 * system's account files. Written before the catalog is committed, so a complete
 * store always has them. */
/* The members of the groups the plan's changeGroup mappings for users not migrated
 * (appliesTo NonmigratedUsers, AllUsers) name as FROM: load adds those who have an
 * account on the target (load_groupmap.c). 0 or -1 (ENOMEM). */
static int collect_mapped_groups(struct scan *s, const struct acct_db *db, struct identities *id)
{
	const char **from = calloc(s->plan.ngrpms + 1, sizeof *from);
	size_t n = 0;
	if (!from)
		return -1;
	for (size_t i = 0; i < s->plan.ngrpms; i++)
		if (s->plan.grpms[i].applies & PG_NONMIGRATED)
			from[n++] = plan_str(&s->plan, s->plan.grpms[i].from);
	int rc = ident_collect_groups(db, from, n, id);
	free(from);
	return rc;
}

static int write_identities(struct scan *s)
{
	struct acct_db db;
	char err[300];
	if (acctdb_read(s->rootfd, &db, err, sizeof err) != 0) {
		rlog_msg(&s->log, RL_ERROR, "the accounts of the captured system: %s", err);
		s->exit = EXIT_FAILED;
		return -1;
	}
	const char **sel = calloc(s->nchoices + 1, sizeof *sel);
	size_t nsel = 0, nu = 0, ng = 0;
	for (size_t i = 0; sel && i < s->nchoices; i++)
		if (s->choices[i].selected)
			sel[nsel++] = s->choices[i].name;
	uint32_t *uids = idset_sorted(&s->own_uids, &nu), *gids = idset_sorted(&s->own_gids, &ng);
	struct identities id;
	int rc = -1;
	if (sel && (uids || !s->own_uids.n) && (gids || !s->own_gids.n) &&
	    ident_collect(&db, sel, nsel, uids, nu, gids, ng, &id) == 0) {
		rc = collect_mapped_groups(s, &db, &id);
		if (rc == 0)
			rc = ident_write(s->sv[0].meta_fd, &id);
		if (rc == 0)
			rlog_msg(&s->log, RL_INFO,
				 "identities: %zu users, %zu groups, %zu memberships recorded by name"
				 "%s",
				 id.nusers, id.ngroups, id.nmembers,
				 id.nanon_uids || id.nanon_gids ? " (some owners had no name)" : "");
		ident_free(&id);
	} else {
		errno = ENOMEM;
	}
	int e = errno;
	if (rc == 0 && (db.skipped || db.duplicates))
		rlog_msg(&s->log, RL_WARN,
			 "the captured system's account files hold %zu lines that are not entries "
			 "and %zu duplicate entries: ignored (the first of a name or id counts)",
			 db.skipped, db.duplicates);
	free(uids);
	free(gids);
	free(sel);
	acctdb_free(&db);
	if (rc != 0)
		return store_failure(s, "recording the identities in", s->store_real, e);
	return 0;
}

/* The captured ACLs with named entries (aclrec.h), beside the identities: always
 * written, so that a store without them is known to be older. */
static int write_acls(struct scan *s)
{
	if (aclrec_write(s->sv[0].meta_fd, &s->acls) != 0)
		return store_failure(s, "recording the ACLs in", s->store_real, errno);
	if (s->acls.n)
		rlog_msg(&s->log, RL_INFO, "acls: %zu captured ACLs with named entries recorded",
			 s->acls.n);
	return 0;
}

/* Flush every store, check its payload, record the identities, commit the catalog,
 * then mark the stores complete (master last). */
int scan_commit(struct scan *s)
{
	rlog_progress(&s->log, "PHASE", "Saving", NULL);
	if (recount_payload(s) || write_identities(s) || write_acls(s))
		return -1;
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

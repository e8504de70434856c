/* load_owners.c - restored objects owned by the captured owner's account here, found by
 * name (issue 16; idmap.h has the rules). A linked file shares the captured inode, so
 * the inode itself is re-owned, through the store's name of it (a directory only root
 * can enter): the store's entry follows, as a hard-linked inode has one owner. */
#include "load_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "escape.h"
#include "exitcodes.h"
#include "acctwrite.h"
#include "identity.h"
#include "logindefs.h"
#include "smallfile.h"

#define CAPS_XATTR "security.capability"

const char *owners_restored_as(const struct loader *L, const char *old)
{
	return idmap_mu_target(L->o->mu, L->o->nmu, old);
}

static const char *group_name_of(const struct identities *ids, uint32_t gid, const char *dflt)
{
	const struct ident_group *g = ident_group_gid(ids, gid);
	return g ? g->name : dflt;
}

/* --lac: each migrated (selected) user with no account of their name here is created
 * (acctwrite.h has the rules: captured ids when free, locked unless --lae), with the
 * non-system groups they were in (captured gid at or above the target's GID_MIN) and
 * those memberships. System groups are never joined here. Returns an exit code. */
/* --lac --dry-run: the accounts and groups acctwrite_plan would create, appended to
 * HERE and kept in L->lac_plan, so the map and the users are what a real --lac makes. */
static int add_planned(struct loader *L, struct acct_db *here, const struct aw_user *u,
		       const struct aw_result *res)
{
	char *pw = NULL, *gr = NULL;
	size_t pl = 0, gl = 0;
	FILE *p = open_memstream(&pw, &pl), *g = open_memstream(&gr, &gl);
	int rc = p && g ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < res->nusers; i++)
		if (res->users[i].status == AW_CREATED)
			fprintf(p, "%s:x:%u:%u:%s:%s:%s\n", u[i].name, res->users[i].uid,
				res->users[i].gid, u[i].gecos ? u[i].gecos : "", u[i].home,
				res->users[i].shell ? res->users[i].shell : "/bin/sh");
	for (size_t i = 0; rc == 0 && i < res->ngroups; i++)
		if (res->groups[i].status == AW_CREATED)
			fprintf(g, "%s:x:%u:\n", res->groups[i].name, res->groups[i].gid);
	if (p && fclose(p) != 0)
		rc = -1;
	if (g && fclose(g) != 0)
		rc = -1;
	if (rc == 0 && (acctdb_parse(here, ACCT_PASSWD, pw, pl) != 0 ||
			acctdb_parse(here, ACCT_GROUP, gr, gl) != 0 ||
			acctdb_parse(&L->lac_plan, ACCT_PASSWD, pw, pl) != 0))
		rc = -1;
	free(pw);
	free(gr);
	return rc;
}

bool owners_planned_user(const struct loader *L, const char *name, struct rt_user *out)
{
	const struct acct_user *a = acctdb_user_named(&L->lac_plan, name);
	if (!a)
		return false;
	memset(out, 0, sizeof *out);
	out->name = strdup(a->name);
	out->home = strdup(a->home);
	out->uid = a->uid;
	out->gid = a->gid;
	return true;
}

static int create_accounts(struct loader *L, const struct identities *ids,
			   struct acct_db *here)
{
	char *defs = small_file_read(L->s.rootfd, "/etc/login.defs", NULL);
	uint32_t gid_min = logindefs_id(defs, "GID_MIN", 1000);
	free(defs);
	size_t nu = 0, ng = 0, nm = 0;
	struct aw_user *u = calloc(ids->nusers + 1, sizeof *u);
	struct aw_group *g = calloc(ids->ngroups + 1, sizeof *g);
	struct aw_member *m = calloc(ids->nmembers + 1, sizeof *m);
	char **homes = calloc(ids->nusers + 1, sizeof *homes);
	int rc = EXIT_FAILED;
	if (!u || !g || !m || !homes)
		goto out;
	for (size_t i = 0; i < ids->nusers; i++) {
		const struct ident_user *iu = &ids->users[i];
		const char *as = owners_restored_as(L, iu->name);
		if (!iu->selected || acctdb_user_named(here, as))
			continue;
		const char *home = iu->home;
		if (strcmp(as, iu->name) != 0) {
			/* --mu to a new account: its home beside the captured one's */
			const char *slash = strrchr(iu->home, '/');
			size_t dl = slash ? (size_t)(slash - iu->home) : 0;
			if (asprintf(&homes[i], "%.*s/%s", (int)dl, iu->home, as) < 0)
				goto out;
			home = homes[i];
		}
		u[nu++] = (struct aw_user){as,
					   iu->uid,
					   group_name_of(ids, iu->gid, as),
					   iu->gid,
					   iu->gecos,
					   home,
					   iu->shell,
					   iu->hash,
					   iu->aging,
					   !L->o->lae};
	}
	for (size_t i = 0; i < ids->nmembers; i++) {
		const struct ident_member *im = &ids->members[i];
		const struct ident_user *iu = NULL;
		for (size_t k = 0; k < ids->nusers && !iu; k++)
			if (!strcmp(ids->users[k].name, im->user))
				iu = &ids->users[k];
		const struct ident_group *ig = NULL;
		for (size_t k = 0; k < ids->ngroups && !ig; k++)
			if (!strcmp(ids->groups[k].name, im->group))
				ig = &ids->groups[k];
		if (!iu || !iu->selected || !ig || ig->gid < gid_min)
			continue; /* privileged groups only by policy (ProfileControl) */
		bool listed = false;
		for (size_t k = 0; k < ng; k++)
			listed |= !strcmp(g[k].name, ig->name);
		if (!listed)
			g[ng++] = (struct aw_group){ig->name, ig->gid};
		m[nm++] = (struct aw_member){owners_restored_as(L, iu->name), ig->name};
	}
	if (!nu && !ng) {
		rc = EXIT_OK;
		goto out;
	}
	struct aw_request req = {u, nu, g, ng, m, nm, 0, 0};
	struct aw_result res;
	char err[300];
	int r = L->o->dry_run ? acctwrite_plan(L->s.rootfd, &req, &res, err, sizeof err)
			      : acctwrite_apply(L->s.rootfd, &req, &res, err, sizeof err);
	if (r != 0) {
		rlog_msg(L->log, RL_ERROR, "--lac: the accounts cannot be created: %s", err);
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	const char *would = L->o->dry_run ? "would be " : "";
	if (L->o->dry_run && add_planned(L, here, u, &res) != 0) {
		acctwrite_result_free(&res);
		goto out;
	}
	for (size_t i = 0; i < res.nusers; i++) {
		const struct aw_user_result *ur = &res.users[i];
		if (ur->status == AW_CREATED)
			rlog_msg(L->log, RL_INFO,
				 "--lac: account %s %screated: uid %u, gid %u, %s%s%s", 
				 rlog_esc(L->log, u[i].name), would, ur->uid, ur->gid,
				 L->o->lae ? "its password usable (--lae)" : "locked (--lae unlocks)",
				 ur->shell_replaced ? "; its shell is not here: " : "",
				 ur->shell_replaced ? rlog_esc(L->log, ur->shell) : "");
		else if (ur->status != AW_EXISTS)
			rlog_msg(L->log, RL_WARN, "--lac: account %s not created: %s",
				 rlog_esc(L->log, u[i].name), acctwrite_status_name(ur->status));
	}
	for (size_t i = 0; i < res.ngroups; i++)
		if (res.groups[i].status == AW_CREATED)
			rlog_msg(L->log, RL_INFO, "--lac: group %s %screated: gid %u",
				 rlog_esc(L->log, res.groups[i].name), would, res.groups[i].gid);
	for (size_t i = 0; i < res.nmembers; i++)
		if (res.members[i] == AW_ADDED)
			rlog_msg(L->log, RL_INFO, "--lac: %s %sadded to group %s",
				 rlog_esc(L->log, m[i].user), would, rlog_esc(L->log, m[i].group));
	L->st->accounts_created = res.users_created;
	L->st->groups_created = res.groups_created;
	L->st->memberships_added += res.members_added;
	acctwrite_result_free(&res);
	rc = EXIT_OK;
out:
	for (size_t i = 0; homes && i < ids->nusers; i++)
		free(homes[i]);
	free(homes);
	free(u);
	free(g);
	free(m);
	return rc;
}

int owners_setup(struct loader *L)
{
	struct identities ids;
	char err[300];
	bool have = false;
	/* --keep-ids maps no owner, but the plan's group mappings still need the records */
	if (!L->o->keep_ids || L->plan.ngrpms) {
		if (ident_read(L->s.meta_fd, &ids, err, sizeof err) == 0)
			have = true;
		else if (errno == ENOENT)
			rlog_msg(L->log, RL_WARN,
				 "the store has no identity records (made by an older migstate): %s",
				 L->o->keep_ids ? "no group mapping (changeGroup) can be applied"
						: "restored objects keep their owners' numbers");
		else {
			rlog_msg(L->log, RL_ERROR, "%s", err);
			return EXIT_BAD_STORE;
		}
	}
	bool by_name = have && !L->o->keep_ids;
	struct acct_db here;
	memset(&here, 0, sizeof here);
	if (have && acctdb_read(L->s.rootfd, &here, err, sizeof err) != 0) {
		rlog_msg(L->log, RL_ERROR, "the accounts of this system: %s", err);
		ident_free(&ids);
		return EXIT_ENVIRONMENT;
	}
	if (L->o->lac && !by_name)
		rlog_msg(L->log, RL_WARN, "--lac: the store has no identity records: no account "
					  "can be made from it");
	int rc = EXIT_OK;
	if (L->o->lac && by_name) {
		rc = create_accounts(L, &ids, &here);
		/* the map is made from the accounts as they are now (a dry run: with the
		 * ones it would create, as a real --lac would) */
		if (!L->o->dry_run)
			acctdb_free(&here);
		if (rc == EXIT_OK && !L->o->dry_run &&
		    acctdb_read(L->s.rootfd, &here, err, sizeof err) != 0) {
			rlog_msg(L->log, RL_ERROR, "the accounts of this system: %s", err);
			rc = EXIT_ENVIRONMENT;
		}
	}
	if (rc == EXIT_OK && have && L->plan.ngrpms)
		rc = groupmap_apply(L, &ids, &here);
	if (rc == EXIT_OK && idmap_build(&L->map, by_name ? &ids : NULL, &here, L->o->mu,
					 L->o->nmu, L->o->keep_ids) != 0)
		rc = EXIT_FAILED;
	if (have)
		ident_free(&ids);
	acctdb_free(&here);
	return rc;
}

void owners_free(struct loader *L)
{
	idmap_free(&L->map);
	acctdb_free(&L->lac_plan);
}

/* One line of the map in the log, one element of the JSON array. */
static void report(struct loader *L, FILE *json, const char *what, const struct idmap_ent *e,
		   bool *first)
{
	if (!e->objects && e->kind != IDM_RENUMBERED)
		return;
	const char *name = e->name ? e->name : "";
	switch (e->kind) {
	case IDM_RENUMBERED:
		rlog_msg(L->log, RL_INFO, "%s %s: %u when captured, %u here%s%s", what,
			 rlog_esc(L->log, name), e->from, e->to,
			 strcmp(name, e->target) ? " as " : "",
			 strcmp(name, e->target) ? rlog_esc(L->log, e->target) : "");
		break;
	case IDM_NAMELESS:
		/* a user without a name is worth a warning; a group without one is common
		 * (a system with no etc/group entry for it) and only noted */
		rlog_msg(L->log, !strcmp(what, "user") ? RL_WARN : RL_INFO,
			 "%s %u had no name when captured: its %llu objects keep that number", what,
			 e->from, (unsigned long long)e->objects);
		break;
	case IDM_ABSENT:
		rlog_msg(L->log, RL_WARN,
			 "%s %s (%u when captured) has no account here: %s (create it, or map "
			 "it with --mu, then run load again)",
			 what, rlog_esc(L->log, name), e->from,
			 !strcmp(what, "user") ? "nothing of theirs is restored"
					       : "their objects get their owner's own group");
		break;
	case IDM_TAKEN:
		rlog_msg(L->log, RL_ERROR,
			 "%s %s (%u when captured) has no account here, and %u is %s's now: "
			 "restoring by number would give %s's objects to %s",
			 what, rlog_esc(L->log, name), e->from, e->from, rlog_esc(L->log, e->now),
			 rlog_esc(L->log, name), rlog_esc(L->log, e->now));
		break;
	default:
		break;
	}
	fprintf(json, "%s{\"kind\":\"%s\",\"name\":", *first ? "" : ",", what);
	json_str(json, name);
	fprintf(json, ",\"captured\":%u,\"here\":", e->from);
	if (e->kind == IDM_ABSENT || e->kind == IDM_TAKEN)
		fputs("null", json);
	else
		fprintf(json, "%u", e->to);
	fprintf(json, ",\"as\":");
	json_str(json, e->target ? e->target : name);
	fprintf(json, ",\"map\":\"%s\",\"objects\":%llu", idmap_kind_names[e->kind],
		(unsigned long long)e->objects);
	if (e->now) {
		fputs(",\"now_held_by\":", json);
		json_str(json, e->now);
	}
	fputc('}', json);
	*first = false;
}

int owners_check(struct loader *L)
{
	const struct idmap *m = &L->map;
	char *buf = NULL;
	size_t len = 0;
	FILE *json = open_memstream(&buf, &len);
	if (!json)
		return EXIT_FAILED;
	bool first = true;
	size_t taken = 0;
	fputc('[', json);
	for (size_t i = 0; i < m->nu; i++) {
		report(L, json, "user", &m->u[i], &first);
		taken += m->u[i].kind == IDM_TAKEN && m->u[i].objects;
	}
	for (size_t i = 0; i < m->ng; i++) {
		report(L, json, "group", &m->g[i], &first);
		taken += m->g[i].kind == IDM_TAKEN && m->g[i].objects;
	}
	fputc(']', json);
	if (fclose(json) == 0)
		L->st->id_map_json = buf;
	else
		free(buf);
	if (!taken)
		return EXIT_OK;
	if (L->o->ro->cont) {
		rlog_msg(L->log, RL_WARN,
			 "-c: the objects of the owners above whose id is another account's now "
			 "are skipped");
		return EXIT_OK;
	}
	rlog_msg(L->log, RL_ERROR,
		 "nothing restored: %zu captured owner%s no account here while %s id names "
		 "another account; create %s (--lac, or useradd/groupadd), map %s to an "
		 "account (--mu OLD:NEW), or pass -c to restore everything else",
		 taken, taken == 1 ? " has" : "s have", taken == 1 ? "its" : "their",
		 taken == 1 ? "it" : "them", taken == 1 ? "it" : "them");
	return EXIT_USE_LAC;
}

void owners_note_skipped(struct loader *L, const struct sw_rec *r)
{
	const struct idmap_ent *u = idmap_user(&L->map, r->r.uid);
	const struct idmap_ent *g = idmap_group(&L->map, r->r.gid);
	const struct idmap_ent *t = u && u->kind == IDM_TAKEN ? u : g && g->kind == IDM_TAKEN ? g
											  : NULL;
	if (t)
		rlog_msg(L->log, RL_WARN,
			 "%s: owned by %u:%u when captured; %s has no account here and %u is %s's "
			 "now: not restored (if it is still at its place, it is %s's: check it)",
			 rlog_esc(L->log, r->path), r->r.uid, r->r.gid,
			 rlog_esc(L->log, t->name ? t->name : "?"), t->from,
			 rlog_esc(L->log, t->now), rlog_esc(L->log, t->now));
	else
		rlog_msg(L->log, RL_WARN,
			 "%s: owned by %u:%u when captured, an owner with no account here: not "
			 "restored",
			 rlog_esc(L->log, r->path), r->r.uid, r->r.gid);
}

bool owners_of(struct loader *L, struct obj *ob)
{
	const struct cat_record *r = &ob->r->r;
	if (idmap_owner(&L->map, r->uid, r->gid, &ob->ouid, &ob->ogid) == 0)
		return true;
	L->st->owner_skipped++;
	L->st->skipped++;
	owners_note_skipped(L, ob->r);
	return false;
}

bool owners_payload_differs(const struct loader *L, const struct stat *pst, uint32_t ouid,
			    uint32_t ogid)
{
	return !L->map.keep && (pst->st_uid != ouid || pst->st_gid != ogid);
}

void owners_reown_payload(struct obj *ob)
{
	struct loader *L = ob->L;
	bool own = owners_payload_differs(L, &ob->pst, ob->ouid, ob->ogid);
	/* its ACL too: the inode is the store's, so always from the record (load_acls.c) */
	bool acl = aclrec_find(&L->acls, ob->r->path, ACLREC_ACCESS) != NULL;
	if (L->o->dry_run || (!own && !acl))
		return;
	/* chown drops set-id bits and file capabilities: both are put back as they were */
	unsigned char caps[64];
	ssize_t ncaps = -1;
	int fd = openat(ob->sfd, ob->sleaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_ino != ob->pst.st_ino ||
	    st.st_dev != ob->pst.st_dev) {
		if (fd >= 0)
			close(fd);
		rlog_msg(L->log, RL_WARN, "%s: its store entry changed: owner left as it is",
			 rlog_esc(L->log, ob->r->path));
		return;
	}
	if (own) {
		ncaps = fgetxattr(fd, CAPS_XATTR, caps, sizeof caps);
		if (fchown(fd, ob->ouid, ob->ogid) == 0) {
			if (st.st_mode & (S_ISUID | S_ISGID))
				fchmod(fd, st.st_mode & 07777);
			if (ncaps > 0)
				fsetxattr(fd, CAPS_XATTR, caps, (size_t)ncaps, 0);
			L->st->reowned++;
		} else if (!load_unsupported(errno)) {
			rlog_msg(L->log, RL_WARN, "%s: cannot give it to uid %u: %s",
				 rlog_esc(L->log, ob->r->path), ob->ouid, strerror(errno));
		}
	}
	/* after the mode: chmod sets the mask from the group bits */
	if (acl)
		acls_apply_fd(L, ob->r->path, fd, false);
	fstat(fd, &ob->pst);
	close(fd);
}

void owners_reown_special(struct obj *ob, int dfd, const char *name)
{
	struct loader *L = ob->L;
	const struct cat_record *r = &ob->r->r;
	if (L->map.keep || L->o->dry_run || (r->uid == ob->ouid && r->gid == ob->ogid))
		return;
	int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	/* only the entry load took for the object, still with the captured numbers: an
	 * entry of another kind swapped in meanwhile, or anybody else's, is left alone */
	mode_t want = r->type == CT_SYMLINK ? S_IFLNK
		      : r->type == CT_FIFO  ? S_IFIFO
		      : r->type == CT_CHR   ? S_IFCHR
		      : r->type == CT_BLK   ? S_IFBLK
					    : 0;
	if (fstat(fd, &st) == 0 && want && (st.st_mode & S_IFMT) == want && st.st_uid == r->uid &&
	    st.st_gid == r->gid) {
		if (fchownat(fd, "", ob->ouid, ob->ogid, AT_EMPTY_PATH) == 0)
			L->st->reowned++;
		else if (!load_unsupported(errno))
			rlog_msg(L->log, RL_WARN, "%s: cannot give it to uid %u: %s",
				 rlog_esc(L->log, ob->r->path), ob->ouid, strerror(errno));
	}
	close(fd);
}

void owners_reown_dir(struct loader *L, int fd, const struct stat *st, const char *logical,
		      const struct dir_meta *m)
{
	if (L->map.keep || L->o->dry_run || st->st_ino != m->ino || st->st_uid != m->cap_uid ||
	    (m->uid == m->cap_uid && m->gid == m->cap_gid))
		return;
	if (fchown(fd, m->uid, m->gid) != 0) {
		rlog_msg(L->log, RL_WARN, "%s: cannot give it to uid %u: %s",
			 rlog_esc(L->log, logical), m->uid, strerror(errno));
		return;
	}
	fchmod(fd, st->st_mode & 07777); /* the set-gid bit stays */
	L->st->reowned++;
}

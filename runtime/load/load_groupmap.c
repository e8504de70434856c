/* load_groupmap.c - Config.xml's <ProfileControl> group mappings (<changeGroup from= to=
 * appliesTo=>, the plan's grpm section): the users a mapping applies to who were in group
 * FROM at capture are added to group TO here, through the account engine (acctwrite.h:
 * under the shadow tools' locks, every other line kept byte for byte). TO may be a system
 * group (sudo, wheel, adm ...): that is the point of a mapping, so AW_PRIVILEGED. Without
 * a mapping, no system group is ever joined (create_accounts keeps to the others).
 *
 * "Were in FROM": the identity records (identity.h) hold the primary group and the
 * supplementary groups of the users the scan migrated: MigratedUsers are those users
 * (by their name here, after --mu). For NonmigratedUsers (and AllUsers) the scan also
 * recorded every member of FROM (gmember): those it did not migrate are added when they
 * have an account of their name here; load never creates an account for them (--lac
 * makes migrated users only). A store made before gmember records maps none of them. */
#include "load_int.h"

#include <stdlib.h>
#include <string.h>

#include "acctwrite.h"
#include "disasm.h"
#include "exitcodes.h"
#include "identity.h"

/* Was captured user IU in group GROUP (primary or supplementary)? */
static bool was_member(const struct identities *ids, const struct ident_user *iu, const char *group)
{
	const struct ident_group *pg = ident_group_gid(ids, iu->gid);
	if (pg && !strcmp(pg->name, group))
		return true;
	for (size_t i = 0; i < ids->nmembers; i++)
		if (!strcmp(ids->members[i].user, iu->name) && !strcmp(ids->members[i].group, group))
			return true;
	return false;
}

/* Did the scan migrate user NAME? */
static bool migrated(const struct identities *ids, const char *name)
{
	for (size_t i = 0; i < ids->nusers; i++)
		if (ids->users[i].selected && !strcmp(ids->users[i].name, name))
			return true;
	return false;
}

/* USER to GROUP appended to M (N entries) unless there already. The new count. */
static size_t add_once(struct aw_member *m, size_t n, const char *user, const char *group)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(m[k].user, user) && !strcmp(m[k].group, group))
			return n;
	m[n] = (struct aw_member){user, group};
	return n + 1;
}

/* The memberships mapping G asks for, appended to M (deduplicated). */
static size_t mapping_members(struct loader *L, const struct plan_grpm *g,
			      const struct identities *ids, const struct acct_db *here,
			      struct aw_member *m, size_t nm)
{
	const char *from = plan_str(&L->plan, g->from), *to = plan_str(&L->plan, g->to);
	if (!acctdb_group_named(here, to)) {
		rlog_msg(L->log, RL_WARN,
			 "changeGroup from=%s (line %u): there is no group %s here: nobody is added "
			 "to it",
			 rlog_esc(L->log, from), g->line, rlog_esc(L->log, to));
		return nm;
	}
	for (size_t i = 0; (g->applies & PG_MIGRATED) && i < ids->nusers; i++) {
		const struct ident_user *iu = &ids->users[i];
		if (iu->selected && was_member(ids, iu, from))
			nm = add_once(m, nm, owners_restored_as(L, iu->name), to);
	}
	if (!(g->applies & PG_NONMIGRATED))
		return nm;
	size_t seen = 0;
	for (size_t i = 0; i < ids->ngmembers; i++) {
		const struct ident_member *gm = &ids->gmembers[i];
		if (strcmp(gm->group, from) != 0)
			continue;
		seen++;
		if (migrated(ids, gm->user))
			continue;
		if (!acctdb_user_named(here, gm->user)) {
			rlog_msg(L->log, RL_INFO,
				 "changeGroup from=%s (line %u): %s, not migrated, has no account "
				 "here: not added (load makes no account for users it did not "
				 "migrate)",
				 rlog_esc(L->log, from), g->line, rlog_esc(L->log, gm->user));
			continue;
		}
		nm = add_once(m, nm, gm->user, to);
	}
	if (!seen)
		rlog_msg(L->log, RL_INFO,
			 "changeGroup from=%s (line %u): the store records no member of %s (a "
			 "store made by an older migstate records migrated users only): no "
			 "account that was not migrated is added (appliesTo=%s)",
			 rlog_esc(L->log, from), g->line, rlog_esc(L->log, from),
			 grpm_applies_name(g->applies));
	return nm;
}

int groupmap_apply(struct loader *L, const struct identities *ids, const struct acct_db *here)
{
	const struct plan *p = &L->plan;
	struct aw_member *m = calloc(p->ngrpms * (ids->nusers + ids->ngmembers + 1) + 1, sizeof *m);
	if (!m)
		return EXIT_FAILED;
	size_t nm = 0;
	for (size_t i = 0; i < p->ngrpms; i++)
		nm = mapping_members(L, &p->grpms[i], ids, here, m, nm);
	if (!nm) {
		free(m);
		return EXIT_OK;
	}
	struct aw_request req = {NULL, 0, NULL, 0, m, nm, AW_PRIVILEGED, 0};
	struct aw_result res;
	char err[300];
	int r = L->o->dry_run ? acctwrite_plan(L->s.rootfd, &req, &res, err, sizeof err)
			      : acctwrite_apply(L->s.rootfd, &req, &res, err, sizeof err);
	if (r != 0) {
		rlog_msg(L->log, RL_ERROR, "changeGroup: the group memberships cannot be added: %s",
			 err);
		free(m);
		return EXIT_ENVIRONMENT;
	}
	const char *would = L->o->dry_run ? "would be " : "";
	for (size_t i = 0; i < res.nmembers; i++) {
		if (res.members[i] == AW_ADDED)
			rlog_msg(L->log, RL_INFO, "changeGroup: %s %sadded to group %s",
				 rlog_esc(L->log, m[i].user), would, rlog_esc(L->log, m[i].group));
		else if (res.members[i] == AW_NO_USER && L->o->dry_run && L->o->lac)
			/* a dry run creates nothing: the account is one --lac would make */
			rlog_msg(L->log, RL_INFO,
				 "changeGroup: %s would be added to group %s (once --lac has made "
				 "the account)",
				 rlog_esc(L->log, m[i].user), rlog_esc(L->log, m[i].group));
		else if (res.members[i] == AW_ALREADY)
			rlog_msg(L->log, RL_INFO, "changeGroup: %s is in group %s already",
				 rlog_esc(L->log, m[i].user), rlog_esc(L->log, m[i].group));
		else
			rlog_msg(L->log, RL_WARN, "changeGroup: %s not added to group %s: %s",
				 rlog_esc(L->log, m[i].user), rlog_esc(L->log, m[i].group),
				 acctwrite_status_name(res.members[i]));
	}
	L->st->memberships_added += res.members_added;
	L->st->group_mappings_applied = res.members_added;
	acctwrite_result_free(&res);
	free(m);
	return EXIT_OK;
}
